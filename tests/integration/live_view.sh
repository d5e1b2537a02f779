#!/bin/sh
# The live view: `status --watch` in batch mode (a pipe: one plain block per
# refresh, no escape codes), with --json (one status line per refresh), on a
# terminal (script(1): redrawn in place with ANSI sequences), against no
# daemon (retries, exit 69); `stats` as tables (sink counters, one row per
# replica with render time as a share of the period), `stats reset`.
. "$(dirname "$0")/lib.sh"

ms() { echo $(($(date +%s%N) / 1000000)); }
esc=$(printf '\033')

write_conf
start_daemon

# --- status --watch, batch ------------------------------------------------
t0=$(ms)
ctl status --watch -n 3 -i 200 > "$TMP/watch.txt" 2> "$TMP/watch.err"; rc=$?
t1=$(ms)
[ "$rc" = 0 ] || fail "watch: exit $rc: $(cat "$TMP/watch.err")"
[ $((t1 - t0)) -ge 400 ] && [ $((t1 - t0)) -lt 10000 ] ||
	fail "watch -n 3 -i 200 took $((t1 - t0)) ms"
# (Only what a loaded machine cannot change: a stall may fail over.)
head='rtaudiod [a-z]*  [0-2][0-9]:[0-5][0-9]:[0-6][0-9]  primary [01]  sink block [0-9]*  underruns [0-9]*  lost samples [0-9]*  failovers [0-9]*$'
[ "$(grep -c "^. $head" "$TMP/watch.txt")" = 3 ] ||
	fail "watch: expected 3 header lines: $(cat "$TMP/watch.txt")"
[ "$(grep -c '^INDEX  ROLE  *PID  *ALIVE  *HEARTBEAT  *RENDERED  *RESTARTS  *CPU  *RT$' "$TMP/watch.txt")" = 3 ] ||
	fail "watch: expected 3 replica tables"
[ "$(grep -c '^[01]  *[a-z][a-z]*  *[-0-9][0-9]*  *[a-z-][a-z]*  ' "$TMP/watch.txt")" = 6 ] ||
	fail "watch: expected 6 replica rows: $(cat "$TMP/watch.txt")"
grep -q "$esc" "$TMP/watch.txt" && fail "watch: escape sequences in batch mode"
seqs=$(sed -n 's/.*sink block \([0-9]*\) .*/\1/p' "$TMP/watch.txt" | tr '\n' ' ')
set -- $seqs
[ "$#" = 3 ] && [ "$1" -lt "$2" ] && [ "$2" -lt "$3" ] || fail "watch: sink blocks not advancing: $seqs"
ok "watch batch: 3 blocks, sink blocks $seqs, $((t1 - t0)) ms"

# --- status --watch --json ------------------------------------------------
jctl status --watch -n 2 -i 50 > "$TMP/watch.json" || fail "watch --json failed"
[ "$(wc -l < "$TMP/watch.json")" = 2 ] || fail "watch --json: $(wc -l < "$TMP/watch.json") lines"
jq -e -s 'length == 2 and all(.ok == true and .ready == true and (.replicas | length) == 2)' \
	"$TMP/watch.json" >/dev/null || fail "watch --json: $(cat "$TMP/watch.json")"
ok "watch --json: one status line per refresh"

