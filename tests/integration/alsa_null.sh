#!/bin/sh
# ALSA sink into a device that does not keep time: alsa-lib's `null` PCM
# takes every write at once and never waits, so the device no longer paces
# the sink. Before rtaudiod paced such a device itself, its sink thread spun
# at SCHED_FIFO (millions of blocks a second, each an underrun) and starved
# the replicas into stall failovers. Checks that over 4 s:
#   - the stream moves at real time (blocks within 2% of 4 s worth: the
#     sink holds a block while it would be more than a buffer ahead, and
#     lets the device run at most 0.4% fast);
#   - 0 underruns, 0 lost, 0 failovers, the replicas never replaced;
#   - status counts the held periods (sink.device.paced), rtaudioctl status
#     says so, and the daemon logs it once;
#   - the sink thread uses well under a core (it sleeps, it does not spin);
#   - the same in full duplex, capturing from the null PCM as well.
# A device that keeps time is never held: alsa_sink.sh checks paced is 0.
. "$(dirname "$0")/lib.sh"

"$RTAUDIOD" -V | grep -q alsa || skip "rtaudiod built without ALSA (libasound2-dev)"

# paced WHAT: the daemon just started; checks the above over 4 s.
paced() {
	wait_until 5 all_ready || die "$1: replicas not ready"
	pids0=$(st '[.replicas[].pid] | join(" ")')
	alsa_window "$1" 4
	verdict=$(awk -v n="$WIN_BLOCKS" -v t="$WIN_NS" -v w="$WIN_WANT" -v x="$WIN_RATIO" -v c="$WIN_CPU_NS" 'BEGIN {
		printf "%d blocks in %.2f s (real time: %.0f, ratio %.4f); sink thread %.1f%% of a core",
		       n, t / 1e9, w, x, 100 * c / t
		exit !(n >= 0.98 * w && n <= 1.02 * w && c < 0.25 * t)
	}') || fail "$1: not paced at real time: $verdict"
	[ "$(st .sink.underruns)" = 0 ] || fail "$1: $(st .sink.underruns) underruns"
	[ "$(st .sink.lost_samples)" = 0 ] || fail "$1: lost $(st .sink.lost_samples) samples"
	[ "$(st .failovers.count)" = 0 ] ||
		fail "$1: $(st .failovers.count) failovers: $(grep -m 2 stalled "$DLOG" | tr '\n' ' ')"
	[ "$(st '[.replicas[].pid] | join(" ")')" = "$pids0" ] || fail "$1: replicas replaced"
	n=$(st .sink.device.paced)
	[ "$n" -gt 0 ] 2>/dev/null || fail "$1: sink.device.paced is '$n'"
	ctl status | grep -q "paced by rtaudiod (" || fail "$1: rtaudioctl status does not say the device is paced"
	logged=$(grep -c "device 'null' takes periods faster than real time" "$DLOG")
	[ "$logged" = 1 ] || fail "$1: the pacing logged $logged times, expected once"
	ok "$1: $verdict; paced $n, underruns 0, failovers 0"
}

write_conf "[stream]" "frames = 256" "[sink]" "type = alsa" "device = null"
start_daemon
paced "null PCM"
stop_daemon

# Full duplex, capturing from the null PCM too: in duplex the capture paces
# the sink, and this capture never waits either.
: > "$DLOG"
write_conf "[stream]" "frames = 256" "input_channels = 2" "[sink]" "type = alsa" "device = null" \
	"capture_device = null" "[source]" "type = input"
start_daemon
paced "null PCM, full duplex"
stop_daemon
finish
