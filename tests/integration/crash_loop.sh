#!/bin/sh
# Crash loop: a replica program that passes the start-up check (--check
# prints the report of a renderer with no parameters) and then exits at once
# every time it is started. The daemon must stay up, report "degraded",
# answer status, back off (under 5% CPU).
. "$(dirname "$0")/lib.sh"

printf '#!/bin/sh\n[ "$1" = --check ] && { echo ok; exit 0; }\nexit 1\n' > "$TMP/crasher"
chmod +x "$TMP/crasher"
write_conf
sed -i "s|^replica = .*|replica = $TMP/crasher|" "$CONF"
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
finish
