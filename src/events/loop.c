/* loop.c - the event loop core: one epoll set for every source's fds, a
 * timerfd armed at the next timer or flush deadline, a signalfd for
 * SIGINT/SIGTERM once signals are taken. Callbacks run from ox_loop_poll may
 * remove sources, free them, add and cancel timers, poll again or free the
 * loop, so a poll re-reads what it walks after each callback: the events it
 * still has to handle sit in a frame that ox_loop_remove clears, and the
 * loop's memory stays until the outermost poll returns. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "events/loop.h"

#define MAX_EVENTS 64

struct timer {
	int id;			/* 0: cancelled while timers were running */
	double at, every;
};

/* The tags (sources, or the loop's own fds) of the events a poll under way
 * has yet to handle. */
struct frame {
	void **tags;
	int n;
	struct frame *up;
};

struct ox_loop {
	int epfd, tfd, sfd;
	int signals_on, stopped_by;
	sigset_t oldmask;
	struct ox_source *sources;
	double next_flush;	/* the flush cadence; 0 until a source is added */
	unsigned flush_round;
	struct timer *timers;
	int nr_timers, cap_timers, timer_seq;
	int running_timers;	/* timer callbacks under way: no compaction */
	struct frame *frames;
	int depth;		/* polls under way */
	int freed;		/* ox_loop_free from a callback */
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int os_err(struct ox_err *err, int e, const char *what)
{
	return ox_errf(err, e, "%s: %s (%s)", what, ox_errno_name(e), strerror(e));
}

static int watch(struct ox_loop *lp, int fd, void *tag)
{
	struct epoll_event ev;
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN;
	ev.data.ptr = tag;
	return epoll_ctl(lp->epfd, EPOLL_CTL_ADD, fd, &ev);
}

struct ox_loop *ox_loop_new(struct ox_err *err)
{
	struct ox_loop *lp = calloc(1, sizeof *lp);
	if (!lp) {
		ox_errf(err, ENOMEM, "creating the event loop: out of memory");
		return NULL;
	}
	lp->epfd = lp->tfd = lp->sfd = -1;
	lp->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (lp->epfd >= 0)
		lp->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (lp->epfd < 0 || lp->tfd < 0 || watch(lp, lp->tfd, &lp->tfd) < 0) {
		os_err(err, errno, "creating the event loop");
		ox_loop_free(lp);
		return NULL;
	}
	return lp;
}

static void destroy(struct ox_loop *lp)
{
	while (lp->sources)
		ox_loop_remove(lp->sources);
	if (lp->signals_on)
		sigprocmask(SIG_SETMASK, &lp->oldmask, NULL);
	if (lp->sfd >= 0)
		close(lp->sfd);
	if (lp->tfd >= 0)
		close(lp->tfd);
	if (lp->epfd >= 0)
		close(lp->epfd);
	free(lp->timers);
	free(lp);
}

void ox_loop_free(struct ox_loop *lp)
{
	if (!lp)
		return;
	if (lp->depth > 0)
		lp->freed = 1;
	else
		destroy(lp);
}

int ox_loop_fd(const struct ox_loop *lp)
{
	return lp->epfd;
}

/* ---- sources ---- */

int ox_loop_add(struct ox_loop *lp, struct ox_source *src, struct ox_err *err)
{
	if (src->loop)
		return ox_errf(err, EEXIST, "already in %s loop",
			       src->loop == lp ? "this" : "another");
	for (int i = 0; i < src->nr_fds; i++)
		if (watch(lp, src->fds[i], src) < 0) {
			int e = errno;
			while (i-- > 0)	/* all or nothing */
				epoll_ctl(lp->epfd, EPOLL_CTL_DEL, src->fds[i], NULL);
			return os_err(err, e, "epoll_ctl");
		}
	src->loop = lp;
	src->prev = NULL;
	src->next = lp->sources;
	if (lp->sources)
		lp->sources->prev = src;
	lp->sources = src;
	src->flushed = lp->flush_round;
	if (!lp->next_flush)
		lp->next_flush = now() + src->flush_ms / 1000.0;
	return 0;
}

void ox_loop_remove(struct ox_source *src)
{
	struct ox_loop *lp = src->loop;
	if (!lp)
		return;
	for (int i = 0; i < src->nr_fds; i++)
		epoll_ctl(lp->epfd, EPOLL_CTL_DEL, src->fds[i], NULL);
	for (struct frame *f = lp->frames; f; f = f->up)
		for (int i = 0; i < f->n; i++)
			if (f->tags[i] == src)
				f->tags[i] = NULL;
	if (src->prev)
		src->prev->next = src->next;
	else
		lp->sources = src->next;
	if (src->next)
		src->next->prev = src->prev;
	src->loop = NULL;
	src->prev = src->next = NULL;
}

/* The smallest flush interval of the sources (seconds), 0 when none. */
static double flush_interval(const struct ox_loop *lp)
{
	double best = 0;
	for (const struct ox_source *s = lp->sources; s; s = s->next) {
		double sec = s->flush_ms / 1000.0;
		if (sec > 0 && (best == 0 || sec < best))
			best = sec;
	}
	return best;
}

/* Every source once, each callback free to change the list: each round
 * starts again from the head and takes the first source it has not visited. */
static int flush_all(struct ox_loop *lp, void *arg)
{
	unsigned round = ++lp->flush_round;
	int n = 0;
	while (!lp->freed) {
		struct ox_source *s = lp->sources;
		while (s && s->flushed == round)
			s = s->next;
		if (!s)
			break;
		s->flushed = round;
		if (s->ready)
			n += s->ready(s, arg);
	}
	return n;
}

/* ---- timers ---- */

int ox_loop_every(struct ox_loop *lp, double seconds, struct ox_err *err)
{
	struct timer *t;
	if (!(seconds > 0))
		return ox_errf(err, EINVAL, "interval must be a positive number of seconds");
	if (lp->nr_timers == lp->cap_timers) {
		int cap = lp->cap_timers ? 2 * lp->cap_timers : 8;
		void *p = realloc(lp->timers, (size_t)cap * sizeof *lp->timers);
		if (!p)
			return ox_errf(err, ENOMEM, "adding a timer: out of memory");
		lp->timers = p;
		lp->cap_timers = cap;
	}
	t = &lp->timers[lp->nr_timers++];
	t->id = ++lp->timer_seq;
	t->every = seconds;
	t->at = now() + seconds;
	return t->id;
}

static void compact_timers(struct ox_loop *lp)
{
	int k = 0;
	for (int i = 0; i < lp->nr_timers; i++)
		if (lp->timers[i].id)
			lp->timers[k++] = lp->timers[i];
	lp->nr_timers = k;
}

void ox_loop_cancel(struct ox_loop *lp, int id)
{
	for (int i = 0; i < lp->nr_timers; i++)
		if (lp->timers[i].id == id && id)
			lp->timers[i].id = 0;
	if (!lp->running_timers)
		compact_timers(lp);
}

/* Run the timers due at t (each moves on by its interval, or to t plus its
 * interval when it fell behind); return the next deadline, 0 when none. */
static double run_timers(struct ox_loop *lp, double t, ox_timer_fn on_timer, void *arg)
{
	double next = 0;
	lp->running_timers++;
	for (int i = 0; i < lp->nr_timers && !lp->freed; i++) {
		struct timer *tm = &lp->timers[i];
		if (!tm->id)
			continue;
		if (tm->at <= t) {
			int id = tm->id;
			tm->at = tm->at + tm->every > t ? tm->at + tm->every : t + tm->every;
			if (on_timer)
				on_timer(arg, id);
			tm = &lp->timers[i];	/* the callback may have grown the array */
			if (!tm->id || lp->freed)
				continue;
		}
		if (next == 0 || tm->at < next)
			next = tm->at;
	}
	if (!--lp->running_timers)
		compact_timers(lp);
	return next;
}

/* ---- signals ---- */

int ox_loop_signals(struct ox_loop *lp, int on, struct ox_err *err)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (on && !lp->signals_on) {
		if (sigprocmask(SIG_BLOCK, &set, &lp->oldmask))
			return os_err(err, errno, "blocking signals");
		if (lp->sfd < 0) {
			lp->sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
			if (lp->sfd < 0 || watch(lp, lp->sfd, &lp->sfd) < 0) {
				int e = errno;
				if (lp->sfd >= 0)
					close(lp->sfd);
				lp->sfd = -1;
				sigprocmask(SIG_SETMASK, &lp->oldmask, NULL);
				return os_err(err, e, "signalfd");
			}
		}
		lp->signals_on = 1;
	} else if (!on && lp->signals_on) {
		sigprocmask(SIG_SETMASK, &lp->oldmask, NULL);
		lp->signals_on = 0;
	}
	return 0;
}

