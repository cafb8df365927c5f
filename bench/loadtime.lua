-- loadtime.lua - load + attach time of an object with 20 tracepoint programs
-- and 10 maps of 10 types (loadtime.bpf.c): oxlua's ox.blueprint +
-- group:load() (which loads and attaches all 20) against libbpf's
-- bpf_object__open_file + bpf_object__load + bpf_program__attach of each
-- (loadtime_ref.c), measured in the same run.
--   lua5.4 bench/loadtime.lua BUILD           figures and target
--   lua5.4 bench/loadtime.lua BUILD --smoke   one run each, checks correctness only
-- Every measurement is a fresh process timing itself (process start, and
-- loading the oxlua module, are not counted): load = from opening the object
-- until every program is attached; detach = closing the links and the object
-- (group:close()), timed separately, since closing tracepoint perf events
-- waits for RCU grace periods. The processes alternate (oxlua, libbpf, ...),
-- after one unmeasured warm-up of each; the medians are compared.
-- Environment: LOADTIME_REPEAT (runs of each, default 9).
--
-- The same file is oxlua's measuring process, run as a policy:
--   oxlua run bench/loadtime.lua --measure OBJ
-- It prints one line: result progs= links= maps= hits= load= detach=

local function measure(obj)
  local ox = require "oxlua"
  local now = ox.core.now

  local t0 = now()
  local bp = assert(ox.blueprint(obj))
  local programs = {}
  for name in pairs(bp.programs) do programs[#programs + 1] = ox.program(name, { "" }) end
  local g = ox.group { blueprint = bp, versions = { ox.version { name = "all", programs = programs } } }
  local ok, err = g:load()
  local t1 = now()
  if not ok then
    io.stderr:write(err, "\n")
    os.exit(1)
  end

  -- The programs run: openat, read and close (slots 0, 1, 3) count calls.
  local nlinks, nmaps = #g.links, 0
  for _ in pairs(g.maps) do nmaps = nmaps + 1 end
  local hits, before = g.maps.hits, {}
  for _, k in ipairs { 0, 1, 3 } do before[k] = hits:get(k) end
  local f = assert(io.open("/proc/self/stat"))
  f:read("a")
  f:close()
  local moved = 0
  for _, k in ipairs { 0, 1, 3 } do
    if hits:get(k) > before[k] then moved = moved + 1 end
  end

  local t2 = now()
  g:close()
  local t3 = now()
  print(("result progs=%d links=%d maps=%d hits=%d load=%.6f detach=%.6f"):format(#programs,
    nlinks, nmaps, moved, t1 - t0, t3 - t2))
end

if arg[1] == "--measure" then
  measure(arg[2])
  return
end

---------------------------------------------------------------------------
-- The driver.

local build = arg[1] or "build"
local smoke = arg[2] == "--smoke"
local REPEAT = tonumber(os.getenv("LOADTIME_REPEAT")) or (smoke and 1 or 9)
local TARGET = 1.1 -- oxlua's load + attach time at most 1.1x libbpf's
local PROGS, MAPS = 20, 10

local obj = build .. "/bench/loadtime.bpf.o"
local runners = {
  { key = "ox", name = "oxlua: ox.blueprint + group:load()",
    cmd = ("%s/oxlua run bench/loadtime.lua --measure %s"):format(build, obj) },
  { key = "ref", name = "libbpf: open_file + load + attach each",
    cmd = ("%s/bench/loadtime_ref %s"):format(build, obj) },
}

local failures = 0
local function fail(fmt, ...)
  failures = failures + 1
  io.stderr:write("loadtime: FAIL ", fmt:format(...), "\n")
end

local function run_once(c)
  local p = io.popen(c.cmd .. " 2>&1")
  local out = p:read("a")
  local ok = p:close()
  local line = out:match("result ([^\n]*)")
  if not ok or not line then
    fail("%s: the process failed:\n%s", c.key, out)
    return nil
  end
  local r, failures0 = {}, failures
  for k, v in line:gmatch("(%w+)=([%d.]+)") do r[k] = tonumber(v) end
  if r.progs ~= PROGS then fail("%s: %d programs, expected %d", c.key, r.progs, PROGS) end
  if r.maps ~= MAPS then fail("%s: %d maps, expected %d", c.key, r.maps, MAPS) end
  if r.links ~= PROGS then fail("%s: %d programs attached, expected %d", c.key, r.links, PROGS) end
  if r.hits ~= 3 then fail("%s: %d of 3 probed programs (openat, read, close) ran", c.key, r.hits) end
  if failures ~= failures0 then return nil end
  return r
end

local function median(t)
  local s = {}
  for i, v in ipairs(t) do s[i] = v end
  table.sort(s)
  if #s == 0 then return nil end
  if #s % 2 == 1 then return s[(#s + 1) // 2] end
  return (s[#s // 2] + s[#s // 2 + 1]) / 2
end

local runs = { ox = { load = {}, detach = {} }, ref = { load = {}, detach = {} } }
if not smoke then
  for _, c in ipairs(runners) do run_once(c) end -- warm-up, not counted
end
for _ = 1, REPEAT do
  for _, c in ipairs(runners) do
    local r = run_once(c)
    if r then
      table.insert(runs[c.key].load, r.load)
      table.insert(runs[c.key].detach, r.detach)
    end
  end
end

print(("loadtime: %s, %d programs + %d maps, %d fresh process(es) each%s"):format(obj, PROGS, MAPS,
  REPEAT, REPEAT > 1 and ", medians" or ""))
if smoke then
  for _, c in ipairs(runners) do
    print(("  %-40s %d of %d run(s) ok"):format(c.name, #runs[c.key].load, REPEAT))
  end
  if failures > 0 then
    print(("\nloadtime-smoke: %d check(s) failed"):format(failures))
    os.exit(1)
  end
  print("\nloadtime-smoke: every program attached and ran, in both loaders")
  os.exit(0)
end

print(("\n  %-40s %14s %14s %14s %14s"):format("loader", "load+attach ms", "(min)", "detach ms", "(min)"))
local med = {}
for _, c in ipairs(runners) do
  local l, d = runs[c.key].load, runs[c.key].detach
  med[c.key] = { load = median(l), detach = median(d) }
  if med[c.key].load then
    print(("  %-40s %14.2f %14.2f %14.2f %14.2f"):format(c.name, med[c.key].load * 1e3,
      math.min(table.unpack(l)) * 1e3, med[c.key].detach * 1e3, math.min(table.unpack(d)) * 1e3))
  end
end

local met, total = 0, 1
print("\ntargets")
local ox, ref = med.ox, med.ref
if ox.load and ref.load and failures == 0 then
  local ratio = ox.load / ref.load
  local ok = ratio <= TARGET
  if ok then met = met + 1 end
  print(("  load+attach: oxlua %.2f ms vs libbpf %.2f ms, ratio %.2fx, target <= %.1fx: %s")
    :format(ox.load * 1e3, ref.load * 1e3, ratio, TARGET, ok and "met" or "NOT met"))
  print(("  detach (informational): oxlua %.2f ms vs libbpf %.2f ms, ratio %.2fx")
    :format(ox.detach * 1e3, ref.detach * 1e3, ox.detach / ref.detach))
else
  print("  load+attach: missing or invalid figures: NOT met")
end
print(("\ncase-targets %d %d"):format(met, total))
if failures > 0 then os.exit(1) end
