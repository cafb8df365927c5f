-- The oxlua executable: inspect, run, exit codes, OXLUA_LOG=debug.
local h = require "support.helpers"

local OXLUA = h.build .. "/oxlua"

-- Run a shell command; return stdout, stderr and exit code.
local function sh(cmd)
  local errf = os.tmpname()
  local p = io.popen(cmd .. " 2>" .. errf)
  local out = p:read("a")
  local _, _, code = p:close()
  local err = h.read(errf)
  os.remove(errf)
  return out, err, code
end

describe("oxlua inspect", function()
  it("lists programs, maps, globals and externs in columns", function()
    local out, _, code = sh(OXLUA .. " inspect " .. h.obj("kitchen"))
    assert.equal(0, code)
    assert.matches("license \"GPL\", BTF %d+ types %+ BTF%.ext", out)
    assert.matches("programs %(11%):", out)
    assert.matches("\n  tp_getppid +tracepoint/syscalls/sys_enter_getppid +tracepoint +%d+ +tracepoint:syscalls:sys_enter_getppid\n", out)
    assert.matches("\n  lazy_getpid +%?tp/syscalls/sys_enter_getpid", out)
    assert.matches("subprograms %(2%):", out)
    assert.matches("\n  stats_by_proto +hash +4 +16 +128 +0x0 +__u32 %-> struct stats\n", out)
    assert.matches("\n  xdp_verdict +%.rodata +0 +4 +const volatile int\n", out)
    assert.matches("\n  CONFIG_HZ +%.kconfig +int +no\n", out)
  end)

  it("prints JSON with --json", function()
    local out, _, code = sh(OXLUA .. " inspect --json " .. h.obj("legacy"))
    assert.equal(0, code)
    assert.matches('^{.*"maps":%[{.*"name":"legacy_counts".*}%]', out)
    assert.matches('"programs":%[{[^]]*"type":"socket_filter"', out)
    assert.matches('"license":"GPL"', out)
  end)

  it("fails with the parser's message and exit code 1 on bad input", function()
    local tmp = os.tmpname()
    local f = io.open(tmp, "wb")
    f:write("not an object")
    f:close()
    local _, err, code = sh(OXLUA .. " inspect " .. tmp)
    os.remove(tmp)
    assert.equal(1, code)
    assert.equal("oxlua: " .. tmp .. ": not an ELF file\n", err)
  end)

  it("exits 2 on usage errors", function()
    local _, err, code = sh(OXLUA .. " inspect")
    assert.equal(2, code)
    assert.matches("inspect needs a file", err)
    _, _, code = sh(OXLUA .. " frobnicate")
    assert.equal(2, code)
  end)
end)

describe("oxlua run", function()
  local function policy(src)
    local path = os.tmpname()
    local f = io.open(path, "w")
    f:write(src)
    f:close()
    return path
  end

  it("runs a policy with its arguments in arg", function()
    local p = policy('local ox = require "oxlua"; print(arg[0] ~= nil, arg[1], arg[2], ox._VERSION)')
    local out, _, code = sh(OXLUA .. " run " .. p .. " one two")
    os.remove(p)
    assert.equal(0, code)
    assert.matches("^true\tone\ttwo\t%d+%.%d+%.%d+\n$", out)
  end)

  it("exits 1 with the error and a traceback when the policy raises", function()
    local p = policy('error("policy broke")')
    local _, err, code = sh(OXLUA .. " run " .. p)
    os.remove(p)
    assert.equal(1, code)
    assert.matches("oxlua: .*policy broke", err)
    assert.matches("stack traceback", err)
  end)

  it("loads a group from a policy #root", function()
    local p = policy(([[
      local ox = require "oxlua"
      local g = ox.group { blueprint = %q, versions = { ox.version { programs = { "legacy_prog" } } } }
      assert(g:load())
      print(g.version.name, g.programs.legacy_prog:info().type)
      g:close()
    ]]):format(h.obj("legacy")))
    local out, _, code = sh(OXLUA .. " run " .. p)
    os.remove(p)
    assert.equal(0, code)
    assert.equal("version 1\tsocket_filter\n", out)
  end)

  it("logs every bpf() call with OXLUA_LOG=debug #root", function()
    local p = policy(([[
      local ox = require "oxlua"
      local g = ox.group { blueprint = %q, versions = { ox.version { programs = { "legacy_prog" } } } }
      assert(g:load())
      g:close()
    ]]):format(h.obj("legacy")))
    local _, err, code = sh("OXLUA_LOG=debug " .. OXLUA .. " run " .. p)
    os.remove(p)
    assert.equal(0, code)
    assert.matches("oxlua: bpf%(BPF_MAP_CREATE, type=array name=legacy_counts key=4 value=8 max=4 flags=0x0%) = %d+", err)
    assert.matches("oxlua: bpf%(BPF_PROG_LOAD, type=socket_filter name=legacy_prog insns=%d+ [^)]*%) = %d+", err)
    assert.matches("oxlua: bpf%(BPF_BTF_LOAD, size=%d+ log_level=0%) = %d+", err)
  end)

  it("prints its version and help", function()
    local out, _, code = sh(OXLUA .. " --version")
    assert.equal(0, code)
    assert.matches("^oxlua %d+%.%d+%.%d+ %(Lua 5%.4%)", out)
    out, _, code = sh(OXLUA .. " --help")
    assert.equal(0, code)
    assert.matches("usage: oxlua run %[POLICY%.lua%]", out)
  end)
end)

describe("the C module", function()
  it("does not link liblua", function()
    local out = sh("ldd " .. h.build .. "/lua/oxlua/core.so")
    assert.is_nil(out:match("liblua"))
    assert.matches("libelf", out)
  end)

  it("loads in the stock lua5.4 interpreter", function()
    local out, _, code = sh("lua5.4 -e 'print(require(\"oxlua\")._VERSION)'")
    assert.equal(0, code)
    assert.matches("^%d+%.%d+%.%d+\n$", out)
  end)

  it("is exported by the CLI so other C modules can use the Lua API", function()
    local out = sh("nm -D --defined-only " .. OXLUA .. " | grep -c ' lua_'")
    assert.truthy(tonumber(out) > 50)
    local tmp = os.tmpname()
    local f = io.open(tmp, "w")
    f:write('print(require("lfs").currentdir() ~= nil)')
    f:close()
    out = sh("LUA_CPATH='/usr/lib/x86_64-linux-gnu/lua/5.4/?.so' " .. OXLUA .. " run " .. tmp)
    os.remove(tmp)
    assert.equal("true\n", out)
  end)
end)
