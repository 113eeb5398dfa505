"""Load for the crash-safety test (test_crash.sh): many executors over HTTP
and several signing consoles against a daemon that test_crash.sh kills with
SIGKILL and restarts at random moments; then the checks of what survived.

usage:
  crash_load.py load URL TOKENS KEYDIR RECORD STOPFILE [--threads N]
                [--seed S] [--max-seconds M]
  crash_load.py check URL TOKENS TRUSTED DB RECORD [--kills K]

TOKENS: one "NAME TOKEN" line per executor identity. KEYDIR: NAME.key per
analyst. `load` runs until STOPFILE exists (or --max-seconds), then writes
RECORD: everything the clients were told (acknowledged requests, decisions
and final states). `check` reads RECORD, asks the daemon (and reads DB, the
SQLite file, read-only) and prints one "PASS desc" or "FAIL desc" line per
property, with "# ..." details; test_crash.sh turns them into TAP lines.
"""
import argparse
import asyncio
import base64
import contextlib
import hashlib
import http.client
import io
import json
import os
import random
import sqlite3
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import websockets

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from console_client import Console, load_key  # noqa: E402

FINAL = ("approved", "denied", "expired", "cancelled")
DAEMON_SIGNER = "approvald"
HTTP_TIMEOUT = 5        # s, any one HTTP call
SUBMIT_RETRY_S = 6      # s, retrying one submission across a restart
WAIT_MAX_S = 8          # s, an executor waits this long for a decision
STOP_GRACE_S = 2 * HTTP_TIMEOUT + 1     # s, for the clients to stop
WS_ERRORS = (OSError, asyncio.TimeoutError, websockets.WebSocketException,
             json.JSONDecodeError, KeyError, TypeError, AssertionError)


def now_ms():
    return int(time.time() * 1000)


class Http:
    """One call per connection: a SIGKILL breaks nothing shared."""

    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port

    def call(self, method, path, token, body=None, timeout=HTTP_TIMEOUT):
        """(status, parsed JSON or None), or (None, error) when the daemon
        could not be reached or broke the connection."""
        conn = http.client.HTTPConnection(self.host, self.port,
                                          timeout=timeout)
        try:
            headers = {"Authorization": "Bearer " + token}
            if body is not None:
                headers["Content-Type"] = "application/json"
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            data = r.read()
        except (OSError, http.client.HTTPException) as e:
            return None, type(e).__name__
        finally:
            conn.close()
        try:
            return r.status, json.loads(data)
        except ValueError:
            return r.status, None


class Record:
    """What the clients were told; shared by the threads and the loop."""

    def __init__(self):
        self.lock = threading.Lock()
        self.acks = []          # acknowledged submissions
        self.told = []          # final views told to executors
        self.decisions = []     # acknowledged console decisions
        self.resolved = []      # final states pushed to consoles
        self.anomalies = []     # answers the contract does not allow
        self.stats = {}

    def add(self, what, item):
        with self.lock:
            getattr(self, what).append(item)

    def count(self, key, n=1):
        with self.lock:
            self.stats[key] = self.stats.get(key, 0) + n

    def anomaly(self, text):
        with self.lock:
            if len(self.anomalies) < 200:
                self.anomalies.append(text)
            self.stats["anomalies"] = self.stats.get("anomalies", 0) + 1

    def dump(self, path):
        with self.lock:
            doc = {k: getattr(self, k) for k in
                   ("acks", "told", "decisions", "resolved", "anomalies",
                    "stats")}
            text = json.dumps(doc)
        with open(path + ".tmp", "w") as f:
            f.write(text)
        os.replace(path + ".tmp", path)


# ---------------------------------------------------------------- executors

JUSTIFICATIONS = ["EDR alert: beaconing to a known C2",
                  "fraud model score 0.97, customer called",
                  "caf\u00e9 POS anomaly \u2014 \u00e9t\u00e9 2024",
                  "\u6f22\u5b57 ticket \U0001f512 INC-77",
                  "line one\nline two\ttabbed"]


