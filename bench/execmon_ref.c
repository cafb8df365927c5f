/* execmon_ref.c - the memory benchmark's reference: the default policy's exec
 * monitor written directly on libbpf. It does what `oxlua run` does on a
 * kernel where the tracepoint version loads: reads task_struct's layout from
 * the kernel's BTF, sets it in .rodata, loads execmon.bpf.o's tp_execve,
 * attaches it to syscalls:sys_enter_execve, and prints one line per exec from
 * a perf buffer (64 pages per CPU, a wakeup per record), in the same columns.
 *   execmon_ref OBJ
 * Runs until SIGINT/SIGTERM. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#define ARGS 6
#define ARG_LEN 48

struct exec_event {
	uint32_t pid, tid, ppid, uid, nargs, pad;
	char comm[16];
	char filename[128];
	char argv[ARGS][ARG_LEN];
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Byte offset of a member of a struct or union, looking into anonymous
 * inner structs and unions; -1 when absent. */
static long member_offset(const struct btf *btf, uint32_t id, const char *name, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m;
	while (t && (btf_is_typedef(t) || btf_is_mod(t)))
		t = btf__type_by_id(btf, t->type);
	if (!t || depth > 8 || !btf_is_composite(t))
		return -1;
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		long inner;
		if (m->name_off && !strcmp(btf__name_by_offset(btf, m->name_off), name))
			return btf_member_bit_offset(t, i) / 8;
		if (!m->name_off && (inner = member_offset(btf, m->type, name, depth + 1)) >= 0)
			return btf_member_bit_offset(t, i) / 8 + inner;
	}
	return -1;
}

/* Write the u32 globals of .rodata by name, through the object's BTF. */
static int set_rodata(struct bpf_object *obj, const char **names, const uint32_t *values, int n)
{
	struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map = bpf_object__find_map_by_name(obj, ".rodata");
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;
	const void *init;
	size_t size;
	char *data;
	int id, rc;
	if (!btf || !map || (id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC)) < 0)
		return -1;
	if (!(init = bpf_map__initial_value(map, &size)) || !(data = malloc(size)))
		return -1;
	memcpy(data, init, size);
	sec = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++, vs++) {
		const char *var = btf__name_by_offset(btf, btf__type_by_id(btf, vs->type)->name_off);
		for (int j = 0; j < n; j++)
			if (!strcmp(var, names[j]) && vs->offset + sizeof values[j] <= size)
				memcpy(data + vs->offset, &values[j], sizeof values[j]);
	}
	rc = bpf_map__set_initial_value(map, data, size);
	free(data);
	return rc;
}

static void on_event(void *ctx, int cpu, void *data, __u32 size)
{
	struct exec_event e;
	char when[16], args[ARGS * (ARG_LEN + 1) + 1];
	size_t used = 0;
	time_t now = time(NULL);
	(void)ctx;
	(void)cpu;
	if (size < sizeof e)
		return;
	memcpy(&e, data, sizeof e);
	e.comm[sizeof e.comm - 1] = 0;
	e.filename[sizeof e.filename - 1] = 0;
	args[0] = 0;
	for (uint32_t i = 1; i < e.nargs && i < ARGS; i++) {
		e.argv[i][ARG_LEN - 1] = 0;
		used += (size_t)snprintf(args + used, sizeof args - used, "%s%s", i > 1 ? " " : "",
					 e.argv[i]);
	}
	strftime(when, sizeof when, "%H:%M:%S", localtime(&now));
	printf("%-8s %7u %7u %5u  %-16s %s %s\n", when, e.pid, e.ppid, e.uid, e.comm, e.filename,
	       args);
	fflush(stdout);
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

int main(int argc, char **argv)
{
	const char *names[] = { "off_real_parent", "off_tgid" };
	uint32_t offs[2] = { 0, 0 };
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_link *link;
	struct perf_buffer *pb;
	struct btf *vmlinux;
	int id;

	if (argc < 2) {
		fprintf(stderr, "usage: execmon_ref OBJ\n");
		return 2;
	}
	libbpf_set_print(quiet);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	/* task_struct's layout in the running kernel (0: unknown) */
	vmlinux = btf__load_vmlinux_btf();
	if (vmlinux && (id = btf__find_by_name_kind(vmlinux, "task_struct", BTF_KIND_STRUCT)) > 0) {
		long p = member_offset(vmlinux, id, "real_parent", 0);
		long t = member_offset(vmlinux, id, "tgid", 0);
		if (p > 0 && t > 0)
			offs[0] = (uint32_t)p, offs[1] = (uint32_t)t;
	}
	btf__free(vmlinux);

	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "execmon_ref: opening %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, !strcmp(bpf_program__name(prog), "tp_execve"));
	if (set_rodata(obj, names, offs, 2) < 0) {
		fprintf(stderr, "execmon_ref: no .rodata in %s\n", argv[1]);
		return 1;
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "execmon_ref: loading %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	prog = bpf_object__find_program_by_name(obj, "tp_execve");
	if (!prog || !(link = bpf_program__attach(prog))) {
		fprintf(stderr, "execmon_ref: attaching tp_execve: %s\n", strerror(errno));
		return 1;
	}
	pb = perf_buffer__new(bpf_object__find_map_fd_by_name(obj, "events"), 64, on_event, NULL,
			      NULL, NULL);
	if (!pb) {
		fprintf(stderr, "execmon_ref: perf buffer: %s\n", strerror(errno));
		return 1;
	}
	fprintf(stderr, "execmon_ref: attached (ppid offsets %u/%u)\n", offs[0], offs[1]);
	printf("%-8s %7s %7s %5s  %-16s %s\n", "TIME", "PID", "PPID", "UID", "COMM", "FILENAME ARGS");
	fflush(stdout);
	while (!stop) {
		int n = perf_buffer__poll(pb, 200);
		if (n < 0 && n != -EINTR) {
			fprintf(stderr, "execmon_ref: polling: %s\n", strerror(-n));
			break;
		}
	}
	perf_buffer__free(pb);
	bpf_link__destroy(link);
	bpf_object__close(obj);
	return 0;
}
