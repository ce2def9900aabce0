#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# stress.sh [VARIANT...]: the reliability suites at full scale (./kmem
# stress), on the C and the Rust driver (default: c rust c-kasan).
#
#   faults   fail each allocation of bind, unbind, every state transition
#            and daxctl reconfigure-device in turn (fail-nth)
#   cycles   100 cycles of bind/unbind, state, daxctl and rmmod/modprobe
#   races    60 s rounds of concurrent state writers, readers, memory
#            block onlining and unbind/rebind
#   pinned   unplug and unbind with memory pinned on the kmem node
#   badinput every string of a generated list written to state, and
#            writes by a user other than root
#   hmat     memory tiers from qemu's HMAT
# c-kasan (the C driver and kernel/resource.c under KASAN; Rust needs
# clang for KASAN) also runs the end-to-end suite.  Then the C and Rust
# runs are compared, a table is printed (report), and the closing line
# reads "N passed, N failed".  ./kmem test runs the same suites at the
# quick scale (KMEM_STRESS_SCALE=quick) on c and rust.
#
# stress.sh report [VARIANT...]: only print the table of the last runs.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
S=$(dirname "$0")
r=$KMEM_OUT/results

# report VARIANT...: one table of what the runs did and found.
report() {
	local v f
	printf '\n==== reliability: what ran (%s)\n' "$r/stress-*.log"
	printf '%-44s' "check"
	for v in "$@"; do printf '%14s' "$v"; done
	echo
	for v in "$@"; do
		f=$r/stress-$v.log
		[ -s "$f" ] || continue
		console_text "$f" | sed -n \
			-e 's/^# faults: points \(.*\): \([0-9]*\) (.*/fault points: \1\t\2/p' \
			-e 's/^# cycles: cycles \(.*\): \([0-9]*\) in .*/cycles: \1\t\2/p' \
			-e 's/^# [a-z]*: races \([^:]*\): \([0-9]*\) ms.*/race seconds: \1\t\2/p' \
			-e 's/^# badinput: strings written: \([0-9]*\).*/bad input: strings written\t\1/p' |
			sed "s/^/$v\t/"
		echo "$v	failed checks	$(grep -c '^not ok' "$r/stress-$v.tap" 2>/dev/null || true)"
		echo "$v	kmemleak: dax/kmem/hotplug frames	$(console_text "$f" | sed -n 's/.*unreferenced object(s) in all, \([0-9]*\) backtrace.*/\1/p')"
	done | awk -F'\t' -v vs="$*" '
		BEGIN { nv = split(vs, V, " ") }
		{
			k = $2
			if (k ~ /^race seconds/) $3 = int($3 / 1000)
			if (!(k in seen)) { seen[k] = 1; order[n++] = k }
			val[k, $1] = $3
		}
		END {
			for (i = 0; i < n; i++) {
				k = order[i]
				printf "%-44s", substr(k, 1, 44)
				for (j = 1; j <= nv; j++) printf "%14s", ((k, V[j]) in val) ? val[k, V[j]] : "-"
				printf "\n"
			}
		}'
}

if [ "${1:-}" = report ]; then
	shift
	report "${@:-c rust c-kasan}"
	exit 0
fi

variants=${*:-c rust c-kasan}
export KMEM_STRESS_SCALE=${KMEM_STRESS_SCALE:-full}
mkdir -p "$r"
rm -f "$r"/stress-*.tap "$r/compare-stress.tap" "$r/stress-harness.tap"
ran=()
for v in $variants; do
	if ! step "build $v" "$S/build.sh" "$v"; then
		echo "not ok - stress: build $v" >>"$r/stress-harness.tap"
		continue
	fi
	echo "ok - stress: build $v" >>"$r/stress-harness.tap"
	step "stress $v ($KMEM_STRESS_SCALE)" "$S/e2e.sh" "$v" stress || true
	# Memory errors in the C driver and kernel/resource.c: the
	# end-to-end suite too, under KASAN.
	case $v in *kasan*) step "e2e $v" "$S/e2e.sh" "$v" || true ;; esac
	ran+=("$v")
done
if [[ " ${ran[*]} " == *" c "* && " ${ran[*]} " == *" rust "* ]]; then
	step "compare c and rust (stress)" "$S/compare.sh" c rust stress >/dev/null || true
fi
report "${ran[@]}"
