#!/bin/sh
# hostile.sh - a renderer that misbehaves on cue can break only itself.
#
# Every replica is tests/integration/hostile (a renderer on the SDK, linking
# the same runtime: a sine like the built-in one), hot standby, two replicas,
# a WAV sink. Replica 0 is made primary, then at block $AT it does what the
# case says (hostile.c lists the modes). For each case: the daemon survives,
# the sink loses no sample and has no underrun, the recording is a
# continuous sine (sinecheck), the attempt is refused or contained, and it
# is reported: a failover record of reason sandbox (a forbidden system call:
# SIGSYS) or stall, the daemon's word that it gave up on a life lock the
# replica keeps waking, or the renderer's own "refused" line where an attempt is
# refused by what lies under the seccomp filter ([group] sandbox = off: no
# segment has a name, the daemon's /proc is another user's, the group
# mapping cannot be made writable, a replica cannot signal the daemon).
# Prints one line per case with what happened.
#
# Skips where the sandbox cannot run: no seccomp in this build, or under
# ASan (the runtime leaves its filters off there), or not root (the cases
# rely on replicas running as replica_user).
. "$(dirname "$0")/lib.sh"

: "${HOSTILE:=${top_builddir:-.}/tests/integration/hostile}"
: "${SINECHECK:?}"
[ -x "$HOSTILE" ] || die "no hostile renderer at $HOSTILE"
"$RTAUDIOD" -V | grep -q seccomp || skip "rtaudiod built without libseccomp"
sanitized && skip "the sandbox's filters are off under ASan"
[ "$(id -u)" -eq 0 ] || skip "needs root (replicas as replica_user)"
AT=300   # 1.6 s at 256 frames / 48 kHz: after start-up and the role swap
CASES=0

hostile_lines() { grep "hostile: $1:" "$DLOG" | grep -v trying | sed 's/^rtaudiod: //; s/^hostile: [a-z_]*: //' | tr '\n' ';'; }

# primary_is_0: make replica 0 (the one that misbehaves) the primary.
primary_is_0() {
	[ "$(st .primary)" = 0 ] && return 0
	jctl failover > /dev/null 2>&1
	[ "$(st .primary)" = 0 ]
}

