#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bisect-fast.sh: for every commit of the branch, build in the KUnit tree
# (x86_64, RUST=y, run ./kmem kunit first) what the commit can break: the
# kernel crate and bindings (make prepare) and the directories of the files
# it touches, and require no warnings.  Much faster than bisect.sh, which
# builds a whole kernel per commit.  Results in $KMEM_OUT/results/bisect-fast.tap.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$KMEM_OUT/kunit
res=$KMEM_OUT/results/bisect-fast.tap
log=$out/bisect-fast.log
[ -f "$out/.config" ] || die "no KUnit build tree in $out: run ./kmem kunit first"
mkdir -p "$KMEM_OUT/results"
: >"$res"
g() { git -C "$KMEM_SRC" "$@"; }
[ -z "$(g status --porcelain -uno)" ] || die "$KMEM_SRC has uncommitted changes"
branch=$(g rev-parse --abbrev-ref HEAD)
trap 'g checkout -q "$branch"' EXIT

for c in $(g rev-list --reverse "base..$branch"); do
	subj=$(g log -1 --format=%s "$c")
	g checkout -q "$c"
	# Directories of the C, Rust and build files touched, but for rust/
	# and include/, which make prepare covers.
	dirs=$(g show --name-only --format= "$c" | grep -E '\.(c|h|rs)$|Makefile|Kconfig' |
		xargs -r -n1 dirname | sort -u | grep -vE '^(include|rust)(/|$)' | sed 's|$|/|' || true)
	say "bisect-fast: $(g log -1 --format=%h "$c") $subj"
	if kmake O="$out" ARCH=x86_64 olddefconfig >"$log" 2>&1 &&
		kmake O="$out" ARCH=x86_64 prepare >>"$log" 2>&1 &&
		{ [ -z "$dirs" ] || kmake O="$out" ARCH=x86_64 $dirs >>"$log" 2>&1; } &&
		! grep -q 'warning:' "$log"; then
		echo "ok - bisect-fast: $subj" >>"$res"
	else
		grep -E 'error|warning:' "$log" | head -10 >&2
		echo "not ok - bisect-fast: $subj" >>"$res"
	fi
done
cat "$res"
! grep -q '^not ok' "$res"
