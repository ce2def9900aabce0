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

hide_kvm='mount --bind /dev/null /dev/kvm 2>/dev/null || true;'
[ "${KMEM_ACCEL:-tcg}" = kvm ] && hide_kvm=
say "kunit: kunit.py run --arch=x86_64 (build in $build; ~5 min from scratch)"
rc=0
PATH=/usr/lib/ccache:$PATH unshare --mount -- sh -c "$hide_kvm exec \"\$@\"" - \
	python3 "$KMEM_SRC/tools/testing/kunit/kunit.py" run --arch=x86_64 \
	--build_dir="$build" --kunitconfig="$kunitconfig" \
	--jobs="$JOBS" --timeout="${KMEM_KUNIT_TIMEOUT:-900}" --json="$json" \
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
