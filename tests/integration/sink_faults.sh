#!/bin/sh
# sink_faults.sh - rtaudiod follows its own real-time rules: its memory is
# locked (VmLck in /proc/PID/status, "mlocked" in status) and its SCHED_FIFO
# sink thread ("rtaudiod-sink", found by name) takes no page fault in steady
# playing at 64 frames: minflt and majflt from /proc/PID/task/TID/stat over
# SINK_FAULT_SECONDS (default 10) must not move, before, across and after a
# respawn (a kill of the primary), nor does any other thread of the daemon
# but the loop thread across the respawn: replicas are started without
# copying the address space (daemon/spawn_clone.h), and where they are
# forked instead (no pidfds) the pages the sink thread writes (its stack,
# lib/rtthread.c; its state, rtprio_rt_alloc) are left out of the fork.
# Also prints the loop and sink threads' CPU (utime+stime), and traces the
# sink thread (strace) over a standby's stall: clock and futex calls only.
# SKIP with the reason when the daemon may not lock its memory
# (RLIMIT_MEMLOCK, no CAP_IPC_LOCK) and faults were seen.
. "$(dirname "$0")/lib.sh"

SECS=${SINK_FAULT_SECONDS:-10}
HZ=$(getconf CLK_TCK)

write_conf "[stream]" "frames = 64"
start_daemon
TID=""
for t in /proc/"$DPID"/task/*; do
	[ "$(cat "$t/comm" 2>/dev/null)" = rtaudiod-sink ] && TID=$(basename "$t")
done
[ -n "$TID" ] || die "no thread named rtaudiod-sink in the daemon (pid $DPID)"
ok "sink thread $TID: $(awk '/^policy|^prio/ {printf "%s %s ", $1, $3}' "/proc/$DPID/task/$TID/sched")"

rt=$(st .sink.rt)
mlocked=$(st .sink.mlocked)
case "$rt" in
*fifo/*)
	# One above the replicas: a replica's pre-roll burst at its own priority
	# must not hold the sink back (equal SCHED_FIFO priorities never preempt).
	sp=$(echo "$rt" | sed -n 's|.*fifo/\([0-9]*\).*|\1|p')
	rp=$(st '.replicas[0].rt' | sed -n 's|.*fifo/\([0-9]*\).*|\1|p')
	if [ -n "$rp" ]; then
		[ "$sp" = $((rp + 1)) ] || fail "sink at fifo/$sp, replicas at fifo/$rp: the sink must be one above"
		ok "sink at fifo/$sp, one above the replicas (fifo/$rp)"
	fi ;;
*) echo "note: sink not SCHED_FIFO here: $rt" ;;
esac
# The watcher (life locks, stalls) runs at the sink's priority, above the
# replicas: at SCHED_OTHER it waits behind a dying replica's teardown.
WTID=""
for t in /proc/"$DPID"/task/*; do
	[ "$(cat "$t/comm" 2>/dev/null)" = rtaudiod-watch ] && WTID=$(basename "$t")
done
[ -n "$WTID" ] || die "no thread named rtaudiod-watch in the daemon (pid $DPID)"
sched_of() { awk '/^policy|^prio/ {printf "%s %s ", $1, $3}' "/proc/$DPID/task/$1/sched"; }
[ "$(sched_of "$WTID")" = "$(sched_of "$TID")" ] ||
	fail "watch thread: $(sched_of "$WTID"), sink thread: $(sched_of "$TID"): not the same"
ok "watch thread $WTID: $(sched_of "$WTID")(as the sink)"
vmlck=$(awk '/^VmLck:/ {print $2}' "/proc/$DPID/status")
echo "status: sink rt \"$rt\", mlocked $mlocked; VmLck $vmlck kB"
if [ "$mlocked" = true ]; then
	# ASan's shadow memory makes mlockall fail quietly there: its VmLck says nothing.
	asan_skip "VmLck" || [ "$vmlck" -ge 1024 ] || fail "status says mlocked but VmLck is $vmlck kB"
	ctl status | grep -q '^ *Sink RT: .*mlocked' || fail "human status has no 'Sink RT: ... mlocked' line"
fi

# faults TID -> "minflt majflt"; cpu TID -> utime+stime in ticks
faults() { awk '{print $10, $12}' "/proc/$DPID/task/$1/stat"; }
cpu() { awk '{print $14 + $15}' "/proc/$DPID/task/$1/stat"; }

# spawns: replicas started so far (a respawn forks the daemon)
spawns() { st '[.replicas[].restarts] | add'; }

# window LABEL: steady playing for SECS; sets MIN MAJ. A respawn that falls
# in the window (a stall nobody caused: this kernel's scheduling jitter
# reaches 10-16 ms, see tests/bench/jitter.sh) is counted and said, not
# excused: a fork costs the sink thread no fault either.
window() {
	sp0=$(spawns)
	window_once "$1"
	sp1=$(spawns)
	[ "$sp1" = "$sp0" ] || echo "$1: $((sp1 - sp0)) respawn(s) fell in the window"
}

window_once() {
	set -- "$1" $(faults "$TID") "$(cpu "$TID")" "$(cpu "$DPID")" "$(st .sink.underruns)"
	sleep "$SECS"
	set -- "$@" $(faults "$TID") "$(cpu "$TID")" "$(cpu "$DPID")" "$(st .sink.underruns)"
	MIN=$(( $7 - $2 )); MAJ=$(( $8 - $3 ))
	echo "$1: ${SECS} s at 64 frames: sink thread minflt $MIN majflt $MAJ;" \
	     "CPU sink $(awk -v t=$(( $9 - $4 )) -v s="$SECS" -v hz="$HZ" 'BEGIN {printf "%.2f", 100 * t / hz / s}')%," \
	     "loop $(awk -v t=$(( ${10} - $5 )) -v s="$SECS" -v hz="$HZ" 'BEGIN {printf "%.2f", 100 * t / hz / s}')% of a core;" \
	     "underruns $(( ${11} - $6 ))"
}

check_window() {
	if [ "$MIN" -ne 0 ] || [ "$MAJ" -ne 0 ]; then
		# ASan writes the shadow of every stack frame it enters: private
		# pages a fork write-protects, outside anything we can keep from it.
		asan_skip "$1: $MIN minor faults (ASan's stack shadow)" && return 0
		[ "$mlocked" = true ] ||
			skip "$1: $MIN minor / $MAJ major faults, and mlockall was not permitted: $rt (RLIMIT_MEMLOCK $(ulimit -l))"
		fail "$1: the sink thread took $MIN minor and $MAJ major page faults in steady state"
	else
		ok "$1: no page fault in the sink thread"
	fi
}

sleep 1  # the standby's start-up is not steady state
window "steady"
check_window "steady"

# all_faults: "TID COMM minflt+majflt" for each of the daemon's threads.
all_faults() {
	for t in /proc/"$DPID"/task/*; do
		echo "${t##*/} $(cat "$t/comm" 2>/dev/null) $(awk '{print $10 + $12}' "$t/stat" 2>/dev/null)"
	done
}
before=$(faults "$TID")
all_faults > "$TMP/faults.before"
kill_primary > /dev/null || die "kill-primary failed"
# 20 s: on a loaded host a false stall may replace a slot again meanwhile.
wait_until 20 all_ready || die "the killed slot did not come back"
sleep 1
all_faults > "$TMP/faults.after"
# Every thread but the loop thread (which runs the spawn): none touches a
# page the spawn could have write-protected. With fork (uv_spawn) the
# watch thread took 2 faults here at each respawn, and in pipewire.sh the
# JACK process thread 7 and pipewire-alsa's real-time threads 17-24
# (2026-12-07); spawn_clone shares the address space instead.
others=$(awk -v loop="$DPID" 'NR == FNR { n[$1] = $3; next }
	$1 != loop && ($1 in n) && $3 != n[$1] { printf "%s %s: %d; ", $2, $1, $3 - n[$1] }' \
	"$TMP/faults.before" "$TMP/faults.after")
if [ -z "$others" ]; then
	ok "across the respawn: no page fault in any of the daemon's $(wc -l < "$TMP/faults.after") threads but the loop's"
elif [ "$(uname -s)" = Linux ] && ! awk -F. '{ exit !($1 > 5 || ($1 == 5 && $2 >= 3)) }' /proc/sys/kernel/osrelease; then
	part_skip "across the respawn: faults in $others but Linux $(uname -r) has no pidfds: replicas are forked"
else
	asan_skip "across the respawn: faults in $others (ASan's stack shadow)" ||
	fail "across the respawn: page faults in threads other than the loop's: $others"
fi
set -- $before $(faults "$TID")
if [ $(( $3 - $1 + $4 - $2 )) -eq 0 ]; then
	ok "across the respawn: no page fault in the sink thread"
else
	[ "$mlocked" = true ] || skip "across the respawn: $(( $3 - $1 )) minor faults, and mlockall was not permitted: $rt"
	asan_skip "across the respawn: $(( $3 - $1 )) minor faults (ASan's stack shadow)" ||
	fail "across the respawn: the sink thread took $(( $3 - $1 )) minor and $(( $4 - $2 )) major page faults (the fork of a spawn write-protected a page it writes)"
fi
note_pids
window "after a respawn"
check_window "after a respawn"

# The sink thread's system calls while it rings the supervisor's doorbell
# (daemon/watch.h) for a stalled standby: clock and futex calls only, and
# the stall is seen within a few periods of the limit.
if ! command -v strace > /dev/null 2>&1; then
	part_skip "strace is not installed: sink thread syscall check not run"
else
	# A standby that is up: a host stall may have just had one replaced.
	wait_until 20 all_ready || die "no ready standby to stall"
	sb=$(st '.replicas[] | select(.role == "standby") | .pid' | head -n 1)
	[ -n "$sb" ] || die "no standby to stall"
	timeout -s INT 2 strace -p "$TID" -o "$TMP/sink.trace" 2> /dev/null &
	SPID=$!
	sleep 0.7
	kill -STOP "$sb"; sleep 0.1; kill -CONT "$sb" 2> /dev/null  # killed by then, as a stalled standby
	wait "$SPID"
	late=$(grep -o "standby [0-9]* (pid $sb) late by [0-9]* us\|replica [0-9]* (pid $sb) stalled: no heartbeat for [0-9]* us" "$DLOG" | head -n 1)
	[ -n "$late" ] || fail "the stalled standby (pid $sb) was not seen while the sink thread was traced"
	rt_syscalls "$TMP/sink.trace" "sink thread (2 s)" 100 > "$TMP/sink.out" && ok "$(cat "$TMP/sink.out"), only clock and futex calls; seen: $late" ||
		fail "$(cat "$TMP/sink.out")"
fi
finish
