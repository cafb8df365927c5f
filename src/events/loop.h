/* loop.h - the event loop core: one epoll set for every source, a timerfd
 * for timers and the flush of batched sources, a signalfd for SIGINT and
 * SIGTERM. Engine layer: no Lua. All of its state hangs off struct ox_loop.
 *
 * A foreign loop can watch ox_loop_fd() and call ox_loop_poll(lp, 0, ...)
 * when it is readable: the timerfd is in the epoll set, so the fd also
 * becomes readable when a timer or a flush is due. */
#ifndef OXLUA_LOOP_H
#define OXLUA_LOOP_H

#include "common.h"
#include "events/source.h"

struct ox_loop;

struct ox_loop *ox_loop_new(struct ox_err *err);
/* Takes every source out (their fds leave the epoll set), gives the
 * signals back, closes the fds and frees the loop. NULL is fine. From a
 * callback of ox_loop_poll, the free waits until that poll returns. */
void ox_loop_free(struct ox_loop *lp);
int ox_loop_fd(const struct ox_loop *lp);	/* the epoll fd */

/* Add every fd of src to the epoll set (all or none); src must not be in a
 * loop. The first source added starts the flush cadence. */
int ox_loop_add(struct ox_loop *lp, struct ox_source *src, struct ox_err *err);
/* Take src out of its loop: its fds leave the epoll set (while they are
 * still open) and no callback of a poll under way sees it again. Nothing
 * when src is in no loop. */
void ox_loop_remove(struct ox_source *src);

/* Timers: every `seconds` (> 0) from now. Returns an id (> 0), or -1 with
 * err set. Cancelling an unknown id does nothing. */
int ox_loop_every(struct ox_loop *lp, double seconds, struct ox_err *err);
void ox_loop_cancel(struct ox_loop *lp, int id);
/* Called for each timer that is due, from ox_loop_poll. It may add and
 * cancel timers, remove sources and free the loop. */
typedef void (*ox_timer_fn)(void *arg, int id);

/* on: block SIGINT and SIGTERM and read them from a signalfd in the epoll
 * set (the first one that arrives is remembered: ox_loop_stopped_by); off:
 * restore the signal mask there was before. */
int ox_loop_signals(struct ox_loop *lp, int on, struct ox_err *err);
int ox_loop_stopped_by(const struct ox_loop *lp);	/* signal number or 0 */
void ox_loop_clear(struct ox_loop *lp);

/* One round: due timers, a wait of at most ms (< 0: until the first wakeup;
 * 0: never block; shortened to the next timer or flush), the ready callback
 * of each source with a readable fd, of every source when the flush is due,
 * then due timers again. arg goes to every callback. Returns the sum of what
 * the ready callbacks returned, or -1 with err set when epoll_wait fails. */
int ox_loop_poll(struct ox_loop *lp, int ms, ox_timer_fn on_timer, void *arg,
		 struct ox_err *err);

#endif
