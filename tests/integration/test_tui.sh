#!/bin/sh
# approvetui driven through tmux against a real daemon: signed approvals
# and denials reach the executor and verify independently, a resubmission
# of what was just denied is flagged, secrets in a request never reach the
# screen, a daemon restart shows offline then connected with the queue
# restored, agent text full of escape sequences cannot touch the screen,
# and wss:// connects only to a certificate from the CA it was given.

# Inside tmux this script runs the console itself, noting its pid, stderr
# and exit status in PREFIX.pid, PREFIX.err and PREFIX.rc.
if [ "${1:-}" = --console ]; then
	prefix=$2
	shift 2
	sh -c 'echo $$ >"$0.pid"; exec "$@" 2>"$0.err"' "$prefix" \
	    env LC_ALL=C.UTF-8 "$@"
	echo $? >"$prefix.rc"
	exit 0
fi

. "$(dirname "$0")/lib.sh"

TMUX_SOCK="approve-$$"
tm() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; cleanup' EXIT

# pane [SESSION]: the screen as text.
pane() { tm capture-pane -p -t "${1:-tui}"; }

# wait_pane REGEX [SECONDS] [SESSION]: poll the screen until it matches.
wait_pane() {
	n=0
	while [ "$n" -lt $((${2:-10} * 10)) ]; do
		if pane "${3:-tui}" | grep -Eq -- "$1"; then return 0; fi
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}

# expect_pane DESC REGEX [SECONDS]: ok when the screen comes to match.
expect_pane() {
	if wait_pane "$2" "${3:-10}"; then ok "$1"; else
		not_ok "$1"; echo "#   screen never matched: $2"
		pane | sed 's/^/#   | /'; fi
}

# header: the screen's first line.
header() { pane | head -1; }

# keys KEY...: type into the console.
keys() { tm send-keys -t tui "$@"; }

# submit BODY: prints the new request's id.
submit() { jget "$(api POST /v1/requests "$1" | cut -d' ' -f2-)" id; }

# waiter ID OUT: wait for the request to be final like an executor does;
# the exit status is approvectl's (0 approved and verified, 1 denied).
waiter() {
	if [ -x "$BIN/approvectl" ]; then
		APPROVE_TOKEN=$TOKEN timeout 30 "$BIN/approvectl" --url "$URL" \
		    wait "$1" --trusted-keys "$T/trusted" --json >"$2" \
		    2>"$2.err"
		return
	fi
	for _ in 1 2 3; do
		curl -s -H "Authorization: Bearer $TOKEN" \
		    "$URL/v1/requests/$1?wait=10" >"$2"
		s=$(jget "$(cat "$2")" state)
		[ "$s" = pending ] || break
	done
	case $s in approved) return 0 ;; denied) return 1 ;; esac
	return 4
}

# console NAME ARGS...: the tmux command that runs approvetui ARGS through
# this script (see the top), in a UTF-8 locale.
console() {
	n=$1
	shift
	printf "sh '%s' --console '%s' '%s'" "$HERE/$(basename "$0")" \
	    "$T/$n" "$BIN/approvetui"
	printf " '%s'" "$@"
}

