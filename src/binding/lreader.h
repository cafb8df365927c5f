/* lreader.h - what the loop (lloop.c) needs of a reader: its source, what
 * to do when the source is ready, and the table of the loop that holds it. */
#ifndef OXLUA_LREADER_H
#define OXLUA_LREADER_H

#include <lua.h>

#define OXL_READER "oxlua.reader"

struct ox_source;

/* The reader at idx as a loop source; raises when it is closed (test: NULL).
 * Its flush_ms is the reader's; the loop sets the callback. */
struct ox_source *oxl_reader_source(lua_State *L, int idx);
struct ox_source *oxl_reader_test_source(lua_State *L, int idx);
/* The source is readable or its flush is due: deliver every ready record,
 * unless the reader is closed or stopped at a handler error. Returns how
 * many were delivered. */
int oxl_reader_ready(lua_State *L, int idx);
/* The table at `table` (a loop's readers, keyed by the reader's address)
 * holds the reader at idx: the reader drops out of it when it closes.
 * table 0: none. */
void oxl_reader_set_home(lua_State *L, int idx, int table);

#endif
