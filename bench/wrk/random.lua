-- GET a path with every "{n}" replaced by a random whole number in [lo, hi]:
--   wrk ... -s bench/wrk/random.lua URL -- "/warga?before={n}" 1 1000000
local pattern, lo, hi
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
end

function init(args)
  pattern = args[1]
  lo = tonumber(args[2]) or 1
  hi = tonumber(args[3]) or lo
  math.randomseed(os.time() * 1000 + tid)
end

function request()
  local path = pattern:gsub("{n}", function() return tostring(math.random(lo, hi)) end)
  return wrk.format("GET", path)
end
