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

  -- Runs `oxlua run` on a policy of source src, sends SIGTERM after `after`
  -- seconds if it still runs; returns whether it was still running then,
  -- its output and status.
  local function run_and_stop(src, after)
    local p = policy(src)
    local out, _, code = sh(([[
      %s run %s & pid=$!
      sleep %s
      if kill -0 $pid 2>/dev/null; then echo STILL-RUNNING; kill -TERM $pid; fi
      wait $pid; echo "status=$?"]]):format(OXLUA, p, after))
    os.remove(p)
    return out:match("STILL%-RUNNING") ~= nil, out, code
  end

  -- A policy that loads a tracepoint program and registers a ring buffer
  -- handler, then runs tail.
  local function with_handler(tail)
    return ([[
      local ox = require "oxlua"
      local g = ox.group { blueprint = %q, versions = { ox.version { programs = {
        ox.program("tp_getppid", { "" }) } } } }
      assert(g:load())
      g:on("ring_events", function() end)
    ]]):format(h.obj("events")) .. tail
  end

  it("exits when a policy that polled the loop itself returns #root", function()
    local running, out = run_and_stop(with_handler([[
      for _ = 1, 3 do ox.poll(10) end
      print("polled")
    ]]), 3)
    assert.is_false(running)
    assert.matches("^polled\nstatus=0\n$", out)
  end)

  it("exits when a policy that ran the loop returns #root", function()
    local running, out = run_and_stop([[
      local ox = require "oxlua"
      ox.every(0.05, function() end)
      ox.run { duration = 0.2 }
      print("ran")
    ]], 3)
    assert.is_false(running)
    assert.matches("^ran\nstatus=0\n$", out)
  end)

  it("runs the loop after a policy that only registered handlers, until SIGTERM #root", function()
    local running, out = run_and_stop(with_handler('print("registered")'), 1)
    assert.is_true(running)
    assert.matches("^registered\nSTILL%-RUNNING\nstatus=0\n$", out)
  end)

  it("runs the loop after a policy that only armed a timer, until SIGTERM", function()
    local running, out = run_and_stop([[
      local ox = require "oxlua"
      ox.every(0.1, function() io.write("tick\n") io.flush() end)
    ]], 1)
    assert.is_true(running)
    assert.matches("^tick\ntick\n", out)      -- ticks after the script returned
    assert.matches("\nstatus=0\n$", out)     -- then SIGTERM ended the loop cleanly
  end)

  it("exits at once after a policy that registered nothing", function()
    local running, out = run_and_stop('print("done")', 2)
    assert.is_false(running)
    assert.equal("done\nstatus=0\n", out)
  end)

  it("is what `make run` runs: the exec monitor by default, POLICY= for another", function()
    -- (BUILD as the suite's: make passes its own command-line variables down)
    local function run_line(vars)
      local out, _, code = sh("make -n --no-print-directory run BUILD=" .. h.build .. " " .. vars)
      assert.equal(0, code)
      return out:match("([^\n]*oxlua run[^\n]*)\n$")
    end
    local cmd = "^" .. h.build:gsub("%p", "%%%0") .. "/oxlua run"
    assert.matches(cmd .. "%s*$", run_line(""))
    assert.matches(cmd .. " +%-%-json$", run_line("ARGS=--json"))
    assert.matches(cmd .. " examples/hello%.lua%s*$", run_line("POLICY=examples/hello.lua"))
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

describe("oxlua run as root #root", function()
  local dir, n = nil, 0
  local ADVICE = "; fix it or pass %-%-allow%-unsafe%-permissions\n$"

  before_each(function()
    dir = os.tmpname()
    os.remove(dir)
    assert(h.sh("mkdir -m 0700 " .. dir))
  end)
  after_each(function() h.sh("rm -rf " .. dir) end)

  -- A file in the test directory with the given mode.
  local function file(name, mode, src)
    n = n + 1
    local path = ("%s/%d-%s"):format(dir, n, name)
    local f = assert(io.open(path, "wb"))
    f:write(src)
    f:close()
    assert(h.sh(("chmod %s %s"):format(mode, path)))
    return path
  end
  local function policy(mode, src) return file("policy.lua", mode, src or 'print("ran")') end

  it("refuses a policy file writable by others, saying why", function()
    local p = policy("0666")
    local out, err, code = sh(OXLUA .. " run " .. p)
    assert.equal(1, code)
    assert.equal("", out)
    assert.matches("^oxlua: refusing to run " .. p:gsub("%p", "%%%0") ..
      ": it is writable by others %(mode 0666%)" .. ADVICE, err)
  end)

  it("refuses a policy file writable by its group", function()
    local _, err, code = sh(OXLUA .. " run " .. policy("0620"))
    assert.equal(1, code)
    assert.matches(": it is writable by its group %(mode 0620%)" .. ADVICE, err)
  end)

  it("accepts a policy of mode 0644 owned by root", function()
    local out, err, code = sh(OXLUA .. " run " .. policy("0644"))
    assert.equal(0, code, err)
    assert.equal("ran\n", out)
  end)

  it("runs an unsafe policy with --allow-unsafe-permissions", function()
    local out, _, code = sh(OXLUA .. " run --allow-unsafe-permissions " .. policy("0666") .. " x")
    assert.equal(0, code)
    assert.equal("ran\n", out)
  end)

  it("refuses a policy owned by another non-root user", function()
    local p = policy("0644")
    assert(h.sh("chown nobody " .. p))
    local _, err, code = sh(OXLUA .. " run " .. p)
    assert.equal(1, code)
    assert.matches(": it is owned by uid %d+, not by root" .. ADVICE, err)
  end)

  it("refuses a policy in a directory others can write, and judges a symlink by its target", function()
    local p = policy("0644")
    assert(h.sh("chmod 0777 " .. dir))
    local _, err, code = sh(OXLUA .. " run " .. p)
    assert.equal(1, code)
    assert.matches(": directory " .. dir:gsub("%p", "%%%0") .. " is writable by others %(mode 0777%)" .. ADVICE, err)
    assert(h.sh("chmod 0700 " .. dir))
    local bad = policy("0646")
    local link = dir .. "/link.lua"
    assert(h.sh(("ln -s %s %s"):format(bad, link)))
    _, err, code = sh(OXLUA .. " run " .. link)
    assert.equal(1, code)
    assert.matches(": it is a symlink to " .. bad:gsub("%p", "%%%0") .. ", which is writable by others %(mode 0646%)", err)
  end)

  it("refuses an object the policy loads when it is unsafe, and not with the flag", function()
    local obj = file("legacy.bpf.o", "0666", h.read(h.obj("legacy")))
    local p = policy("0600", ([[
      local ox = require "oxlua"
      local bp, err, errno = ox.blueprint(%q)
      print(bp ~= nil, err, errno)
      local g = ox.group { blueprint = %q, versions = { ox.version { programs = { "legacy_prog" } } } }
      print(g:load())
    ]]):format(obj, obj))
    local out, _, code = sh(OXLUA .. " run " .. p)
    assert.equal(0, code)
    local msg = "refusing to load " .. obj:gsub("%p", "%%%0") .. ": it is writable by others %(mode 0666%); " ..
      "fix it or pass %-%-allow%-unsafe%-permissions"
    assert.matches("^false\t" .. msg .. "\t13\nnil\t" .. msg .. "\t13\n$", out)
    out, _, code = sh(OXLUA .. " run --allow-unsafe-permissions " .. p)
    assert.equal(0, code)
    assert.matches("^true\tnil\tnil\ntrue\n$", out)
  end)

  it("leaves plain require \"oxlua\" unchecked unless asked", function()
    local ox = require "oxlua"
    local obj = file("legacy.bpf.o", "0666", h.read(h.obj("legacy")))
    assert.truthy(ox.blueprint(obj))
    assert.equal("it is writable by others (mode 0666)", ox.permission_problem(obj))
    assert.is_false(ox.check_permissions(true))
    local bp, err, errno = ox.blueprint(obj)
    assert.is_nil(bp)
    assert.equal(13, errno)
    assert.matches("; fix it or call ox%.check_permissions%(false%)$", err)
    assert.truthy(ox.blueprint { data = h.read(obj) }) -- bytes are not a file
    assert.is_true(ox.check_permissions(false))
    assert.truthy(ox.blueprint(obj))
    assert.is_nil(ox.permission_problem(h.obj("legacy")))
    assert.is_nil(ox.permission_problem(dir .. "/missing.o"))
  end)
end)

describe("no shell", function()
  -- Code that could hand a string to a shell: none is allowed in the
  -- engine, the bindings, the CLI or the Lua layer.
  local C_BAD = { "%f[%w_]system%s*%(", "%f[%w_]popen%s*%(", "%f[%w_]exec[lv]p?e?%s*%(",
    '"/bin/sh"', '"sh"', '"%-c"' }
  local LUA_BAD = { "os%.execute", "io%.popen", "%f[%w_]popen%s*%(" }

  local function scan(files, patterns, hits)
    for _, path in ipairs(files) do
      local ln = 0
      for line in io.lines(path) do
        ln = ln + 1
        for _, pat in ipairs(patterns) do
          if line:find(pat) then
            hits[#hits + 1] = ("%s:%d: %s"):format(path, ln, line)
            break
          end
        end
      end
    end
  end

  local function list(cmd)
    local out = {}
    for l in h.output(cmd):gmatch("[^\n]+") do out[#out + 1] = l end
    return out
  end

  it("is ever invoked by the sources", function()
    local c = list("ls src/*.c src/*.h src/*/*.c src/*/*.h include/*.h")
    local lua = list("ls lua/oxlua/*.lua lua/oxlua_cli/*.lua")
    assert.truthy(#c > 30 and #lua >= 5)
    local hits = {}
    scan(c, C_BAD, hits)
    scan(lua, LUA_BAD, hits)
    assert.same({}, hits)
    -- the scanner itself finds what it looks for
    local probe = os.tmpname()
    local f = io.open(probe, "w")
    f:write('x = io.popen("ls")\nint r = system("ls");\nexecvp(argv[0], argv);\n')
    f:close()
    local in_c, in_lua = {}, {}
    scan({ probe }, C_BAD, in_c)
    scan({ probe }, LUA_BAD, in_lua)
    os.remove(probe)
    assert.equal(3, #in_c)
    assert.equal(1, #in_lua)
  end)
end)
