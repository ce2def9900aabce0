#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# send.sh [OPTIONS] SERIES... | --all [-- GIT-SEND-EMAIL-OPTIONS]: mail
# topic series of patches/ as their sender, with git send-email, each as a
# thread of its own, in the order patches/series.conf gives (./kmem send
# list shows them).
#
#   SERIES            a series' name (patches/NAME), or its number (01)
#   --all             every series, in dependency order
#   --to ADDR         a To: of every mail (repeatable; at least one, unless
#                     --dry-run: then the mails only show the Cc:s)
#   --cc ADDR         an extra Cc: of every mail (repeatable)
#   -v N              the version (one series only; default: the one in
#                     patches/series.conf); from v2 on the cover letter must
#                     say "Changes in vN" and gets a range-diff against the
#                     previous version
#   --prev REV        that previous version: a ref of $KMEM_SRC (default:
#                     tag sent/SERIES/v<N-1>, made when it was sent)
#   --dry-run         build, check and print what would be sent; send nothing
#   --out DIR         where the outgoing patches go (default
#                     out/send/SERIES/vN; with several series, DIR/SERIES)
#
# What is sent is each series as its prerequisites and git am give it,
# made the sender's:
#   - the prefix is the series' own ([PATCH], [RFC PATCH], with vN);
#   - the author of every patch is you (git config user.name/user.email),
#     and your Signed-off-by follows the Assisted-by: trailer, as
#     Documentation/process/coding-assistants.rst asks of the human who
#     submits; a MAINTAINERS entry the series adds names you instead of
#     the project's placeholder address;
#   - the notes below each patch's "---" (what kind of bug a fix is, what
#     was not tested) and the prerequisite-patch-id: lines of the series
#     it needs stay as in patches/;
#   - checkpatch.pl --strict, with the sign-off checks, passes on every
#     outgoing patch, or nothing is sent (the same checks are left out as
#     in scripts/lint.sh: commit ids this history-less base cannot look
#     up, and the series-level MAINTAINERS and Fixes: rules it checks);
#   - the recipients of each patch are what scripts/get_maintainer.pl says
#     for it, plus the people and lists its Cc: trailers name (the cover
#     letter and a patch to MAINTAINERS: those of all the series' patches),
#     but never stable@ (the tag is for after the merge) nor the project
#     address.
# After a real send, the outgoing branch is tagged sent/SERIES/vN in
# $KMEM_SRC (and where it starts, after its prerequisites,
# sent/SERIES/vN-base): the next version's range-diff is made against it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PATCHES=$KMEM_PATCHES
PROJECT_EMAIL="kmem-rs@users.noreply.example"

to=() cc=() version="" prev="" dry=0 out="" extra=() want=() all=0
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
	--all) all=1; shift ;;
	--) shift; extra=("$@"); break ;;
	-*) die "send: unknown option '$1' (see ./kmem help send)" ;;
	*) want+=("$1"); shift ;;
	esac
done

