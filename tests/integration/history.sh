#!/bin/sh
# history.sh - `rtaudioctl history`: the last failover records, oldest first,
# whose losses add up to the sink's lost_samples when failovers caused all
# the loss. The case that under-counted: kill-primary, then at once
# kill-primary force (the only replica left), which leaves a gap until a
# respawned replica plays: that whole gap is the forced failover's.
. "$(dirname "$0")/lib.sh"

write_conf
start_daemon
out=$(ctl history) || fail "history with no failover: $out"
[ "$out" = "No failovers." ] || fail "history with no failover printed '$out'"
jctl history | jq -e '.ok and .count == 0 and (.failovers | length) == 0' >/dev/null ||
	fail "history --json with no failover: $(jctl history)"

kill_primary >/dev/null || fail "kill-primary"
r=$(jctl kill-primary force) || fail "kill-primary force: $r"
# Audio back: a primary again, all replicas up, the last record final.
wait_until 20 all_ready || fail "replicas not back"
note_pids
wait_until 20 settled || fail "last record never settled"
h=$(jctl history)
n=$(echo "$h" | jq '.failovers | length')
sum=$(echo "$h" | jq '[.failovers[].lost_samples] | add')
lost=$(st .sink.lost_samples)
[ "$n" -ge 2 ] || fail "history holds $n records, want at least 2: $h"
[ "$sum" = "$lost" ] || fail "records add up to $sum samples, the sink lost $lost: $h"
[ "$lost" -gt 0 ] || fail "a forced kill of the only replica lost nothing: not the case tested"
echo "$h" | jq -e '[.failovers[].time_ms] as $t | $t == ($t | sort)' >/dev/null ||
	fail "records not oldest first: $h"
echo "$h" | jq -e 'all(.failovers[]; .settled)' >/dev/null || fail "a record is not final: $h"
[ "$(echo "$h" | jq -c '.failovers[-1]')" = "$(jctl status | jq -c .failovers.last)" ] ||
	fail "status's last record is not history's last"
ctl history | tail -n 1 | grep -q "^$n records of $(echo "$h" | jq .count) failovers, $lost samples lost in all$" ||
	fail "rtaudioctl history's last line: $(ctl history | tail -n 1)"
grep -q "replica [0-9] (pid [0-9]*) killed by SIGKILL" "$DLOG" || fail "the log does not name the signal: $(grep "killed by" "$DLOG" | head -n 1)"
ok "$n records add up to the sink's $lost lost samples: $(echo "$h" | jq -c '[.failovers[] | {reason, lost_samples}]')"
finish
