#!/bin/sh
# rtaudioctl reload and SIGHUP: a new [params] gain in the file is in force
# after `reload` (get gain shows it, a param event says so), also after a
# `set` changed it; a key that needs a restart is named in the reply and the
# log; a FIFO or /dev/zero in the file's place is refused at once; a broken file
# makes reload answer ok:false with FILE:LINE: and changes nothing (exit 1);
# SIGHUP reloads like the verb, [watchdog] included. Audio loses nothing.
. "$(dirname "$0")/lib.sh"

gain() { jctl get gain | jq -r .gain; }

write_conf "[params]" "gain = 1"
start_daemon
[ "$(gain)" = 1 ] || fail "initial gain $(gain)"
"$RTAUDIOCTL" -s "$SOCK" --json events > "$TMP/events.txt" 2>&1 & epid=$!
wait_until 5 grep -q streaming "$TMP/events.txt" || fail "events: no acknowledgement"

write_conf "[params]" "gain = 0.25"
out=$(ctl reload 2>&1) || fail "reload failed: $out"
[ "$out" = reloaded ] || fail "reload printed '$out'"
[ "$(gain)" = 0.25 ] || fail "gain after reload: $(gain)"
wait_until 5 grep -q '"detail":"gain=0.25 at=[0-9]* (reload)"' "$TMP/events.txt" ||
	fail "no param event for the reload: $(cat "$TMP/events.txt")"
ok "reload: gain 0.25, event $(grep reload "$TMP/events.txt" | jq -c .detail)"

# The file's [params] take effect on reload even when only a `set` changed
# the value in force since (the file still says 0.25).
ctl set gain 0.5 >/dev/null || fail "set gain 0.5"
[ "$(gain)" = 0.5 ] || fail "gain after set: $(gain)"
out=$(ctl reload 2>&1) || fail "reload failed: $out"
[ "$(gain)" = 0.25 ] || fail "reload after set gain 0.5: gain $(gain), the file says 0.25"
ok "reload after set: the file's gain 0.25 is back"

# A changed key that needs a restart: applied nothing, said in the reply and
# the log; the reloadable key beside it still applies.
write_conf "[params]" "gain = 0.375" "[stream]" "frames = 128"
reply=$(jctl reload 2>&1) || fail "reload with a restart-only change: $reply"
echo "$reply" | jq -e '.ok and (.restart_needed | test("\\[stream\\] frames"))' >/dev/null ||
	fail "reload reply does not name [stream] frames: $reply"
grep -q "reload: \[stream\] frames changed: takes effect at the next restart" "$DLOG" ||
	fail "the log does not say frames needs a restart"
[ "$(st .stream.frames)" = 256 ] || fail "frames changed without a restart: $(st .stream.frames)"
[ "$(gain)" = 0.375 ] || fail "gain beside a restart-only change: $(gain)"
out=$(ctl reload 2>&1)
echo "$out" | grep -q "^note: \[stream\] frames changed" || fail "rtaudioctl reload printed '$out'"
ok "restart-only change reported: $(echo "$reply" | jq -r .restart_needed)"
write_conf "[params]" "gain = 0.25"
ctl reload >/dev/null || fail "reload back to gain 0.25"

# The file replaced by a FIFO (no writer) or /dev/zero: an error reply at
# once, the daemon untouched and still serving.
cp "$CONF" "$TMP/good.conf"
rm -f "$CONF" && mkfifo "$CONF"
out=$(timeout 5 "$RTAUDIOCTL" -s "$SOCK" reload 2>&1); rc=$?
[ "$rc" = 1 ] && echo "$out" | grep -q "not a regular file" ||
	fail "reload of a FIFO: exit $rc, '$out'"
[ "$(st .daemon.state)" = running ] || fail "daemon not serving after a FIFO reload"
rm -f "$CONF" && ln -s /dev/zero "$CONF"
out=$(timeout 5 "$RTAUDIOCTL" -s "$SOCK" reload 2>&1); rc=$?
[ "$rc" = 1 ] && echo "$out" | grep -q "not a regular file" ||
	fail "reload of /dev/zero: exit $rc, '$out'"
kill -HUP "$DPID"
wait_until 5 sh -c "grep -c 'not a regular file' '$DLOG' | grep -q '^[3-9]'" ||
	fail "SIGHUP with /dev/zero: no refusal logged"
[ "$(st .daemon.state)" = running ] || fail "daemon not serving after SIGHUP of /dev/zero"
rm -f "$CONF" && cp "$TMP/good.conf" "$CONF"
ok "FIFO and /dev/zero refused, daemon serving"

# Refused: out of range (line 7 is the gain line of write_conf's file).
write_conf "[params]" "gain = 9"
out=$(ctl reload 2>&1); rc=$?
[ "$rc" = 1 ] || fail "reload of a bad file: exit $rc, expected 1"
echo "$out" | grep -q "$CONF:7: .*gain" || fail "reload error does not name $CONF:7 and gain: $out"
reply=$(jctl reload 2>/dev/null)
echo "$reply" | jq -e '.ok == false and (.error | test(":7: "))' >/dev/null ||
	fail "reload --json of a bad file: $reply"
[ "$(gain)" = 0.25 ] || fail "gain changed by a refused reload: $(gain)"
# Refused: a line that is not key = value; the good key before it must not apply.
write_conf "[params]" "gain = 0.5" "this is not a key"
out=$(ctl reload 2>&1) && fail "reload of an unparsable file succeeded: $out"
echo "$out" | grep -q "$CONF:8:" || fail "reload error does not name $CONF:8: $out"
[ "$(gain)" = 0.25 ] || fail "gain changed by a refused reload: $(gain)"
ok "broken files refused: $out"

write_conf "[params]" "gain = 0.75" "[watchdog]" "stall_periods = 3"
kill -HUP "$DPID"
wait_until 5 sh -c "[ \"\$($RTAUDIOCTL -s $SOCK --json get gain | jq -r .gain)\" = 0.75 ]" ||
	fail "SIGHUP: gain is $(gain), expected 0.75"
wait_until 5 grep -q "reload: watchdog every 1 ms, stall after 3 periods" "$DLOG" ||
	fail "SIGHUP: [watchdog] not reloaded"
# In force, not only logged: status shows the watchdog the daemon runs.
[ "$(st .watchdog.stall_periods)" = 3 ] || fail "status: stall_periods $(st .watchdog.stall_periods)"
ok "SIGHUP: gain 0.75, stall_periods 3"

kill "$epid" 2>/dev/null; wait "$epid" 2>/dev/null
[ "$(st .daemon.state)" = running ] || fail "daemon state $(st .daemon.state)"
[ "$(st .sink.lost_samples)" = 0 ] || fail "lost $(st .sink.lost_samples) samples"
finish
