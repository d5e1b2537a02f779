#!/bin/sh
# The sync check: two hot replicas are identical (status says since which
# block, a failover record says identical), until one turns
# non-deterministic on cue (the liar renderer's nondet: a pid-seeded offset in
# one sample per block, valid content, valid CRC). Within a second of the
# first such block being played status shows it diverged, stats count it,
# a `diverged` event is emitted, and the failover to it is recorded as not
# identical.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lie_lib.sh"

liar_conf "1:nondet:$LIE_FROM" "replicas = 2" "[sink]" "type = wav" "path = $TMP/out.wav"
start_daemon
[ "$(st .sink.seq)" -lt $((LIE_FROM - 150)) ] || skip "start-up took too long to cue the lie"
"$RTAUDIOCTL" -s "$SOCK" --json events > "$TMP/events.txt" 2>/dev/null & epid=$!

# Before the cue: a failover from 0 to 1 finds 1 identical.
make_primary 0 || die "slot 0 is not the primary"
wait_until 5 sh -c "[ \"\$($RTAUDIOCTL -s $SOCK --json status | jq -r '.replicas[1].sync.state')\" = identical ]" ||
	die "standby 1 never identical: $(jctl status | jq -c '.replicas[1].sync')"
since=$(st '.replicas[1].sync.since')
[ "$since" != null ] || fail "identical but since no block"
reply=$(kill_primary) || die "kill-primary: $reply"
wait_until 5 settled || fail "the failover did not settle"
[ "$(st .failovers.last.identical)" = true ] || fail "failover before the cue: $(jctl status | jq -c .failovers.last)"
ok "before the cue: 1 identical since block $since, failover 0 -> 1 identical"
wait_until 10 all_ready || die "slot 0 did not come back"
note_pids

# The cue: 1 (now the primary) renders its own bits from block LIE_FROM on;
# slot 0 is the standby compared with it.
# From the first lying block played (seq LIE_FROM) to status saying so.
wait_until 10 seq_past $((LIE_FROM - 20)) || die "the stream did not reach the cue"
diverged() { [ "$(st '.replicas[0].sync.state')" = diverged ]; }
wait_until 5 diverged || fail "standby 0 not diverged: $(jctl status | jq -c '.replicas[0].sync')"
# An upper bound: the blocks played since the cue when the state was read.
s1=$(st .sink.seq)
ms=$(( (s1 - LIE_FROM) * 5333 / 1000 ))
[ "$(st '.replicas[0].sync.last_diverged')" -ge "$LIE_FROM" ] || fail "diverged before the cue"
[ "$ms" -le 1000 ] || fail "diverged shown $ms ms after the cue (> 1 s)"
d=$(jctl stats | jq '.replicas[0].diverged')
[ "$d" -ge 1 ] || fail "stats: diverged $d"
wait_until 3 grep -q '"event":"diverged"' "$TMP/events.txt" || fail "no diverged event"
kill "$epid" 2>/dev/null; wait "$epid" 2>/dev/null

reply=$(kill_primary) || die "kill-primary: $reply"
wait_until 5 settled || fail "the failover did not settle"
rec=$(jctl status | jq -c .failovers.last)
[ "$(echo "$rec" | jq .identical)" = false ] || fail "failover to a diverged standby: $rec"
[ "$(echo "$rec" | jq -r .sync)" = diverged ] || fail "failover record sync: $rec"
ok "after the cue: diverged shown within $ms ms, $d blocks counted, failover recorded $(echo "$rec" | jq -c '{from, to, identical, sync}')"
finish
