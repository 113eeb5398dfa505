#!/usr/bin/python3
"""Run the shared verification vectors (tests/vectors/views.json) through
approvald_client.verify_view; exit 1 on any answer that differs."""
import base64
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import approvald_client as ac  # noqa: E402


def main(path):
    with open(path) as f:
        doc = json.load(f)
    trusted = {k: ac.parse_trusted(v) for k, v in doc["trusted"].items()}
    wrong = 0
    for vec in doc["vectors"]:
        sent = None if vec["sent"] is None else base64.b64decode(vec["sent"])
        ok, why = ac.verify_view(vec["view"], sent, trusted[vec["trusted"]],
                                 vec["now"])
        got = ac.APPROVED if ok else ac.VERIFICATION_FAILED
        if got != vec["expect"]:
            print(f"# {vec['name']}: expected {vec['expect']}, got {got} "
                  f"({why})")
            wrong += 1
    print(f"# python: {len(doc['vectors'])} vectors, {wrong} wrong")
    return 1 if wrong or len(doc["vectors"]) < 50 else 0


sys.exit(main(sys.argv[1]))
