#!/bin/sh
# replica_mlock.sh - what status says of a replica's locked memory is what
# the kernel says: for every replica, "mlocked" is true if and only if
# VmLck in /proc/PID/status is above 0, and its "rt" names the same lock
# (", mlocked", ", mlocked (current)", ", mlocked (audio path)" or
# ", not mlocked (...)"), in the JSON and in the human table's RT column.
# Twice: with the limits this machine gives (an unprivileged replica under
# the usual 8 MiB RLIMIT_MEMLOCK cannot mlockall and locks its audio path
# instead), then under a 64 KiB RLIMIT_MEMLOCK, too small for even that
# unless a root may lift it for its replicas (CAP_SYS_RESOURCE). Which way
# each run goes depends on the machine; the agreement must hold either way.
# Does not check which pages are locked (check_rtprio does, for the
# fallback), nor the daemon's own lock (sink_faults.sh).
. "$(dirname "$0")/lib.sh"

vmlck() { awk '/^VmLck:/ {print $2}' "/proc/$1/status"; }

# one I LABEL: replica I's status (one reply) against its VmLck; 2 when the
# replica was replaced meanwhile (a stall on a loaded machine): try again.
one() {
	jctl status > "$TMP/st.json" || return 2
	pid=$(jq -r ".replicas[$1].pid" "$TMP/st.json"); locked=$(jq -r ".replicas[$1].mlocked" "$TMP/st.json")
	rt=$(jq -r ".replicas[$1].rt" "$TMP/st.json"); kb=$(vmlck "$pid" 2>/dev/null)
	[ -n "$kb" ] && [ "$(st ".replicas[$1].pid")" = "$pid" ] || return 2
	echo "$2: replica $1 (pid $pid): rt \"$rt\", mlocked $locked, VmLck $kb kB"
	mem=${rt#*, }
	case "$locked:$mem" in
	true:mlocked*)
		# ASan's mlockall locks nothing and says it did (sink_faults.sh).
		[ "$kb" -gt 0 ] || asan_skip "VmLck" ||
			fail "$2: replica $1 says mlocked but VmLck is 0 kB" ;;
	false:"not mlocked"*)
		[ "$kb" -eq 0 ] || fail "$2: replica $1 says not mlocked but VmLck is $kb kB" ;;
	*) fail "$2: replica $1: mlocked $locked does not match rt \"$rt\"" ;;
	esac
	ctl status | awk -v i="$1" -v m="$mem" 'NF > 8 && $1 == i &&
		substr($0, length($0) - length(m) + 1) == m { f = 1 } END { exit !f }' ||
		[ "$(st ".replicas[$1].pid")" != "$pid" ] ||
		fail "$2: human status has no row $1 ending in \"$mem\""
	return 0
}

# agree LABEL: every replica's status against its VmLck.
agree() {
	n=$(st '.replicas | length')
	i=0
	while [ "$i" -lt "$n" ]; do
		tries=0
		until wait_until 10 all_ready && one "$i" "$1"; do
			tries=$((tries + 1))
			[ "$tries" -lt 5 ] || { fail "$1: replica $i replaced 5 times while read"; break; }
			echo "$1: replica $i was replaced while read; again"
		done
		i=$((i + 1))
	done
}

write_conf
start_daemon
agree "default limits"
stop_daemon
cp "$DLOG" "$DLOG.default"  # the second run's log replaces it

# Lowering a limit needs no privilege; a root with CAP_SYS_RESOURCE raises
# it again for its replicas (daemon/confine.c), anyone else cannot.
ulimit -l 64 2>/dev/null || skip "cannot lower RLIMIT_MEMLOCK"
start_daemon
agree "RLIMIT_MEMLOCK 64 KiB"
grep "replicas' limits" "$DLOG" || echo "(the daemon raised RLIMIT_MEMLOCK, or is not root)"
finish
