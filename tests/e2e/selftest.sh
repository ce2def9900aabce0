#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The kernel's own dax and memory-hotplug selftests
# (tools/testing/selftests/{dax,memory-hotplug}), installed with "make -C
# tools/testing/selftests TARGETS='dax memory-hotplug' install" and run the
# way a maintainer runs them, with run_kselftest.sh: dax-kmem-hotplug.sh
# on dax0.0 bound to kmem, including its destructive unbind-while-online
# case (this suite runs last: that case leaves the memory online until
# reboot), and the tests the series adds, such as dax-mapping.sh and
# memory-hotplug's hotadd-faults.sh, which make their own devices in the
# hmem region.  memory-hotplug's mem-on-off-test.sh, which offlines boot
# memory at random, is not run.  Each KTAP result of each test is
# re-emitted as ours, and each test's exit status.
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

# The tests run: every dax one, and memory-hotplug's but mem-on-off-test.sh.
list=$(grep -E '^(dax|memory-hotplug):' $KSFT/kselftest-list.txt | grep -v ':mem-on-off-test\.sh$')
# -p: each test's own KTAP in its file, as the runner's interleaved
# output does not say which test a line is from.
rm -rf /tmp/ksft
DAX_KMEM_TEST_DEV=$DEV DAX_KMEM_TEST_UNBIND=1 $KSFT/run_kselftest.sh \
	$(for t in $list; do echo "-t $t"; done) -p /tmp/ksft >/tmp/ktap 2>&1
rc=$?
sed 's/^/# ktap: /' /tmp/ktap
for t in $(echo "$list" | cut -d: -f2); do
	[ -f /tmp/ksft/$t ] || { fail "$t: its KTAP log (/tmp/ksft/$t)"; continue; }
	sed "s/^/# $t: /" /tmp/ksft/$t
	# The runner prefixes the test's own lines with "# ".  A test that
	# skips as a whole, or gives fewer results than it planned, fails
	# here: this guest has what each of them needs.
	awk -v t="$t" '
	/^# 1\.\.[0-9]+/ {
		planned = 1; plan = substr($2, 4) + 0
		if (plan == 0) { why = $0; sub(/^# 1\.\.0 *(# *SKIP *)?/, "", why) }
	}
	/^# (not )?ok [0-9]+ / {
		n++
		l = $0; sub(/^# /, "", l)
		st = (l ~ /^ok/) ? "ok" : "not ok"
		sub(/^(not )?ok [0-9]+ /, "", l)
		print st " - selftest: " t ": " l
	}
	END {
		if (!planned)
			print "not ok - selftest: " t ": no KTAP plan"
		else if (plan == 0)
			print "not ok - selftest: " t ": skipped as a whole: " why
		else if (n != plan)
			print "not ok - selftest: " t ": " n " results of the " plan " planned"
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
want=$(echo "$list" | wc -l)
have=$(grep -cE '^(not )?ok [0-9]+ selftests: (dax|memory-hotplug): ' /tmp/ktap)
expect "run_kselftest.sh ran every selftest chosen ($(echo "$list" | tr '\n' ' '))" "$want" "$have"
expect "run_kselftest.sh exit status" 0 $rc
