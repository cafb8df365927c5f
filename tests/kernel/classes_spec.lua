-- The classes of oxlua.core close the way Lua's files do: one idempotent
-- close shared by :close(), __close and __gc, every fd given back, and
-- methods that raise "<class> is closed" afterwards.
local ox = require "oxlua"
local h = require "support.helpers"
local core = ox.core

local function raises_closed(obj, what, methods)
  for _, m in ipairs(methods) do
    assert.has_error(function() obj[m](obj, 1) end, what .. " is closed")
  end
end

describe("closing", function()
  it("sockets: each owns its fd", function()
    collectgarbage()
    local before = h.fd_count()
    do
      local a, b = core.socketpair("stream")
      local _ <close> = a
      local _ <close> = b
      assert.matches("^oxlua%.socket %(fd %d+%)$", tostring(a))
      assert.equal(before + 2, h.fd_count())
      assert.is_number(a:fd())
      assert.equal(5, a:send("hello"))
      assert.equal("hello", b:recv())
      local none, msg, errno = b:recv()
      assert.is_nil(none)
      assert.matches("^recv: EAGAIN", msg)
      assert.equal(11, errno)
      a:close()
      a:close()
      assert.equal("oxlua.socket (closed)", tostring(a))
      raises_closed(a, "socket", { "fd", "send", "recv" })
      assert.equal(before + 1, h.fd_count())
    end
    assert.equal(before, h.fd_count())
    do local _, _ = core.socketpair() end
    collectgarbage()
    collectgarbage()
    assert.equal(before, h.fd_count())
  end)

  it("loops, also from one of their own timers", function()
    collectgarbage()
    local before = h.fd_count()
    do
      local lp <close> = assert(core.loop())
      assert.matches("^oxlua%.loop %(fd %d+%)$", tostring(lp))
      assert.truthy(h.fd_count() > before)
    end
    assert.equal(before, h.fd_count())
    local lp = assert(core.loop())
    local ticks = 0
    lp:every(0.01, function()
      ticks = ticks + 1
      lp:close()
      lp:close()
    end)
    lp:every(0.01, function() ticks = ticks + 1 end) -- due too, skipped once closed
    assert.equal(0, lp:poll(200))
    assert.equal(1, ticks)
    assert.equal(before, h.fd_count())
    assert.equal("oxlua.loop (closed)", tostring(lp))
    raises_closed(lp, "loop", { "poll", "add", "remove", "every", "cancel", "fd", "readers",
      "signals", "stopped_by", "clear" })
  end)

  it("objects", function()
    local o = assert(core.open(h.obj("events")))
    assert.is_table(o:info())
    do
      local o2 <close> = assert(core.open(h.obj("events")))
      o = o2
    end
    assert.equal("oxlua.object (closed)", tostring(o))
    o:close()
    raises_closed(o, "object", { "info", "load" })
  end)
end)

describe("closing #root", function()
  local bp = h.obj("events")

  it("instances and their views; the object they came from outlives its close", function()
    collectgarbage()
    local before = h.fd_count()
    local o = assert(core.open(bp))
    local inst = assert(o:load { programs = { "tp_getppid" } })
    o:close()
    raises_closed(o, "object", { "info" })
    local counts, prog = inst:map("counts"), inst:program("tp_getppid")
    assert.equal(0, counts:get(0)) -- the maps still know their types
    assert.equal("tp_getppid", prog:info().name)
    do
      local i2 <close> = inst
    end
    inst:close()
    assert.is_true(inst:closed())
    assert.equal("oxlua.instance (closed)", tostring(inst))
    raises_closed(inst, "instance", { "program", "map", "programs", "maps", "global", "set_global" })
    raises_closed(counts, "map", { "get", "set", "delete", "pairs", "dump", "info", "fd" })
    raises_closed(prog, "program", { "test_run", "info", "fd", "log", "attach" })
    collectgarbage()
    assert.equal(before, h.fd_count())
  end)

  it("links", function()
    local o <close> = assert(core.open(bp))
    local inst <close> = assert(o:load { programs = { "tp_getppid" } })
    local link
    do
      local l <close> = assert(inst:program("tp_getppid"):attach("tracepoint:syscalls:sys_enter_getppid"))
      assert.is_false(l:detached())
      link = l
    end
    assert.is_true(link:detached())
    link:close()
    link:detach()
    assert.has_error(function() link:info() end, "link is closed (detached)")
  end)

  it("readers, leaving the loop that holds them", function()
    collectgarbage()
    local o <close> = assert(core.open(bp))
    local inst <close> = assert(o:load { programs = { "tp_getppid" } })
    local before = h.fd_count()
    local lp <close> = assert(core.loop())
    local r = assert(core.reader(inst:map("ring_events"), function() end))
    local p = assert(core.reader(inst:map("perf_events"), function() end))
    assert(lp:add(r))
    assert(lp:add(p))
    local ok, err = lp:add(r)
    assert.is_nil(ok)
    assert.matches("oxlua%.reader %(ring_events%): already in this loop", err)
    assert.equal(2, #lp:readers())
    do
      local r2 <close> = r
    end
    r:close()
    p:close()
    assert.same({}, lp:readers())
    assert.equal("closed", r:stats().kind)
    assert.equal("oxlua.reader (ring_events, closed)", tostring(r))
    raises_closed(r, "reader", { "drain", "flush_ms" })
    assert.has_error(function() lp:add(r) end, "reader is closed")
    lp:remove(r) -- nothing to do
    lp:close()
    collectgarbage()
    assert.equal(before, h.fd_count())
  end)
end)
