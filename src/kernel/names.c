/* names.c - the kernel's BPF enums by name (kernel/names.h). */
#include <string.h>
#include <linux/bpf.h>

#include "kernel/names.h"

#define NAME(n) #n,
#define CMD_NAME(n) "BPF_" #n,

static const char *const prog_names[] = { PROG_TYPES(NAME) };
static const char *const map_names[] = { MAP_TYPES(NAME) };
static const char *const attach_names[] = { ATTACH_TYPES(NAME) };
static const char *const cmd_names[] = { BPF_CMDS(CMD_NAME) };

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Check the lists against the installed header (5.4 or newer) and 6.18. */
#define CHECK(name, cond) typedef char check_##name[(cond) ? 1 : -1]
CHECK(progs, (int)P_cgroup_sockopt == BPF_PROG_TYPE_CGROUP_SOCKOPT && P_COUNT == 33);
CHECK(maps, (int)M_sk_storage == BPF_MAP_TYPE_SK_STORAGE && M_COUNT == 34);
CHECK(attach, (int)A_cgroup_setsockopt == BPF_CGROUP_SETSOCKOPT && A_COUNT == 58);
CHECK(cmds, (int)C_BTF_GET_NEXT_ID == BPF_BTF_GET_NEXT_ID && C_COUNT == 38);

static const char *name_of(const char *const *names, size_t n, uint32_t v)
{
	return v < n ? names[v] : "unknown";
}

const char *ox_prog_type_name(uint32_t t)
{
	return name_of(prog_names, COUNT(prog_names), t);
}

const char *ox_map_type_name(uint32_t t)
{
	return name_of(map_names, COUNT(map_names), t);
}

const char *ox_attach_type_name(uint32_t t)
{
	return name_of(attach_names, COUNT(attach_names), t);
}

const char *ox_bpf_cmd_name(int cmd)
{
	if (cmd < 0)
		return "unknown";
	return name_of(cmd_names, COUNT(cmd_names), (uint32_t)cmd);
}

static int value_of(const char *const *names, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

int ox_prog_type_from_name(const char *name)
{
	return value_of(prog_names, COUNT(prog_names), name);
}

int ox_map_type_from_name(const char *name)
{
	return value_of(map_names, COUNT(map_names), name);
}