def make_body(rnd, tid, n, burst=False):
    """A submission of a random kind; the kind says what policy does. A
    burst executor asks mostly what decides or expires by itself."""
    kind = rnd.choices(["policy_approve", "policy_deny", "review1",
                        "review2", "quick", "repeat"],
                       [30, 20, 5, 0, 40, 5] if burst else
                       [15, 10, 35, 15, 17, 8])[0]
    x = rnd.randrange(1, 250)
    if kind == "policy_approve":
        body = {"action": "refund", "target": f"order-{tid}-{n}",
                "params": {"amount": rnd.randrange(1, 500), "currency": "EUR"}}
    elif kind == "policy_deny":
        body = rnd.choice([
            {"action": "refund", "target": f"order-{tid}-{n}",
             "params": {"amount": 10000 + x}},
            {"action": "isolate_host", "target": f"dc-{x}"},
            {"action": "block_ip", "target": f"10.{tid}.{n % 250}.{x}"}])
    elif kind == "review1":
        body = rnd.choice([
            {"action": "isolate_host", "target": f"ws-{tid}-{n}"},
            {"action": "block_ip", "target": f"203.0.113.{x}"},
            {"action": "refund", "target": f"order-{tid}-{n}",
             "params": {"amount": 500 + x * 10}}])
    elif kind == "review2":
        body = {"action": "isolate_host", "target": f"prod-{tid}-{n}"}
    elif kind == "repeat":
        # Few targets: an analyst's denial makes a repeat denied at once.
        body = {"action": "disable_account", "target": f"acct-{x % 6}"}
    else:
        body = {"action": "quick_check", "target": f"host-{tid}-{n}"}
        if rnd.random() < 0.5:
            body["timeout_s"] = 1
    body["justification"] = rnd.choice(JUSTIFICATIONS) + f" #{tid}.{n}"
    if rnd.random() < 0.3:
        body["on_behalf_of"] = rnd.choice(["alice", "bob"])
    keyed = rnd.random() < 0.85
    if keyed:
        body["idempotency_key"] = f"crash-{tid}-{n}"
    # The exact bytes vary in layout; the digest must follow them.
    if rnd.random() < 0.5:
        raw = json.dumps(body, ensure_ascii=False).encode()
    else:
        raw = json.dumps(body, indent=1, ensure_ascii=rnd.random() < 0.5)
        raw = raw.encode()
    return kind, raw, keyed


