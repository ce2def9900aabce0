#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lint.sh: checks on the series that need no build, one TAP line each, in
# $KMEM_OUT/results/lint.tap:
#   - checkpatch.pl --strict --no-signoff on every patch of every series in
#     patches/ (they carry no Signed-off-by until their sender adds one:
#     ./kmem send runs checkpatch with the sign-off checks on what it
#     sends);
#   - kernel-doc -Wall on every C file the series touches: no warning that
#     the base does not have.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

res=$KMEM_OUT/results/lint.tap
mkdir -p "$KMEM_OUT/results"
: >"$res"
if ! out=$("$(dirname "$0")/series.sh" exported "./kmem lint" 2>&1); then
	echo "$out" >&2
	echo "not ok - lint: the branch is exported (${out#error: })" >"$res"
	exit 1
fi
cd "$KMEM_SRC"

# The base is a tarball without history, so checkpatch cannot look up the
# commits that Fixes: tags name (UNKNOWN_COMMIT_ID); they were confirmed
# from public sources instead (README.md, "Fixes: tags").  A fix whose
# culprit could not be confirmed carries Cc: stable without Fixes:
# (MISSING_FIXES_TAG); the check below requires it to say why.
# A series that adds files updates MAINTAINERS once, in its last patch (as
# the maintainers asked), not in every patch that adds a file
# (FILE_PATH_CHANGES), which the series-level check below requires; a
# patch whose new files an existing MAINTAINERS entry already covers (a
# kselftest under tools/testing/selftests/, say) needs no update either.
# covered PATCH: every file PATCH adds has a maintainer besides "THE REST".
covered() {
	local f
	for f in $(awk '/^diff --git a\// { f = $4; sub(/^b\//, "", f) } /^new file mode/ { print f }' "$1"); do
		./scripts/get_maintainer.pl --nogit --nogit-fallback --norolestats -f "$f" 2>/dev/null |
			grep -qv 'linux-kernel@vger.kernel.org' || return 1
	done
}
for p in $(cd "$KMEM_PATCHES" && ls ./*/*.patch | sed 's|^\./||' | grep -v "/$COVER\$"); do
	ignore=UNKNOWN_COMMIT_ID,MISSING_FIXES_TAG
	series=${p%%/*}
	if grep -q '^diff --git a/MAINTAINERS b/MAINTAINERS' "$KMEM_PATCHES/$series"/*.patch ||
		covered "$KMEM_PATCHES/$p"; then
		ignore=$ignore,FILE_PATH_CHANGES
	fi
	if out=$(./scripts/checkpatch.pl --strict --no-signoff --ignore "$ignore" -q "$KMEM_PATCHES/$p" 2>&1); then
		echo "ok - lint: checkpatch --strict: $p" >>"$res"
	else
		echo "not ok - lint: checkpatch --strict: $p" >>"$res"
		echo "$out" | head -n 20 >&2
	fi
	# A patch for stable names the commit it fixes, or says below its
	# "---" why it does not.
	msg=$(sed '/^---$/q' "$KMEM_PATCHES/$p")
	if grep -q '^Cc: stable@vger.kernel.org' <<<"$msg" && ! grep -q '^Fixes: [0-9a-f]\{12\} ("' <<<"$msg"; then
		if sed -n '/^---$/,/^diff /p' "$KMEM_PATCHES/$p" | grep -q 'No Fixes: tag'; then
			echo "ok - lint: Cc: stable without Fixes: says why: $p" >>"$res"
		else
			echo "not ok - lint: Cc: stable without Fixes: says why: $p" >>"$res"
		fi
	fi
done

# Every series that adds a file has its MAINTAINERS change in its last
# patch.
for series in $(series_names); do
	files=("$KMEM_PATCHES/$series"/*.patch)
	if grep -q '^new file mode' "${files[@]}"; then
		if grep -q '^diff --git a/MAINTAINERS b/MAINTAINERS' "${files[-1]}" ||
			! grep -l '^new file mode' "${files[@]}" | xargs grep -L '^diff --git a/MAINTAINERS' |
			xargs -r grep -h '^+++ b/' | grep -qv -e Documentation/ -e '\.kunitconfig' -e '_kunit\.c'; then
			echo "ok - lint: MAINTAINERS covers the files series $series adds" >>"$res"
		else
			echo "not ok - lint: MAINTAINERS covers the files series $series adds (its last patch should update it)" >>"$res"
		fi
	fi
done

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
