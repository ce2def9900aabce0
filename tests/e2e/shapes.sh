#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Devices of awkward shapes, carved with daxctl out of the dynamic hmem
# region that the soft-reserved range (memmap=1G%4G-1+0xefffffff, node 2)
# creates: kmem's boot-time bind, a device smaller than one memory block,
# and a device made of two discontiguous ranges.
. /tests/lib.sh

H=$(hmem_device)
check "the soft-reserved range became a dax device on node 2" test -n "$H"
[ -n "$H" ] || exit 0
R=$(region_of "$H")
bs=$(block_bytes)

# hmem regions are IORESOURCE_DAX_KMEM: kmem binds at boot and, with
# auto_online_blocks=offline, adds the memory offline.
expect "$H was bound to kmem at boot" kmem "$(driver_of $H)"
expect "$H state is 'offline' after the boot-time bind" offline "$(cat $DAX_DEVS/$H/state)"
check "$H's blocks are present and offline" blocks_in_state $H offline
expect "$H has one 'System RAM (kmem)' child in /proc/iomem" 1 "$(kmem_children $H)"
daxctl reconfigure-device -m devdax -f $H >/tmp/out 2>&1
expect "$H to devdax" 0 $?
# $H is the region's seed device: it cannot be destroyed, only emptied.
daxctl disable-device $H >/dev/null 2>&1
daxctl reconfigure-device -s 0 $H >/tmp/out 2>&1
expect "shrink $H to 0 to free region $R" 0 $?
cp /proc/iomem /tmp/iomem.0
mt0=$(memtotal_kb)

# create SIZE: make a device in region R, print its name.
create() {
	daxctl create-device -r "$R" -s "$1" 2>/tmp/create.err |
		sed -n 's/.*"chardev":"\(dax[0-9.]*\)".*/\1/p'
}
destroy() { daxctl disable-device "$1" >/dev/null 2>&1; daxctl destroy-device "$1" >/dev/null 2>&1; }

# Smaller than one memory block: kmem refuses it with EINVAL.
S=$(create 64M)
check "create a 64 MiB device (block size $((bs >> 20)) MiB)" test -n "$S"
if [ -n "$S" ]; then
	write_attr $DEVDAX_DRV/unbind $S >/dev/null
	cp /proc/iomem /tmp/iomem.1
	mark small
	expect "bind a sub-block device to kmem fails with EINVAL" "$EINVAL" "$(write_attr $KMEM_DRV/bind $S)"
	msgs=$(dmesg_since small)
	echo "$msgs" | sed 's/^/# dmesg: /'
	check "kmem logs 'mapping0: ... too small after alignment'" \
		sh -c "echo \"\$1\" | grep -q 'kmem $S: mapping0: 0x[0-9a-f]*-0x[0-9a-f]* too small after alignment'" - "$msgs"
	check "kmem logs 'rejecting DAX region without any memory after alignment'" \
		sh -c "echo \"\$1\" | grep -q 'kmem $S: rejecting DAX region without any memory after alignment'" - "$msgs"
	expect "nothing added: MemTotal unchanged" $mt0 "$(memtotal_kb)"
	check "nothing added: /proc/iomem unchanged" same_iomem /tmp/iomem.1
	daxctl reconfigure-device -m system-ram $S >/tmp/out 2>&1
	check "daxctl reconfigure-device -m system-ram on it fails" test $? != 0
	write_attr $DEVDAX_DRV/bind $S >/dev/null
	destroy $S
fi

