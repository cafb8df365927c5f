/* section.h - libbpf's section-name conventions. */
#ifndef OXLUA_SECTION_H
#define OXLUA_SECTION_H

#include <stdint.h>
#include "kernel/names.h"	/* the types a section gives, by name */

#define OX_SEC_ATTACH_OPT  0x1  /* expected_attach_type may be dropped on kernels that reject it */
#define OX_SEC_SLEEPABLE   0x2  /* BPF_F_SLEEPABLE (".s" variants) */
#define OX_SEC_XDP_FRAGS   0x4  /* BPF_F_XDP_HAS_FRAGS ("xdp.frags") */
#define OX_SEC_NEEDS_BTF_ID 0x8 /* fentry/fexit/lsm/tp_btf/iter/freplace: attach_btf_id from the target */

struct ox_section {
	uint32_t prog_type;	/* enum bpf_prog_type */
	uint32_t attach_type;	/* enum bpf_attach_type (expected_attach_type), 0 if none */
	unsigned flags;		/* OX_SEC_* */
	const char *target;	/* what follows the prefix ("syscalls/sys_enter_execve" for "tp/syscalls/sys_enter_execve"), "" if none; points into the name given */
	const char *kind;	/* the attach point family for the section: "kprobe", "kretprobe", "uprobe", "uretprobe", "tracepoint", "raw_tp", "tp_btf", "fentry", "fexit", "fmod_ret", "lsm", "xdp", "tc", "cgroup", "socket", "perf_event", "iter", "sk_skb", "sk_msg", "sockops", "struct_ops", "syscall", ... */
};

/* Look up an ELF section name (the caller strips a leading '?').
 * Returns 0 and fills *out, or -1 when the name matches no known section. */
int ox_section_lookup(const char *name, struct ox_section *out);

#endif
