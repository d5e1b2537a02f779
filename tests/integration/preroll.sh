#!/bin/sh
# preroll.sh - a respawned standby's sync with the primary, by pre-roll.
#
# A file plays through one LV2 plugin; the primary is killed once while
# ringsync compares the replicas' copies of every block (identical or
# diverged, per replica process). Three cases:
#   delay, preroll = 1  swh delay_n (100 ms, no feedback): its memory is
#                       shorter than the pre-roll, so the respawned standby
#                       must be identical from its first block on;
#   delay, preroll = 0  the same plugin without pre-roll: the respawn must
#                       be reported diverged first (its delay line is empty),
#                       then identical once 100 ms of input refilled it;
#   comb,  preroll 1, 3 swh comb_n (feedback, 50 ms, decay 1 s), killed with
#                       2.5 s of memory: converges
#                       or not; the time to identical is printed, not
#                       asserted (a figure).
# Also checks that the replica said `catching-up` is over (state ready) and
# printed its pre-roll time. Skips (77) without lv2 support, swh-lv2, sox.
. "$(dirname "$0")/lib.sh"

DELAY=http://plugin.org.uk/swh-plugins/delay_n
COMB=http://plugin.org.uk/swh-plugins/comb_n
: "${RINGSYNC:?RINGSYNC not set (run through make check)}"
"$RTAUDIOD" -V | grep -q lv2 || skip "this build has no LV2 support (lilv)"
command -v sox >/dev/null 2>&1 || skip "sox is not installed"
command -v lv2info >/dev/null 2>&1 || skip "lv2info (lilv-utils) is not installed"
lv2info "$DELAY" >/dev/null 2>&1 || skip "swh-lv2 plugins are not installed"
sox -n -r 48000 -c 2 -b 16 "$TMP/music.wav" synth 4 sine 220-880 sine 330 gain -9 ||
	die "sox failed"

# one_kill PRE-ROLL PLUGIN-KEYS...: run a group, kill its primary once with
# ringsync watching ($WATCH s, the kill $PLAY s after the start); $TMP/sync
# gets ringsync's lines, $NEWPID the respawn.
WATCH=3
PLAY=0.3
one_kill() {
	pre=$1; shift
	write_conf "preroll = $pre" "[stream]" "frames = 64" "ring_capacity = 16" \
		"[source]" "type = file" "path = $TMP/music.wav" "$@"
	start_daemon
	"$RINGSYNC" "$GROUP" "$WATCH" > "$TMP/sync" &
	rs=$!
	sleep "$PLAY"
	reply=$(kill_primary) || die "kill-primary failed: $reply"
	killed=$(echo "$reply" | jq -r .killed.index)
	wait_until 10 all_ready || die "replicas not all ready after the kill"
	NEWPID=$(st ".replicas[$killed].pid")
	echo "  respawned replica $killed (pid $NEWPID): state $(st ".replicas[$killed].state"), pre-roll $(st ".replicas[$killed].preroll_ms") ms"
	wait "$rs"
	note_pids
	stop_daemon
}

# verdicts PID: the respawn's verdict changes, "SEQ VERDICT" per line.
verdicts() { awk -v p="$1" '$4 == p { print $2, $5 }' "$TMP/sync"; }

echo "delay 100 ms, preroll = 1:"
one_kill 1 "[plugin echo]" "uri = $DELAY" "delay_time = 0.1"
v=$(verdicts "$NEWPID")
[ -n "$v" ] || fail "ringsync never compared the respawned standby"
if [ "$v" = "$(echo "$v" | head -n 1 | grep ' identical$')" ]; then
	ok "delay, preroll 1: the respawn is identical from its first compared block ($(echo "$v" | head -n 1 | cut -d' ' -f1)) on"
else
	fail "delay, preroll 1: the respawn diverged: $(echo "$v" | tr '\n' ' ')"
fi

echo "delay 100 ms, preroll = 0:"
one_kill 0 "[plugin echo]" "uri = $DELAY" "delay_time = 0.1"
v=$(verdicts "$NEWPID")
first=$(echo "$v" | head -n 1)
last=$(echo "$v" | tail -n 1)
case "$first" in
*diverged) ok "delay, preroll 0: the respawn is reported diverged at first" ;;
*) fail "delay, preroll 0: not reported diverged: $(echo "$v" | tr '\n' ' ')" ;;
esac
case "$last" in
*identical)
	ms=$(echo "$first $last" | awk '{ printf "%.0f", ($3 - $1) * 64 / 48 }')
	ok "delay, preroll 0: identical after $ms ms of its own blocks (the delay is 100 ms)" ;;
*) fail "delay, preroll 0: never identical again: $(echo "$v" | tr '\n' ' ')" ;;
esac

# comb_case PRE-ROLL: the feedback comb, killed after 2.5 s of play (its
# memory full), watched for 6 s; prints the figure.
comb_case() {
	echo "comb (feedback) 50 ms, decay 1 s, preroll = $1:"
	WATCH=6 PLAY=2.5 one_kill "$1" "[plugin comb]" "uri = $COMB" "delay_time = 0.05" \
		"decay_time = 1"
	v=$(verdicts "$NEWPID")
	[ -n "$v" ] || { fail "ringsync never compared the comb respawn"; return; }
	first=$(echo "$v" | head -n 1)
	last=$(echo "$v" | tail -n 1)
	n=$(echo "$v" | grep -c diverged)
	summary=$(awk -v p="$NEWPID" '$4 == p { i = $3 } /^summary/ && $2 == i { print }' "$TMP/sync")
	case "$last" in
	*identical)
		ms=$(echo "$first $last" | awk '{ printf "%.0f", ($3 - $1) * 64 / 48 }')
		echo "figure: comb, preroll $1: identical for good after $ms ms of its blocks ($n diverged stretches; $summary)" ;;
	*)
		echo "figure: comb, preroll $1: still diverged 3 s after the kill ($n diverged stretches; $summary)" ;;
	esac
}
comb_case 1
comb_case 3
finish
