#!/bin/sh
# startup_errors.sh - every start-up failure of rtaudiod exits with its
# documented status (1, rtaudiod(8) EXIT STATUS) and the reason in the log,
# after closing what it had opened: no libuv assertion (exit 134), no
# "handle still open", no segment, socket or replica left behind.
#
# What it checks: `socket =` naming a regular file, a socket whose
# directory cannot be created, a wav sink that cannot create its file.
# What it does not check: configuration errors (config_errors.sh, exit 78).
. "$(dirname "$0")/lib.sh"

# startfail NAME WHAT [conf lines...]: the daemon exits 1 within 20 s and
# its log says WHAT.
startfail() {
	name=$1; what=$2; shift 2
	write_conf "$@"
	"$RTAUDIOD" -c "$CONF" > "$DLOG" 2>&1 &
	pid=$!
	wait_until 20 sh -c "! [ -d /proc/$pid ] || grep -q '^State:.*Z' /proc/$pid/status" ||
		{ fail "$name: still running after 20 s"; kill -KILL $pid; }
	rc=0; wait $pid || rc=$?
	if [ "$rc" -ne 1 ]; then
		fail "$name: exit status $rc, want 1"; show_log
	elif ! grep -qF "$what" "$DLOG"; then
		fail "$name: the log does not say '$what'"; show_log
	elif grep -q -e "handle still open" -e "Assertion" "$DLOG"; then
		fail "$name: not closed cleanly"; show_log
	else
		ok "$name: exit 1, '$what'"
	fi
	left=$(ls /dev/shm 2>/dev/null | grep -F "rtaudio-$GROUP-" || true)
	[ -z "$left" ] || fail "$name: segments left behind: $left"
	rm -f /dev/shm/rtaudio-"$GROUP"-* 2>/dev/null
}

: > "$TMP/plain"
SOCK=$TMP/plain
startfail "socket is a regular file" "exists and is not a socket"
[ -f "$TMP/plain" ] || fail "the regular file in the socket's place was removed"
: > "$TMP/notadir"
SOCK=$TMP/notadir/sub/ctl.sock
startfail "socket directory cannot be created" "cannot create"
SOCK=$TMP/ctl.sock
startfail "wav sink file cannot be created" "sink" "[sink]" "type = wav" "path = $TMP/no/such/dir/out.wav"
finish
