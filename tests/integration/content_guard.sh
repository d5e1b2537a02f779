#!/bin/sh
# Content guard with two hot replicas (no vote): the primary emits NaN in
# one sample per block, then a sample of +18 dBFS (beyond max_level, +12 by
# default). Either way no such block reaches the WAV, the standby's copy is
# played instead (the recording is the sine sample for sample, nothing
# lost), and the producer is fenced (reason content) after content_strikes
# blocks in a row: a failover to the standby.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lie_lib.sh"

# case MODE WAV: slot 0 (made the primary) lies MODE for 40 blocks.
case_of() {
	liar_conf "0:$1:$LIE_FROM:40" "replicas = 2" "content_strikes = 4" "[sink]" "type = wav" \
		"path = $2"
	start_daemon
	[ "$(st .sink.seq)" -lt $((LIE_FROM - 100)) ] || skip "start-up took too long to cue the lie"
	make_primary 0 || die "slot 0 is not the primary"
	wait_until 10 seq_past $((LIE_FROM + 200)) || die "the stream did not reach the lie"
	wait_until 10 all_ready || die "replicas not all ready after the lie"
	note_pids
	[ "$(fences content 0)" -ge 1 ] || fail "$1: the primary was not fenced for its content"
	grep -q "fencing it (content)" "$DLOG" && ! grep -q "4 block(s) in a row with NaN" "$DLOG" &&
		fail "$1: not fenced after content_strikes = 4"
	grep -q "failover (content): primary 0 -> 1," "$DLOG" || fail "$1: no failover 0 -> 1 (content)"
	bad=$(jctl stats | jq .vote.bad_content)
	[ "$bad" -ge 4 ] || fail "$1: bad_content $bad, expected >= 4"
	[ "$(jctl stats | jq .vote.mode)" = '"off"' ] || fail "$1: two replicas vote"
	lost=$(st .sink.lost_samples)
	[ "$lost" = 0 ] || fail "$1: lost $lost samples"
	ok "$1: bad_content $bad, fenced $(fences content 0)x, $(grep -o 'failover (content): primary 0 -> 1' "$DLOG" | head -1), lost $lost"
	stop_daemon
	exact "$2" || fail "$1: the recording is not the sine (or holds NaN)"
}

case_of nan "$TMP/nan.wav"
case_of loud "$TMP/loud.wav"
finish
