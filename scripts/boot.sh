#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# boot.sh VARIANT TESTS LOG: boot the VARIANT kernel under qemu, run the
# comma-separated guest TESTS (tests/e2e/NAME.sh; "shell" for a prompt) and
# write the serial console to LOG.  Exits non-zero, saying why, if qemu
# fails or the guest does not finish within $KMEM_BOOT_TIMEOUT seconds.
#
# Machine: TCG (KVM is broken on the machines this was made on; set
# KMEM_ACCEL=kvm to try it), 2 vCPUs, 4 GiB in three NUMA nodes:
#   node 0: 0-2G, both CPUs           (DRAM)
#   node 1: 2G-2.5G, no CPUs          (memmap=512M!2G: the emulated pmem)
#   node 2: 2.5G-3G and 4G-5G         (DRAM; 4G-5G is made soft-reserved,
#                                      memmap=1G%4G-1+0xefffffff, which
#                                      becomes a dynamic hmem dax region)
# and a virtio-mem device of 512 MiB on node 2, in the device memory area
# above 5G, of which the guest is asked to plug 256 MiB.
#
# KMEM_MACHINE=bench (./kmem bench) is sized for a measurement instead:
# 2 vCPUs, node 0 of 2 GiB DRAM below 4G (max-ram-below-4g), node 1 of
# KMEM_BENCH_MIB at 4G made pmem (memmap=...!4G), node 2 of 2 GiB above it
# made soft-reserved (the hmem region the multi-range devices come from),
# no virtio-mem.  Untouched guest memory costs the host nothing.
#
# KMEM_HMAT=1 adds ACPI HMAT performance data (CPUs on node 0 are every
# node's initiator): nodes 0 and 2 are DRAM (10 ns, 10 GB/s), node 1 is
# slower (20 ns, 5 GB/s), so the memory tiers follow from HMAT.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=${1:?usage: boot.sh VARIANT TESTS LOG} tests=${2:?} log=${3:?}
out=$KMEM_OUT/build-$variant
kernel=$out/arch/x86/boot/bzImage
initrd=$KMEM_OUT/initramfs-$variant.cpio
[ -f "$kernel" ] || die "no kernel at $kernel: run ./kmem build $variant"
[ -f "$initrd" ] || die "no initramfs at $initrd: run ./kmem e2e $variant (it packs one)"

KMEM_MEMMAP=${KMEM_MEMMAP:-"memmap=512M!2G memmap=1G%4G-1+0xefffffff"}
# auto-movable: "online" picks ZONE_MOVABLE while the system-wide (not
# per-node: node 1 has no kernel memory) movable:kernel ratio allows, so
# that memory onlined the seed's way can be offlined again.
append="console=ttyS0 $KMEM_MEMMAP memory_hotplug.online_policy=auto-movable memory_hotplug.auto_movable_numa_aware=0 kmemrs.tests=$tests panic=-1 oops=panic loglevel=6 ${KMEM_APPEND:-}"
machine=pc numa1=() numa2=() hmat=()
if [ "${KMEM_HMAT:-0}" = 1 ]; then
	machine=pc,hmat=on numa1=(,initiator=0) numa2=(,initiator=0)
	for t in 0 1 2; do
		lat=10 bw=10G
		[ $t = 1 ] && lat=20 bw=5G
		hmat+=(-numa "hmat-lb,initiator=0,target=$t,hierarchy=memory,data-type=access-latency,latency=$lat"
			-numa "hmat-lb,initiator=0,target=$t,hierarchy=memory,data-type=access-bandwidth,bandwidth=$bw")
	done
fi
if [ "${KMEM_MACHINE:-e2e}" = bench ]; then
	n1=${KMEM_BENCH_MIB:?KMEM_MACHINE=bench needs KMEM_BENCH_MIB}
	append=${append/"$KMEM_MEMMAP"/"memmap=${n1}M!4G memmap=2G%$((4096 + n1))M-1+0xefffffff"}
	qemu=(qemu-system-x86_64 -machine "$machine,max-ram-below-4g=2G" -accel "${KMEM_ACCEL:-tcg}" -cpu max -smp 2
		-m $((4096 + n1))M
		-object memory-backend-ram,id=m0,size=2G
		-object memory-backend-ram,id=m1,size=${n1}M
		-object memory-backend-ram,id=m2,size=2G
		-numa node,nodeid=0,cpus=0-1,memdev=m0
		-numa "node,nodeid=1,memdev=m1${numa1[*]}"
		-numa "node,nodeid=2,memdev=m2${numa2[*]}"
		"${hmat[@]}")
else
	qemu=(qemu-system-x86_64 -machine "$machine" -accel "${KMEM_ACCEL:-tcg}" -cpu max -smp 2 -m 4G,maxmem=5G
		-object memory-backend-ram,id=m0,size=2G
		-object memory-backend-ram,id=m1,size=512M
		-object memory-backend-ram,id=m2,size=1536M
		-numa node,nodeid=0,cpus=0-1,memdev=m0
		-numa "node,nodeid=1,memdev=m1${numa1[*]}"
		-numa "node,nodeid=2,memdev=m2${numa2[*]}"
		"${hmat[@]}"
		-object memory-backend-ram,id=vmem0,size=512M
		-device virtio-mem-pci,id=vm0,memdev=vmem0,node=2,requested-size=256M)
fi
qemu+=(-kernel "$kernel" -initrd "$initrd" -append "$append" -display none -no-reboot)

if [ "$tests" = shell ]; then
	exec "${qemu[@]}" -serial mon:stdio
fi

rc=0
timeout --foreground -k 10 "$KMEM_BOOT_TIMEOUT" "${qemu[@]}" -serial "file:$log" </dev/null >"$log.qemu" 2>&1 || rc=$?
if [ $rc = 124 ] || [ $rc = 137 ]; then
	die "boot[$variant]: guest did not finish within ${KMEM_BOOT_TIMEOUT}s (KMEM_BOOT_TIMEOUT); last lines of $log:
$(tail -n 15 "$log" 2>/dev/null)"
elif [ $rc != 0 ]; then
	die "boot[$variant]: qemu failed (exit $rc): $(cat "$log.qemu")"
fi
grep -q '^KMEM-GUEST-END' "$log" ||
	die "boot[$variant]: guest stopped before its tests finished (crash or panic?); last lines of $log:
$(tail -n 25 "$log")"
