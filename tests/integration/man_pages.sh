#!/bin/sh
# man_pages.sh - the manual pages against the code and the formatters.
#
# What it checks: every verb of rtaudioctl's command table (printed by
# `rtaudioctl help --verbs`) has its own entry (".It Cm VERB") in
# man/rtaudioctl.1.in; every refusal code (lib/proto.c) is in its table
# with its exit status; every slot state (daemon/slot.c) in rtaudiod(8); `mandoc -T lint -W warning` prints nothing for the
# three generated pages (build dir man/rtaudioctl.1, rtaudiod.8,
# rtaudiod.conf.5); with man-db, `man --warnings -l` renders each of them
# without a warning.
# What it does not check: the config keys of rtaudiod.conf(5) (config
# tests), or the wording.
# Environment (set by `make check`): RTAUDIOCTL, top_srcdir, top_builddir.
# Exit: 0 pass, 1 fail, 77 skip (mandoc missing, once the verbs are checked).

: "${RTAUDIOCTL:?RTAUDIOCTL not set (run through make check)}"
: "${top_srcdir:?}" "${top_builddir:?}"
failed=0
fail() { echo "FAIL: $*"; failed=1; }

page=$top_srcdir/man/rtaudioctl.1.in
verbs=$("$RTAUDIOCTL" help --verbs) || fail "rtaudioctl help --verbs failed"
[ -n "$verbs" ] || fail "rtaudioctl help --verbs printed nothing"
for v in $verbs; do
	grep -q "^\.It Cm $v\( \|\$\)" "$page" || fail "verb '$v' has no '.It Cm $v' entry in $page"
done
[ "$failed" = 0 ] && echo "ok: $(echo $verbs | wc -w) verbs documented in rtaudioctl(1)"
# Every refusal code of lib/proto.h's table, with its exit status, in the
# table of rtaudioctl(1); every slot state of daemon/slot.c in rtaudiod(8).
codes=$(sed -n 's/^	{ PERR_[A-Z_]*, "\([a-z-]*\)", \([0-9]*\),.*/\1:\2/p' "$top_srcdir/lib/proto.c")
[ "$(echo "$codes" | wc -w)" -ge 10 ] || fail "found only '$codes' in lib/proto.c's error table"
for c in $codes; do
	grep -q "^\.It Li ${c%%:*} Ta ${c##*:} Ta " "$page" ||
		fail "code ${c%%:*} (exit ${c##*:}) not in the table of $page"
done
states=$(sed -n '/fsm_state_name(enum fsm_state st)$/,/^}/p' "$top_srcdir/daemon/slot.c" |
	grep -o '"[a-z-]*"' | tr -d '"' | grep -vx unknown)
[ "$(echo "$states" | wc -w)" -ge 8 ] || fail "found only '$states' in daemon/slot.c"
for st in $states; do
	grep -q "^\.It Li $st\$" "$top_srcdir/man/rtaudiod.8.in" ||
		fail "slot state $st not described in rtaudiod(8)"
done
[ "$failed" = 0 ] && echo "ok: $(echo $codes | wc -w) refusal codes in rtaudioctl(1)," \
	"$(echo $states | wc -w) slot states in rtaudiod(8)"

pages="$top_builddir/man/rtaudioctl.1 $top_builddir/man/rtaudiod.8 $top_builddir/man/rtaudiod.conf.5"
for p in $pages; do
	[ -s "$p" ] || fail "$p was not generated"
done
if ! command -v mandoc >/dev/null 2>&1; then
	[ "$failed" = 0 ] || exit 1
	echo "SKIP: mandoc is not installed (./bootstrap --install-deps)"
	[ "${CI:-}" = true ] && { echo "FAIL: CI=true allows no skip"; exit 1; }
	exit 77
fi
for p in $pages; do
	out=$(mandoc -T lint -W warning "$p" 2>&1)
	[ -z "$out" ] || fail "mandoc -T lint -W warning $p: $out"
done
[ "$failed" = 0 ] && echo "ok: mandoc -T lint -W warning: clean"

if man --version 2>/dev/null | grep -q man-db; then
	for p in $pages; do
		out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$p" 2>&1 >/dev/null)
		[ -z "$out" ] || fail "man --warnings -l $p: $out"
	done
	[ "$failed" = 0 ] && echo "ok: man --warnings -l: clean"
fi
[ "$failed" = 0 ] && echo "PASS: man_pages"
exit "$failed"
