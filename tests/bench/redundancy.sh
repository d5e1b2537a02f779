#!/bin/sh
# redundancy.sh - what redundancy costs, against the same DSP inside JACK
# (part of make bench; figures, not pass/fail).
#
# One jackd -d dummy per period size (48 kHz; 64 and 256 frames), and on it,
# in the same run:
#   peer    tests/bench/jack_peer: the DSP of tests/bench/burn_dsp.h in a
#           JACK client's process callback;
#   hot1, hot2, hot3, warm2
#           rtaudiod with its jack sink on the same server, replicas =
#           tests/bench/burn (the same DSP on the renderer SDK), 1/2/3 hot
#           replicas, or 2 with a warm standby.
# The DSP's cost per block is a fraction of the period: `burn --calibrate`
# times one pass here, the bench turns the fraction into a pass count and
# gives every replica the same count ([source] passes, then `rtaudioctl set
# burn.passes` to ramp it), so replicas stay bit-identical.
# Figures per setup:
#   CPU      seconds of CPU per second of audio at load REDUNDANCY_LOAD
#            (default 0.25 of the period), summed over jackd and the
#            client, or jackd, rtaudiod and every replica (schedstat, ns);
#   overhead what rtaudio costs beyond the peer and the extra DSP copies:
#            (CPU - the replicas' DSP) - (peer CPU - the peer's DSP), each
#            DSP the CPU time of the DSP itself, timed where it ran with the
#            thread CPU clock (burn's status "dsp_ns", jack_peer's dsp_ns),
#            in the same window (on one block in BURN_PROBE_EVERY, and a
#            replica's as a rate between two of its probes, read outside
#            the CPU window: burn_dsp.h says why): what each side costs
#            beyond its DSP copies, as % of the peer's total; goal <= 10%.
#            (The first form, CPU -
#            peer - (copies - 1) x (peer at the load - peer at load 0), took
#            the peer's DSP for each copy's: the same DSP costs a few % more
#            in JACK's callback than in a pinned replica, and the two peer
#            runs a minute apart drifted by more than the goal.) The
#            peer's CPU at the load is measured right before and right
#            after each setup, and the setup set against their mean
#            (column "peer s/s"): a shared host drifts by more than the
#            goal within a minute;
#   max load the highest fraction of the period in REDUNDANCY_RAMP run for
#            REDUNDANCY_STEP_S seconds without an underrun (rtaudiod:
#            sink underruns or JACK xruns; peer: JACK xruns); a step that
#            fails is run once more, since a shared machine hiccups at any
#            load; goal for hot2 (2 replicas, 2 cores): >= 90% of the peer's
#            (a peer that held no step, 0, has no ratio: "-", and the goal
#            is met by any step held).
# Environment: REDUNDANCY_FRAMES ("64 256"), REDUNDANCY_CPU_S (1.5),
# REDUNDANCY_STEP_S (1), REDUNDANCY_LOAD (0.25), REDUNDANCY_RAMP
# ("0.6 0.8 0.9 0.95"; 0 below the first), REDUNDANCY_SETUPS ("hot1 hot2 hot3 warm2").
# Needs RTAUDIOD RTAUDIOCTL BURN JACK_PEER; prints a SKIP line without
# jackd, jq or a JACK build.
set -u
FRAMES_LIST=${REDUNDANCY_FRAMES:-"64 256"}
CPU_S=${REDUNDANCY_CPU_S:-1.5}
STEP_S=${REDUNDANCY_STEP_S:-1}
LOAD=${REDUNDANCY_LOAD:-0.25}
RAMP=${REDUNDANCY_RAMP:-"0.6 0.8 0.9 0.95"}
SETUPS=${REDUNDANCY_SETUPS:-"hot1 hot2 hot3 warm2"}
RATE=48000

for t in jackd jq; do
	command -v $t >/dev/null 2>&1 || { echo "redundancy: SKIP: $t not installed"; exit 0; }
