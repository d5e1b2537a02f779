#!/bin/sh
# completion.sh - the bash completion (completion/rtaudioctl) against the
# built rtaudioctl: "rtaudioctl <TAB>" offers exactly the verbs of the
# command table (rtaudioctl help --verbs), "set <TAB>" the parameters,
# "stats <TAB>" reset, a verb's options after "-", global options before
# the verb, and -s / --socket= complete file names.
# Needs bash (skipped without it); contacts no daemon.
# Environment (set by `make check`): RTAUDIOCTL, top_srcdir.
# Exit: 0 pass, 1 fail, 77 skip.

command -v bash >/dev/null 2>&1 || { echo "SKIP: bash is not installed"; [ "${CI:-}" = true ] && exit 1; exit 77; }
: "${RTAUDIOCTL:?RTAUDIOCTL not set (run through make check)}"
: "${top_srcdir:?top_srcdir not set}"
script=$top_srcdir/completion/rtaudioctl
[ -f "$script" ] || { echo "FAIL: $script is missing"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/completion.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
: > "$tmp/sock-a"
: > "$tmp/sock-b"
failed=0
fail() { echo "FAIL: $*"; failed=1; }

# complete WORD...: the sorted candidates for the last word (as bash would
# offer them, one per line), rtaudioctl being found through PATH.
complete_words() {
	PATH=$(dirname "$RTAUDIOCTL"):$PATH bash --norc --noprofile -c '
		. "$1"; shift
		complete -p rtaudioctl | grep -q -- "-F _rtaudioctl" || exit 3
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_rtaudioctl
		printf "%s\n" "${COMPREPLY[@]}"' sh "$script" "$@" | sort
}
# expect "WANT (space-separated)" WORD...
expect() {
	want=$(printf '%s\n' $1 | sort)
	shift
	got=$(complete_words "$@")
	[ "$got" = "$want" ] ||
		fail "'$*<TAB>': got '$(echo $got)', expected '$(echo $want)'"
}

verbs=$("$RTAUDIOCTL" help --verbs) || fail "rtaudioctl help --verbs failed"
for v in status get set kill-primary failover stats events reload version wait-ready help; do
	echo "$verbs" | grep -qx "$v" || fail "help --verbs lacks '$v'"
done
expect "$verbs" rtaudioctl ""
expect "$verbs" "$RTAUDIOCTL" ""              # a path to the program works too
expect "status stats" rtaudioctl st
expect "$verbs" rtaudioctl -j -s "$tmp/sock-a" ""
expect "$verbs" rtaudioctl --socket = "$tmp/sock-a" ""
expect "gain pan" rtaudioctl set ""
expect "pan" rtaudioctl -j get p
expect "" rtaudioctl set gain ""
expect "" rtaudioctl set pan -0
expect "reset" rtaudioctl stats ""
expect "force" rtaudioctl kill-primary ""
expect "--watch -n -i" rtaudioctl status -
expect "--watch" rtaudioctl status --w
expect "-t" rtaudioctl wait-ready -
expect "wait-ready" rtaudioctl help wai
expect "-s --socket -j --json -h --help -V --version" rtaudioctl -
expect "$tmp/sock-a $tmp/sock-b" rtaudioctl -s "$tmp/sock-"
expect "$tmp/sock-a $tmp/sock-b" rtaudioctl --socket = "$tmp/sock-"
expect "" rtaudioctl failover ""
[ "$(complete_words rtaudioctl "" | wc -l)" -ge 11 ] || fail "fewer than 11 verbs offered"

[ "$failed" = 0 ] && echo "PASS: completion ($(echo "$verbs" | wc -l) verbs)"
exit "$failed"
