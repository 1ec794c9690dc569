-- wrk script for the overhead benchmark: the request comes from the environment (BENCH_METHOD,
-- BENCH_BODY, BENCH_HEADERS as "name: value" lines) and done() prints one JSON line with the
-- counters and every non-empty latency bucket (microseconds), which bench/overhead/load/wrk.ts
-- loads into an hdr histogram. latency(i) returns the i-th bucket's value and count.
wrk.method = os.getenv("BENCH_METHOD") or "POST"
wrk.body = os.getenv("BENCH_BODY")
for line in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^\n]+") do
  local name, value = string.match(line, "^([^:]+):%s*(.*)$")
  if name then wrk.headers[name] = value end
end

function done(summary, latency, requests)
  local buckets = {}
  for i = 1, #latency do
    local value, count = latency(i)
    buckets[#buckets + 1] = string.format("[%d,%d]", value, count)
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK_RESULT {"duration_us":%d,"requests":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"latency_us":[%s]}\n',
    summary.duration, summary.requests, summary.bytes, errors.connect, errors.read, errors.write,
    errors.status, errors.timeout, table.concat(buckets, ",")))
end
