#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# send.sh [OPTIONS] [-- GIT-SEND-EMAIL-OPTIONS]: mail the series in patches/
# as its sender, with git send-email.
#
#   --to ADDR         a To: of every mail (repeatable; at least one, unless
#                     --dry-run: then the mails only show the Cc:s)
#   --cc ADDR         an extra Cc: of every mail (repeatable)
#   -v N              the version (default: the one patches/ is exported
#                     as); from v2 on the cover letter must say "Changes in
#                     vN" and gets a range-diff against the previous version
#   --prev REV        the previous version: a ref of $KMEM_SRC, or a commit
#                     of this repository whose patches/ holds it (default:
#                     tag sent/v<N-1> of a previous send, else the entry for
#                     v<N-1> in patches-history)
#   --dry-run         build, check and print what would be sent; send nothing
#   --out DIR         where the outgoing patches go (default out/send/vN)
#
# What is sent is patches/ as git am applies it, made the sender's:
#   - the author of every patch is you (git config user.name/user.email),
#     and your Signed-off-by follows the Assisted-by: trailer, as
#     Documentation/process/coding-assistants.rst asks of the human who
#     submits; the MAINTAINERS entry the series adds names you instead of
#     the project's placeholder address;
#   - checkpatch.pl --strict, with the sign-off checks, passes on every
#     outgoing patch, or nothing is sent;
#   - the recipients of each patch are what scripts/get_maintainer.pl says
#     for it (the cover letter: for all of them), never the project address.
# After a real send, the outgoing branch is tagged sent/vN in $KMEM_SRC: the
# next version's range-diff is made against it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PATCHES=$KMEM_PATCHES
PROJECT_EMAIL="kmem-rs@users.noreply.example"

to=() cc=() version=$SERIES_VERSION prev="" dry=0 out="" extra=()
while [ $# -gt 0 ]; do
	case $1 in
	--to) to+=("$2"); shift 2 ;;
	--to=*) to+=("${1#--to=}"); shift ;;
	--cc) cc+=("$2"); shift 2 ;;
	--cc=*) cc+=("${1#--cc=}"); shift ;;
	-v) version=$2; shift 2 ;;
	-v*) version=${1#-v}; shift ;;
	--prev) prev=$2; shift 2 ;;
	--prev=*) prev=${1#--prev=}; shift ;;
	--dry-run) dry=1; shift ;;
	--out) out=$2; shift 2 ;;
	--) shift; extra=("$@"); break ;;
	*) die "send: unknown option '$1' (see ./kmem help send)" ;;
	esac
