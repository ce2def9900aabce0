#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lint.sh: checks on the series that need no build, one TAP line each, in
# $KMEM_OUT/results/lint.tap:
#   - checkpatch.pl --strict --no-signoff on every patch of patches/ (they
#     carry no Signed-off-by until their sender adds one: ./kmem send runs
#     checkpatch with the sign-off checks on what it sends);
#   - kernel-doc -Wall on every C file the series touches: no warning that
#     the base does not have.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

res=$KMEM_OUT/results/lint.tap
mkdir -p "$KMEM_OUT/results"
: >"$res"
cd "$KMEM_SRC"

while read -r p; do
	[ -n "$p" ] || continue
	if out=$(./scripts/checkpatch.pl --strict --no-signoff -q "$TOP/patches/$p" 2>&1); then
		echo "ok - lint: checkpatch --strict: $p" >>"$res"
	else
		echo "not ok - lint: checkpatch --strict: $p" >>"$res"
		echo "$out" | head -n 20 >&2
	fi
done < <(cd "$TOP/patches" && ls ./*.patch | sed 's|^\./||' | grep -vx 0000-cover-letter.patch)

kdoc() { tools/docs/kernel-doc -Wall -none "$1" 2>&1 | grep -i 'warning' | sed 's/\(\.[ch]\):[0-9]*/\1/' | sort -u; }
for f in $(git diff --name-only base "$KMEM_BRANCH" -- '*.c' '*.h'); do
	[ -f "$f" ] || continue
	old=$(mktemp --suffix=.${f##*.})
	git show "base:$f" >"$old" 2>/dev/null || : >"$old"
	new_warnings=$(comm -13 <(kdoc "$old" | sed "s|$old|$f|") <(kdoc "$f"))
	rm -f "$old"
	if [ -z "$new_warnings" ]; then
		echo "ok - lint: kernel-doc -Wall: no new warnings in $f" >>"$res"
	else
		echo "not ok - lint: kernel-doc -Wall: new warnings in $f" >>"$res"
		echo "$new_warnings" >&2
	fi
done
cat "$res"
! grep -q '^not ok' "$res"
