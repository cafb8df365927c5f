/* tracefs.c - finding (or mounting) tracefs, tracepoint ids, and the legacy
 * kprobe_events / uprobe_events interface. Our entries live in group "oxlua"
 * and are named oxlua_<pid>_<n>, so a later process can tell which ones a
 * dead process left behind. No shell is ever involved. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/tracefs.h"

#define TRACEFS "/sys/kernel/tracing"
#define GROUP "oxlua"

static const char *events_file(int uprobe)
{
	return uprobe ? "uprobe_events" : "kprobe_events";
}

/* ---- the mount point ---- */

/* Undo the octal escapes of /proc/mounts ("\040" for a space) in place. */
static void unescape(char *s)
{
	char *d = s;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else
			*d++ = *s;
	}
	*d = 0;
}

/* The best tracing directory /proc/mounts offers: tracefs at TRACEFS, then
 * tracefs anywhere, then debugfs's "tracing" directory. 0 if found. */
static int find_mount(char *buf, size_t len)
{
	FILE *f = fopen("/proc/mounts", "re");
	char *line = NULL, *save, cand[PATH_MAX];
	size_t cap = 0;
	int best = 0;
	struct stat st;
	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		char *dir, *type;
		int rank = 0;
		if (!strtok_r(line, " ", &save) || !(dir = strtok_r(NULL, " ", &save)) ||
		    !(type = strtok_r(NULL, " ", &save)))
			continue;
		unescape(dir);
		if (strcmp(type, "tracefs") == 0) {
			rank = strcmp(dir, TRACEFS) == 0 ? 3 : 2;
			snprintf(cand, sizeof cand, "%s", dir);
		} else if (strcmp(type, "debugfs") == 0) {
			rank = 1;
			snprintf(cand, sizeof cand, "%s/tracing", dir);
			if (stat(cand, &st) || !S_ISDIR(st.st_mode))
				rank = 0;
		}
		if (rank > best && strlen(cand) < len) {
			best = rank;
			strcpy(buf, cand);
		}
	}
	free(line);
	fclose(f);
	return best ? 0 : -1;
}

