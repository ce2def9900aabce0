#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Pinned memory on the kmem node, a device carved out of the hmem region
# (node 2, whose boot memory is all below 4G: ZONE_DMA32).  A process
# bound to node 2 (memory policy) with mlocked memory: in ZONE_MOVABLE its
# pages migrate (neither mlock nor a long-term pin keeps a page in
# ZONE_MOVABLE), so the device still unplugs and the process lives on.
# In ZONE_NORMAL (online_kernel) its page tables, unmovable kernel memory,
# land on the device (node 2's only ZONE_NORMAL memory): unplugging fails
# with EBUSY and leaves the device online; unbind leaves the memory stuck
# online, with its resources kept; rmmod after that is safe; binding the
# device again (here: loading kmem again) adopts the memory while it is
# still pinned, and once the process exits it unplugs.
. /tests/lib.sh

DEV=$(hmem_carve 256M)
check "carve a 256 MiB device out of the hmem region" test -n "$DEV"
[ -n "$DEV" ] || exit 0
ST=$DAX_DEVS/$DEV/state
NODE=$(cat $DAX_DEVS/$DEV/target_node)
mt0=$(memtotal_kb)
daxctl reconfigure-device -N -m system-ram $DEV >/tmp/out 2>&1
expect "daxctl reconfigure-device -N -m system-ram $DEV" 0 $?
[ "$(driver_of $DEV)" = kmem ] || exit 0
write_attr $ST unplugged >/dev/null
cp /proc/iomem /tmp/iomem.p0

# pin MIB: start a pinning process on NODE, print its pid.
pin() {
	kmemtool pin $NODE "$1" >/tmp/pin.out 2>&1 &
	local pid=$! i=0
	while [ $i -lt 120 ] && ! grep -q pinned /tmp/pin.out; do
		kill -0 $pid 2>/dev/null || break
		sleep 1
		i=$((i + 1))
	done
	grep -q pinned /tmp/pin.out || sed 's/^/# pin: /' /tmp/pin.out >&2
	echo $pid
}
node_used_kb() { awk '/MemUsed:/ { print $4 }' /sys/devices/system/node/node$NODE/meminfo; }

# ZONE_MOVABLE: mlocked pages migrate away.
expect "write online_movable" ok "$(write_attr $ST online_movable)"
u0=$(node_used_kb)
pid=$(pin 64)
check "a process mlocks 64 MiB on node $NODE (movable)" grep -q pinned /tmp/pin.out
info "node $NODE MemUsed: $u0 kB before, $(node_used_kb) kB with the process"
check "node $NODE holds the process's memory" test $(($(node_used_kb) - u0)) -ge 65536
expect "unplug with mlocked movable memory on it succeeds" ok "$(write_attr $ST unplugged)"
check "the process survived the migration of its memory" kill -0 $pid
kill $pid
wait $pid 2>/dev/null
expect "unplugged: MemTotal at baseline" $mt0 "$(memtotal_kb)"
check "unplugged: /proc/iomem as before" same_iomem /tmp/iomem.p0

# ZONE_NORMAL: page tables on node 1 cannot move.
expect "write online_kernel" ok "$(write_attr $ST online_kernel)"
check "blocks in ZONE_NORMAL" blocks_in_zone $DEV Normal
mt1=$(memtotal_kb)
pid=$(pin 64)
check "a process pins memory and page tables on node $NODE (kernel zone)" grep -q pinned /tmp/pin.out
cp /proc/iomem /tmp/iomem.p1
mark pinned
expect "unplug with unmovable memory on it fails with EBUSY" "$EBUSY" "$(write_attr $ST unplugged)"
msgs=$(dmesg_since pinned)
echo "$msgs" | grep '^kmem ' | sed 's/^/# dmesg: /'
check "kmem logs 'hotremove failed, device left online: -16'" \
	sh -c "echo \"\$1\" | grep -q 'kmem $DEV: hotremove failed, device left online: -16'" - "$msgs"
expect "state still online_kernel" online_kernel "$(cat $ST)"
check "every block still online" blocks_in_state $DEV online
expect "MemTotal unchanged" $mt1 "$(memtotal_kb)"
check "/proc/iomem unchanged" same_iomem /tmp/iomem.p1
check "$DEV consistent" consistent $DEV $mt0

mark unbind
expect "unbind with the memory pinned" ok "$(write_attr $KMEM_DRV/unbind $DEV)"
msgs=$(dmesg_since unbind)
echo "$msgs" | grep '^kmem ' | sed 's/^/# dmesg: /'
expect "$DEV has no driver" "" "$(driver_of $DEV)"
check "kmem logs 'Hotplug regions still online, left for the next binding'" \
	sh -c "echo \"\$1\" | grep -q 'kmem $DEV: Hotplug regions still online, left for the next binding'" - "$msgs"
expect "the reservation is kept" 1 "$(iomem_entries $DEV)"
expect "with its System RAM" 1 "$(kmem_children $DEV)"
check "every block still online" blocks_in_state $DEV online
expect "MemTotal keeps the stuck memory" $mt1 "$(memtotal_kb)"
if grep -q '^kmem ' /proc/modules; then
	check "rmmod kmem with memory stuck online" rmmod kmem
	check "/proc/iomem readable after rmmod, names intact" grep -q " : $DEV\$" /proc/iomem
	mark reload
	check "modprobe kmem again" modprobe kmem
else
	mark reload
fi

# A binding while the memory is still pinned adopts it (loading kmem binds
# the device, a kmem-type device of the hmem region) and keeps it.
[ "$(driver_of $DEV)" = kmem ] || write_attr $KMEM_DRV/bind $DEV >/dev/null
expect "binding $DEV again adopts the stuck memory" kmem "$(driver_of $DEV)"
adopt_logged "" $DEV reload
expect "state of the adopted memory" online_kernel "$(cat $ST)"
expect "nothing added twice" 1 "$(kmem_children $DEV)"
expect "MemTotal unchanged by the adoption" $mt1 "$(memtotal_kb)"
expect "unplug while still pinned fails with EBUSY" "$EBUSY" "$(write_attr $ST unplugged)"
expect "and keeps the memory" online_kernel "$(cat $ST)"
check "$DEV consistent" consistent $DEV $mt0

kill $pid
wait $pid 2>/dev/null
if ! kasan_skip "once the process is gone, the adopted memory unplugs"; then
	# The process's page tables are freed after an RCU grace period
	# (MMU_GATHER_RCU_TABLE_FREE): give them a few seconds.
	i=0
	while [ $i -lt 10 ] && [ "$(write_attr $ST unplugged)" != ok ]; do
		sleep 1
		i=$((i + 1))
	done
	info "time to unplug once the process is gone: $i retries of 1 s"
	expect "once the process is gone, the adopted memory unplugs" unplugged "$(cat $ST)"
	expect "MemTotal back to baseline" $mt0 "$(memtotal_kb)"
	check "/proc/iomem back to its state before the pinning" same_iomem /tmp/iomem.p0
	check "$DEV consistent" consistent $DEV $mt0
fi
