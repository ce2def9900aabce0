#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A race of state writers and readers against a process onlining and
# offlining dax0.0's memory blocks through memoryN/state, for T seconds;
# then the device must go back to its baseline.
#
# Runs last: this race provokes a lockdep report that is not a deadlock,
# after which lockdep turns itself off.  A memoryN/state write holds the
# file's kernfs active reference and takes cpu_hotplug_lock through
# mem_hotplug_begin(), while a removal holds cpu_hotplug_lock and waits for
# that reference when it deletes the block's device.  Both hold
# device_hotplug_lock, the writer through lock_device_hotplug_sysfs()'s
# trylock (restarting the system call when it is taken), so they never run
# at the same time; lockdep does not model the trylock.  The same report
# comes from daxctl, virtio-mem or any other remover racing such writes,
# with either kmem driver; scripts/e2e.sh recognizes it by its chain.
. /tests/lib.sh
DEV=dax0.0
ST=$DAX_DEVS/$DEV/state

race_setup

round "state writers and memoryN/state writers" \
	"online:flip online" "movable:flip online_movable" "state:reader" \
	"blocks_on:blocks online_movable" "blocks_off:blocks offline"
race_after

race_teardown
