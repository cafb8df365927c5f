-- mapops.lua - map operations from Lua against the same operations in C
-- through libbpf, on the same maps (mapops.bpf.o: a hash and an array map,
-- u32 keys, u64 values, BTF-typed; both sized to N entries).
--   lua5.4 bench/mapops.lua BUILD           figures, ratios, targets
--   lua5.4 bench/mapops.lua BUILD --smoke   small counts, checks values only
-- Environment: MAPOPS_N (entries, default 100000), MAPOPS_REPEAT (rounds,
-- default 5; the median round of each operation is shown).
--
-- Each round, on each map: N x map:set(k, v), N x map:get(k), one
-- map:pairs() walk, one map:dump() and one map:set_many(t) of N entries;
-- the reference (mapops_ref.c) does bpf_map_update_elem, bpf_map_lookup_elem,
-- bpf_map_get_next_key + bpf_map_lookup_elem, bpf_map_lookup_batch (chunks
-- of 4096 keys, as map:dump() uses) and bpf_map_update_batch. Inputs of the
-- batch update are built before the clock starts on both sides; every value
-- read is checked (Lua: after the clock for dump, during it elsewhere).
local build = arg[1] or "build"
local mode = arg[2]
local smoke = mode == "--smoke"
local N = tonumber(os.getenv("MAPOPS_N")) or (smoke and 2000 or 100000)
local REPEAT = tonumber(os.getenv("MAPOPS_REPEAT")) or (smoke and 1 or 5)
local MUL = 0x100000001
local OBJ = build .. "/bench/mapops.bpf.o"
local MAPS = { "hash", "array" }
local OPS = { "set", "get", "pairs", "dump", "set_many" }
local TARGET = 0.7

---------------------------------------------------------------------------
-- The oxlua side, run as its own process: lua5.4 bench/mapops.lua BUILD --worker

local function report(map, op, round, n, seconds, bad)
  io.write(("result map=%s op=%s round=%d n=%d seconds=%.9f bad=%d\n"):format(map, op, round, n,
    seconds, bad))
end

local function worker()
  local ox = require "oxlua"
  local now = ox.core.now
  local bp = assert(ox.blueprint(OBJ))
  local group = ox.group {
    blueprint = bp,
    versions = { ox.version {
      name = "maps", programs = { ox.program("touch") },
      maps = { hash = { max_entries = N }, array = { max_entries = N } },
    } },
  }
  assert(group:load())
  for _, name in ipairs(MAPS) do
    local m = group.maps[name]
    for r = 0, REPEAT - 1 do
      local bad, seen = 0, 0
      local t = now()
      for k = 0, N - 1 do
        if not m:set(k, k * MUL + r) then bad = bad + 1 end
      end
      report(name, "set", r, N, now() - t, bad)

      bad = 0
      t = now()
      for k = 0, N - 1 do
        if m:get(k) ~= k * MUL + r then bad = bad + 1 end
      end
      report(name, "get", r, N, now() - t, bad)

      bad = 0
      t = now()
      for k, v in m:pairs() do
        if k >= N or v ~= k * MUL + r then bad = bad + 1 end
        seen = seen + 1
      end
      local s = now() - t
      if seen ~= N then bad = bad + 1 end
      report(name, "pairs", r, seen, s, bad)

      bad, seen = 0, 0
      t = now()
      local all, how = m:dump()
      s = now() - t
      for k, v in pairs(all) do
        if k >= N or v ~= k * MUL + r then bad = bad + 1 end
        seen = seen + 1
      end
      if seen ~= N or how ~= "batch" then bad = bad + 1 end
      report(name, "dump", r, seen, s, bad)
      all = nil

      local input = {}
      for k = 0, N - 1 do input[k] = k * MUL + r + 1 end
      bad = 0
      t = now()
      if m:set_many(input) ~= N then bad = 1 end
      s = now() - t
      for k = 0, N - 1, 997 do
        if m:get(k) ~= k * MUL + r + 1 then bad = bad + 1 end
      end
      report(name, "set_many", r, N, s, bad)
      input = nil
      collectgarbage()
    end
  end
  group:close()
end

if mode == "--worker" then
  worker()
  os.exit(0)
end

---------------------------------------------------------------------------
-- The driver.

local failures = 0
local function fail(fmt, ...)
  failures = failures + 1
  io.stderr:write("mapops: FAIL ", fmt:format(...), "\n")
end

local function sh_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

