-- Handlers that misbehave (raise, block for a moment, allocate a lot) under
-- a steady stream of events: the accounting stays exact (received + lost ==
-- produced), errors are counted and reported without stopping the loop, and
-- memory stays bounded (records are handed to the handler straight from the
-- kernel's ring: nothing queues up in between). Needs root.
local ox = require "oxlua"
local h = require "support.helpers"

local TP = "tracepoint:syscalls:sys_enter_getppid"
local PRODUCED_PERF, PRODUCED_RING, RING_DROPS = 11, 12, 13
local N = 20000
-- Under ASan freed memory sits in its quarantine: RSS bounds mean nothing there.
local ASAN = (os.getenv("LD_PRELOAD") or ""):match("libasan") ~= nil

-- VmRSS (after a full collection) or VmHWM, the peak since reset_peak(), in KiB.
local function status_kib(field)
  for line in io.lines("/proc/self/status") do
    local kb = line:match("^" .. field .. ":%s+(%d+) kB")
    if kb then return tonumber(kb) end
  end
end
local function rss_kib()
  collectgarbage()
  collectgarbage()
  return status_kib("VmRSS")
end
local function reset_peak()
  local f = assert(io.open("/proc/self/clear_refs", "w"))
  f:write("5")
  f:close()
end

local poll_until = h.poll_until

-- The misbehaviours, by name: each returns a handler body for event number i.
local bodies = {
  raises = function(i)
    if i % 7 == 0 then error("every 7th event fails") end
  end,
  blocks = function(i)
    if i % 100 == 0 then -- 1 ms without returning to the loop
      local t = ox.core.now() + 0.001
      while ox.core.now() < t do end
    end
  end,
  allocates = function(i)
    local t = {}
    for k = 1, 32 do t[k] = string.rep("x", 1024) .. i .. k end -- ~32 KiB per event
    return t
  end,
}

describe("misbehaving handlers #root", function()
  for _, kind in ipairs { "perf", "ring" } do
    for _, what in ipairs { "raises", "blocks", "allocates" } do
      it(("keep a %s buffer's accounting exact when the handler %s"):format(kind, what), function()
        local body = bodies[what]
        local map = kind == "perf" and "perf_events" or "ring_events"
        local pid, _, release = h.spawn("getppid", N)
        local g = ox.group { blueprint = h.obj("events"), versions = { ox.version {
          programs = { ox.program("tp_getppid", { TP }) },
          globals = { target_pid = pid, emit = kind == "perf" and 1 or 2 } } } }
        local calls, raised, lost = 0, 0, 0
        g:on(map, function()
          calls = calls + 1
          if what == "raises" and calls % 7 == 0 then raised = raised + 1 end
          body(calls)
        end, { pages = 64, wakeup_events = 16 })
        if kind == "perf" then g:on_lost(map, function(n) lost = lost + n end) end
        assert(g:load())
        local mem0, rss0 = collectgarbage("count"), rss_kib()
        reset_peak()
        local p = release()
        local counts = g.maps.counts
        local produced_key = kind == "perf" and PRODUCED_PERF or PRODUCED_RING
        local t0 = ox.core.now()
        assert.is_true(poll_until(function() return counts:get(produced_key) == N end, 60))
        p:read("a")
        p:close()
        if kind == "perf" then
          -- a CPU's losses are reported with its next successful write: one
          -- more event on every CPU
          for cpu = 0, ox.core.possible_cpus() - 1 do
            local p2, run2 = h.spawn("getppid", 1, "taskset -c " .. cpu .. " ")
            g.globals.target_pid = p2
            run2()
            ox.poll(0)
          end
        end
        local function produced() return counts:get(produced_key) end
        local function dropped() return kind == "ring" and counts:get(RING_DROPS) or lost end
        assert.is_true(poll_until(function() return calls + dropped() == produced() end, 10))
        local secs = ox.core.now() - t0
        ox.poll(0)
        local s = g:stats()[map]
        local peak = status_kib("VmHWM")
        local rss1 = rss_kib()
        print(("\n    %s, handler %s: produced %d, received %d, lost %d, errors %d in %.2f s; " ..
          "RSS %d -> %d KiB (peak %d), Lua heap %.0f -> %.0f KiB")
          :format(kind, what, produced(), calls, dropped(), s.errors, secs, rss0, rss1, peak,
            mem0, collectgarbage("count")))
        assert.equal(produced(), calls + dropped())
        assert.equal(kind == "perf" and N + ox.core.possible_cpus() or N, produced())
        assert.equal(calls, s.events)
        if kind == "perf" then assert.equal(lost, s.lost) end
        assert.equal(raised, s.errors)
        if what == "raises" then
          assert.equal(calls // 7, raised)
          assert.matches("handler for '" .. map .. "' failed: .*every 7th event fails",
            g.readers[map]:last_error())
        end
        -- bounded: nothing grows with the number of events
        if not ASAN then
          assert.truthy(peak - rss0 < 16 * 1024, ("RSS peaked %d KiB above the start"):format(peak - rss0))
          assert.truthy(rss1 - rss0 < 4 * 1024, ("RSS grew by %d KiB"):format(rss1 - rss0))
        end
        assert.truthy(collectgarbage("count") - mem0 < 1024)
        g:close()
      end)
    end
  end
end)
