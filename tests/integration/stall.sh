#!/bin/sh
# Stall: SIGSTOP the primary. The watchdog must fail over with reason
# "stall" from that very slot (a start-up stall of another does not count),
# lose no sample (hot standby), fence the stopped process and respawn the
# slot. The detection time is printed against its goal (stall_periods + 1
# periods of the last sign of life); only a bound 10x the goal is asserted,
# since a loaded 2-core machine wakes the watchdog late now and then
# (jitter.sh measures by how much).
. "$(dirname "$0")/lib.sh"

write_conf
start_daemon
idx=$(st .primary)
pid=$(st ".replicas[$idx].pid")
period=$(st .stream.period_ns)
kill -STOP "$pid"
# The record of this stall: reason stall, from the stopped slot.
ours() { jctl history | jq -e --argjson i "$idx" \
	'[.failovers[] | select(.reason == "stall" and .from == $i)] | length == 1' >/dev/null; }
wait_until 5 ours || die "no stall failover from slot $idx after SIGSTOP: $(jctl history | jq -c .failovers)"
rec=$(jctl history | jq -c --argjson i "$idx" '[.failovers[] | select(.reason == "stall" and .from == $i)][0]')
det=$(echo "$rec" | jq .detect_us)
# stall_periods (2) + 1 periods, plus the 1 ms watchdog tick.
goal=$(( (3 * period) / 1000 + 1000 ))
[ "$det" -le $((10 * goal)) ] || fail "stall detected after $det us (10x the goal of $goal us)"
ok "stall of slot $idx detected in $det us (goal $goal us$( [ "$det" -le "$goal" ] && echo ", met" || echo ", missed: a late wake-up"))"
wait_until 5 settled || fail "the stall's failover record never settled"
[ "$(st .failovers.last.lost_samples)" = 0 ] || fail "lost $(st .failovers.last.lost_samples)"
[ "$(st .sink.lost_samples)" = 0 ] || fail "the sink lost $(st .sink.lost_samples)"
wait_until 3 sh -c "! [ -d /proc/$pid ] || grep -q '^State:.*Z' /proc/$pid/status" ||
	fail "stopped primary $pid was not fenced"
wait_until 10 all_ready || fail "slot 0 not respawned"
ok "fenced pid $pid, slot respawned, lost 0"
finish
