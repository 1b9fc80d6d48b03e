-- wrk script for the cold mixes (bench/cold.py): each request's address is drawn at
-- random from a file of paths, one per line, given after `--` on wrk's command line.
-- The BENCH line is bench/run.py's (LUA); COLD adds the answers that were not 2xx and
-- the socket errors (connect, read, write, timeout), summed over wrk's threads.

local threads = {}
local counter = 0

setup = function(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

init = function(args)
  paths = {}
  for line in io.lines(args[1]) do
    if #line > 0 then
      paths[#paths + 1] = line
    end
  end
  local seed = tonumber(args[2]) or os.time()
  math.randomseed(seed * 1000 + id * 7919)
  math.random(); math.random(); math.random()
  non2xx = 0
end

request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end

response = function(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

done = function(summary, latency, requests)
  io.write(string.format("BENCH %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout))
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("non2xx") or 0)
  end
  io.write(string.format("COLD %d %d\n", bad, summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
end