done
[ -x "${JACK_PEER:-}" ] || { echo "redundancy: SKIP: built without JACK (no jack_peer)"; exit 0; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/rtaudio-redundancy.XXXXXX")
SERVER="rb$$"
JPID=""; DPID=""
export JACK_DEFAULT_SERVER=$SERVER
cleanup() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	[ -n "$JPID" ] && kill "$JPID" 2>/dev/null && wait "$JPID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

# cpu_ns PID... -> the CPU time of all their threads, ns
cpu_ns() {
	for p in "$@"; do cat /proc/"$p"/task/*/schedstat 2>/dev/null; done |
		awk '{ s += $1 } END { printf "%.0f\n", s }'
}
now_ns() { date +%s%N; }
passes_for() { awk -v f="$1" -v per="$PERIOD_NS" -v ns="$NS_PASS" 'BEGIN { printf "%d\n", f * per / ns }'; }
ctl() { "$RTAUDIOCTL" -s "$TMP/ctl.sock" "$@"; }
jst() { "$RTAUDIOCTL" -s "$TMP/ctl.sock" --json "$1" | jq -r "$2"; }

start_rtaudio() { # replicas standby passes frames
	cat > "$TMP/rtaudiod.conf" <<-EOF
	[daemon]
	socket = $TMP/ctl.sock
	[group]
	name = rb$$
	replica = $BURN
	replicas = $1
	standby = $2
	[stream]
	frames = $4
	[sink]
	type = jack
	jack_client = rtaudio_bench
	[source]
	passes = $3
	EOF
	"$RTAUDIOD" -c "$TMP/rtaudiod.conf" > "$TMP/rtaudiod.log" 2>&1 &
	DPID=$!
	i=0
	while [ $i -lt 100 ]; do
		[ "$(jst status .ready 2>/dev/null)" = true ] &&
			[ "$(jst status '[.replicas[] | select(.role == "primary" or .role == "standby")] | length')" = "$1" ] &&
			return 0
		sleep 0.1; i=$((i + 1))
	done
	echo "redundancy: rtaudiod did not become ready:"; tail -n 5 "$TMP/rtaudiod.log"
	return 1
}
stop_rtaudio() { kill "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null; DPID=""; }
bad_blocks() { "$RTAUDIOCTL" -s "$TMP/ctl.sock" --json stats | jq '.sink.underruns + .sink.late'; }

# ramp_rtaudio -> the highest load of RAMP that ran clean (0 if none)
ramp_rtaudio() {
	best=0
	for f in $RAMP; do
		tries=0
		while :; do
			ctl set burn.passes "$(passes_for "$f")" > /dev/null || break 2
			sleep 0.2
			b0=$(bad_blocks); sleep "$STEP_S"; b1=$(bad_blocks)
			[ "$b1" -eq "$b0" ] && { best=$f; break; }
			tries=$((tries + 1))
			[ $tries -lt 2 ] || break 2
		done
	done
	echo "$best"
}

# peer_step PASSES: the peer's CPU (s per s) at PASSES and its DSP's own
# CPU in it (jack_peer's dsp_ns), one client run (one step: an xrun
# neither repeats nor ends it).
peer_step() {
	"$JACK_PEER" "$JPID" "$CPU_S" "$1" |
		awk '/^step/ { v = ($9 + $11) / ($5 * 1e9); d = $13 / ($5 * 1e9) }
		     END { printf "%.4f %.4f", v, d }'
}
# peer_load -> peer, dsp: the peer at the load now, and its DSP's CPU in
# that same run.
peer_load() {
	set -- $(peer_step "$P_LOAD")
	peer=$1 dsp=$2
}
# rt_dsp -> "slot dsp_ns at_ns" a line per replica: its DSP's CPU time so
# far and when that probe ended (burn's status).
rt_dsp() {
	jst status '.replicas | to_entries[] | "\(.key) \(.value.source | capture("dsp_ns (?<n>[0-9]+) at (?<t>[0-9]+)") | "\(.n) \(.t)")"'
}
# dsp_rate BEFORE AFTER -> the replicas' DSP, s per s: each replica's rate
# between its two probes, summed.
dsp_rate() {
	printf '%s\n%s\n' "$1" "$2" | awk '{ if ($1 in n) { r += ($2 - n[$1]) / ($3 - t[$1]) } else { n[$1] = $2; t[$1] = $3 } } END { printf "%.4f", r }'
}

printf "redundancy: CPU at load %s of the period for %s s, ramp %s (%s s a step); 48 kHz, jackd -d dummy\n" \
	"$LOAD" "$CPU_S" "$RAMP" "$STEP_S"
for FRAMES in $FRAMES_LIST; do
	PERIOD_NS=$((FRAMES * 1000000000 / RATE))
	jackd -n "$SERVER" -R -P 70 -d dummy -r $RATE -p "$FRAMES" > "$TMP/jackd.log" 2>&1 &
	JPID=$!
	jack_wait -w -t 5 > /dev/null 2>&1 || sleep 1
	NS_PASS=$("$BURN" --calibrate "$FRAMES")
	P_LOAD=$(passes_for "$LOAD")
	# A calibration on a busy machine can make one pass look longer than the
	# load: at least one pass, or the load-0 and load rows of the peer match.
	[ "$P_LOAD" -ge 1 ] || P_LOAD=1
	printf "\n%s frames (period %d us): one pass %s ns, load %s = %d passes per block\n" \
		"$FRAMES" $((PERIOD_NS / 1000)) "$NS_PASS" "$LOAD" "$P_LOAD"

	# The peer: CPU at load 0 and at LOAD (again beside each setup, below),
	# then the ramp.
	set -- $(peer_step 0)
	peer0=$1
	peer_load
	peer_first=$peer
	set --
	for f in $RAMP; do set -- "$@" "$(passes_for "$f")"; done
	out=$("$JACK_PEER" "$JPID" "$STEP_S" "$@")
	peer_max=0
	for f in $RAMP; do
		p=$(passes_for "$f")
		echo "$out" | awk -v p="$p" '/^step/ && $3 == p && $7 == 0 { ok = 1 } END { exit !ok }' &&
			peer_max=$f
	done
	printf "%-6s %10s %10s %10s %12s %9s %10s\n" setup "CPU s/s" "peer s/s" "x peer" "overhead" \
		"max load" "x peer"
	printf "%-6s %10.4f %10s %10s %12s %9s %10s   (load 0: %.4f, DSP alone %.4f)\n" peer \
		"$peer_first" - 1.00 - "$peer_max" 1.00 "$peer0" "$dsp"

	# The host drifts by more than the goal within a minute: each setup is
	# set against the peer at the load right before and right after it
	# (the mean), each after the next one's before.
	peer_load
	for s in $SETUPS; do
		case $s in
		hot*) n=${s#hot}; sb=hot ;;
		warm*) n=${s#warm}; sb=warm ;;
		*) echo "redundancy: unknown setup $s"; continue ;;
		esac
		start_rtaudio "$n" "$sb" "$P_LOAD" "$FRAMES" || { stop_rtaudio; continue; }
		sleep 0.5
		pids="$JPID $DPID $(jst status '.replicas[].pid')"
		# The DSP's probes outside the CPU window: a status call costs
		# rtaudiod CPU that is the bench's, not the stream's.
		d0=$(rt_dsp)
		# shellcheck disable=SC2086
		c0=$(cpu_ns $pids); t0=$(now_ns)
		sleep "$CPU_S"
		# shellcheck disable=SC2086
		c1=$(cpu_ns $pids); t1=$(now_ns)
		d1=$(rt_dsp)
		cpu=$(awk -v c=$((c1 - c0)) -v t=$((t1 - t0)) 'BEGIN { printf "%.4f", c / t }')
		rtdsp=$(dsp_rate "$d0" "$d1")
		# A replica replaced in the window (a stall on a busy host) took its
		# CPU with it: no figure rather than a wrong one.
		if [ "$pids" != "$JPID $DPID $(jst status '.replicas[].pid')" ]; then
			echo "$s: a replica was replaced while its CPU was measured (see the log): no figure"
			stop_rtaudio
			continue
		fi
		max=$(ramp_rtaudio)
		stop_rtaudio
		pb=$peer db=$dsp
		peer_load
		pm=$(awk -v a="$pb" -v b="$peer" 'BEGIN { printf "%.4f", (a + b) / 2 }')
		dm=$(awk -v a="$db" -v b="$dsp" 'BEGIN { printf "%.4f", (a + b) / 2 }')
		awk -v s="$s" -v cpu="$cpu" -v peer="$pm" -v dsp="$dm" -v rtdsp="$rtdsp" \
		    -v max="$max" -v pmax="$peer_max" 'BEGIN {
			over = (cpu - rtdsp) - (peer - dsp)
			pct = peer > 0 ? 100 * over / peer : 0
			goal = pct <= 10 ? "met" : "MISSED"
			# A peer that held no step of the ramp has no ratio: any
			# step held is at least 0.9 x its 0, and none is no figure.
			lr = pmax > 0 ? sprintf("%10.2f", max / pmax) : sprintf("%10s", "-")
			line = sprintf("%-6s %10.4f %10.4f %10.2f %11.1f%% %9s %s   overhead goal <= 10%%: %s",
			               s, cpu, peer, peer > 0 ? cpu / peer : 0, pct, max, lr, goal)
			if (s == "hot2") {
				if (pmax > 0)
					mg = max / pmax >= 0.9 ? "met" : "MISSED"
				else
					mg = max > 0 ? "met (the peer held no step of the ramp)" : "no figure (neither held a step of the ramp)"
				line = line "; max load goal >= 0.90 x peer: " mg
			}
			print line
		}'
	done
	kill "$JPID" 2>/dev/null; wait "$JPID" 2>/dev/null; JPID=""
done
echo
echo "redundancy: CPU = seconds of CPU per second of audio (all processes); overhead = (CPU - its DSP) - (peer - its DSP), each DSP timed where it ran, % of the peer's CPU; max load = fraction of the period"
