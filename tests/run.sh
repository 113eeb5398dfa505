#!/bin/sh
# Run every test against each build folder given (e.g. build build-san):
# the cmocka unit tests, then the integration scripts. Prints one TAP-like
# line per test and ends with "N passed, M failed"; exits 1 on a failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
passed=0
failed=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

tally() {
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$1" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $2 exited $1 without reporting a failure"
		failed=$((failed + 1))
	fi
}

for build in "$@"; do
	bin="$top/$build"
	for t in "$bin"/tests/test_*; do
		[ -x "$t" ] || continue
		echo "# $build unit: $(basename "$t")"
		CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$out" 2>&1
		rc=$?
		cat "$out"
		tally "$rc" "$t"
	done
	for t in "$top"/tests/integration/test_*.sh; do
		echo "# $build integration: $(basename "$t")"
		APPROVE_BIN="$bin" sh "$t" >"$out" 2>&1
		rc=$?
		cat "$out"
		tally "$rc" "$t"
	done
done
# The fuzz targets, once: make check builds them and names their folder.
if [ -n "${FUZZ_BUILD:-}" ]; then
	echo "# fuzz smoke: $FUZZ_BUILD"
	sh "$top/tests/fuzz/fuzz.sh" "$top/$FUZZ_BUILD" \
	    "${FUZZ_SMOKE_SECONDS:-5}" >"$out" 2>&1
	rc=$?
	cat "$out"
	tally "$rc" "fuzz smoke"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
