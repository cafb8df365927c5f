/* names.h - the kernel's BPF enums by name: program, map and attach types
 * and bpf() commands, as bpftool prints them (the enum names lowercased,
 * without their BPF_PROG_TYPE_/BPF_MAP_TYPE_/BPF_ prefix). Each list is in
 * kernel order, so a name's position is its value; the lists go up to Linux
 * 6.18 whatever <linux/bpf.h> this is built against (the oldest supported,
 * Ubuntu 20.04's, is 5.4). */
#ifndef OXLUA_KERNEL_NAMES_H
#define OXLUA_KERNEL_NAMES_H

#include <stdint.h>

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

/* P_xdp, M_hash, A_cgroup_inet_ingress, C_MAP_CREATE, ...: the values */
enum { PROG_TYPES(P_ENUM) P_COUNT };
enum { MAP_TYPES(M_ENUM) M_COUNT };
enum { ATTACH_TYPES(A_ENUM) A_COUNT };
enum { BPF_CMDS(C_ENUM) C_COUNT };

/* Names: "xdp", "sched_cls", "kprobe", ...; "unknown" for values this build
 * does not know. */
const char *ox_prog_type_name(uint32_t prog_type);
const char *ox_map_type_name(uint32_t map_type);      /* "hash", "array_of_maps", "ringbuf", ... */
const char *ox_attach_type_name(uint32_t attach_type); /* "cgroup_inet_ingress", "xdp", ... */
const char *ox_bpf_cmd_name(int cmd);                  /* "BPF_PROG_LOAD", ... */
/* Reverse look-ups: -1 when unknown. */
int ox_prog_type_from_name(const char *name);
int ox_map_type_from_name(const char *name);

#endif
