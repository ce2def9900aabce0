#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ./kmem send, end to end, on this machine: every series of patches/ is sent
# by a throwaway identity with git send-email to a loopback SMTP server
# (tests/tools/smtpsink.py, aiosmtpd on 127.0.0.1) that writes an mbox, and
# the mbox is checked as the maintainers would receive it: one thread per
# series, its prefix, its recipients, its tags; git am of the received
# mails in dependency order gives the stack.  Then a v2 of one series goes
# out with its range-diff against the v1 just sent.  The sends run against
# a clone of the kernel tree and a copy of patches/: the user's tree, its
# tags and patches/ are never touched.  TAP on stdout.
set -uo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"

t=$(mktemp -d)
n=0 failed=0
ok() { n=$((n + 1)); echo "ok - send: $1"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok - send: $1"; [ -z "${2:-}" ] || printf '%s\n' "$2" | sed 's/^/#   /'; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else nok "$d"; fi; }

user_src=$KMEM_SRC
user_patches=$(cd "$KMEM_PATCHES" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum)
user_patches_dir=$KMEM_PATCHES
user_tags=$(git -C "$user_src" for-each-ref --format='%(refname) %(objectname)' refs/tags refs/heads | sha256sum)
# The clone (objects shared, so it is quick) and the copy the sends use.
git clone -q --shared --no-checkout "$user_src" "$t/linux" || { echo "not ok - send: clone the kernel tree"; exit 1; }
git -C "$t/linux" fetch -q "$user_src" 'refs/tags/base:refs/tags/base'
cp -r "$KMEM_PATCHES" "$t/patches"
export KMEM_SRC=$t/linux KMEM_PATCHES=$t/patches KMEM_OUT=$t/out
SEND=$TOP/scripts/send.sh

# An apostrophe in the name: nothing on the way may quote it wrong.
NAME="Test O'Sender" EMAIL="sender@example.org"
printf '[user]\n\tname = %s\n\temail = %s\n' "$NAME" "$EMAIL" >"$t/gitconfig"
export GIT_CONFIG_GLOBAL=$t/gitconfig GIT_CONFIG_NOSYSTEM=1
/usr/bin/python3 "$TOP/tests/tools/smtpsink.py" "$t/mbox" "$t/port" &
smtp=$!
trap 'kill $smtp 2>/dev/null; rm -rf "$t"' EXIT
for _ in $(seq 50); do [ -s "$t/port" ] && break; sleep 0.2; done
[ -s "$t/port" ] || { echo "not ok - send: the loopback SMTP server starts"; exit 1; }
port=$(cat "$t/port")
smtp_opts=(-- --smtp-server=127.0.0.1 --smtp-server-port="$port" --smtp-encryption=none)

# Bad input: a clear error, nothing sent.
out=$(GIT_CONFIG_GLOBAL=/dev/null "$SEND" --to list@example.org --all 2>&1)
rc=$?
check "refuses to send without a git identity, saying how to set one" \
	test $rc != 0 -a ! -e "$t/mbox" -a -n "$(echo "$out" | grep 'git config --global user.email')"
out=$("$SEND" --to list@example.org 2>&1)
check "refuses to send without a series, saying how to list them" \
	test $? != 0 -a ! -e "$t/mbox" -a -n "$(echo "$out" | grep './kmem send list')"
out=$("$SEND" --to list@example.org 99-nonesuch 2>&1)
check "refuses an unknown series by name" test $? != 0 -a ! -e "$t/mbox" -a -n "$(echo "$out" | grep "no series '99-nonesuch'")"

if ! out=$("$SEND" --to list@example.org --all "${smtp_opts[@]}" 2>&1); then
	nok "./kmem send --all to a loopback SMTP server" "$(echo "$out" | tail -n 20)"
	echo "# send: $failed of $n failed"
	exit 1
fi
ok "./kmem send --all to a loopback SMTP server"

# Split the mbox into one file per mail (headers unfolded).
mkdir "$t/m"
git mailsplit -o"$t/m" --mboxrd "$t/mbox" >/dev/null
hdr() { awk '/^$/ { exit } { print }' "$1" | sed -e ':a' -e 'N' -e '$!ba' -e 's/\n[ \t]\+/ /g'; }
hdr_has() { local m=$1 p; shift; for p in "$@"; do grep -q -- "$p" <<<"$(hdr "$m")" || return 1; done; }
subj() { hdr "$1" | sed -n 's/^Subject: //p'; }
mid() { hdr "$1" | sed -n 's/^Message-I[dD]: *//p'; }
# mails_of SERIES: the received mails of a series, in the order sent (the
# sends are in stack order, each cover letter first).
declare -A first count
i=0 total=0
mails=("$t"/m/*)
for s in $(series_names); do
	np=$(series_files "$KMEM_PATCHES/$s" | wc -l)
	first[$s]=$i count[$s]=$((np + 1))
	i=$((i + np + 1))
	total=$((total + np + 1))
done
check "one mail per patch and a cover letter per series ($total)" test ${#mails[@]} = $total
mails_of() { printf '%s\n' "${mails[@]:${first[$1]}:${count[$1]}}"; }

bad=""
for s in $(series_names); do
	np=$((count[$s] - 1))
	pfx=$(series_field "$s" 2)
	[ "$pfx" = RFC ] && pfx="RFC PATCH" || pfx=PATCH
	j=0 cover=""
	for m in $(mails_of "$s"); do
		want=$(printf '[%s %0*d/%d]' "$pfx" ${#np} $j $np)
		[[ $(subj "$m") == "$want "* ]] || bad="$bad $s:$j"
		[ $j = 0 ] && cover=$m
		[ $j = 0 ] || grep -q "^In-Reply-To: $(mid "$cover")\$" <<<"$(hdr "$m")" || bad="$bad $s:$j(thread)"
		j=$((j + 1))
	done
	grep -q "^In-Reply-To:" <<<"$(hdr "$cover")" && bad="$bad $s:0(thread)"
done
check "each series is a thread of its own, [PATCH] or [RFC PATCH] as series.conf says, numbered from 0/N" test -z "$bad"
bad=$(for m in "${mails[@]}"; do grep -q "^From: $NAME <$EMAIL>\$" <<<"$(hdr "$m")" || basename "$m"; done)
check "every mail is from the sender" test -z "$bad"
check "no mail is sent to the project's placeholder address" test -z "$(grep -i 'kmem-rs@' "$t/mbox.rcpt")"
bad=$(for m in "${mails[@]}"; do grep -qi 'kmem-rs@users' <<<"$(hdr "$m")" && basename "$m"; done)
check "no mail's headers name the project address" test -z "$bad"
bad=$(for m in "${mails[@]}"; do grep -q '^To: list@example.org$' <<<"$(hdr "$m")" || basename "$m"; done)
check "every mail is To: the given address" test -z "$bad"
bad=""
for s in $(series_names); do
	for m in $(mails_of "$s" | tail -n +2); do
		tr=$(awk '/^---$/ { exit } { print }' "$m" | grep -E '^[A-Za-z-]+: ' | tail -n 2)
		[ "$tr" = "Assisted-by: LLM
Signed-off-by: $NAME <$EMAIL>" ] || bad="$bad $(basename "$m")"
	done
done
check "every patch ends with Assisted-by: then the sender's Signed-off-by:" test -z "$bad"
check "no mail has a base-commit: line (the base commit is made here)" test -z "$(grep -l '^base-commit:' "${mails[@]}")"
bad=""
for s in $(series_names); do
	cover=$(mails_of "$s" | head -n 1)
	want=0
	for d in $(closure "$s"); do want=$((want + $(series_files "$KMEM_PATCHES/$d" | wc -l))); done
	[ "$(grep -c '^prerequisite-patch-id: ' "$cover")" = $want ] || bad="$bad $s"
done
check "each cover letter names the patches its series needs (prerequisite-patch-id), and only those" test -z "$bad"
# The patch ids are those of the prerequisites as sent.
ids=$(for m in $(mails_of 03-x86-mm | head -n 1); do sed -n 's/^prerequisite-patch-id: //p' "$m"; done | sort)
sent=$(for m in $(mails_of 01-mm-hotplug | tail -n +2); do git patch-id --stable <"$m" | cut -d' ' -f1; done | sort)
check "03-x86-mm's prerequisite ids are the patch ids of 01-mm-hotplug's mails" test -n "$ids" -a "$ids" = "$sent"
vm=$(grep -l '^Subject: \[PATCH 1/1\] mm/vmalloc' "${mails[@]}" | head -n 1)
check "the mm/vmalloc fix goes to linux-mm and kasan-dev, with Fixes: and Cc: stable in its body" \
	bash -c 'grep -q "^Fixes: [0-9a-f]\{12\} (\"" "$1" && grep -q "^Cc: stable@vger.kernel.org" "$1" && grep -q "linux-mm@kvack.org" <<<"$2" && grep -q "kasan-dev@googlegroups.com" <<<"$2"' - "$vm" "$(hdr "$vm")"
check "nothing is mailed to stable (the tag is for after the merge)" test -z "$(grep -i 'stable' "$t/mbox.rcpt")"
mnt=$(grep -l '^Subject: \[RFC PATCH [0-9]*/[0-9]*\] MAINTAINERS' "${mails[@]}" | head -n 1)
check "the MAINTAINERS patch goes to everyone the series concerns (nvdimm, rust-for-linux, driver core, mm Rust)" \
	hdr_has "$mnt" nvdimm@lists.linux.dev rust-for-linux@vger.kernel.org gregkh@linuxfoundation.org aliceryhl@google.com
check "... and its notes below --- say what kind of bug it is" \
	bash -c 'sed -n "/^---\$/,/^diff /p" "$1" | grep -q "Regular bug, not a vulnerability"' - "$vm"
x=$(mails_of 03-x86-mm | head -n 1)
check "the x86 series goes to x86@kernel.org and, from the patch it Cc:s, to Em Sharnoff" hdr_has "$x" x86@kernel.org sharnoff@neon.tech
check "... not to riscv (a changelog keyword) nor stable (a cover letter)" \
	bash -c '! grep -q -e linux-riscv -e stable@vger <<<"$1"' - "$(hdr "$x")"
x=$(mails_of 05-tiers-kmem | head -n 1)
check "the tier and kmem fixes go to nvdimm and linux-mm, Cc Gregory Price" hdr_has "$x" nvdimm@lists.linux.dev linux-mm@kvack.org gourry@gourry.net
rd=$(grep -l '^Subject: \[RFC PATCH [0-9]*/[0-9]*\] dax/kmem: add a Rust' "${mails[@]}" | head -n 1)
check "the Rust kmem driver goes to nvdimm and rust-for-linux" \
	hdr_has "$rd" nvdimm@lists.linux.dev rust-for-linux@vger.kernel.org

# What the maintainers apply: each series, in dependency order, onto base.
# (In the worktree the sends used: a new one would take a minute.)
am=$KMEM_OUT/send/tree
git -C "$am" checkout -q -f --detach base
if (for s in $(series_names); do git -C "$am" am -q $(mails_of "$s" | tail -n +2) || exit 1; done) >"$t/am.log" 2>&1; then
	ok "git am of the received series in dependency order onto base"
	d=$(git -C "$am" diff --stat "$(git -C "$user_src" rev-parse "$KMEM_BRANCH")" HEAD | head -n -1)
	check "it gives the tree of the stack in patches/ but for MAINTAINERS" test "$(echo "$d" | awk '{ print $1 }')" = MAINTAINERS
	check "whose new entries name the sender" \
		test "$(git -C "$am" show HEAD:MAINTAINERS | grep -cxF -e "M:	$NAME <$EMAIL>" -e "R:	$NAME <$EMAIL>")" -ge 2
	git -C "$am" format-patch -q -o "$t/fp" base..HEAD
	check "the received patches pass checkpatch.pl --strict with sign-off checks" \
		bash -c 'cd "$1" && shift && ./scripts/checkpatch.pl --strict --ignore UNKNOWN_COMMIT_ID,MISSING_FIXES_TAG,FILE_PATH_CHANGES -q "$@" >/dev/null' - "$am" "$t"/fp/*.patch
else
	nok "git am of the received series in dependency order onto base" "$(tail -n 5 "$t/am.log")"
fi
check "the send tagged each series as sent, in the clone" \
	test "$(git -C "$KMEM_SRC" tag -l 'sent/*/v1' | wc -l)" = "$(series_names | wc -l)"

# v2 of one series, with a changed patch: its range-diff against v1.
s=04-dax-bus
(
	g() { git -C "$KMEM_SRC" "$@"; }
	# (Only that series in the copy: it needs none, and the rest would
	# only cost time.)
	grep "^$s " "$KMEM_PATCHES/$SERIES_CONF" >"$t/conf" && mv "$t/conf" "$KMEM_PATCHES/$SERIES_CONF"
	find "$KMEM_PATCHES" -mindepth 1 -maxdepth 1 -type d ! -name "$s" -exec rm -rf {} +
	g checkout -q -f --detach base && "$TOP/scripts/series.sh" apply >"$t/v2.log" 2>&1 || exit 1
	c=$(g rev-parse "kmem-series/$s")
	cat >"$t/v2msg.sh" <<EOF
#!/bin/sh
# git rebase --exec: a sentence more in the changelog of $c.
[ "\$(git rev-parse HEAD)" = $c ] || exit 0
git log -1 --format=%B | awk 'NR == 2 { print; print "A sentence added in v2."; print ""; next } { print }' |
	git -c user.name=x -c user.email=x@example.org commit -q --amend -F -
EOF
	chmod +x "$t/v2msg.sh"
	g -c user.name=x -c user.email=x@example.org rebase -q --exec "$t/v2msg.sh" base >>"$t/v2.log" 2>&1 || exit 1
	d=$(g config "branch.kmem-series/$s.description") || exit 1
	g config "branch.kmem-series/$s.description" "$(printf '%s\n\nChanges in v2:\n - a sentence in the changelog\n' "$d")"
	sed -i "s/^$s .*/$s PATCH 2 -/" "$KMEM_PATCHES/$SERIES_CONF"
	# (Export in the sends' worktree, moved: a new one takes a minute.)
	g worktree move "$KMEM_OUT/send/tree" "$KMEM_OUT/.scratch" || exit 1
	"$TOP/scripts/series.sh" export >>"$t/v2.log" 2>&1 || exit 1
	g worktree move "$KMEM_OUT/.scratch" "$KMEM_OUT/send/tree"
) || nok "make a v2 of $s in the copy" "$(tail -n 5 "$t/v2.log")"
: >"$t/mbox"
if out=$("$SEND" --to list@example.org "$s" "${smtp_opts[@]}" 2>&1); then
	ok "./kmem send $s (v2, from series.conf)"
	rm -rf "$t/m2" && mkdir "$t/m2" && git mailsplit -o"$t/m2" --mboxrd "$t/mbox" >/dev/null
	c2=$(ls "$t"/m2/* | head -n 1)
	check "its cover letter is [PATCH v2 0/N] and keeps 'Changes in v2'" \
		bash -c 'grep -q "^Subject: \[PATCH v2 0/[0-9]*\] " "$1" && grep -q "^Changes in v2" "$1"' - "$c2"
	check "its cover letter has the range-diff against v1, showing the change" \
		bash -c 'grep -q "^Range-diff against v1:" "$1" && grep -q "A sentence added in v2" "$1"' - "$c2"
	check "the range-diff is of the series alone (one line per patch of it)" \
		test "$(sed -n '/^Range-diff against v1:/,$p' "$c2" | grep -cE '^ *[0-9]+: +[0-9a-f]+ [!=] +[0-9]+: ')" = $(($(ls "$t"/m2/* | wc -l) - 1))
else
	nok "./kmem send $s (v2, from series.conf)" "$(echo "$out" | tail -n 20)"
fi
check "the user's tree and its tags and branches are untouched" \
	test "$(git -C "$user_src" for-each-ref --format='%(refname) %(objectname)' refs/tags refs/heads | sha256sum)" = "$user_tags"
check "the user's patches/ is untouched" \
	test "$(cd "$user_patches_dir" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum)" = "$user_patches"
echo "# send: $failed of $n failed"
[ $failed = 0 ]
