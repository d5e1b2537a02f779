#!/bin/sh
# Live input through redundant renderers: [source] type = input with the
# jack sink's inputs ([stream] input_channels = 2, rtaudiod:in_1..2). A JACK
# client (tests/integration/jack_loop) plays a known signal into the inputs
# and records the outputs in the same cycles while the primary is killed 10
# times. Checks that:
#   1. status states the input latency (lead + capture period);
#   2. every recorded frame equals the offline computation of the same input
#      (pass-through and the output stage: 0.5 x at gain 1, pan 0) at one
#      constant latency: nothing lost, repeated or changed over the kills;
#      the latency measured is lead + 1 periods;
#   3. the respawned standby reaches `identical` (the sync check);
#   4. without input channels, type = input is a configuration error (78).
. "$(dirname "$0")/lib.sh"

command -v jackd >/dev/null 2>&1 || skip "jackd is not installed (Debian package jackd2)"
[ -x "${JACK_LOOP:-}" ] || skip "built without JACK (no tests/integration/jack_loop)"

jack_server
trap stop_jackd_clean EXIT
start_jackd || skip "jackd cannot run here: $(tail -n 3 "$TMP/jackd.log" | tr '\n' ' ')"

# 4. type = input without input channels.
write_conf "[sink]" "type = jack" "[source]" "type = input"
rc=0
"$RTAUDIOD" -n -c "$CONF" > "$TMP/noin.log" 2>&1 || rc=$?
if [ "$rc" = 78 ] && grep -q "type = input needs live input" "$TMP/noin.log"
then ok "type = input without input_channels: exit 78, $(grep -o "key 'type'.*" "$TMP/noin.log" | head -n 1)"
else fail "type = input without input_channels: exit $rc, $(cat "$TMP/noin.log")"; fi

write_conf "[stream]" "input_channels = 2" "[sink]" "type = jack" "[source]" "type = input"
start_daemon
lat=$(st .stream.input_latency_ms); lead=$(st .stream.lead); fr=$(st .stream.frames)
[ "$lat" != null ] || fail "status has no stream.input_latency_ms"
ok "status: input latency $lat ms (lead $lead + 1 capture period of $fr frames)"
jack_lsp | grep -q '^rtaudiod:in_2$' || fail "no rtaudiod:in_2 port"

"$JACK_LOOP" 8 > "$TMP/loop.out" 2>&1 &
LPID=$!
sleep 1
i=0
while [ $i -lt 10 ]; do
	sleep 0.45
	reply=$(kill_primary) || die "kill-primary $i failed: $reply"
	wait_until 10 all_ready || die "replicas not all ready after kill $i"
	note_pids
	i=$((i + 1))
done
wait "$LPID" || fail "jack_loop: $(cat "$TMP/loop.out")"
cat "$TMP/loop.out"
frames_lat=$(sed -n 's/.*input-to-output latency \([0-9]*\) frames.*/\1/p' "$TMP/loop.out")
[ "$frames_lat" = $(( (lead + 1) * fr )) ] ||
	fail "measured latency $frames_lat frames, expected (lead $lead + 1) x $fr"
wait_until 5 settled
lost=$(st .sink.lost_samples); n=$(st .failovers.count)
[ "$n" -ge 10 ] || fail "failovers $n, expected at least 10"
[ "$lost" = 0 ] || fail "lost $lost samples"
ok "10 kills with live input: failovers $n, lost $lost, underruns $(st .sink.underruns)"

# 3. The respawned standby renders the same bits as the primary.
identical() { [ "$(st '[.replicas[] | select(.role == "standby") | .sync.state] | length > 0 and all(. == "identical")')" = true ]; }
wait_until 5 identical || fail "standby sync: $(st '[.replicas[] | .sync]' | tr -d ' \n')"
ok "after respawn: sync $(st '[.replicas[] | "\(.role)=\(.sync.state) (\(.sync.identical) identical, \(.sync.diverged) diverged)"] | join(", ")')"

stop_daemon
finish
