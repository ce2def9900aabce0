#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The series in patches/ <-> the branch $KMEM_BRANCH in $KMEM_SRC.
#
#   series.sh apply    (re)create the branch from base + patches/ with git am
#   series.sh export   write the branch back to patches/ (deterministic)
#   series.sh check    apply to a scratch worktree, export to a scratch dir
#                      and compare byte for byte with patches/
#   series.sh ensure   what ./kmem does before it builds: apply if there is
#                      no branch or patches/ changed (a pull) while the
#                      branch did not; keep a branch with work in progress;
#                      refuse when both changed
#
# export and check work in a scratch worktree: the tree the kernels are
# built from is not touched (no rebuilds), HEAD may be anything, and a
# failure leaves the branch as it was.  Against a base other than the
# pinned one (KMEM_TREE), check ignores the lines that name commits
# ("From <sha>", "base-commit:"), which differ by construction.
#
# The cover letter is patches/0000-cover-letter.patch.  Its subject and text
# are the branch description: edit them with
#   git -C out/linux branch --edit-description kmem
# and export.  Commits are applied with a fixed committer identity and
# --committer-date-is-author-date, so the commit hashes, and thus every byte
# of the exported patches, are the same on every machine.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PATCHES=$KMEM_PATCHES

COMMITTER_NAME="kmem-rs"
COMMITTER_EMAIL="kmem-rs@users.noreply.example"

g() { git -C "$KMEM_SRC" -c core.autocrlf=false "$@"; }

need_tree() {
	g rev-parse -q --verify refs/tags/base >/dev/null 2>&1 ||
		die "no base tree at $KMEM_SRC: run ./kmem base first"
}

