"""Verify every signature of a request view with an Ed25519 implementation
independent of approvald's (OpenSSL, through python3-cryptography), over the
CONTRACT §4 bytes rebuilt here from scratch.

usage: indep_verify.py TRUSTED_KEYS < VIEW.json
Prints one line per signature ("valid SIGNER VERDICT" or "INVALID ...") and
exits 0 only when there is at least one signature and all are valid and the
digest is the SHA-256 of the body.
"""
import base64
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def load_keys(path):
    keys = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[1] == "ed25519":
                keys[parts[0]] = Ed25519PublicKey.from_public_bytes(
                    base64.b64decode(parts[2], validate=True))
    return keys


def canonical(view, sig):
    reason = hashlib.sha256(sig.get("reason", "").encode()).hexdigest()
    return ("approve-decision-v1\n"
            f"id:{view['id']}\n"
            f"digest:{view['digest']}\n"
            f"verdict:{sig['verdict']}\n"
            f"signer:{sig['signer']}\n"
            f"signed_at:{sig['signed_at']}\n"
            f"reason:{reason}\n").encode()


def main():
    keys = load_keys(sys.argv[1])
    view = json.load(sys.stdin)
    body = base64.b64decode(view["body"], validate=True)
    ok = hashlib.sha256(body).hexdigest() == view["digest"]
    if not ok:
        print("INVALID digest")
    sigs = view.get("signatures", [])
    for sig in sigs:
        key = keys.get(sig["signer"])
        try:
            if key is None:
                raise InvalidSignature("unknown signer")
            key.verify(base64.b64decode(sig["sig"], validate=True),
                       canonical(view, sig))
            print(f"valid {sig['signer']} {sig['verdict']}")
        except InvalidSignature:
            ok = False
            print(f"INVALID {sig['signer']} {sig['verdict']}")
    sys.exit(0 if ok and sigs else 1)


main()