-- Runs a side; results[map][op] = list of rounds { n =, seconds =, bad = }.
local function run_side(label, cmd)
  local p = io.popen(cmd .. " 2>&1")
  local out = p:read("a")
  local ok = p:close()
  local res = {}
  for line in out:gmatch("result ([^\n]*)") do
    local r = {}
    for k, v in line:gmatch("(%w+)=([%w_.]+)") do r[k] = tonumber(v) or v end
    res[r.map] = res[r.map] or {}
    res[r.map][r.op] = res[r.map][r.op] or {}
    table.insert(res[r.map][r.op], r)
  end
  if not ok then fail("%s failed:\n%s", label, out) end
  for _, map in ipairs(MAPS) do
    for _, op in ipairs(OPS) do
      local rounds = res[map] and res[map][op] or {}
      if #rounds ~= REPEAT then
        fail("%s: %s/%s: %d rounds reported, expected %d", label, map, op, #rounds, REPEAT)
      end
      for _, r in ipairs(rounds) do
        if r.bad ~= 0 then fail("%s: %s/%s round %d: %d wrong values", label, map, op, r.round, r.bad) end
        if r.n ~= N then fail("%s: %s/%s round %d: %d entries, expected %d", label, map, op, r.round, r.n, N) end
      end
    end
    local extra = res[map] and res[map].set_many_check
    if extra then fail("%s: %s: batch update stored wrong values", label, map) end
  end
  return res
end

local function median_rate(rounds)
  if not rounds or #rounds == 0 then return nil end
  local rates = {}
  for i, r in ipairs(rounds) do rates[i] = r.seconds > 0 and r.n / r.seconds or 0 end
  table.sort(rates)
  return rates[(#rates + 1) // 2]
end

local lua_env = ("MAPOPS_N=%d MAPOPS_REPEAT=%d LUA_PATH=%s LUA_CPATH=%s"):format(N, REPEAT,sh_quote("./lua/?.lua;./lua/?/init.lua;;"),
  sh_quote(build .. "/lua/?.so;;"))
local ox = run_side("oxlua", ("%s lua5.4 bench/mapops.lua %s --worker"):format(lua_env, sh_quote(build)))
local ref = run_side("libbpf", ("%s/bench/mapops_ref %s %d %d"):format(build, OBJ, N, REPEAT))

print(("mapops: map operations, %d entries (u32 key, u64 value), %d round(s)%s"):format(N, REPEAT,
  REPEAT > 1 and ", median round shown" or ""))
if smoke then
  for _, map in ipairs(MAPS) do
    for _, op in ipairs(OPS) do
      print(("  %-6s %-9s oxlua %s  libbpf %s"):format(map, op,
        ox[map] and ox[map][op] and "ok" or "missing", ref[map] and ref[map][op] and "ok" or "missing"))
    end
  end
  if failures > 0 then
    print(("mapops-smoke: %d check(s) failed"):format(failures))
    os.exit(1)
  end
  print("mapops-smoke: every operation stored and read back the expected values on both sides")
  os.exit(0)
end

local C_CALL = { set = "bpf_map_update_elem", get = "bpf_map_lookup_elem",
  pairs = "get_next_key + lookup_elem", dump = "bpf_map_lookup_batch", set_many = "bpf_map_update_batch" }
print(("\n  %-6s %-19s %-28s %12s %12s %7s  %s"):format("map", "oxlua", "libbpf", "oxlua ops/s",
  "libbpf ops/s", "ratio", "target"))
local met, total = 0, 0
for _, map in ipairs(MAPS) do
  for _, op in ipairs(OPS) do
    total = total + 1
    local a, b = median_rate(ox[map] and ox[map][op]), median_rate(ref[map] and ref[map][op])
    local label = ("map:%s"):format(op == "pairs" and "pairs()" or op)
    if not a or not b then
      print(("  %-6s %-19s %-28s missing figures: NOT met"):format(map, label, C_CALL[op]))
    else
      local ratio = a / b
      local ok = ratio >= TARGET
      if ok then met = met + 1 end
      print(("  %-6s %-19s %-28s %12.0f %12.0f %6.2fx  >= %.1fx %s"):format(map, label, C_CALL[op], a, b,
        ratio, TARGET, ok and "met" or "NOT met"))
    end
  end
end
print(("\nmapops: %d of %d targets met"):format(met, total))
print(("case-targets %d %d"):format(met, total))
if failures > 0 then os.exit(1) end
