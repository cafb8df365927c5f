/* ref.c - the reference consumer of the throughput benchmarks, on libbpf's
 * perf_buffer and ring_buffer APIs (only the programs under bench/ link
 * libbpf; oxlua itself never does).
 *   ref OBJ PRODUCER perf-default|perf-batch|ring N PAGES [WAKEUP]
 * perf-default: perf_buffer__new, libbpf's defaults (a wakeup per record);
 * perf-batch: perf_buffer__new_raw with wakeup_events = WAKEUP (64);
 * ring: ring_buffer__new. Prints the same line as consume.lua:
 *   result produced= received= lost= bad= window= wall= cpu= */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

struct event {
	uint32_t pid;
	uint32_t cpu;
	uint64_t seq;
	char comm[16];
	uint8_t pad[32];
};

struct state {
	uint32_t pid;
	uint64_t received, lost, bad;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/* The work a handler does on every record: decode it and count it. */
static void record(struct state *s, const void *data, size_t size)
{
	struct event e;
	if (size < sizeof e) {
		s->bad++;
		return;
	}
	memcpy(&e, data, sizeof e);
	if (e.pid != s->pid)
		s->bad++;
	s->received++;
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

/* perf_buffer__new_raw's callback sees the kernel's records themselves. */
static enum bpf_perf_event_ret on_raw(void *ctx, int cpu, struct perf_event_header *h)
{
	struct state *s = ctx;
	(void)cpu;
	if (h->type == PERF_RECORD_SAMPLE) {
		uint32_t size;
		memcpy(&size, h + 1, sizeof size);
		record(s, (const char *)(h + 1) + sizeof size, size);
	} else if (h->type == PERF_RECORD_LOST) {
		uint64_t lost[2];	/* id, lost */
		memcpy(lost, h + 1, sizeof lost);
		s->lost += lost[1];
	}
	return LIBBPF_PERF_EVENT_CONT;
}

static int on_ring(void *ctx, void *data, size_t size)
{
	record(ctx, data, size);
	return 0;
}

#define FIFO_TAG "bench"
#include "refutil.h"

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
	int perf, pipefd[2], counts_fd, map_fd, pages, wakeup;
	uint64_t n, produced = 0, drops = 0, window;
	uint32_t k0 = 0, k1 = 1;
	double t0, c0, wall, cpu, deadline;
	FILE *out;
	pid_t child;

	if (argc < 6) {
		fprintf(stderr, "usage: ref OBJ PRODUCER perf-default|perf-batch|ring N PAGES [WAKEUP]\n");
		return 2;
	}
	obj_path = argv[1];
	producer = argv[2];
	mode = argv[3];
	n = strtoull(argv[4], NULL, 10);
	pages = atoi(argv[5]);
	wakeup = argc > 6 ? atoi(argv[6]) : 64;
	perf = strncmp(mode, "perf", 4) == 0;
	libbpf_set_print(quiet);

	if (fifo(go, sizeof go, "go") < 0 || fifo(flush, sizeof flush, "flush") < 0 || pipe(pipefd) < 0) {
		perror("fifo");
		return 1;
	}
	snprintf(nbuf, sizeof nbuf, "%llu", (unsigned long long)n);
	if ((child = fork()) == 0) {
		dup2(pipefd[1], 1);
		close(pipefd[0]);
		close(pipefd[1]);
		execl(producer, producer, nbuf, go, flush, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	out = fdopen(pipefd[0], "r");
	if (!out || !fgets(line, sizeof line, out)) {
		fprintf(stderr, "ref: producer did not start\n");
		return 1;
	}
	s.pid = (uint32_t)atol(line);

	obj = bpf_object__open_file(obj_path, NULL);
	if (!obj) {
		fprintf(stderr, "ref: opening %s: %s\n", obj_path, strerror(errno));
		goto fail;
	}
	if (set_rodata(obj, "target_pid", s.pid) < 0 || set_rodata(obj, "emit", perf ? 1 : 2) < 0) {
		fprintf(stderr, "ref: no .rodata target_pid/emit in %s\n", obj_path);
		goto fail;
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "ref: loading %s: %s\n", obj_path, strerror(errno));
		goto fail;
	}
	prog = bpf_object__find_program_by_name(obj, "bench_getppid");
	if (!prog || !(link = bpf_program__attach(prog))) {
		fprintf(stderr, "ref: attaching: %s\n", strerror(errno));
		goto fail;
	}
	counts_fd = bpf_object__find_map_fd_by_name(obj, "counts");
	map_fd = bpf_object__find_map_fd_by_name(obj, perf ? "perf_events" : "ring_events");
	if (!strcmp(mode, "perf-default")) {
		pb = perf_buffer__new(map_fd, pages, on_sample, on_lost, &s, NULL);
	} else if (!strcmp(mode, "perf-batch")) {
		struct perf_event_attr a;
		memset(&a, 0, sizeof a);
		a.size = sizeof a;
		a.type = PERF_TYPE_SOFTWARE;
		a.config = PERF_COUNT_SW_BPF_OUTPUT;
		a.sample_type = PERF_SAMPLE_RAW;
		a.sample_period = 1;
		a.wakeup_events = wakeup;
		pb = perf_buffer__new_raw(map_fd, pages, &a, on_raw, &s, NULL);
	} else if (!strcmp(mode, "ring")) {
		rb = ring_buffer__new(map_fd, on_ring, &s, NULL);
	} else {
		fprintf(stderr, "ref: unknown mode %s\n", mode);
		goto fail;
	}
	if (!pb && !rb) {
		fprintf(stderr, "ref: %s reader: %s\n", mode, strerror(errno));
		goto fail;
	}

	c0 = cpu_seconds();
	t0 = now();
	release(go);
	for (;;) {
		if (bpf_map_lookup_elem(counts_fd, &k0, &produced) == 0 && produced >= n)
			break;
		if (pb)
			perf_buffer__poll(pb, 10);
		else
			ring_buffer__poll(rb, 10);
	}
	if (pb)
		perf_buffer__consume(pb);
	else
		ring_buffer__consume(rb);
	wall = now() - t0;
	cpu = cpu_seconds() - c0;
	window = s.received;

	release(flush);
	while (fgets(line, sizeof line, out))
		;
	waitpid(child, NULL, 0);
	bpf_map_lookup_elem(counts_fd, &k0, &produced);
	if (rb)
		bpf_map_lookup_elem(counts_fd, &k1, &drops);
	deadline = now() + 5;
	while (s.received + s.lost + drops < produced && now() < deadline) {
		if (pb) {
			perf_buffer__poll(pb, 10);
			perf_buffer__consume(pb);
		} else {
			ring_buffer__poll(rb, 10);
		}
	}
	printf("result produced=%llu received=%llu lost=%llu bad=%llu window=%llu wall=%.6f cpu=%.6f\n",
	       (unsigned long long)produced, (unsigned long long)s.received,
	       (unsigned long long)(s.lost + drops), (unsigned long long)s.bad,
	       (unsigned long long)window, wall, cpu);
	perf_buffer__free(pb);
	ring_buffer__free(rb);
	bpf_link__destroy(link);
	bpf_object__close(obj);
	return 0;
fail:
	kill(child, SIGKILL);
	unlink(go);
	unlink(flush);
	waitpid(child, NULL, 0);
	return 1;
}
