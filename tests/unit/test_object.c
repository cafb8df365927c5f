/* test_object.c - BPF object parsing (src/object): the test objects the
 * build compiles (kitchen, events, legacy), read into programs, maps,
 * globals and externs; then copies of kitchen.bpf.o corrupted in memory,
 * each refused with its exact message. No kernel calls.
 *
 *   build/tests/unit/test_object DIR     DIR: the compiled objects (build/bpf) */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "object/externs.h"
#include "object/object.h"
#include "unit.h"

static char dir[4096];

static struct ox_object *open_obj(const char *name)
{
	char path[4200];
	struct ox_err err = { 0, "" };
	struct ox_object *obj;
	snprintf(path, sizeof path, "%s/%s.bpf.o", dir, name);
	obj = ox_object_open(path, &err);
	if (!obj)
		printf("# %s\n", err.msg);
	return obj;
}

static const struct ox_mapdef *map(const struct ox_object *obj, const char *name)
{
	int i = ox_object_find_map(obj, name);
	return i < 0 ? NULL : &obj->maps[i];
}

/* Any function, program or subprogram, by name. */
static int func(const struct ox_object *obj, const char *name)
{
	for (uint32_t i = 0; i < obj->nr_funcs; i++)
		if (!strcmp(obj->funcs[i].name, name))
			return (int)i;
	return -1;
}

static const struct ox_extern *ext(const struct ox_object *obj, const char *name)
{
	for (uint32_t i = 0; i < obj->nr_exts; i++)
		if (!strcmp(obj->exts[i].name, name))
			return &obj->exts[i];
	return NULL;
}

/* ---- kitchen.bpf.o: every loader feature ---- */

static void test_programs(const struct ox_object *obj)
{
	static const char *const progs[] = {
		"cg_egress", "kp_open", "lazy_getpid", "raw_enter", "sock_len", "tc_count",
		"tp_getppid", "up_func", "xdp_main", "xdp_outer", "xdp_second",
	};
	uint32_t nprogs = 0, nrel[OX_RELO_KFUNC + 1] = { 0 };
	int f;
	for (uint32_t i = 0; i < obj->nr_funcs; i++)
		nprogs += obj->funcs[i].is_prog != 0;
	CHECK_INT(nprogs, sizeof progs / sizeof progs[0]);
	for (size_t i = 0; i < sizeof progs / sizeof progs[0]; i++) {
		char what[96];
		f = ox_object_find_func(obj, progs[i]);
		snprintf(what, sizeof what, "program %s is an entry point", progs[i]);
		CHECK_AS(what, f >= 0 && obj->funcs[f].is_prog && obj->funcs[f].cnt > 0);
	}
	CHECK_INT(ox_object_find_func(obj, "nope"), -1);
	/* subprograms are functions, not programs */
	CHECK_INT(ox_object_find_func(obj, "bump"), -1);
	if (CHECK((f = func(obj, "bump")) >= 0))
		CHECK_INT(obj->funcs[f].is_prog, 0);
	if (CHECK((f = func(obj, "global_add")) >= 0)) {
		CHECK_INT(obj->funcs[f].is_prog, 0);
		CHECK_INT(obj->funcs[f].sec, obj->text_sec);
	}
	if (CHECK((f = ox_object_find_func(obj, "xdp_second")) >= 0)) {
		CHECK_STR(obj->funcs[f].sec_name, "xdp");
		CHECK_INT(obj->funcs[f].def.prog_type, BPF_PROG_TYPE_XDP);
		CHECK(obj->funcs[f].off > 0);	/* after xdp_main in the same section */
		CHECK_INT(ox_object_func_at(obj, obj->funcs[f].sec, obj->funcs[f].off), f);
		CHECK_INT(ox_object_func_at(obj, obj->funcs[f].sec,
					    obj->funcs[f].off + obj->funcs[f].cnt - 1), f);
	}
	if (CHECK((f = ox_object_find_func(obj, "lazy_getpid")) >= 0)) {
		CHECK_INT(obj->funcs[f].autoload, 0);
		CHECK_STR(obj->funcs[f].sec_name, "tp/syscalls/sys_enter_getpid");
		CHECK_INT(obj->funcs[f].def.prog_type, BPF_PROG_TYPE_TRACEPOINT);
		CHECK_STR(obj->funcs[f].def.target, "syscalls/sys_enter_getpid");
	}
	if (CHECK((f = ox_object_find_func(obj, "cg_egress")) >= 0)) {
		CHECK_INT(obj->funcs[f].def.prog_type, BPF_PROG_TYPE_CGROUP_SKB);
		CHECK_INT(obj->funcs[f].def.attach_type, BPF_CGROUP_INET_EGRESS);
	}
	if (CHECK((f = ox_object_find_func(obj, "xdp_main")) >= 0)) {
		CHECK_INT(obj->funcs[f].autoload, 1);
		for (uint32_t i = 0; i < obj->funcs[f].nr_relos; i++)
			if (obj->funcs[f].relos[i].kind <= OX_RELO_KFUNC)
				nrel[obj->funcs[f].relos[i].kind]++;
		/* percpu_hits; bss_hits, data_counter, seen_* and xdp_verdict;
		 * the .kconfig externs; bump and global_add */
		CHECK_INT(nrel[OX_RELO_MAP], 1);
		CHECK(nrel[OX_RELO_DATA] >= 3);
		CHECK_INT(nrel[OX_RELO_EXTERN], 6);
		CHECK_INT(nrel[OX_RELO_CALL], 2);
		CHECK_INT(nrel[OX_RELO_KFUNC], 0);
	}
}

