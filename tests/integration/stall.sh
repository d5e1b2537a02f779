#!/bin/sh
# Stall: SIGSTOP the primary. The watchdog must fail over with reason
# "stall" within stall_periods + 1 periods of the last sign of life, lose
# no sample (hot standby), fence the stopped process and respawn the slot.
. "$(dirname "$0")/lib.sh"

write_conf
start_daemon
pid=$(st '.replicas[.primary].pid')  # the primary in force, 0 unless it already moved
period=$(st .stream.period_ns)
kill -STOP "$pid"
wait_until 5 sh -c "[ \$($RTAUDIOCTL -s $SOCK --json status | jq .failovers.count) -ge 1 ]" ||
	die "no failover after SIGSTOP"
[ "$(st .failovers.last.reason)" = stall ] || fail "reason $(st .failovers.last.reason)"
det=$(st .failovers.last.detect_us)
# stall_periods (2) + 1 periods, plus the 1 ms watchdog tick.
limit=$(( (3 * period) / 1000 + 1000 ))
[ "$det" -le "$limit" ] || fail "stall detected after $det us (limit $limit us)"
ok "stall detected in $det us (limit $limit us)"
wait_until 5 settled
[ "$(st .failovers.last.lost_samples)" = 0 ] || fail "lost $(st .failovers.last.lost_samples)"
wait_until 3 sh -c "! [ -d /proc/$pid ] || grep -q '^State:.*Z' /proc/$pid/status" ||
	fail "stopped primary $pid was not fenced"
wait_until 10 all_ready || fail "slot 0 not respawned"
ok "fenced pid $pid, slot respawned, lost 0"
finish
