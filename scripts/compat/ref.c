/* ref.c - the compatibility corpus's reference loader: libbpf, loading each
 * program of each object alone, as `make compat` loads it with oxlua.
 *   compat_ref PIN_ROOT OBJ...
 * For every object, every program in turn is the only one with autoload on
 * (the object is opened afresh each time, so no state carries over); the
 * object's maps are created as libbpf creates them, pins go under PIN_ROOT.
 * One tab-separated line per program on stdout:
 *   OBJ  PROG  SECTION  ok
 *   OBJ  PROG  SECTION  fail  ENAME  libbpf's first warning | verifier: last line
 * and `OBJ  *  -  open  ENAME  warning` for an object libbpf cannot open.
 * This is the only program of the corpus that links libbpf. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

static char last_warn[512], last_log[256];	/* for the current program */

/* Keep libbpf's first warning (the cause) and the verifier log's last line,
 * each on one line; print nothing. */
static int keep_warning(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static char msg[1 << 16];
	char *end, *p;
	if (level != LIBBPF_WARN)
		return 0;
	vsnprintf(msg, sizeof msg, fmt, ap);
	if ((end = strstr(msg, "-- END PROG LOAD LOG --"))) {
		while (end > msg && (end[-1] == '\n' || end[-1] == ' '))
			*--end = 0;
		*end = 0;
		/* the last line that is not the statistics */
		while ((p = strrchr(msg, '\n')) &&
		       (!strncmp(p + 1, "processed ", 10) || !strncmp(p + 1, "verification time", 17) ||
			!strncmp(p + 1, "stack depth", 11) || !p[1]))
			*p = 0;
		snprintf(last_log, sizeof last_log, "%.*s", (int)sizeof last_log - 1, p ? p + 1 : msg);
		return 0;
	}
	for (p = msg; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	while (p > msg && p[-1] == ' ')
		*--p = 0;
	if (msg[0] && !last_warn[0])	/* the first warning names the cause */
		snprintf(last_warn, sizeof last_warn, "%.*s", (int)sizeof last_warn - 1, msg);
	return 0;
}

static const char *ename(int e)
{
	static char buf[16];
	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case E2BIG: return "E2BIG";
	case ENOEXEC: return "ENOEXEC";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case ERANGE: return "ERANGE";
	case ENOTSUP: return "ENOTSUP";
	case ESTALE: return "ESTALE";
	case 524: return "ENOTSUPP";
	case 4001 ... 4013: return "LIBBPF_ERRNO";
	default:
		snprintf(buf, sizeof buf, "E%d", e);
		return buf;
	}
}

static struct bpf_object *open_obj(const char *path, const char *pin_root)
{
	LIBBPF_OPTS(bpf_object_open_opts, o, .pin_root_path = pin_root);
	return bpf_object__open_file(path, &o);
}

static void one_object(const char *path, const char *pin_root)
{
	struct bpf_object *obj;
	struct bpf_program *p;
	int nprogs = 0;

	last_warn[0] = last_log[0] = 0;
	obj = open_obj(path, pin_root);
	if (!obj) {
		printf("%s\t*\t-\topen\t%s\t%s\n", path, ename(errno), last_warn);
		return;
	}
	bpf_object__for_each_program(p, obj)
		nprogs++;
	bpf_object__close(obj);

	for (int i = 0; i < nprogs; i++) {
		const char *name = NULL, *sec = NULL;
		int k = 0, err;
		last_warn[0] = last_log[0] = 0;
		obj = open_obj(path, pin_root);
		if (!obj) {
			printf("%s\t*\t-\topen\t%s\t%s\n", path, ename(errno), last_warn);
			return;
		}
		bpf_object__for_each_program(p, obj) {
			bpf_program__set_autoload(p, k == i);
			if (k++ == i)
				name = bpf_program__name(p), sec = bpf_program__section_name(p);
		}
		err = bpf_object__load(obj);
		if (err)
			printf("%s\t%s\t%s\tfail\t%s\t%s%s%s\n", path, name, sec, ename(-err), last_warn,
			       last_log[0] ? " | verifier: " : "", last_log);
		else
			printf("%s\t%s\t%s\tok\n", path, name, sec);
		fflush(stdout);
		bpf_object__close(obj);
	}
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s PIN_ROOT OBJ...\n", argv[0]);
		return 2;
	}
	libbpf_set_print(keep_warning);
	for (int i = 2; i < argc; i++)
		one_object(argv[i], argv[1]);
	return 0;
}