class Executor(threading.Thread):
    def __init__(self, tid, name, token, api, rec, stop, seed):
        super().__init__(daemon=True)
        self.tid, self.name, self.token = tid, name, token
        # Every sixth executor submits back to back without waiting: with
        # the others parked in long-polls, it keeps submissions in flight
        # (and several in one group commit) when the kill comes.
        self.burst = tid % 6 == 0
        self.api, self.rec, self.stop = api, rec, stop
        self.rnd = random.Random(seed)

    def pause(self, lo=0.05, hi=0.2):
        self.stop.wait(self.rnd.uniform(lo, hi))

    def run(self):
        n = 0
        while not self.stop.is_set():
            n += 1
            try:
                self.one(n)
            except Exception as e:  # a bug here must not hang the test
                self.rec.anomaly(f"executor {self.tid}: {e!r}")
                self.pause()

    def told(self, view, raw, via):
        if view.get("state") not in FINAL:
            self.rec.anomaly(f"{via} answered a non-final view "
                             f"{view.get('id')} {view.get('state')}")
            return
        item = {"id": view["id"], "state": view["state"], "via": via,
                "executor": self.name}
        if view["state"] == "approved":
            item["view"] = view
            item["sent"] = base64.b64encode(raw).decode()
        self.rec.add("told", item)

    def submit(self, raw, keyed):
        """POST, retrying the same bytes (and idempotency key) across a
        restart; the acknowledged view or None."""
        deadline = time.monotonic() + SUBMIT_RETRY_S
        tries = 0
        while not self.stop.is_set() and time.monotonic() < deadline:
            tries += 1
            sent_at = now_ms()
            status, v = self.api.call("POST", "/v1/requests", self.token, raw)
            self.rec.count("posts")
            if status in (200, 201) and isinstance(v, dict) and "id" in v:
                if tries > 1:
                    self.rec.count("posts_retried")
                    # Committed by an attempt whose answer the crash ate.
                    if v.get("created_at", sent_at) < sent_at - 5:
                        self.rec.count("posts_committed_unanswered")
                return v
            if status is None or status >= 500:
                self.rec.count("post_failures")
                if status is not None:      # a crash is no server error
                    self.rec.anomaly(f"POST answered {status} {v}")
                if not keyed:
                    return None     # no key: the caller just goes on
                self.pause()
                continue
            self.rec.anomaly(f"POST answered {status} {str(v)[:200]}")
            return None
        return None

    def one(self, n):
        kind, raw, keyed = make_body(self.rnd, self.tid, n, self.burst)
        v = self.submit(raw, keyed)
        if v is None:
            return
        self.rec.add("acks", {"id": v["id"], "executor": self.name,
                              "state": v["state"], "kind": kind,
                              "digest": v.get("digest"),
                              "sent": base64.b64encode(raw).decode()})
        if v["state"] in FINAL:
            self.told(v, raw, "submit")
            return
        if self.burst and self.rnd.random() < 0.8:
            return
        rid = v["id"]
        path = f"/v1/requests/{rid}"
        if kind in ("review1", "review2", "repeat") and \
                self.rnd.random() < 0.08:
            self.stop.wait(self.rnd.uniform(0, 0.3))
            status, c = self.api.call("DELETE", path, self.token)
            if status == 200:
                self.rec.count("cancels")
                self.told(c, raw, "cancel")
                return
            if status not in (None, 409):
                self.rec.anomaly(f"DELETE {rid} answered {status} {c}")
        deadline = time.monotonic() + WAIT_MAX_S
        while not self.stop.is_set() and time.monotonic() < deadline:
            status, w = self.api.call("GET", path + "?wait=2", self.token)
            if status == 200 and isinstance(w, dict):
                if w.get("state") in FINAL:
                    self.told(w, raw, "wait")
                    return
            elif status is None or status >= 500:
                self.rec.count("wait_failures")
                if status is not None:
                    self.rec.anomaly(f"GET {rid} answered {status} {w}")
                self.pause(0.05, 0.3)
            else:
                self.rec.anomaly(f"GET {rid} answered {status} {w}")
                return
        self.rec.count("waits_abandoned")


# ---------------------------------------------------------------- consoles

class SlowConsole(Console):
    """A console that may take a while to sign the challenge (a slow link
    or machine): the daemon holds it unauthenticated meanwhile."""

    def __init__(self, url, name, key, delay):
        super().__init__(url, name, key)
        self.delay = delay

    async def open(self):
        challenge = await super().open()
        await asyncio.sleep(self.delay)
        return challenge


