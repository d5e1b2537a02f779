#!/bin/sh
# clock_slip.sh - a clocked sink that falls behind its clock by more than a
# period says so: a "slip" event, a log line, and status's sink.slips and
# sink.slip_ms (the time skipped). Two ways to fall behind: the whole daemon
# stopped for 2 s (SIGSTOP, as a VM pause does), and the sink thread alone
# held for 3 s (the SIGUSR2 test hook).
. "$(dirname "$0")/lib.sh"

write_conf
start_daemon
"$RTAUDIOCTL" -s "$SOCK" --json events > "$TMP/events.txt" 2>&1 & epid=$!
wait_until 5 grep -q streaming "$TMP/events.txt" || fail "events: no acknowledgement"
[ "$(st .sink.slips)" = 0 ] || fail "slips before any pause: $(st .sink.slips)"

kill -STOP "$DPID"; sleep 2; kill -CONT "$DPID"
wait_until 5 grep -q '"event":"slip"' "$TMP/events.txt" || fail "SIGSTOP 2 s: no slip event"
ms=$(st .sink.slip_ms)
[ "$ms" -ge 1500 ] && [ "$ms" -le 10000 ] || fail "SIGSTOP 2 s: slip_ms $ms"
grep -q "sink: behind its clock 1 time(s), [0-9.]* ms skipped" "$DLOG" || fail "no log line for the slip"
ok "SIGSTOP 2 s: $(st .sink.slips) slip(s), $ms ms skipped: $(grep '"slip"' "$TMP/events.txt" | jq -r .detail)"

kill -USR2 "$DPID"
wait_until 10 sh -c "[ \$($RTAUDIOCTL -s $SOCK --json status | jq .sink.slip_ms) -ge $((ms + 2500)) ]" ||
	fail "sink held 3 s: slip_ms $(st .sink.slip_ms), was $ms"
ok "sink held 3 s: $(st .sink.slips) slips, $(st .sink.slip_ms) ms skipped in all"
kill "$epid" 2>/dev/null; wait "$epid" 2>/dev/null
finish
