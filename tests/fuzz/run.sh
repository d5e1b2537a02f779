#!/bin/sh
# run.sh SRCDIR TARGET... - `make fuzz`: run each libFuzzer target for
# $FUZZ_SECONDS (default 60) from its seed corpus, one after the other, and
# print one line of figures per target (executions, coverage, corpus, crashes).
# New inputs the fuzzer finds go to tests/fuzz/work/TARGET (build dir, kept
# between runs); a crash is saved as tests/fuzz/crashes/TARGET-crash-*, the
# target's log is tests/fuzz/TARGET.fuzzlog, and the run fails. Fix the bug,
# then copy the crash input into tests/fuzz/corpus/TARGET/ (crash-WHAT): make
# check replays it from then on (tests/fuzz/corpus_replay.sh).
set -u
srcdir=$1; shift
secs=${FUZZ_SECONDS:-60}
failed=""
mkdir -p tests/fuzz/crashes
for t in "$@"; do
	log=tests/fuzz/$t.fuzzlog
	mkdir -p "tests/fuzz/work/$t"
	start=$(date +%s)
	rc=0
	# -timeout: an input taking 10 s is a hang, reported like a crash.
	"tests/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="tests/fuzz/crashes/$t-" \
		"tests/fuzz/work/$t" "$srcdir/tests/fuzz/corpus/$t" > "$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p')
	crashes=$(ls tests/fuzz/crashes 2>/dev/null | grep -c "^$t-" || true)
	printf 'fuzz %-8s %s s: %s execs (%s/s), cov %s, features %s, corpus %s, crash files %s, exit %s\n' \
		"$t" "$(( $(date +%s) - start ))" "${execs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" \
		"${corp:-?}" "$crashes" "$rc"
	if [ "$rc" -ne 0 ]; then
		failed="$failed $t"
		echo "--- $log (tail)"
		grep -v '^#[0-9]' "$log" | tail -n 40
	fi
done
if [ -n "$failed" ]; then
	echo "fuzz: FAILED:$failed (inputs in tests/fuzz/crashes/)"
	exit 1
fi
echo "fuzz: no crash in $# targets x $secs s"
