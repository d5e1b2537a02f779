#!/bin/sh
# kill-primary is a failover drill, not an outage: with no healthy standby
# (here a lone replica) the daemon refuses it (exit 1, the reason, nothing
# killed, no sample lost); "kill-primary force" kills anyway, the gap is
# reported and the slot comes back as primary.
. "$(dirname "$0")/lib.sh"

write_conf "replicas = 1"
start_daemon
pid=$(st '.replicas[0].pid')
lost0=$(st .sink.lost_samples)

out=$(ctl kill-primary 2>&1); rc=$?
[ "$rc" = 1 ] || fail "kill-primary with no standby: exit $rc, want 1 ($out)"
echo "$out" | grep -q "no healthy standby to take over; 'kill-primary force' kills it anyway" ||
	fail "kill-primary with no standby said: $out"
reply=$(jctl kill-primary 2>/dev/null)
[ "$(echo "$reply" | jq -c '{ok, code, error: (.error | type)}')" = \
  '{"ok":false,"code":"no-standby","error":"string"}' ] ||
	fail "JSON reply: $reply"
sleep 0.3
[ "$(st '.replicas[0].pid')" = "$pid" ] || fail "replica $pid was killed anyway"
[ "$(st .failovers.count)" = 0 ] || fail "failovers $(st .failovers.count)"
[ "$(st .sink.lost_samples)" = "$lost0" ] || fail "lost $(st .sink.lost_samples) samples while refusing"
ok "refused: $out"

reply=$(jctl kill-primary force) || die "kill-primary force: $reply"
[ "$(echo "$reply" | jq -c '[.killed.index, .killed.pid, .primary]')" = "[0,$pid,null]" ] ||
	fail "kill-primary force reply: $reply"
wait_until 10 all_ready || die "the killed replica did not come back"
wait_until 5 settled ||
	die "failover never settled"
[ "$(st .primary)" = 0 ] || fail "primary $(st .primary) after the respawn"
[ "$(st '.replicas[0].pid')" != "$pid" ] || fail "no new process"
lost=$(st .failovers.last.lost_samples)
[ "$lost" -gt 0 ] 2>/dev/null || fail "a lone replica killed lost no samples? ($lost)"
ok "forced: $(echo "$reply" | jq -c .), then replica 0 primary again; gap $lost samples reported"
note_pids
finish
