-- oxlua.state: every piece of process-wide state the Lua layer keeps, in
-- one table. "Process-wide" means one per Lua state: modules are loaded
-- once per state, so two Lua states in one process share nothing. No other
-- module of lua/oxlua/ keeps mutable state of its own at module level;
-- they read and change the fields below.
--
--   ox                 the public table `require "oxlua"` returns (init.lua
--                      fills in its functions). Two of its fields are state
--                      that `oxlua run` reads once a policy returns:
--     ox._loop_driven  true once the policy ran or polled the loop itself
--                      (ox.run, ox.poll): it decided when to stop, so no
--                      loop follows it
--     ox._timers       ids of the ox.every timers still armed (handlers, as
--                      the readers of group:on are)
--   loop()             the one event loop (core.loop()), made on first use
--   live_groups        loaded groups (group -> true): they stay loaded,
--                      attached and their readers in the loop, until closed,
--                      even when the policy keeps no reference to them (a
--                      monitor must not stop because a local variable went
--                      out of scope); ox.close_all closes them
--   permission_advice  nil while permission checks are off; else what a
--                      refusal advises (ox.check_permissions)
--   features           what the running kernel supports (ox.features),
--                      probed on first use and kept

local core = require "oxlua.core"

local S = {
  ox = { core = core, _VERSION = core.version, _loop_driven = false, _timers = {} },
  live_groups = {},
  permission_advice = nil,
  features = nil,
}

local the_loop
function S.loop()
  if not the_loop then the_loop = assert(core.loop()) end
  return the_loop
end

return S
