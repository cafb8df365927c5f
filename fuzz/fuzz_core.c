/* fuzz_core.c - libFuzzer target: CO-RE relocations (relo_core.c) of an
 * object's instructions against a fixed target BTF.
 *
 * Input: u32 N, N bytes of the object's .BTF, u32 M, M bytes of its
 * .BTF.ext, then instructions. Every core_relo record of every section is
 * applied to (a copy of) those instructions. The target is the BTF file named
 * by OXLUA_FUZZ_CORE_TARGET, default /sys/kernel/btf/vmlinux (the seeds
 * are the CO-RE test objects, compiled against this kernel's types); without
 * one the target is the object's own BTF.
 *
 * Besides the sanitizers the harness checks the API's promises: an invalid
 * record comes with a message, a poisoned one with a reason and a call to
 * OX_CORE_POISON_HELPER at the instruction. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf/relo_core.h"

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_core: invariant broken: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
	abort(); } } while (0)

#define MAX_INSNS 4096

static struct btf *target;	/* parsed once, read-only afterwards */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = getenv("OXLUA_FUZZ_CORE_TARGET");
	struct ox_blob b;
	struct ox_err err;
	(void)argc, (void)argv;
	if (!path)
		path = "/sys/kernel/btf/vmlinux";
	if (ox_read_file(path, &b, &err) == 0) {
		target = btf_parse(b.data, b.size, &err);
		free(b.data);
	}
	if (!target)
		fprintf(stderr, "fuzz_core: no target BTF (%s); relocating against the object's own\n",
			err.msg);
	return 0;
}

/* The next length-prefixed part of the input. */
static const uint8_t *part(const uint8_t **data, size_t *size, size_t *len)
{
	const uint8_t *p;
	uint32_t n;
	if (*size < 4)
		return NULL;
	memcpy(&n, *data, 4);
	*data += 4, *size -= 4;
	if (n > *size)
		n = (uint32_t)*size;
	p = *data;
	*data += n, *size -= n;
	*len = n;
	return p;
}

static void relocate(struct ox_core_session *s, const struct btf_ext *ext,
		     const struct bpf_insn *code, uint32_t nr)
{
	const struct btf_ext_info *info = &ext->core_relo;
	struct bpf_insn *insns = malloc((nr ? nr : 1) * sizeof *insns);
	if (!insns)
		return;
	memcpy(insns, code, nr * sizeof *insns);
	for (uint32_t i = 0; i < info->nr_secs; i++) {
		const struct btf_ext_sec *sec = &info->secs[i];
		for (uint32_t j = 0; j < sec->nr; j++) {
			struct bpf_core_relo r;
			struct ox_err err;
			char why[1024];
			uint32_t idx;
			int rc;
			memcpy(&r, sec->recs + (size_t)j * info->rec_size, sizeof r);
			idx = r.insn_off / 8;
			if (r.insn_off % 8 || idx >= nr)
				continue;	/* the loader rejects these before relocating */
			err.msg[0] = why[0] = '\0';
			rc = ox_core_apply(s, &r, insns, nr, idx, why, sizeof why, &err);
			if (rc < 0) {
				CHECK(err.msg[0] != '\0');
			} else if (rc == OX_CORE_POISONED) {
				CHECK(why[0] != '\0');
				CHECK(memchr(why, '\0', sizeof why));
			} else {
				CHECK(rc == OX_CORE_APPLIED);
			}
			(void)ox_core_kind_name(r.kind);
		}
	}
	free(insns);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *btf_data, *ext_data;
	size_t btf_len = 0, ext_len = 0;
	struct btf *local;
	struct btf_ext *ext;
	struct ox_err err;
	if (!(btf_data = part(&data, &size, &btf_len)) || !(ext_data = part(&data, &size, &ext_len)))
		return 0;
	if (!(local = btf_parse(btf_data, btf_len, &err)))
		return 0;
	if ((ext = btf_ext_parse(ext_data, ext_len, local, &err))) {
		struct bpf_insn code[MAX_INSNS];
		uint32_t nr = (uint32_t)(size / sizeof *code);
		struct ox_core_target t;
		struct ox_core_session *s;
		if (nr > MAX_INSNS)
			nr = MAX_INSNS;
		memcpy(code, data, nr * sizeof *code);
		memset(&t, 0, sizeof t);
		t.base = target ? target : local;
		t.what = target ? "the target BTF" : "the object's BTF";
		if ((s = ox_core_session_new(local, &t))) {
			relocate(s, ext, code, nr);
			relocate(s, ext, code, nr);	/* again, with the session's cache warm */
			ox_core_session_free(s);
		}
		btf_ext_free(ext);
	}
	btf_free(local);
	return 0;
}