# A fingerprint of a series directory, and the one recorded for a branch
# when it was last applied or exported (with the commit it was at).
patches_hash() { cat "${1:-$PATCHES}"/*.patch | sha256sum | cut -d' ' -f1; }
stamp() { g config "branch.$1.kmem-patches" "$(patches_hash "${2:-$PATCHES}") $(g rev-parse "$1")"; }

# scratch_tree NAME: a worktree of $KMEM_SRC at base, removed on exit.
scratch_tree() {
	local d=$KMEM_OUT/.$1
	g worktree remove -f "$d" >/dev/null 2>&1 || rm -rf "$d"
	g worktree prune
	g worktree add -q --detach "$d" base >/dev/null || die "cannot make a worktree at $d"
	echo "$d"
}

# apply_to BRANCH [DIR [TREE]]: create BRANCH at base and git am the series
# in DIR (default patches/) onto it, in the worktree TREE (default
# $KMEM_SRC, whose uncommitted changes it refuses to throw away).
apply_to() {
	local branch=$1 PATCHES=${2:-$PATCHES} tree=${3:-$KMEM_SRC} p n=0
	t() { git -C "$tree" -c core.autocrlf=false "$@"; }
	need_tree
	[ -f "$PATCHES/$COVER" ] || die "$PATCHES/$COVER missing"
	[ -z "$(t status --porcelain -uno)" ] ||
		die "$tree has uncommitted changes; commit (and ./kmem export) or stash them first"
	t am --abort >/dev/null 2>&1 || true
	t checkout -q -f -B "$branch" base
	for p in $(series_files "$PATCHES"); do
		if ! GIT_COMMITTER_NAME=$COMMITTER_NAME GIT_COMMITTER_EMAIL=$COMMITTER_EMAIL \
			t am -q -3 --committer-date-is-author-date --no-gpg-sign "$PATCHES/$p"; then
			t am --abort >/dev/null 2>&1 || true
			die "patch $p does not apply onto base ($(g rev-parse --short=12 base)); fix it in the tree and ./kmem export"
		fi
		n=$((n + 1))
	done
	g config "branch.$branch.description" "$(cover_description "$PATCHES/$COVER")"
	say "series: $n patches applied on branch $branch of $tree"
}

# export_to BRANCH DIR: write the branch as patches into DIR.
export_to() {
	local branch=$1 dir=$2 n head_date desc
	need_tree
	n=$(g rev-list --count "base..$branch")
	desc=$(g config "branch.$branch.description" || true)
	[ -n "$desc" ] || die "branch $branch has no description (the cover letter); set one with git branch --edit-description $branch"
	mkdir -p "$dir"
	rm -f "$dir"/*.patch
	if [ "$n" = 0 ]; then
		# format-patch writes nothing for an empty range: keep the cover
		# letter text alone, in the same layout.
		{
			printf 'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n'
			printf 'From: %s <%s>\n' "$COMMITTER_NAME" "$COMMITTER_EMAIL"
			printf 'Date: %s\n' "$(date -R -u -d "$BASE_DATE")"
			printf 'Subject: [PATCH 0/0] %s\n\n' "$(printf '%s\n' "$desc" | head -n 1)"
			printf '%s\n' "$desc" | tail -n +3
			printf '\nbase-commit: %s\n' "$(g rev-parse base)"
		} >"$dir/$COVER"
	else
		head_date=$(g log -1 --format=%cI "$branch")
		# The cover letter's From and Date are the committer's and
		# "now": pin both to the branch so the output is reproducible.
		GIT_COMMITTER_NAME=$COMMITTER_NAME GIT_COMMITTER_EMAIL=$COMMITTER_EMAIL \
		GIT_COMMITTER_DATE=$head_date \
			g -c diff.noprefix=false -c diff.mnemonicPrefix=false -c diff.renames=true \
			-c diff.algorithm=myers -c format.signOff=false -c format.useAutoBase=false \
			format-patch -q --no-signature --abbrev=12 \
			--subject-prefix="PATCH$( ((SERIES_VERSION > 1)) && echo " v$SERIES_VERSION")" \
			--cover-letter --cover-from-description=subject --base=base \
			-o "$dir" "base..$branch" >/dev/null
	fi
	rm -f "$dir/series"
}

# same_series A B: the two series directories are the same, to the byte, or
# but for the lines naming commits when the base is not the pinned one.
same_series() {
	if [ "$(g rev-parse base)" = "$BASE_COMMIT" ]; then
		diff -ru "$1" "$2"
	else
		diff -ru -I '^From [0-9a-f]\{40\} ' -I '^base-commit: ' "$1" "$2"
	fi
}

case ${1:-} in
apply)
	apply_to "$KMEM_BRANCH"
	stamp "$KMEM_BRANCH"
	;;
export)
	# Export, re-apply in a scratch worktree (normalizing committer and
	# dates, as apply does everywhere) and export that: the result is what
	# check reproduces.  The branch moves to the re-applied commits only
	# once they are known to give the same tree.
	g rev-parse -q --verify "refs/heads/$KMEM_BRANCH" >/dev/null ||
		die "no branch $KMEM_BRANCH in $KMEM_SRC: ./kmem apply first"
	[ "$(g rev-parse --abbrev-ref HEAD)" = "$KMEM_BRANCH" ] ||
		die "$KMEM_SRC is not on branch $KMEM_BRANCH: git -C $KMEM_SRC checkout $KMEM_BRANCH"
	[ -z "$(g status --porcelain -uno)" ] ||
		die "$KMEM_SRC has uncommitted changes: commit them to the patch they belong to first"
	tmpdir=$(mktemp -d)
	wt=$(scratch_tree export)
	trap 'rm -rf "$tmpdir"; g worktree remove -f "$wt" >/dev/null 2>&1; g branch -q -D kmem-export >/dev/null 2>&1' EXIT
	export_to "$KMEM_BRANCH" "$tmpdir"
	apply_to kmem-export "$tmpdir" "$wt" >/dev/null
	[ "$(g rev-parse "kmem-export^{tree}")" = "$(g rev-parse "$KMEM_BRANCH^{tree}")" ] ||
		die "re-applying the exported series did not give the tree of $KMEM_BRANCH; patches/ and $KMEM_BRANCH are unchanged"
	export_to kmem-export "$PATCHES"
	# Same tree: the index and the files stay as they are.
	g reset -q --soft kmem-export
	stamp "$KMEM_BRANCH"
	say "series: exported $(series_files | wc -l) patches + cover letter to $PATCHES"
	;;
check)
	tmpdir=$(mktemp -d)
	wt=$(scratch_tree check)
	trap 'rm -rf "$tmpdir" "$tmpdir.diff"; g worktree remove -f "$wt" >/dev/null 2>&1; g branch -q -D kmem-check >/dev/null 2>&1' EXIT
	apply_to kmem-check "$PATCHES" "$wt" >/dev/null
	export_to kmem-check "$tmpdir"
	if ! same_series "$PATCHES" "$tmpdir" >"$tmpdir.diff" 2>&1; then
		cat "$tmpdir.diff" >&2
		die "series round trip differs: patches/ is not what the branch exports (see diff above)"
	fi
	say "series: round trip of $(series_files | wc -l) patches is $([ "$(g rev-parse base)" = "$BASE_COMMIT" ] && echo byte-identical || echo "identical but for commit ids (base is not the pinned one)")"
	;;
ensure)
	need_tree
	if ! g rev-parse -q --verify "refs/heads/$KMEM_BRANCH" >/dev/null; then
		apply_to "$KMEM_BRANCH"
		stamp "$KMEM_BRANCH"
		exit 0
	fi
	cur=$(g rev-parse --abbrev-ref HEAD)
	[ "$cur" = "$KMEM_BRANCH" ] ||
		die "$KMEM_SRC is on '$cur', not '$KMEM_BRANCH': git -C $KMEM_SRC checkout $KMEM_BRANCH, or ./kmem apply"
	# What patches/ was, and where the branch was, at the last apply or
	# export.
	rec=$(g config "branch.$KMEM_BRANCH.kmem-patches" || true)
	head=$(g rev-parse "$KMEM_BRANCH")
	if [ "$rec" = "$(patches_hash) $head" ]; then
		say "series: branch $KMEM_BRANCH is patches/"
	elif [ -n "$rec" ] && [ "${rec#* }" = "$head" ]; then
		say "series: patches/ changed since branch $KMEM_BRANCH was made from it: applying it again"
		apply_to "$KMEM_BRANCH"
		stamp "$KMEM_BRANCH"
	elif [ -z "$rec" ] || [ "${rec%% *}" = "$(patches_hash)" ]; then
		say "series: branch $KMEM_BRANCH has work that is not in patches/: testing the branch (./kmem export to keep it, ./kmem apply to drop it)"
	else
		die "both branch $KMEM_BRANCH and patches/ changed since the last apply or export: ./kmem export (patches/ := branch) or ./kmem apply (branch := patches/)"
	fi
	;;
*)
	echo "usage: $0 apply|export|check|ensure" >&2
	exit 2
	;;
esac
