/* netlink.c - a small rtnetlink client for the clsact qdisc, tc bpf filters
 * and XDP. One NETLINK_ROUTE socket per request; every request asks for an
 * acknowledgement, and a failure carries the kernel's extended ack message.
 * Requests and replies live on the stack. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "kernel/netlink.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define REQ_MAX   512	/* the largest request: a tc filter and its name */
#define REPLY_MAX 16384	/* one link's attributes, statistics left out */

/* A request being built. An attribute that does not fit sets overflow, and
 * the request then fails with EMSGSIZE instead of being sent. */
struct req {
	union { struct nlmsghdr nh; char buf[REQ_MAX]; } u;
	int overflow;
};

/* What the kernel said besides the errno (NLMSGERR_ATTR_MSG), or what failed
 * on our side. */
struct ack {
	char msg[256];
};

/* ---- building requests ---- */

static void *put(struct req *r, size_t len)
{
	size_t at = r->u.nh.nlmsg_len, n = NLMSG_ALIGN(len);
	if (r->overflow || n > sizeof r->u.buf - at) {
		r->overflow = 1;
		return NULL;
	}
	r->u.nh.nlmsg_len = at + n;
	return memset(r->u.buf + at, 0, n);
}

/* Start a request; returns its fixed header (tcmsg, ifinfomsg), zeroed. */
static void *begin(struct req *r, int type, int flags, size_t fixed)
{
	memset(r, 0, sizeof *r);
	r->u.nh.nlmsg_len = NLMSG_HDRLEN;
	r->u.nh.nlmsg_type = type;
	r->u.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	r->u.nh.nlmsg_seq = 1;	/* the socket is ours alone */
	return put(r, fixed);
}

static struct nlattr *add(struct req *r, int type, const void *data, size_t len)
{
	struct nlattr *a;
	if (len > UINT16_MAX - NLA_HDRLEN || !(a = put(r, NLA_HDRLEN + len))) {
		r->overflow = 1;
		return NULL;
	}
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	return a;
}

static void add_u32(struct req *r, int type, uint32_t v) { add(r, type, &v, sizeof v); }
static void add_s32(struct req *r, int type, int32_t v) { add(r, type, &v, sizeof v); }
static void add_str(struct req *r, int type, const char *s) { add(r, type, s, strlen(s) + 1); }

static struct nlattr *nest(struct req *r, int type)
{
	return add(r, type | NLA_F_NESTED, NULL, 0);
}

static void nest_end(struct req *r, struct nlattr *a)
{
	size_t n;
	if (!a)
		return;
	n = r->u.buf + r->u.nh.nlmsg_len - (char *)a;
	if (n > UINT16_MAX)
		r->overflow = 1;
	else
		a->nla_len = n;
}

/* ---- reading replies ---- */

/* The attribute of the given type among those in [p, p + len), or NULL. */
static const struct nlattr *find(const void *p, size_t len, int type)
{
	const char *c = p;
	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const void *)c;
		size_t n = NLA_ALIGN(a->nla_len);
		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			return NULL;
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		if (n >= len)
			break;
		c += n;
		len -= n;
	}
	return NULL;
}

static const void *data(const struct nlattr *a) { return (const char *)a + NLA_HDRLEN; }
static size_t size(const struct nlattr *a) { return a->nla_len - NLA_HDRLEN; }

static const struct nlattr *find_in(const struct nlattr *parent, int type)
{
	return parent ? find(data(parent), size(parent), type) : NULL;
}

/* An attribute of a message whose fixed header is `fixed` bytes long. */
static const struct nlattr *msg_find(const struct nlmsghdr *nh, size_t fixed, int type)
{
	size_t at = NLMSG_SPACE(fixed);
	if (nh->nlmsg_len < at)
		return NULL;
	return find((const char *)nh + at, nh->nlmsg_len - at, type);
}