class Analyst:
    """One analyst's console, reconnecting after every crash."""

    def __init__(self, url, name, key, rec, seed):
        self.url, self.name, self.key, self.rec = url, name, key, rec
        self.rnd = random.Random(seed)
        self.done = set()       # ids acknowledged or refused for good
        self.unacked = set()    # ids decided on a connection that died

    async def run(self, stopped):
        while not stopped():
            slow = self.rnd.random() < 0.3
            c = SlowConsole(self.url, self.name, self.key,
                            self.rnd.uniform(0.3, 1.5) if slow else 0)
            try:
                ok = await asyncio.wait_for(c.login(), 3)
            except WS_ERRORS:
                ok = None
            if not ok:
                # Closed by a crash (1006, no close frame) is no refusal.
                code = getattr(c.ws, "close_code", None)
                if ok is False and code != 1006:
                    self.rec.anomaly(f"console {self.name}: login refused "
                                     f"(close code {code})")
                await c_close(c)
                await asyncio.sleep(self.rnd.uniform(0.1, 0.3))
                continue
            self.rec.count("console_logins")
            try:
                await self.session(c, stopped)
            except WS_ERRORS:
                self.rec.count("console_drops")
            finally:
                await c_close(c)

    async def session(self, c, stopped):
        inflight = {}           # id -> the decision sent on this connection
        skip = set()            # chose not to decide, on this connection
        tasks = []

        def consider(v):
            rid = v.get("id")
            if rid in self.unacked:
                self.unacked.discard(rid)
                mine = any(s["signer"] == self.name for s in v["signatures"])
                self.rec.count("decisions_unacked_committed" if mine else
                               "decisions_unacked_lost")
            if (v.get("state") != "pending" or rid in self.done or
                    rid in inflight or rid in skip):
                return
            if any(s["signer"] == self.name for s in v["signatures"]):
                self.done.add(rid)
                return
            body = base64.b64decode(v["body"])
            if hashlib.sha256(body).hexdigest() != v["digest"]:
                self.rec.anomaly(f"push of {rid}: digest is not the "
                                 "SHA-256 of body")
                skip.add(rid)
                return
            quick = v["action"] == "quick_check"
            if self.rnd.random() > (0.35 if quick else 0.75):
                skip.add(rid)
                return
            deny = self.rnd.random() < 0.2
            info = {"id": rid, "signer": self.name,
                    "verdict": "deny" if deny else "approve",
                    "reason": f"crash test: {self.name} says no" if deny
                    else self.rnd.choice(["", "ok"]),
                    "executor": v["executor"]}
            inflight[rid] = info
            delay = (self.rnd.uniform(0.6, 1.3) if quick
                     else self.rnd.uniform(0, 0.15))
            tasks.append(asyncio.ensure_future(self.decide(c, v, info,
                                                           delay)))

        try:
            for v in c.history["requests"] + c.snapshot["requests"]:
                consider(v)
            while not stopped():
                if c.backlog:
                    msg = c.backlog.pop(0)
                else:
                    try:
                        msg = json.loads(await asyncio.wait_for(
                            c.ws.recv(), 0.5))
                    except asyncio.TimeoutError:
                        continue
                self.handle(msg, inflight, consider)
        finally:
            for t in tasks:
                t.cancel()
            unacked = {i["id"] for i in inflight.values() if i.get("sent")}
            if unacked:
                self.rec.count("decisions_unacked", len(unacked))
                self.unacked |= unacked

    def handle(self, msg, inflight, consider):
        t = msg.get("type")
        if t == "request":
            consider(msg["request"])
        elif t == "resolved":
            v = msg["request"]
            consider(v)
            self.rec.add("resolved", {"id": v["id"], "state": v["state"],
                                      "analyst": self.name})
        elif t == "ack":
            info = inflight.pop(msg["id"], None)
            if info is None or not info.get("sent"):
                self.rec.anomaly(f"console {self.name}: ack for "
                                 f"{msg['id']} it did not send")
                return
            self.done.add(msg["id"])
            del info["sent"]
            self.rec.add("decisions", info)
        elif t == "error":
            info = inflight.pop(msg.get("id"), None)
            code = msg.get("code")
            self.rec.count("refused_" + str(code))
            if code in ("not_pending", "already_signed"):
                self.done.add(msg.get("id"))
            else:
                self.rec.anomaly(f"console {self.name}: decision on "
                                 f"{msg.get('id')} refused {code}: "
                                 f"{msg.get('message')} ({info})")
        elif t not in ("snapshot", "history", "welcome"):
            self.rec.anomaly(f"console {self.name}: unexpected {t}")

    async def decide(self, c, v, info, delay):
        await asyncio.sleep(delay)
        info["signed_at"] = now_ms()
        info["sent"] = True
        try:
            await c.decide(v, info["verdict"], reason=info["reason"],
                           signed_at=info["signed_at"])
        except WS_ERRORS:
            pass


async def c_close(c):
    try:
        await asyncio.wait_for(c.close(), 1)
    except (*WS_ERRORS, AttributeError):
        pass


def read_tokens(path):
    with open(path) as f:
        return [line.split() for line in f if line.strip()]


