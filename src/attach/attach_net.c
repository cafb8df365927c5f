/* attach_net.c - networking attach points: XDP, tc, cgroups, sockets.
 * bpf links where the kernel has them (XDP 5.9, tcx 6.6, cgroup 5.7);
 * netlink and BPF_PROG_ATTACH otherwise. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attach/attach.h"
#include "kernel/netlink.h"
#include "kernel/names.h"
#include "kernel/sys.h"

#ifndef SO_ATTACH_BPF
#define SO_ATTACH_BPF 50
#endif
#define TCX_INGRESS 46		/* BPF_TCX_INGRESS, Linux 6.6 */
#define TCX_EGRESS 47

static int os_fail(struct ox_err *err, int e, const char *what)
{
	return ox_errf(err, e, "%s: %s (%s)", what, ox_errno_name(e), strerror(e));
}

/* The next ':'-separated word of *p into buf; advances *p. */
static int word(const char **p, char *buf, size_t len)
{
	size_t n = strcspn(*p, ":");
	if (!n || n >= len)
		return -1;
	memcpy(buf, *p, n);
	buf[n] = 0;
	*p += (*p)[n] == ':' ? n + 1 : n;
	return 0;
}

static int ifindex_of(const char *name, struct ox_err *err)
{
	unsigned idx = if_nametoindex(name);
	if (!idx)
		return ox_errf(err, ENODEV, "no network interface named '%s'", name), -1;
	return (int)idx;
}

static int link_unsupported(int e)
{
	return e == EINVAL || e == EOPNOTSUPP || e == 524 /* ENOTSUPP */ || e == EPERM;
}

static int attach_xdp(struct ox_attachment *a, int prog_fd, const char *rest,
		      const struct ox_attach_opts *o, struct ox_features *feat, struct ox_err *err)
{
	char ifname[IF_NAMESIZE + 1], mode[16] = "";
	const char *p = rest, *m;
	uint32_t flags = 0;
	int fd;
	if (word(&p, ifname, sizeof ifname))
		return ox_errf(err, EINVAL, "expected xdp:IFNAME[:skb|drv|hw]");
	if (*p && word(&p, mode, sizeof mode))
		return ox_errf(err, EINVAL, "expected xdp:IFNAME[:skb|drv|hw]");
	m = mode[0] ? mode : o->xdp_mode;
	if (m && (!strcmp(m, "skb") || !strcmp(m, "generic")))
		flags = XDP_FLAGS_SKB_MODE;
	else if (m && (!strcmp(m, "drv") || !strcmp(m, "native")))
		flags = XDP_FLAGS_DRV_MODE;
	else if (m && !strcmp(m, "hw"))
		flags = XDP_FLAGS_HW_MODE;
	else if (m && *m)
		return ox_errf(err, EINVAL, "unknown XDP mode '%s' (skb, drv or hw)", m);
	if ((a->ifindex = ifindex_of(ifname, err)) < 0)
		return -1;
	if (!o->legacy && feat->xdp_link != 0) {
		fd = ox_link_create(prog_fd, a->ifindex, BPF_XDP, flags, 0);
		if (fd >= 0) {
			feat->xdp_link = 1;
			a->how = OX_HOW_LINK;
			return ox_attach_add_fd(a, fd, err);
		}
		if (errno == EBUSY || errno == EEXIST)
			return ox_errf(err, errno, "an XDP program is already attached to %s: %s (%s)",
				       ifname, ox_errno_name(errno), strerror(errno));
		if (feat->xdp_link == 1 || !link_unsupported(errno))
			return os_fail(err, errno, "creating XDP link");
	}
	a->xdp_flags = flags | XDP_FLAGS_UPDATE_IF_NOEXIST;
	if (ox_nl_xdp_set(a->ifindex, prog_fd, a->xdp_flags, err)) {
		if (err->errnum == EBUSY || err->errnum == EEXIST)
			return ox_errf(err, err->errnum, "an XDP program is already attached to %s: "
				       "%s (%s)", ifname, ox_errno_name(err->errnum),
				       strerror(err->errnum));
		return -1;
	}
	if (!o->legacy && feat->xdp_link == -1)
		feat->xdp_link = 0;
	a->how = OX_HOW_NETLINK_XDP;
	return 0;
}

static int attach_tc(struct ox_attachment *a, int prog_fd, const char *rest,
		     const struct ox_attach_opts *o, struct ox_features *feat, struct ox_err *err)
{
	char ifname[IF_NAMESIZE + 1], dir[16];
	const char *p = rest;
	int fd;
	if (word(&p, ifname, sizeof ifname) || word(&p, dir, sizeof dir) ||
	    (strcmp(dir, "ingress") && strcmp(dir, "egress")))
		return ox_errf(err, EINVAL, "expected tc:IFNAME:ingress or tc:IFNAME:egress");
	a->egress = !strcmp(dir, "egress");
	if ((a->ifindex = ifindex_of(ifname, err)) < 0)
		return -1;
	if (!o->legacy && feat->tcx != 0) {
		fd = ox_link_create(prog_fd, a->ifindex, a->egress ? TCX_EGRESS : TCX_INGRESS, 0, 0);
		if (fd >= 0) {
			feat->tcx = 1;
			a->how = OX_HOW_LINK;
			return ox_attach_add_fd(a, fd, err);
		}
		if (feat->tcx == 1 || !link_unsupported(errno))
			return os_fail(err, errno, "creating tcx link");
	}
	if (ox_nl_clsact_add(a->ifindex, &a->qdisc_created, err))
		return -1;
	if (ox_nl_tc_attach(a->ifindex, a->egress, prog_fd, o->prog_name ? o->prog_name : "oxlua",
			    &a->prio, &a->handle, err)) {
		struct ox_err e2;
		if (a->qdisc_created)
			ox_nl_clsact_del(a->ifindex, &e2);
		return -1;
	}
	if (!o->legacy && feat->tcx == -1)
		feat->tcx = 0;
	a->how = OX_HOW_NETLINK_TC;
	return 0;
}

