-- oxlua: blueprints, programs, versions and groups over the C engine.
--
-- Policy lives in these Lua modules: which programs a version loads, the
-- order versions are tried in, what a failure report says. The C core
-- (oxlua.core) only parses objects and loads exactly what it is told to.
-- This file assembles the public table `ox` from the modules; each module
-- is one concern, and each uses only the ones above it:
--
--   oxlua.core         the C module (ox.core)
--   oxlua.state        the process-wide state, all of it: the public table
--                      and its _loop_driven/_timers, the loop, live groups,
--                      permission advice, the features probed (core)
--   oxlua.argerror     the error a bad argument raises
--   oxlua.permissions  permission_problem, check_permissions (core, state,
--                      argerror)
--   oxlua.blueprint    blueprint, default attach points (core, permissions,
--                      argerror)
--   oxlua.version      program, map, perfmap, version (argerror)
--   oxlua.attach       attaching a loaded version's programs (core)
--   oxlua.group        group and its methods (core, state, blueprint,
--                      version, attach, argerror)
--   oxlua.loop         run, poll, fd, every, cancel, stats, close_all (core,
--                      state)
--   oxlua.features     features (core, state)
--   oxlua.json         a JSON encoder for machine-readable output (none)

local state = require "oxlua.state"
local permissions = require "oxlua.permissions"
local blueprint = require "oxlua.blueprint"
local version = require "oxlua.version"
local group = require "oxlua.group"
local loop = require "oxlua.loop"
local features = require "oxlua.features"

-- core, _VERSION, _loop_driven and _timers are set by oxlua.state.
local ox = state.ox

ox.permission_problem = permissions.permission_problem
ox.check_permissions = permissions.check_permissions

ox.blueprint = blueprint.blueprint

ox.program = version.program
ox.map = version.map
ox.perfmap = version.perfmap
ox.version = version.version

ox.group = group.group

ox.features = features.features

ox.poll = loop.poll
ox.fd = loop.fd
ox.every = loop.every
ox.cancel = loop.cancel
ox.close_all = loop.close_all
ox.stats = loop.stats
ox.run = loop.run

return ox
