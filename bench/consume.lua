-- consume.lua - oxlua's side of the throughput benchmarks.
--   oxlua run bench/consume.lua OBJ PRODUCER perf|ring lua|struct N PAGES
-- Starts the producer, loads OBJ's program filtered on its pid, counts the
-- records through a Lua handler, and prints one line:
--   result produced= received= lost= bad= window= wall= cpu=
-- window is what arrived while the producer ran (wall seconds, cpu seconds
-- of this process over the same span); produced, received and lost are the
-- totals after the producer's flush records made every perf loss visible.
-- lost is the kernel's perf loss count, or the ring buffer drops the
-- program counted. bad counts records that did not decode to the producer.
local ox = require "oxlua"

local obj, producer, kind, mode, n, pages = ...
local N, PAGES = assert(tonumber(n), "N"), tonumber(pages) or 64
assert(kind == "perf" or kind == "ring", "perf or ring")
assert(mode == "lua" or mode == "struct", "lua or struct")

local function fifo()
  local path = os.tmpname()
  os.remove(path)
  assert(os.execute("mkfifo " .. path))
  return path
end

local function release(path)
  local f = assert(io.open(path, "w"))
  f:close()
  os.remove(path)
end

local go, flush = fifo(), fifo()
local p = io.popen(("exec %s %d %s %s"):format(producer, N, go, flush))
local pid = assert(tonumber(p:read("l")), "producer did not start")

local map = kind == "perf" and "perf_events" or "ring_events"
local g = ox.group { blueprint = obj, versions = { ox.version {
  programs = { ox.program("bench_getppid", { "tracepoint:syscalls:sys_enter_getppid" }) },
  globals = { target_pid = pid, emit = kind == "perf" and 1 or 2 } } } }

local received, lost, bad = 0, 0, 0
local handler, opts
if mode == "lua" then
  local unpack = string.unpack
  handler = function(ev)
    local epid, _, _ = unpack("<I4I4I8", ev)
    if epid ~= pid then bad = bad + 1 end
    received = received + 1
  end
  opts = {}
else
  handler = function(ev)
    if ev.pid ~= pid then bad = bad + 1 end
    received = received + 1
  end
  opts = { decode = "struct event" }
end
if kind == "perf" then opts.pages = PAGES end
g:on(map, handler, opts)
if kind == "perf" then g:on_lost(map, function(count) lost = lost + count end) end
local ok, err = g:load()
if not ok then
  io.stderr:write(err, "\n")
  release(go)
  release(flush)
  p:close()
  os.exit(1)
end
local counts, reader = g.maps.counts, g.readers[map]

local c0, t0 = os.clock(), ox.core.now()
release(go)
while counts:get(0) < N do ox.poll(10) end
while reader:drain() > 0 do end
local wall, cpu = ox.core.now() - t0, os.clock() - c0
local window = received

release(flush)
p:read("a")
p:close()
local produced = counts:get(0)
local drops = kind == "ring" and counts:get(1) or 0
local deadline = ox.core.now() + 5
while received + lost + drops < produced and ox.core.now() < deadline do
  ox.poll(10)
  reader:drain()
end
g:close()
print(("result produced=%d received=%d lost=%d bad=%d window=%d wall=%.6f cpu=%.6f"):format(
  produced, received, lost + drops, bad, window, wall, cpu))
