/* attach_trace.c - tracing attach points: tracepoints, raw tracepoints,
 * kprobes, uprobes, perf_event sampling, and BTF-typed tracing programs.
 * Perf-event based points use a bpf link where the kernel has one for perf
 * events (5.15) and PERF_EVENT_IOC_SET_BPF otherwise. */
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "attach/attach.h"
#include "attach/symbols.h"
#include "kernel/sys.h"

static int os_fail(struct ox_err *err, int e, const char *what)
{
	return ox_errf(err, e, "%s: %s (%s)", what, ox_errno_name(e), strerror(e));
}

/* Attach prog_fd to perf event pfd (which the attachment now owns). */
static int perf_attach(struct ox_attachment *a, int pfd, int prog_fd, const struct ox_attach_opts *o,
		       struct ox_features *feat, struct ox_err *err)
{
	int lfd, e;
	if (ox_attach_add_fd(a, pfd, err))
		return -1;
	if (!o->legacy && feat->perf_link != 0) {
		lfd = ox_link_create(prog_fd, pfd, BPF_PERF_EVENT, 0, o->cookie);
		if (lfd >= 0) {
			feat->perf_link = 1;
			a->how = OX_HOW_LINK;
			return ox_attach_add_fd(a, lfd, err);
		}
		e = errno;
		if (feat->perf_link == 1 || (e != EINVAL && e != EOPNOTSUPP && e != 524))
			return os_fail(err, e, "creating bpf link");
	}
	if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog_fd) < 0)
		return os_fail(err, errno, "PERF_EVENT_IOC_SET_BPF");
	if (ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0) < 0)
		return os_fail(err, errno, "PERF_EVENT_IOC_ENABLE");
	if (!o->legacy && feat->perf_link == -1)
		feat->perf_link = 0;	/* links failed where the ioctl works: no perf links */
	a->how = OX_HOW_PERF;
	return 0;
}

