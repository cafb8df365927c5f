-- `.ksyms` externs against the running kernel: kfuncs, typed kernel
-- variables, typeless symbols from /proc/kallsyms, weak and strong externs
-- the kernel lacks, kfuncs of a module's BTF. Needs root.
--
-- Kernels differ (see tests/bpf/ksyms.bpf.c): where the kernel's BTF has a
-- kfunc the tests assert what calling it does, where it lacks it they assert
-- the loader's "no kfunc named" error. On Debian's 6.1 the conntrack kfuncs
-- are in the nf_conntrack module's BTF: there the tests run the module path
-- (BTF id in the module, its BTF object in the load's fd_array).
local ox = require "oxlua"
local h = require "support.helpers"

local PKT = string.rep("\0", 64)
local XDP_PASS = 2
local ENOENT = 2

-- The kernel's FUNC `name`: its kernel_type() record, or nil.
local function kfunc(name)
  local t = ox.core.kernel_type(name)
  if t and t.kind == "func" then return t end
end

local function no_kfunc(extern, name)
  return ("extern '%s' (.ksyms): no kfunc named '%s' in the kernel's BTF"):format(extern, name or extern)
end

-- An Ethernet frame carrying an IPv4/TCP SYN from 192.0.2.1:sport to
-- 192.0.2.2:80 (no checksums: nothing here checks them).
local function tcp_frame(sport)
  local eth = ("\2\0\0\0\0\2" .. "\2\0\0\0\0\1") .. string.pack(">I2", 0x0800)
  local ip = string.pack(">BBI2I2I2BBI2", 0x45, 0, 40, 1, 0, 64, 6, 0) .. "\192\0\2\1" .. "\192\0\2\2"
  local tcp = string.pack(">I2I2I4I4BBI2I2I2", sport, 80, 1, 0, 0x50, 0x02, 65535, 0, 0)
  return eth .. ip .. tcp
end

local function group(...)
  return ox.group { blueprint = h.obj("ksyms"), versions = { ox.version { programs = { ... } } } }
end

-- Address of a symbol in /proc/kallsyms (nil when absent).
local function kallsyms(name)
  for line in io.lines("/proc/kallsyms") do
    local addr, sym = line:match("^(%x+) %a (%S+)")
    if sym == name then return tonumber(addr, 16) end
  end
end

local function pid_max()
  local f = assert(io.open("/proc/sys/kernel/pid_max"))
  local n = tonumber(f:read("l"))
  f:close()
  return n
end

describe("ksyms #root", function()
  it("lists .ksyms externs in the blueprint", function()
    local bp = assert(ox.blueprint(h.obj("ksyms")))
    local seen = {}
    for _, x in ipairs(bp.externs) do seen[x.name] = x end
    assert.equal(".ksyms", seen.bpf_task_from_pid.section)
    assert.equal(".ksyms", seen._stext.section)
    assert.is_true(seen.oxlua_weak_kfunc.weak)
    assert.is_false(seen.bpf_task_from_pid.weak)
  end)

  it("calls kfuncs: bpf_task_from_pid finds this process and not a free pid", function()
    local g = group("task_exists")
    finally(function() g:close() end)
    local ok, err = g:load()
    if not kfunc("bpf_task_from_pid") then	-- before 6.2
      assert.is_nil(ok)
      assert.truthy(err:find(no_kfunc("bpf_task_from_pid"), 1, true), err)
      return
    end
    assert(ok, err)
    g.globals.query_pid = h.pid()
    assert.equal(1, g.programs.task_exists:test_run { data = PKT }.retval)
    g.globals.query_pid = pid_max()	-- pids are below pid_max
    assert.equal(0, g.programs.task_exists:test_run { data = PKT }.retval)
  end)

  it("tells weak kfuncs apart with bpf_ksym_exists; calls of absent ones are dead", function()
    local g = group("weak_kfuncs")
    finally(function() g:close() end)
    assert(g:load())
    assert.equal(0, g.programs.weak_kfuncs:test_run { data = PKT }.retval)
    -- 1 where the kernel has bpf_rcu_read_lock (6.2 on), whose calls ran;
    -- 0 where it lacks it, whose calls were poisoned and did not stop the load
    assert.equal(kfunc("bpf_rcu_read_lock") and 1 or 0, g.globals.rcu_lock_exists)
    assert.equal(0, g.globals.weak_kfunc_exists)
    assert.equal(0, g.globals.weak_called)
  end)

  it("calls a kfunc of a module's BTF where the module has it (conntrack lookup)", function()
    local lookup = kfunc("bpf_xdp_ct_lookup")
    local g = group("ct_xdp")
    finally(function() g:close() end)
    local ok, err = g:load()
    if not lookup then	-- no conntrack in this kernel
      assert.is_nil(ok)
      assert.truthy(err:find(no_kfunc("bpf_xdp_ct_lookup"), 1, true), err)
      return
    end
    -- where nf_conntrack is a module, its kfuncs are in the module's BTF
    -- (the load then passes that BTF object in its fd_array), else in vmlinux
    local modular = ox.core.stat("/sys/kernel/btf/nf_conntrack") ~= nil
    assert.equal(modular and "nf_conntrack" or nil, lookup.module)
    assert.equal(modular and "nf_conntrack" or nil, kfunc("bpf_ct_release").module)
    assert(ok, err)
    assert.equal(XDP_PASS, g.programs.ct_xdp:test_run { data = tcp_frame(40000 + h.pid() % 20000) }.retval)
    -- the kfunc ran: no connection has this tuple, and it said so
    assert.equal(0, g.globals.ct_found)
    assert.equal(-ENOENT, g.globals.ct_error)
    -- opts__sz was the kernel's sizeof(struct bpf_ct_opts) (12 on 6.1, 16
    -- from 6.12), by a CO-RE relocation against the same BTF
    local opts = assert(ox.core.kernel_type("struct bpf_ct_opts"))
    assert.equal(lookup.module, opts.module)
    assert.equal(opts.size, g.globals.ct_opts_size)
  end)
  it("gives typeless ksyms their /proc/kallsyms address, absent weak ones 0", function()
    local g = group("read_addrs")
    assert(g:load())
    assert.equal(0, g.programs.read_addrs:test_run { data = PKT }.retval)
    local want = kallsyms("_stext")
    assert.truthy(want)
    assert.equal(want, g.globals.stext_addr)
    assert.equal(0, g.globals.weak_var_addr)
    assert.equal(0, g.globals.weak_sym_addr)
    g:close()
  end)

  it("gives a typed kernel variable its BTF id", function()
    local pid, run = h.spawn("getppid", 3)
    local g = ox.group { blueprint = h.obj("ksyms"), versions = { ox.version {
      programs = { ox.program("read_var", { "tracepoint:syscalls:sys_enter_getppid" }) },
      globals = { target_pid = pid } } } }
    local ok, err = g:load()
    if kallsyms("bpf_prog_active") then
      -- the kernel can place per-CPU variables: the program runs inside a
      -- tracepoint, where bpf_prog_active is 1 on this CPU
      assert(ok, err)
      run()
      assert.equal(1, g.globals.prog_active)
    else
      -- without CONFIG_KALLSYMS_ALL the kernel cannot find the variable's
      -- address, and says so naming the variable our BTF id pointed at
      run()
      assert.is_nil(ok)
      assert.truthy(err:find("failed to find the address for kernel symbol 'bpf_prog_active'", 1, true), err)
    end
    g:close()
  end)

  it("refuses a strong kernel variable the kernel lacks, naming it", function()
    local ok, err = group("uses_strong_var"):load()
    assert.is_nil(ok)
    assert.truthy(err:find("extern 'oxlua_strong_var' (.ksyms): no such kernel variable in the kernel's BTF",
      1, true), err)
  end)

  it("refuses a strong kfunc the kernel lacks, naming it", function()
    local ok, err = group("uses_strong_kfunc"):load()
    assert.is_nil(ok)
    assert.truthy(err:find("extern 'oxlua_strong_kfunc' (.ksyms): no kfunc named 'oxlua_strong_kfunc'",
      1, true), err)
  end)

  it("refuses a kfunc declared with another prototype (flavour suffix ignored)", function()
    local ok, err = group("uses_bad_proto"):load()
    assert.is_nil(ok)
    if kfunc("bpf_ct_release") then
      assert.truthy(err:find("extern 'bpf_ct_release___badproto' (.ksyms): kfunc is declared as "
        .. "int (int, int), the kernel has void (struct nf_conn *)", 1, true), err)
    else
      assert.truthy(err:find(no_kfunc("bpf_ct_release___badproto", "bpf_ct_release"), 1, true), err)
    end
  end)

  it("explains a reachable call of a weak kfunc the kernel lacks", function()
    local ok, err = group("calls_weak_unguarded"):load()
    assert.is_nil(ok)
    assert.truthy(err:find("the call of weak kfunc 'oxlua_weak_kfunc', which this kernel lacks, is "
      .. "reachable: guard it with bpf_ksym_exists()", 1, true), err)
  end)

  it("loads several programs sharing kfuncs and ksyms in one load", function()
    local g = group("ct_xdp", "ct_tc", "read_addrs")
    finally(function() g:close() end)
    local ok, err = g:load()
    if not kfunc("bpf_xdp_ct_lookup") then
      assert.is_nil(ok)
      assert.truthy(err:find(no_kfunc("bpf_xdp_ct_lookup"), 1, true), err)
      return
    end
    assert(ok, err)
    local frame = tcp_frame(40000 + (h.pid() + 1) % 20000)
    assert.equal(XDP_PASS, g.programs.ct_xdp:test_run { data = frame }.retval)
    assert.equal(0, g.programs.ct_tc:test_run { data = frame }.retval)
    assert.equal(0, g.programs.read_addrs:test_run { data = PKT }.retval)
    assert.equal(0, g.globals.ct_found)
    assert.equal(-ENOENT, g.globals.ct_error)
    assert.equal(0, g.globals.ct_tc_found)
    assert.equal(-ENOENT, g.globals.ct_tc_error)
    assert.equal(kallsyms("_stext"), g.globals.stext_addr)
  end)
end)
