/* tracefs.h - tracefs and debugfs: mounting, tracepoint ids, and the legacy
 * kprobe_events / uprobe_events interface. Engine layer: no Lua. */
#ifndef OXLUA_TRACEFS_H
#define OXLUA_TRACEFS_H

#include <stdint.h>
#include "common.h"

/* The tracefs mount point ("/sys/kernel/tracing" or
 * "/sys/kernel/debug/tracing"), mounting tracefs at /sys/kernel/tracing if
 * none is mounted. Writes it into buf. */
int ox_tracefs_path(char *buf, size_t len, struct ox_err *err);

/* The id of tracepoint CATEGORY/NAME (events/CAT/NAME/id). ENOENT with a
 * message naming the tracepoint when it does not exist. */
int ox_tracepoint_id(const char *category, const char *name, struct ox_err *err);
/* The same, with the tracefs directory already known (ox_tracefs_path). */
int ox_tracepoint_id_at(const char *tracefs, const char *category, const char *name,
			struct ox_err *err);

/* A legacy probe entry we created: group "oxlua", event "oxlua_<pid>_<n>". */
struct ox_probe_event {
	char name[64];		/* event name, e.g. "oxlua_1234_7" */
	int uprobe;		/* 1: uprobe_events, 0: kprobe_events */
	int id;			/* tracepoint id of the new event */
};

/* Create "p:" / "r:" entry. kprobe: target = symbol, offset added as +OFF,
 * maxactive for kretprobes (0 = default). uprobe: target = path, offset =
 * file offset. n is a per-process counter supplied by the caller. Errors name
 * the file written and the errno (ENOENT for a missing kprobe_events file
 * says that the kernel has no kprobe support). */
int ox_probe_event_add(struct ox_probe_event *ev, int uprobe, int retprobe, const char *target,
		       uint64_t offset, int maxactive, unsigned n, struct ox_err *err);
/* Remove it ("-:oxlua/NAME"); idempotent (ENOENT ignored). */
int ox_probe_event_remove(const struct ox_probe_event *ev);

/* Remove entries named oxlua_<pid>_* (in both kprobe_events and uprobe_events)
 * whose pid is not a live process. Never touches live processes' entries or
 * other tools' entries. Returns the number removed. */
int ox_probe_events_cleanup_stale(void);

/* List our entries (for tests): writes names of oxlua_<pid>_* entries for the
 * given pid (0: any pid) into a malloc'd, NUL-separated buffer; count in *n. */
char *ox_probe_events_list(int uprobe, int pid, int *n);

#endif
