-- summary.lua - busted output handler for oxlua's suite.
--
-- Prints one character per test ('.' passed, 'F' failed, 'E' error,
-- 's' skipped), or one line per test with --verbose, then every failure
-- with its message and traceback, and last the line
--   N passed, N failed, N skipped
-- Errors count as failed; pending tests count as skipped, and so do tests
-- left out by --exclude-tags (busted itself would drop them silently).

local busted = require "busted"

-- The tags given with --exclude-tags on the command line.
local function excluded_tags()
  local tags, a, i = {}, arg or {}, 1
  while a[i] do
    local v = a[i]:match("^%-%-exclude%-tags=(.*)$")
    if a[i] == "--exclude-tags" then i = i + 1; v = a[i] end
    for t in (v or ""):gmatch("[^,%s]+") do tags[#tags + 1] = t end
    i = i + 1
  end
  return tags
end

local function has_tag(name, tags)
  if type(name) ~= "string" then return false end
  for _, t in ipairs(tags) do
    if name:find("#" .. t) then return true end
  end
  return false
end

return function(options)
  local handler = require "busted.outputHandlers.base"()
  local verbose = options.verbose
  local tags = excluded_tags()
  local skipped = 0        -- tests left out by tag
  local column = 0
  local path = {}          -- names of the describe blocks being run or walked

  local function out(s) io.write(s); io.flush() end

  local function progress(char, word, name)
    if verbose then
      out(("%-5s %s\n"):format(word, name))
    else
      if column == 72 then out("\n"); column = 0 end
      out(char)
      column = column + 1
    end
  end

  local function full_name(name)
    local names = { table.unpack(path) }
    names[#names + 1] = name
    return table.concat(names, " ")
  end

  -- Registration hooks put in front of busted's tag filter: a test with an
  -- excluded tag is counted, and an excluded describe block is walked (its
  -- body run with tests and hooks not registered) to count its tests.
  local walking = 0
  local function on_test(name)
    if walking == 0 and not has_tag(name, tags) then return nil, true end
    skipped = skipped + 1
    progress("s", "skip", full_name(name))
    return nil, false
  end
  local function on_describe(name, fn)
    if walking == 0 and not has_tag(name, tags) then return nil, true end
    walking = walking + 1
    path[#path + 1] = name
    pcall(fn)
    path[#path] = nil
    walking = walking - 1
    return nil, false
  end
  local function on_hook()
    return nil, walking == 0
  end

  local hooked = false
  local function hook_registration()
    if hooked or #tags == 0 then return nil, true end
    hooked = true
    local first = { priority = 1 }
    busted.subscribe({ "register", "it" }, on_test, first)
    busted.subscribe({ "register", "pending" }, on_test, first)
    busted.subscribe({ "register", "describe" }, on_describe, first)
    for _, h in ipairs { "before_each", "after_each", "lazy_setup", "lazy_teardown",
                         "strict_setup", "strict_teardown" } do
      busted.subscribe({ "register", h }, on_hook, first)
    end
    return nil, true
  end

  local function message_of(m)
    if type(m) == "string" then return m end
    if m == nil then return "nil error" end
    local ok, pretty = pcall(require, "pl.pretty")
    return ok and pretty.write(m) or tostring(m)
  end

  local function report(f, word)
    local t = f.trace or f.element.trace or {}
    local where = t.short_src and (" (%s:%s)"):format(t.short_src, t.currentline) or ""
    local name = f.name ~= "" and f.name or f.element.descriptor or "(no test)"
    out(("\n%s %s%s\n"):format(word, name, where))
    out(message_of(f.message):gsub("\n*$", "") .. "\n")
    if t.traceback then
      out(t.traceback:gsub("^\n+", ""):gsub("\n*$", "") .. "\n")
    end
  end

  handler.testEnd = function(element, _, status)
    local name = handler.getFullName(element)
    if status == "success" then progress(".", "ok", name)
    elseif status == "pending" then progress("s", "skip", name)
    elseif status == "failure" then progress("F", "FAIL", name)
    else progress("E", "ERROR", name) end
    return nil, true
  end

  handler.outsideError = function(element)
    if element.descriptor ~= "it" then
      progress("E", "ERROR", handler.getFullName(element))
    end
    return nil, true
  end

  handler.suiteReset = function()
    skipped, column, path = 0, 0, {}
    return nil, true
  end

  handler.describeStart = function(element)
    path[#path + 1] = element.name
    return nil, true
  end

  handler.describeEnd = function()
    path[#path] = nil
    return nil, true
  end

  handler.suiteEnd = function()
    if column > 0 then out("\n") end
    for _, f in ipairs(handler.failures) do report(f, "FAIL") end
    for _, f in ipairs(handler.errors) do report(f, "ERROR") end
    if #handler.failures + #handler.errors > 0 then out("\n") end
    out(("%d passed, %d failed, %d skipped\n"):format(handler.successesCount,
      handler.failuresCount + handler.errorsCount,
      handler.pendingsCount + skipped))
    return nil, true
  end

  busted.subscribe({ "suite", "start" }, hook_registration)
  busted.subscribe({ "suite", "reset" }, handler.suiteReset)
  busted.subscribe({ "suite", "end" }, handler.suiteEnd)
  busted.subscribe({ "describe", "start" }, handler.describeStart)
  busted.subscribe({ "describe", "end" }, handler.describeEnd)
  busted.subscribe({ "test", "end" }, handler.testEnd, { predicate = handler.cancelOnPending })
  busted.subscribe({ "error" }, handler.outsideError)
  busted.subscribe({ "failure" }, handler.outsideError)

  return handler
end
