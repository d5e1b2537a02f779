#!/bin/sh
# soak.sh - load and endurance figures (make soak; a short run in make check).
#
#  1. Load: 48 kHz / 64 frames (1.33 ms periods) for SOAK_LOAD_S seconds
#     (default 600) with stress-ng on every core: underruns, lost samples,
#     late periods, render time p99 as a share of the period; beside them
#     cyclictest's maximum and its wake-ups later than the whole lead.
#  2. SOAK_KILLS (default 1000) kill-primary cycles back to back, each
#     waiting for the respawned standby (a kill the daemon refuses for want
#     of a healthy standby is asked again): every one promoted and respawned,
#     lost samples (hot: goal 0), and the daemon's fd count, RSS, /dev/shm
#     entries and children the same at the end as at the start.
#  3. SIGSTOP/SIGCONT storms on random replicas for SOAK_STORM_S seconds
#     (default 120): the daemon never has two primaries; the time without
#     one is measured.
#  4. With SOAK_FLOOR=1: tests/bench/latency_floor.sh for SOAK_FLOOR_S
#     seconds a setting (default 600): the smallest lead x frames with 0
#     underruns under stress-ng at SCHED_FIFO, beside cyclictest's maximum.
# Figures are printed; the checks that fail the run are structural (never
# two primaries in at least 5 samples a second, no leak, every kill
# answered, daemon alive), plus the product's claims: no underrun under
# load, lost 0 and no underrun on kills, at most one refusal in ten kills.
. "$(dirname "$0")/integration/lib.sh"
LOAD_S=${SOAK_LOAD_S:-600}
KILLS=${SOAK_KILLS:-1000}
STORM_S=${SOAK_STORM_S:-120}

# --- 1. load -----------------------------------------------------------------
write_conf "[stream]" "frames = 64"
start_daemon
jctl stats reset >/dev/null
# cyclictest beside it, one SCHED_FIFO thread a CPU just below the
# replicas: the machine's own wake-ups in the same window, and how many
# came later than the whole lead (its histogram's overflows), which say
# whether these periods could be held at all (below).
budget=$(( $(st .stream.lead) * 64 * 1000000 / 48000 ))
CYC=""
if command -v cyclictest >/dev/null 2>&1; then
	cyclictest -m -p 79 -a -t "$(nproc)" -i 1000 -D "$LOAD_S" -q -h "$budget" > "$TMP/cyc.out" 2>&1 &
	CYC=$!
fi
if command -v stress-ng >/dev/null 2>&1; then
	stress-ng --cpu "$(nproc)" --timeout "${LOAD_S}s" --quiet &
	spid=$!
	load="stress-ng --cpu $(nproc)"
else
	spid=""
	load="no load (stress-ng missing)"
	part_skip "load: stress-ng is not installed"
	sleep "$LOAD_S"
