# SPDX-License-Identifier: GPL-2.0
# Helpers for the guest-side end-to-end tests (busybox sh).  Sourced.
#
# Every check prints one TAP line that the host-side runner counts:
#   ok - SUITE: what was checked
#   not ok - SUITE: what was checked (want ..., have ...)
#   ok - SUITE: what was checked # SKIP why
# Lines starting with "#" are information (timings, dmesg excerpts).

SUITE=${SUITE:-$(basename "$0" .sh)}
SYS_MEM=/sys/devices/system/memory
DAX_DEVS=/sys/bus/dax/devices
KMEM_DRV=/sys/bus/dax/drivers/kmem
DEVDAX_DRV=/sys/bus/dax/drivers/device_dax

pass() { echo "ok - $SUITE: $1"; }
fail() { echo "not ok - $SUITE: $1"; }
skip() { echo "ok - $SUITE: $1 # SKIP $2"; }
# Under KASAN, memory onlined to ZONE_NORMAL never unplugs: the KASAN
# shadow of each block is vmalloc'ed on the block's node as it goes
# online, i.e. into the blocks already online, and is never migrated.
# kasan_skip WHAT: true (and WHAT skipped, saying why) on a KASAN kernel.
kasan_skip() {
	[ -n "$KMEM_KASAN" ] || return 1
	skip "$1" "under KASAN online_kernel memory holds its own shadow and cannot be unplugged"
}
info() { echo "# $SUITE: $*"; }

# check DESC CMD...: pass if CMD succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then pass "$desc"; else fail "$desc"; fi
}

# expect DESC WANT HAVE: pass if the two strings are equal.
expect() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1 (want '$2', have '$3')"; fi
}

# need_devdax DEV: make the pmem namespace a devdax device DEV (dax0.0) if
# an earlier suite has not.
need_devdax() {
	[ -e "$DAX_DEVS/$1" ] || ndctl create-namespace -fe namespace0.0 -m devdax >/dev/null 2>&1
}

# hmem_device: the first dax device on node 2, the seed device of the hmem
# region that the soft-reserved range (memmap=1G%4G-1+0xefffffff) makes.
hmem_device() {
	local d
	for d in "$DAX_DEVS"/dax*; do
		if [ "$(cat "$d/target_node" 2>/dev/null)" = 2 ]; then
			basename "$d"
			return
		fi
	done
}

# region_of DEV: the region number of daxR.N.
region_of() {
	local r=${1#dax}
	echo "${r%.*}"
}

memtotal_kb() { awk '/^MemTotal:/ { print $2 }' /proc/meminfo; }
node_memtotal_kb() {
	local f=/sys/devices/system/node/node$1/meminfo
	if [ -r "$f" ]; then awk '/MemTotal:/ { print $4 }' "$f"; else echo 0; fi
}
now_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }
block_bytes() { echo $((0x$(cat $SYS_MEM/block_size_bytes))); }

# dax_ranges DEV: "start end" (inclusive, decimal) per range of a dax device.
dax_ranges() {
	local d=$DAX_DEVS/$1 m s
	# Dynamic regions list their ranges as mappingN/ (and have a
	# write-only "mapping" attribute); static ones have resource + size.
	if ls -d "$d"/mapping[0-9]* >/dev/null 2>&1; then
		for m in "$d"/mapping[0-9]*; do
			echo "$(($(cat "$m/start"))) $(($(cat "$m/end")))"
		done
	else
		s=$(($(cat "$d/resource")))
		echo "$s $((s + $(cat "$d/size") - 1))"
	fi
}

# aligned_ranges DEV: "start end" (exclusive end) of each range after
# memory-block alignment, as memory_block_aligned_range() computes it;
# ranges too small for one block are left out.
aligned_ranges() {
	local bs s e
	bs=$(block_bytes)
	dax_ranges "$1" | while read -r s e; do
		s=$(((s + bs - 1) / bs * bs))
		e=$(((e + 1) / bs * bs))
		[ "$e" -gt "$s" ] && echo "$s $e"
	done
}

