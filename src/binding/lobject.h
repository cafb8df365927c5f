/* lobject.h - a parsed object (core.open, core.parse) as userdata. */
#ifndef OXLUA_LOBJECT_H
#define OXLUA_LOBJECT_H

#define OXL_OBJECT "oxlua.object"

struct ox_object;

/* The object is shared: instances loaded from it and readers decoding with
 * its BTF hold it. close marks it closed (its methods raise); the parsed
 * object is freed once it is closed and no one holds it. */
struct oxl_object {
	struct ox_object *obj;	/* NULL: freed (or never parsed) */
	int closed;
	int users;
};

void oxl_object_hold(struct oxl_object *o);
void oxl_object_release(struct oxl_object *o);

#endif
