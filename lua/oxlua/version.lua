-- oxlua.version: the descriptions a group is made of, checked when they
-- are made. ox.program (a program and its attach points), ox.map and
-- ox.perfmap (entries of a version's maps list) and ox.version (the
-- programs, map overrides, handlers, globals and struct_ops of one way to
-- load an object). Nothing here touches the kernel.

local argerror = require "oxlua.argerror"

local M = {}

local Program = {}
Program.__index = Program

-- ox.program(name[, points[, opts]]): opts.optional (attach failures are
-- warnings), opts.syscall (retry a kprobe with the arch's syscall prefix);
-- the whole opts table goes to each attach.
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

-- The seed's vocabulary: entries of a version's `maps` list.
--   ox.map(name, { max_entries =, pin =, ... })      overrides before creation
--   ox.perfmap(name, { pages =, handler =, ... })    a perf/ring buffer handler
local MapSpec = {}
function M.map(name, opts)
  if type(name) ~= "string" then argerror("map", "name must be a string") end
  if opts ~= nil and type(opts) ~= "table" then argerror("map", "options must be a table") end
  return setmetatable({ name = name, opts = opts or {} }, MapSpec)
end
function M.perfmap(name, opts)
  if type(name) ~= "string" then argerror("perfmap", "name must be a string") end
  if type(opts) ~= "table" or type(opts.handler) ~= "function" then
    argerror("perfmap", "needs { handler = function(event, cpu) ... end }")
  end
  return setmetatable({ name = name, opts = opts, perf = true }, MapSpec)
end

local Version = {}
Version.__index = Version

local function as_program(p, i)
  if getmetatable(p) == Program then return p end
  if type(p) == "string" then return M.program(p) end
  argerror("version", ("programs[%d] must be ox.program(...) or a name"):format(i), 3)
end

-- ox.version{ name =, programs =, maps =, globals =, struct_ops =, btf = }
function M.version(t)
  if type(t) ~= "table" then argerror("version", "expected a table") end
  if type(t.programs) ~= "table" or #t.programs == 0 then
    argerror("version", "programs must be a non-empty list")
  end
  local v = setmetatable({
    name = t.name, programs = {}, maps = {}, handlers = {}, globals = t.globals or {}, btf = t.btf,
  }, Version)
  for i, p in ipairs(t.programs) do v.programs[i] = as_program(p, i) end
  for k, o in pairs(t.maps or {}) do
    if getmetatable(o) == MapSpec then
      if o.perf then
        local opts = {}
        for ok, ov in pairs(o.opts) do if ok ~= "handler" then opts[ok] = ov end end
        v.handlers[o.name] = { fn = o.opts.handler, opts = opts, lost = o.opts.lost }
      else
        v.maps[o.name] = o.opts
      end
    elseif type(k) == "string" then
      v.maps[k] = o
    else
      argerror("version", "maps must map names to option tables, or list ox.map/ox.perfmap entries")
    end
  end
  for name, o in pairs(v.maps) do
    if type(name) ~= "string" or type(o) ~= "table" then
      argerror("version", "maps must map names to option tables")
    end
  end
  if type(v.globals) ~= "table" then argerror("version", "globals must be a table") end
  v.struct_ops = t.struct_ops or {}
  if type(v.struct_ops) ~= "table" then argerror("version", "struct_ops must be a list of map names") end
  for i, name in ipairs(v.struct_ops) do
    if type(name) ~= "string" then argerror("version", ("struct_ops[%d] must be a map name"):format(i)) end
  end
  if v.btf ~= nil and type(v.btf) ~= "string" then argerror("version", "btf must be a path") end
  return v
end

function M.is_version(v) return getmetatable(v) == Version end

return M
