/* lreader.h - readers shared between lreader.c and the loop. */
#ifndef OXLUA_LREADER_H
#define OXLUA_LREADER_H

#include <stdint.h>
#include <lua.h>

#define OXL_READER "oxlua.reader"

struct ox_perfbuf;
struct ox_ringbuf;
struct ox_object;
struct oxl_object;

struct oxl_reader {
	struct ox_perfbuf *pb;
	struct ox_ringbuf *rb;
	char name[64];
	int decode;
	const struct ox_object *obj;	/* its BTF decodes records; held through object */
	struct oxl_object *object;
	uint32_t type, type_size;
	struct oxl_plan *plan;	/* compiled decoder for type, or NULL */
	uint64_t events, bytes, errors, lost;
	double seconds;		/* time spent draining, handlers included */
	int flush_ms;		/* longest an event may wait when wakeups are batched */
	int stop_on_error, failed;
	int draining, close_pending;	/* closed from a handler: freed after the drain */
	char last_error[512];	/* the latest handler error, with its traceback's first line */
};

struct oxl_reader *oxl_check_reader(lua_State *L, int idx);
/* Deliver up to max (0: all) ready records of the reader at idx. */
int oxl_reader_drain(lua_State *L, int idx, int max);

#endif
