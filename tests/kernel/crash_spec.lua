-- Crash safety: after `kill -9` of an agent, nothing it attached stays
-- attached (its links and perf fds die with it), its tracefs entries are
-- removed by the next `oxlua run`, and what the policy pinned on purpose
-- stays pinned. Needs root; removes its interface, pin and files.
local ox = require "oxlua"
local h = require "support.helpers"

local OXLUA = h.build .. "/oxlua"
local TARGET = h.build .. "/tests/target"

local function exists(path) return ox.core.stat(path, true) ~= nil end

-- Wait (up to 5 s) until cond() holds: the kernel frees what a dead
-- process held from its work queues, a moment after the process is gone.
local function eventually(cond)
  local deadline = ox.core.now() + 5
  while not cond() and ox.core.now() < deadline do os.execute("sleep 0.05") end
  return cond()
end

describe("kill -9 of an agent #root", function()
  local tag = h.pid() % 100000
  local A, B = "oxc" .. tag .. "a", "oxc" .. tag .. "b"
  local pin = "/sys/fs/bpf/oxlua-crash-" .. h.pid()
  local dir

  setup(function()
    os.execute("mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf")
    h.veth(A, B, true)
    dir = os.tmpname()
    os.remove(dir)
    assert(h.sh("mkdir -m 0700 " .. dir))
  end)
  teardown(function()
    h.sh("ip link del " .. A)
    os.remove(pin)
    h.sh("rm -rf " .. dir)
  end)

  local function policy(name, src)
    local path = dir .. "/" .. name
    local f = assert(io.open(path, "w"))
    f:write(src)
    f:close()
    assert(h.sh("chmod 0600 " .. path))
    return path
  end

  it("leaves nothing attached but its pin, and the next start removes its tracefs entry", function()
    local p = policy("agent.lua", ([[
      local ox = require "oxlua"
      local g = ox.group { blueprint = %q, versions = { ox.version {
        programs = {
          ox.program("tp_getppid", { "tracepoint:syscalls:sys_enter_getppid" }),
          ox.program("up_target", { "uprobe:%s:oxlua_target_fn" }, { legacy = true }),
          ox.program("xdp_count", { "xdp:%s" }, { xdp_mode = "skb" }),
        },
        maps = { counts = { pin = %q } } } } }
      g:on("ring_events", function() end)
      assert(g:load())
      local ids = {}
      for _, name in ipairs { "tp_getppid", "up_target", "xdp_count" } do
        ids[#ids + 1] = g.programs[name]:info().id
      end
      print("running " .. table.concat(ids, " ") .. " " .. g.links[2]:info().tracefs_event)
      io.stdout:flush()
      ox.run {}
    ]]):format(h.obj("events"), TARGET, B, pin))
    local proc = io.popen(("%s run %s & echo $!; wait $! 2>/dev/null; echo exit $?"):format(OXLUA, p))
    local pid = tonumber(proc:read("l"))
    local killed = false
    finally(function() if not killed then h.sh("kill -9 " .. pid) end end)
    local line = proc:read("l") or ""
    local ids, event = {}, nil
    for w in line:gmatch("%S+") do
      if tonumber(w) then ids[#ids + 1] = tonumber(w) elseif w ~= "running" then event = w end
    end
    assert.equal(3, #ids, "the agent said: " .. line)
    assert.equal(("oxlua_%d_0"):format(pid), event)
    -- while it runs: attached
    assert.matches("xdp", h.output("ip -d link show " .. B))
    assert.same({ event }, ox.core.probe_events(true, pid))
    for _, id in ipairs(ids) do assert.is_true(h.sh("bpftool prog show id " .. id), "prog " .. id) end

    assert.is_true(h.sh("kill -9 " .. pid))
    killed = true
    assert.equal("exit 137", proc:read("l"))
    proc:close()

    -- its programs are gone, so nothing runs them: no tracepoint, uprobe or XDP
    for _, id in ipairs(ids) do
      assert.is_true(eventually(function() return not h.sh("bpftool prog show id " .. id) end),
        "program " .. id .. " outlived the agent")
    end
    assert.is_true(eventually(function() return not h.output("ip -d link show " .. B):match("xdp") end))
    -- the pinned map stays, on purpose
    assert.is_true(exists(pin))
    assert.is_true(h.sh("bpftool map show pinned " .. pin))
    -- the tracefs entry stays until the next start, which removes it and says so
    assert.same({ event }, ox.core.probe_events(true, pid))
    local errf = os.tmpname()
    local next_start = policy("next.lua", 'print("started")')
    local out = h.output(("%s run %s 2>%s"):format(OXLUA, next_start, errf))
    local err = h.read(errf)
    os.remove(errf)
    assert.equal("started\n", out)
    assert.matches("oxlua: removed %d+ tracefs probe entr[yies]+ left by exited oxlua processes\n", err)
    assert.same({}, ox.core.probe_events(true, pid))

    os.remove(pin)
    assert.is_false(exists(pin))
  end)
end)
