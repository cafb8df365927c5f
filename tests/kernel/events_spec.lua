-- Events from the kernel into Lua handlers: perf and ring buffers, decoding,
-- lost records, handler errors, timers, the loop. Needs root.
local ox = require "oxlua"
local h = require "support.helpers"

local TP = "tracepoint:syscalls:sys_enter_getppid"
local PRODUCED_PERF, PRODUCED_RING, RING_DROPS = 11, 12, 13

-- A group emitting one 64-byte event per getppid() of process `pid`.
local function emitter(pid, emit, maps)
  local g = ox.group { blueprint = h.obj("events"), versions = { ox.version {
    programs = { ox.program("tp_getppid", { TP }) },
    globals = { target_pid = pid, emit = emit }, maps = maps } } }
  return g
end

local poll_until = h.poll_until

-- The million-event runs take minutes under emulation: `make kernel-matrix`
-- (OXLUA_MATRIX=1) skips them on every kernel it runs, saying so.
local heavy = it
if os.getenv("OXLUA_MATRIX") == "1" then
  heavy = function(name) pending(name .. " (skipped by make kernel-matrix, OXLUA_MATRIX=1: minutes under emulation)") end
end

describe("events #root", function()
  it("delivers perf buffer events decoded by BTF type, with the CPU", function()
    local pid, run = h.spawn("getppid", 100)
    local g = emitter(pid, 1)
    local got, cpus = {}, {}
    g:on("perf_events", function(ev, cpu)
      got[#got + 1] = ev
      cpus[cpu] = true
    end, { decode = "struct event", wakeup_events = 1 })
    assert(g:load())
    run()
    assert.is_true(poll_until(function() return #got == 100 end, 5))
    assert.equal(pid, got[1].pid)
    assert.equal("target", got[1].comm)
    assert.equal(string.rep("\0", 32), got[1].pad) -- __u8 arrays come as their bytes
    assert.is_true(next(cpus) ~= nil)
    local seqs = {}
    for _, ev in ipairs(got) do seqs[ev.seq] = true end
    for i = 0, 99 do assert.is_true(seqs[i], "seq " .. i) end
    g:close()
  end)

  it("decodes no member that BTF places outside its struct", function()
    -- struct event's BTF with `seq` moved 512 bytes past the 64-byte record
    local bytes = h.read(h.obj("events"))
    local _, by = h.sections(bytes)
    local patched
    for _, r in ipairs(h.btf_records(bytes, by[".BTF"].offset)) do
      if r.kind == 4 and r.name == "event" then
        patched = h.patch(bytes, r.off + 12 + 2 * 12 + 8, "<I4", (64 + 512) * 8)	-- member 2's offset
      end
    end
    local pid, run = h.spawn("getppid", 3)
    local g = ox.group { blueprint = assert(h.parse(patched, "events.o")), versions = { ox.version {
      programs = { ox.program("tp_getppid", { TP }) }, globals = { target_pid = pid, emit = 1 } } } }
    local got = {}
    g:on("perf_events", function(ev) got[#got + 1] = ev end, { decode = "struct event", wakeup_events = 1 })
    assert(g:load())
    run()
    assert.is_true(poll_until(function() return #got == 3 end, 5))
    assert.equal(pid, got[1].pid)
    assert.equal("target", got[1].comm)
    assert.is_nil(got[1].seq)
    g:close()
  end)

  it("decodes a bitfield of a bool type as a boolean", function()
    -- struct event's `seq` made `bool seq : 1` (its type, unsigned long long, a bool)
    local bytes = h.read(h.obj("events"))
    local _, by = h.sections(bytes)
    local recs = h.btf_records(bytes, by[".BTF"].offset)
    for _, r in ipairs(recs) do
      if r.kind == 4 and r.name == "event" then
        local info = string.unpack("<I4", bytes, r.off + 4 + 1)
        bytes = h.patch(bytes, r.off + 4, "<I4", info | (1 << 31))	-- kind_flag: bitfields
        bytes = h.patch(bytes, r.off + 12 + 2 * 12 + 8, "<I4", (1 << 24) | 64)	-- seq : 1 at bit 64
      elseif r.kind == 1 and r.name == "unsigned long long" then
        bytes = h.patch(bytes, r.off + 12, "<I4", (4 << 24) | 64)	-- BTF_INT_BOOL, 64 bits
      end
    end
    local pid, run = h.spawn("getppid", 4)
    local g = ox.group { blueprint = assert(h.parse(bytes, "events.o")), versions = { ox.version {
      programs = { ox.program("tp_getppid", { TP }) }, globals = { target_pid = pid, emit = 1 } } } }
    local seen = {}
    g:on("perf_events", function(ev) seen[#seen + 1] = ev.seq end, { decode = "struct event", wakeup_events = 1 })
    assert(g:load())
    run()
    assert.is_true(poll_until(function() return #seen == 4 end, 5))
    local n = {}
    for _, v in ipairs(seen) do n[tostring(v)] = (n[tostring(v)] or 0) + 1 end
    assert.same({ ["true"] = 2, ["false"] = 2 }, n)	-- seq 0..3: bit 0 set twice
    g:close()
  end)

  it("decodes with a string.unpack format, and delivers raw bytes without one", function()
    local pid, run = h.spawn("getppid", 3)
    local g = emitter(pid, 2)
    local evs = {}
    g:on("ring_events", function(ev, cpu) evs[#evs + 1] = { ev, cpu } end, { decode = "<I4I4I8z" })
    assert(g:load())
    run()
    assert.is_true(poll_until(function() return #evs == 3 end, 5))
    assert.same({ pid }, { evs[1][1][1] })
    assert.equal("target", evs[1][1][4])
    assert.is_nil(evs[1][2]) -- ring buffers do not know the CPU
    g:close()

    pid, run = h.spawn("getppid", 2)
    g = emitter(pid, 2)
    local raw = {}
    g:on("ring_events", function(ev) raw[#raw + 1] = ev end)
    assert(g:load())
    run()
    assert.is_true(poll_until(function() return #raw == 2 end, 5))
    assert.equal(64, #raw[1])
    assert.equal(pid, (string.unpack("<I4", raw[1])))
    g:close()
  end)

  heavy("moves 1,000,000 events through a perf buffer: received + lost == produced", function()
    local N = 1000000
    local pid, _, release = h.spawn("getppid", N)
    local g = emitter(pid, 1)
    local received, lost = 0, 0
    g:on("perf_events", function() received = received + 1 end, { wakeup_events = 256, pages = 256 })
    g:on_lost("perf_events", function(n) lost = lost + n end)
    assert(g:load())
    local p = release()
    local produced = function() return g.maps.counts:get(PRODUCED_PERF) end
    -- 600 s bounds a stalled run; under ASan on a busy machine a million events take minutes
    assert.is_true(poll_until(function() return produced() == N and received + lost == N end, 600))
    p:read("a")
    p:close()
    ox.poll(0)
    local s = g:stats().perf_events
    assert.equal(N, received + lost)
    assert.equal(received, s.events)
    assert.equal(lost, s.lost)
    print(("\n    perf: produced %d, received %d, lost %d"):format(produced(), received, lost))
    g:close()
  end)

  heavy("moves 1,000,000 events through a ring buffer: received + dropped == produced", function()
    local N = 1000000
    local pid, _, release = h.spawn("getppid", N)
    local g = emitter(pid, 2)
    local received = 0
    g:on("ring_events", function() received = received + 1 end)
    assert(g:load())
    local p = release()
    local function done()
      local produced, drops = g.maps.counts:get(PRODUCED_RING), g.maps.counts:get(RING_DROPS)
      return produced == N and received + drops == N
    end
    assert.is_true(poll_until(done, 600))
    p:read("a")
    p:close()
    local drops = g.maps.counts:get(RING_DROPS)
    assert.equal(N, received + drops)
    assert.equal(received, g:stats().ring_events.events)
    print(("\n    ring: produced %d, received %d, dropped %d"):format(N, received, drops))
    g:close()
  end)

  it("counts lost perf records per CPU exactly and reports them to on_lost", function()
    local N = 20000
    local pid, _, release = h.spawn("getppid", N)
    local g = emitter(pid, 1)
    local received, lost, lost_cpus = 0, 0, {}
    g:on("perf_events", function() received = received + 1 end, { pages = 1, wakeup_events = 1000000 })
    g:on_lost("perf_events", function(n, cpu) lost = lost + n; lost_cpus[cpu] = true end)
    assert(g:load())
    release():close() -- produce everything before reading anything
    ox.poll(0)
    -- The kernel reports a CPU's losses with its next successful write: make
    -- one event on every CPU.
    for cpu = 0, ox.core.possible_cpus() - 1 do
      local p2, run2 = h.spawn("getppid", 1, "taskset -c " .. cpu .. " ")
      g.globals.target_pid = p2
      run2()
      ox.poll(0)
    end
    local produced = function() return g.maps.counts:get(PRODUCED_PERF) end
    assert.is_true(poll_until(function() return received + lost == produced() end, 10))
    assert.equal(N + ox.core.possible_cpus(), produced())
    assert.truthy(lost > 0)
    local s = g:stats().perf_events
    local per_cpu = 0
    for _, n in ipairs(s.lost_per_cpu) do per_cpu = per_cpu + n end
    assert.equal(lost, per_cpu)
    assert.equal(lost, s.lost)
    assert.is_true(next(lost_cpus) ~= nil)
    g:close()
  end)

  it("flushes batched wakeups within the flush bound", function()
    local pid, run = h.spawn("getppid", 5)
    local g = emitter(pid, 1)
    local n = 0
    g:on("perf_events", function() n = n + 1 end, { wakeup_events = 1000, flush_ms = 30 })
    assert(g:load())
    run()
    local t0 = ox.core.now()
    assert.is_true(poll_until(function() return n == 5 end, 2))
    assert.truthy(ox.core.now() - t0 < 1)
    g:close()
  end)

  it("catches handler errors, counts them, and goes on", function()
    local pid, run = h.spawn("getppid", 10)
    local g = emitter(pid, 2)
    local seen = 0
    g:on("ring_events", function()
      seen = seen + 1
      if seen % 2 == 0 then error("odd handler failure") end
    end)
    assert(g:load())
    run()
    local ok = poll_until(function() return seen == 10 end, 5)
    assert.is_true(ok)
    local s = g:stats().ring_events
    assert.equal(5, s.errors)
    assert.equal(10, s.events)
    g:close()
  end)

  it("stops ox.run at the first handler error with stop_on_error", function()
    local pid, run = h.spawn("getppid", 10)
    local g = emitter(pid, 2)
    g:on("ring_events", function() error("handler broke") end)
    assert(g:load())
    run()
    local ok, err = ox.run { duration = 5, stop_on_error = true }
    assert.is_nil(ok)
    assert.matches("handler for 'ring_events' failed: .*handler broke", err)
    g:close()
  end)

  it("lets a handler close its own group mid-batch", function()
    local pid, run = h.spawn("getppid", 50)
    local g = emitter(pid, 1)
    local seen = 0
    g:on("perf_events", function()
      seen = seen + 1
      g:close()
    end, { decode = "struct event", wakeup_events = 64 })
    assert(g:load())
    run()
    for _ = 1, 5 do ox.poll(20) end
    assert.equal(1, seen)
    assert.is_nil(g.version)
  end)

  it("keeps a loaded group running when the policy drops its reference", function()
    local pid, run = h.spawn("getppid", 40)
    local n = 0
    do
      local g = emitter(pid, 1)
      g:on("perf_events", function() n = n + 1 collectgarbage() end, { decode = "struct event" })
      assert(g:load())
    end
    collectgarbage()
    collectgarbage()
    run()
    local deadline = ox.core.now() + 5
    while n < 40 and ox.core.now() < deadline do ox.poll(20) end
    assert.equal(40, n)
    -- closed by a signal or explicitly; here: every reader's group
    ox.close_all()
  end)

  -- A ring buffer reader watches a duplicate of its map's fd: closing the
  -- duplicate alone leaves the file in the epoll set (the map's fd keeps it
  -- open), and its unread records would wake every poll at once.
  local function idle_polls(poll)
    local cpu0, t0, calls, handled = os.clock(), ox.core.now(), 0, 0
    while ox.core.now() - t0 < 0.6 do
      handled = handled + poll(200)
      calls = calls + 1
    end
    return handled, calls, os.clock() - cpu0
  end

  local function wait_produced(g, n)
    local deadline = ox.core.now() + 5
    while g.maps.counts:get(PRODUCED_RING) < n and ox.core.now() < deadline do
      os.execute("sleep 0.02")
    end
    return g.maps.counts:get(PRODUCED_RING)
  end

  it("takes a reader closed while its group lives out of the loop", function()
    local pid, _, release = h.spawn("getppid", 1000000)
    local g = emitter(pid, 2)
    local ring, perf = 0, 0
    g:on("ring_events", function() ring = ring + 1 end)
    g:on("perf_events", function() perf = perf + 1 end, { flush_ms = 0 })
    assert(g:load())
    g.readers.ring_events:close()
    local p = release()
    assert.truthy(wait_produced(g, 1000) >= 1000) -- unread records wait in the ring
    local t0 = ox.core.now()
    assert.equal(0, ox.poll(200))
    assert.truthy(ox.core.now() - t0 >= 0.19, "ox.poll(200) returned early")
    local handled, calls, cpu = idle_polls(ox.poll)
    assert.equal(0, handled)
    assert.truthy(calls <= 4, ("%d polls in 0.6 s"):format(calls))
    assert.truthy(cpu < 0.15, ("%.2f s of CPU in 0.6 s"):format(cpu))
    assert.equal(0, ring + perf)
    local names = {}
    for _, s in ipairs(ox.stats()) do names[#names + 1] = s.name end
    assert.same({ "perf_events" }, names) -- the loop's readers
    g:close()
    p:read("a")
    p:close()
  end)

  it("takes a reader out of the epoll set on loop:remove", function()
    local pid, _, release = h.spawn("getppid", 1000000)
    local g = emitter(pid, 2)
    assert(g:load())
    local lp = assert(ox.core.loop())
    local seen = 0
    local r = assert(ox.core.reader(g.maps.ring_events, function() seen = seen + 1 end))
    assert(lp:add(r))
    lp:remove(r)
    assert.same({}, lp:readers())
    local p = release()
    assert.truthy(wait_produced(g, 1000) >= 1000)
    local handled, calls, cpu = idle_polls(function(ms) return lp:poll(ms) end)
    assert.equal(0, handled)
    assert.truthy(calls <= 4, ("%d polls in 0.6 s"):format(calls))
    assert.truthy(cpu < 0.15, ("%.2f s of CPU in 0.6 s"):format(cpu))
    assert.equal(0, seen)
    assert.truthy(r:drain() > 0) -- still open: the records are there to take
    r:close()
    lp:close()
    g:close()
    p:read("a")
    p:close()
  end)

  it("runs for a duration, with timers", function()
    local ticks = 0
    local id = ox.every(0.05, function() ticks = ticks + 1 end)
    local t0 = ox.core.now()
    local ok, why = ox.run { duration = 0.3 }
    ox.cancel(id)
    assert.is_true(ok)
    assert.equal("duration", why)
    assert.truthy(ox.core.now() - t0 >= 0.3)
    assert.truthy(ticks >= 3 and ticks <= 7)
  end)

  it("offers an epoll fd and a non-blocking poll for foreign loops", function()
    assert.is_number(ox.fd())
    local t0 = ox.core.now()
    assert.equal(0, ox.poll(0))
    assert.truthy(ox.core.now() - t0 < 0.05)
  end)

  it("ends oxlua run on SIGTERM, detaching everything and exiting 0", function()
    local policy = os.tmpname()
    local f = io.open(policy, "w")
    f:write(([[
      local ox = require "oxlua"
      local g = ox.group { blueprint = %q, versions = { ox.version {
        programs = { ox.program("tp_getppid", { %q }) }, globals = { emit = 2 } } } }
      g:on("ring_events", function() end)
      assert(g:load())
      print("loaded")
      io.stdout:flush()
      local ok, why, sig = ox.run {}
      print(why, sig, g.version == nil)
    ]]):format(h.obj("events"), TP))
    f:close()
    local p = io.popen(("%s/oxlua run %s & echo $!; wait $!; echo exit $?"):format(h.build, policy))
    local pid = tonumber(p:read("l"))
    assert.equal("loaded", p:read("l"))
    os.execute("sleep 0.2; kill -TERM " .. pid)
    local rest = p:read("a")
    p:close()
    os.remove(policy)
    assert.equal("signal\t15\ttrue\nexit 0\n", rest)
  end)
end)
