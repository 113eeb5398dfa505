"""Console protocol tests against the real daemon (CONTRACT §5).

usage: console_test.py URL TOKEN KEYDIR TRUSTED CONFIG BIN
KEYDIR holds bob.key, carol.key (group soc), eve.key (group ops), alice.key
(soc; the on_behalf_of user) and dave.key (soc, removed mid-test).
Prints TAP lines: "ok N - ..." / "not ok N - ...".
"""
import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from console_client import Console, load_key  # noqa: E402

URL, TOKEN, KEYDIR, TRUSTED, CONFIG, BIN = sys.argv[1:7]
N = 0
FAILED = 0


def report(cond, desc, detail=""):
    global N, FAILED
    N += 1
    if cond:
        print(f"ok {N} - {desc}")
    else:
        FAILED += 1
        print(f"not ok {N} - {desc}")
        if detail:
            print(f"#   {detail}")
    sys.stdout.flush()


def http(method, path, body=None, timeout=70):
    req = urllib.request.Request(URL + path, method=method,
                                 data=body.encode() if body else None)
    req.add_header("Authorization", "Bearer " + TOKEN)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def submit(action, target, **extra):
    body = {"action": action, "target": target, "justification": "test"}
    body.update(extra)
    status, view = http("POST", "/v1/requests", json.dumps(body))
    assert status in (200, 201), (status, view)
    return view


async def wait_view(rid, secs=30):
    return await asyncio.to_thread(http, "GET", f"/v1/requests/{rid}?wait={secs}")


def indep_verify(view):
    p = subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__),
                        "indep_verify.py"), TRUSTED], input=json.dumps(view),
                       capture_output=True, text=True)
    return p.returncode == 0


def console(name):
    return Console(URL, name, load_key(os.path.join(KEYDIR, name + ".key")))


async def test_login():
    pre = submit("isolate_host", "ws-login")
    bob = console("bob")
    report(await bob.login(), "bob logs in with his key")
    report(bob.welcome["groups"] == ["soc"], "welcome lists bob's groups",
           str(bob.welcome))
    ids = [v["id"] for v in bob.snapshot["requests"]]
    report(pre["id"] in ids, "snapshot holds the pending request")
    exp = [v["expires_at"] for v in bob.snapshot["requests"]]
    report(exp == sorted(exp), "snapshot ordered by expires_at")
    await bob.close()

    eve = console("eve")
    report(await eve.login(), "eve (group ops) logs in")
    report(pre["id"] not in [v["id"] for v in eve.snapshot["requests"]],
           "snapshot leaves out requests outside eve's groups")
    await eve.close()

    wrong = console("bob")
    report(not await wrong.login(sign_with=load_key(os.path.join(KEYDIR, "carol.key"))),
           "hello signed with another key is refused and closed")
    ghost = console("bob")
    report(not await ghost.login(name="mallory"),
           "unknown analyst is refused and closed")
    early = console("bob")
    await early.open()
    await early.send({"type": "decide", "id": pre["id"], "verdict": "approve",
                      "reason": "", "signed_at": 0, "sig": ""})
    report(await early.closed(), "decide before hello closes the connection")
    odd = console("bob")
    await odd.login()
    await odd.send({"type": "launch_missiles"})
    report(await odd.closed(), "unknown message type closes the connection")
    junk = console("bob")
    await junk.login()
    await junk.ws.send("{not json")
    report(await junk.closed(), "malformed JSON closes the connection")
    big = console("bob")
    await big.login()
    await big.ws.send("x" * (70 * 1024))
    report(await big.closed(), "oversized message closes the connection")
    http("DELETE", f"/v1/requests/{pre['id']}")


async def test_push_and_approve():
    bob = console("bob")
    await bob.login()
    view = submit("isolate_host", "ws-042", on_behalf_of="alice")
    t0 = time.monotonic()
    push = await bob.recv("request")
    report(push["request"]["id"] == view["id"], "new request pushed live",
           str(push)[:200])
    print(f"# push latency {1000 * (time.monotonic() - t0):.1f} ms")
    waiter = asyncio.create_task(wait_view(view["id"]))
    await asyncio.sleep(0.2)
    await bob.decide(push["request"], "approve")
    ans = await bob.answer(view["id"])
    report(ans["type"] == "ack", "valid approval acknowledged", str(ans))
    resolved = await bob.recv("resolved")
    report(resolved["request"]["state"] == "approved", "resolved pushed")
    status, final = await waiter
    report(final["state"] == "approved", "waiting executor released approved")
    report(indep_verify(final), "analyst's signature verifies with OpenSSL")
    await bob.close()


