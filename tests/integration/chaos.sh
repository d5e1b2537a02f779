#!/bin/sh
# chaos.sh - a replica (or anyone) writing into shared memory cannot hurt the
# daemon or the audio. Hot standby, a WAV sink, two replicas.
#
# Phase 1, hostile replicas: every replica is tests/integration/chaos, which
# runs the real rtaudio-replica and, once its slot has been primary for
# 300 ms with the other a ready standby, attacks its own segment, by round:
# random bytes over the WHOLE segment every ms (scribble), ftruncate to 0
# (shrink0: the daemon's next access to the segment would be SIGBUS), or to
# half (shrinkhalf: the ring cut, the header kept). For CHAOS_SECONDS
# (default 8). The daemon must stay up, fence every attacker as "corrupt"
# (the bus errors absorbed by daemon/guard.c, the header, heartbeat or
# checksum failures, the segment's size), fail over, rebuild the segment,
# respawn the slot, and lose no sample: the WAV is compared block by block,
# bit for bit, with the sine the replicas render, and checked by sinecheck.
#
# Phase 2, stray writes from outside: `chaos stray`, as root, maps the replica
# segments (memfds, no names) read-write through the daemon's /proc/PID/fd,
# and writes random bytes over the primary's ring slots every 200 us for STRAY_SECONDS (default 10), while a standby is ready. Figures:
# corrupt blocks played (must be 0), blocks rescued from a standby, blocks
# that failed their checksum. Meanwhile a tap (`rtaudioctl record`) records
# from the same rings: it checks the blocks' CRC too, and its file must be
# bit-exact as well, with no block missed.
#
# In a sanitizer build (CFLAGS with -fsanitize=address,undefined) the same
# run proves the daemon never reads out of bounds: any sanitizer report in
# the daemon's (or a replica's) stderr fails the test.
. "$(dirname "$0")/lib.sh"

CHAOS=${CHAOS:-${top_builddir:-.}/tests/integration/chaos}
[ -x "$CHAOS" ] || die "no chaos helper at $CHAOS"
: "${SINECHECK:?}"
SECS1=${CHAOS_SECONDS:-8}
SECS2=${STRAY_SECONDS:-10}
FREQ=440

sanitizer_clean() {
	! grep -q -e 'ERROR: AddressSanitizer' -e 'runtime error:' -e 'ERROR: LeakSanitizer' \
		-e 'Sanitizer:DEADLYSIGNAL' "$1"
}
count() { grep -c -e "$1" "$2" 2>/dev/null || true; }

# run_for SECONDS: sleep, checking every 0.5 s that the daemon is alive.
run_for() {
	end=$(( $(date +%s) + $1 ))
	while [ "$(date +%s)" -lt "$end" ]; do
		kill -0 "$DPID" 2>/dev/null || die "the daemon died"
		note_pids
		sleep 0.5
	done
}

# check_wav FILE LABEL [FIRST [SILENT]]: every block bit-exact (but for
# silence played after the replicas were told to stop, and SILENT blocks a
# tap missed and wrote as silence), and then a continuous sine. Leak checking
# is for the daemon, not for these one-shot tools.
check_wav() {
	ASAN_OPTIONS=detect_leaks=0 "$CHAOS" verify "$1" $FREQ 256 1 0 "${3:-0}" "${4:-0}" \
		"$TMP/trimmed.wav" > "$TMP/verify.out" 2>&1 || fail "$2: $(cat "$TMP/verify.out")"
	sed "s/^/$2: /" "$TMP/verify.out"
	[ "${4:-0}" = 0 ] || return 0
	ASAN_OPTIONS=detect_leaks=0 "$SINECHECK" "$TMP/trimmed.wav" $FREQ 1 > "$TMP/sine.out" 2>&1 ||
		fail "$2: not a continuous sine: $(cat "$TMP/sine.out")"
}

# --- phase 1: hostile replicas ----------------------------------------------
export CHAOS_REPLICA="$REPLICA" CHAOS_MODE=mix CHAOS_DELAY_MS=300
export CHAOS_LOG="$TMP/attacks" CHAOS_PIDS="$TMP/attacker.pids" CHAOS_STOP="$TMP/stop"
# A root daemon's replicas (the attackers with them) run as replica_user:
# let them reach their log files and see the stop file.
chmod 0711 "$TMP"
: > "$CHAOS_LOG"; : > "$CHAOS_PIDS"; chmod 0666 "$CHAOS_LOG" "$CHAOS_PIDS"
export CHAOS_UNTIL=$(( $(date +%s) + SECS1 + 60 ))
REAL_REPLICA=$REPLICA
REPLICA=$CHAOS write_conf "[sink]" "type = wav" "path = $TMP/p1.wav" "[source]" "frequency = $FREQ"
REPLICA=$REAL_REPLICA
start_daemon
run_for "$SECS1"
touch "$CHAOS_STOP"
sleep 0.5
wait_until 10 all_ready || fail "phase 1: replicas not all ready at the end"
lost=$(st .sink.lost_samples); under=$(st .sink.underruns)
stats=$(jctl stats)
rescued=$(echo "$stats" | jq .sink.rescued); bad=$(echo "$stats" | jq .sink.bad_blocks)
stop_daemon
cp "$DLOG" "$TMP/p1.log"