# exit_status NAME: how that console ended (waits up to 5 s).
exit_status() {
	n=0
	while [ ! -s "$T/$1.rc" ] && [ $n -lt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	cat "$T/$1.rc" 2>/dev/null
}

# state ID: the request's state as the executor sees it now.
state() { jget "$(api GET "/v1/requests/$1" | cut -d' ' -f2-)" state; }

write_config
adm init >/dev/null 2>&1

# Start-up, before any terminal is involved.
expect_match "--version" '^approvetui [0-9]+\.[0-9]+\.[0-9]+$' \
    "$("$BIN/approvetui" --version)"
check "--help exits 0" "$BIN/approvetui" --help
"$BIN/approvetui" --analyst bob >/dev/null 2>&1
expect_eq "missing --key is a usage error" 64 $?
"$BIN/approvetui" --bogus >/dev/null 2>&1
expect_eq "an unknown option is a usage error" 64 $?
check "keygen writes a key pair" "$BIN/approvetui" keygen --out "$T/bob.key"
expect_eq "private key is 0600" 600 "$(stat -c %a "$T/bob.key")"
expect_match "public key file format" '^ed25519 [A-Za-z0-9+/]{43}=$' "$(cat "$T/bob.key.pub")"
"$BIN/approvetui" keygen --out "$T/bob.key" >/dev/null 2>&1
expect_eq "keygen never overwrites a key" 1 $?
cp "$T/bob.key" "$T/loose.key"
chmod 644 "$T/loose.key"
err=$("$BIN/approvetui" --analyst bob --key "$T/loose.key" 2>&1 </dev/null)
expect_eq "a group/other-readable key is refused" 1 $?
expect_match "and the error says why" "permissions 0644 are too open" "$err"
"$BIN/approvetui" --url ws://127.0.0.1:1 --ca "$T/bob.key.pub" \
    --analyst bob --key "$T/bob.key" >/dev/null 2>&1 </dev/null
expect_eq "--ca with a ws:// URL is a usage error (no silent plain text)" 64 $?
err=$("$BIN/approvetui" --url wss://127.0.0.1:1 --ca "$T/nope.pem" \
    --analyst bob --key "$T/bob.key" 2>&1 </dev/null)
expect_eq "a missing CA file is refused" 1 $?
expect_match "and the error names it" "nope.pem: No such file" "$err"
err=$("$BIN/approvetui" --url wss://127.0.0.1:1 --ca "$T/bob.key.pub" \
    --analyst bob --key "$T/bob.key" 2>&1 </dev/null)
expect_eq "a CA file without a certificate is refused" 1 $?
expect_match "and the error says so" "no PEM certificate" "$err"

adm analyst add bob --pubkey "$T/bob.key.pub" --group soc >/dev/null
start_daemon || { not_ok "daemon starts"; finish; exit 1; }
TOKEN=$(new_executor agent-7 isolate_host)
adm keys export >"$T/trusted"

# The console, in a private tmux server; http:// is taken as ws://.
tm new-session -d -s tui -x 100 -y 30 \
    "$(console tui --url "$URL" --analyst bob --key "$T/bob.key" --no-bell)"
tm set-option -g remain-on-exit on
expect_pane "the console signs in: connected" '^ connected '
expect_match "the header names the analyst and the daemon" \
    "bob @ ws://127.0.0.1:$PORT" "$(header)"

# Approve: the executor gets an approval that verifies independently.
body='{"action":"isolate_host","target":"ws-042","params":{"ticket":"INC-7"},"justification":"EDR alert 5521: beaconing to known C2","on_behalf_of":"alice"}'
ID1=$(submit "$body")
waiter "$ID1" "$T/w1.json" &
W1=$!
expect_pane "the request appears with its target" 'isolate_host +ws-042 +agent-7 +alice +0/1'
expect_pane "its justification is boxed as untrusted" 'UNTRUSTED TEXT FROM THE AGENT'
expect_pane "params are shown from the body" 'ticket = INC-7'
digest=$(jget "$(api GET "/v1/requests/$ID1" | cut -d' ' -f2-)" digest)
fp=$(printf '%s' "$digest" | cut -c1-16)
expect_pane "the detail shows the digest fingerprint" "Digest +$fp, checked"
keys a
expect_pane "a asks before signing" \
    "^Approve isolate_host on ws-042 \\(digest $fp\\)\\? \\[y/N\\]"
keys y
wait "$W1"
expect_eq "the executor's wait says approved and verified" 0 $?
expect_eq "approved by bob" "approved bob approve" \
    "$(jget "$(cat "$T/w1.json")" state) $(jget "$(cat "$T/w1.json")" signatures.0.signer) $(jget "$(cat "$T/w1.json")" signatures.0.verdict)"
check "bob's signature verifies independently" \
    "$PY" "$HERE/indep_verify.py" "$T/trusted" <"$T/w1.json"
expect_pane "the approved request leaves the queue" '^ connected +\| +0 pending'

# Two more: the list is ordered by expiry, j/k and arrows move.
ID2=$(submit '{"action":"isolate_host","target":"ws-043","justification":"second","timeout_s":300}')
ID3=$(submit '{"action":"isolate_host","target":"ws-044","justification":"third","timeout_s":500}')
expect_pane "both are listed" 'ws-044'
l2=$(pane | grep -n 'ws-043 ' | head -1 | cut -d: -f1)
l3=$(pane | grep -n 'ws-044 ' | head -1 | cut -d: -f1)
if [ -n "$l2" ] && [ -n "$l3" ] && [ "$l2" -lt "$l3" ]; then
	ok "the one expiring first is listed first"
else not_ok "ordered by expires_at (lines $l2, $l3)"; fi
keys j
expect_pane "j selects the next request" "^(─)+ $ID3 "
keys Up
expect_pane "Up selects the previous one" "^(─)+ $ID2 "
keys Down
expect_pane "Down selects the next one again" "^(─)+ $ID3 "

# Anything but y cancels an approval.
keys k a
expect_pane "the approve prompt names ws-043" '^Approve isolate_host on ws-043'
keys n
expect_pane "n cancels" 'approval cancelled; nothing was sent'
expect_eq "nothing was sent" pending "$(state "$ID2")"

# Deny: a reason is required and reaches the executor.
waiter "$ID3" "$T/w3.json" &
W3=$!
keys j d
expect_pane "d asks for a reason" '^Deny isolate_host on ws-044, reason:'
keys Enter
expect_pane "an empty reason is not accepted" 'a denial needs a reason'
expect_eq "so nothing was sent" pending "$(state "$ID3")"
keys -l 'scope too broad — ask IR'
keys Enter
wait "$W3"
expect_eq "the executor's wait says denied" 1 $?
expect_eq "the executor sees bob's reason" "denied bob scope too broad — ask IR" \
    "$(jget "$(cat "$T/w3.json")" state) $(jget "$(cat "$T/w3.json")" signatures.0.signer) $(jget "$(cat "$T/w3.json")" signatures.0.reason)"
check "the denial's signature verifies independently" \
    "$PY" "$HERE/indep_verify.py" "$T/trusted" <"$T/w3.json"
expect_eq "the other request is untouched" pending "$(state "$ID2")"

# Deny memory: the same executor asks again for what bob just denied. The
# row is marked D and the detail says who denied it and why. The request
# also carries secrets, which the screen shows as [REDACTED].
ID5=$(submit '{"action":"isolate_host","target":"ws-044","params":{"db_password":"hunter2","ticket":"INC-9"},"justification":"retry; call the API with Authorization: Bearer s3cr3t-t0k3n-v4lue","timeout_s":400}')
expect_pane "the resubmission is marked D in the list" \
    '^.{4}D +[0-9]+:[0-9]{2} isolate_host +ws-044 '
keys j
expect_pane "its detail warns who denied it and why" \
    '^ ! WARNING +denied 1x in the last hour by bob: scope too broad'
expect_pane "a secret-named parameter is redacted" \
    'db_password = \[REDACTED\]'
expect_pane "a bearer token in the justification is redacted" \
    'Authorization: Bearer \[REDACTED\]'
expect_eq "no secret is on the screen" 0 \
    "$(pane | grep -c 'hunter2\|s3cr3t')"
if pane | grep -Eq '^.{4}D .*ws-043'; then
	not_ok "an unrelated row is not marked"
else ok "an unrelated row is not marked"; fi
api DELETE "/v1/requests/$ID5" >/dev/null
expect_pane "the resubmission goes when cancelled" '^ connected +\| +1 pending'

# The history shows the outcomes, signers and reasons.
keys h
expect_pane "history lists the denial with its reason" 'denied +isolate_host +ws-044 +bob +scope too broad'
expect_pane "and the approval" 'approved +isolate_host +ws-042 +bob'
keys h

# A restart: offline (stale rows, no acting), then connected, restored.
stop_daemon
expect_pane "the daemon stopping shows offline" '^ offline'
if header | grep -q connected; then not_ok "offline header never says connected"
else ok "offline header never says connected"; fi
expect_pane "rows are kept but marked stale" '^[> !]{3}~ .*ws-043'
keys a
expect_pane "acting while offline is refused" 'offline: nothing can be decided'
start_daemon || { not_ok "daemon restarts"; finish; exit 1; }
expect_pane "the console reconnects by itself" '^ connected ' 15
expect_pane "the queue is restored from the snapshot" '^ connected +\| +1 pending'
if pane | grep -Eq '^[> !]{3}~'; then not_ok "rows are fresh again"
else ok "rows are fresh again"; fi

# Agent text full of escapes cannot touch the screen or the title.
ID4=$(submit '{"action":"isolate_host","target":"ws-050","justification":"\u001b[2J\u001b]0;pwned\u0007\u202eevil\u001b[1;1HFAKE connected\u200b","timeout_s":120}')
expect_pane "the hostile request is listed" 'ws-050'
keys k
expect_pane "its escapes are shown as visible escapes" \
    '\\x1b\[2J\\x1b\]0;pwned\\x07<U\+202E>evil\\x1b\[1;1HFAKE connected<U\+200B>'
expect_match "the header still reads correctly" \
    "^ connected +\\| +2 pending +\\| +bob @ ws://127.0.0.1:$PORT" "$(header)"
esc=$(printf '\033')
raw=$(tm capture-pane -p -e -t tui)
if printf '%s' "$raw" | grep -q "$esc\\]0;pwned"; then not_ok "no raw OSC reached the terminal"
else ok "no raw OSC reached the terminal"; fi
if printf '%s' "$raw" | grep -q "$(printf '\342\200\256')"; then not_ok "no raw bidi override reached the terminal"
else ok "no raw bidi override reached the terminal"; fi
title=$(tm display-message -p -t tui '#{pane_title}')
if [ "$title" = pwned ]; then not_ok "the title is unchanged"; else ok "the title is unchanged"; fi
expect_eq "the fake line stays inside the box" 0 \
    "$(pane | grep -c '^FAKE\|^ FAKE')"
keys a
expect_pane "it can still be decided, by its real target" '^Approve isolate_host on ws-050'
keys Escape
expect_pane "Esc cancels the approval" 'approval cancelled'

# / filters the list by action, target or executor; Esc clears it.
keys /
expect_pane "/ asks for a filter" '^Filter'
keys -l ws-043
keys Enter
expect_pane "the filter applies" 'filter "ws-043": 1 of 2'
expect_eq "and hides the other request" 0 "$(pane | grep -c 'isolate_host  *ws-050')"
keys Escape
expect_pane "Esc clears the filter" 'isolate_host +ws-050'

# The console fits 80x24 and follows a resize.
tm resize-window -t tui -x 80 -y 24
expect_pane "80x24: the list still shows the target" 'isolate_host +ws-050'
expect_match "80x24: the header still says connected" '^ connected ' "$(header)"

# q quits at once and puts the terminal back.
keys q
expect_eq "q exits 0" 0 "$(exit_status tui)"
expect_eq "the terminal left the alternate screen" 0 \
    "$(tm display-message -p -t tui '#{alternate_on}')"
expect_eq "and wrote nothing on stderr" "" "$(cat "$T/tui.err")"

# The bell rings for a new request unless --no-bell; SIGTERM and SIGHUP
# end the console as cleanly as q. Each console's window is left inactive
# (tmux flags a bell on inactive windows only).
for name in ring quiet; do
	flag=
	[ $name = quiet ] && flag=--no-bell
	tm new-session -d -s $name -x 80 -y 24 \
	    "$(console $name --url "$URL" --analyst bob --key "$T/bob.key" $flag)"
	tm new-window -d -t $name: "sleep 600"
	tm select-window -t $name:1
	if wait_pane '^ connected ' 10 $name:0; then ok "console $name connects"
	else not_ok "console $name connects"; fi
done
submit '{"action":"isolate_host","target":"ws-060","justification":"ring"}' >/dev/null
bell() { tm display-message -p -t "$1:0" '#{window_bell_flag}'; }
n=0
while [ "$(bell ring)" != 1 ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
expect_eq "a new request rings the bell" 1 "$(bell ring)"
wait_pane 'ws-060' 5 quiet:0
expect_eq "but not with --no-bell" 0 "$(bell quiet)"
kill -TERM "$(cat "$T/ring.pid")"
expect_eq "SIGTERM ends it as a signal would" 143 "$(exit_status ring)"
expect_eq "and restores the terminal" 0 \
    "$(tm display-message -p -t ring:0 '#{alternate_on}')"
kill -HUP "$(cat "$T/quiet.pid")"
expect_eq "SIGHUP too" 129 "$(exit_status quiet)"
expect_eq "and restores the terminal" 0 \
    "$(tm display-message -p -t quiet:0 '#{alternate_on}')"
expect_eq "neither wrote anything on stderr" "" \
    "$(cat "$T/ring.err" "$T/quiet.err")"

# TLS: the daemon restarted with a certificate from a throwaway CA for
# 127.0.0.1. The console trusts that CA alone (--ca): it connects, and
# refuses another CA's certificate, a certificate for another name, and a
# plain-text daemon behind a wss:// URL.
stop_daemon
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$T/ca.key" -out "$T/ca.pem" -days 1 -subj /CN=test-ca \
    >/dev/null 2>&1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$T/other.key" -out "$T/other.pem" -days 1 -subj /CN=other-ca \
    >/dev/null 2>&1
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$T/server.key" -out "$T/server.csr" -subj /CN=127.0.0.1 \
    >/dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' \
    >"$T/server.ext"
check "a server certificate for 127.0.0.1 is made" openssl x509 -req \
    -in "$T/server.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" \
    -CAcreateserial -days 1 -extfile "$T/server.ext" -out "$T/server.pem"
"$PY" -c 'import json, sys
c = json.load(open(sys.argv[1]))
c["tls"] = {"cert": sys.argv[2], "key": sys.argv[3]}
json.dump(c, open(sys.argv[4], "w"))' "$CFG" "$T/server.pem" "$T/server.key" \
    "$T/tls.json"
"$BIN/approvald" -c "$T/tls.json" serve 2>>"$T/daemon.log" &
DAEMON_PID=$!
n=0
while ! curl -sf --cacert "$T/ca.pem" "https://127.0.0.1:$PORT/healthz" \
    >/dev/null 2>&1 && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
check "the daemon serves over TLS" curl -sf --cacert "$T/ca.pem" \
    "https://127.0.0.1:$PORT/healthz"
# A plain-text listener stands in for a daemon without TLS.
PLAIN_PORT=$(free_port)
"$PY" -c 'import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(4)
s.settimeout(1)
end = time.time() + 30
while time.time() < end:
    try:
        c, _ = s.accept()
    except socket.timeout:
        continue
    c.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
    c.close()' "$PLAIN_PORT" &
PLAIN=$!
for name in tls other name plain; do
	case $name in
	tls) url=wss://127.0.0.1:$PORT ca=$T/ca.pem ;;
	other) url=wss://127.0.0.1:$PORT ca=$T/other.pem ;;
	name) url=https://localhost:$PORT ca=$T/ca.pem ;;
	plain) url=wss://127.0.0.1:$PLAIN_PORT ca=$T/ca.pem ;;
	esac
	tm new-session -d -s $name -x 100 -y 30 "$(console $name --url "$url" \
	    --ca "$ca" --analyst bob --key "$T/bob.key" --no-bell)"