async def test_refusals():
    bob, eve, alice = console("bob"), console("eve"), console("alice")
    for c in (bob, eve, alice):
        await c.login()
    v = submit("isolate_host", "ws-100", on_behalf_of="alice")

    await bob.decide(v, "approve", digest="0" * 64)
    ans = await bob.answer(v["id"])
    report(ans.get("code") == "bad_signature", "signature over another digest refused", str(ans))
    await bob.decide(v, "approve", key=load_key(os.path.join(KEYDIR, "carol.key")))
    ans = await bob.answer(v["id"])
    report(ans.get("code") == "bad_signature", "signature by another key refused", str(ans))
    await eve.decide(v, "approve")
    ans = await eve.answer(v["id"])
    report(ans.get("code") == "not_in_group", "analyst outside the rule's groups refused", str(ans))
    await alice.decide(v, "approve")
    ans = await alice.answer(v["id"])
    report(ans.get("code") == "self_decision", "analyst deciding on her own behalf refused", str(ans))
    await bob.decide(v, "approve", signed_at=int(time.time() * 1000) - 6 * 60 * 1000)
    ans = await bob.answer(v["id"])
    report(ans.get("code") == "clock_skew", "signed_at 6 minutes old refused", str(ans))
    await bob.decide(v, "deny", reason="")
    ans = await bob.answer(v["id"])
    report(ans.get("code") == "bad_request", "denial without a reason refused", str(ans))
    await bob.decide(v, "approve", rid="req_0000000000000000000000000000ffff")
    ans = await bob.answer("req_0000000000000000000000000000ffff")
    report(ans.get("code") == "not_found", "unknown request refused", str(ans))

    q = submit("isolate_host", "prod-web-1")
    report(q["approvals_required"] == 2, "prod-* needs two approvals")
    await bob.decide(q, "approve")
    report((await bob.answer(q["id"]))["type"] == "ack", "first approval of two acknowledged")
    await bob.decide(q, "approve")
    ans = await bob.answer(q["id"])
    report(ans.get("code") == "already_signed", "same analyst cannot approve twice", str(ans))
    status, mid = http("GET", f"/v1/requests/{q['id']}")
    report(mid["state"] == "pending" and len(mid["signatures"]) == 1,
           "one approval of two leaves the request pending")
    http("DELETE", f"/v1/requests/{v['id']}")
    await bob.decide(v, "approve")
    ans = await bob.answer(v["id"])
    report(ans.get("code") == "not_pending", "decision on a cancelled request refused", str(ans))
    for c in (bob, eve, alice):
        await c.close()
    return q


async def test_quorum_and_veto(q):
    bob, carol = console("bob"), console("carol")
    await bob.login()
    await carol.login()
    report(any(x["id"] == q["id"] and len(x["signatures"]) == 1
               for x in carol.snapshot["requests"]),
           "snapshot shows the approval so far")
    waiter = asyncio.create_task(wait_view(q["id"]))
    await asyncio.sleep(0.1)
    await carol.decide(q, "approve")
    report((await carol.answer(q["id"]))["type"] == "ack", "second approval acknowledged")
    status, final = await waiter
    report(final["state"] == "approved" and len(final["signatures"]) == 2,
           "two distinct approvals approve")
    report(indep_verify(final), "both signatures verify with OpenSSL")

    v = submit("isolate_host", "prod-db-1")
    await bob.decide(v, "approve")
    await bob.answer(v["id"])
    await carol.decide(v, "deny", reason="maintenance window, not an incident")
    report((await carol.answer(v["id"]))["type"] == "ack", "veto acknowledged")
    status, final = http("GET", f"/v1/requests/{v['id']}")
    report(final["state"] == "denied", "one deny vetoes an approval")
    report(final["signatures"][-1]["reason"] == "maintenance window, not an incident",
           "executor sees the deny reason")
    await bob.close()
    await carol.close()


