#!/bin/sh
# JACK sink: rtaudiod plays into a real JACK server (jackd's dummy driver,
# no audio hardware, a server name of our own). Checks that:
#   0. with no server running rtaudiod fails start-up (exit 1) and says why;
#   1. the stream follows the server's rate and buffer size (the config says
#      44100 Hz, 128 frames; the server runs 48000 Hz, 256) and logs it; a
#      second daemon asking for the same client name is refused (exit 1);
#      JACK's process thread in rtaudiod makes no syscall but futex (strace);
#   2. a recording of rtaudiod's ports made while the primary is killed five
#      times is a continuous sine (sinecheck), with no lost sample, no underrun;
#   3. when jackd dies the daemon logs it, keeps supervising (a failover while
#      the server is away) and holds its position; it closes the dead client
#      only once libjack's notification thread has ended (-v logs when);
#      status shows the server as sink.device (up false, losses 1) and a
#      `sink` event says device-lost (device-back on its return, part 4);
#   4. when jackd comes back it reconnects and plays on from where it stopped,
#      again a continuous sine without a lost sample;
#   5. a server back at another buffer size is not played into (logged), and a
#      daemon starting against a 2048-frame server is refused (exit 1); its
#      loss is handled as any other, and once a server at 2048 frames
#      switches to the group's 256 (jack_bufsize) it is played into, after
#      a port registration refused (the server's --port-max, another
#      client's port) was logged once and retried on the same client;
#   6. a hung server (SIGSTOP) holds up no shutdown beyond its 2 s bound;
#   7. the replicas run one below JACK's process thread when it is at 51 or
#      more (jackd -P 70), and keep rt_priority below that (jackd's default).
# jackd runs synchronous (-S): the dummy driver has no hardware deadline, and
# in sync mode a scheduling hiccup of a loaded machine delays a JACK cycle
# instead of dropping one, so the recording shows exactly the block sequence
# rtaudiod played (its xruns are still counted, in sink.late, and printed).
# The recorder is tests/integration/jack_record (float WAV, recording from
# the first period its ports are connected), not jack_rec: jack_rec writes
# integer samples and records silence before its connections are made.
. "$(dirname "$0")/lib.sh"

command -v jackd >/dev/null 2>&1 || skip "jackd is not installed (Debian package jackd2)"
[ -x "${JACK_RECORD:-}" ] || skip "built without JACK (no tests/integration/jack_record)"

# A server of our own, never the user's, and no client may start one
# (lib.sh); jackd2 may leave a client's semaphore file behind when it is
# stopped just after the client left: stop_jackd_clean removes ours.
jack_server
jackd_died() { die "jackd did not start: $(tail -n 5 "$TMP/jackd.log")"; }
trap stop_jackd_clean EXIT
trap 'stop_jackd; teardown; exit 1' INT TERM

# link_stack: the jack link thread's stack (gdb), where libjack holds it.
link_stack() {
	command -v gdb > /dev/null 2>&1 || return 0
	gdb -p "$DPID" -batch -ex "thread apply all bt" 2> /dev/null |
		awk '/^Thread /{t = $0; n = 0} {buf[n++] = $0} /jk_link/ {print t; for (i = 1; i < n; i++) print buf[i]}' |
		head -n 40
}

# record_start FILE SECONDS: record rtaudiod's two ports in the background;
# record_wait FILE MIN_SECONDS: wait for it and check the file is a continuous sine.
record_start() {
	"$JACK_RECORD" "$1" "$2" rtaudiod:out_1 rtaudiod:out_2 > "$TMP/rec.log" 2>&1 &
	RPID=$!
}
record_wait() {
	wait "$RPID" || fail "jack_record: $(cat "$TMP/rec.log")"
	"$SINECHECK" "$1" 440 "$2" || fail "$1 is not a continuous sine"
}

write_conf "[stream]" "sample_rate = 44100" "frames = 128" "[sink]" "type = jack" \
	"[source]" "frequency = 440"

# 0. No server: rtaudiod never starts one; it fails start-up and says why.
rc=0
"$RTAUDIOD" -c "$CONF" > "$TMP/noserver.log" 2>&1 || rc=$?
if [ "$rc" = 1 ] && grep -q "cannot connect to JACK server" "$TMP/noserver.log"
then ok "no server: exit $rc, $(tail -n 1 "$TMP/noserver.log")"
else fail "with no JACK server: exit $rc (expected 1), $(cat "$TMP/noserver.log")"; fi

start_jackd || skip "jackd cannot run here: $(tail -n 3 "$TMP/jackd.log" | tr '\n' ' ')"
start_daemon -v

