#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# series_test.sh [SERIES...]: each series on its own.  For every series
# (default: all that tests/series/tests.conf gives a config), a kernel is
# built from the base + the series it needs + the series, in the worktree
# $KMEM_OUT/series-tree (./kmem tree), not from the whole stack, and booted
# with the C driver's suites the series' changes are tested by (and, for the
# series that add them, the resource KUnit cases): so a series that works
# only with a later one fails here.  One worktree and one build directory
# per config serve every series in turn (each build is incremental).
#
# Results: $KMEM_OUT/results/series-test.tap ("ok - SERIES: ..." lines),
# the consoles in $KMEM_OUT/results/series/SERIES/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
S=$TOP/scripts

conf=$TOP/tests/series/tests.conf
tree=$KMEM_OUT/series-tree
res=$KMEM_OUT/results/series-test.tap
mkdir -p "$KMEM_OUT/results"
: >"$res"

# conf_line NAME: the line of tests.conf for NAME.
conf_line() { awk -v n="$1" '$1 == n { print; exit }' "$conf"; }

names=("$@")
if [ ${#names[@]} = 0 ]; then
	mapfile -t names < <(awk '!/^#/ && NF && $2 != "-" { print $1 }' "$conf")
fi
for name in "${names[@]}"; do
	"$S/series.sh" list | awk '{ print $1 }' | grep -qx "$name" ||
		die "series-test: no series '$name' (./kmem series lists them)"
	[ -n "$(conf_line "$name")" ] || die "series-test: $conf has no line for $name: add one"
done

# tag NAME FILE: FILE's TAP lines, as NAME's.
tag() { sed -n "s/^\(not \)\{0,1\}ok - /&$1: /p" "$2"; }

for name in "${names[@]}"; do
	read -r _ cfg with kunit suites faults < <(conf_line "$name")
	if [ "$cfg" = - ]; then
		say "series-test: $name: nothing to run on its own (see $conf)"
		continue
	fi
	out=$KMEM_OUT/results/series/$name
	rm -rf "$out"
	mkdir -p "$out"
	variant=$cfg@series
	extra=()
	[ "$with" = - ] || extra=(${with//,/ })
	if ! "$S/series.sh" tree "$name" "$tree" "${extra[@]}" 2>"$out/tree.log"; then
		cat "$out/tree.log" >&2
		echo "not ok - $name: base + its prerequisites + $name in $tree: $(tail -n 1 "$out/tree.log")" >>"$res"
		continue
	fi
	what=$(sed -n 's/.* is \(base + .*\)$/\1/p' "$out/tree.log")
	if ! KMEM_SRC=$tree step "series-test: $name: build $cfg ($what)" "$S/build.sh" "$variant" 2>"$out/build.err"; then
		cat "$out/build.err" >&2
		echo "not ok - $name: the $cfg kernel of $what builds: see $KMEM_OUT/build-$variant/build.log" >>"$res"
		continue
	fi
	if grep -B2 -A6 -E '(^|: )warning[:[]' "$KMEM_OUT/build-$variant/build.log" >"$out/warnings.txt"; then
		echo "not ok - $name: the $cfg kernel of $what builds without warnings" >>"$res"
		sed 's/^/# /' "$out/warnings.txt" | head -n 20 >>"$res"
	else
		echo "ok - $name: the $cfg kernel of $what builds without warnings" >>"$res"
	fi
	if [ "$kunit" != - ]; then
		KMEM_SRC=$tree KMEM_KUNITCONFIG=$TOP/tests/series/$kunit.kunitconfig \
			KMEM_KUNIT_BUILD=$KMEM_OUT/kunit-series KMEM_KUNIT_TAP=$out/kunit.tap \
			step "series-test: $name: kunit ($kunit)" "$S/kunit.sh" || true
		if [ -s "$out/kunit.tap" ]; then
			tag "$name" "$out/kunit.tap" >>"$res"
		else
			echo "not ok - $name: kunit.py ran ($kunit): no results, see $KMEM_OUT/kunit-series/kunit.log" >>"$res"
		fi
	fi
	if [ "$suites" != - ]; then
		app="${KMEM_APPEND:-}"
		[ "$faults" = - ] || app="$app kmemrs.faults=$faults"
		KMEM_SRC=$tree KMEM_E2E_TESTS=$suites KMEM_APPEND=$app \
			step "series-test: $name: e2e ($suites)" "$S/e2e.sh" "$variant" e2e >/dev/null || true
		tag "$name" "$KMEM_OUT/results/e2e-$variant.tap" >>"$res"
		cp "$KMEM_OUT/results/e2e-$variant.log.txt" "$out/console.txt" 2>/dev/null || true
	fi
done
p=$(grep -c '^ok ' "$res" || true) f=$(grep -c '^not ok ' "$res" || true)
say "series-test: $p ok, $f not ok ($res)"
[ "$f" = 0 ]
