-- Hostile conditions: maps too large, no privileges, XDP already taken,
-- interfaces and cgroups removed under attached programs. Each gives a
-- clear error naming the errno, or a clean detach. Needs root; removes its
-- interfaces and cgroups.
local ox = require "oxlua"
local h = require "support.helpers"

local function esc(s) return (s:gsub("%p", "%%%0")) end

-- Run a Lua script in a child interpreter (this process's module paths);
-- returns its stdout and stderr. prefix: a command that wraps it (setpriv).
local function child(src, prefix)
  local script, errf = os.tmpname(), os.tmpname()
  local f = assert(io.open(script, "w"))
  f:write(src)
  f:close()
  assert(h.sh("chmod 0644 " .. script))
  local p = io.popen(("%s lua5.4 %s 2>%s"):format(prefix or "", script, errf))
  local out = p:read("a")
  p:close()
  local err = h.read(errf)
  os.remove(script)
  os.remove(errf)
  return out, err
end

describe("hostile conditions #root", function()
  it("says ENOMEM, and how big, when a map is larger than memory", function()
    collectgarbage()
    local fds = h.fd_count()
    local g = ox.group { blueprint = h.obj("events"), versions = { ox.version { programs = { "tp_getppid" },
      maps = { counts = { max_entries = 0xffffffff, value_size = 0x7ffffff8 } } } } }
    local ok, err, errno = g:load()
    assert.is_nil(ok)
    assert.equal(12, errno)
    assert.matches("map 'counts': creating array map %(key 4, value 2147483640, max_entries 4294967295, " ..
      "flags 0x0%): ENOMEM %(Cannot allocate memory%): the map %(about %d+ MiB%) needs more memory than " ..
      "the kernel could allocate or this process's memory cgroup allows", err)
    collectgarbage()
    assert.equal(fds, h.fd_count())
  end)

  it("says E2BIG, and what it means, when a map is beyond its type's limits", function()
    local g = ox.group { blueprint = h.obj("kitchen"), versions = { ox.version { programs = { "tp_getppid" },
      maps = { stats_by_proto = { max_entries = 0xffffffff } } } } }
    local ok, err, errno = g:load()
    assert.is_nil(ok)
    assert.equal(7, errno)
    assert.matches("map 'stats_by_proto': creating hash map %(key 4, value 16, max_entries 4294967295, " ..
      "flags 0x0%): E2BIG %(Argument list too long%): the map is too large for its type", err)
  end)

  local unprivileged = ([[
    local ox = require "oxlua"
    local g = ox.group { blueprint = %q, versions = { ox.version { programs = { "tp_getppid" } } } }
    local ok, err, errno = g:load()
    print(ok, errno)
    print(err)
  ]]):format(h.obj("events"))
  local LACKS = "EPERM %(Operation not permitted%) %(this process lacks CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, " ..
    "CAP_SYS_ADMIN: BPF maps and programs need CAP_BPF"

  it("says EPERM and which capabilities are missing, for an unprivileged user", function()
    local out = child(unprivileged, "setpriv --reuid=nobody --regid=nogroup --clear-groups")
    assert.matches("^nil\t1\n", out)
    assert.matches("map 'counts': creating array map %([^)]*%): " .. LACKS, out)
  end)

  it("says EPERM and which capabilities are missing, for root without capabilities", function()
    local out = child(unprivileged, "setpriv --inh-caps=-all --bounding-set=-all")
    assert.matches("^nil\t1\n", out)
    assert.matches(LACKS, out)
  end)

  describe("on a veth pair", function()
    local tag = h.pid() % 100000
    local A, B = "oxh" .. tag .. "a", "oxh" .. tag .. "b"
    local function make()
      h.veth(A, B, true)
    end
    before_each(make)
    after_each(function() h.sh("ip link del " .. A) end)

    local function xdp(legacy)
      return ox.group { blueprint = h.obj("events"), versions = { ox.version {
        programs = { ox.program("xdp_count", { "xdp:" .. B }, { legacy = legacy, xdp_mode = "skb" }) } } } }
    end

    for _, first in ipairs { false, true } do
      for _, second in ipairs { false, true } do
        local how = function(l) return l and "netlink" or "a bpf link" end
        it(("refuses XDP on an interface taken through %s, through %s, naming EBUSY"):format(how(first), how(second)), function()
          local g1 = xdp(first)
          assert(g1:load())
          local ok, err, errno = xdp(second):load()
          assert.is_nil(ok)
          assert.truthy(errno == 16 or errno == 17, tostring(errno))
          assert.matches("program 'xdp_count': xdp:" .. esc(B) .. ": an XDP program is already attached to " ..
            esc(B) .. ": E[BUSYXIT]+ %(", err)
          g1:close()
          -- and once it is free, it can be taken
          local g2 = xdp(second)
          assert(g2:load())
          g2:close()
        end)
      end
    end

    for _, legacy in ipairs { false, true } do
      it(("detaches cleanly from an interface deleted under XDP and tc (%s)"):format(legacy and "netlink" or "bpf links"), function()
        local out, err = child(([[
          local ox = require "oxlua"
          local h = require "support.helpers"
          collectgarbage()
          local fds = h.fd_count()
          local g = ox.group { blueprint = %q, versions = { ox.version { programs = {
            ox.program("xdp_count", { "xdp:%s" }, { legacy = %s, xdp_mode = "skb" }),
            ox.program("tc_ingress", { "tc:%s:ingress" }, { legacy = %s }) } } } }
          assert(g:load())
          print(g.links[1]:info().how, g.links[2]:info().how)
          assert(h.sh("ip link del %s"))
          print(pcall(g.close, g))
          collectgarbage()
          print(fds == h.fd_count())
        ]]):format(h.obj("events"), B, legacy, B, legacy, A))
        local how = legacy and "netlink" or "link"
        assert.equal(how .. "\t" .. how .. "\ntrue\ntrue\n", out)
        assert.equal("", err)
        assert.is_false(h.sh("ip link show " .. B))
        make() -- for after_each
      end)
    end
  end)

  for _, legacy in ipairs { false, true } do
    it(("closes cleanly after its cgroup is removed under cgroup_skb (%s)"):format(legacy and "BPF_PROG_ATTACH" or "bpf link"), function()
      local cg = "/sys/fs/cgroup/unified/oxlua-hostile-" .. h.pid()
      assert(h.sh("mkdir " .. cg))
      finally(function() h.sh("rmdir " .. cg) end)
      local out, err = child(([[
        local ox = require "oxlua"
        local h = require "support.helpers"
        collectgarbage()
        local fds = h.fd_count()
        local g = ox.group { blueprint = %q, versions = { ox.version { programs = {
          ox.program("cg_count", { "cgroup:%s:egress" }, { legacy = %s }) } } } }
        assert(g:load())
        print(g.links[1]:info().how)
        -- no process in it: the kernel lets it go, programs and all
        print(h.sh("rmdir %s"))
        print(pcall(g.close, g))
        collectgarbage()
        print(fds == h.fd_count())
      ]]):format(h.obj("events"), cg, legacy, cg))
      assert.equal((legacy and "prog_attach" or "link") .. "\ntrue\ntrue\ntrue\n", out)
      assert.equal("", err)
      assert.is_false(h.sh("test -d " .. cg))
    end)
  end
end)
