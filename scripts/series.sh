#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The series in patches/ <-> the branch $KMEM_BRANCH in $KMEM_SRC.
#
#   series.sh apply    (re)create the branch from base + patches/ with git am
#   series.sh export   write the branch back to patches/ (deterministic)
#   series.sh check    apply to a scratch branch, export to a scratch dir and
#                      compare byte for byte with patches/
#
# The cover letter is patches/0000-cover-letter.patch.  Its subject and text
# are the branch description: edit them with
#   git -C out/linux branch --edit-description kmem
# and export.  Commits are applied with a fixed committer identity and
# --committer-date-is-author-date, so the commit hashes, and thus every byte
# of the exported patches, are the same on every machine.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PATCHES=$TOP/patches
COVER=0000-cover-letter.patch
COMMITTER_NAME="kmem-rs"
COMMITTER_EMAIL="kmem-rs@users.noreply.example"

g() { git -C "$KMEM_SRC" -c core.autocrlf=false "$@"; }

need_tree() {
	g rev-parse -q --verify refs/tags/base >/dev/null 2>&1 ||
		die "no base tree at $KMEM_SRC: run scripts/base.sh (or ./kmem base) first"
}

series_files() {
	[ -f "$PATCHES/series" ] || die "$PATCHES/series missing"
	grep -v -e '^#' -e '^[[:space:]]*$' "$PATCHES/series"
}

# Subject and body of the cover letter, as a branch description.
cover_description() {
	awk '
	/^Subject: / { sub(/^Subject: (\[[^]]*\] )?/, ""); subj = $0; insubj = 1; next }
	insubj && /^ / { sub(/^ /, ""); subj = subj " " $0; next }
	insubj && /^$/ { insubj = 0; body = 1; print subj; print ""; next }
	# format-patch appends the shortlog ("Name (N):") after the text.
	body && /^[^ ].* \([0-9]+\):$/ { exit }
	body && /^base-commit: / { exit }
	body { lines[n++] = $0 }
	END { while (n > 0 && lines[n - 1] == "") n--; for (i = 0; i < n; i++) print lines[i] }
	' "$1"
}

# apply_to BRANCH [DIR]: create BRANCH at base and git am the series in DIR
# (default patches/) onto it.
apply_to() {
	local branch=$1 PATCHES=${2:-$PATCHES} p n=0
	need_tree
	[ -f "$PATCHES/$COVER" ] || die "$PATCHES/$COVER missing"
	[ -z "$(g status --porcelain -uno)" ] ||
		die "$KMEM_SRC has uncommitted changes; commit (and export) or stash them first"
	g am --abort >/dev/null 2>&1 || true
	g checkout -q -f -B "$branch" base
	for p in $(series_files); do
		[ -f "$PATCHES/$p" ] || die "series names $p, which is not in $PATCHES"
		if ! GIT_COMMITTER_NAME=$COMMITTER_NAME GIT_COMMITTER_EMAIL=$COMMITTER_EMAIL \
			g am -q --committer-date-is-author-date --no-gpg-sign "$PATCHES/$p"; then
			g am --abort >/dev/null 2>&1 || true
			die "patch $p does not apply onto base ($(g rev-parse --short=12 base)); fix it in the tree and re-export"
		fi
		n=$((n + 1))
	done
	g config "branch.$branch.description" "$(cover_description "$PATCHES/$COVER")"
	say "series: $n patches applied on branch $branch of $KMEM_SRC"
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
	(cd "$dir" && ls ./*.patch | sed 's|^\./||' | grep -vx "$COVER") >"$dir/series" || true
}

case ${1:-} in
apply)
	apply_to "$KMEM_BRANCH"
	;;
export)
	# Export, re-apply (normalizing committer and dates, as apply does
	# everywhere), and export that: the result is what check reproduces.
	tmpdir=$(mktemp -d)
	trap 'rm -rf "$tmpdir"' EXIT
	[ "$(g rev-parse --abbrev-ref HEAD)" = "$KMEM_BRANCH" ] ||
		die "$KMEM_SRC is not on branch $KMEM_BRANCH"
	export_to "$KMEM_BRANCH" "$tmpdir"
	before=$(g rev-parse "$KMEM_BRANCH^{tree}")
	apply_to "$KMEM_BRANCH" "$tmpdir" >/dev/null 2>&1
	[ "$(g rev-parse "$KMEM_BRANCH^{tree}")" = "$before" ] ||
		die "re-applying the exported series did not give the same tree"
	export_to "$KMEM_BRANCH" "$PATCHES"
	say "series: exported $(wc -l <"$PATCHES/series") patches + cover letter to $PATCHES"
	;;
check)
	tmpdir=$(mktemp -d)
	trap 'rm -rf "$tmpdir"' EXIT
	prev=$(g rev-parse --abbrev-ref HEAD 2>/dev/null || true)
	apply_to kmem-check
	export_to kmem-check "$tmpdir"
	[ -n "$prev" ] && [ "$prev" != HEAD ] && g checkout -q -f "$prev"
	g branch -q -D kmem-check
	if ! diff -ru "$PATCHES" "$tmpdir" >"$tmpdir.diff" 2>&1; then
		cat "$tmpdir.diff" >&2
		rm -f "$tmpdir.diff"
		die "series round trip differs: patches/ is not what the branch exports (see diff above)"
	fi
	rm -f "$tmpdir.diff"
	say "series: round trip of $(wc -l <"$PATCHES/series") patches is byte-identical"
	;;
*)
	echo "usage: $0 apply|export|check" >&2
	exit 2
	;;
esac
