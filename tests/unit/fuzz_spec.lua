-- Fuzz regressions: every input under tests/fuzz/regressions/<target>/ (inputs
-- that once crashed a fuzz target, and hand-made nasty ones) replays through
-- the target's harness without libFuzzer ($OXLUA_BUILD/fuzz/<target>, built
-- by make). A crash, a sanitizer report (make test-asan) or a broken harness
-- invariant makes the replay exit non-zero.
local h = require "support.helpers"
local lfs = require "lfs"

local root = "tests/fuzz/regressions"

local function files(dir)
  local t = {}
  for f in lfs.dir(dir) do
    if f:sub(1, 1) ~= "." then t[#t + 1] = f end
  end
  table.sort(t)
  return t
end

describe("fuzz regressions", function()
  local targets = files(root)

  it("has inputs for the object and BTF targets", function()
    for _, t in ipairs { "fuzz_object", "fuzz_btf" } do
      assert.truthy(lfs.attributes(root .. "/" .. t, "mode") == "directory", t)
      assert.truthy(#files(root .. "/" .. t) >= 3, t)
    end
  end)

  for _, target in ipairs(targets) do
    local bin = ("%s/fuzz/%s"):format(h.build, target)
    for _, f in ipairs(files(root .. "/" .. target)) do
      it(("%s replays %s"):format(target, f), function()
        if not lfs.attributes(bin) then
          pending(bin .. " not built (its engine part is missing)")
          return
        end
        local path = ("%s/%s/%s"):format(root, target, f)
        local out = h.output(("%s %s; echo status=$?"):format(bin, path))
        assert.matches("ok " .. path:gsub("%p", "%%%0") .. " %(%d+ bytes%)\nstatus=0\n$", out)
      end)
    end
  end
end)
