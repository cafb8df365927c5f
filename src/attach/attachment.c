/* attachment.c - what an attach made, owned by one struct ox_attachment,
 * and undoing it: links and perf events closed, netlink filters and XDP
 * programs removed, BPF_PROG_ATTACH undone, a struct_ops unregistered,
 * tracefs entries removed. Every attach family builds on this file. */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attach/attach.h"
#include "kernel/netlink.h"
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
	case OX_HOW_PROG_ATTACH:
		if (ox_prog_detach(a->target_fd, a->prog_fd, a->attach_type) && errno != ENOENT)
			ox_warn("%s: detaching: %s", a->point, strerror(errno));
		break;
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
