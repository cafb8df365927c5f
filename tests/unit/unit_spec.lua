-- C unit tests of the parsers (tests/unit/test_*.c, built by make into
-- $OXLUA_BUILD/tests/unit/): BTF, objects, CO-RE relocations. No root, no
-- kernel. Each binary prints a line per check and "N checks, M failed";
-- here each must exit 0 having run at least its known number of checks,
-- and must fail when given inputs its expectations do not hold for.
local h = require "support.helpers"
local lfs = require "lfs"

local bpf = h.build .. "/bpf"

-- Runs a unit test binary; returns its output, exit status, and the counts
-- of its summary line (nil when there is none).
local function run(name, args)
  local bin = ("%s/tests/unit/%s"):format(h.build, name)
  assert(lfs.attributes(bin, "mode") == "file", bin .. " is not built (make unitbins)")
  local out = h.output(("%s %s; echo status=$?"):format(bin, args or ""))
  local status = tonumber(out:match("status=(%d+)\n$"))
  local checks, failed = out:match("\n(%d+) checks, (%d+) failed\nstatus=")
  return out, status, tonumber(checks), tonumber(failed)
end

local function count(out, pattern)
  local n = 0
  for _ in out:gmatch(pattern) do n = n + 1 end
  return n
end

describe("C unit tests", function()
  -- the fewest checks each runs today: fewer means checks went missing
  local units = {
    { name = "test_btf", min = 190 },
    { name = "test_object", args = bpf, min = 185 },
    { name = "test_core", args = bpf, min = 260 },
  }

  for _, u in ipairs(units) do
    it(u.name .. " passes every check", function()
      local out, status, checks, failed = run(u.name, u.args)
      assert.is_truthy(checks, "no summary line:\n" .. out)
      assert.equal(0, failed, out)
      assert.equal(0, status, out)
      assert.is_true(checks >= u.min, ("%d checks, expected at least %d"):format(checks, u.min))
      -- one line per check, numbered, none failed
      assert.equal(checks, count(out, "\nok %d+ ") + (out:match("^ok %d+ ") and 1 or 0))
      assert.equal(0, count(out, "not ok "))
    end)
  end

  it("test_core fails against a target with another layout", function()
    -- the object's own BTF as the target: its struct ox_bits is not the one
    -- the expected values were worked out for
    local out, status, checks, failed = run("test_core", bpf .. " " .. h.obj("core_bits"))
    assert.equal(1, status, out)
    assert.is_true(failed > 20, out)
    assert.is_true(checks > failed)
    assert.matches("not ok %d+ t != NULL && btf_vlen%(t%) == ", out) -- 7 members, not 8
    assert.matches("not ok %d+ BTF file, pass 1: byte_off of 'a' %(insn %d+, code 0x%x+%): got 0, want 16", out)
  end)

  it("test_object fails on objects that are not the ones it knows", function()
    -- kitchen.bpf.o, events.bpf.o and legacy.bpf.o, each another one
    local dir = h.tmpdir()
    finally(function() h.sh("rm -rf " .. dir) end)
    h.write(dir .. "/kitchen.bpf.o", h.read(h.obj("legacy")))
    h.write(dir .. "/events.bpf.o", h.read(h.obj("kitchen")))
    h.write(dir .. "/legacy.bpf.o", h.read(h.obj("events")))
    local out, status, _, failed = run("test_object", dir)
    assert.equal(1, status, out)
    assert.is_true(failed > 20, out)
    assert.matches("not ok %d+ nprogs == sizeof progs / sizeof progs%[0%]: got 1, want 11", out)
  end)

  it("refuses bad arguments", function()
    for name, args in pairs { test_btf = "extra", test_object = "", test_core = "" } do
      local out, status = run(name, args)
      assert.equal(2, status, name)
      assert.matches("^usage: " .. name, out)
    end
  end)
end)