# 1. The server's rate and block size win over the config, and it says so.
rate=$(st .stream.sample_rate); frames=$(st .stream.frames); type=$(st .sink.type)
[ "$rate" = 48000 ] && [ "$frames" = 256 ] ||
	fail "stream is $rate Hz, $frames frames; expected the server's 48000 Hz, 256"
[ "$type" = jack ] || fail "sink.type is $type"
grep -q "jack: following the server: 48000 Hz, 256 frames (config said 44100 Hz, 128" "$DLOG" ||
	fail "no 'following the server' line in the log"
ok "follows the server: $rate Hz, $frames frames"
# jackd's default priority puts its clients' threads at 5: below the floor
# (50) the replicas keep rt_priority, and the log says why.
if grep -q "jack: JACK's process thread runs at SCHED_FIFO [0-9]*, not above the replicas" "$DLOG"; then
	ok "low-priority server: replicas keep rt_priority ($(st '.replicas[0].rt')), logged"
elif grep -q "one below JACK's process thread" "$DLOG"; then
	fail "replicas capped below a default-priority server: $(grep "one below JACK" "$DLOG")"
fi

# A second daemon (another group) asking for the same JACK client name.
sed -e "s|^name = .*|name = ${GROUP}b|" -e "s|^socket = .*|socket = $TMP/b.sock|" \
	"$CONF" > "$TMP/b.conf"
rc=0
"$RTAUDIOD" -c "$TMP/b.conf" > "$TMP/b.log" 2>&1 || rc=$?
if [ "$rc" = 1 ] && grep -q "refused client 'rtaudiod' (is the name taken" "$TMP/b.log"
then ok "client name taken: exit $rc"
else fail "second client 'rtaudiod': exit $rc, $(cat "$TMP/b.log")"; fi

# 1b. The process callback is the sink's deadline: JACK's real-time thread in
# rtaudiod (its only SCHED_FIFO thread with this sink) must make no syscall
# but futex (JACK's own cycle hand-over, and our wake of the replicas) while
# it plays. Traced for a second; every line of the trace is checked.
check_cb() { rt_syscalls "$1" "process callback thread" 50; }
# The checker must reject a trace with a write() in it.
i=0
while [ $i -lt 60 ]; do
	echo 'futex(0x7f00000000c0, FUTEX_WAKE, 2147483647) = 1'
	[ $i -eq 30 ] && echo 'write(2, "oops\n", 5) = 5'
	i=$((i + 1))
done > "$TMP/fake.trace"
check_cb "$TMP/fake.trace" > /dev/null && fail "the syscall checker accepted a write()"
tid=$(ps -L -o tid=,cls= -p "$DPID" | awk '$2 == "FF" { print $1 }' | head -n 1)
if ! command -v strace > /dev/null 2>&1; then
	part_skip "strace is not installed: process-callback syscall check not run"
elif [ -z "$tid" ]; then
	part_skip "no SCHED_FIFO thread in rtaudiod (jackd not real-time?): syscall check not run"
else
	timeout -s INT 1 strace -p "$tid" -o "$TMP/cb.trace" 2> /dev/null
	if check_cb "$TMP/cb.trace" > "$TMP/cb.out"; then ok "$(cat "$TMP/cb.out")"
	else fail "$(cat "$TMP/cb.out")"; fi
fi

# 2. Five kills of the primary while recording its ports.
record_start "$TMP/kills.wav" 4
i=0
while [ $i -lt 5 ]; do
	sleep 0.4
	reply=$(kill_primary) || die "kill-primary $i failed: $reply"
	wait_until 10 all_ready || die "replicas not all ready after kill $i"
	note_pids
	i=$((i + 1))
done
record_wait "$TMP/kills.wav" 3.9
lost=$(st .sink.lost_samples); under=$(st .sink.underruns); n=$(st .failovers.count)
# At least 5: a loaded machine may add a stall failover (lossless too).
[ "$n" -ge 5 ] || fail "failovers $n, expected at least 5"
[ "$lost" = 0 ] || fail "lost $lost samples"
[ "$under" = 0 ] || fail "$under underruns"
ok "5 kills into JACK: failovers $n, lost $lost, underruns $under, rescued $(st .sink.rescued), xruns $(st .sink.late)"

