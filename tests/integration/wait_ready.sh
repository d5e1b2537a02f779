#!/bin/sh
# rtaudioctl wait-ready [-t MS]: exit 0 once the primary's audio reaches the
# sink, even when started together with the daemon (it keeps connecting);
# 1 when the daemon answers but is not ready in time (replicas that never
# get ready); 69 when nothing listens until the time-out; 64 for bad usage.
. "$(dirname "$0")/lib.sh"

ms() { echo $(($(date +%s%N) / 1000000)); }

# No daemon at all: retries for the whole time-out, then 69.
t0=$(ms)
out=$("$RTAUDIOCTL" -s "$TMP/none.sock" wait-ready -t 300 2>&1); rc=$?
t1=$(ms)
[ "$rc" = 69 ] || fail "no daemon: exit $rc, expected 69 ($out)"
[ $((t1 - t0)) -ge 300 ] && [ $((t1 - t0)) -lt 5000 ] ||
	fail "no daemon: gave up after $((t1 - t0)) ms for -t 300"
echo "$out" | grep -q "cannot connect to $TMP/none.sock" || fail "no daemon: message '$out'"
ok "no daemon: exit 69 after $((t1 - t0)) ms: $out"

# Bad usage never contacts anything.
"$RTAUDIOCTL" -s "$TMP/none.sock" wait-ready -t -5 2>/dev/null; rc=$?
[ "$rc" = 64 ] || fail "wait-ready -t -5: exit $rc, expected 64"
"$RTAUDIOCTL" -s "$TMP/none.sock" wait-ready 10 2>/dev/null; rc=$?
[ "$rc" = 64 ] || fail "wait-ready 10: exit $rc, expected 64"

# A daemon whose replicas never get ready: it answers, never ready -> 1.
# (It answers the daemon's renderer check, --check, as the real one does.)
printf '#!/bin/sh\n[ "$1" = --check ] && exec "%s" "$@"\nexec sleep 30\n' "$REPLICA" > "$TMP/never-ready"
chmod +x "$TMP/never-ready"
write_conf
sed "s|^replica = .*|replica = $TMP/never-ready|" "$CONF" > "$TMP/never.conf"
"$RTAUDIOD" -c "$TMP/never.conf" > "$DLOG" 2>&1 &
DPID=$!
wait_until 10 ctl version || die "the daemon does not answer"
out=$(ctl wait-ready -t 500 2>&1); rc=$?
[ "$rc" = 1 ] || fail "never ready: exit $rc, expected 1 ($out)"
echo "$out" | grep -q "not ready after 500 ms" || fail "never ready: message '$out'"
[ "$(st .ready)" = false ] || fail "never ready: status .ready is $(st .ready)"
ok "never ready: exit 1: $out"
stop_daemon

# The real thing: wait-ready right after starting the daemon.
"$RTAUDIOD" -c "$CONF" > "$DLOG" 2>&1 &
DPID=$!
out=$(ctl wait-ready -t 10000 2>&1); rc=$?
[ "$rc" = 0 ] || die "wait-ready after start: exit $rc ($out)"
echo "$out" | grep -q '^ready: primary [0-9]*, sink at block [0-9]*$' ||
	fail "wait-ready printed '$out'"
[ "$(st .ready)" = true ] || fail "status .ready is $(st .ready) after wait-ready"
[ "$(st '.primary | type')" = number ] || fail "no primary after wait-ready"
seq1=$(st .sink.seq)
wait_until 5 sh -c "[ \$($RTAUDIOCTL -s $SOCK --json status | jq .sink.seq) -gt $seq1 ]" ||
	fail "the sink is not advancing after wait-ready"
ok "wait-ready after start: $out"

wait_until 10 all_ready || die "replicas not all ready"
note_pids
reply=$(jctl wait-ready -t 0) || fail "wait-ready -t 0 on a ready daemon failed"
echo "$reply" | jq -e '.ok and .ready' >/dev/null || fail "wait-ready --json printed: $reply"
ok "wait-ready -t 0 on a ready daemon: exit 0"
finish
