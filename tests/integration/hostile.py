"""Hostile clients against a real daemon; prints TAP lines.

usage: hostile.py URL TOKEN KEYFILE ANALYST
"""
import asyncio
import base64
import json
import os
import socket
import sys
import time
import urllib.request

import websockets

sys.path.insert(0, os.path.dirname(__file__))
from console_client import Console, load_key  # noqa: E402

URL, TOKEN, KEYFILE, ANALYST = sys.argv[1:5]
HOST, PORT = URL.split("//")[1].split(":")
PORT = int(PORT)
N = FAILED = 0


def report(cond, desc):
    global N, FAILED
    N += 1
    FAILED += 0 if cond else 1
    print(("ok" if cond else "not ok") + f" {N} - {desc}")
    sys.stdout.flush()


def healthy():
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(URL + "/healthz", timeout=3) as r:
            return r.status == 200, time.monotonic() - t0
    except OSError:
        return False, time.monotonic() - t0


def submit(justification):
    body = json.dumps({"action": "block_ip", "target": "203.0.113.7",
                       "justification": justification}).encode()
    req = urllib.request.Request(URL + "/v1/requests", data=body, method="POST")
    req.add_header("Authorization", "Bearer " + TOKEN)
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def closed_by_peer(sock, within):
    """True when the daemon closes sock within `within` seconds."""
    sock.settimeout(within)
    try:
        while True:
            if sock.recv(4096) == b"":
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def slow_sockets(n):
    socks = []
    for _ in range(n):
        s = socket.create_connection((HOST, PORT))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        socks.append(s)
    return socks


async def fragmented():
    """A hello and a decide sent in many small fragments are reassembled;
    a message whose fragments add up past the cap closes the connection."""
    c = Console(URL, ANALYST, load_key(KEYFILE))
    challenge = await c.open()
    msg = (f"approve-console-auth-v1\n{challenge['nonce']}\n{ANALYST}\n").encode()
    sig = base64.b64encode(c.key.sign(msg).signature).decode()
    text = json.dumps({"type": "hello", "analyst": ANALYST, "sig": sig})
    await c.ws.send(text[i:i + 7] for i in range(0, len(text), 7))
    welcome = await c.recv("welcome")
    report(welcome["analyst"] == ANALYST, "a hello in 7-byte fragments signs in")
    try:
        await c.ws.send("x" * 8192 for _ in range(10))
        cut = await c.closed(timeout=10)
    except websockets.ConnectionClosed:
        cut = True	# closed while the fragments were still going out
    report(cut, "fragments adding up past 64 KiB close the connection")


async def drain(console, seen):
    """Read every push as it comes, as a live console does."""
    try:
        while True:
            msg = await console.recv("request", timeout=3600)
            seen.add(msg["request"]["id"])
    except (asyncio.CancelledError, websockets.ConnectionClosed):
        return


async def never_reads():
    """An authenticated console that stops reading; the daemon must cut it
    off rather than buffer without bound, and others keep getting pushes."""
    lazy = Console(URL, ANALYST, load_key(KEYFILE))
    await lazy.login()
    lazy.ws.transport.pause_reading()
    good = Console(URL, ANALYST, load_key(KEYFILE))
    await good.login()
    seen = set()
    reader = asyncio.create_task(drain(good, seen))
    big = "x" * 4000
    ids = []
    for i in range(5000):
        ids.append((await asyncio.to_thread(submit, f"{big} {i}"))["id"])
        if lazy.ws.transport.is_closing():
            break
    lazy.ws.transport.resume_reading()
    cut = await lazy.closed(timeout=10)
    report(cut, "a console that never reads is disconnected, not buffered forever")
    deadline = time.monotonic() + 10
    while not seen.issuperset(ids) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    report(seen.issuperset(ids),
           f"the other console still receives every push ({len(ids)})")
    reader.cancel()
    await good.close()


def main():
    slow = slow_sockets(30)
    idle = [socket.create_connection((HOST, PORT)) for _ in range(30)]
    ok, secs = healthy()
    report(ok, f"serves others while 30 slow-loris and 30 silent connections hang ({secs * 1000:.0f} ms)")
    for s in slow:
        s.sendall(b"a")
    report(all(closed_by_peer(s, 15) for s in slow[:5]),
           "slow-loris connections are closed by the header timeout")
    report(all(closed_by_peer(s, 15) for s in idle[:5]),
           "silent connections are closed")
    for s in slow + idle:
        s.close()

    ws = socket.create_connection((HOST, PORT))
    ws.sendall(b"GET /v1/console HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
               b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: approve-console.v1\r\n\r\n")
    report(closed_by_peer(ws, 15), "a console that never says hello is dropped")
    ws.close()

    garbage = socket.create_connection((HOST, PORT))
    garbage.sendall(os.urandom(8192))
    report(closed_by_peer(garbage, 15), "a connection sending random bytes is closed")
    garbage.close()
    huge = socket.create_connection((HOST, PORT))
    huge.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
    report(closed_by_peer(huge, 15), "a request with oversized headers is refused")
    huge.close()

    asyncio.run(fragmented())
    asyncio.run(never_reads())
    ok, _ = healthy()
    report(ok, "the daemon still serves after all of it")
    print(f"# hostile: {N} tests, {FAILED} failed")
    sys.exit(1 if FAILED else 0)


main()
