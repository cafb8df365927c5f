-- oxlua: blueprints, programs, versions and groups over the C engine.
--
-- Policy lives here: which programs a version loads, the order versions are
-- tried in, what a failure report says. The C core (oxlua.core) only parses
-- objects and loads exactly what it is told to.

local core = require "oxlua.core"

local M = { core = core, _VERSION = core.version }

local function argerror(fn, msg, level)
  error(("ox.%s: %s"):format(fn, msg), (level or 1) + 2)
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

---------------------------------------------------------------------------
-- Blueprint: a parsed object. No kernel calls.

local Blueprint = {}
Blueprint.__index = Blueprint

function Blueprint:__tostring()
  return ("oxlua.blueprint (%s)"):format(self.name)
end

function M.blueprint(src)
  local obj, err, errno
  if type(src) == "string" then
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

---------------------------------------------------------------------------
-- Program, version: plain descriptions checked when they are made.

local Program = {}
Program.__index = Program

function M.program(name, points, opts)
  if type(name) ~= "string" then argerror("program", "name must be a string") end
  if points ~= nil and type(points) ~= "table" then
    argerror("program", "attach points must be a list of strings")
  end
  if opts ~= nil and type(opts) ~= "table" then argerror("program", "options must be a table") end
  opts = opts or {}
  return setmetatable({
    name = name, points = points or {}, optional = opts.optional == true,
    syscall = opts.syscall == true, opts = opts,
  }, Program)
end

local Version = {}
Version.__index = Version

local function as_program(p, i)
  if getmetatable(p) == Program then return p end
  if type(p) == "string" then return M.program(p) end
  argerror("version", ("programs[%d] must be ox.program(...) or a name"):format(i), 3)
end

function M.version(t)
  if type(t) ~= "table" then argerror("version", "expected a table") end
  if type(t.programs) ~= "table" or #t.programs == 0 then
    argerror("version", "programs must be a non-empty list")
  end
  local v = setmetatable({
    name = t.name, programs = {}, maps = t.maps or {}, globals = t.globals or {},
  }, Version)
  for i, p in ipairs(t.programs) do v.programs[i] = as_program(p, i) end
  for name, o in pairs(v.maps) do
    if type(name) ~= "string" or type(o) ~= "table" then
      argerror("version", "maps must map names to option tables")
    end
  end
  if type(v.globals) ~= "table" then argerror("version", "globals must be a table") end
  return v
end

---------------------------------------------------------------------------
-- Group: versions tried in order until one loads.

local Group = {}

local function globals_proxy(group)
  return setmetatable({}, {
    __index = function(_, name)
      local inst = rawget(group, "instance")
      if not inst then error("group is not loaded", 2) end
      return inst:global(name)
    end,
    __newindex = function(_, name, value)
      local inst = rawget(group, "instance")
      if not inst then error("group is not loaded", 2) end
      local ok, err = inst:set_global(name, value)
      if not ok then error(err, 2) end
    end,
  })
end

function M.group(t)
  if type(t) ~= "table" then argerror("group", "expected a table") end
  local bp = t.blueprint
  if type(bp) ~= "string" and getmetatable(bp) ~= Blueprint then
    argerror("group", "blueprint must be ox.blueprint(...) or a path")
  end
  local versions = t.versions
  if versions == nil and t.programs then versions = { M.version { name = "default", programs = t.programs } } end
  if type(versions) ~= "table" or #versions == 0 then
    argerror("group", "versions must be a non-empty list")
  end
  for i, v in ipairs(versions) do
    if getmetatable(v) ~= Version then argerror("group", ("versions[%d] is not ox.version{...}"):format(i)) end
    v.name = v.name or ("version " .. i)
  end
  local g = setmetatable({
    blueprint = bp, versions = versions, pin_root = t.pin_root, kconfig = t.kconfig,
    log_size = t.log_size, programs = {}, maps = {}, failures = {},
  }, Group)
  g.globals = globals_proxy(g)
  return g
end

Group.__index = Group

function Group:__tostring()
  return ("oxlua.group (%s)"):format(self.version and self.version.name or "not loaded")
end

local function resolve_blueprint(self)
  if type(self.blueprint) == "string" then
    local bp, err, errno = M.blueprint(self.blueprint)
    if not bp then return nil, err, errno end
    self.blueprint = bp
  end
  return self.blueprint
end

local function load_version(self, bp, v)
  local names = {}
  for i, p in ipairs(v.programs) do
    if not bp.programs[p.name] then
      error(("version '%s': %s has no program '%s'"):format(v.name, bp.name, p.name), 4)
    end
    names[i] = p.name
  end
  return bp.object:load {
    programs = names, maps = v.maps, globals = v.globals,
    pin_root = self.pin_root, kconfig = self.kconfig, log_size = self.log_size,
  }
end

local function report(self)
  local lines = { ("%s: no version loaded"):format(self.blueprint.name or "group") }
  for _, f in ipairs(self.failures) do
    lines[#lines + 1] = ("version '%s': %s"):format(f.version, (f.error:gsub("\n", "\n    ")))
  end
  return table.concat(lines, "\n  ")
end

-- group:load() -> true | nil, report, errno
function Group:load()
  if self.instance then error("group is already loaded (use group:reload())", 2) end
  local bp, err, errno = resolve_blueprint(self)
  if not bp then return nil, err, errno end
  self.failures = {}
  for _, v in ipairs(self.versions) do
    local inst, msg, eno, log = load_version(self, bp, v)
    if inst then
      self.instance, self.version = inst, v
      for _, p in ipairs(v.programs) do self.programs[p.name] = inst:program(p.name) end
      for _, name in ipairs(inst:maps()) do self.maps[name] = inst:map(name) end
      return true
    end
    self.failures[#self.failures + 1] = { version = v.name, error = msg, errno = eno, log = log }
    self.verifier_log = log or self.verifier_log
    errno = eno
  end
  return nil, report(self), errno
end

function Group:close()
  local inst = rawget(self, "instance")
  if inst then inst:close() end
  self.instance, self.version = nil, nil
  self.programs, self.maps = {}, {}
end

function Group:reload()
  self:close()
  return self:load()
end

Group.__gc = Group.close
Group.__close = Group.close

return M