# aligned_kb DEV: what hot-adding DEV adds to MemTotal, in kB.
aligned_kb() {
	local s e sum=0
	for r in $(aligned_ranges "$1" | tr ' ' :); do
		s=${r%:*} e=${r#*:}
		sum=$((sum + (e - s) / 1024))
	done
	echo $sum
}

# dev_blocks DEV: the memoryN blocks of DEV's aligned ranges.
dev_blocks() {
	local bs s e i
	bs=$(block_bytes)
	aligned_ranges "$1" | while read -r s e; do
		i=$((s / bs))
		while [ $i -lt $((e / bs)) ]; do
			echo "memory$i"
			i=$((i + 1))
		done
	done
}

# blocks_all DEV FILE VALUE: true if memoryN/FILE reads VALUE for every block
# of DEV (and DEV has blocks).
blocks_all() {
	local b n=0
	for b in $(dev_blocks "$1"); do
		[ "$(cat $SYS_MEM/$b/$2 2>/dev/null)" = "$3" ] || return 1
		n=$((n + 1))
	done
	[ $n -gt 0 ]
}

# blocks_in_state DEV STATE: true if every block of DEV is in STATE.
blocks_in_state() { blocks_all "$1" state "$2"; }

# blocks_on_node DEV NODE: true if every block of DEV belongs to NODE.
blocks_on_node() {
	local b n=0
	for b in $(dev_blocks "$1"); do
		[ -e "/sys/devices/system/node/node$2/$b" ] || return 1
		n=$((n + 1))
	done
	[ $n -gt 0 ]
}

# blocks_in_zone DEV ZONE: true if every block of DEV is online in ZONE
# (valid_zones of an online block names the zone it is in).
blocks_in_zone() { blocks_all "$1" valid_zones "$2"; }

# kmem_children DEV: how many "System RAM (kmem)" resources sit directly
# under DEV's entries in /proc/iomem.
kmem_children() {
	awk -v dev="$1" '
	function depth(s) { match(s, /^ */); return RLENGTH }
	{ name = $0; sub(/^[^:]*: /, "", name) }
	name == dev { d = depth($0); inside = 1; next }
	inside && depth($0) > d { if (depth($0) == d + 2 && name == "System RAM (kmem)") n++; next }
	{ inside = 0 }
	END { print n + 0 }' /proc/iomem
}

# iomem_entries DEV: how many /proc/iomem entries are named DEV.
iomem_entries() { grep -c " : $1\$" /proc/iomem; }

driver_of() { basename "$(readlink "$DAX_DEVS/$1/driver" 2>/dev/null)" 2>/dev/null; }

# write_attr FILE VALUE: write VALUE, print the error text ("ok" if none).
write_attr() {
	local err
	if err=$( (echo "$2" >"$1") 2>&1); then echo ok; else echo "${err##*: }"; fi
}

# dmesg_since MARK: kernel messages logged after "echo MARK >/dev/kmsg".
# The mark is logged at KERN_DEBUG, below the console's loglevel: printed
# on the console, it could land in the middle of the line a check is still
# writing there.
mark() { echo "<7>kmem-e2e-mark $1" >/dev/kmsg; }
dmesg_since() { dmesg | sed -n "/kmem-e2e-mark $1\$/,\$p" | sed 1d | sed 's/^\[[^]]*\] //'; }

# adopt_logged WHAT DEV MARK [N]: check that kmem logged for DEV, since
# MARK, that it adopts the memory left behind at its range N (0 if not
# given).  WHAT prefixes the check's name.
adopt_logged() {
	local msgs
	msgs=$(dmesg_since "$3")
	echo "$msgs" | grep '^kmem ' | sed 's/^/# dmesg: /'
	check "${1}kmem logs 'mapping${4:-0}: ... adopting memory left behind'" \
		grep -q "^kmem $2: mapping${4:-0}: 0x[0-9a-f]*-0x[0-9a-f]* adopting memory left behind" <<EOF
$msgs
EOF
}

# same_iomem FILE: true if /proc/iomem is FILE; else print the difference.
same_iomem() {
	cmp -s "$1" /proc/iomem && return 0
	diff "$1" /proc/iomem | sed 's/^/# iomem diff: /'
	return 1
}

# scale QUICK FULL: QUICK in ./kmem test, FULL in ./kmem stress
# (kmemrs.scale=full on the guest's command line).
scale() { if [ "${KMEM_SCALE:-quick}" = full ]; then echo "$2"; else echo "$1"; fi; }

# dev_summary DEV: what DEV's driver, state, memory blocks and resources
# are, on one line: "driver=kmem state=online present=4 online=4
# zone=Movable kids=1 entries=1".
dev_summary() {
	local dev=$1 drv st=- present=0 online=0 zone=- b
	drv=$(driver_of "$dev")
	[ "$drv" = kmem ] && st=$(cat "$DAX_DEVS/$dev/state" 2>/dev/null)
	for b in $(dev_blocks "$dev"); do
		[ -e "$SYS_MEM/$b" ] || continue
		present=$((present + 1))
		if [ "$(cat $SYS_MEM/$b/state)" = online ]; then
			online=$((online + 1))
			zone=$(cat $SYS_MEM/$b/valid_zones)
		fi
	done
	echo "driver=${drv:-none} state=$st present=$present online=$online zone=$zone kids=$(kmem_children "$dev") entries=$(iomem_entries "$dev")"
}

# consistent DEV MT0 [loose|stuck]: true if DEV's driver, state, memory
# blocks, /proc/iomem and MemTotal (MT0 with none of DEV's memory online)
# agree; else print what was found.  "loose" ignores the state attribute,
# which only follows writes to itself, for memory that tools online and
# offline block by block (daxctl).  "stuck" also accepts DEV unbound with
# all of its memory left added (abandoned by kmem, for the next binding).
consistent() {
	local dev=$1 mt0=$2 mode=${3:-strict} s drv st present online zone kids entries
	local total bs_kb ok=1
	s=$(dev_summary "$dev")
	set -- $s
	drv=${1#*=} st=${2#*=} present=${3#*=} online=${4#*=} zone=${5#*=} kids=${6#*=} entries=${7#*=}
	total=$(dev_blocks "$dev" | wc -l)
	bs_kb=$(($(block_bytes) / 1024))
	# MemTotal counts exactly the online blocks.
	[ "$(memtotal_kb)" = $((mt0 + online * bs_kb)) ] || ok=0
	case $drv in
	kmem)
		# One reservation per added range, each with its System RAM.
		[ "$kids" = "$entries" ] || ok=0
		[ "$kids" = 0 ] && [ "$present" != 0 ] && ok=0
		[ "$kids" != 0 ] && [ "$present" = 0 ] && ok=0
		[ "$kids" = "$(aligned_ranges "$dev" | wc -l)" ] && [ "$present" != "$total" ] && ok=0
		if [ "$mode" != loose ]; then
			case $st in
			unplugged) [ "$present" = 0 ] || ok=0 ;;
			offline) [ "$present" != 0 ] && [ "$online" = 0 ] || ok=0 ;;
			online_kernel) [ "$present" != 0 ] && [ "$online" = "$present" ] && [ "$zone" = Normal ] || ok=0 ;;
			online | online_movable) [ "$present" != 0 ] && [ "$online" = "$present" ] && [ "$zone" = Movable ] || ok=0 ;;
			*) ok=0 ;;
			esac
		fi
		;;
	device_dax) [ "$present" = 0 ] && [ "$entries" = "$(dax_ranges "$dev" | wc -l)" ] || ok=0 ;;
	*)
		if [ "$mode" = stuck ] && [ "$present" != 0 ]; then
			[ "$present" = "$total" ] && [ "$kids" = "$entries" ] &&
				[ "$kids" = "$(aligned_ranges "$dev" | wc -l)" ] || ok=0
		else
			[ "$present" = 0 ] && [ "$entries" = 0 ] || ok=0
		fi
		;;
	esac
	[ $ok = 1 ] && return 0
	echo "$s MemTotal=MT0+$(($(memtotal_kb) - mt0))kB"
	return 1
}

