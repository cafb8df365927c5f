/* section.c - libbpf's section-name conventions and BPF type names.
 *
 * The names are the kernel's enum names, lowercased and without their
 * BPF_PROG_TYPE_/BPF_MAP_TYPE_/BPF_ prefix, as bpftool prints them. Each
 * list below is in kernel order, so a name's position is its value; the
 * lists go up to Linux 6.18 whatever <linux/bpf.h> this is built against
 * (the oldest supported, Ubuntu 20.04's, is 5.4).
 */
#include <string.h>
#include <linux/bpf.h>

#include "object/section.h"

#define PROG_TYPES(X) \
	X(unspec) X(socket_filter) X(kprobe) X(sched_cls) X(sched_act) \
	X(tracepoint) X(xdp) X(perf_event) X(cgroup_skb) X(cgroup_sock) \
	X(lwt_in) X(lwt_out) X(lwt_xmit) X(sock_ops) X(sk_skb) \
	X(cgroup_device) X(sk_msg) X(raw_tracepoint) X(cgroup_sock_addr) \
	X(lwt_seg6local) X(lirc_mode2) X(sk_reuseport) X(flow_dissector) \
	X(cgroup_sysctl) X(raw_tracepoint_writable) X(cgroup_sockopt) \
	X(tracing) X(struct_ops) X(ext) X(lsm) X(sk_lookup) X(syscall) \
	X(netfilter)

#define MAP_TYPES(X) \
	X(unspec) X(hash) X(array) X(prog_array) X(perf_event_array) \
	X(percpu_hash) X(percpu_array) X(stack_trace) X(cgroup_array) \
	X(lru_hash) X(lru_percpu_hash) X(lpm_trie) X(array_of_maps) \
	X(hash_of_maps) X(devmap) X(sockmap) X(cpumap) X(xskmap) X(sockhash) \
	X(cgroup_storage) X(reuseport_sockarray) X(percpu_cgroup_storage) \
	X(queue) X(stack) X(sk_storage) X(devmap_hash) X(struct_ops) \
	X(ringbuf) X(inode_storage) X(task_storage) X(bloom_filter) \
	X(user_ringbuf) X(cgrp_storage) X(arena)

#define ATTACH_TYPES(X) \
	X(cgroup_inet_ingress) X(cgroup_inet_egress) X(cgroup_inet_sock_create) \
	X(cgroup_sock_ops) X(sk_skb_stream_parser) X(sk_skb_stream_verdict) \
	X(cgroup_device) X(sk_msg_verdict) X(cgroup_inet4_bind) \
	X(cgroup_inet6_bind) X(cgroup_inet4_connect) X(cgroup_inet6_connect) \
	X(cgroup_inet4_post_bind) X(cgroup_inet6_post_bind) \
	X(cgroup_udp4_sendmsg) X(cgroup_udp6_sendmsg) X(lirc_mode2) \
	X(flow_dissector) X(cgroup_sysctl) X(cgroup_udp4_recvmsg) \
	X(cgroup_udp6_recvmsg) X(cgroup_getsockopt) X(cgroup_setsockopt) \
	X(trace_raw_tp) X(trace_fentry) X(trace_fexit) X(modify_return) \
	X(lsm_mac) X(trace_iter) X(cgroup_inet4_getpeername) \
	X(cgroup_inet6_getpeername) X(cgroup_inet4_getsockname) \
	X(cgroup_inet6_getsockname) X(xdp_devmap) X(cgroup_inet_sock_release) \
	X(xdp_cpumap) X(sk_lookup) X(xdp) X(sk_skb_verdict) \
	X(sk_reuseport_select) X(sk_reuseport_select_or_migrate) \
	X(perf_event) X(trace_kprobe_multi) X(lsm_cgroup) X(struct_ops) \
	X(netfilter) X(tcx_ingress) X(tcx_egress) X(trace_uprobe_multi) \
	X(cgroup_unix_connect) X(cgroup_unix_sendmsg) X(cgroup_unix_recvmsg) \
	X(cgroup_unix_getpeername) X(cgroup_unix_getsockname) \
	X(netkit_primary) X(netkit_peer) X(trace_kprobe_session) \
	X(trace_uprobe_session)

