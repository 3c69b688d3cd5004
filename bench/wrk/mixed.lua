-- The mixed authenticated load of issue 10: 70 % list pages (first pages, deeper pages by the
-- keyset, a category, a desa), 20 % a resident's record (which writes its access-log entry),
-- 10 % visit outcomes sent by a field officer (a write transaction each).
--   wrk ... -s bench/wrk/mixed.lua URL -- KASI_COOKIE PETUGAS_COOKIE CSRF LO HI CAMPAIGN PEOPLE DESA
-- PEOPLE: the campaign's resident ids, comma-separated; DESA: desa codes, comma-separated.
local kasi, petugas, csrf, lo, hi, campaign
local people, desa = {}, {}
local counter = 0
local threads, next_id = {}, 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end

local function split(s)
  local out = {}
  for v in string.gmatch(s or "", "[^,]+") do table.insert(out, v) end
  return out
end

function init(args)
  kasi, petugas, csrf = args[1], args[2], args[3]
  lo, hi, campaign = tonumber(args[4]), tonumber(args[5]), args[6]
  people = split(args[7])
  desa = split(args[8])
  math.randomseed(os.time() * 1000 + tid)
end

function request()
  counter = counter + 1
  local r = math.random(100)
  if r <= 70 then
    local k = math.random(4)
    local path
    if k == 1 then
      path = "/warga"
    elseif k == 2 then
      path = "/warga?before=" .. math.random(lo, hi)
    elseif k == 3 then
      local cats = { "lansia", "disabilitas", "odgj" }
      path = "/warga?kategori=" .. cats[math.random(3)]
    else
      path = "/warga?desa=" .. desa[math.random(#desa)]
    end
    return wrk.format("GET", path, { Cookie = kasi })
  elseif r <= 90 then
    return wrk.format("GET", "/warga/" .. math.random(lo, hi), { Cookie = kasi })
  else
    local body = "csrf_token=" .. csrf .. "&client_id=bench-" .. tid .. "-" .. counter
      .. "-" .. os.time() .. "&campaign_id=" .. campaign .. "&resident_id=" .. people[math.random(#people)]
      .. "&base=&day=2026-12-14&kind=terekam&cap_foto=1&cap_sidik_jari=1&cap_iris=1&cap_tanda_tangan=1"
    return wrk.format("POST", "/lapangan/hasil", {
      Cookie = petugas,
      ["Content-Type"] = "application/x-www-form-urlencoded",
    }, body)
  end
end
