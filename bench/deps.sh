#!/bin/sh
# Install what only `make bench` needs: hiredis for the Redis peer, a
# redis-server to compare against, and wrk; fail loudly when they are
# missing and cannot be installed.
exec sh "$(dirname "$0")/../scripts/deps.sh" libhiredis-dev redis-server wrk
