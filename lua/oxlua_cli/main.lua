-- oxlua_cli.main - the oxlua command line: run, inspect, probe, help,
-- version; the REPL and lua.c-style options are in oxlua_cli.repl, the
-- default policy in oxlua_cli.execmon. main(arg), which src/cli/main.c
-- calls, returns the process exit code:
--   0 success, 1 runtime failure (load error, policy error), 2 usage error.

local ox = require "oxlua"
local json = require "oxlua.json"

local M = {}

local usage = [[
usage: oxlua run [POLICY.lua] [ARGS...] run a policy script (arg holds ARGS); without
                                       one, the default exec monitor [--json]
       oxlua run --allow-unsafe-permissions ...
                                       as root, run refuses a policy or object file
                                       that group or others can write or another
                                       user owns (or in such a directory); this
                                       option runs it anyway
       oxlua inspect FILE [--json]     list an object's programs, maps, globals
       oxlua probe [--json]            what this kernel supports
       oxlua [-e STAT] [-l [G=]NAME] [-i] [-v] [- ARGS...]
                                       Lua with the global ox = require "oxlua":
                                       -e runs STAT, -l sets global G (or NAME) to
                                       require(NAME), - runs stdin as a script, -v
                                       prints the version; -i, or no arguments at
                                       all, starts the REPL (Ctrl-D exits)
       oxlua --version | --help

Environment: OXLUA_LOG=debug logs every bpf() call to stderr.
Exit codes: 0 success, 1 failure, 2 usage error.]]

local function eprintf(fmt, ...) io.stderr:write(fmt:format(...), "\n") end

