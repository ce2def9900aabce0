#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# kmem as a module: rmmod and modprobe, daxctl loading it on demand, and
# rmmod while memory is stuck online, after which /proc/iomem still names
# that memory (its names must not live in the unloaded module), and
# modprobe takes the memory over again (adopts it) so that it unplugs.
. /tests/lib.sh

if ! grep -q '^kmem ' /proc/modules; then
	skip "kmem is a module" "kmem is built in"
	exit 0
fi
pass "kmem is a loaded module"

H=$(hmem_device)
check "the hmem region's seed device exists" test -n "$H"
[ -n "$H" ] || exit 0
R=$(region_of "$H")

# Plain unload and load, three times, with no memory added by kmem.
i=0
while [ $i -lt 3 ]; do
	rmmod kmem && ! grep -q '^kmem ' /proc/modules && modprobe kmem &&
		grep -q '^kmem ' /proc/modules || break
	i=$((i + 1))
done
expect "rmmod kmem; modprobe kmem, 3 times" 3 $i
check "the kmem driver is registered again" test -d $KMEM_DRV

# daxctl loads kmem by name when it is not loaded.
need_devdax dax0.0
mt0=$(memtotal_kb)
cp /proc/iomem /tmp/iomem.m0
check "rmmod kmem with no device bound" rmmod kmem
daxctl reconfigure-device -m system-ram dax0.0 >/tmp/out 2>&1
expect "daxctl reconfigure-device -m system-ram dax0.0 without kmem loaded" 0 $?
check "daxctl loaded kmem" grep -q '^kmem ' /proc/modules
expect "dax0.0 is bound to kmem" kmem "$(driver_of dax0.0)"
expect "MemTotal grew by dax0.0's aligned size" $((mt0 + $(aligned_kb dax0.0))) "$(memtotal_kb)"
daxctl reconfigure-device -m devdax -f dax0.0 >/tmp/out 2>&1
expect "dax0.0 back to devdax" 0 $?
expect "MemTotal back to baseline" $mt0 "$(memtotal_kb)"
check "/proc/iomem back to baseline" same_iomem /tmp/iomem.m0

# rmmod while memory is stuck online: exit() unbinds, the memory cannot be
# removed without offlining and stays, named, until reboot.
M=$(daxctl create-device -r "$R" -s 256M 2>/tmp/create.err |
	sed -n 's/.*"chardev":"\(dax[0-9.]*\)".*/\1/p')
check "create a 256 MiB device in region $R" test -n "$M"
[ -n "$M" ] || exit 0
daxctl reconfigure-device -m system-ram $M >/tmp/out 2>&1
expect "$M to system-ram (online)" 0 $?
check "$M's blocks are online" blocks_in_state $M online
mt1=$(memtotal_kb)
mark stuck
check "rmmod kmem while $M's memory is online succeeds" rmmod kmem
msgs=$(dmesg_since stuck)
echo "$msgs" | sed 's/^/# dmesg: /'
check "kmem is unloaded" sh -c "! grep -q '^kmem ' /proc/modules"
check "kmem logs 'mapping0: ... still online, left for the next binding'" \
	sh -c "echo \"\$1\" | grep -q 'kmem $M: mapping0: 0x[0-9a-f]*-0x[0-9a-f]* still online, left for the next binding'" - "$msgs"
check "kmem logs 'Hotplug regions still online, left for the next binding'" \
	sh -c "echo \"\$1\" | grep -q 'kmem $M: Hotplug regions still online, left for the next binding'" - "$msgs"
# Reading the names of the stuck resources after the module is gone.
expect "/proc/iomem after rmmod: $M is still reserved" 1 "$(iomem_entries $M)"
expect "/proc/iomem after rmmod: with a 'System RAM (kmem)' child" 1 "$(kmem_children $M)"
grep -B1 -A1 " : $M\$" /proc/iomem | sed 's/^/# iomem: /'
expect "MemTotal keeps the stuck memory" $mt1 "$(memtotal_kb)"
check "$M's blocks are still online" blocks_in_state $M online

# The module comes back and takes the stuck memory over: loading kmem binds
# the device (of the hmem region: a kmem-type device) and adopts it.
mark adopt
check "modprobe kmem after the stuck rmmod" modprobe kmem
[ "$(driver_of $M)" = kmem ] || write_attr $KMEM_DRV/bind $M >/dev/null
expect "$M is bound to kmem again" kmem "$(driver_of $M)"
adopt_logged "" $M adopt
expect "state shows the adopted memory online" online_movable "$(cat $DAX_DEVS/$M/state)"
expect "nothing added twice: one reservation" 1 "$(iomem_entries $M)"
expect "with one System RAM" 1 "$(kmem_children $M)"
expect "MemTotal unchanged by the adoption" $mt1 "$(memtotal_kb)"
# daxctl offlines the adopted memory and unbinds: kmem removes it.
daxctl reconfigure-device -m devdax -f $M >/tmp/out 2>&1
expect "daxctl reconfigure-device -m devdax $M with adopted memory" 0 $?
expect "$M is bound to device_dax" device_dax "$(driver_of $M)"
expect "MemTotal back to baseline" $mt0 "$(memtotal_kb)"
daxctl disable-device $M >/dev/null 2>&1
daxctl destroy-device $M >/dev/null 2>&1
check "/proc/iomem back to baseline after the adoption" same_iomem /tmp/iomem.m0