# 3. The server goes away: logged, the group still supervised, nothing played.
dev=$(st '"\(.sink.device.name) \(.sink.device.up) \(.sink.device.format) \(.sink.device.period)"')
[ "$dev" = "$JACK_DEFAULT_SERVER true FLOAT_LE 256" ] || fail "sink.device before the loss: $dev"
jctl events > "$TMP/events.log" 2>&1 &
EPID=$!
sleep 0.2
stop_jackd
wait_until 5 grep -q "jack: server .* went away" "$DLOG" || fail "server loss not logged"
# Closed sooner, the client could leave a libjack mutex locked, and every
# later close and open blocked on it (sink_jack_link.c, jk_notify_ended).
let_go() { grep -q "jack: libjack let go of the lost client after" "$DLOG"; }
wait_until 5 let_go || fail "dead client not closed after libjack's thread ended: $(grep 'jack: libjack' "$DLOG")"
let_ms=$(sed -n 's/.*let go of the lost client after \([0-9.]*\) ms.*/\1/p' "$DLOG" | head -n 1)
reply=$(kill_primary) || fail "kill-primary while JACK is away: $reply"
wait_until 10 all_ready || die "replicas not all ready while JACK is away"
note_pids
s1=$(st .sink.seq); sleep 0.5; s2=$(st .sink.seq)
[ "$s1" = "$s2" ] || fail "sink.seq moved from $s1 to $s2 with no JACK server"
wait_until 5 grep -q "\"detail\":\"device-lost $JACK_DEFAULT_SERVER\"" "$TMP/events.log" ||
	fail "no device-lost event: $(cat "$TMP/events.log")"
dev=$(st '"\(.sink.device.up) \(.sink.device.losses) \(.sink.device.reopens)"')
[ "$dev" = "false 1 0" ] || fail "sink.device up, losses, reopens with the server away: $dev"
ok "server gone: logged, event, client closed $let_ms ms after, failover done, position held at $s2"

# 4. It comes back: reconnected, the position advances, the sine carries on.
start_jackd || jackd_died
wait_until 10 grep -q "jack: reconnected" "$DLOG" || die "no reconnect after jackd restart"
jack_resumed
seq_moved() { [ "$(st .sink.seq)" -gt "$s2" ]; }
wait_until 5 seq_moved || fail "sink.seq stuck at $s2 after the reconnect"
has_ports() { jack_lsp | grep -q '^rtaudiod:out_2$'; }
wait_until 5 has_ports || fail "rtaudiod's ports are not back"
record_start "$TMP/back.wav" 1.5
record_wait "$TMP/back.wav" 1.4
lost=$(st .sink.lost_samples); under=$(st .sink.underruns)
# The stream stops with the server and resumes at the same block (checked
# above), so a reconnect costs no sample; nor an underrun once audio is back.
[ "$lost" = 0 ] || fail "lost $lost samples across the reconnect"
[ "$under" = 0 ] || fail "$under underruns across the reconnect"
wait_until 5 grep -q "\"detail\":\"device-back $JACK_DEFAULT_SERVER\"" "$TMP/events.log" ||
	fail "no device-back event: $(cat "$TMP/events.log")"
kill "$EPID" 2>/dev/null; wait "$EPID" 2>/dev/null; EPID=""
dev=$(st '"\(.sink.device.up) \(.sink.device.losses) \(.sink.device.reopens)"')
[ "$dev" = "true 1 1" ] || fail "sink.device up, losses, reopens after the reconnect: $dev"
ok "reconnected: resumed at block $RESUMED, sink.seq $s2 -> $(st .sink.seq), lost $lost, underruns $under, device-back event"

# 5. The server comes back at another block size: not played into, logged;
# and a daemon starting against it fails (2048 frames is out of range).
stop_jackd
lost_twice() { [ "$(grep -c "jack: server .* went away" "$DLOG")" -ge 2 ]; }
wait_until 5 lost_twice || fail "second loss not logged"
start_jackd 2048 || jackd_died
# 20 s, and where the link thread waits is printed if it does not come:
# about 1 run in 10 hung here once, in the close of the client lost just
# before (jk_notify_ended says why).
wait_until 20 grep -q "is back at 48000 Hz, 2048 frames, but the group runs at 48000 Hz, 256" \
	"$DLOG" || { fail "server with another buffer size not reported"; link_stack; }
s3=$(st .sink.seq); sleep 0.3
[ "$(st .sink.seq)" = "$s3" ] || fail "played into a server with another buffer size"
{ cat "$TMP/b.conf"; printf '[sink]\njack_client = second\n'; } > "$TMP/c.conf"
rc=0
"$RTAUDIOD" -c "$TMP/c.conf" > "$TMP/c.log" 2>&1 || rc=$?
if [ "$rc" = 1 ] && grep -q "2048 frames per period; rtaudiod supports 16..1024" "$TMP/c.log"
then ok "2048-frame server: refused while running and at start-up (exit $rc)"
else fail "start against a 2048-frame server: exit $rc, $(cat "$TMP/c.log")"; fi

