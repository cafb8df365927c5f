-- run.lua - the throughput benchmarks: oxlua's perf and ring buffer readers
-- against libbpf's, measured side by side in one run.
--   lua5.4 bench/run.lua BUILD           figures, ratios, targets (make bench)
--   lua5.4 bench/run.lua BUILD --smoke   small counts, checks counts only
-- Environment: BENCH_N (records per run, default 1000000), BENCH_REPEAT
-- (runs per configuration, the median by events/s is shown; default 3),
-- BENCH_PAGES (perf ring pages per CPU for every consumer, default 64).
local build = arg[1] or "build"
local smoke = arg[2] == "--smoke"
local N = tonumber(os.getenv("BENCH_N")) or (smoke and 20000 or 1000000)
local REPEAT = tonumber(os.getenv("BENCH_REPEAT")) or (smoke and 1 or 3)
local PAGES = tonumber(os.getenv("BENCH_PAGES")) or 64

local obj = build .. "/bench/bench.bpf.o"
local producer = build .. "/bench/producer"

local configs = {
  { case = "perf", name = "libbpf perf_buffer, defaults (wakeup per record)", key = "ref-default",
    cmd = ("%s/bench/ref %s %s perf-default %d %d"):format(build, obj, producer, N, PAGES) },
  { case = "perf", name = "libbpf perf_buffer, wakeup_events 64", key = "ref-batch",
    cmd = ("%s/bench/ref %s %s perf-batch %d %d 64"):format(build, obj, producer, N, PAGES) },
  { case = "perf", name = "oxlua, Lua handler + string.unpack", key = "ox-lua",
    cmd = ("%s/oxlua run bench/consume.lua %s %s perf lua %d %d"):format(build, obj, producer, N, PAGES) },
  { case = "perf", name = 'oxlua, decode = "struct event"', key = "ox-struct",
    cmd = ("%s/oxlua run bench/consume.lua %s %s perf struct %d %d"):format(build, obj, producer, N, PAGES) },
  { case = "ring", name = "libbpf ring_buffer", key = "ref-ring",
    cmd = ("%s/bench/ref %s %s ring %d %d"):format(build, obj, producer, N, PAGES) },
  { case = "ring", name = "oxlua, Lua handler + string.unpack", key = "ox-lua",
    cmd = ("%s/oxlua run bench/consume.lua %s %s ring lua %d %d"):format(build, obj, producer, N, PAGES) },
  { case = "ring", name = 'oxlua, decode = "struct event"', key = "ox-struct",
    cmd = ("%s/oxlua run bench/consume.lua %s %s ring struct %d %d"):format(build, obj, producer, N, PAGES) },
}

local failures = 0
local function fail(fmt, ...)
  failures = failures + 1
  io.stderr:write("bench: FAIL ", fmt:format(...), "\n")
end

-- One run of a consumer: its result line as a table, or nil.
local function run_once(c)
  local p = io.popen(c.cmd .. " 2>&1")
  local out = p:read("a")
  local ok = p:close()
  local line = out:match("result ([^\n]*)")
  if not ok or not line then
    fail("%s/%s: the consumer failed:\n%s", c.case, c.key, out)
    return nil
  end
  local r, failures0 = {}, failures
  for k, v in line:gmatch("(%w+)=([%d.]+)") do r[k] = tonumber(v) end
  r.rate = r.window / r.wall
  r.cpu_per_event = r.window > 0 and r.cpu / r.window or 0
  -- Correctness, in every mode: every record produced was received or
  -- counted lost; every record decoded to the producer's pid.
  if r.received + r.lost ~= r.produced then
    fail("%s/%s: received %d + lost %d ~= produced %d", c.case, c.key, r.received, r.lost, r.produced)
  end
  if r.produced < N then fail("%s/%s: produced %d < %d", c.case, c.key, r.produced, N) end
  if c.case == "ring" and r.lost == 0 and r.received ~= r.produced then
    fail("%s/%s: no drops but received %d ~= produced %d", c.case, c.key, r.received, r.produced)
  end
  if r.bad ~= 0 then fail("%s/%s: %d records did not decode to the producer", c.case, c.key, r.bad) end
  r.ok = failures == failures0
  return r
end

