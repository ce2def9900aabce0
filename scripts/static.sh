#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# static.sh: the checks that maintainers' bots (0-day, the patchwork
# checks) run on a series and the kernel build does not, each compared
# with the base so that only what the series adds counts:
#   - W=1 and sparse (C=2) on every C file the series changes: no warning
#     the base does not have in that file;
#   - Sphinx (make htmldocs) on the Documentation directories the series
#     changes, and on the kernel-doc of the C files it changes, rendered as
#     the documentation renders it: no warning the base does not have;
#   - the ABI files it changes, parsed as the documentation build parses
#     them (tools/docs/get_abi.py): no new warning.
# One worktree ($KMEM_OUT/static-tree) is checked out at the base, then at
# the branch, with one build directory ($KMEM_OUT/build-static: the c
# variant's config plus configs/fragments/static.config), so that the second pass
# only rebuilds what the series changed.  One TAP line per check in
# $KMEM_OUT/results/static.tap; the warnings in $KMEM_OUT/static/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

res=$KMEM_OUT/results/static.tap
tree=$KMEM_OUT/static-tree
out=$KMEM_OUT/build-static
logs=$KMEM_OUT/static
mkdir -p "$KMEM_OUT/results" "$logs"
: >"$res"

for tool in sparse sphinx-build; do
	command -v $tool >/dev/null ||
		die "static: $tool is missing: run ./kmem setup (Debian: apt-get install sparse python3-sphinx)"
done
git -C "$KMEM_SRC" rev-parse -q --verify base >/dev/null || die "static: no tag 'base' in $KMEM_SRC: run ./kmem apply"
git -C "$KMEM_SRC" rev-parse -q --verify kmem >/dev/null || die "static: no branch 'kmem' in $KMEM_SRC: run ./kmem apply"
# KMEM_STATIC_TIP: another revision to check than the branch (the
# harness test of this script checks one with known new warnings).
tip=$(git -C "$KMEM_SRC" rev-parse "${KMEM_STATIC_TIP:-kmem}")

