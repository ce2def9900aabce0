#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Fault injection at every allocation, the systematic way: for n = 1, 2, ...
# fail the n-th fault-injection point (slab and page allocations) of one
# operation through /proc/thread-self/fail-nth until the operation passes
# fewer than n points.  After each injected failure the device must be
# consistent (driver, state, memory blocks, /proc/iomem and MemTotal
# agree), the same operation without a fault must succeed, and at the end
# /proc/iomem and MemTotal are back at their baseline.  The number of
# points per operation is reported ("# faults: points ..."); the errors
# the operations returned are compared across drivers.  ./kmem test fails
# every 7th point only (1, 8, 15, ...), ./kmem stress every one.
. /tests/lib.sh
DEV=dax0.0
ST=$DAX_DEVS/$DEV/state
DBG=/sys/kernel/debug
# An operation has a few hundred points at most; stop a runaway sweep.
MAX=2000
# ./kmem test fails every 7th point (n = 1, 8, 15, ...), ./kmem stress
# every point.
STRIDE=$(scale 7 1)

if [ ! -e /proc/thread-self/fail-nth ] || [ ! -d $DBG/failslab ] || [ ! -d $DBG/fail_page_alloc ]; then
	fail "fault injection (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS) is available"
	exit 0
fi
# Fail sleeping and highmem allocations and single pages too; stay quiet
# (every injected failure would print a stack trace).
for f in failslab fail_page_alloc; do
	echo N >$DBG/$f/ignore-gfp-wait
	echo 0 >$DBG/$f/verbose
done
echo N >$DBG/fail_page_alloc/ignore-gfp-highmem
echo 0 >$DBG/fail_page_alloc/min-order

need_devdax $DEV
# dax0.0 is a device_dax-type device: kmem binds it once told its name.
write_attr $KMEM_DRV/new_id $DEV >/dev/null
mt0=$(memtotal_kb)
cp /proc/iomem /tmp/iomem.f0

# Set-up steps, without faults.
# kmem binds DEV by its id, which daxctl reconfigure-device -m devdax
# removes (the full-scale daxctl sweep ends there): new_id adds it back, so
# that a bind finds the driver (it binds DEV if DEV has no driver, and the
# case below unbinds it again).
to_unbound() {
	write_attr $KMEM_DRV/new_id $DEV >/dev/null
	case $(driver_of $DEV) in
	kmem)
		[ "$(cat $ST)" = unplugged ] || write_attr $ST unplugged >/dev/null
		write_attr $KMEM_DRV/unbind $DEV >/dev/null
		;;
	device_dax) write_attr $DEVDAX_DRV/unbind $DEV >/dev/null ;;
	esac
	[ -z "$(driver_of $DEV)" ]
}
to_devdax() { to_unbound && [ "$(write_attr $DEVDAX_DRV/bind $DEV)" = ok ]; }
to_bound() { [ "$(driver_of $DEV)" = kmem ] || { to_unbound && [ "$(write_attr $KMEM_DRV/bind $DEV)" = ok ]; }; }
# to_state STATE: kmem bound, in STATE.
to_state() {
	to_bound || return 1
	[ "$(cat $ST)" = "$1" ] && return 0
	[ "$(cat $ST)" = unplugged ] || [ "$(write_attr $ST unplugged)" = ok ] || return 1
	[ "$1" = unplugged ] || [ "$(write_attr $ST "$1")" = ok ] || return 1
	[ "$(cat $ST)" = "$1" ]
}
# bound with its blocks offline, as a bind leaves them.
to_offline() { to_unbound && to_bound && [ "$(cat $ST)" = offline ]; }
# unbound with its memory left online (abandoned), for the next bind to
# adopt; a bind from there adopts it.
is_stuck() { [ -z "$(driver_of $DEV)" ] && [ "$(kmem_children $DEV)" = 1 ]; }
to_stuck() {
	is_stuck && return 0
	to_state online_movable && [ "$(write_attr $KMEM_DRV/unbind $DEV)" = ok ] && is_stuck
}
to_sysram() { to_devdax && [ "$(dctl system-ram)" = "ok -" ]; }
# daxctl MODE [FAIL-NTH]: reconfigure DEV, failing the n-th point of the
# kernel work from daxctl's first sysfs write on; print the exit status
# and "hit", "miss" (or "-" without faults).
dctl() {
	local rc hit=-
	if [ -n "${2:-}" ]; then
		rm -f /tmp/fail.out
		KMEM_FAIL_NTH=$2 KMEM_FAIL_OUT=/tmp/fail.out LD_PRELOAD=/usr/lib/kmemfail.so \
			daxctl reconfigure-device -m "$1" -f $DEV >/tmp/dctl.out 2>&1
		rc=$?
		hit=$(cat /tmp/fail.out 2>/dev/null || echo none)
	else
		daxctl reconfigure-device -m "$1" -f $DEV >/tmp/dctl.out 2>&1
		rc=$?
	fi
	[ $rc = 0 ] && rc=ok || rc="exit $rc"
	echo "$rc $hit"
}
goal_reached() {
	case $1 in
	bind) [ "$(driver_of $DEV)" = kmem ] ;;
	unbind) [ -z "$(driver_of $DEV)" ] ;;
	system-ram) [ "$(driver_of $DEV)" = kmem ] && blocks_in_state $DEV online ;;
	devdax) [ "$(driver_of $DEV)" = device_dax ] ;;
	*) [ "$(cat $ST 2>/dev/null)" = "$1" ] ;;
	esac
}

