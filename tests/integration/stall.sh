#!/bin/sh
# Stall: SIGSTOP the primary, at 256 frames and at 64. The watchdog must
# fail over with reason "stall" from that very slot (a start-up stall of
# another does not count), lose no sample (hot standby), fence the stopped
# process and respawn the slot. The detection time is printed against its
# goal (the stall limit + 1 period of the last sign of life, + 1 ms); only a
# bound 10x the goal is asserted, since a loaded 2-core machine wakes the
# watchdog late now and then (jitter.sh measures by how much). The loop
# thread, raised to SCHED_FIFO to act on the stall, must be back at
# SCHED_OTHER after it.
# First, the heartbeat cadence the limit counts on (lib/layout.h): over 2 s
# of playing, the primary's loop wakes on a time-out about once a period at
# 256 frames (a beat half a period after each ring) and hardly ever at 64
# frames (the ring is its only beat; the limit is half a period longer).
. "$(dirname "$0")/lib.sh"

ONE_BEAT_NS=1500000  # lib/layout.h LAYOUT_ONE_BEAT_NS: one beat a period at or below

# cadence FRAMES PERIOD T0 W0 T1 W1: the primary's time-outs and ring wakes
# over 2 s, against the cadence its period calls for.
cadence() {
	per=$(awk -v t=$(( $5 - $3 )) -v p="$2" 'BEGIN {printf "%.2f", t / (2e9 / p)}')
	rings=$(awk -v w=$(( $6 - $4 )) -v p="$2" 'BEGIN {printf "%.2f", w / (2e9 / p)}')
	if [ "$2" -le "$ONE_BEAT_NS" ]; then
		awk -v x="$per" 'BEGIN {exit !(x <= 0.25)}' ||
			fail "$1 frames: $per time-outs a period (one beat a period expected)"
	else
		awk -v x="$per" 'BEGIN {exit !(x >= 0.75)}' ||
			fail "$1 frames: $per time-outs a period (a beat half a period after each ring expected)"
	fi
	ok "$1 frames: the primary's loop woke $rings times a period for the ring, $per for a time-out"
}

# run FRAMES: the cadence, then the stall, at FRAMES per period.
run() {
	frames=$1
	write_conf "[stream]" "frames = $frames"
	start_daemon
	idx=$(st .primary)
	pid=$(st ".replicas[$idx].pid")
	period=$(st .stream.period_ns)
	counts() { jctl stats | jq -r --argjson i "$idx" '.replicas[$i] | "\(.timeouts) \(.wakeups)"'; }
	c0=$(counts); sleep 2; c1=$(counts)
	if [ "$(st ".replicas[$idx].pid")" != "$pid" ] || [ "$(st .primary)" != "$idx" ]; then
		# A stall nobody caused: the counters are another process's or role's.
		echo "$frames frames: the primary changed during the count (a host stall): cadence not checked"
		wait_until 10 all_ready || die "$frames frames: replicas not ready again"
		idx=$(st .primary); pid=$(st ".replicas[$idx].pid")
	else
		# shellcheck disable=SC2086
		cadence "$frames" "$period" $c0 $c1
	fi

	kill -STOP "$pid"
	# The record of this stall: reason stall, from the stopped slot.
	ours() { jctl history | jq -e --argjson i "$idx" \
		'[.failovers[] | select(.reason == "stall" and .from == $i)] | length == 1' >/dev/null; }
	wait_until 5 ours || die "$frames frames: no stall failover from slot $idx after SIGSTOP: $(jctl history | jq -c .failovers)"
	rec=$(jctl history | jq -c --argjson i "$idx" '[.failovers[] | select(.reason == "stall" and .from == $i)][0]')
	det=$(echo "$rec" | jq .detect_us)
	# The limit (stall_periods 2, plus half a period at one beat), one
	# period more, plus 1 ms.
	if [ "$period" -le "$ONE_BEAT_NS" ]; then limit=$(( 5 * period / 2 )); else limit=$(( 2 * period )); fi
	goal=$(( (limit + period) / 1000 + 1000 ))
	[ "$det" -le $((10 * goal)) ] || fail "$frames frames: stall detected after $det us (10x the goal of $goal us)"
	ok "$frames frames: stall of slot $idx detected in $det us (goal $goal us$( [ "$det" -le "$goal" ] && echo ", met" || echo ", missed: a late wake-up"))"
	wait_until 5 settled || fail "$frames frames: the stall's failover record never settled"
	[ "$(st .failovers.last.lost_samples)" = 0 ] || fail "$frames frames: lost $(st .failovers.last.lost_samples)"
	[ "$(st .sink.lost_samples)" = 0 ] || fail "$frames frames: the sink lost $(st .sink.lost_samples)"
	wait_until 3 sh -c "! [ -d /proc/$pid ] || grep -q '^State:.*Z' /proc/$pid/status" ||
		fail "$frames frames: stopped primary $pid was not fenced"
	wait_until 10 all_ready || fail "$frames frames: slot $idx not respawned"
	ok "$frames frames: fenced pid $pid, slot respawned, lost 0"
	# Raised to act on the stall (daemon/watch.c), the loop is given back.
	[ "$(loop_policy)" = 0 ] || fail "$frames frames: the loop thread left at policy $(loop_policy) after the stall"
	note_pids
	stop_daemon
}

run 256
run 64
finish