-- Rows of equal-width columns.
local function columns(rows, out)
  local w = {}
  for _, r in ipairs(rows) do
    for i, c in ipairs(r) do w[i] = math.max(w[i] or 0, #tostring(c)) end
  end
  for _, r in ipairs(rows) do
    local cells = {}
    for i, c in ipairs(r) do
      cells[i] = i < #r and ("%-" .. w[i] .. "s"):format(tostring(c)) or tostring(c)
    end
    out:write("  ", table.concat(cells, "  "), "\n")
  end
end

function M.inspect(path, as_json, out)
  out = out or io.stdout
  local bp, err = ox.blueprint(path)
  if not bp then eprintf("oxlua: %s", err) return 1 end
  local info = bp.info
  if as_json then
    for _, p in ipairs(info.programs) do p.attach = bp.programs[p.name].attach end
    info.programs = json.array(info.programs)
    info.subprograms = json.array(info.subprograms)
    info.maps = json.array(info.maps)
    info.globals = json.array(info.globals)
    info.externs = json.array(info.externs)
    out:write(json.encode(info), "\n")
    return 0
  end
  local btf = info.btf and ("BTF %d types%s"):format(info.btf.types, info.btf.ext and " + BTF.ext" or "")
    or "no BTF"
  out:write(("%s: license %q, %s, %d CO-RE relocations\n"):format(
    info.name, info.license, btf, info.core_relos))
  out:write(("programs (%d):\n"):format(#info.programs))
  local rows = { { "NAME", "SECTION", "TYPE", "INSNS", "ATTACH" } }
  for _, p in ipairs(info.programs) do
    rows[#rows + 1] = { p.name, (p.autoload and "" or "?") .. p.section, p.type, p.insns,
      bp.programs[p.name].attach or "-" }
  end
  columns(rows, out)
  if #info.subprograms > 0 then
    out:write(("subprograms (%d):\n"):format(#info.subprograms))
    rows = { { "NAME", "INSNS" } }
    for _, p in ipairs(info.subprograms) do rows[#rows + 1] = { p.name, p.insns } end
    columns(rows, out)
  end
  out:write(("maps (%d):\n"):format(#info.maps))
  rows = { { "NAME", "TYPE", "KEY", "VALUE", "MAX", "FLAGS", "BTF" } }
  for _, m in ipairs(info.maps) do
    local btf_desc = m.kind == "struct_ops" and m.value_type
      or m.value_type and ((m.key_type or "?") .. " -> " .. m.value_type) or "-"
    rows[#rows + 1] = { m.name, m.type, m.key_size, m.value_size, m.max_entries,
      ("0x%x"):format(m.flags), btf_desc }
  end
  columns(rows, out)
  if #info.globals > 0 then
    out:write(("globals (%d):\n"):format(#info.globals))
    rows = { { "NAME", "SECTION", "OFFSET", "SIZE", "TYPE" } }
    for _, g in ipairs(info.globals) do
      rows[#rows + 1] = { g.name, g.section, g.offset, g.size, g.type or "?" }
    end
    columns(rows, out)
  end
  if #info.externs > 0 then
    out:write(("externs (%d):\n"):format(#info.externs))
    rows = { { "NAME", "SECTION", "TYPE", "WEAK" } }
    for _, x in ipairs(info.externs) do
      rows[#rows + 1] = { x.name, x.section, x.type or "?", x.weak and "yes" or "no" }
    end
    columns(rows, out)
  end
  return 0
end

-- oxlua probe [--json]: what this kernel supports.
function M.probe(as_json, out)
  out = out or io.stdout
  local f = ox.features()
  if as_json then out:write(json.encode(f), "\n") return 0 end
  local function yn(v) return v and "yes" or "no" end
  out:write(("kernel %s, BTF %s\n"):format(f.kernel, f.btf and "at /sys/kernel/btf/vmlinux" or "missing"))
  local function section(title, t)
    local names = {}
    for k in pairs(t) do names[#names + 1] = k end
    table.sort(names)
    out:write(title, ":\n")
    local rows = {}
    for _, k in ipairs(names) do
      local v = t[k]
      if type(v) == "boolean" then rows[#rows + 1] = { k, yn(v) } end
    end
    columns(rows, out)
  end
  section("attach", f.attach)
  if f.attach.fentry_error then out:write(("  (fentry: %s)\n"):format(f.attach.fentry_error)) end
  section("program types", f.prog_types)
  section("map types", f.map_types)
  section("helpers", f.helpers)
  return 0
end

-- Running as root, refuse code from files others could have changed
-- (unless --allow-unsafe-permissions); policy files here, objects in
-- ox.blueprint. Returns true, or prints why not and returns false.
local ALLOW = "--allow-unsafe-permissions"
local function permissions_ok(script, allow)
  local _, euid = ox.core.uids()
  if allow or euid ~= 0 then return true end
  local advice = "fix it or pass " .. ALLOW
  ox.check_permissions(true, advice)
  local why = script and ox.permission_problem(script)
  if why then
    eprintf("oxlua: refusing to run %s: %s; %s", script, why, advice)
    return false
  end
  return true
end

-- Entries a killed oxlua process left in tracefs (its links and perf fds
-- died with it; these do not): removed before anything is attached.
local function cleanup_stale()
  local n = ox.core.cleanup_probes()
  if n > 0 then
    eprintf("oxlua: removed %d tracefs probe %s left by exited oxlua processes", n,
      n == 1 and "entry" or "entries")
  end
end

-- Run a policy file. If it registered handlers (group:on, ox.every) and
-- neither ran nor polled the loop, the loop runs until SIGINT/SIGTERM; then
-- everything is detached. A policy that drove the loop has decided when to
-- stop: oxlua exits when it returns.
function M.run(script, args, allow_unsafe)
  local policy_file = script and script:sub(1, 1) ~= "-" and script or nil
  if not permissions_ok(policy_file, allow_unsafe) then return 1 end
  cleanup_stale()
  if not script or script:sub(1, 1) == "-" then -- the default policy
    local rest = { script }
    table.move(args, 1, #args, #rest + 1, rest)
    return require("oxlua_cli.execmon").main(rest)
  end
  local chunk, err = loadfile(script)
  if not chunk then eprintf("oxlua: %s", err) return 1 end
  local script_arg = { [0] = script }
  for i, a in ipairs(args) do script_arg[i] = a end
  _G.arg = script_arg
  local ok, perr = xpcall(chunk, debug.traceback, table.unpack(args))
  if not ok then eprintf("oxlua: %s", perr) return 1 end
  -- a policy that registered handlers and never ran nor polled the loop
  -- gets the loop, until SIGINT/SIGTERM
  if not ox._loop_driven and (#ox.stats() > 0 or next(ox._timers)) then
    local rok, rerr = ox.run {}
    if not rok then eprintf("oxlua: %s", rerr) return 1 end
  end
  return 0
end

function M.main(argv)
  local cmd = argv[1]
  if cmd == nil or cmd == "-" or cmd == "-i" or cmd == "-v" or cmd:match("^%-[el]") then
    -- no arguments or lua.c-style options: the interpreter (oxlua_cli.repl)
    return require("oxlua_cli.repl").main(argv)
  elseif cmd == "--help" or cmd == "-h" or cmd == "help" then
    print(usage)
    return 0
  elseif cmd == "--version" then
    print("oxlua " .. ox._VERSION .. " (" .. _VERSION .. ")")
    return 0
  elseif cmd == "inspect" then
    local path, as_json
    for i = 2, #argv do
      if argv[i] == "--json" then as_json = true
      elseif not path then path = argv[i]
      else eprintf("oxlua: inspect takes one file") return 2 end
    end
    if not path then eprintf("oxlua: inspect needs a file") return 2 end
    return M.inspect(path, as_json)
  elseif cmd == "probe" then
    return M.probe(argv[2] == "--json")
  elseif cmd == "run" then
    local i, allow = 2, false
    while argv[i] == ALLOW do allow, i = true, i + 1 end
    local rest = {}
    for j = i + 1, #argv do rest[#rest + 1] = argv[j] end
    return M.run(argv[i], rest, allow)
  end
  eprintf("oxlua: unknown command '%s'\n%s", cmd, usage)
  return 2
end

return M
