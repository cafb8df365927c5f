-- Soak: many cycles of load + attach + events + close, and many parses,
-- leave the process's fd count unchanged and its memory flat. Prints the
-- figures. Needs root; removes the interface it makes.
local ox = require "oxlua"
local h = require "support.helpers"

local TARGET = h.build .. "/tests/target"
local C = { tp = 0, up = 2, xdp = 6 }
local CYCLES, PARSES = 300, 10000
-- Under ASan freed memory sits in its quarantine, so RSS says nothing about
-- leaks there; LeakSanitizer checks for them at exit instead.
local ASAN = (os.getenv("LD_PRELOAD") or ""):match("libasan") ~= nil
local function assert_rss(grown, limit)
  if ASAN then
    print("    (RSS not asserted under ASan: its quarantine holds freed memory)")
  else
    assert.truthy(grown < limit, ("RSS grew by %d KiB"):format(grown))
  end
end

-- Resident set size in KiB, after a full collection.
local function rss_kib()
  collectgarbage()
  collectgarbage()
  for line in io.lines("/proc/self/status") do
    local kb = line:match("^VmRSS:%s+(%d+) kB")
    if kb then return tonumber(kb) end
  end
  error("no VmRSS in /proc/self/status")
end

local poll_until = h.poll_until

describe("soak #root", function()
  local tag = h.pid() % 100000
  local A, B = "oxs" .. tag .. "a", "oxs" .. tag .. "b"
  local frame = string.rep("\255", 6) .. "\2\0\0\0\0\1" .. "\136\181" .. string.rep("x", 50)

  setup(function()
    h.veth(A, B)
  end)
  teardown(function() h.sh("ip link del " .. A) end)

  it(CYCLES .. " cycles of load, attach (tracepoint, uprobe, xdp), events and close leak nothing", function()
    local bp = assert(ox.blueprint(h.obj("events")))
    local function cycle()
      local tp_pid, tp_run = h.spawn("getppid", 3)
      local up_pid, up_run = h.spawn("call", 3)
      local g = ox.group { blueprint = bp, versions = { ox.version {
        programs = {
          ox.program("tp_getppid", { "tracepoint:syscalls:sys_enter_getppid" }),
          ox.program("up_target", { "uprobe:" .. TARGET .. ":oxlua_target_fn" }, { pid = up_pid }),
          ox.program("xdp_count", { "xdp:" .. B }, { xdp_mode = "skb" }),
        },
        globals = { target_pid = tp_pid, emit = 2 } } } }
      local events = 0
      g:on("ring_events", function(ev) if (string.unpack("<I4", ev)) == tp_pid then events = events + 1 end end)
      assert(g:load())
      tp_run()
      g.globals.target_pid = up_pid -- the programs count one process at a time
      up_run()
      assert.equal(2, ox.core.packet_send(A, frame, 2))
      assert.is_true(poll_until(function() return events == 3 end, 5))
      assert.equal(3, g.maps.counts:get(C.tp))
      assert.equal(3, g.maps.counts:get(C.up))
      assert.equal(2, g.maps.counts:get(C.xdp))
      g:close()
    end
    for _ = 1, 5 do cycle() end -- warm-up: caches, the loop, first allocations
    local fds0, rss0, t0 = h.fd_count(), rss_kib(), ox.core.now()
    for _ = 1, CYCLES do cycle() end
    local secs = ox.core.now() - t0
    local fds1, rss1 = h.fd_count(), rss_kib()
    print(("\n    soak: %d cycles in %.1f s (%.1f ms each); fds %d -> %d; RSS %d -> %d KiB (%+d KiB)")
      :format(CYCLES, secs, secs * 1000 / CYCLES, fds0, fds1, rss0, rss1, rss1 - rss0))
    assert.equal(fds0, fds1)
    assert_rss(rss1 - rss0, 2048)
    assert.is_nil(h.output("ip -d link show " .. B):match("xdp"))
  end)

  it(PARSES .. " blueprint parses leave fds and memory flat", function()
    local path = h.obj("kitchen")
    local names
    for _ = 1, 500 do -- warm-up
      names = assert(ox.blueprint(path)).name
    end
    local fds0, rss0, t0 = h.fd_count(), rss_kib(), ox.core.now()
    for _ = 1, PARSES do
      local bp = assert(ox.blueprint(path))
      assert(bp.name == names)
    end
    local secs = ox.core.now() - t0
    local fds1, rss1 = h.fd_count(), rss_kib()
    print(("\n    parse: %d parses of %s in %.1f s; fds %d -> %d; RSS %d -> %d KiB (%+d KiB)")
      :format(PARSES, path, secs, fds0, fds1, rss0, rss1, rss1 - rss0))
    assert.equal(fds0, fds1)
    assert_rss(rss1 - rss0, 512)
  end)
end)