int ox_loop_stopped_by(const struct ox_loop *lp)
{
	return lp->stopped_by;
}

void ox_loop_clear(struct ox_loop *lp)
{
	lp->stopped_by = 0;
}

/* ---- polling ---- */

static void arm(struct ox_loop *lp, double deadline)
{
	struct itimerspec its;
	memset(&its, 0, sizeof its);
	if (deadline > 0) {
		its.it_value.tv_sec = (time_t)deadline;
		its.it_value.tv_nsec = (long)((deadline - floor(deadline)) * 1e9);
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	timerfd_settime(lp->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* Handle what epoll_wait returned: each source once (a perf buffer's CPUs
 * share one callback, which drains them all). */
static int dispatch(struct ox_loop *lp, struct frame *f, void *arg)
{
	int handled = 0;
	for (int i = 0; i < f->n && !lp->freed; i++) {
		void *tag = f->tags[i];
		if (!tag)
			continue;
		f->tags[i] = NULL;
		if (tag == &lp->tfd) {
			uint64_t x;
			if (read(lp->tfd, &x, sizeof x) < 0) { /* EAGAIN: already consumed */ }
		} else if (tag == &lp->sfd) {
			struct signalfd_siginfo si;
			if (read(lp->sfd, &si, sizeof si) == (ssize_t)sizeof si)
				lp->stopped_by = (int)si.ssi_signo;
		} else {
			struct ox_source *s = tag;
			for (int k = i + 1; k < f->n; k++)
				if (f->tags[k] == tag)
					f->tags[k] = NULL;
			if (s->ready)
				handled += s->ready(s, arg);
		}
	}
	return handled;
}

static int poll_once(struct ox_loop *lp, int ms, ox_timer_fn on_timer, void *arg,
		     struct ox_err *err)
{
	struct epoll_event evs[MAX_EVENTS];
	void *tags[MAX_EVENTS];
	struct frame f;
	double t = now(), flush = flush_interval(lp), deadline = 0, next_timer;
	int n, handled = 0, timeout = ms;

	next_timer = run_timers(lp, t, on_timer, arg);
	if (lp->freed)
		return 0;
	if (flush > 0)
		deadline = lp->next_flush;
	if (next_timer > 0 && (deadline == 0 || next_timer < deadline))
		deadline = next_timer;
	if (deadline > 0) {
		double wait = deadline - t;
		int wms = wait <= 0 ? 0 : (int)ceil(wait * 1000);
		if (timeout < 0 || wms < timeout)
			timeout = wms;
	}
	arm(lp, deadline);
	n = epoll_wait(lp->epfd, evs, MAX_EVENTS, timeout);
	if (n < 0) {
		if (errno != EINTR)
			return os_err(err, errno, "epoll_wait");
		n = 0;
	}
	for (int i = 0; i < n; i++)
		tags[i] = evs[i].data.ptr;
	f.tags = tags;
	f.n = n;
	f.up = lp->frames;
	lp->frames = &f;
	handled += dispatch(lp, &f, arg);
	lp->frames = f.up;
	if (lp->freed)
		return handled;
	t = now();
	if (flush > 0 && t >= lp->next_flush) {
		handled += flush_all(lp, arg);
		/* a fixed cadence: no record waits longer than the flush interval */
		lp->next_flush += flush;
		if (lp->next_flush <= t)
			lp->next_flush = t + flush;
	}
	run_timers(lp, t, on_timer, arg);
	return handled;
}

int ox_loop_poll(struct ox_loop *lp, int ms, ox_timer_fn on_timer, void *arg,
		 struct ox_err *err)
{
	int n;
	lp->depth++;
	n = poll_once(lp, ms, on_timer, arg, err);
	if (!--lp->depth && lp->freed)
		destroy(lp);
	return n;
}
