"""An analyst who approves every request pushed to the console, until
killed: the other side of the docs' approvectl examples."""
import asyncio
import sys

sys.path.insert(0, sys.argv[4])
from console_client import Console, load_key  # noqa: E402


async def main():
    c = Console(sys.argv[1], sys.argv[2], load_key(sys.argv[3]))
    await c.login()
    pending = list(c.snapshot["requests"])
    while True:
        for view in pending:
            await c.decide(view, "approve")
            print("approved", view["id"], flush=True)
        m = await c.next_match(lambda m: m["type"] == "request",
                               "request", 3600)
        pending = [m["request"]]

asyncio.run(main())
