"""Write an analyst key pair in approvetui's format with PyNaCl (used only
when approvetui is not built)."""
import base64
import os
import sys

import nacl.signing

k = nacl.signing.SigningKey.generate()
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
os.write(fd, b"ed25519-private " + base64.b64encode(bytes(k)) + b"\n")
os.close(fd)
with open(sys.argv[1] + ".pub", "w") as f:
    f.write("ed25519 " + base64.b64encode(bytes(k.verify_key)).decode() + "\n")
