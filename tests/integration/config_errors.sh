#!/bin/sh
# config_errors.sh - `rtaudiod -n -c FILE` on bad and good configuration files.
#
# What it checks: each bad file under configs/ (one per error kind) makes
# rtaudiod exit 78 (EX_CONFIG) with nothing on stdout and
# "rtaudiod: FILE:LINE: ..." naming the right line and key on stderr; an
# explicit -c of a missing file exits 78; a good file, an empty file and the
# shipped conf/rtaudiod.conf exit 0 and print the effective configuration,
# which rtaudiod accepts back unchanged; -S shows in it.
# What it does not check: the wording after the key
# (tests/unit/check_config_errors.c does), or anything about running the
# daemon (-n starts nothing).
#
# Environment (set by `make check`): RTAUDIOD, REPLICA, top_srcdir.
# Exit: 0 pass, 1 fail, 77 skip.

if [ -z "$RTAUDIOD" ] || [ ! -x "$RTAUDIOD" ]; then
	echo "SKIP: RTAUDIOD is not an executable ('$RTAUDIOD')"
	exit 77
fi
if [ -z "$top_srcdir" ] || [ ! -d "$top_srcdir/tests/integration/configs" ]; then
	echo "SKIP: top_srcdir does not hold tests/integration/configs ('$top_srcdir')"
	exit 77
fi

configs=$top_srcdir/tests/integration/configs
tmp=$(mktemp -d "${TMPDIR:-/tmp}/config_errors.XXXXXX") || exit 1
# A root rtaudiod runs the renderers' --check as replica_user: let it in.
chmod 0711 "$tmp"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
failed=0

fail() {
	echo "FAIL: $*"
	failed=1
}

# Run rtaudiod -n with the given arguments; sets $rc, fills $tmp/out, $tmp/err.
check_config() {
	"$RTAUDIOD" -n "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# with_replica FILE: a copy of configs/FILE (in $tmp, same name) whose
# renderer is the built one: -n runs it with --check, so it must exist. The
# [group] key is appended, so every line number of the original holds.
with_replica() {
	sed "s|^replica = /opt/rtaudio/libexec/rtaudio-replica$|replica = $REPLICA|" \
		"$configs/$1" > "$tmp/$1"
	grep -q "^replica = " "$tmp/$1" || printf '[group]\nreplica = %s\n' "$REPLICA" >> "$tmp/$1"
}

# bad NAME LINE WHAT: configs/NAME is refused at LINE; stderr's first line
# starts with "rtaudiod: FILE:LINE: WHAT".
bad() {
	with_replica "$1"
	file=$tmp/$1
	want="rtaudiod: $file:$2: $3"
	check_config -c "$file"
	got=$(head -n 1 "$tmp/err")
	if [ "$rc" -ne 78 ]; then
		fail "$1: exit status $rc, want 78 (stderr: $got)"
		return
	fi
	case $got in
	"$want"*) echo "ok: $1 -> ${got#rtaudiod: "$tmp"/}" ;;
	*) fail "$1: stderr is '$got', want it to start with '$want'" ;;
	esac
	got=${got#rtaudiod: "$tmp"/}
	if [ -s "$tmp/out" ]; then
		fail "$1: printed a configuration although it is refused"
	fi
}

bad bad-range.conf           5 "key 'replicas': "
bad bad-number.conf          2 "key 'sample_rate': "
bad bad-junk.conf            3 "key 'frames': "
bad bad-real.conf            3 "key 'pan': "
bad bad-key.conf             3 "key 'socket_mod': unknown key in [daemon]"
bad bad-section.conf         3 "unknown section [groups]"
bad bad-empty-section.conf   4 "unknown section [bogus]"
bad bad-outside.conf         2 "key 'gain': "
bad bad-syntax.conf          3 "syntax error"
bad bad-enum.conf            2 "key 'standby': "
bad bad-group-name.conf      2 "key 'name': "
bad bad-replica-path.conf    2 "key 'replica': "
bad bad-octal.conf           2 "key 'socket_mode': "
bad bad-duplicate.conf       4 "key 'gain': "
bad bad-cross-lead.conf      4 "key 'ring_capacity': "
bad bad-cross-backoff.conf   2 "key 'restart_backoff_max_ms': "
# The renderer's keys: refused by its --check run, reported at their line.
bad bad-cross-frequency.conf 2 "key 'frequency': frequency (5000) must be less than sample_rate/2"
bad bad-source-type.conf     3 "key 'type': 'square' is not one of sine"
bad bad-source-key.conf      3 "key 'colour': unknown key in [source]"
bad bad-source-number.conf   2 "key 'frequency': 'fast' is not a number"
bad bad-param-name.conf      3 "key 'width': unknown key in [params] (the renderer declares"
bad bad-cross-wav.conf       2 "key 'type': "
bad bad-cross-vote.conf      3 "key 'vote': vote = majority needs 3 or more replicas"
bad bad-vote.conf            2 "key 'vote': "
bad bad-max-level.conf       2 "key 'max_level': "
bad bad-preroll-align.conf   2 "key 'preroll_align': 1000 is not a power of two"
bad bad-cross-preroll-align.conf 4 "key 'frames': preroll_align = 65536 with frames = 1000 aligns the pre-roll on 8192000 samples (171 s, more than 60)"

