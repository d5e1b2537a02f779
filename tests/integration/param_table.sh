#!/bin/sh
# Declarations are untrusted and must agree: a renderer that declares another
# parameter table than in its --check run (the liar with table = by-index:
# replica 1 declares liar.x 0..2 where the check declared 0..1) is refused by
# the runtime with exit 78 and the daemon says why, while replica 0, whose
# table matches, plays; `params` shows the table of the check run; a
# renderer parameter's [params] value is in force at start and after a
# reload, and a key removed from the file goes back to the default.
. "$(dirname "$0")/lib.sh"
: "${LIAR:?}"
write_conf "replicas = 2" "[params]" "liar.x = 0.5" "[source]" "table = by-index"
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
[ "$(ctl get liar.x)" = "liar.x 0.5" ] || fail "initial [params] liar.x: $(ctl get liar.x)"
sed -i 's/^liar.x = 0.5$/liar.x = 0.25/' "$CONF"
ctl reload > /dev/null || fail "reload refused"
[ "$(ctl get liar.x)" = "liar.x 0.25" ] || fail "liar.x after reload: $(ctl get liar.x)"
sed -i 's/^liar.x = 0.25$/liar.x = 7/' "$CONF"
out=$(ctl reload 2>&1) && fail "reload of liar.x = 7 (range 0..1) accepted"
echo "$out" | grep -q "key 'liar.x': 7 is out of range 0..1" || fail "reload refusal: $out"
sed -i '/^liar.x = 7$/d' "$CONF"
ctl reload > /dev/null || fail "reload refused"
[ "$(ctl get liar.x)" = "liar.x 0" ] || fail "liar.x back to its default: $(ctl get liar.x)"
ok "[params] liar.x: 0.5 at start, 0.25 after reload, 7 refused, default once removed"
ok "mismatched table refused: $(grep -c 'refused its configuration' "$DLOG") refusals, replica 0 plays"
note_pids
finish
