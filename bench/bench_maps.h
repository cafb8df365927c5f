// SPDX-License-Identifier: MIT
/* bench_maps.h - what the event-source objects of the benchmarks
 * (bench.bpf.c, latency.bpf.c) share: a perf buffer and a ring buffer for
 * the records, counts[0] (records produced) and counts[1] (failed ring
 * reservations), and the producer's pid and the buffer to emit into, set
 * from .rodata before load by oxlua and by the libbpf reference consumers. */
#ifndef OXLUA_BENCH_MAPS_H
#define OXLUA_BENCH_MAPS_H

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} perf_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} ring_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

const volatile __u32 target_pid = 0;	/* the producer */
const volatile __u32 emit = 0;		/* 1: perf buffer, 2: ring buffer */

#endif
