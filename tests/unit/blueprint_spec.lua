-- Parsing objects into blueprints: no kernel calls, so no root needed.
local ox = require "oxlua"
local h = require "support.helpers"

describe("ox.blueprint", function()
  local bp

  setup(function()
    bp = assert(ox.blueprint(h.obj("kitchen")))
  end)

  it("lists every function of every section as a program, several per section", function()
    local names = {}
    for name in pairs(bp.programs) do names[#names + 1] = name end
    table.sort(names)
    assert.same({ "cg_egress", "kp_open", "lazy_getpid", "raw_enter", "sock_len", "tc_count",
      "tp_getppid", "up_func", "xdp_main", "xdp_outer", "xdp_second" }, names)
    assert.equal("xdp", bp.programs.xdp_second.section)
  end)

  it("keeps .text functions as subprograms, not programs", function()
    assert.is_nil(bp.programs.bump)
    assert.is_nil(bp.programs.global_add)
    assert.truthy(bp.subprograms.bump)
    assert.truthy(bp.subprograms.global_add)
  end)

  it("gives program types from libbpf's section names", function()
    local want = {
      xdp_main = "xdp", tp_getppid = "tracepoint", raw_enter = "raw_tracepoint",
      tc_count = "sched_cls", cg_egress = "cgroup_skb", sock_len = "socket_filter",
      kp_open = "kprobe", up_func = "kprobe", lazy_getpid = "tracepoint",
    }
    for name, ty in pairs(want) do assert.equal(ty, bp.programs[name].type, name) end
    assert.equal("cgroup_inet_egress", bp.programs.cg_egress.attach_type)
  end)

  it("derives default attach points from section names", function()
    assert.equal("tracepoint:syscalls:sys_enter_getppid", bp.programs.tp_getppid.attach)
    assert.equal("kprobe:do_sys_openat2", bp.programs.kp_open.attach)
    assert.equal("raw_tp:sys_enter", bp.programs.raw_enter.attach)
    assert.is_nil(bp.programs.xdp_main.attach)
  end)

  it("marks '?' sections as autoload off", function()
    assert.is_false(bp.programs.lazy_getpid.autoload)
    assert.is_true(bp.programs.xdp_main.autoload)
    assert.equal("tp/syscalls/sys_enter_getpid", bp.programs.lazy_getpid.section)
  end)

  it("reads BTF-defined maps with key/value sizes from their types", function()
    local m = bp.maps
    assert.same({ "hash", 4, 16, 128 }, { m.stats_by_proto.type, m.stats_by_proto.key_size,
      m.stats_by_proto.value_size, m.stats_by_proto.max_entries })
    assert.equal("struct stats", m.stats_by_proto.value_type)
    assert.same({ "lru_hash", 8, "struct flow_key" }, { m.flows.type, m.flows.key_size, m.flows.key_type })
    assert.equal("percpu_array", m.percpu_hits.type)
    assert.same({ "ringbuf", 16384 }, { m.rb.type, m.rb.max_entries })
    assert.same({ "perf_event_array", 4, 4 }, { m.perf.type, m.perf.key_size, m.perf.value_size })
  end)

  it("reads map-in-map definitions with their inner map and initial slots", function()
    local outer = bp.maps.outer
    assert.equal("array_of_maps", outer.type)
    assert.same({ type = "array", key_size = 4, value_size = 4, max_entries = 1 }, outer.inner)
    assert.same({ [0] = "inner_a", [2] = "inner_b" }, outer.slots)
  end)

  it("turns .data, .rodata and .bss into array maps, .rodata read-only for programs", function()
    assert.same({ "array", 4, 1, "rodata", 0x80 }, { bp.maps[".rodata"].type, bp.maps[".rodata"].key_size,
      bp.maps[".rodata"].max_entries, bp.maps[".rodata"].kind, bp.maps[".rodata"].flags })
    assert.equal("data", bp.maps[".data"].kind)
    assert.equal("bss", bp.maps[".bss"].kind)
  end)

  it("lists globals by BTF name with section, offset, size and type", function()
    local g = bp.globals
    assert.same({ ".rodata", 4, "const volatile int" }, { g.xdp_verdict.section, g.xdp_verdict.size, g.xdp_verdict.type })
    assert.same({ ".data", 16, "struct config" }, { g.settings.section, g.settings.size, g.settings.type })
    assert.same({ ".bss", 0, 8 }, { g.bss_hits.section, g.bss_hits.offset, g.bss_hits.size })
  end)

  it("lists .kconfig externs and lays them out in a .kconfig map", function()
    local ext = {}
    for _, x in ipairs(bp.externs) do ext[x.name] = x end
    assert.truthy(ext.LINUX_KERNEL_VERSION)
    assert.is_true(ext.CONFIG_OXLUA_DOES_NOT_EXIST.weak)
    assert.is_false(ext.CONFIG_HZ.weak)
    assert.equal(".kconfig", ext.CONFIG_HZ.section)
    assert.equal("kconfig", bp.maps[".kconfig"].kind)
  end)

  it("reads the license and the object's BTF", function()
    assert.equal("GPL", bp.license)
    assert.truthy(bp.btf.types > 100)
    assert.is_true(bp.btf.ext)
  end)

  it("reads the legacy 'maps' section (struct bpf_map_def) and the version section", function()
    local legacy = assert(ox.blueprint(h.obj("legacy")))
    assert.same({ "array", 4, 8, 4 }, { legacy.maps.legacy_counts.type, legacy.maps.legacy_counts.key_size,
      legacy.maps.legacy_counts.value_size, legacy.maps.legacy_counts.max_entries })
    assert.same({ "hash", 8, 4, 16 }, { legacy.maps.legacy_hash.type, legacy.maps.legacy_hash.key_size,
      legacy.maps.legacy_hash.value_size, legacy.maps.legacy_hash.max_entries })
    assert.equal(0x60000, legacy.kversion)
  end)

  it("reads iproute2's longer map definition", function()
    local ip = assert(ox.blueprint(h.obj("iproute")))
    assert.same({ "array", 4, 8, 2 }, { ip.maps.tc_counts.type, ip.maps.tc_counts.key_size,
      ip.maps.tc_counts.value_size, ip.maps.tc_counts.max_entries })
    assert.equal("sched_cls", ip.programs.cls_count.type)
  end)

  it("reads BTF pinning", function()
    local p = assert(ox.blueprint(h.obj("pinned")))
    assert.equal("by_name", p.maps.shared_counts.pinning)
    assert.is_nil(p.maps.plain.pinning)
  end)

  it("parses from memory with a given name", function()
    local mem = assert(ox.blueprint { data = h.read(h.obj("legacy")), name = "in-memory.o" })
    assert.equal("in-memory.o", mem.name)
    assert.truthy(mem.programs.legacy_prog)
  end)

  it("raises for misuse", function()
    assert.has_error(function() ox.blueprint(42) end,
      "ox.blueprint: expected a path or { data = bytes, name = string }")
    assert.has_error(function() ox.blueprint { name = "x" } end, "ox.blueprint: data must be a string of bytes")
  end)
end)
