#!/bin/sh
# Install into a DESTDIR and check the layout (binaries, replica in
# libexec, config not overwritten, man pages, unit, plist, library,
# headers, rtaudio.pc), then run the INSTALLED daemon under a stand-in
# systemd notify socket: READY=1 once audio reaches the sink, STATUS= kept
# current, WATCHDOG=1 while healthy and NOT while the sink thread is held
# (SIGUSR2 test hook, 3 s), STOPPING=1 at shutdown.
. "$(dirname "$0")/lib.sh"
: "${top_builddir:?}"
LISTEN="$top_builddir/tests/integration/notify_listen"
"$RTAUDIOD" -V | grep -q systemd || skip "rtaudiod built without libsystemd"

inst="$TMP/inst"
make -s -C "$top_builddir" install DESTDIR="$inst" > "$TMP/install.log" 2>&1 ||
	die "make install failed: $(tail -n 5 "$TMP/install.log")"
find_one() { find "$inst" -path "*$1" | head -n 1; }
for f in /bin/rtaudioctl /sbin/rtaudiod /libexec/rtaudiod/rtaudio-replica \
	/etc/rtaudiod/rtaudiod.conf /man1/rtaudioctl.1 /man5/rtaudiod.conf.5 \
	/man8/rtaudiod.8 /rtaudiod.service /org.rtaudio.rtaudiod.plist \
	/include/rtaudio/renderer.h /include/rtaudio/client.h /pkgconfig/rtaudio.pc \
	/lib/librtaudio.so; do
	[ -n "$(find_one "$f")" ] || fail "not installed: $f"
done
ok "install layout"
conf=$(find_one /etc/rtaudiod/rtaudiod.conf)
echo "# edited by the admin" >> "$conf"
make -s -C "$top_builddir" install DESTDIR="$inst" > "$TMP/install.log" 2>&1 || die "reinstall failed"
grep -q "edited by the admin" "$conf" || fail "make install overwrote an existing rtaudiod.conf"
unit=$(find_one /rtaudiod.service)
grep -q '^Type=notify' "$unit" && grep -q '^WatchdogSec=' "$unit" && grep -q '^LimitRTPRIO=' "$unit" ||
	fail "unit lacks Type=notify/WatchdogSec/LimitRTPRIO"
grep -q "ExecStart=/.*/rtaudiod " "$unit" || fail "unit ExecStart path not substituted"
ok "config kept on reinstall; unit file"

write_conf
sed -i "s|^replica = .*|replica = $(find_one /libexec/rtaudiod/rtaudio-replica)|" "$CONF"
"$LISTEN" "$TMP/notify.sock" 60 > "$TMP/notify.log" &
lpid=$!
sleep 0.2
RTAUDIOD=$(find_one /sbin/rtaudiod)
NOTIFY_SOCKET="$TMP/notify.sock" WATCHDOG_USEC=1000000 "$RTAUDIOD" -c "$CONF" > "$DLOG" 2>&1 &
DPID=$!
wait_until 10 all_ready || die "installed daemon not ready"
wait_until 5 grep -q READY=1 "$TMP/notify.log" || fail "no READY=1"
# STATUS= is sent each 100 ms when it changes: "running" may follow READY=1 by one.
wait_until 2 grep -q "^[0-9]* STATUS=running, primary [0-9]" "$TMP/notify.log" ||
	fail "no STATUS=running line: $(grep STATUS= "$TMP/notify.log" | tr '\n' ' ')"
sleep 0.5
n1=$(grep -c WATCHDOG=1 "$TMP/notify.log")
[ "$n1" -ge 3 ] || fail "only $n1 WATCHDOG=1 pings in the first second"
ok "READY=1, STATUS=, $n1 WATCHDOG=1 pings"

t0=$(awk '{print $1}' "$TMP/notify.log" | tail -n 1)
kill -USR2 "$DPID"
sleep 3.5
# The sink is held for 3 s from the signal; after 1 s without a sink beat
# the pings must stop until it runs again.
gap=$(awk -v t0="$t0" '/WATCHDOG=1/ && $1 > t0 { if (prev && $1 - prev > max) max = $1 - prev; prev = $1 } END { print max + 0 }' "$TMP/notify.log")
[ "$gap" -ge 1500 ] || fail "WATCHDOG=1 kept coming while the sink was stuck (longest gap $gap ms)"
tail -n 3 "$TMP/notify.log" | grep -q WATCHDOG=1 || fail "WATCHDOG=1 did not resume"
ok "watchdog pings stopped for $gap ms while the sink thread was held, then resumed"
stop_daemon
sleep 0.2
grep -q STOPPING=1 "$TMP/notify.log" || fail "no STOPPING=1"
kill "$lpid" 2>/dev/null; wait "$lpid" 2>/dev/null
ok "STOPPING=1"
finish