async def race_once(bob, carol, v):
    await asyncio.gather(bob.decide(v, "deny", reason="no"),
                         carol.decide(v, "deny", reason="nope"))
    a = await bob.answer(v["id"])
    b = await carol.answer(v["id"])
    return sorted([a["type"], b["type"]])


async def test_races():
    bob, carol = console("bob"), console("carol")
    await bob.login()
    await carol.login()
    outcomes = []
    for i in range(20):
        v = submit("isolate_host", f"ws-race-{i}")
        outcomes.append(await race_once(bob, carol, v))
    report(all(o == ["ack", "error"] for o in outcomes),
           "two analysts denying at once: exactly one wins, 20 times", str(outcomes))
    mixed = []
    for i in range(20):
        v = submit("isolate_host", f"ws-cancel-{i}")
        dec = asyncio.create_task(bob.decide(v, "approve"))
        status, _ = await asyncio.to_thread(http, "DELETE", f"/v1/requests/{v['id']}")
        await dec
        ans = await bob.answer(v["id"])
        _, final = http("GET", f"/v1/requests/{v['id']}")
        ok = ((status == 200 and ans["type"] == "error" and final["state"] == "cancelled") or
              (status == 409 and ans["type"] == "ack" and final["state"] == "approved"))
        mixed.append(ok)
    report(all(mixed), "analyst against cancel: one final state, 20 times")
    expiry_ok = []
    for i in range(5):
        v = submit("quick_check", f"host-exp-{i}")
        await asyncio.sleep(max(0, (v["expires_at"] - time.time() * 1000) / 1000))
        await bob.decide(v, "approve")
        ans = await bob.answer(v["id"])
        _, final = http("GET", f"/v1/requests/{v['id']}")
        finals = {"ack": "approved", "error": "expired"}
        expiry_ok.append(final["state"] == finals[ans["type"]] and
                         len([s for s in final["signatures"]]) == 1)
    report(all(expiry_ok), "analyst against expiry: one final state, one signature")
    await bob.close()
    await carol.close()


async def test_removed_analyst():
    dave = console("dave")
    report(await dave.login(), "dave logs in")
    subprocess.run([BIN + "/approvald", "-c", CONFIG, "analyst", "remove", "dave"],
                   check=True, capture_output=True)
    report(await dave.closed(timeout=5), "removing an analyst closes his console")
    again = console("dave")
    report(not await again.login(), "a removed analyst cannot log in")


async def test_deny_memory():
    bob = console("bob")
    await bob.login()
    v = submit("isolate_host", "ws-777")
    await bob.decide(v, "deny", reason="ws-777 is the CFO's laptop")
    await bob.answer(v["id"])
    again = submit("isolate_host", "ws-777")
    memo = again.get("denied_recently") or {}
    report(again["state"] == "pending" and memo.get("count") == 1 and
           memo.get("by") == "bob" and memo.get("reason") == "ws-777 is the CFO's laptop",
           "a resubmission after a denial is flagged with who denied it and why", str(memo))
    push = await bob.recv("request")
    while push["request"]["id"] != again["id"]:
        push = await bob.recv("request")
    report(push["request"].get("denied_recently", {}).get("count") == 1,
           "the console receives the flag")
    http("DELETE", f"/v1/requests/{again['id']}")
    d = submit("disable_account", "jdoe")
    await bob.decide(d, "deny", reason="jdoe is on call")
    await bob.answer(d["id"])
    d2 = submit("disable_account", "jdoe")
    report(d2["state"] == "denied" and d2["rule"] == "disable_account deny_repeat" and
           d2["signatures"][0]["reason"] == "denied 1x in the last hour by bob: jdoe is on call",
           "deny_repeat denies the repeat at once, saying by whom and why", str(d2.get("signatures")))
    await bob.close()


async def main():
    await test_login()
    await test_deny_memory()
    await test_push_and_approve()
    q = await test_refusals()
    await test_quorum_and_veto(q)
    await test_races()
    await test_removed_analyst()
    print(f"# console: {N} tests, {FAILED} failed")
    sys.exit(1 if FAILED else 0)


asyncio.run(main())
