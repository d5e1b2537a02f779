#!/bin/sh
# jitter.sh - the machine's own real-time wake-up latency, the peer figure
# for failover_bench and make soak (part of make bench).
#
# Runs cyclictest (rt-tests) as the replicas run: one SCHED_FIFO 80 thread
# per CPU, pinned, mlockall, woken every 1 ms for JITTER_S seconds (default
# 5), and prints the wake-up latency (median, p99, max) and how often a
# wake-up came later than the daemon's default stall limit (2 periods of 256
# frames at 48 kHz, 10.67 ms) or than one 64-frame period (1.33 ms). A
# replica that wakes that late is (rightly) declared stalled or misses its
# block, whatever rtaudiod does, so these bound what the other figures can
# show. Prints a SKIP line and exits 0 when cyclictest is missing or real-time
# scheduling is not allowed: a figure, not a test.
S=${JITTER_S:-5}
command -v cyclictest >/dev/null 2>&1 ||
	{ echo "jitter: SKIP: cyclictest not installed (apt-get install rt-tests)"; exit 0; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if ! cyclictest -m -p 80 -a -t "$(nproc)" -i 1000 -D "$S" -q -h 30000 > "$out" 2>&1; then
	echo "jitter: SKIP: cyclictest failed (no SCHED_FIFO here?): $(tail -n 1 "$out")"
	exit 0
fi
# Histogram rows: latency in us, then one count per thread; a sample over
# 30 ms lands in the overflow count.
awk -v s="$S" '
/^# Histogram Overflows:/ { for (i = 4; i <= NF; i++) over += $i + 0 }
/^# Max Latencies:/ { for (i = 4; i <= NF; i++) if ($i + 0 > max) max = $i + 0 }
/^[0-9]/ { for (i = 2; i <= NF; i++) { h[$1 + 0] += $i; n += $i } }
END {
	n += over
	if (n == 0) { print "jitter: SKIP: cyclictest printed no histogram"; exit }
	for (us = 0; us < 30000; us++) {
		c += h[us]
		if (med == "" && c >= n * 0.5) med = us
		if (p99 == "" && c >= n * 0.99) p99 = us
		if (us >= 1333) late1 += h[us]
		if (us >= 10667) late2 += h[us]
	}
	late1 += over; late2 += over
	printf "jitter: cyclictest SCHED_FIFO 80, pinned, 1 ms, %d s, %d wake-ups:" \
	       " median %d us, p99 %d us, max %d us\n", s, n, med, p99, max
	printf "jitter: later than a 64-frame period (1.33 ms): %d (%.4f%%);" \
	       " later than the default stall limit (10.67 ms): %d (%.1f a minute)\n",
	       late1, 100 * late1 / n, late2, late2 * 60 / s
}' "$out"
