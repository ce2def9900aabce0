# SPDX-License-Identifier: GPL-2.0
# Shared settings for the harness scripts.  Sourced, never executed.

# Where things live.  Everything can be overridden from the environment.
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${KMEM_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/kmem-rs}"  # tools, ccache
: "${KMEM_OUT:=$TOP/out}"                                   # trees, builds
: "${KMEM_SRC:=$KMEM_OUT/linux}"                            # git kernel tree
: "${KMEM_BRANCH:=kmem}"                                    # series branch
: "${KMEM_PATCHES:=$TOP/patches}"                          # the series
: "${KMEM_BOOT_TIMEOUT:=300}"                               # seconds per boot
# Relative paths are taken from where the command runs, once: scripts run
# git -C and make -C, which would take them from elsewhere.
abspath() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
KMEM_CACHE=$(abspath "$KMEM_CACHE") KMEM_OUT=$(abspath "$KMEM_OUT")
KMEM_SRC=$(abspath "$KMEM_SRC") KMEM_PATCHES=$(abspath "$KMEM_PATCHES")
[ -z "${KMEM_TREE:-}" ] || KMEM_TREE=$(abspath "$KMEM_TREE")
: "${CCACHE_DIR:=$KMEM_CACHE/ccache}"
# Paths below out/ are rewritten relative, so that clones share the cache.
: "${CCACHE_BASEDIR:=$KMEM_OUT}"
export CCACHE_DIR CCACHE_BASEDIR KMEM_CACHE KMEM_OUT KMEM_SRC KMEM_PATCHES

# The version of the series: its subjects read "[PATCH vN ...]" from v2 on.
SERIES_VERSION=2

BASE_PKG=linux-source-7.3
BASE_PKG_VERSION=7.3.4-1~bpo13+1
: "${KMEM_BASE_DEB:=$TOP/../shared/base/${BASE_PKG}_${BASE_PKG_VERSION}_all.deb}"
BASE_SHA256=703e369ddd4cce971452f5a593ee55df3a5c10c83caf0fa0df039633ed181ee3
BASE_VERSION=7.3.4
# The base commit is made with these, so its hash is the same everywhere.
BASE_IDENT_NAME="Linux $BASE_VERSION base"
BASE_IDENT_EMAIL="base@kmem-rs.invalid"
BASE_DATE="2026-01-01T00:00:00Z"
# ... and this is its hash (scripts/base.sh checks it).
BASE_COMMIT=635b4d00e593d9c51f446eb062226def31904f78

TOOLS=$KMEM_CACHE/tools
BINDGEN_VERSION=0.72.1
LIBCLANG_VERSION=18.1.1
LIBCLANG_PATH=$TOOLS/libclang/clang/native
export LIBCLANG_PATH

# The kernel's Rust must come from Debian's rustc-web (1.96, with rust-src),
# never from rustup's ~/.cargo/bin: mixing the two fails with E0514.
PATH=/usr/bin:/bin:/usr/sbin:/sbin:$TOOLS/bindgen/bin:$PATH
export PATH

JOBS=${JOBS:-$(nproc)}

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Time a step: "step NAME cmd args..." prints how long it took.
step() {
	local name=$1 t0 rc=0
	shift
	t0=$(date +%s)
	say "$name"
	"$@" || rc=$?
	say "$name: $( ((rc == 0)) && echo done || echo "FAILED (exit $rc)") in $(($(date +%s) - t0))s"
	return $rc
}

# Every kernel make: ccache (through its gcc wrapper, so that HOSTCC still
# works as rustc's linker) and the Debian Rust tools.
kmake() {
	PATH=/usr/lib/ccache:$PATH make -s -C "$KMEM_SRC" -j"$JOBS" \
		RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc \
		HOSTRUSTC=/usr/bin/rustc RUSTFMT=/usr/bin/rustfmt \
		BINDGEN="$TOOLS/bindgen/bin/bindgen" "$@"
}

