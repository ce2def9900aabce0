#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The guest side of ./kmem bench (scripts/bench.sh): time kmem's hot-add
# and hot-remove of dax0.0 (the memmap=...! pmem range on node 1) and of a
# multi-range device of the hmem region (node 2), and the latency of
# reading "state" while another task unplugs, and the slab memory a bound
# device keeps.  Timings are printed as
#   # bench-sample: PART METRIC SIZE_MIB RANGES REP USEC
# for the host to collect; the checks (TAP lines) only say that every
# measured operation did what it should, so that a timing is never that
# of a failure.  KMEM_BENCH_PARTS (size,trace,foot,ranges,lat) and
# KMEM_BENCH_REPS come from the kernel command line (guest/init).
. /tests/lib.sh

DEV=dax0.0
ST=$DAX_DEVS/$DEV/state
AUTO=$SYS_MEM/auto_online_blocks
reps=${KMEM_BENCH_REPS:-3}
parts=${KMEM_BENCH_PARTS:-size}

sample() { echo "# bench-sample: $*"; }
has_part() { case ",$parts," in *",$1,"*) true ;; *) false ;; esac; }

# timed_write PART METRIC MIB RANGES REP FILE VALUE: write VALUE to FILE,
# print the sample; false (and a failed check) if the write failed.
timed_write() {
	local r
	r=$(kmemtool wtime "$6" "$7")
	if [ "${r% *}" != ok ]; then
		fail "$2 rep $5: write '$7' to $6 ($r)"
		return 1
	fi
	sample "$1 $2 $3 $4 $5 ${r#* }"
}

# timed_daxctl PART METRIC MIB RANGES REP ARGS...: time daxctl ARGS.
timed_daxctl() {
	local p=$1 m=$2 mib=$3 nr=$4 rep=$5 r
	shift 5
	r=$(kmemtool time daxctl "$@")
	if [ "${r% *}" != 0 ]; then
		fail "$m rep $rep: daxctl $* (exit ${r% *}: $(tail -n 1 /tmp/time.out))"
		return 1
	fi
	sample "$p $m $mib $nr $rep ${r#* }"
}

# all_online DEV WANT_KB: every block of DEV online and MemTotal up by
# WANT_KB from $mt0.
all_online() {
	blocks_in_state "$1" online && [ "$(memtotal_kb)" = $((mt0 + $2)) ] && return 0
	info "not all online: MemTotal $(memtotal_kb) kB, want $((mt0 + $2)); $(dev_summary "$1")"
	return 1
}
# at_baseline: MemTotal and the number of "System RAM (kmem)" resources
# as at $mt0 and $k0 (the device's own reservation comes and goes with
# the driver bound, so /proc/iomem as a whole is not compared); else say
# what differs.
kmem_ram() { grep -c 'System RAM (kmem)' /proc/iomem; }
at_baseline() {
	[ "$(memtotal_kb)" = "$mt0" ] && [ "$(kmem_ram)" = "$k0" ] && return 0
	info "not at baseline: MemTotal $(memtotal_kb) kB (was $mt0), $(kmem_ram) kmem resources (was $k0)"
	return 1
}
# to_kmem DEV: DEV unbound from device_dax, with an id kmem binds by (the
# new_id is written while device_dax holds it: on an unbound device it
# would bind at once); daxctl's devdax reconfiguration removes that id.
to_kmem() {
	[ "$(driver_of $1)" = device_dax ] && write_attr $KMEM_DRV/new_id $1 >/dev/null
	write_attr $DEVDAX_DRV/unbind $1 >/dev/null
}

