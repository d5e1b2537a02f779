#!/bin/sh
# socket_removed.sh - the control socket removed from under a running
# rtaudiod is noticed (within the 1 s sweep) and recreated, with a warning
# in the log; a second daemon on the same path is then refused; a file put
# in its place is reported, left alone (not unlinked at exit), and once it
# is gone the socket comes back.
. "$(dirname "$0")/lib.sh"

write_conf
start_daemon
rm -f "$SOCK"
wait_until 5 sh -c "[ -S '$SOCK' ]" || fail "socket not recreated within 5 s"
wait_until 5 is_running || fail "no answer on the recreated socket"
grep -q "control socket $SOCK was removed: recreating it" "$DLOG" || fail "removal not logged"
grep -q "control socket $SOCK recreated" "$DLOG" || fail "recreation not logged"
ok "removed socket recreated: $(grep -c recreated "$DLOG") time(s)"

# A second daemon (another group) on the same socket path is refused.
CONF2=$TMP/second.conf
sed "s/^name = .*/name = ${GROUP}b/" "$CONF" > "$CONF2"
rc=0; timeout 30 "$RTAUDIOD" -c "$CONF2" > "$TMP/second.log" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q "another rtaudiod is listening there" "$TMP/second.log" ||
	fail "second daemon on the same socket: exit $rc: $(tail -n 3 "$TMP/second.log")"
rm -f /dev/shm/rtaudio-"${GROUP}b"-* 2>/dev/null
is_running || fail "the first daemon stopped answering"
ok "second daemon refused"

# Replaced by a regular file: reported once, left alone.
rm -f "$SOCK"; : > "$SOCK"
wait_until 5 grep -q "control socket $SOCK was replaced by another file" "$DLOG" ||
	fail "replacement not logged"
sleep 1.2   # two more sweeps: the report is not repeated
[ "$(grep -c 'was replaced by another file' "$DLOG")" = 1 ] || fail "replacement reported repeatedly"
[ -f "$SOCK" ] || fail "the file in the socket's place was removed"
rm -f "$SOCK"
wait_until 5 sh -c "[ -S '$SOCK' ]" || fail "socket not recreated after the file went"
wait_until 5 is_running || fail "no answer after the file went"
ok "replacing file reported and left alone; socket back after it went"
[ "$(st .sink.lost_samples)" = 0 ] || fail "lost $(st .sink.lost_samples) samples"
finish
