-- oxlua.group: ox.group, versions tried in order until one loads. A group
-- loads its blueprint's programs the first version that works names,
-- attaches them (oxlua.attach), opens a reader in the event loop for each
-- perf or ring buffer handler, and stays loaded until closed (it is in
-- state.live_groups meanwhile). Its failures say why each earlier version
-- did not load.

local core = require "oxlua.core"
local state = require "oxlua.state"
local blueprint = require "oxlua.blueprint"
local version = require "oxlua.version"
local attach = require "oxlua.attach"
local argerror = require "oxlua.argerror"

local M = {}

local Group = {}

-- group.globals: the loaded instance's .rodata/.data/.bss variables by name.
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

-- ox.group{ blueprint =, versions = | programs =, pin_root =, kconfig =,
-- log_size =, btf = }
function M.group(t)
  if type(t) ~= "table" then argerror("group", "expected a table") end
  local bp = t.blueprint
  if type(bp) ~= "string" and not blueprint.is_blueprint(bp) then
    argerror("group", "blueprint must be ox.blueprint(...) or a path")
  end
  local versions = t.versions
  if versions == nil and t.programs then versions = { version.version { name = "default", programs = t.programs } } end
  if type(versions) ~= "table" or #versions == 0 then
    argerror("group", "versions must be a non-empty list")
  end
  if t.btf ~= nil and type(t.btf) ~= "string" then argerror("group", "btf must be a path") end
  for i, v in ipairs(versions) do
    if not version.is_version(v) then argerror("group", ("versions[%d] is not ox.version{...}"):format(i)) end
    v.name = v.name or ("version " .. i)
  end
  local g = setmetatable({
    blueprint = bp, versions = versions, pin_root = t.pin_root, kconfig = t.kconfig,
    log_size = t.log_size, btf = t.btf, programs = {}, maps = {}, failures = {}, links = {},
    readers = {}, handlers = {}, warnings = {},
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
    local bp, err, errno = blueprint.blueprint(self.blueprint)
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
    btf = v.btf or self.btf,
  }
end

local function open_reader(self, map_name, h)
  local map = self.maps[map_name]
  if not map then return nil, ("no map '%s' in the loaded version"):format(map_name) end
  local r, err, errno = core.reader(map, h.fn, h.opts)
  if not r then return nil, err, errno end
  if h.lost then r:set_lost(h.lost) end
  local ok, aerr = state.loop():add(r)
  if not ok then r:close() return nil, aerr end
  self.readers[map_name] = r
  return r
end

local function close_readers(self)
  for name, r in pairs(self.readers) do
    state.loop():remove(r)
    r:close()
    self.readers[name] = nil
  end
end

local function report(self)
  local lines = { ("%s: no version loaded"):format(self.blueprint.name or "group") }
  for _, f in ipairs(self.failures) do
    lines[#lines + 1] = ("version '%s': %s"):format(f.version, (f.error:gsub("\n", "\n    ")))
  end
  return table.concat(lines, "\n  ")
end

local function set_loaded(self, inst, v)
  self.instance, self.version = inst, v
  for _, p in ipairs(v.programs) do self.programs[p.name] = inst:program(p.name) end
  for _, name in ipairs(inst:maps()) do self.maps[name] = inst:map(name) end
end

-- group:load() -> true | nil, report, errno
function Group:load()
  if self.instance then error("group is already loaded (use group:reload())", 2) end
  local bp, err, errno = resolve_blueprint(self)
  if not bp then return nil, err, errno end
  self.failures, self.warnings = {}, {}
  for _, v in ipairs(self.versions) do
    local inst, msg, eno, log = load_version(self, bp, v)
    if inst then
      local links, aerr, aeno = attach.version(bp, v, inst, self.warnings)
      if links then
        set_loaded(self, inst, v)
        self.links = links
        local ok = true
        local handlers = {}
        for map_name, h in pairs(v.handlers) do handlers[map_name] = h end
        for map_name, h in pairs(self.handlers) do handlers[map_name] = h end
        for map_name, h in pairs(handlers) do
          local r, rerr, reno = open_reader(self, map_name, h)
          if not r then ok, msg, eno = false, rerr, reno break end
        end
        if ok then
          state.live_groups[self] = true
          return true
        end
        self:close()
      else
        inst:close()
        msg, eno = aerr, aeno
      end
    end
    self.failures[#self.failures + 1] = { version = v.name, error = msg, errno = eno, log = log }
    self.verifier_log = log or self.verifier_log
    errno = eno
  end
  return nil, report(self), errno
end

function Group:close()
  close_readers(self)
  attach.detach_all(rawget(self, "links") or {})
  self.links = {}
  local inst = rawget(self, "instance")
  if inst then inst:close() end
  self.instance, self.version = nil, nil
  self.programs, self.maps = {}, {}
  state.live_groups[self] = nil
end

function Group:reload()
  self:close()
  return self:load()
end

-- group:on(map, fn(event, cpu)[, opts]): events of a perf or ring buffer map.
-- opts: decode (string.unpack format or "struct name"), pages, wakeup_events,
-- watermark, flush_ms, lost = fn(count, cpu).
function Group:on(map_name, fn, opts)
  if type(map_name) ~= "string" then error("group:on: map name must be a string", 2) end
  if type(fn) ~= "function" then error("group:on: handler must be a function", 2) end
  if opts ~= nil and type(opts) ~= "table" then error("group:on: options must be a table", 2) end
  local h = self.handlers[map_name] or {}
  h.fn, h.opts = fn, opts or {}
  h.lost = h.lost or h.opts.lost
  self.handlers[map_name] = h
  if self.instance then
    if self.readers[map_name] then
      state.loop():remove(self.readers[map_name])
      self.readers[map_name]:close()
    end
    local r, err, errno = open_reader(self, map_name, h)
    if not r then return nil, err, errno end
  end
  return true
end

-- group:on_lost(map, fn(count, cpu)): perf buffer records the kernel dropped.
function Group:on_lost(map_name, fn)
  if type(fn) ~= "function" then error("group:on_lost: handler must be a function", 2) end
  local h = self.handlers[map_name] or {}
  h.lost = fn
  self.handlers[map_name] = h
  if self.readers[map_name] then self.readers[map_name]:set_lost(fn) end
  return true
end

-- group:stats() -> { [map] = { events, bytes, lost, lost_per_cpu, errors, seconds } }
function Group:stats()
  local out = {}
  for name, r in pairs(self.readers) do out[name] = r:stats() end
  return out
end

Group.__gc = Group.close
Group.__close = Group.close

return M
