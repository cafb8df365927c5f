---@meta oxlua
-- LuaLS definitions for oxlua (`require "oxlua"` and `require "oxlua.core"`).
-- Point the language server at this file (workspace.library) for completion
-- and type checks of policies. docs/api.md describes the same surface.
--
-- Convention: functions that can fail because of the kernel or the OS return
-- `nil, message, errno`; misuse raises.

---------------------------------------------------------------------------
-- Values

---A key or value of a map, a global or an event: integers for 1, 2, 4 and
---8-byte scalars, byte strings otherwise, tables for BTF structs, unions and
---arrays, lists for per-CPU values.
---@alias oxlua.Value integer|number|boolean|string|table

---@alias oxlua.UpdateFlag "any"|"noexist"|"exist"|integer

---An attach point (`"tracepoint:syscalls:sys_enter_execve"`,
---`"kprobe:SYM[+OFF]"`, `"uprobe:PATH:SYM"`, `"xdp:eth0"`, ...) or a list of
---alternatives of which the first that attaches is used.
---@alias oxlua.AttachPoint string|{ any: oxlua.AttachPoint[] }

---@alias oxlua.Handler fun(event: string|table, cpu: integer?)
---@alias oxlua.LostHandler fun(count: integer, cpu: integer)

---------------------------------------------------------------------------
-- The module

---@class oxlua
---@field _VERSION string oxlua's version, e.g. "0.1.0"
---@field core oxlua.core the C module
local ox = {}

---Parse a BPF ELF object from a file or from bytes. No kernel calls.
---@param src string|{ data: string, name?: string } a path, or the bytes and a name for messages
---@return oxlua.Blueprint? blueprint
---@return string? message
---@return integer? errno
function ox.blueprint(src) end

---Describe a program of the object: loaded, and attached at each point when its version loads.
---@param name string the program's function name
---@param points? oxlua.AttachPoint[] where to attach (none: load only)
---@param opts? oxlua.ProgramOptions
---@return oxlua.Program
function ox.program(name, points, opts) end

---A set of programs loaded together, with map overrides and initial globals.
---@param t oxlua.VersionSpec
---@return oxlua.Version
function ox.version(t) end

---An entry of a version's `maps` list: overrides applied before the map is created.
---@param name string
---@param opts? oxlua.MapOptions
---@return oxlua.MapSpec
function ox.map(name, opts) end

---An entry of a version's `maps` list: a handler for a perf or ring buffer
---map, registered when this version loads.
---@param name string
---@param opts oxlua.PerfMapOptions
---@return oxlua.MapSpec
function ox.perfmap(name, opts) end

---What the running kernel supports (probed once, then cached).
---@return oxlua.KernelFeatures
function ox.features() end

---Why a file is unsafe to load code from (writable by group or others, owned
---by another user, or in such a directory), or nil when it is safe.
---@param path string
---@return string|nil problem
function ox.permission_problem(path) end

---Turn permission checks on ox.blueprint(path) on or off; returns whether
---they were on. While on, an unsafe object gives nil, "refusing to load ...".
---@param on boolean
---@param advice? string appended to refusals
---@return boolean was_on
function ox.check_permissions(on, advice) end

---Versions of a program set, tried in order by `group:load()`.
---@param t oxlua.GroupSpec
---@return oxlua.Group
function ox.group(t) end

---Run the event loop until the duration ends, SIGINT/SIGTERM arrives (every
---loaded group is then closed), or, with stop_on_error, a handler raises.
---@param opts? oxlua.RunOptions
---@return true|nil ok
---@return "duration"|"signal"|string reason the reason, or the handler's error message
---@return integer? signo the signal, when reason is "signal"
function ox.run(opts) end

---Run the event loop once. ms 0 never blocks; nil or negative waits for the first wakeup.
---@param ms? integer
---@return integer handled records delivered to handlers
function ox.poll(ms) end

