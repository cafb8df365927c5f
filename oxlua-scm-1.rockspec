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
        "src/common.c", "src/errnames.c", "src/sys.c", "src/section.c", "src/btf.c", "src/btf_probe.c",
        "src/elf.c", "src/maps.c", "src/externs.c", "src/ksyms.c", "src/kconfig.c", "src/link.c",
        "src/load.c", "src/attach.c", "src/attach_trace.c", "src/attach_net.c",
        "src/tracefs.c", "src/symbols.c", "src/netlink.c", "src/perfbuf.c",
        "src/ringbuf.c", "src/probe.c", "src/relo_core.c", "src/btf_target.c", "src/struct_ops.c",
        -- BIND_SRC
        "src/lua/core.c", "src/lua/preload.c", "src/lua/lbtf.c", "src/lua/lbtfplan.c", "src/lua/lobject.c",
        "src/lua/linst.c", "src/lua/lmap.c", "src/lua/lprog.c", "src/lua/lattach.c",
        "src/lua/lreader.c", "src/lua/lloop.c", "src/lua/lsock.c", "src/lua/lprobe.c",
      },
      defines = { "_GNU_SOURCE" },
      incdirs = { "include", "$(LIBELF_INCDIR)", "$(ZLIB_INCDIR)" },
      libdirs = { "$(LIBELF_LIBDIR)", "$(ZLIB_LIBDIR)" },
      libraries = { "elf", "z", "m" },
    },
  },
  copy_directories = { "docs", "types" },
}
