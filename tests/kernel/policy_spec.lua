-- The default policy, `oxlua run`'s loop, `oxlua probe`, ox.features, the
-- seed's map vocabulary, and the README's getting-started snippet.
local ox = require "oxlua"
local h = require "support.helpers"
local json = require "oxlua.json"

local OXLUA = h.build .. "/oxlua"

local function exists(path)
  local f = io.open(path)
  if f then f:close() end
  return f ~= nil
end
-- kprobes, seen without oxlua: the kprobe PMU or tracefs kprobe_events
local KPROBES = exists("/sys/bus/event_source/devices/kprobe/type") or
  exists("/sys/kernel/tracing/kprobe_events") or exists("/sys/kernel/debug/tracing/kprobe_events")

local function tmpfile(content)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(content)
  f:close()
  return path
end

-- Runs `oxlua run ARGS` and, once it has said which version it uses (loading
-- takes seconds under emulation), the shell command TRIGGER; returns stdout,
-- stderr and the exit status.
local function run_policy(args, trigger)
  local errf = os.tmpname()
  local cmd = ("(for i in $(seq 200); do grep -q 'using version' %s && break; sleep 0.05; done; %s) " ..
    ">/dev/null 2>&1 & %s%s run %s 2>%s"):format(errf, trigger, h.clean_env, OXLUA, args, errf)
  local p = io.popen(cmd)
  local out = p:read("a")
  local _, _, code = p:close()
  local err = h.read(errf)
  os.remove(errf)
  return out, err, code
end

