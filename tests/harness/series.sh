#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/series.sh on a toy kernel tree (a git repository with a tag
# "base") and three topic series, the third needing the first: each series
# is exported on base + its prerequisites alone, with their patch ids; a
# series that needs one it does not declare is refused; notes below "---"
# survive the round trip; the round trip from a detached HEAD; an export
# that fails keeps the branch and patches/; a rebase of the stack moves the
# series' ends; a changed patches/ (a pull) is applied by ensure, work in
# progress is kept, and both changed is refused; relative KMEM_OUT,
# KMEM_SRC and KMEM_PATCHES work from where the command runs; lint and
# send refuse a branch with commits not exported.  TAP on stdout.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
export KMEM_OUT=$t/out KMEM_SRC=$t/out/linux KMEM_PATCHES=$t/patches KMEM_BRANCH=kmem
export GIT_CONFIG_GLOBAL=$t/gitconfig GIT_CONFIG_NOSYSTEM=1
printf '[user]\n\tname = Toy\n\temail = toy@example.org\n[init]\n\tdefaultBranch = main\n' >"$GIT_CONFIG_GLOBAL"
S=$TOP/scripts/series.sh
n=0 failed=0
ok() { n=$((n + 1)); echo "ok - series: $1"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok - series: $1"; [ -z "${2:-}" ] || printf '%s\n' "$2" | sed 's/^/#   /'; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else nok "$d"; fi; }
g() { git -C "$KMEM_SRC" "$@"; }
# commit FILE LINE SUBJECT: append LINE to FILE and commit it.
commit() { echo "$2" >>"$KMEM_SRC/$1" && g add "$1" && g commit -q -m "$3" -m "Body of '$3'."; }
hashes() { (cd "$KMEM_PATCHES" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
mark() { g branch -f "kmem-series/$1" "$2" && g config "branch.kmem-series/$1.description" "$(printf 'toy: series %s\n\nWhat %s does.' "$1" "$1")"; }

mkdir -p "$KMEM_SRC" "$KMEM_PATCHES"
g init -q
printf 'one\n' >"$KMEM_SRC/a" && printf 'two\n' >"$KMEM_SRC/b"
g add a b && g commit -q -m base && g tag base
g checkout -q -b kmem
echo 1 >"$KMEM_SRC/c" && echo 1 >"$KMEM_SRC/e" && g add c e && g commit -q -m "toy: first" -m "Body." && mark 1-one HEAD
commit b 2 "toy: second" && mark 2-two HEAD
commit c 3 "toy: third" && mark 3-three HEAD
printf '# toy\n1-one PATCH 1 -\n2-two RFC 1 -\n3-three PATCH 2 1-one\n' >"$KMEM_PATCHES/series.conf"
g notes add -m "A note on the first, below its ---." kmem-series/1-one
if out=$("$S" export 2>&1); then ok "export of a stack of three series"; else nok "export of a stack of three series" "$out"; fi
check "patches/ has series.conf and a directory per series, each a cover letter and a patch" \
	test "$(cd "$KMEM_PATCHES" && find . -type f | sort | tr '\n' ' ')" = "./1-one/0000-cover-letter.patch ./1-one/0001-toy-first.patch ./2-two/0000-cover-letter.patch ./2-two/0001-toy-second.patch ./3-three/0000-cover-letter.patch ./3-three/0001-toy-third.patch ./series.conf "
check "each series has its own prefix and version ([PATCH 0/1], [RFC PATCH 0/1], [PATCH v2 0/1])" \
	bash -c 'grep -q "^Subject: \[PATCH 0/1\] toy: series 1-one" "$1/1-one/0000-cover-letter.patch" &&
		grep -q "^Subject: \[RFC PATCH 0/1\] toy: series 2-two" "$1/2-two/0000-cover-letter.patch" &&
		grep -q "^Subject: \[PATCH v2 0/1\] toy: series 3-three" "$1/3-three/0000-cover-letter.patch"' - "$KMEM_PATCHES"
id=$(git patch-id --stable <"$KMEM_PATCHES"/1-one/0001-*.patch | cut -d' ' -f1)
check "3-three's cover letter names 1-one's patch as its prerequisite, and nothing else" \
	test "$(grep '^prerequisite-patch-id:' "$KMEM_PATCHES/3-three/0000-cover-letter.patch")" = "prerequisite-patch-id: $id"
check "2-two's cover letter names no prerequisite" test -z "$(grep '^prerequisite-patch-id:' "$KMEM_PATCHES/2-two/0000-cover-letter.patch")"
check "3-three's patch is made against base + 1-one, without 2-two" \
	bash -c 'grep -q "^index [0-9a-f]*\.\.[0-9a-f]* 100644$" "$1" && grep -A3 "^@@" "$1" | grep -qx " 1"' - "$KMEM_PATCHES"/3-three/0001-*.patch
check "the note is below the first patch's ---" \
	bash -c 'sed -n "/^---\$/,/^diff /p" "$1" | grep -qx "    A note on the first, below its ---."' - "$KMEM_PATCHES"/1-one/0001-*.patch
# Relative paths, as the README's own recipe for a user's tree gives them
# (KMEM_OUT=out-upstream), are taken from where the command runs: the
# scratch worktree goes to $KMEM_OUT/.scratch there, not below the kernel
# tree (git -C resolves a relative path from the tree).
if out=$(cd "$t" && KMEM_OUT=out KMEM_SRC=out/linux KMEM_PATCHES=patches "$S" check 2>&1); then
	check "a relative KMEM_OUT, KMEM_SRC and KMEM_PATCHES work from where the command runs" \
		test -e "$t/out/.scratch/.git" -a ! -e "$t/out/linux/out"
else
	nok "a relative KMEM_OUT, KMEM_SRC and KMEM_PATCHES work from where the command runs" "$out"
fi
# lint and send read patches/: with a commit on the branch that was not
# exported they refuse, saying to export first.
head=$(g rev-parse kmem)
commit e 2 "toy: not exported"
for cmd in lint send; do
	if [ $cmd = lint ]; then
		out=$("$TOP/scripts/lint.sh" 2>&1)
	else
		out=$("$TOP/scripts/send.sh" --dry-run 1-one 2>&1)
	fi
	if [ $? != 0 ] && grep -q "has commits that are not in patches/.*./kmem export first" <<<"$out"; then
		ok "$cmd refuses a branch with a commit that was not exported, saying to export"
	else
		nok "$cmd refuses a branch with a commit that was not exported, saying to export" "$(tail -n 5 <<<"$out")"
	fi
done
g reset -q --hard "$head"
if out=$("$S" tree 2-two "$t/two" 2>&1); then
	check "series.sh tree: 2-two alone on base (b changed, no c)" test ! -e "$t/two/c" -a "$(cat "$t/two/b")" = "$(printf 'two\n2')"
else
	nok "series.sh tree: 2-two alone on base" "$out"
fi

# check from a detached HEAD: passes, and leaves HEAD and the branches be.
g checkout -q --detach base
if out=$("$S" check 2>&1); then ok "check from a detached HEAD (notes and prerequisites round trip)"; else nok "check from a detached HEAD (notes and prerequisites round trip)" "$out"; fi
check "check leaves HEAD detached where it was" test "$(g rev-parse HEAD)" = "$(g rev-parse base)" -a "$(g rev-parse --abbrev-ref HEAD)" = HEAD
check "check leaves no scratch branch behind" test -z "$(g branch --list 'kmem-[a-rt-z]*' 'kmem-x/*')"
g checkout -q kmem

# A series that needs one it does not declare: refused, nothing changes.
before=$(hashes)
"$S" apply >/dev/null 2>&1
# (A commit in 2-two that changes the file 1-one added.)
GIT_SEQUENCE_EDITOR="sed -i '/toy: second/a exec echo changed >e \&\& git commit -q -a -m needs-first'" \
	g rebase -q -i base >/dev/null 2>&1
check "(the toy: a commit that needs 1-one is in 2-two)" test "$(g log -1 --format=%s kmem-series/2-two)" = needs-first
head=$(g rev-parse HEAD)
if out=$("$S" export 2>&1); then
	nok "export refuses a series that needs one it does not declare" "$out"
else
	grep -q "needs a series that is not among its prerequisites" <<<"$out" &&
		ok "export refuses a series that needs one it does not declare, saying so" ||
		nok "export refuses a series that needs one it does not declare, saying so" "$out"
fi
check "... and keeps the branch and patches/" test "$(g rev-parse kmem)" = "$head" -a "$(hashes)" = "$before"
g rebase --abort >/dev/null 2>&1
"$S" apply >/dev/null 2>&1

# An export that cannot succeed (an empty commit does not survive git am)
# keeps the branch and patches/.
g commit -q --allow-empty -m "toy: empty"
head=$(g rev-parse HEAD)
if out=$("$S" export 2>&1); then nok "an export that fails re-applying fails" "$out"; else ok "an export that fails re-applying fails"; fi
check "... and keeps the branch" test "$(g rev-parse kmem)" = "$head"
check "... and keeps patches/" test "$(hashes)" = "$before"
g reset -q --hard HEAD~1

# A rebase of the stack that changes the first series moves the ends of
# the others with it (rebase.updateRefs, set by apply).
GIT_SEQUENCE_EDITOR="sed -i '/toy: first/a exec git commit -q --amend -m \"toy: first, reworded\"'" g rebase -q -i base >/dev/null 2>&1
if out=$("$S" export 2>&1); then
	check "a rebase moves the series' ends: the reworded patch stays in 1-one" \
		bash -c 'ls "$1"/1-one/ | grep -q "toy-first-reworded" && [ "$(ls "$1"/2-two "$1"/3-three | grep -c "^0001-")" = 2 ]' - "$KMEM_PATCHES"
else
	nok "a rebase moves the series' ends: the reworded patch stays in 1-one" "$out"
fi
before=$(hashes)

# A new patches/ (a pull) while the branch is as applied: ensure applies it.
cp -r "$KMEM_PATCHES" "$t/pulled"
sed -i 's/^2-two RFC 1 -$/2-two PATCH 1 -/' "$t/pulled/series.conf"
KMEM_PATCHES=$t/pulled "$S" apply >/dev/null 2>&1 && KMEM_PATCHES=$t/pulled "$S" export >/dev/null 2>&1
pulled_tree=$(g rev-parse 'kmem^{tree}')
"$S" apply >/dev/null 2>&1
rm -rf "$KMEM_PATCHES" && cp -r "$t/pulled" "$KMEM_PATCHES"
if out=$("$S" ensure 2>&1) && grep -q "applying it again" <<<"$out"; then
	ok "ensure applies a patches/ that changed under an unchanged branch"
else
	nok "ensure applies a patches/ that changed under an unchanged branch" "$out"
fi
check "... the branch is then the new stack" test "$(g rev-parse 'kmem^{tree}')" = "$pulled_tree"
if out=$("$S" ensure 2>&1) && grep -q "is patches/" <<<"$out"; then ok "ensure then finds the branch fresh"; else nok "ensure then finds the branch fresh" "$out"; fi

# Work in progress on the branch is tested as it is.
commit b wip "toy: work in progress"
head=$(g rev-parse HEAD)
if out=$("$S" ensure 2>&1) && grep -q "work that is not in patches/" <<<"$out"; then
	ok "ensure keeps a branch with work in progress"
else
	nok "ensure keeps a branch with work in progress" "$out"
fi
check "... untouched" test "$(g rev-parse kmem)" = "$head"

# Both changed: refused, with what to do.
rm -f "$KMEM_PATCHES"/2-two/0001-*
if out=$("$S" ensure 2>&1); then
	nok "ensure refuses when both the branch and patches/ changed" "$out"
else
	grep -q "./kmem export" <<<"$out" && ok "ensure refuses when both the branch and patches/ changed, saying what to do" ||
		nok "ensure refuses when both the branch and patches/ changed, saying what to do" "$out"
fi
check "... and keeps the branch" test "$(g rev-parse kmem)" = "$head"

# A series.conf whose series needs a later one is refused.
printf '1-one PATCH 1 3-three\n3-three PATCH 1 -\n' >"$t/bad.conf"
mkdir -p "$t/bad" && cp "$t/bad.conf" "$t/bad/series.conf"
if out=$(KMEM_PATCHES=$t/bad "$S" check 2>&1); then
	nok "a series.conf whose series needs a later one is refused" "$out"
else
	grep -q "needs 3-three, which does not come before it" <<<"$out" && ok "a series.conf whose series needs a later one is refused, saying which" ||
		nok "a series.conf whose series needs a later one is refused, saying which" "$out"
fi

echo "# series: $failed of $n failed"
[ $failed = 0 ]
