# lib.sh - shared helpers for the integration tests (sourced, POSIX sh).
#
# Each test gets its own temporary directory, group name and socket, starts
# the real rtaudiod with the real rtaudio-replica, drives it with the real
# rtaudioctl, and on exit checks what every test must leave behind: nothing
# (no segment of its group under /dev/shm - the segments are memfds, only
# the lock has a name, and it goes at exit -, no socket, no live replica).
# Environment (set by `make check`): RTAUDIOD RTAUDIOCTL REPLICA SINECHECK.

set -u
: "${RTAUDIOD:?RTAUDIOD not set (run through make check)}"
: "${RTAUDIOCTL:?}"
: "${REPLICA:?}"

TEST=$(basename "$0" .sh)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rtaudio-$TEST.XXXXXX")
# Traversable (not listable): a root daemon runs the renderers a test puts
# here as replica_user, which must be able to execute them.
chmod 0711 "$TMP"
GROUP="t$$$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')"
SOCK="$TMP/ctl.sock"
CONF="$TMP/rtaudiod.conf"
DLOG="$TMP/rtaudiod.log"
DPID=""
FAILED=0
PIDS_SEEN=""

# Under CI=true (.ci/run sets it) nothing may skip: CI installs every tool
# (./bootstrap --install-deps) and runs as root on 2 CPUs, so a skip there
# is a failure. The one exemption is sanitized(): the named assertions that
# cannot hold under ASan (asan_skip; README, "What may skip in CI").
ci() { [ "${CI:-}" = true ]; }

# skip WHY: the whole test cannot run here (exit 77). Never hides a failure
# found before it, and is itself a failure under CI=true.
skip() {
	if [ "$FAILED" -ne 0 ]; then
		echo "FAIL: $TEST: failed, then could not go on: $*"
	elif ci && ! sanitized; then
		echo "FAIL: $TEST: would skip, and CI=true allows no skip: $*"; FAILED=1
	else
		echo "SKIP: $TEST: $*"
	fi
	if [ -n "$DPID" ]; then stop_daemon; fi
	teardown
	[ "$FAILED" -eq 0 ] || exit 1
	exit 77
}
# part_skip WHAT: one part of a test cannot run here: says so, and under
# CI=true (outside ASan) fails the test instead of passing it silently.
part_skip() {
	if ci && ! sanitized; then fail "$* (CI=true allows no skip)"; else echo "SKIP (part): $TEST: $*"; fi
}
fail() { echo "FAIL: $TEST: $*"; FAILED=1; }
die() { echo "FAIL: $TEST: $*"; show_log; teardown; exit 1; }
ok() { echo "ok: $*"; }
show_log() { [ -f "$DLOG" ] && { echo "--- daemon log ($DLOG) ---"; tail -n 40 "$DLOG"; }; }


# A root rtaudiod runs its replicas as [group] replica_user (default
# rtaudio) and refuses to start without it: create it, as bootstrap
# --install-deps does.
if [ "$(id -u)" -eq 0 ] && ! id rtaudio >/dev/null 2>&1; then
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
		rtaudio 2>/dev/null || id rtaudio >/dev/null 2>&1 ||
		skip "cannot create the user rtaudio the replicas of a root rtaudiod run as"
fi

# write_conf [extra lines...]: the test's config; extra lines are appended
# raw (sections included), later keys of a section win.
write_conf() {
	{
		echo "[daemon]"
		echo "socket = $SOCK"
		echo "[group]"
		echo "name = $GROUP"
		echo "replica = $REPLICA"
		for l in "$@"; do echo "$l"; done
	} > "$CONF"
}

ctl() { "$RTAUDIOCTL" -s "$SOCK" "$@"; }
jctl() { "$RTAUDIOCTL" -s "$SOCK" --json "$@"; }
st() { jctl status | jq -r "$1"; }

