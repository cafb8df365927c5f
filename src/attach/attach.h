/* attach.h - attaching loaded programs to their attach points. One
 * attachment owns everything the attach created (bpf link, perf events,
 * tracefs entries, netlink filters) and detaches idempotently.
 *
 * Attach points (strings):
 *   tracepoint:CAT:NAME              raw_tp:NAME
 *   kprobe:SYM[+OFF]                 kretprobe:SYM
 *   uprobe:PATH:SYM[+OFF]            uprobe:PATH:0xADDR        uretprobe:PATH:SYM
 *   perf_event:EVENT[:FREQ]          (EVENT: cpu-clock, task-clock, cycles, ...)
 *   xdp:IFNAME                       tc:IFNAME:ingress|egress
 *   cgroup:PATH:TYPE                 (TYPE: ingress, egress, sock_create, ...)
 *   socket:FD
 *   fentry:SYM fexit:SYM fmod_ret:SYM lsm:HOOK tp_btf:NAME (BTF id fixed at load)
 */
#ifndef OXLUA_ATTACH_H
#define OXLUA_ATTACH_H

#include <stdint.h>
#include "common.h"
#include "kernel/sys.h"
#include "kernel/tracefs.h"

/* Kernel capabilities found while attaching, kept by the caller so each is
 * probed once: -1 unknown, 0 no, 1 yes. */
struct ox_features {
	int perf_link;		/* BPF_LINK_CREATE for perf events (5.15) */
	int tcx;		/* tcx links (6.6) */
	int xdp_link;		/* XDP links (5.9) */
	int cgroup_link;	/* cgroup links (5.7) */
	int kprobe_pmu, uprobe_pmu;	/* type numbers, 0 none, -1 unknown */
	unsigned probe_seq;	/* per-process counter for tracefs entry names */
	char tracefs[256];	/* tracefs mount point, once found ("" until then) */
	int cleaned;		/* stale tracefs entries of dead oxlua processes removed */
};
void ox_features_init(struct ox_features *f);

struct ox_attach_opts {
	int pid;		/* uprobe/perf_event: only this process (0 = all) */
	int maxactive;		/* kretprobe (tracefs only) */
	const char *xdp_mode;	/* "skb"/"generic", "drv"/"native", "hw", NULL = kernel's choice */
	int legacy;		/* force the pre-link mechanisms (for tests and old kernels) */
	uint64_t cookie;	/* bpf_get_attach_cookie() value, where supported */
	uint32_t attach_type;	/* the program's expected attach type (cgroup type default) */
	const char *prog_name;	/* for netlink filter names and errors */
};

enum ox_attach_how {
	OX_HOW_LINK,		/* a bpf link fd */
	OX_HOW_PERF,		/* perf events with PERF_EVENT_IOC_SET_BPF */
	OX_HOW_RAW_TP,		/* BPF_RAW_TRACEPOINT_OPEN fd */
	OX_HOW_NETLINK_TC,	/* clsact + tc filter */
	OX_HOW_NETLINK_XDP,	/* IFLA_XDP */
	OX_HOW_PROG_ATTACH,	/* BPF_PROG_ATTACH (cgroup, pre-link) */
	OX_HOW_SOCKET,		/* SO_ATTACH_BPF */
	OX_HOW_STRUCT_OPS,	/* a struct_ops map's value written (registered); with a
				 * link fd for BPF_F_LINK maps */
};

struct ox_attachment {
	char point[512];	/* as given */
	int how;		/* enum ox_attach_how */
	int *fds;		/* links / perf events / raw_tp fds (-1 closed) */
	int nr_fds;
	struct ox_probe_event ev;	/* legacy tracefs entry */
	int has_ev;
	int ifindex, egress, qdisc_created;
	uint32_t prio, handle, xdp_flags;
	int target_fd;		/* cgroup dir or socket */
	uint32_t attach_type;
	int prog_fd;		/* for BPF_PROG_DETACH */
	int detached;
};

/* Attach prog_fd at point. Returns NULL with err naming the point, the errno
 * and why (e.g. "kprobe:do_sys_open: kprobes are not available on this kernel"). */
struct ox_attachment *ox_attach(int prog_fd, const char *point, const struct ox_attach_opts *o,
				struct ox_features *feat, struct ox_err *err);
/* Register a loaded struct_ops map (a TCP congestion control, ...): write its
 * value (ox_struct_ops' value, program fds in place), and for a BPF_F_LINK
 * map (.struct_ops.link) make the link that registers it. Detaching
 * unregisters it: the link is closed, or the value deleted. name is the map's. */
struct ox_attachment *ox_attach_struct_ops(int map_fd, const void *value, int use_link,
					   const char *name, struct ox_err *err);
/* Detach and release; idempotent. */
void ox_detach(struct ox_attachment *a);
void ox_attachment_free(struct ox_attachment *a);
/* "link", "perf_event", "raw_tracepoint", "netlink", "prog_attach", "socket",
 * "struct_ops" */
const char *ox_attach_how_name(int how);

/* internal, by family */
int ox_attach_trace(struct ox_attachment *a, int prog_fd, const char *kind, const char *rest,
		    const struct ox_attach_opts *o, struct ox_features *feat, struct ox_err *err);
int ox_attach_net(struct ox_attachment *a, int prog_fd, const char *kind, const char *rest,
		  const struct ox_attach_opts *o, struct ox_features *feat, struct ox_err *err);
int ox_attach_add_fd(struct ox_attachment *a, int fd, struct ox_err *err);

#endif
