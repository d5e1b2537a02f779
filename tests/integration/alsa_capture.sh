#!/bin/sh
# ALSA full duplex: [sink] type = alsa with capture_device, live input
# captured through alsa-lib's jack PCM (alsa-plugins) in front of a jackd
# running the dummy driver: no sound card, a real clock. The PCM's capture
# side is a JACK client of its own (rtaudiod.C.PID.N:in_000..001), its
# playback another (rtaudiod.P.PID.N:out_000..001). Checks that:
#   0. configuration errors exit 78: input_channels with the alsa sink and
#      no capture_device (naming the key), with the null sink, and
#      capture_device without input_channels; a capture device that cannot
#      be opened fails start-up (exit 1) naming it;
#   1. status shows the capture device, its format, channels, buffer, and
#      whether it is linked to the playback; the stated input latency; the
#      sink thread's system calls are futex, clock and the devices' own;
#   2. a JACK client (jack_loop) plays a known signal into the capture
#      ports and records the playback ports in the same cycles while the
#      primary is killed 10 times: every recorded frame equals the offline
#      computation (pass-through and the output stage, 0.5 x) at one
#      constant latency, the one status states; 0 lost, 0 xruns either way;
#   3. the respawned standby reaches `identical`;
#   4. the sink thread held 3 s (SIGUSR2's test hook): the playback's
#      underrun and the capture's overrun are recovered and counted, the
#      daemon plays on, and a new recording is again exact at the same
#      latency (the capture restarted behind the playback);
#   5. the JACK server behind both PCMs stopped: the daemon stays up, logs
#      the loss of both; when it is back both are reopened and a recording
#      is exact again, at the same latency.
. "$(dirname "$0")/lib.sh"

command -v jackd >/dev/null 2>&1 || skip "jackd is not installed (Debian package jackd2)"
[ -x "${JACK_LOOP:-}" ] || skip "built without JACK (no tests/integration/jack_loop)"
"$RTAUDIOD" -V | grep -q alsa || skip "rtaudiod built without ALSA (libasound2-dev)"
plug=$(find /usr/lib /usr/local/lib -name libasound_module_pcm_jack.so 2>/dev/null | head -n 1)
[ -n "$plug" ] || skip "alsa-plugins' jack PCM is not installed (libasound2-plugins)"

jack_server
trap stop_jackd_clean EXIT
trap 'stop_jackd; teardown; exit 1' INT TERM

# The capture side connects to the dummy driver's (silent) capture ports
# when it starts; jack_loop's signal is summed in with them: x + 0 = x.
cat > "$TMP/asoundrc" <<EOF
pcm.rtduplex {
	type jack
	playback_ports { 0 system:playback_1 1 system:playback_2 }
	capture_ports { 0 system:capture_1 1 system:capture_2 }
}
EOF
ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$TMP/asoundrc"
export ALSA_CONFIG_PATH

# 0. Configuration errors (no server needed).
conf_error() {  # conf_error WHAT TEXT KEYS...: exit 78 and TEXT in the error
	what=$1 want=$2; shift 2
	write_conf "$@"
	rc=0
	"$RTAUDIOD" -n -c "$CONF" > /dev/null 2> "$TMP/err" || rc=$?
	if [ "$rc" = 78 ] && grep -qF "$want" "$TMP/err"
	then ok "$what: exit 78, $(sed "s|$TMP/||" "$TMP/err" | head -n 1)"
	else fail "$what: exit $rc, want 78 with '$want': $(cat "$TMP/err")"; fi
}
conf_error "alsa, input_channels, no capture_device" \
	"key 'capture_device': missing: input_channels = 2 with the alsa sink" \
	"[stream]" "input_channels = 2" "[sink]" "type = alsa" "[source]" "type = input"
conf_error "null sink with input_channels" "the null sink captures no live input" \
	"[stream]" "input_channels = 1" "[source]" "type = input"
conf_error "capture_device without input_channels" \
	"key 'capture_device': capture_device is the alsa sink's live input" \
	"[sink]" "type = alsa" "capture_device = rtduplex"

start_jackd || skip "jackd cannot run here: $(tail -n 3 "$TMP/jackd.log" | tr '\n' ' ')"
write_conf "[stream]" "input_channels = 2" "[sink]" "type = alsa" "device = rtduplex" \
	"capture_device = rtaudio_no_such_pcm" "[source]" "type = input"
