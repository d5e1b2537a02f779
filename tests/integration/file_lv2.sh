#!/bin/sh
# file_lv2.sh - the file source and LV2 chains, end to end with real files
# (made with sox) and real plugins (swh-lv2).
#
#   1. configuration errors exit 78 with FILE:LINE, the key, and the reason:
#      a missing file, a corrupt file, a missing playlist item, an unknown
#      plugin URI, an unknown control symbol, an out-of-range value;
#   2. a stateless plugin (swh amp) rendered offline (--render) equals
#      lilv's own lv2apply on the same float file, within 1e-6;
#   3. a daemon playing a playlist (m3u: a comment, a relative path, a 44.1
#      kHz mono item resampled, a 48 kHz stereo item), loop = no, through a
#      chain of two (amp, delay): status shows item, position, duration and
#      the plugins' latency; `set amp.gain -6` applies, an out-of-range set
#      is refused; the decode time at open is printed; the playlist ends:
#      `source-end` event, status "stopped", silence, replicas alive;
#   4. a file removed while it plays (loop = yes): a `source` event
#      file-lost, audio goes on (no underrun, no replica restart).
# Skips (77) without lv2 support in this build, swh-lv2, lilv-utils or sox.
. "$(dirname "$0")/lib.sh"
# A renderer that crashed says so in the daemon's log (exited, killed by a
# signal other than the SIGKILL of a fence, or by the sandbox).
# A respawn after a watchdog stall (the loaded machine's, jitter.sh) is no
# crash of the renderer, so the restart counter is not what is asserted.
crashes_seen() { grep -E 'replica [0-9]+ \(pid [0-9]+\) (exited with status|killed by (SIG[^K]|the sandbox)|refused its)' "$DLOG"; }
no_crash() { ! crashes_seen >/dev/null; }

AMP=http://plugin.org.uk/swh-plugins/amp
DELAY=http://plugin.org.uk/swh-plugins/delay_n
: "${WAVCMP:?WAVCMP not set (run through make check)}"
"$RTAUDIOD" -V | grep -q lv2 || skip "this build has no LV2 support (lilv)"
"$RTAUDIOD" -V | grep -q samplerate || skip "this build has no libsamplerate"
command -v sox >/dev/null 2>&1 || skip "sox is not installed"
command -v lv2apply >/dev/null 2>&1 || skip "lv2apply (lilv-utils) is not installed"
lv2info "$AMP" >/dev/null 2>&1 || skip "swh-lv2 plugins are not installed"

mkdir -p "$TMP/media/sub"
sox -n -r 48000 -c 2 -b 16 "$TMP/media/sub/stereo.wav" synth 2 sine 440 sine 660 gain -6 &&
sox -n -r 44100 -c 1 -b 16 "$TMP/media/mono44.wav" synth 1.5 sine 300 gain -6 &&
sox -n -r 48000 -c 1 -e floating-point -b 32 "$TMP/mono-f.wav" synth 1 sine 500 gain -3 ||
	die "sox failed"
printf '#EXTM3U\n# the announcement first\nmono44.wav\n\nsub/stereo.wav\n' > "$TMP/media/list.m3u"
printf 'RIFF\044\000\000\000WAVEfmt junk junk junk junk' > "$TMP/corrupt.wav"
printf 'mono44.wav\ngone.wav\n' > "$TMP/media/bad.m3u"

# --- 1. configuration errors ----------------------------------------------
# bad_conf LINE WHAT KEYS...: the file's line LINE is named with WHAT.
bad_conf() {
	line=$1; want=$2; shift 2
	write_conf "$@"
	"$RTAUDIOD" -n -c "$CONF" > /dev/null 2> "$TMP/err"; rc=$?
	got=$(head -n 1 "$TMP/err")
	if [ "$rc" != 78 ]; then
		fail "exit $rc, want 78, for '$want' ($got)"
	elif ! echo "$got" | grep -qF "$CONF:$line: $want"; then
		fail "want '$CONF:$line: $want', got '$got'"
	else
		ok "exit 78: ${got#rtaudiod: $TMP/}"
	fi
}
# write_conf's lines: 1 [daemon] 2 socket 3 [group] 4 name 5 replica, ours from 6.
bad_conf 8 "key 'path': $TMP/nope.wav: No such file or directory" \
	"[source]" "type = file" "path = $TMP/nope.wav"
grep -q "System error" "$TMP/err" && fail "libsndfile's 'System error' prefix shown"
bad_conf 8 "key 'path': $TMP/corrupt.wav: " "[source]" "type = file" "path = $TMP/corrupt.wav"
bad_conf 8 "key 'playlist': $TMP/media/gone.wav: No such file" \
	"[source]" "type = file" "playlist = $TMP/media/bad.m3u"
bad_conf 10 "key 'uri': no LV2 plugin 'http://example.org/none' is installed" \
	"[source]" "type = file" "path = $TMP/media/sub/stereo.wav" \
	"[plugin x]" "uri = http://example.org/none"