# The series to send, in stack order.
names=()
if [ $all = 1 ]; then
	[ ${#want[@]} = 0 ] || die "send: --all or series names, not both"
	mapfile -t names < <(series_names)
else
	[ ${#want[@]} -gt 0 ] ||
		die "send: which series? give their names or numbers (./kmem send list shows them), or --all"
	for n in $(series_names); do
		for w in "${want[@]}"; do
			[ "$w" = "$n" ] || [ "$w" = "${n%%-*}" ] || [ "$w" = "patches/$n" ] || [ "$w" = "patches/$n/" ] || continue
			names+=("$n")
			break
		done
	done
	for w in "${want[@]}"; do
		series_names | grep -qx -e "$w" -e "${w%/}" -e "${w#patches/}" -e "$w-.*" ||
			die "send: no series '$w' in patches/$SERIES_CONF (./kmem send list)"
	done
fi
[ -z "$version" ] || [ ${#names[@]} = 1 ] || die "send: -v applies to one series; the others' versions are in patches/$SERIES_CONF"
[ -z "$prev" ] || [ ${#names[@]} = 1 ] || die "send: --prev applies to one series"
[ -z "$version" ] || [[ $version =~ ^[1-9][0-9]*$ ]] || die "send: -v wants a positive number, not '$version'"
[ ${#to[@]} -gt 0 ] || [ $dry = 1 ] ||
	die "send: say who gets the series with --to (e.g. --to linux-mm@kvack.org), or try --dry-run first"

g() { git -C "$KMEM_SRC" "$@"; }
git -C "$KMEM_SRC" rev-parse -q --verify refs/tags/base >/dev/null 2>&1 ||
	die "send: no base tree at $KMEM_SRC: run ./kmem base first"
"$(dirname "$0")/series.sh" exported "./kmem send" || exit 1

# The sender.
name=$(g config user.name || true)
email=$(g config user.email || true)
[ -n "$name" ] && [ -n "$email" ] ||
	die "send: git has no identity to send as: git config --global user.name 'Your Name'; git config --global user.email you@example.org"
[ "$email" != "$PROJECT_EMAIL" ] ||
	die "send: user.email is the project's placeholder address; send as yourself"
say "send: as $name <$email>: ${names[*]}"

# The worktree the series are made in: kept between sends (a new one
# takes a minute), reset to base for each.
wt=$KMEM_OUT/send/tree
w() { git -C "$wt" "$@"; }

# The script that makes HEAD the sender's (git rebase --exec).  The name
# and address reach it through the environment, so that no quote in them
# can break it.
mkdir -p "$KMEM_OUT/send"
mine=$KMEM_OUT/send/make-mine.sh
cat >"$mine" <<'EOF'
#!/bin/sh
# git rebase --exec: make HEAD the sender's, with the sender's sign-off.
if git show --name-only --format= HEAD | grep -qx MAINTAINERS &&
	grep -qF "<$KMEM_PLACEHOLDER>" MAINTAINERS; then
	awk '/^[MR]:\t/ && index($0, "<" ENVIRON["KMEM_PLACEHOLDER"] ">") { print substr($0, 1, 3) ENVIRON["KMEM_SENDER"]; next } { print }' \
		MAINTAINERS >MAINTAINERS.new && mv MAINTAINERS.new MAINTAINERS
	git commit -q -a --amend --no-edit
fi
git commit -q --amend --no-edit --reset-author --signoff
EOF
chmod +x "$mine"
export KMEM_SENDER="$name <$email>" KMEM_PLACEHOLDER=$PROJECT_EMAIL

# send_series NAME: build, check and send (or show) one series.
send_series() {
	local s=$1 v start d p c t desc prefix dir rd=() prev_ref pv vopt=() bad=0 ignore args a rcpt
	v=${version:-$(series_field "$s" 3)}
	prefix=$(series_field "$s" 2)
	[ "$prefix" = RFC ] && prefix="RFC PATCH" || prefix=PATCH
	dir=${out:-$KMEM_OUT/send/$s/v$v}
	[ -z "$out" ] || [ ${#names[@]} = 1 ] || dir=$out/$s
	say "send: series $s, [$prefix$( ((v > 1)) && echo " v$v")]"

	# The outgoing branch, in a worktree of its own (the build's tree is
	# left alone): base + what the series needs, as patches/ has it, then
	# the series (with its notes), made the sender's and signed off.
	reuse_worktree "$wt"
	start=$(tree_for "$wt" "$PATCHES" "$s")
	w -c "user.name=$name" -c "user.email=$email" -c notes.rewriteRef=refs/notes/commits \
		rebase -q --exec "$mine" "$start" >"$mine.log" 2>&1 ||
		die "send: making the patches of $s yours failed: $(tail -n 5 "$mine.log")"
	! grep -q "$PROJECT_EMAIL" <<<"$(w log --format='%an <%ae>%n%B' "$start..HEAD")" ||
		die "send: the placeholder address is still in a commit of $s"
	! grep -q "^+.*$PROJECT_EMAIL" <<<"$(w diff "$start" HEAD)" ||
		die "send: the placeholder address is still in the diff of $s"
	# Every patch ends with Assisted-by: then the sender's Signed-off-by.
	for c in $(w rev-list "$start..HEAD"); do
		t=$(w log -1 --format=%B "$c" | git interpret-trailers --parse)
		[[ $(tail -n 2 <<<"$t" | head -n 1) == Assisted-by:\ * ]] &&
			[ "$(echo "$t" | tail -n 1)" = "Signed-off-by: $name <$email>" ] ||
			die "send: $(w log -1 --format=%s "$c"): trailers are not Assisted-by: then your Signed-off-by:"$'\n'"$t"
	done

	# The cover letter's text is the one in patches/.
	desc=$(cover_description "$PATCHES/$s/$COVER")
	if [ "$v" -gt 1 ]; then
		grep -q "^Changes in v$v" <<<"$desc" ||
			die "send: the cover letter of $s has no 'Changes in v$v' section; add one (git branch --edit-description kmem-series/$s) and ./kmem export"
		pv=$((v - 1))
		p=${prev:-sent/$s/v$pv}
		prev_ref=$(g rev-parse -q --verify "$p^{commit}") ||
			die "send: no v$pv of $s to range-diff against: '$p' is not a ref of $KMEM_SRC (give --prev)"
		# The previous version's own commits: after what it needed,
		# which a send tags as sent/SERIES/vN-base (else: the base).
		p=$(g rev-parse -q --verify "$p-base^{commit}" || g rev-parse base)
		rd=(--range-diff="$p..$prev_ref" --creation-factor=80)
		say "send: range-diff against v$pv ($p)"
		vopt=(-v "$v")
	fi

	rm -rf "$dir"
	mkdir -p "$dir"
	w config "branch.send-$s.description" "$desc"
	w checkout -q -B "send-$s"
	w -c format.signOff=false -c format.useAutoBase=false format-patch -q --thread=shallow \
		--notes --no-signature --abbrev=12 "${vopt[@]}" --subject-prefix="$prefix" --cover-letter \
		--cover-from-description=subject --base=base "${rd[@]}" -o "$dir" "$start..HEAD" >/dev/null
	w config --remove-section "branch.send-$s" 2>/dev/null || true
	# No synthetic base-commit: (see scripts/series.sh).
	[ "$(g rev-parse base)" != "$BASE_COMMIT" ] || sed -i '/^base-commit: [0-9a-f]\{40\}$/d' "$dir"/*.patch
	say "send: $(ls "$dir" | wc -l) mails in $dir"

	# checkpatch with the sign-off checks, as a maintainer will run it.
	ignore=UNKNOWN_COMMIT_ID,MISSING_FIXES_TAG
	# New files need no MAINTAINERS update if the series has one, or if an
	# existing entry covers them all (a kselftest: KERNEL SELFTEST FRAMEWORK).
	covered=1
	for f in $(awk '/^diff --git a\// { f = $4; sub(/^b\//, "", f) } /^new file mode/ { print f }' "$dir"/*.patch); do
		(cd "$wt" && ./scripts/get_maintainer.pl --nogit --nogit-fallback --norolestats -f "$f" 2>/dev/null) |
			grep -qv 'linux-kernel@vger.kernel.org' || covered=0
	done
	if grep -q '^diff --git a/MAINTAINERS b/MAINTAINERS' "$dir"/*.patch || [ $covered = 1 ]; then
		ignore=$ignore,FILE_PATH_CHANGES
	fi
	if ! o=$(cd "$wt" && ./scripts/checkpatch.pl --strict --ignore "$ignore" -q \
		$(ls "$dir"/*.patch | grep -v 0000-cover-letter.patch) 2>&1); then
		printf '%s\n' "$o" >&2
		bad=1
	fi
	[ $bad = 0 ] || die "send: checkpatch.pl --strict fails on the outgoing patches of $s (above); fix the series"
	say "send: checkpatch.pl --strict is clean on every patch of $s"

	# Recipients: get_maintainer.pl per patch, the union for the cover
	# letter.
	rcpt=$dir/.recipients
	cat >"$rcpt" <<EOF
#!/bin/sh
# git send-email --cc-cmd: the recipients of one outgoing patch.
cd "$wt" || exit 1
# The cover letter, and a patch to MAINTAINERS (whose entries concern the
# owners of every file of the series), go to the recipients of all.
if case \$1 in *0000-cover-letter.patch) true ;; *) grep -q '^diff --git a/MAINTAINERS b/MAINTAINERS' "\$1" ;; esac; then
	set -- \$(ls "\$(dirname "\$1")"/*.patch | grep -v -- 0000-cover-letter.patch)
fi
# The people and lists the patches' Cc: trailers name, but stable: the
# Cc: stable tag is for the stable team's tools once the patch is merged,
# not a recipient (maintainer-tip.rst; --suppress-cc=bodycc below).
for p in "\$@"; do sed -n '/^\$/,/^---\$/s/^Cc: //p' "\$p"; done | sed 's/ *#.*//' |
	grep -v -i -e 'stable@vger' -e 'stable+noautosel@'
# No keywords: K: lines match words of changelogs (an x86 fix that says
# what riscv does would go to riscv); the files decide.  Fixes: authors
# are added where the tree has the history to find them.
./scripts/get_maintainer.pl --no-rolestats --no-git --no-git-fallback --no-tree --no-keywords "\$@" 2>/dev/null |
	grep -v -F -e '$PROJECT_EMAIL' -e '<$email>' | sort -u
EOF
	chmod +x "$rcpt"
	say "send: recipients (get_maintainer.pl, Cc:) of the cover letter of $s:"
	"$rcpt" "$(ls "$dir"/*0000-cover-letter.patch)" | sed 's/^/    /' >&2

	# Each series is a thread of its own; no Cc: from Assisted-by: and the
	# like (they name no address), nor from the body (the cc-cmd gives its
	# Cc:s but stable).
	args=(--thread --no-chain-reply-to --suppress-cc=self --suppress-cc=misc-by --suppress-cc=bodycc --confirm=never
		--cc-cmd="$rcpt" --from="$name <$email>")
	for a in "${to[@]}"; do args+=(--to="$a"); done
	for a in "${cc[@]}"; do args+=(--cc="$a"); done
	[ ${#to[@]} -gt 0 ] || args+=(--to="$email")
	if [ $dry = 1 ]; then
		w send-email --dry-run "${args[@]}" "${extra[@]}" "$dir"/*.patch
		say "send: dry run of $s; nothing was sent (the mails are in $dir)"
		return 0
	fi
	w send-email "${args[@]}" "${extra[@]}" "$dir"/*.patch
	g tag -f "sent/$s/v$v" "send-$s" >/dev/null
	g tag -f "sent/$s/v$v-base" "$start" >/dev/null
	say "send: sent $s v$v; tagged sent/$s/v$v in $KMEM_SRC for the next range-diff"
}

for s in "${names[@]}"; do send_series "$s"; done
