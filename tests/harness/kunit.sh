#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/kunit.sh around a stand-in kunit.py (no kernel is built): the
# arguments of ./kmem kunit reach kunit.py run, and /dev/kvm is hidden from
# it both as root and as a user without privileges (through a user
# namespace), or, where neither works, kunit.sh says what to do.  TAP on
# stdout.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
t=$(mktemp -d)
chmod 755 "$t"
trap 'rm -rf "$t"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok - kunit-harness: $1"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok - kunit-harness: $1"; [ -z "${2:-}" ] || printf '%s\n' "$2" | sed 's/^/#   /'; }

# The scripts under test, copied where an unprivileged user can read them
# (the repository may be in a directory only root can enter).
mkdir -p "$t/scripts"
cp "$TOP/scripts/kunit.sh" "$TOP/scripts/lib.sh" "$t/scripts/"
chmod -R a+rX "$t/scripts"
K=$t/scripts/kunit.sh

# The stand-in: records its arguments and what /dev/kvm is, writes one
# passing test case where --json says.
src=$t/src
mkdir -p "$src/tools/testing/kunit" "$src/drivers/dax/kmem"
: >"$src/drivers/dax/kmem/.kunitconfig"
cat >"$src/tools/testing/kunit/kunit.py" <<'PY'
import json, os, sys
args = sys.argv[1:]
kvm = os.stat("/dev/kvm").st_rdev if os.path.exists("/dev/kvm") else None
print("ARGS", " ".join(args))
print("KVM", "null" if kvm == os.makedev(1, 3) else "real" if kvm is not None else "none")
out = [a.split("=", 1)[1] for a in args if a.startswith("--json=")][0]
json.dump({"name": "KUnit Test Group", "test_cases": [],
           "sub_groups": [{"name": "stub", "test_cases": [{"name": "case", "status": "PASS"}]}]},
          open(out, "w"))
PY
chmod -R a+rX "$src"

# run WHO ARGS...: scripts/kunit.sh as WHO (root or nobody) in a fresh
# output directory; prints its exit status, then the stand-in's log.
run() {
	local who=$1 out=$t/out-$1
	shift
	mkdir -p "$out" && chmod 777 "$out"
	if [ "$who" = root ]; then
		KMEM_SRC=$src KMEM_OUT=$out KMEM_CACHE=$t/cache "$K" "$@" >/dev/null 2>"$out/err"
	else
		setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$out" \
			KMEM_SRC=$src KMEM_OUT=$out KMEM_CACHE=$out/cache "$K" "$@" >/dev/null 2>"$out/err"
	fi
	echo "rc=$?"
	cat "$out/kunit/kunit.log" 2>/dev/null
	cat "$out/err"
}

if [ "$(id -u)" != 0 ]; then
	echo "# kunit-harness: not run: it needs root (to run kunit.sh as root and as an unprivileged user)"
	exit 0
fi
out=$(run root 'resource.*')
grep -q '^rc=0' <<<"$out" && ok "as root: kunit.sh succeeds" || nok "as root: kunit.sh succeeds" "$out"
grep -q "^ARGS run .* resource\.\*$" <<<"$out" && ok "as root: the filter glob reaches kunit.py run" ||
	nok "as root: the filter glob reaches kunit.py run" "$(grep ARGS <<<"$out")"
if [ -e /dev/kvm ]; then
	grep -qx 'KVM null' <<<"$out" && ok "as root: kunit.py sees /dev/null as /dev/kvm" ||
		nok "as root: kunit.py sees /dev/null as /dev/kvm" "$(grep KVM <<<"$out")"
fi
grep -q '^ok - kunit: stub.case$' "$t/out-root/results/kunit.tap" 2>/dev/null &&
	ok "as root: one TAP line per test case" || nok "as root: one TAP line per test case"

if setpriv --reuid=65534 --regid=65534 --clear-groups unshare -rm true 2>/dev/null; then
	out=$(run nobody)
	grep -q '^rc=0' <<<"$out" && ok "unprivileged, with user namespaces: kunit.sh succeeds" ||
		nok "unprivileged, with user namespaces: kunit.sh succeeds" "$out"
	if [ -e /dev/kvm ]; then
		grep -qx 'KVM null' <<<"$out" && ok "unprivileged: kunit.py sees /dev/null as /dev/kvm" ||
			nok "unprivileged: kunit.py sees /dev/null as /dev/kvm" "$(grep KVM <<<"$out")"
	fi
else
	echo "# kunit-harness: unprivileged run not tested: this kernel allows no unprivileged user namespace"
fi
echo "# kunit-harness: $failed of $n failed"
[ $failed = 0 ]
