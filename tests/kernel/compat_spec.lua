-- Objects as other loaders' users ship them: one legacy map definition per
-- "maps/NAME" section (oxidebpf, gobpf), and maps sized by the user before
-- load (max_entries 0, as libbpf-tools leave them; ring buffers that libbpf
-- rounds up to a power-of-2 number of pages).
local ox = require "oxlua"
local h = require "support.helpers"

local PKT = string.rep("\0", 64)

-- max_entries of a map as the kernel has it
local function kernel_max_entries(map)
  local out = h.output(("bpftool -j map show id %d"):format(map:info().id))
  return tonumber(out:match('"max_entries":(%d+)'))
end

describe("maps/NAME sections", function()
  it("parses one map per section, named by the section, and two in one by their symbols", function()
    local bp = assert(ox.blueprint(h.obj("permap")))
    local names = {}
    for name in pairs(bp.maps) do names[#names + 1] = name end
    table.sort(names)
    assert.same({ "hit_counts", "last_len", "pair_a", "pair_b" }, names)
    assert.same({ name = "hit_counts", type = "array", key_size = 4, value_size = 8, max_entries = 4, flags = 0 },
      { name = bp.maps.hit_counts.name, type = bp.maps.hit_counts.type, key_size = bp.maps.hit_counts.key_size,
        value_size = bp.maps.hit_counts.value_size, max_entries = bp.maps.hit_counts.max_entries,
        flags = bp.maps.hit_counts.flags })
    assert.equal("hash", bp.maps.last_len.type)
  end)

  it("refuses a section whose bytes do not divide into its definitions", function()
    local bytes = h.read(h.obj("permap"))
    local _, by = h.sections(bytes)
    local sec = by["maps/pair"]
    local bp, err = h.parse(h.patch(bytes, sec.hdr + h.SH.size, "<I8", 561), "bad.o")
    assert.is_nil(bp)
    assert.equal("bad.o: section 'maps/pair': 561 bytes do not divide into 2 definitions", err)
  end)

  it("loads, and its programs' relocations reach each map #root", function()
    local g = ox.group { blueprint = h.obj("permap"), versions = { ox.version { programs = { "count_len" } } } }
    assert(g:load())
    local prog = g.programs.count_len
    assert.equal(0, prog:test_run { data = PKT }.retval)
    assert.equal(0, prog:test_run { data = PKT .. "xx" }.retval)
    assert.equal(2, g.maps.hit_counts:get(0))
    assert.equal(52, g.maps.last_len:get(0))   -- the static definition (skb->len: no Ethernet header)
    assert.equal(1, g.maps.pair_a:get(0))
    assert.equal(2, g.maps.pair_b:get(0))
    g:close()
  end)
end)

describe("maps sized before load", function()
  it("parses max_entries 0 and keeps it for the policy to set", function()
    local bp = assert(ox.blueprint(h.obj("unsized")))
    assert.equal(0, bp.maps.start.max_entries)
    assert.equal(5000, bp.maps.odd_ring.max_entries)
  end)

  it("refuses max_entries 0 at load, naming the map, and takes the version's size #root", function()
    local g = ox.group { blueprint = h.obj("unsized"), versions = {
      ox.version { name = "as is", programs = { "remember" } },
      ox.version { name = "sized", programs = { "remember" }, maps = { start = { max_entries = 128 } } },
    } }
    assert(g:load())
    assert.equal("sized", g.version.name)
    assert.equal("map 'start': max_entries 0 is invalid for hash (set it before load: a version's "
      .. "maps = { start = { max_entries = N } })", g.failures[1].error)
    assert.equal(22, g.failures[1].errno)
    assert.equal(128, kernel_max_entries(g.maps.start))
    assert.equal(0, g.programs.remember:test_run { data = PKT }.retval)
    assert.equal(1, g.maps.start:get(50))
    g:close()
  end)

  it("rounds a ring buffer up to a power-of-2 multiple of the page size, as libbpf does #root", function()
    local page = tonumber(h.output("getconf PAGESIZE"))
    local function created(size)
      local g = ox.group { blueprint = h.obj("unsized"), versions = { ox.version { programs = { "remember" },
        maps = { start = { max_entries = 1 }, odd_ring = size and { max_entries = size } or nil } } } }
      assert(g:load())
      local n = kernel_max_entries(g.maps.odd_ring)
      g:close()
      return n
    end
    assert.equal(2 * page, created(nil))        -- 5000 bytes
    assert.equal(4 * page, created(3 * page))
    assert.equal(8 * page, created(8 * page))
    assert.equal(page, created(1))
  end)

  it("refuses a ring buffer size no power-of-2 page count reaches #root", function()
    local g = ox.group { blueprint = h.obj("unsized"), versions = { ox.version { programs = { "remember" },
      maps = { start = { max_entries = 1 }, odd_ring = { max_entries = 0x80000001 } } } } }
    local ok, err = g:load()
    assert.is_nil(ok)
    assert.matches("map 'odd_ring': ringbuf max_entries 2147483649 is not a power%-of%-2 multiple of the page size %(%d+%)", err)
    g:close()
  end)
end)

describe("libbpf's rules for functions and externs", function()
  it("verifies a hidden global subprogram in its caller's context #root", function()
    local g = ox.group { blueprint = h.obj("hidden"), versions = { ox.version { programs = { "hidden_call" } } } }
    assert(g:load())
    assert.equal(1, g.programs.hidden_call:test_run { data = PKT }.retval)
    g:close()
  end)

  it("reads an unknown __weak LINUX_ extern as 0 and refuses one that is not weak #root", function()
    local g = ox.group { blueprint = h.obj("virtual_strong"), versions = { ox.version { programs = { "read_made_up" } } } }
    local ok, err = g:load()
    assert.is_nil(ok)
    assert.matches("extern 'LINUX_MADE_UP_EXTERN': unknown %.kconfig name %(a LINUX_ name oxlua does not know "
      .. "reads as 0 only when __weak%)", err)
    g:close()
  end)
end)

describe("struct_ops", function()
  local CC_PROGS = { "ox_init", "ox_ssthresh", "ox_cong_avoid", "ox_undo_cwnd" }
  local function available()
    return h.read("/proc/sys/net/ipv4/tcp_available_congestion_control")
  end
  local function cc_group(maps)
    return ox.group { blueprint = h.obj("cc"), versions = { ox.version { programs = CC_PROGS, struct_ops = maps } } }
  end

  it("parses each variable of .struct_ops and .struct_ops.link as a map, its programs by member", function()
    local bp = assert(ox.blueprint(h.obj("cc")))
    local m = bp.maps.oxlua_cc
    assert.equal("struct_ops", m.type)
    assert.equal("struct_ops", m.kind)
    assert.equal("struct tcp_congestion_ops", m.value_type)
    assert.same({ init = "ox_init", ssthresh = "ox_ssthresh", cong_avoid = "ox_cong_avoid",
      undo_cwnd = "ox_undo_cwnd" }, m.slots)
    assert.equal(0, m.flags)
    assert.equal(0x2000, bp.maps.oxlua_cc_link.flags) -- BPF_F_LINK
    assert.equal("struct_ops", bp.programs.ox_init.type)
  end)

  it("registers a congestion control by map update, and unregisters it on close #root", function()
    local g = cc_group { "oxlua_cc" }
    assert(g:load())
    assert.matches("%f[%w_]oxlua_cc%f[^%w_]", available())
    local link = g.links[#g.links]
    assert.same({ "struct_ops", "struct_ops:oxlua_cc", 0 },
      { link:info().how, link:info().point, link:info().fds })
    assert.equal(0, g.globals.inits)
    g:close()
    assert.not_matches("%f[%w_]oxlua_cc%f[^%w_]", available())
  end)

  it("registers one by a link (.struct_ops.link), and unregisters it on close #root", function()
    local g = cc_group { "oxlua_cc_link" }
    assert(g:load())
    assert.matches("%f[%w_]oxlua_cc_link%f[^%w_]", available())
    assert.equal(1, g.links[#g.links]:info().fds)
    g:close()
    assert.not_matches("oxlua_cc_link", available())
  end)

  it("says when the name is registered already, and leaves the first one registered #root", function()
    local a, b = cc_group { "oxlua_cc" }, cc_group { "oxlua_cc" }
    assert(a:load())
    local ok, err, errno = b:load()
    assert.is_nil(ok)
    assert.matches("struct_ops:oxlua_cc: registering: EEXIST %(File exists%) %(a struct_ops of that name "
      .. "is registered already%)", err)
    assert.equal(17, errno)
    b:close()
    assert.matches("%f[%w_]oxlua_cc%f[^%w_]", available())
    a:close()
    assert.not_matches("%f[%w_]oxlua_cc%f[^%w_]", available())
  end)

  it("loads a member program alone, without registering anything #root", function()
    local g = ox.group { blueprint = h.obj("cc"), versions = { ox.version { programs = { "ox_init" } } } }
    assert(g:load())
    assert.equal("struct_ops", g.programs.ox_init:info().type)
    assert.not_matches("oxlua_cc", available())
    local ok, err = pcall(g.maps[".bss"].attach, g.maps[".bss"])
    assert.is_false(ok)
    assert.matches("map '%.bss' is not a struct_ops map: only those attach", err)
    g:close()
  end)

  it("refuses a struct_ops program that is the member of no struct_ops variable #root", function()
    local g = ox.group { blueprint = h.obj("cc"), versions = { ox.version { programs = { "ox_orphan" } } } }
    local ok, err = g:load()
    assert.is_nil(ok)
    assert.matches("program 'ox_orphan' %(struct_ops%) is the member of no struct_ops variable", err)
    g:close()
  end)
end)

-- `make compat` on the corpus of real objects needs Debian's mirror and a
-- few minutes; its comparison is run here on the test objects, against the
-- same libbpf reference, so that it cannot rot.
describe("the compatibility comparison #root", function()
  it("loads every test program libbpf loads, and prints the summary line last", function()
    local ref = h.build .. "/compat/ref"
    local tmp = h.tmpdir()
    local pins = "/sys/fs/bpf/oxlua_compat_spec_" .. h.pid()
    assert(h.sh("mkdir -p " .. pins))
    local objs = h.output("ls " .. h.build .. "/bpf/*.bpf.o"):gsub("\n", " ")
    -- (the environment is kept: under the sanitizers the module needs their runtimes)
    local p = io.popen(("LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='%s/lua/?.so;;' "
      .. "lua5.4 scripts/compat/compat.lua %s %s %s docs/compat.md %s 2>&1; echo status=$?"):format(
      h.build, ref, pins, tmp, objs))
    local out = p:read("a")
    p:close()
    h.sh("rm -rf " .. pins .. " " .. tmp)
    local n, m, k = out:match("\ncompat: oxlua loads (%d+) of the (%d+) programs libbpf loads %(%+(%d+) libbpf refuses%)\nstatus=0\n$")
    assert.is_not_nil(n, out)
    assert.equal(m, n)
    assert.truthy(tonumber(m) > 30)
    assert.truthy(tonumber(k) > 0)  -- legacy 'maps' sections, which libbpf 1.x refuses
    assert.matches("\nlegacy +legacy_prog +fail +ok +libbpf: ENOTSUP", out)
    assert.matches("\npermap +count_len +fail +ok ", out)
    assert.matches("\nunsized +remember +fail +fail +both: map 'start': max_entries 0", out)
    assert.matches("\nhidden +hidden_call +ok +ok", out)
    assert.matches("\ncc +ox_init +ok +ok", out)
  end)
end)
