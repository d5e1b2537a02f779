#!/bin/sh
# The shared library exports the public API and nothing else: every symbol
# `nm -D --defined-only` lists in librtaudio.so is named rta_*, and the
# functions <rtaudio/renderer.h> and <rtaudio/client.h> declare are all
# there. (Programs of this tree link the same code statically; the
# internals must not leak into the ABI third parties link against.)
# Exit: 0 pass, 1 fail, 77 skip.
: "${top_builddir:?}" "${top_srcdir:?}"
TEST=symbols
so=$(ls "$top_builddir"/lib/.libs/librtaudio.so.* 2>/dev/null | head -n 1)
[ -n "$so" ] || { echo "SKIP: $TEST: no lib/.libs/librtaudio.so.* (built --disable-shared?)"; exit 77; }
command -v nm >/dev/null 2>&1 || { echo "SKIP: $TEST: nm (binutils) is not installed"; exit 77; }
failed=0
# Defined dynamic symbols but the linker's own markers.
syms=$(nm -D --defined-only "$so" | awk '{print $NF}' | grep -v -e '^_init$' -e '^_fini$' \
	-e '^_edata$' -e '^_end$' -e '^__bss_start$' | sort -u)
n=$(echo "$syms" | grep -c .)
bad=$(echo "$syms" | grep -v '^rta_' || true)
[ -z "$bad" ] || { echo "FAIL: $TEST: exported beyond rta_*: $(echo $bad)"; failed=1; }
# Exactly the functions the public headers declare: each is exported, and
# nothing else is (an internal rta_ name would pass the prefix rule).
api=$(cat "$top_srcdir"/include/rtaudio/renderer.h "$top_srcdir"/include/rtaudio/client.h |
	grep -o '\brta_[a-z_]*(' | tr -d '(' | sort -u)
for f in $api; do
	echo "$syms" | grep -qx "$f" || { echo "FAIL: $TEST: $f is declared, not exported"; failed=1; }
done
for f in $syms; do
	echo "$api" | grep -qx "$f" || { echo "FAIL: $TEST: $f is exported, not declared"; failed=1; }
done
ver=$(basename "$so")
echo "ok: $ver exports $n symbols, all rta_*: $(echo $syms)"
[ $failed = 0 ] && echo "PASS: $TEST"
exit $failed
