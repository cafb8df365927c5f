-- oxlua_cli.execmon - the default policy: watch every exec on the machine.
--
--   oxlua run [--json] [--duration SECONDS] [--object PATH]
--
-- Three versions are tried in order: a kprobe on the execve syscall, an
-- fentry on it, and the syscalls:sys_enter_execve tracepoint. The first that
-- loads and attaches wins; the report says why the others did not. One line
-- per exec in aligned columns, or one JSON object per line with --json.
-- The programs are src/cli/execmon.bpf.c, built into the executable.

local ox = require "oxlua"
local json = require "oxlua.json"

local M = {}

local function blueprint(path)
  if path then return ox.blueprint(path) end
  local ok, assets = pcall(require, "oxlua_cli.assets")
  if ok and assets["execmon.bpf.o"] then
    return ox.blueprint { data = assets["execmon.bpf.o"], name = "execmon.bpf.o" }
  end
  for _, p in ipairs { "build/bpf/execmon.bpf.o", "/usr/local/share/oxlua/execmon.bpf.o",
    "/usr/share/oxlua/execmon.bpf.o" } do
    local f = io.open(p, "rb")
    if f then f:close() return ox.blueprint(p) end
  end
  return nil, "execmon.bpf.o not found (give --object PATH)"
end

-- The kernel's task_struct layout, so the programs can read the parent pid.
local function layout()
  local parent, tgid = ox.core.kernel_offset("task_struct", "real_parent", "tgid")
  if not parent then parent, tgid = 0, 0 end -- unknown layout: ppid reads as 0
  return { off_real_parent = parent, off_tgid = tgid }
end

function M.group(bp)
  local globals = layout()
  return ox.group {
    blueprint = bp,
    versions = {
      ox.version { name = "kprobe", globals = globals,
        programs = { ox.program("kprobe_execve", { "kprobe:__x64_sys_execve" }) } },
      ox.version { name = "fentry", globals = globals,
        programs = { ox.program("fentry_execve", { "fentry:__x64_sys_execve" }) } },
      ox.version { name = "tracepoint", globals = globals,
        programs = { ox.program("tp_execve", { "tracepoint:syscalls:sys_enter_execve" }) } },
    },
  }
end

local function parse(args)
  local o = {}
  local i = 1
  while i <= #args do
    local a = args[i]
    if a == "--json" then o.json = true
    elseif a == "--duration" then i = i + 1; o.duration = tonumber(args[i])
    elseif a == "--object" then i = i + 1; o.object = args[i]
    else return nil, ("unknown option '%s' (--json, --duration SECONDS, --object PATH)"):format(a) end
    i = i + 1
  end
  return o
end

local function first_line(s) return (s:match("^[^\n]*")) end

function M.main(args)
  local o, err = parse(args or {})
  if not o then io.stderr:write("oxlua: ", err, "\n") return 2 end
  local bp, berr = blueprint(o.object)
  if not bp then io.stderr:write("oxlua: ", berr, "\n") return 1 end
  local group = M.group(bp)
  local out = io.stdout
  local function line(ev)
    local args = {}
    for i = 1, math.min(ev.nargs, #ev.argv) do args[i] = ev.argv[i] end
    if o.json then
      out:write(json.encode { time = os.time(), pid = ev.pid, ppid = ev.ppid, uid = ev.uid,
        comm = ev.comm, filename = ev.filename, args = json.array(args) }, "\n")
    else
      out:write(("%-8s %7d %7d %5d  %-16s %s %s\n"):format(os.date("%H:%M:%S"), ev.pid, ev.ppid,
        ev.uid, ev.comm, ev.filename, table.concat(args, " ", 2)))
    end
    out:flush()
  end
  group:on("events", line, { decode = "struct exec_event", wakeup_events = 1 })
  local ok, lerr = group:load()
  if not ok then io.stderr:write("oxlua: exec monitor: ", lerr, "\n") return 1 end
  io.stderr:write(("oxlua: exec monitor: using version '%s'\n"):format(group.version.name))
  for _, f in ipairs(group.failures) do
    io.stderr:write(("oxlua:   version '%s' failed: %s\n"):format(f.version, first_line(f.error)))
  end
  if not o.json then
    out:write(("%-8s %7s %7s %5s  %-16s %s\n"):format("TIME", "PID", "PPID", "UID", "COMM", "FILENAME ARGS"))
    out:flush()
  end
  ox.run { duration = o.duration }
  group:close()
  return 0
end

return M
