#!/bin/sh
# Bad control input: every bad line gets {"ok":false,"code":...,"error":...}
# (the code from lib/proto.h's table, the one a line deserves), the
# connection or the daemon survives as documented, audio loses nothing, and
# other clients are served meanwhile.
. "$(dirname "$0")/lib.sh"
command -v socat >/dev/null 2>&1 || skip "socat is not installed"

write_conf
start_daemon
send() { printf '%s\n' "$1" | socat -t 2 - "UNIX-CONNECT:$SOCK"; }
expect_err() {  # expect_err LINE CODE
	out=$(send "$1")
	[ "$(echo "$out" | head -n 1 | jq -r .ok)" = false ] || fail "'$1' -> $out"
	echo "$out" | head -n 1 | jq -e '.error | length > 0' >/dev/null || fail "'$1': no error text"
	[ "$(echo "$out" | head -n 1 | jq -r .code)" = "$2" ] || fail "'$1': code not $2: $out"
}
expect_err "frobnicate" unknown-verb
expect_err "" usage
expect_err "set gain nan" usage
expect_err "set gain 5" range
expect_err "set gain 0.5 extra" usage
expect_err "set pan -1.5" range
expect_err "get volume" unknown-param
expect_err "set gain \"0.5" usage
expect_err "wait-ready" unknown-verb
ok "bad verbs and values refused"

long=$(head -c 3000 /dev/zero | tr '\0' 'x')
out=$(send "$long")
echo "$out" | jq -e '.ok == false and .code == "usage"' >/dev/null || fail "over-long line: $out"
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