def load(args):
    rec = Record()
    stop = threading.Event()
    api = Http(args.url)
    tokens = read_tokens(args.tokens)
    master = random.Random(args.seed)
    t0 = time.monotonic()
    threads = [Executor(i, *tokens[i % len(tokens)], api, rec, stop,
                        master.random()) for i in range(args.threads)]
    for t in threads:
        t.start()

    stop_at = []
    finished = threading.Event()

    def finish():
        """Write what the clients were told, once."""
        with rec.lock:
            if finished.is_set():
                return
            finished.set()
        rec.stats["load_seconds"] = round(time.monotonic() - t0, 1)
        rec.dump(args.record)

    def watch():
        """The stop file, and a bound on the time after it: clients stuck
        on a daemon that stopped answering must not hold the test."""
        while not (os.path.exists(args.stopfile) or
                   time.monotonic() - t0 > args.max_seconds):
            time.sleep(0.1)
        stop_at.append(time.monotonic())
        stop.set()
        time.sleep(STOP_GRACE_S + 2)
        if not finished.is_set():
            rec.count("load_cut_short")
            finish()
            os._exit(0)

    threading.Thread(target=watch, daemon=True).start()

    async def consoles():
        names = sorted(f[:-4] for f in os.listdir(args.keydir)
                       if f.endswith(".key"))
        analysts = [Analyst(args.url, n,
                            load_key(os.path.join(args.keydir, n + ".key")),
                            rec, master.random()) for n in names]
        await asyncio.gather(*(a.run(stop.is_set) for a in analysts))

    asyncio.run(consoles())
    # An executor is at most one HTTP call (connect and answer, each
    # bounded by HTTP_TIMEOUT) away from noticing the stop.
    for t in threads:
        t.join(max(0, stop_at[0] + STOP_GRACE_S - time.monotonic()))
    alive = sum(t.is_alive() for t in threads)
    if alive:
        rec.count("executors_busy_at_end", alive)
    finish()
    return 0


# ---------------------------------------------------------------- checks

class Report:
    def __init__(self):
        self.failed = 0

    def check(self, cond, desc, details=()):
        print(("PASS " if cond else "FAIL ") + desc)
        if not cond:
            self.failed += 1
            for d in list(details)[:10]:
                print(f"#   {d}")
        sys.stdout.flush()


def run_indep_verify(code, trusted, view):
    """indep_verify.py (OpenSSL's Ed25519) on one view, in this process:
    its exit status and what it printed."""
    out = io.StringIO()
    argv, stdin = sys.argv, sys.stdin
    sys.argv, sys.stdin = ["indep_verify.py", trusted], io.StringIO(
        json.dumps(view))
    rc = 0
    try:
        with contextlib.redirect_stdout(out):
            exec(code, {"__name__": "indep_verify"})
    except SystemExit as e:
        rc = e.code if isinstance(e.code, int) else 1
    finally:
        sys.argv, sys.stdin = argv, stdin
    return rc, out.getvalue().strip().replace("\n", "; ")


def db_snapshot(path):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        reqs = {r[0]: {"id": r[0], "state": r[1], "approvals_required": r[2],
                       "created_at": r[3], "expires_at": r[4],
                       "decided_at": r[5], "rule": r[6], "signatures": [],
                       "executor": r[7], "action": r[8], "target": r[9]}
                for r in db.execute(
                    "SELECT id, state, approvals_required, created_at,"
                    " expires_at, decided_at, rule, executor, action, target"
                    " FROM requests")}
        for rid, signer, verdict, reason in db.execute(
                "SELECT request_id, signer, verdict, reason FROM signatures"
                " ORDER BY request_id, seq"):
            if rid not in reqs:     # reported by the consistency check
                reqs[rid] = {"id": rid, "state": "missing", "signatures": [],
                             "approvals_required": 1, "created_at": 0,
                             "expires_at": 0, "decided_at": 0, "rule": "",
                             "executor": "", "action": "", "target": ""}
            reqs[rid]["signatures"].append(
                {"signer": signer, "verdict": verdict, "reason": reason})
        audit = list(db.execute("SELECT event, data FROM audit ORDER BY seq"))
    finally:
        db.close()
    return reqs, audit