# --- status --watch on a terminal -----------------------------------------
if script -V 2>/dev/null | grep -q util-linux; then
	TERM=xterm script -qec "$RTAUDIOCTL -s $SOCK status --watch -n 2 -i 100" /dev/null \
		> "$TMP/tty.txt" 2>&1 || fail "watch on a terminal failed: $(cat "$TMP/tty.txt")"
	# First frame: home + clear screen; second: home only; lines end in "erase line".
	[ "$(grep -c "${esc}\[H${esc}\[2J" "$TMP/tty.txt")" = 1 ] || fail "tty: no clear screen"
	[ "$(grep -o "${esc}\[H" "$TMP/tty.txt" | wc -l)" = 2 ] || fail "tty: expected 2 redraws"
	[ "$(grep -c "${esc}\[K" "$TMP/tty.txt")" -ge 10 ] || fail "tty: lines not erased to the end"
	grep -q "rtaudiod running" "$TMP/tty.txt" || fail "tty: no header"
	ok "watch on a terminal: redrawn in place"
else
	part_skip "no util-linux script(1) for a terminal"
fi

# --- no daemon: every refresh fails and says so, exit 69 ------------------
"$RTAUDIOCTL" -s "$TMP/none.sock" status --watch -n 2 -i 10 > "$TMP/none.out" 2> "$TMP/none.err"
rc=$?
[ "$rc" = 69 ] || fail "watch without daemon: exit $rc, expected 69"
[ ! -s "$TMP/none.out" ] || fail "watch without daemon printed on stdout: $(cat "$TMP/none.out")"
[ "$(grep -c "cannot connect to $TMP/none.sock" "$TMP/none.err")" = 2 ] ||
	fail "watch without daemon: $(cat "$TMP/none.err")"
"$RTAUDIOCTL" -s "$SOCK" status -n 2 2>/dev/null; rc=$?
[ "$rc" = 64 ] || fail "status -n 2 without --watch: exit $rc, expected 64"
ok "watch without daemon: exit 69; -n without --watch: 64"

# --- stats ----------------------------------------------------------------
sleep 1
ctl stats > "$TMP/stats.txt" || fail "stats failed"
grep -q '^SINK  PLAYED  FROM PRIMARY  RESCUED  UNDERRUNS  LOST SAMPLES  BAD BLOCKS  LATE$' \
	"$TMP/stats.txt" || fail "stats: no sink table: $(cat "$TMP/stats.txt")"
grep -Eq '^null( +[0-9]+){7}$' "$TMP/stats.txt" ||
	fail "stats: sink row: $(cat "$TMP/stats.txt")"
grep -q '^REPLICA  ROLE  *BLOCKS  PLAYED  WAKEUPS  TIMEOUTS  OVERRUNS  BUSY  *P99  *MAX  RENDER MAX$' \
	"$TMP/stats.txt" || fail "stats: no replica table: $(cat "$TMP/stats.txt")"
pct='\(<1\|[0-9][0-9]*\|>=127\)%'
row="  *[0-9][0-9]*  *[0-9][0-9]*  *[0-9][0-9]*  *[0-9][0-9]*  *[0-9][0-9]*  *$pct  *$pct  *[0-9.]*%  *[0-9.]*\(us\|ms\)$"
# (A stall on a loaded machine may have swapped the roles.)
for i in 0 1; do
	grep -q "^ *$i  \(primary\|standby\)$row" "$TMP/stats.txt" ||
		fail "stats: row of replica $i: $(cat "$TMP/stats.txt")"
done
grep -q 'as a share of the 5.333 ms period' "$TMP/stats.txt" || fail "stats: no legend"
jctl stats | jq -e '.replicas | all(.blocks > 0 and .render_ns_max > 0
	and .busy_max_pct > 0 and .busy_max_pct < 10000 and .busy_median_pct >= 0)' >/dev/null ||
	fail "stats --json: $(jctl stats)"
ok "stats tables: $(grep '^ *0  ' "$TMP/stats.txt")"

# --- stats reset: counters of the sink and of every replica restart -------
before=$(jctl stats)
out=$(ctl stats reset) || fail "stats reset failed"
[ "$out" = "statistics reset" ] || fail "stats reset printed '$out'"
after=$(jctl stats)
b=$(echo "$before" | jq '[.sink.played, .sink.from_primary, (.replicas[] | .blocks, .wakeups)] | min')
a=$(echo "$after" | jq '[.sink.played, .sink.from_primary, (.replicas[] | .blocks, .wakeups)] | max')
[ "$b" -gt 100 ] || fail "stats before reset: too few blocks to tell ($before)"
[ "$a" -lt $((b / 2)) ] || fail "stats reset: counters $a after, $b before"
ok "stats reset: smallest counter $b before, largest $a after"
[ "$(st .sink.lost_samples)" = 0 ] || fail "lost $(st .sink.lost_samples) samples"
finish
