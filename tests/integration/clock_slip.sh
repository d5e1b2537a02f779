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
# A loaded host can hold the sink thread for a few periods, and that is a
# real slip; what must not come before a pause is seconds of them.
s0=$(st .sink.slips); ms0=$(st .sink.slip_ms)
[ "$ms0" -le 200 ] || fail "slips before any pause: $s0, $ms0 ms skipped"
[ "$s0" = 0 ] || echo "note: $s0 slip(s), $ms0 ms, before any pause: the host held the sink"
ev0=$(grep -c '"event":"slip"' "$TMP/events.txt")

kill -STOP "$DPID"; sleep 2; kill -CONT "$DPID"
slip_event() { [ "$(grep -c '"event":"slip"' "$TMP/events.txt")" -gt "$ev0" ]; }
wait_until 5 slip_event || fail "SIGSTOP 2 s: no slip event"
ms=$(st .sink.slip_ms)
[ $((ms - ms0)) -ge 1500 ] && [ $((ms - ms0)) -le 10000 ] || fail "SIGSTOP 2 s: slip_ms $ms0 -> $ms"
grep -Eq "sink: behind its clock [0-9]+ time\(s\), [0-9]{4,}\.[0-9] ms skipped" "$DLOG" ||
	fail "no log line for the slip"
ok "SIGSTOP 2 s: $(st .sink.slips) slip(s), $ms ms skipped: $(grep '"slip"' "$TMP/events.txt" | jq -r .detail)"

kill -USR2 "$DPID"
wait_until 10 sh -c "[ \$($RTAUDIOCTL -s $SOCK --json status | jq .sink.slip_ms) -ge $((ms + 2500)) ]" ||
	fail "sink held 3 s: slip_ms $(st .sink.slip_ms), was $ms"
ok "sink held 3 s: $(st .sink.slips) slips, $(st .sink.slip_ms) ms skipped in all"
kill "$epid" 2>/dev/null; wait "$epid" 2>/dev/null
finish
