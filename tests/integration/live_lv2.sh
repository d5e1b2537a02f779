#!/bin/sh
# live_lv2.sh - live input through a stateful LV2 chain, hot failover,
# recorded, against an offline render of the same input.
#
# The jack sink's inputs ([stream] input_channels = 2) feed [source] type =
# input through [plugin amp] (swh amp, -3 dB, stateless) and [plugin echo]
# (swh delay_n, 80 ms: a delay line, memory without feedback), preroll = 1.
# 80 ms is 15 whole periods of 256 frames, on purpose: swh delay_n (1.0.16)
# mishandles a block that straddles the end of its circular buffer (it
# starts again at in[0] and out[0] for the part after it), so with a delay
# that is not a whole number of blocks its output depends on how many
# samples the instance ran since activation, and a replica started at
# another block (a respawn, the offline render) renders other bits. A JACK client (tests/integration/jack_loop -n) plays a known signal
# into rtaudiod:in_1..2 and records rtaudiod:out_1..2 in the same cycles
# while the primary is killed 10 times; before each kill the respawned
# standby must be identical to the primary again (the sink's sync check,
# pre-rolled on the input ring's history). Then:
#   - 0 samples lost, at least 10 failovers;
#   - the recording equals, bit for bit, rtaudio-replica --render --input of
#     the signal played (the same chain, from block 0) delayed by one
#     constant latency, lead + 1 periods (wavcmp --align): nothing lost,
#     repeated or changed over the kills, and continuous;
#   - the last respawned standby is identical.
# Skips (77) without JACK, LV2 support in this build, or swh-lv2.
. "$(dirname "$0")/lib.sh"

AMP=http://plugin.org.uk/swh-plugins/amp
DELAY=http://plugin.org.uk/swh-plugins/delay_n
: "${WAVCMP:?WAVCMP not set (run through make check)}"
command -v jackd >/dev/null 2>&1 || skip "jackd is not installed (Debian package jackd2)"
[ -x "${JACK_LOOP:-}" ] || skip "built without JACK (no tests/integration/jack_loop)"
"$RTAUDIOD" -V | grep -q lv2 || skip "this build has no LV2 support (lilv)"
command -v lv2info >/dev/null 2>&1 || skip "lv2info (lilv-utils) is not installed"
lv2info "$DELAY" >/dev/null 2>&1 && lv2info "$AMP" >/dev/null 2>&1 ||
	skip "swh-lv2 plugins are not installed"

jack_server
trap stop_jackd_clean EXIT
start_jackd || skip "jackd cannot run here: $(tail -n 3 "$TMP/jackd.log" | tr '\n' ' ')"

CHAIN_KEYS="[plugin amp]
uri = $AMP
gain = -3
[plugin echo]
uri = $DELAY
delay_time = 0.08"
write_conf "preroll = 1" "[stream]" "input_channels = 2" "[sink]" "type = jack" \
	"[source]" "type = input" "$CHAIN_KEYS"
start_daemon
lead=$(st .stream.lead); fr=$(st .stream.frames); rate=$(st .stream.sample_rate)
ok "status: input latency $(st .stream.input_latency_ms) ms, source: $(st '.replicas[0].source')"

# in_sync: every standby identical now (and compared).
in_sync() {
	jctl status | jq -c '[.replicas[] | select(.role == "standby") | .sync]' > "$TMP/sync"
	jq -e 'length >= 1 and all(.state == "identical" and .identical > 0)' \
		"$TMP/sync" > /dev/null
}

SECS=14
"$JACK_LOOP" -n -w "$TMP/played.wav" -r "$TMP/rec.wav" $SECS > "$TMP/loop.out" 2>&1 &
LPID=$!
t0=$(date +%s)
sleep 0.5
i=0
while [ $i -lt 10 ]; do
	wait_until 10 in_sync || { cat "$TMP/sync"; die "standby not in sync before kill $i"; }
	reply=$(kill_primary) || die "kill-primary $i failed: $reply"
	wait_until 10 all_ready || die "replicas not all ready after kill $i"
	note_pids
	i=$((i + 1))
done
spent=$(( $(date +%s) - t0 ))
[ "$spent" -lt "$SECS" ] || fail "the 10 kills took $spent s, longer than the $SECS s recording"
wait "$LPID" || fail "jack_loop: $(cat "$TMP/loop.out")"
cat "$TMP/loop.out"
wait_until 10 in_sync || fail "standby not in sync after the last kill: $(cat "$TMP/sync")"
wait_until 5 settled || fail "last failover never settled"
lost=$(st .sink.lost_samples); n=$(st .failovers.count)
[ "$n" -ge 10 ] || fail "failovers $n, expected at least 10"
[ "$lost" = 0 ] || fail "lost $lost samples"
ok "10 kills, live input through amp + delay: failovers $n, lost $lost, underruns $(st .sink.underruns), rescued $(st .sink.rescued)"
ok "after respawn: sync $(st '[.replicas[] | "\(.role)=\(.sync.state) (\(.sync.identical) identical, \(.sync.diverged) diverged)"] | join(", ")')"
stop_daemon

# The offline render of the same input through the same keys, from block 0.
set -- --render "$TMP/offline.wav" --seconds $SECS --rate "$rate" --channels 2 --frames "$fr" \
	--input "$TMP/played.wav" --key source.type=input \
	--key "plugin amp.uri=$AMP" --key "plugin amp.gain=-3" \
	--key "plugin echo.uri=$DELAY" --key "plugin echo.delay_time=0.08"
"$REPLICA" "$@" 2> "$TMP/offline.err" || { cat "$TMP/offline.err"; fail "offline render failed"; }
echo "figure: offline $(cat "$TMP/offline.err")"
if "$WAVCMP" --align "$TMP/rec.wav" "$TMP/offline.wav" > "$TMP/cmp"; then
	ok "recording equals the offline render of the input, bit for bit: $(cat "$TMP/cmp")"
else
	fail "recording differs from the offline render of the input: $(cat "$TMP/cmp")"
fi
lat=$(sed -n 's/^latency \([0-9]*\) .*/\1/p' "$TMP/cmp")
[ "$lat" = $(( (lead + 1) * fr )) ] ||
	fail "latency $lat frames, expected (lead $lead + 1) x $fr"
echo "figure: input-to-output latency through the chain $lat frames = $(awk -v l="$lat" -v r="$rate" 'BEGIN { printf "%.3f", 1000 * l / r }') ms"
finish