# console_text LOG: a console log without carriage returns, with the
# guest's result and comment lines ("ok - ", "not ok - ", "# ") that a
# kernel message printed in the middle of made whole again.  The kernel
# writes to the serial console past the tty layer, so a message can land
# inside a line the guest is writing:
#   ok - faults: ... the fault was inject[  134.080662] kmem dax0.0: ...
#   ed
# becomes the result line, then the kernel message.  A line whose next
# guest line starts a line of its own is left as it is.
console_text() {
	tr -d '\r' <"$1" | awk '
	function flush(i) {
		print orig
		for (i = 2; i <= nk; i++) print k[i]
		nk = 0; pend = ""
	}
	pend != "" {
		if ($0 ~ /^\[ *[0-9]+\.[0-9]+\] /) { k[++nk] = $0; next }
		if ($0 ~ /^(ok|not ok) - / || $0 ~ /^# / || $0 ~ /^KMEM-GUEST-/) {
			flush()
		} else {
			print pend $0
			for (i = 1; i <= nk; i++) print k[i]
			nk = 0; pend = ""
			next
		}
	}
	($0 ~ /^(ok|not ok) - / || $0 ~ /^# /) &&
	    match($0, /\[ *[0-9]+\.[0-9][0-9][0-9][0-9][0-9][0-9]\] /) && RSTART > 1 {
		pend = substr($0, 1, RSTART - 1); orig = $0
		nk = 1; k[1] = substr($0, RSTART)
		next
	}
	{ print }
	END { if (pend != "") flush() }'
}

# guest_output LOG: what the guest printed between KMEM-GUEST-BEGIN and
# KMEM-GUEST-END in a console log, without the markers and carriage returns.
guest_output() {
	console_text "$1" | sed -n '/^KMEM-GUEST-BEGIN/,/^KMEM-GUEST-END/p' | sed '1d;$d'
}

# tapify FILE: make a results file TAP 13 (a version line, the plan, test
# numbers), whatever it was (the suites append "ok - ..." lines to it).
# Idempotent: old numbers and plans are replaced.
tapify() {
	awk '
	/^TAP version / || /^1\.\.[0-9]+$/ { next }
	/^not ok( [0-9]+)?( |$)/ { sub(/^not ok( [0-9]+)?/, "not ok " ++n) }
	/^ok( [0-9]+)?( |$)/ { sub(/^ok( [0-9]+)?/, "ok " ++n) }
	{ line[++l] = $0 }
	END {
		print "TAP version 13"
		print "1.." n
		for (i = 1; i <= l; i++) print line[i]
	}' "$1" >"$1.tmp" && mv "$1.tmp" "$1"
}

# The series in a directory ($KMEM_PATCHES unless given): the cover letter,
# and the patches in order without it.
COVER=0000-cover-letter.patch
series_files() {
	(cd "${1:-$KMEM_PATCHES}" && ls ./*.patch 2>/dev/null | sed 's|^\./||' | grep -vx "$COVER") || true
}

# patches/ is a set of topic series: patches/series.conf lists them in the
# order they apply ("NAME PREFIX VERSION NEEDS..."; NEEDS "-" for none), and
# patches/NAME/ holds each as git format-patch output.
SERIES_CONF=series.conf
series_table() {
	local conf=${1:-$KMEM_PATCHES}/$SERIES_CONF
	[ -f "$conf" ] || die "$conf missing: patches/ is not a set of series"
	sed -e 's/#.*//' "$conf" | awk 'NF'
}
series_names() { series_table "${1:-}" | awk '{ print $1 }'; }
# series_field NAME N [DIR]: field N of series NAME's line.
series_field() { series_table "${3:-}" | awk -v n="$1" -v f="$2" '$1 == n { print $f }'; }
# closure NAME [DIR]: the series NAME needs, directly or not, in stack order.
closure() {
	series_table "${2:-}" | awk -v want="$1" '
	{ name[NR] = $1; line[$1] = NR; for (i = 4; i <= NF; i++) if ($i != "-") dep[$1] = dep[$1] " " $i }
	END {
		if (!(want in line)) { print "no series " want > "/dev/stderr"; exit 1 }
		need[want] = 1
		for (r = NR; r >= 1; r--) {
			if (!(name[r] in need)) continue
			m = split(dep[name[r]], d, " ")
			for (i = 1; i <= m; i++) {
				if (!(d[i] in line) || line[d[i]] >= r) {
					print "series " name[r] " needs " d[i] ", which does not come before it" > "/dev/stderr"; exit 1
				}
				need[d[i]] = 1
			}
		}
		for (r = 1; r <= NR; r++) if (name[r] in need && name[r] != want) print name[r]
	}'
}

# patch_notes PATCH: the text below a patch's "---" line that is not the
# diffstat ("Notes:", as git format-patch --notes writes a commit's git
# note).  git am drops it; scripts/series.sh keeps it as the commit's note,
# since it is where each fix says what it is and how it was tested
# (Documentation/process/coding-assistants.rst).
patch_notes() {
	awk 'st == 0 && /^---$/ { st = 1; next }
	     st == 1 && /^$/ { next }
	     st == 1 && /^Notes:$/ { st = 2; next }
	     st == 1 { exit }
	     st == 2 && /^    / { print substr($0, 5); next }
	     st == 2 { exit }' "$1"
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

# The committer of every commit the harness applies: fixed, and applied with
# --committer-date-is-author-date, so that the commit hashes, and thus every
# byte of an export, are the same on every machine.
COMMITTER_NAME="kmem-rs"
COMMITTER_EMAIL="kmem-rs@users.noreply.example"

# reuse_worktree DIR: DIR as a worktree of $KMEM_SRC at base, with no git am
# or rebase in progress; made the first time (a minute), reset the next
# times (no time), so that its builds stay incremental.
reuse_worktree() {
	local d=$1
	if ! git -C "$d" rev-parse -q --verify HEAD >/dev/null 2>&1 ||
		[ "$(git -C "$d" rev-parse --path-format=absolute --git-common-dir)" != "$(git -C "$KMEM_SRC" rev-parse --path-format=absolute --git-common-dir)" ]; then
		rm -rf "$d"
		git -C "$KMEM_SRC" worktree prune
		git -C "$KMEM_SRC" worktree add -q --detach "$d" base >/dev/null || die "cannot make a worktree at $d"
	fi
	git -C "$d" am --abort >/dev/null 2>&1 || true
	git -C "$d" rebase --abort >/dev/null 2>&1 || true
	git -C "$d" checkout -q -f --detach base || die "cannot reset the worktree $d"
}

# am_patch TREE PATCH: git am PATCH onto HEAD of the worktree TREE, with the
# fixed committer, and its notes as the commit's note.
am_patch() {
	local tree=$1 p=$2 notes
	GIT_COMMITTER_NAME=$COMMITTER_NAME GIT_COMMITTER_EMAIL=$COMMITTER_EMAIL \
		git -C "$tree" -c core.autocrlf=false am -q -3 --committer-date-is-author-date \
		--no-gpg-sign "$p" || { git -C "$tree" am --abort >/dev/null 2>&1 || true; return 1; }
	notes=$(patch_notes "$p")
	[ -z "$notes" ] || git -C "$tree" notes add -f -m "$notes" HEAD 2>/dev/null
}

# am_series TREE DIR NAME: am_patch the patches of series NAME in DIR.
am_series() {
	local tree=$1 dir=$2 name=$3 p
	[ -f "$dir/$name/$COVER" ] || die "$dir/$name/$COVER missing"
	for p in $(series_files "$dir/$name"); do
		am_patch "$tree" "$dir/$name/$p" ||
			die "series $name: patch $p does not apply onto base$(closure "$name" "$dir" | sed 's/^/ + /' | tr -d '\n'); fix it in the tree and ./kmem export"
	done
}

# tree_for TREE DIR NAME: the worktree TREE at base + what NAME needs + NAME,
# from the series in DIR.  Prints the commit where NAME starts.
tree_for() {
	local tree=$1 dir=$2 name=$3 d
	git -C "$tree" checkout -q -f --detach base
	for d in $(closure "$name" "$dir"); do am_series "$tree" "$dir" "$d"; done
	git -C "$tree" rev-parse HEAD
	am_series "$tree" "$dir" "$name"
}
