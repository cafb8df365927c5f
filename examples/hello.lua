-- hello.lua - load a BPF object, show what it holds, run one program.
--
--   oxlua run examples/hello.lua [OBJECT.bpf.o]
--
-- With no argument it uses the test object build/bpf/kitchen.bpf.o. Loading
-- needs root (or CAP_BPF); parsing does not.
local ox = require "oxlua"

local path = arg[1] or "build/bpf/kitchen.bpf.o"
local bp = assert(ox.blueprint(path))

print(("%s: %d programs, %d maps"):format(bp.name, #bp.info.programs, #bp.info.maps))
for _, p in ipairs(bp.info.programs) do
  print(("  %-14s %-40s %s"):format(p.name, p.section, p.type))
end

if not bp.programs.xdp_main then return end

-- Two versions, tried in order: the first sets the verdict through .rodata,
-- the second (used only if the first cannot load) keeps the object's own.
local group = ox.group {
  blueprint = bp,
  versions = {
    ox.version { name = "drop", programs = { "xdp_main" }, globals = { xdp_verdict = 1 } },
    ox.version { name = "default", programs = { "xdp_main" } },
  },
}
local ok, err = group:load()
if not ok then
  io.stderr:write(err, "\n")
  os.exit(1)
end
local run = group.programs.xdp_main:test_run { data = string.rep("\0", 64), ["repeat"] = 10 }
print(("loaded version '%s'; xdp_main returned %d (%s) in %d ns per run"):format(
  group.version.name, run.retval, run.retval == 1 and "XDP_DROP" or "XDP_PASS", run.duration))
print(("counters[0] = %d, bss_hits = %d"):format(group.maps.counters:get(0), group.globals.bss_hits))
group:close()
