#!/bin/sh
# The seed's scenario end to end, asserting every step: 2 replicas alive,
# gain 0.5 applied at a known block, heartbeat fresh, kill the primary, the
# standby takes over with 0 samples lost, the slot respawns, clean shutdown,
# and the WAV is valid.
. "$(dirname "$0")/lib.sh"

write_conf "[sink]" "type = wav" "path = $TMP/out.wav"
start_daemon

[ "$(st '.replicas | length')" = 2 ] || fail "expected 2 replicas"
[ "$(st '[.replicas[] | select(.alive)] | length')" = 2 ] || fail "expected 2 alive"
# Replica 0 is elected first; on a loaded machine a late heartbeat may
# already have handed over, so what follows is relative to the primary now.
p=$(st .primary); o=$((1 - p)); n0=$(st .failovers.count)
[ "$p" = 0 ] || echo "note: primary is already $p ($n0 failovers during start-up)"
ok "2 replicas alive, primary $p"

reply=$(jctl set gain 0.5) || die "set gain failed: $reply"
at=$(echo "$reply" | jq -r .apply_at)
[ "$(echo "$reply" | jq -r .gain)" = 0.5 ] || fail "set reply: $reply"
[ "$(jctl get gain | jq -r .gain)" = 0.5 ] || fail "get gain is not 0.5"
wait_until 5 sh -c "[ \$($RTAUDIOCTL -s $SOCK --json status | jq .sink.seq) -gt $at ]" ||
	fail "sink never reached block $at"
ok "gain 0.5 applies at block $at; sink is past it"

age=$(st '[.replicas[].heartbeat_age_us] | max')
[ "$age" -lt 50000 ] || fail "heartbeat age $age us"
ok "heartbeat age max $age us"

reply=$(kill_primary) || die "kill-primary failed: $reply"
[ "$(echo "$reply" | jq -r .killed.index)" = "$p" ] || fail "killed: $reply"
[ "$(echo "$reply" | jq -r .primary)" = "$o" ] || fail "new primary: $reply"
ok "kill-primary: $reply"

wait_until 5 settled ||
	fail "failover record never settled"
[ "$(st .failovers.count)" = $((n0 + 1)) ] || fail "failover count $(st .failovers.count)"
[ "$(st .failovers.last.reason)" = crash ] || fail "reason $(st .failovers.last.reason)"
[ "$(st .failovers.last.lost_samples)" = 0 ] || fail "lost $(st .failovers.last.lost_samples) samples"
ok "failover: $(jctl status | jq -c .failovers.last)"

wait_until 10 all_ready || fail "slot 0 did not come back as standby"
[ "$(st ".replicas[$p].role")" = standby ] || fail "replica $p is $(st ".replicas[$p].role")"
[ "$(st ".replicas[$p].restarts")" -ge 1 ] || fail "replica $p restarts $(st ".replicas[$p].restarts")"
[ "$(st .sink.lost_samples)" = 0 ] || fail "sink lost $(st .sink.lost_samples) samples"
ok "final: $(jctl status | jq -c '[.replicas[] | {index, role, pid, alive}]')"

# Play at least a second before stopping (the steps above can take less on
# a fast machine); every block the sink played must then be in the file.
wait_until 5 sh -c "[ \$($RTAUDIOCTL -s $SOCK --json status | jq .sink.seq) -gt 200 ]" ||
	fail "sink did not reach block 200"
played=$(( $(st .sink.seq) * 256 ))
stop_daemon
frames=$(soxi -s "$TMP/out.wav" 2>/dev/null || echo 0)
[ "$frames" -ge "$played" ] && [ "$frames" -gt 48000 ] ||
	fail "wav has $frames frames, the sink had played $played"
ok "wav valid, $frames frames (>= $played played before SIGTERM)"
finish