# wait_until SECONDS CMD...: poll CMD every 20 ms until it succeeds.
wait_until() {
	limit=$1; shift
	end=$(( $(date +%s%N) / 1000000 + limit * 1000 ))
	while [ $(( $(date +%s%N) / 1000000 )) -lt $end ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.02
	done
	return 1
}

is_running() { [ "$(st .daemon.state 2>/dev/null)" = running ]; }
all_ready() {
	n=$(st '[.replicas[] | select(.role == "primary" or .role == "standby")] | length' 2>/dev/null)
	[ "$n" = "$(st '.replicas | length')" ] && is_running
}

# RTAUDIOD_WRAPPER (optional): a command the daemon runs under, e.g.
# "valgrind --error-exitcode=99 ..." (.ci/run does this for one test). It
# must exec the daemon in the same process, so $DPID stays the daemon's.
start_daemon() {
	# shellcheck disable=SC2086
	${RTAUDIOD_WRAPPER:-} "$RTAUDIOD" -c "$CONF" "$@" > "$DLOG" 2>&1 &
	DPID=$!
	wait_until "$( [ -n "${RTAUDIOD_WRAPPER:-}" ] && echo 60 || echo 10 )" all_ready ||
		die "daemon did not become ready with all replicas"
	PIDS_SEEN="$PIDS_SEEN $(st '.replicas[].pid')"
}

# Record the replica pids now alive, for the leftover check.
note_pids() { PIDS_SEEN="$PIDS_SEEN $(st '.replicas[] | select(.pid != null) | .pid' 2>/dev/null)"; }

# True when the programs under test were built with AddressSanitizer (the
# sanitizer stage of .ci/run): its allocator quarantine keeps freed memory
# (RSS bounds do not hold), it slows process start and exit, and it makes
# system calls of its own. Tests SKIP those assertions there, and only those.
sanitized() { grep -q __asan_init "$RTAUDIOD" 2>/dev/null; }
# asan_skip WHAT: under ASan print "SKIP (part): TEST: WHAT not checked under
# ASan" and succeed, else fail; so `asan_skip "RSS bound" || [ check ] || fail ...`.
# The named exemptions of .ci/sanitize: each call names what it exempts.
asan_skip() { sanitized || return 1; echo "SKIP (part): $TEST: $* not checked under ASan"; }

# jack_server: our own JACK server for this test, named after the group
# (never the user's), not started on demand by clients. start_jackd runs it
# (dummy driver, 48 kHz, 256 frames unless given, synchronous: a loaded machine delays a
# cycle instead of dropping one) and waits until it answers; stop_jackd
# stops it; stop_jackd_clean also removes its semaphores (for an EXIT trap).
jack_server() {
	JACK_DEFAULT_SERVER="rtaudio-$GROUP"
	JACK_NO_START_SERVER=1
	export JACK_DEFAULT_SERVER JACK_NO_START_SERVER
	JPID=""
}
start_jackd() {  # [FRAMES [JACKD_OPTIONS]]: 256 frames by default
	# shellcheck disable=SC2086
	jackd -S -n "$JACK_DEFAULT_SERVER" ${2:-} -d dummy -r 48000 -p "${1:-256}" >> "$TMP/jackd.log" 2>&1 &
	JPID=$!
	wait_until 10 jack_lsp
}
stop_jackd() {
	[ -n "$JPID" ] || return 0
	kill -TERM "$JPID" 2>/dev/null
	wait "$JPID" 2>/dev/null
	JPID=""
}
stop_jackd_clean() { stop_jackd; rm -f /dev/shm/jack_sem.*_"$JACK_DEFAULT_SERVER"_*; }
# jack_resumed: the jack sink's first loss and first reconnect in $DLOG name
# the same block (the stream holds its position while the server is away);
# sets RESUMED to it.
jack_resumed() {
	stopped=$(sed -n 's/.*audio stopped at block \([0-9]*\).*/\1/p' "$DLOG" | head -n 1)
	RESUMED=$(sed -n 's/.*audio resumed at block \([0-9]*\).*/\1/p' "$DLOG" | head -n 1)
	[ -n "$stopped" ] && [ "$stopped" = "$RESUMED" ] ||
		fail "stopped at block '$stopped' but resumed at block '$RESUMED'"
}

# rt_syscalls TRACE LABEL MIN [device]: check an strace -o TRACE of one
# real-time thread (the audio path: lib/rtthread.h). Allowed: futex and
# clock calls; with `device`, also the calls an ALSA PCM makes from the
# thread that drives it (poll, ioctl, read, write, recvfrom, sendto).
# Prints "LABEL: N futex calls[, D device calls]"; fails on any other call,
# or on fewer than MIN futex calls (MIN device calls with `device`): a
# trace of an idle thread proves nothing.
rt_syscalls() {
	awk -v label="$2" -v min="$3" -v device="${4:-}" '
	BEGIN {
		rt = "futex|clock_gettime|clock_nanosleep|restart_syscall"
		dev = "poll|ppoll|ioctl|read|write|recvfrom|sendto"
	}
	/^(\+\+\+|---) / { next }
	{
		name = $0
		# A resumed line ends a call its start line counted: check, not count.
		resumed = sub(/^<\.\.\. /, "", name)
		if (resumed) sub(/ resumed>.*/, "", name)
		else sub(/\(.*/, "", name)
		if (name == "futex") { futex += !resumed; next }
		if (name ~ ("^(" rt ")$")) next
		if (device != "" && name ~ ("^(" dev ")$")) { devcalls += !resumed; next }
		print "forbidden in the " label ": " $0; bad++
	}
	END {
		if (device != "") {
			printf "%s: %d futex calls, %d device calls\n", label, futex, devcalls
			exit (bad || devcalls < min)
		}
		printf "%s: %d futex calls\n", label, futex
		exit (bad || futex < min)
	}' "$1"
}

# failovers_by REASON: how many failovers of that reason (crash, stall,
# manual, corrupt) the daemon has logged. Tests that cause N crashes count
# these rather than .failovers.count, to which a loaded machine may add a
# stall failover (the watchdog doing its job, and losing nothing).
failovers_by() { grep -c "failover ($1)" "$DLOG"; }

# kill_primary: rtaudioctl --json kill-primary, asked again every 50 ms for
# up to 10 s while the daemon refuses it for want of a healthy standby (on a
# loaded machine the watchdog may be replacing a late standby just then; the
# refusal is the product working). Prints the last reply; each refusal adds
# a line to $TMP/refused (refusals counts them).
kill_primary() {
	end=$(( $(date +%s) + 10 ))
	while :; do
		r=$(jctl kill-primary 2>/dev/null) && { echo "$r"; return 0; }
		echo "$r" | grep -q "no healthy standby" && [ "$(date +%s)" -lt $end ] ||
			{ echo "$r"; return 1; }
		echo "$r" >> "$TMP/refused"
		sleep 0.05
	done
}
refusals() { if [ -f "$TMP/refused" ]; then wc -l < "$TMP/refused"; else echo 0; fi; }

# settled: the last failover record is final (its rings drained, its loss
# counted); use as `wait_until 5 settled`.
settled() { [ "$(st .failovers.last.settled)" = true ]; }

# alsa_window WHAT SECS: watch the alsa sink thread for SECS of playing;
# sets WIN_BLOCKS (blocks played), WIN_NS (wall time), WIN_CPU_NS (the
# thread's CPU time, from schedstat), WIN_WANT (the blocks real time calls
# for) and WIN_RATIO (WIN_BLOCKS / WIN_WANT).
alsa_window() {
	tid=$(ps -L -o tid=,comm= -p "$DPID" | awk '$2 == "alsa-sink" { print $1 }' | head -n 1)
	[ -n "$tid" ] || die "$1: no alsa-sink thread in rtaudiod"
	s0=$(st .sink.seq); c0=$(awk '{ print $1 }' "/proc/$DPID/task/$tid/schedstat"); t0=$(date +%s%N)
	sleep "$2"
	s1=$(st .sink.seq); c1=$(awk '{ print $1 }' "/proc/$DPID/task/$tid/schedstat"); t1=$(date +%s%N)
	WIN_BLOCKS=$((s1 - s0)); WIN_NS=$((t1 - t0)); WIN_CPU_NS=$((c1 - c0))
	w=$(awk -v n="$WIN_BLOCKS" -v t="$WIN_NS" -v r="$(st .stream.sample_rate)" -v f="$(st .stream.frames)" \
		'BEGIN { w = t / 1e9 * r / f; printf "%.6f %.4f", w, n / w }')
	WIN_WANT=${w% *}; WIN_RATIO=${w#* }
}

# loop_policy: the daemon's loop thread's scheduling policy (0: SCHED_OTHER),
# which the watcher raises to SCHED_FIFO while the loop acts and gives back.
loop_policy() { awk '/^policy/ {print $3}' "/proc/$DPID/task/$DPID/sched"; }
alive_pid() { [ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

stop_daemon() {
	[ -n "$DPID" ] || return 0
	note_pids
	kill -TERM "$DPID" 2>/dev/null
	# Bounded: a daemon that does not stop is a failure, not a hung test.
	wait_until "$( [ -n "${RTAUDIOD_WRAPPER:-}" ] && echo 120 || echo 20 )" \
		sh -c "! [ -d /proc/$DPID ] || grep -q '^State:.*Z' /proc/$DPID/status" ||
		{ fail "daemon still running 20 s after SIGTERM"; kill -KILL "$DPID" 2>/dev/null; }
	rc=0
	wait "$DPID" || rc=$?
	DPID=""
	[ "$rc" -eq 0 ] || fail "daemon exited with status $rc after SIGTERM"
	grep -q "handle still open" "$DLOG" && fail "event loop not empty at exit"
	return 0
}

# RTAUDIO_KEEP_TMP=1 keeps the test directory (daemon log, config) for a look.
cleanup_files() { [ -z "${RTAUDIO_KEEP_TMP:-}" ] || { echo "kept $TMP"; return 0; }; rm -rf "$TMP"; }

# Everything a test leaves behind must be nothing.
teardown() {
	# A test that died with the daemon still up: stop it the way a user
	# would, so the checks below judge its shutdown, not a SIGKILL's
	# leftovers (stop_daemon kills it if SIGTERM does not end it).
	stop_daemon
	sleep 0.1
	left=$(ls /dev/shm 2>/dev/null | grep -F "rtaudio-$GROUP-" || true)
	[ -z "$left" ] || fail "segments left behind: $left"
	[ ! -e "$SOCK" ] || fail "socket left behind: $SOCK"
	for p in $PIDS_SEEN; do
		[ "$p" = null ] && continue
		alive_pid "$p" && fail "replica pid $p still alive" && kill -KILL "$p" 2>/dev/null
	done
	rm -f /dev/shm/rtaudio-"$GROUP"-* 2>/dev/null
	[ "$FAILED" -eq 0 ] || show_log
	cleanup_files
}

finish() {
	stop_daemon
	teardown
	if [ "$FAILED" -eq 0 ]; then echo "PASS: $TEST"; exit 0; fi
	exit 1
}

trap 'teardown; exit 1' INT TERM
command -v jq >/dev/null 2>&1 || skip "jq is not installed (./bootstrap --install-deps)"
