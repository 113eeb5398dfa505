#!/usr/bin/python3
"""Write views.json: request views, each with the trusted keys, the bytes
sent and the clock to check it against, and what a verifier must say.

Every vector starts from one view that passes and breaks one thing, as
tests/unit/test_verify.c does, so a check that stops working shows up as
a passing forgery in every client that runs the vectors. The keys come
from fixed seeds and Ed25519 is deterministic, so running this again
writes the same file: /usr/bin/python3 tests/vectors/make_views.py
"""
import base64
import copy
import hashlib
import json
import os
import sys

import nacl.signing

BODY = (b'{"action":"isolate_host","target":"ws-042",'
        b'"justification":"EDR alert 5521"}')
EVIL = (b'{"action":"isolate_host","target":"dc-01",'
        b'"justification":"EDR alert 5521"}')
ID = "req_4f2a9c"
CREATED = 1700000000000
SIGNED = 1700000100000
NOW = 1700000200000
MINUTE = 60 * 1000


def key(name):
    seed = hashlib.sha256(b"approvald test vector " + name.encode()).digest()
    return nacl.signing.SigningKey(seed)


KEYS = {n: key(n) for n in ("bob", "carol", "mallory", "approvald")}


def pub(name):
    return base64.b64encode(bytes(KEYS[name].verify_key)).decode()


TRUSTED = {
    "humans": f"# analysts\nbob ed25519 {pub('bob')}\n\n"
              f"carol ed25519 {pub('carol')}\n",
    "with_daemon": f"bob ed25519 {pub('bob')}\n"
                   f"approvald ed25519 {pub('approvald')}\n",
    # One key under two names: a quorum of two must not be met by it.
    "one_key_two_names": f"bob ed25519 {pub('bob')}\n"
                         f"robert ed25519 {pub('bob')}\n",
}


def b64(data):
    return base64.b64encode(data).decode()


def sha(data):
    return hashlib.sha256(data).hexdigest()


def view(need=1, body=BODY, state="approved"):
    return {"id": ID, "state": state, "action": "isolate_host",
            "target": "ws-042", "executor": "agent-7",
            "created_at": CREATED, "expires_at": CREATED + 10 * MINUTE,
            "digest": sha(body), "body": b64(body),
            "rule": "isolate_host rule 3", "approvals_required": need,
            "signatures": []}


def sign(v, signer, verdict="approve", rid=None, reason=None,
         signed_at=SIGNED, key_of=None):
    """Append a signature by signer (with key_of's key when given)."""
    rh = sha((reason or "").encode())
    msg = (f"approve-decision-v1\nid:{rid or v['id']}\n"
           f"digest:{v['digest']}\nverdict:{verdict}\nsigner:{signer}\n"
           f"signed_at:{signed_at}\nreason:{rh}\n").encode()
    sig = KEYS[key_of or signer].sign(msg).signature
    e = {"signer": signer, "verdict": verdict, "signed_at": signed_at}
    if reason is not None:
        e["reason"] = reason
    e["sig"] = b64(sig)
    v["signatures"].append(e)
    return e


VECTORS = []


def vector(name, v, expect, trusted="humans", sent=BODY, now=NOW,
           needs=()):
    VECTORS.append({"name": name, "trusted": trusted,
                    "sent": None if sent is None else b64(sent),
                    "now": now, "needs": list(needs), "expect": expect,
                    "view": copy.deepcopy(v)})


def approved(name, v, **kw):
    vector(name, v, "approved", **kw)


def refused(name, v, **kw):
    vector(name, v, "verification_failed", **kw)


def one_approval():
    v = view()
    sign(v, "bob")
    return v


def basics():
    v = view()
    refused("no signature", v)
    sign(v, "bob")
    approved("one trusted approval", v)
    approved("one trusted approval, nothing sent to compare", v, sent=None)
    v = view(need=2)
    sign(v, "bob", reason="looks right")
    refused("one of two required approvals", v)
    sign(v, "carol")
    approved("two distinct signers of two", v)
    v = view(need=2)
    sign(v, "bob")
    sign(v, "bob", reason="again")
    refused("one signer twice for two", v)
    v = view()
    sign(v, "mallory")
    refused("untrusted signer only", v)
    sign(v, "bob")
    approved("untrusted signature beside a trusted one", v)
    v = view()
    sign(v, "bob", key_of="mallory")
    refused("mallory's key under bob's name", v)
    v = view()
    sign(v, "approvald", reason="refund rule 2")
    approved("daemon approval, daemon trusted", v, trusted="with_daemon")
    refused("daemon approval, daemon not trusted", v)


