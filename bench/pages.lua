-- wrk script of bench/pages.py: the requests of one page, prepared by it in a file, one per line:
--   METHOD <tab> PATH <tab> COOKIE <tab> CSRF TOKEN <tab> FORM BODY     (empty fields allowed)
-- Arguments (after wrk's "--"): the file, the number of wrk threads, and the mode:
--   cycle  every thread sends all the lines round and round (pages that only read);
--   once   threads take alternate lines and send each one once (each quiz submission needs an
--          attempt of its own). A thread that runs out starts again from its first line and counts
--          a "repeat", which bench/pages.py reports: such a request is not a new attempt.
-- done() prints one line "BENCH-RESULT {json}" that bench/pages.py reads.

local threads = {}
local next_id = 1

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local requests = {}
local position = 0
local once = false
local once_over = false
repeats = 0 -- global, so that done() can read it from each thread

function init(args)
  local file, thread_count = args[1], tonumber(args[2])
  once = args[3] == "once"
  local number = 0
  for line in io.lines(file) do
    if not once or number % thread_count == id - 1 then
      local method, path, cookie, csrf, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = {}
      if cookie ~= "" then headers["Cookie"] = cookie end
      if csrf ~= "" then headers["X-CSRFToken"] = csrf end
      if body == "" then
        body = nil
      else
        headers["Content-Type"] = "application/x-www-form-urlencoded"
      end
      -- Formatted once here, so that request() costs the load generator next to nothing.
      table.insert(requests, wrk.format(method, path, headers, body))
    end
    number = number + 1
  end
  if #requests == 0 then
    error("no requests for thread " .. id .. " in " .. file)
  end
end

function request()
  position = position + 1
  if position > #requests then
    position = 1
    once_over = true
  end
  if once and once_over then
    repeats = repeats + 1
  end
  return requests[position]
end

function done(summary, latency, _requests)
  local repeated = 0
  for _, thread in ipairs(threads) do
    local count = thread:get("repeats")
    if count then repeated = repeated + count end
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH-RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "connect_errors": %d, "read_errors": %d, '
      .. '"write_errors": %d, "status_errors": %d, "timeouts": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, '
      .. '"mean_us": %.1f, "max_us": %d, "repeats": %d}\n',
    summary.requests, summary.duration, summary.bytes, errors.connect, errors.read, errors.write, errors.status,
    errors.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean,
    latency.max, repeated
  ))
end
