/* attach.c - parsing attach points, dispatching to the attach families
 * (attach_trace.c, attach_net.c), and detaching whatever they made. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "attach/attach.h"
#include "kernel/netlink.h"
#include "object/section.h"
#include "kernel/sys.h"

#ifndef SO_DETACH_BPF
#define SO_DETACH_BPF 27
#endif

void ox_features_init(struct ox_features *f)
{
	f->perf_link = f->tcx = f->xdp_link = f->cgroup_link = -1;
	f->kprobe_pmu = f->uprobe_pmu = -1;
	f->probe_seq = 0;
	f->tracefs[0] = 0;
	f->cleaned = 0;
}

int ox_link_create(int prog_fd, int target, uint32_t attach_type, uint32_t flags, uint64_t cookie)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.link_create.prog_fd = (uint32_t)prog_fd;
	a.link_create.target_fd = (uint32_t)target;
	a.link_create.attach_type = attach_type;
	a.link_create.flags = flags;
	a.link_create.perf_event.bpf_cookie = cookie;
	return (int)ox_bpf(BPF_LINK_CREATE, &a, sizeof a.link_create);
}

int ox_perf_event_open(void *attr, int pid, int cpu, int group, unsigned long flags)
{
	struct perf_event_attr *pa = attr;
	int fd = (int)syscall(__NR_perf_event_open, pa, pid, cpu, group, flags);
	if (ox_log_enabled()) {
		int e = errno;
		if (fd < 0)
			ox_log("perf_event_open(type=%u, config=0x%llx, pid=%d, cpu=%d) = -1 %s (%s)",
			       pa->type, (unsigned long long)pa->config, pid, cpu, ox_errno_name(e),
			       strerror(e));
		else
			ox_log("perf_event_open(type=%u, config=0x%llx, pid=%d, cpu=%d) = %d",
			       pa->type, (unsigned long long)pa->config, pid, cpu, fd);
		errno = e;
	}
	return fd;
}

int ox_attach_add_fd(struct ox_attachment *a, int fd, struct ox_err *err)
{
	int *p = realloc(a->fds, (size_t)(a->nr_fds + 1) * sizeof *p);
	if (!p) {
		close(fd);
		return ox_errf(err, ENOMEM, "out of memory");
	}
	a->fds = p;
	a->fds[a->nr_fds++] = fd;
	return 0;
}

const char *ox_attach_how_name(int how)
{
	static const char *const names[] = { "link", "perf_event", "raw_tracepoint", "netlink",
		"netlink", "prog_attach", "socket", "struct_ops" };
	return how >= 0 && how <= OX_HOW_STRUCT_OPS ? names[how] : "?";
}

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

#define OX_ATTACH_STRUCT_OPS 44	/* BPF_STRUCT_OPS (6.4), for older headers */

struct ox_attachment *ox_attach_struct_ops(int map_fd, const void *value, int use_link,
					   const char *name, struct ox_err *err)
{
	struct ox_attachment *a = calloc(1, sizeof *a);
	const uint32_t zero = 0;
	int fd;
	if (!a) {
		ox_errf(err, ENOMEM, "out of memory");
		return NULL;
	}
	snprintf(a->point, sizeof a->point, "struct_ops:%s", name);
	a->how = OX_HOW_STRUCT_OPS;
	a->prog_fd = -1;
	/* its own reference: the map must outlive the group's to be unregistered */
	if ((a->target_fd = fcntl(map_fd, F_DUPFD_CLOEXEC, 3)) < 0) {
		ox_errf(err, errno, "%s: %s (%s)", a->point, ox_errno_name(errno), strerror(errno));
		free(a);
		return NULL;
	}
	/* a BPF_F_LINK map's value is only written here: the link registers it */
	if (ox_map_update(a->target_fd, &zero, value, 0) ||
	    (use_link && (fd = ox_link_create(a->target_fd, 0, OX_ATTACH_STRUCT_OPS, 0, 0)) < 0)) {
		int e = errno;
		ox_errf(err, e, "%s: registering%s: %s (%s)%s", a->point, use_link ? " (link)" : "",
			ox_errno_name(e), strerror(e), e == EEXIST ?
			" (a struct_ops of that name is registered already)" : "");
		close(a->target_fd);	/* nothing registered: nothing to undo */
		free(a);
		return NULL;
	}
	if (use_link && ox_attach_add_fd(a, fd, err)) {	/* (closes fd: unregistered) */
		close(a->target_fd);
		free(a);
		return NULL;
	}
	ox_log("attached %s via %s", a->point, use_link ? "link" : "map update");
	return a;
}

