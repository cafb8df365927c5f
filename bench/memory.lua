-- memory.lua - resident memory of the default policy, idle, against the same
-- exec monitor on libbpf (execmon_ref.c) and a bpftrace one-liner.
--   lua5.4 bench/memory.lua BUILD           figures, ratios, targets
--   lua5.4 bench/memory.lua BUILD --smoke   checks every monitor reports execs
-- Each monitor is started, left ~2 s after it has attached, then VmRSS
-- (/proc/PID/status) and Pss (/proc/PID/smaps_rollup) are read; then a
-- known command is exec'd and the monitor must print it (all modes). The
-- oxlua figure is broken down by mapping (/proc/PID/smaps), and measured a
-- second time with glibc's mmap threshold pinned, which shows how much of
-- its heap is memory freed after loading but kept by malloc.
-- Environment: MEMORY_SETTLE (seconds after attach, default 2).
local build = arg[1] or "build"
local smoke = arg[2] == "--smoke"
local SETTLE = tonumber(os.getenv("MEMORY_SETTLE")) or (smoke and 0.5 or 2)
local KIB = 1024
local TARGET_KIB = 4 * KIB
local TARGET_FRACTION = 1 / 20

local failures = 0
local function fail(fmt, ...)
  failures = failures + 1
  io.stderr:write("memory: FAIL ", fmt:format(...), "\n")
end

local function sh_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
local function sleep(s) os.execute(("sleep %.2f"):format(s)) end

local function read_all(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function alive(pid) return read_all(("/proc/%d/status"):format(pid)) ~= nil end

local tmp = os.tmpname()
os.remove(tmp)
os.execute("mkdir -p " .. sh_quote(tmp))

-- Starts cmd in the background (stdout and stderr to files); returns its pid.
local function start(name, cmd, env)
  local out, err = ("%s/%s.out"):format(tmp, name), ("%s/%s.err"):format(tmp, name)
  local p = io.popen(("sh -c %s"):format(sh_quote(("%s exec %s >%s 2>%s & echo $!"):format(env or "",
    cmd, sh_quote(out), sh_quote(err)))))
  local pid = tonumber(p:read("l"))
  p:close()
  return { name = name, pid = pid, out = out, err = err }
end

local function stop(m)
  if m.pid and alive(m.pid) then
    os.execute(("kill -INT %d 2>/dev/null"):format(m.pid))
    for _ = 1, 50 do
      if not alive(m.pid) then break end
      sleep(0.1)
    end
    if alive(m.pid) then os.execute(("kill -KILL %d 2>/dev/null"):format(m.pid)) end
  end
end

-- Waits until text appears in the monitor's stdout or stderr (each poll
-- execs a sleep, which the monitors see: poll slowly).
local function wait_for(m, text, seconds)
  for _ = 1, math.ceil(seconds / 0.2) do
    local s = (read_all(m.out) or "") .. (read_all(m.err) or "")
    if s:find(text, 1, true) then return true end
    if not alive(m.pid) then return false end
    sleep(0.2)
  end
  return false
end

local function kib(text, field)
  return tonumber(text and text:match(field .. ":%s+(%d+) kB"))
end

local function measure(m)
  local status = read_all(("/proc/%d/status"):format(m.pid))
  local rollup = read_all(("/proc/%d/smaps_rollup"):format(m.pid))
  m.rss, m.hwm = kib(status, "VmRSS"), kib(status, "VmHWM")
  m.pss = kib(rollup, "Pss")
  m.anon = kib(rollup, "Pss_Anon")
end