rc=0
"$RTAUDIOD" -c "$CONF" > "$TMP/nodev.log" 2>&1 || rc=$?
if [ "$rc" = 1 ] && grep -q "cannot open ALSA device 'rtaudio_no_such_pcm' for capture" \
	"$TMP/nodev.log"
then ok "no such capture device: exit $rc, $(grep "ALSA device" "$TMP/nodev.log" | head -n 1)"
else fail "with no such capture device: exit $rc (expected 1), $(cat "$TMP/nodev.log")"; fi

# 1. Full duplex through the jack PCM.
write_conf "[stream]" "frames = 256" "input_channels = 2" "[sink]" "type = alsa" \
	"device = rtduplex" "capture_device = rtduplex" "[source]" "type = input"
start_daemon
cap=$(st '.sink.device.capture | "\(.name) \(.format) \(.channels) \(.period) \(.buffer) linked=\(.linked)"')
case "$cap" in
"rtduplex FLOAT_LE 2 256 1024 linked="*) ok "status: capture $cap" ;;
*) fail "sink.device.capture is '$cap'" ;;
esac
ctl status | grep -q "capture rtduplex FLOAT_LE, 2 ch" || fail "rtaudioctl status shows no capture"
lat_ms=$(st .stream.input_latency_ms); fr=$(st .stream.frames); buf=$(st .sink.device.buffer)
lead=$(st .stream.lead); rate=$(st .stream.sample_rate)
ok "status: input latency $lat_ms ms (lead $lead + 1 periods + buffer $buf - 1 period)"

check_sink_calls() { rt_syscalls "$1" "alsa sink thread (duplex)" 50 device; }
tid=$(ps -L -o tid=,comm= -p "$DPID" | awk '$2 == "alsa-sink" { print $1 }' | head -n 1)
if ! command -v strace > /dev/null 2>&1; then
	echo "note: strace is not installed: sink thread syscall check not run"
elif [ -z "$tid" ]; then
	fail "no alsa-sink thread in rtaudiod"
else
	timeout -s INT 1 strace -p "$tid" -o "$TMP/sink.trace" 2> /dev/null
	if check_sink_calls "$TMP/sink.trace" > "$TMP/sink.out"; then ok "$(cat "$TMP/sink.out")"
	else fail "$(cat "$TMP/sink.out")"; fi
fi

# 2. A known signal in, 10 kills, the recording checked frame by frame.
port() { jack_lsp | grep "^rtaudiod\.$1[^:]*:$2\$" | tail -n 1; }
ins="$(port C in_000),$(port C in_001)"; outs="$(port P out_000),$(port P out_001)"
case "$ins,$outs" in
*rtaudiod.C*,*rtaudiod.C*,*rtaudiod.P*,*rtaudiod.P*) ;;
*) die "no alsa-plugins ports in: $(jack_lsp | tr '\n' ' ')" ;;
esac
"$JACK_LOOP" -i "$ins" -o "$outs" 8 > "$TMP/loop.out" 2>&1 &
LPID=$!
sleep 1
i=0
while [ $i -lt 10 ]; do
	sleep 0.45
	reply=$(kill_primary) || die "kill-primary $i failed: $reply"
	wait_until 10 all_ready || die "replicas not all ready after kill $i"
	note_pids
	i=$((i + 1))
done
wait "$LPID" || fail "jack_loop: $(cat "$TMP/loop.out")"
cat "$TMP/loop.out"
lat=$(sed -n 's/.*input-to-output latency \([0-9]*\) frames.*/\1/p' "$TMP/loop.out")
want=$(( (lead + 1) * fr + buf - fr ))
[ "$lat" = "$want" ] || fail "measured latency $lat frames, status states $want"
wait_until 5 settled
lost=$(st .sink.lost_samples); n=$(st .failovers.count)
xr=$(st .sink.device.xruns); cxr=$(st .sink.device.capture.xruns)
[ "$n" -ge 10 ] || fail "failovers $n, expected at least 10"
[ "$lost" = 0 ] || fail "lost $lost samples"
[ "$xr" = 0 ] && [ "$cxr" = 0 ] || fail "device xruns: playback $xr, capture $cxr"
ok "10 kills with ALSA capture: failovers $n, lost $lost, underruns $(st .sink.underruns), xruns $xr playback, $cxr capture"
echo "figure: ALSA capture to ALSA playback latency $lat frames = $(awk -v l="$lat" -v r="$rate" 'BEGIN { printf "%.3f", 1000 * l / r }') ms"

