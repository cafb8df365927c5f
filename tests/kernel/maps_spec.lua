-- Maps from Lua: keys and values as integers, strings and BTF tables;
-- get/set/delete/pairs, batch dump and update, errors. Needs root.
local ox = require "oxlua"
local h = require "support.helpers"

describe("maps #root", function()
  local g, legacy

  setup(function()
    g = ox.group { blueprint = h.obj("kitchen"), versions = { ox.version {
      programs = { "tc_count", "xdp_main" } } } }
    assert(g:load())
    legacy = ox.group { blueprint = h.obj("legacy"), versions = { ox.version { programs = { "legacy_prog" } } } }
    assert(legacy:load())
  end)
  teardown(function()
    g:close()
    legacy:close()
  end)

  it("takes and returns 1/2/4/8-byte keys and values as integers", function()
    local m = legacy.maps.legacy_hash -- 8-byte key, 4-byte value, no BTF types
    assert.is_true(m:set(-1, 0xffffffff))
    assert.equal(0xffffffff, m:get(-1))
    assert.is_true(m:set(1 << 40, 5))
    assert.equal(5, m:get(1 << 40))
  end)

  it("takes other sizes as byte strings of exactly that size", function()
    local m = g.maps.stats_by_proto -- value: struct stats (16 bytes)
    assert.is_true(m:set(77, string.pack("<I8I8", 3, 4)))
    assert.same({ packets = 3, bytes = 4 }, m:get(77))
  end)

  it("takes and returns BTF structs as tables by field name", function()
    local m = g.maps.stats_by_proto
    assert.is_true(m:set(78, { packets = 10 }))
    assert.same({ packets = 10, bytes = 0 }, m:get(78))
    assert.is_true(g.maps.flows:set({ addr = 9, port = 80, proto = 6 }, 42))
    assert.equal(42, g.maps.flows:get { addr = 9, port = 80, proto = 6 })
  end)

  it("returns nil for absent keys and false when deleting them", function()
    assert.is_nil(g.maps.stats_by_proto:get(12345))
    assert.is_false(g.maps.stats_by_proto:delete(12345))
    assert.is_true(g.maps.stats_by_proto:set(12345, {}))
    assert.is_true(g.maps.stats_by_proto:delete(12345))
  end)

  it("honours update flags with errno-named errors", function()
    local m = g.maps.stats_by_proto
    assert.is_true(m:set(500, {}, "noexist"))
    local ok, err, errno = m:set(500, {}, "noexist")
    assert.is_nil(ok)
    assert.equal("map 'stats_by_proto': update: EEXIST (File exists)", err)
    assert.equal(17, errno)
    ok, err = m:set(501, {}, "exist")
    assert.is_nil(ok)
    assert.matches("ENOENT", err)
  end)

  it("reports a full map with E2BIG", function()
    local m = legacy.maps.legacy_counts -- array of 4
    local ok, err = m:set(4, 1)
    assert.is_nil(ok)
    assert.equal("map 'legacy_counts': update: E2BIG (Argument list too long)", err)
  end)

  it("raises for keys and values that do not fit", function()
    assert.has_error(function() legacy.maps.legacy_counts:set(1 << 33, 1) end,
      "map 'legacy_counts': key: 8589934592 does not fit 4 bytes")
    assert.has_error(function() legacy.maps.legacy_counts:set("abc", 1) end,
      "map 'legacy_counts': key: string of 3 bytes, expected 4")
    assert.has_error(function() legacy.maps.legacy_counts:set(0, { a = 1 }) end,
      "map 'legacy_counts': value: table cannot be stored in 8 bytes without a BTF type")
    assert.has_error(function() g.maps.stats_by_proto:set(1, { nope = 1 }) end)
  end)

  it("iterates with pairs", function()
    local m = legacy.maps.legacy_hash
    for k in m:pairs() do m:delete(k) end
    local want = { [1] = 10, [2] = 20, [3] = 30 }
    for k, v in pairs(want) do m:set(k, v) end
    local got = {}
    for k, v in m:pairs() do got[k] = v end
    assert.same(want, got)
  end)

  it("dumps and updates in batches", function()
    local m = legacy.maps.legacy_hash
    for k in m:pairs() do m:delete(k) end
    local want = {}
    for i = 1, 16 do want[i * 1000] = i end
    assert.equal(16, m:set_many(want))
    local got, how = m:dump()
    assert.equal("batch", how)
    assert.same(want, got)
    local arr, how2 = legacy.maps.legacy_counts:dump()
    assert.equal(4, #arr + (arr[0] and 1 or 0))
    assert.truthy(how2 == "batch" or how2 == "iterate")
  end)

  it("writes per-CPU maps with one value or one per CPU", function()
    local m = g.maps.percpu_hits
    local n = ox.core.possible_cpus()
    assert.is_true(m:set(0, 7))
    local v = m:get(0)
    assert.equal(n, #v)
    for i = 1, n do assert.equal(7, v[i]) end
    local each = {}
    for i = 1, n do each[i] = i * 10 end
    assert.is_true(m:set(0, each))
    assert.same(each, m:get(0))
    assert.has_error(function() m:set(0, { 1, 2, 3, 4, 5, 6, 7, 8, 9 }) end)
  end)

  it("describes itself", function()
    local info = g.maps.stats_by_proto:info()
    assert.same({ "stats_by_proto", "hash", 4, 16, 128 }, { info.name, info.type, info.key_size,
      info.value_size, info.max_entries })
    assert.truthy(info.id > 0)
    assert.matches("oxlua.map %(stats_by_proto%)", tostring(g.maps.stats_by_proto))
  end)
end)