---The loop's epoll fd: readable when `ox.poll(0)` has work.
---@return integer fd
function ox.fd() end

---Call fn every `seconds` from the loop.
---@param seconds number
---@param fn fun()
---@return integer id for ox.cancel
function ox.every(seconds, fn) end

---Cancel a timer made by ox.every.
---@param id integer
function ox.cancel(id) end

---Statistics of every reader in the loop.
---@return oxlua.ReaderStats[]
function ox.stats() end

---Close every loaded group (what ox.run does on SIGINT/SIGTERM). Loaded groups
---stay loaded until closed, even without a reference from the policy.
function ox.close_all() end

---@class oxlua.KernelFeatures
---@field kernel string e.g. "6.18.44"
---@field kernel_code integer LINUX_KERNEL_VERSION
---@field btf boolean /sys/kernel/btf/vmlinux exists
---@field prog_types table<string, boolean> loadable program types
---@field map_types table<string, boolean> creatable map types
---@field helpers table<string, boolean> a few helpers, by name without bpf_
---@field attach oxlua.AttachFeatures

---@class oxlua.AttachFeatures
---@field kprobe boolean
---@field uprobe boolean
---@field fentry boolean
---@field fentry_error string? errno name when fentry does not load
---@field perf_link boolean
---@field tcx boolean
---@field xdp_link boolean
---@field cgroup_link boolean

---@class oxlua.RunOptions
---@field duration? number seconds
---@field stop_on_error? boolean return nil, message at the first handler error

---------------------------------------------------------------------------
-- Blueprints

---@class oxlua.Blueprint
---@field name string file name
---@field license string
---@field kversion integer the object's `version` section
---@field btf oxlua.BtfInfo? nil when the object has no BTF
---@field core_relos integer number of CO-RE relocations
---@field programs table<string, oxlua.ProgramInfo>
---@field subprograms table<string, oxlua.SubprogramInfo>
---@field maps table<string, oxlua.MapInfo>
---@field globals table<string, oxlua.GlobalInfo>
---@field externs oxlua.ExternInfo[]
---@field info oxlua.ObjectInfo the same data as lists, in object order
---@field object oxlua.Object the parsed object

---@class oxlua.BtfInfo
---@field types integer number of BTF types
---@field size integer bytes
---@field ext boolean? the object has .BTF.ext

---@class oxlua.ProgramInfo
---@field name string
---@field section string ELF section, e.g. "tracepoint/syscalls/sys_enter_execve"
---@field insns integer
---@field type string program type: "xdp", "tracepoint", "socket_filter", ..., or "unknown"
---@field attach_type string expected attach type, "" when none
---@field kind string section kind, e.g. "tracepoint"
---@field target string the rest of the section name
---@field autoload boolean false for "?"-prefixed sections
---@field attach string? the attach point the section implies, if any

---@class oxlua.SubprogramInfo
---@field name string
---@field section string
---@field insns integer

---@class oxlua.MapInfo
---@field name string
---@field type string map type: "hash", "array", "ringbuf", ...
---@field key_size integer
---@field value_size integer
---@field max_entries integer
---@field flags integer
---@field kind "user"|"data"|"rodata"|"bss"|"kconfig"|"struct_ops"
---@field key_type string? BTF type name of the key
---@field value_type string? BTF type name of the value
---@field numa_node integer?
---@field map_extra integer?
---@field pinning "by_name"?
---@field inner { type: string, key_size: integer, value_size: integer, max_entries: integer }? maps of maps
---@field slots table<integer|string, string>? initial slots: of a map of maps, index -> map name; of a struct_ops map, member -> program

---@class oxlua.GlobalInfo
---@field name string
---@field section string ".data", ".rodata", ".bss", ".kconfig", ...
---@field offset integer
---@field size integer
---@field type string? BTF type name

---@class oxlua.ExternInfo
---@field name string
---@field section ".kconfig"|".ksyms"
---@field weak boolean
---@field type string?

