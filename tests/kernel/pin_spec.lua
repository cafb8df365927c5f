-- Pinned maps: created and pinned, reused when they match, refused with the
-- mismatch named when they do not. Needs root; removes its pins.
local ox = require "oxlua"
local h = require "support.helpers"

local root = "/sys/fs/bpf/oxlua-test-" .. h.pid()

local function exists(path) return os.rename(path, path) and true or false end

describe("pinning #root", function()
  setup(function()
    -- mount bpffs if the machine has none
    os.execute("mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf")
    assert(os.execute("mkdir -p " .. root))
  end)
  teardown(function()
    os.execute("rm -rf " .. root)
  end)

  local function group(opts)
    return ox.group { blueprint = h.obj("pinned"), pin_root = root,
      versions = { ox.version { programs = { "count_packets" }, maps = opts } } }
  end

  it("pins maps marked LIBBPF_PIN_BY_NAME under pin_root and reuses them", function()
    local a = group()
    assert(a:load())
    assert.is_true(exists(root .. "/shared_counts"))
    -- least access: the owner alone may open a pin (the kernel's default)
    local st = assert(ox.core.stat(root .. "/shared_counts", true))
    assert.same({ kind = "file", mode = tonumber("600", 8), uid = 0, gid = 0 }, st)
    assert(a.maps.shared_counts:set(1, 41))
    local id = a.maps.shared_counts:info().id
    a:close()
    assert.is_true(exists(root .. "/shared_counts")) -- pins outlive the group
    local b = group()
    assert(b:load())
    assert.equal(id, b.maps.shared_counts:info().id)
    assert.is_true(b.maps.shared_counts:info().reused)
    assert.equal(41, b.maps.shared_counts:get(1))
    b:close()
    os.remove(root .. "/shared_counts")
  end)

  it("pins a map at a path given in the version", function()
    local g = ox.group { blueprint = h.obj("pinned"), versions = { ox.version {
      programs = { "touch_plain" }, maps = { plain = { pin = root .. "/plain_here" } } } } }
    assert(g:load())
    assert.is_true(exists(root .. "/plain_here"))
    assert.equal(tonumber("600", 8), ox.core.stat(root .. "/plain_here").mode)
    g:close()
    os.remove(root .. "/plain_here")
  end)

  it("refuses a pinned map that does not match, naming the difference", function()
    local a = group()
    assert(a:load())
    a:close()
    local b = group { shared_counts = { max_entries = 64 } }
    local ok, err = b:load()
    assert.is_nil(ok)
    assert.matches("map 'shared_counts': pinned map at " .. root:gsub("%-", "%%-") ..
      "/shared_counts does not match: max_entries 32 %(pinned%) vs 64 %(wanted%)", err)
    os.remove(root .. "/shared_counts")
  end)

  it("refuses a pin path that does not fit PATH_MAX", function()
    local g = ox.group { blueprint = h.obj("pinned"), pin_root = root .. "/" .. string.rep("d", 4096),
      versions = { ox.version { programs = { "count_packets" } } } }
    local ok, err = g:load()
    assert.is_nil(ok)
    assert.matches("map 'shared_counts': pin path longer than 4095 bytes", err, 1, true)
    g:close()
  end)

  it("leaves no pin behind when the version fails", function()
    local g = ox.group { blueprint = h.obj("pinned"), pin_root = root, versions = { ox.version {
      programs = { "count_packets" }, maps = { shared_counts = { value_size = 0 } } } } }
    local ok = g:load()
    assert.is_nil(ok)
    assert.is_false(exists(root .. "/shared_counts"))
  end)
end)
