/* source.h - what an event loop watches. Engine layer: no Lua.
 *
 * A source is a set of fds that become readable (EPOLLIN) and a callback to
 * run when one does. The perf and ring readers each embed one and fill in
 * its fds (a perf buffer has one per CPU, a ring buffer one); whoever
 * consumes the reader sets the callback, its argument and the flush bound.
 * A source is in at most one loop at a time; the reader that embeds it
 * leaves the loop before it closes its fds (see loop.h). */
#ifndef OXLUA_SOURCE_H
#define OXLUA_SOURCE_H

struct ox_loop;
struct ox_source;

/* Called when one of the source's fds is readable, and at least every
 * flush_ms when that is set (wakeups the kernel batches may keep a record
 * waiting). arg is what the caller gave ox_loop_poll. Returns how many
 * records it handled. It may remove or free any source, itself included,
 * and free the loop (the loop finishes the poll first). */
typedef int (*ox_ready_fn)(struct ox_source *src, void *arg);

struct ox_source {
	/* filled in by the reader that embeds the source */
	const int *fds;
	int nr_fds;
	/* by its consumer */
	ox_ready_fn ready;
	void *data;		/* for the consumer */
	int flush_ms;		/* > 0: ready is called at least this often */
	/* the loop's: which one holds the source, its list, the flush round
	 * that visited it last */
	struct ox_loop *loop;
	struct ox_source *prev, *next;
	unsigned flushed;
};

#endif
