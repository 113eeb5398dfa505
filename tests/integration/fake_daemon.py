"""A compromised daemon for the tests: answers approvectl on loopback with
views it makes up, to show approvectl refuses every one that is not a
fresh approval of what it sent.

usage: fake_daemon.py PORTFILE MODE [OLD_VIEW.json]
Writes "PORT NAME ed25519 PUBKEY" to PORTFILE (its trusted-keys line
follows the port), then serves until killed. MODE:
  replay    every submission is answered with OLD_VIEW (a real approval
            of an earlier, identical request)
  future    approved by its own key, signed an hour ahead of now
  before    approved by its own key, signed an hour before the request
            was created
  fresh     approved by its own key, now (what a real approval looks like:
            it must pass, or the other modes prove nothing)
  other     like fresh, but every GET answers with another request's id
"""
import base64
import hashlib
import http.server
import json
import os
import sys
import time

import nacl.signing

from console_client import decision_bytes

SIGNER = "fakesigner"
KEY = nacl.signing.SigningKey.generate()
HOUR_MS = 3600 * 1000
MODE = sys.argv[2]
OLD = json.load(open(sys.argv[3])) if len(sys.argv) > 3 else None
SEEN = {}


def now_ms():
    return int(time.time() * 1000)


def made_up(body, rid):
    """An approved view of body under rid, signed as MODE says."""
    digest = hashlib.sha256(body).hexdigest()
    created = now_ms()
    signed_at = {"future": created + HOUR_MS,
                 "before": created - HOUR_MS}.get(MODE, created)
    sig = KEY.sign(decision_bytes(rid, digest, "approve", SIGNER, signed_at,
                                  "")).signature
    return {"id": rid, "state": "approved", "action": "refund",
            "target": "order-9", "created_at": created,
            "expires_at": created + HOUR_MS, "decided_at": signed_at,
            "digest": digest, "body": base64.b64encode(body).decode(),
            "rule": "made up", "approvals_required": 1,
            "signatures": [{"signer": SIGNER, "verdict": "approve",
                            "signed_at": signed_at,
                            "sig": base64.b64encode(sig).decode()}]}


class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self, view):
        out = json.dumps(view).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        rid = "req_%012x%020x" % (now_ms(), len(SEEN))
        if MODE == "replay":
            self.answer(OLD)
            return
        SEEN[rid] = made_up(body, rid)
        self.answer(SEEN[rid])

    def do_GET(self):
        rid = self.path.split("/")[-1].split("?")[0]
        if MODE == "other":
            rid = "req_%032x" % 7
        self.answer(SEEN.get(rid) or made_up(b"{}", rid))

    def log_message(self, *args):
        pass


def main():
    srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    pk = base64.b64encode(bytes(KEY.verify_key)).decode()
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(f"{srv.server_address[1]} {SIGNER} ed25519 {pk}\n")
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
