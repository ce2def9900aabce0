#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ./kmem send, end to end, on this machine: the series is sent as v2 by a
# throwaway identity with git send-email to a loopback SMTP server
# (tests/tools/smtpsink.py, aiosmtpd on 127.0.0.1) that writes an mbox, and
# the mbox is checked as a maintainer would receive it.  TAP on stdout.
set -uo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"

t=$(mktemp -d)
n=0 failed=0
ok() { n=$((n + 1)); echo "ok - send: $1"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok - send: $1"; [ -z "${2:-}" ] || printf '%s\n' "$2" | sed 's/^/#   /'; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else nok "$d"; fi; }

# An apostrophe in the name: nothing on the way may quote it wrong.
NAME="Test O'Sender" EMAIL="sender@example.org"
printf '[user]\n\tname = %s\n\temail = %s\n' "$NAME" "$EMAIL" >"$t/gitconfig"
export GIT_CONFIG_GLOBAL=$t/gitconfig GIT_CONFIG_NOSYSTEM=1
/usr/bin/python3 "$TOP/tests/tools/smtpsink.py" "$t/mbox" "$t/port" &
smtp=$!
trap 'kill $smtp 2>/dev/null; git -C "$KMEM_SRC" worktree remove -f "$t/am" >/dev/null 2>&1; rm -rf "$t"' EXIT
for _ in $(seq 50); do [ -s "$t/port" ] && break; sleep 0.2; done
[ -s "$t/port" ] || { echo "not ok - send: the loopback SMTP server starts"; exit 1; }
port=$(cat "$t/port")

# No identity: a clear error, nothing sent.
out=$(GIT_CONFIG_GLOBAL=/dev/null "$TOP/scripts/send.sh" --to list@example.org --out "$t/none" 2>&1)
rc=$?
check "refuses to send without a git identity, saying how to set one" \
	test $rc != 0 -a ! -e "$t/mbox" -a -n "$(echo "$out" | grep 'git config --global user.email')"

if ! out=$("$TOP/scripts/send.sh" --to list@example.org -v 2 --out "$t/out" \
	-- --smtp-server=127.0.0.1 --smtp-server-port="$port" --smtp-encryption=none 2>&1); then
	nok "./kmem send -v 2 to a loopback SMTP server" "$(echo "$out" | tail -n 20)"
	echo "# send: $failed of $n failed"
	exit 1
fi
ok "./kmem send -v 2 to a loopback SMTP server"
np=$(ls "$TOP"/patches/*.patch | grep -vc -- -cover-letter.patch)
check "one mail per patch and a cover letter ($((np + 1)))" test "$(grep -c '^From smtpsink@localhost' "$t/mbox")" = $((np + 1))

# Split the mbox into one file per mail (headers unfolded).
mkdir "$t/m"
git mailsplit -o"$t/m" --mboxrd "$t/mbox" >/dev/null
hdr() { awk '/^$/ { exit } { print }' "$1" | sed -e ':a' -e 'N' -e '$!ba' -e 's/\n[ \t]\+/ /g'; }
# hdr_has MAIL PATTERN...: the headers of MAIL match every PATTERN.
hdr_has() { local m=$1 p; shift; for p in "$@"; do grep -q -- "$p" <<<"$(hdr "$m")" || return 1; done; }
cover=$(grep -l '^Subject: \[PATCH v2 00/' "$t"/m/* | head -n 1)
check "the cover letter is '[PATCH v2 00/$np]'" test -n "$cover"
i=0 bad=""
for m in "$t"/m/*; do
	want=$(printf '[PATCH v2 %0*d/%d]' ${#np} $i $np)
	grep -q "^Subject: $(echo "$want" | sed 's/[][]/\\&/g') " <<<"$(hdr "$m")" || bad="$bad $(basename "$m")"
	i=$((i + 1))
done
check "the subjects are numbered [PATCH v2 00/$np] to $np/$np, in order" test -z "$bad"
mid=$(hdr "$cover" | sed -n 's/^Message-I[dD]: *//p')
bad=""
for m in "$t"/m/*; do
	[ "$m" = "$cover" ] && continue
	h=$(hdr "$m")
	grep -q "^In-Reply-To: $mid\$" <<<"$h" || bad="$bad $(basename "$m")"
done
check "every patch replies to the cover letter (shallow thread)" test -z "$bad"
bad=$(for m in "$t"/m/*; do grep -q "^From: $NAME <$EMAIL>\$" <<<"$(hdr "$m")" || basename "$m"; done)
check "every mail is from the sender" test -z "$bad"
check "no mail is sent to the project's placeholder address" test -z "$(grep -i 'kmem-rs@' "$t/mbox.rcpt")"
bad=$(for m in "$t"/m/*; do grep -qi 'kmem-rs@users' <<<"$(hdr "$m")" && basename "$m"; done)
check "no mail's headers name the project address" test -z "$bad"
bad=$(for m in "$t"/m/*; do grep -q '^To: list@example.org$' <<<"$(hdr "$m")" || basename "$m"; done)
check "every mail is To: the given address" test -z "$bad"
bad=""
for m in "$t"/m/*; do
	[ "$m" = "$cover" ] && continue
	tr=$(awk '/^---$/ { exit } { print }' "$m" | grep -E '^[A-Za-z-]+: ' | tail -n 2)
	[ "$tr" = "Assisted-by: LLM
Signed-off-by: $NAME <$EMAIL>" ] || bad="$bad $(basename "$m")"
done
check "every patch ends with Assisted-by: then the sender's Signed-off-by:" test -z "$bad"
check "the cover letter has the range-diff against v1" grep -q '^Range-diff against v1:' "$cover"
check "the cover letter keeps its 'Changes in v2'" grep -q '^Changes in v2' "$cover"
# Recipients from get_maintainer.pl, per patch.
vm=$(grep -l '^Subject: \[PATCH v2 [0-9]*/[0-9]*\] mm/vmalloc' "$t"/m/* | head -n 1)
check "the mm/vmalloc patch goes to linux-mm" hdr_has "$vm" linux-mm@kvack.org
rd=$(grep -l '^Subject: \[PATCH v2 [0-9]*/[0-9]*\] dax/kmem: add a Rust' "$t"/m/* | head -n 1)
check "the Rust kmem driver goes to nvdimm and rust-for-linux" \
	hdr_has "$rd" nvdimm@lists.linux.dev rust-for-linux@vger.kernel.org
# What a maintainer applies is the series, with the sender as maintainer.
git -C "$KMEM_SRC" worktree add -q --detach "$t/am" base
# (The cover letter has no patch: git am is given the patches, in the order
# they were sent.)
if git -C "$t/am" am -q $(ls "$t"/m/* | grep -vx "$cover") >"$t/am.log" 2>&1; then
	ok "git am of the received mbox onto base"
	check "it reproduces the tree of the sent branch exactly" test \
		"$(git -C "$t/am" rev-parse 'HEAD^{tree}')" = "$(git -C "$KMEM_SRC" rev-parse 'send-v2^{tree}')"
	d=$(git -C "$KMEM_SRC" diff --stat "$KMEM_BRANCH" "$(git -C "$t/am" rev-parse HEAD)" | head -n -1)
	check "it gives the tree of patches/ but for MAINTAINERS" test "$(echo "$d" | awk '{ print $1 }')" = MAINTAINERS
	check "whose entry names the sender" grep -qxF "M:	$NAME <$EMAIL>" <(git -C "$t/am" show HEAD:MAINTAINERS)
	git -C "$t/am" format-patch -q -o "$t/fp" base..HEAD
	check "the received patches pass checkpatch.pl --strict with sign-off checks" \
		bash -c 'cd "$1" && shift && ./scripts/checkpatch.pl --strict -q "$@" >/dev/null' - "$t/am" "$t"/fp/*.patch
else
	nok "git am of the received mbox onto base" "$(tail -n 5 "$t/am.log")"
fi
echo "# send: $failed of $n failed"
[ $failed = 0 ]
