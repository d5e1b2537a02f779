#!/bin/sh
# lib_skip.sh - lib.sh's skip() and part_skip() do not turn failures into
# passes: a skip after a failure exits 1, a skip under CI=true exits 1, a
# part_skip under CI=true fails the test, and only otherwise is a skip 77.
# Each case runs a small script that sources lib.sh, as a real test does
# (RTAUDIOD=/bin/sh: not an ASan build, whose named exemptions would apply).
set -u
lib=$(cd "$(dirname "$0")" && pwd)/lib.sh
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rtaudio-lib_skip.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0

# case NAME WANT CI BODY: a script of BODY after lib.sh exits WANT under CI.
case_() {
	printf '. "%s"\n%s\n' "$lib" "$4" > "$tmp/$1.sh"
	rc=0; env CI="$3" RTAUDIOD=/bin/sh sh "$tmp/$1.sh" > "$tmp/$1.out" 2>&1 || rc=$?
	if [ "$rc" = "$2" ]; then echo "ok: $1: exit $rc"
	else echo "FAIL: $1: exit $rc, want $2: $(cat "$tmp/$1.out")"; failed=1; fi
}
case_ plain_skip        77 false 'skip "no such tool"'
case_ skip_after_fail   1  false 'fail "an assertion"; skip "no such tool"'
case_ skip_under_ci     1  true  'skip "no such tool"'
case_ part_skip         0  false 'part_skip "one part"; finish'
case_ part_skip_ci      1  true  'part_skip "one part"; finish'
grep -q "^SKIP (part): " "$tmp/part_skip.out" || { echo "FAIL: part_skip said nothing"; failed=1; }
exit $failed
