-- oxlua.blueprint: ox.blueprint, a parsed object. No kernel calls: the
-- programs, maps, globals and externs an object holds, and for each program
-- the attach point its section name implies (its default point).

local core = require "oxlua.core"
local permissions = require "oxlua.permissions"
local argerror = require "oxlua.argerror"

local M = {}

local Blueprint = {}
Blueprint.__index = Blueprint

function Blueprint:__tostring()
  return ("oxlua.blueprint (%s)"):format(self.name)
end

-- The attach point a section name implies, in attach-point syntax, or nil
-- when the section needs one from the policy (xdp needs an interface, ...).
local function default_point(p)
  local t = p.target or ""
  if t == "" then return nil end
  local kind = p.kind
  if kind == "tracepoint" then
    return "tracepoint:" .. t:gsub("/", ":")
  elseif kind == "kprobe" or kind == "kretprobe" or kind == "raw_tp" or kind == "tp_btf"
      or kind == "fentry" or kind == "fexit" or kind == "fmod_ret" or kind == "lsm"
      or kind == "uprobe" or kind == "uretprobe" or kind == "ksyscall" or kind == "kretsyscall" then
    return kind .. ":" .. t:gsub("^/", "")
  end
  return nil
end

-- ox.blueprint(path | { data = bytes, name = string }) -> blueprint, or
-- nil, message, errno. A path is refused while permission checks are on and
-- the file fails them (oxlua.permissions).
function M.blueprint(src)
  local obj, err, errno
  if type(src) == "string" then
    local refused, eno = permissions.refusal(src)
    if refused then return nil, refused, eno end
    obj, err, errno = core.open(src)
  elseif type(src) == "table" then
    if type(src.data) ~= "string" then argerror("blueprint", "data must be a string of bytes") end
    obj, err, errno = core.parse(src.data, src.name or "(memory)")
  else
    argerror("blueprint", "expected a path or { data = bytes, name = string }")
  end
  if not obj then return nil, err, errno end
  local info = obj:info()
  local bp = setmetatable({
    object = obj, name = info.name, license = info.license, kversion = info.kversion,
    btf = info.btf, programs = {}, subprograms = {}, maps = {}, globals = {},
    externs = info.externs, core_relos = info.core_relos, info = info,
  }, Blueprint)
  for _, p in ipairs(info.programs) do
    p.attach = default_point(p)
    bp.programs[p.name] = p
  end
  for _, p in ipairs(info.subprograms) do bp.subprograms[p.name] = p end
  for _, m in ipairs(info.maps) do bp.maps[m.name] = m end
  for _, g in ipairs(info.globals) do bp.globals[g.name] = g end
  return bp
end

function M.is_blueprint(v) return getmetatable(v) == Blueprint end

return M
