#!/usr/bin/python3
"""Drive approvald_client from the integration tests, as drive.mjs does
the Node client: one operation, one JSON line on stdout
({"outcome", "id", "why"}), and approvectl's exit code for the outcome
(64 for a usage error).

    drive.py request '{"action": ..., "target": ..., "justification": ...,
                       "params": {...}, "wait": true, "max_wait_s": 5, ...}'
    drive.py wait|status|cancel ID

Settings from the environment: APPROVE_URL, APPROVE_TOKEN, APPROVE_CA,
TOKEN_FILE, TRUSTED_KEYS, ALLOW_INSECURE_HTTP=1."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import approvald_client as ac  # noqa: E402


def run(op, arg):
    client = ac.Client(trusted_keys=os.environ.get("TRUSTED_KEYS"),
                       token_file=os.environ.get("TOKEN_FILE"),
                       allow_insecure_http=os.environ.get(
                           "ALLOW_INSECURE_HTTP") == "1")
    if op == "request":
        fields = json.loads(arg)
        return client.request(fields.pop("action"), fields.pop("target"),
                              fields.pop("justification"), **fields)
    return {"wait": client.wait, "status": client.status,
            "cancel": client.cancel}[op](arg)


def main():
    try:
        r = run(sys.argv[1], sys.argv[2])
    except ac.UsageError as e:
        print(json.dumps({"outcome": "usage", "why": str(e)}))
        return 64
    except Exception as e:  # a fault in the client: no outcome at all
        print(json.dumps({"outcome": "crash", "why": repr(e)}))
        return 70
    line = {"outcome": r.outcome, "id": r.id, "why": r.why}
    if r.body is not None:
        line["body"] = r.body.decode()
    print(json.dumps(line))
    return r.exit_code


sys.exit(main())
