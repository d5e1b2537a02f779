#!/bin/sh
# kill -9 of the daemon: its replicas die with it (PR_SET_PDEATHSIG) within
# 200 ms, and a new daemon starts cleanly on the same group and socket
# (stale lock and socket removed; the segments are memfds and go with their
# last holder: nothing else is left under /dev/shm).
. "$(dirname "$0")/lib.sh"

write_conf
start_daemon
pids=$(st '.replicas[].pid')
kill -KILL "$DPID"; wait "$DPID" 2>/dev/null; DPID=""
t0=$(date +%s%N)
gone() { for p in $pids; do alive_pid "$p" && return 1; done; return 0; }
wait_until 2 gone || fail "replicas $pids still alive 2 s after kill -9"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
asan_skip "200 ms bound ($ms ms)" || [ "$ms" -le 200 ] || fail "replicas took $ms ms to die"
ok "replicas gone $ms ms after kill -9 of the daemon"
left=$(ls /dev/shm | grep -F "rtaudio-$GROUP-" | tr '\n' ' ')
[ "$left" = "rtaudio-$GROUP-lock " ] || fail "after kill -9, expected only the lock left, got: $left"
start_daemon
ok "restarted on the same group: $(jctl status | jq -c '.daemon')"
finish
