-- compat.lua - load every program of a corpus alone, with oxlua and with
-- libbpf (scripts/compat/ref.c), and compare.
--
--   lua5.4 scripts/compat/compat.lua REF PIN_ROOT CACHE_DIR KNOWN_MD OBJ...
--
-- REF is the libbpf loader, PIN_ROOT an empty directory on bpffs for both
-- loaders' pins (emptied after every object), CACHE_DIR keeps libbpf's answer
-- per object (libbpf is the fixed reference: an object newer than its answer
-- is asked again), KNOWN_MD is docs/compat.md, whose table lists each program
-- libbpf loads and oxlua does not, with the reason. Prints one row per
-- program and, last, the line
--   compat: oxlua loads N of the M programs libbpf loads (+K libbpf refuses)
-- Exits 1 when a program libbpf loads fails with oxlua and docs/compat.md
-- does not list it.
local ox = require "oxlua"

local ref, pin_root, cache, known_md = arg[1], arg[2], arg[3], arg[4]
local objects = table.move(arg, 5, #arg, 1, {})
if not (ref and pin_root and cache and known_md) then
  io.stderr:write("usage: compat.lua REF PIN_ROOT CACHE_DIR KNOWN_MD OBJ...\n")
  os.exit(2)
end

local function shell_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

-- Whether file exists and is newer than other.
local function newer(file, other)
  return os.execute(("[ %s -nt %s ]"):format(shell_quote(file), shell_quote(other))) == true
end

local function empty_pins()
  os.execute("find " .. shell_quote(pin_root) .. " -mindepth 1 -delete 2>/dev/null")
end

-- docs/compat.md: rows `| object | program | reason |` (`*` for every program).
local known = {}
for line in io.lines(known_md) do
  local o, p, why = line:match("^|%s*`?([%w_.%-]+)`?%s*|%s*`?([%w_*]+)`?%s*|%s*(.-)%s*|$")
  if o and o ~= "object" and not o:match("^%-") then known[o .. "/" .. p] = why end
end
local function known_reason(obj, prog)
  return known[obj .. "/" .. prog] or known[obj .. "/*"]
end

-- libbpf's answer for one object: { {prog=, sec=, ok=, why=}, ... } or the
-- reason libbpf could not open it.
local function libbpf(path)
  local name = path:match("([^/]+)$")
  local file = cache .. "/" .. path:gsub("^.*/objs/", ""):gsub("/", "__") .. ".tsv"
  if not newer(file, path) then
    empty_pins()
    local ok = os.execute(("%s %s %s > %s.tmp && mv %s.tmp %s"):format(shell_quote(ref),
      shell_quote(pin_root), shell_quote(path), shell_quote(file), shell_quote(file),
      shell_quote(file)))
    if not ok then error("compat: the libbpf loader failed on " .. name) end
  end
  local rows, open_err = {}, nil
  for line in io.lines(file) do
    local f = {}
    for field in (line .. "\t"):gmatch("([^\t]*)\t") do f[#f + 1] = field end
    if f[4] == "open" then
      open_err = f[5] .. " " .. (f[6] or "")
    else
      rows[#rows + 1] = { prog = f[2], sec = f[3], ok = f[4] == "ok",
        why = f[4] ~= "ok" and ((f[5] or "") .. " " .. (f[6] or "")) or nil }
    end
  end
  return rows, open_err
end

-- oxlua's answer for one program: true, or nil and the first line of the error.
local function oxlua(bp, prog)
  local g = ox.group {
    blueprint = bp, pin_root = pin_root,
    versions = { ox.version { name = "alone", programs = { ox.program(prog) } } },
  }
  local ok, err = g:load()
  g:close()
  if ok then return true end
  -- the report's line for the version, without the group's header
  local why = err:match("version 'alone': ([^\n]+)") or err:match("[^\n]+")
  return nil, why
end

local function clip(s, n)
  s = (s or ""):gsub("%s+", " ")
  return #s > n and s:sub(1, n - 3) .. "..." or s
end

local n, m, k, total, documented, undocumented = 0, 0, 0, 0, 0, {}
local t0 = os.time()
print(("%-28s %-34s %-6s %-6s %s"):format("OBJECT", "PROGRAM", "LIBBPF", "OXLUA", "REASON"))
for i, path in ipairs(objects) do
  if i % 50 == 0 then
    io.stderr:write(("compat: %d of %d objects (%d s)\n"):format(i, #objects, os.time() - t0))
  end
  local oname = path:match("([^/]+)%.bpf%.o$") or path:match("([^/]+)$")
  local rows, open_err = libbpf(path)
  empty_pins()
  local bp, perr = ox.blueprint(path)
  local seen = {}
  -- programs libbpf saw, then any only oxlua saw
  local progs = {}
  for _, r in ipairs(rows) do progs[#progs + 1] = r seen[r.prog] = true end
  if bp then
    local extra = {}
    for name in pairs(bp.programs) do
      if not seen[name] then extra[#extra + 1] = name end
    end
    table.sort(extra)
    for _, name in ipairs(extra) do
      progs[#progs + 1] = { prog = name, ok = false, why = open_err or "libbpf does not see it" }
    end
  elseif open_err and #rows == 0 then
    -- neither opens it: one row for the object
    progs[1] = { prog = "*", ok = false, why = open_err }
  end
  for _, r in ipairs(progs) do
    local ok, why
    if r.prog == "*" then
      ok, why = false, perr
    elseif not bp then
      ok, why = false, perr
    elseif not bp.programs[r.prog] then
      ok, why = false, "oxlua does not see this program"
    else
      ok, why = oxlua(bp, r.prog)
    end
    empty_pins()
    total = total + 1
    local reason = ""
    if r.ok then
      m = m + 1
      if ok then
        n = n + 1
      else
        local kr = known_reason(oname, r.prog)
        if kr then
          documented = documented + 1
          reason = "known: " .. kr .. " | " .. (why or "")
        else
          undocumented[#undocumented + 1] = ("%s/%s: %s"):format(oname, r.prog, why)
          reason = "NEW: " .. (why or "")
        end
      end
    elseif ok then
      k = k + 1
      reason = "libbpf: " .. (r.why or "")
    else
      reason = "both: " .. (why or r.why or "")
    end
    print(("%-28s %-34s %-6s %-6s %s"):format(clip(oname, 28), clip(r.prog, 34),
      r.ok and "ok" or "fail", ok and "ok" or "fail", clip(reason, 160)))
  end
  bp = nil
  collectgarbage()
end
io.stderr:write(("compat: %d objects, %d programs in %d s\n"):format(#objects, total, os.time() - t0))
if #undocumented > 0 then
  print(("compat: %d programs libbpf loads fail with oxlua and are not in %s:"):format(
    #undocumented, known_md))
  for _, l in ipairs(undocumented) do print("  " .. clip(l, 300)) end
end
print(("compat: oxlua loads %d of the %d programs libbpf loads (+%d libbpf refuses)"):format(n, m, k))
if documented > 0 then
  print(("compat: %d of the %d differences are listed in %s"):format(documented, m - n, known_md))
end
os.exit(#undocumented == 0 and 0 or 1)
