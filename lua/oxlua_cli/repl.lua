-- oxlua_cli.repl - the interactive interpreter of the oxlua executable: the
-- read-eval-print loop and lua.c-style options.
--
--   oxlua [-i] [-v] [-e STAT] [-l [G=]NAME] [- [ARGS...]]
--
-- -e and -l run in the order given; `-` runs stdin as a script (ARGS in arg
-- and `...`); -v prints the version. The loop runs with -i, or when nothing
-- else was asked for. `ox` (require "oxlua") is a global in all of them.
-- main(argv) returns the process exit code like oxlua_cli.main: 0 success,
-- 1 an error in -e, -l or the script, 2 usage error.
--
-- On a terminal, lines are read through oxlua_cli.editline (libedit) with
-- prompts and history in $HOME/.oxlua_history; otherwise stdin is read line
-- by line without prompts. A line is first tried as an expression
-- ("return " .. line) whose values are printed; a chunk that ends early
-- ("<eof>" in the syntax error) reads more lines with the second prompt.

local ox = require "oxlua"

local M = {}

local HISTORY_MAX = 1000

local function eprintf(fmt, ...) io.stderr:write(fmt:format(...), "\n") end

local function version_line() return ("oxlua %s (%s)"):format(ox._VERSION, _VERSION) end

local function banner() return version_line() .. " — ox is loaded; Ctrl-D exits" end

-- Is stdin a terminal (and is there a line editor for it)?
local function is_terminal()
  local ok, el = pcall(require, "oxlua_cli.editline")
  return ok and el.isatty(io.stdin)
end

-- An error of -e, -l or the script: reported after the output so far.
local function fail(msg)
  io.stdout:flush()
  eprintf("oxlua: %s", msg)
  return 1
end