-- RSS by kind of mapping, from /proc/PID/smaps.
local function breakdown(pid, exe)
  local groups, order = {}, {}
  local cur
  local function add(name, kb)
    if not groups[name] then groups[name] = 0; order[#order + 1] = name end
    groups[name] = groups[name] + kb
  end
  for line in (read_all(("/proc/%d/smaps"):format(pid)) or ""):gmatch("[^\n]+") do
    local path = line:match("^%x+%-%x+ %S+ %x+ %S+ %d+%s*(.*)$")
    if path then
      if path == "[heap]" then cur = "heap (malloc, brk)"
      elseif path == "[stack]" then cur = "stack"
      elseif path:find("perf_event") then cur = "perf rings (mmap of perf events)"
      elseif path:find("bpf") and path:find("anon_inode") then cur = "BPF map mmaps"
      elseif path == exe then cur = "the binary (code, embedded Lua and BPF object)"
      elseif path:find("%.so") then cur = "shared libraries: " .. path:match("([^/]+)%.so")
      elseif path == "" then cur = "anonymous mmaps (large mallocs, Lua)"
      else cur = path end
    else
      local kb = line:match("^Rss:%s+(%d+) kB")
      if kb and cur then add(cur, tonumber(kb)) end
    end
  end
  table.sort(order, function(a, b) return groups[a] > groups[b] end)
  return groups, order
end

local function realpath(p)
  local h = io.popen("readlink -f " .. sh_quote(p))
  local s = h:read("l")
  h:close()
  return s
end

-- A command whose exec every monitor must report.
local marker = ("%s/oxlua-memory-%d"):format(tmp, os.time() % 100000)
os.execute(("cp /bin/true %s"):format(sh_quote(marker)))
local marker_name = marker:match("[^/]+$")
local function exec_marker()
  for _ = 1, 3 do os.execute(sh_quote(marker)) end
end

local monitors = {
  { name = "oxlua", label = "oxlua run (default policy)", cmd = build .. "/oxlua run",
    ready = "using version" },
  { name = "libbpf", label = "libbpf exec monitor (execmon_ref)",
    cmd = ("%s/bench/execmon_ref %s/bpf/execmon.bpf.o"):format(build, build), ready = "attached" },
}
local have_bpftrace = os.execute("command -v bpftrace >/dev/null 2>&1")
if not smoke then
  monitors[#monitors + 1] = { name = "oxlua-pinned", label = "oxlua run, malloc mmap threshold 128 KiB",
    cmd = build .. "/oxlua run", ready = "using version",
    env = "GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072", diagnostic = true }
  if have_bpftrace then
    monitors[#monitors + 1] = { name = "bpftrace", label = "bpftrace one-liner",
      cmd = [[bpftrace -B line -e 'tracepoint:syscalls:sys_enter_execve { printf("%d %s\n", pid, str(args->filename)); }']],
      ready = "Attaching" }
  end
end

local exe = realpath(build .. "/oxlua")
for _, m in ipairs(monitors) do
  local h = start(m.name, m.cmd, m.env)
  for k, v in pairs(h) do m[k] = v end
  if not m.pid or not wait_for(m, m.ready, 60) then
    fail("%s did not attach:\n%s%s", m.label, read_all(m.err) or "", read_all(m.out) or "")
  else
    sleep(SETTLE)
    if not alive(m.pid) then
      fail("%s exited:\n%s", m.label, read_all(m.err) or "")
    else
      measure(m)
      if m.name == "oxlua" then m.groups, m.order = breakdown(m.pid, exe) end
      exec_marker()
      m.saw = wait_for(m, marker_name, 10)
      if not m.saw then
        fail("%s did not report the exec of %s:\n%s", m.label, marker_name, read_all(m.out) or "")
      end
    end
  end
  stop(m)
end
os.remove(marker)
for _, m in ipairs(monitors) do
  os.remove(m.out or "")
  os.remove(m.err or "")
end
os.remove(tmp)

local by = {}
for _, m in ipairs(monitors) do by[m.name] = m end

print("memory: exec monitors, idle, resident memory after attaching")
if smoke then
  for _, m in ipairs(monitors) do
    print(("  %-44s %s"):format(m.label, m.saw and "attached, reported the test exec" or "FAILED"))
  end
  if failures > 0 then
    print(("memory-smoke: %d check(s) failed"):format(failures))
    os.exit(1)
  end
  print("memory-smoke: every monitor attached and reported the exec")
  os.exit(0)
end

local function mib(k) return k and ("%7.2f MiB"):format(k / KIB) or "        -  " end
print(("\n  %-44s %11s %11s %11s %11s"):format("monitor", "VmRSS", "Pss", "Pss anon", "peak (HWM)"))
for _, m in ipairs(monitors) do
  print(("  %-44s %11s %11s %11s %11s%s"):format(m.label, mib(m.rss), mib(m.pss), mib(m.anon), mib(m.hwm),
    m.diagnostic and "  (diagnostic)" or ""))
end
if not have_bpftrace then print("  bpftrace: not installed (make bench installs it)") end

local ox = by.oxlua
if ox and ox.groups then
  print("\n  oxlua's resident memory by mapping (/proc/PID/smaps)")
  for i, name in ipairs(ox.order) do
    if i > 8 then break end
    print(("    %-52s %8d KiB"):format(name, ox.groups[name]))
  end
end

print("\ntargets")
local met, total = 0, 0
local function target(label, ok, detail)
  total = total + 1
  if ok then met = met + 1 end
  print(("  %-44s %s  %s"):format(label, detail, ok and "met" or "NOT met"))
end
if ox and ox.rss then
  target("oxlua VmRSS <= 4 MiB", ox.rss <= TARGET_KIB, ("%.2f MiB vs 4.00 MiB"):format(ox.rss / KIB))
else
  target("oxlua VmRSS <= 4 MiB", false, "no figure")
end
local bt = by.bpftrace
if ox and ox.rss and bt and bt.rss then
  target("oxlua VmRSS <= 1/20 of bpftrace's", ox.rss <= bt.rss * TARGET_FRACTION,
    ("%.2f MiB vs %.2f MiB: 1/%.1f (ratio %.3f, target <= 0.050)"):format(ox.rss / KIB, bt.rss / KIB,
      bt.rss / ox.rss, ox.rss / bt.rss))
else
  target("oxlua VmRSS <= 1/20 of bpftrace's", false, "no bpftrace figure")
end
local ref = by.libbpf
if ox and ox.rss and ref and ref.rss then
  print(("  (no target) oxlua vs the libbpf monitor: %.2f MiB vs %.2f MiB, ratio %.2fx")
    :format(ox.rss / KIB, ref.rss / KIB, ox.rss / ref.rss))
end
local pin = by["oxlua-pinned"]
if ox and ox.rss and pin and pin.rss then
  print(("  (diagnostic) with glibc's mmap threshold pinned at 128 KiB oxlua's VmRSS is %.2f MiB:")
    :format(pin.rss / KIB))
  print(("  %.2f MiB of the default run is heap freed after loading and kept by malloc")
    :format((ox.rss - pin.rss) / KIB))
end
print(("\nmemory: %d of %d targets met"):format(met, total))
print(("case-targets %d %d"):format(met, total))
if failures > 0 then os.exit(1) end
