/* linst.h - a loaded instance as userdata, and the map and program views
 * of it. */
#ifndef OXLUA_LINST_H
#define OXLUA_LINST_H

#include <lua.h>

#include "load/load.h"
#include "object/object.h"

#define OXL_INSTANCE "oxlua.instance"
#define OXL_MAP      "oxlua.map"
#define OXL_PROGRAM  "oxlua.program"

struct oxl_object;

/* Owns every fd of one load; inst is NULL once closed. It holds the object
 * it was loaded from (struct ox_instance points into it). */
struct oxl_instance {
	struct ox_instance *inst;
	struct oxl_object *object;
};
/* Views into an instance; the instance userdata is their user value. A view
 * has nothing to close: it is closed when its instance is. */
struct oxl_map { struct oxl_instance *owner; int idx; };
struct oxl_program { struct oxl_instance *owner; int idx; };

/* Push a map / program view of the instance at index `owner`. */
void oxl_push_view(lua_State *L, int owner, int idx, const char *tname);
#define oxl_push_map(L, owner, idx) oxl_push_view(L, owner, idx, OXL_MAP)
#define oxl_push_program(L, owner, idx) oxl_push_view(L, owner, idx, OXL_PROGRAM)

#endif
