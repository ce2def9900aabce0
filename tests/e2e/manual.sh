#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The seed's manual path: bind kmem through sysfs, online every block with
# "echo online > memoryN/state", then offline and unbind by hand.
. /tests/lib.sh
DEV=dax0.0

need_devdax $DEV
[ -e $DAX_DEVS/$DEV ] || { fail "$DEV exists"; exit 0; }
want_kb=$(aligned_kb $DEV)
mt0=$(memtotal_kb)
cp /proc/iomem /tmp/iomem.0

expect "unbind $DEV from device_dax" ok "$(write_attr $DEVDAX_DRV/unbind $DEV)"
expect "kmem new_id $DEV" ok "$(write_attr $KMEM_DRV/new_id $DEV)"
[ "$(driver_of $DEV)" = kmem ] || write_attr $KMEM_DRV/bind $DEV >/dev/null
expect "$DEV bound to kmem" kmem "$(driver_of $DEV)"
# CONFIG_MHP_DEFAULT_ONLINE_TYPE_OFFLINE: the blocks arrive offline.
expect "state after bind follows auto_online_blocks" "$(cat $SYS_MEM/auto_online_blocks)" "$(cat $DAX_DEVS/$DEV/state)"
check "every memory block of $DEV is present and offline" blocks_in_state $DEV offline
expect "MemTotal unchanged while the blocks are offline" $mt0 "$(memtotal_kb)"

t0=$(now_ms)
ok=1
for b in $(dev_blocks $DEV); do
	before=$(memtotal_kb)
	echo online >$SYS_MEM/$b/state || ok=0
	info "$b: online, MemTotal $before -> $(memtotal_kb) kB"
done
info "time online by hand: $(($(now_ms) - t0)) ms"
check "echo online > memoryN/state succeeds for every block" test $ok = 1
check "every memory block of $DEV is online" blocks_in_state $DEV online
expect "MemTotal grows by the block-aligned device size" $((mt0 + want_kb)) "$(memtotal_kb)"
check "every memory block of $DEV is on node 1" blocks_on_node $DEV 1

ok=1
for b in $(dev_blocks $DEV); do echo offline >$SYS_MEM/$b/state || ok=0; done
check "echo offline > memoryN/state succeeds for every block" test $ok = 1
expect "MemTotal back to baseline after offlining" $mt0 "$(memtotal_kb)"
expect "unbind $DEV from kmem (memory offline: removed)" ok "$(write_attr $KMEM_DRV/unbind $DEV)"
check "$DEV's memory blocks are gone" sh -c "! ls $SYS_MEM/$(dev_blocks $DEV | head -n 1) >/dev/null 2>&1"
write_attr $KMEM_DRV/remove_id $DEV >/dev/null
expect "rebind $DEV to device_dax" ok "$(write_attr $DEVDAX_DRV/bind $DEV)"
check "/proc/iomem returns to its baseline" same_iomem /tmp/iomem.0
