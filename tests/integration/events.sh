#!/bin/sh
# rtaudioctl events, end to end: two subscribers (human and --json) see the
# crash, failover, respawn, ready and param events of a kill-primary and a
# `set gain`, each printed as documented. Then a subscriber that never reads
# is dropped by the daemon while thousands of events (set gain, failover)
# flow, the two readers get every one of them, and audio loses nothing. The
# daemon's private resident memory (RssAnon: its heap, not the replicas'
# rings it maps, whose pages become resident as the sink reads them) reaches
# its high-water mark at the first drop, and grows by less than 1 MiB over
# three more stuck subscribers and 9000+ more events.
. "$(dirname "$0")/lib.sh"
command -v socat >/dev/null 2>&1 || skip "socat is not installed"

write_conf
start_daemon

"$RTAUDIOCTL" -s "$SOCK" events > "$TMP/human.txt" 2> "$TMP/human.err" & hpid=$!
"$RTAUDIOCTL" -s "$SOCK" --json events > "$TMP/json.txt" 2> "$TMP/json.err" & jpid=$!
stop_readers() {
	kill "$hpid" "$jpid" 2>/dev/null
	wait "$hpid" "$jpid" 2>/dev/null
}
# Subscribed once a param event reaches both (they connect in the background).
subscribed() {
	jctl set gain 1 >/dev/null
	grep -q '"event":"param"' "$TMP/json.txt" && grep -q ' param ' "$TMP/human.txt"
}
wait_until 5 subscribed || die "the event readers never got a param event"

# Relative to the primary in force: on a loaded machine a late heartbeat may
# already have handed over before this point.
reply=$(kill_primary) || die "kill-primary: $reply"
k=$(echo "$reply" | jq .killed.index); np=$(echo "$reply" | jq .primary)
wait_until 10 all_ready || die "slot $k did not come back"
note_pids
jctl set gain 0.5 >/dev/null || fail "set gain 0.5"
wait_until 5 grep -q 'gain=0.5 ' "$TMP/json.txt" || fail "no param event for gain 0.5"

# --json: every line is an object; the acknowledgement first, then events.
jq -e -s 'all(type == "object")' "$TMP/json.txt" >/dev/null || fail "json: not all objects"
[ "$(head -n 1 "$TMP/json.txt" | jq -c .)" = '{"ok":true,"streaming":true}' ] ||
	fail "json: first line is $(head -n 1 "$TMP/json.txt")"
has() {  # has EVENT INDEX: the json stream holds that event for that replica
	jq -e -s --arg e "$1" --argjson i "$2" \
		'any(.event == $e and .index == $i and (.mono_ns | type) == "number"
		     and (.state | type) == "string")' "$TMP/json.txt" >/dev/null ||
		fail "json: no '$1' event for replica $2"
}
has crash "$k"
has failover "$np"
has respawn "$k"
has ready "$k"
jq -e -s --arg d "crash: $k -> $np" 'any(.event == "failover" and (.detail | startswith($d)))' \
	"$TMP/json.txt" >/dev/null || fail "json: failover detail: $(grep failover "$TMP/json.txt")"
jq -e -s 'any(.event == "param" and .index == null and (.detail | startswith("gain=0.5 at=")))' \
	"$TMP/json.txt" >/dev/null || fail "json: param event: $(grep param "$TMP/json.txt" | tail -n 1)"
ok "json events: $(jq -r -s 'map(.event // empty) | unique | join(" ")' "$TMP/json.txt")"

# Human: "HH:MM:SS.mmm NAME replica N STATE DETAIL", no acknowledgement line.
t='[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9][0-9][0-9]'
grep -q "^$t failover  replica $np *[a-z]* *crash: $k -> $np, detected in [0-9]* us\$" "$TMP/human.txt" ||
	fail "human: no failover line"
grep -q "^$t crash     replica $k  [a-z]*\$" "$TMP/human.txt" || fail "human: no crash line"
grep -q "^$t respawn   replica $k  " "$TMP/human.txt" || fail "human: no respawn line"
grep -q "^$t ready     replica $k  " "$TMP/human.txt" || fail "human: no ready line"
grep -q "^$t param     -          [a-z]* *gain=0.5 at=[0-9]*\$" "$TMP/human.txt" ||
	fail "human: no param line"
bad=$(grep -v "^$t [a-z]" "$TMP/human.txt" | head -n 3)
[ -z "$bad" ] || fail "human: unexpected lines: $bad"
[ ! -s "$TMP/human.err" ] && [ ! -s "$TMP/json.err" ] ||
	fail "readers wrote errors: $(cat "$TMP/human.err" "$TMP/json.err")"
ok "human events, e.g. '$(grep ' failover ' "$TMP/human.txt" | head -n 1)'"

