/* attach.c - parsing attach points and dispatching them to the attach
 * families (attach_trace.c, attach_net.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach/attach.h"

/* Families by the word before the first ':'. */
static const char *const trace_kinds[] = { "tracepoint", "tp", "raw_tp", "raw_tracepoint",
	"kprobe", "kretprobe", "uprobe", "uretprobe", "perf_event", "fentry", "fexit",
	"fmod_ret", "lsm", "tp_btf", NULL };
static const char *const net_kinds[] = { "xdp", "tc", "cgroup", "socket", NULL };

static int in(const char *const *list, const char *w)
{
	for (; *list; list++)
		if (!strcmp(*list, w))
			return 1;
	return 0;
}

struct ox_attachment *ox_attach(int prog_fd, const char *point, const struct ox_attach_opts *o,
				struct ox_features *feat, struct ox_err *err)
{
	struct ox_attachment *a = calloc(1, sizeof *a);
	char kind[32];
	const char *colon = strchr(point, ':');
	size_t klen = colon ? (size_t)(colon - point) : strlen(point);
	int rc;
	if (!a) {
		ox_errf(err, ENOMEM, "out of memory");
		return NULL;
	}
	snprintf(a->point, sizeof a->point, "%s", point);
	a->target_fd = -1;
	a->prog_fd = prog_fd;
	if (klen >= sizeof kind || !colon) {
		ox_errf(err, EINVAL, "%s: not an attach point (expected KIND:..., e.g. "
			"tracepoint:syscalls:sys_enter_execve)", point);
		free(a);
		return NULL;
	}
	memcpy(kind, point, klen);
	kind[klen] = 0;
	if (in(trace_kinds, kind))
		rc = ox_attach_trace(a, prog_fd, kind, colon + 1, o, feat, err);
	else if (in(net_kinds, kind))
		rc = ox_attach_net(a, prog_fd, kind, colon + 1, o, feat, err);
	else
		rc = ox_errf(err, EINVAL, "unknown attach point kind '%s'", kind);
	if (rc) {
		ox_errprefix(err, "%s", point);
		ox_attachment_free(a);
		return NULL;
	}
	ox_log("attached %s via %s", point, ox_attach_how_name(a->how));
	return a;
}
