#!/bin/sh
# Who may do what: root and the daemon's uid may run every command; members
# of socket_group the read-only ones (status, stats, get, events, version);
# everyone else is refused, whether the socket mode keeps them out
# (connect: EACCES) or lets them in (the daemon answers "permission
# denied"). rtaudioctl exits 77 in both cases. Runs rtaudioctl as uid
# 65534 through setpriv(1); needs root.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root to run rtaudioctl as another user"
command -v setpriv >/dev/null 2>&1 || skip "setpriv is missing (util-linux)"
grp=audio
gid=$(getent group "$grp" | cut -d: -f3)
[ -n "$gid" ] || skip "no group '$grp' to test socket_group with"
chmod 0711 "$TMP"

as() {  # as GROUPS CMD...: run as uid 65534 with these supplementary groups
	g=$1; shift
	setpriv --reuid=65534 --regid=65534 --groups="$g" "$@"
}
expect() {  # expect STATUS GROUPS VERB...
	want=$1; g=$2; shift 2
	out=$(as "$g" "$RTAUDIOCTL" -s "$SOCK" --json "$@" 2>&1); got=$?
	[ "$got" = "$want" ] || fail "groups=$g '$*': exit $got, expected $want ($out)"
	if [ "$want" = 77 ]; then
		echo "$out" | grep -q -i "permission denied" || fail "'$*': no 'permission denied' in: $out"
		# When the daemon answered (not the socket's mode refusing the connect).
		if echo "$out" | grep -q '"ok":false'; then
			echo "$out" | grep -q '"code":"denied"' || fail "'$*': no code denied in: $out"
			DENIED_CODES=$((DENIED_CODES + 1))
		fi
	fi
}

DENIED_CODES=0
write_conf "[daemon]" "socket_mode = 0660" "socket_group = $grp"
start_daemon
[ "$(stat -c '%a %G' "$SOCK")" = "660 $grp" ] || fail "socket is $(stat -c '%a %G' "$SOCK")"
ok "socket mode 0660, group $grp"

for v in "status" "stats" "get gain" "version"; do
	# shellcheck disable=SC2086
	expect 0 "$gid" $v
done
ev=$(as "$gid" timeout 1 "$RTAUDIOCTL" -s "$SOCK" --json events | head -n 1)
echo "$ev" | jq -e '.ok == true' >/dev/null || fail "events as a group member: $ev"
ok "group member: status, stats, get, version, events allowed"

expect 77 "$gid" set gain 0.5
expect 77 "$gid" kill-primary
expect 77 "$gid" failover
expect 77 "$gid" reload
expect 77 "$gid" stats reset
[ "$(st .failovers.count)" = 0 ] || fail "a refused command changed something"
[ "$(jctl get gain | jq .gain)" = 1 ] || fail "gain changed"
ok "group member: set, kill-primary, failover, reload, stats reset refused (77)"

expect 77 65534 status
ok "outsider: cannot connect to the 0660 socket (77)"
stop_daemon

write_conf "[daemon]" "socket_mode = 0666"
start_daemon
expect 77 65534 status
expect 77 65534 set gain 0.5
ok "outsider on a 0666 socket: refused by the daemon (77)"
[ "$(st .sink.lost_samples)" = 0 ] || fail "lost samples"
[ "$DENIED_CODES" -ge 5 ] || fail "only $DENIED_CODES refusals of the daemon carried code denied"
ok "$DENIED_CODES refusals of the daemon carried code denied"
finish