static void test_maps(const struct ox_object *obj)
{
	const struct ox_mapdef *m;
	if (CHECK((m = map(obj, "stats_by_proto")) != NULL)) {
		CHECK_INT(m->type, BPF_MAP_TYPE_HASH);
		CHECK_INT(m->key_size, 4);
		CHECK_INT(m->value_size, 16);
		CHECK_INT(m->max_entries, 128);
		CHECK_INT(m->kind, OX_MAP_USER);
		CHECK_STR(btf_name(obj->btf, m->btf_value), "stats");
	}
	if (CHECK((m = map(obj, "flows")) != NULL)) {
		CHECK_INT(m->type, BPF_MAP_TYPE_LRU_HASH);
		CHECK_INT(m->key_size, 8);
		CHECK_STR(btf_name(obj->btf, m->btf_key), "flow_key");
	}
	if (CHECK((m = map(obj, "rb")) != NULL)) {
		CHECK_INT(m->type, OX_MAP_TYPE_RINGBUF);
		CHECK_INT(m->max_entries, 16384);
	}
	if (CHECK((m = map(obj, "perf")) != NULL)) {
		CHECK_INT(m->type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
		CHECK_INT(m->value_size, 4);
	}
	if (CHECK((m = map(obj, "outer")) != NULL)) {
		CHECK_INT(m->type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
		CHECK_INT(m->max_entries, 4);
		if (CHECK(m->inner >= 0 && (uint32_t)m->inner < obj->nr_maps)) {
			CHECK_INT(obj->maps[m->inner].type, BPF_MAP_TYPE_ARRAY);
			CHECK_INT(obj->maps[m->inner].is_inner, 1);
		}
		if (CHECK(m->nr_slots == 2)) {
			CHECK_INT(m->slots[0].index, 0);
			CHECK_STR(m->slots[0].target, "inner_a");
			CHECK_INT(m->slots[1].index, 2);
			CHECK_STR(m->slots[1].target, "inner_b");
		}
	}
	if (CHECK((m = map(obj, ".rodata")) != NULL)) {
		CHECK_INT(m->kind, OX_MAP_RODATA);
		CHECK_INT(m->type, BPF_MAP_TYPE_ARRAY);
		CHECK_INT(m->max_entries, 1);
		CHECK_INT(m->map_flags, BPF_F_RDONLY_PROG);
		CHECK(m->datasec != 0 && m->data != NULL);
	}
	if (CHECK((m = map(obj, ".bss")) != NULL))
		CHECK_INT(m->kind, OX_MAP_BSS);
	if (CHECK((m = map(obj, ".kconfig")) != NULL)) {
		CHECK_INT(m->kind, OX_MAP_KCONFIG);
		CHECK_INT(obj->kconfig_map, m - obj->maps);
		CHECK_INT(m->value_size, obj->kconfig_size);
	}
	CHECK(map(obj, "nope") == NULL);
}

/* The initial value of a global: its bytes in its data map. */
static const uint8_t *global_data(const struct ox_object *obj, const char *name, uint32_t size)
{
	int g = ox_object_find_global(obj, name);
	const struct ox_global *gl;
	if (g < 0)
		return NULL;
	gl = &obj->globals[g];
	if (gl->size != size || !obj->maps[gl->map].data)
		return NULL;
	return obj->maps[gl->map].data + gl->off;
}

static void test_globals(const struct ox_object *obj)
{
	const uint8_t *p;
	int g;
	int32_t i32;
	uint32_t u32;
	uint16_t u16;
	if (CHECK((g = ox_object_find_global(obj, "settings")) >= 0)) {
		CHECK_STR(obj->maps[obj->globals[g].map].name, ".data");
		CHECK_INT(obj->globals[g].size, 16);
		CHECK_STR(btf_name(obj->btf, btf_resolve(obj->btf, obj->globals[g].type)), "config");
	}
	if (CHECK((p = global_data(obj, "settings", 16)) != NULL)) {
		memcpy(&u32, p, 4);
		memcpy(&u16, p + 4, 2);
		CHECK_INT(u32, 1);
		CHECK_INT(u16, 2);
		CHECK_INT(p[6], 3);
		CHECK_STR((const char *)p + 7, "cfg");
	}
	if (CHECK((p = global_data(obj, "data_counter", 4)) != NULL)) {
		memcpy(&i32, p, 4);
		CHECK_INT(i32, 40);
	}
	if (CHECK((p = global_data(obj, "xdp_verdict", 4)) != NULL)) {
		memcpy(&i32, p, 4);
		CHECK_INT(i32, 2);	/* XDP_PASS */
	}
	if (CHECK((p = global_data(obj, "greeting", 16)) != NULL))
		CHECK_STR((const char *)p, "hello");
	if (CHECK((g = ox_object_find_global(obj, "bss_hits")) >= 0)) {
		CHECK_STR(obj->maps[obj->globals[g].map].name, ".bss");
		CHECK_INT(obj->globals[g].off, 0);
		CHECK_INT(obj->globals[g].size, 8);
	}
	CHECK_INT(ox_object_find_global(obj, "nope"), -1);
}

static void test_externs(const struct ox_object *obj)
{
	const struct ox_extern *x;
	uint8_t *buf;
	char cfg[] = "/tmp/oxlua-unit-kconfig-XXXXXX";
	FILE *f;
	int fd;
	uint32_t kconfig = 0;
	for (uint32_t i = 0; i < obj->nr_exts; i++)
		kconfig += obj->exts[i].is_kconfig != 0;
	CHECK_INT(kconfig, 6);
	if (CHECK((x = ext(obj, "CONFIG_HZ")) != NULL)) {
		CHECK_INT(x->weak, 0);
		CHECK_INT(x->ext_type, OX_EXT_INT);
		CHECK_INT(x->size, 4);
	}
	if (CHECK((x = ext(obj, "CONFIG_BPF_SYSCALL")) != NULL))
		CHECK_INT(x->ext_type, OX_EXT_BOOL);
	if (CHECK((x = ext(obj, "CONFIG_BPF_JIT")) != NULL))
		CHECK_INT(x->ext_type, OX_EXT_TRISTATE);
	if (CHECK((x = ext(obj, "CONFIG_LOCALVERSION")) != NULL)) {
		CHECK_INT(x->ext_type, OX_EXT_STR);
		CHECK_INT(x->weak, 1);
	}
	if (CHECK((x = ext(obj, "CONFIG_OXLUA_DOES_NOT_EXIST")) != NULL))
		CHECK_INT(x->weak, 1);

	/* the .kconfig value from a config file of our own */
	if ((fd = mkstemp(cfg)) < 0 || !(f = fdopen(fd, "w"))) {
		CHECK(!"a temporary config file");
		return;
	}
	fputs("CONFIG_BPF_SYSCALL=y\nCONFIG_HZ=250\nCONFIG_BPF_JIT=m\n"
	      "CONFIG_LOCALVERSION=\"-unit\"\n", f);
	fclose(f);
	buf = calloc(1, obj->kconfig_size);
	if (CHECK(buf && ox_kconfig_fill(obj, buf, cfg, &(struct ox_err){ 0, "" }) == 0)) {
		int32_t v;
		if ((x = ext(obj, "CONFIG_HZ"))) {
			memcpy(&v, buf + x->off, 4);
			CHECK_INT(v, 250);
		}
		if ((x = ext(obj, "CONFIG_BPF_SYSCALL")))
			CHECK_INT(buf[x->off], 1);
		if ((x = ext(obj, "CONFIG_BPF_JIT")))
			CHECK_INT(buf[x->off], 2);	/* TRI_MODULE */
		if ((x = ext(obj, "CONFIG_LOCALVERSION")))
			CHECK_STR((const char *)buf + x->off, "-unit");
		if ((x = ext(obj, "CONFIG_OXLUA_DOES_NOT_EXIST"))) {
			memcpy(&v, buf + x->off, 4);
			CHECK_INT(v, 0);
		}
		if ((x = ext(obj, "LINUX_KERNEL_VERSION"))) {
			uint32_t kv;
			memcpy(&kv, buf + x->off, 4);
			CHECK(kv >= (3u << 16));
		}
	}
	free(buf);
	unlink(cfg);
}

static void test_kitchen(void)
{
	struct ox_object *obj = open_obj("kitchen");
	if (!CHECK(obj != NULL))
		return;
	CHECK_STR(obj->license, "GPL");
	CHECK(obj->btf != NULL && obj->btf_ext != NULL);
	CHECK(obj->btf && btf_find(obj->btf, "stats", BTF_KIND_STRUCT) != 0);
	CHECK(obj->text_sec > 0);
	test_programs(obj);
	test_maps(obj);
	test_globals(obj);
	test_externs(obj);
	ox_object_free(obj);
}

/* ---- events.bpf.o and legacy.bpf.o ---- */

static void test_others(void)
{
	struct ox_object *obj = open_obj("events");
	const struct ox_mapdef *m;
	int f;
	if (CHECK(obj != NULL)) {
		if (CHECK((m = map(obj, "ring_events")) != NULL))
			CHECK_INT(m->max_entries, 1 << 20);
		if (CHECK((m = map(obj, "counts")) != NULL)) {
			CHECK_INT(m->type, BPF_MAP_TYPE_ARRAY);
			CHECK_INT(m->max_entries, 16);
			CHECK_INT(m->value_size, 8);
		}
		if (CHECK((f = ox_object_find_func(obj, "kp_open")) >= 0)) {
			CHECK_INT(obj->funcs[f].def.prog_type, BPF_PROG_TYPE_KPROBE);
			CHECK_STR(obj->funcs[f].def.target, "do_sys_openat2");
		}
		if (CHECK((f = ox_object_find_func(obj, "fentry_unlink")) >= 0)) {
			CHECK_INT(obj->funcs[f].def.prog_type, BPF_PROG_TYPE_TRACING);
			CHECK_INT(obj->funcs[f].def.attach_type, BPF_TRACE_FENTRY);
		}
		ox_object_free(obj);
	}
	obj = open_obj("legacy");
	if (CHECK(obj != NULL)) {
		CHECK_INT(obj->kversion, 0x60000);
		if (CHECK((m = map(obj, "legacy_counts")) != NULL)) {
			CHECK_INT(m->type, BPF_MAP_TYPE_ARRAY);
			CHECK_INT(m->key_size, 4);
			CHECK_INT(m->value_size, 8);
			CHECK_INT(m->max_entries, 4);
		}
		if (CHECK((m = map(obj, "legacy_hash")) != NULL)) {
			CHECK_INT(m->type, BPF_MAP_TYPE_HASH);
			CHECK_INT(m->key_size, 8);
		}
		ox_object_free(obj);
	}
}

/* ---- corrupted copies ---- */

static uint8_t *image;
static size_t image_size;

/* A section header of the image by name, NULL if none. */
static Elf64_Shdr *shdr(uint8_t *img, const char *name)
{
	Elf64_Ehdr eh;
	Elf64_Shdr *sh, *strs;
	memcpy(&eh, img, sizeof eh);
	sh = (Elf64_Shdr *)(img + eh.e_shoff);
	strs = &sh[eh.e_shstrndx];
	for (int i = 0; i < eh.e_shnum; i++)
		if (!strcmp((const char *)img + strs->sh_offset + sh[i].sh_name, name))
			return &sh[i];
	return NULL;
}

/* Parse size bytes of a copy of the image changed by fn; expect want. */
static void expect_error(const char *what, size_t size, void (*fn)(uint8_t *img), const char *want)
{
	uint8_t *copy = malloc(image_size);
	struct ox_err err = { 0, "" };
	struct ox_object *obj;
	char line[256];
	if (!copy)
		return;
	memcpy(copy, image, image_size);
	if (fn)
		fn(copy);
	obj = ox_object_parse(copy, size, "t.o", &err);
	snprintf(line, sizeof line, "%s: ox_object_parse fails", what);
	CHECK_AS(line, obj == NULL);
	ox_object_free(obj);
	snprintf(line, sizeof line, "%s: message", what);
	unit_str(err.msg, want, line, __FILE__, __LINE__);
	free(copy);
}

static void bad_magic(uint8_t *img) { img[1] = 'X'; }
static void class32(uint8_t *img) { img[EI_CLASS] = ELFCLASS32; }
static void big_endian(uint8_t *img) { img[EI_DATA] = ELFDATA2MSB; }
static void x86(uint8_t *img) { ((Elf64_Ehdr *)img)->e_machine = EM_X86_64; }
static void exec_type(uint8_t *img) { ((Elf64_Ehdr *)img)->e_type = ET_EXEC; }
static void no_sections(uint8_t *img) { ((Elf64_Ehdr *)img)->e_shnum = 0; ((Elf64_Ehdr *)img)->e_shoff = 0; }
static void btf_magic(uint8_t *img) { uint16_t m = 0x1234; memcpy(img + shdr(img, ".BTF")->sh_offset, &m, 2); }
static void ext_magic(uint8_t *img) { uint16_t m = 0x4321; memcpy(img + shdr(img, ".BTF.ext")->sh_offset, &m, 2); }
static void btf_far(uint8_t *img) { shdr(img, ".BTF")->sh_offset = 0x10000000; }
static void code_misaligned(uint8_t *img) { shdr(img, "xdp")->sh_offset += 4; }
static void no_symtab(uint8_t *img) { shdr(img, ".symtab")->sh_type = SHT_PROGBITS; }
static void symtab_entsize(uint8_t *img) { shdr(img, ".symtab")->sh_entsize = 0; }

static void test_corrupt(void)
{
	Elf64_Ehdr eh;
	Elf64_Shdr *sh;
	char want[512];
	struct ox_object *obj = open_obj("kitchen");
	struct ox_err err = { 0, "" };
	if (!CHECK(obj != NULL))
		return;
	image_size = obj->image_size;
	image = malloc(image_size);
	if (!image) {
		ox_object_free(obj);
		return;
	}
	memcpy(image, obj->image, image_size);
	ox_object_free(obj);
	memcpy(&eh, image, sizeof eh);

	/* the copy itself parses */
	obj = ox_object_parse(image, image_size, "t.o", &err);
	CHECK(obj != NULL);
	ox_object_free(obj);

	expect_error("empty", 0, NULL, "t.o: not an ELF file");
	expect_error("ten bytes", 10, NULL, "t.o: not an ELF file");
	expect_error("magic", image_size, bad_magic, "t.o: not an ELF file");
	expect_error("class", image_size, class32, "t.o: 32-bit ELF; BPF objects are 64-bit");
	expect_error("byte order", image_size, big_endian, "t.o: big-endian ELF; this host is "
		     "little-endian (compile with -target bpfel or bpf)");
	expect_error("short header", 40, NULL, "t.o: truncated ELF header (40 bytes)");
	expect_error("machine", image_size, x86, "t.o: not a BPF object (e_machine 62, expected 247)");
	expect_error("type", image_size, exec_type, "t.o: not a relocatable object (e_type 2)");
	snprintf(want, sizeof want, "t.o: section header table (offset %lu, %u entries of 64 bytes) "
		 "is past the end of the file (%zu bytes): truncated?", (unsigned long)eh.e_shoff,
		 eh.e_shnum, image_size / 2);
	expect_error("truncated", image_size / 2, NULL, want);
	expect_error("no section headers", image_size, no_sections, "t.o: no section header table");
	expect_error(".BTF magic", image_size, btf_magic, "t.o: section '.BTF': BTF: bad magic 0x1234");
	expect_error(".BTF.ext magic", image_size, ext_magic,
		     "t.o: section '.BTF.ext': BTF.ext: bad magic 0x4321");
	if ((sh = shdr(image, ".BTF"))) {
		snprintf(want, sizeof want, "t.o: section '.BTF': offset 268435456 + size %lu is past "
			 "the end of the file (%zu bytes)", (unsigned long)sh->sh_size, image_size);
		expect_error(".BTF offset", image_size, btf_far, want);
	}
	if ((sh = shdr(image, "xdp"))) {
		snprintf(want, sizeof want, "t.o: section 'xdp': code at file offset %lu is not 8-byte "
			 "aligned", (unsigned long)sh->sh_offset + 4);
		expect_error("code alignment", image_size, code_misaligned, want);
	}
	expect_error("no symbols", image_size, no_symtab, "t.o: no symbol table (stripped object?)");
	expect_error("symbol size", image_size, symtab_entsize,
		     "t.o: section '.symtab': sh_entsize 0, expected 24");

	obj = ox_object_parse(image, (size_t)OX_MAX_OBJECT_SIZE + 1, "t.o", &err);
	CHECK(obj == NULL);
	CHECK_INT(err.errnum, EFBIG);
	snprintf(want, sizeof want, "t.o: %zu bytes, larger than the %u byte limit",
		 (size_t)OX_MAX_OBJECT_SIZE + 1, OX_MAX_OBJECT_SIZE);
	CHECK_STR(err.msg, want);
	obj = ox_object_open("/nonexistent/x.bpf.o", &err);
	CHECK(obj == NULL);
	CHECK_INT(err.errnum, ENOENT);
	free(image);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_object DIR (the compiled test objects, build/bpf)\n");
		return 2;
	}
	snprintf(dir, sizeof dir, "%s", argv[1]);
	test_kitchen();
	test_others();
	test_corrupt();
	return unit_done();
}
