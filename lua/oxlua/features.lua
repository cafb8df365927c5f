-- oxlua.features: ox.features, what the running kernel supports: program
-- and map types, helpers, attach methods. Probed on first use, then kept
-- (state.features); attach methods that attaching has already tried report
-- what it found, the others are guessed from the kernel version.

local core = require "oxlua.core"
local state = require "oxlua.state"

local M = {}

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

-- ox.features() -> { kernel =, kernel_code =, btf =, prog_types = {name = bool},
-- map_types = {...}, helpers = {...}, attach = { kprobe =, uprobe =, fentry =,
-- perf_link =, tcx =, xdp_link =, cgroup_link = } }
function M.features()
  if state.features then return state.features end
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
  state.features = f
  return f
end

return M
