#!/bin/sh
# Audio taps: `rtaudioctl record` follows the rings read-only across three
# kills of the primary and gets a continuous sine (sinecheck), with no block
# missed, while the sink loses nothing and the segments stay 0600 on disk;
# the example program reads blocks through the public API (client.h);
# `meter` prints the levels of a 0.5-amplitude sine (peak -6.02 dBFS, RMS
# -9.03 dBFS); the daemon refuses `record`/`meter` sent raw; a user who is
# neither root nor the daemon's is refused (exit 77), whether the socket's
# mode keeps it out or the daemon says "permission denied".
. "$(dirname "$0")/lib.sh"
: "${SINECHECK:?}"
: "${TAP_EXAMPLE:?}"

# ring_capacity 16 (default 4): a tap can fall ring_capacity - lead periods
# behind the sink before it misses a block, and make check may share the
# machine with other real-time tests. A short restart backoff lets the three
# kills fit in the 3 s recording.
write_conf "[sink]" "type = wav" "path = $TMP/out.wav" "[source]" "frequency = 440" \
	"[stream]" "ring_capacity = 16" "[watchdog]" "restart_backoff_ms = 20"
start_daemon
# One status call per poll (all_ready makes three): the kills must fit in 3 s.
ready() {
	jctl status | jq -e '.daemon.state == "running" and ([.replicas[] |
		select(.role == "primary" or .role == "standby")] | length) == (.replicas | length)'
}

# --- record across failovers ------------------------------------------------
ctl record "$TMP/tap.wav" -d 3 > "$TMP/record.out" 2> "$TMP/record.err" &
RPID=$!
wait_until 5 grep -q "tap: segments passed" "$DLOG" || die "record did not open its tap"
t0=$(date +%s%N)
i=0
while [ $i -lt 3 ]; do
	reply=$(kill_primary) || die "kill-primary $i failed: $reply"
	kill -0 "$RPID" 2>/dev/null || fail "record ended before kill $i: the test proves nothing"
	wait_until 10 ready || die "replicas not all ready after kill $i"
	note_pids
	i=$((i + 1))
done
echo "3 kills in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
rc=0
wait "$RPID" || rc=$?
[ "$rc" = 0 ] || fail "record exited $rc: $(cat "$TMP/record.err")"
out=$(cat "$TMP/record.out")
echo "$out"
cat "$TMP/record.err"
echo "$out" | grep -q "^recorded 3.00 s .*; missed 0 blocks$" || fail "record said: $out"
"$SINECHECK" "$TMP/tap.wav" 440 3 || fail "the tap's recording is not a continuous 3 s sine"
[ "$(failovers_by crash)" = 3 ] || fail "crash failovers $(failovers_by crash), expected 3"
[ "$(st .sink.lost_samples)" = 0 ] || fail "the sink lost $(st .sink.lost_samples) samples"
[ "$(st .sink.underruns)" = 0 ] || fail "the sink had $(st .sink.underruns) underruns"
# The segments are memfds (no name under /dev/shm but the lock): their mode
# is read through the daemon's descriptors.
[ -z "$(ls /dev/shm | grep -F "rtaudio-$GROUP-" | grep -v -- '-lock$')" ] ||
	fail "named segments under /dev/shm: $(ls /dev/shm | grep -F "rtaudio-$GROUP-")"
