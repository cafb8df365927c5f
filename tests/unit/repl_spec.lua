-- The interpreter of the oxlua executable: the REPL in a real terminal (a
-- tmux pane), and the lua.c-style options -e, -l, -, -v, -i without one.
local h = require "support.helpers"

local OXLUA = h.build .. "/oxlua"

-- Quote a string for sh.
local function q(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

-- Run a shell command; return stdout, stderr and exit code.
local function sh(cmd)
  local errf = os.tmpname()
  local p = io.popen(h.clean_env .. "sh -c " .. q(cmd) .. " 2>" .. errf)
  local out = p:read("a")
  local _, _, code = p:close()
  local err = h.read(errf)
  os.remove(errf)
  return out, err, code
end

local VERSION = assert(sh(OXLUA .. " -v"):match("^oxlua (%d+%.%d+%.%d+) "))

local function absolute(path)
  if path:sub(1, 1) == "/" then return path end
  local p = io.popen("pwd")
  local cwd = p:read("l")
  p:close()
  return cwd .. "/" .. path
end

local function tempdir()
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir " .. q(dir)))
  return dir
end

local function sleep(s) os.execute("sleep " .. s) end

describe("the REPL on a terminal", function()
  local session, home, socket

  -- tmux on a server of our own, its socket in the test's home directory:
  -- no user configuration, no other sessions; kill-server and removing the
  -- directory leave nothing behind.
  local function tmux(args)
    local p = io.popen(("%stmux -S %s -f /dev/null %s 2>&1"):format(h.clean_env, q(socket), args))
    local out = p:read("a")
    local ok = p:close()
    return ok, out
  end

  local function start()
    local ok, out = tmux(("new-session -d -s %s -x 120 -y 30 %s"):format(session,
      q(("env HOME=%s %s"):format(q(home), q(absolute(OXLUA))))))
    assert(ok, "tmux new-session failed: " .. out)
  end

  -- The pane's text, each line without trailing blanks, without the empty
  -- lines below the cursor.
  local function screen()
    local _, out = tmux("capture-pane -p -t " .. session)
    return (out:gsub("[ \t]+\n", "\n"):gsub("%s+$", ""))
  end

  local function wait_for(pattern, timeout)
    local deadline = os.time() + (timeout or 10)
    local s
    repeat
      s = screen()
      if s:match(pattern) then return s end
      sleep(0.05)
    until os.time() > deadline
    error(("timed out waiting for %q; the screen:\n%s"):format(pattern, s), 2)
  end

  local function alive() return tmux("has-session -t " .. session) == true end

  -- Type a line and press Enter (-l: "end" is text, not the End key).
  local function type_line(text)
    assert(tmux("send-keys -t " .. session .. " -l " .. q(text)))
    assert(tmux("send-keys -t " .. session .. " Enter"))
  end

  before_each(function()
    home = tempdir()
    socket = home .. "/.tmux-socket"
    session = ("oxlua-repl-%d"):format(h.pid())
  end)

  after_each(function()
    tmux("kill-server")
    os.execute("rm -rf " .. q(home))
  end)

  it("prints the banner and a prompt", function()
    start()
    local s = wait_for("\n>$")
    assert.matches("^oxlua " .. VERSION:gsub("%.", "%%.") .. " %(Lua 5%.4%) .- ox is loaded; Ctrl%-D exits\n>$", s)
  end)

  it("prints the values of expressions, with ox loaded", function()
    start()
    wait_for("\n>$")
    type_line("1+1")
    wait_for("\n> 1%+1\n2\n>$")
    type_line("ox._VERSION")
    wait_for("\n> ox%._VERSION\n" .. VERSION:gsub("%.", "%%.") .. "\n>$")
    type_line("type(ox.blueprint)")
    wait_for("\n> type%(ox%.blueprint%)\nfunction\n>$")
    type_line("'a', nil, 3")
    wait_for("\n> 'a', nil, 3\na +nil +3\n>$")
    type_line("x = 5")
    wait_for("\n> x = 5\n>$")
    type_line("x * 2")
    wait_for("\n> x %* 2\n10\n>$")
  end)

  it("reads more lines with >> until the chunk is complete", function()
    start()
    wait_for("\n>$")
    type_line("for i = 1, 3 do")
    wait_for("\n> for i = 1, 3 do\n>>$")
    type_line("print(i * 10)")
    wait_for("\n>> print%(i %* 10%)\n>>$")
    type_line("end")
    wait_for("\n>> end\n10\n20\n30\n>$")
  end)

  it("reports errors with a traceback and goes on", function()
    start()
    wait_for("\n>$")
    type_line('error("boom")')
    local s = wait_for("stack traceback:.*\n>$")
    assert.matches("\n> error%(\"boom\"%)\nstdin:1: boom\nstack traceback:\n", s)
    assert.matches("stdin:1: in main chunk\n>$", s)
    type_line("x = = 1")
    wait_for("\n> x = = 1\nstdin:1: unexpected symbol near '='\n>$")
    type_line("1+2")
    wait_for("\n> 1%+2\n3\n>$")
  end)

  it("exits on Ctrl-D and keeps the history for the next session", function()
    start()
    wait_for("\n>$")
    type_line("6*7")
    wait_for("\n42\n>$")
    assert(tmux("send-keys -t " .. session .. " C-d"))
    local deadline = os.time() + 10
    while alive() and os.time() <= deadline do sleep(0.05) end
    assert.is_false(alive())
    assert.matches("6%*7", h.read(home .. "/.oxlua_history"))

    start()
    wait_for("\n>$")
    assert(tmux("send-keys -t " .. session .. " Up"))
    wait_for("\n> 6%*7$")
    assert(tmux("send-keys -t " .. session .. " Enter"))
    wait_for("\n> 6%*7\n42\n>$")
  end)
end)

describe("oxlua without a terminal", function()
  it("runs stdin as a script with -", function()
    local out, _, code = sh("echo 'print(1+2)' | " .. OXLUA .. " -")
    assert.equal(0, code)
    assert.equal("3\n", out)
    out, _, code = sh("echo 'print(arg[0], ...)' | " .. OXLUA .. " - a b")
    assert.equal(0, code)
    assert.equal("-\ta\tb\n", out)
  end)

  it("skips a #! line and reports errors of stdin scripts with their line", function()
    local out, err, code = sh("printf '#!/usr/bin/env oxlua\\nprint(1)\\nerror(\"late\")\\n' | " .. OXLUA .. " -")
    assert.equal(1, code)
    assert.equal("1\n", out)
    assert.matches("^oxlua: stdin:3: late\nstack traceback:", err)
  end)

  it("runs -e with ox as a global", function()
    local out, _, code = sh(OXLUA .. " -e 'print(ox and 1)'")
    assert.equal(0, code)
    assert.equal("1\n", out)
    out = sh(OXLUA .. " -e 'print(ox._VERSION)'")
    assert.equal(VERSION .. "\n", out)
  end)

  it("requires modules into globals with -l, in order with -e", function()
    local out, _, code = sh(OXLUA .. " -l string -e 'print(string.rep(\"a\",3))'")
    assert.equal(0, code)
    assert.equal("aaa\n", out)
    out, _, code = sh(OXLUA .. " -l j=oxlua.json -e 'x=1' -e'print(type(j.encode), x + 1)'")
    assert.equal(0, code)
    assert.equal("function\t2\n", out)
  end)

  it("exits 1 with the error when -e or -l fails", function()
    local out, err, code = sh(OXLUA .. " -e 'print(1)' -e 'error(\"bad\")' -e 'print(2)'")
    assert.equal(1, code)
    assert.equal("1\n", out)
    assert.matches("^oxlua: %(command line%):1: bad\nstack traceback:", err)
    _, err, code = sh(OXLUA .. " -e 'x ='")
    assert.equal(1, code)
    assert.matches("^oxlua: %(command line%):1: unexpected symbol near <eof>\n$", err)
    _, err, code = sh(OXLUA .. " -l no_such_module_here")
    assert.equal(1, code)
    assert.matches("^oxlua: module 'no_such_module_here' not found", err)
  end)

  it("exits 2 on usage errors", function()
    local _, err, code = sh(OXLUA .. " -e")
    assert.equal(2, code)
    assert.matches("'%-e' needs an argument", err)
    _, err, code = sh(OXLUA .. " -e 'x=1' -q")
    assert.equal(2, code)
    assert.matches("unrecognized option '%-q'", err)
    _, err, code = sh(OXLUA .. " -e 'x=1' policy.lua")
    assert.equal(2, code)
    assert.matches("unexpected argument 'policy%.lua'", err)
  end)

  it("prints the version with -v, before what -e prints", function()
    local out, _, code = sh(OXLUA .. " -v")
    assert.equal(0, code)
    assert.equal("oxlua " .. VERSION .. " (Lua 5.4)\n", out)
    out = sh("echo 'print(2)' | " .. OXLUA .. " -v -e 'print(1)'")
    assert.equal("oxlua " .. VERSION .. " (Lua 5.4)\n1\n", out)
  end)

  it("runs the REPL on stdin without prompts when there are no arguments", function()
    local out, err, code = sh("printf '1+1\\nfor i = 1, 2 do\\nprint(i)\\nend\\nerror(\"x\")\\n"
      .. "2*3, \"a\"\\ntype(ox)\\n' | " .. OXLUA)
    assert.equal(0, code)
    assert.equal("2\n1\n2\n6\ta\ntable\n", out)
    assert.matches("^stdin:1: x\nstack traceback:\n", err)
    out, err, code = sh(OXLUA .. " </dev/null")
    assert.equal(0, code)
    assert.equal("", out)
    assert.equal("", err)
  end)

  it("runs the REPL after -e and -l with -i", function()
    local out, _, code = sh("printf 'y\\nstring.rep(\"b\", y)\\n' | " .. OXLUA .. " -l string -e 'y=2' -i")
    assert.equal(0, code)
    assert.equal("2\nbb\n", out)
  end)

  it("keeps the commands and --help", function()
    local out, _, code = sh(OXLUA .. " --help")
    assert.equal(0, code)
    assert.matches("oxlua %[%-e STAT%] %[%-l %[G=%]NAME%] %[%-i%] %[%-v%]", out)
    assert.matches("usage: oxlua run", out)
    out, _, code = sh(OXLUA .. " --version")
    assert.equal(0, code)
    assert.equal("oxlua " .. VERSION .. " (Lua 5.4)\n", out)
  end)
end)
