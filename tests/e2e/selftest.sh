#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The kernel's own KTAP selftest for the state attribute,
# tools/testing/selftests/dax/dax-kmem-hotplug.sh, on dax0.0 bound to kmem,
# including the destructive unbind-while-online case (run last: it leaves
# the memory online until reboot).  Its KTAP results are re-emitted as ours.
. /tests/lib.sh
DEV=dax0.0

need_devdax $DEV
daxctl reconfigure-device --no-online --mode=system-ram $DEV >/tmp/out 2>&1
expect "bind $DEV to kmem for the selftest" kmem "$(driver_of $DEV)"

DAX_KMEM_TEST_DEV=$DEV DAX_KMEM_TEST_UNBIND=1 \
	bash /selftests/dax/dax-kmem-hotplug.sh >/tmp/ktap 2>&1
rc=$?
sed 's/^/# ktap: /' /tmp/ktap
plan=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' /tmp/ktap)
n=$(grep -cE '^(not )?ok [0-9]+' /tmp/ktap)
awk '
/^ok [0-9]+ .*# SKIP/ { sub(/^ok [0-9]+ /, ""); d = $0; sub(/ *# SKIP.*/, "", d); r = $0; sub(/.*# SKIP */, "", r)
	print "ok - selftest: " d " # SKIP " r; next }
/^ok [0-9]+ / { sub(/^ok [0-9]+ /, ""); print "ok - selftest: " $0; next }
/^not ok [0-9]+ / { sub(/^not ok [0-9]+ /, ""); print "not ok - selftest: " $0; next }' /tmp/ktap
expect "dax-kmem-hotplug.sh ran its whole plan" "${plan:-none}" "$n"
expect "dax-kmem-hotplug.sh exit status" 0 $rc
