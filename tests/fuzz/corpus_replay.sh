#!/bin/sh
# corpus_replay.sh - make check's share of the fuzzing: every seed and every
# saved crash input in tests/fuzz/corpus/TARGET/ goes through its fuzz
# target's entry point, built by the ordinary compiler (tests/fuzz/replay.c),
# so a crash fixed once stays fixed without clang. Under the sanitizer build
# of .ci/run the same replay runs with ASan and UBSan.
set -u
: "${top_srcdir:?top_srcdir not set (run through make check)}"
: "${top_builddir:?}"
failed=0
for t in proto config segment reply report; do
	if out=$("$top_builddir/tests/fuzz/replay_$t" "$top_srcdir/tests/fuzz/corpus/$t" 2>&1); then
		echo "ok: $t: $out"
	else
		echo "FAIL: fuzz corpus $t: $out"
		failed=1
	fi
done
[ "$failed" -eq 0 ] && echo "PASS: corpus_replay"
exit "$failed"
