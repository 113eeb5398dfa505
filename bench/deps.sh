#!/bin/sh
# Install what only `make bench` needs (hiredis for the Redis peer, a
# redis-server to compare against, wrk); fail loudly when they are missing
# and cannot be installed. The build and test packages are scripts/deps.sh's.
set -eu
PKGS="libhiredis-dev redis-server wrk"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "bench deps: installing:$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "bench deps: not root; install these packages and run again:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -q && apt-get install -y -q --no-install-recommends \
    $missing; }; then
	echo "bench deps: apt-get failed; install these packages:$missing" >&2
	exit 1
fi