# A renderer that cannot run: named with the key, exit 78, before anything starts.
printf '[group]\nreplica = %s/no-such-renderer\n' "$tmp" > "$tmp/norend.conf"
check_config -c "$tmp/norend.conf"
case $rc:$(head -n 1 "$tmp/err") in
"78:rtaudiod: $tmp/norend.conf: key 'replica': $tmp/no-such-renderer: No such file"*)
	echo "ok: a renderer that does not exist" ;;
*) fail "missing renderer: exit $rc, stderr '$(head -n 1 "$tmp/err")'" ;;
esac
# A program that is not a renderer (exits 64 on rtaudio's arguments).
printf '#!/bin/sh\nexit 64\n' > "$tmp/notrend"; chmod +x "$tmp/notrend"
printf '[group]\nreplica = %s/notrend\n' "$tmp" > "$tmp/notrend.conf"
check_config -c "$tmp/notrend.conf"
case $rc:$(head -n 1 "$tmp/err") in
"78:rtaudiod: $tmp/notrend.conf: key 'replica': $tmp/notrend --check exited with status 64"*)
	echo "ok: a program that is not a renderer" ;;
*) fail "not a renderer: exit $rc, stderr '$(head -n 1 "$tmp/err")'" ;;
esac

# A renderer's --check report is untrusted: every malformed or inconsistent
# one is refused whole, never half believed.
n=0
for report in 'param\tx\tnan\t1\t0\t' 'param\tx\t0\t1\t2\t' 'param\tgain\t0\t1\t0\t' \
    'param\tx\t0\t1\t0\t\nparam\tx\t0\t1\t0\t\nok' 'param\tb a d\t0\t1\t0\t\nok' \
    'param\tx\t0\t1\nok' 'ok\nok' 'hello' '' 'param\tx\t1e999\t1\t0\t\nok'; do
	n=$((n + 1))
	printf '#!/bin/sh\nprintf "%s\\n"\nexit 0\n' "$report" > "$tmp/liar$n"
	chmod +x "$tmp/liar$n"
	printf '[group]\nreplica = %s/liar%d\n' "$tmp" $n > "$tmp/liar$n.conf"
	check_config -c "$tmp/liar$n.conf"
	case $rc:$(head -n 1 "$tmp/err") in
	"78:rtaudiod: $tmp/liar$n.conf: key 'replica': $tmp/liar$n --check printed a malformed"*) ;;
	*) fail "report '$report': exit $rc, stderr '$(head -n 1 "$tmp/err")'" ;;
	esac
done
# 200,000 lines: read up to the bound, then refused (and the writer reaped).
printf '#!/bin/sh\nyes "param	x	0	1	0	"\n' > "$tmp/flood"; chmod +x "$tmp/flood"
printf '[group]\nreplica = %s/flood\n' "$tmp" > "$tmp/flood.conf"
check_config -c "$tmp/flood.conf"
case $rc:$(head -n 1 "$tmp/err") in
"78:rtaudiod: $tmp/flood.conf: key 'replica': $tmp/flood --check: File too large"*) ;;
*) fail "flooding report: exit $rc, stderr '$(head -n 1 "$tmp/err")'" ;;
esac
echo "ok: $n malformed --check reports and a flood refused whole"
# The sandbox keys ([group] replica_user matters only to a root rtaudiod).
printf '[group]\nsandbox = loose\n' > "$tmp/sandbox.conf"
check_config -c "$tmp/sandbox.conf"
case $rc:$(head -n 1 "$tmp/err") in
"78:rtaudiod: $tmp/sandbox.conf:2: key 'sandbox': "*) echo "ok: sandbox = loose refused" ;;
*) fail "sandbox = loose: exit $rc, stderr '$(head -n 1 "$tmp/err")'" ;;
esac
if [ "$(id -u)" -eq 0 ]; then
	printf '[group]\nname = x\nreplica_user = nosuch%s\n' "$$" > "$tmp/user.conf"
	check_config -c "$tmp/user.conf"
	case $rc:$(head -n 1 "$tmp/err") in
	"78:rtaudiod: $tmp/user.conf:3: key 'replica_user': no such user 'nosuch$$'"*)
		echo "ok: a missing replica_user is a config error at its line" ;;
	*) fail "missing replica_user: exit $rc, stderr '$(head -n 1 "$tmp/err")'" ;;
	esac
	# A renderer replica_user may not execute (a 0700 directory of root's).
	mkdir -m 0700 "$tmp/private"
	cp "$tmp/notrend" "$tmp/private/r"
	printf '[group]\nreplica = %s/private/r\n' "$tmp" > "$tmp/private.conf"
	check_config -c "$tmp/private.conf"
	case $rc:$(head -n 1 "$tmp/err") in
	"78:rtaudiod: $tmp/private.conf: key 'replica': $tmp/private/r: user 'rtaudio' (replica_user) may not execute it"*)
		echo "ok: a renderer replica_user cannot execute is named" ;;
	*) fail "private renderer: exit $rc, stderr '$(head -n 1 "$tmp/err")'" ;;
	esac
