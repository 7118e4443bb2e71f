-- wrk: POST check-in scans of distinct tickets. The codes come from the file
-- named by BENCH_CODES; thread i scans codes i, i+2, i+4... (2 threads).
local seen = 0

function setup(thread)
  thread:set("position", seen)
  seen = seen + 1
end

function init(args)
  codes = {}
  for line in io.lines(os.getenv("BENCH_CODES")) do
    codes[#codes + 1] = line
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
  wrk.headers["X-CSRFToken"] = os.getenv("BENCH_CSRF")
end

function request()
  local code = codes[(position % #codes) + 1]
  position = position + 2
  return wrk.format(nil, nil, nil, '{"code":"' .. code .. '","method":"scanner"}')
end