describe("the default policy #root", function()
  it("shows execs with pid, ppid, uid, comm, filename and args, and says which version it chose", function()
    local out, err, code = run_policy("--duration 3", "bash -c '/bin/echo oxlua-marker-$$ second-arg; true'")
    assert.equal(0, code)
    -- kprobe, fentry, tracepoint: the first this kernel takes
    local f = ox.features()
    if f.attach.kprobe then
      assert.matches("oxlua: exec monitor: using version 'kprobe'\n", err)
      assert.is_nil(err:match("failed"))
    elseif f.attach.fentry then
      assert.matches("oxlua: exec monitor: using version 'fentry'", err)
      assert.matches("version 'kprobe' failed: .*kprobes are not available", err)
    else
      assert.matches("oxlua: exec monitor: using version 'tracepoint'", err)
      assert.matches("version 'kprobe' failed: .*kprobes are not available", err)
      assert.matches("version 'fentry' failed: .*EPERM", err)
    end
    assert.matches("^TIME +PID +PPID +UID +COMM +FILENAME ARGS\n", out)
    local pid, ppid, uid, comm, rest = out:match("\n%S+ +(%d+) +(%d+) +(%d+)  (%S+) +(/bin/echo oxlua%-marker%-%d+ second%-arg)\n")
    assert.truthy(pid, out)
    assert.equal(rest:match("marker%-(%d+)"), ppid) -- the bash that ran it
    assert.equal("0", uid)
    assert.equal("bash", comm)
  end)

  it("prints JSON lines with --json", function()
    local out = run_policy("--json --duration 3", "/bin/echo json-marker")
    local line = out:match('[^\n]*"filename":"/bin/echo"[^\n]*')
    assert.truthy(line, out)
    assert.matches('"args":%["/bin/echo","json%-marker"%]', line)
    assert.matches('"pid":%d+', line)
    assert.matches('"ppid":%d+', line)
    assert.matches('"comm":"', line)
  end)

  it("exits 0 on SIGINT with nothing left attached", function()
    -- a background job of sh starts with SIGINT ignored: give it the default
    -- action, so a SIGINT that came before the loop took it would end the
    -- test (exit 130) rather than go unnoticed
    local p = io.popen(("%senv --default-signal=INT %s run 2>&1 & echo $!; wait $!; echo exit $?")
      :format(h.clean_env, OXLUA))
    local pid = p:read("l")
    -- the header comes just before the loop starts (loading takes seconds under emulation)
    repeat local l = p:read("l") until not l or l:match("^TIME ")
    -- the ids of the programs and links it holds
    local ids = {}
    for kind, id in h.output("cat /proc/" .. pid .. "/fdinfo/*"):gmatch("\n(%a+)_id:%s*(%d+)") do
      if kind == "prog" or kind == "link" then ids[#ids + 1] = kind .. " show id " .. id end
    end
    assert.truthy(#ids >= 2, "no program or link fds found")
    os.execute("sleep 0.5; kill -INT " .. pid)
    local rest = p:read("a")
    p:close()
    assert.matches("exit 0\n$", rest)
    -- none of them is left
    for _, show in ipairs(ids) do assert.is_false(h.sh("bpftool " .. show), show) end
  end)
end)

describe("oxlua run", function()
  it("runs the loop after a policy that registered handlers, until SIGTERM #root", function()
    local policy = tmpfile(([[
      local ox = require "oxlua"
      local g = ox.group { blueprint = %q, versions = { ox.version {
        programs = { ox.program("tp_getppid", { "tracepoint:syscalls:sys_enter_getppid" }) },
        globals = { emit = 2 } } } }
      g:on("ring_events", function() end)
      assert(g:load())
      print("loaded")
      io.stdout:flush()
    ]]):format(h.obj("events")))
    local p = io.popen(("%s%s run %s & echo $!; wait $!; echo exit $?"):format(h.clean_env, OXLUA, policy))
    local pid = p:read("l")
    assert.equal("loaded", p:read("l"))
    os.execute("sleep 0.5; kill -TERM " .. pid)
    assert.equal("exit 0\n", p:read("a"))
    p:close()
    os.remove(policy)
  end)

  it("accepts the seed's ox.map and ox.perfmap entries #root", function()
    local pid, run = h.spawn("getppid", 30)
    local n = 0
    local g = ox.group { blueprint = h.obj("events"), versions = { ox.version {
      programs = { ox.program("tp_getppid", { "tracepoint:syscalls:sys_enter_getppid" }) },
      globals = { target_pid = pid, emit = 1 },
      maps = {
        ox.map("counts", { max_entries = 32 }),
        ox.perfmap("perf_events", { pages = 4, wakeup_events = 1, handler = function() n = n + 1 end }),
      } } } }
    assert(g:load())
    assert.equal(32, g.maps.counts:info().max_entries)
    run()
    local deadline = ox.core.now() + 5
    while n < 30 and ox.core.now() < deadline do ox.poll(50) end
    assert.equal(30, n)
    g:close()
  end)
end)

describe("probing the kernel #root", function()
  it("reports program types, map types, helpers and attach mechanisms", function()
    local f = ox.features()
    assert.equal(f, ox.features()) -- cached
    assert.is_true(f.prog_types.xdp)
    assert.is_true(f.prog_types.tracepoint)
    assert.is_true(f.map_types.ringbuf)
    assert.is_true(f.map_types.hash)
    assert.is_true(f.helpers.ringbuf_output)
    assert.equal(KPROBES, f.attach.kprobe)
    assert.is_true(f.attach.uprobe)
    -- fentry loads (the attach tests check it fires) or is refused with EPERM
    if f.attach.fentry then
      assert.is_nil(f.attach.fentry_error)
    else
      assert.equal("EPERM", f.attach.fentry_error)
    end
    assert.is_true(f.btf)
    assert.matches("^%d+%.%d+", f.kernel)
  end)

  it("prints a table, or JSON, from oxlua probe", function()
    local out = h.output(OXLUA .. " probe")
    assert.matches("^kernel %d+%.%d+%.%d+, BTF at /sys/kernel/btf/vmlinux\n", out)
    assert.matches("\n  kprobe +" .. (KPROBES and "yes" or "no") .. "\n", out)
    assert.matches("\n  ringbuf +yes\n", out)
    local j = h.output(OXLUA .. " probe --json")
    assert.matches('"attach":{[^}]*"uprobe":true', j)
    assert.matches('"prog_types":{[^}]*"xdp":true', j)
  end)
end)

describe("the README", function()
  it("has a getting-started snippet that runs #root", function()
    local readme = h.read("README.md")
    local snippet = readme:match("## Getting started.-```lua\n(.-)```")
    assert.truthy(snippet)
    local path = tmpfile(snippet)
    local out = h.output(OXLUA .. " run " .. path .. "; echo exit $?")
    os.remove(path)
    assert.matches("exit 0\n$", out)
    assert.matches("^strict\n1\t1\t1\n", out)
  end)
end)