# The daemon keeps its client of that server, unplayed: losing it is a loss
# like the others (closed once libjack lets go); a new 2048-frame server
# gets the same client, and when it switches to 256 frames it is played into.
stop_jackd
lost_idle() { grep -q "jack: server .* went away (.*), not played into" "$DLOG"; }
wait_until 5 lost_idle || fail "loss of the server not played into not logged"
let_go3() { [ "$(grep -c "jack: libjack let go of the lost client" "$DLOG")" -ge 3 ]; }
wait_until 5 let_go3 || fail "unplayed client not closed after libjack's thread ended"
# This server has room for 6 ports (--port-max 7): its own 4, and another
# client's (the recorder's) leaves one for rtaudiod's 2. The activation
# fails at out_2: logged once, the client kept (closing a live one races
# libjack's notification thread), tried again each second, and played into
# as soon as the other client's port is gone.
start_jackd 2048 "--port-max 7" || jackd_died
"$JACK_RECORD" "$TMP/hog.wav" 60 system:capture_1 > "$TMP/hog.log" 2>&1 &
HPID=$!
hog_up() { jack_lsp | grep -q '^jack_record'; }
wait_until 5 hog_up || fail "the port-holding recorder did not start: $(cat "$TMP/hog.log")"
s4=$(st .sink.seq)
jack_bufsize 256 > /dev/null || fail "jack_bufsize 256 failed"
kept() { grep -c "cannot register JACK port out_2 on server .*; keeping the client and trying again" "$DLOG"; }
kept_once() { [ "$(kept)" -ge 1 ]; }
wait_until 10 kept_once || fail "no port registration failure logged: $(grep 'jack:' "$DLOG" | tail -n 3)"
sleep 2.5  # two more attempts, said nothing of
[ "$(kept)" = 1 ] || fail "the registration failure was logged $(kept) times, not once"
[ "$(st .sink.seq)" = "$s4" ] || fail "played with a port missing"
kill "$HPID" 2>/dev/null; wait "$HPID" 2>/dev/null
back_twice() { [ "$(grep -c "jack: reconnected" "$DLOG")" -ge 2 ]; }
wait_until 20 back_twice || { fail "not played into once the port was free"; link_stack; }
wait_until 5 has_ports || fail "rtaudiod's ports are not all there after the retry"
seq_moved4() { [ "$(st .sink.seq)" -gt "$s4" ]; }
wait_until 5 seq_moved4 || fail "sink.seq stuck at $s4 after the switch to 256 frames"
ok "server not played into: loss handled; switched to 256 frames, out_2 refused (port-max)" \
   "and logged once, played from block $s4 once the port was free"

# 6. A hung server holds up no shutdown: the one now at 256 frames is
# stopped (SIGSTOP: its socket still accepts, nothing answers). SIGTERM
# ends the daemon within its 2 s bound plus slack, status 0; libjack,
# which may be in the middle of the close, gets left behind with a warning.
kill -STOP "$JPID"
t0=$(date +%s%N)
stop_daemon
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
if [ "$ms" -gt 10000 ]; then fail "shutdown with a hung server took $ms ms"
elif grep -q "jack: server .* does not answer" "$DLOG"; then ok "hung server: shut down in $ms ms, leaving libjack behind (logged)"
else ok "hung server: shut down in $ms ms (libjack's close returned)"; fi
kill -CONT "$JPID"
stop_jackd

# 7. A server whose process thread runs at 51 or more (jackd -P 70: its
# clients at 65): the replicas run one below that thread, so a ring does
# not make them preempt the JACK cycle that rang it.
start_jackd 256 "-R -P 70" || jackd_died
start_daemon
jp=$(sed -n "s/.*one below JACK's process thread (\([0-9]*\);.*/\1/p" "$DLOG" | head -n 1)
tid=$(ps -L -o tid=,cls= -p "$DPID" | awk '$2 == "FF" { print $1 }' | head -n 1)
if [ -z "$tid" ]; then
	part_skip "jackd -R -P 70 did not run real-time here: the replicas' cap not checked"
elif [ -z "$jp" ]; then
	fail "server at -P 70: no cap logged: $(grep "jack:" "$DLOG")"
else
	cb=$(ps -L -o tid=,rtprio= -p "$DPID" | awk -v t="$tid" '$1 == t { print $2 }')
	[ "$cb" = "$jp" ] || fail "the log says JACK's thread is at $jp, ps says $cb"
	for i in 0 1; do
		[ "$(st ".replicas[$i].rt" | sed -n 's|fifo/\([0-9]*\).*|\1|p')" = $((jp - 1)) ] ||
			fail "replica $i at $(st ".replicas[$i].rt"), not fifo/$((jp - 1))"
	done
	ok "server thread at fifo/$jp: replicas at $(st '.replicas[0].rt' | cut -d, -f1), one below"
fi
stop_daemon
stop_jackd
finish