# Which trace functions account for mm's part of kmem's work: adding the
# ranges (arch_add_memory, memory block devices, resources), onlining
# and offlining the blocks, and removing the memory.
TRACE=/sys/kernel/tracing
MM_FUNCS="__add_memory_driver_managed add_memory_driver_managed remove_memory offline_and_remove_memory_ranges arch_add_memory arch_remove_memory online_pages offline_pages"
trace_on() {
	[ -d $TRACE/events ] || mount -t tracefs tracefs $TRACE 2>/dev/null
	[ -w $TRACE/set_ftrace_filter ] || return 1
	echo nop >$TRACE/current_tracer
	echo >$TRACE/set_ftrace_filter
	for f in $MM_FUNCS; do echo "$f" >>$TRACE/set_ftrace_filter 2>/dev/null; done
	echo 8192 >$TRACE/buffer_size_kb
	echo >$TRACE/trace
	echo function_graph >$TRACE/current_tracer
	# "} /* func */" on the line that closes a traced call with callees
	echo funcgraph-tail >$TRACE/trace_options
	echo 1 >$TRACE/tracing_on
}
# trace_again: an empty buffer, tracing.  (function_graph stays the
# tracer from trace_on to trace_off: on this kernel, under TCG, making it
# the tracer a second time crashed at the first traced call.)
trace_again() {
	echo >$TRACE/trace
	echo 1 >$TRACE/tracing_on
}
trace_off() {
	echo 0 >$TRACE/tracing_on
	echo nop >$TRACE/current_tracer
	echo >$TRACE/set_ftrace_filter
	echo 1 >$TRACE/tracing_on
}
# trace_sum OUTER...: "FUNC USEC" per traced function that ran, for the
# outermost calls, which must be one of OUTER (mm's part of the operation;
# anything else at that depth is not the operation's), and "in:FUNC USEC"
# for the calls inside them (where mm's time goes: arch_add_memory,
# online_pages, ...).
trace_sum() {
	# Read the buffer with function_graph still the tracer (it formats
	# its own entries), stopped.
	echo 0 >$TRACE/tracing_on
	awk -v outer=" $* " '
		BEGIN { n = 0 }
		/\|/ {
			split($0, a, "|"); body = a[2]; d = a[1]
			# depth from the indentation of the call
			match(body, /^ */); depth = RLENGTH
			us = ""
			if (match(d, /[0-9.]+ us/)) us = substr(d, RSTART, RLENGTH - 3)
			if (body ~ /\(\);/) { f = body; sub(/^ */, "", f); sub(/\(\);.*/, "", f) }
			else if (body ~ /\} \/\* /) { f = body; sub(/.*\/\* /, "", f); sub(/ \*\/.*/, "", f) }
			else next
			if (us == "" || f == "") next
			if (min == "" || depth < min) min = depth
			dep[n] = depth; fn[n] = f; t[n] = us; n++
		}
		END {
			for (i = 0; i < n; i++) {
				if (dep[i] == min && index(outer, " " fn[i] " ") == 0) continue
				s[(dep[i] == min ? "" : "in:") fn[i]] += t[i]
			}
			for (f in s) printf "%s %d\n", f, s[f]
		}
	' $TRACE/trace
}

need_devdax $DEV
if [ "$(driver_of $DEV)" != device_dax ]; then
	fail "$DEV is a devdax device bound to device_dax (driver: '$(driver_of $DEV)')"
	exit 0
fi
echo offline >$AUTO
mt0=$(memtotal_kb) k0=$(kmem_ram)
# The memory kmem adds: the device's ranges aligned to memory blocks.  The
# samples give this size (not the device's, which is larger by the
# alignment).
want=$(aligned_kb $DEV)
mib=$((want >> 10))
info "driver: $(basename "$(readlink $KMEM_DRV/module 2>/dev/null)" 2>/dev/null) ($(grep -q '/kmem.ko$' "/lib/modules/$(uname -r)/modules.builtin" && echo built-in || echo module))"
info "$DEV: $(($(cat $DAX_DEVS/$DEV/size) >> 20)) MiB on node $(cat $DAX_DEVS/$DEV/target_node), of which kmem adds $mib MiB in memory blocks of $(($(block_bytes) >> 20)) MiB"