done
[[ $version =~ ^[1-9][0-9]*$ ]] || die "send: -v wants a positive number, not '$version'"
[ ${#to[@]} -gt 0 ] || [ $dry = 1 ] ||
	die "send: say who gets the series with --to (e.g. --to nvdimm@lists.linux.dev), or try --dry-run first"
out=${out:-$KMEM_OUT/send/v$version}

g() { git -C "$KMEM_SRC" "$@"; }
git -C "$KMEM_SRC" rev-parse -q --verify refs/tags/base >/dev/null 2>&1 ||
	die "send: no base tree at $KMEM_SRC: run ./kmem base first"

# The sender.
name=$(g config user.name || true)
email=$(g config user.email || true)
[ -n "$name" ] && [ -n "$email" ] ||
	die "send: git has no identity to send as: git config --global user.name 'Your Name'; git config --global user.email you@example.org"
[ "$email" != "$PROJECT_EMAIL" ] ||
	die "send: user.email is the project's placeholder address; send as yourself"
say "send: as $name <$email>, version $version"

# The outgoing branch, in a worktree of its own (the build's tree is left
# alone): patches/ applied onto base, then made the sender's.
wt=$KMEM_OUT/send/tree
g worktree remove -f "$wt" >/dev/null 2>&1 || rm -rf "$wt"
g worktree prune
g worktree add -q --detach "$wt" base
cleanup() { g worktree remove -f "$wt" >/dev/null 2>&1 || true; [ -z "${pdir:-}" ] || rm -rf "$pdir"; }
trap cleanup EXIT
w() { git -C "$wt" "$@"; }
n=0
for p in $(series_files); do
	w am -q --signoff "$PATCHES/$p" ||
		die "send: $p does not apply onto base; run ./kmem check"
	n=$((n + 1))
done
[ $n -gt 0 ] || die "send: no patches in $PATCHES"
# Author: the sender; the placeholder maintainer: the sender.  The name
# and address reach the script through the environment, so that no quote
# in them can break it.
mine=$KMEM_OUT/send/make-mine.sh
cat >"$mine" <<'EOF'
#!/bin/sh
# git rebase --exec: make HEAD the sender's.
if git show --name-only --format= HEAD | grep -qx MAINTAINERS &&
	grep -qF "<$KMEM_PLACEHOLDER>" MAINTAINERS; then
	awk '/^M:\t/ && index($0, "<" ENVIRON["KMEM_PLACEHOLDER"] ">") { print "M:\t" ENVIRON["KMEM_SENDER"]; next } { print }' \
		MAINTAINERS >MAINTAINERS.new && mv MAINTAINERS.new MAINTAINERS
	git commit -q -a --amend --no-edit
fi
git commit -q --amend --no-edit --reset-author
EOF
chmod +x "$mine"
export KMEM_SENDER="$name <$email>" KMEM_PLACEHOLDER=$PROJECT_EMAIL
w -c "user.name=$name" -c "user.email=$email" rebase -q --exec "$mine" base >"$mine.log" 2>&1 ||
	die "send: making the patches yours failed: $(tail -n 5 "$mine.log")"
! grep -q "$PROJECT_EMAIL" <<<"$(w log --format='%an <%ae>%n%B' base..HEAD)" ||
	die "send: the placeholder address is still in a commit"
! grep -q "^+.*$PROJECT_EMAIL" <<<"$(w diff base HEAD)" ||
	die "send: the placeholder address is still in the diff"
# Every patch ends with Assisted-by: then the sender's Signed-off-by.
for c in $(w rev-list base..HEAD); do
	t=$(w log -1 --format=%B "$c" | git interpret-trailers --parse)
	[[ $(tail -n 2 <<<"$t" | head -n 1) == Assisted-by:\ * ]] &&
		[ "$(echo "$t" | tail -n 1)" = "Signed-off-by: $name <$email>" ] ||
		die "send: $(w log -1 --format=%s "$c"): trailers are not Assisted-by: then your Signed-off-by:"$'\n'"$t"
done

# The cover letter's text is the one in patches/.
desc=$(cover_description "$PATCHES/$COVER")
if [ "$version" -gt 1 ]; then
	grep -q "^Changes in v$version" <<<"$desc" ||
		die "send: the cover letter has no 'Changes in v$version' section; add one (git branch --edit-description) and ./kmem export"
fi

# The previous version, for the range-diff.
rd=()
if [ "$version" -gt 1 ]; then
	pv=$((version - 1))
	if [ -z "$prev" ]; then
		if g rev-parse -q --verify "refs/tags/sent/v$pv" >/dev/null; then
			prev=sent/v$pv
		else
			prev=$(awk -v v="v$pv" '$1 == v { print $2 }' "$TOP/patches-history" 2>/dev/null || true)
		fi
	fi
	[ -n "$prev" ] ||
		die "send: no previous version to range-diff against: give --prev (a ref of $KMEM_SRC, or a commit of this repository with v$pv in patches/)"
	if g rev-parse -q --verify "$prev^{commit}" >/dev/null; then
		prev_ref=$(g rev-parse "$prev^{commit}")
	elif git -C "$TOP" cat-file -e "$prev:patches/$COVER" 2>/dev/null; then
		# A version kept in this repository's history: apply it.
		pdir=$(mktemp -d)
		git -C "$TOP" archive "$prev" patches | tar -x -C "$pdir"
		g worktree add -q --detach "$pdir/tree" base
		for p in $(series_files "$pdir/patches"); do
			git -C "$pdir/tree" am -q "$pdir/patches/$p" ||
				die "send: v$pv ($prev:patches/$p) does not apply onto base"
		done
		prev_ref=$(git -C "$pdir/tree" rev-parse HEAD)
		g worktree remove -f "$pdir/tree"
	else
		[ "$(git -C "$TOP" rev-parse --is-shallow-repository)" = true ] &&
			die "send: $prev (v$pv, from patches-history) is not in this shallow clone: git -C $TOP fetch --unshallow"
		die "send: --prev $prev is neither a commit of $KMEM_SRC nor a commit of $TOP with patches/"
	fi
	rd=(--range-diff="base..$prev_ref" --creation-factor=80)
	say "send: range-diff against v$pv ($prev)"
fi

# The outgoing patches.
rm -rf "$out"
mkdir -p "$out"
w config "branch.send-v$version.description" "$desc"
w checkout -q -B "send-v$version"
vopt=()
[ "$version" = 1 ] || vopt=(-v "$version")
w -c format.signOff=false -c format.useAutoBase=false format-patch -q --thread=shallow \
	--no-signature --abbrev=12 "${vopt[@]}" --cover-letter \
	--cover-from-description=subject --base=base "${rd[@]}" -o "$out" base..HEAD >/dev/null
say "send: $(ls "$out" | wc -l) mails in $out"

# checkpatch with the sign-off checks, as a maintainer will run it.
bad=0
for p in "$out"/*.patch; do
	case $p in *-0000-cover-letter.patch) continue ;; esac
	if ! o=$(cd "$wt" && ./scripts/checkpatch.pl --strict -q "$p" 2>&1); then
		printf '%s\n' "$o" >&2
		bad=1
	fi
done
[ $bad = 0 ] || die "send: checkpatch.pl --strict fails on the outgoing patches (above); fix the series"
say "send: checkpatch.pl --strict is clean on every patch"

# Recipients: get_maintainer.pl per patch, the union for the cover letter.
rcpt=$out/.recipients
cat >"$rcpt" <<EOF
#!/bin/sh
# git send-email --cc-cmd: the recipients of one outgoing patch.
cd "$wt" || exit 1
case \$1 in
*-0000-cover-letter.patch) set -- \$(ls "\$(dirname "\$1")"/*.patch | grep -v -- -0000-cover-letter.patch) ;;
esac
./scripts/get_maintainer.pl --no-rolestats --no-git --no-git-fallback --no-tree "\$@" |
	grep -v -F -e '$PROJECT_EMAIL' -e '<$email>' | sort -u
EOF
chmod +x "$rcpt"
say "send: recipients (get_maintainer.pl, Cc:) of the cover letter:"
"$rcpt" "$(ls "$out"/*-0000-cover-letter.patch)" | sed 's/^/    /' >&2

# No Cc: from Assisted-by: and the like (they name no address).
args=(--thread --no-chain-reply-to --suppress-cc=self --suppress-cc=misc-by --confirm=never
	--cc-cmd="$rcpt" --from="$name <$email>")
for a in "${to[@]}"; do args+=(--to="$a"); done
for a in "${cc[@]}"; do args+=(--cc="$a"); done
[ ${#to[@]} -gt 0 ] || args+=(--to="$email")
if [ $dry = 1 ]; then
	w send-email --dry-run "${args[@]}" "${extra[@]}" "$out"/*.patch
	say "send: dry run; nothing was sent (the mails are in $out)"
	exit 0
fi
w send-email "${args[@]}" "${extra[@]}" "$out"/*.patch
g tag -f "sent/v$version" "send-v$version" >/dev/null
say "send: sent v$version; tagged sent/v$version in $KMEM_SRC for the next range-diff"
