# lie_lib.sh - helpers for the tests of the sink's judgement (sourced after
# lib.sh): the lying test renderer (liar.c, cued by its [source] lie key,
# testlie.h), exact recordings (sineexact), and waiting for a block to be
# played.
SINEEXACT=${SINEEXACT:-${top_builddir:?}/tests/integration/sineexact}
[ -x "$SINEEXACT" ] || skip "sineexact is not built ($SINEEXACT)"
: "${LIAR:=${top_builddir:?}/tests/integration/liar}"
[ -x "$LIAR" ] || skip "the liar renderer is not built ($LIAR)"

# liar_conf CUE [lines...]: write_conf with the liar as the replica program,
# cued with CUE (INDEX:MODE[:FROM[:COUNT]]); the lines go before [source].
liar_conf() {
	cue=$1; shift
	write_conf "$@" "[source]" "lie = $cue"
	sed -i "s|^replica = .*|replica = $LIAR|" "$CONF"
}
LIE_FROM=600    # the lie starts at block 600: 3.2 s in at 48 kHz, 256 frames
FRAMES=256

seq_past() { [ "$(st .sink.seq)" -gt "$1" ]; }

# make_primary I: hand over (failover) until slot I is the primary.
make_primary() {
	n=0
	while [ "$(st .primary)" != "$1" ] && [ $n -lt 8 ]; do
		jctl failover >/dev/null
		n=$((n + 1))
		sleep 0.05
	done
	[ "$(st .primary)" = "$1" ]
}

# not_primary I: if slot I is the primary, hand over to another.
not_primary() {
	[ "$(st .primary)" != "$1" ] || jctl failover >/dev/null
	[ "$(st .primary)" != "$1" ]
}

# fences REASON SLOT: how many times the daemon fenced SLOT for REASON.
fences() { grep -c "replica $2 (pid [0-9]*): .*fencing it ($1)" "$DLOG"; }

# exact WAV: the recording is the sine, sample for sample.
exact() { "$SINEEXACT" "$1" 440 "$FRAMES"; }
