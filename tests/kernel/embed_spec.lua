-- Embedding: make install into a staging directory, the example C hosts,
-- the LuaLS definitions file.
local h = require "support.helpers"

local EXAMPLES = h.build .. "/examples"

-- Run a shell command; return its output (stdout and stderr) and exit code.
local function run(cmd)
  local out = h.output(cmd .. '; echo "[exit $?]"')
  local code = tonumber(out:match("%[exit (%d+)%]\n$"))
  return out:gsub("%[exit %d+%]\n$", ""), code
end

-- An absolute path (the tests run from the top of the source tree).
local function abs(path)
  if path:sub(1, 1) == "/" then return path end
  local p = io.popen("pwd")
  local cwd = p:read("l")
  p:close()
  return cwd .. "/" .. path
end

local tmpdir, write = h.tmpdir, h.write

describe("make install", function()
  local dest, prefix

  setup(function()
    dest, prefix = tmpdir(), "/usr/local"
  end)

  teardown(function()
    if dest and dest:match("^/tmp/") then h.sh("rm -rf " .. dest) end
  end)

  it("stages everything under DESTDIR, usable by the stock interpreter", function()
    local out, code = run(("make install BUILD=%s DESTDIR=%s PREFIX=%s"):format(h.build, dest, prefix))
    assert.equal(0, code, out)
    local root = dest .. prefix
    for _, f in ipairs { "bin/oxlua", "lib/lua/5.4/oxlua/core.so", "share/lua/5.4/oxlua/init.lua",
        "share/lua/5.4/oxlua/json.lua", "include/oxlua.h", "lib/liboxlua.a",
        "lib/pkgconfig/oxlua.pc", "share/man/man1/oxlua.1", "share/oxlua/types/oxlua.lua" } do
      assert.is_true(h.sh("test -f " .. root .. "/" .. f), f .. " installed")
    end
    assert.is_true(h.sh("test -x " .. root .. "/bin/oxlua"))
    -- the CLI's Lua is inside bin/oxlua, not installed beside the library
    for _, f in ipairs { "share/lua/5.4/oxlua_cli", "share/lua/5.4/oxlua/cli.lua",
        "share/lua/5.4/oxlua/repl.lua", "share/lua/5.4/oxlua/execmon.lua" } do
      assert.is_false(h.sh("test -e " .. root .. "/" .. f), f .. " not installed")
    end

    -- the installed module, found only through the staged paths (a sanitizer
    -- build needs the runtimes preloaded, so keep this process's environment)
    local env = ("LUA_CPATH='%s/lib/lua/5.4/?.so' LUA_PATH='%s/share/lua/5.4/?.lua;%s/share/lua/5.4/?/init.lua' ")
      :format(root, root, root)
    local p = io.popen(env .. "lua5.4 -e 'print(require(\"oxlua\")._VERSION)' 2>&1; echo \"[exit $?]\"")
    out = p:read("a")
    p:close()
    assert.matches("^%d+%.%d+%.%d+\n%[exit 0%]\n$", out)

    local pc = h.read(root .. "/lib/pkgconfig/oxlua.pc")
    assert.matches("\nprefix=" .. prefix:gsub("%p", "%%%0") .. "\n", pc)
    assert.is_nil(pc:find("@PREFIX@", 1, true))
    out, code = run(("PKG_CONFIG_PATH=%s/lib/pkgconfig pkg-config --cflags --libs oxlua")
      :format(root))
    assert.equal(0, code, out)
    assert.matches("%-I/usr/local/include", out)
    assert.matches("%-loxlua", out)
  end)

  it("uninstalls what it installed", function()
    local out, code = run(("make uninstall BUILD=%s DESTDIR=%s PREFIX=%s"):format(h.build, dest, prefix))
    assert.equal(0, code, out)
    out = run("find " .. dest .. " -type f")
    assert.equal("", out)
  end)
end)

describe("examples/host", function()
  it("lists an object's programs, sorted, without root", function()
    local out, code = run(EXAMPLES .. "/host " .. h.obj("legacy") .. " ./lua")
    assert.equal(0, code, out)
    assert.equal("program legacy_prog socket_filter\n", out)
  end)

  it("finds the Lua files through OXLUA_LUA_DIR", function()
    local out, code = run(("cd / && OXLUA_LUA_DIR=%s %s %s")
      :format(abs("lua"), abs(EXAMPLES .. "/host"), abs(h.obj("kitchen"))))
    assert.equal(0, code, out)
    local names = {}
    for name, typ in out:gmatch("program (%S+) (%S+)\n") do names[#names + 1] = name .. " " .. typ end
    assert.is_true(#names > 5)
    local sorted = { table.unpack(names) }
    table.sort(sorted)
    assert.same(sorted, names)
    assert.matches("program xdp_main xdp\n", out)
  end)

  it("exits 1 with the parser's message on a bad object and 2 on usage errors", function()
    local out, code = run(EXAMPLES .. "/host /etc/hostname ./lua")
    assert.equal(1, code)
    assert.matches("host: /etc/hostname: not an ELF file", out)
    _, code = run(EXAMPLES .. "/host")
    assert.equal(2, code)
  end)
end)

describe("examples/foreign_loop", function()
  it("drives ox.poll(0) from its own poll(2) loop #root", function()
    local policy = os.tmpname()
    write(policy, ([[
      local ox = require "oxlua"
      local g = ox.group { blueprint = %q, versions = { ox.version {
        programs = { ox.program("tp_getppid", { "tracepoint:syscalls:sys_enter_getppid" }) },
        globals = { emit = 2 } } } }
      local seen = 0
      g:on("ring_events", function() seen = seen + 1 end)
      assert(g:load())
      return g
    ]]):format(h.obj("events")))
    local out, code = run(("(sleep 0.3; %s/tests/target getppid 200 >/dev/null) & %s/foreign_loop %s 2 ./lua")
      :format(h.build, EXAMPLES, policy))
    os.remove(policy)
    assert.equal(0, code, out)
    local n = tonumber(out:match("handled (%d+)\n"))
    assert.is_not_nil(n, out)
    assert.is_true(n >= 200, out)
  end)

  it("exits 1 when the policy fails and 2 on usage errors", function()
    local policy = os.tmpname()
    write(policy, 'error("no policy here")')
    local out, code = run(EXAMPLES .. "/foreign_loop " .. policy .. " 1 ./lua")
    os.remove(policy)
    assert.equal(1, code)
    assert.matches("no policy here", out)
    _, code = run(EXAMPLES .. "/foreign_loop " .. policy .. " soon")
    assert.equal(2, code)
  end)
end)

describe("oxlua-scm-1.rockspec", function()
  it("builds oxlua.core from the Makefile's sources and installs every library module", function()
    local spec = {}
    assert(loadfile("oxlua-scm-1.rockspec", "t", spec))()
    assert.equal("oxlua", spec.package)
    assert.equal("builtin", spec.build.type)
    local mk = h.read("Makefile"):gsub("\\\n", " ")
    local want = {}
    for _, var in ipairs { "ENGINE_SRC", "BIND_SRC" } do
      local list = assert(mk:match("\n" .. var .. "%s*:=([^\n]*)"), var)
      for f in list:gmatch("%S+") do want[#want + 1] = f end
    end
    local have = { table.unpack(spec.build.modules["oxlua.core"].sources) }
    table.sort(want)
    table.sort(have)
    assert.same(want, have)
    local p = io.popen("ls lua/oxlua/*.lua")
    for path in p:lines() do
      local name = path:gsub("^lua/", ""):gsub("%.lua$", ""):gsub("/init$", ""):gsub("/", ".")
      assert.equal(path, spec.build.modules[name], name)
    end
    p:close()
    -- the CLI's Lua (lua/oxlua_cli/) is built into the executable only
    for name, src in pairs(spec.build.modules) do
      assert.is_nil(name:match("^oxlua_cli"), name)
      if type(src) == "string" then assert.matches("^lua/oxlua/[%w_]+%.lua$", src) end
    end
  end)
end)

describe("docs/api.md", function()
  it("mentions every function of ox and ox.core and every method of their classes", function()
    local ox = require "oxlua"
    local doc = h.read("docs/api.md")
    local missing = {}
    local function need(text) -- "f(" or, for a table argument, "f{"
      if not doc:find(text, 1, true) and not doc:find(text:sub(1, -2) .. "{", 1, true) then
        missing[#missing + 1] = text
      end
    end
    for name, v in pairs(ox) do
      if type(v) == "function" then need(("ox.%s("):format(name)) end
    end
    for name, v in pairs(ox.core) do
      if type(v) == "function" then need(("core.%s("):format(name)) end
    end
    local reg = debug.getregistry()
    for tname, var in pairs { ["oxlua.object"] = "object", ["oxlua.instance"] = "inst",
        ["oxlua.map"] = "map", ["oxlua.program"] = "prog", ["oxlua.link"] = "link",
        ["oxlua.reader"] = "reader", ["oxlua.loop"] = "loop", ["oxlua.socket"] = "sock" } do
      for name, v in pairs(reg[tname].__index) do
        if type(v) == "function" then need(("%s:%s("):format(var, name)) end
      end
    end
    local g = ox.group { blueprint = "unused.o", versions = { ox.version { programs = { "p" } } } }
    for name, v in pairs(getmetatable(g).__index) do
      if type(v) == "function" and not name:match("^__") then need(("group:%s("):format(name)) end
    end
    table.sort(missing)
    assert.same({}, missing)
  end)
end)

describe("types/oxlua.lua", function()
  it("parses as Lua", function()
    local out, code = run("luac5.4 -p types/oxlua.lua")
    assert.equal(0, code, out)
    assert.is_not_nil(loadfile("types/oxlua.lua"))
  end)

  it("declares every function of ox and ox.core and every method of their classes", function()
    local ox = require "oxlua"
    local src = h.read("types/oxlua.lua")
    local missing = {}
    local function need(pattern, what)
      if not src:find(pattern, 1, true) then missing[#missing + 1] = what end
    end
    local function methods(t, class, label)
      for name, v in pairs(t) do
        if type(v) == "function" and not name:match("^__") then
          need(("function %s:%s("):format(class, name), label .. ":" .. name)
        end
      end
    end
    for name, v in pairs(ox) do
      if type(v) == "function" then need(("function ox.%s("):format(name), "ox." .. name) end
    end
    for name, v in pairs(ox.core) do
      if type(v) == "function" then need(("function core.%s("):format(name), "ox.core." .. name) end
    end
    local reg = debug.getregistry()
    for tname, class in pairs { ["oxlua.object"] = "Object", ["oxlua.instance"] = "Instance",
        ["oxlua.map"] = "Map", ["oxlua.program"] = "LoadedProgram", ["oxlua.link"] = "Link",
        ["oxlua.reader"] = "Reader", ["oxlua.loop"] = "Loop", ["oxlua.socket"] = "Socket" } do
      assert.is_table(reg[tname], tname)
      methods(reg[tname].__index, class, tname)
    end
    local g = ox.group { blueprint = "unused.o", versions = { ox.version { programs = { "p" } } } }
    methods(getmetatable(g).__index, "Group", "group")
    table.sort(missing)
    assert.same({}, missing)
  end)

  it("starts with ---@meta and declares the classes of the API", function()
    local src = h.read("types/oxlua.lua")
    assert.matches("^%-%-%-@meta", src)
    for _, class in ipairs { "oxlua", "oxlua.Blueprint", "oxlua.Program", "oxlua.Version",
        "oxlua.Group", "oxlua.Map", "oxlua.LoadedProgram", "oxlua.Link", "oxlua.Reader", "oxlua.Loop", "oxlua.Socket" } do
      assert.matches("%-%-%-@class " .. class:gsub("%p", "%%%0") .. "[%s:]", src)
    end
  end)
end)
