#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Memory left behind at unbind is adopted by the next binding of the device.
# Unbinding kmem never offlines: memory that is online at unbind stays,
# with its reservation (kmem logs that it is "still online, left for the
# next binding").  A later bind of the same device takes it over, in the
# state it is in, without adding anything twice, and "unplugged" then
# removes it, back to the baseline.  Another device never takes it.  A device shrunk while
# unbound adopts what is left of its ranges, and its memory group goes on
# to the memory it no longer has.  (module: the same across rmmod and
# modprobe; pinned: while a process pins the memory.)
. /tests/lib.sh
DEV=dax0.0
ST=$DAX_DEVS/$DEV/state

need_devdax $DEV
# A second device, for the check that it never takes dax0.0's memory; made
# first, as carving it reconfigures the hmem region's seed device.
D2=$(hmem_carve 256M)
check "carve a second device out of the hmem region" test -n "$D2"
mt0=$(memtotal_kb)
cp /proc/iomem /tmp/iomem.a0
tier0=$(tier_of 1)

daxctl reconfigure-device -m system-ram $DEV >/tmp/out 2>&1
expect "daxctl reconfigure-device -m system-ram $DEV" 0 $?
check "every block of $DEV online" blocks_in_state $DEV online
mt1=$(memtotal_kb)
tier1=$(tier_of 1)

# stick: unbind DEV from kmem while its memory is online; it stays.
stick() {
	mark "stick-$1"
	expect "$1: unbind $DEV while its memory is online" ok "$(write_attr $KMEM_DRV/unbind $DEV)"
	msgs=$(dmesg_since "stick-$1")
	check "$1: kmem logs 'Hotplug regions still online, left for the next binding'" \
		grep -q "^kmem $DEV: Hotplug regions still online, left for the next binding" <<EOF
$msgs
EOF
	expect "$1: $DEV has no driver" "" "$(driver_of $DEV)"
	# So that no later new_id write binds it behind the test's back.
	write_attr $KMEM_DRV/remove_id $DEV >/dev/null
	expect "$1: its reservation stays" 1 "$(iomem_entries $DEV)"
	expect "$1: with its System RAM" 1 "$(kmem_children $DEV)"
}

# adopted WHAT STATE MT: bind DEV to kmem (new_id binds it) and check that
# it took over the memory left behind, in STATE, adding nothing.
adopted() {
	mark "adopt-$1"
	write_attr $KMEM_DRV/new_id $DEV >/dev/null
	[ "$(driver_of $DEV)" = kmem ] || write_attr $KMEM_DRV/bind $DEV >/dev/null
	expect "$1: $DEV is bound to kmem again" kmem "$(driver_of $DEV)"
	adopt_logged "$1: " $DEV "adopt-$1"
	expect "$1: state shows the memory as it is" "$2" "$(cat $ST)"
	expect "$1: nothing added twice: one reservation" 1 "$(iomem_entries $DEV)"
	expect "$1: with one System RAM" 1 "$(kmem_children $DEV)"
	expect "$1: MemTotal unchanged" "$3" "$(memtotal_kb)"
	check "$1: $DEV consistent" consistent $DEV $mt0
}

# Online: the same module instance takes it over again.
stick online
expect "online: MemTotal keeps the memory" $mt1 "$(memtotal_kb)"

# Another device binds as usual and leaves the memory alone.
if [ -n "$D2" ]; then
	daxctl reconfigure-device -m system-ram $D2 >/tmp/out 2>&1
	expect "another device, $D2, to system-ram" 0 $?
	expect "$D2 has its own reservation" 1 "$(iomem_entries $D2)"
	expect "$DEV's memory is still unowned" "" "$(driver_of $DEV)"
	expect "$DEV's reservation is still there" 1 "$(iomem_entries $DEV)"
	daxctl reconfigure-device -m devdax -f $D2 >/tmp/out 2>&1
	expect "$D2 back to devdax" 0 $?
	expect "$DEV's reservation survives the other device" 1 "$(iomem_entries $DEV)"