attacks=$(count '^attack' "$CHAOS_LOG")
scrib=$(count 'mode scribble' "$CHAOS_LOG")
shr0=$(count 'mode shrink0' "$CHAOS_LOG")
shrh=$(count 'mode shrinkhalf' "$CHAOS_LOG")
fenced=$(count 'fencing it' "$TMP/p1.log")
corrupt_fo=$(count 'failover (corrupt)' "$TMP/p1.log")
absorbed=$(count 'bus errors absorbed' "$TMP/p1.log")
rebuilt=$(count 'rebuilt before the respawn' "$TMP/p1.log")
[ "$scrib" -ge 1 ] && [ "$shr0" -ge 1 ] && [ "$shrh" -ge 1 ] ||
	fail "phase 1: too few attacks of each kind (scribble $scrib, shrink0 $shr0, shrinkhalf $shrh)"
[ "$corrupt_fo" -ge "$attacks" ] ||
	fail "phase 1: $attacks attacks on the primary but $corrupt_fo corrupt failovers"
[ "$absorbed" -ge 1 ] || fail "phase 1: no SIGBUS absorbed (shrink0 rounds: $shr0)"
[ "$rebuilt" -ge "$attacks" ] || fail "phase 1: $attacks attacks, $rebuilt segments rebuilt"
[ "$lost" = 0 ] || fail "phase 1: lost $lost samples"
[ "$under" = 0 ] || fail "phase 1: $under underruns"
sanitizer_clean "$TMP/p1.log" || fail "phase 1: sanitizer report: $(grep -m3 -e Sanitizer -e 'runtime error' "$TMP/p1.log")"
grep -q 'segment cut under' "$TMP/p1.log" && grep -m1 'segment cut under' "$TMP/p1.log" | sed 's/^/  /'
ok "phase 1: $attacks attacks (scribble $scrib, shrink0 $shr0, shrinkhalf $shrh): fenced $fenced, corrupt failovers $corrupt_fo, SIGBUS absorbed in $absorbed, segments rebuilt $rebuilt; lost $lost, underruns $under, rescued $rescued, bad blocks $bad"
check_wav "$TMP/p1.wav" "phase 1"
# An attacker exits when its replica does; give it a moment to notice.
for p in $(cat "$CHAOS_PIDS" 2>/dev/null); do
	wait_until 2 sh -c "[ ! -d /proc/$p ] || grep -q '^State:.*Z' /proc/$p/status" ||
		{ fail "attacker $p outlived its replica"; kill -KILL "$p" 2>/dev/null; }
done
unset CHAOS_REPLICA CHAOS_MODE CHAOS_LOG CHAOS_PIDS CHAOS_STOP CHAOS_DELAY_MS CHAOS_UNTIL

# --- phase 2: stray writes from outside -------------------------------------
write_conf "[sink]" "type = wav" "path = $TMP/p2.wav" "[source]" "frequency = $FREQ"
start_daemon
jctl record "$TMP/tap.wav" -d $((SECS2 - 2)) > "$TMP/record.out" 2> "$TMP/record.err" &
RPID=$!
wait_until 5 grep -q "tap: segments passed" "$DLOG" || fail "record did not open its tap"
CHAOS_DAEMON_PID=$DPID "$CHAOS" stray "$GROUP" "$SECS2" > "$TMP/stray.out" 2>&1 || fail "stray writer: $(cat "$TMP/stray.out")"
kill -0 "$DPID" 2>/dev/null || die "the daemon died under stray writes"
rc=0
wait "$RPID" || rc=$?
[ "$rc" = 0 ] || fail "record exited $rc: $(cat "$TMP/record.err")"
tap_first=$(jq .first_seq "$TMP/record.out"); tap_missed=$(jq .missed "$TMP/record.out")
tap_blocks=$(jq .blocks "$TMP/record.out")
# A tap that falls behind (a loaded machine, a sanitizer build) writes
# silence for what it missed: that is taps.sh's business; here what matters
# is that it never recorded a corrupt block.
[ "$tap_missed" -le 10 ] || fail "the tap missed $tap_missed blocks"
wait_until 10 all_ready || fail "phase 2: replicas not all ready at the end"
stats=$(jctl stats)
lost=$(echo "$stats" | jq .sink.lost_samples); under=$(echo "$stats" | jq .sink.underruns)
rescued=$(echo "$stats" | jq .sink.rescued); bad=$(echo "$stats" | jq .sink.bad_blocks)
played=$(echo "$stats" | jq .sink.played); fo=$(st .failovers.count)
stop_daemon
[ "$lost" = 0 ] || fail "phase 2: lost $lost samples"
[ "$under" = 0 ] || fail "phase 2: $under underruns"
[ "$bad" -ge 1 ] || fail "phase 2: no block failed its checksum: the stray writes missed?"
[ "$rescued" -ge 1 ] || fail "phase 2: nothing rescued from a standby"
sanitizer_clean "$DLOG" || fail "phase 2: sanitizer report: $(grep -m3 -e Sanitizer -e 'runtime error' "$DLOG")"
cat "$TMP/stray.out"
check_wav "$TMP/p2.wav" "phase 2"
check_wav "$TMP/tap.wav" "phase 2 tap ($tap_blocks blocks from block $tap_first, missed $tap_missed)" \
	"$tap_first" "$tap_missed"
ok "phase 2: $played blocks played; rescued from a standby: $rescued; failed their checksum: $bad; failovers: $fo; lost samples: $lost"
finish
