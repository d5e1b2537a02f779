#!/bin/sh
# demo.sh - the seed's scenario, as a newcomer sees it (make demo).
#
# Starts rtaudiod on the default configuration (only the socket, the group
# name, the replica path of the build tree and a WAV sink are set), then with
# rtaudioctl: shows 2 replicas alive, sets gain 0.5 and shows it applied,
# checks the heartbeat age, kills the primary, shows the new primary and the
# failover record, shows the final state, and shuts down cleanly.
set -eu
: "${RTAUDIOD:?}" "${RTAUDIOCTL:?}" "${REPLICA:?}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rtaudio-demo.XXXXXX")
SOCK=$TMP/ctl.sock
WAV=${DEMO_WAV:-$TMP/demo.wav}
DPID=
trap '[ -z "$DPID" ] || kill $DPID 2>/dev/null || :; rm -rf "$TMP"' EXIT
ctl() { echo "\$ rtaudioctl $*"; "$RTAUDIOCTL" -s "$SOCK" "$@"; }
jget() { "$RTAUDIOCTL" -s "$SOCK" --json "$@"; }
wait_for() {  # wait_for JQ-EXPR: until status satisfies it (10 s)
	i=0
	# Not a pipe: jq -e on empty input (no daemon listening yet) says yes.
	until s=$(jget status 2>/dev/null) && echo "$s" | jq -e "$1" >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -lt 500 ] || { echo "demo: timed out waiting for $1"; exit 1; }
		sleep 0.02
	done
}

cat > "$TMP/rtaudiod.conf" <<EOC
# Defaults for everything but where things go.
[daemon]
socket = $SOCK
[group]
name = demo$$
replica = $REPLICA
[sink]
type = wav
path = $WAV
EOC

echo "demo: starting rtaudiod (group of 2 replicas, hot standby, WAV sink)"
"$RTAUDIOD" -c "$TMP/rtaudiod.conf" 2> "$TMP/rtaudiod.log" &
DPID=$!
wait_for '.daemon.state == "running" and ([.replicas[] | select(.role == "standby")] | length) == 1'
ctl status
echo
echo "demo: playing for 500 ms..."
sleep 0.5
echo
echo "demo: setting gain=0.5 (all replicas switch at the same block)"
ctl set gain 0.5
at=$(jget status | jq .sink.seq)
echo "demo: playing 100 more blocks with the new gain..."
wait_for ".sink.seq > $at + 100"
ctl get gain
echo
echo "demo: heartbeat age (should be < 10 ms):"
jget status | jq -r '.replicas[] | "  replica \(.index): \(.heartbeat_age_us) us"'
echo
echo "*** SIMULATING PRIMARY CRASH ***"
ctl kill-primary
wait_for '.failovers.last.settled == true'
echo "demo: failover record:"
jget status | jq -r '.failovers.last | "  reason=\(.reason) from=\(.from) to=\(.to) detect=\(.detect_us) us rescued=\(.rescued) blocks samples_lost=\(.lost_samples)"'
wait_for '([.replicas[] | select(.role == "standby")] | length) == 1'
echo "demo: playing from the new primary for 300 ms..."
sleep 0.3
echo
echo "demo: --- final state ---"
ctl status
echo
echo "demo: shutting down..."
kill -TERM $DPID
wait $DPID && rc=0 || rc=$?
DPID=
echo "demo: rtaudiod exited with status $rc"
echo "demo: recorded $(soxi -D "$WAV" 2>/dev/null || echo '?') s of audio to $WAV"
peak() { sox "$WAV" -n trim "$1" 0.1 stat 2>&1 | awk '/Maximum amplitude/ {print $3}'; }
echo "demo: peak in the first 100 ms: $(peak 0) (gain 1, pan 0: 0.5 per channel)"
echo "demo: peak in the last 100 ms:  $(peak -0.1) (gain 0.5: should be ~0.5x)"
echo "demo: daemon log:"; sed 's/^/  /' "$TMP/rtaudiod.log"
[ "$rc" -eq 0 ] && echo "demo: done"
