#!/bin/sh
# Hot standby: kill the primary 20 times while recording a sine to WAV.
# The sink must lose no sample, count no underrun, and the recording must
# be a continuous sine at every sample (sinecheck).
. "$(dirname "$0")/lib.sh"

write_conf "[sink]" "type = wav" "path = $TMP/out.wav" "[source]" "frequency = 440"
start_daemon

i=0
while [ $i -lt 20 ]; do
	reply=$(kill_primary) || die "kill-primary $i failed: $reply"
	wait_until 10 all_ready || die "replicas not all ready after kill $i"
	note_pids
	i=$((i + 1))
done
sleep 0.2
lost=$(st .sink.lost_samples); under=$(st .sink.underruns); n=$(st .failovers.count)
# Exactly one crash failover per kill (lib.sh's failovers_by says why not
# .failovers.count); anything extra must lose nothing either (below).
crashes=$(failovers_by crash)
[ "$crashes" = 20 ] || fail "crash failovers $crashes, expected 20"
[ "$n" = 20 ] || echo "note: $n failovers: $((n - crashes)) not from the kills: $(grep 'failover (' "$DLOG" | grep -v crash)"
[ "$lost" = 0 ] || fail "lost $lost samples"
[ "$under" = 0 ] || fail "$under underruns"
ok "20 kills: failovers $n, lost $lost, underruns $under, rescued $(st .sink.rescued)"
stop_daemon
"$SINECHECK" "$TMP/out.wav" 440 1 || fail "recording is not a continuous sine"
finish