int ox_tracefs_path(char *buf, size_t len, struct ox_err *err)
{
	int e;
	if (find_mount(buf, len) == 0)
		return 0;
	if (mount("tracefs", TRACEFS, "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0 ||
	    errno == EBUSY) {	/* EBUSY: someone mounted it meanwhile */
		ox_log("tracefs mounted at %s", TRACEFS);
		if (find_mount(buf, len) == 0)
			return 0;
		if (len > strlen(TRACEFS))	/* mounted, but /proc/mounts unreadable */
			return strcpy(buf, TRACEFS), 0;
		errno = ENAMETOOLONG;
	}
	e = errno;
	return ox_errf(err, e, "tracefs is not mounted and mounting it at %s failed: %s: %s",
		       TRACEFS, ox_errno_name(e), strerror(e));
}

/* ---- small file helpers ---- */

/* The whole of a (size-less, tracefs) file, NUL-terminated; NULL with errno. */
static char *slurp(const char *path)
{
	size_t n = 0, cap = 4096;
	char *buf = malloc(cap), *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC), e;
	if (fd < 0 || !buf)
		goto fail;
	for (;;) {
		ssize_t got;
		if (cap - n < 2) {
			if (cap > (64u << 20) || !(p = realloc(buf, cap * 2))) {
				errno = ENOMEM;
				goto fail;
			}
			buf = p, cap *= 2;
		}
		got = read(fd, buf + n, cap - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			goto fail;
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	buf[n] = 0;
	return buf;
fail:
	e = buf ? errno : ENOMEM;
	if (fd >= 0)
		close(fd);
	free(buf);
	errno = e;
	return NULL;
}

/* A decimal id file such as events/CAT/NAME/id; -1 with errno. */
static int read_id(const char *path)
{
	char *s = slurp(path), *end;
	long v;
	if (!s)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || (*end && *end != '\n') || v < 0 || v > INT_MAX || errno)
		v = -1, errno = EINVAL;
	free(s);
	return (int)v;
}

/* Append one command to a tracefs control file; -1 with errno. */
static int append(const char *path, const char *cmd)
{
	size_t len = strlen(cmd);
	ssize_t n;
	int e, fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -1;
	do
		n = write(fd, cmd, len);
	while (n < 0 && errno == EINTR);
	e = n < 0 ? errno : (size_t)n != len ? EIO : 0;
	close(fd);
	errno = e;
	return e ? -1 : 0;
}

/* A path component: non-empty, no '/', not "." or "..". */
static int component_ok(const char *s)
{
	return s && *s && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..");
}

/* ---- tracepoints ---- */

int ox_tracepoint_id(const char *category, const char *name, struct ox_err *err)
{
	char dir[PATH_MAX];
	if (ox_tracefs_path(dir, sizeof dir, err))
		return -1;
	return ox_tracepoint_id_at(dir, category, name, err);
}

int ox_tracepoint_id_at(const char *dir, const char *category, const char *name,
			struct ox_err *err)
{
	char path[PATH_MAX + 512];
	int id, e;
	if (!component_ok(category) || !component_ok(name))
		return ox_errf(err, EINVAL, "invalid tracepoint name '%s:%s'",
			       category ? category : "", name ? name : "");
	if (snprintf(path, sizeof path, "%s/events/%s/%s/id", dir, category, name) >=
	    (int)sizeof path)
		return ox_errf(err, ENAMETOOLONG, "tracepoint name '%s:%s' is too long",
			       category, name);
	if ((id = read_id(path)) >= 0)
		return id;
	e = errno;
	if (e == ENOENT)
		return ox_errf(err, e, "no tracepoint %s:%s (no %s)", category, name, path);
	return ox_errf(err, e, "%s: %s: %s", path, ox_errno_name(e), strerror(e));
}

/* ---- legacy probe events ---- */

/* The pid in an event name oxlua_<pid>_<n>, or -1 if it is not one of ours. */
static long name_pid(const char *name)
{
	const char *p;
	char *end;
	long pid;
	if (strncmp(name, "oxlua_", 6) || !(name[6] >= '1' && name[6] <= '9'))
		return -1;
	pid = strtol(name + 6, &end, 10);
	if (*end != '_' || pid > INT_MAX || !end[1])
		return -1;
	for (p = end + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	return pid;
}

/* tracefs dir + "/" + file; 0 or an error. */
static int tracefs_file(char *buf, size_t len, const char *file, struct ox_err *err)
{
	char dir[PATH_MAX];
	if (ox_tracefs_path(dir, sizeof dir, err))
		return -1;
	if (snprintf(buf, len, "%s/%s", dir, file) >= (int)len)
		return ox_errf(err, ENAMETOOLONG, "%s/%s: path too long", dir, file);
	return 0;
}

/* Write "-:oxlua/NAME"; ENOENT (no such entry, or no such file) is success. */
static int remove_named(int uprobe, const char *name)
{
	char path[PATH_MAX + 32], cmd[96];
	if (tracefs_file(path, sizeof path, events_file(uprobe), NULL))
		return -1;
	snprintf(cmd, sizeof cmd, "-:" GROUP "/%s", name);
	if (append(path, cmd) == 0)
		ox_log("removed %s entry %s", events_file(uprobe), name);
	else if (errno != ENOENT)
		return -1;
	return 0;
}

int ox_probe_event_add(struct ox_probe_event *ev, int uprobe, int retprobe, const char *target,
		       uint64_t offset, int maxactive, unsigned n, struct ox_err *err)
{
	const char *file = events_file(uprobe);
	char dir[PATH_MAX], path[PATH_MAX + 128], cmd[PATH_MAX + 160], name[64], kind[16] = "p";
	unsigned long long off = offset;
	int e, id, len;
	memset(ev, 0, sizeof *ev);	/* ev->name stays "" unless we succeed */
	ev->uprobe = uprobe;
	ev->id = -1;
	if (!target || !*target || target[strcspn(target, " \t\n\r\v\f")])
		return ox_errf(err, EINVAL, "invalid %s target '%s' (empty or contains spaces)",
			       uprobe ? "uprobe" : "kprobe", target ? target : "");
	if (retprobe && !uprobe && maxactive > 0)
		snprintf(kind, sizeof kind, "r%d", maxactive);
	else if (retprobe)
		kind[0] = 'r';
	snprintf(name, sizeof name, "oxlua_%d_%u", (int)getpid(), n);
	if (uprobe)
		len = snprintf(cmd, sizeof cmd, "%s:" GROUP "/%s %s:0x%llx", kind, name, target, off);
	else if (off)
		len = snprintf(cmd, sizeof cmd, "%s:" GROUP "/%s %s+0x%llx", kind, name, target, off);
	else
		len = snprintf(cmd, sizeof cmd, "%s:" GROUP "/%s %s", kind, name, target);
	if (len >= (int)sizeof cmd)
		return ox_errf(err, ENAMETOOLONG, "%s target '%s' is too long", file, target);
	if (ox_tracefs_path(dir, sizeof dir, err))
		return -1;

	/* A leftover of a dead process that had our pid would otherwise get our
	 * probe appended to it (the kernel merges same-named probes). */
	snprintf(path, sizeof path, "%s/events/" GROUP "/%s", dir, name);
	if (access(path, F_OK) == 0 && remove_named(uprobe, name))
		return ox_errf(err, EEXIST, "%s: entry " GROUP "/%s already exists and is in use",
			       file, name);

	snprintf(path, sizeof path, "%s/%s", dir, file);
	if (append(path, cmd)) {
		e = errno;
		if (e == ENOENT && access(path, F_OK))
			return ox_errf(err, e, "%s are not available on this kernel (no %s in %s)",
				       uprobe ? "uprobes" : "kprobes", file, dir);
		return ox_errf(err, e, "%s: writing '%s': %s: %s", path, cmd, ox_errno_name(e),
			       strerror(e));
	}
	snprintf(path, sizeof path, "%s/events/" GROUP "/%s/id", dir, name);
	if ((id = read_id(path)) < 0) {
		e = errno;
		remove_named(uprobe, name);
		return ox_errf(err, e, "%s: %s: %s (after writing '%s' to %s)", path,
			       ox_errno_name(e), strerror(e), cmd, file);
	}
	memcpy(ev->name, name, sizeof ev->name);
	ev->id = id;
	ox_log("%s: '%s' -> id %d", file, cmd, id);
	return 0;
}

int ox_probe_event_remove(const struct ox_probe_event *ev)
{
	return ev->name[0] ? remove_named(ev->uprobe, ev->name) : 0;
}

char *ox_probe_events_list(int uprobe, int pid, int *n)
{
	static const char prefix[] = GROUP "/";
	char path[PATH_MAX + 32], *text, *line, *save, *out, *o;
	*n = 0;
	if (tracefs_file(path, sizeof path, events_file(uprobe), NULL) || !(text = slurp(path)))
		return NULL;
	/* Names are shorter than their lines, so the text's size is enough. */
	if (!(o = out = malloc(strlen(text) + 1))) {
		free(text);
		return NULL;
	}
	/* Lines look like "p:oxlua/oxlua_12_3 /bin/true:0x..." or "r16:GROUP/NAME sym". */
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *name = strchr(line, ':'), *end;
		long p;
		if (!name || strncmp(++name, prefix, sizeof prefix - 1))
			continue;
		name += sizeof prefix - 1;
		if ((end = strpbrk(name, " \t")))
			*end = 0;
		if ((p = name_pid(name)) < 0 || (pid > 0 && p != pid))
			continue;
		o = stpcpy(o, name) + 1;
		++*n;
	}
	*o = 0;
	free(text);
	return out;
}

int ox_probe_events_cleanup_stale(void)
{
	int removed = 0;
	for (int uprobe = 0; uprobe <= 1; uprobe++) {
		int n;
		char *names = ox_probe_events_list(uprobe, 0, &n), *name = names;
		for (; n > 0; n--, name += strlen(name) + 1) {
			long pid = name_pid(name);
			if (pid == getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
				continue;
			if (remove_named(uprobe, name) == 0)
				removed++;
			else
				ox_log("cannot remove stale %s entry %s: %s", events_file(uprobe),
				       name, ox_errno_name(errno));
		}
		free(names);
	}
	return removed;
}
