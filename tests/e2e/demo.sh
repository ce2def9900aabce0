#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The demo: the seed's recipe, showing MemTotal and /proc/iomem before and
# after dax0.0 becomes System RAM, and after it is given back.
. /tests/lib.sh
show() {
	echo "---- $1"
	grep -E '^(MemTotal|MemFree):' /proc/meminfo
	for n in /sys/devices/system/node/node*; do
		echo "$(basename $n): $(awk '/MemTotal/ { print $4, $5 }' $n/meminfo)"
	done
	echo "/proc/iomem (2G..3G):"
	awk '{ split($1, r, "-") } r[1] ~ /^0*8/ || r[1] ~ /^0*9/' /proc/iomem
}
need_devdax dax0.0
show "before: dax0.0 in devdax mode"
echo "\$ daxctl reconfigure-device --mode=system-ram dax0.0"
t0=$(now_ms)
daxctl reconfigure-device --mode=system-ram dax0.0
echo "(took $(($(now_ms) - t0)) ms)"
show "after: dax0.0 is System RAM on node 1"
# Which kmem: the C driver is drivers/dax/kmem.ko (or kmem.o built in), the
# Rust one drivers/dax/kmem/kmem.ko (or kmem/kmem.o).
drv=$(basename "$(readlink /sys/bus/dax/devices/dax0.0/driver)")
m=/lib/modules/$(uname -r)
mod=$(sed -n 's|^\(.*/kmem\.ko\):.*|\1|p' $m/modules.dep 2>/dev/null | head -n 1)
[ -n "$mod" ] || mod=$(grep -m1 '/kmem\.ko$' $m/modules.builtin 2>/dev/null)
case $mod in
*/dax/kmem/kmem.ko) lang=Rust ;;
*/dax/kmem.ko) lang=C ;;
*) lang=unknown ;;
esac
echo "dax0.0 is bound to driver '$drv': $mod, the $lang driver"
echo "memory tiers:"
for t in /sys/devices/virtual/memory_tiering/memory_tier*; do echo "  $(basename $t): nodes $(cat $t/nodelist)"; done
echo "\$ daxctl reconfigure-device --mode=devdax -f dax0.0"
t0=$(now_ms)
daxctl reconfigure-device --mode=devdax -f dax0.0
echo "(took $(($(now_ms) - t0)) ms)"
show "after giving it back"
