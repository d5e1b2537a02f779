#!/bin/sh
# The renderer SDK end to end, as a third party uses it: install into a
# DESTDIR, build examples/renderer.c with nothing but `pkg-config --cflags
# --libs rtaudio` against the installed tree, run rtaudiod with that binary
# as `replica =`, record while killing its primary 20 times and setting its
# declared parameter once. Checks: `params` lists tone.level with its range;
# 0 samples lost; the WAV is a continuous tone but for one step of level,
# exactly at the block `set` named, from 0.5 to 0.25 of the level; the
# standby identical after the kills and at the last switch; an
# out-of-range value and an unknown name are refused; [params] sets the
# initial value; a renderer that rejects a key fails `rtaudiod -n` with
# FILE:LINE and exit 78.
. "$(dirname "$0")/lib.sh"
: "${top_builddir:?}" "${top_srcdir:?}" "${SINECHECK:?}"
command -v cc >/dev/null 2>&1 || skip "no C compiler (cc) to build the example with"
command -v pkg-config >/dev/null 2>&1 || skip "pkg-config is not installed"

inst="$TMP/inst"
make -s -C "$top_builddir" install DESTDIR="$inst" > "$TMP/install.log" 2>&1 ||
	die "make install failed: $(tail -n 5 "$TMP/install.log")"
pc=$(find "$inst" -name rtaudio.pc | head -n 1)
[ -n "$pc" ] || die "rtaudio.pc not installed"
prefix=$(pkg-config --variable=prefix "$pc")
flags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --define-variable=prefix="$inst$prefix" \
	--cflags --libs rtaudio) || die "pkg-config rtaudio failed"
libdir=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --define-variable=prefix="$inst$prefix" \
	--variable=libdir rtaudio)
# Under the sanitizer stage the installed library is instrumented: so must
# the program be that links it.
san=""
sanitized && san="-fsanitize=address,undefined"
# shellcheck disable=SC2086
cc -std=c11 -Wall -Wextra -Werror $san -o "$TMP/tone" "$top_srcdir/examples/renderer.c" $flags -lm \
	-Wl,-rpath,"$libdir" 2> "$TMP/cc.log" || die "building the example failed: $(cat "$TMP/cc.log")"
[ "$(wc -l < "$top_srcdir/examples/renderer.c")" -le 80 ] || fail "examples/renderer.c is over 80 lines"
ok "example built with: cc renderer.c $(echo "$flags" | sed "s|$inst||g")"

# A key the renderer rejects: rtaudiod -n names it at its line.
write_conf "[source]" "frequency = 99999"
sed -i "s|^replica = .*|replica = $TMP/tone|" "$CONF"
out=$("$RTAUDIOD" -n -c "$CONF" 2>&1); rc=$?
line=$(grep -n '^frequency' "$CONF" | cut -d: -f1)
[ "$rc" = 78 ] && echo "$out" | grep -q "$CONF:$line: key 'frequency': 99999 Hz is not within" ||
	fail "rejected key: exit $rc, '$out'"

write_conf "[sink]" "type = wav" "path = $TMP/out.wav" "[source]" "frequency = 1000" \
	"[params]" "tone.level = 0.5"
sed -i "s|^replica = .*|replica = $TMP/tone|" "$CONF"
start_daemon
jctl params | jq -e '.params | map(.name) == ["gain", "pan", "tone.level"] and
	(.[2] | .min == 0 and .max == 1 and .default == 0.5 and .value == 0.5)' >/dev/null ||
	fail "params: $(jctl params)"
ctl set tone.level 2 > /dev/null 2>&1 && fail "set tone.level 2 accepted (range 0..1)"
ctl set no.such 1 > /dev/null 2>&1 && fail "set of an unknown parameter accepted"
ok "params: $(ctl params | tail -n 1 | tr -s ' ')"

i=0
while [ $i -lt 20 ]; do
	[ $i = 10 ] && { at=$(jctl set tone.level 0.25 | jq -r .apply_at) || fail "set failed"; }
	reply=$(kill_primary) || die "kill-primary $i failed: $reply"
	wait_until 10 all_ready || die "replicas not all ready after kill $i"
	note_pids
	i=$((i + 1))
done
wait_until 5 settled || fail "last failover never settled"
# Sync measured, not assumed: the standby (respawned by the last kill) is
# identical again, and the switches found the standby identical.
stby_identical() {
	[ "$(st '[.replicas[] | select(.role == "standby") | .sync.state] | unique')" = '[
  "identical"
]' ]
}
wait_until 5 stby_identical || fail "standby sync: $(st '[.replicas[] | .sync]')"
[ "$(st .failovers.last.identical)" = true ] || fail "last failover: $(st .failovers.last)"
[ "$(ctl get tone.level)" = "tone.level 0.25" ] || fail "get: $(ctl get tone.level)"
lost=$(st .sink.lost_samples)
[ "$lost" = 0 ] || fail "lost $lost samples over 20 kills"
[ "$(failovers_by crash)" = 20 ] || fail "crash failovers $(failovers_by crash), expected 20"
ok "20 kills of the example's primary: lost $lost, rescued $(st .sink.rescued), standby $(st '[.replicas[] | select(.role == "standby") | .sync.state] | join(",")'), last switch identical $(st .failovers.last.identical)"
stop_daemon

# The WAV starts at block 0 (the wav sink records from the first block).
frames=256
"$SINECHECK" "$TMP/out.wav" 1000 2 --steps $frames > "$TMP/check.txt"; rc=$?
cat "$TMP/check.txt"
[ "$rc" = 0 ] || fail "the recording is not a continuous tone"
steps=$(grep -c '^step at frame' "$TMP/check.txt")
want=$((at * frames))
[ "$steps" = 1 ] && grep -q "^step at frame $want: level 0.25.. -> 0.12" "$TMP/check.txt" ||
	fail "want one step at frame $want (block $at) from 0.25 to 0.125, got $steps"
ok "the level changed at block $at exactly, once"
finish
