-- oxlua.loop: the event loop, one per Lua state (state.loop()), which the
-- readers of every loaded group and the ox.every timers are in. ox.run
-- runs it until a duration ends or SIGINT/SIGTERM arrives; a host with its
-- own loop drives it with ox.fd and ox.poll(0) instead. Running or polling
-- it sets ox._loop_driven, and ox._timers follows the armed timers
-- (oxlua.state says why).

local core = require "oxlua.core"
local state = require "oxlua.state"

local M = {}

-- ox.poll([ms]) -> events handled (ms 0: never block; nil: until a wakeup).
function M.poll(ms)
  state.ox._loop_driven = true
  return state.loop():poll(ms)
end

-- ox.fd() -> an epoll fd that is readable when ox.poll(0) has work.
function M.fd() return state.loop():fd() end

-- ox.every(seconds, fn) -> timer id; ox.cancel(id).
function M.every(seconds, fn)
  local id, err, errno = state.loop():every(seconds, fn)
  if id then state.ox._timers[id] = true end
  return id, err, errno
end
function M.cancel(id)
  state.ox._timers[id] = nil
  return state.loop():cancel(id)
end

-- ox.close_all(): close every loaded group (what SIGINT/SIGTERM does in ox.run).
function M.close_all()
  for g in pairs(state.live_groups) do g:close() end
end

-- ox.stats() -> list of every reader's statistics.
function M.stats()
  local out = {}
  for _, r in ipairs(state.loop():readers()) do out[#out + 1] = r:stats() end
  return out
end

local function errors_total()
  local n, last = 0, nil
  for _, r in ipairs(state.loop():readers()) do
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
  local lp = state.loop()
  state.ox._loop_driven = true
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