modes=$(for f in /proc/"$DPID"/fd/*; do
	readlink "$f" | grep -q "^/memfd:rtaudio-$GROUP-" && stat -L -c '%a' "$f"
done | sort -u)
[ "$modes" = 600 ] || fail "segment modes: $modes, expected 600"
ok "record: 3 s across 3 failovers, continuous, sink lost 0, segments still 0600, unnamed"

# --- JSON summary, and the example program on the public API ----------------
js=$(jctl record "$TMP/short.wav" -d 0.2) || fail "record --json failed: $js"
echo "$js" | jq -e '.ok and .missed == 0 and .frames == 9600 and .channels == 2' >/dev/null ||
	fail "record --json said: $js"
ex=$("$TAP_EXAMPLE" "$SOCK" 5) || fail "tap_example failed: $ex"
echo "$ex"
echo "$ex" | grep -q "^group $GROUP: 48000 Hz, 2 ch" || fail "tap_example header: $ex"
[ "$(echo "$ex" | grep -c 'peak 0.50.. (-6.0. dBFS)$')" = 5 ] || fail "tap_example peaks: $ex"
ok "record --json and tap_example (client.h only)"

# --- meter ------------------------------------------------------------------
m=$(ctl meter -n 2 -i 200) || fail "meter failed: $m"
echo "$m"
[ "$(echo "$m" | wc -l)" = 2 ] || fail "meter -n 2 printed $(echo "$m" | wc -l) lines"
echo "$m" | awk '{
	for (i = 1; i <= NF; i++) if ($i ~ /^-?[0-9.]+\/-?[0-9.]+$/) {
		split($i, v, "/"); n++
		if (v[1] < -6.2 || v[1] > -5.8 || v[2] < -9.2 || v[2] > -8.8) bad++
	}
} END { exit !(n == 4 && bad == 0) }' || fail "meter levels are not -6.02/-9.03 dBFS: $m"
mj=$(jctl meter -n 1 -i 100) || fail "meter --json failed"
echo "$mj" | jq -e '(.peak_dbfs | length) == 2 and .peak_dbfs[0] > -6.2 and .rms_dbfs[1] < -8.8' \
	>/dev/null || fail "meter --json said: $mj"
ok "meter: peak -6.02, RMS -9.03 dBFS per channel"

# --- raw verbs and refusals -------------------------------------------------
if command -v socat >/dev/null 2>&1; then
	raw=$(echo "meter" | socat -t 0.5 - UNIX-CONNECT:"$SOCK")
	echo "$raw" | jq -e '.ok == false and (.error | test("runs in rtaudioctl"))' >/dev/null ||
		fail "meter sent raw: $raw"
	# tap by hand: the description (socat drops the descriptors).
	raw=$(echo "tap" | socat -t 0.5 - UNIX-CONNECT:"$SOCK")
	echo "$raw" | jq -e --arg g "$GROUP" '.ok and .group == $g and .replicas == 2 and
		(.segments | length) == 3 and .segments[0].bytes == 16384' >/dev/null ||
		fail "tap sent raw: $raw"
	ok "raw: meter refused (runs in rtaudioctl), tap describes 3 segments"
fi

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	chmod 0711 "$TMP"
	# The default 0660 socket: nobody cannot even connect.
	err=$(as_nobody "$RTAUDIOCTL" -s "$SOCK" record /tmp/nobody-$$.wav -d 1 2>&1); rc=$?
	[ "$rc" = 77 ] || fail "nobody's record on a 0660 socket: exit $rc ($err)"
	stop_daemon
	# A 0666 socket lets nobody in; the daemon refuses the tap itself.
	write_conf "[sink]" "type = null" "[daemon]" "socket_mode = 0666"
	start_daemon
	err=$(as_nobody "$RTAUDIOCTL" -s "$SOCK" record /tmp/nobody-$$.wav -d 1 2>&1); rc=$?
	[ "$rc" = 77 ] || fail "nobody's record on a 0666 socket: exit $rc ($err)"
	echo "$err" | grep -q "permission denied: 'tap'" || fail "no refusal of 'tap': $err"
	err=$(as_nobody "$RTAUDIOCTL" -s "$SOCK" meter -n 1 2>&1); rc=$?
	[ "$rc" = 77 ] || fail "nobody's meter: exit $rc ($err)"
	[ ! -e /tmp/nobody-$$.wav ] || fail "a refused record created its file"
	rm -f /tmp/nobody-$$.wav
	ok "uid 65534: refused with 77 (0660 socket: connect; 0666: the daemon)"
else
	part_skip "refusal of a non-owner (needs root and setpriv)"
fi
finish
