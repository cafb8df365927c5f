/* lobject.h - a parsed object (core.open, core.parse) as userdata. */
#ifndef OXLUA_LOBJECT_H
#define OXLUA_LOBJECT_H

#define OXL_OBJECT "oxlua.object"

struct ox_object;

struct oxl_object { struct ox_object *obj; };

#endif