#define BPF_CMDS(X) \
	X(MAP_CREATE) X(MAP_LOOKUP_ELEM) X(MAP_UPDATE_ELEM) X(MAP_DELETE_ELEM) \
	X(MAP_GET_NEXT_KEY) X(PROG_LOAD) X(OBJ_PIN) X(OBJ_GET) X(PROG_ATTACH) \
	X(PROG_DETACH) X(PROG_TEST_RUN) X(PROG_GET_NEXT_ID) X(MAP_GET_NEXT_ID) \
	X(PROG_GET_FD_BY_ID) X(MAP_GET_FD_BY_ID) X(OBJ_GET_INFO_BY_FD) \
	X(PROG_QUERY) X(RAW_TRACEPOINT_OPEN) X(BTF_LOAD) X(BTF_GET_FD_BY_ID) \
	X(TASK_FD_QUERY) X(MAP_LOOKUP_AND_DELETE_ELEM) X(MAP_FREEZE) \
	X(BTF_GET_NEXT_ID) X(MAP_LOOKUP_BATCH) X(MAP_LOOKUP_AND_DELETE_BATCH) \
	X(MAP_UPDATE_BATCH) X(MAP_DELETE_BATCH) X(LINK_CREATE) X(LINK_UPDATE) \
	X(LINK_GET_FD_BY_ID) X(LINK_GET_NEXT_ID) X(ENABLE_STATS) X(ITER_CREATE) \
	X(LINK_DETACH) X(PROG_BIND_MAP) X(TOKEN_CREATE) \
	X(PROG_STREAM_READ_BY_FD)

#define P_ENUM(n) P_##n,
#define M_ENUM(n) M_##n,
#define A_ENUM(n) A_##n,
#define C_ENUM(n) C_##n,
#define NAME(n) #n,
#define CMD_NAME(n) "BPF_" #n,

enum { PROG_TYPES(P_ENUM) P_COUNT };
enum { MAP_TYPES(M_ENUM) M_COUNT };
enum { ATTACH_TYPES(A_ENUM) A_COUNT };
enum { BPF_CMDS(C_ENUM) C_COUNT };

static const char *const prog_names[] = { PROG_TYPES(NAME) };
static const char *const map_names[] = { MAP_TYPES(NAME) };
static const char *const attach_names[] = { ATTACH_TYPES(NAME) };
static const char *const cmd_names[] = { BPF_CMDS(CMD_NAME) };

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Check the lists against the installed header (5.4 or newer) and 6.18. */
#define CHECK(name, cond) typedef char check_##name[(cond) ? 1 : -1]
CHECK(progs, (int)P_cgroup_sockopt == BPF_PROG_TYPE_CGROUP_SOCKOPT && P_COUNT == 33);
CHECK(maps, (int)M_sk_storage == BPF_MAP_TYPE_SK_STORAGE && M_COUNT == 34);
CHECK(attach, (int)A_cgroup_setsockopt == BPF_CGROUP_SETSOCKOPT && A_COUNT == 58);
CHECK(cmds, (int)C_BTF_GET_NEXT_ID == BPF_BTF_GET_NEXT_ID && C_COUNT == 38);

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

static const char *name_of(const char *const *names, size_t n, uint32_t v)
{
	return v < n ? names[v] : "unknown";
}

const char *ox_prog_type_name(uint32_t t)
{
	return name_of(prog_names, COUNT(prog_names), t);
}

const char *ox_map_type_name(uint32_t t)
{
	return name_of(map_names, COUNT(map_names), t);
}

const char *ox_attach_type_name(uint32_t t)
{
	return name_of(attach_names, COUNT(attach_names), t);
}

const char *ox_bpf_cmd_name(int cmd)
{
	if (cmd < 0)
		return "unknown";
	return name_of(cmd_names, COUNT(cmd_names), (uint32_t)cmd);
}

static int value_of(const char *const *names, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

int ox_prog_type_from_name(const char *name)
{
	return value_of(prog_names, COUNT(prog_names), name);
}

int ox_map_type_from_name(const char *name)
{
	return value_of(map_names, COUNT(map_names), name);
}