---@class oxlua.ObjectInfo
---@field name string
---@field license string
---@field kversion integer
---@field core_relos integer
---@field btf oxlua.BtfInfo?
---@field programs oxlua.ProgramInfo[]
---@field subprograms oxlua.SubprogramInfo[]
---@field maps oxlua.MapInfo[]
---@field globals oxlua.GlobalInfo[]
---@field externs oxlua.ExternInfo[]

---------------------------------------------------------------------------
-- Programs and versions (descriptions, no kernel objects)

---@class oxlua.AttachOptions
---@field pid? integer uprobes and perf events: only this process
---@field maxactive? integer kretprobe maxactive (tracefs)
---@field xdp_mode? "skb"|"generic"|"drv"|"native"|"hw"
---@field legacy? boolean use the pre-bpf-link mechanisms
---@field cookie? integer bpf_get_attach_cookie() value

---@class oxlua.ProgramOptions: oxlua.AttachOptions
---@field optional? boolean a failure to attach does not fail the version
---@field syscall? boolean retry kprobes with the architecture's syscall prefix

---@class oxlua.Program
---@field name string
---@field points oxlua.AttachPoint[]
---@field optional boolean
---@field syscall boolean
---@field opts oxlua.ProgramOptions

---@class oxlua.MapOptions
---@field max_entries? integer
---@field key_size? integer
---@field value_size? integer
---@field flags? integer
---@field type? string a map type name
---@field pin? string bpffs path: reuse a matching pinned map or pin this one there

---@class oxlua.MapSpec
---@field name string
---@field opts oxlua.MapOptions|oxlua.PerfMapOptions
---@field perf boolean? true for ox.perfmap entries

---@class oxlua.PerfMapOptions: oxlua.HandlerOptions
---@field handler oxlua.Handler

---@class oxlua.VersionSpec
---@field name? string
---@field programs (oxlua.Program|string)[] non-empty
---@field maps? table<string, oxlua.MapOptions>|oxlua.MapSpec[] by name, or a list of ox.map/ox.perfmap entries
---@field globals? table<string, oxlua.Value> initial values by global name
---@field btf? string BTF file for CO-RE relocations instead of the kernel's (wins over the group's)
---@field struct_ops? string[] struct_ops maps to register once the programs are loaded (all or none)

---@class oxlua.Version
---@field name string? set to "version N" by ox.group when absent
---@field programs oxlua.Program[]
---@field maps table<string, oxlua.MapOptions>
---@field handlers table<string, { fn: oxlua.Handler, opts: oxlua.HandlerOptions, lost: oxlua.LostHandler? }> from ox.perfmap entries
---@field globals table<string, oxlua.Value>
---@field btf string?
---@field struct_ops string[]

---------------------------------------------------------------------------
-- Groups

---@class oxlua.GroupSpec
---@field blueprint oxlua.Blueprint|string a blueprint or a path
---@field versions? oxlua.Version[] tried in order
---@field programs? (oxlua.Program|string)[] instead of versions: one version "default"
---@field pin_root? string for LIBBPF_PIN_BY_NAME maps (default /sys/fs/bpf)
---@field kconfig? string kernel config file for .kconfig externs
---@field log_size? integer initial verifier log size
---@field btf? string BTF file (raw, or ELF with .BTF) for CO-RE relocations instead of the kernel's

---@class oxlua.Failure
---@field version string the version's name
---@field error string
---@field errno integer?
---@field log string? the whole verifier log

---@class oxlua.HandlerOptions
---@field decode? string a BTF type ("struct event") or a string.unpack format
---@field pages? integer perf buffer pages per CPU (a power of two)
---@field wakeup_events? integer perf buffer: wake every N records (default 64)
---@field watermark? integer perf buffer: wake at N bytes
---@field flush_ms? integer drain at least every N ms (default 50)
---@field lost? oxlua.LostHandler
---@field stop_on_error? boolean

