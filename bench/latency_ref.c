/* latency_ref.c - the reference consumer of the latency benchmark, on
 * libbpf's perf_buffer (perf_buffer__new with its defaults: a wakeup per
 * record) and ring_buffer APIs.
 *   latency_ref OBJ PRODUCER perf|ring N RATE PAGES
 * Starts the paced producer, loads OBJ's program filtered on its pid, and
 * for every record takes CLOCK_MONOTONIC in the handler and keeps the
 * difference with the record's bpf_ktime_get_ns() stamp. Prints the same
 * line as latency.lua's consumer (latencies in microseconds):
 *   result produced= received= lost= bad= samples= p50= p99= max= neg= */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

struct lat_event {
	uint32_t pid;
	uint32_t cpu;
	uint64_t seq;
	uint64_t ts;
};

struct state {
	uint32_t pid;
	uint64_t n, received, lost, bad, neg, samples;
	int64_t *lat;	/* ns, one per record with seq < n */
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void record(struct state *s, const void *data, size_t size)
{
	struct lat_event e;
	uint64_t t = now_ns();
	if (size < sizeof e) {
		s->bad++;
		return;
	}
	memcpy(&e, data, sizeof e);
	if (e.pid != s->pid)
		s->bad++;
	s->received++;
	if (e.seq < s->n && s->samples < s->n) {
		int64_t d = (int64_t)(t - e.ts);
		if (d < 0)
			s->neg++;
		s->lat[s->samples++] = d;
	}
}

static void on_sample(void *ctx, int cpu, void *data, __u32 size)
{
	(void)cpu;
	record(ctx, data, size);
}

static void on_lost(void *ctx, int cpu, __u64 n)
{
	(void)cpu;
	((struct state *)ctx)->lost += n;
}

static int on_ring(void *ctx, void *data, size_t size)
{
	record(ctx, data, size);
	return 0;
}

#define FIFO_TAG "latency"
#include "refutil.h"

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted values, in microseconds. */
static double pct(const int64_t *v, uint64_t n, double p)
{
	uint64_t rank;
	if (!n)
		return 0;
	rank = (uint64_t)((double)n * p / 100.0 + 0.999999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return (double)v[rank - 1] / 1000.0;
}

int main(int argc, char **argv)
{
	const char *obj_path, *producer, *mode;
	char go[64], flush[64], nbuf[32], line[64];
	struct state s = { 0 };
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_link *link;
	struct perf_buffer *pb = NULL;
	struct ring_buffer *rb = NULL;
	int perf, pipefd[2], counts_fd, map_fd, pages;
	uint64_t produced = 0, drops = 0;
	uint32_t k0 = 0, k1 = 1;
	time_t deadline;
	FILE *out;
	pid_t child;

	if (argc != 7) {
		fprintf(stderr, "usage: latency_ref OBJ PRODUCER perf|ring N RATE PAGES\n");
		return 2;
	}
	obj_path = argv[1];
	producer = argv[2];
	mode = argv[3];
	s.n = strtoull(argv[4], NULL, 10);
	pages = atoi(argv[6]);
	perf = !strcmp(mode, "perf");
	if (!perf && strcmp(mode, "ring")) {
		fprintf(stderr, "latency_ref: unknown mode %s\n", mode);
		return 2;
	}
	if (!(s.lat = calloc(s.n ? s.n : 1, sizeof *s.lat))) {
		perror("calloc");
		return 1;
	}
	libbpf_set_print(quiet);

	if (fifo(go, sizeof go, "go") < 0 || fifo(flush, sizeof flush, "flush") < 0 || pipe(pipefd) < 0) {
		perror("fifo");
		return 1;
	}
	snprintf(nbuf, sizeof nbuf, "%llu", (unsigned long long)s.n);
	if ((child = fork()) == 0) {
		dup2(pipefd[1], 1);
		close(pipefd[0]);
		close(pipefd[1]);
		execl(producer, producer, nbuf, argv[5], go, flush, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	out = fdopen(pipefd[0], "r");
	if (!out || !fgets(line, sizeof line, out)) {
		fprintf(stderr, "latency_ref: producer did not start\n");
		return 1;
	}
	s.pid = (uint32_t)atol(line);

	obj = bpf_object__open_file(obj_path, NULL);
	if (!obj) {
		fprintf(stderr, "latency_ref: opening %s: %s\n", obj_path, strerror(errno));
		goto fail;
	}
	if (set_rodata(obj, "target_pid", s.pid) < 0 || set_rodata(obj, "emit", perf ? 1 : 2) < 0) {
		fprintf(stderr, "latency_ref: no .rodata target_pid/emit in %s\n", obj_path);
		goto fail;
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "latency_ref: loading %s: %s\n", obj_path, strerror(errno));
		goto fail;
	}
	prog = bpf_object__find_program_by_name(obj, "latency_getpgid");
	if (!prog || !(link = bpf_program__attach(prog))) {
		fprintf(stderr, "latency_ref: attaching: %s\n", strerror(errno));
		goto fail;
	}
	counts_fd = bpf_object__find_map_fd_by_name(obj, "counts");
	map_fd = bpf_object__find_map_fd_by_name(obj, perf ? "perf_events" : "ring_events");
	if (perf)
		pb = perf_buffer__new(map_fd, pages, on_sample, on_lost, &s, NULL);
	else
		rb = ring_buffer__new(map_fd, on_ring, &s, NULL);
	if (!pb && !rb) {
		fprintf(stderr, "latency_ref: %s reader: %s\n", mode, strerror(errno));
		goto fail;
	}

	release(go);
	for (;;) {
		if (bpf_map_lookup_elem(counts_fd, &k0, &produced) == 0 && produced >= s.n)
			break;
		if (pb)
			perf_buffer__poll(pb, 100);
		else
			ring_buffer__poll(rb, 100);
	}

	release(flush);
	while (fgets(line, sizeof line, out))
		;
	waitpid(child, NULL, 0);
	bpf_map_lookup_elem(counts_fd, &k0, &produced);
	if (rb)
		bpf_map_lookup_elem(counts_fd, &k1, &drops);
	deadline = time(NULL) + 5;
	while (s.received + s.lost + drops < produced && time(NULL) < deadline) {
		if (pb) {
			perf_buffer__poll(pb, 10);
			perf_buffer__consume(pb);
		} else {
			ring_buffer__poll(rb, 10);
		}
	}
	qsort(s.lat, s.samples, sizeof *s.lat, cmp_i64);
	printf("result produced=%llu received=%llu lost=%llu bad=%llu samples=%llu p50=%.3f p99=%.3f "
	       "max=%.3f neg=%llu\n",
	       (unsigned long long)produced, (unsigned long long)s.received,
	       (unsigned long long)(s.lost + drops), (unsigned long long)s.bad,
	       (unsigned long long)s.samples, pct(s.lat, s.samples, 50), pct(s.lat, s.samples, 99),
	       s.samples ? (double)s.lat[s.samples - 1] / 1000.0 : 0.0, (unsigned long long)s.neg);
	perf_buffer__free(pb);
	ring_buffer__free(rb);
	bpf_link__destroy(link);
	bpf_object__close(obj);
	free(s.lat);
	return 0;
fail:
	kill(child, SIGKILL);
	unlink(go);
	unlink(flush);
	waitpid(child, NULL, 0);
	return 1;
}