# --- a subscriber that never reads is dropped; memory stays bounded -------
rss() { awk '/^RssAnon:/ { print $2 }' "/proc/$DPID/status"; }
[ -n "$(rss)" ] || skip "no RssAnon in /proc/PID/status (Linux >= 4.5 needed)"
# flood N: N events on one connection, a failover every 500 (replies discarded).
flood() {
	i=0
	while [ "$i" -lt "$1" ]; do
		if [ $((i % 500)) = 499 ]; then echo failover
		elif [ $((i % 2)) = 0 ]; then echo "set gain 0.25"
		else echo "set gain 0.75"; fi
		i=$((i + 1))
	done > "$TMP/flood.req"
	socat -t 5 - "UNIX-CONNECT:$SOCK" < "$TMP/flood.req" > /dev/null ||
		fail "flood connection failed"
}
params() { grep -c '"event":"param"' "$TMP/json.txt"; }
hparams() { grep -c ' param ' "$TMP/human.txt"; }
# Each failover line of a flood is a failover event instead of a param one.
# Each reader against its own count before: the two subscribed at their
# own moments (subscribed() sets gain until both have seen one, so the
# first to connect may hold more).
caught_up() { [ "$(params)" -ge "$1" ] && [ "$(hparams)" -ge "$2" ]; }
printf 'events\n' > "$TMP/stuck.req"
# stuck_round: a new subscriber that never reads, and floods until the
# daemon drops it (at most 3 x 3000 events); adds to n the events sent.
stuck_round() {
	# -u: socat only copies the file into the socket and never reads from it.
	socat -u "OPEN:$TMP/stuck.req,ignoreeof" "UNIX-CONNECT:$SOCK" & stuck=$!
	sleep 0.3
	for round in 1 2 3; do
		flood 3000
		n=$((n + 3000))
		grep -q "dropping client pid $stuck" "$DLOG" && break
	done
	grep -q "dropping client pid $stuck" "$DLOG" || fail "stuck subscriber pid $stuck was not dropped"
	kill "$stuck" 2>/dev/null; wait "$stuck" 2>/dev/null
	sleep 0.5
}
before=$(params); hbefore=$(hparams)
n=0
rss_start=$(rss)
# Each drop frees a client's queue (at most CTL_MAX_QUEUED lines) and
# whatever the readers had queued meanwhile; the allocator may keep the
# high-water of the first drop or two. Bounded means: never more than a few
# queues' worth above the start, and no growth from one drop to the next
# once that high-water is reached (drops 3 and 4 against drop 2).
stuck_round
rss0=$(rss)
asan_skip "RssAnon bound" || [ $((rss0 - rss_start)) -lt 4096 ] || fail "RssAnon grew from $rss_start to $rss0 KiB at the first drop"
ok "stuck subscriber 1 dropped; RssAnon $rss_start -> $rss0 KiB (first drop)"
prev=$rss0
for client in 2 3 4; do
	stuck_round
	rss1=$(rss)
	asan_skip "RssAnon bound" || [ $((rss1 - rss_start)) -lt 4096 ] ||
		fail "RssAnon $rss1 KiB after drop $client, $((rss1 - rss_start)) KiB over the start"
	[ "$client" != 2 ] || rss2=$rss1
	[ "$client" -lt 3 ] || asan_skip "RssAnon growth" || [ $((rss1 - rss2)) -lt 1024 ] ||
		fail "RssAnon grew by $((rss1 - rss2)) KiB from drop 2 to drop $client"
	ok "stuck subscriber $client dropped; RssAnon $prev -> $rss1 KiB after $n events"
	prev=$rss1
done

# The readers got every param event of the flood (each failover line is one
# failover event instead), and audio lost nothing.
want=$((before + n - n / 500)); hwant=$((hbefore + n - n / 500))
# Generous: a human reader under ASan on a loaded machine lags by seconds.
wait_until 30 caught_up "$want" "$hwant" ||
	fail "readers got $(params) and $(hparams) param events, expected $want and $hwant"
[ "$(st .daemon.state)" = running ] || fail "daemon state $(st .daemon.state)"
lost=$(st .sink.lost_samples)
[ "$lost" = 0 ] || fail "lost $lost samples ($(st .sink.underruns) underruns)"
ok "readers served: $(params) param events; lost $lost samples"

stop_readers

# Options after the verb count too: `events -j` is the JSON stream, and
# `status -j` the JSON reply.
ctl status -j | jq -e .ok >/dev/null || fail "status -j is not the JSON reply"
# A stream ends only when the daemon goes: rtaudioctl says so and exits 69.
"$RTAUDIOCTL" -s "$SOCK" events -j > "$TMP/last.txt" 2> "$TMP/last.err" & lpid=$!
wait_until 5 grep -q streaming "$TMP/last.txt" || fail "events -j: no acknowledgement"
stop_daemon
wait "$lpid"; rc=$?
[ "$rc" = 69 ] && grep -q "closed the event stream (the daemon stopped)" "$TMP/last.err" ||
	fail "events at daemon shutdown: exit $rc, '$(cat "$TMP/last.err")'"
ok "events -j streamed JSON; at shutdown it said so and exited 69"
finish