---@class oxlua.Group
---@field blueprint oxlua.Blueprint|string
---@field versions oxlua.Version[]
---@field pin_root string?
---@field kconfig string?
---@field log_size integer?
---@field btf string?
---@field version oxlua.Version? the loaded version
---@field instance oxlua.Instance? owns every fd while loaded
---@field programs table<string, oxlua.LoadedProgram>
---@field maps table<string, oxlua.Map>
---@field globals table<string, oxlua.Value> read any global; assign .data/.bss ones
---@field links oxlua.Link[]
---@field readers table<string, oxlua.Reader>
---@field failures oxlua.Failure[] why versions failed in the last load
---@field verifier_log string? the last failing verifier log
---@field warnings string[] optional programs that did not attach
local Group = {}

---Try the versions in order until one loads and attaches.
---@return true|nil ok
---@return string? report one line per failed version
---@return integer? errno
function Group:load() end

---Close readers, detach links, close every fd. Idempotent.
function Group:close() end

---close() then load().
---@return true|nil ok
---@return string? report
---@return integer? errno
function Group:reload() end

---Deliver the records of a perf_event_array or ringbuf map to fn.
---@param map string map name
---@param fn oxlua.Handler
---@param opts? oxlua.HandlerOptions
---@return true|nil ok
---@return string? message
---@return integer? errno
function Group:on(map, fn, opts) end

---Report perf buffer records the kernel dropped.
---@param map string
---@param fn oxlua.LostHandler
---@return true
function Group:on_lost(map, fn) end

---Statistics of the group's readers, by map name.
---@return table<string, oxlua.ReaderStats>
function Group:stats() end

---------------------------------------------------------------------------
-- Maps

---@class oxlua.MapRuntimeInfo
---@field name string
---@field type string
---@field key_size integer
---@field value_size integer
---@field max_entries integer
---@field flags integer
---@field fd integer
---@field id integer?
---@field btf_id integer? the BTF object the map was created with
---@field pin string?
---@field reused boolean?

---A map of a loaded instance; raises "map is closed" after the group closed.
---@class oxlua.Map
local Map = {}

---@param key oxlua.Value
---@return oxlua.Value|nil value nil when absent (or on failure, with message and errno)
---@return string? message
---@return integer? errno
function Map:get(key) end

---@param key oxlua.Value
---@param value oxlua.Value
---@param flags? oxlua.UpdateFlag
---@return true|nil ok
---@return string? message
---@return integer? errno
function Map:set(key, value, flags) end

---@param key oxlua.Value
---@return boolean|nil deleted false when absent
---@return string? message
---@return integer? errno
function Map:delete(key) end

---@return fun(): oxlua.Value, oxlua.Value iterator over key, value
function Map:pairs() end

---Every entry, by batch lookup where the kernel supports it.
---@return table<any, oxlua.Value>|nil entries
---@return "batch"|"iterate"|string how how it was read (or the message)
---@return integer? errno
function Map:dump() end

---Set every key = value of t (batched where supported).
---@param t table<any, oxlua.Value>
---@param flags? oxlua.UpdateFlag
---@return integer|nil count
---@return string? message
---@return integer? errno
function Map:set_many(t, flags) end

---@return oxlua.MapRuntimeInfo
function Map:info() end

---@return integer fd
function Map:fd() end

---Registers a struct_ops map (a .struct_ops map by map update, a
---.struct_ops.link map by a link); other maps raise.
---@return oxlua.Link? link
---@return string? err
---@return integer? errno
function Map:attach() end

---------------------------------------------------------------------------
-- Loaded programs and links

---@class oxlua.TestRunOptions
---@field data? string packet bytes
---@field ctx? string context bytes
---@field ["repeat"]? integer
---@field data_size_out? integer

---@class oxlua.TestRunResult
---@field retval integer
---@field duration integer ns per run
---@field data string? output packet
---@field ctx string? output context

