#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# compare.sh A B [KIND]: the end-to-end (KIND e2e, the default) or
# reliability (KIND stress) runs of two variants (e.g. the C and the Rust
# kmem driver, same tree and config) must not differ in anything the
# driver decides.  One TAP line per aspect in $KMEM_OUT/results/compare.tap
# (compare-stress.tap):
#   - the checks and their outcomes (descriptions carry MemTotal values,
#     errnos, states);
#   - the kernel messages of the driver ("kmem daxX.Y: ...");
#   - /proc/iomem with dax0.0 as System RAM (but the kernel image lines);
#   - what the guest reported: ranges, memory tiers, iomem excerpts (but
#     timings and kmemleak totals).
# The reliability suites inject faults at every allocation of the driver,
# and the two drivers allocate in different places: there, the driver's
# messages are compared as a set, and the number of injection points and
# the counts of each error are left out (the errors themselves are not,
# at the full scale: the quick one samples different allocations).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

a=${1:?usage: compare.sh A B [e2e|stress]} b=${2:?} kind=${3:-e2e}
r=$KMEM_OUT/results
res=$r/compare.tap
[ "$kind" = e2e ] || res=$r/compare-$kind.tap
: >"$res"

# Guest output of one variant: the lines after KMEM-GUEST-BEGIN.  The two
# kernels' images differ in size, so MemTotal (the numbers of a million kB
# and more: seven digits) is given relative to the first one seen: what the driver adds
# and removes must be the same to the kB.
guest() {
	guest_output "$r/$kind-$1.log" |
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
		echo "not ok - compare: $kind: $a vs $b: $aspect: nothing to compare" >>"$res"
	elif diff -u --label "$a" --label "$b" "$fa" "$fb" >"$fa.diff"; then
		echo "ok - compare: $kind: $a vs $b: same $aspect ($(wc -l <"$fa") lines)" >>"$res"
	else
		echo "not ok - compare: $kind: $a vs $b: $aspect differ" >>"$res"
		# As TAP diagnostics: the summary of ./kmem test shows them.
		sed 's/^/#   /' "$fa.diff" | head -n 40 | tee -a "$res" >&2
	fi
	rm -f "$fa" "$fb" "$fa.diff"
}

# race_kinds X Y RACED ALL: what filter RACED gives for variant X must be
# among what filter ALL gives for Y.
race_kinds() {
	local x=$1 y=$2 fx fy extra
	fx=$(mktemp) fy=$(mktemp)
	guest "$x" | eval "$3" >"$fx" || true
	guest "$y" | eval "$4" >"$fy" || true
	extra=$(comm -23 "$fx" "$fy")
	if [ -z "$extra" ]; then
		echo "ok - compare: $kind: $x's messages under races are $y's too ($(wc -l <"$fx") kinds)" >>"$res"
	else
		echo "not ok - compare: $kind: $x printed under races what $y never does" >>"$res"
		printf '%s\n' "$extra" | sed 's/^/#   /' | head -n 20 | tee -a "$res" >&2
	fi
	rm -f "$fx" "$fy"
}

for v in "$a" "$b"; do
	[ -s "$r/$kind-$v.log" ] || die "no $kind log for $v: run ./kmem $kind $v first"
done

msgs="sed 's/^\[ *[0-9.]*\] //' | grep -E '^kmem dax[0-9]+\.[0-9]+: '"
compare "checks and outcomes" "grep -E '^(not )?ok - '"
if [ "$kind" = e2e ]; then
	compare "driver messages" "$msgs"
	compare "/proc/iomem after hot-add" \
		"sed -n 's/^# iomem-after-add: //p' | grep -v ' : Kernel '"
	compare "guest reports (ranges, tiers, iomem)" \
		"grep -E '^# ' | grep -vE ' time |kmemleak|^# iomem-after-add|^# ktap: # (using|Totals)|^# dmesg: (clocksource|hrtimer|sched|rcu): '"
else
	# At the quick scale the sweeps fail every 7th point only, which
	# lands on different allocations in the two drivers: their messages
	# and the set of errors they returned are compared at the full scale
	# only.  The targeted faults (one allocation, with a stack filter)
	# are checks with their errno, compared at every scale.
	#
	# What the races print depends on which writer wins: whether an
	# offline meets a busy page, whether an unbind finds memory online.
	# Their messages are left out of the set; instead, each kind of
	# message (numbers and addresses blanked) one driver printed in a
	# race must be one the other printed somewhere in its run.
	skip="faults|races|blockrace"
	sampled="|^# faults: errors "
	if grep -q 'kmemrs.scale=full' "$r/$kind-$a.log"; then
		skip="races|blockrace" sampled=""
	fi
	# suites OP RE: the lines of the suites whose name matches (OP ~) or
	# does not match (OP !~) RE.
	suites() { echo "awk '/^# suite: / { s = \$3 } s $1 /^($2)\$/'"; }
	compare "set of driver messages" \
		"$(suites '!~' "$skip") | $msgs | sort -u"
	kinds="sed -E 's/0x[0-9a-f]+|[0-9]+/N/g' | sort -u"
	race_kinds "$a" "$b" "$(suites '~' 'races|blockrace') | $msgs | $kinds" \
		"$msgs | $kinds"
	race_kinds "$b" "$a" "$(suites '~' 'races|blockrace') | $msgs | $kinds" \
		"$msgs | $kinds"
	compare "guest reports (errors, tiers, iomem)" \
		"grep -E '^# ' | grep -vE '^# [a-z_]+: (points|results|cycles|races|time) |kmemleak|MemUsed|^# dmesg: $sampled'"
fi

cat "$res"
! grep -q '^not ok' "$res"
