#!/bin/sh
# 1,000 abusive control clients at once (1 MiB without a newline, random
# bytes, half a line then silence, disconnect mid-reply, silence): each
# gets an error or is dropped, a good client is served every 100 ms
# throughout, the daemon's memory stays bounded (RSS high-water growth under
# 1 MiB) and the sink loses no sample.
. "$(dirname "$0")/lib.sh"
FLOOD="$top_builddir/tests/integration/ctl_flood"

write_conf
start_daemon
rss() { awk "/^$1:/ {print \$2}" "/proc/$DPID/status"; }
before=$(rss VmRSS)
# Hold past the 5 s line time-out, so half-lines are cut off by the daemon.
"$FLOOD" "$SOCK" 1000 7 || fail "good requests were not all served during the flood"
after=$(rss VmHWM)
grow=$((after - before))
ok "RSS before $before KiB, high-water after $after KiB (+$grow KiB)"
asan_skip "RSS bound" || [ "$grow" -lt 1024 ] || fail "RSS grew by $grow KiB (limit 1024)"
[ "$(st .sink.lost_samples)" = 0 ] || fail "sink lost $(st .sink.lost_samples) samples"
[ "$(st .daemon.state)" = running ] || fail "state $(st .daemon.state)"
ok "daemon still running, lost 0"
finish
