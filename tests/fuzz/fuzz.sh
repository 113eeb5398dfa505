#!/bin/sh
# Run the libFuzzer targets built in BUILD, one at a time (the machine is
# shared: never two fuzzers at once), each for SECONDS, and print one TAP
# line per target:
#   ok N - fuzz NAME: EXECS execs, cov C, ft F, corpus K
# A run first replays the inputs that once crashed the target
# (crashers/NAME/), each once and whole, then fuzzes a copy of its seeds
# (corpus/NAME/) and its crashers. A crash is saved in BUILD/crashes/NAME/.
#   fuzz.sh BUILD SECONDS [NAME...]     the grown corpus is thrown away
#   fuzz.sh -k BUILD SECONDS [NAME...]  it is kept in BUILD/corpus/NAME/
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
keep=0
if [ "${1:-}" = "-k" ]; then
	keep=1
	shift
fi
if [ $# -lt 2 ]; then
	echo "usage: fuzz.sh [-k] BUILD SECONDS [NAME...]" >&2
	exit 64
fi
build=$(cd "$1" && pwd) || exit 1
secs=$2
shift 2
[ $# -gt 0 ] || set -- $(cd "$here" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')
tmp=$(mktemp -d /tmp/approvald-fuzz.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
export UBSAN_OPTIONS=print_stacktrace=1
n=0
failed=0

# The longest input worth trying: the protocol's limit for short things,
# else room for several of the largest fields.
max_len() {
	case $1 in
	keyfile) echo 1024 ;;
	message|sanitize) echo 4096 ;;
	submit) echo 8192 ;;
	*) echo 16384 ;;
	esac
}

# fail NAME WHY LOG: a "not ok" line, then what the log says of the
# fault, our frames of its stack and where the input was saved.
fail() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - fuzz $1: $2"
	grep -e ERROR -e SUMMARY -e 'runtime error' -e 'Test unit written' \
	    -e " $top/" "$3" | head -20 | sed 's/^/#   /'
}

# replay NAME LOG: run each crasher once; 0 when none fails.
replay() {
	[ -d "$here/crashers/$1" ] || return 0
	"$build/fuzz_$1" "$here/crashers/$1"/* >"$2" 2>&1
}

# corpus NAME: a fresh or kept working corpus holding the seeds and the
# crashers; prints its folder.
corpus() {
	if [ "$keep" -eq 1 ]; then dir=$build/corpus/$1; else dir=$tmp/$1; fi
	mkdir -p "$dir"
	cp "$here/corpus/$1"/* "$dir"/
	[ -d "$here/crashers/$1" ] && cp "$here/crashers/$1"/* "$dir"/
	echo "$dir"
}

# stats LOG DIR: the figures of a finished run.
stats() {
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$1")
	cov=$(grep ' cov: ' "$1" | tail -1 |
	    sed 's/.* cov: \([0-9]*\) ft: \([0-9]*\).*/cov \1, ft \2/')
	echo "${execs:-0} execs, ${cov:-cov 0}, corpus $(ls "$2" | wc -l)"
}

for name in "$@"; do
	log=$tmp/$name.log
	if [ ! -x "$build/fuzz_$name" ]; then
		fail "$name" "$build/fuzz_$name is not built" /dev/null
		continue
	fi
	if ! replay "$name" "$log"; then
		fail "$name" "a crasher crashes again" "$log"
		continue
	fi
	dir=$(corpus "$name")
	mkdir -p "$build/crashes/$name"
	if "$build/fuzz_$name" -max_total_time="$secs" \
	    -max_len="$(max_len "$name")" -timeout=10 -print_final_stats=1 \
	    -artifact_prefix="$build/crashes/$name/" "$dir" >"$log" 2>&1; then
		n=$((n + 1))
		echo "ok $n - fuzz $name: $(stats "$log" "$dir")"
	else
		fail "$name" "crashed: $(stats "$log" "$dir")" "$log"
	fi
done
[ "$failed" -eq 0 ]