# A round trip through daxctl first, not timed: it gives kmem the device's
# id (new_id), which the sysfs binds below need, and warms the caches.
daxctl reconfigure-device -m system-ram $DEV >/tmp/out 2>&1 &&
	daxctl reconfigure-device -m devdax -f $DEV >/tmp/out 2>&1
check "warm-up: daxctl reconfigure-device to system-ram and back" at_baseline

if has_part size; then
	bad=0
	for rep in $(seq 1 "$reps"); do
		# daxctl: bind kmem and online every block itself (the memory
		# is added offline: auto_online_blocks=offline), and back.
		timed_daxctl size add_daxctl $mib 1 $rep reconfigure-device -m system-ram $DEV &&
			all_online $DEV $want || bad=$((bad + 1))
		timed_daxctl size remove_daxctl $mib 1 $rep reconfigure-device -m devdax -f $DEV &&
			at_baseline || bad=$((bad + 1))
		# sysfs: kmem's probe adds and onlines (auto_online_blocks=
		# online_movable); unplug through state, then unbind.
		to_kmem $DEV
		echo online_movable >$AUTO
		timed_write size add_bind $mib 1 $rep $KMEM_DRV/bind $DEV && all_online $DEV $want || bad=$((bad + 1))
		echo offline >$AUTO
		timed_write size remove_state $mib 1 $rep $ST unplugged && at_baseline || bad=$((bad + 1))
		# state: unplugged -> online_movable -> unplugged, kmem's own
		# hot-add and hot-remove with the device bound.
		timed_write size add_state $mib 1 $rep $ST online_movable && all_online $DEV $want || bad=$((bad + 1))
		timed_write size remove_state $mib 1 $rep $ST unplugged && at_baseline || bad=$((bad + 1))
		timed_write size unbind $mib 1 $rep $KMEM_DRV/unbind $DEV || bad=$((bad + 1))
		write_attr $DEVDAX_DRV/bind $DEV >/dev/null
	done
	expect "size: $reps rounds of daxctl, bind and state hot-add/remove of $mib MiB, each complete" 0 $bad
fi

# One more round with mm's entry points traced (function_graph): how much
# of kmem's hot-add and hot-remove is mm's.  Not in the samples above.
if has_part trace; then
	if trace_on; then
		to_kmem $DEV
		echo online_movable >$AUTO
		ok=1
		timed_write trace add_bind $mib 1 1 $KMEM_DRV/bind $DEV && all_online $DEV $want || ok=0
		trace_sum __add_memory_driver_managed add_memory_driver_managed |
			while read -r f us; do sample "trace mm_add:$f $mib 1 1 $us"; done
		echo offline >$AUTO
		trace_again
		timed_write trace remove_state $mib 1 1 $ST unplugged && at_baseline || ok=0
		trace_sum offline_and_remove_memory_ranges remove_memory |
			while read -r f us; do sample "trace mm_remove:$f $mib 1 1 $us"; done
		trace_off
		write_attr $KMEM_DRV/unbind $DEV >/dev/null
		write_attr $DEVDAX_DRV/bind $DEV >/dev/null
		expect "trace: a traced hot-add and hot-remove of $mib MiB, each complete" 1 $ok
	else
		skip "trace: mm's share of hot-add and hot-remove" "no function_graph tracer in this kernel (CONFIG_FUNCTION_GRAPH_TRACER)"
	fi
fi