done
if wait_pane '^ connected ' 10 tls; then ok "wss:// with --ca connects"
else not_ok "wss:// with --ca connects"; pane tls | sed 's/^/#   | /'; fi
expect_match "the header names the wss:// URL" \
    "bob @ wss://127.0.0.1:$PORT" "$(pane tls | head -1)"
if wait_pane 'isolate_host +ws-060' 5 tls; then ok "the queue comes over TLS"
else not_ok "the queue comes over TLS"; fi
for name in other name plain; do
	if wait_pane 'offline: TLS failed' 10 $name; then
		ok "$name: refused, and the status says TLS failed"
	else not_ok "$name: refused, and the status says TLS failed"
		pane $name | sed 's/^/#   | /'; fi
	if pane $name | head -1 | grep -q connected; then
		not_ok "$name: never connected"
	else ok "$name: never connected"; fi
done
kill "$PLAIN" 2>/dev/null
for name in tls other name plain; do kill -TERM "$(cat "$T/$name.pid")"; done
expect_eq "SIGTERM ends each as a signal would" "143 143 143 143" \
    "$(for n in tls other name plain; do exit_status $n; done | xargs)"
expect_eq "none wrote anything on stderr" "" \
    "$(cat "$T/tls.err" "$T/other.err" "$T/name.err" "$T/plain.err")"

tm kill-server
finish