static int tracepoint_event(int id, int pid, struct ox_err *err)
{
	struct perf_event_attr pa;
	int fd;
	memset(&pa, 0, sizeof pa);
	pa.type = PERF_TYPE_TRACEPOINT;
	pa.size = sizeof pa;
	pa.config = (uint64_t)id;
	pa.sample_period = 1;
	pa.wakeup_events = 1;
	fd = ox_perf_event_open(&pa, pid > 0 ? pid : -1, pid > 0 ? -1 : 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return os_fail(err, errno, "opening tracepoint perf event");
	return fd;
}

static int attach_tracepoint(struct ox_attachment *a, int prog_fd, const char *rest,
			     const struct ox_attach_opts *o, struct ox_features *feat,
			     struct ox_err *err)
{
	char cat[256];
	const char *sep = strpbrk(rest, ":/");
	int id, fd;
	if (!sep || sep == rest || !sep[1] || (size_t)(sep - rest) >= sizeof cat)
		return ox_errf(err, EINVAL, "expected tracepoint:CATEGORY:NAME");
	memcpy(cat, rest, (size_t)(sep - rest));
	cat[sep - rest] = 0;
	if (!feat->tracefs[0] && ox_tracefs_path(feat->tracefs, sizeof feat->tracefs, err))
		return -1;
	if ((id = ox_tracepoint_id_at(feat->tracefs, cat, sep + 1, err)) < 0)
		return -1;
	if ((fd = tracepoint_event(id, 0, err)) < 0)
		return -1;
	return perf_attach(a, fd, prog_fd, o, feat, err);
}

static int attach_raw_tp(struct ox_attachment *a, int prog_fd, const char *name, struct ox_err *err)
{
	int fd = ox_raw_tp_open(name, prog_fd);
	if (fd < 0)
		return os_fail(err, errno, name && *name ? "BPF_RAW_TRACEPOINT_OPEN" :
			       "attaching tracing program");
	a->how = OX_HOW_RAW_TP;
	return ox_attach_add_fd(a, fd, err);
}

/* Read /sys/bus/event_source/devices/PMU/FILE into buf ("" when absent). */
static void pmu_file(const char *pmu, const char *file, char *buf, size_t len)
{
	char path[160];
	ssize_t n = -1;
	int fd;
	snprintf(path, sizeof path, "/sys/bus/event_source/devices/%s/%s", pmu, file);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, buf, len - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = 0;
}

/* The dynamic PMU type for "kprobe" / "uprobe", 0 when the kernel has none. */
static int pmu_type(const char *pmu)
{
	char buf[32];
	pmu_file(pmu, "type", buf, sizeof buf);
	return atoi(buf);
}

/* The config bit that makes a PMU probe a return probe ("config:0"). */
static int retprobe_bit(const char *pmu)
{
	char buf[64];
	pmu_file(pmu, "format/retprobe", buf, sizeof buf);
	return strncmp(buf, "config:", 7) == 0 ? atoi(buf + 7) : 0;
}

/* kprobe or uprobe: PMU first, tracefs *probe_events otherwise. */
static int attach_probe(struct ox_attachment *a, int prog_fd, int uprobe, int ret,
			const char *target, uint64_t off, const struct ox_attach_opts *o,
			struct ox_features *feat, struct ox_err *err)
{
	const char *pmu = uprobe ? "uprobe" : "kprobe";
	int *cached = uprobe ? &feat->uprobe_pmu : &feat->kprobe_pmu;
	int pid = uprobe && o->pid > 0 ? o->pid : -1, fd;
	if (*cached < 0)
		*cached = pmu_type(pmu);
	if (*cached > 0 && !o->legacy) {
		struct perf_event_attr pa;
		memset(&pa, 0, sizeof pa);
		pa.type = (uint32_t)*cached;
		pa.size = sizeof pa;
		pa.config = ret ? 1ull << retprobe_bit(pmu) : 0;
		pa.config1 = ox_ptr(target);	/* kprobe_func / uprobe_path */
		pa.config2 = off;		/* probe_offset */
		pa.sample_period = 1;
		pa.wakeup_events = 1;
		fd = ox_perf_event_open(&pa, pid, pid > 0 ? -1 : 0, -1, PERF_FLAG_FD_CLOEXEC);
		if (fd < 0)
			return os_fail(err, errno, uprobe ? "opening uprobe" : "opening kprobe");
		return perf_attach(a, fd, prog_fd, o, feat, err);
	}
	if (!feat->cleaned) {	/* before our first entry: those of oxlua processes that died */
		int n = ox_probe_events_cleanup_stale();
		if (n > 0)
			ox_log("removed %d tracefs probe entries of exited oxlua processes", n);
		feat->cleaned = 1;
	}
	if (ox_probe_event_add(&a->ev, uprobe, ret, target, off, o->maxactive, feat->probe_seq++,
			       err)) {
		if (!uprobe && err->errnum == ENOENT && *cached == 0)
			return ox_errf(err, ENOENT, "kprobes are not available on this kernel "
				       "(no kprobe PMU and no kprobe_events)");
		return -1;
	}
	a->has_ev = 1;
	if ((fd = tracepoint_event(a->ev.id, uprobe ? o->pid : 0, err)) < 0)
		return -1;
	return perf_attach(a, fd, prog_fd, o, feat, err);
}

static int attach_kprobe(struct ox_attachment *a, int prog_fd, int ret, const char *rest,
			 const struct ox_attach_opts *o, struct ox_features *feat, struct ox_err *err)
{
	char sym[256];
	const char *plus = strchr(rest, '+');
	size_t n = plus ? (size_t)(plus - rest) : strlen(rest);
	uint64_t off = plus ? strtoull(plus + 1, NULL, 0) : 0;
	if (!n || n >= sizeof sym)
		return ox_errf(err, EINVAL, "expected %s:SYMBOL[+OFFSET]", ret ? "kretprobe" : "kprobe");
	memcpy(sym, rest, n);
	sym[n] = 0;
	return attach_probe(a, prog_fd, 0, ret, sym, off, o, feat, err);
}

static int attach_uprobe(struct ox_attachment *a, int prog_fd, int ret, const char *rest,
			 const struct ox_attach_opts *o, struct ox_features *feat, struct ox_err *err)
{
	char path[4096], sym[512];
	const char *colon = strrchr(rest, ':');
	uint64_t off = 0, plus = 0;
	char *p;
	if (!colon || colon == rest || !colon[1] || (size_t)(colon - rest) >= sizeof path)
		return ox_errf(err, EINVAL, "expected %s:PATH:SYMBOL[+OFFSET] or %s:PATH:0xADDRESS",
			       ret ? "uretprobe" : "uprobe", ret ? "uretprobe" : "uprobe");
	memcpy(path, rest, (size_t)(colon - rest));
	path[colon - rest] = 0;
	snprintf(sym, sizeof sym, "%s", colon + 1);
	if (!strchr(path, '/')) {	/* a library name: find it */
		char found[4096];
		if (ox_find_library(path, found, sizeof found, err))
			return -1;
		snprintf(path, sizeof path, "%s", found);
	}
	if ((p = strchr(sym, '+'))) {
		*p = 0;
		plus = strtoull(p + 1, NULL, 0);
	}
	if (!strncmp(sym, "0x", 2)) {
		if (ox_addr_file_offset(path, strtoull(sym, NULL, 16), &off, err))
			return -1;
	} else if (ox_sym_file_offset(path, sym, &off, err)) {
		return -1;
	}
	return attach_probe(a, prog_fd, 1, ret, path, off + plus, o, feat, err);
}

static const struct { const char *name; uint32_t type; uint64_t config; } perf_events[] = {
	{ "cpu-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK },
	{ "task-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK },
	{ "page-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS },
	{ "context-switches", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES },
	{ "cpu-migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS },
	{ "cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
	{ "instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS },
	{ "cache-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES },
	{ "branch-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES },
};

/* perf_event:EVENT[:FREQ]: a sampling event on every CPU (or one process). */
static int attach_perf_event(struct ox_attachment *a, int prog_fd, const char *rest,
			     const struct ox_attach_opts *o, struct ox_features *feat,
			     struct ox_err *err)
{
	const char *colon = strchr(rest, ':');
	size_t n = colon ? (size_t)(colon - rest) : strlen(rest);
	unsigned long freq = colon ? strtoul(colon + 1, NULL, 10) : 49;
	struct perf_event_attr pa;
	int ev = -1, ncpu = ox_possible_cpus(), opened = 0;
	for (size_t i = 0; i < sizeof perf_events / sizeof *perf_events; i++)
		if (strlen(perf_events[i].name) == n && !strncmp(perf_events[i].name, rest, n))
			ev = (int)i;
	if (ev < 0)
		return ox_errf(err, EINVAL, "unknown perf event '%.*s' (cpu-clock, task-clock, "
			       "page-faults, context-switches, cycles, instructions, ...)", (int)n, rest);
	if (!freq)
		return ox_errf(err, EINVAL, "sampling frequency must be a positive number");
	memset(&pa, 0, sizeof pa);
	pa.type = perf_events[ev].type;
	pa.size = sizeof pa;
	pa.config = perf_events[ev].config;
	pa.freq = 1;
	pa.sample_freq = freq;
	for (int cpu = o->pid > 0 ? -1 : 0; cpu < (o->pid > 0 ? 0 : ncpu); cpu++) {
		int fd = ox_perf_event_open(&pa, o->pid > 0 ? o->pid : -1, cpu, -1,
					    PERF_FLAG_FD_CLOEXEC);
		if (fd < 0) {
			if (errno == ENODEV)	/* offline CPU */
				continue;
			return os_fail(err, errno, "opening perf event");
		}
		if (perf_attach(a, fd, prog_fd, o, feat, err))
			return -1;
		opened++;
	}
	return opened ? 0 : ox_errf(err, ENODEV, "no online CPU to sample");
}

int ox_attach_trace(struct ox_attachment *a, int prog_fd, const char *kind, const char *rest,
		    const struct ox_attach_opts *o, struct ox_features *feat, struct ox_err *err)
{
	if (!strcmp(kind, "tracepoint") || !strcmp(kind, "tp"))
		return attach_tracepoint(a, prog_fd, rest, o, feat, err);
	if (!strcmp(kind, "raw_tp") || !strcmp(kind, "raw_tracepoint"))
		return attach_raw_tp(a, prog_fd, rest, err);
	if (!strcmp(kind, "kprobe") || !strcmp(kind, "kretprobe"))
		return attach_kprobe(a, prog_fd, kind[1] == 'r', rest, o, feat, err);
	if (!strcmp(kind, "uprobe") || !strcmp(kind, "uretprobe"))
		return attach_uprobe(a, prog_fd, kind[1] == 'r', rest, o, feat, err);
	if (!strcmp(kind, "perf_event"))
		return attach_perf_event(a, prog_fd, rest, o, feat, err);
	/* fentry, fexit, fmod_ret, lsm, tp_btf: the target was fixed at load */
	return attach_raw_tp(a, prog_fd, NULL, err);
}
