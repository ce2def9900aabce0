#!/bin/sh
. /tests/lib.sh
DEV=dax0.0
DBG=/sys/kernel/debug
for f in failslab fail_page_alloc; do echo N >$DBG/$f/ignore-gfp-wait; echo 2 >$DBG/$f/verbose; done
echo N >$DBG/fail_page_alloc/ignore-gfp-highmem; echo 0 >$DBG/fail_page_alloc/min-order
need_devdax $DEV
write_attr $KMEM_DRV/new_id $DEV >/dev/null
write_attr $DEVDAX_DRV/unbind $DEV
n=1
while [ $n -lt 100 ]; do
	echo "kmem-repro n=$n" > /dev/kmsg
	r=$(kmemtool failnth $n $KMEM_DRV/bind $DEV)
	echo "# n=$n $r"
	case $r in *miss) break ;; esac
	if [ "$(driver_of $DEV)" != kmem ]; then
		r2=$(write_attr $KMEM_DRV/bind $DEV)
		echo "# retry $r2"
		if [ "$r2" != ok ]; then
			echo "FOUND n=$n"; ls /sys/devices/system/memory/ | tr '\n' ' '; echo; cat /proc/iomem; break
		fi
	fi
	write_attr $DAX_DEVS/$DEV/state unplugged; write_attr $KMEM_DRV/unbind $DEV
	n=$((n+1))
done
