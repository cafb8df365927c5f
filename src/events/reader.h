/* reader.h - consuming BPF perf buffers and ring buffers from user space.
 * Engine layer: no Lua. Each reader owns its fds and mappings; free is
 * idempotent-safe (NULL ok) and releases everything. Each reader is a loop
 * source (events/source.h). */
#ifndef OXLUA_READER_H
#define OXLUA_READER_H

#include <stdint.h>
#include "common.h"
#include "events/source.h"

/* Called for each record. data points into the ring (or a scratch copy for a
 * record that wraps); it is valid only during the call. Return 0 to go on,
 * non-zero to stop consuming (the record counts as consumed). */
typedef int (*ox_sample_fn)(void *ctx, int cpu, const void *data, uint32_t size);
/* Called for PERF_RECORD_LOST records: `lost` samples dropped on `cpu`. */
typedef void (*ox_lost_fn)(void *ctx, int cpu, uint64_t lost);

/* ---- perf buffer (BPF_MAP_TYPE_PERF_EVENT_ARRAY) ---- */

struct ox_perfbuf_opts {
	uint32_t pages;		/* data pages per CPU, a power of two; 0 -> 64 */
	uint32_t wakeup_events;	/* wake the reader every N samples; 0 -> 1 */
	uint32_t watermark;	/* if non-zero: wake when this many bytes are
				 * ready instead (wakeup_events is then ignored) */
};

struct ox_perfbuf_stats {
	uint64_t events, bytes, lost;	/* totals */
};

struct ox_perfbuf;

/* Opens one PERF_COUNT_SW_BPF_OUTPUT perf event per possible CPU (CPUs that
 * are offline are skipped: ENODEV from perf_event_open), mmaps its ring,
 * and stores the perf fd in map[cpu]. Errors name the CPU and errno. */
struct ox_perfbuf *ox_perfbuf_new(int map_fd, const struct ox_perfbuf_opts *opts,
				  struct ox_err *err);
void ox_perfbuf_free(struct ox_perfbuf *pb);

/* The perf buffer as a loop source: one fd per CPU ring. Its consumer sets
 * the callback; ox_perfbuf_free takes it out of its loop first. */
struct ox_source *ox_perfbuf_source(struct ox_perfbuf *pb);

/* Consume every CPU's ring: records in order per CPU; data_tail advanced once
 * per ring per call (release store); records that wrap the end of the ring
 * are copied to a scratch buffer (no allocation per record). Returns the
 * number of samples delivered, or -1 if sample_fn asked to stop (what was
 * consumed stays consumed). max (> 0) bounds samples per call (0: no bound). */
int ox_perfbuf_consume(struct ox_perfbuf *pb, ox_sample_fn sample_fn, ox_lost_fn lost_fn,
		       void *ctx, int max);

int ox_perfbuf_cpus(const struct ox_perfbuf *pb);	/* rings opened */
/* Per-CPU lost totals and overall stats. cpu < 0: all. */
uint64_t ox_perfbuf_lost(const struct ox_perfbuf *pb, int cpu);
void ox_perfbuf_stats(const struct ox_perfbuf *pb, struct ox_perfbuf_stats *out);

/* ---- ring buffer (BPF_MAP_TYPE_RINGBUF) ---- */

struct ox_ringbuf;

/* mmaps the consumer page read-write and the producer page plus twice the
 * data area read-only (the kernel maps the data twice, so records never wrap
 * for the reader). */
struct ox_ringbuf *ox_ringbuf_new(int map_fd, struct ox_err *err);
void ox_ringbuf_free(struct ox_ringbuf *rb);
/* The ring buffer as a loop source: its fd (a duplicate of the map's).
 * ox_ringbuf_free takes it out of its loop before closing the fd. */
struct ox_source *ox_ringbuf_source(struct ox_ringbuf *rb);
/* Consume ready records: busy ones stop the scan, discarded ones are skipped
 * (and counted); consumer_pos is committed after each record (release store),
 * so a reader that keeps up paces the producer through the kernel's wakeups.
 * Returns records delivered or -1 if sample_fn asked to stop. cpu is -1. */
int ox_ringbuf_consume(struct ox_ringbuf *rb, ox_sample_fn sample_fn, void *ctx, int max);
/* Bytes produced but not consumed yet. */
uint64_t ox_ringbuf_avail(const struct ox_ringbuf *rb);
struct ox_ringbuf_stats { uint64_t events, bytes, discarded; };
void ox_ringbuf_stats(const struct ox_ringbuf *rb, struct ox_ringbuf_stats *out);

#endif