static uint32_t get_u32(const struct nlattr *a)
{
	uint32_t v = 0;
	if (a && size(a) >= sizeof v)
		memcpy(&v, data(a), sizeof v);
	return v;
}

static uint8_t get_u8(const struct nlattr *a)
{
	return a && size(a) >= 1 ? *(const uint8_t *)data(a) : 0;
}

/* The errno in an NLMSG_ERROR message (0 for an acknowledgement), with the
 * extended ack message copied into ack. */
static int parse_ack(const struct nlmsghdr *nh, struct ack *ack)
{
	const struct nlmsgerr *me = NLMSG_DATA(nh);
	size_t len = nh->nlmsg_len - NLMSG_HDRLEN, off = sizeof *me;
	const struct nlattr *m;
	if (len < sizeof *me) {
		snprintf(ack->msg, sizeof ack->msg, "short netlink error message");
		return EPROTO;
	}
	if (nh->nlmsg_flags & NLM_F_ACK_TLVS) {
		/* Without NLM_F_CAPPED the request's payload comes before the TLVs. */
		if (!(nh->nlmsg_flags & NLM_F_CAPPED) && me->msg.nlmsg_len > NLMSG_HDRLEN)
			off += me->msg.nlmsg_len - NLMSG_HDRLEN;
		off = NLMSG_ALIGN(off);
		if (off < len && (m = find((const char *)me + off, len - off, NLMSGERR_ATTR_MSG)))
			snprintf(ack->msg, sizeof ack->msg, "%.*s",
				 (int)strnlen(data(m), size(m)), (const char *)data(m));
	}
	if (me->error > 0 || me->error == INT32_MIN) {
		snprintf(ack->msg, sizeof ack->msg, "bad errno %d in netlink error", me->error);
		return EPROTO;
	}
	return -me->error;
}

static const char *type_name(int type)
{
	switch (type) {
	case RTM_NEWQDISC: return "RTM_NEWQDISC";
	case RTM_DELQDISC: return "RTM_DELQDISC";
	case RTM_GETQDISC: return "RTM_GETQDISC";
	case RTM_NEWTFILTER: return "RTM_NEWTFILTER";
	case RTM_DELTFILTER: return "RTM_DELTFILTER";
	case RTM_SETLINK: return "RTM_SETLINK";
	case RTM_GETLINK: return "RTM_GETLINK";
	default: return "RTM_?";
	}
}

/* Open, bind, send, and read replies up to the acknowledgement, handing every
 * other reply to fn (which returns 0 or an errno). Returns 0 or an errno. */
static int exchange(struct req *r, int (*fn)(void *ctx, const struct nlmsghdr *nh),
		    void *ctx, struct ack *ack)
{
	union { struct nlmsghdr nh; char buf[REPLY_MAX]; } rep;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t salen = sizeof sa;
	int fd, one = 1, e = 0, done = 0;
	ssize_t n;

	if (r->overflow) {
		snprintf(ack->msg, sizeof ack->msg, "request larger than %d bytes", REQ_MAX);
		return EMSGSIZE;
	}
	if ((fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) < 0) {
		e = errno;
		snprintf(ack->msg, sizeof ack->msg, "netlink socket");
		return e;
	}
	/* Both are best effort: without them errors just say less. */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &salen) < 0) {
		e = errno;
		snprintf(ack->msg, sizeof ack->msg, "netlink bind");
		goto out;
	}
	do
		n = send(fd, r->u.buf, r->u.nh.nlmsg_len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		e = errno;
		snprintf(ack->msg, sizeof ack->msg, "netlink send");
		goto out;
	}
	while (!done) {
		size_t len, off, step;
		do
			n = recv(fd, rep.buf, sizeof rep.buf, MSG_TRUNC);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			e = errno;
			snprintf(ack->msg, sizeof ack->msg, "netlink receive");
			goto out;
		}
		if ((size_t)n > sizeof rep.buf) {
			e = EMSGSIZE;
			snprintf(ack->msg, sizeof ack->msg, "netlink reply of %zd bytes truncated", n);
			goto out;
		}
		for (len = n, off = 0; !done && len - off >= NLMSG_HDRLEN; off += step) {
			const struct nlmsghdr *nh = (const void *)(rep.buf + off);
			if (nh->nlmsg_len < NLMSG_HDRLEN || nh->nlmsg_len > len - off) {
				e = EPROTO;
				snprintf(ack->msg, sizeof ack->msg, "malformed netlink reply");
				goto out;
			}
			step = NLMSG_ALIGN(nh->nlmsg_len);
			if (step > len - off)
				step = len - off;
			if (nh->nlmsg_seq != r->u.nh.nlmsg_seq || nh->nlmsg_pid != sa.nl_pid)
				continue;
			if (nh->nlmsg_type == NLMSG_ERROR)
				e = parse_ack(nh, ack), done = 1;
			else if (nh->nlmsg_type == NLMSG_DONE)
				done = 1;
			else if (fn && (e = fn(ctx, nh)))
				done = 1;
		}
	}
