-- cli.lua - the oxlua command line: run, inspect, help, version.
-- main(arg) returns the process exit code:
--   0 success, 1 runtime failure (load error, policy error), 2 usage error.

local ox = require "oxlua"
local json = require "oxlua.json"

local M = {}

local usage = [[
usage: oxlua run POLICY.lua [ARGS...]   run a policy script (arg holds ARGS)
       oxlua inspect FILE [--json]     list an object's programs, maps, globals
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
    local btf_desc = m.value_type and ((m.key_type or "?") .. " -> " .. m.value_type) or "-"
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

function M.run(script, args)
  if not script then
    eprintf("oxlua: run needs a policy file (oxlua run POLICY.lua)")
    return 2
  end
  local chunk, err = loadfile(script)
  if not chunk then eprintf("oxlua: %s", err) return 1 end
  local script_arg = { [0] = script }
  for i, a in ipairs(args) do script_arg[i] = a end
  _G.arg = script_arg
  local ok, perr = xpcall(chunk, debug.traceback, table.unpack(args))
  if not ok then eprintf("oxlua: %s", perr) return 1 end
  return 0
end

function M.main(argv)
  local cmd = argv[1]
  if cmd == nil or cmd == "--help" or cmd == "-h" or cmd == "help" then
    print(usage)
    return cmd == nil and 2 or 0
  elseif cmd == "--version" or cmd == "-v" then
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
  elseif cmd == "run" then
    local rest = {}
    for i = 3, #argv do rest[#rest + 1] = argv[i] end
    return M.run(argv[2], rest)
  end
  eprintf("oxlua: unknown command '%s'\n%s", cmd, usage)
  return 2
end

return M
