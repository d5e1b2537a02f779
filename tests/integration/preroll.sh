#!/bin/sh
# preroll.sh - a respawned standby's sync with the primary, by pre-roll.
#
# A file (or the sine) plays through one LV2 plugin; the primary is killed
# once and the sink's sync check (status .replicas[].sync: the standby's
# copy of every block played compared with the primary's, counters reset
# at the respawn) judges the respawned standby. Cases:
#   delay, preroll = 1  swh delay_n (100 ms, no feedback): its memory is
#                       shorter than the pre-roll, so the respawned standby
#                       must be identical from its first block on (0
#                       diverged); killed 2 s in, so that the pre-roll
#                       starts mid-stream (on a multiple of preroll_align),
#                       watched for 1.5 s: longer than delay_n's buffer of
#                       65536 samples, whose end a block straddles once in
#                       every 256 (the block a misaligned respawn differs);
#   sine, delay, pre 1  the same with the sine as the source;
#   delay, preroll = 0  the same plugin without pre-roll: the respawn must
#                       be reported diverged (its delay line starts empty),
#                       then identical once 100 ms of input refilled it;
#   comb, preroll 1, 3  swh comb_n (feedback, 50 ms, decay 1 s), killed with
#                       5 s of memory: converges or not; how long it took
#                       is printed, not asserted (a figure).
# Also prints each respawn's state and pre-roll time. Skips (77) without lv2
# support, swh-lv2 or sox.
. "$(dirname "$0")/lib.sh"

DELAY=http://plugin.org.uk/swh-plugins/delay_n
COMB=http://plugin.org.uk/swh-plugins/comb_n
"$RTAUDIOD" -V | grep -q lv2 || skip "this build has no LV2 support (lilv)"
command -v sox >/dev/null 2>&1 || skip "sox is not installed"
command -v lv2info >/dev/null 2>&1 || skip "lv2info (lilv-utils) is not installed"
lv2info "$DELAY" >/dev/null 2>&1 || skip "swh-lv2 plugins are not installed"
sox -n -r 48000 -c 2 -b 16 "$TMP/music.wav" synth 6 sine 220-880 sine 330 gain -9 ||
	die "sox failed"

# one_kill PRE-ROLL PLUGIN-KEYS...: run a group, kill its primary $PLAY s
# after the start, watch for $WATCH s; then $SYNC holds the respawned
# slot's sync record and $S0 the sink's block when it was ready.
WATCH=1.5
PLAY=0.3
one_kill() {
	pre=$1; shift
	write_conf "preroll = $pre" "[stream]" "frames = 256" \
		"[source]" "type = ${SOURCE:-file}" \
		"$([ "${SOURCE:-file}" = sine ] && echo "frequency = 441.7" || echo "path = $TMP/music.wav")" "$@"
	start_daemon
	sleep "$PLAY"
	reply=$(kill_primary) || die "kill-primary failed: $reply"
	k=$(echo "$reply" | jq -r .killed.index)
	wait_until 10 all_ready || die "replicas not all ready after the kill"
	S0=$(st .sink.seq)
	echo "  respawned replica $k: state $(st ".replicas[$k].state"), pre-roll $(st ".replicas[$k].preroll_ms") ms"
	sleep "$WATCH"
	SYNC=$(jctl status | jq -c ".replicas[$k].sync")
	note_pids
	stop_daemon
}
field() { echo "$SYNC" | jq -r ".$1"; }
# ms_of N: N blocks of 256 frames at 48 kHz, in ms.
ms_of() { awk -v n="$1" 'BEGIN { printf "%.0f", n * 256 / 48 }'; }

echo "delay 100 ms, preroll = 1:"
PLAY=2 one_kill 1 "[plugin echo]" "uri = $DELAY" "delay_time = 0.1"
if [ "$(field diverged)" = 0 ] && [ "$(field identical)" -gt 0 ]; then
	ok "delay, preroll 1: the respawn identical from its first block ($SYNC)"
else
	fail "delay, preroll 1: the respawn is not identical throughout: $SYNC"
fi

echo "sine through the delay, preroll = 1:"
SOURCE=sine PLAY=2 one_kill 1 "[plugin echo]" "uri = $DELAY" "delay_time = 0.1"
if [ "$(field diverged)" = 0 ] && [ "$(field identical)" -gt 0 ]; then
	ok "sine + delay, preroll 1: the respawn identical from its first block ($SYNC)"
else
	fail "sine + delay, preroll 1: the respawn is not identical throughout: $SYNC"
fi

echo "delay 100 ms, preroll = 0:"
one_kill 0 "[plugin echo]" "uri = $DELAY" "delay_time = 0.1"
if [ "$(field diverged)" -gt 0 ]; then
	ok "delay, preroll 0: the respawn reported diverged ($(field diverged) blocks, $(ms_of "$(field diverged)") ms)"
else
	fail "delay, preroll 0: not reported diverged: $SYNC"
fi
[ "$(field state)" = identical ] &&
	ok "delay, preroll 0: identical again after its delay line refilled (since block $(field since))" ||
	fail "delay, preroll 0: never identical again: $SYNC"

# comb_case PRE-ROLL: the feedback comb, killed after 5 s of play (its
# memory full), watched for 4 s; prints the figure.
comb_case() {
	echo "comb (feedback) 50 ms, decay 1 s, preroll = $1:"
	WATCH=4 PLAY=5 one_kill "$1" "[plugin comb]" "uri = $COMB" "delay_time = 0.05" \
		"decay_time = 1"
	[ "$(field identical)" -gt 0 ] || [ "$(field diverged)" -gt 0 ] ||
		{ fail "the comb respawn was never compared: $SYNC"; return; }
	if [ "$(field diverged)" = 0 ]; then
		echo "figure: comb, preroll $1: identical at once ($SYNC)"
	elif [ "$(field state)" = identical ]; then
		last=$(field last_diverged)
		echo "figure: comb, preroll $1: identical for good $(ms_of $((last + 1 - S0))) ms after the respawn was ready ($(field diverged) blocks diverged; $SYNC)"
	else
		echo "figure: comb, preroll $1: still diverged 4 s after the respawn ($SYNC)"
	fi
}
comb_case 1
comb_case 3
finish
