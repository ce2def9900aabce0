#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Devices of awkward shapes, carved with daxctl out of the dynamic hmem
# region that the soft-reserved range (memmap=1G%4G-1+0xefffffff, node 2)
# creates: kmem's boot-time bind, a device smaller than one memory block,
# and a device made of two discontiguous ranges.
. /tests/lib.sh
EINVAL="Invalid argument"

H=
for d in $DAX_DEVS/dax*; do
	[ "$(cat $d/target_node 2>/dev/null)" = 2 ] && { H=$(basename $d); break; }
done
check "the soft-reserved range became a dax device on node 2" test -n "$H"
[ -n "$H" ] || exit 0
R=${H#dax}
R=${R%.*}
bs=$(block_bytes)

# hmem regions are IORESOURCE_DAX_KMEM: kmem binds at boot and, with
# auto_online_blocks=offline, adds the memory offline.
expect "$H was bound to kmem at boot" kmem "$(driver_of $H)"
expect "$H state is 'offline' after the boot-time bind" offline "$(cat $DAX_DEVS/$H/state)"
check "$H's blocks are present and offline" blocks_in_state $H offline
expect "$H has one 'System RAM (kmem)' child in /proc/iomem" 1 "$(kmem_children $H)"
daxctl reconfigure-device -m devdax -f $H >/tmp/out 2>&1
expect "$H to devdax" 0 $?
cp /proc/iomem /tmp/iomem.0
mt0=$(memtotal_kb)
daxctl disable-device $H >/dev/null 2>&1
daxctl destroy-device $H >/tmp/out 2>&1
expect "destroy $H to free region $R" 0 $?

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
	mark small
	expect "bind a sub-block device to kmem fails with EINVAL" "$EINVAL" "$(write_attr $KMEM_DRV/bind $S)"
	msgs=$(dmesg_since small)
	echo "$msgs" | sed 's/^/# dmesg: /'
	check "kmem logs 'mapping0: ... too small after alignment'" \
		sh -c "echo \"\$1\" | grep -q 'kmem $S: mapping0: 0x[0-9a-f]*-0x[0-9a-f]* too small after alignment'" - "$msgs"
	check "kmem logs 'rejecting DAX region without any memory after alignment'" \
		sh -c "echo \"\$1\" | grep -q 'kmem $S: rejecting DAX region without any memory after alignment'" - "$msgs"
	expect "nothing added: MemTotal unchanged" $mt0 "$(memtotal_kb)"
	check "nothing added: /proc/iomem unchanged" cmp -s /tmp/iomem.0 /proc/iomem
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
t0=$(now_ms)
daxctl reconfigure-device -m system-ram $C >/tmp/out 2>&1
rc=$?
info "time hot-add $C (2 ranges): $(($(now_ms) - t0)) ms"
expect "$C (2 ranges) to system-ram" 0 $rc
expect "MemTotal grows by both ranges" $((mt0 + want_kb)) "$(memtotal_kb)"
expect "node 2 MemTotal grows by both ranges" $((n2_0 + want_kb)) "$(node_memtotal_kb 2)"
expect "/proc/iomem: two $C entries" 2 "$(iomem_entries $C)"
expect "/proc/iomem: a 'System RAM (kmem)' child under each" 2 "$(kmem_children $C)"
check "every block of both ranges online" blocks_in_state $C online
check "every block of both ranges on node 2" blocks_on_node $C 2
t0=$(now_ms)
daxctl reconfigure-device -m devdax -f $C >/tmp/out 2>&1
rc=$?
info "time hot-remove $C (2 ranges): $(($(now_ms) - t0)) ms"
expect "$C back to devdax" 0 $rc
expect "MemTotal back to baseline" $mt0 "$(memtotal_kb)"
check "/proc/iomem back to baseline" cmp -s /tmp/iomem.0 /proc/iomem
destroy $B
destroy $C

# Malformed requests through the bus.
expect "bind a device that does not exist fails with ENODEV" "No such device" \
	"$(write_attr $KMEM_DRV/bind dax99.99)"