bad_conf 11 "key 'gian': the plugin has no control input 'gian'" \
	"[source]" "type = file" "path = $TMP/media/sub/stereo.wav" \
	"[plugin amp]" "uri = $AMP" "gian = 3"
bad_conf 11 "key 'gain': 100 is out of the plugin's range -70..70" \
	"[source]" "type = file" "path = $TMP/media/sub/stereo.wav" \
	"[plugin amp]" "uri = $AMP" "gain = 100"
bad_conf 8 "key 'loop': 'maybe' is not yes or no" \
	"[source]" "type = file" "loop = maybe" "path = $TMP/media/sub/stereo.wav"

# --- 2. a stateless plugin against lv2apply --------------------------------
lv2apply -i "$TMP/mono-f.wav" -o "$TMP/lv2apply.wav" -c gain -6 "$AMP" ||
	fail "lv2apply failed"
"$REPLICA" --render "$TMP/ours.wav" --seconds 1 --rate 48000 --channels 1 --frames 64 \
	--key source.type=file --key "source.path=$TMP/mono-f.wav" \
	--key "plugin amp.uri=$AMP" --key "plugin amp.gain=-6" 2> "$TMP/render.err" ||
	fail "offline render failed: $(cat "$TMP/render.err")"
if "$WAVCMP" "$TMP/lv2apply.wav" "$TMP/ours.wav" 1e-6 > "$TMP/cmp"; then
	ok "amp -6 dB: offline render within 1e-6 of lv2apply: $(cat "$TMP/cmp")"
else
	fail "amp: offline render differs from lv2apply: $(cat "$TMP/cmp")"
fi

# --- 3. a playlist through a chain of two ----------------------------------
write_conf "[stream]" "frames = 64" "[source]" "type = file" "loop = no" \
	"playlist = $TMP/media/list.m3u" \
	"[plugin amp]" "uri = $AMP" "gain = -3" "[plugin echo]" "uri = $DELAY" "delay_time = 0.05"
t0=$(date +%s%N)
start_daemon
echo "figure: start-up with the playlist decoded (1.5 s resampled + 2 s) $(( ($(date +%s%N) - t0) / 1000000 )) ms"
"$RTAUDIOCTL" -s "$SOCK" --json events > "$TMP/events" 2>&1 & epid=$!
# The renderer publishes its status from its render loop: a moment after ready.
wait_until 2 sh -c "[ -n \"\$(\"$RTAUDIOCTL\" -s \"$SOCK\" --json status | jq -r '.replicas[0].source')\" ]"
src=$(st '.replicas[0].source')
case "$src" in
"1/2 mono44.wav 0:0"*"/0:01 | lv2: amp 0, echo 0") ok "status: $src" ;;
*) fail "status source: '$src'" ;;
esac
ctl status | grep -q "mono44.wav" || fail "rtaudioctl status does not show the source"
ctl set amp.gain -6 > /dev/null || fail "set amp.gain -6 refused"
wait_until 2 sh -c "[ \"\$(\"$RTAUDIOCTL\" -s \"$SOCK\" --json get amp.gain | jq -r '.[\"amp.gain\"]')\" = -6 ]" ||
	fail "amp.gain is not -6 after set"
ctl set amp.gain 100 > "$TMP/set.out" 2>&1 && fail "set amp.gain 100 accepted"
ok "set amp.gain -6 applied, 100 refused ($(cat "$TMP/set.out"))"
has_stopped() { st '.replicas[0].source' | grep -q '^stopped'; }
wait_until 6 has_stopped || fail "status never said stopped: $(st '.replicas[0].source')"
wait_until 3 grep -q '"source-end"' "$TMP/events" || fail "no source-end event"
grep -q '"source-end"' "$TMP/events" && ok "end of the playlist: $(grep -m1 source-end "$TMP/events")"
no_crash || fail "a replica crashed: $(crashes_seen)"
kill "$epid" 2>/dev/null; wait "$epid" 2>/dev/null
stop_daemon

# --- 4. a file removed while it plays ---------------------------------------
cp "$TMP/media/sub/stereo.wav" "$TMP/doomed.wav"
write_conf "[source]" "type = file" "path = $TMP/doomed.wav" "[plugin amp]" "uri = $AMP"
start_daemon
"$RTAUDIOCTL" -s "$SOCK" --json events > "$TMP/events" 2>&1 & epid=$!
sleep 0.3
p0=$(st .sink.played)
rm -f "$TMP/doomed.wav"
wait_until 4 grep -q 'file-lost' "$TMP/events" || fail "no file-lost event"
grep -q 'file-lost' "$TMP/events" && ok "event: $(grep -m1 file-lost "$TMP/events")"
sleep 0.5
p1=$(st .sink.played); under=$(st .sink.underruns)
[ "$p1" -gt "$p0" ] || fail "the sink stopped playing"
[ "$under" = 0 ] || fail "$under underruns after the file went away"
no_crash || fail "a replica died: $(crashes_seen)"
no_crash || fail "a replica crashed: $(crashes_seen)"
ok "audio went on: played $p0 -> $p1, underruns $under, no restart"
kill "$epid" 2>/dev/null; wait "$epid" 2>/dev/null
finish