def consistency(v):
    """What is wrong with a request's signatures given its state."""
    sigs = v["signatures"]
    signers = [s["signer"] for s in sigs]
    approves = {s["signer"] for s in sigs if s["verdict"] == "approve"}
    denies = [s for s in sigs if s["verdict"] == "deny"]
    need = v["approvals_required"]
    st = v["state"]
    bad = []
    if len(set(signers)) != len(signers):
        bad.append("a signer signed twice")
    if st == "approved":
        if len(approves) < need or denies:
            bad.append(f"approved with {len(approves)}/{need} approvals "
                       f"and {len(denies)} denials")
    elif st == "denied":
        if len(denies) != 1:
            bad.append(f"denied with {len(denies)} denials")
    elif st == "expired":
        if (len(denies) != 1 or denies[0]["signer"] != DAEMON_SIGNER or
                denies[0]["reason"] != "timeout" or len(approves) >= need):
            bad.append("expired without exactly one daemon timeout denial")
        elif v.get("decided_at") is None or \
                v["decided_at"] < v["expires_at"]:
            bad.append("expired before its expires_at")
    elif st in ("cancelled", "pending"):
        if denies or len(approves) >= need:
            bad.append(f"{st} with {len(approves)}/{need} approvals and "
                       f"{len(denies)} denials")
    else:
        bad.append(f"state {st}")
    if (st == "pending") != (v.get("decided_at") is None):
        bad.append(f"{st} with decided_at {v.get('decided_at')}")
    return [f"{v['id']} {st}: {b} {sigs}" for b in bad]


