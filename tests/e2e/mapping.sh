#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The mapping attribute of a dynamic dax device (daxctl writes it to build
# a device from given ranges) adds a range only while no driver is bound:
# a bound driver reads the ranges without the lock, so with one bound the
# write is refused with EBUSY, as resizing is ("dax/bus: refuse to add a
# mapping to a bound device").  Bound to device_dax, unbound, bound to
# kmem, on a device carved out of the hmem region (node 2).
. /tests/lib.sh

D=$(hmem_carve 256M)
check "carve a 256 MiB device out of the hmem region" test -n "$D"
[ -n "$D" ] || exit 0
bs=$(block_bytes)
# The block after the device's range is free: the region is 1 GiB.
end=$(dax_ranges $D | sed -n '1s/.* //p')
free=$((end + 1))
m=$(printf '%#x-%#x' "$free" $((free + bs - 1)))
mt0=$(memtotal_kb)

expect "$D is bound to device_dax" device_dax "$(driver_of $D)"
expect "a mapping write to $D bound to device_dax is refused with EBUSY" "$EBUSY" \
	"$(write_attr $DAX_DEVS/$D/mapping "$m")"
expect "... and $D keeps its one range" 1 "$(dax_ranges $D | wc -l)"

daxctl disable-device $D >/dev/null 2>&1
expect "a mapping write to $D unbound adds the range" ok "$(write_attr $DAX_DEVS/$D/mapping "$m")"
expect "... as $D's second range" "$free $((free + bs - 1))" "$(dax_ranges $D | sed -n 2p)"
daxctl reconfigure-device -s 256M $D >/tmp/out 2>&1
expect "shrink $D back to its one range" "0 1" "$? $(dax_ranges $D | wc -l)"

daxctl reconfigure-device -N -m system-ram $D >/tmp/out 2>&1
expect "$D to system-ram, blocks offline" 0 $?
expect "a mapping write to $D bound to kmem is refused with EBUSY" "$EBUSY" \
	"$(write_attr $DAX_DEVS/$D/mapping "$m")"
expect "... and $D keeps its one range" 1 "$(dax_ranges $D | wc -l)"

daxctl reconfigure-device -m devdax -f $D >/tmp/out 2>&1
expect "$D back to devdax" 0 $?
daxctl disable-device $D >/dev/null 2>&1
daxctl destroy-device $D >/dev/null 2>&1
expect "MemTotal back to baseline" $mt0 "$(memtotal_kb)"
check "/proc/iomem back to baseline once the device is gone" sh -c \
	"! grep -q ' : $D\$' /proc/iomem"
