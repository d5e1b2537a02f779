#!/bin/sh
# Warm standby: the standby only heartbeats until promoted, and not each
# period: its loop wakes about every LAYOUT_WARM_BEAT_NS (10 ms) on the
# group's bell, and its stall limit is the stall limit plus that beat
# (lib/layout.h). Kill the primary; the new primary renders from the
# sink's position. The gap is measured (failover record and sink counters)
# and reported; audio resumes. Then the respawned slot is a warm standby
# again: its wake-ups are counted, and a SIGSTOP of it is a stall seen no
# sooner than its own limit, fenced and respawned, with no sample lost.
. "$(dirname "$0")/lib.sh"

WARM_BEAT_US=10000  # lib/layout.h LAYOUT_WARM_BEAT_NS

# wakes I: slot I's loop wake-ups so far (ring or bell, and time-outs)
wakes() { jctl stats | jq --argjson i "$1" '.replicas[$i] | .timeouts + .wakeups'; }

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

# The old primary's slot, respawned: a warm standby again.
wait_until 20 all_ready || die "slot $p not ready again after its respawn"
[ "$(st ".replicas[$p].role")" = standby ] || die "slot $p is $(st ".replicas[$p].role") after its respawn"
wpid=$(st ".replicas[$p].pid")
period=$(st .stream.period_ns)
w0=$(wakes "$p"); sleep 2; w1=$(wakes "$p")
if [ "$(st ".replicas[$p].pid")" != "$wpid" ]; then
	echo "the standby was replaced during the count (a host stall): wake-ups not checked"
else
	n=$((w1 - w0)); periods=$((2000000000 / period))
	# About 200 in 2 s; a loop woken each period would show $periods.
	[ "$n" -ge 100 ] && [ "$n" -le $((2000000 / WARM_BEAT_US * 13 / 10)) ] ||
		fail "the warm standby's loop woke $n times in 2 s (about $((2000000 / WARM_BEAT_US)) expected, $periods periods)"
	ok "the warm standby's loop woke $n times in 2 s, over $periods periods"
fi
lost0=$(st .sink.lost_samples)
kill -STOP "$wpid"
gone() { [ "$(st ".replicas[$p].pid")" != "$wpid" ]; }
wait_until 5 gone || fail "the stopped warm standby (pid $wpid) was never replaced"
kill -CONT "$wpid" 2> /dev/null
seen=$(grep -o "standby [0-9]* (pid $wpid) late by [0-9]* us\|replica [0-9]* (pid $wpid) stalled: no heartbeat for [0-9]* us" "$DLOG" | head -n 1)
age=$(echo "$seen" | grep -o "[0-9]* us" | tr -dc 0-9)
[ -n "$age" ] || fail "no stall of the warm standby (pid $wpid) in the log"
# Its limit is the stall limit (stall_periods 2 at 256 frames, the
# defaults) plus the warm beat: never judged before that.
limit_us=$((2 * period / 1000 + WARM_BEAT_US))
[ -z "$age" ] || [ "$age" -ge "$limit_us" ] ||
	fail "the warm standby was judged after $age us, under its limit of $limit_us us"
[ "$(st .sink.lost_samples)" = "$lost0" ] || fail "samples lost when the warm standby stalled"
[ "$(st .primary)" = "$sb" ] || fail "primary $(st .primary) after a standby's stall, expected $sb"
ok "stopped warm standby seen: $seen (limit $limit_us us); replaced, 0 samples lost"
finish
