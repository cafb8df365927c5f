// SPDX-License-Identifier: MIT
/* latency.bpf.c - the event source of the delivery latency benchmark: one
 * record per getpgid() of one process, stamped with bpf_ktime_get_ns()
 * (CLOCK_MONOTONIC) at the tracepoint, into a perf buffer (emit 1) or a ring
 * buffer (emit 2). The consumer compares the stamp with its own
 * CLOCK_MONOTONIC time in the handler. counts[0] counts the calls seen
 * (records produced), counts[1] the failed ring reservations (drops). The
 * same object is loaded by oxlua and by the libbpf reference consumer. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct lat_event {
	__u32 pid;
	__u32 cpu;
	__u64 seq;
	__u64 ts;	/* bpf_ktime_get_ns() at the tracepoint */
};	/* 24 bytes */

struct lat_event *unused_lat_event __attribute__((unused));

#include "bench_maps.h"

SEC("tracepoint/syscalls/sys_enter_getpgid")
int latency_getpgid(void *ctx)
{
	struct lat_event e = {};
	__u32 k = 0;
	__u64 *n;

	if ((bpf_get_current_pid_tgid() >> 32) != target_pid)
		return 0;
	n = bpf_map_lookup_elem(&counts, &k);
	if (!n)
		return 0;
	e.ts = bpf_ktime_get_ns();
	e.seq = __sync_fetch_and_add(n, 1);
	e.pid = target_pid;
	e.cpu = bpf_get_smp_processor_id();
	if (emit == 1) {
		bpf_perf_event_output(ctx, &perf_events, BPF_F_CURRENT_CPU, &e, sizeof e);
	} else if (emit == 2) {
		struct lat_event *r = bpf_ringbuf_reserve(&ring_events, sizeof *r, 0);
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