# Two discontiguous ranges: fill the region with A, B, C, free A, grow C
# into A's space.
A=$(create 256M) B=$(create 256M) C=$(create 512M)
check "carve the region into three devices" test -n "$A" -a -n "$B" -a -n "$C"
destroy $A
daxctl disable-device $C >/dev/null 2>&1
daxctl reconfigure-device -s 768M $C >/tmp/out 2>&1
expect "grow $C into the freed space" 0 $?
expect "$C now has two ranges" 2 "$(dax_ranges $C | wc -l)"
info "$C ranges: $(dax_ranges $C | tr '\n' ' ')"
want_kb=$(aligned_kb $C)
n2_0=$(node_memtotal_kb 2)
# daxctl (v76..) onlines the blocks of [resource, resource + size), which
# misses the second range of a multi-range device: bind with daxctl, online
# with the kmem state attribute, which covers every range.
daxctl reconfigure-device -N -m system-ram $C >/tmp/out 2>&1
expect "$C (2 ranges) to system-ram, blocks offline" 0 $?
expect "write 'unplugged' to $C's state" ok "$(write_attr $DAX_DEVS/$C/state unplugged)"
t0=$(now_ms)
expect "write 'online_movable' to $C's state" ok "$(write_attr $DAX_DEVS/$C/state online_movable)"
info "time hot-add $C (2 ranges): $(($(now_ms) - t0)) ms"
expect "MemTotal grows by both ranges" $((mt0 + want_kb)) "$(memtotal_kb)"
expect "node 2 MemTotal grows by both ranges" $((n2_0 + want_kb)) "$(node_memtotal_kb 2)"
expect "/proc/iomem: two $C entries" 2 "$(iomem_entries $C)"
expect "/proc/iomem: a 'System RAM (kmem)' child under each" 2 "$(kmem_children $C)"
check "every block of both ranges online" blocks_in_state $C online
check "every block of both ranges on node 2" blocks_on_node $C 2
t0=$(now_ms)
expect "write 'unplugged' to $C's state" ok "$(write_attr $DAX_DEVS/$C/state unplugged)"
info "time hot-remove $C (2 ranges): $(($(now_ms) - t0)) ms"
expect "/proc/iomem: no $C entries once unplugged" 0 "$(iomem_entries $C)"
daxctl reconfigure-device -m devdax -f $C >/tmp/out 2>&1
expect "$C back to devdax" 0 $?
expect "MemTotal back to baseline" $mt0 "$(memtotal_kb)"
destroy $C

# online_kernel, last: ZONE_NORMAL memory may take unmovable allocations.
# Unplugging it then either works or fails atomically with EBUSY, leaving
# the device online in its state; both are the documented contract.
daxctl reconfigure-device -N -m system-ram $B >/tmp/out 2>&1
expect "$B to system-ram, blocks offline" 0 $?
want_kb=$(aligned_kb $B)
expect "write 'unplugged' to $B's state" ok "$(write_attr $DAX_DEVS/$B/state unplugged)"
mt1=$(memtotal_kb)
expect "write 'online_kernel' from unplugged" ok "$(write_attr $DAX_DEVS/$B/state online_kernel)"
expect "state reads 'online_kernel'" online_kernel "$(cat $DAX_DEVS/$B/state)"
expect "online_kernel: MemTotal grows by the block-aligned size" $((mt1 + want_kb)) "$(memtotal_kb)"
check "online_kernel: every block online" blocks_in_state $B online
check "online_kernel: every block in ZONE_NORMAL" blocks_in_zone $B Normal
expect "write 'online_movable' while 'online_kernel' is refused with EBUSY" "$EBUSY" \
	"$(write_attr $DAX_DEVS/$B/state online_movable)"
mark kernel-unplug
r=$(write_attr $DAX_DEVS/$B/state unplugged)
if [ "$r" = ok ]; then
	expect "unplug from online_kernel: MemTotal back" $mt1 "$(memtotal_kb)"
	expect "unplug from online_kernel: state 'unplugged'" unplugged "$(cat $DAX_DEVS/$B/state)"
	daxctl reconfigure-device -m devdax -f $B >/dev/null 2>&1
	destroy $B
	check "/proc/iomem back to baseline once the devices are gone" same_iomem /tmp/iomem.0
else
	info "unplug from online_kernel refused ($r): unmovable pages, the device stays online"
	expect "refused unplug from online_kernel fails with EBUSY" "$EBUSY" "$r"
	expect "refused unplug: state still 'online_kernel'" online_kernel "$(cat $DAX_DEVS/$B/state)"
	expect "refused unplug: MemTotal unchanged (rolled back)" $((mt1 + want_kb)) "$(memtotal_kb)"
	check "refused unplug: kmem says 'hotremove failed, device left online: -16'" sh -c \
		"dmesg | sed -n '/kmem-e2e-mark kernel-unplug/,\$p' | grep -q 'kmem $B: hotremove failed, device left online: -16'"
fi

# Malformed requests through the bus.
expect "bind a device that does not exist fails with ENODEV" "$ENODEV" \
	"$(write_attr $KMEM_DRV/bind dax99.99)"
