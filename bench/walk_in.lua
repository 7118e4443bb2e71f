-- wrk: POST walk-ins at the door, each a new person with a new nonce. BENCH_RUN
-- names the run (nonces and addresses stay unique across runs); every other
-- person gives no address, every other consents on the paper sheet.
local seen = 0

function setup(thread)
  thread:set("thread_id", seen)
  seen = seen + 1
end

function init(args)
  count = 0
  run = os.getenv("BENCH_RUN")
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
  wrk.headers["X-CSRFToken"] = os.getenv("BENCH_CSRF")
end

function request()
  count = count + 1
  local id = run .. "-" .. thread_id .. "-" .. count
  local email = ""
  if count % 2 == 0 then
    email = "wejscie-" .. id .. "@example.org"
  end
  local consent = (count % 4 < 2) and "paper" or "device"
  return wrk.format(nil, nil, nil, string.format(
    '{"first_name":"Halina","last_name":"Żurawska-%s","organization":"KGW Brzezie",' ..
    '"county":"kaliski","email":"%s","consent":"%s","nonce":"walk-%s"}',
    id, email, consent, id))
end
