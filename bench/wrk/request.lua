-- wrk script of the request-path benchmark (bench/request). The request is
-- chosen by the environment:
--   BENCH_REQ    get (the path wrk was given), case (GET /api/v1/cases/ID
--                with ID spread over BENCH_CASE_LO..BENCH_CASE_HI), or
--                intake (POST /api/v1/intakes, a new synthetic report each
--                time, with an Idempotency-Key of its own)
--   BENCH_TOKEN  a session's bearer token (none for a public path)
--   BENCH_KEY_TAG  a word in each Idempotency-Key, to keep apart the keys
--                of runs started at once
-- At the end it prints one line that bench/request reads:
--   result requests=N seconds=S rate=R p50_ms=X p99_ms=Y bad=B errors=E

local req = os.getenv("BENCH_REQ") or "get"
local token = os.getenv("BENCH_TOKEN")
local lo = tonumber(os.getenv("BENCH_CASE_LO") or "1")
local hi = tonumber(os.getenv("BENCH_CASE_HI") or "1")

local threads = {}
local counter = 0
local prefix = ""

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0))
  -- BENCH_KEY_TAG keeps apart the keys of two wrk runs started in the
  -- same second (bench/two_servers.sh runs one at each server at once).
  prefix = string.format("bench-%s%d-%d-%d", os.getenv("BENCH_KEY_TAG") or "", os.time(), tid or 0,
    math.random(1, 1000000000))
  if token and token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
  if req == "intake" then
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
  end
end

-- A report received ten minutes ago, as tests/lib/auth.mjs syntheticReport
-- writes one.
local function report()
  local at = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() - 600)
  return '{"received_at":"' .. at .. '","channel":"phone",' ..
    '"reporter":{"source":"school","name":"A school counselor"},' ..
    '"children":[{"given_name":"Alex","family_name":"Doe","estimated_age":14,"town":"Bridgeport"}],' ..
    '"narrative":"A synthetic report.","concerns":["runaway_awol"]}'
end

function request()
  if req == "case" then
    return wrk.format(nil, "/api/v1/cases/" .. math.random(lo, hi))
  elseif req == "intake" then
    counter = counter + 1
    wrk.headers["Idempotency-Key"] = prefix .. "-" .. counter
    return wrk.format(nil, "/api/v1/intakes", nil, report())
  end
  return wrk.format(nil, nil)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("result requests=%d seconds=%.3f rate=%.1f p50_ms=%.3f p99_ms=%.3f bad=%d errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, e.status,
    e.connect + e.read + e.write + e.timeout))
end
