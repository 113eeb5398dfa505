"""A real console client for the tests: WebSocket (python3-websockets),
Ed25519 with PyNaCl, the CONTRACT §4/§5 bytes rebuilt here from scratch."""
import asyncio
import base64
import hashlib
import json
import time

import nacl.signing
import websockets

SUBPROTOCOL = "approve-console.v1"


def load_key(path):
    with open(path) as f:
        tag, seed = f.read().split()
    assert tag == "ed25519-private"
    return nacl.signing.SigningKey(base64.b64decode(seed))


def decision_bytes(rid, digest, verdict, signer, signed_at, reason):
    rh = hashlib.sha256(reason.encode()).hexdigest()
    return (f"approve-decision-v1\nid:{rid}\ndigest:{digest}\n"
            f"verdict:{verdict}\nsigner:{signer}\nsigned_at:{signed_at}\n"
            f"reason:{rh}\n").encode()


class Console:
    def __init__(self, url, name, key):
        self.url = url.replace("http://", "ws://") + "/v1/console"
        self.name = name
        self.key = key
        self.ws = None
        self.backlog = []
        self.welcome = self.snapshot = self.history = None

    async def open(self):
        self.ws = await websockets.connect(self.url, subprotocols=[SUBPROTOCOL],
                                           max_size=64 * 1024 * 1024)
        return json.loads(await asyncio.wait_for(self.ws.recv(), 5))

    async def login(self, sign_with=None, name=None):
        """Log in; returns True when welcomed, False when the daemon closed."""
        challenge = await self.open()
        assert challenge["type"] == "challenge"
        name = name or self.name
        msg = f"approve-console-auth-v1\n{challenge['nonce']}\n{name}\n".encode()
        sig = (sign_with or self.key).sign(msg).signature
        await self.send({"type": "hello", "analyst": name,
                         "sig": base64.b64encode(sig).decode()})
        try:
            self.welcome = await self.recv("welcome")
            self.snapshot = await self.recv("snapshot")
            self.history = await self.recv("history")
            return True
        except websockets.ConnectionClosed:
            return False

    async def send(self, obj):
        await self.ws.send(json.dumps(obj))

    async def next_match(self, match, what, timeout=5):
        """The next message match() accepts; others are kept for later."""
        for i, msg in enumerate(self.backlog):
            if match(msg):
                return self.backlog.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise asyncio.TimeoutError(f"no {what}")
            msg = json.loads(await asyncio.wait_for(self.ws.recv(), left))
            if match(msg):
                return msg
            self.backlog.append(msg)

    async def recv(self, want=None, timeout=5):
        """The next message of type want (any when None)."""
        return await self.next_match(
            lambda m: want is None or m["type"] == want, f"{want} message",
            timeout)

    async def decide(self, view, verdict, reason="", signed_at=None,
                     digest=None, key=None, rid=None):
        signed_at = signed_at or int(time.time() * 1000)
        rid = rid or view["id"]
        sig = (key or self.key).sign(decision_bytes(
            rid, digest or view["digest"], verdict, self.name, signed_at,
            reason)).signature
        await self.send({"type": "decide", "id": rid, "verdict": verdict,
                         "reason": reason, "signed_at": signed_at,
                         "sig": base64.b64encode(sig).decode()})

    async def answer(self, rid, timeout=5):
        """The ack or error for rid."""
        return await self.next_match(
            lambda m: m["type"] in ("ack", "error") and m.get("id") == rid,
            f"answer for {rid}", timeout)

    async def closed(self, timeout=5):
        """True when the daemon closes the connection within timeout."""
        try:
            while True:
                await asyncio.wait_for(self.ws.recv(), timeout)
        except websockets.ConnectionClosed:
            return True
        except asyncio.TimeoutError:
            return False

    async def close(self):
        if self.ws is not None:
            await self.ws.close()