---@class oxlua.ProgramRuntimeInfo
---@field name string
---@field section string
---@field type string
---@field insns integer
---@field fd integer
---@field id integer?
---@field tag string? the kernel's 8-byte tag
---@field btf_id integer? the BTF object of its func/line info

---A program of a loaded instance.
---@class oxlua.LoadedProgram
local LoadedProgram = {}

---Run the program with BPF_PROG_TEST_RUN.
---@param opts? oxlua.TestRunOptions
---@return oxlua.TestRunResult|nil result
---@return string? message
---@return integer? errno
function LoadedProgram:test_run(opts) end

---Attach at one point.
---@param point string
---@param opts? oxlua.AttachOptions
---@return oxlua.Link|nil link
---@return string? message
---@return integer? errno
function LoadedProgram:attach(point, opts) end

---@return oxlua.ProgramRuntimeInfo
function LoadedProgram:info() end

---@return integer fd
function LoadedProgram:fd() end

---The verifier log of a load made with log_level.
---@return string?
function LoadedProgram:log() end

---@class oxlua.LinkInfo
---@field point string
---@field how "link"|"perf_event"|"raw_tracepoint"|"netlink"|"prog_attach"|"socket"|"struct_ops"
---@field fds integer
---@field tracefs_event string?

---What an attach created; released once by detach, close, __close or __gc.
---@class oxlua.Link
local Link = {}

function Link:detach() end

function Link:close() end

---@return boolean
function Link:detached() end

---@return oxlua.LinkInfo
function Link:info() end

---------------------------------------------------------------------------
-- Readers and the loop

---@class oxlua.ReaderStats
---@field name string map name
---@field kind "perf"|"ringbuf"|"closed"
---@field events integer
---@field bytes integer
---@field errors integer handler errors
---@field seconds number time in handlers
---@field lost integer? perf records the kernel dropped (0 for ring buffers)
---@field lost_per_cpu integer[]? perf buffers
---@field discarded integer? ring buffers

---@class oxlua.Reader
local Reader = {}

---Deliver up to max ready records (all when 0 or nil).
---@param max? integer
---@return integer handled
function Reader:drain(max) end

---@return oxlua.ReaderStats
function Reader:stats() end

---@param fn oxlua.LostHandler?
function Reader:set_lost(fn) end

---@param on boolean
function Reader:set_stop_on_error(on) end

---@return boolean
function Reader:failed() end

---@return string?
function Reader:last_error() end

---@return integer ms
function Reader:flush_ms() end

---Unmap and close; also takes the reader out of the loop that holds it.
---Idempotent; also __close and __gc. drain and flush_ms raise afterwards.
function Reader:close() end

---@class oxlua.Loop
local Loop = {}

---@param reader oxlua.Reader
---@return true|nil ok
---@return string? message
---@return integer? errno
function Loop:add(reader) end

---Take a reader out of the loop (and its fds out of the epoll set); it stays open.
---@param reader oxlua.Reader
function Loop:remove(reader) end

---@param ms? integer
---@return integer handled
function Loop:poll(ms) end

---@param seconds number
---@param fn fun()
---@return integer id
function Loop:every(seconds, fn) end

---@param id integer
function Loop:cancel(id) end

---Take SIGINT/SIGTERM through a signalfd (true) or give them back (false).
---@param on boolean
---@return true|nil ok
---@return string? message
---@return integer? errno
function Loop:signals(on) end

---@return integer? signo
function Loop:stopped_by() end

function Loop:clear() end

---@return integer fd
function Loop:fd() end

---@return oxlua.Reader[]
function Loop:readers() end

---Its readers leave it (they stay open); idempotent; also __close and __gc.
---From one of its timers or handlers, it waits for the poll to end.
function Loop:close() end

---------------------------------------------------------------------------
-- ox.core: objects, instances and the rest of the C module

