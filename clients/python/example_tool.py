#!/usr/bin/python3
"""The pattern approvald exists for: a tool an agent may call, which
refuses to act until a human (or policy) approved this exact call and the
approval verified against the trusted keys.

    APPROVE_URL=... APPROVE_TOKEN=... \\
        example_tool.py TRUSTED_KEYS HOST REASON [MARKER_FILE]

"Isolating" the host here writes MARKER_FILE; a real tool would call the
EDR. Exit 0 when it acted, else approvectl's code for what happened.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from approvald_client import APPROVED, Client  # noqa: E402


class NotApproved(Exception):
    def __init__(self, result):
        super().__init__(f"{result.id}: {result.outcome}: {result.why}")
        self.result = result


def isolate_host(client, host, reason, marker):
    """Isolate host, but only with a verified approval of this request."""
    result = client.request("isolate_host", host, reason,
                            params={"tool": "example_tool"}, wait=True)
    if result.outcome != APPROVED:     # denied, expired, forged, down...
        raise NotApproved(result)
    with open(marker, "w") as f:       # the action itself, only now
        f.write(f"isolated {host} under {result.id}\n")
    return result


def main():
    trusted, host, reason = sys.argv[1:4]
    marker = sys.argv[4] if len(sys.argv) > 4 else os.devnull
    try:
        result = isolate_host(Client(trusted_keys=trusted), host, reason,
                              marker)
    except NotApproved as e:
        print(f"refused to isolate {host}: {e}", file=sys.stderr)
        return e.result.exit_code
    print(f"isolated {host} ({result.id}, approved and verified)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