fi
[ -z "$spid" ] || wait "$spid"
s=$(jctl stats)
cmax=""; stalls=""
if [ -n "$CYC" ] && wait "$CYC"; then
	cmax=$(awk '/^# Max Latencies:/ { for (i = 4; i <= NF; i++) if ($i + 0 > m) m = $i + 0 }
		END { if (NR > 0) print m + 0 }' "$TMP/cyc.out")
	stalls=$(awk '/^# Histogram Overflows:/ { for (i = 4; i <= NF; i++) n += $i } END { print n + 0 }' "$TMP/cyc.out")
fi
echo "soak: load: 48 kHz / 64 frames (1.33 ms) for $LOAD_S s with $load:" \
	"played $(echo "$s" | jq .sink.played), underruns $(echo "$s" | jq .sink.underruns)," \
	"lost $(echo "$s" | jq .sink.lost_samples) samples, late periods $(echo "$s" | jq .sink.late)," \
	"rescued $(echo "$s" | jq .sink.rescued), render p99 $(echo "$s" | jq '[.replicas[].busy_p99_pct] | max')%" \
	"max $(echo "$s" | jq '[.replicas[].busy_max_pct] | max | floor')% of the period," \
	"rt $(st '.replicas[0].rt'); cyclictest max ${cmax:-?} us, ${stalls:-?} wake-ups past the lead"
[ "$(st .daemon.state)" = running ] || fail "state after load: $(st .daemon.state)"
# The README's claim: no underrun under load (SOAK_MAX_UNDERRUNS to relax it
# on a machine that cannot hold 1.33 ms periods; CI keeps 0). An underrun
# for which cyclictest, below the replicas' priority, was itself woken
# later than the whole lead (lead x 1333 us) in the same window is the
# host's stall: no real-time thread could have held that period. So the
# run fails when the underruns outnumber those stalls (or nothing
# measured them), and says so when they do not.
under=$(echo "$s" | jq .sink.underruns)
if [ "$under" -le "${SOAK_MAX_UNDERRUNS:-0}" ]; then
	:
elif [ -n "$stalls" ] && [ "$stalls" -ge "$under" ]; then
	echo "note: $under underruns under load, and cyclictest was woken later than the" \
	     "lead's $budget us $stalls times in the same window (max $cmax us): the host" \
	     "did not hold these periods; not failed on"
else
	fail "$under underruns under load (at most ${SOAK_MAX_UNDERRUNS:-0}); cyclictest" \
	     "woken later than the lead's $budget us ${stalls:-(not measured)} times, max ${cmax:-?} us"
fi
[ "$(echo "$s" | jq .sink.played)" -gt $((LOAD_S * 48000 / 64 / 2)) ] ||
	fail "played $(echo "$s" | jq .sink.played) blocks in $LOAD_S s: the sink did not keep time"
stop_daemon

# --- 2. kill cycles ----------------------------------------------------------
write_conf
start_daemon
counts() {
	fds=$(ls "/proc/$DPID/fd" | wc -l)
	kids=$(cat /proc/"$DPID"/task/*/children | wc -w)
	shm=$(ls /dev/shm | grep -c -F "rtaudio-$GROUP-")
	rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$DPID/status")
}
counts; fds0=$fds; kids0=$kids; shm0=$shm; rss0=$rss
i=0
while [ $i -lt "$KILLS" ]; do
	kill_primary > "$TMP/kill.json" || die "kill-primary $i: $(cat "$TMP/kill.json")"
	jq -e '.primary != null' "$TMP/kill.json" >/dev/null || fail "kill $i: no new primary"
	wait_until 10 all_ready || die "replicas not all ready after kill $i"
	i=$((i + 1))
done
sleep 0.2
counts
crashes=$(failovers_by crash)
echo "soak: $KILLS kill-primary cycles: failovers $(st .failovers.count) ($crashes from kills)," \
	"refused $(refusals) times for want of a healthy standby," \
	"lost $(st .sink.lost_samples) samples, underruns $(st .sink.underruns);" \
	"fds $fds0 -> $fds, children $kids0 -> $kids, /dev/shm $shm0 -> $shm, RSS $rss0 -> $rss KiB"
[ "$crashes" = "$KILLS" ] || fail "crash failovers $crashes, expected $KILLS"
[ "$(st .failovers.count)" = "$KILLS" ] ||
	echo "note: failovers not from the kills: $(grep 'failover (' "$DLOG" | grep -v crash | tr '\n' ';')"
[ "$(st .sink.lost_samples)" = 0 ] || fail "lost samples over $KILLS kills"
[ "$(st .sink.underruns)" = 0 ] || fail "$(st .sink.underruns) underruns over $KILLS kills"
# A refusal is the guard working (no healthy standby at that moment), but
# each kill came after all replicas were ready: more than one in ten is not.
[ $(( $(refusals) * 10 )) -le "$KILLS" ] || fail "refused $(refusals) times in $KILLS kills"
[ "$fds" = "$fds0" ] || fail "fd count $fds0 -> $fds"
[ "$kids" = "$kids0" ] || fail "children $kids0 -> $kids"
[ "$shm" = "$shm0" ] || fail "/dev/shm entries $shm0 -> $shm"
asan_skip "RSS bound" || [ $((rss - rss0)) -lt 1024 ] || fail "RSS grew $((rss - rss0)) KiB"
note_pids

# --- 3. SIGSTOP/SIGCONT storm -------------------------------------------------
samples="$TMP/primaries"
( end=$(( $(date +%s) + STORM_S + 1 ))
  while [ "$(date +%s)" -lt $end ]; do
	jctl status 2>/dev/null | jq -r '[.replicas[] | select(.role == "primary")] | length' 2>/dev/null
	sleep 0.01
  done > "$samples" ) &
sampler=$!
end=$(( $(date +%s) + STORM_S ))
storms=0
while [ "$(date +%s)" -lt $end ]; do
	pid=$(st ".replicas[$(( $(od -An -N1 -tu1 /dev/urandom) % 2 ))].pid")
	[ "$pid" = null ] && continue
	kill -STOP "$pid" 2>/dev/null
	sleep "0.0$(( $(od -An -N1 -tu1 /dev/urandom) % 3 ))$(( $(od -An -N1 -tu1 /dev/urandom) % 10 ))"
	kill -CONT "$pid" 2>/dev/null
	storms=$((storms + 1))
done
wait "$sampler"
note_pids
n=$(wc -l < "$samples"); two=$(grep -c '^[2-9]' "$samples"); none=$(grep -c '^0' "$samples")
echo "soak: storm: $storms SIGSTOP/SIGCONT on random replicas over $STORM_S s: $n samples," \
	"two primaries $two, no primary $none; failovers $(st .failovers.count), lost $(st .sink.lost_samples) samples"
[ "$two" = 0 ] || fail "two primaries at once in $two samples"
# The sampler must have looked, or "never two primaries" proves nothing.
[ "$storms" -gt 0 ] || fail "no SIGSTOP/SIGCONT was sent"
[ "$n" -ge $((STORM_S * 5)) ] || fail "only $n status samples in $STORM_S s (want 5 a second)"
[ "$n" = "$(grep -c '^[0-9]' "$samples")" ] || fail "sampler lines that are not counts"
wait_until 10 all_ready || fail "replicas not all ready after the storm"
stop_daemon

# --- 4. the latency floor, 10 minutes a setting (SOAK_FLOOR=1) -----------------
if [ "${SOAK_FLOOR:-0}" = 1 ]; then
	FLOOR_S=${SOAK_FLOOR_S:-600} RTAUDIOD="$RTAUDIOD" RTAUDIOCTL="$RTAUDIOCTL" REPLICA="$REPLICA" \
		sh "$(dirname "$0")/bench/latency_floor.sh"
else
	echo "soak: latency floor skipped (SOAK_FLOOR=1 runs it, SOAK_FLOOR_S seconds a setting, default 600)"
fi
finish
