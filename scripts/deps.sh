#!/bin/sh
# Install the Debian packages approvald builds and tests with; fail loudly
# when they are missing and cannot be installed.
set -eu
PKGS="build-essential pkg-config libwebsockets-dev libwebsockets-evlib-uv
libuv1-dev libicu-dev libcjson-dev libsodium-dev libsqlite3-dev libncurses-dev libcurl4-openssl-dev libcmocka-dev sqlite3
curl tmux python3-nacl python3-websockets clang-14 libclang-rt-14-dev
python3-cryptography openssl valgrind"
# With arguments, those packages instead (make bench names its own).
if [ $# -gt 0 ]; then
	PKGS="$*"
fi
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
	    missing="$missing $p"
done
# Node.js and npm (the client library's tests, the MCP gate's tests) may
# come from Debian or be on the machine already; either will do.
if [ $# -eq 0 ]; then
	command -v node >/dev/null 2>&1 || missing="$missing nodejs"
	command -v npm >/dev/null 2>&1 || missing="$missing npm"
fi
[ -z "$missing" ] && exit 0
echo "deps: installing:$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: not root; install these packages and run again:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -q && apt-get install -y -q --no-install-recommends \
    $missing; }; then
	echo "deps: apt-get failed; install these packages:$missing" >&2
	exit 1
fi
