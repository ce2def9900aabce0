#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# compare.sh A B: the end-to-end runs of two variants (e.g. the C and the
# Rust kmem driver, same tree and config) must not differ in anything the
# driver decides.  One TAP line per aspect in $KMEM_OUT/results/compare.tap:
#   - the checks and their outcomes (descriptions carry MemTotal values,
#     errnos, states);
#   - the kernel messages of the driver ("kmem daxX.Y: ...");
#   - /proc/iomem with dax0.0 as System RAM (but the kernel image lines);
#   - what the guest reported: ranges, memory tiers, iomem excerpts (but
#     timings and kmemleak totals).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

a=${1:?usage: compare.sh A B} b=${2:?}
r=$KMEM_OUT/results
res=$r/compare.tap
: >"$res"

# Guest output of one variant: the lines after KMEM-GUEST-BEGIN.  The two
# kernels' images differ in size, so MemTotal (the numbers of a million kB
# and more: seven digits) is given relative to the first one seen: what the driver adds
# and removes must be the same to the kB.
guest() {
	tr -d '\r' <"$r/e2e-$1.log" | sed -n '/^KMEM-GUEST-BEGIN/,/^KMEM-GUEST-END/p' |
		awk '/^# iomem/ { print; next }
		{
			out = ""
			while (match($0, /[0-9]+/)) {
				d = substr($0, RSTART, RLENGTH)
				if (length(d) == 7) {
					if (!base) base = d + 0
					d = "MemTotal0" (d + 0 >= base ? "+" : "") (d - base)
				}
				out = out substr($0, 1, RSTART - 1) d
				$0 = substr($0, RSTART + RLENGTH)
			}
			print out $0
		}'
}

# compare ASPECT FILTER: run FILTER (reads a variant's guest output) on both.
compare() {
	local aspect=$1 filter=$2 fa fb
	fa=$(mktemp) fb=$(mktemp)
	# An empty result is reported below, not an error here.
	guest "$a" | eval "$filter" >"$fa" || true
	guest "$b" | eval "$filter" >"$fb" || true
	if [ ! -s "$fa" ]; then
		echo "not ok - compare: $a vs $b: $aspect: nothing to compare" >>"$res"
	elif diff -u --label "$a" --label "$b" "$fa" "$fb" >"$fa.diff"; then
		echo "ok - compare: $a vs $b: same $aspect ($(wc -l <"$fa") lines)" >>"$res"
	else
		echo "not ok - compare: $a vs $b: $aspect differ" >>"$res"
		sed 's/^/    /' "$fa.diff" | head -n 40 >&2
	fi
	rm -f "$fa" "$fb" "$fa.diff"
}

for v in "$a" "$b"; do
	[ -s "$r/e2e-$v.log" ] || die "no end-to-end log for $v: run e2e.sh $v first"
done

compare "checks and outcomes" "grep -E '^(not )?ok - '"
compare "driver messages" "sed 's/^\[ *[0-9.]*\] //' | grep -E '^kmem dax[0-9]+\.[0-9]+: '"
compare "/proc/iomem after hot-add" \
	"sed -n 's/^# iomem-after-add: //p' | grep -v ' : Kernel '"
compare "guest reports (ranges, tiers, iomem)" \
	"grep -E '^# ' | grep -vE ' time |kmemleak|^# iomem-after-add|^# ktap: # (using|Totals)'"

cat "$res"
! grep -q '^not ok' "$res"
