/* mapops_ref.c - the map-operation benchmark's reference: the operations of
 * mapops.lua done in C through libbpf, on the maps of mapops.bpf.o.
 *   mapops_ref OBJ N REPEAT
 * Both maps are sized to N entries before they are created.
 * For each map (hash, array), REPEAT rounds of, in this order:
 *   set       N x bpf_map_update_elem (key k, value k * MUL + round)
 *   get       N x bpf_map_lookup_elem, each value checked
 *   pairs     bpf_map_get_next_key from NULL to ENOENT, each key's value
 *             looked up (what map:pairs() yields), each checked
 *   dump      bpf_map_lookup_batch in chunks of 4096 keys, each checked
 *   set_many  one bpf_map_update_batch of N keys (value k * MUL + round + 1)
 * Prints one line per map, operation and round:
 *   result map= op= round= n= seconds= bad= */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define MUL 0x100000001ull
#define CHUNK 4096

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void report(const char *map, const char *op, int round, uint64_t n, double s, uint64_t bad)
{
	printf("result map=%s op=%s round=%d n=%llu seconds=%.9f bad=%llu\n", map, op, round,
	       (unsigned long long)n, s, (unsigned long long)bad);
}

static int run(int fd, const char *name, uint32_t n, int repeat)
{
	uint32_t *keys = malloc((size_t)n * sizeof *keys), *bkeys = malloc(CHUNK * sizeof *bkeys);
	uint64_t *vals = malloc((size_t)n * sizeof *vals), *bvals = malloc(CHUNK * sizeof *bvals);
	if (!keys || !vals || !bkeys || !bvals)
		return -1;
	for (int r = 0; r < repeat; r++) {
		uint64_t bad = 0, seen = 0, v;
		uint32_t k, next, in = 0, out = 0, count;
		const void *prev = NULL;
		double t;
		int first = 1, err;

		t = now();
		for (k = 0; k < n; k++) {
			v = k * MUL + (uint64_t)r;
			if (bpf_map_update_elem(fd, &k, &v, BPF_ANY))
				bad++;
		}
		report(name, "set", r, n, now() - t, bad);

		bad = 0;
		t = now();
		for (k = 0; k < n; k++)
			if (bpf_map_lookup_elem(fd, &k, &v) || v != k * MUL + (uint64_t)r)
				bad++;
		report(name, "get", r, n, now() - t, bad);

		bad = 0;
		t = now();
		while (bpf_map_get_next_key(fd, prev, &next) == 0) {
			k = next;
			prev = &k;
			if (bpf_map_lookup_elem(fd, &k, &v)) {
				if (errno == ENOENT)
					continue;
				bad++;
				continue;
			}
			if (k >= n || v != k * MUL + (uint64_t)r)
				bad++;
			seen++;
		}
		if (seen != n)
			bad++;
		report(name, "pairs", r, seen, now() - t, bad);

		bad = seen = 0;
		t = now();
		for (;;) {
			count = CHUNK;
			err = bpf_map_lookup_batch(fd, first ? NULL : &in, &out, bkeys, bvals, &count,
						   NULL);
			if (err && errno != ENOENT) {
				bad++;
				break;
			}
			for (uint32_t i = 0; i < count; i++) {
				if (bkeys[i] >= n || bvals[i] != bkeys[i] * MUL + (uint64_t)r)
					bad++;
				seen++;
			}
			if (err)
				break;
			in = out;
			first = 0;
		}
		if (seen != n)
			bad++;
		report(name, "dump", r, seen, now() - t, bad);

		for (k = 0; k < n; k++) {	/* the batch's input, built before the clock */
			keys[k] = k;
			vals[k] = k * MUL + (uint64_t)r + 1;
		}
		bad = 0;
		count = n;
		t = now();
		if (bpf_map_update_batch(fd, keys, vals, &count, NULL) || count != n)
			bad++;
		report(name, "set_many", r, n, now() - t, bad);
		for (k = 0; k < n && !bad; k += 997)	/* spot check, untimed */
			if (bpf_map_lookup_elem(fd, &k, &v) || v != k * MUL + (uint64_t)r + 1)
				bad++;
		if (bad)
			report(name, "set_many_check", r, n, 0, bad);
	}
	free(keys);
	free(vals);
	free(bkeys);
	free(bvals);
	return 0;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	uint32_t n;
	int repeat;
	if (argc < 4) {
		fprintf(stderr, "usage: mapops_ref OBJ N REPEAT\n");
		return 2;
	}
	n = (uint32_t)strtoul(argv[2], NULL, 10);
	repeat = atoi(argv[3]);
	libbpf_set_print(quiet);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "mapops_ref: opening %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	/* N entries exactly, as mapops.lua sizes them */
	bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "hash"), n);
	bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "array"), n);
	if (bpf_object__load(obj)) {
		fprintf(stderr, "mapops_ref: loading %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (run(bpf_object__find_map_fd_by_name(obj, "hash"), "hash", n, repeat) ||
	    run(bpf_object__find_map_fd_by_name(obj, "array"), "array", n, repeat)) {
		fprintf(stderr, "mapops_ref: out of memory\n");
		return 1;
	}
	bpf_object__close(obj);
	return 0;
}
