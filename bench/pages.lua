-- wrk script of bench/pages.py: the requests of one page, prepared by it in a file, one per line:
--   METHOD <tab> PATH <tab> COOKIE <tab> CSRF TOKEN <tab> FORM BODY     (empty fields allowed)
-- Arguments (after wrk's "--"): the file, the number of wrk threads, and the mode:
--   cycle  every thread sends all the lines round and round (pages that only read);
--   once   threads take alternate lines and send each one once (each quiz submission needs an
--          attempt of its own). A thread that runs out of lines stops there: the answers still in
--          flight are not counted, and the run's duration ends when the last thread stopped (wrk's
--          own figure would count the idle rest of --duration). The one request a stopping
--          connection must still be given repeats a line; its answer is never read.
-- done() prints one line "BENCH-RESULT {json}" that bench/pages.py reads.

-- wrk runs LuaJIT: a monotonic clock through its FFI, for the time a thread stopped.
local ffi = require("ffi")
ffi.cdef([[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock, bench_timespec *now);
]])
local CLOCK_MONOTONIC = 1
local function now_us()
  local now = ffi.new("bench_timespec")
  ffi.C.clock_gettime(CLOCK_MONOTONIC, now)
  return tonumber(now.tv_sec) * 1000000 + math.floor(tonumber(now.tv_nsec) / 1000)
end

local threads = {}
local next_id = 1

local started_us = nil

function setup(thread)
  started_us = started_us or now_us()
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local requests = {}
local position = 0
local once = false
stopped_us = 0 -- globals, so that done() can read them from each thread

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
    if once then
      if stopped_us == 0 then
        stopped_us = now_us()
        wrk.thread:stop()
      end
      return requests[#requests]
    end
    position = 1
  end
  return requests[position]
end

function done(summary, latency, _requests)
  -- Every thread stopped early: the run lasted until the last of them did.
  local duration, ran_out, last_stop = summary.duration, 0, 0
  for _, thread in ipairs(threads) do
    local stopped = thread:get("stopped_us") or 0
    if stopped > 0 then
      ran_out = ran_out + 1
      last_stop = math.max(last_stop, stopped)
    end
  end
  if ran_out == #threads and ran_out > 0 then
    duration = math.min(duration, last_stop - started_us)
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH-RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "connect_errors": %d, "read_errors": %d, '
      .. '"write_errors": %d, "status_errors": %d, "timeouts": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, '
      .. '"mean_us": %.1f, "max_us": %d, "threads_ran_out": %d}\n',
    summary.requests, duration, summary.bytes, errors.connect, errors.read, errors.write, errors.status,
    errors.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean,
    latency.max, ran_out
  ))
end
