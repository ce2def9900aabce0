#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Dropping a memory type guard of the Rust memory tier abstraction while
# memory of its node is online is safe: the node's tier counts itself a
# user of the type ("mm/memory-tiers: count a node's tier as a user of its
# memory type").  tier_guard.ko (tests/modules/) gives node 1 a type of
# abstract distance 3x DRAM's and holds the use of it; kmem then puts
# dax0.0's memory online on node 1, in that type's tier (kmem's own type,
# 5x DRAM's, is not counted on a typed node); rmmod drops the guard and
# frees the module's list of types while the memory is online; offlining
# the memory afterwards must leave node 1 in no tier, without an oops (a
# NULL type without the patch, or a freed one), and the next bind types
# the node as kmem does.  Runs first on node 1, which nothing typed yet.
. /tests/lib.sh
DEV=dax0.0
need_devdax $DEV
mt0=$(memtotal_kb)
guard_tier=$(((3 * 576) >> 7))
kmem_tier=$(((5 * 576) >> 7))

nodelist_ok() { in_nodelist 1 0-2 && in_nodelist 4 0,2-3,4 && ! in_nodelist 3 0-2,4; }
check "tier_of reads node ranges (1 in 0-2, 4 in 0,2-3,4, 3 not in 0-2,4)" nodelist_ok
expect "node 1 starts in no memory tier" "" "$(tier_of 1)"
mark tierguard
check "insmod tier_guard.ko: node 1 gets its memory type" insmod /tests/tier_guard.ko
# Without the module the rest would only fail in cascade.
[ -d /sys/module/tier_guard ] || exit 0
daxctl reconfigure-device -m system-ram $DEV >/tmp/out 2>&1
expect "daxctl reconfigure-device -m system-ram $DEV" 0 $?
check "every block of $DEV online" blocks_in_state $DEV online
expect "node 1 is in the tier of tier_guard's type, not kmem's" $guard_tier "$(tier_of 1)"
check "rmmod tier_guard while node 1's memory is online: the guard and the type list go" \
	rmmod tier_guard
expect "node 1 keeps its tier" $guard_tier "$(tier_of 1)"
daxctl reconfigure-device -m devdax -f $DEV >/tmp/out 2>&1
expect "daxctl reconfigure-device -m devdax $DEV: node 1's last memory goes offline" 0 $?
expect "node 1 leaves its tier with its memory" "" "$(tier_of 1)"
expect "MemTotal at baseline" $mt0 "$(memtotal_kb)"
# The type went with the memory: the next bind types the node as kmem does.
daxctl reconfigure-device -m system-ram $DEV >/tmp/out 2>&1
expect "system-ram again" 0 $?
expect "node 1 is in kmem's tier now" $kmem_tier "$(tier_of 1)"
daxctl reconfigure-device -m devdax -f $DEV >/tmp/out 2>&1
expect "devdax again" 0 $?
expect "node 1 back in no memory tier" "" "$(tier_of 1)"
# Nothing of it may warn: a count below zero, a freed type (KASAN), or
# lockdep seeing a lock class under two names.
msgs=$(dmesg_since tierguard)
check "no WARNING, BUG or lockdep report in the kernel log of this suite" \
	sh -c '! echo "$1" | grep -qE "WARNING|BUG|Oops|KASAN|different class"' - "$msgs"
