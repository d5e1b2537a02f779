#!/bin/sh
# sinecheck --gaps, on sines cut by sox: a clean 440 Hz sine has no gap; a
# block of 256 silent frames inserted into it (pad) is said "inserted", the
# same block put in place of 256 frames "replaced", 256 frames dropped
# "jump", each at the frame where it is. pipewire.sh takes the duplex
# part's known gap (silence inserted, nothing lost) from these words, so
# they must say what was done.
. "$(dirname "$0")/lib.sh"
: "${SINECHECK:?}"
command -v sox >/dev/null 2>&1 || skip "sox is not installed"

W="$TMP/sine.wav"
sox -n -r 48000 -c 2 -b 32 -e float "$W" synth 2 sine 440 gain -6 || die "sox could not make the sine"
sox -n -r 48000 -c 2 -b 32 -e float "$TMP/quiet.wav" trim 0 256s || die "sox could not make silence"
sox "$W" "$TMP/head.wav" trim 0 25600s && sox "$W" "$TMP/tail.wav" trim 25856s ||
	die "sox could not cut the sine"
sox "$W" "$TMP/inserted.wav" pad 256s@25600s || die "sox could not pad"
sox "$TMP/head.wav" "$TMP/quiet.wav" "$TMP/tail.wav" "$TMP/replaced.wav" || die "sox could not splice"
sox "$TMP/head.wav" "$TMP/tail.wav" "$TMP/jump.wav" || die "sox could not splice"

out=$("$SINECHECK" "$W" 440 1 --gaps) || fail "a clean sine is not continuous: $out"
echo "$out" | grep -q '^gap' && fail "a clean sine has a gap: $out"
ok "clean: $(echo "$out" | tail -n 1)"
for kind in inserted replaced jump; do
	out=$("$SINECHECK" "$TMP/$kind.wav" 440 1 --gaps) && fail "$kind: sinecheck passed it: $out"
	gaps=$(echo "$out" | grep '^gap')
	[ "$(echo "$gaps" | wc -l)" = 1 ] || fail "$kind: not one gap: $out"
	echo "$gaps" | grep -q ": $kind\$" || fail "$kind: said otherwise: $gaps"
	at=$(echo "$gaps" | sed -n 's/^gap at frame \([0-9]*\):.*/\1/p')
	[ "${at:-0}" -ge 25597 ] && [ "${at:-0}" -le 25601 ] || fail "$kind: at frame $at, not 25600"
	ok "$kind: $gaps"
done
finish
