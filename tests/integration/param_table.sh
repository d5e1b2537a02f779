#!/bin/sh
# Declarations are untrusted and must agree: a renderer that declares another
# parameter table than in its --check run (the liar with table = by-index:
# replica 1 declares liar.x 0..2 where the check declared 0..1) is refused by
# the runtime with exit 78 and the daemon says why, while replica 0, whose
# table matches, plays; `params` shows the table of the check run.
. "$(dirname "$0")/lib.sh"
: "${LIAR:?}"
write_conf "replicas = 2" "[source]" "table = by-index"
sed -i "s|^replica = .*|replica = $LIAR|" "$CONF"
"$RTAUDIOD" -c "$CONF" > "$DLOG" 2>&1 &
DPID=$!
wait_until 10 sh -c "grep -q 'replica 1 (pid [0-9]*) refused its configuration (exit 78)' '$DLOG'" ||
	fail "no refusal of replica 1's table logged"
grep -q "parameters declared differ from the group's table" "$DLOG" ||
	fail "the replica did not say why"
wait_until 10 sh -c "[ \"\$($RTAUDIOCTL -s $SOCK --json status | jq -r .primary)\" = 0 ]" ||
	fail "replica 0 is not the primary: $(jctl status | jq -c .primary)"
[ "$(jctl params | jq -c '.params[2] | [.name, .max]')" = '["liar.x",1]' ] ||
	fail "params: $(jctl params)"
ok "mismatched table refused: $(grep -c 'refused its configuration' "$DLOG") refusals, replica 0 plays"
note_pids
finish
