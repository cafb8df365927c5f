-- oxlua.argerror: the error a programmer mistake raises (a bad argument to
-- an ox function), blamed on the caller. argerror(fn, msg[, level]) raises
-- "ox.FN: MSG" at the caller of the function that called it (level 1), or
-- that many levels further up.

return function(fn, msg, level)
  error(("ox.%s: %s"):format(fn, msg), (level or 1) + 2)
end
