/* find.c - looking things up in a parsed object by name. */
#include <string.h>

#include "object/object.h"

int ox_object_find_func(const struct ox_object *obj, const char *name)
{
	for (uint32_t i = 0; i < obj->nr_funcs; i++)
		if (strcmp(obj->funcs[i].name, name) == 0 && obj->funcs[i].is_prog)
			return (int)i;
	return -1;
}

int ox_object_find_map(const struct ox_object *obj, const char *name)
{
	for (uint32_t i = 0; i < obj->nr_maps; i++)
		if (strcmp(obj->maps[i].name, name) == 0 && !obj->maps[i].is_inner)
			return (int)i;
	return -1;
}

int ox_object_find_global(const struct ox_object *obj, const char *name)
{
	for (uint32_t i = 0; i < obj->nr_globals; i++)
		if (strcmp(obj->globals[i].name, name) == 0)
			return (int)i;
	return -1;
}
