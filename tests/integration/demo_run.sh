#!/bin/sh
# The README's main job ends with `make demo`: run the same script here, so a
# demo that no longer works fails make check (and CI). It must exit 0, lose
# no sample in its failover, and show the gain change in the WAV's peaks.
set -u
: "${top_srcdir:?run through make check}"
out=$(${SHELL:-sh} "$top_srcdir/tests/demo.sh" 2>&1); rc=$?
echo "$out"
fail=0
[ "$rc" = 0 ] || { echo "FAIL: demo_run: demo.sh exited $rc"; fail=1; }
echo "$out" | grep -q '^demo: done$' || { echo "FAIL: demo_run: no 'demo: done'"; fail=1; }
echo "$out" | grep -q 'samples_lost=0$' || { echo "FAIL: demo_run: the failover lost samples"; fail=1; }
echo "$out" | grep -q '^demo: peak in the last 100 ms:  0.25' ||
	{ echo "FAIL: demo_run: gain 0.5 not heard in the WAV"; fail=1; }
[ "$fail" = 0 ] && echo "PASS: demo_run"
exit "$fail"
