#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# virtio-mem, the second user of reserve_driver_managed_region(): qemu's
# virtio-mem-pci device (512 MiB on node 2, requested-size=256M, see
# scripts/boot.sh) is plugged at boot by the converted driver.  Its device
# region must be a "virtioN" container with "System RAM (virtio_mem)"
# children covering the requested size, as the unconverted driver lays it
# out, and the plugged memory must go online.  Runs first: it waits for the
# driver to finish plugging, so that the other suites see a stable tree.
. /tests/lib.sh
WANT=$((256 << 20))
REGION=$((512 << 20))

# container: "start end name" of the virtio-mem device region.
container() {
	awk '/^[0-9a-f]+-[0-9a-f]+ : virtio[0-9]+$/ {
		split($1, r, "-"); print r[1], r[2], $3; exit }' /proc/iomem
}
# plugged START END: bytes of "System RAM (virtio_mem)" directly under it.
plugged() {
	local sum=0 r
	for r in $(sed -n 's/^  \([0-9a-f]*\)-\([0-9a-f]*\) : System RAM (virtio_mem)$/\1:\2/p' /proc/iomem); do
		[ $((0x${r%:*})) -ge $((0x$1)) ] && [ $((0x${r#*:})) -le $((0x$2)) ] &&
			sum=$((sum + 0x${r#*:} - 0x${r%:*} + 1))
	done
	echo $sum
}

check "virtio-mem device bound to virtio_mem" sh -c 'ls -d /sys/bus/virtio/drivers/virtio_mem/virtio* >/dev/null 2>&1'
set -- $(container)
start=$1 end=$2 name=$3
check "/proc/iomem has a top-level virtioN container for the device" test -n "$name"
[ -n "$name" ] || exit 0
expect "the container spans the device's 512 MiB" $REGION $((0x$end - 0x$start + 1))
# The driver plugs in the background after probe: wait for it.
i=0
while [ "$(plugged $start $end)" -lt $WANT ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
expect "'System RAM (virtio_mem)' children cover the requested 256 MiB" $WANT "$(plugged $start $end)"
other=$(awk -v s="$start" '
	$0 ~ "^" s "-" { inside = 1; next }
	inside && /^  / { if ($0 !~ / : System RAM \(virtio_mem\)$/) print; next }
	{ inside = 0 }' /proc/iomem)
expect "nothing else below the container" "" "$other"
grep -A8 " : $name\$" /proc/iomem | sed 's/^/# iomem: /'

# set_blocks FROM TO: move the device's memory blocks in state FROM to TO.
set_blocks() {
	local bs b f n=0
	bs=$(block_bytes)
	b=$((0x$start / bs))
	while [ $b -le $((0x$end / bs)) ]; do
		f=$SYS_MEM/memory$b/state
		if [ -e $f ] && [ "$(cat $f)" = "$1" ]; then
			echo "$2" >$f && n=$((n + 1))
		fi
		b=$((b + 1))
	done
	echo $n
}

# Online what was plugged (auto_online_blocks is offline here), and offline
# it again: the shapes suite's daxctl (v76) offlines blocks past the end of
# a two-range device, which are these.
mt0=$(memtotal_kb)
info "onlined $(set_blocks offline online_movable) memory block(s) of $name"
expect "MemTotal grows by the plugged 256 MiB once online" $((mt0 + (WANT >> 10))) "$(memtotal_kb)"
info "offlined $(set_blocks online offline) memory block(s) of $name"
expect "MemTotal back to baseline once offline" $mt0 "$(memtotal_kb)"
