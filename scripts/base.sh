#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Materialize the base kernel tree as a git repository at $KMEM_SRC with the
# tag "base" on a commit whose hash is the same on every machine.
#
# Sources, in order:
#   KMEM_TREE=/path/to/linux   a user's own git checkout (its HEAD, or
#                              KMEM_TREE_REF) is cloned and used as the base;
#   the pinned .deb in ../shared/base/ (sha256 checked);
#   the same .deb downloaded with apt through a private sources list.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if git -C "$KMEM_SRC" rev-parse -q --verify refs/tags/base >/dev/null 2>&1; then
	have=$(git -C "$KMEM_SRC" rev-parse base)
	if [ -n "${KMEM_TREE:-}" ]; then
		want=$(git -C "$KMEM_TREE" rev-parse -q --verify "${KMEM_TREE_REF:-HEAD}^{commit}" || true)
		[ "$have" = "$want" ] ||
			die "$KMEM_SRC is based on $have, but KMEM_TREE=$KMEM_TREE (${KMEM_TREE_REF:-HEAD}) is ${want:-not a commit}: move $KMEM_SRC away (or set KMEM_OUT to another directory) to use your tree"
	elif [ "$have" != "$BASE_COMMIT" ]; then
		say "base: note: $KMEM_SRC is based on $have (a KMEM_TREE), not the pinned $BASE_VERSION base"
	fi
	say "base: $KMEM_SRC already has tag base ($(git -C "$KMEM_SRC" rev-parse --short=12 base))"
	exit 0
fi
[ -e "$KMEM_SRC" ] && die "$KMEM_SRC exists but has no 'base' tag; remove it (rm -rf $KMEM_SRC) and re-run"

if [ -n "${KMEM_TREE:-}" ]; then
	ref=${KMEM_TREE_REF:-HEAD}
	git -C "$KMEM_TREE" rev-parse -q --verify "$ref^{commit}" >/dev/null ||
		die "KMEM_TREE=$KMEM_TREE: not a git tree with commit '$ref'"
	say "base: cloning $KMEM_TREE ($ref) to $KMEM_SRC (objects shared)"
	git clone -q --shared --no-checkout "$KMEM_TREE" "$KMEM_SRC"
	git -C "$KMEM_SRC" tag base "$(git -C "$KMEM_TREE" rev-parse "$ref^{commit}")"
	git -C "$KMEM_SRC" checkout -q --detach base
	mv=$(make -s -C "$KMEM_SRC" kernelversion)
	[ "$mv" = "$BASE_VERSION" ] ||
		say "warning: your tree is $mv, the series is made against $BASE_VERSION; it may not apply"
	exit 0
fi

deb_dir=$KMEM_CACHE/base
mkdir -p "$deb_dir"
deb=$deb_dir/$(basename "$KMEM_BASE_DEB")
if [ ! -f "$deb" ]; then
	if [ -f "$KMEM_BASE_DEB" ]; then
		say "base: using pinned $KMEM_BASE_DEB"
		cp "$KMEM_BASE_DEB" "$deb.tmp"
	else
		say "base: $KMEM_BASE_DEB not found; downloading $BASE_PKG=$BASE_PKG_VERSION with apt"
		apt_dir=$deb_dir/apt
		mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial"
		printf 'deb http://deb.debian.org/debian trixie-backports main\n' >"$apt_dir/sources.list"
		apt_opts=(-o Dir::Etc::SourceList="$apt_dir/sources.list"
			-o Dir::Etc::SourceParts=/dev/null
			-o Dir::State::Lists="$apt_dir/lists"
			-o Dir::Cache::Archives="$apt_dir/archives"
			-o APT::Default-Release=)
		apt-get -qq "${apt_opts[@]}" update ||
			die "apt-get update of the private trixie-backports list failed"
		(cd "$apt_dir" && apt-get -qq "${apt_opts[@]}" download "$BASE_PKG=$BASE_PKG_VERSION") ||
			die "could not download $BASE_PKG=$BASE_PKG_VERSION; put the .deb at $KMEM_BASE_DEB or use KMEM_TREE=<your linux tree>"
		mv "$apt_dir"/"${BASE_PKG}"_*.deb "$deb.tmp"
	fi
	echo "$BASE_SHA256  $deb.tmp" | sha256sum -c --quiet - ||
		die "sha256 mismatch for $deb.tmp (want $BASE_SHA256)"
	mv "$deb.tmp" "$deb"
fi

tmp=$KMEM_OUT/.base.tmp
rm -rf "$tmp" && mkdir -p "$tmp/src"
say "base: unpacking $(basename "$deb")"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" ./usr/src/$BASE_PKG.tar.xz
tar -xJf "$tmp/usr/src/$BASE_PKG.tar.xz" -C "$tmp/src" --strip-components=1
rm -rf "$tmp/usr"
[ "$(make -s -C "$tmp/src" kernelversion)" = "$BASE_VERSION" ] ||
	die "unpacked tree is not $BASE_VERSION"

say "base: committing the tree (fixed identity and date, so the hash is stable)"
g() { git -C "$tmp/src" -c core.autocrlf=false -c core.fileMode=true "$@"; }
g init -q -b upstream
# -f: track what the tarball has even where the kernel's .gitignore says not.
g add -A -f .
GIT_AUTHOR_NAME=$BASE_IDENT_NAME GIT_AUTHOR_EMAIL=$BASE_IDENT_EMAIL \
GIT_COMMITTER_NAME=$BASE_IDENT_NAME GIT_COMMITTER_EMAIL=$BASE_IDENT_EMAIL \
GIT_AUTHOR_DATE=$BASE_DATE GIT_COMMITTER_DATE=$BASE_DATE \
	g commit -q --no-gpg-sign -m "Linux $BASE_VERSION" \
	-m "Unpacked from Debian's $BASE_PKG $BASE_PKG_VERSION."
g tag base
[ "$(g rev-parse base)" = "$BASE_COMMIT" ] ||
	die "the base commit is $(g rev-parse base), not the pinned $BASE_COMMIT: the package or git changed; report it"
mv "$tmp/src" "$KMEM_SRC"
rm -rf "$tmp"
say "base: $KMEM_SRC at $(git -C "$KMEM_SRC" rev-parse base)"