# The error texts write_attr prints for the errnos the ABI documents.
EINVAL="Invalid argument"
EBUSY="Device or resource busy"
ENODEV="No such device"
EACCES="Permission denied"

# errname TEXT: the errno name of an error text (as write_attr prints it).
errname() {
	case $1 in
	ok) echo ok ;;
	"$EINVAL") echo EINVAL ;;
	"$EBUSY") echo EBUSY ;;
	"Cannot allocate memory"|"Out of memory") echo ENOMEM ;;
	"$ENODEV") echo ENODEV ;;
	"No such file or directory") echo ENOENT ;;
	"$EACCES") echo EACCES ;;
	"Operation not permitted") echo EPERM ;;
	"File exists") echo EEXIST ;;
	"Interrupted system call") echo EINTR ;;
	"Argument list too long") echo E2BIG ;;
	"No space left on device") echo ENOSPC ;;
	"Invalid or incomplete multibyte or wide character") echo EILSEQ ;;
	*) echo "'$1'" ;;
	esac
}

# in_nodelist NODE LIST: true if NODE is in LIST, a node list as sysfs
# prints it ("0-2,4").
in_nodelist() {
	local part
	for part in $(echo "$2" | tr , ' '); do
		case $part in
		*-*) [ "$1" -ge "${part%-*}" ] && [ "$1" -le "${part#*-}" ] && return 0 ;;
		*) [ "$1" = "$part" ] && return 0 ;;
		esac
	done
	return 1
}