fi

adopted online online_movable $mt1
expect "online: the memory tier is kept" "$tier1" "$(tier_of 1)"
expect "online: unplug the adopted memory" ok "$(write_attr $ST unplugged)"
expect "online: MemTotal back to baseline" $mt0 "$(memtotal_kb)"
expect "online: no reservation left" 0 "$(iomem_entries $DEV)"
expect "online: node 1 back in no memory tier" "$tier0" "$(tier_of 1)"

# Offline: blocks offlined through sysfs after the unbind; the memory is
# still added, and adopted offline.
expect "write online_movable again" ok "$(write_attr $ST online_movable)"
stick offline
ok=0 n=0
for b in $(dev_blocks $DEV); do
	n=$((n + 1))
	[ "$(write_attr $SYS_MEM/$b/state offline)" = ok ] && ok=$((ok + 1))
done
expect "offline: every block offlines through memoryN/state" $n $ok
expect "offline: MemTotal without the memory" $mt0 "$(memtotal_kb)"
# kmem counted itself out of the node's memory type at unbind; the node's
# tier kept the type while the memory was online, and lets it go now.
expect "offline: node 1 leaves its memory tier with its memory" "$tier0" "$(tier_of 1)"
adopted offline offline $mt0
expect "offline: unplug the adopted memory" ok "$(write_attr $ST unplugged)"
expect "offline: no reservation left" 0 "$(iomem_entries $DEV)"

# And the device works as before: online, unplug, back to devdax.
expect "online_movable after adoption" ok "$(write_attr $ST online_movable)"
expect "MemTotal with the memory" $mt1 "$(memtotal_kb)"
daxctl reconfigure-device -m devdax -f $DEV >/tmp/out 2>&1
expect "daxctl reconfigure-device -m devdax $DEV" 0 $?
write_attr $KMEM_DRV/remove_id $DEV >/dev/null
expect "MemTotal at baseline" $mt0 "$(memtotal_kb)"
check "/proc/iomem at baseline" same_iomem /tmp/iomem.a0
expect "node 1's memory tier as at the start" "$tier0" "$(tier_of 1)"
# Shrunk while unbound: a device of two ranges leaves both behind and
# loses its second range; the next binding adopts the first.  Its memory
# group still holds the second range's memory, so at unbind, after the
# first range is unplugged, the group is abandoned again, and adopted
# with that memory when the device grows back over it.
if [ -n "$D2" ]; then
	bs=$(block_bytes)
	bmib=$((bs >> 20))
	ms0=$(memtotal_kb)
	X=$(hmem_carve ${bmib}M)
	Y=$(hmem_carve ${bmib}M)
	Z=$(hmem_carve ${bmib}M)
	for d in $X $Z; do
		daxctl disable-device $d >/dev/null 2>&1
		daxctl destroy-device $d >/dev/null 2>&1
	done
	M=$(hmem_carve $((2 * bmib))M)
	expect "shrunk: a device of two discontiguous ranges" 2 "$(dax_ranges "$M" | wc -l)"
	r1=$(dax_ranges "$M" | sed -n 2p)
	MST=$DAX_DEVS/$M/state
	# daxctl onlines [resource, resource + size) only (see shapes.sh):
	# online both ranges with the state attribute.
	daxctl reconfigure-device -N -m system-ram $M >/tmp/out 2>&1
	expect "shrunk: $M to system-ram, blocks offline" 0 $?
	expect "shrunk: write 'unplugged' to $M's state" ok "$(write_attr $MST unplugged)"
	expect "shrunk: write 'online_movable' to $M's state" ok "$(write_attr $MST online_movable)"
	check "shrunk: every block of $M online" blocks_in_state $M online
	expect "shrunk: unbind $M while its memory is online" ok "$(write_attr $KMEM_DRV/unbind $M)"
	write_attr $KMEM_DRV/remove_id $M >/dev/null
	expect "shrunk: both ranges are left behind" 2 "$(kmem_children $M)"
	expect "shrunk: $M shrinks to one range while unbound" ok "$(write_attr $DAX_DEVS/$M/size $bs)"
	expect "shrunk: $M has one range" 1 "$(dax_ranges "$M" | wc -l)"
	expect "shrunk: the second range's memory stays" 2 "$(kmem_children $M)"

	mark shrunk-adopt
	write_attr $KMEM_DRV/new_id $M >/dev/null
	[ "$(driver_of $M)" = kmem ] || write_attr $KMEM_DRV/bind $M >/dev/null
	expect "shrunk: $M is bound to kmem again" kmem "$(driver_of $M)"
	adopt_logged "shrunk: " $M shrunk-adopt 0
	expect "shrunk: state shows the first range online" online_movable "$(cat $MST)"
	expect "shrunk: unplug the first range" ok "$(write_attr $MST unplugged)"
	expect "shrunk: MemTotal keeps the second range's memory" $((ms0 + bs / 1024)) "$(memtotal_kb)"
	expect "shrunk: the second range's reservation stays" 1 "$(kmem_children $M)"
	mark shrunk-unbind
	expect "shrunk: unbind $M" ok "$(write_attr $KMEM_DRV/unbind $M)"
	write_attr $KMEM_DRV/remove_id $M >/dev/null
	msgs=$(dmesg_since shrunk-unbind)
	echo "$msgs" | grep '^kmem ' | sed 's/^/# dmesg: /'
	check "shrunk: kmem logs 'memory group N still has memory, abandoned'" \
		grep -q "^kmem $M: memory group [0-9]* still has memory, abandoned\$" <<EOF
