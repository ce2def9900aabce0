#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Races, for a bounded time (10 s per round in ./kmem test, 60 s in ./kmem
# stress), with lockdep and hung-task detection on:
#  1. writers of state with different and with the same targets (not
#     online_kernel: on node 1, which has no normal memory of its own, the
#     first ZONE_NORMAL memory takes SLUB's per-node structures and never
#     unplugs), a writer of a refused value, readers of state and
#     /proc/iomem;
#  2. unbind/rebind through sysfs against readers of state and /proc/iomem
#     and a writer of "unplugged" (nothing onlines here: memory that is
#     online at unbind stays until reboot, by design).
# Onlining and offlining the blocks through memoryN/state meanwhile is
# blockrace.sh, run last (see there).
# Nothing may deadlock (the boot timeout), crash or splat (the host checks
# the console), and the device must go back to its baseline afterwards.
. /tests/lib.sh
DEV=dax0.0
ST=$DAX_DEVS/$DEV/state

race_setup

round "state writers and readers" \
	"online:flip online" "movable:flip online_movable" "movable2:flip online_movable" \
	"refused:wr $ST offline" "state:reader"
# Back to the baseline, from whatever the race left.
race_after

round "unbind/rebind against readers and unplug" \
	"rebind:rebind" "state:reader" "unplug:wr $ST unplugged"
[ "$(driver_of $DEV)" = kmem ] || write_attr $KMEM_DRV/bind $DEV >/dev/null
expect "after the rebind race: $DEV bound to kmem" kmem "$(driver_of $DEV)"
write_attr $ST unplugged >/dev/null
check "after the rebind race: $DEV consistent" consistent $DEV $mt0
expect "after the rebind race: MemTotal at baseline" $mt0 "$(memtotal_kb)"
check "after the rebind race: /proc/iomem at baseline" same_iomem /tmp/iomem.race

race_teardown
