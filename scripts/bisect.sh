#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bisect.sh [VARIANT]: build every commit of the branch on its own (the
# end-to-end config of VARIANT, default c) in $KMEM_OUT/build-bisect, so
# that the series is bisectable.  Slow (a build per patch); not part of
# ./kmem test.  Results in $KMEM_OUT/results/bisect.tap.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=${1:-c}
res=$KMEM_OUT/results/bisect.tap
out=$KMEM_OUT/build-bisect
mkdir -p "$KMEM_OUT/results" "$out"
: >"$res"
g() { git -C "$KMEM_SRC" "$@"; }
[ -z "$(g status --porcelain -uno)" ] || die "$KMEM_SRC has uncommitted changes"
branch=$(g rev-parse --abbrev-ref HEAD)
trap 'g checkout -q "$branch"' EXIT

frags=("$TOP/configs/e2e.config")
[ -f "$TOP/configs/$variant.config" ] && frags+=("$TOP/configs/$variant.config")
for c in $(g rev-list --reverse "base..$branch"); do
	subj=$(g log -1 --format=%s "$c")
	g checkout -q "$c"
	kmake O="$out" tinyconfig >/dev/null
	"$KMEM_SRC/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${frags[@]}" >/dev/null 2>&1
	kmake O="$out" olddefconfig >/dev/null
	say "bisect: building $(g log -1 --format=%h "$c") $subj"
	if kmake O="$out" bzImage modules >"$out/build.log" 2>&1 && ! grep -q 'warning:' "$out/build.log"; then
		echo "ok - bisect: $subj builds without warnings" >>"$res"
	else
		grep -E 'warning:|error:' "$out/build.log" | head -10 >&2
		echo "not ok - bisect: $subj" >>"$res"
	fi
done
cat "$res"
! grep -q '^not ok' "$res"
