-- `.ksyms` externs against the running kernel: kfuncs, typed kernel
-- variables, typeless symbols from /proc/kallsyms, weak and strong externs
-- the kernel lacks. Needs root.
local ox = require "oxlua"
local h = require "support.helpers"

local PKT = string.rep("\0", 64)

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
    assert(g:load())
    g.globals.query_pid = h.pid()
    assert.equal(1, g.programs.task_exists:test_run { data = PKT }.retval)
    g.globals.query_pid = pid_max()	-- pids are below pid_max
    assert.equal(0, g.programs.task_exists:test_run { data = PKT }.retval)
    -- bpf_ksym_exists: true for a weak kfunc the kernel has, false for one
    -- it lacks, whose (dead) call was poisoned and did not stop the load
    assert.equal(1, g.globals.rcu_lock_exists)
    assert.equal(0, g.globals.weak_kfunc_exists)
    assert.equal(0, g.globals.weak_called)
    g:close()
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
    assert.truthy(err:find("extern 'bpf_task_release___badproto' (.ksyms): kfunc is declared as "
      .. "int (int, int), the kernel has void (struct task_struct *)", 1, true), err)
  end)

  it("explains a reachable call of a weak kfunc the kernel lacks", function()
    local ok, err = group("calls_weak_unguarded"):load()
    assert.is_nil(ok)
    assert.truthy(err:find("the call of weak kfunc 'oxlua_weak_kfunc', which this kernel lacks, is "
      .. "reachable: guard it with bpf_ksym_exists()", 1, true), err)
  end)

  it("loads several programs sharing kfuncs and ksyms in one load", function()
    local g = group("task_exists", "read_addrs")
    assert(g:load())
    g.globals.query_pid = h.pid()
    assert.equal(1, g.programs.task_exists:test_run { data = PKT }.retval)
    g:close()
  end)
end)
