#!/bin/sh
# Bad control input: every bad line gets {"ok":false,"error":...}, the
# connection or the daemon survives as documented, audio loses nothing, and
# other clients are served meanwhile.
. "$(dirname "$0")/lib.sh"
command -v socat >/dev/null 2>&1 || skip "socat is not installed"

write_conf
start_daemon
send() { printf '%s\n' "$1" | socat -t 2 - "UNIX-CONNECT:$SOCK"; }
expect_err() {
	out=$(send "$1")
	[ "$(echo "$out" | head -n 1 | jq -r .ok)" = false ] || fail "'$1' -> $out"
	echo "$out" | head -n 1 | jq -e '.error | length > 0' >/dev/null || fail "'$1': no error text"
}
expect_err "frobnicate"
expect_err ""
expect_err "set gain nan"
expect_err "set gain 5"
expect_err "set gain 0.5 extra"
expect_err "set pan -1.5"
expect_err "get volume"
expect_err "set gain \"0.5"
ok "bad verbs and values refused"

long=$(head -c 3000 /dev/zero | tr '\0' 'x')
out=$(send "$long")
echo "$out" | jq -e '.ok == false' >/dev/null || fail "over-long line: $out"
out=$(head -c 4096 /dev/urandom | socat -t 2 - "UNIX-CONNECT:$SOCK" | head -n 1)
[ -z "$out" ] || echo "$out" | jq -e '.ok == false' >/dev/null || fail "random bytes: $out"
ok "over-long line and random bytes refused"

# Two requests on one connection, answered in order.
out=$(printf 'get gain\nversion\n' | socat -t 2 - "UNIX-CONNECT:$SOCK")
[ "$(echo "$out" | wc -l)" = 2 ] || fail "pipelined: $out"
# A client that says nothing does not block others.
socat -u /dev/zero,readbytes=0 "UNIX-CONNECT:$SOCK" & idle=$!
sleep 0.2
[ "$(st .daemon.state)" = running ] || fail "daemon not serving while a client idles"
kill "$idle" 2>/dev/null; wait "$idle" 2>/dev/null
[ "$(st .sink.lost_samples)" = 0 ] || fail "audio lost samples during bad input"
ok "daemon still serving, lost 0"
finish