# run_case SANDBOX EXPECT MODE [config lines...]
# EXPECT: sandbox | stall | crash (a failover of that reason), or
# refused:N (N "refused" lines from the renderer and no failover from it),
# or life (see below).
run_case() {
	sb=$1 expect=$2 mode=$3; shift 3
	CASES=$((CASES + 1))
	DLOG="$TMP/$mode-$sb.log"
	rm -f "$TMP/written"
	# preroll = 0: a respawned replica starts at the sink's position, past
	# the cue's window; with a pre-roll it would render the window again
	# (as a misbehaving plugin would) and crash-loop, which is not the case
	# under test here.
	REPLICA=$HOSTILE write_conf "sandbox = $sb" "preroll = 0" "$@" \
		"[sink]" "type = wav" "path = $TMP/out.wav" \
		"[source]" "mode = $mode" "index = 0" "at = $AT" "group = $GROUP" \
		"socket = $SOCK" "path = $TMP/written" "frequency = 440"
	start_daemon
	wait_until 5 primary_is_0 || { fail "$mode: replica 0 never became primary"; }
	[ "$(st .sink.seq)" -lt "$AT" ] || fail "$mode: too slow to start: past block $AT already"
	pid0=$(st '.replicas[0].pid')
	case $expect in
	refused:*)
		n=${expect#refused:}
		wait_until 10 sh -c "[ \$(grep -c 'hostile: $mode: .*refused' '$DLOG') -ge $n ]" ||
			fail "$mode ($sb): not $n refusals: $(hostile_lines "$mode")"
		sleep 0.3
		# The test's own hand-over to make 0 primary is no failover of the case.
		c=$(grep 'failover (' "$DLOG" | grep -vc 'failover (manual)')
		s=$(grep -c 'failover (stall)' "$DLOG")
		[ "$c" = "$s" ] || fail "$mode ($sb): a failover: $(grep 'failover (' "$DLOG")"
		[ "$(st '.replicas[0].pid')" = "$pid0" ] || [ "$s" != 0 ] ||
			fail "$mode ($sb): replica 0 was replaced"
		got="refused, still rendering"
		;;
	life)
		# It wakes the word the daemon's real-time watcher sleeps on: the
		# watcher gives up on that life lock after a few wakes (so the
		# replica woke a waiter only those few times of its 100000), says
		# so once, and the replica, otherwise honest, stays primary; its
		# death is then heard at the reap.
		wait_until 20 grep -q "hostile: $mode: .*DONE" "$DLOG" ||
			fail "$mode ($sb): never finished: $(hostile_lines "$mode")"
		woken=$(sed -n "s/.*hostile: $mode: .*DONE (\([0-9]*\)).*/\1/p" "$DLOG")
		[ "${woken:-99999}" -le 64 ] || fail "$mode ($sb): it woke the watcher $woken times"
		wait_until 5 grep -q "keeps waking its own life lock" "$DLOG" ||
			fail "$mode ($sb): the daemon did not say it gave up on the life lock"
		c=$(grep 'failover (' "$DLOG" | grep -vc 'failover (manual)')
		[ "$c" = 0 ] || fail "$mode ($sb): a failover: $(grep 'failover (' "$DLOG")"
		[ "$(st '.replicas[0].pid')" = "$pid0" ] || fail "$mode ($sb): replica 0 was replaced"
		kill -KILL "$pid0"
		wait_until 10 grep -q "failover (crash)" "$DLOG" ||
			fail "$mode ($sb): no failover (crash) after SIGKILL: $(grep 'failover (' "$DLOG")"
		wait_until 10 all_ready || fail "$mode ($sb): slot not respawned"
		wait_until 5 settled || fail "$mode ($sb): failover not settled"
		got="woke the watcher $woken times, life lock given up on; then SIGKILL: failover $(st '.failovers.last | "(\(.reason)) \(.from) -> \(.to), detected in \(.detect_us) us"')"
		;;
	sandbox)
		# The death itself; a failover of reason sandbox if replica 0 was
		# still primary then (a loaded machine may have failed it over
		# for a stall just before: then it died a standby, no failover).
		# Slot 0's process: the first one, or its successor when a loaded
		# machine had the first fenced for a stall before the cue.
		wait_until 10 grep -q "replica 0 (pid [0-9]*) killed by the sandbox" "$DLOG" ||
			fail "$mode ($sb): not killed by the sandbox: $(grep -e 'failover (' -e killed "$DLOG")"
		grep -q "failover (sandbox)" "$DLOG" || grep -q "failover (stall): primary 0 " "$DLOG" ||
			fail "$mode ($sb): primary killed by the sandbox without a failover (sandbox)"
		wait_until 10 all_ready || fail "$mode ($sb): slot not respawned"
		wait_until 5 settled || fail "$mode ($sb): failover not settled"
		got="killed by the sandbox (SIGSYS), failover $(st '.failovers.last | "(\(.reason)) \(.from) -> \(.to), detected in \(.detect_us) us"')"
		;;
	*)
		wait_until 10 grep -q "failover ($expect)" "$DLOG" ||
			fail "$mode ($sb): no failover ($expect): $(grep -e 'failover (' -e killed "$DLOG")"
		wait_until 10 all_ready || fail "$mode ($sb): slot not respawned"
		wait_until 5 settled || fail "$mode ($sb): failover not settled"
		got="failover ($expect) $(st '.failovers.last | "\(.from) -> \(.to), detected in \(.detect_us) us"')"
		;;
	esac
	if [ "$mode" = stop ]; then
		# Resumed later: it must not be primary again (it was fenced: gone).
		kill -CONT "$pid0" 2>/dev/null
		sleep 0.2
		alive_pid "$pid0" && fail "stop: the stopped replica $pid0 is still alive"
		[ "$(st .primary)" = 1 ] || fail "stop: primary is $(st .primary) after SIGCONT"
		[ "$(st '.replicas[0].role')" = standby ] || fail "stop: slot 0 is $(st '.replicas[0].role')"
		got="$got; SIGCONT to $pid0: gone, primary stays 1, slot 0 standby"
	fi
	if ! grep -q "hostile: $mode: trying" "$DLOG"; then
		# A stall nobody caused (this kernel's wake-ups reach 10-20 ms
		# late) fenced replica 0 before block $AT, and its successor
		# starts past the cue: the case did not run. Once more, then it
		# is a failure.
		if [ -z "${AGAIN:-}" ] && grep -q "failover (stall): primary 0 " "$DLOG"; then
			echo "case $mode (sandbox $sb): a host stall fenced replica 0 before its cue; running it again"
			note_pids; stop_daemon; CASES=$((CASES - 1))
			AGAIN=1 run_case "$sb" "$expect" "$mode" "$@"
			AGAIN=
			return 0
		fi
		fail "$mode ($sb): the renderer never got its cue"
	fi
	[ "$mode:$sb" != proc_fd:off ] || grep -q ': 0 opened' "$DLOG" ||
		fail "proc_fd ($sb): opened the daemon's descriptors: $(hostile_lines proc_fd)"
	[ ! -e "$TMP/written" ] || fail "$mode ($sb): the file was written"
	kill -0 "$DPID" 2>/dev/null || die "$mode ($sb): the daemon died"
	lost=$(st .sink.lost_samples); under=$(st .sink.underruns)
	[ "$lost" = 0 ] || fail "$mode ($sb): lost $lost samples"
	[ "$under" = 0 ] || fail "$mode ($sb): $under underruns"
	note_pids
	stop_daemon
	"$SINECHECK" "$TMP/out.wav" 440 1 > /dev/null || fail "$mode ($sb): not a continuous sine"
	said=$(hostile_lines "$mode")
	echo "case $mode (sandbox $sb): $got; lost $lost; renderer said: ${said:-(tried; killed before any result)}"
}

t0=$(date +%s)
# The layers under the filter, with the filter off.
run_case off refused:2 shm_name
run_case off refused:2 proc_fd
run_case off refused:1 kill_daemon
# The filter: each of these calls kills the replica (SIGSYS).
for m in shm_name proc_fd connect write_file socket fork exec kill_daemon; do
	run_case strict sandbox "$m"
done
# Limits: the address space (and the locked-memory bound) refuses it.
run_case strict refused:1 alloc "replica_max_memory_mb = 256"
grep -q 'allocation refused' "$DLOG" || fail "alloc: no refusal reported"
# Waking the daemon's real-time watcher: given up on, not obeyed.
run_case strict life life_wake
# No heartbeat: the watchdog fences it.
run_case strict stall spin
run_case strict stall stop
echo "$CASES cases in $(( $(date +%s) - t0 )) s"
finish
