/* section.c - libbpf's section-name conventions: which program type,
 * expected attach type and attach family a section name means. */
#include <string.h>
#include <linux/bpf.h>

#include "object/section.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Section table. A name ending in '+' matches itself or itself followed by
 * "/target"; one ending in '/' matches anything after it (never by itself);
 * any other name matches only exactly. The first match wins. */
#define OPT  OX_SEC_ATTACH_OPT
#define SLP  OX_SEC_SLEEPABLE
#define FRAG OX_SEC_XDP_FRAGS
#define BTF  OX_SEC_NEEDS_BTF_ID

struct secdef {
	const char *name;
	uint8_t prog_type, attach_type, flags;
	const char *kind;
};

#define S(name, ptype, atype, flags, kind) { name, P_##ptype, atype, flags, kind }

static const struct secdef sections[] = {
	S("socket",		socket_filter, 0, 0, "socket"),
	S("sk_reuseport/migrate", sk_reuseport, A_sk_reuseport_select_or_migrate, 0, "sk_reuseport"),
	S("sk_reuseport",	sk_reuseport, A_sk_reuseport_select, 0, "sk_reuseport"),
	S("kprobe+",		kprobe, 0, 0, "kprobe"),
	S("uprobe+",		kprobe, 0, 0, "uprobe"),
	S("uprobe.s+",		kprobe, 0, SLP, "uprobe"),
	S("kretprobe+",		kprobe, 0, 0, "kretprobe"),
	S("uretprobe+",		kprobe, 0, 0, "uretprobe"),
	S("uretprobe.s+",	kprobe, 0, SLP, "uretprobe"),
	S("kprobe.multi+",	kprobe, A_trace_kprobe_multi, 0, "kprobe_multi"),
	S("kretprobe.multi+",	kprobe, A_trace_kprobe_multi, 0, "kretprobe_multi"),
	S("kprobe.session+",	kprobe, A_trace_kprobe_session, 0, "kprobe_session"),
	S("uprobe.multi+",	kprobe, A_trace_uprobe_multi, 0, "uprobe_multi"),
	S("uretprobe.multi+",	kprobe, A_trace_uprobe_multi, 0, "uretprobe_multi"),
	S("uprobe.session+",	kprobe, A_trace_uprobe_session, 0, "uprobe_session"),
	S("uprobe.multi.s+",	kprobe, A_trace_uprobe_multi, SLP, "uprobe_multi"),
	S("uretprobe.multi.s+",	kprobe, A_trace_uprobe_multi, SLP, "uretprobe_multi"),
	S("uprobe.session.s+",	kprobe, A_trace_uprobe_session, SLP, "uprobe_session"),
	S("ksyscall+",		kprobe, 0, 0, "ksyscall"),
	S("kretsyscall+",	kprobe, 0, 0, "kretsyscall"),
	S("usdt+",		kprobe, 0, 0, "usdt"),
	S("usdt.s+",		kprobe, 0, SLP, "usdt"),
	S("tc/ingress",		sched_cls, A_tcx_ingress, 0, "tc"),
	S("tc/egress",		sched_cls, A_tcx_egress, 0, "tc"),
	S("tcx/ingress",	sched_cls, A_tcx_ingress, 0, "tc"),
	S("tcx/egress",		sched_cls, A_tcx_egress, 0, "tc"),
	S("tc",			sched_cls, 0, 0, "tc"),
	S("classifier",		sched_cls, 0, 0, "tc"),
	S("action",		sched_act, 0, 0, "tc_action"),
	S("netkit/primary",	sched_cls, A_netkit_primary, 0, "netkit"),
	S("netkit/peer",	sched_cls, A_netkit_peer, 0, "netkit"),
	S("tracepoint+",	tracepoint, 0, 0, "tracepoint"),
	S("tp+",		tracepoint, 0, 0, "tracepoint"),
	S("tracepoint.s+",	tracepoint, 0, SLP, "tracepoint"),
	S("tp.s+",		tracepoint, 0, SLP, "tracepoint"),
	S("raw_tracepoint+",	raw_tracepoint, 0, 0, "raw_tp"),
	S("raw_tp+",		raw_tracepoint, 0, 0, "raw_tp"),
	S("raw_tracepoint.s+",	raw_tracepoint, 0, SLP, "raw_tp"),
	S("raw_tp.s+",		raw_tracepoint, 0, SLP, "raw_tp"),
	S("raw_tracepoint.w+",	raw_tracepoint_writable, 0, 0, "raw_tp"),
	S("raw_tp.w+",		raw_tracepoint_writable, 0, 0, "raw_tp"),
	S("tp_btf+",		tracing, A_trace_raw_tp, BTF, "tp_btf"),
	S("tp_btf.s+",		tracing, A_trace_raw_tp, BTF | SLP, "tp_btf"),
	S("fentry+",		tracing, A_trace_fentry, BTF, "fentry"),
	S("fmod_ret+",		tracing, A_modify_return, BTF, "fmod_ret"),
	S("fexit+",		tracing, A_trace_fexit, BTF, "fexit"),
	S("fentry.s+",		tracing, A_trace_fentry, BTF | SLP, "fentry"),
	S("fmod_ret.s+",	tracing, A_modify_return, BTF | SLP, "fmod_ret"),
	S("fexit.s+",		tracing, A_trace_fexit, BTF | SLP, "fexit"),
	S("freplace+",		ext, 0, BTF, "freplace"),
	S("lsm+",		lsm, A_lsm_mac, BTF, "lsm"),
	S("lsm.s+",		lsm, A_lsm_mac, BTF | SLP, "lsm"),
	S("lsm_cgroup+",	lsm, A_lsm_cgroup, BTF, "lsm_cgroup"),
	S("iter+",		tracing, A_trace_iter, BTF, "iter"),
	S("iter.s+",		tracing, A_trace_iter, BTF | SLP, "iter"),
	S("syscall",		syscall, 0, SLP, "syscall"),
	S("xdp.frags/devmap",	xdp, A_xdp_devmap, FRAG, "xdp"),
	S("xdp/devmap",		xdp, A_xdp_devmap, 0, "xdp"),
	S("xdp.frags/cpumap",	xdp, A_xdp_cpumap, FRAG, "xdp"),
	S("xdp/cpumap",		xdp, A_xdp_cpumap, 0, "xdp"),
	S("xdp.frags",		xdp, A_xdp, FRAG, "xdp"),
	S("xdp",		xdp, A_xdp, OPT, "xdp"),
	S("perf_event",		perf_event, 0, 0, "perf_event"),
	S("lwt_in",		lwt_in, 0, 0, "lwt"),
	S("lwt_out",		lwt_out, 0, 0, "lwt"),
	S("lwt_xmit",		lwt_xmit, 0, 0, "lwt"),
	S("lwt_seg6local",	lwt_seg6local, 0, 0, "lwt"),
	S("sockops",		sock_ops, A_cgroup_sock_ops, OPT, "sockops"),
	S("sk_skb/stream_parser", sk_skb, A_sk_skb_stream_parser, OPT, "sk_skb"),
	S("sk_skb/stream_verdict", sk_skb, A_sk_skb_stream_verdict, OPT, "sk_skb"),
	S("sk_skb/verdict",	sk_skb, A_sk_skb_verdict, OPT, "sk_skb"),
	S("sk_skb",		sk_skb, 0, 0, "sk_skb"),
	S("sk_msg",		sk_msg, A_sk_msg_verdict, OPT, "sk_msg"),
	S("lirc_mode2",		lirc_mode2, A_lirc_mode2, OPT, "lirc_mode2"),
	S("flow_dissector",	flow_dissector, A_flow_dissector, OPT, "flow_dissector"),
	S("cgroup_skb/ingress",	cgroup_skb, A_cgroup_inet_ingress, OPT, "cgroup"),
	S("cgroup_skb/egress",	cgroup_skb, A_cgroup_inet_egress, OPT, "cgroup"),
	S("cgroup/skb",		cgroup_skb, 0, 0, "cgroup"),
	S("cgroup/sock_create",	cgroup_sock, A_cgroup_inet_sock_create, 0, "cgroup"),
	S("cgroup/sock_release", cgroup_sock, A_cgroup_inet_sock_release, 0, "cgroup"),
	S("cgroup/sock",	cgroup_sock, A_cgroup_inet_sock_create, OPT, "cgroup"),
	S("cgroup/post_bind4",	cgroup_sock, A_cgroup_inet4_post_bind, 0, "cgroup"),
	S("cgroup/post_bind6",	cgroup_sock, A_cgroup_inet6_post_bind, 0, "cgroup"),
	S("cgroup/bind4",	cgroup_sock_addr, A_cgroup_inet4_bind, 0, "cgroup"),
	S("cgroup/bind6",	cgroup_sock_addr, A_cgroup_inet6_bind, 0, "cgroup"),
	S("cgroup/connect4",	cgroup_sock_addr, A_cgroup_inet4_connect, 0, "cgroup"),
	S("cgroup/connect6",	cgroup_sock_addr, A_cgroup_inet6_connect, 0, "cgroup"),
	S("cgroup/connect_unix", cgroup_sock_addr, A_cgroup_unix_connect, 0, "cgroup"),
	S("cgroup/sendmsg4",	cgroup_sock_addr, A_cgroup_udp4_sendmsg, 0, "cgroup"),
	S("cgroup/sendmsg6",	cgroup_sock_addr, A_cgroup_udp6_sendmsg, 0, "cgroup"),
	S("cgroup/sendmsg_unix", cgroup_sock_addr, A_cgroup_unix_sendmsg, 0, "cgroup"),
	S("cgroup/recvmsg4",	cgroup_sock_addr, A_cgroup_udp4_recvmsg, 0, "cgroup"),
	S("cgroup/recvmsg6",	cgroup_sock_addr, A_cgroup_udp6_recvmsg, 0, "cgroup"),
	S("cgroup/recvmsg_unix", cgroup_sock_addr, A_cgroup_unix_recvmsg, 0, "cgroup"),
	S("cgroup/getpeername4", cgroup_sock_addr, A_cgroup_inet4_getpeername, 0, "cgroup"),
	S("cgroup/getpeername6", cgroup_sock_addr, A_cgroup_inet6_getpeername, 0, "cgroup"),
	S("cgroup/getpeername_unix", cgroup_sock_addr, A_cgroup_unix_getpeername, 0, "cgroup"),
	S("cgroup/getsockname4", cgroup_sock_addr, A_cgroup_inet4_getsockname, 0, "cgroup"),
	S("cgroup/getsockname6", cgroup_sock_addr, A_cgroup_inet6_getsockname, 0, "cgroup"),
	S("cgroup/getsockname_unix", cgroup_sock_addr, A_cgroup_unix_getsockname, 0, "cgroup"),
	S("cgroup/sysctl",	cgroup_sysctl, A_cgroup_sysctl, 0, "cgroup"),
	S("cgroup/getsockopt",	cgroup_sockopt, A_cgroup_getsockopt, 0, "cgroup"),
	S("cgroup/setsockopt",	cgroup_sockopt, A_cgroup_setsockopt, 0, "cgroup"),
	S("cgroup/dev",		cgroup_device, A_cgroup_device, OPT, "cgroup"),
	S("struct_ops+",	struct_ops, 0, 0, "struct_ops"),
	S("struct_ops.s+",	struct_ops, 0, SLP, "struct_ops"),
	S("sk_lookup",		sk_lookup, A_sk_lookup, 0, "sk_lookup"),
	S("netfilter",		netfilter, A_netfilter, 0, "netfilter"),
};

/* Where the target starts in name if def matches it, else NULL. */
static const char *match(const struct secdef *def, const char *name)
{
	size_t len = strlen(def->name);
	char last = def->name[len - 1];

	if (last != '+' && last != '/')
		return strcmp(name, def->name) == 0 ? name + len : NULL;
	len--;
	if (strncmp(name, def->name, len) != 0)
		return NULL;
	if (last == '+' && name[len] == '\0')
		return name + len;
	return name[len] == '/' ? name + len + 1 : NULL;
}

int ox_section_lookup(const char *name, struct ox_section *out)
{
	size_t i;

	for (i = 0; i < COUNT(sections); i++) {
		const struct secdef *def = &sections[i];
		const char *target = match(def, name);

		if (target == NULL)
			continue;
		out->prog_type = def->prog_type;
		out->attach_type = def->attach_type;
		out->flags = def->flags;
		out->target = target;
		out->kind = def->kind;
		return 0;
	}
	return -1;
}

