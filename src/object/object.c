/* object.c - parsing a BPF ELF object into an ox_object, in the order its
 * parts depend on each other: the ELF view, license, version and BTF, the
 * functions, externs, maps, then the relocations of code; and freeing it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "object/externs.h"
#include "object/funcs.h"
#include "object/maps.h"

static int read_meta(struct ox_object *obj, struct ox_elf *elf, struct ox_err *err)
{
	int i = ox_elf_find_sec(elf, "license");
	if (i >= 0 && elf->secs[i].data) {
		size_t n = elf->secs[i].size;
		if (n >= sizeof obj->license)
			n = sizeof obj->license - 1;
		memcpy(obj->license, elf->secs[i].data, n);
		obj->license[n] = 0;
	}
	i = ox_elf_find_sec(elf, "version");
	if (i >= 0 && elf->secs[i].data) {
		if (elf->secs[i].size != 4)
			return ox_errf(err, 0, "section 'version': %zu bytes, expected 4",
				       elf->secs[i].size);
		memcpy(&obj->kversion, elf->secs[i].data, 4);
	}
	i = ox_elf_find_sec(elf, ".BTF");
	if (i >= 0 && elf->secs[i].data) {
		obj->btf = btf_parse(elf->secs[i].data, elf->secs[i].size, err);
		if (!obj->btf)
			return ox_errprefix(err, "section '.BTF'");
	}
	i = ox_elf_find_sec(elf, ".BTF.ext");
	if (i >= 0 && elf->secs[i].data && obj->btf) {
		obj->btf_ext = btf_ext_parse(elf->secs[i].data, elf->secs[i].size, obj->btf, err);
		if (!obj->btf_ext)
			return ox_errprefix(err, "section '.BTF.ext'");
		obj->nr_core_relos = 0;
		for (uint32_t s = 0; s < obj->btf_ext->core_relo.nr_secs; s++)
			obj->nr_core_relos += obj->btf_ext->core_relo.secs[s].nr;
	}
	return 0;
}

static int parse(struct ox_object *obj, struct ox_elf *elf, struct ox_err *err)
{
	if (ox_elf_open(elf, obj->image, obj->image_size, err))
		return -1;
	obj->nr_secs = (uint32_t)elf->nr_secs;
	obj->sec_names = calloc(elf->nr_secs, sizeof *obj->sec_names);
	if (!obj->sec_names)
		return ox_errf(err, ENOMEM, "out of memory");
	for (size_t i = 1; i < elf->nr_secs; i++)
		if (!(obj->sec_names[i] = strdup(elf->secs[i].name)))
			return ox_errf(err, ENOMEM, "out of memory");
	obj->text_sec = ox_elf_find_sec(elf, ".text");
	return read_meta(obj, elf, err) || ox_funcs_collect(obj, elf, err) ||
	       ox_externs_collect(obj, elf, err) || ox_maps_collect(obj, elf, err) ||
	       ox_relos_collect(obj, elf, err) ? -1 : 0;
}

struct ox_object *ox_object_parse(const void *data, size_t size, const char *name,
				  struct ox_err *err)
{
	struct ox_elf elf;
	struct ox_object *obj;
	const char *base = strrchr(name, '/');
	size_t plen;

	memset(&elf, 0, sizeof elf);
	if (size > OX_MAX_OBJECT_SIZE) {
		ox_errf(err, EFBIG, "%s: %zu bytes, larger than the %u byte limit", name, size,
			OX_MAX_OBJECT_SIZE);
		return NULL;
	}
	obj = calloc(1, sizeof *obj);
	if (!obj || !(obj->image = malloc(size ? size : 1)) || !(obj->name = strdup(name))) {
		ox_object_free(obj);
		ox_errf(err, ENOMEM, "%s: out of memory", name);
		return NULL;
	}
	memcpy(obj->image, data, size);
	obj->image_size = size;
	obj->kconfig_map = -1;
	base = base ? base + 1 : name;
	plen = strcspn(base, ".");
	obj->prefix = strndup(base, plen > 8 ? 8 : plen);
	elf.file = name;
	if (!obj->prefix || parse(obj, &elf, err)) {
		ox_errprefix(err, "%s", name);
		ox_elf_close(&elf);
		ox_object_free(obj);
		return NULL;
	}
	ox_elf_close(&elf);
	return obj;
}

struct ox_object *ox_object_open(const char *path, struct ox_err *err)
{
	struct ox_blob b;
	struct ox_object *obj;
	if (ox_read_file(path, &b, err))
		return NULL;
	obj = ox_object_parse(b.data, b.size, path, err);
	free(b.data);
	return obj;
}

void ox_object_free(struct ox_object *obj)
{
	if (!obj)
		return;
	for (uint32_t i = 0; i < obj->nr_funcs; i++) {
		free(obj->funcs[i].name);
		free(obj->funcs[i].sec_name);
		free(obj->funcs[i].relos);
	}
	for (uint32_t i = 0; i < obj->nr_maps; i++) {
		struct ox_mapdef *m = &obj->maps[i];
		for (uint32_t j = 0; j < m->nr_slots; j++)
			free(m->slots[j].target);
		free(m->slots);
		free(m->name);
		free(m->data);
	}
	for (uint32_t i = 0; i < obj->nr_exts; i++)
		free(obj->exts[i].name);
	for (uint32_t i = 0; i < obj->nr_globals; i++)
		free(obj->globals[i].name);
	for (uint32_t i = 0; i < obj->nr_secs; i++)
		free(obj->sec_names ? obj->sec_names[i] : NULL);
	free(obj->sec_names);
	free(obj->funcs);
	free(obj->maps);
	free(obj->exts);
	free(obj->globals);
	btf_ext_free(obj->btf_ext);
	btf_free(obj->btf);
	free(obj->image);
	free(obj->prefix);
	free(obj->name);
	free(obj);
}

