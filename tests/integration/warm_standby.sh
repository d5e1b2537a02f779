#!/bin/sh
# Warm standby: the standby only heartbeats until promoted. Kill the
# primary; the new primary renders from the sink's position. The gap is
# measured (failover record and sink counters) and reported; audio resumes.
. "$(dirname "$0")/lib.sh"

write_conf "standby = warm"
start_daemon
[ "$(st .stream.standby)" = warm ] || fail "standby mode $(st .stream.standby)"
blocks=$(jctl stats | jq '.replicas[1].blocks')
[ "$blocks" = 0 ] || fail "warm standby rendered $blocks blocks before promotion"
jctl kill-primary >/dev/null || die "kill-primary failed"
wait_until 5 sh -c "[ \"\$($RTAUDIOCTL -s $SOCK --json status | jq -r .failovers.last.settled)\" = true ]" ||
	die "failover never settled"
lost=$(st .failovers.last.lost_samples)
ok "warm failover: detect $(st .failovers.last.detect_us) us, lost $lost samples, rescued $(st .failovers.last.rescued) blocks"
[ "$lost" -ge 0 ] 2>/dev/null || fail "gap not reported: $lost"
u1=$(st .sink.underruns); sleep 0.3; u2=$(st .sink.underruns)
[ "$u1" = "$u2" ] || fail "underruns still growing after failover ($u1 -> $u2)"
[ "$(st .primary)" = 1 ] || fail "primary $(st .primary)"
finish
