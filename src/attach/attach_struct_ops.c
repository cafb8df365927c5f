/* attach_struct_ops.c - registering a struct_ops map (a TCP congestion
 * control, ...): its value written, and for a BPF_F_LINK map the link that
 * registers it. Detaching (attachment.c) unregisters it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attach/attach.h"
#include "kernel/sys.h"

#define OX_ATTACH_STRUCT_OPS 44	/* BPF_STRUCT_OPS (6.4), for older headers */

struct ox_attachment *ox_attach_struct_ops(int map_fd, const void *value, int use_link,
					   const char *name, struct ox_err *err)
{
	struct ox_attachment *a = calloc(1, sizeof *a);
	const uint32_t zero = 0;
	int fd;
	if (!a) {
		ox_errf(err, ENOMEM, "out of memory");
		return NULL;
	}
	snprintf(a->point, sizeof a->point, "struct_ops:%s", name);
	a->how = OX_HOW_STRUCT_OPS;
	a->prog_fd = -1;
	/* its own reference: the map must outlive the group's to be unregistered */
	if ((a->target_fd = fcntl(map_fd, F_DUPFD_CLOEXEC, 3)) < 0) {
		ox_errf(err, errno, "%s: %s (%s)", a->point, ox_errno_name(errno), strerror(errno));
		free(a);
		return NULL;
	}
	/* a BPF_F_LINK map's value is only written here: the link registers it */
	if (ox_map_update(a->target_fd, &zero, value, 0) ||
	    (use_link && (fd = ox_link_create(a->target_fd, 0, OX_ATTACH_STRUCT_OPS, 0, 0)) < 0)) {
		int e = errno;
		ox_errf(err, e, "%s: registering%s: %s (%s)%s", a->point, use_link ? " (link)" : "",
			ox_errno_name(e), strerror(e), e == EEXIST ?
			" (a struct_ops of that name is registered already)" : "");
		close(a->target_fd);	/* nothing registered: nothing to undo */
		free(a);
		return NULL;
	}
	if (use_link && ox_attach_add_fd(a, fd, err)) {	/* (closes fd: unregistered) */
		close(a->target_fd);
		free(a);
		return NULL;
	}
	ox_log("attached %s via %s", a->point, use_link ? "link" : "map update");
	return a;
}
