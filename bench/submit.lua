-- S2's cross-check with wrk: the same submits as `approvebench submit`
-- (one body, a fresh request each time), each wrk thread with its own
-- executor token from BENCH_TOKENS (one per line); counts the 201s.
local tokens, threads, n = {}, {}, 0
for t in string.gmatch(os.getenv("BENCH_TOKENS") or "", "[^\n]+") do
	table.insert(tokens, t)
end

function setup(thread)
	n = n + 1
	thread:set("token", tokens[(n - 1) % #tokens + 1])
	table.insert(threads, thread)
end

function init(args)
	ok, bad = 0, 0
	wrk.method = "POST"
	wrk.path = "/v1/requests"
	wrk.headers["Authorization"] = "Bearer " .. token
	wrk.headers["Content-Type"] = "application/json"
	wrk.body = '{"action":"bench_bulk","target":"ws-00042",' ..
	    '"params":{"ticket":"INC-000042","host_id":"a1b2c3d4-0000002a"},' ..
	    '"justification":"EDR alert 42: beaconing to a known C2 address ' ..
	    'every 60 s from this workstation; the triage playbook asks to ' ..
	    'isolate it until an analyst has looked at the process tree",' ..
	    '"on_behalf_of":"alice"}'
end

function response(status, headers, body)
	if status == 201 then ok = ok + 1 else bad = bad + 1 end
end

function done(summary, latency, requests)
	local o, b = 0, 0
	for _, t in ipairs(threads) do
		o = o + t:get("ok")
		b = b + t:get("bad")
	end
	io.write(string.format("wrk_rate %.0f\nwrk_errors %d\n",
	    o / (summary.duration / 1e6), b))
end
