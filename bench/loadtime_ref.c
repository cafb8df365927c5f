/* loadtime_ref.c - the reference of the load + attach time benchmark: the
 * libbpf way of loading an object and attaching every program.
 *   loadtime_ref OBJ
 * Times, inside the process, bpf_object__open_file + bpf_object__load +
 * bpf_program__attach of every program (load), then, after checking that
 * the programs run, bpf_link__destroy of every link + bpf_object__close
 * (detach). Prints the same line as loadtime.lua's measuring process:
 *   result progs= links= maps= hits= load= detach=
 * hits: how many of the counters of openat, read and close (the syscalls
 * this process makes between the two spans) moved. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define MAX_LINKS 64

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

/* Which of hits[0..3] (openat, read, close: slots 0, 1, 3) moved. */
static int hits_moved(int fd, const uint64_t before[4])
{
	static const uint32_t slots[] = { 0, 1, 3 };
	int moved = 0;
	for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++) {
		uint64_t v = 0;
		if (bpf_map_lookup_elem(fd, &slots[i], &v) == 0 && v > before[slots[i]])
			moved++;
	}
	return moved;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *map;
	struct bpf_link *links[MAX_LINKS];
	int nprogs = 0, nlinks = 0, nmaps = 0, hits_fd, fd, moved;
	uint64_t before[4] = { 0 };
	char buf[512];
	double t0, t1, t2, t3;

	if (argc != 2) {
		fprintf(stderr, "usage: loadtime_ref OBJ\n");
		return 2;
	}
	libbpf_set_print(quiet);

	t0 = now();
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "loadtime_ref: opening %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "loadtime_ref: loading %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		nprogs++;
		if (nlinks == MAX_LINKS)
			break;
		if (!(links[nlinks] = bpf_program__attach(prog))) {
			fprintf(stderr, "loadtime_ref: attaching %s: %s\n", bpf_program__name(prog),
				strerror(errno));
			return 1;
		}
		nlinks++;
	}
	t1 = now();

	bpf_object__for_each_map(map, obj)
		nmaps++;
	hits_fd = bpf_object__find_map_fd_by_name(obj, "hits");
	for (uint32_t k = 0; k < 4; k++)
		bpf_map_lookup_elem(hits_fd, &k, &before[k]);
	if ((fd = open("/proc/self/stat", O_RDONLY)) >= 0) {
		if (read(fd, buf, sizeof buf) < 0)
			perror("read");
		close(fd);
	}
	moved = hits_moved(hits_fd, before);

	t2 = now();
	for (int i = nlinks - 1; i >= 0; i--)
		bpf_link__destroy(links[i]);
	bpf_object__close(obj);
	t3 = now();

	printf("result progs=%d links=%d maps=%d hits=%d load=%.6f detach=%.6f\n", nprogs, nlinks,
	       nmaps, moved, t1 - t0, t3 - t2);
	return 0;
}