mapfile -t cfiles < <(git -C "$KMEM_SRC" diff --no-renames --name-only --diff-filter=AM base "$tip" -- '*.c')
mapfile -t rst < <(git -C "$KMEM_SRC" diff --name-only --diff-filter=AM base "$tip" -- 'Documentation/*.rst')
mapfile -t abi < <(git -C "$KMEM_SRC" diff --name-only --diff-filter=AM base "$tip" -- 'Documentation/ABI/')
# The Sphinx directories: those of the changed documents, and
# kmem-static, made in the worktree at each pass, which renders the
# kernel-doc of the changed C files with the directives (and options) that
# the documentation uses for them: building core-api and driver-api whole
# for that takes ten minutes.
docdirs=$(for f in "${rst[@]}"; do d=${f#Documentation/}; echo "${d%/*}"; done | sort -u | tr '\n' ' ')
docdirs="${docdirs}kmem-static"

reuse_worktree "$tree"
# Debian 12's sparse (0.6.4, the last release) predates __typeof_unqual__,
# which the kernel's checker-valid.sh requires: it runs as the typeof it
# mostly is for sparse.  Base and tip are checked alike.
CHECK="sparse -D__typeof_unqual__=__typeof__"
smake() {
	PATH=/usr/lib/ccache:$PATH make -s -C "$tree" O="$out" -j"$JOBS" CHECK="$CHECK" "$@"
}
if [ ! -f "$out/.config" ]; then
	say "static: configuring $out (tinyconfig + e2e.config c.config static.config)"
	mkdir -p "$out"
	smake tinyconfig >/dev/null
	"$tree/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
		"$TOP/configs/e2e.config" "$TOP/configs/c.config" "$TOP/configs/fragments/static.config" >/dev/null
	smake olddefconfig >/dev/null
fi

# warnings LOG: the warning lines of a log, without line and column numbers
# (the series moves code), each once per occurrence.
warnings() {
	# Debian's sparse reports every MODULE_*() and module_param() line as
	# "bad constant expression" (the modinfo macros' static asserts): not
	# a finding, and as many as such lines.
	# Case-insensitive: kernel-doc says "Warning:".  Line numbers go
	# wherever a file is named.
	grep -iE '(warning|error): |^\[(warning|error)\]' "$1" | grep -v 'error: bad constant expression$' |
		sed -E "s|$tree/||g; s|\.\./${tree##*/}/||g; s#([A-Za-z0-9_./-]+\.(c|h|rs|rst)|Documentation/[^ :;]+):[0-9]+(:[0-9]+)?#\\1#g" |
		sort || true
}

# kdoc_index: the index of kmem-static, for the worktree's checkout.
kdoc_index() {
	local f
	echo "Kernel-doc of the C files the series changes"
	echo "============================================"
	for f in "${cfiles[@]}"; do
		{ git -C "$tree" grep -h -A3 -e "^\.\. kernel-doc:: $f\$" -- 'Documentation/*.rst' || true; } |
			awk -v f="$f" '$0 == ".. kernel-doc:: " f { print ""; print; opt = 1; next }
				opt && /^   :/ { print; next } { opt = 0 }'
	done
}

# pass NAME REV: check out REV and collect the warnings of every check.
pass() {
	local name=$1 rev=$2 objs=() f
	git -C "$tree" checkout -q -f --detach "$rev"
	rm -rf "$logs/$name" && mkdir -p "$logs/$name"
	say "static: $name: prepare"
	smake prepare >"$logs/$name/prepare.log" 2>&1 || die "static: make prepare failed at $name: see $logs/$name/prepare.log"
	for f in "${cfiles[@]}"; do objs+=("${f%.c}.o"); done
	say "static: $name: W=1 C=2 (sparse) on ${#objs[@]} objects"
	# -k: an object that x86_64 does not build (init_32.c) fails; it is
	# noted, not counted, if it fails at the base too.
	rm -f "${objs[@]/#/$out/}"
	smake -k W=1 C=2 "${objs[@]}" >"$logs/$name/objects.log" 2>&1 || true
	for f in "${objs[@]}"; do
		if [ -f "$out/$f" ]; then echo "$f"; fi
	done >"$logs/$name/objects.built"
	if [ -n "$docdirs" ]; then
		mkdir -p "$tree/Documentation/kmem-static"
		kdoc_index >"$tree/Documentation/kmem-static/index.rst"
		# From scratch each time: Sphinx reparses (and warns about) only
		# what changed since its last run, which would make the warnings
		# of the two passes differ for nothing.
		rm -rf "$out/Documentation/output"
		say "static: $name: htmldocs SPHINXDIRS=\"$docdirs\""
		smake SPHINXDIRS="$docdirs" htmldocs >"$logs/$name/htmldocs.log" 2>&1 &&
			echo ok >"$logs/$name/htmldocs.status" || echo failed >"$logs/$name/htmldocs.status"
		cp "$tree/Documentation/kmem-static/index.rst" "$logs/$name/kmem-static.rst"
		rm -rf "$tree/Documentation/kmem-static"
	fi
	if [ ${#abi[@]} -gt 0 ]; then
		(cd "$tree" && python3 tools/docs/get_abi.py -D Documentation/ABI rest >/dev/null) \
			>"$logs/$name/abi.log" 2>&1 && echo ok >"$logs/$name/abi.status" || echo failed >"$logs/$name/abi.status"
	fi
}

pass base base
pass tip "$tip"

# new_warnings LOG: the warnings of LOG at the tip that the base's LOG has
# not.
new_warnings() {
	comm -13 <(warnings "$logs/base/$1") <(warnings "$logs/tip/$1")
}
# The objects: one line per changed C file, for the new warnings located
# in it; one for those located elsewhere (headers).
objnew=$(new_warnings objects.log)
for f in "${cfiles[@]}"; do
	o=${f%.c}.o
	if ! grep -qx "$o" "$logs/tip/objects.built"; then
		if grep -qx "$o" "$logs/base/objects.built"; then
			echo "not ok - static: W=1 C=2 (sparse) $f: builds (see $logs/tip/objects.log)" >>"$res"
		else
			echo "# static: W=1 C=2 (sparse) $f: not built for x86_64 (at the base either), not checked" >>"$res"
		fi
		continue
	fi
	mine=$(grep -F -- "$f" <<<"$objnew" || true)
	# Debian's sparse says nothing more about a file once it has reported
	# an error, and it reports MODULE_*() lines as errors: for such a file
	# only W=1 (and kernel-doc) count.
	what="W=1 C=2 (sparse)"
	if grep -q "^$tree/$f:[0-9:]* error: bad constant expression" "$logs/tip/objects.log"; then
		what="W=1"
		echo "# static: sparse on $f: not checked (Debian's sparse stops at its own error on MODULE_*() lines)" >>"$res"
	fi
	if [ -z "$mine" ]; then
		echo "ok - static: $what $f: no new warning" >>"$res"
	else
		echo "not ok - static: $what $f: new warnings (see $logs/tip/objects.log)" >>"$res"
		echo "$mine" | head -n 20 | sed 's/^/# /' >>"$res"
	fi
done
other=$(grep -v -F -f <(printf '%s\n' "${cfiles[@]}") <<<"$objnew" || true)
if grep -q 'sparse is not available' "$logs/tip/objects.log"; then
	echo "not ok - static: sparse runs (see $logs/tip/objects.log)" >>"$res"
elif [ -z "$other" ]; then
	echo "ok - static: W=1 C=2 (sparse): no new warning in the headers those objects include" >>"$res"
else
	echo "not ok - static: W=1 C=2 (sparse): new warnings in headers (see $logs/tip/objects.log)" >>"$res"
	echo "$other" | head -n 20 | sed 's/^/# /' >>"$res"
fi
# Sphinx parses the ABI files only when a document it builds refers to one
# (the series' dax-kmem.rst does, the base's does not), and then warns
# about any ABI file: of the documentation's warnings, those about the
# files the series changes (or the page made for their kernel-doc) count.
ours=$(printf '%s\n' "${cfiles[@]}" "${rst[@]}" "${abi[@]}" Documentation/kmem-static/ | grep .)
# compare WHAT NAME: one TAP line for the check NAME of both passes.
compare() {
	local what=$1 l=$2 new
	if [ "$(cat "$logs/tip/$l.status")" != ok ]; then
		echo "not ok - static: $what (see $logs/tip/$l.log)" >>"$res"
		return
	fi
	new=$(new_warnings "$l.log" | grep -F -f <(echo "$ours") || true)
	if [ -z "$new" ]; then
		echo "ok - static: $what: no new warning" >>"$res"
	else
		echo "not ok - static: $what: new warnings (see $logs/tip/$l.log)" >>"$res"
		echo "$new" | head -n 20 | sed 's/^/# /' >>"$res"
	fi
}
[ -z "$docdirs" ] || compare "htmldocs SPHINXDIRS=\"$docdirs\"" htmldocs
[ ${#abi[@]} -eq 0 ] || compare "ABI files parse (get_abi.py): ${abi[*]}" abi
git -C "$tree" checkout -q -f --detach base
cat "$res"
! grep -q '^not ok' "$res"
