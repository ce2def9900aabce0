#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The kmem "state" attribute (Documentation/ABI/testing/sysfs-bus-dax):
# every documented value is accepted, transitions follow the ABI, and bad
# input is refused with the documented errno, leaving the state unchanged.
. /tests/lib.sh
DEV=dax0.0
ST=$DAX_DEVS/$DEV/state

need_devdax $DEV
want_kb=$(aligned_kb $DEV)
mt0=$(memtotal_kb)
cp /proc/iomem /tmp/iomem.0

daxctl reconfigure-device --no-online --mode=system-ram $DEV >/tmp/out 2>&1
expect "daxctl reconfigure-device --no-online --mode=system-ram exits 0" 0 $?
check "$DEV has a state attribute under kmem" test -e $ST
[ -e $ST ] || exit 0
expect "state reads 'offline' after a bind with auto_online_blocks=offline" offline "$(cat $ST)"
expect "write 'offline' is refused" "$EINVAL" "$(write_attr $ST offline)"

expect "write 'unplugged' from offline" ok "$(write_attr $ST unplugged)"
expect "state reads 'unplugged'" unplugged "$(cat $ST)"
expect "unplugged: MemTotal at baseline" $mt0 "$(memtotal_kb)"
expect "unplugged: no $DEV entries left in /proc/iomem" 0 "$(iomem_entries $DEV)"
cp /proc/iomem /tmp/iomem.unplugged
expect "write 'unplugged' again is a no-op" ok "$(write_attr $ST unplugged)"

for bad in bogus ONLINE "online movable" "" offline unplugged_ online_kernel0; do
	expect "write '$bad' while unplugged is refused with EINVAL" "$EINVAL" "$(write_attr $ST "$bad")"
done
expect "state still 'unplugged' after bad writes" unplugged "$(cat $ST)"

# online_kernel is tested in shapes.sh, on a device of its own: memory in
# ZONE_NORMAL may take unmovable allocations and then never unplug.
for st in online_movable online; do
	t0=$(now_ms)
	expect "write '$st' from unplugged" ok "$(write_attr $ST $st)"
	info "time hot-add ($st): $(($(now_ms) - t0)) ms"
	expect "state reads '$st'" $st "$(cat $ST)"
	expect "$st: MemTotal grows by the block-aligned size" $((mt0 + want_kb)) "$(memtotal_kb)"
	check "$st: every block online" blocks_in_state $DEV online
	# auto-movable policy: "online" lands in ZONE_MOVABLE too.
	check "$st: every block in ZONE_MOVABLE" blocks_in_zone $DEV Movable
	expect "$st: one 'System RAM (kmem)' per range" "$(aligned_ranges $DEV | wc -l)" "$(kmem_children $DEV)"
	expect "write '$st' again is a no-op" ok "$(write_attr $ST $st)"
	for other in online_movable online_kernel online; do
		[ $other = $st ] && continue
		expect "write '$other' while '$st' is refused with EBUSY" "$EBUSY" "$(write_attr $ST $other)"
	done
	expect "write 'bogus' while '$st' is refused with EINVAL" "$EINVAL" "$(write_attr $ST bogus)"
	expect "state still '$st' after refused writes" $st "$(cat $ST)"
	t0=$(now_ms)
	expect "write 'unplugged' from '$st'" ok "$(write_attr $ST unplugged)"
	info "time hot-remove ($st): $(($(now_ms) - t0)) ms"
	expect "unplugged from $st: MemTotal at baseline" $mt0 "$(memtotal_kb)"
	check "unplugged from $st: /proc/iomem as after the first unplug" same_iomem /tmp/iomem.unplugged
done

# Back to device_dax.  daxctl (v76) looks the device's memory blocks up
# and fails on an unplugged device, which has none ("failed to get number
# of memory sections"), so fall back to sysfs then.
if ! daxctl reconfigure-device --mode=devdax -f $DEV >/tmp/out 2>&1; then
	info "daxctl cannot reconfigure an unplugged device: $(head -n 1 /tmp/out); using sysfs"
	expect "unbind unplugged $DEV from kmem" ok "$(write_attr $KMEM_DRV/unbind $DEV)"
	write_attr $KMEM_DRV/remove_id $DEV >/dev/null
	expect "bind $DEV to device_dax" ok "$(write_attr $DEVDAX_DRV/bind $DEV)"
fi
expect "$DEV bound to device_dax again" device_dax "$(driver_of $DEV)"
check "/proc/iomem at its baseline after devdax" same_iomem /tmp/iomem.0