void ox_detach(struct ox_attachment *a)
{
	struct ox_err err;
	if (!a || a->detached)
		return;
	a->detached = 1;
	switch (a->how) {
	case OX_HOW_NETLINK_TC:	/* ENODEV: the interface went, and its filters with it */
		if (ox_nl_tc_detach(a->ifindex, a->egress, a->prio, a->handle, &err) &&
		    err.errnum != ENOENT && err.errnum != ENODEV)
			ox_warn("%s: detaching: %s", a->point, err.msg);
		if (a->qdisc_created && ox_nl_clsact_del(a->ifindex, &err) &&
		    err.errnum != ENOENT && err.errnum != EINVAL && err.errnum != ENODEV)
			ox_warn("%s: removing clsact: %s", a->point, err.msg);
		break;
	case OX_HOW_NETLINK_XDP:
		if (ox_nl_xdp_set(a->ifindex, -1, a->xdp_flags & ~XDP_FLAGS_UPDATE_IF_NOEXIST, &err) &&
		    err.errnum != ENODEV)
			ox_warn("%s: detaching: %s", a->point, err.msg);
		break;
	case OX_HOW_PROG_ATTACH: {
		union bpf_attr at;
		memset(&at, 0, sizeof at);
		at.target_fd = (uint32_t)a->target_fd;
		at.attach_bpf_fd = (uint32_t)a->prog_fd;
		at.attach_type = a->attach_type;
		if (ox_bpf(BPF_PROG_DETACH, &at, sizeof at) < 0 && errno != ENOENT)
			ox_warn("%s: detaching: %s", a->point, strerror(errno));
		break;
	}
	case OX_HOW_STRUCT_OPS:	/* a link unregisters when closed (below) */
		if (!a->nr_fds) {
			const uint32_t zero = 0;
			if (ox_map_delete(a->target_fd, &zero) && errno != ENOENT)
				ox_warn("%s: unregistering: %s", a->point, strerror(errno));
		}
		break;
	case OX_HOW_SOCKET:
		if (a->target_fd >= 0) {
			int v = 0;
			setsockopt(a->target_fd, SOL_SOCKET, SO_DETACH_BPF, &v, sizeof v);
		}
		a->target_fd = -1;	/* the socket is the caller's */
		break;
	default:
		break;
	}
	for (int i = 0; i < a->nr_fds; i++)	/* links, perf events: closing detaches */
		if (a->fds[i] >= 0) {
			if (a->how == OX_HOW_PERF)
				ioctl(a->fds[i], PERF_EVENT_IOC_DISABLE, 0);
			close(a->fds[i]);
			a->fds[i] = -1;
		}
	if (a->has_ev) {	/* after the perf events that used it are closed */
		ox_probe_event_remove(&a->ev);
		a->has_ev = 0;
	}
	if (a->target_fd >= 0 && a->how != OX_HOW_SOCKET) {
		close(a->target_fd);
		a->target_fd = -1;
	}
	ox_log("detached %s", a->point);
}

void ox_attachment_free(struct ox_attachment *a)
{
	if (!a)
		return;
	ox_detach(a);
	free(a->fds);
	free(a);
}
