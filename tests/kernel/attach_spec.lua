-- Attaching to real attach points, each with a real trigger and an exact
-- count. Needs root; leaves no interface, cgroup or tracefs entry behind.
local ox = require "oxlua"
local h = require "support.helpers"

local TARGET = h.build .. "/tests/target"
local LIB = h.build .. "/tests/libtarget.so"

local C = { tp = 0, raw = 1, up = 2, uret = 3, uplib = 4, perf = 5, xdp = 6, tc = 7, cg = 8,
  sock = 9, kp = 10, fentry = 14 }
-- what this kernel offers (kprobes, fentry)
local F = ox.features()

local function group_of(programs, globals)
  return ox.group { blueprint = h.obj("events"), versions = { ox.version {
    programs = programs, globals = globals } } }
end

local function count(g, which) return g.maps.counts:get(C[which]) end

describe("attach #root", function()
  it("attaches a tracepoint and counts a process's syscalls exactly", function()
    local pid, run = h.spawn("getppid", 1234)
    local g = group_of({ ox.program("tp_getppid", { "tracepoint:syscalls:sys_enter_getppid" }) },
      { target_pid = pid })
    assert(g:load())
    run()
    assert.equal(1234, count(g, "tp"))
    g:close()
  end)

  it("takes a default attach point from the section name", function()
    local pid, run = h.spawn("getppid", 10)
    local g = group_of({ ox.program("tp_getppid", { "" }) }, { target_pid = pid })
    assert(g:load())
    run()
    assert.equal(10, count(g, "tp"))
    assert.equal("tracepoint:syscalls:sys_enter_getppid", g.links[1]:info().point)
    g:close()
  end)

  it("attaches a raw tracepoint", function()
    local pid, run = h.spawn("getppid", 321)
    local g = group_of({ ox.program("raw_sys_enter", { "raw_tp:sys_enter" }) }, { target_pid = pid })
    assert(g:load())
    run()
    assert.equal(321, count(g, "raw"))
    g:close()
  end)

  it("attaches uprobes and uretprobes to a PIE executable and a shared library", function()
    local pid, run = h.spawn("call", 77)
    local g = group_of({
      ox.program("up_target", { "uprobe:" .. TARGET .. ":oxlua_target_fn" }),
      ox.program("uret_target", { "uretprobe:" .. TARGET .. ":oxlua_target_fn" }),
      ox.program("up_lib", { "uprobe:" .. LIB .. ":oxlua_lib_fn" }),
    }, { target_pid = pid })
    assert(g:load())
    run()
    assert.equal(77, count(g, "up"))
    assert.equal(77, count(g, "uret"))
    assert.equal(77, count(g, "uplib"))
    g:close()
  end)

  it("filters a uprobe by pid", function()
    local pid1, run1 = h.spawn("call", 5)
    local pid2, run2 = h.spawn("call", 9)
    local g = group_of({ ox.program("up_target", { "uprobe:" .. TARGET .. ":oxlua_target_fn" }, { pid = pid1 }) })
    assert(g:load())
    run1()
    run2()
    assert.equal(5, count(g, "up"))
    g:close()
    assert.are_not.equal(pid1, pid2)
  end)

  it("attaches uprobes through tracefs uprobe_events and removes the entries", function()
    local pid, run = h.spawn("call", 4)
    local g = group_of({ ox.program("up_target", { "uprobe:" .. TARGET .. ":oxlua_target_fn" }, { legacy = true }) },
      { target_pid = pid })
    assert(g:load())
    assert.equal(1, #ox.core.probe_events(true, h.pid()))
    assert.matches("^oxlua_%d+_%d+$", g.links[1]:info().tracefs_event)
    run()
    assert.equal(4, count(g, "up"))
    g:close()
    assert.equal(0, #ox.core.probe_events(true, h.pid()))
  end)

  it("resolves uprobe symbols in libraries by name and by address", function()
    local g = group_of({ ox.program("up_lib", { "uprobe:libc.so.6:getpid" }) })
    assert(g:load())
    g:close()
    local _, err = group_of({ ox.program("up_target", { "uprobe:" .. TARGET .. ":no_such_fn" }) }):load()
    assert.matches("no symbol 'no_such_fn'", err)
  end)

  it("samples with perf_event on every CPU", function()
    local g = group_of({ ox.program("on_sample", { "perf_event:cpu-clock:1000" }) })
    assert(g:load())
    local pid, run = h.spawn("getppid", 3000000)
    run()
    assert.truthy(count(g, "perf") > 0)
    assert.equal(ox.core.possible_cpus(), g.links[1]:info().fds // (g.links[1]:info().how == "link" and 2 or 1))
    g:close()
    assert.truthy(pid)
  end)

  -- What this kernel offers decides what is asserted: where it has kprobes
  -- (or fentry), they attach and count exactly; where not, loading fails
  -- with the precise reason. `make kernel-matrix` runs both sides.
  it("attaches a kprobe and counts a process's calls exactly, or says kprobes are not available", function()
    local pid, run = h.spawn("getppid", 42)
    local g = group_of({ ox.program("kp_getppid", { "kprobe:__x64_sys_getppid" }) }, { target_pid = pid })
    local ok, err = g:load()
    if F.attach.kprobe then
      assert(ok, err)
      run()
      assert.equal(42, count(g, "kp"))
      assert.equal("kprobe:__x64_sys_getppid", g.links[1]:info().point)
      g:close()
    else
      run()
      assert.is_nil(ok)
      assert.matches("kprobe:__x64_sys_getppid: kprobes are not available on this kernel", err)
    end
  end)

  it("attaches an fentry program and counts exactly, or says the kernel does not permit it", function()
    local pid, run = h.spawn("getppid", 17)
    local g = group_of({ ox.program("fentry_getppid", { "fentry:__do_sys_getppid" }) }, { target_pid = pid })
    local ok, err = g:load()
    if F.attach.fentry then
      assert(ok, err)
      run()
      assert.equal(17, count(g, "fentry"))
      g:close()
    else
      run()
      assert.is_nil(ok)
      assert.equal("EPERM", F.attach.fentry_error)
      assert.matches("program 'fentry_getppid' %(tracing%): loading: EPERM", err)
      assert.matches("does not permit BTF%-attached tracing programs", err)
    end
  end)

  it("chooses the kprobe version where kprobes exist, else falls back to the tracepoint version", function()
    local pid, run = h.spawn("getppid", 50)
    local g = ox.group { blueprint = h.obj("events"), versions = {
      ox.version { name = "kprobe", globals = { target_pid = pid }, programs = {
        ox.program("kp_getppid", { "kprobe:getppid" }, { syscall = true }) } },
      ox.version { name = "tracepoint", globals = { target_pid = pid }, programs = {
        ox.program("tp_getppid", { "tracepoint:syscalls:sys_enter_getppid" }) } },
    } }
    assert(g:load())
    run()
    if F.attach.kprobe then
      assert.equal("kprobe", g.version.name)
      assert.same({}, g.failures)
      assert.equal("kprobe:__x64_sys_getppid", g.links[1]:info().point)
      assert.equal(50, count(g, "kp"))
      assert.equal(0, count(g, "tp"))
    else
      assert.equal("tracepoint", g.version.name)
      assert.equal("kprobe", g.failures[1].version)
      assert.matches("kprobes are not available", g.failures[1].error)
      assert.equal(50, count(g, "tp"))
      assert.equal(0, count(g, "kp"))
    end
    g:close()
  end)

  it("tolerates optional programs and tries alternative points", function()
    local g = group_of({
      ox.program("kp_open", { "kprobe:oxlua_no_such_function" }, { optional = true }),
      ox.program("tp_getppid", { { any = { "tracepoint:syscalls:no_such_tp", "tracepoint:syscalls:sys_enter_getppid" } } }),
    })
    assert(g:load())
    assert.equal(1, #g.links)
    assert.matches("kp_open.*oxlua_no_such_function.*optional, skipped", g.warnings[1])
    g:close()
  end)

  it("rolls back every attachment when one point of a program fails", function()
    collectgarbage()
    local fds = h.fd_count()
    local ok, err = group_of({ ox.program("tp_getppid", {
      "tracepoint:syscalls:sys_enter_getppid", "tracepoint:syscalls:no_such_tracepoint" }) }):load()
    assert.is_nil(ok)
    assert.matches("no_such_tracepoint", err)
    collectgarbage()
    assert.equal(fds, h.fd_count())
  end)

  it("attaches a socket filter to a socketpair", function()
    local a, b = ox.core.socketpair()
    local g = group_of({ ox.program("sock_count", { "socket:" .. b:fd() }) })
    assert(g:load())
    for i = 1, 5 do a:send("datagram " .. i) end
    for i = 1, 5 do assert.equal("datagram " .. i, b:recv()) end
    assert.equal(5, count(g, "sock"))
    g:close()
    a:send("after")
    assert.equal("after", b:recv())
    a:close()
    b:close()
  end)

  describe("on a veth pair", function()
    local A, B = "oxv" .. h.pid() % 10000 .. "a", "oxv" .. h.pid() % 10000 .. "b"
    local frame = string.rep("\255", 6) .. "\2\0\0\0\0\1" .. "\136\181" .. string.rep("x", 50)

    setup(function()
      h.veth(A, B)
    end)
    teardown(function() h.sh("ip link del " .. A) end)

    for _, legacy in ipairs { false, true } do
      local how = legacy and "netlink" or "bpf links"
      it("counts frames with xdp and tc ingress (" .. how .. ")", function()
        local opts = { legacy = legacy, xdp_mode = "skb" }
        local g = group_of({
          ox.program("xdp_count", { "xdp:" .. B }, opts),
          ox.program("tc_ingress", { "tc:" .. B .. ":ingress" }, opts),
        })
        assert(g:load())
        assert.equal(legacy and "netlink" or "link", g.links[1]:info().how)
        assert.equal(25, ox.core.packet_send(A, frame, 25))
        assert.equal(25, count(g, "xdp"))
        assert.equal(25, count(g, "tc"))
        g:close()
        -- nothing left on the interface
        local out = h.output("ip -d link show " .. B .. "; tc qdisc show dev " .. B .. "; tc filter show dev " .. B .. " ingress")
        assert.is_nil(out:match("xdp"))
        assert.is_nil(out:match("clsact"))
        assert.is_nil(out:match("bpf"))
      end)
    end

    it("refuses a second XDP program with EBUSY", function()
      local g1 = group_of({ ox.program("xdp_count", { "xdp:" .. B }, { xdp_mode = "skb" }) })
      assert(g1:load())
      local ok, err = group_of({ ox.program("xdp_count", { "xdp:" .. B }, { xdp_mode = "skb" }) }):load()
      assert.is_nil(ok)
      assert.matches("an XDP program is already attached to " .. B, err)
      g1:close()
    end)
  end)

  describe("on a cgroup", function()
    local cg = "/sys/fs/cgroup/unified/oxlua-test-" .. h.pid()
    setup(function() assert(h.sh("mkdir -p " .. cg)) end)
    teardown(function() h.sh("rmdir " .. cg) end)

    it("counts a cgroup's egress packets", function()
      local g = group_of({ ox.program("cg_count", { "cgroup:" .. cg .. ":egress" }) })
      assert(g:load())
      assert(h.sh(("bash -c 'echo $$ > %s/cgroup.procs; for i in 1 2 3; do echo x > /dev/udp/127.0.0.1/9; done'"):format(cg)))
      assert.equal(3, count(g, "cg"))
      g:close()
    end)
  end)

  -- under emulation (make kernel-matrix, OXLUA_MATRIX=1) 100 cycles, else 1000
  local CYCLES = os.getenv("OXLUA_MATRIX") == "1" and 100 or 1000
  it(("leaves fds and tracefs entries unchanged over %d attach/detach cycles"):format(CYCLES), function()
    local g = group_of({ ox.program("tp_getppid"), ox.program("up_target") })
    assert(g:load())
    collectgarbage()
    local fds, before = h.fd_count(), #ox.core.probe_events(true, h.pid())
    local tp, up = g.programs.tp_getppid, g.programs.up_target
    for i = 1, CYCLES do
      local l1 = assert(tp:attach("tracepoint:syscalls:sys_enter_getppid"))
      local l2 = assert(up:attach("uprobe:" .. TARGET .. ":oxlua_target_fn", { legacy = i % 2 == 0 }))
      l2:detach()
      l1:detach()
    end
    collectgarbage()
    assert.equal(fds, h.fd_count())
    assert.equal(before, #ox.core.probe_events(true, h.pid()))
    g:close()
  end)
end)
