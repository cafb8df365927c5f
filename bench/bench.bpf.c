// SPDX-License-Identifier: MIT
/* bench.bpf.c - the event source of the throughput benchmarks: one 64-byte
 * record per getppid() of one process, into a perf buffer (emit 1) or a ring
 * buffer (emit 2). counts[0] counts the calls seen (records produced),
 * counts[1] the ring buffer reservations that failed (records dropped; the
 * kernel counts perf buffer losses itself). The same object is loaded by
 * oxlua and by the libbpf reference consumer. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct event {
	__u32 pid;
	__u32 cpu;
	__u64 seq;
	char comm[16];
	__u8 pad[32];
};	/* 64 bytes */

/* keeps struct event in the object's BTF, for decode = "struct event" */
struct event *unused_event __attribute__((unused));

#include "bench_maps.h"

SEC("tracepoint/syscalls/sys_enter_getppid")
int bench_getppid(void *ctx)
{
	struct event e = {};
	__u32 k = 0;
	__u64 *n;

	if ((bpf_get_current_pid_tgid() >> 32) != target_pid)
		return 0;
	n = bpf_map_lookup_elem(&counts, &k);
	if (!n)
		return 0;
	e.seq = __sync_fetch_and_add(n, 1);
	e.pid = target_pid;
	e.cpu = bpf_get_smp_processor_id();
	bpf_get_current_comm(e.comm, sizeof e.comm);
	if (emit == 1) {
		bpf_perf_event_output(ctx, &perf_events, BPF_F_CURRENT_CPU, &e, sizeof e);
	} else if (emit == 2) {
		struct event *r = bpf_ringbuf_reserve(&ring_events, sizeof *r, 0);
		if (!r) {
			k = 1;
			n = bpf_map_lookup_elem(&counts, &k);
			if (n)
				__sync_fetch_and_add(n, 1);
			return 0;
		}
		*r = e;
		bpf_ringbuf_submit(r, 0);
	}
	return 0;
}
