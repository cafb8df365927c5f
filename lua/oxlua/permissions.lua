-- oxlua.permissions: checks on the files a process loads code from, as sshd
-- (StrictModes) and sudo do. Off unless ox.check_permissions(true) turns
-- them on (`oxlua run` does, when it runs as root); while on, ox.blueprint
-- refuses an object file that fails them. Whether they are on, and the
-- advice a refusal ends with, is state.permission_advice.

local core = require "oxlua.core"
local state = require "oxlua.state"
local argerror = require "oxlua.argerror"

local M = {}

local EACCES = 13

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
  local was = state.permission_advice ~= nil
  state.permission_advice = on and (advice or "fix it or call ox.check_permissions(false)") or nil
  return was
end

-- refusal(path) -> nil while checks are off or path passes them; else the
-- message and errno (EACCES) ox.blueprint returns instead of loading path.
function M.refusal(path)
  local advice = state.permission_advice
  local why = advice and M.permission_problem(path)
  if why then
    return ("refusing to load %s: %s; %s"):format(path, why, advice), EACCES
  end
end

return M
