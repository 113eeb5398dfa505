#!/usr/bin/python3
"""A hostile stand-in for approvald, for the client tests: it listens on
127.0.0.1 (a free port, printed on stdout) and answers every call the
way MODE says, to show what the clients refuse.

    fake_daemon.py replay VIEW.json    every answer is that (old) view
    fake_daemon.py twonames KEY NEED   an approved view of the body POSTed,
                                       signed with one key as bob and robert
    fake_daemon.py status CODE         every answer is HTTP CODE
    fake_daemon.py garbage|huge|dupkeys  a view that is not one
"""
import base64
import hashlib
import http.server
import json
import os
import sys
import time

# console_client.py (the tests' analyst) signs as the consoles do.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "..", "tests", "integration"))

MODE = sys.argv[1]
ARGS = sys.argv[2:]


def signed_view(body, key, need):
    from console_client import decision_bytes, load_key
    sk = load_key(key)
    now = int(time.time() * 1000)
    view = {"id": "req_fake1", "state": "approved", "action": "isolate_host",
            "target": "x", "executor": "agent", "created_at": now,
            "expires_at": now + 60000,
            "digest": hashlib.sha256(body).hexdigest(),
            "body": base64.b64encode(body).decode(), "rule": "fake",
            "approvals_required": need, "signatures": []}
    for name in ("bob", "robert"):
        sig = sk.sign(decision_bytes(view["id"], view["digest"], "approve",
                                     name, now, "")).signature
        view["signatures"].append({"signer": name, "verdict": "approve",
                                   "signed_at": now, "reason": "",
                                   "sig": base64.b64encode(sig).decode()})
    return 200, json.dumps(view).encode()


def answer(body):
    if MODE == "replay":
        with open(ARGS[0], "rb") as f:
            return 200, f.read()
    if MODE == "twonames":
        return signed_view(body, ARGS[0], int(ARGS[1]))
    if MODE == "status":
        return int(ARGS[0]), b'{"error":{"code":"internal","message":"x"}}'
    if MODE == "garbage":
        return 200, b"approved"
    if MODE == "huge":
        return 200, b" " * (9 * 1024 * 1024) + b"{}"
    if MODE == "dupkeys":
        return 200, (b'{"id":"req_fake1","state":"pending",'
                     b'"expires_at":1,"state":"approved"}')
    raise SystemExit(f"unknown mode {MODE}")


class Handler(http.server.BaseHTTPRequestHandler):
    def handle_one(self):
        n = int(self.headers.get("Content-Length") or 0)
        status, data = answer(self.rfile.read(n))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = handle_one

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass    # a client that hangs up on a huge answer is the point


server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