# wanted ID NAME: true unless KMEM_SWEEPS (kmemrs.sweeps=, comma-separated
# words) is set and NAME contains none of its words, or KMEM_FAULTS
# (kmemrs.faults=, comma-separated ids: ./kmem series-test picks the
# checks a series' kernel has the fixes for) is set and does not list ID.
wanted() {
	local w
	if [ -n "${KMEM_FAULTS:-}" ]; then
		case ,$KMEM_FAULTS, in *,"$1",*) ;; *) return 1 ;; esac
	fi
	[ -n "${KMEM_SWEEPS:-}" ] || return 0
	for w in $(echo "$KMEM_SWEEPS" | tr , ' '); do
		case $2 in *"$w"*) return 0 ;; esac
	done
	return 1
}

# sweep ID NAME SETUP GOAL MODE: fail each point of one operation in turn.
# The operation is a write of GOAL to the state attribute, a bind or unbind
# of DEV, or (MODE loose) a daxctl reconfigure-device to GOAL.
sweep() {
	local id=$1 name=$2 setup=$3 goal=$4 mode=$5 n=1 out res hit why="" errs="" points=0 t0 s
	if ! wanted "$id" "$name"; then
		info "not run: $name (KMEM_SWEEPS=${KMEM_SWEEPS:-}, KMEM_FAULTS=${KMEM_FAULTS:-})"
		return
	fi
	t0=$(now_ms)
	while :; do
		if [ $n -gt $MAX ]; then
			why="still hitting faults after $MAX points"
			break
		fi
		if ! $setup; then
			why="n=$n: set-up ($setup) failed: $(dev_summary $DEV)"
			break
		fi
		case $goal in
		bind) out=$(kmemtool failnth $n $KMEM_DRV/bind $DEV) ;;
		unbind) out=$(kmemtool failnth $n $KMEM_DRV/unbind $DEV) ;;
		system-ram | devdax) out=$(dctl $goal $n) ;;
		*) out=$(kmemtool failnth $n $ST $goal) ;;
		esac
		res=${out% *} hit=${out##* }
		if ! s=$(consistent $DEV $mt0 $mode); then
			why="n=$n ($res, $hit): inconsistent: $s"
			break
		fi
		if [ "$hit" != hit ]; then
			# The whole operation passed fewer than n points.
			if [ "$hit" != miss ] || [ "$res" != ok ] || ! goal_reached $goal; then
				why="n=$n: without an injected fault: $res ($hit), $(dev_summary $DEV)"
			fi
			break
		fi
		points=$((points + 1))
		case $res in
		ok) errs="$errs ok" ;;
		exit*) errs="$errs daxctl-$res" ;;
		*) errs="$errs $(errname "$res")" ;;
		esac
		# The same operation without a fault succeeds from where the
		# failure left the device.
		if ! goal_reached $goal; then
			case $goal in
			bind) { is_stuck || to_unbound; } && res=$(write_attr $KMEM_DRV/bind $DEV) ;;
			unbind) res=$(write_attr $KMEM_DRV/unbind $DEV) ;;
			system-ram | devdax) res=$(dctl $goal) && res=${res% *} ;;
			*) res=$(write_attr $ST $goal) ;;
			esac
			if [ "$res" != ok ] || ! goal_reached $goal || ! s=$(consistent $DEV $mt0 $mode); then
				why="n=$n: retry without a fault: $res, $(dev_summary $DEV)"
				break
			fi
		fi
		n=$((n + STRIDE))
	done
	info "points $name: $points ($(($(now_ms) - t0)) ms)"
	errs=$(echo $errs | tr ' ' '\n' | sort | uniq -c | awk '{ printf "%s%s x%d", sep, $2, $1; sep = ", " }')
	info "results $name: $errs"
	if [ -z "$why" ]; then
		pass "$name: every injected failure left $DEV consistent and a retry succeeded"
	else
		fail "$name: $why"
	fi
	# What the failures returned, without counts (the drivers allocate in
	# different places): compared across drivers.
	info "errors $name: $(echo "$errs" | sed 's/ x[0-9]*//g')"
}