fi

# An explicitly named file that does not exist is an error, not the defaults.
missing=$tmp/no-such.conf
check_config -c "$missing"
if [ "$rc" -ne 78 ]; then
	fail "missing -c file: exit status $rc, want 78"
else
	case $(head -n 1 "$tmp/err") in
	"rtaudiod: $missing: "*) echo "ok: missing -c file" ;;
	*) fail "missing -c file: stderr is '$(head -n 1 "$tmp/err")'" ;;
	esac
fi

# Not a regular file, or too large: refused at once (exit 78), never read
# for ever (/dev/zero) or waited on (a FIFO with no writer). timeout(1)
# turns a hang into status 124, which is a failure here.
notreg() {
	"$RTAUDIOD" -n -c "$1" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	( sleep 5; kill -KILL $pid 2>/dev/null ) &
	killer=$!
	wait $pid; rc=$?
	kill $killer 2>/dev/null; wait $killer 2>/dev/null
	got=$(head -n 1 "$tmp/err")
	if [ "$rc" -ne 78 ]; then
		fail "$2: exit status $rc, want 78 (stderr: $got)"
	else
		case $got in
		"rtaudiod: $1: $3"*) echo "ok: $2 -> $got" ;;
		*) fail "$2: stderr is '$got', want 'rtaudiod: $1: $3'" ;;
		esac
	fi
}
mkfifo "$tmp/fifo"
mkdir "$tmp/dir.conf"
head -c 1100000 /dev/zero | tr '\0' '#' >"$tmp/huge.conf"
notreg /dev/zero "/dev/zero" "not a regular file"
notreg "$tmp/fifo" "a FIFO" "not a regular file"
notreg "$tmp/dir.conf" "a directory" "not a regular file"
notreg "$tmp/huge.conf" "a 1.1 MB file" "too large"

# inline LINE...: a file of these lines is refused at line 2 with WHAT.
inline() {
	what=$1; shift
	printf '%s\n' "$@" >"$tmp/inline.conf"
	check_config -c "$tmp/inline.conf"
	got=$(head -n 1 "$tmp/err")
	if [ "$rc" -ne 78 ]; then
		fail "'$2': exit status $rc, want 78 (stderr: $got)"
	else
		case $got in
		"rtaudiod: $tmp/inline.conf:2: $what"*) echo "ok: '$2' -> ${got#rtaudiod: "$tmp"/}" ;;
		*) fail "'$2': stderr is '$got', want '$tmp/inline.conf:2: $what'" ;;
		esac
	fi
}
inline "expected 'key = value'" "[stream]" "lead : 3"
inline "expected 'key = value'" "[sink]" "jack_connect : system:playback_1"
printf '[params]\ngain = 0.5\000junk\n' >"$tmp/nul.conf"
check_config -c "$tmp/nul.conf"
case "$rc $(head -n 1 "$tmp/err")" in
"78 rtaudiod: $tmp/nul.conf:2: NUL byte"*) echo "ok: a NUL byte in a value is refused" ;;
*) fail "NUL byte: exit $rc, stderr '$(head -n 1 "$tmp/err")'" ;;
esac
# ':' inside a value stays legal.
printf '[group]\nreplica = %s\n[sink]\njack_connect = system:playback_1\n' "$REPLICA" >"$tmp/colon-ok.conf"
check_config -c "$tmp/colon-ok.conf" -S "$tmp/ctl.sock"
[ "$rc" -eq 0 ] && echo "ok: ':' in a value is accepted" ||
	fail "':' in a value refused: $(head -n 1 "$tmp/err")"

