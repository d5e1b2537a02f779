#!/bin/sh
# Warm standby: the standby only heartbeats until promoted. Kill the
# primary; the new primary renders from the sink's position. The gap is
# measured (failover record and sink counters) and reported; audio resumes.
. "$(dirname "$0")/lib.sh"

write_conf "standby = warm"
start_daemon
[ "$(st .stream.standby)" = warm ] || fail "standby mode $(st .stream.standby)"
# Whichever replica said READY first is primary; the test is relative to it.
p=$(st .primary)
case "$p" in 0) sb=1 ;; 1) sb=0 ;; *) die "no primary: $p" ;; esac
[ "$(st ".replicas[$sb].role")" = standby ] || fail "replica $sb is $(st ".replicas[$sb].role"), not standby"
blocks=$(jctl stats | jq ".replicas[$sb].blocks")
[ "$blocks" = 0 ] || fail "warm standby $sb rendered $blocks blocks before promotion"
kill_primary >/dev/null || die "kill-primary failed"
wait_until 5 settled ||
	die "failover never settled"
lost=$(st .failovers.last.lost_samples)
ok "warm failover: detect $(st .failovers.last.detect_us) us, lost $lost samples, rescued $(st .failovers.last.rescued) blocks"
# The gap is the record's, all of it: it equals the sink's lost samples (the
# run's only failover), whatever its size.
[ "$lost" = "$(st .sink.lost_samples)" ] ||
	fail "the record says $lost samples lost, the sink $(st .sink.lost_samples)"
[ "$(jctl history | jq '.failovers | length')" = 1 ] || fail "history: $(jctl history)"
u1=$(st .sink.underruns); sleep 0.3; u2=$(st .sink.underruns)
[ "$u1" = "$u2" ] || fail "underruns still growing after failover ($u1 -> $u2)"
[ "$(st .primary)" = "$sb" ] || fail "primary $(st .primary), expected the standby $sb"
b1=$(jctl stats | jq ".replicas[$sb].blocks"); sleep 0.2; b2=$(jctl stats | jq ".replicas[$sb].blocks")
[ "$b2" -gt "$b1" ] || fail "promoted replica $sb is not rendering ($b1 -> $b2 blocks)"
ok "standby $sb promoted and rendering ($b1 -> $b2 blocks)"
finish
