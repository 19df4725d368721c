-- Stops wrk after a fixed number of responses (the last argument after the
-- URL), so a generated capture holds the same number of exchanges every run.
-- Used with one wrk thread (-t1). wrk.thread:stop() would only end the
-- thread's loop while wrk's main thread sleeps out the whole -d duration, so
-- the process exits at once instead (its summary is not needed).
local limit = 0
local seen = 0

function init(args)
  limit = tonumber(args[1]) or 0
end

function response(status, headers, body)
  seen = seen + 1
  if limit > 0 and seen >= limit then
    os.exit(0)
  end
end
