#!/bin/sh
# cpu_affinity: with "spread" (the default) replica i is pinned to the i-th
# CPU the daemon may use, so the primary and its standby never share a core;
# the CPU status reports is the one the kernel enforces (Cpus_allowed_list),
# and a respawned replica gets its slot's CPU again. With "none", or with a
# single allowed CPU (taskset), nothing is pinned and status says null.
. "$(dirname "$0")/lib.sh"

[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs, this machine has $(nproc)"
allowed() { awk '/^Cpus_allowed_list:/ {print $2}' "/proc/$1/status"; }

write_conf
start_daemon
c0=$(st '.replicas[0].cpu'); c1=$(st '.replicas[1].cpu')
[ "$c0" != null ] && [ "$c1" != null ] || fail "spread: replicas not pinned: cpu $c0, $c1"
[ "$c0" != "$c1" ] || fail "spread: both replicas on CPU $c0"
for i in 0 1; do
	pid=$(st ".replicas[$i].pid"); cpu=$(st ".replicas[$i].cpu")
	[ "$(allowed "$pid")" = "$cpu" ] ||
		fail "replica $i: status says CPU $cpu, the kernel allows $(allowed "$pid")"
done
ok "spread: replica 0 on CPU $c0, replica 1 on CPU $c1 (kernel agrees)"
ctl status | grep -q '^INDEX .* CPU  *RT$' || fail "status table has no CPU column"

p=$(st .primary)
kill_primary > /dev/null || die "kill-primary failed"
wait_until 10 all_ready || die "slot $p did not come back"
pid=$(st ".replicas[$p].pid")
[ "$(st ".replicas[$p].cpu")" = "$(eval echo \$c$p)" ] && [ "$(allowed "$pid")" = "$(eval echo \$c$p)" ] ||
	fail "respawned replica $p: cpu $(st ".replicas[$p].cpu"), allowed $(allowed "$pid")"
ok "respawned replica $p pinned to CPU $(st ".replicas[$p].cpu") again"
stop_daemon

write_conf "cpu_affinity = none"
start_daemon
[ "$(st '[.replicas[].cpu] | unique')" = "$(printf '[\n  null\n]')" ] ||
	fail "none: cpu $(jctl status | jq -c '[.replicas[].cpu]')"
[ "$(allowed "$(st '.replicas[0].pid')")" = "$(allowed "$DPID")" ] ||
	fail "none: replica 0 allowed $(allowed "$(st '.replicas[0].pid')"), daemon $(allowed "$DPID")"
ok "none: not pinned (allowed $(allowed "$(st '.replicas[0].pid')"), as the daemon)"
stop_daemon

write_conf
RTAUDIOD_WRAPPER="taskset -c $c1"
start_daemon
RTAUDIOD_WRAPPER=""
[ "$(st '[.replicas[].cpu] | unique')" = "$(printf '[\n  null\n]')" ] ||
	fail "one allowed CPU: cpu $(jctl status | jq -c '[.replicas[].cpu]')"
ok "one allowed CPU (taskset -c $c1): nothing pinned"
finish
