-- Loading into the running kernel: programs, maps, globals, kconfig,
-- subprograms, verifier errors, version fallback. Needs root.
local ox = require "oxlua"
local h = require "support.helpers"

local PKT = string.rep("\0", 64)
local XDP_DROP, XDP_PASS = 1, 2

local function all_programs(bp)
  local names = {}
  for name in pairs(bp.programs) do names[#names + 1] = name end
  table.sort(names)
  return names
end

local function kernel_config(name)
  local p = io.popen("(zcat /proc/config.gz 2>/dev/null || cat /boot/config-$(uname -r)) | grep '^" .. name .. "='")
  local line = p:read("l")
  p:close()
  return line and line:match("=(.*)$")
end

describe("loading #root", function()
  local bp

  setup(function() bp = assert(ox.blueprint(h.obj("kitchen"))) end)

  describe("the whole kitchen object", function()
    local g

    setup(function()
      g = ox.group { blueprint = bp, versions = { ox.version { name = "all", programs = all_programs(bp) } } }
      assert(g:load())
    end)
    teardown(function() g:close() end)

    it("loads every program, of every type", function()
      assert.equal("all", g.version.name)
      for _, name in ipairs(all_programs(bp)) do
        local info = g.programs[name]:info()
        assert.equal(bp.programs[name].type, info.type)
        assert.truthy(info.id > 0)
      end
    end)

    it("creates the maps the programs use, with perf arrays sized to the CPUs", function()
      for _, name in ipairs { "stats_by_proto", "counters", "percpu_hits", "flows", "rb", "perf",
        "inner_a", "inner_b", "outer", ".rodata", ".data", ".bss", ".kconfig" } do
        assert.truthy(g.maps[name], name)
      end
      assert.equal(ox.core.possible_cpus(), g.maps.perf:info().max_entries)
    end)

    it("returns the .rodata default from test_run", function()
      assert.equal(XDP_PASS, g.programs.xdp_main:test_run { data = PKT }.retval)
    end)

    it("links static and global subprograms into several programs", function()
      local before = g.maps.counters:get(0)
      g.programs.xdp_main:test_run { data = PKT, ["repeat"] = 3 }
      assert.equal(before + 3, g.maps.counters:get(0))
      assert.equal(XDP_PASS, g.programs.xdp_second:test_run { data = PKT }.retval)
      assert.equal(1, g.maps.counters:get(1))
    end)

    it("reads and writes .data and .bss globals after load", function()
      local hits = g.globals.bss_hits
      g.globals.data_counter = 100
      g.programs.xdp_main:test_run { data = PKT, ["repeat"] = 2 }
      assert.equal(hits + 2, g.globals.bss_hits)
      assert.equal(102, g.globals.data_counter)
      assert.same({ a = 1, b = 2, flag = 3, name = "cfg" }, g.globals.settings)
      g.globals.settings = { a = 5, b = 6, name = "new" }
      assert.same({ a = 5, b = 6, flag = 0, name = "new" }, g.globals.settings)
      assert.equal(XDP_DROP, g.programs.xdp_second:test_run { data = PKT }.retval)
    end)

    it("refuses to write .rodata after load", function()
      assert.has_error(function() g.globals.xdp_verdict = 1 end,
        "global 'xdp_verdict' is in .rodata, read-only once loaded (set it in the version's globals)")
      assert.equal("hello", g.globals.greeting)
    end)

    it("fills .kconfig externs from the running kernel", function()
      g.programs.xdp_main:test_run { data = PKT }
      assert.equal((ox.core.kernel_version()), g.globals.seen_kversion)
      assert.equal(tonumber(kernel_config("CONFIG_HZ")), g.globals.seen_hz)
      assert.equal(kernel_config("CONFIG_BPF_SYSCALL") == "y" and 1 or 0, g.globals.seen_syscall)
      local jit = kernel_config("CONFIG_BPF_JIT")
      assert.equal(jit == "y" and 1 or jit == "m" and 2 or 0, g.globals.seen_jit)
      assert.equal(0, g.globals.seen_missing) -- __weak and unset
      local lv = (kernel_config("CONFIG_LOCALVERSION") or '""'):match('^"(.*)"$')
      assert.equal(lv:sub(1, 15), g.globals.seen_localversion)
    end)

    it("fills map-in-map initial slots", function()
      assert.equal(g.maps.inner_b:info().id, g.maps.outer:get(2))
      assert.is_nil(g.maps.outer:get(1))
      assert(g.maps.inner_a:set(0, XDP_DROP))
      assert.equal(XDP_DROP, g.programs.xdp_outer:test_run { data = PKT }.retval)
      assert(g.maps.outer:set(0, g.maps.inner_b))
      assert(g.maps.inner_b:set(0, XDP_PASS))
      assert.equal(XDP_PASS, g.programs.xdp_outer:test_run { data = PKT }.retval)
    end)

    it("runs tc, socket and cgroup_skb programs", function()
      local frame = string.rep("\1", 12) .. "\8\0" .. string.rep("\0", 50)
      assert.equal(0, g.programs.tc_count:test_run { data = frame }.retval) -- TC_ACT_OK
      assert.equal(#frame - 14, g.programs.sock_len:test_run { data = frame }.retval)
      assert.equal(1, g.programs.cg_egress:test_run { data = frame }.retval)
    end)

    it("reads map contents the programs wrote, as BTF tables", function()
      local frame = string.rep("\1", 12) .. "\8\0" .. string.rep("\0", 50)
      g.maps.stats_by_proto:delete(8)
      g.programs.tc_count:test_run { data = frame, ["repeat"] = 4 }
      assert.same({ packets = 4, bytes = 4 * #frame }, g.maps.stats_by_proto:get(8))
      assert.equal(1, g.maps.flows:get { addr = 1, port = 2, proto = 8 })
      local n = 0
      for k, v in g.maps.flows:pairs() do
        n = n + 1
        assert.same({ addr = 1, port = 2, proto = 8 }, k)
        assert.equal(1, v)
      end
      assert.equal(1, n)
    end)

    it("returns per-CPU values as arrays", function()
      local v = g.maps.percpu_hits:get(0)
      assert.equal(ox.core.possible_cpus(), #v)
      local sum = 0
      for _, x in ipairs(v) do sum = sum + x end
      assert.truthy(sum > 0)
    end)
  end)

  it("sets .rodata from Lua before load, changing what test_run returns", function()
    local g = ox.group { blueprint = bp, versions = { ox.version {
      programs = { "xdp_main" }, globals = { xdp_verdict = XDP_DROP, greeting = "hi" } } } }
    assert(g:load())
    assert.equal(XDP_DROP, g.programs.xdp_main:test_run { data = PKT }.retval)
    assert.equal("hi", g.globals.greeting)
    g:close()
  end)

  it("creates only the maps a version's programs reference", function()
    local g = ox.group { blueprint = bp, versions = { ox.version { programs = { "tp_getppid" } } } }
    assert(g:load())
    local names = {}
    for name in pairs(g.maps) do names[#names + 1] = name end
    table.sort(names)
    assert.same({ "counters", "rb" }, names)
    g:close()
  end)

  it("loads a program with no map at all", function()
    local g = ox.group { blueprint = bp, versions = { ox.version { programs = { "sock_len" } } } }
    assert(g:load())
    assert.is_nil(next(g.maps))
    g:close()
  end)

  it("applies map overrides before creating maps", function()
    local g = ox.group { blueprint = bp, versions = { ox.version {
      programs = { "tc_count" }, maps = { stats_by_proto = { max_entries = 7 } } } } }
    assert(g:load())
    assert.equal(7, g.maps.stats_by_proto:info().max_entries)
    g:close()
  end)

  it("raises for a program the object does not have", function()
    local g = ox.group { blueprint = bp, versions = { ox.version { name = "v", programs = { "nope" } } } }
    assert.has_error(function() g:load() end, "version 'v': " .. h.obj("kitchen") .. " has no program 'nope'")
  end)

  it("loads legacy 'maps' objects and runs them", function()
    local g = ox.group { blueprint = h.obj("legacy"), versions = { ox.version { programs = { "legacy_prog" } } } }
    assert(g:load())
    g.programs.legacy_prog:test_run { data = PKT, ["repeat"] = 3 }
    assert.equal(3, g.maps.legacy_counts:get(0))
    assert.equal(3, g.maps.legacy_hash:get(7))
    g:close()
  end)

  it("loads iproute2-layout objects", function()
    local g = ox.group { blueprint = h.obj("iproute"), versions = { ox.version { programs = { "cls_count" } } } }
    assert(g:load())
    g.programs.cls_count:test_run { data = PKT }
    assert.equal(1, g.maps.tc_counts:get(1))
    g:close()
  end)

  describe("verifier errors", function()
    it("name the program, the errno and the verifier's words with a source line", function()
      local g = ox.group { blueprint = h.obj("bad"), versions = { ox.version { name = "only", programs = { "unchecked_read" } } } }
      local ok, err, errno = g:load()
      assert.is_nil(ok)
      assert.equal(13, errno)
      assert.matches("version 'only': program 'unchecked_read' %(xdp%): loading: EACCES", err)
      assert.matches("invalid access to packet", err)
      assert.matches("\n *; int value = %*%(int %*%)%(data %+ 64%);", err) -- the source line
      -- newer kernels add its file and line (6.18 does, 6.1 does not)
      if err:match("; void %*data = .- @ ") then assert.matches("data %+ 64%); @ bad%.bpf%.c:13\n", err) end
      assert.matches("processed %d+ insns", g.failures[1].log)
      assert.equal(g.failures[1].log, g.verifier_log)
    end)

    it("grow the log buffer until the whole log fits", function()
      local g = ox.group { blueprint = h.obj("bad"), log_size = 64,
        versions = { ox.version { programs = { "unchecked_read" } } } }
      local ok, err = g:load()
      assert.is_nil(ok)
      assert.matches("invalid access to packet", err)
      assert.matches("^0: R1=ctx", g.failures[1].log)
    end)

    it("say when a section gives no program type", function()
      local g = ox.group { blueprint = h.obj("bad"), versions = { ox.version { programs = { "unknown_section" } } } }
      local ok, err = g:load()
      assert.is_nil(ok)
      assert.matches("program 'unknown_section': section 'nonsense/section' gives no program type", err)
    end)
  end)

  describe("versions", function()
    it("fall back in order and report why each failed", function()
      local g = ox.group { blueprint = h.obj("bad"), versions = {
        ox.version { name = "first", programs = { "unchecked_read" } },
        ox.version { name = "second", programs = { "unknown_section" } },
        ox.version { name = "third", programs = { "fine" } },
      } }
      assert.is_true(g:load())
      assert.equal("third", g.version.name)
      assert.equal(2, #g.failures)
      assert.equal("first", g.failures[1].version)
      assert.equal(13, g.failures[1].errno)
      assert.equal("second", g.failures[2].version)
      assert.equal(XDP_PASS, g.programs.fine:test_run { data = PKT }.retval)
      g:close()
    end)

    it("report every failure when none loads", function()
      local g = ox.group { blueprint = h.obj("bad"), versions = {
        ox.version { name = "a", programs = { "unchecked_read" } },
        ox.version { name = "b", programs = { "unknown_section" } },
      } }
      local ok, err = g:load()
      assert.is_nil(ok)
      assert.matches("no version loaded", err)
      assert.matches("version 'a': program 'unchecked_read'", err)
      assert.matches("version 'b': program 'unknown_section'", err)
    end)

    it("leave no fd behind when a version fails half-way", function()
      collectgarbage()
      local before = h.fd_count()
      for _ = 1, 20 do
        local g = ox.group { blueprint = bp, versions = { ox.version {
          programs = { "xdp_main", "tc_count", "tp_getppid" },
          maps = { rb = { flags = 0x8000 } } } } } -- a flag ring buffers refuse: fails after other maps exist
        local ok, err = g:load()
        assert.is_nil(ok)
        assert.matches("map 'rb': creating ringbuf map .*EINVAL", err)
      end
      collectgarbage()
      assert.equal(before, h.fd_count())
    end)
  end)

  describe("closing", function()
    it("releases every fd, is idempotent, and makes views fail clearly", function()
      collectgarbage()
      local before = h.fd_count()
      local g = ox.group { blueprint = bp, versions = { ox.version { programs = all_programs(bp) } } }
      assert(g:load())
      local counters, prog = g.maps.counters, g.programs.xdp_main
      assert.truthy(h.fd_count() > before)
      g:close()
      g:close()
      assert.equal(before, h.fd_count())
      assert.has_error(function() counters:get(0) end, "map is closed")
      assert.has_error(function() prog:test_run {} end, "program is closed")
      assert.is_nil(g.version)
    end)

    it("closes on reload and loads again", function()
      local g = ox.group { blueprint = bp, versions = { ox.version { programs = { "sock_len" } } } }
      assert(g:load())
      local id = g.programs.sock_len:info().id
      assert(g:reload())
      assert.are_not.equal(id, g.programs.sock_len:info().id)
      g:close()
    end)

    it("closes with a to-be-closed variable", function()
      collectgarbage()
      local before = h.fd_count()
      do
        local g <close> = ox.group { blueprint = bp, versions = { ox.version { programs = { "tp_getppid" } } } }
        assert(g:load())
      end
      assert.equal(before, h.fd_count())
    end)
  end)
end)
