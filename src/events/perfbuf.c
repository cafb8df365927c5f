/* perfbuf.c - reading a BPF_MAP_TYPE_PERF_EVENT_ARRAY: one
 * PERF_COUNT_SW_BPF_OUTPUT event per CPU, its ring mmapped (a metadata page
 * and 2^n data pages), its fd stored in the map at the CPU's index.
 * A sample's size is the kernel's raw size: the program's size padded so that
 * it plus its u32 length is a multiple of 8 (libbpf passes on the same). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/perf_event.h>

#include "events/loop.h"
#include "events/reader.h"
#include "kernel/names.h"
#include "kernel/sys.h"

struct ring {
	int cpu, fd;
	int in_map;				/* map[cpu] holds fd */
	struct perf_event_mmap_page *meta;	/* followed by the data pages */
	uint64_t lost;
};

struct ox_perfbuf {
	int map_fd;		/* our own duplicate of the map's fd */
	size_t page_size, data_size;
	struct ring *rings;
	int nr_rings;
	int *fds;		/* the rings' fds, for the loop */
	struct ox_source src;
	int next;		/* ring a consume starts with (fairness under max) */
	uint8_t *scratch;	/* copies of records that wrap the end of a ring */
	size_t scratch_size;
	struct ox_perfbuf_stats stats;
};

/* A record as the kernel writes it for PERF_SAMPLE_RAW and for a loss. */
struct raw_sample { struct perf_event_header h; uint32_t size; };
struct lost_record { struct perf_event_header h; uint64_t id, lost; };

static int os_err(struct ox_err *err, int e, int cpu, const char *what)
{
	if (cpu < 0)
		return ox_errf(err, e, "perf buffer: %s: %s (%s)", what, ox_errno_name(e), strerror(e));
	return ox_errf(err, e, "perf buffer: cpu %d: %s: %s (%s)", cpu, what,
		       ox_errno_name(e), strerror(e));
}