# What a bound device costs in kernel memory: the slab objects allocated
# during a bind that are still allocated after it, from the kmem:kmalloc
# and kmem_cache_alloc events with a stack trace each.  The driver's own
# are those whose stack, past the allocator (and the Rust kernel crate's
# allocation and string helpers, which the driver calls), is in kmem.ko;
# the rest of what the bind left allocated (memory block devices, sysfs,
# resources) is mm's and the driver core's, on the driver's behalf.
foot_classify() {
	# The driver's functions: kmem.ko's text symbols (stack frames are
	# printed without their module).
	awk '$4 == "[kmem]" && $2 ~ /^[tT]$/ { print $3 }' /proc/kallsyms >/tmp/kmem.syms
	awk '
	function fin() {
		if (!pend) return
		pend = 0
		live[pptr] = pbytes
		own[pptr] = (first in drv) ? 1 : 0
	}
	function val(k,   i) {
		for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) return substr($i, length(k) + 2)
		return ""
	}
	FILENAME == "/tmp/kmem.syms" { drv[$1] = 1; next }
	/ kmalloc: | kmem_cache_alloc: / {
		fin(); pend = 1; pptr = val("ptr"); pbytes = val("bytes_alloc"); first = ""; skip = 1; next
	}
	/ kfree: | kmem_cache_free: / { fin(); p = val("ptr"); delete live[p]; delete own[p]; next }
	/<stack trace>/ { next }
	/^ => / && pend {
		f = $2
		if (skip && (f ~ /^(trace_|__trace|event_|ftrace|stack_trace|__kmalloc|kmalloc|__kmem_cache|kmem_cache_alloc|krealloc|__krealloc|kvmalloc|__kvmalloc|kvrealloc|__kvrealloc|kstrdup|kstrndup|kmemdup|kvasprintf|kasprintf|devm_|devres_|slab_|__slab|___slab|rust_helper_)/ ||
			     f ~ /6kernel(5alloc|3str|3fmt)/)) next
		if (skip) { sub(/\+.*/, "", f); first = f; skip = 0 }
		next
	}
	END {
		fin()
		for (p in live) { n++; b += live[p]; if (own[p]) { dn++; db += live[p] } }
		printf "%d %d %d %d\n", dn, db, n, b
	}' /tmp/kmem.syms $TRACE/trace
}

if has_part foot; then
	if [ -d $TRACE/events/kmem ] || mount -t tracefs tracefs $TRACE 2>/dev/null && [ -d $TRACE/events/kmem ]; then
		to_kmem $DEV
		echo online_movable >$AUTO
		echo nop >$TRACE/current_tracer
		echo 16384 >$TRACE/buffer_size_kb
		echo >$TRACE/trace
		for e in kmalloc kmem_cache_alloc; do
			echo stacktrace >$TRACE/events/kmem/$e/trigger
		done
		for e in kmalloc kmem_cache_alloc kfree kmem_cache_free; do
			echo 1 >$TRACE/events/kmem/$e/enable
		done
		r=$(write_attr $KMEM_DRV/bind $DEV)
		for e in kmalloc kmem_cache_alloc kfree kmem_cache_free; do
			echo 0 >$TRACE/events/kmem/$e/enable
		done
		for e in kmalloc kmem_cache_alloc; do
			echo '!stacktrace' >$TRACE/events/kmem/$e/trigger
		done
		echo offline >$AUTO
		set -- $(foot_classify)
		lost=$(grep -h 'overrun:' $TRACE/per_cpu/cpu*/stats 2>/dev/null | awk '{ s += $2 } END { print s + 0 }')
		expect "foot: bind $DEV with allocations traced, no event lost" "ok 0" "$r $lost"
		sample "foot driver_objs $mib 1 1 $1"
		sample "foot driver_bytes $mib 1 1 $2"
		sample "foot bind_objs $mib 1 1 $3"
		sample "foot bind_bytes $mib 1 1 $4"
		info "objects live after the bind: the driver's $1 ($2 bytes), all $3 ($4 bytes)"
		echo >$TRACE/trace
		echo 1408 >$TRACE/buffer_size_kb
		write_attr $ST unplugged >/dev/null
		write_attr $KMEM_DRV/unbind $DEV >/dev/null
		write_attr $DEVDAX_DRV/bind $DEV >/dev/null
		check "foot: back to baseline" at_baseline
	else
		skip "foot: the driver's allocations per device" "no kmem trace events in this kernel (CONFIG_FTRACE)"
	fi
