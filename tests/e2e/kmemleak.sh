#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# After the other tests: kmemleak finds no unreferenced objects allocated by
# the dax, nvdimm, memory hotplug or resource code.
. /tests/lib.sh
KL=/sys/kernel/debug/kmemleak

if [ ! -w $KL ]; then
	skip "kmemleak scan" "no $KL (CONFIG_DEBUG_KMEMLEAK off?)"
	exit 0
fi
# An object is reported once it has been unreferenced for 5 s.
sleep 6
echo scan >$KL
echo scan >$KL
cat $KL >/tmp/leaks
sed 's/^/# kmemleak: /' /tmp/leaks | head -n 200
n=$(grep -c 'unreferenced object' /tmp/leaks)
# Backtrace frames read "    func+0x1c/0x2e [module]" (older kernels put
# the address first: "    [<ffffffff81234567>] func+0x1c/0x2e").
ours=$(grep -E '^ +(\[<[0-9a-f]+>\] )?[A-Za-z_][A-Za-z0-9_.]*\+0x[0-9a-f]+/0x[0-9a-f]+' /tmp/leaks |
	grep -cE 'dax|kmem|nd_|nvdimm|memory_|add_memory|resource|mhp_|memory_group|memtier|mt_' || true)
info "$n unreferenced object(s) in all, $ours backtrace frame(s) from dax/kmem/nvdimm/hotplug/resource code"
expect "kmemleak: no leak with a dax, kmem, nvdimm, hotplug or resource frame" 0 "$ours"