-- Message handler for chunks: the message (or a description of a value that
-- is not a string) with a traceback cut where the chunk was called.
local function msghandler(err)
  if type(err) ~= "string" then
    local mt = getmetatable(err)
    local ok, s = false, nil
    if mt and mt.__tostring then ok, s = pcall(tostring, err) end
    err = ok and type(s) == "string" and s or ("(error object is a %s value)"):format(type(err))
  end
  local lines = {}
  for l in debug.traceback(err, 2):gmatch("[^\n]+") do lines[#lines + 1] = l end
  for i = #lines, 1, -1 do
    if lines[i] == "\t[C]: in function 'xpcall'" then
      for j = #lines, i, -1 do lines[j] = nil end
      break
    end
  end
  return table.concat(lines, "\n")
end

-- Call fn(...) under the message handler: true and its results packed, or
-- false and the message with its traceback.
local function call(fn, ...)
  local r = table.pack(xpcall(fn, msghandler, ...))
  if not r[1] then return false, r[2] end
  return true, table.pack(table.unpack(r, 2, r.n))
end

-- The values a chunk returned, through the global print (as lua.c does).
local function show(results)
  if results.n == 0 then return end
  local ok, err = pcall(_G.print, table.unpack(results, 1, results.n))
  if not ok then eprintf("error calling 'print' (%s)", tostring(err)) end
end

-- Compile what the user typed. The first line alone is tried as an
-- expression; otherwise lines are added while the chunk is incomplete.
-- more(), called for each further line, returns nil at end of input.
-- Returns the function or nil and the error, and the whole source.
local function compile(line, more)
  local fn = load("return " .. line, "=stdin")
  if fn then return fn, nil, line end
  local src = line
  while true do
    local err
    fn, err = load(src, "=stdin")
    if fn or not err:find("<eof>$") then return fn, err, src end
    local nxt = more()
    if not nxt then return nil, err, src end
    src = src .. "\n" .. nxt
  end
end

local function prompt(name, default)
  local p = rawget(_G, name)
  if p == nil then return default end
  return tostring(p)
end

-- Line sources: on a terminal, libedit with prompts and history; otherwise
-- plain lines from stdin.
local function terminal_input()
  local el = require "oxlua_cli.editline"
  local home = os.getenv("HOME")
  local histfile = home and home ~= "" and home .. "/.oxlua_history" or nil
  if histfile then el.read_history(histfile) end -- a missing file is normal
  local last
  return {
    read = function(first)
      local line = el.readline(first and prompt("_PROMPT", "> ") or prompt("_PROMPT2", ">> "))
      -- Ctrl-D inside a chunk: its error goes on a line of its own
      if not line and not first then io.stdout:write("\n") end
      return line
    end,
    remember = function(src)
      if src:find("%S") and src ~= last then
        last = src
        el.add_history(src)
        -- Saved after every entry, so history survives a killed REPL;
        -- failures (read-only home) are not worth a message.
        if histfile then el.write_history(histfile, HISTORY_MAX) end
      end
    end,
    finish = function() io.stdout:write("\n") end,
  }
end

local function plain_input()
  return {
    read = function() return io.stdin:read("l") end,
    remember = function() end,
    finish = function() end,
  }
end

-- The read-eval-print loop, until end of input (a policy may call it too).
-- opts.banner prints the banner first. Always returns 0: errors are
-- reported and the loop goes on.
function M.loop(opts)
  opts = opts or {}
  if rawget(_G, "ox") == nil then _G.ox = ox end
  local input = is_terminal() and terminal_input() or plain_input()
  if opts.banner then print(banner()) end
  while true do
    local line = input.read(true)
    if not line then break end
    local fn, err, src = compile(line, function() return input.read(false) end)
    input.remember(src)
    if not fn then
      eprintf("%s", err)
    else
      local done, res = call(fn)
      io.stdout:flush()
      if done then show(res) else eprintf("%s", res) end
    end
  end
  input.finish()
  return 0
end

-- lua.c-style options: { actions = { {"e", STAT} or {"l", NAME}, ... },
-- interactive =, version =, script = index of `-` in argv }, or nil and a
-- usage error.
local function parse(argv)
  local o = { actions = {} }
  local i = 1
  while argv[i] ~= nil do
    local a = argv[i]
    if a == "-" then
      o.script = i
      break
    elseif a == "-i" then
      o.interactive = true
    elseif a == "-v" then
      o.version = true
    elseif a:match("^%-[el]") then
      local opt, val = a:sub(2, 2), a:sub(3)
      if val == "" then
        i = i + 1
        val = argv[i]
        if val == nil then return nil, ("'-%s' needs an argument"):format(opt) end
      end
      o.actions[#o.actions + 1] = { opt, val }
    elseif a:sub(1, 1) == "-" then
      return nil, ("unrecognized option '%s'"):format(a)
    else
      return nil, ("unexpected argument '%s' (a script runs with: oxlua run SCRIPT)"):format(a)
    end
    i = i + 1
  end
  return o
end

-- -l [G=]NAME: global G (or NAME) = require(NAME).
local function dolibrary(spec)
  local g, name = spec:match("^([^=]+)=(.+)$")
  if not g then g, name = spec, spec end
  local ok, res = call(require, name)
  if not ok then return false, res end
  _G[g] = res[1]
  return true
end

local function dostring(src)
  local fn, err = load(src, "=(command line)")
  if not fn then return false, err end
  return call(fn)
end

-- `- ARGS...`: stdin as a script; a first line starting with # is skipped
-- (its newline stays, so line numbers hold).
local function dostdin(argv, at)
  local src = io.stdin:read("a") or ""
  src = src:gsub("^#[^\n]*", "", 1)
  local fn, err = load(src, "=stdin")
  if not fn then return false, err end
  local args = { [0] = "-" }
  for i = at + 1, #argv do args[#args + 1] = argv[i] end
  _G.arg = args
  return call(fn, table.unpack(args))
end

function M.main(argv)
  local o, err = parse(argv)
  if not o then
    eprintf("oxlua: %s (see oxlua --help)", err)
    return 2
  end
  local want_loop = o.interactive or (#o.actions == 0 and not o.script and not o.version)
  -- As lua.c does with -i, the banner (or -v's line) comes before anything
  -- -e, -l or the script print.
  if want_loop and is_terminal() then
    print(banner())
  elseif o.version then
    print(version_line())
  end
  _G.ox = ox
  for _, act in ipairs(o.actions) do
    local ok, msg
    if act[1] == "e" then ok, msg = dostring(act[2]) else ok, msg = dolibrary(act[2]) end
    if not ok then return fail(msg) end
  end
  if o.script then
    local ok, msg = dostdin(argv, o.script)
    if not ok then return fail(msg) end
  end
  if want_loop then return M.loop() end
  return 0
end

return M