# 3. The respawned standby renders the same bits as the primary.
identical() { [ "$(st '[.replicas[] | select(.role == "standby") | .sync.state] | length > 0 and all(. == "identical")')" = true ]; }
wait_until 5 identical || fail "standby sync: $(st '[.replicas[] | .sync]' | tr -d ' \n')"
ok "after respawn: sync $(st '[.replicas[] | "\(.role)=\(.sync.state) (\(.sync.identical) identical, \(.sync.diverged) diverged)"] | join(", ")')"

# 4. xruns both ways, recovered.
kill -USR2 "$DPID"
sleep 3.5
recovered() { [ "$(st .sink.device.xruns)" -ge 1 ] && [ "$(st .sink.device.capture.xruns)" -ge 1 ]; }
wait_until 5 recovered || fail "no xruns counted after the stall: $(jctl status | jq -c .sink.device)"
s1=$(st .sink.seq); sleep 0.3; s2=$(st .sink.seq)
[ "$s2" -gt "$s1" ] || fail "the sink does not play after the stall (seq $s1 -> $s2)"
# stable: the devices up, playing, and not lost again for a second (on a
# loaded machine a JACK server just restarted may drop its clients once
# more; the sink reopens them again, which is what is under test).
stable() {
	l1=$(st .sink.device.losses); s1=$(st .sink.seq); sleep 1
	[ "$(st .sink.device.up)" = true ] && [ "$(st .sink.device.losses)" = "$l1" ] &&
		[ "$(st .sink.seq)" -gt "$s1" ]
}
# exact_again WHAT: a 2 s recording through both PCMs, exact at latency
# $lat. The PCMs' JACK clients are new ones after a reopen: if they went
# between the look-up and the connection, look them up again (3 tries).
exact_again() {
	for try in 1 2 3; do
		wait_until 15 stable || { fail "$1: the devices are not stable: $(jctl status | jq -c .sink.device)"; return; }
		ins="$(port C in_000),$(port C in_001)"; outs="$(port P out_000),$(port P out_001)"
		"$JACK_LOOP" -i "$ins" -o "$outs" 2 > "$TMP/loop2.out" 2>&1 && break
		grep -q "cannot connect" "$TMP/loop2.out" || break
		echo "note: $1: try $try: $(cat "$TMP/loop2.out")"
	done
	if grep -q " 0 mismatches" "$TMP/loop2.out"; then
		lat2=$(sed -n 's/.*input-to-output latency \([0-9]*\) frames.*/\1/p' "$TMP/loop2.out")
		[ "$lat2" = "$lat" ] || fail "latency $1 $lat2 frames, before $lat"
		ok "$1: $(cat "$TMP/loop2.out")"
	else
		fail "$1: $(cat "$TMP/loop2.out")"
	fi
}
ok "stall of 3 s: xruns $(st .sink.device.xruns) playback, $(st .sink.device.capture.xruns) capture, recovered"
exact_again "after the xruns"
is_running || fail "daemon state $(st .daemon.state) after the stall"

# 5. The server behind both PCMs goes away, and comes back.
stop_jackd
wait_until 5 grep -q "alsa: device 'rtduplex' or capture device 'rtduplex' lost" "$DLOG" ||
	fail "loss of the devices not logged"
[ "$(st .sink.device.up)" = false ] || fail "sink.device.up is not false"
s1=$(st .sink.seq)
start_jackd || die "jackd did not restart"
wait_until 15 grep -q "alsa: device 'rtduplex' is back .*capture rtduplex" "$DLOG" ||
	die "devices not reopened: $(tail -n 5 "$DLOG")"
seq_moved() { [ "$(st .sink.seq)" -gt "$s1" ]; }
wait_until 5 seq_moved || fail "sink.seq stuck at $s1 after the server came back"
wait_until 5 port C in_001 > /dev/null || fail "no capture ports after the return"
ok "server gone and back: $(grep -o "is back after [0-9.]* s" "$DLOG" | head -n 1), reopens $(st .sink.device.reopens)"
exact_again "after the reopen"

stop_daemon
stop_jackd
finish
