-- Run by btf_sanitize_spec in a child process, with OXLUA_BTF_CAPS set:
--   lua5.4 tests/support/btfcaps_child.lua OBJ PROG [MAP [PROG,PROG...]]
-- Loads every program of OBJ (or the listed ones), runs PROG (xdp or tc)
-- with test_run, and prints
--   loaded | error <message>
--   retval <n>
--   prog_btf <id>           (0: the program was loaded without BTF)
--   map_btf <id>            (MAP's BTF object, 0 when created without BTF)
--   kinds <k1> <k2> ...     (kinds in the kernel's copy of the object's BTF)
local ox = require "oxlua"
local obj, prog, map = arg[1], arg[2], arg[3] ~= "" and arg[3] or nil
local bp = assert(ox.blueprint(obj))
local names = {}
for name in pairs(bp.programs) do names[#names + 1] = name end
if arg[4] then
  names = {}
  for name in arg[4]:gmatch("[^,]+") do names[#names + 1] = name end
end
local g = ox.group { blueprint = bp, versions = { ox.version { programs = names } } }
local ok, err = g:load()
if not ok then
  print("error " .. err:gsub("\n", " "))
  os.exit(0)
end
print("loaded")
print("retval " .. g.programs[prog]:test_run { data = string.rep("\0", 64) }.retval)
local pinfo = g.programs[prog]:info()
print("prog_btf " .. (pinfo.btf_id or 0))
local btf_id = map and g.maps[map]:info().btf_id or 0
print("map_btf " .. btf_id)
local id = pinfo.btf_id or btf_id
if id ~= 0 then
  local p = io.popen("env -u LD_PRELOAD bpftool btf dump id " .. id .. " 2>&1")
  local kinds = {}
  for line in p:lines() do
    local k = line:match("^%[%d+%] (%u[%u_%d]*) ")
    if k then kinds[k] = true end
  end
  p:close()
  local list = {}
  for k in pairs(kinds) do list[#list + 1] = k end
  table.sort(list)
  print("kinds " .. table.concat(list, " "))
end
g:close()
