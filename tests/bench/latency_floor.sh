#!/bin/sh
# latency_floor.sh - the smallest latency rtaudio holds under load (make
# bench: a few seconds per setting; make soak with SOAK_FLOOR=1: 10 minutes
# each). Figures, not pass/fail.
#
# For each setting of FLOOR_SETTINGS (FRAMESxLEAD, in ascending order of
# lead x frames, default "64x1 64x2 128x2 256x2 512x2"), runs
# rtaudiod (null sink, two hot sine replicas at SCHED_FIFO 80) for FLOOR_S
# seconds (default 2) while stress-ng loads every CPU at normal priority
# (--cpu N, plus --vm 1 for memory traffic) and cyclictest measures the
# machine's own SCHED_FIFO 80 wake-up latency (the peer figure) in the same
# run. Prints each setting's underruns and cyclictest's maximum, and the
# first setting with 0 underruns: the latency floor, lead x frames (ms at
# 48 kHz). Stops there unless FLOOR_ALL=1. Needs RTAUDIOD RTAUDIOCTL
# REPLICA; SKIP lines without stress-ng or cyclictest.
set -u
SETTINGS=${FLOOR_SETTINGS:-"64x1 64x2 128x2 256x2 512x2"}
S=${FLOOR_S:-2}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rtaudio-floor.XXXXXX")
DPID=""; SPID=""
trap '[ -n "$DPID" ] && kill "$DPID" 2>/dev/null; [ -n "$SPID" ] && kill "$SPID" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT INT TERM
jst() { "$RTAUDIOCTL" -s "$TMP/ctl.sock" --json status | jq -r "$1"; }

for t in stress-ng cyclictest jq; do
	command -v $t >/dev/null 2>&1 || { echo "latency_floor: SKIP: $t not installed"; exit 0; }
done
N=$(nproc)
floor=""
echo "latency_floor: $S s per setting under stress-ng --cpu $N --vm 1, SCHED_FIFO 80, null sink, 2 hot replicas"
for set in $SETTINGS; do
	F=${set%x*}; L=${set#*x}
	printf '[daemon]\nsocket = %s\n[group]\nname = lf%s\nreplica = %s\n[stream]\nframes = %s\nlead = %s\n' \
		"$TMP/ctl.sock" "$$" "$REPLICA" "$F" "$L" > "$TMP/c.conf"
	"$RTAUDIOD" -c "$TMP/c.conf" > "$TMP/log" 2>&1 &
	DPID=$!
	i=0
	until [ "$(jst .ready 2>/dev/null)" = true ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
	stress-ng --cpu "$N" --vm 1 --vm-bytes 64M -t "$((S + 2))" -q > /dev/null 2>&1 &
	SPID=$!
	sleep 0.5
	u0=$(jst .sink.underruns)
	cmax=$(cyclictest -m -p 80 -a -t "$N" -i 1000 -D "$S" -q 2>/dev/null |
		awk '/^T:/ { for (i = 1; i <= NF; i++) if ($i == "Max:") m = $(i + 1) > m ? $(i + 1) : m } END { print m + 0 }')
	u1=$(jst .sink.underruns)
	kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; SPID=""
	kill "$DPID"; wait "$DPID" 2>/dev/null; DPID=""
	u=$((u1 - u0))
	awk -v f="$F" -v l="$L" -v u="$u" -v c="$cmax" -v s="$S" 'BEGIN {
		printf "latency_floor: %4d frames x lead %d = %5d frames (%.2f ms): %d underruns in %d s; cyclictest max %d us\n",
		       f, l, f * l, f * l / 48.0, u, s, c }'
	if [ "$u" -eq 0 ] && [ -z "$floor" ]; then
		floor="$set"
		[ "${FLOOR_ALL:-0}" = 1 ] || break
	fi
done
if [ -n "$floor" ]; then
	F=${floor%x*}; L=${floor#*x}
	awk -v f="$F" -v l="$L" 'BEGIN { printf "latency_floor: the floor under load: lead %d x %d frames = %d frames, %.2f ms\n", l, f, f * l, f * l / 48.0 }'
else
	echo "latency_floor: no setting ran without underruns"
fi
