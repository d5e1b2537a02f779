#!/bin/sh
# ALSA sink into a PCM whose poll lies: always "ready", room or not (the
# rtliar plugin, alsa_poll_liar.c, loaded by alsa-lib as a real PCM type).
# A sink that trusts snd_pcm_wait() spins on it at SCHED_FIFO (aplay does:
# it is run as the peer and its CPU printed), and the replicas on its core
# starve into stall failovers. Checks that:
#   1. mode clock (a device that plays, its pointer moving in real time):
#      over 4 s the stream moves at real time (within 2%), 0 underruns, 0
#      lost, 0 failovers, the replicas never replaced, and the sink thread
#      under 10% of a core (a "ready" found false is not asked again at
#      once: a quarter-period nap stands in for the next poll);
#   2. mode stuck (takes one buffer, then nothing): the device is lost
#      ("no progress for 500 ms", by the clock, though no wait ever timed
#      out) and reopened with backoff, the sink thread under 10% of a core
#      over 4 s, 0 failovers, the replicas never replaced, the daemon
#      answering.
. "$(dirname "$0")/lib.sh"

"$RTAUDIOD" -V | grep -q alsa || skip "rtaudiod built without ALSA (libasound2-dev)"
PLUG="$top_builddir/tests/integration/.libs/libasound_module_pcm_rtliar.so"
[ -f "$PLUG" ] || skip "the rtliar test PCM is not built ($PLUG)"

cat > "$TMP/asoundrc" <<EOC
pcm_type.rtliar { lib "$PLUG" }
pcm.lies_clock { type rtliar mode clock }
pcm.lies_stuck { type rtliar mode stuck }
EOC
ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$TMP/asoundrc"
export ALSA_CONFIG_PATH

# The peer: aplay on the same PCM, 3 s of audio; its CPU over its first 2 s.
if command -v aplay >/dev/null 2>&1 && command -v sox >/dev/null 2>&1; then
	sox -n -r 48000 -c 2 -b 16 "$TMP/three.wav" synth 3 sine 440 2>/dev/null
	aplay -q -D lies_clock "$TMP/three.wav" &  # 3 s, then it ends
	APID=$!
	sleep 2
	ticks=$(awk '{ print $14 + $15 }' "/proc/$APID/stat" 2>/dev/null)
	wait "$APID"
	[ -n "$ticks" ] &&
		echo "peer: aplay into lies_clock: $(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" \
			'BEGIN { printf "%.0f%% of a core", 100 * t / hz / 2 }') (it trusts the poll)"
fi

# sink_window WHAT: 4 s of the sink thread (lib.sh's alsa_window); sets
# CPU_PCT, which must stay under 10% of a core.
sink_window() {
	alsa_window "$1" 4
	CPU_PCT=$(awk -v c="$WIN_CPU_NS" -v t="$WIN_NS" 'BEGIN { printf "%.1f", 100 * c / t }')
	awk -v p="$CPU_PCT" 'BEGIN { exit !(p < 10) }' || fail "$1: the sink thread at $CPU_PCT% of a core: it spins"
}
steady() {
	[ "$(st .failovers.count)" = 0 ] ||
		fail "$1: $(st .failovers.count) failovers: $(grep -m 2 stalled "$DLOG" | tr '\n' ' ')"
	[ "$(st '[.replicas[].pid] | join(" ")')" = "$pids0" ] || fail "$1: replicas replaced"
	[ "$(st .sink.lost_samples)" = 0 ] || fail "$1: lost $(st .sink.lost_samples) samples"
}

# 1. A PCM that plays, its poll lying.
write_conf "[sink]" "type = alsa" "device = lies_clock"
start_daemon
pids0=$(st '[.replicas[].pid] | join(" ")')
sink_window clock
awk -v n="$WIN_BLOCKS" -v w="$WIN_WANT" 'BEGIN { exit !(n >= 0.98 * w && n <= 1.02 * w) }' ||
	fail "clock: $WIN_BLOCKS blocks in 4 s: $WIN_RATIO x real time"
[ "$(st .sink.underruns)" = 0 ] || fail "clock: $(st .sink.underruns) underruns"
[ "$(st .sink.device.losses)" = 0 ] || fail "clock: the device was lost: $(grep 'alsa:' "$DLOG" | tail -n 2)"
steady clock
ok "clock: $WIN_BLOCKS blocks in 4 s ($WIN_RATIO x real time), underruns $(st .sink.underruns), sink thread $CPU_PCT% of a core," \
   "failovers $(st .failovers.count)"
stop_daemon

# 2. A PCM that takes one buffer and then nothing, its poll lying.
write_conf "[sink]" "type = alsa" "device = lies_stuck"
start_daemon
pids0=$(st '[.replicas[].pid] | join(" ")')
lostline() { grep -q "alsa: device 'lies_stuck' lost (no progress for 500 ms)" "$DLOG"; }
wait_until 5 lostline || fail "stuck: the device not lost: $(grep 'alsa:' "$DLOG" | tail -n 2)"
sink_window stuck
losses=$(st .sink.device.losses)
[ "$losses" -ge 2 ] || fail "stuck: $losses device losses: not reopened and lost again"
steady stuck
ok "stuck: lost (no progress for 500 ms) $losses times, reopened with backoff, sink thread $CPU_PCT% of a core," \
   "failovers $(st .failovers.count)"
stop_daemon
finish