$msgs
EOF

	expect "shrunk: $M grows back while unbound" ok "$(write_attr $DAX_DEVS/$M/size $((2 * bs)))"
	expect "shrunk: its second range is where it was" "$r1" "$(dax_ranges "$M" | sed -n 2p)"
	mark shrunk-grown
	write_attr $KMEM_DRV/new_id $M >/dev/null
	[ "$(driver_of $M)" = kmem ] || write_attr $KMEM_DRV/bind $M >/dev/null
	expect "shrunk: $M is bound to kmem with two ranges" kmem "$(driver_of $M)"
	adopt_logged "shrunk: " $M shrunk-grown 1
	check "shrunk: kmem logs 'mapping0: ... not left behind, added after unplugged'" \
		grep -q "^kmem $M: mapping0: 0x[0-9a-f]*-0x[0-9a-f]* not left behind, added after unplugged" <<EOF
$(dmesg_since shrunk-grown)
EOF
	expect "shrunk: state shows the second range online" online_movable "$(cat $MST)"
	expect "shrunk: unplug the second range" ok "$(write_attr $MST unplugged)"
	expect "shrunk: MemTotal back to baseline" $ms0 "$(memtotal_kb)"
	expect "shrunk: no reservation left" 0 "$(iomem_entries $M)"
	expect "shrunk: both ranges online again" ok "$(write_attr $MST online_movable)"
	expect "shrunk: MemTotal with both ranges" $((ms0 + 2 * bs / 1024)) "$(memtotal_kb)"
	check "shrunk: $M consistent" consistent $M $ms0
	expect "shrunk: unplug both ranges" ok "$(write_attr $MST unplugged)"
	daxctl reconfigure-device -m devdax -f $M >/tmp/out 2>&1
	expect "shrunk: daxctl reconfigure-device -m devdax $M" 0 $?
	write_attr $KMEM_DRV/remove_id $M >/dev/null
	expect "shrunk: MemTotal at baseline" $ms0 "$(memtotal_kb)"
	for d in $M $Y; do
		daxctl disable-device $d >/dev/null 2>&1
		daxctl destroy-device $d >/dev/null 2>&1
	done
	check "shrunk: /proc/iomem at baseline" same_iomem /tmp/iomem.a0
fi

if [ -n "$D2" ]; then
	daxctl disable-device $D2 >/dev/null 2>&1
	daxctl destroy-device $D2 >/dev/null 2>&1
fi