---@class oxlua.LoadSpec
---@field programs string[]
---@field maps? table<string, oxlua.MapOptions>
---@field globals? table<string, oxlua.Value>
---@field pin_root? string
---@field kconfig? string
---@field log_level? integer
---@field log_size? integer
---@field btf? string BTF file for CO-RE relocations instead of the kernel's
---@field btf_dir? string directory in place of /sys/kernel/btf (vmlinux and module BTF)

---A parsed object.
---@class oxlua.Object
local Object = {}

---@return oxlua.ObjectInfo
function Object:info() end

---Load exactly these programs (no attaching, no fallback).
---@param spec oxlua.LoadSpec
---@return oxlua.Instance|nil instance
---@return string? message
---@return integer? errno
---@return string? verifier_log
function Object:load(spec) end

---Idempotent; also __close and __gc. Instances and readers made from it keep
---the parsed object until they close too.
function Object:close() end

---The maps and programs of one load; owns every fd.
---@class oxlua.Instance
local Instance = {}

---@param name string
---@return oxlua.LoadedProgram?
function Instance:program(name) end

---@param name string
---@return oxlua.Map?
function Instance:map(name) end

---@return string[]
function Instance:programs() end

---@return string[]
function Instance:maps() end

---@param name string
---@return oxlua.Value|nil value
---@return string? message
---@return integer? errno
function Instance:global(name) end

---@param name string
---@param value oxlua.Value
---@return true|nil ok
---@return string? message
---@return integer? errno
function Instance:set_global(name, value) end

---Close every fd and free the instance; idempotent; also __close and __gc.
---Its maps and programs raise afterwards.
function Instance:close() end

---@return boolean
function Instance:closed() end

---@class oxlua.SectionInfo
---@field type string
---@field attach_type string
---@field kind string
---@field target string

---@class oxlua.Features
---@field perf_link integer -1 unknown, 0 absent, 1 present
---@field tcx integer
---@field xdp_link integer
---@field cgroup_link integer
---@field kprobe_pmu integer PMU type number, 0 none, -1 unknown
---@field uprobe_pmu integer

---@class oxlua.core
---@field version string
local core = {}

---@param path string
---@return oxlua.Object|nil object
---@return string? message
---@return integer? errno
function core.open(path) end

---@param bytes string
---@param name? string
---@return oxlua.Object|nil object
---@return string? message
---@return integer? errno
function core.parse(bytes, name) end

---Validate a raw BTF blob; kinds counts the types of each kind. With base,
---bytes is a split BTF on top of it.
---@param bytes string
---@param base? string raw base BTF (vmlinux for a module's BTF)
---@return { types: integer, size: integer, kinds: table<string, integer> }|nil info
---@return string? message
---@return integer? errno
function core.btf(bytes, base) end

---The BTF blob a load would hand a kernel lacking the capabilities set to
---false (func, func_global, datasec, qmark_datasec, float, decl_tag, type_tag,
---enum64). Raises on invalid BTF.
---@param bytes string
---@param caps? table<string, boolean>
---@return string
function core.btf_sanitize(bytes, caps) end

---@param map oxlua.Map
---@param fn oxlua.Handler
---@param opts? oxlua.HandlerOptions
---@return oxlua.Reader|nil reader
---@return string? message
---@return integer? errno
function core.reader(map, fn, opts) end

---@return oxlua.Loop|nil loop
---@return string? message
---@return integer? errno
function core.loop() end

---@param errno integer
---@return string name e.g. "EPERM"
function core.errname(errno) end

---@return integer code LINUX_KERNEL_VERSION
---@return string version e.g. "6.18.0"
function core.kernel_version() end

---@class oxlua.KernelType
---@field id integer
---@field kind string "struct", "enum", "int", ...
---@field name string
---@field size integer?
---@field module string? the module whose BTF has it
---@field members { name: string, bit_offset: integer, bitfield_size: integer, type: integer }[]? structs and unions
---@field values table<string, integer>? enums

---A type of the kernel's BTF (vmlinux, then modules) or of a BTF file.
---@param spec string "struct foo", "union foo", "enum foo" or a plain name (any kind: func for kfuncs, var, typedef...)
---@param opts? { btf: string?, btf_dir: string? }
---@return oxlua.KernelType|nil type
---@return string? message
---@return integer? errno
function core.kernel_type(spec, opts) end

---Offsets of members of a struct in the running kernel's BTF (one result
---per member; the BTF is parsed once). nil, message, errno if one is missing.
---@param struct string
---@param member string
---@param ... string more members
---@return integer|nil offset bytes
---@return string|integer|nil message, or the next member's offset
---@return integer? errno, or the next member's offset
function core.kernel_offset(struct, member, ...) end

