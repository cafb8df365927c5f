/* ringbuf.c - reading a BPF_MAP_TYPE_RINGBUF. The map offers a consumer page
 * (read-write, at offset 0) and, from one page on, a producer page followed
 * by the data area mapped twice in a row (read-only), so a record is always
 * contiguous for the reader. Each record starts with an 8-byte header: u32
 * length with the busy and discard bits, u32 page offset (kernel use). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "events/loop.h"
#include "events/reader.h"
#include "kernel/names.h"
#include "kernel/sys.h"

struct ox_ringbuf {
	int fd;			/* our own duplicate of the map's fd */
	char name[BPF_OBJ_NAME_LEN];
	size_t page_size, data_size;
	unsigned long *consumer_pos;		/* consumer page, read-write */
	const unsigned long *producer_pos;	/* producer page, read-only */
	const uint8_t *data;			/* data area, twice */
	struct ox_ringbuf_stats stats;
	struct ox_source src;	/* fd, for the loop */
};

static int os_err(struct ox_err *err, int e, const char *name, const char *what)
{
	return ox_errf(err, e, "ring buffer: map '%s': %s: %s (%s)", name, what,
		       ox_errno_name(e), strerror(e));
}

void ox_ringbuf_free(struct ox_ringbuf *rb)
{
	if (!rb)
		return;
	/* Before the fd closes: the map's own fd keeps the file open, and epoll
	 * would go on watching it (and reporting its unread records). */
	ox_loop_remove(&rb->src);
	if (rb->consumer_pos)
		munmap(rb->consumer_pos, rb->page_size);
	if (rb->producer_pos)
		munmap((void *)rb->producer_pos, rb->page_size + 2 * rb->data_size);
	if (rb->fd >= 0)
		close(rb->fd);
	free(rb);
}

struct ox_ringbuf *ox_ringbuf_new(int map_fd, struct ox_err *err)
{
	struct bpf_map_info info;
	struct ox_ringbuf *rb;
	size_t page_size = (size_t)sysconf(_SC_PAGESIZE), size;
	void *m;

	if (ox_map_info(map_fd, &info) < 0) {
		int e = errno;
		ox_errf(err, e, "ring buffer: map information: %s (%s)", ox_errno_name(e), strerror(e));
		return NULL;
	}
	if (info.type != BPF_MAP_TYPE_RINGBUF) {
		ox_errf(err, EINVAL, "ring buffer: map '%s' is a %s map, not ringbuf", info.name,
			ox_map_type_name(info.type));
		return NULL;
	}
	size = info.max_entries;
	if (!size || (size & (size - 1)) || size % page_size || size > (SIZE_MAX - page_size) / 2) {
		ox_errf(err, EINVAL, "ring buffer: map '%s': unusable size %u", info.name,
			info.max_entries);
		return NULL;
	}
	if (!(rb = calloc(1, sizeof *rb))) {
		ox_errf(err, ENOMEM, "out of memory");
		return NULL;
	}
	memcpy(rb->name, info.name, sizeof rb->name);
	rb->name[sizeof rb->name - 1] = '\0';
	rb->page_size = page_size;
	rb->data_size = size;
	if ((rb->fd = fcntl(map_fd, F_DUPFD_CLOEXEC, 3)) < 0) {
		os_err(err, errno, rb->name, "duplicating the map fd");
		goto fail;
	}
	m = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_SHARED, rb->fd, 0);
	if (m == MAP_FAILED) {
		os_err(err, errno, rb->name, "mmap of the consumer page");
		goto fail;
	}
	rb->consumer_pos = m;
	m = mmap(NULL, page_size + 2 * size, PROT_READ, MAP_SHARED, rb->fd, (off_t)page_size);
	if (m == MAP_FAILED) {
		os_err(err, errno, rb->name, "mmap of the data");
		goto fail;
	}
	rb->producer_pos = m;
	rb->data = (const uint8_t *)m + page_size;
	rb->src.fds = &rb->fd;
	rb->src.nr_fds = 1;
	return rb;
fail:
	ox_ringbuf_free(rb);
	return NULL;
}

struct ox_source *ox_ringbuf_source(struct ox_ringbuf *rb)
{
	return &rb->src;
}

/* Drains the ring, giving each record's space back as soon as it has been
 * handled. The kernel wakes the reader when a record is committed at the
 * consumer position, i.e. when the reader had caught up: a reader that keeps
 * up makes the producer pay for a wakeup per record, which paces the producer
 * to the reader (no record is lost to a producer outrunning a descheduled
 * reader: measured in bench/), and a reader that lags is not woken at all.
 * Records produced during the drain are picked up too, up to twice the ring
 * per call so one busy ring cannot starve the rest of the loop. A record
 * committed between our last look at producer_pos and our last commit wakes
 * nobody, but the ring's poll reports unread data and a level-triggered epoll
 * polls again, so nothing stalls. */
int ox_ringbuf_consume(struct ox_ringbuf *rb, ox_sample_fn sample_fn, void *ctx, int max)
{
	unsigned long cons = __atomic_load_n(rb->consumer_pos, __ATOMIC_RELAXED), start = cons;
	unsigned long prod = __atomic_load_n(rb->producer_pos, __ATOMIC_ACQUIRE);
	unsigned long mask = rb->data_size - 1, budget = 2 * (unsigned long)rb->data_size;
	int n = 0, stop = 0;

	for (;;) {
		const uint32_t *hdr;
		uint32_t len, size;
		unsigned long step;
		if (cons == prod) {
			if (cons - start >= budget)
				break;
			prod = __atomic_load_n(rb->producer_pos, __ATOMIC_ACQUIRE);
			if (cons == prod)
				break;
		}
		if (stop || (max > 0 && n >= max))
			break;
		hdr = (const uint32_t *)(rb->data + (cons & mask));
		len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
		size = len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
		step = ((unsigned long)size + BPF_RINGBUF_HDR_SZ + 7) & ~7ul;
		if (len & BPF_RINGBUF_BUSY_BIT)
			break;		/* still being written; later ones wait for it */
		if (step > prod - cons) {	/* cannot happen with a sane kernel */
			ox_warn("ring buffer: map '%s': corrupt record at offset %lu; skipping %lu bytes",
				rb->name, cons & mask, prod - cons);
			cons = prod;
			break;
		}
		if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
			n++;
			rb->stats.events++;
			rb->stats.bytes += size;
			if (sample_fn && sample_fn(ctx, -1, hdr + 2, size))
				stop = 1;
		} else {
			rb->stats.discarded++;
		}
		cons += step;	/* after the callback: the record's memory is ours until then */
		__atomic_store_n(rb->consumer_pos, cons, __ATOMIC_RELEASE);
	}
	return stop ? -1 : n;
}

uint64_t ox_ringbuf_avail(const struct ox_ringbuf *rb)
{
	unsigned long prod = __atomic_load_n(rb->producer_pos, __ATOMIC_ACQUIRE);
	return prod - __atomic_load_n(rb->consumer_pos, __ATOMIC_RELAXED);
}

void ox_ringbuf_stats(const struct ox_ringbuf *rb, struct ox_ringbuf_stats *out)
{
	*out = rb->stats;
}