out:
	close(fd);
	return e;
}

/* exchange(), logged as "netlink(RTM_X <desc>) = 0". */
static int talk(struct req *r, int (*fn)(void *ctx, const struct nlmsghdr *nh), void *ctx,
		struct ack *ack, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int talk(struct req *r, int (*fn)(void *ctx, const struct nlmsghdr *nh), void *ctx,
		struct ack *ack, const char *fmt, ...)
{
	char desc[160];
	va_list ap;
	int e;
	ack->msg[0] = 0;
	e = exchange(r, fn, ctx, ack);
	if (!ox_log_enabled())
		return e;
	va_start(ap, fmt);
	vsnprintf(desc, sizeof desc, fmt, ap);
	va_end(ap);
	if (e)
		ox_log("netlink(%s %s) = -1 %s (%s)%s%s", type_name(r->u.nh.nlmsg_type), desc,
		       ox_errno_name(e), strerror(e), ack->msg[0] ? ": " : "", ack->msg);
	else
		ox_log("netlink(%s %s) = 0%s%s", type_name(r->u.nh.nlmsg_type), desc,
		       ack->msg[0] ? ", kernel says: " : "", ack->msg);
	return e;
}

/* "<what>: EINVAL (Invalid argument): <detail>", detail being the kernel's
 * message or ours ("" for none). Returns -1. */
static int fail(struct ox_err *err, int e, const char *detail, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(struct ox_err *err, int e, const char *detail, const char *fmt, ...)
{
	char what[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return ox_errf(err, e, "%s: %s (%s)%s%s", what, ox_errno_name(e), strerror(e),
		       *detail ? ": " : "", detail);
}

/* ---- clsact qdisc ---- */

#define KIND_MAX 32

static int on_kind(void *ctx, const struct nlmsghdr *nh)
{
	const struct nlattr *k = msg_find(nh, sizeof(struct tcmsg), TCA_KIND);
	if (nh->nlmsg_type == RTM_NEWQDISC && k)
		snprintf(ctx, KIND_MAX, "%.*s", (int)strnlen(data(k), size(k)), (const char *)data(k));
	return 0;
}

/* A request about the qdisc in clsact's place. RTM_GETQDISC asks what is
 * there and copies its kind (TCA_KIND) into kind; the kernel answers it only
 * with NLM_F_ECHO. */
static int clsact(int type, int flags, int ifindex, char *kind, struct ack *ack)
{
	struct req r;
	struct tcmsg *tc = begin(&r, type, flags, sizeof *tc);
	tc->tcm_family = AF_UNSPEC;
	tc->tcm_ifindex = ifindex;
	tc->tcm_parent = TC_H_CLSACT;
	tc->tcm_handle = TC_H_MAKE(TC_H_CLSACT, 0);
	if (type == RTM_GETQDISC)
		return talk(&r, on_kind, kind, ack, "ifindex=%d", ifindex);
	add_str(&r, TCA_KIND, "clsact");
	return talk(&r, NULL, NULL, ack, "ifindex=%d clsact", ifindex);
}

int ox_nl_clsact_add(int ifindex, int *created, struct ox_err *err)
{
	struct ack ack;
	char kind[KIND_MAX] = "";
	int e;
	if (created)
		*created = 0;
	if (ifindex <= 0)
		return fail(err, EINVAL, "bad ifindex", "clsact qdisc on ifindex %d", ifindex);
	e = clsact(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, ifindex, NULL, &ack);
	if (!e) {
		if (created)
			*created = 1;
		return 0;
	}
	if (e != EEXIST)
		return fail(err, e, ack.msg, "clsact qdisc on ifindex %d", ifindex);
	/* EEXIST says only that the handle is taken. A plain ingress qdisc
	 * shares it and would take "egress" filters on ingress. */
	if ((e = clsact(RTM_GETQDISC, NLM_F_ECHO, ifindex, kind, &ack)))
		return fail(err, e, ack.msg, "clsact qdisc on ifindex %d", ifindex);
	if (strcmp(kind, "clsact") != 0) {
		snprintf(ack.msg, sizeof ack.msg, "a qdisc of kind '%s' holds clsact's handle", kind);
		return fail(err, EEXIST, ack.msg, "clsact qdisc on ifindex %d", ifindex);
	}
	return 0;
}

int ox_nl_clsact_del(int ifindex, struct ox_err *err)
{
	struct ack ack;
	int e;
	if (ifindex <= 0)
		return fail(err, EINVAL, "bad ifindex", "clsact qdisc delete on ifindex %d", ifindex);
	if ((e = clsact(RTM_DELQDISC, 0, ifindex, NULL, &ack)))
		return fail(err, e, ack.msg, "clsact qdisc delete on ifindex %d", ifindex);
	return 0;
}

/* ---- tc bpf filters ---- */

static const char *dir_name(int egress) { return egress ? "egress" : "ingress"; }

/* The fixed part of a filter request on ifindex's clsact. */
static void filter(struct req *r, int type, int flags, int ifindex, int egress,
		   uint32_t prio, uint32_t handle)
{
	struct tcmsg *tc = begin(r, type, flags, sizeof *tc);
	tc->tcm_family = AF_UNSPEC;
	tc->tcm_ifindex = ifindex;
	tc->tcm_parent = TC_H_MAKE(TC_H_CLSACT, egress ? TC_H_MIN_EGRESS : TC_H_MIN_INGRESS);
	tc->tcm_handle = handle;
	tc->tcm_info = TC_H_MAKE(prio << 16, htons(ETH_P_ALL));
	add_str(r, TCA_KIND, "bpf");
}

/* The kernel echoes the new filter (NLM_F_ECHO) with the priority and handle
 * it chose. */
struct echo {
	uint32_t prio, handle;
	int seen;
};

static int on_filter(void *ctx, const struct nlmsghdr *nh)
{
	struct echo *ec = ctx;
	const struct tcmsg *tc = NLMSG_DATA(nh);
	const struct nlattr *kind;
	if (nh->nlmsg_type != RTM_NEWTFILTER || nh->nlmsg_len < NLMSG_LENGTH(sizeof *tc))
		return 0;
	kind = msg_find(nh, sizeof *tc, TCA_KIND);
	if (!kind || size(kind) < sizeof "bpf" || memcmp(data(kind), "bpf", sizeof "bpf"))
		return 0;
	ec->prio = TC_H_MAJ(tc->tcm_info) >> 16;
	ec->handle = tc->tcm_handle;
	ec->seen = 1;
	return 0;
}

int ox_nl_tc_attach(int ifindex, int egress, int prog_fd, const char *name,
		    uint32_t *prio, uint32_t *handle, struct ox_err *err)
{
	struct req r;
	struct ack ack;
	struct echo ec = { 0, 0, 0 };
	struct nlattr *opts;
	uint32_t p = prio ? *prio : 0, h = handle ? *handle : 0;
	int e;
	const char *bad = ifindex <= 0 ? "bad ifindex" : prog_fd < 0 ? "bad program fd" :
		p > UINT16_MAX ? "priority above 65535" : NULL;
	if (bad)
		return fail(err, EINVAL, bad, "tc filter on ifindex %d %s", ifindex, dir_name(egress));
	/* As bpf_tc_attach: always exclusive, so an existing filter with the
	 * same priority and handle is an error (EEXIST), never replaced. */
	filter(&r, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ECHO,
	       ifindex, egress, p, h);
	opts = nest(&r, TCA_OPTIONS);
	add_s32(&r, TCA_BPF_FD, prog_fd);
	if (name && *name)
		add_str(&r, TCA_BPF_NAME, name);
	add_u32(&r, TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT);
	nest_end(&r, opts);
	e = talk(&r, on_filter, &ec, &ack, "ifindex=%d %s prog_fd=%d prio=%u handle=0x%x",
		 ifindex, dir_name(egress), prog_fd, p, h);
	if (!e && !ec.seen) {
		/* Attached, but we cannot name it: take it down again if we can. */
		snprintf(ack.msg, sizeof ack.msg, "the kernel did not echo the new filter");
		if (p && h)
			ox_nl_tc_detach(ifindex, egress, p, h, NULL);
		e = ENOENT;
	}
	if (e)
		return fail(err, e, ack.msg, "tc filter on ifindex %d %s", ifindex, dir_name(egress));
	ox_log("tc filter on ifindex %d %s: prio %u handle 0x%x", ifindex, dir_name(egress),
	       ec.prio, ec.handle);
	if (prio)
		*prio = ec.prio;
	if (handle)
		*handle = ec.handle;
	return 0;
}

int ox_nl_tc_detach(int ifindex, int egress, uint32_t prio, uint32_t handle,
		    struct ox_err *err)
{
	struct req r;
	struct ack ack;
	int e;
	/* Priority 0 or handle 0 would delete every filter that matches the
	 * rest: other people's filters included. */
	const char *bad = ifindex <= 0 ? "bad ifindex" : !prio || !handle ?
		"priority and handle must be given" : prio > UINT16_MAX ? "priority above 65535" : NULL;
	if (bad)
		return fail(err, EINVAL, bad, "tc filter delete on ifindex %d %s",
			    ifindex, dir_name(egress));
	filter(&r, RTM_DELTFILTER, 0, ifindex, egress, prio, handle);
	e = talk(&r, NULL, NULL, &ack, "ifindex=%d %s prio=%u handle=0x%x",
		 ifindex, dir_name(egress), prio, handle);
	if (e)
		return fail(err, e, ack.msg, "tc filter delete on ifindex %d %s (prio %u handle 0x%x)",
			    ifindex, dir_name(egress), prio, handle);
	return 0;
}

/* ---- XDP ---- */

static const char *mode_name(uint32_t flags)
{
	switch (flags & XDP_FLAGS_MODES) {
	case XDP_FLAGS_SKB_MODE: return " (skb mode)";
	case XDP_FLAGS_DRV_MODE: return " (native mode)";
	case XDP_FLAGS_HW_MODE: return " (hw mode)";
	default: return "";
	}
}

static int xdp_set(int ifindex, int prog_fd, int expected_fd, uint32_t flags,
		   struct ox_err *err)
{
	const char *op = prog_fd < 0 ? "xdp detach" : "xdp";
	struct req r;
	struct ack ack;
	struct ifinfomsg *ifi;
	struct nlattr *xdp;
	int e;
	const char *bad = ifindex <= 0 ? "bad ifindex" :
		flags & ~XDP_FLAGS_MASK ? "unknown XDP flags" : NULL;
	if (bad)
		return fail(err, EINVAL, bad, "%s on ifindex %d%s", op, ifindex, mode_name(flags));
	ifi = begin(&r, RTM_SETLINK, 0, sizeof *ifi);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	xdp = nest(&r, IFLA_XDP);
	add_s32(&r, IFLA_XDP_FD, prog_fd < 0 ? -1 : prog_fd);
	if (flags)
		add_u32(&r, IFLA_XDP_FLAGS, flags);
	if (flags & XDP_FLAGS_REPLACE)
		add_s32(&r, IFLA_XDP_EXPECTED_FD, expected_fd < 0 ? -1 : expected_fd);
	nest_end(&r, xdp);
	e = talk(&r, NULL, NULL, &ack, "ifindex=%d xdp prog_fd=%d expected_fd=%d flags=0x%x",
		 ifindex, prog_fd, flags & XDP_FLAGS_REPLACE ? expected_fd : -1, flags);
	if (e)
		return fail(err, e, ack.msg, "%s on ifindex %d%s", op, ifindex, mode_name(flags));
	return 0;
}

int ox_nl_xdp_set(int ifindex, int prog_fd, uint32_t flags, struct ox_err *err)
{
	if (flags & XDP_FLAGS_REPLACE)
		return fail(err, EINVAL, "XDP_FLAGS_REPLACE needs ox_nl_xdp_replace",
			    "xdp on ifindex %d", ifindex);
	return xdp_set(ifindex, prog_fd, -1, flags, err);
}

int ox_nl_xdp_replace(int ifindex, int prog_fd, int expected_fd, uint32_t flags,
		      struct ox_err *err)
{
	return xdp_set(ifindex, prog_fd, expected_fd, flags | XDP_FLAGS_REPLACE, err);
}

struct xdp_state {
	int ifindex, seen;
	uint32_t prog_id, mode;
};

static int on_link(void *ctx, const struct nlmsghdr *nh)
{
	static const int multi[] = { IFLA_XDP_DRV_PROG_ID, IFLA_XDP_SKB_PROG_ID,
				     IFLA_XDP_HW_PROG_ID };
	struct xdp_state *x = ctx;
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	const struct nlattr *xdp;
	if (nh->nlmsg_type != RTM_NEWLINK || nh->nlmsg_len < NLMSG_LENGTH(sizeof *ifi) ||
	    ifi->ifi_index != x->ifindex)
		return 0;
	x->seen = 1;
	xdp = msg_find(nh, sizeof *ifi, IFLA_XDP);
	x->mode = get_u8(find_in(xdp, IFLA_XDP_ATTACHED));
	x->prog_id = get_u32(find_in(xdp, IFLA_XDP_PROG_ID));
	/* Several modes at once (hw offload) carry no PROG_ID: report the
	 * program the host runs. */
	for (int i = 0; i < 3 && x->mode == XDP_ATTACHED_MULTI && !x->prog_id; i++)
		x->prog_id = get_u32(find_in(xdp, multi[i]));
	if (x->mode == XDP_ATTACHED_NONE)
		x->prog_id = 0;
	return 0;
}

int ox_nl_xdp_query(int ifindex, uint32_t *prog_id, uint32_t *mode, struct ox_err *err)
{
	struct req r;
	struct ack ack;
	struct ifinfomsg *ifi;
	struct xdp_state x = { ifindex, 0, 0, 0 };
	int e;
	if (ifindex <= 0)
		return fail(err, EINVAL, "bad ifindex", "xdp query on ifindex %d", ifindex);
	ifi = begin(&r, RTM_GETLINK, 0, sizeof *ifi);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	add_u32(&r, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	e = talk(&r, on_link, &x, &ack, "ifindex=%d", ifindex);
	if (!e && !x.seen) {
		snprintf(ack.msg, sizeof ack.msg, "no link in the reply");
		e = ENODEV;
	}
	if (e)
		return fail(err, e, ack.msg, "xdp query on ifindex %d", ifindex);
	if (prog_id)
		*prog_id = x.prog_id;
	if (mode)
		*mode = x.mode;
	return 0;
}