def check(args):
    rep = Report()
    rec = json.load(open(args.record))
    tokens = dict(read_tokens(args.tokens))
    api = Http(args.url)
    t0 = time.monotonic()

    # Quiescence: let the short requests left pending expire (bounded).
    reqs, _ = db_snapshot(args.db)
    due = [v["expires_at"] for v in reqs.values()
           if v["state"] == "pending" and v["expires_at"] < now_ms() + 3000]
    if due:
        time.sleep(min(3.5, max(0, (max(due) - now_ms()) / 1000 + 0.5)))

    # Every request an executor was told about, read through the API.
    owner = {}
    for a in rec["acks"]:
        owner[a["id"]] = a["executor"]
    for d in rec["decisions"]:
        owner.setdefault(d["id"], d["executor"])

    # Bounded, also when the daemon stops answering.
    deadline = time.monotonic() + 60

    def get(rid):
        status, v = None, "not asked: out of time"
        for _ in range(3):
            if time.monotonic() > deadline:
                break
            status, v = api.call("GET", f"/v1/requests/{rid}",
                                 tokens[owner[rid]], timeout=5)
            if status is not None:
                break
            time.sleep(0.2)
        return rid, status, v

    views, lost = {}, []
    with ThreadPoolExecutor(4) as pool:
        for rid, status, v in pool.map(get, sorted(owner)):
            if status == 200 and isinstance(v, dict) and v.get("id") == rid:
                views[rid] = v
            else:
                lost.append(f"{rid} ({owner[rid]}): GET answered {status} "
                            f"{str(v)[:120]}")
    acked = {a["id"] for a in rec["acks"]}
    lost_req = [x for x in lost if x.split()[0] in acked]
    rep.check(not lost_req, f"every acknowledged request is there after "
              f"the crashes ({len(acked)} requests, {len(lost_req)} lost)",
              lost_req)

    # The acknowledged request is the one that was sent.
    wrong = []
    for a in rec["acks"]:
        v = views.get(a["id"])
        sent = base64.b64decode(a["sent"])
        if v is not None and (v["body"] != a["sent"] or v["digest"] !=
                              hashlib.sha256(sent).hexdigest()):
            wrong.append(f"{a['id']}: stored body or digest differs from "
                         "the bytes sent")
    rep.check(not wrong, "every acknowledged request holds the exact bytes "
              "sent and their SHA-256", wrong)

    # Every acknowledged decision is among its request's signatures, and
    # took the effect it must have had.
    missing, effect = [], []
    for d in rec["decisions"]:
        v = views.get(d["id"])
        if v is None:
            missing.append(f"{d['id']}: request not readable")
            continue
        if not any(s["signer"] == d["signer"] and s["verdict"] == d["verdict"]
                   and s["signed_at"] == d["signed_at"] and
                   s["reason"] == d["reason"] for s in v["signatures"]):
            missing.append(f"{d['id']}: {d['signer']} {d['verdict']} acked "
                           f"but not in {v['state']} {v['signatures']}")
        elif d["verdict"] == "deny" and v["state"] != "denied":
            effect.append(f"{d['id']}: {d['signer']}'s deny acked but the "
                          f"request is {v['state']}")
        elif (d["verdict"] == "approve" and v["approvals_required"] == 1 and
              v["state"] != "approved"):
            effect.append(f"{d['id']}: {d['signer']}'s sole approval acked "
                          f"but the request is {v['state']}")
    rep.check(not missing, f"every acknowledged decision is among the "
              f"request's signatures ({len(rec['decisions'])} decisions, "
              f"{len(missing)} lost)", missing)
    rep.check(not effect, "every acknowledged deny denied its request and "
              "every acknowledged sole approval approved it", effect)

    # One final state: what anyone was told is what the database holds.
    reqs, audit = db_snapshot(args.db)
    told = {}
    for t in rec["told"]:
        told.setdefault(t["id"], set()).add(t["state"])
    for r in rec["resolved"]:
        told.setdefault(r["id"], set()).add(r["state"])
    double = []
    for rid, states in sorted(told.items()):
        now = reqs.get(rid, {}).get("state")
        if len(states) != 1 or now not in states:
            double.append(f"{rid}: told {sorted(states)}, database says "
                          f"{now}")
    rep.check(not double, f"no request has two final states ({len(told)} "
              f"told final, {len(double)} changed)", double)

    # Signatures agree with the state, for every request in the database
    # and for every view read through the API.
    bad = []
    for v in list(reqs.values()) + list(views.values()):
        bad += consistency(v)
    rep.check(not bad, f"signatures agree with the state of all "
              f"{len(reqs)} requests", bad)

    # Expiry caught up with the time spent down.
    late = [f"{v['id']} pending {now_ms() - v['expires_at']} ms past "
            "expires_at" for v in reqs.values()
            if v["state"] == "pending" and v["expires_at"] < now_ms() - 2000]
    rep.check(not late, "no request is left pending past its expiry", late)

    # The audit log tells the same story.
    events = {}
    for event, data in audit:
        try:
            d = json.loads(data)
        except ValueError:
            continue
        if isinstance(d, dict) and "id" in d:
            events.setdefault(d["id"], []).append((event, d))
    final_ev = {"policy_decision", "approved", "denied", "expired",
                "cancelled"}
    gaps = []
    for rid in acked:
        if not any(e == "submitted" for e, _ in events.get(rid, [])):
            gaps.append(f"{rid}: acknowledged but no submitted entry")
    for d in rec["decisions"]:
        if not any(e == "signature" and x.get("signer") == d["signer"] and
                   x.get("verdict") == d["verdict"]
                   for e, x in events.get(d["id"], [])):
            gaps.append(f"{d['id']}: {d['signer']}'s decision acked but "
                        "not audited")
    for rid, v in reqs.items():
        finals = [e for e, _ in events.get(rid, []) if e in final_ev]
        want = 0 if v["state"] == "pending" else 1
        if len(finals) != want:
            gaps.append(f"{rid}: {v['state']} with final audit events "
                        f"{finals}")
    rep.check(not gaps, "the audit log holds every acknowledged request and "
              "decision, and one final event per final request", gaps)

    # Deny memory (deny_repeat) follows the analysts' committed denials:
    # a repeat is denied at once exactly when an analyst denied the same
    # executor's same target before it was submitted.
    denials = {}
    for v in reqs.values():
        if (v["action"] == "disable_account" and v["state"] == "denied" and
                any(s["verdict"] == "deny" and s["signer"] != DAEMON_SIGNER
                    for s in v["signatures"])):
            denials.setdefault((v["executor"], v["target"]), []).append(
                v["decided_at"])
    memory, nrepeat = [], 0
    for v in reqs.values():
        if v["action"] != "disable_account":
            continue
        before = [t for t in denials.get((v["executor"], v["target"]), [])
                  if t <= v["created_at"]]
        repeat = v["rule"] == "disable_account deny_repeat"
        nrepeat += repeat
        if repeat and (not before or v["state"] != "denied"):
            memory.append(f"{v['id']}: {v['state']} by deny_repeat with no "
                          "analyst denial before it")
        elif not repeat and any(t < v["created_at"] for t in before):
            memory.append(f"{v['id']}: went to {v['rule']} although an "
                          f"analyst denied {v['target']} for "
                          f"{v['executor']} before")
    rep.check(not memory, f"deny memory follows the committed denials "
              f"({nrepeat} repeats denied at once)", memory)

    # Approved views verify independently, over the exact bytes sent.
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "indep_verify.py")) as f:
        code = compile(f.read(), "indep_verify.py", "exec")
    trusted = set()
    with open(args.trusted) as f:
        for line in f:
            if len(line.split()) == 3:
                trusted.add(line.split()[0])
    unverified, napproved = [], 0
    for t in rec["told"]:
        if t["state"] != "approved":
            continue
        napproved += 1
        v = t["view"]
        sent = base64.b64decode(t["sent"])
        rc, out = run_indep_verify(code, args.trusted, v)
        signers = {s["signer"] for s in v["signatures"]
                   if s["verdict"] == "approve" and s["signer"] in trusted}
        if rc != 0:
            unverified.append(f"{v['id']}: indep_verify: {out}")
        elif v["digest"] != hashlib.sha256(sent).hexdigest():
            unverified.append(f"{v['id']}: digest is not the SHA-256 of "
                              "the bytes sent")
        elif base64.b64decode(v["body"]) != sent:
            unverified.append(f"{v['id']}: body is not the bytes sent")
        elif len(signers) < v["approvals_required"]:
            unverified.append(f"{v['id']}: {len(signers)} trusted approvals "
                              f"of {v['approvals_required']}")
    rep.check(not unverified, f"every approval an executor was told verifies "
              f"with OpenSSL over the bytes it sent ({napproved} approvals)",
              unverified)

    rep.check(not rec["anomalies"], "the daemon answered as the contract "
              f"says under load ({len(rec['anomalies'])} anomalies)",
              rec["anomalies"])

    states = {}
    for t in rec["told"]:
        states[t["state"]] = states.get(t["state"], 0) + 1
    kinds = {}
    for a in rec["acks"]:
        kinds[a["kind"]] = kinds.get(a["kind"], 0) + 1
    expired = sum(1 for v in reqs.values() if v["state"] == "expired")
    rep.check(len(acked) >= 20 and len(rec["decisions"]) >= 5 and
              states.get("approved", 0) >= 1 and expired >= 1 and
              len(kinds) == 6 and args.kills >= 1,
              "the load exercised every path",
              [f"requests={len(acked)} decisions={len(rec['decisions'])} "
               f"told={states} kinds={kinds} expired={expired} "
               f"kills={args.kills}"])

    # Decisions accepted after expires_at (before the expiry timer ran):
    # one final state still, but later than an executor gives up.
    overdue = [v["decided_at"] - v["expires_at"] for v in reqs.values()
               if v["state"] in ("approved", "denied") and
               not any(s["signer"] == DAEMON_SIGNER for s in v["signatures"])
               and v["decided_at"] > v["expires_at"]]
    st = rec["stats"]
    print(f"# crash: kills={args.kills} requests={len(acked)} "
          f"decisions={len(rec['decisions'])} "
          f"told_final={sum(states.values())} lost={len(lost_req)} "
          f"lost_decisions={len(missing)} double_final={len(double)} "
          f"inconsistent={len(bad)} in_db={len(reqs)}")
    print("# told: " + " ".join(f"{k}={v}" for k, v in sorted(states.items()))
          + f"; resolved pushes={len(rec['resolved'])}; decided after "
          f"expires_at={len(overdue)} (at most {max(overdue, default=0)} ms)")
    print("# load: " + " ".join(f"{k}={v}" for k, v in sorted(st.items())))
    print(f"# check took {time.monotonic() - t0:.1f} s")
    return 1 if rep.failed else 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    lp = sub.add_parser("load")
    for a in ("url", "tokens", "keydir", "record", "stopfile"):
        lp.add_argument(a)
    lp.add_argument("--threads", type=int, default=24)
    lp.add_argument("--seed", type=int, default=None)
    lp.add_argument("--max-seconds", type=float, default=60)
    cp = sub.add_parser("check")
    for a in ("url", "tokens", "trusted", "db", "record"):
        cp.add_argument(a)
    cp.add_argument("--kills", type=int, default=0)
    args = p.parse_args()
    return load(args) if args.cmd == "load" else check(args)


sys.exit(main())
