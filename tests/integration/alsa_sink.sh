#!/bin/sh
# ALSA sink: rtaudiod plays into ALSA PCMs that need no sound card: the
# `jack` PCM of alsa-plugins in front of a jackd running the dummy driver
# (a real clock: the device's clock paces the sink), and the `file` PCM in
# front of it for the sample data. The PCMs are defined in an asoundrc of
# the test's own (ALSA_CONFIG_PATH). Checks that:
#   0. a device that cannot be opened fails start-up (exit 1) naming it;
#   1. status shows the device, format, rate, period and buffer in use; the
#      sink thread's system calls are futex, clock and the device's own
#      (poll, read, write, ioctl) only (strace);
#   2. a recording of the PCM's JACK ports made while the primary is killed
#      20 times is a continuous sine with no lost sample, no underrun;
#   3. the file PCM gets the negotiated format's samples: S32 (the lfloat
#      PCM offers integers only), S16 and S24 when alsa_format asks: each a
#      continuous sine (sinecheck on the WAV the file PCM writes);
#   4. stopping the JACK server behind the PCM: the daemon stays up and
#      supervising, logs and emits `sink device-lost`, holds its position;
#      when it returns the device is reopened (`sink device-back`), the
#      position moves on, and the sine is continuous again.
. "$(dirname "$0")/lib.sh"

command -v jackd >/dev/null 2>&1 || skip "jackd is not installed (Debian package jackd2)"
[ -x "${JACK_RECORD:-}" ] || skip "built without JACK (no tests/integration/jack_record)"
"$RTAUDIOD" -V | grep -q alsa || skip "rtaudiod built without ALSA (libasound2-dev)"
plug=$(find /usr/lib /usr/local/lib -name libasound_module_pcm_jack.so 2>/dev/null | head -n 1)
[ -n "$plug" ] || skip "alsa-plugins' jack PCM is not installed (libasound2-plugins)"

jack_server
EPID=""
trap 'stop_jackd_clean; [ -z "$EPID" ] || kill "$EPID" 2>/dev/null' EXIT
trap 'stop_jackd; teardown; exit 1' INT TERM

# Our PCMs, on top of the system's configuration.
cat > "$TMP/asoundrc" <<EOF
pcm.rtjack {
	type jack
	playback_ports { 0 system:playback_1 1 system:playback_2 }
}
pcm.rtint {
	type lfloat
	slave { pcm "rtjack" format FLOAT_LE }
}
pcm.rtfile {
	type file
	slave.pcm "rtint"
	file "$TMP/file.wav"
	format "wav"
}
pcm.rtraw {
	type file
	slave.pcm "rtint"
	file "$TMP/file.raw"
	format "raw"
}
EOF
ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$TMP/asoundrc"
export ALSA_CONFIG_PATH

# The JACK ports alsa-plugins' client registered for rtaudiod.
plugin_port() { jack_lsp | grep "^rtaudiod[^:]*:out_00$1\$" | tail -n 1; }
record() {  # record FILE SECONDS: record the PCM's two ports
	p0=$(plugin_port 0); p1=$(plugin_port 1)
	[ -n "$p0" ] && [ -n "$p1" ] || { fail "no alsa-plugins ports in: $(jack_lsp | tr '\n' ' ')"; return 1; }
	"$JACK_RECORD" "$1" "$2" "$p0" "$p1" > "$TMP/rec.log" 2>&1 &
	RPID=$!
}
record_wait() {
	wait "$RPID" || fail "jack_record: $(cat "$TMP/rec.log")"
	"$SINECHECK" "$1" 440 "$2" || fail "$1 is not a continuous sine"
}

# 0. A device that cannot be opened.
write_conf "[sink]" "type = alsa" "device = rtaudio_no_such_pcm" "[source]" "frequency = 440"
rc=0
"$RTAUDIOD" -c "$CONF" > "$TMP/nodev.log" 2>&1 || rc=$?
if [ "$rc" = 1 ] && grep -q "cannot open ALSA device 'rtaudio_no_such_pcm' for playback" \
	"$TMP/nodev.log"
then ok "no such device: exit $rc, $(grep "ALSA device" "$TMP/nodev.log" | head -n 1)"
else fail "with no such device: exit $rc (expected 1), $(cat "$TMP/nodev.log")"; fi

start_jackd || skip "jackd cannot run here: $(tail -n 3 "$TMP/jackd.log" | tr '\n' ' ')"

# 1. Playing into the jack PCM: what status says; the sink thread's syscalls.
write_conf "[stream]" "frames = 256" "[sink]" "type = alsa" "device = rtjack" \
	"[source]" "frequency = 440"
start_daemon
dev=$(st '.sink.device | "\(.name) \(.format) \(.rate) \(.period) \(.buffer) \(.up)"')
[ "$dev" = "rtjack FLOAT_LE 48000 256 1024 true" ] || fail "sink.device is '$dev'"
[ "$(st .sink.type)" = alsa ] || fail "sink.type is $(st .sink.type)"
grep -q "alsa: device 'rtjack': FLOAT_LE, 48000 Hz, 2 channels, period 256, buffer 1024" \
	"$DLOG" || fail "device parameters not logged"
ok "status: device $dev"

check_sink_calls() { rt_syscalls "$1" "alsa sink thread" 50 device; }
printf 'futex(0x1, FUTEX_WAKE, 1) = 1\nmmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 3, 0) = 0x1\n' > "$TMP/fake.trace"
check_sink_calls "$TMP/fake.trace" > /dev/null && fail "the syscall checker accepted an mmap()"
# The sink thread names itself alsa-sink.
tid=$(ps -L -o tid=,comm= -p "$DPID" | awk '$2 == "alsa-sink" { print $1 }' | head -n 1)
if ! command -v strace > /dev/null 2>&1; then
	echo "note: strace is not installed: sink thread syscall check not run"
