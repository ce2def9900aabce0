#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The series in patches/ <-> the branch $KMEM_BRANCH in $KMEM_SRC.
#
# patches/ holds one directory per topic series, each git format-patch
# output with its own cover letter, and patches/series.conf, which lists
# them in the order they apply, with the subject prefix, the version and the
# series each one needs:
#
#   01-mm-hotplug  PATCH  1  -
#   03-x86-mm      PATCH  1  01-mm-hotplug
#
# A series' patches are made against the base plus the series it needs
# (transitively) and nothing else, and carry the patch ids of those in
# "prerequisite-patch-id:" lines, as git format-patch --base writes them for
# a stacked branch; so each series can be applied, built and sent with
# only its prerequisites.  The branch $KMEM_BRANCH is the whole stack, every
# series in order; the branch kmem-series/NAME marks where series NAME ends
# in it (git rebase --update-refs, on by default in $KMEM_SRC, moves them
# with the commits), and its description is the series' cover letter:
#   git -C out/linux branch --edit-description kmem-series/NAME
#
#   series.sh apply    (re)create the stack from base + patches/ with git am
#   series.sh export   write the stack back to patches/, series by series
#                      (deterministic; a series that does not apply on its
#                      prerequisites alone is refused)
#   series.sh check    apply every series on base + its prerequisites in a
#                      scratch worktree, export it and compare byte for byte
#                      with patches/; and apply the whole stack
#   series.sh exported [WHAT]  fail, saying what to run, if the branch has
#                      commits that were not exported (lint, send)
#   series.sh ensure   what ./kmem does before it builds: apply if there is
#                      no branch or patches/ changed (a pull) while the
#                      branch did not; keep a branch with work in progress;
#                      refuse when both changed
#   series.sh list     the series, in order: NAME PREFIX VERSION NEEDS...
#   series.sh closure NAME   the series NAME needs, transitively, in order
#   series.sh tree NAME DIR [WITH...]  a worktree at DIR with base + what
#                      NAME needs (+ the series WITH and what they need) +
#                      NAME (for building a series on its own)
#
# export and check work in a scratch worktree: the tree the kernels are
# built from is not touched (no rebuilds), HEAD may be anything, and a
# failure leaves the branch as it was.  Commits are applied with a fixed
# committer identity and --committer-date-is-author-date, so the commit
# hashes, and thus every byte of the exported patches, are the same on every
# machine.  The base commit of the pinned base is made here from Debian's
# tarball: no maintainer has it, so its "base-commit:" line is left out of
# the patches (the cover letters say what the base is).  Against a user's
# own tree (KMEM_TREE), base-commit: is kept, and check ignores the lines
# that name commits ("From <sha>", "base-commit:").
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PATCHES=$KMEM_PATCHES

g() { git -C "$KMEM_SRC" -c core.autocrlf=false "$@"; }

need_tree() {
	g rev-parse -q --verify refs/tags/base >/dev/null 2>&1 ||
		die "no base tree at $KMEM_SRC: run ./kmem base first"
}

