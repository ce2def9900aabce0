#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# prefixes.sh [SERIES...]: build every topic series on the base plus only
# the series it needs (patches/series.conf), as a maintainer who takes it
# alone would, so that a patch that silently depends on a later series, or
# on one it does not declare, fails here.  One TAP line per series in
# $KMEM_OUT/results/prefixes.tap.
#
# What is built: make prepare, the objects of the C files the series
# touches (those the end-to-end kernel builds) and the directories of its
# build files, in the scratch worktree of scripts/series.sh
# ($KMEM_OUT/.scratch, kept: making one takes a minute) with the end-to-end
# kernel's config without Rust (tinyconfig + configs/e2e.config +
# configs/norust.config, in $KMEM_OUT/build-prefix), and no warning
# allowed.  Run after ./kmem build c, which tells which objects the config
# builds (without it, the directories of the files are built: slower).  The Rust files of a series are built by the test command's
# whole-stack builds and ./kmem bisect-fast, not here: the series that
# carries them needs no series whose C files its Rust code uses but those
# it declares, and ./kmem bisect builds every commit of the stack whole.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

res=$KMEM_OUT/results/prefixes.tap
out=$KMEM_OUT/build-prefix
wt=$KMEM_OUT/.scratch
mkdir -p "$KMEM_OUT/results" "$out"
: >"$res"
# A stop on the way is a failure, not fewer results.
finished=0
trap '[ $finished = 1 ] || echo "not ok - prefix: prefixes.sh stopped before its end (exit $?)" >>"$res"' EXIT
names=("$@")
[ ${#names[@]} -gt 0 ] || mapfile -t names < <(series_names)

# pmake ARGS: make in the worktree (kmake is the tree in $KMEM_SRC).
pmake() { (KMEM_SRC=$wt && kmake O="$out" "$@"); }

configured=0
for s in "${names[@]}"; do
	what="base$(closure "$s" | sed 's/^/ + /' | tr -d '\n') + $s"
	if ! "$(dirname "$0")/series.sh" tree "$s" "$wt" >"$out/tree.log" 2>&1; then
		tail -n 3 "$out/tree.log" >&2
		echo "not ok - prefix: $s does not apply on $what" >>"$res"
		continue
	fi
	if [ $configured = 0 ]; then
		pmake tinyconfig >/dev/null
		"$wt/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
			"$TOP/configs/e2e.config" "$TOP/configs/norust.config" >"$out/merge.log" 2>&1 ||
			die "prefixes: merge_config.sh failed: see $out/merge.log"
		configured=1
	fi
	# What the series touches: its C files that the end-to-end kernel
	# builds (an object in $KMEM_OUT/build-c; single objects that the
	# config leaves out would not compile), and the directories of its
	# build files; without a build-c, the directories of everything.
	files=$(git -C "$wt" diff --name-only "$(git -C "$wt" rev-parse "HEAD~$(series_files "$KMEM_PATCHES/$s" | wc -l)")" HEAD |
		grep -vE '^(rust|tools|Documentation)/' || true)
	if [ -d "$KMEM_OUT/build-c" ]; then
		dirs=$( { grep -E '\.c$' <<<"$files" | sed 's/\.c$/.o/' | while read -r o; do
				[ ! -e "$KMEM_OUT/build-c/$o" ] || echo "$o"
			done
			grep -E '(^|/)(Makefile|Kconfig)$' <<<"$files" | xargs -r -n1 dirname | sed 's|$|/|' || true
		} | sort -u)
	else
		dirs=$(grep -E '\.[ch]$|(^|/)(Makefile|Kconfig)$' <<<"$files" | xargs -r -n1 dirname | sort -u |
			grep -vE '(^|/)include(/|$)' | sed 's|$|/|' || true)
	fi
	say "prefix: $s on $what: prepare ${dirs//$'\n'/ }"
	if pmake olddefconfig >"$out/build.log" 2>&1 && pmake prepare >>"$out/build.log" 2>&1 &&
		{ [ -z "$dirs" ] || pmake $dirs >>"$out/build.log" 2>&1; } &&
		! grep -q 'warning:' "$out/build.log"; then
		echo "ok - prefix: $s builds on $what alone (${dirs//$'\n'/ }), no warnings" >>"$res"
	else
		grep -E 'error|warning:' "$out/build.log" | head -10 >&2
		cp "$out/build.log" "$out/build-$s.log"
		echo "not ok - prefix: $s builds on $what alone (${dirs//$'\n'/ }), no warnings (see $out/build-$s.log)" >>"$res"
	fi
done
finished=1
cat "$res"
! grep -q '^not ok' "$res"