# tier_of NODE: the id of the memory tier NODE is in (empty if none).
tier_of() {
	local t
	for t in /sys/devices/virtual/memory_tiering/memory_tier*; do
		if in_nodelist "$1" "$(cat $t/nodelist 2>/dev/null)"; then
			echo "${t##*memory_tier}"
			return
		fi
	done
}

# hmem_carve SIZE: a new device of SIZE, bound to device_dax, out of the
# hmem region (node 2); print its name.  The region's seed device is
# emptied first if it still holds the region (as kmem binds it at boot).
hmem_carve() {
	local h r
	h=$(hmem_device)
	[ -n "$h" ] || return 1
	r=$(region_of "$h")
	if [ "$(cat $DAX_DEVS/$h/size)" != 0 ]; then
		daxctl reconfigure-device -m devdax -f "$h" >/dev/null 2>&1
		daxctl disable-device "$h" >/dev/null 2>&1
		daxctl reconfigure-device -s 0 "$h" >/dev/null 2>&1
	fi
	daxctl create-device -r "$r" -s "$1" 2>/tmp/create.err |
		sed -n 's/.*"chardev":"\(dax[0-9.]*\)".*/\1/p'
}

# The race rounds (races.sh, blockrace.sh): T seconds each, 10 in
# ./kmem test, 60 in ./kmem stress.  Workers act on $DEV and $ST.
T=$(scale 10 60)
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


# race_setup: bind the pmem device $DEV (device_dax type) to kmem,
# unplugged; new_id while device_dax holds the device, as on an unbound
# device it would bind kmem there and then.  Sets mt0 and /tmp/iomem.race.
race_setup() {
	need_devdax $DEV
	mt0=$(memtotal_kb)
	write_attr $KMEM_DRV/new_id $DEV >/dev/null
	write_attr $DEVDAX_DRV/unbind $DEV >/dev/null
	expect "bind $DEV to kmem" ok "$(write_attr $KMEM_DRV/bind $DEV)"
	write_attr $ST unplugged >/dev/null
	cp /proc/iomem /tmp/iomem.race
}

# race_after: back to the baseline from whatever a race left, checked.
race_after() {
	[ "$(driver_of $DEV)" = kmem ] || write_attr $KMEM_DRV/bind $DEV >/dev/null
	expect "after the race: write unplugged" ok "$(write_attr $ST unplugged)"
	expect "after the race: state reads unplugged" unplugged "$(cat $ST)"
	check "after the race: $DEV consistent" consistent $DEV $mt0
	expect "after the race: MemTotal at baseline" $mt0 "$(memtotal_kb)"
	check "after the race: /proc/iomem at baseline" same_iomem /tmp/iomem.race
	expect "after the race: online_movable works" ok "$(write_attr $ST online_movable)"
	expect "after the race: unplugged works" ok "$(write_attr $ST unplugged)"
}

# race_teardown: $DEV back to device_dax.
race_teardown() {
	write_attr $KMEM_DRV/unbind $DEV >/dev/null
	write_attr $KMEM_DRV/remove_id $DEV >/dev/null
	expect "$DEV back to device_dax" ok "$(write_attr $DEVDAX_DRV/bind $DEV)"
}