# good NAME FILE: accepted, prints a configuration that is accepted back
# unchanged; the printed text is left in $tmp/NAME.out.
good() {
	check_config -c "$2"
	if [ "$rc" -ne 0 ]; then
		fail "$1: exit status $rc, want 0 (stderr: $(head -n 1 "$tmp/err"))"
		return 1
	fi
	cp "$tmp/out" "$tmp/$1.out"
	for section in daemon group stream watchdog params sink; do
		grep -qx "\[$section\]" "$tmp/$1.out" || fail "$1: no [$section] in the printed configuration"
	done
	check_config -c "$tmp/$1.out"
	if [ "$rc" -ne 0 ]; then
		fail "$1: the printed configuration is refused: $(head -n 1 "$tmp/err")"
	elif ! cmp -s "$tmp/out" "$tmp/$1.out"; then
		fail "$1: printing the printed configuration changes it"
	else
		echo "ok: $1 accepted, printed configuration round-trips"
	fi
}

# The defaults name an installed replica and socket directory, which a build
# tree does not have (and -n checks both): point those two at this tree.
here="[daemon]
socket = $tmp/ctl.sock
[group]
replica = $REPLICA"
echo "$here" >"$tmp/empty.conf"
sed -e "s|^#socket = .*|socket = $tmp/ctl.sock|" -e "s|^#replica = .*|replica = $REPLICA|" \
	"$top_srcdir/conf/rtaudiod.conf" >"$tmp/shipped.conf"
if good empty "$tmp/empty.conf" && good shipped "$tmp/shipped.conf" &&
    ! cmp -s "$tmp/empty.out" "$tmp/shipped.out"; then
	fail "conf/rtaudiod.conf does not equal the defaults:"
	diff "$tmp/empty.out" "$tmp/shipped.out"
fi
with_replica good-full.conf
if good full "$tmp/good-full.conf"; then
	for line in "replicas = 8" "standby = warm" "socket_mode = 0600" "gain = 0.5" \
	    "pan = -0.25" "frequency = 1000.5" "type = wav" "path = /tmp/rtaudio-config-test.wav" \
	    "name = cfg-test.1"; do
		grep -qxF "$line" "$tmp/full.out" || fail "good-full.conf: '$line' not printed"
	done
fi

# -n refuses what cannot work, naming the key: a replica that is missing or
# not executable, a socket directory that cannot be created, a stall limit
# shorter than the watchdog's interval, a period no clocked sink can keep;
# and warns (exit 0) about what is risky.
envbad() {
	what=$1; shift
	printf '%s\n' "$@" >"$tmp/env.conf"
	check_config -c "$tmp/env.conf"
	got=$(head -n 1 "$tmp/err")
	if [ "$rc" -ne 78 ]; then
		fail "$what: exit status $rc, want 78 (stderr: $got)"
	else
		case $got in
		"rtaudiod: $tmp/env.conf"*"$what"*) echo "ok: refused: ${got#rtaudiod: "$tmp"/}" ;;
		*) fail "stderr is '$got', want it to name '$what'" ;;
		esac
	fi
}
envbad "key 'replica': $tmp/none: No such file" "[group]" "replica = $tmp/none"
: >"$tmp/plain"; chmod 644 "$tmp/plain"
envbad "key 'replica': $tmp/plain: not an executable" "[group]" "replica = $tmp/plain"
: >"$tmp/file"
envbad "key 'socket': its directory cannot be created" "[daemon]" "socket = $tmp/file/sub/x.sock" \
	"[group]" "replica = $REPLICA"
envbad ":6: key 'interval_ms': the stall limit" "$here" "[watchdog]" "interval_ms = 20"
envbad ":7: key 'frames': a period of 0.167 ms" "$here" "[stream]" "sample_rate = 192000" "frames = 32" \
	"[watchdog]" "stall_periods = 10"
printf '%s\n' "$here" "[stream]" "frames = 32" >"$tmp/risky.conf"
check_config -c "$tmp/risky.conf"
[ "$rc" -eq 0 ] && grep -q "^rtaudiod: warning: a period of 0.667 ms is risky" "$tmp/err" ||
	fail "risky period: exit $rc, stderr '$(cat "$tmp/err")'"
[ "$rc" -eq 0 ] && echo "ok: warned: $(head -n 1 "$tmp/err")"

# -S is part of the effective configuration.
check_config -c "$tmp/empty.conf" -S "$tmp/other.sock"
if [ "$rc" -ne 0 ] || ! grep -qxF "socket = $tmp/other.sock" "$tmp/out"; then
	fail "-S: exit status $rc, or 'socket = $tmp/other.sock' not printed"
else
	echo "ok: -S shows in the effective configuration"
fi

exit $failed
