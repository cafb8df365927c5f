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
end)
