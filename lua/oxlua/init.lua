-- oxlua: blueprints, programs, versions and groups over the C engine.
--
-- Policy lives here: which programs a version loads, the order versions are
-- tried in, what a failure report says. The C core (oxlua.core) only parses
-- objects and loads exactly what it is told to.

local core = require "oxlua.core"

local M = { core = core, _VERSION = core.version }

-- What `oxlua run` asks of a policy once it returns (process-wide, like the
-- one event loop below):
--   M._loop_driven  true once the policy ran or polled the loop itself
--                   (ox.run, ox.poll): it decided when to stop, so no loop
--                   follows it
--   M._timers       ids of the ox.every timers still armed (handlers, as
--                   the readers of group:on are)
M._loop_driven, M._timers = false, {}

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

---------------------------------------------------------------------------
-- Permission checks on the files a process loads code from, as sshd
-- (StrictModes) and sudo do: off unless ox.check_permissions(true) turns
-- them on (`oxlua run` does, when it runs as root).

local EACCES = 13
local permission_advice -- nil: no checks; else what a refusal advises

local function dirname(path)
  local d = path:match("^(.*)/[^/]*$")
  if d == nil then return "." end
  return d == "" and "/" or d
end

-- Why a file or directory st (core.stat's table) is unsafe, or nil.
local function unsafe(st, me, sticky_ok)
  if st.uid ~= 0 and st.uid ~= me then
    return ("owned by uid %d, not by root%s"):format(st.uid, me ~= 0 and (" or uid " .. me) or "")
  end
  local sticky = sticky_ok and st.mode & 512 ~= 0 -- 01000: only owners may rename or delete
  if st.mode & 2 ~= 0 and not sticky then
    return ("writable by others (mode %04o)"):format(st.mode)
  elseif st.mode & 16 ~= 0 and not sticky then
    return ("writable by its group (mode %04o)"):format(st.mode)
  end
end

-- Every directory from dir up to "/" (dir absolute, symlinks resolved).
local function check_dirs(dir, me)
  while true do
    local st = core.stat(dir)
    if st then
      local why = unsafe(st, me, true)
      if why then return ("directory %s is %s"):format(dir, why) end
    end
    if dir == "/" then return nil end
    dir = dirname(dir)
  end
end

-- ox.permission_problem(path) -> nil when path is safe to load code from,
-- or why it is not: the file (a symlink's target) must be owned by root or
-- the real user and not writable by group or others, and so must every
-- directory above it (and above the symlink) unless the directory is sticky.
-- A path that does not exist has no problem here (opening it will fail).
function M.permission_problem(path)
  if type(path) ~= "string" then argerror("permission_problem", "path must be a string") end
  local me = core.uids()
  local real = core.realpath(path)
  if not real then return nil end
  local st = core.stat(real)
  if not st then return nil end
  local why = unsafe(st, me, false)
  if why then
    if real ~= path and core.stat(path, true).kind == "link" then
      return ("it is a symlink to %s, which is %s"):format(real, why)
    end
    return "it is " .. why
  end
  why = check_dirs(dirname(real), me)
  if not why then
    local linkdir = core.realpath(dirname(path))
    if linkdir and linkdir ~= dirname(real) then why = check_dirs(linkdir, me) end
  end
  return why
end

-- ox.check_permissions(on[, advice]) -> whether checks were on. While on,
-- ox.blueprint(path) (and so ox.group with a path) refuses an object whose
-- ox.permission_problem is not nil, with advice appended to the message.
function M.check_permissions(on, advice)
  if advice ~= nil and type(advice) ~= "string" then
    argerror("check_permissions", "advice must be a string")
  end
  local was = permission_advice ~= nil
  permission_advice = on and (advice or "fix it or call ox.check_permissions(false)") or nil
  return was
end

function M.blueprint(src)
  local obj, err, errno
  if type(src) == "string" then
    local why = permission_advice and M.permission_problem(src)
    if why then
      return nil, ("refusing to load %s: %s; %s"):format(src, why, permission_advice), EACCES
    end
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
  if t.btf ~= nil and type(t.btf) ~= "string" then argerror("group", "btf must be a path") end
  for i, v in ipairs(versions) do
    if getmetatable(v) ~= Version then argerror("group", ("versions[%d] is not ox.version{...}"):format(i)) end
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
    btf = v.btf or self.btf,
  }
end

local known_kinds = {
  tracepoint = true, tp = true, raw_tp = true, raw_tracepoint = true, kprobe = true,
  kretprobe = true, uprobe = true, uretprobe = true, perf_event = true, fentry = true,
  fexit = true, fmod_ret = true, lsm = true, tp_btf = true, xdp = true, tc = true,
  cgroup = true, socket = true,
}

-- A point without a known "kind:" prefix takes the program's section kind.
local function full_point(bp, prog, point)
  local kind = point:match("^([%w_]+):")
  if kind and known_kinds[kind] then return point end
  local sec = bp.programs[prog]
  if point == "" then return sec.attach or error(("program '%s': section '%s' implies no attach point"):format(prog, sec.section), 0) end
  return sec.kind .. ":" .. point
end

local syscall_prefix = { x86_64 = "__x64_sys_", aarch64 = "__arm64_sys_", s390x = "__s390x_sys_",
  riscv64 = "__riscv_sys_", ppc64le = "__powerpc_sys_" }

-- Attach one point (a string or { any = { ... } }); returns link or nil, err.
local function attach_point(self, bp, prog, p, point)
  if type(point) == "table" then
    local errs = {}
    for _, alt in ipairs(point.any or {}) do
      local link, err = attach_point(self, bp, prog, p, alt)
      if link then return link end
      errs[#errs + 1] = err
    end
    return nil, "no alternative attached: " .. table.concat(errs, "; ")
  end
  local full = full_point(bp, p.name, point)
  local link, err, errno = prog:attach(full, p.opts)
  if not link and p.syscall then
    local kind, sym = full:match("^(k%a*probe):([^+]+)")
    local prefix = syscall_prefix[core.machine()]
    if kind and prefix and sym:sub(1, #prefix) ~= prefix then
      local l2, err2 = prog:attach(kind .. ":" .. prefix .. sym .. (full:match("%+.*$") or ""), p.opts)
      if l2 then return l2 end
      err = err .. "; " .. err2
    end
  end
  return link, err, errno
end

local function detach_all(links)
  for i = #links, 1, -1 do links[i]:detach() end
end

-- Attach every program of the version; all or nothing (optional ones aside).
local function attach_version(self, bp, v, inst)
  local links = {}
  for _, p in ipairs(v.programs) do
    local prog = inst:program(p.name)
    local mine = {}
    for _, point in ipairs(p.points) do
      local link, err, errno = attach_point(self, bp, prog, p, point)
      if not link then
        detach_all(mine)
        local msg = ("program '%s': %s"):format(p.name, err)
        if not p.optional then
          detach_all(links)
          return nil, msg, errno
        end
        self.warnings[#self.warnings + 1] = msg .. " (optional, skipped)"
        mine = {}
        break
      end
      mine[#mine + 1] = link
    end
    table.move(mine, 1, #mine, #links + 1, links)
  end
  -- struct_ops maps register once their programs are loaded: all or none
  for _, name in ipairs(v.struct_ops) do
    local map = inst:map(name)
    if not map then
      detach_all(links)
      return nil, ("struct_ops '%s': no such map in the loaded version"):format(name)
    end
    local link, err, errno = map:attach()
    if not link then
      detach_all(links)
      return nil, err, errno
    end
    links[#links + 1] = link
  end
  return links
end

local the_loop
local function loop()
  if not the_loop then the_loop = assert(core.loop()) end
  return the_loop
end

-- Loaded groups stay loaded (attached, their readers in the loop) until they
-- are closed, even when the policy keeps no reference to them: a monitor
-- must not stop because a local variable went out of scope.
local live_groups = {}

local function open_reader(self, map_name, h)
  local map = self.maps[map_name]
  if not map then return nil, ("no map '%s' in the loaded version"):format(map_name) end
  local r, err, errno = core.reader(map, h.fn, h.opts)
  if not r then return nil, err, errno end
  if h.lost then r:set_lost(h.lost) end
  local ok, aerr = loop():add(r)
  if not ok then r:close() return nil, aerr end
  self.readers[map_name] = r
  return r
end

local function close_readers(self)
  for name, r in pairs(self.readers) do
    loop():remove(r)
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
      local links, aerr, aeno = attach_version(self, bp, v, inst)
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
          live_groups[self] = true
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
  detach_all(rawget(self, "links") or {})
  self.links = {}
  local inst = rawget(self, "instance")
  if inst then inst:close() end
  self.instance, self.version = nil, nil
  self.programs, self.maps = {}, {}
  live_groups[self] = nil
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
      loop():remove(self.readers[map_name])
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

---------------------------------------------------------------------------
-- What the running kernel supports, probed once and cached.

-- expected attach types some program types cannot load without
local PROBE_ATTACH = { cgroup_sock_addr = 10, cgroup_sockopt = 21, netfilter = 45 }
local NEEDS_TARGET = { tracing = true, lsm = true, ext = true, struct_ops = true }
local PROG_TYPES = { "socket_filter", "kprobe", "sched_cls", "sched_act", "tracepoint", "xdp",
  "perf_event", "cgroup_skb", "cgroup_sock", "lwt_in", "sock_ops", "sk_skb", "cgroup_device",
  "sk_msg", "raw_tracepoint", "cgroup_sock_addr", "lwt_seg6local", "lirc_mode2", "sk_reuseport",
  "flow_dissector", "cgroup_sysctl", "raw_tracepoint_writable", "cgroup_sockopt", "sk_lookup",
  "syscall", "netfilter" }
local MAP_TYPES = { "hash", "array", "prog_array", "perf_event_array", "percpu_hash",
  "percpu_array", "stack_trace", "cgroup_array", "lru_hash", "lru_percpu_hash", "lpm_trie",
  "array_of_maps", "hash_of_maps", "devmap", "sockmap", "cpumap", "xskmap", "sockhash",
  "cgroup_storage", "reuseport_sockarray", "percpu_cgroup_storage", "queue", "stack",
  "devmap_hash", "ringbuf", "bloom_filter", "user_ringbuf" }
-- helpers worth knowing about, by the program type they are tried from
local HELPERS = {
  { "probe_read_kernel", "kprobe", 113 }, { "ringbuf_output", "tracepoint", 130 },
  { "get_current_task_btf", "tracing", 158 }, { "get_attach_cookie", "kprobe", 174 },
  { "loop", "tracepoint", 181 }, { "get_func_ip", "kprobe", 173 },
  { "ktime_get_boot_ns", "tracepoint", 125 }, { "probe_read_user_str", "tracepoint", 114 },
}

local function exists(path)
  local f = io.open(path, "r")
  if f then f:close() return true end
  return false
end

local features_cache
-- ox.features() -> { kernel =, kernel_code =, btf =, prog_types = {name = bool},
-- map_types = {...}, helpers = {...}, attach = { kprobe =, uprobe =, fentry =,
-- perf_link =, tcx =, xdp_link =, cgroup_link = } }
function M.features()
  if features_cache then return features_cache end
  local code, version = core.kernel_version()
  local f = { kernel = version, kernel_code = code, btf = exists("/sys/kernel/btf/vmlinux"),
    prog_types = {}, map_types = {}, helpers = {}, attach = {} }
  for _, t in ipairs(PROG_TYPES) do
    -- types that need an attach target are covered by f.attach instead
    if not NEEDS_TARGET[t] then f.prog_types[t] = core.probe_prog_type(t, PROBE_ATTACH[t]) == true end
  end
  for _, t in ipairs(MAP_TYPES) do f.map_types[t] = core.probe_map_type(t) == true end
  for _, hl in ipairs(HELPERS) do f.helpers[hl[1]] = core.probe_helper(hl[2], hl[3]) == true end
  local function at_least(maj, min) return code >= (maj << 16 | min << 8) end
  local tracefs = exists("/sys/kernel/tracing/kprobe_events") or exists("/sys/kernel/debug/tracing/kprobe_events")
  f.attach.kprobe = exists("/sys/bus/event_source/devices/kprobe/type") or tracefs
  f.attach.uprobe = exists("/sys/bus/event_source/devices/uprobe/type")
    or exists("/sys/kernel/tracing/uprobe_events") or exists("/sys/kernel/debug/tracing/uprobe_events")
  local fentry, why = core.probe_fentry("do_unlinkat")
  f.attach.fentry = fentry == true
  f.attach.fentry_error = why
  local seen = core.features() -- what attaching found out, where it has tried
  local function link(name, maj, min)
    if seen[name] == 1 or seen[name] == 0 then return seen[name] == 1 end
    return at_least(maj, min)
  end
  f.attach.perf_link = link("perf_link", 5, 15)
  f.attach.tcx = link("tcx", 6, 6)
  f.attach.xdp_link = link("xdp_link", 5, 9)
  f.attach.cgroup_link = link("cgroup_link", 5, 7)
  features_cache = f
  return f
end

---------------------------------------------------------------------------
-- The event loop.

-- ox.poll([ms]) -> events handled (ms 0: never block; nil: until a wakeup).
function M.poll(ms)
  M._loop_driven = true
  return loop():poll(ms)
end

-- ox.fd() -> an epoll fd that is readable when ox.poll(0) has work.
function M.fd() return loop():fd() end

-- ox.every(seconds, fn) -> timer id; ox.cancel(id).
function M.every(seconds, fn)
  local id, err, errno = loop():every(seconds, fn)
  if id then M._timers[id] = true end
  return id, err, errno
end
function M.cancel(id)
  M._timers[id] = nil
  return loop():cancel(id)
end

-- ox.close_all(): close every loaded group (what SIGINT/SIGTERM does in ox.run).
function M.close_all()
  for g in pairs(live_groups) do g:close() end
end

-- ox.stats() -> list of every reader's statistics.
function M.stats()
  local out = {}
  for _, r in ipairs(loop():readers()) do out[#out + 1] = r:stats() end
  return out
end

local function errors_total()
  local n, last = 0, nil
  for _, r in ipairs(loop():readers()) do
    local s = r:stats()
    n = n + s.errors
    if s.errors > 0 then last = r:last_error() or last end
  end
  return n, last
end

-- ox.run{ duration = seconds, stop_on_error = bool } -> true, reason
-- Runs until the duration ends or SIGINT/SIGTERM arrives (then every loaded
-- group is closed). With stop_on_error, returns nil, message at the first
-- handler error.
function M.run(opts)
  opts = opts or {}
  if type(opts) ~= "table" then error("ox.run: options must be a table", 2) end
  local lp = loop()
  M._loop_driven = true
  local deadline = opts.duration and core.now() + opts.duration
  local errors0 = errors_total()
  local readers = lp:readers()
  if opts.stop_on_error then
    for _, r in ipairs(readers) do r:set_stop_on_error(true) end
  end
  lp:signals(true)
  lp:clear()
  local ok, reason, err = pcall(function()
    while true do
      local ms = -1
      if deadline then ms = math.max(0, math.ceil((deadline - core.now()) * 1000)) end
      lp:poll(ms)
      local sig = lp:stopped_by()
      if sig then return "signal", sig end
      if opts.stop_on_error then
        local n, last = errors_total()
        if n > errors0 then return "error", last end
      end
      if deadline and core.now() >= deadline then return "duration" end
    end
  end)
  lp:signals(false)
  if opts.stop_on_error then
    for _, r in ipairs(readers) do r:set_stop_on_error(false) end
  end
  if not ok then error(reason, 0) end
  if reason == "signal" then
    M.close_all()
    return true, "signal", err
  elseif reason == "error" then
    return nil, err
  end
  return true, reason
end

return M
