#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Races, for a bounded time (10 s per round in ./kmem test, 60 s in ./kmem
# stress), with lockdep and hung-task detection on:
#  1. writers of state with different and with the same targets, readers
#     of state and /proc/iomem, and a process onlining and offlining the
#     device's memory blocks through memoryN/state;
#  2. unbind/rebind through sysfs against readers of state and /proc/iomem
#     and a writer of "unplugged" (nothing onlines here: memory that is
#     online at unbind stays until reboot, by design).
# Nothing may deadlock (the boot timeout), crash or splat (the host checks
# the console), and the device must go back to its baseline afterwards.
. /tests/lib.sh
DEV=dax0.0
ST=$DAX_DEVS/$DEV/state
T=$(scale 10 60)

need_devdax $DEV
mt0=$(memtotal_kb)
# new_id while device_dax holds the device: on an unbound device it would
# bind kmem there and then.
write_attr $KMEM_DRV/new_id $DEV >/dev/null
write_attr $DEVDAX_DRV/unbind $DEV >/dev/null
expect "bind $DEV to kmem" ok "$(write_attr $KMEM_DRV/bind $DEV)"
write_attr $ST unplugged >/dev/null
cp /proc/iomem /tmp/iomem.r0

# worker NAME CMD...: run CMD until the deadline; count runs and failures
# in /tmp/race.NAME.
worker() {
	local name=$1 n=0 f=0
	shift
	while [ "$(now_ms)" -lt "$deadline" ]; do
		"$@" >/dev/null 2>&1 || f=$((f + 1))
		n=$((n + 1))
	done
	echo "$n $f" >/tmp/race.$name
}
wr() { [ "$(write_attr "$1" "$2")" = ok ]; }
flip() { wr $ST "$1"; wr $ST unplugged; }
blocks() {
	local b
	for b in $(dev_blocks $DEV); do
		wr $SYS_MEM/$b/state "$1"
	done
}
reader() { cat $ST /proc/iomem $DAX_DEVS/$DEV/size; }
rebind() { wr $KMEM_DRV/unbind $DEV; wr $KMEM_DRV/bind $DEV; }

# round NAME WORKER...: run the workers ("name:cmd args") for T seconds.
round() {
	local name=$1 w pids="" t0
	shift
	rm -f /tmp/race.*
	t0=$(now_ms)
	deadline=$((t0 + T * 1000))
	for w in "$@"; do
		worker ${w%%:*} ${w#*:} &
		pids="$pids $!"
	done
	wait $pids
	info "races $name: $(($(now_ms) - t0)) ms:$(for w in "$@"; do w=${w%%:*}; echo " $w $(cat /tmp/race.$w 2>/dev/null | awk '{ printf "%d runs/%d failed", $1, $2 }')"; done | tr '\n' ',')"
	for w in "$@"; do
		w=${w%%:*}
		[ -s /tmp/race.$w ] || { fail "$name: worker $w did not finish"; return; }
	done
	pass "$name: $T s, every worker finished"
}

round "state writers, readers, memory blocks" \
	"online:flip online" "movable:flip online_movable" "movable2:flip online_movable" \
	"kernel_busy:wr $ST online_kernel" "state:reader" "blocks_on:blocks online_movable" \
	"blocks_off:blocks offline"
# Back to the baseline, from whatever the race left.
[ "$(driver_of $DEV)" = kmem ] || write_attr $KMEM_DRV/bind $DEV >/dev/null
expect "after the race: write unplugged" ok "$(write_attr $ST unplugged)"
expect "after the race: state reads unplugged" unplugged "$(cat $ST)"
check "after the race: $DEV consistent" consistent $DEV $mt0
expect "after the race: MemTotal at baseline" $mt0 "$(memtotal_kb)"
check "after the race: /proc/iomem at baseline" same_iomem /tmp/iomem.r0
expect "after the race: online_movable works" ok "$(write_attr $ST online_movable)"
expect "after the race: unplugged works" ok "$(write_attr $ST unplugged)"

round "unbind/rebind against readers and unplug" \
	"rebind:rebind" "state:reader" "unplug:wr $ST unplugged" "blocks_off:blocks offline"
[ "$(driver_of $DEV)" = kmem ] || write_attr $KMEM_DRV/bind $DEV >/dev/null
expect "after the rebind race: $DEV bound to kmem" kmem "$(driver_of $DEV)"
write_attr $ST unplugged >/dev/null
check "after the rebind race: $DEV consistent" consistent $DEV $mt0
expect "after the rebind race: MemTotal at baseline" $mt0 "$(memtotal_kb)"
check "after the rebind race: /proc/iomem at baseline" same_iomem /tmp/iomem.r0

write_attr $KMEM_DRV/unbind $DEV >/dev/null
write_attr $KMEM_DRV/remove_id $DEV >/dev/null
expect "$DEV back to device_dax" ok "$(write_attr $DEVDAX_DRV/bind $DEV)"
