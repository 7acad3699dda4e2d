-- wrk script of run.sh: counts answers and failed answers (status outside 2xx) per second since the start, so the
-- report can tell when failures stopped; WRK_METHOD=POST sends POSTs with a small JSON body. Every request carries a
-- unique X-Request-Id, which the backends log, so that a request delivered twice is seen.
local method = os.getenv("WRK_METHOD") or "GET"
local body = nil
local headers = {}
if method == "POST" then
  body = '{"order":42,"quantity":1}'
  headers["Content-Type"] = "application/json"
end

local counter = 0
local prefix = ""
local start = 0
local threads = {}
total = {}
failed = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  start = os.time()
  prefix = tostring(thread_id or 1) .. "-" .. tostring(start) .. "-"
end

function request()
  counter = counter + 1
  headers["X-Request-Id"] = prefix .. counter
  return wrk.format(method, "/", headers, body)
end

function response(status, hdrs, b)
  local s = os.time() - start + 1
  total[s] = (total[s] or 0) + 1
  if status < 200 or status > 299 then
    failed[s] = (failed[s] or 0) + 1
  end
end

function done(summary, latency, requests)
  local t, f = {}, {}
  local last = 0
  for _, thread in ipairs(threads) do
    for s, n in pairs(thread:get("total") or {}) do t[s] = (t[s] or 0) + n; if s > last then last = s end end
    for s, n in pairs(thread:get("failed") or {}) do f[s] = (f[s] or 0) + n end
  end
  for s = 1, last do
    io.write(string.format("SECOND %d %d %d\n", s - 1, t[s] or 0, f[s] or 0))
  end
end