fi

# Latency of reading state while another task unplugs dax0.0 (and,
# as the reference, while nothing happens).
if has_part lat; then
	daxctl reconfigure-device -m system-ram $DEV >/tmp/out 2>&1
	rm -f /tmp/stop
	(sleep 2; touch /tmp/stop) &
	r=$(kmemtool readlat $ST /tmp/stop)
	wait
	set -- $r
	sample "lat idle_p50 $mib 1 1 $2"
	sample "lat idle_p99 $mib 1 1 $3"
	sample "lat idle_max $mib 1 1 $4"
	rm -f /tmp/stop
	kmemtool readlat $ST /tmp/stop >/tmp/lat.out &
	sleep 1
	w=$(kmemtool wtime $ST unplugged)
	sleep 1
	touch /tmp/stop
	wait
	set -- $(cat /tmp/lat.out)
	sample "lat unplug_p50 $mib 1 1 $2"
	sample "lat unplug_p99 $mib 1 1 $3"
	sample "lat unplug_max $mib 1 1 $4"
	sample "lat unplug_writer $mib 1 1 ${w#* }"
	info "state reads while idle: $r; while unplugging ($w): $(cat /tmp/lat.out) (n p50 p99 max, us)"
	expect "lat: unplug with a reader running" ok "${w% *}"
	daxctl reconfigure-device -m devdax -f $DEV >/tmp/out 2>&1
	check "lat: back to baseline" at_baseline
fi

# Devices of 1, 2, 4, 8 discontiguous ranges of one memory block each, out
# of the hmem region: carve 2N one-block devices, destroy every other
# one, and make a device of N blocks, which takes the N holes.
if has_part ranges; then
	bs=$(block_bytes)
	bmib=$((bs >> 20))
	for nr in 1 2 4 8; do
		devs=""
		i=0
		while [ $i -lt $((2 * nr)) ]; do
			d=$(hmem_carve ${bmib}M)
			[ -n "$d" ] || break
			devs="$devs $d"
			i=$((i + 1))
		done
		if [ $i -lt $((2 * nr)) ]; then
			info "ranges: the hmem region has no room for $((2 * nr)) devices of $bmib MiB"
			for d in $devs; do daxctl disable-device $d >/dev/null 2>&1; daxctl destroy-device $d >/dev/null 2>&1; done
			break
		fi
		i=0
		keep=""
		for d in $devs; do
			if [ $((i % 2)) = 0 ]; then
				daxctl disable-device $d >/dev/null 2>&1
				daxctl destroy-device $d >/dev/null 2>&1
			else
				keep="$keep $d"
			fi
			i=$((i + 1))
		done
		M=$(hmem_carve $((nr * bmib))M)
		have=$(dax_ranges "$M" | wc -l)
		expect "ranges: a device of $nr discontiguous ranges" $nr $have
		if [ "$have" = $nr ]; then
			mt0=$(memtotal_kb) k0=$(kmem_ram)
			for rep in $(seq 1 "$reps"); do
				ok=1
				to_kmem $M
				echo online_movable >$AUTO
				timed_write ranges add_bind $((nr * bmib)) $nr $rep $KMEM_DRV/bind $M &&
					all_online $M $((nr * bs >> 10)) || ok=0
				echo offline >$AUTO
				timed_write ranges remove_state $((nr * bmib)) $nr $rep $DAX_DEVS/$M/state unplugged &&
					at_baseline || ok=0
				write_attr $KMEM_DRV/unbind $M >/dev/null
				write_attr $DEVDAX_DRV/bind $M >/dev/null
				[ $ok = 1 ] || fail "ranges: $nr ranges, rep $rep: hot-add or hot-remove incomplete"
			done
		fi
		for d in $keep $M; do daxctl disable-device $d >/dev/null 2>&1; daxctl destroy-device $d >/dev/null 2>&1; done
	done
fi
echo offline >$AUTO
