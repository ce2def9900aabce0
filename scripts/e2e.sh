#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# e2e.sh VARIANT [KIND]: pack the initramfs, boot the VARIANT kernel once
# running every guest test of KIND, and write the results to
# $KMEM_OUT/results/KIND-VARIANT.tap ("ok - VARIANT: suite: check" lines).
# Exits non-zero if any check failed.  KIND is
#   e2e     the end-to-end suites (default);
#   stress  the reliability suites, in a guest booted with HMAT data
#           (KMEM_HMAT=1), at the scale KMEM_STRESS_SCALE: quick (the
#           bounded run of ./kmem test) or full (./kmem stress).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=${1:?usage: e2e.sh VARIANT [e2e|stress]} kind=${2:-e2e}
# virtio_mem runs first: it waits for the virtio-mem driver to finish
# plugging memory at boot, after which the resource tree holds still.
# tierguard next, on node 1 before anything typed it.
# The selftest runs after the others: its last case leaves dax0.0 online
# and unbound until reboot.  kmemleak scans what all of them left behind.
# kmem as a module is unloaded while memory is stuck online by the module
# suite.  A built-in kmem (variants *-builtin) runs the suites that show it
# binds at boot and works.
case $kind:$variant in
e2e:*-builtin) default_tests=virtio_mem,daxctl,shapes,adopt,selftest,kmemleak ;;
e2e:*) default_tests=virtio_mem,tierguard,daxctl,manual,state,shapes,module,adopt,selftest,kmemleak ;;
# The HMAT tier check runs first, on a node no earlier bind has typed;
# pinned leaves its device stuck online until reboot; blockrace turns
# lockdep off (see there), so both run last.
stress:*)
	default_tests=hmat,badinput,faults,cycles,races,pinned,blockrace,kmemleak
	export KMEM_HMAT=1
	scale=${KMEM_STRESS_SCALE:-quick}
	export KMEM_APPEND="${KMEM_APPEND:-} kmemrs.scale=$scale"
	# One boot runs every suite: seconds for all of them.
	timeout=1500
	[ "$scale" = full ] && timeout=5400
	export KMEM_BOOT_TIMEOUT=${KMEM_STRESS_TIMEOUT:-$timeout}
	;;
*) die "e2e.sh: unknown kind '$kind' (e2e or stress)" ;;
esac
tests=${KMEM_E2E_TESTS:-$default_tests}
res=$KMEM_OUT/results/$kind-$variant.tap
log=$KMEM_OUT/results/$kind-$variant.log
mkdir -p "$KMEM_OUT/results"
: >"$res"

"$(dirname "$0")/initramfs.sh" "$variant"
say "$kind[$variant]: booting ($tests); console in $log"
t0=$(date +%s)
if "$(dirname "$0")/boot.sh" "$variant" "$tests" "$log" 2>"$log.err"; then
	echo "ok - $variant: boot: guest ran every test and shut down ($(($(date +%s) - t0))s)" >>"$res"
else
	cat "$log.err" >&2
	echo "not ok - $variant: boot: $(head -n 1 "$log.err")" >>"$res"
fi

# The console log, repaired once (console_text) for every reader below.
text=$log.txt
console_text "$log" >"$text"

# Guest results, tagged with the variant.
sed -n 's/^\(not \)\{0,1\}ok - /&'"$variant"': /p' "$text" >>"$res"
for t in ${tests//,/ }; do
	grep -q "^ok - $variant: $t: \|^not ok - $variant: $t: " "$res" ||
		echo "not ok - $variant: $t: guest test printed no results" >>"$res"
done

# Kernel splats anywhere in the run fail it, but one lockdep report that
# is known not to be a deadlock (tests/e2e/blockrace.sh says why): the
# circular dependency between a memoryN/state file's kernfs active
# reference and cpu_hotplug_lock/mem_hotplug_lock, through
# memory_subsys_online() and remove_memory_block_devices().
known=$(awk '
	/possible circular locking dependency detected/ { inrep = 1; txt = ""; next }
	inrep { txt = txt "\n" $0 }
	inrep && /stack backtrace:/ {
		inrep = 0
		if (txt ~ /kn->active/ && txt ~ /cpu_hotplug_lock/ && txt ~ /mem_hotplug_lock/ &&
		    txt ~ /memory_subsys_online/ && txt ~ /remove_memory_block_devices/) n++
	}
	END { print n + 0 }' "$text")
if [ "$known" != 0 ]; then
	say "$kind[$variant]: the known memoryN/state lockdep report (not a deadlock: tests/e2e/blockrace.sh) was seen"
fi
splat=$({ if [ "$known" != 0 ]; then sed '0,/possible circular locking dependency detected/{/possible circular locking dependency detected/d}'; else cat; fi; } <"$text" | grep -v -E '^(ok|not ok|#) ' | grep -E 'WARNING:|BUG:|Oops|Kernel panic|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|INFO: task .* blocked|KASAN:|UBSAN:' | head -n 5 || true)
if [ -z "$splat" ]; then
	echo "ok - $variant: kernel: no WARNING, BUG, Oops or lockdep report in the console log" >>"$res"
else
	echo "not ok - $variant: kernel: splat in the console log: $(echo "$splat" | head -n 1)" >>"$res"
	echo "$splat" | sed 's/^/    /' >&2
fi

# /proc/iomem with dax0.0 as System RAM, for comparisons across kernels.
if [ "$kind" = e2e ]; then
	sed -n 's/^# iomem-after-add: //p' "$text" >"$KMEM_OUT/results/iomem-after-add-$variant.txt"
	# Timings (informational).
	grep -E '^# [a-z]+: time ' "$text" | sed "s/^# /# $variant: /" >"$KMEM_OUT/results/timings-$variant.txt" || true
fi

cat "$res"
p=$(grep -c '^ok ' "$res" | tr -d ' ') f=$(grep -c '^not ok ' "$res" || true)
say "$kind[$variant]: $p ok, $f not ok"
[ "$f" = 0 ]
