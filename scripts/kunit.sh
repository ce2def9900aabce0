#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kunit.sh: run tools/testing/kunit/kunit.py on the branch in $KMEM_SRC with
# the series' own drivers/dax/kmem/.kunitconfig, as a user of the patched
# tree would (x86_64 under qemu, build in $KMEM_OUT/kunit), and write one
# TAP line per test case to $KMEM_OUT/results/kunit.tap.
#
# kunit.py asks qemu for "-accel kvm -accel hvf -accel tcg"; KVM is broken on
# the machines this was made on and hangs the guest, so /dev/kvm is hidden
# from it in a private mount namespace (KMEM_ACCEL=kvm keeps it).
#
# kunit.sh [ARGS...]: ARGS go to kunit.py run (./kmem kunit 'resource.*').
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# ./kmem series-test runs it on another tree with its own .kunitconfig,
# build directory and results (KMEM_KUNITCONFIG, KMEM_KUNIT_BUILD,
# KMEM_KUNIT_TAP).
build=${KMEM_KUNIT_BUILD:-$KMEM_OUT/kunit}
res=${KMEM_KUNIT_TAP:-$KMEM_OUT/results/kunit.tap}
json=${res%.tap}.json
mkdir -p "$(dirname "$res")" "$build"
rm -f "$res" "$json"

kunitconfig=${KMEM_KUNITCONFIG:-$KMEM_SRC/drivers/dax/kmem/.kunitconfig}
[ -f "$kunitconfig" ] || die "$kunitconfig missing: is the series applied (./kmem apply)?"

# Hiding /dev/kvm takes a mount namespace: root's, or else a user
# namespace's where the kernel allows unprivileged ones.
ns=() hide=
if [ "${KMEM_ACCEL:-tcg}" != kvm ] && [ -e /dev/kvm ]; then
	hide=1
	if [ "$(id -u)" = 0 ]; then
		ns=(unshare --mount --)
	elif unshare -rm true 2>/dev/null; then
		ns=(unshare -rm --)
	else
		die "kunit: /dev/kvm must be hidden from kunit.py (KVM hangs the guest on these machines), which needs root or unprivileged user namespaces: run as root, or allow them (sysctl kernel.unprivileged_userns_clone=1 or user.max_user_namespaces), or KMEM_ACCEL=kvm where KVM works"
	fi
fi
# Arguments are kunit.py run's: a filter glob ("resource.*"), options.
say "kunit: kunit.py run --arch=x86_64 $* (build in $build; ~5 min from scratch)"
rc=0
PATH=/usr/lib/ccache:$PATH KMEM_HIDE_KVM=$hide "${ns[@]}" sh -c '[ -z "$KMEM_HIDE_KVM" ] || mount --bind /dev/null /dev/kvm || { echo "cannot hide /dev/kvm" >&2; exit 1; }; exec "$@"' - \
	python3 "$KMEM_SRC/tools/testing/kunit/kunit.py" run --arch=x86_64 \
	--build_dir="$build" --kunitconfig="$kunitconfig" \
	--jobs="$JOBS" --timeout="${KMEM_KUNIT_TIMEOUT:-900}" --json="$json" "$@" \
	>"$build/kunit.log" 2>&1 || rc=$?
tail -n 40 "$build/kunit.log" | grep -E 'Testing complete|Elapsed|ERROR|FAILED|crashed' >&2 || true

if [ ! -s "$json" ]; then
	tail -n 30 "$build/kunit.log" >&2
	echo "not ok - kunit: kunit.py produced no results (exit $rc): see $build/kunit.log" >"$res"
	exit 1
fi
python3 - "$json" >"$res" <<'PY'
import json, sys

def walk(group, path):
    name = group.get("name", "")
    path = path + [name] if name and name != "KUnit Test Group" else path
    for case in group.get("test_cases", []):
        full = ".".join(path + [case["name"]])
        status = case.get("status")
        if status == "PASS":
            print(f"ok - kunit: {full}")
        elif status == "SKIP":
            print(f"ok - kunit: {full} # SKIP")
        else:
            print(f"not ok - kunit: {full} ({status})")
    for sub in group.get("sub_groups", []):
        walk(sub, path)

walk(json.load(open(sys.argv[1])), [])
PY
p=$(grep -c '^ok .* # SKIP$' "$res" || true)
say "kunit: $(grep -c '^ok ' "$res" || true) ok ($p skipped), $(grep -c '^not ok ' "$res" || true) not ok (exit $rc)"
[ $rc = 0 ] && ! grep -q '^not ok ' "$res"