# ./kmem test: the bind and the state transitions; ./kmem stress: all.
sweep bind "bind $DEV to kmem" to_unbound bind strict
for st in online online_movable; do
	sweep $st "state unplugged -> $st" "to_state unplugged" $st strict
done
sweep unplug "state online -> unplugged" "to_state online" unplugged strict
if [ "$(scale quick full)" = full ]; then
	sweep unbind "unbind $DEV (offline) from kmem" to_offline unbind strict
	sweep movable_unplug "state online_movable -> unplugged" "to_state online_movable" unplugged strict
	sweep daxctl_sysram "daxctl reconfigure-device -m system-ram" to_devdax system-ram loose
	sweep daxctl_devdax "daxctl reconfigure-device -m devdax" to_sysram devdax loose
fi

# success_means GOAL RESULT: true unless RESULT is ok and GOAL not reached.
success_means() { [ "$2" != ok ] || goal_reached "$1"; }

# filter_to FUNC: fault-injection points count only under FUNC (the first
# of the names given that the kernel has), or everywhere without FUNC.
filter_to() {
	local f a="" b="" start=0 end=0xffffffffffffffff
	for f in "$@"; do
		a=$(awk -v f="$f" '$3 == f || index($3, f ".") == 1 { print $1; exit }' /proc/kallsyms)
		[ -n "$a" ] && break
	done
	if [ $# -gt 0 ]; then
		[ -n "$a" ] || return 1
		# The function ends where the next symbol starts.
		b=$(awk -v a="$a" '$1 > a && (e == "" || $1 < e) { e = $1 } END { print e }' /proc/kallsyms)
		[ -n "$b" ] || return 1
		start=0x$a end=0x$b
	fi
	for f in failslab fail_page_alloc; do
		echo $start >$DBG/$f/require-start && echo $end >$DBG/$f/require-end || return 1
	done
}

# The adoption of memory an earlier binding left online: a bind of the
# unbound device whose memory is still added, every point of it.  A bind
# that fails must leave the memory as it was, for the next one.
sweep adopt "bind $DEV adopting the memory left online" to_stuck bind stuck

# One fault at a chosen place, with the stack filter: the first point
# under FUNC fails during a bind (from unbound) or a state write (from
# unplugged).  The sampled sweeps of ./kmem test may step over these
# points, and they land on different allocations in the two drivers; here
# both must return the errno and log the message that C kmem does, and
# leave $DEV consistent for a retry.
# targeted ID NAME OP ERRNO MESSAGE FUNC...: OP is bind or a state value.
targeted() {
	local id=$1 name=$2 op=$3 errno=$4 msg=$5 out res hit m
	shift 5
	if ! wanted "$id" "$name"; then
		info "not run: $name (KMEM_SWEEPS=${KMEM_SWEEPS:-}, KMEM_FAULTS=${KMEM_FAULTS:-})"
		return
	fi
	if [ "$op" = bind ]; then to_unbound; else to_state unplugged; fi
	if ! filter_to "$@"; then
		fail "$name: no stack filter (CONFIG_FAULT_INJECTION_STACKTRACE_FILTER) or no symbol $* in /proc/kallsyms"
		return
	fi
	m=t$(now_ms) && mark $m
	if [ "$op" = bind ]; then
		out=$(kmemtool failnth 1 $KMEM_DRV/bind $DEV)
	else
		out=$(kmemtool failnth 1 $ST $op)
	fi
	filter_to
	res=${out% *} hit=${out##* }
	expect "$name: the fault was injected" hit "$hit"
	expect "$name: the $op fails with $errno" "$errno" "$(errname "$res")"
	check "$name: kmem logs '$msg'" eval "dmesg_since $m | grep -q 'kmem $DEV: .*$msg'"
	check "$name: $DEV consistent" consistent $DEV $mt0 strict
	if [ "$op" = bind ]; then
		to_unbound
		expect "$name: a retry without a fault succeeds" ok "$(write_attr $KMEM_DRV/bind $DEV)"
	else
		expect "$name: a retry without a fault succeeds" ok "$(write_attr $ST $op)"
		check "$name: every block online after the retry" blocks_in_state $DEV online
	fi
}
targeted reserve_fail "bind with the region reservation failing" bind EBUSY \
	"could not reserve region" reserve_driver_managed_region
# The first allocation of the hot-add is the System RAM resource's, and
# mm's register_memory_resource() answers EEXIST whatever made it fail.
targeted hotadd_fail "state online_movable with the hot-add failing" online_movable EEXIST \
	"memory add failed" __add_memory_driver_managed add_memory_driver_managed

# A memory block whose link to its node cannot be created: fail the first
# allocation made for the links while daxctl reconfigures $DEV to
# system-ram.  daxctl finds a device's blocks through the node's links, so
# when mm ignored the failure, daxctl reported success with that block
# offline, and so did every retry.  The hot-add must fail instead, leave
# $DEV consistent, and a retry succeed.
to_devdax
name="daxctl reconfigure-device -m system-ram with a node link failing"
if ! wanted link_fail "$name"; then
	info "not run: $name (KMEM_SWEEPS=${KMEM_SWEEPS:-}, KMEM_FAULTS=${KMEM_FAULTS:-})"
elif ! filter_to do_register_memory_block_under_node register_mem_block_under_node_hotplug; then
	fail "$name: no stack filter (CONFIG_FAULT_INJECTION_STACKTRACE_FILTER) or no symbol for the links in /proc/kallsyms"
else
	out=$(dctl system-ram 1)
	filter_to
	res=${out% *} hit=${out##* }
	info "$name: $res ($hit), $(dev_summary $DEV)"
	expect "$name: the fault was injected" hit "$hit"
	check "$name: daxctl reports success only with every block online" \
		success_means system-ram "$res"
	check "$name: $DEV consistent" consistent $DEV $mt0 loose
	to_devdax
	expect "$name: a retry without a fault succeeds" "ok -" "$(dctl system-ram)"
	check "$name: every block online after the retry" goal_reached system-ram
fi

to_devdax
expect "$DEV back to device_dax" device_dax "$(driver_of $DEV)"
write_attr $KMEM_DRV/remove_id $DEV >/dev/null
expect "MemTotal at baseline after the sweeps" $mt0 "$(memtotal_kb)"
check "/proc/iomem at baseline after the sweeps" same_iomem /tmp/iomem.f0

# online_kernel on a device of node 2: on node 1, which has no normal
# memory of its own, the first ZONE_NORMAL memory takes SLUB's per-node
# structures for good and never unplugs again.
DEV=$(hmem_carve 256M)
check "carve a 256 MiB device out of the hmem region" test -n "$DEV"
[ -n "$DEV" ] || exit 0
ST=$DAX_DEVS/$DEV/state
daxctl reconfigure-device -N -m system-ram $DEV >/tmp/out 2>&1
write_attr $ST unplugged >/dev/null
mt0=$(memtotal_kb)
cp /proc/iomem /tmp/iomem.f1
if ! kasan_skip "state unplugged -> online_kernel (a device on node 2)"; then
	sweep online_kernel "state unplugged -> online_kernel (a device on node 2)" "to_state unplugged" online_kernel strict
	# The hot-add maps the memory into the kernel's direct map, and on
	# x86 the page tables for it come from alloc_low_page(), the page
	# allocator after boot.  When one of them could not be allocated,
	# x86 used the
	# NULL page (an oops in phys_pmd_init() under phys_pud_init(); the
	# full-scale sweep above hit it).  Fail the first of them: the hot-add
	# must fail with ENOMEM instead and a retry succeed.
	targeted directmap_fail "state online_kernel with a direct-map page table failing" online_kernel ENOMEM \
		"memory add failed" __kernel_physical_mapping_init kernel_physical_mapping_init
fi
to_state unplugged
expect "MemTotal at baseline after the online_kernel sweep" $mt0 "$(memtotal_kb)"
check "/proc/iomem at baseline after the online_kernel sweep" same_iomem /tmp/iomem.f1
daxctl reconfigure-device -m devdax -f $DEV >/dev/null 2>&1
daxctl disable-device $DEV >/dev/null 2>&1
daxctl destroy-device $DEV >/dev/null 2>&1
