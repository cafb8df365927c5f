/* btf_probe.c - BTF feature probes: each capability is decided by asking the
 * kernel to load a minimal blob that uses it (the blobs libbpf uses), and only
 * when the object's BTF needs it. Nothing is cached globally: a load probes
 * what it needs, a handful of BPF_BTF_LOAD calls. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "btf/btf_probe.h"
#include "kernel/sys.h"

#define INFO(kind, kflag, vlen) ((uint32_t)(kflag) << 31 | (uint32_t)(kind) << 24 | (vlen))
#define INT_ENC(enc, off, bits) ((uint32_t)(enc) << 24 | (uint32_t)(off) << 16 | (bits))
/* name, info, size/type + an int's encoding word */
#define T_INT(name, size, bits) (name), INFO(BTF_KIND_INT, 0, 0), (size), \
	INT_ENC(BTF_INT_SIGNED, 0, bits)

/* 1 when the kernel loads a BTF blob made of these types and strings. */
static int loads(const uint32_t *types, uint32_t tlen, const char *strs, uint32_t slen)
{
	struct btf_header h = { BTF_MAGIC, BTF_VERSION, 0, sizeof h, 0, tlen, tlen, slen };
	uint8_t buf[256];
	int fd;
	if (sizeof h + tlen + slen > sizeof buf)
		return 0;
	memcpy(buf, &h, sizeof h);
	memcpy(buf + sizeof h, types, tlen);
	memcpy(buf + sizeof h + tlen, strs, slen);
	fd = ox_btf_load(buf, (uint32_t)(sizeof h + tlen + slen), NULL, 0, 0);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}
#define LOADS(t, s) loads(t, sizeof t, s, sizeof s)

static int probe_btf(void)
{
	static const char s[] = "\0int";
	static const uint32_t t[] = { T_INT(1, 4, 32) };
	return LOADS(t, s);
}

/* void x(int a) {}, with the given linkage */
static int probe_func(int linkage)
{
	static const char s[] = "\0int\0x\0a";
	const uint32_t t[] = {
		T_INT(1, 4, 32),				/* [1] int */
		0, INFO(BTF_KIND_FUNC_PROTO, 0, 1), 0, 7, 1,	/* [2] (int a) */
		5, INFO(BTF_KIND_FUNC, 0, linkage), 2,		/* [3] x */
	};
	return LOADS(t, s);
}

/* static int x in section `sec` */
static int probe_datasec(int qmark)
{
	static const char s1[] = "\0x\0.data", s2[] = "\0x\0?.data";
	static const uint32_t t[] = {
		T_INT(0, 4, 32),				/* [1] int */
		1, INFO(BTF_KIND_VAR, 0, 0), 1, BTF_VAR_STATIC,	/* [2] x */
		3, INFO(BTF_KIND_DATASEC, 0, 1), 4, 2, 0, 4,	/* [3] section */
	};
	return qmark ? LOADS(t, s2) : LOADS(t, s1);
}

static int probe_float(void)
{
	static const char s[] = "\0float";
	static const uint32_t t[] = { 1, INFO(BTF_KIND_FLOAT, 0, 0), 4 };
	return LOADS(t, s);
}

static int probe_decl_tag(void)
{
	static const char s[] = "\0tag";
	static const uint32_t t[] = {
		T_INT(0, 4, 32),				/* [1] int */
		1, INFO(BTF_KIND_VAR, 0, 0), 1, BTF_VAR_STATIC,	/* [2] tag */
		1, INFO(BTF_KIND_DECL_TAG, 0, 0), 2, (uint32_t)-1,	/* on [2] itself */
	};
	return LOADS(t, s);
}

static int probe_type_tag(void)
{
	static const char s[] = "\0tag";
	static const uint32_t t[] = {
		T_INT(0, 4, 32),				/* [1] int */
		1, INFO(BTF_KIND_TYPE_TAG, 0, 0), 1,		/* [2] tag int */
		0, INFO(BTF_KIND_PTR, 0, 0), 2,			/* [3] pointer to it */
	};
	return LOADS(t, s);
}

static int probe_enum64(void)
{
	static const char s[] = "\0enum64";
	static const uint32_t t[] = { 1, INFO(BTF_KIND_ENUM64, 0, 0), 8 };
	return LOADS(t, s);
}

/* ---- what the object uses ---- */

struct uses { int func, func_global, datasec, qmark, float_, decl_tag, type_tag, enum64; };