# A fingerprint of a patches directory, and the one recorded for the branch
# when it was last applied or exported (with the commit it was at).
patches_hash() {
	local d=${1:-$PATCHES}
	cat "$d/$SERIES_CONF" "$d"/*/*.patch 2>/dev/null | sha256sum | cut -d' ' -f1
}
stamp() { g config "branch.$1.kmem-patches" "$(patches_hash "${2:-$PATCHES}") $(g rev-parse "$1")"; }

# scratch_tree: the worktree export, check and ./kmem prefixes work in, one
# at a time, at base.
scratch_tree() {
	reuse_worktree "$KMEM_OUT/.scratch"
	echo "$KMEM_OUT/.scratch"
}

# apply_to BRANCH [DIR [TREE]]: create BRANCH at base and git am every series
# in DIR (default patches/) onto it in order, in the worktree TREE (default
# $KMEM_SRC, whose uncommitted changes it refuses to throw away); mark each
# series' end with kmem-series/NAME (only for TREE = $KMEM_SRC).
apply_to() {
	local branch=$1 dir=${2:-$PATCHES} tree=${3:-$KMEM_SRC} name n=0
	t() { git -C "$tree" -c core.autocrlf=false "$@"; }
	need_tree
	[ -f "$dir/$SERIES_CONF" ] || die "$dir/$SERIES_CONF missing: patches/ is not a set of series"
	[ -z "$(t status --porcelain -uno)" ] ||
		die "$tree has uncommitted changes; commit (and ./kmem export) or stash them first"
	t am --abort >/dev/null 2>&1 || true
	t checkout -q -f -B "$branch" base
	for name in $(series_names "$dir"); do
		am_series "$tree" "$dir" "$name"
		n=$((n + $(series_files "$dir/$name" | wc -l)))
		if [ "$tree" = "$KMEM_SRC" ]; then
			g branch -q -f "kmem-series/$name" HEAD
			g config "branch.kmem-series/$name.description" "$(cover_description "$dir/$name/$COVER")"
		fi
	done
	# Interactive rebases of the stack move the series' ends, and the
	# notes, with it.
	if [ "$tree" = "$KMEM_SRC" ]; then
		g config rebase.updateRefs true
		g config notes.rewriteRef refs/notes/commits
	fi
	say "series: $(series_names "$dir" | wc -l) series, $n patches applied on branch $branch of $tree"
}

# format_series TREE FROM TO DIR NAME DESC: the commits FROM..TO of the
# worktree TREE as series NAME in DIR, with the cover letter DESC (subject,
# blank line, text).
format_series() {
	local tree=$1 from=$2 to=$3 dir=$4 name=$5 desc=$6 prefix version head_date
	[ -n "$desc" ] || die "series $name has no cover letter: git -C $KMEM_SRC branch --edit-description kmem-series/$name"
	prefix=$(series_field "$name" 2) version=$(series_field "$name" 3)
	[ "$prefix" = RFC ] && prefix="RFC PATCH"
	((version > 1)) && prefix="$prefix v$version"
	mkdir -p "$dir/$name"
	rm -f "$dir/$name"/*.patch
	git -C "$tree" branch -q -f "kmem-x/$name" "$to"
	git -C "$tree" config "branch.kmem-x/$name.description" "$desc"
	head_date=$(git -C "$tree" log -1 --format=%cI "$to")
	# The cover letter's From and Date are the committer's and "now": pin
	# both to the branch so the output is reproducible.
	GIT_COMMITTER_NAME=$COMMITTER_NAME GIT_COMMITTER_EMAIL=$COMMITTER_EMAIL \
	GIT_COMMITTER_DATE=$head_date \
		git -C "$tree" -c core.autocrlf=false -c diff.noprefix=false -c diff.mnemonicPrefix=false \
		-c diff.renames=true -c diff.algorithm=myers -c format.signOff=false \
		-c format.useAutoBase=false \
		format-patch -q --notes --no-signature --abbrev=12 --subject-prefix="$prefix" \
		--cover-letter --cover-from-description=subject --base=base \
		-o "$dir/$name" "$from..kmem-x/$name" >/dev/null
	git -C "$tree" branch -q -D "kmem-x/$name"
	git -C "$tree" config --remove-section "branch.kmem-x/$name" 2>/dev/null || true
	# No synthetic base-commit: (see the top of this file).
	if [ "$(g rev-parse base)" = "$BASE_COMMIT" ]; then
		sed -i '/^base-commit: [0-9a-f]\{40\}$/d' "$dir/$name"/*.patch
	fi
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

# stack_ends: "NAME FROM TO" for every series of the branch $KMEM_BRANCH, from
# its kmem-series/NAME marks (the last series ends at the branch's tip).
stack_ends() {
	local prev=base name to last
	last=$(series_names | tail -n 1)
	for name in $(series_names); do
		if [ "$name" = "$last" ]; then
			to=$(g rev-parse "$KMEM_BRANCH")
		else
			to=$(g rev-parse -q --verify "refs/heads/kmem-series/$name") ||
				die "no branch kmem-series/$name marks where series $name ends in $KMEM_BRANCH: ./kmem apply, or git branch kmem-series/$name <its last commit>"
		fi
		g merge-base --is-ancestor "$prev" "$to" && [ "$(g rev-parse "$prev")" != "$to" ] ||
			die "kmem-series/$name does not come after the series before it in $KMEM_BRANCH (rebase with --update-refs keeps them in place)"
		g merge-base --is-ancestor "$to" "$KMEM_BRANCH" ||
			die "kmem-series/$name is not in branch $KMEM_BRANCH (rebase with --update-refs keeps it there)"
		echo "$name $(g rev-parse "$prev") $to"
		prev=$to
	done
}

# Every series' prerequisites come before it (closure() says which do not).
validate_conf() {
	local name
	for name in $(series_names "${1:-}"); do
		closure "$name" "${1:-}" >/dev/null || die "patches/$SERIES_CONF: fix the line of series $name"
	done
}

case ${1:-} in
list)
	series_table
	;;
closure)
	closure "${2:?usage: series.sh closure NAME}"
	;;
tree)
	name=${2:?usage: series.sh tree NAME DIR [WITH...]}
	dir=${3:?usage: series.sh tree NAME DIR [WITH...]}
	shift 3
	need_tree
	for d in "$name" "$@"; do
		series_names | grep -qx "$d" || die "no series '$d' in $PATCHES/$SERIES_CONF"
	done
	# What NAME needs, and WITH and what they need, in stack order.
	want=$({ closure "$name" && for d in "$@"; do closure "$d" && echo "$d"; done; } | sort -u)
	reuse_worktree "$dir"
	list=
	for d in $(series_names); do
		[ "$d" != "$name" ] && grep -qx "$d" <<<"$want" || continue
		am_series "$dir" "$PATCHES" "$d"
		list="$list$d + "
	done
	am_series "$dir" "$PATCHES" "$name"
	say "series: $dir is base + $list$name"
	;;
apply)
	validate_conf
	apply_to "$KMEM_BRANCH"
	stamp "$KMEM_BRANCH"
	;;
export)
	validate_conf
	# Each series is made again on base + its prerequisites alone (as just
	# exported), from its commits in the stack, and exported from there;
	# then the whole stack is applied from the export, and the branch moves
	# to it only if that gives the same tree.
	g rev-parse -q --verify "refs/heads/$KMEM_BRANCH" >/dev/null ||
		die "no branch $KMEM_BRANCH in $KMEM_SRC: ./kmem apply first"
	[ "$(g rev-parse --abbrev-ref HEAD)" = "$KMEM_BRANCH" ] ||
		die "$KMEM_SRC is not on branch $KMEM_BRANCH: git -C $KMEM_SRC checkout $KMEM_BRANCH"
	[ -z "$(g status --porcelain -uno)" ] ||
		die "$KMEM_SRC has uncommitted changes: commit them to the patch they belong to first"
	tmpdir=$(mktemp -d)
	wt=$(scratch_tree)
	trap 'rm -rf "$tmpdir"; git -C "$wt" checkout -q --detach 2>/dev/null; g branch -q -D kmem-export >/dev/null 2>&1' EXIT
	cp "$PATCHES/$SERIES_CONF" "$tmpdir/"
	ends=$(stack_ends)
	while read -r name from to; do
		raw=$tmpdir/.raw
		rm -rf "$raw"
		g -c diff.noprefix=false -c diff.mnemonicPrefix=false -c format.signOff=false \
			format-patch -q --notes --no-signature -o "$raw" "$from..$to" >/dev/null
		git -C "$wt" checkout -q -f --detach base
		for d in $(closure "$name"); do am_series "$wt" "$tmpdir" "$d"; done
		start=$(git -C "$wt" rev-parse HEAD)
		for p in "$raw"/*.patch; do
			am_patch "$wt" "$p" >/dev/null 2>&1 || {
				die "series $name: '$(sed -n 's/^Subject: \[PATCH[^]]*\] //p' "$p")' does not apply onto base$(closure "$name" | sed 's/^/ + /' | tr -d '\n'): it needs a series that is not among its prerequisites (patches/$SERIES_CONF); patches/ and $KMEM_BRANCH are unchanged"
			}
		done
		format_series "$wt" "$start" HEAD "$tmpdir" "$name" \
			"$(g config "branch.kmem-series/$name.description" || true)"
	done <<<"$ends"
	rm -rf "$tmpdir/.raw"
	apply_to kmem-export "$tmpdir" "$wt" >/dev/null
	[ "$(g rev-parse "kmem-export^{tree}")" = "$(g rev-parse "$KMEM_BRANCH^{tree}")" ] ||
		die "re-applying the exported series did not give the tree of $KMEM_BRANCH; patches/ and $KMEM_BRANCH are unchanged"
	# patches/ := the export (series directories not in series.conf go).
	for d in "$PATCHES"/*/; do
		[ -d "$d" ] && ! series_names | grep -qx "$(basename "$d")" && rm -rf "$d"
	done
	for name in $(series_names); do
		rm -rf "${PATCHES:?}/$name"
		cp -r "$tmpdir/$name" "$PATCHES/$name"
	done
	# Same tree: the index and the files stay as they are; the marks move
	# to the re-applied commits.
	g reset -q --soft kmem-export
	c=$(g rev-parse kmem-export)
	for name in $(series_names | tac); do
		g branch -q -f "kmem-series/$name" "$c"
		c=$(g rev-parse "$c~$(series_files "$PATCHES/$name" | wc -l)")
	done
	stamp "$KMEM_BRANCH"
	say "series: exported $(series_names | wc -l) series to $PATCHES"
	;;
check)
	validate_conf
	tmpdir=$(mktemp -d)
	wt=$(scratch_tree)
	trap 'rm -rf "$tmpdir" "$tmpdir.diff"; git -C "$wt" checkout -q --detach 2>/dev/null; g branch -q -D kmem-check >/dev/null 2>&1' EXIT
	need_tree
	n=0
	for name in $(series_names); do
		start=$(tree_for "$wt" "$PATCHES" "$name")
		format_series "$wt" "$start" HEAD "$tmpdir" "$name" \
			"$(cover_description "$PATCHES/$name/$COVER")"
		if ! same_series "$PATCHES/$name" "$tmpdir/$name" >"$tmpdir.diff" 2>&1; then
			cat "$tmpdir.diff" >&2
			die "series $name: round trip differs: patches/$name is not what base + its prerequisites + it export (see diff above)"
		fi
		n=$((n + 1))
	done
	apply_to kmem-check "$PATCHES" "$wt" >/dev/null
	say "series: round trip of $n series is $([ "$(g rev-parse base)" = "$BASE_COMMIT" ] && echo byte-identical || echo "identical but for commit ids (base is not the pinned one)"), each on base + its prerequisites; the whole stack applies"
	;;
exported)
	# What lint and send do first: they read patches/, so the branch must
	# not have commits that were not exported.  (A tree without the record
	# of the last apply or export, e.g. a clone, cannot tell: it passes.)
	need_tree
	rec=$(g config "branch.$KMEM_BRANCH.kmem-patches" || true)
	if [ -n "$rec" ] && g rev-parse -q --verify "refs/heads/$KMEM_BRANCH" >/dev/null &&
		[ "${rec#* }" != "$(g rev-parse "$KMEM_BRANCH")" ]; then
		die "branch $KMEM_BRANCH of $KMEM_SRC has commits that are not in patches/, which ${2:-this command} reads: ./kmem export first (or ./kmem apply to drop them)"
	fi
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
	echo "usage: $0 apply|export|check|ensure|list|closure NAME|tree NAME DIR" >&2
	exit 2
	;;
esac
