#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bisect.sh [VARIANT | --fast]: build every commit of the branch on its own,
# so that the series is bisectable, and require no warnings.  Not part of
# ./kmem test (a build per patch).  Results in $KMEM_OUT/results/bisect.tap.
#
#   VARIANT  a whole end-to-end kernel of VARIANT (default c) per commit, in
#            $KMEM_OUT/build-bisect.  Slow.
#   --fast   in the KUnit tree (x86_64, RUST=y; run ./kmem kunit first), only
#            what the commit can break: the kernel crate and bindings (make
#            prepare) and the directories of the files it touches.
#   KMEM_BISECT_FROM=REV builds only the commits after REV.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mode=${1:-c}
res=$KMEM_OUT/results/bisect.tap
mkdir -p "$KMEM_OUT/results"
: >"$res"
g() { git -C "$KMEM_SRC" "$@"; }
[ -z "$(g status --porcelain -uno)" ] || die "$KMEM_SRC has uncommitted changes"

if [ "$mode" = --fast ]; then
	out=$KMEM_OUT/kunit
	[ -f "$out/.config" ] || die "no KUnit build tree in $out: run ./kmem kunit first"
	build_commit() {
		# Directories of the C, Rust and build files touched, but for
		# rust/ and include/, which make prepare covers.
		local dirs
		dirs=$(g show --name-only --format= "$1" | grep -E '\.(c|h|rs)$|Makefile|Kconfig' |
			xargs -r -n1 dirname | sort -u | grep -vE '^(include|rust)(/|$)' | sed 's|$|/|' || true)
		kmake O="$out" ARCH=x86_64 olddefconfig &&
			kmake O="$out" ARCH=x86_64 prepare &&
			{ [ -z "$dirs" ] || kmake O="$out" ARCH=x86_64 $dirs; }
	}
else
	out=$KMEM_OUT/build-bisect
	build_commit() {
		# build.sh's own config check; its log is checked for warnings.
		KMEM_BUILD_DIR=$out "$(dirname "$0")/build.sh" "$mode" && cat "$out/build.log"
	}
fi

branch=$(g rev-parse --abbrev-ref HEAD)
trap 'g checkout -q "$branch"' EXIT
log=$out/bisect.log
# KMEM_BISECT_FROM=REV: only the commits after REV (e.g. the ones a
# rebase changed).
for c in $(g rev-list --reverse "${KMEM_BISECT_FROM:-base}..$branch"); do
	subj=$(g log -1 --format=%s "$c")
	g checkout -q "$c"
	say "bisect: building $(g log -1 --format=%h "$c") $subj"
	if build_commit "$c" >"$log" 2>&1 && ! grep -q 'warning:' "$log"; then
		echo "ok - bisect: $subj" >>"$res"
	else
		grep -E 'error|warning:' "$log" | head -10 >&2
		echo "not ok - bisect: $subj" >>"$res"
	fi
done
cat "$res"
! grep -q '^not ok' "$res"