def body_and_id():
    v = one_approval()
    v["digest"] = sha(EVIL)
    refused("digest of another body", v, sent=None)
    v = one_approval()
    v["body"] = b64(EVIL)
    refused("body swapped, digest kept", v, sent=None)
    v["digest"] = sha(EVIL)
    refused("body swapped with its digest", v, sent=None)
    v = one_approval()
    refused("sent bytes differ by a space", v, sent=BODY + b" ")
    refused("sent bytes are {}", v, sent=b"{}")
    refused("sent bytes are empty", v, sent=b"")
    v = one_approval()
    v["digest"] = v["digest"].upper()
    refused("uppercase digest", v)
    v = view()
    sign(v, "bob", rid="req_other")
    refused("signed over another id", v)
    v = one_approval()
    del v["id"]
    refused("id missing", v)
    v = one_approval()
    v["id"] = ID + "\nx"
    refused("id with a newline", v)


def signatures():
    v = one_approval()
    raw = bytearray(base64.b64decode(v["signatures"][0]["sig"]))
    raw[17] ^= 0x04
    v["signatures"][0]["sig"] = b64(bytes(raw))
    refused("signature bit flipped", v)
    v = view()
    sign(v, "bob", reason="ok for ws-042")
    approved("approval with a reason", v)
    v["signatures"][0]["reason"] = "ok for anything"
    refused("reason changed", v)
    v = one_approval()
    v["signatures"][0]["sig"] = "AAAA"
    refused("sig of 3 bytes", v)
    v["signatures"][0]["sig"] = "@@@@"
    refused("sig not base64", v)
    v = view()
    sign(v, "bob")
    sign(v, "mallory", verdict="deny", reason="untrusted, ignored")
    approved("untrusted deny ignored", v)
    sign(v, "carol", verdict="deny", reason="not this host")
    refused("trusted deny beside an approval", v)


def malformed():
    for state in ("denied", "pending", "expired", None):
        v = one_approval()
        if state is None:
            del v["state"]
        else:
            v["state"] = state
        refused(f"state {state}", v)
    for need in (0, -1, 1.5, "1", None):
        v = one_approval()
        if need is None:
            del v["approvals_required"]
        else:
            v["approvals_required"] = need
        refused(f"approvals_required {need!r}", v)
    v = one_approval()
    v["body"] = "not base64!"
    refused("body not base64", v, sent=None)
    v = one_approval()
    v["body"] = v["body"].rstrip("=")
    refused("body without its padding", v, sent=None)
    v = one_approval()
    last = v["body"][-3]   # "...Q==" style: a spare bit set is not strict
    v["body"] = v["body"][:-3] + chr(ord(last) + 1) + v["body"][-2:]
    refused("body base64 with a non-zero spare bit", v, sent=None)
    for field, value in (("verdict", "maybe"), ("signed_at", "1700000100000"),
                         ("signed_at", -1), ("reason", 1), ("signer", "b b"),
                         ("signer", "")):
        v = one_approval()
        v["signatures"][0][field] = value
        refused(f"signature {field} {value!r}", v)
    v = one_approval()
    del v["signatures"]
    refused("signatures missing", v)
    v = one_approval()
    v["signatures"] = {}
    refused("signatures an object", v)
    v = one_approval()
    v["signatures"] = ["bob"]
    refused("signature not an object", v)
    refused("view not an object", [one_approval()])


def fresh():
    """The added guarantees: fresh signatures, one key one signer."""
    needs = ("fresh",)
    v = view()
    sign(v, "bob", signed_at=CREATED - 4 * MINUTE)
    approved("signed 4 minutes before created_at", v, needs=needs)
    v = view()
    sign(v, "bob", signed_at=CREATED - 6 * MINUTE)
    refused("signed 6 minutes before created_at", v, needs=needs)
    v = view()
    sign(v, "bob", signed_at=NOW + 60 * MINUTE)
    refused("signed an hour after the client's clock", v, needs=needs)
    v = one_approval()
    del v["created_at"]
    refused("created_at missing", v, needs=needs)
    v = one_approval()
    v["created_at"] = "1700000000000"
    refused("created_at a string", v, needs=needs)
    v = view(need=2)
    sign(v, "bob")
    sign(v, "robert", key_of="bob")
    refused("two names, one key, two required", v,
            trusted="one_key_two_names", needs=("distinct_keys",))
    v = view()
    sign(v, "robert", key_of="bob")
    approved("one required, signed under the second name", v,
             trusted="one_key_two_names", needs=("distinct_keys",))


def main():
    basics()
    body_and_id()
    signatures()
    malformed()
    fresh()
    out = {"comment": "written by make_views.py; see its docstring",
           "trusted": TRUSTED, "vectors": VECTORS}
    path = os.path.join(os.path.dirname(os.path.abspath(sys.argv[0])),
                        "views.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=True)
        f.write("\n")
    print(f"{path}: {len(VECTORS)} vectors")


main()
