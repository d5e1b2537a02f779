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
[ "$(st .primary)" = 0 ] || fail "expected primary 0, got $(st .primary)"
ok "2 replicas alive, primary 0"

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

reply=$(jctl kill-primary) || die "kill-primary failed: $reply"
[ "$(echo "$reply" | jq -r .killed.index)" = 0 ] || fail "killed: $reply"
[ "$(echo "$reply" | jq -r .primary)" = 1 ] || fail "new primary: $reply"
ok "kill-primary: $reply"

wait_until 5 sh -c "[ \"\$($RTAUDIOCTL -s $SOCK --json status | jq -r .failovers.last.settled)\" = true ]" ||
	fail "failover record never settled"
[ "$(st .failovers.count)" = 1 ] || fail "failover count $(st .failovers.count)"
[ "$(st .failovers.last.reason)" = crash ] || fail "reason $(st .failovers.last.reason)"
[ "$(st .failovers.last.lost_samples)" = 0 ] || fail "lost $(st .failovers.last.lost_samples) samples"
ok "failover: $(jctl status | jq -c .failovers.last)"

wait_until 10 all_ready || fail "slot 0 did not come back as standby"
[ "$(st '.replicas[0].role')" = standby ] || fail "replica 0 is $(st '.replicas[0].role')"
[ "$(st '.replicas[0].restarts')" = 1 ] || fail "replica 0 restarts $(st '.replicas[0].restarts')"
[ "$(st .sink.lost_samples)" = 0 ] || fail "sink lost $(st .sink.lost_samples) samples"
ok "final: $(jctl status | jq -c '[.replicas[] | {index, role, pid, alive}]')"

stop_daemon
frames=$(soxi -s "$TMP/out.wav" 2>/dev/null || echo 0)
[ "$frames" -gt 48000 ] || fail "wav has $frames frames"
ok "wav valid, $frames frames"
finish