elif [ -z "$tid" ]; then
	fail "no alsa-sink thread in rtaudiod: $(ps -L -o tid=,comm= -p "$DPID" | tr '\n' ' ')"
else
	timeout -s INT 1 strace -p "$tid" -o "$TMP/sink.trace" 2> /dev/null
	if check_sink_calls "$TMP/sink.trace" > "$TMP/sink.out"; then ok "$(cat "$TMP/sink.out")"
	else fail "$(cat "$TMP/sink.out")"; fi
fi

# 2. 20 kills of the primary while recording what the PCM plays.
record "$TMP/kills.wav" 9
i=0
while [ $i -lt 20 ]; do
	sleep 0.35
	reply=$(kill_primary) || die "kill-primary $i failed: $reply"
	wait_until 10 all_ready || die "replicas not all ready after kill $i"
	note_pids
	i=$((i + 1))
done
record_wait "$TMP/kills.wav" 8.9
wait_until 5 settled
lost=$(st .sink.lost_samples); under=$(st .sink.underruns); n=$(st .failovers.count)
[ "$n" -ge 20 ] || fail "failovers $n, expected at least 20"
[ "$lost" = 0 ] || fail "lost $lost samples"
[ "$under" = 0 ] || fail "$under underruns"
# A device that keeps time (the jack PCM: jackd's clock) is never held back.
[ "$(st .sink.device.paced)" = 0 ] || fail "a device that keeps time was paced $(st .sink.device.paced) times"
ok "20 kills into ALSA: failovers $n, lost $lost, underruns $under, rescued $(st .sink.rescued), xruns $(st .sink.device.xruns), paced 0"

# 4. The JACK server behind the PCM goes away, and comes back.
jctl events > "$TMP/events.log" 2>&1 &
EPID=$!
sleep 0.2
stop_jackd
wait_until 5 grep -q "alsa: device 'rtjack' lost" "$DLOG" || fail "device loss not logged"
wait_until 5 grep -q '"detail":"device-lost rtjack"' "$TMP/events.log" || fail "no device-lost event"
[ "$(st .sink.device.up)" = false ] || fail "sink.device.up is not false"
reply=$(kill_primary) || fail "kill-primary while the device is away: $reply"
wait_until 10 all_ready || die "replicas not all ready while the device is away"
note_pids
s1=$(st .sink.seq); sleep 0.5; s2=$(st .sink.seq)
[ "$s1" = "$s2" ] || fail "sink.seq moved from $s1 to $s2 with the device away"
is_running || fail "daemon state $(st .daemon.state) with the device away"
ok "device gone: logged, event, failover done, position held at $s2"

start_jackd || die "jackd did not restart"
wait_until 15 grep -q "alsa: device 'rtjack' is back" "$DLOG" || die "device not reopened"
wait_until 5 grep -q '"detail":"device-back rtjack"' "$TMP/events.log" || fail "no device-back event"
seq_moved() { [ "$(st .sink.seq)" -gt "$s2" ]; }
wait_until 5 seq_moved || fail "sink.seq stuck at $s2 after the device came back"
wait_until 5 plugin_port 1 || fail "no alsa-plugins ports after the return"
record "$TMP/back.wav" 1.5
record_wait "$TMP/back.wav" 1.4
ok "device back: $(grep -o "is back after [0-9.]* s" "$DLOG" | head -n 1), reopens $(st .sink.device.reopens), seq $s2 -> $(st .sink.seq)"
kill "$EPID" 2>/dev/null; wait "$EPID" 2>/dev/null; EPID=""
stop_daemon

# 3. The file PCM: the samples in the format negotiated or asked for. S24_LE
# (24 bits in 32) is written raw (the file PCM's WAV header for it is not one
# libsndfile reads) and read back as S32 scaled by 2^8.
for f in auto:S32_LE:rtfile s16:S16_LE:rtfile s24:S24_LE:rtraw; do
	want=$(echo "$f" | cut -d: -f2); dev=${f##*:}
	rm -f "$TMP/file.wav" "$TMP/file.raw"
	write_conf "[stream]" "frames = 256" "[sink]" "type = alsa" "device = $dev" \
		"alsa_format = ${f%%:*}" "[source]" "frequency = 440"
	start_daemon
	got=$(st .sink.device.format)
	[ "$got" = "$want" ] || fail "alsa_format ${f%%:*}: format $got, expected $want"
	sleep 1
	stop_daemon
	if [ "$dev" = rtraw ]; then
		sox -r 48000 -c 2 -e signed -b 32 -t raw "$TMP/file.raw" -e floating-point -b 32 \
			"$TMP/file.wav" vol 256 2> "$TMP/sox.log" ||
			{ fail "$want: raw file unreadable: $(cat "$TMP/sox.log")"; continue; }
	fi
	# The first buffer is the silence the sink starts the device with.
	sox "$TMP/file.wav" "$TMP/trim.wav" trim 0.05 2> "$TMP/sox.log" ||
		{ fail "$want: the file PCM wrote no readable WAV: $(cat "$TMP/sox.log")"; continue; }
	if "$SINECHECK" "$TMP/trim.wav" 440 0.5 > "$TMP/sc.out"; then
		ok "file PCM, $want: $(cut -d: -f3- "$TMP/sc.out")"
	else fail "file PCM, $want: not a continuous sine: $(cat "$TMP/sc.out")"; fi
done

stop_jackd
finish
