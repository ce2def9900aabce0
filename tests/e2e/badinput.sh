#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Bad input, exhaustively: every string of a generated list written to
# dax0.0's state attribute in one write(2), from "unplugged" and from
# "online_movable".  The expected outcome follows the ABI
# (Documentation/ABI/testing/sysfs-bus-dax) and sysfs_streq(): the store
# sees the bytes up to the first NUL; one documented value, optionally
# followed by a single newline, is a request, anything else is EINVAL; an
# online state can only be reached from "unplugged" (else EBUSY); "offline"
# cannot be written.  And a user other than root can read state but write
# none of state, bind, unbind, new_id and remove_id.
#
# The device is carved out of the hmem region on node 2: online_kernel
# must be undoable, and on node 1, which has no normal memory of its own,
# it is not (SLUB allocates its per-node structures from a node's first
# ZONE_NORMAL memory and keeps them).
. /tests/lib.sh

DEV=$(hmem_carve 256M)
check "carve a 256 MiB device out of the hmem region" test -n "$DEV"
[ -n "$DEV" ] || exit 0
ST=$DAX_DEVS/$DEV/state
daxctl reconfigure-device -N -m system-ram $DEV >/tmp/out 2>&1
expect "daxctl reconfigure-device -N -m system-ram $DEV" 0 $?
[ "$(driver_of $DEV)" = kmem ] || exit 0
write_attr $ST unplugged >/dev/null
mt0=$(memtotal_kb)

to_state() {
	[ "$(cat $ST)" = "$1" ] && return 0
	[ "$(cat $ST)" = unplugged ] || write_attr $ST unplugged >/dev/null
	[ "$1" = unplugged ] || write_attr $ST "$1" >/dev/null
	[ "$(cat $ST)" = "$1" ]
}

# The strings, one per line, with kmemtool's escapes (\n \t \0 \xHH).
# p STRING: print STRING as it is (busybox echo may interpret it).
p() { printf '%s\n' "$1"; }
strings() {
	local v x i
	for v in unplugged online online_kernel online_movable offline; do
		p "$v"
		p "$v\n"
		p "$v\n\n"
		p "$v\n\0"
		p "$v\0junk"
		p " $v"
		p "$v "
		p "$v\t"
		p "\t$v\n"
		p "$v\r\n"
		p "${v}x"
		p "${v}_"
		p "$v$v"
		p "$(echo $v | tr a-z A-Z)"
		# Every proper prefix.
		i=1
		while [ $i -lt ${#v} ]; do
			x=$(echo "$v" | cut -c1-$i)
			p "$x"
			i=$((i + 1))
		done
	done
	p ""
	p "\n"
	p " "
	p "\t"
	p "\0"
	p "\0online"
	p "\xff"
	p "onl\xc3\xa9ne"
	p "online\xff"
	p "\x80online"
	p "online\xc2\xa0"
	p "0"
	p "1"
	p "-1"
	p "movable"
	p "kernel"
	p "online kernel"
	p "online-movable"
}
# long N CHAR: a string of N CHARs.
long() { printf "%${1}s" "" | tr ' ' "$2"; }

# want START STRING: the outcome the ABI gives, as "ERRNO STATE-AFTER".
want() {
	local start=$1 s=$2 t
	# The store sees the bytes up to the first NUL; a zero-length write
	# never reaches it.
	s=${s%%\\0*}
	[ -z "$2" ] && { echo "ok $start"; return; }
	case $s in
	unplugged | online | online_kernel | online_movable) t=$s ;;
	unplugged\\n | online\\n | online_kernel\\n | online_movable\\n) t=${s%\\n} ;;
	*) echo "EINVAL $start" && return ;;
	esac
	if [ "$t" = "$start" ] || [ "$t" = unplugged ] || [ "$start" = unplugged ]; then
		echo "ok $t"
	else
		echo "EBUSY $start"
	fi
}

n=0 bad=0
for start in unplugged online_movable; do
	strings >/tmp/strings
	for len in 100 4095 4096; do
		long $len x >>/tmp/strings
		echo >>/tmp/strings
	done
	(long 4089 ' ' && echo) | sed 's/^/online/' >>/tmp/strings
	while IFS= read -r s; do
		w=$(want $start "$s")
		d=$s
		[ ${#d} -gt 40 ] && d="$(echo "$d" | cut -c1-12)... (${#s} bytes)"
		if [ "$w" = "ok online_kernel" ] && kasan_skip "from $start: write '$d' -> $w"; then
			continue
		fi
		to_state $start || { fail "set up '$start'"; break; }
		res=$(kmemtool write $ST "$s")
		have="$(errname "$res") $(cat $ST)"
		expect "from $start: write '$d' -> $w" "$w" "$have"
		if [ "$have" != "$w" ]; then bad=$((bad + 1)); fi
		n=$((n + 1))
	done </tmp/strings
done
info "strings written: $n, unexpected outcomes: $bad"
to_state unplugged
expect "MemTotal at baseline after the bad input" $mt0 "$(memtotal_kb)"
check "$DEV consistent after the bad input" consistent $DEV $mt0

# Not root: state is readable, nothing is writable.
NOBODY=65534
expect "uid $NOBODY reads state" unplugged "$(kmemtool runas $NOBODY cat $ST 2>&1)"
for f in $ST $KMEM_DRV/bind $KMEM_DRV/unbind $KMEM_DRV/new_id $KMEM_DRV/remove_id \
	$DEVDAX_DRV/bind $DEVDAX_DRV/unbind; do
	expect "uid $NOBODY writing $f is refused with EACCES" EACCES \
		"$(errname "$(kmemtool runas $NOBODY kmemtool write $f online)")"
done
expect "state still unplugged" unplugged "$(cat $ST)"
expect "$DEV still bound to kmem" kmem "$(driver_of $DEV)"

daxctl reconfigure-device -m devdax -f $DEV >/tmp/out 2>&1
expect "$DEV back to device_dax" device_dax "$(driver_of $DEV)"
daxctl disable-device $DEV >/dev/null 2>&1
daxctl destroy-device $DEV >/dev/null 2>&1
