-- oxlua.attach: a loaded version's programs attached to their points, all
-- or nothing (optional programs aside), then its struct_ops maps
-- registered. Attach point strings are those of prog:attach (`kind:...`);
-- a point without a known kind takes the program's section kind, an empty
-- one the section's default point, and { any = { ... } } the first
-- alternative that attaches.

local core = require "oxlua.core"

local M = {}

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
local function attach_point(bp, prog, p, point)
  if type(point) == "table" then
    local errs = {}
    for _, alt in ipairs(point.any or {}) do
      local link, err = attach_point(bp, prog, p, alt)
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

-- detach_all(links): detach a list of links, the last attached first.
function M.detach_all(links)
  for i = #links, 1, -1 do links[i]:detach() end
end

-- version(bp, v, inst, warnings) -> links, or nil, message, errno with
-- nothing left attached. bp is the blueprint, v the version and inst its
-- loaded instance; an optional program that fails to attach is skipped,
-- with a line appended to warnings.
function M.version(bp, v, inst, warnings)
  local links = {}
  for _, p in ipairs(v.programs) do
    local prog = inst:program(p.name)
    local mine = {}
    for _, point in ipairs(p.points) do
      local link, err, errno = attach_point(bp, prog, p, point)
      if not link then
        M.detach_all(mine)
        local msg = ("program '%s': %s"):format(p.name, err)
        if not p.optional then
          M.detach_all(links)
          return nil, msg, errno
        end
        warnings[#warnings + 1] = msg .. " (optional, skipped)"
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
      M.detach_all(links)
      return nil, ("struct_ops '%s': no such map in the loaded version"):format(name)
    end
    local link, err, errno = map:attach()
    if not link then
      M.detach_all(links)
      return nil, err, errno
    end
    links[#links + 1] = link
  end
  return links
end

return M