static const struct { const char *name; uint32_t type; } cgroup_types[] = {
	{ "ingress", BPF_CGROUP_INET_INGRESS }, { "egress", BPF_CGROUP_INET_EGRESS },
	{ "sock_create", BPF_CGROUP_INET_SOCK_CREATE }, { "sock_ops", BPF_CGROUP_SOCK_OPS },
	{ "dev", BPF_CGROUP_DEVICE }, { "bind4", BPF_CGROUP_INET4_BIND },
	{ "bind6", BPF_CGROUP_INET6_BIND }, { "connect4", BPF_CGROUP_INET4_CONNECT },
	{ "connect6", BPF_CGROUP_INET6_CONNECT }, { "post_bind4", BPF_CGROUP_INET4_POST_BIND },
	{ "post_bind6", BPF_CGROUP_INET6_POST_BIND }, { "sendmsg4", BPF_CGROUP_UDP4_SENDMSG },
	{ "sendmsg6", BPF_CGROUP_UDP6_SENDMSG }, { "sysctl", BPF_CGROUP_SYSCTL },
	{ "recvmsg4", BPF_CGROUP_UDP4_RECVMSG }, { "recvmsg6", BPF_CGROUP_UDP6_RECVMSG },
	{ "getsockopt", BPF_CGROUP_GETSOCKOPT }, { "setsockopt", BPF_CGROUP_SETSOCKOPT },
	{ "getpeername4", BPF_CGROUP_INET4_GETPEERNAME }, { "getpeername6", BPF_CGROUP_INET6_GETPEERNAME },
	{ "getsockname4", BPF_CGROUP_INET4_GETSOCKNAME }, { "getsockname6", BPF_CGROUP_INET6_GETSOCKNAME },
	{ "sock_release", BPF_CGROUP_INET_SOCK_RELEASE },
};

static int attach_cgroup(struct ox_attachment *a, int prog_fd, const char *rest,
			 const struct ox_attach_opts *o, struct ox_features *feat, struct ox_err *err)
{
	char path[4096];
	const char *colon = strrchr(rest, ':');
	uint32_t type = o->attach_type;
	int fd, found = 0;
	size_t n = strlen(rest);
	if (colon && colon[1] != '/') {
		for (size_t i = 0; i < sizeof cgroup_types / sizeof *cgroup_types; i++)
			if (!strcmp(cgroup_types[i].name, colon + 1)) {
				type = cgroup_types[i].type;
				found = 1;
			}
		if (!found)
			return ox_errf(err, EINVAL, "unknown cgroup attach type '%s' (ingress, egress, "
				       "sock_create, connect4, ...)", colon + 1);
		n = (size_t)(colon - rest);
	}
	if (!n || n >= sizeof path)
		return ox_errf(err, EINVAL, "expected cgroup:PATH:TYPE");
	memcpy(path, rest, n);
	path[n] = 0;
	if ((a->target_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return ox_errf(err, errno, "opening cgroup %s: %s (%s)", path, ox_errno_name(errno),
			       strerror(errno));
	a->attach_type = type;
	if (!o->legacy && feat->cgroup_link != 0) {
		fd = ox_link_create(prog_fd, a->target_fd, type, 0, 0);
		if (fd >= 0) {
			feat->cgroup_link = 1;
			a->how = OX_HOW_LINK;
			return ox_attach_add_fd(a, fd, err);
		}
		if (feat->cgroup_link == 1 || !link_unsupported(errno))
			return os_fail(err, errno, "creating cgroup link");
	}
	if (ox_prog_attach(a->target_fd, prog_fd, type, BPF_F_ALLOW_MULTI))
		return os_fail(err, errno, "BPF_PROG_ATTACH");
	if (!o->legacy && feat->cgroup_link == -1)
		feat->cgroup_link = 0;
	a->how = OX_HOW_PROG_ATTACH;
	return 0;
}

static int attach_socket(struct ox_attachment *a, int prog_fd, const char *rest, struct ox_err *err)
{
	char *end;
	long fd = strtol(rest, &end, 10);
	if (end == rest || *end || fd < 0 || fd > 1 << 30)
		return ox_errf(err, EINVAL, "expected socket:FD");
	if (setsockopt((int)fd, SOL_SOCKET, SO_ATTACH_BPF, &prog_fd, sizeof prog_fd) < 0)
		return os_fail(err, errno, "SO_ATTACH_BPF");
	a->target_fd = (int)fd;
	a->how = OX_HOW_SOCKET;
	return 0;
}

int ox_attach_net(struct ox_attachment *a, int prog_fd, const char *kind, const char *rest,
		  const struct ox_attach_opts *o, struct ox_features *feat, struct ox_err *err)
{
	if (!strcmp(kind, "xdp"))
		return attach_xdp(a, prog_fd, rest, o, feat, err);
	if (!strcmp(kind, "tc"))
		return attach_tc(a, prog_fd, rest, o, feat, err);
	if (!strcmp(kind, "cgroup"))
		return attach_cgroup(a, prog_fd, rest, o, feat, err);
	return attach_socket(a, prog_fd, rest, err);
}
