-- oxlua-scm-1.rockspec - the oxlua Lua module for LuaRocks.
--
--   luarocks make                 build and install from a checkout
--   luarocks make --local         ... into ~/.luarocks
--
-- Builds the C module oxlua.core from the engine and binding sources (the
-- Makefile's ENGINE_SRC and BIND_SRC; keep the lists in step) and installs
-- the library's Lua half (lua/oxlua/). The module does not link liblua, so
-- it loads into any Lua 5.4. The CLI (with its own Lua, lua/oxlua_cli/),
-- the static library and the BPF test objects are `make`'s.
rockspec_format = "3.0"
package = "oxlua"
version = "scm-1"

source = {
  url = "git+https://github.com/oxlua/oxlua.git",
  branch = "main",
}

description = {
  summary = "Load and run long-lived eBPF programs from Lua 5.4 policies",
  detailed = [[
A small C engine reads BPF ELF objects and their BTF, creates maps, links
subprograms, loads and attaches programs and reads perf and ring buffers.
Which programs to load, which fallback versions to try and what to do with
each event is Lua: blueprints, programs, versions, groups and an event loop
that a host can also drive from its own loop. MIT licensed, no GPL linkage.
Loading needs Linux with BPF and root (or CAP_BPF and CAP_PERFMON).]],
  license = "MIT",
  labels = { "ebpf", "bpf", "linux", "tracing" },
}

supported_platforms = { "linux" }

dependencies = {
  "lua >= 5.4, < 5.5",
}

external_dependencies = {
  LIBELF = { header = "libelf.h", library = "elf" },
  ZLIB = { header = "zlib.h", library = "z" },
}

build = {
  type = "builtin",
  modules = {
    ["oxlua"] = "lua/oxlua/init.lua",
    ["oxlua.argerror"] = "lua/oxlua/argerror.lua",
    ["oxlua.attach"] = "lua/oxlua/attach.lua",
    ["oxlua.blueprint"] = "lua/oxlua/blueprint.lua",
    ["oxlua.features"] = "lua/oxlua/features.lua",
    ["oxlua.group"] = "lua/oxlua/group.lua",
    ["oxlua.json"] = "lua/oxlua/json.lua",
    ["oxlua.loop"] = "lua/oxlua/loop.lua",
    ["oxlua.permissions"] = "lua/oxlua/permissions.lua",
    ["oxlua.state"] = "lua/oxlua/state.lua",
    ["oxlua.version"] = "lua/oxlua/version.lua",
    ["oxlua.core"] = {
      sources = {
        -- ENGINE_SRC
        "src/common.c",
        "src/kernel/errnames.c", "src/kernel/names.c", "src/kernel/sys.c", "src/kernel/tracefs.c",
        "src/kernel/netlink.c", "src/kernel/probe.c", "src/kernel/kconfig.c", "src/kernel/bpffs.c",
        "src/btf/btf.c", "src/btf/btf_query.c", "src/btf/btf_sanitize.c", "src/btf/btf_ext.c",
        "src/btf/btf_probe.c", "src/btf/btf_target.c",
        "src/btf/relo_core.c", "src/btf/core_spec.c", "src/btf/core_compat.c", "src/btf/core_value.c",
        "src/btf/core_patch.c",
        "src/object/section.c", "src/object/elf.c", "src/object/object.c", "src/object/funcs.c",
        "src/object/find.c", "src/object/maps.c", "src/object/externs.c",
        "src/load/ksyms.c", "src/load/link.c", "src/load/struct_ops.c", "src/load/common.c",
        "src/load/map_create.c", "src/load/prog_load.c", "src/load/load.c",
        "src/attach/attachment.c", "src/attach/attach.c", "src/attach/attach_trace.c",
        "src/attach/attach_net.c", "src/attach/attach_struct_ops.c",
        "src/attach/symbols.c",
        "src/events/perfbuf.c", "src/events/ringbuf.c", "src/events/loop.c",
        -- BIND_SRC
        "src/binding/core.c", "src/binding/preload.c", "src/binding/lresult.c", "src/binding/lvalue.c",
        "src/binding/lfiles.c", "src/binding/lkernel.c", "src/binding/ltypes.c",
        "src/binding/lbtf.c", "src/binding/lbtfplan.c",
        "src/binding/lobject.c", "src/binding/linst.c", "src/binding/lmap.c", "src/binding/lprog.c",
        "src/binding/lattach.c", "src/binding/lreader.c", "src/binding/lloop.c", "src/binding/lsock.c",
        "src/binding/lprobe.c",
      },
      defines = { "_GNU_SOURCE" },
      incdirs = { "include", "src", "$(LIBELF_INCDIR)", "$(ZLIB_INCDIR)" },
      libdirs = { "$(LIBELF_LIBDIR)", "$(ZLIB_LIBDIR)" },
      libraries = { "elf", "z", "m" },
    },
  },
  copy_directories = { "docs", "types" },
}
