#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Memory tiers from HMAT (scripts/boot.sh with KMEM_HMAT=1 gives node 1 a
# higher latency and a lower bandwidth than the DRAM nodes): kmem must put
# node 1 in the tier that mm/memory-tiers.c computes from those numbers,
# not in the default tier of dax memory without performance data (5x
# DRAM's abstract distance), and give the memory type back at unbind.
. /tests/lib.sh
DEV=dax0.0
INI=access0/initiators

need_devdax $DEV
check "node 0 has HMAT performance data (booted with KMEM_HMAT=1)" \
	test -r /sys/devices/system/node/node0/$INI/read_latency
[ -r /sys/devices/system/node/node0/$INI/read_latency ] || exit 0
mt0=$(memtotal_kb)
expect "node 1 is in no memory tier before kmem binds" "" "$(tier_of 1)"

daxctl reconfigure-device -m system-ram $DEV >/tmp/out 2>&1
expect "daxctl reconfigure-device -m system-ram $DEV exits 0" 0 $?
# perf NODE ATTR: node NODE's HMAT number as the kernel sees it.
perf() { cat /sys/devices/system/node/node$1/$INI/$2 2>/dev/null || echo 0; }
for n in 0 1; do
	info "node $n: latency $(perf $n read_latency)/$(perf $n write_latency) ns, bandwidth $(perf $n read_bandwidth)/$(perf $n write_bandwidth) MB/s"
done
check "node 1 has HMAT performance data once online" test "$(perf 1 read_latency)" -gt 0
# mt_perf_to_adistance(): DRAM's abstract distance (4.5 chunks of 128)
# scaled by the latency ratio and the inverse bandwidth ratio, in this
# order with integer division; the tier is the distance in chunks.
dram=576
adist=$((dram * ($(perf 1 read_latency) + $(perf 1 write_latency)) / \
	($(perf 0 read_latency) + $(perf 0 write_latency)) * \
	($(perf 0 read_bandwidth) + $(perf 0 write_bandwidth)) / \
	($(perf 1 read_bandwidth) + $(perf 1 write_bandwidth))))
want=$((adist >> 7))
info "node 1: abstract distance $adist from HMAT: tier $want (the default for dax memory is tier $((dram * 5 >> 7)))"
check "the HMAT numbers give a tier other than the default one" test $want != $((dram * 5 >> 7))
expect "node 1 is in the tier its HMAT numbers give" $want "$(tier_of 1)"
expect "node 0 stays in DRAM's tier" $((dram >> 7)) "$(tier_of 0)"

daxctl reconfigure-device -m devdax -f $DEV >/tmp/out 2>&1
expect "daxctl reconfigure-device -m devdax $DEV exits 0" 0 $?
expect "MemTotal at baseline" $mt0 "$(memtotal_kb)"
expect "node 1 is in no memory tier after unbind" "" "$(tier_of 1)"
# The type was given back: a second round lands in the same tier again.
daxctl reconfigure-device -m system-ram $DEV >/tmp/out 2>&1
expect "a second bind puts node 1 in the same tier" $want "$(tier_of 1)"
daxctl reconfigure-device -m devdax -f $DEV >/tmp/out 2>&1
expect "back to devdax" device_dax "$(driver_of $DEV)"
