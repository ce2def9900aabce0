#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/series.sh on a toy kernel tree (a git repository with a tag
# "base" and two patches): the round trip from a detached HEAD, an export
# that fails keeps the branch and patches/, a changed patches/ (a pull) is
# applied by ensure, work in progress is kept, and both changed is refused.
# TAP on stdout.
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
commit() { echo "$2" >>"$KMEM_SRC/$1" && g add "$1" && g commit -q -m "$3" -m "Body of '$3'."; }
hashes() { (cd "$KMEM_PATCHES" && sha256sum ./*); }

mkdir -p "$KMEM_SRC"
g init -q
printf 'one\n' >"$KMEM_SRC/a" && printf 'two\n' >"$KMEM_SRC/b"
g add a b && g commit -q -m base && g tag base
g checkout -q -b kmem
commit a 1 "toy: first" && commit b 2 "toy: second"
g config branch.kmem.description "$(printf 'toy: the series\n\nWhat it does.')"
if out=$("$S" export 2>&1); then ok "export of a two-patch branch"; else nok "export of a two-patch branch" "$out"; fi
check "patches/ has the cover letter and two patches" test "$(ls "$KMEM_PATCHES" | wc -l)" = 3

# check from a detached HEAD: passes, and leaves HEAD and the branches be.
g checkout -q --detach base
if out=$("$S" check 2>&1); then ok "check from a detached HEAD"; else nok "check from a detached HEAD" "$out"; fi
check "check leaves HEAD detached where it was" test "$(g rev-parse HEAD)" = "$(g rev-parse base)" -a "$(g rev-parse --abbrev-ref HEAD)" = HEAD
check "check leaves no scratch branch behind" test -z "$(g branch --list 'kmem-*')"
g checkout -q kmem

# An export that cannot succeed (an empty commit does not survive git am)
# keeps the branch and patches/.
before=$(hashes)
g commit -q --allow-empty -m "toy: empty"
head=$(g rev-parse HEAD)
if out=$("$S" export 2>&1); then nok "an export that fails re-applying fails" "$out"; else ok "an export that fails re-applying fails"; fi
check "... and keeps the branch" test "$(g rev-parse kmem)" = "$head"
check "... and keeps patches/" test "$(hashes)" = "$before"
g reset -q --hard HEAD~1
"$S" apply >/dev/null 2>&1

# A new patches/ (a pull) while the branch is as applied: ensure applies it.
g checkout -q -b kmem2 kmem
commit a 3 "toy: third"
g config branch.kmem2.description "$(g config branch.kmem.description)"
KMEM_BRANCH=kmem2 KMEM_PATCHES=$t/patches2 "$S" export >/dev/null 2>&1
g checkout -q kmem
rm -f "$KMEM_PATCHES"/* && cp "$t"/patches2/* "$KMEM_PATCHES"/
if out=$("$S" ensure 2>&1) && grep -q "applying it again" <<<"$out"; then
	ok "ensure applies a patches/ that changed under an unchanged branch"
else
	nok "ensure applies a patches/ that changed under an unchanged branch" "$out"
fi
check "... the branch is then the new series" test "$(g rev-parse 'kmem^{tree}')" = "$(g rev-parse 'kmem2^{tree}')"
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
rm -f "$KMEM_PATCHES"/0002-*
if out=$("$S" ensure 2>&1); then
	nok "ensure refuses when both the branch and patches/ changed" "$out"
else
	grep -q "./kmem export" <<<"$out" && ok "ensure refuses when both the branch and patches/ changed, saying what to do" ||
		nok "ensure refuses when both the branch and patches/ changed, saying what to do" "$out"
fi
check "... and keeps the branch" test "$(g rev-parse kmem)" = "$head"
echo "# series: $failed of $n failed"
[ $failed = 0 ]
