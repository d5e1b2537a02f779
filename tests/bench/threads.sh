#!/bin/sh
# threads.sh - rtaudiod's own threads in steady state (part of make bench;
# figures, not pass/fail): for 64 and 256 frames (THREADS_FRAMES), a null
# sink and two hot sine replicas, after 1 s of settling, over THREADS_S
# seconds (default 3): the CPU of the main (loop) thread and of the sink
# thread ("rtaudiod-sink") as % of one core, from
# /proc/PID/task/TID/schedstat (ns on CPU; utime+stime in stat count
# 10 ms ticks, too coarse for 0.1%), and the sink thread's cost per period
# (its CPU over the periods it played), and of the heartbeat watcher
# ("rtaudiod-watch", daemon/watch.h: the sink rings it only when a
# heartbeat is about to be stale). The main thread's goal, <= 0.1% of a core
# at any period size, is printed against it.
# Needs RTAUDIOD RTAUDIOCTL REPLICA.
set -u
FRAMES_LIST=${THREADS_FRAMES:-"64 256"}
S=${THREADS_S:-3}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rtaudio-threads.XXXXXX")
DPID=""
trap '[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null; rm -rf "$TMP"' EXIT INT TERM
jst() { "$RTAUDIOCTL" -s "$TMP/ctl.sock" --json status | jq -r "$1"; }
sched() { awk '{print $1}' "/proc/$DPID/task/$1/schedstat"; }

command -v jq >/dev/null 2>&1 || { echo "threads: SKIP: jq not installed"; exit 0; }
for F in $FRAMES_LIST; do
	printf '[daemon]\nsocket = %s\n[group]\nname = th%s\nreplica = %s\n[stream]\nframes = %s\n' \
		"$TMP/ctl.sock" "$$" "$REPLICA" "$F" > "$TMP/c.conf"
	"$RTAUDIOD" -c "$TMP/c.conf" > "$TMP/log" 2>&1 &
	DPID=$!
	i=0
	until [ "$(jst .ready 2>/dev/null)" = true ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
	sleep 1
	SINK=""; WATCH=""
	for t in /proc/"$DPID"/task/*; do
		[ "$(cat "$t/comm")" = rtaudiod-sink ] && SINK=$(basename "$t")
		[ "$(cat "$t/comm")" = rtaudiod-watch ] && WATCH=$(basename "$t")
	done
	[ -n "$WATCH" ] || { echo "threads: no rtaudiod-watch thread"; exit 1; }
	[ -n "$SINK" ] || { echo "threads: no rtaudiod-sink thread"; exit 1; }
	# The status requests outside the window: serving one costs the main
	# thread about as much as a second of supervision.
	p0=$(jst .sink.played)
	m0=$(sched "$DPID"); s0=$(sched "$SINK"); w0=$(sched "$WATCH"); t0=$(date +%s%N)
	sleep "$S"
	m1=$(sched "$DPID"); s1=$(sched "$SINK"); w1=$(sched "$WATCH"); t1=$(date +%s%N)
	p1=$(jst .sink.played)
	awk -v f="$F" -v m=$((m1 - m0)) -v s=$((s1 - s0)) -v w=$((w1 - w0)) -v p=$((p1 - p0)) \
	    -v t=$((t1 - t0)) -v rt="$(jst .sink.rt)" 'BEGIN {
		fmt = "threads: %4d frames, %.1f s: main (loop) thread %.3f%% of a core (goal <= 0.1%%: %s);"
		fmt = fmt " watch thread %.3f%%; sink thread %.3f%%, %.0f ns per period (%d periods; %s)\n"
		printf fmt, f, t / 1e9, 100 * m / t, (100 * m / t <= 0.1 ? "met" : "MISSED"),
		       100 * w / t, 100 * s / t, (p > 0 ? s / p : 0), p, rt
	}'
	kill "$DPID"; wait "$DPID" 2>/dev/null; DPID=""
done