static void scan(const struct btf *btf, struct uses *u)
{
	memset(u, 0, sizeof *u);
	for (uint32_t id = 1; id <= btf_max_id(btf); id++) {
		const struct btf_type *t = btf_type_by_id(btf, id);
		switch (btf_kind(t)) {
		case BTF_KIND_FUNC:
			/* extern functions are loaded as global ones (.ksyms) */
			u->func = 1;
			u->func_global |= btf_vlen(t) != BTF_FUNC_STATIC;
			break;
		case BTF_KIND_FUNC_PROTO: u->func = 1; break;
		case BTF_KIND_VAR: u->datasec = 1; break;
		case BTF_KIND_DATASEC:
			u->datasec = 1;
			u->qmark |= btf_name(btf, id)[0] == '?';
			break;
		case BTF_KIND_FLOAT: u->float_ = 1; break;
		case BTF_KIND_DECL_TAG: u->decl_tag = 1; break;
		case BTF_KIND_TYPE_TAG: u->type_tag = 1; break;
		case BTF_KIND_ENUM64: u->enum64 = 1; break;
		}
	}
}

/* ---- OXLUA_BTF_CAPS ---- */

static int forced_off(const char *env, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = env; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
		while (*p == ' ')
			p++;
		if (*p == '-' && !strncmp(p + 1, word, n) && (!p[n + 1] || p[n + 1] == ',' ||
							       p[n + 1] == ' '))
			return 1;
	}
	return 0;
}

static void check_words(const char *env)
{
	static const char *const known[] = { "func", "func_global", "datasec", "qmark_datasec",
		"float", "decl_tag", "type_tag", "enum64" };
	char buf[256], *save = NULL;
	snprintf(buf, sizeof buf, "%s", env);
	for (char *w = strtok_r(buf, ", ", &save); w; w = strtok_r(NULL, ", ", &save)) {
		size_t i;
		for (i = 0; i < sizeof known / sizeof known[0]; i++)
			if (w[0] == '-' && !strcmp(w + 1, known[i]))
				break;
		if (i == sizeof known / sizeof known[0])
			ox_warn("OXLUA_BTF_CAPS: ignoring '%s' (expected none or -func, "
				"-func_global, -datasec, -qmark_datasec, -float, -decl_tag, "
				"-type_tag, -enum64)", w);
	}
}

int ox_btf_probe_caps(const struct btf *btf, struct btf_kernel_caps *caps, char *why,
		      size_t why_len)
{
	const char *env = getenv("OXLUA_BTF_CAPS");
	struct uses u;
	if (why && why_len)
		why[0] = 0;
	memset(caps, 0, sizeof *caps);
	if (env && !strcmp(env, "none")) {
		if (why)
			snprintf(why, why_len, "OXLUA_BTF_CAPS=none");
		return 0;
	}
	if (env && *env)
		check_words(env);
	if (!probe_btf()) {
		if (why)
			snprintf(why, why_len, "the kernel does not load BTF (%s)",
				 ox_errno_name(errno));
		return 0;
	}
	scan(btf, &u);
	/* A kind the object does not use needs no probe: claim it, nothing changes. */
#define DECIDE(field, used, word, probe) \
	caps->field = forced_off(env, word) ? 0 : !(used) ? 1 : (probe);
	DECIDE(func, u.func, "func", probe_func(BTF_FUNC_STATIC))
	DECIDE(func_global, u.func_global && caps->func, "func_global", probe_func(BTF_FUNC_GLOBAL))
	DECIDE(datasec, u.datasec, "datasec", probe_datasec(0))
	DECIDE(qmark_datasec, u.qmark && caps->datasec, "qmark_datasec", probe_datasec(1))
	DECIDE(float_, u.float_, "float", probe_float())
	DECIDE(decl_tag, u.decl_tag, "decl_tag", probe_decl_tag())
	DECIDE(type_tag, u.type_tag, "type_tag", probe_type_tag())
	DECIDE(enum64, u.enum64, "enum64", probe_enum64())
#undef DECIDE
	ox_log("BTF capabilities: func %d func_global %d datasec %d qmark_datasec %d float %d "
	       "decl_tag %d type_tag %d enum64 %d", caps->func, caps->func_global, caps->datasec,
	       caps->qmark_datasec, caps->float_, caps->decl_tag, caps->type_tag, caps->enum64);
	return 1;
}
