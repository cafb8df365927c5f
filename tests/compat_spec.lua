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
