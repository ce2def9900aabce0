#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The kernel's own dax selftests (tools/testing/selftests/dax), installed
# with "make -C tools/testing/selftests TARGETS=dax install" and run the
# way a maintainer runs them, with run_kselftest.sh: dax-kmem-hotplug.sh
# on dax0.0 bound to kmem, including its destructive unbind-while-online
# case (this suite runs last: that case leaves the memory online until
# reboot), and the tests the series adds, such as dax-mapping.sh, which
# makes its own device in the hmem region.  Each KTAP result of each test
# is re-emitted as ours, and each test's exit status.
. /tests/lib.sh
DEV=dax0.0
KSFT=/kselftest

check "the dax selftests are installed ($KSFT/run_kselftest.sh)" test -x $KSFT/run_kselftest.sh
[ -x $KSFT/run_kselftest.sh ] || exit 0
need_devdax $DEV
daxctl reconfigure-device --no-online --mode=system-ram $DEV >/tmp/out 2>&1
expect "bind $DEV to kmem for the selftests" kmem "$(driver_of $DEV)"
# Free the hmem region's space, which its first device holds, for the
# tests that make their own devices.
h=$(hmem_device)
if [ -n "$h" ] && [ "$(cat $DAX_DEVS/$h/size)" != 0 ]; then
	daxctl reconfigure-device -m devdax -f "$h" >/dev/null 2>&1
	daxctl disable-device "$h" >/dev/null 2>&1
	daxctl reconfigure-device -s 0 "$h" >/dev/null 2>&1
fi
expect "the hmem region's first device gives its space up" 0 "$(cat $DAX_DEVS/$h/size 2>/dev/null)"

# -p: each test's own KTAP in its file, as the runner's interleaved
# output does not say which test a line is from.
rm -rf /tmp/ksft
DAX_KMEM_TEST_DEV=$DEV DAX_KMEM_TEST_UNBIND=1 $KSFT/run_kselftest.sh -c dax -p /tmp/ksft >/tmp/ktap 2>&1
rc=$?
sed 's/^/# ktap: /' /tmp/ktap
for t in $(grep '^dax:' $KSFT/kselftest-list.txt | cut -d: -f2); do
	[ -f /tmp/ksft/$t ] || { fail "$t: its KTAP log (/tmp/ksft/$t)"; continue; }
	sed "s/^/# $t: /" /tmp/ksft/$t
	# The runner prefixes the test's own lines with "# ".
	awk -v t="$t" '
	/^# (not )?ok [0-9]+ / {
		l = $0; sub(/^# /, "", l)
		st = (l ~ /^ok/) ? "ok" : "not ok"
		sub(/^(not )?ok [0-9]+ /, "", l)
		print st " - selftest: " t ": " l
	}' /tmp/ksft/$t
done
# The runner's result for each test: its exit status.
awk '
/^(not )?ok [0-9]+ selftests: / {
	l = $0; st = (l ~ /^ok/) ? "ok" : "not ok"
	sub(/^(not )?ok [0-9]+ selftests: [^:]*: /, "", l)
	r = ""
	if ((i = index(l, " # ")) > 0) { r = substr(l, i); l = substr(l, 1, i - 1) }
	print st " - selftest: " l ": exit status" r
}' /tmp/ktap
want=$(grep -c '^dax:' $KSFT/kselftest-list.txt)
have=$(grep -cE '^(not )?ok [0-9]+ selftests: dax: ' /tmp/ktap)
expect "run_kselftest.sh ran every dax selftest ($(grep '^dax:' $KSFT/kselftest-list.txt | cut -d: -f2 | tr '\n' ' '))" "$want" "$have"
expect "run_kselftest.sh exit status" 0 $rc
