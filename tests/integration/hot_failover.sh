#!/bin/sh
# Hot standby: kill the primary 20 times (kill-primary), then 10 times more
# from outside (SIGKILL, a crash as the daemon sees one), while recording a
# sine to WAV. The sink must lose no sample, count no underrun, and the
# recording must be a continuous sine at every sample (sinecheck). The
# outside kills are failed over through the life lock (lib/life.h), before
# the reap: most of them must say so (the loop may see the reap first when
# the host holds it back), and none with its life lock armed may be missed.
# The loop thread, raised at each death, must end at SCHED_OTHER.
. "$(dirname "$0")/lib.sh"

write_conf "[sink]" "type = wav" "path = $TMP/out.wav" "[source]" "frequency = 440" \
	"[daemon]" "log_level = debug"
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

i=0
while [ $i -lt 10 ]; do
	# A second of life first: quicker deaths are a crash loop, backed off.
	sleep 1.1
	pid=$(st '.replicas[.primary].pid')
	kill -KILL "$pid"
	wait_until 10 sh -c "grep -q 'replica [0-9] (pid $pid) killed by SIGKILL' '$DLOG'" ||
		die "outside kill $i: pid $pid not reaped"
	wait_until 10 all_ready || die "replicas not all ready after outside kill $i"
	note_pids
	i=$((i + 1))
done
sleep 0.2
crashes=$(failovers_by crash)
early=$(grep -c 'failing over before the reap' "$DLOG")
[ "$crashes" = 30 ] || fail "crash failovers $crashes, expected 30"
[ "$early" -ge 15 ] || fail "only $early of 30 deaths failed over by the life lock"
lost=$(st .sink.lost_samples); under=$(st .sink.underruns)
[ "$lost" = 0 ] || fail "lost $lost samples"
[ "$under" = 0 ] || fail "$under underruns"
ok "10 outside kills: $early of 30 deaths failed over before their reap (life lock), lost $lost"
# At each death the watcher raised the loop thread to SCHED_FIFO 1 until it
# had acted (daemon/watch.c): 30 deaths later it must be back at SCHED_OTHER
# (policy 0), never left real-time.
pol=$(loop_policy)
[ "$pol" = 0 ] || fail "the loop thread is at policy $pol after the failovers, not SCHED_OTHER (0)"
ok "loop thread back at SCHED_OTHER after 30 failovers"
stop_daemon
"$SINECHECK" "$TMP/out.wav" 440 1 || fail "recording is not a continuous sine"
finish
