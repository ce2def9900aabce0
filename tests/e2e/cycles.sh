#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Repeated cycles (10 in ./kmem test, 100 in ./kmem stress) of bind/unbind,
# unplugged <-> online_movable through state, daxctl system-ram <-> devdax
# and, with kmem as a module, rmmod/modprobe.  After every cycle MemTotal,
# node 1's memory and /proc/iomem are at their baseline.
. /tests/lib.sh
DEV=dax0.0
ST=$DAX_DEVS/$DEV/state
N=$(scale 10 100)

need_devdax $DEV
want_kb=$(aligned_kb $DEV)
mt0=$(memtotal_kb)
n1=$(node_memtotal_kb 1)
cp /proc/iomem /tmp/iomem.devdax

# at_baseline IOMEM: MemTotal, node 1 and /proc/iomem as at the start.
at_baseline() {
	[ "$(memtotal_kb)" = $mt0 ] && [ "$(node_memtotal_kb 1)" = $n1 ] && cmp -s "$1" /proc/iomem
}
# cycles NAME IOMEM STEP...: run the steps N times; after each round the
# system must be at its baseline with /proc/iomem as in IOMEM.
cycles() {
	local name=$1 iomem=$2 i=0 t0 why="" s
	shift 2
	t0=$(now_ms)
	while [ $i -lt $N ]; do
		for s in "$@"; do
			if ! eval "$s"; then
				why="cycle $((i + 1)): '$s' failed: $(dev_summary $DEV)"
				break 2
			fi
		done
		if ! at_baseline "$iomem"; then
			why="cycle $((i + 1)): not at baseline: MemTotal $(memtotal_kb) (want $mt0), node 1 $(node_memtotal_kb 1) kB (want $n1)"
			same_iomem "$iomem"
			break
		fi
		i=$((i + 1))
	done
	info "cycles $name: $i in $(($(now_ms) - t0)) ms"
	if [ -z "$why" ]; then
		pass "$N cycles of $name: MemTotal, node 1 and /proc/iomem at baseline after each"
	else
		fail "$N cycles of $name: $why"
	fi
}
ok() { [ "$("$@")" = ok ]; }
online() {
	ok write_attr $ST online_movable && [ "$(memtotal_kb)" = $((mt0 + want_kb)) ] &&
		blocks_in_state $DEV online
}

# kmem bound, unplugged: the baseline of the bind and state cycles.
# new_id while device_dax holds the device: on an unbound device it would
# bind kmem there and then.
write_attr $KMEM_DRV/new_id $DEV >/dev/null
write_attr $DEVDAX_DRV/unbind $DEV >/dev/null
cp /proc/iomem /tmp/iomem.unbound
cycles "bind/unbind (memory added offline, removed at unbind)" /tmp/iomem.unbound \
	"ok write_attr $KMEM_DRV/bind $DEV" "[ \"\$(cat $ST)\" = offline ]" \
	"ok write_attr $KMEM_DRV/unbind $DEV"

write_attr $KMEM_DRV/bind $DEV >/dev/null
write_attr $ST unplugged >/dev/null
cp /proc/iomem /tmp/iomem.unplugged
cycles "state unplugged -> online_movable -> unplugged" /tmp/iomem.unplugged \
	online "ok write_attr $ST unplugged"

write_attr $KMEM_DRV/unbind $DEV >/dev/null
write_attr $KMEM_DRV/remove_id $DEV >/dev/null
write_attr $DEVDAX_DRV/bind $DEV >/dev/null
cycles "daxctl reconfigure-device system-ram -> devdax" /tmp/iomem.devdax \
	"daxctl reconfigure-device -m system-ram $DEV >/tmp/out 2>&1" "blocks_in_state $DEV online" \
	"daxctl reconfigure-device -m devdax -f $DEV >/tmp/out 2>&1"

if grep -q '^kmem ' /proc/modules; then
	# The hmem device, if an earlier suite left it to kmem, is bound
	# again (and its memory added offline) at every modprobe.
	cp /proc/iomem /tmp/iomem.mod
	cycles "rmmod kmem -> modprobe kmem" /tmp/iomem.mod \
		"rmmod kmem" "modprobe kmem" "[ -d $KMEM_DRV ]"
else
	skip "$N cycles of rmmod kmem -> modprobe kmem" "kmem is built in"
fi
expect "$DEV bound to device_dax at the end" device_dax "$(driver_of $DEV)"