local results = { perf = {}, ring = {} }
for _, c in ipairs(configs) do
  local runs, lost_any = {}, 0
  for _ = 1, REPEAT do
    local r = run_once(c)
    if r then
      runs[#runs + 1] = r
      lost_any = lost_any + r.lost
    end
  end
  if #runs > 0 then
    table.sort(runs, function(a, b) return a.rate < b.rate end)
    local m = runs[(#runs + 1) // 2]
    m.lost_any, m.runs, m.name = lost_any, #runs, c.name
    results[c.case][c.key] = m
  end
end

local function row(r)
  if smoke then
    return ("  %-50s produced %8d  received %8d  lost %8d  %s"):format(r.name, r.produced, r.received,
      r.lost, r.ok and "ok" or "MISMATCH")
  end
  return ("  %-50s %8d %8d %8d %9d %7.3f %10.0f %9.3f"):format(r.name, r.produced, r.received,
    r.lost, r.lost_any, r.wall, r.rate, r.cpu_per_event * 1e6)
end

local titles = { perf = "perf buffer", ring = "ring buffer" }
print(("bench: %d records per run, %d run(s) per configuration%s, perf rings of %d pages per CPU")
  :format(N, REPEAT, REPEAT > 1 and " (median by events/s shown)" or "", PAGES))
for _, case in ipairs { "perf", "ring" } do
  print(("\n%s throughput"):format(titles[case]))
  if not smoke then
    print(("  %-50s %8s %8s %8s %9s %7s %10s %9s"):format("consumer", "produced", "received", "lost",
      "lost(all)", "wall s", "events/s", "cpu us/ev"))
  end
  for _, c in ipairs(configs) do
    local r = c.case == case and results[case][c.key]
    if r then print(row(r)) end
  end
end

-- The other cases, each its own script: latency, load time, memory, map
-- operations. Each prints its block and ends with "case-targets M T".
local CASES = { "latency", "loadtime", "memory", "mapops" }
local case_met, case_total = 0, 0
local function run_cases()
  for _, name in ipairs(CASES) do
    print(("\n== %s"):format(name))
    io.stdout:flush()
    local p = io.popen(("lua5.4 bench/%s.lua %s%s 2>&1"):format(name, build, smoke and " --smoke" or ""))
    local out = p:read("a")
    local ok = p:close()
    io.stdout:write(out)
    local m, t = out:match("case%-targets (%d+) (%d+)")
    if not ok then fail("%s: the case failed", name) end
    if not smoke then
      if m then
        case_met, case_total = case_met + tonumber(m), case_total + tonumber(t)
      else
        fail("%s: no case-targets line", name)
      end
    end
  end
end

if smoke then
  run_cases()
  if failures > 0 then
    print(("\nbench-smoke: %d check(s) failed"):format(failures))
    os.exit(1)
  end
  print("\nbench-smoke: counts consistent in every configuration")
  os.exit(0)
end

-- Targets: oxlua's events/s against the reference, with the ratio.
local met, total = 0, 0
local function target(label, ox, ref, want, loss_rule)
  total = total + 1
  if not ox or not ref then
    print(("  %-62s missing figures: NOT met"):format(label))
    return
  end
  local ratio = ox.rate / ref.rate
  local ok = ratio >= want
  local why = ""
  if loss_rule and ref.lost_any == 0 and ox.lost_any > 0 then
    ok, why = false, (" (oxlua lost %d where libbpf lost none)"):format(ox.lost_any)
  end
  if ok then met = met + 1 end
  print(("  %-62s oxlua %9.0f/s  libbpf %9.0f/s  ratio %5.2fx  target >= %.1fx: %s%s")
    :format(label, ox.rate, ref.rate, ratio, want, ok and "met" or "NOT met", why))
end

local P, R = results.perf, results.ring
local fastest = P["ref-default"]
if P["ref-batch"] and (not fastest or P["ref-batch"].rate > fastest.rate) then fastest = P["ref-batch"] end
print("\ntargets")
for _, k in ipairs { "ox-lua", "ox-struct" } do
  local name = P[k] and P[k].name or k
  target("perf: " .. name .. " vs fastest libbpf", P[k], fastest, 0.9, true)
  target("perf: " .. name .. " vs libbpf defaults", P[k], P["ref-default"], 5.0, false)
end
for _, k in ipairs { "ox-lua", "ox-struct" } do
  local name = R[k] and R[k].name or k
  target("ring: " .. name .. " vs libbpf ring_buffer", R[k], R["ref-ring"], 0.9, true)
end
run_cases()
met, total = met + case_met, total + case_total
print(("\nbench: %d of %d targets met"):format(met, total))
if failures > 0 then os.exit(1) end
