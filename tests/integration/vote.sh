#!/bin/sh
# Majority vote with three hot replicas, one of which lies on cue (corrupts
# one sample per block, with a valid CRC: only a vote can tell). The primary
# lying: the recording is the sine sample for sample, the liar is fenced
# (reason outvoted, a failover to a majority replica), nothing is lost. A
# standby lying: nothing audible changes, the liar is fenced and the fence
# is recorded, the primary stays.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lie_lib.sh"

# run LIAR WAV: a daemon whose slot LIAR lies for 40 blocks from LIE_FROM.
run() {
	liar_conf "$1:corrupt:$LIE_FROM:40" "replicas = 3" "vote_strikes = 3" "[sink]" "type = wav" \
		"path = $2"
	start_daemon
	[ "$(st .sink.seq)" -lt $((LIE_FROM - 100)) ] || skip "start-up took too long to cue the lie"
}

# --- the primary lies ---
run 0 "$TMP/primary.wav"
make_primary 0 || die "slot 0 is not the primary"
wait_until 10 seq_past $((LIE_FROM + 200)) || die "the stream did not reach the lie"
wait_until 10 all_ready || die "replicas not all ready after the lie"
note_pids
[ "$(fences outvoted 0)" -ge 1 ] || fail "the lying primary was not fenced as outvoted"
[ "$(failovers_by outvoted)" -ge 1 ] || fail "no failover (outvoted) recorded"
grep -q "failover (outvoted): primary 0 -> [12]," "$DLOG" || fail "no failover 0 -> majority"
out=$(jctl stats | jq .vote.outvoted)
[ "$out" -ge 3 ] || fail "outvoted counted $out, expected >= 3"
[ "$(jctl stats | jq .vote.mode)" = '"majority"' ] || fail "vote is not majority by default"
lost=$(st .sink.lost_samples); under=$(st .sink.underruns)
[ "$lost" = 0 ] || fail "lost $lost samples"
[ "$under" = 0 ] || fail "$under underruns"
ok "primary lies: fenced $(fences outvoted 0)x after $(grep -o 'outvoted [0-9]* block(s) in a row' "$DLOG" | head -1), outvoted $out, lost $lost"
stop_daemon
exact "$TMP/primary.wav" || fail "primary lies: the recording is not the sine"

# --- a standby lies ---
run 2 "$TMP/standby.wav"
not_primary 2 || die "slot 2 is still the primary"
p=$(st .primary)
wait_until 10 seq_past $((LIE_FROM + 200)) || die "the stream did not reach the lie"
wait_until 10 all_ready || die "replicas not all ready after the lie"
note_pids
[ "$(fences outvoted 2)" -ge 1 ] || fail "the lying standby was not fenced as outvoted"
# The lie must not move the primary; a loaded machine may (a stall
# failover: lib.sh failovers_by), and that is the watchdog's business.
kept="primary $p kept"
if [ "$(st .primary)" != "$p" ]; then
	[ "$(grep -c 'failover (' "$DLOG")" = "$(failovers_by stall)" ] ||
		fail "the primary changed ($p -> $(st .primary)): $(grep 'failover (' "$DLOG")"
	kept="primary $p -> $(st .primary) by $(failovers_by stall) stall failover(s), none for the lie"
fi
jctl status | jq -e '.failovers.count >= 1' >/dev/null || fail "the fence was not recorded"
grep -q "failover (outvoted)" "$DLOG" && fail "a failover happened: $(grep 'failover (' "$DLOG")"
lost=$(st .sink.lost_samples)
[ "$lost" = 0 ] || fail "lost $lost samples"
ok "standby lies: fenced $(fences outvoted 2)x, $kept, lost $lost"
stop_daemon
exact "$TMP/standby.wav" || fail "standby lies: the recording is not the sine"
finish