---@return integer
function core.possible_cpus() end

---@return string|nil machine e.g. "x86_64"
---@return string? message
---@return integer? errno
function core.machine() end

---@return number seconds monotonic
function core.now() end

---@param name string a section name
---@return oxlua.SectionInfo? info nothing when not a program section
function core.section(name) end

---@return oxlua.Features
function core.features() end

---Whether a program of this type loads.
---@param name string program type, e.g. "xdp"
---@param expected_attach_type? integer
---@return boolean|nil ok nil when the probe failed
---@return string? errname
function core.probe_prog_type(name, expected_attach_type) end

---Whether a map of this type can be created.
---@param name string map type, e.g. "ringbuf"
---@return boolean|nil ok
---@return string? errname
function core.probe_map_type(name) end

---Whether a program of this type may call the helper.
---@param prog_type string
---@param helper_id integer
---@return boolean|nil ok
---@return string? errname
function core.probe_helper(prog_type, helper_id) end

---Whether an fentry program on this kernel function loads.
---@param fn string a function in the kernel's BTF
---@return boolean|nil ok
---@return string? errname "ENOENT" when the function is not in the BTF
function core.probe_fentry(fn) end

---Remove tracefs entries of oxlua processes that died.
---@return integer removed
function core.cleanup_probes() end

---@class oxlua.Stat
---@field kind "file"|"dir"|"link"|"other"
---@field mode integer permission bits (st_mode & 07777)
---@field uid integer
---@field gid integer

---stat(2), or lstat(2) with nofollow.
---@param path string
---@param nofollow? boolean
---@return oxlua.Stat|nil st
---@return string? message
---@return integer? errno
function core.stat(path, nofollow) end

---The absolute path with every symlink resolved.
---@param path string
---@return string|nil real
---@return string? message
---@return integer? errno
function core.realpath(path) end

---@return integer uid the real user id
---@return integer euid the effective user id
function core.uids() end

---@param uprobe? boolean uprobe entries instead of kprobe ones
---@param pid? integer only this process's
---@return string[]
function core.probe_events(uprobe, pid) end

---Two connected AF_UNIX sockets.
---@param type? "dgram"|"stream"
---@return oxlua.Socket|nil socket1
---@return oxlua.Socket|string|nil socket2 (or the message)
---@return integer? errno
function core.socketpair(type) end

---One end of core.socketpair; owns its fd.
---@class oxlua.Socket
local Socket = {}

---The descriptor, for `socket:FD` attach points.
---@return integer fd
function Socket:fd() end

---Send without blocking.
---@param bytes string
---@return integer|nil sent
---@return string? message
---@return integer? errno
function Socket:send(bytes) end

---Receive without blocking (nil, "recv: EAGAIN ...", errno when nothing waits).
---@param max? integer
---@return string|nil bytes
---@return string? message
---@return integer? errno
function Socket:recv(max) end

---Idempotent; also __close and __gc. fd, send and recv raise afterwards.
function Socket:close() end

---Send a raw Ethernet frame on an interface (AF_PACKET).
---@param ifname string
---@param frame string
---@param count? integer
---@return integer|nil sent
---@return string? message
---@return integer? errno
function core.packet_send(ifname, frame, count) end

return ox
