#!/bin/sh
# Crash loop: a replica program that exits at once (but answers the
# daemon's renderer check, --check, as the real one does). The daemon
# must stay up, report "degraded", answer status, back off (under 5% CPU).
# Then a storm that ends: replicas that crash at start while $TMP/crash
# exists, then run normally. Once every replica has been healthy for the
# backoff window (restart_backoff_max_ms) the state must leave degraded,
# with a "recovered" event, and ready and the state agree.
. "$(dirname "$0")/lib.sh"

cat > "$TMP/false" <<EOS
#!/bin/sh
[ "\$1" = --check ] && exec "$REPLICA" "\$@"
exit 1
EOS
chmod +x "$TMP/false"
write_conf
sed -i "s|^replica = .*|replica = $TMP/false|" "$CONF"
"$RTAUDIOD" -c "$CONF" > "$DLOG" 2>&1 &
DPID=$!
wait_until 15 sh -c "[ \"\$($RTAUDIOCTL -s $SOCK --json status | jq -r .daemon.state)\" = degraded ]" ||
	die "daemon never reported degraded"
ok "degraded: $(jctl status | jq -c '[.replicas[] | {index, role, restarts}]')"
t0=$(awk '{print $14 + $15}' "/proc/$DPID/stat")
sleep 5
t1=$(awk '{print $14 + $15}' "/proc/$DPID/stat")
hz=$(getconf CLK_TCK)
pct=$(( (t1 - t0) * 100 / (5 * hz) ))
ok "daemon CPU over 5 s: $((t1 - t0)) ticks = ${pct}%"
[ "$pct" -lt 5 ] || fail "daemon uses ${pct}% CPU in a crash loop"
kill -0 "$DPID" || fail "daemon died"
[ "$(st .daemon.state)" = degraded ] || fail "state $(st .daemon.state)"
stop_daemon

cat > "$TMP/flaky" <<EOS
#!/bin/sh
[ "\$1" != --check ] && [ -e "$TMP/crash" ] && exit 1
exec "$REPLICA" "\$@"
EOS
chmod +x "$TMP/flaky"
: > "$TMP/crash"
write_conf "[watchdog]" "start_limit = 2" "restart_backoff_ms = 20" "restart_backoff_max_ms = 1500"
sed -i "s|^replica = .*|replica = $TMP/flaky|" "$CONF"
"$RTAUDIOD" -c "$CONF" > "$DLOG" 2>&1 &
DPID=$!
wait_until 15 sh -c "[ \"\$($RTAUDIOCTL -s $SOCK --json status | jq -r .daemon.state)\" = degraded ]" ||
	die "flaky replicas: never degraded"
"$RTAUDIOCTL" -s "$SOCK" --json events > "$TMP/events.txt" 2>&1 & epid=$!
wait_until 5 grep -q streaming "$TMP/events.txt" || fail "events: no acknowledgement"
rm -f "$TMP/crash"
t0=$(date +%s%N)
wait_until 20 all_ready || die "replicas never came up after the storm"
note_pids
wait_until 20 sh -c "[ \"\$($RTAUDIOCTL -s $SOCK --json status | jq -r .daemon.state)\" = running ]" ||
	fail "still $(st .daemon.state) after the storm ended and all replicas were up"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
wait_until 5 grep -q '"event":"recovered"' "$TMP/events.txt" || fail "no recovered event"
[ "$(st .ready)" = true ] && [ "$(st .daemon.state)" = running ] ||
	fail "ready $(st .ready) with state $(st .daemon.state)"
grep -q "quick deaths are forgiven" "$DLOG" || fail "no log line for the recovery"
ok "storm over: running again after ${ms} ms (window 1500 ms), recovered event sent"
kill "$epid" 2>/dev/null; wait "$epid" 2>/dev/null
finish