static int perf_open(struct perf_event_attr *a, int cpu)
{
	return ox_perf_event_open(a, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

/* Open, map and enable CPU cpu's event and store it in the map.
 * Returns 1, 0 when the CPU is offline, -1 on error. */
static int open_ring(struct ox_perfbuf *pb, int cpu, const struct ox_perfbuf_opts *o,
		     struct ox_err *err)
{
	struct perf_event_attr a;
	struct ring *r;
	uint32_t key = (uint32_t)cpu, val;
	void *m;
	int fd;

	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_BPF_OUTPUT;
	a.sample_type = PERF_SAMPLE_RAW;
	a.sample_period = 1;
	if (o->watermark) {
		a.watermark = 1;
		a.wakeup_watermark = o->watermark;
	} else
		a.wakeup_events = o->wakeup_events ? o->wakeup_events : 1;
	if ((fd = perf_open(&a, cpu)) < 0)
		return errno == ENODEV ? 0 : os_err(err, errno, cpu, "perf_event_open");
	r = &pb->rings[pb->nr_rings++];
	r->cpu = cpu;
	r->fd = fd;
	m = mmap(NULL, pb->page_size + pb->data_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return os_err(err, errno, cpu, "mmap of the ring");
	r->meta = m;
	if (ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) < 0)
		return os_err(err, errno, cpu, "enabling the event");
	val = (uint32_t)fd;
	if (ox_map_update(pb->map_fd, &key, &val, BPF_ANY) < 0)
		return os_err(err, errno, cpu, "storing the event in the map");
	r->in_map = 1;
	return 1;
}

void ox_perfbuf_free(struct ox_perfbuf *pb)
{
	int i;
	if (!pb)
		return;
	ox_loop_remove(&pb->src);	/* while the fds are open */
	for (i = 0; i < pb->nr_rings; i++) {
		struct ring *r = &pb->rings[i];
		uint32_t key = (uint32_t)r->cpu;
		if (r->in_map)
			ox_map_delete(pb->map_fd, &key);
		if (r->meta)
			munmap(r->meta, pb->page_size + pb->data_size);
		close(r->fd);
	}
	if (pb->map_fd >= 0)
		close(pb->map_fd);
	free(pb->rings);
	free(pb->fds);
	free(pb->scratch);
	free(pb);
}

struct ox_perfbuf *ox_perfbuf_new(int map_fd, const struct ox_perfbuf_opts *opts,
				  struct ox_err *err)
{
	static const struct ox_perfbuf_opts defaults;
	const struct ox_perfbuf_opts *o = opts ? opts : &defaults;
	uint32_t pages = o->pages ? o->pages : 64;
	struct bpf_map_info info;
	struct ox_perfbuf *pb;
	int ncpu = ox_possible_cpus(), cpu;
	size_t page_size = (size_t)sysconf(_SC_PAGESIZE);

	if (pages & (pages - 1)) {
		ox_errf(err, EINVAL, "perf buffer: %u pages is not a power of 2", pages);
		return NULL;
	}
	if (pages > SIZE_MAX / page_size - 1) {
		ox_errf(err, EINVAL, "perf buffer: %u pages is too large", pages);
		return NULL;
	}
	if (ox_map_info(map_fd, &info) < 0) {
		os_err(err, errno, -1, "map information");
		return NULL;
	}
	if (info.type != BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
		ox_errf(err, EINVAL, "perf buffer: map '%s' is a %s map, not perf_event_array",
			info.name, ox_map_type_name(info.type));
		return NULL;
	}
	if (info.max_entries < (uint32_t)ncpu)
		ncpu = (int)info.max_entries;	/* libbpf's rule: CPUs beyond the map get no ring */
	if (!(pb = calloc(1, sizeof *pb)) || !(pb->rings = calloc(ncpu ? ncpu : 1, sizeof *pb->rings)) ||
	    !(pb->fds = calloc(ncpu ? ncpu : 1, sizeof *pb->fds))) {
		if (pb)
			free(pb->rings);
		free(pb);
		ox_errf(err, ENOMEM, "out of memory");
		return NULL;
	}
	pb->page_size = page_size;
	pb->data_size = pages * page_size;
	if ((pb->map_fd = fcntl(map_fd, F_DUPFD_CLOEXEC, 3)) < 0) {
		os_err(err, errno, -1, "duplicating the map fd");
		goto fail;
	}
	for (cpu = 0; cpu < ncpu; cpu++)
		if (open_ring(pb, cpu, o, err) < 0)
			goto fail;
	if (!pb->nr_rings) {
		ox_errf(err, ENODEV, "perf buffer: map '%s': no CPU could be opened", info.name);
		goto fail;
	}
	for (cpu = 0; cpu < pb->nr_rings; cpu++)
		pb->fds[cpu] = pb->rings[cpu].fd;
	pb->src.fds = pb->fds;
	pb->src.nr_fds = pb->nr_rings;
	return pb;
fail:
	ox_perfbuf_free(pb);
	return NULL;
}

struct ox_source *ox_perfbuf_source(struct ox_perfbuf *pb)
{
	return &pb->src;
}

/* Copy len bytes at off of a ring of size bytes, wrapping at its end. */
static void ring_copy(void *dst, const uint8_t *base, size_t size, size_t off, size_t len)
{
	size_t first = size - off < len ? size - off : len;
	memcpy(dst, base + off, first);
	memcpy((uint8_t *)dst + first, base, len - first);
}

/* len bytes at off made contiguous: in place, or copied to the scratch buffer
 * when they wrap. NULL when the scratch buffer cannot grow. */
static const uint8_t *contiguous(struct ox_perfbuf *pb, const uint8_t *base, size_t off,
				 size_t len)
{
	if (off + len <= pb->data_size)
		return base + off;
	if (len > pb->scratch_size) {
		size_t n = pb->scratch_size ? pb->scratch_size : 256;
		uint8_t *p;
		while (n < len)
			n *= 2;
		if (!(p = realloc(pb->scratch, n)))
			return NULL;
		pb->scratch = p;
		pb->scratch_size = n;
	}
	ring_copy(pb->scratch, base, pb->data_size, off, len);
	return pb->scratch;
}

static void count_lost(struct ox_perfbuf *pb, struct ring *r, ox_lost_fn lost_fn, void *ctx,
		       uint64_t n)
{
	r->lost += n;
	pb->stats.lost += n;
	if (lost_fn)
		lost_fn(ctx, r->cpu, n);
}

/* Consume one ring until it is empty or *n reaches max (0: no bound).
 * Returns 0, or -1 when sample_fn asked to stop. Sizes come from memory the
 * kernel writes, but are checked anyway: a bad one skips what is left. */
static int consume_ring(struct ox_perfbuf *pb, struct ring *r, ox_sample_fn sample_fn,
			ox_lost_fn lost_fn, void *ctx, int max, int *n)
{
	const uint8_t *base = (const uint8_t *)r->meta + pb->page_size;
	uint64_t head = __atomic_load_n(&r->meta->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = __atomic_load_n(&r->meta->data_tail, __ATOMIC_RELAXED), start = tail;
	size_t size = pb->data_size, mask = size - 1;
	int stop = 0;

	if (head - tail > size)
		goto corrupt;
	while (tail != head && !stop && (!max || *n < max)) {
		size_t off = (size_t)tail & mask;
		struct perf_event_header h;

		if (head - tail < sizeof h)
			goto corrupt;
		ring_copy(&h, base, size, off, sizeof h);
		if (h.size < sizeof h || h.size > head - tail)
			goto corrupt;
		if (h.type == PERF_RECORD_SAMPLE) {
			struct raw_sample s;
			const uint8_t *data;
			if (h.size < sizeof s)
				goto corrupt;
			ring_copy(&s, base, size, off, sizeof s);
			if (s.size > h.size - sizeof s)
				goto corrupt;
			tail += h.size;
			data = contiguous(pb, base, (off + sizeof s) & mask, s.size);
			if (!data) {	/* no memory for the copy: the sample is lost */
				count_lost(pb, r, lost_fn, ctx, 1);
				continue;
			}
			(*n)++;
			pb->stats.events++;
			pb->stats.bytes += s.size;
			if (sample_fn && sample_fn(ctx, r->cpu, data, s.size))
				stop = 1;
		} else if (h.type == PERF_RECORD_LOST) {
			struct lost_record l;
			if (h.size < sizeof l)
				goto corrupt;
			ring_copy(&l, base, size, off, sizeof l);
			tail += h.size;
			count_lost(pb, r, lost_fn, ctx, l.lost);
		} else
			tail += h.size;
	}
	goto done;
corrupt:
	ox_warn("perf buffer: cpu %d: corrupt record at offset %zu; skipping %llu bytes",
		r->cpu, (size_t)tail & mask, (unsigned long long)(head - tail));
	tail = head;
done:
	if (tail != start)
		__atomic_store_n(&r->meta->data_tail, tail, __ATOMIC_RELEASE);
	return stop ? -1 : 0;
}

int ox_perfbuf_consume(struct ox_perfbuf *pb, ox_sample_fn sample_fn, ox_lost_fn lost_fn,
		       void *ctx, int max)
{
	int i, n = 0;
	if (max < 0)
		max = 0;
	for (i = 0; i < pb->nr_rings; i++) {
		int k = (pb->next + i) % pb->nr_rings;
		if (consume_ring(pb, &pb->rings[k], sample_fn, lost_fn, ctx, max, &n) < 0) {
			pb->next = (k + 1) % pb->nr_rings;
			return -1;
		}
		if (max && n >= max) {	/* the next call starts after this ring */
			pb->next = (k + 1) % pb->nr_rings;
			break;
		}
	}
	return n;
}

int ox_perfbuf_cpus(const struct ox_perfbuf *pb) { return pb->nr_rings; }

uint64_t ox_perfbuf_lost(const struct ox_perfbuf *pb, int cpu)
{
	int i;
	if (cpu < 0)
		return pb->stats.lost;
	for (i = 0; i < pb->nr_rings; i++)
		if (pb->rings[i].cpu == cpu)
			return pb->rings[i].lost;
	return 0;
}

void ox_perfbuf_stats(const struct ox_perfbuf *pb, struct ox_perfbuf_stats *out)
{
	*out = pb->stats;
}
