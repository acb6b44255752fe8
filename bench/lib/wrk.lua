-- wrk script for lib/load.mjs (used when wrk is installed): a random order id per request on the
-- db route, and a traceparent of its own per request whose trace id starts with the window's tag
-- (BENCH_TAG, 8 hex digits). Prints one WRK_RESULT line of JSON at the end.
local tag = os.getenv("BENCH_TAG")
local route = os.getenv("BENCH_ROUTE")
local rows = tonumber(os.getenv("BENCH_ROWS") or "1000")
local threads = {}
counter = 0
local prefix

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(tonumber(os.getenv("BENCH_SEED") or "1") + #tostring(args))
  prefix = tag .. string.format("%08x", math.random(0, 0x7fffffff))
end

function request()
  counter = counter + 1
  local path = "/ping"
  if route == "db" then path = "/orders/" .. math.random(1, rows) end
  local traceparent = string.format("00-%s%08x%08x-%08x%08x-01", prefix, 0, counter,
    math.random(1, 0x7fffffff), math.random(0, 0x7fffffff))
  return wrk.format("GET", path, { ["traceparent"] = traceparent })
end

function done(summary, latency, requests)
  local sent = 0
  for _, thread in ipairs(threads) do sent = sent + (thread:get("counter") or 0) end
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"sent":%d,"durationMicros":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
    '"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%f}\n',
    summary.requests, sent, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
