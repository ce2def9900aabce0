#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh [--smoke] [--sizes GIB,...] [--rounds N] [--reps N]
#          [--variants "A B"]: the C and the Rust kmem driver side by side
# (./kmem bench; defaults: 0.5,4,16 GiB, 6 rounds, 6 reps, bench-c and
# bench-rust: about 20 minutes under TCG on 2 cores, plus the builds).
#
# Builds the bench-c and bench-rust kernels (configs/bench.config: the
# end-to-end config without lockdep, DEBUG_VM, kmemleak and fault
# injection) and boots them alternately, C/Rust then Rust/C, in a guest
# sized for each device size (scripts/boot.sh, KMEM_MACHINE=bench), ROUNDS
# times.  Each boot (tests/e2e/bench.sh) times REPS hot-adds and
# hot-removes of dax0.0 through daxctl, a sysfs bind and the state file;
# one more, traced (mm's share); the latency of reading state during an
# unplug (largest size); the slab memory a bound device keeps and devices
# of 1-8 ranges (smallest size).
# scripts/bench_report.py then writes, to $KMEM_OUT/bench/DATE/:
#   samples.csv   every measurement (variant, round, size, metric, value:
#                 microseconds, or objects and bytes for part "foot")
#   boots.csv     each boot's duration and the host's lowest free memory
#   machine.json  CPU, accelerator, host load, kernel, series commit
#   summary.json  the statistics below
#   report.md     the tables: min/median/max, Rust/C ratio of medians with
#                 a bootstrap 95% interval, ms per GiB, ranges, mm's
#                 share, state read latency, driver size and memory
#   bench.png     hot-add and hot-remove time vs size, both drivers
# and prints report.md.  $KMEM_OUT/bench/latest points to the last run.
#
# --smoke (./kmem test) runs the smallest size once on the e2e kernels
# (c and rust, with all their debugging, and without the tracing that the
# mm-share and memory figures need): it checks that the command works;
# its timings mean nothing.  TAP: $KMEM_OUT/results/bench.tap.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
S=$(dirname "$0")

sizes=0.5,4,16 rounds=6 reps=6 variants="bench-c bench-rust" smoke=0
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) smoke=1 sizes=0.5 rounds=1 reps=1 variants="c rust" ;;
	--sizes) sizes=${2:?--sizes GIB,...}; shift ;;
	--rounds) rounds=${2:?--rounds N}; shift ;;
	--reps) reps=${2:?--reps N}; shift ;;
	--variants) variants=${2:?--variants "A B"}; shift ;;
	-h | --help) sed -n '4,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "bench: unknown argument '$1' (see ./kmem bench --help)" ;;
	esac
	shift
done
read -r va vb <<<"$variants"
[ -n "${vb:-}" ] || die "bench: --variants needs two variants"
for n in $rounds $reps; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || die "bench: rounds and reps must be positive integers (got '$n')"
done
# Sizes in GiB, ascending, as MiB for the guest's node 1.
mibs=()
for g in $(tr , '\n' <<<"$sizes" | sort -g); do
	[[ $g =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "bench: bad size '$g' (GiB, e.g. 0.5,4,16)"
	m=$(awk -v g="$g" 'BEGIN { printf "%d", g * 1024 }')
	[ "$m" -ge 512 ] || die "bench: size $g GiB is below the smallest, 0.5"
	mibs+=("$m")
done
# The host must hold the largest guest's touched memory with room to
# spare; untouched guest memory is not allocated.
avail=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
[ "${mibs[-1]}" -le $((avail * 9 / 10)) ] ||
	die "bench: a ${mibs[-1]} MiB device needs more memory than the host has available ($avail MiB); pass smaller --sizes"

stamp=$(date -u +%Y%m%dT%H%M%SZ)
dir=$KMEM_OUT/bench/$stamp
tap=$KMEM_OUT/results/bench.tap
mkdir -p "$dir" "$KMEM_OUT/results"
: >"$tap"
ln -sfn "$stamp" "$KMEM_OUT/bench/latest"
for v in $va $vb; do
	if ! step "build $v" "$S/build.sh" "$v" >&2; then
		echo "not ok - bench: build $v" >>"$tap"
		die "bench: building $v failed (see above)"
	fi
	"$S/initramfs.sh" "$v" >&2
done

echo "variant,driver,round,size_gib,part,metric,size_mib,ranges,rep,value" >"$dir/samples.csv"
echo "variant,round,size_gib,seconds,host_mem_available_min_mib,result" >"$dir/boots.csv"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
t0=$(date +%s)
nmib=${#mibs[@]}
for r in $(seq 1 "$rounds"); do
	order="$va $vb"
	[ $((r % 2)) = 0 ] && order="$vb $va"
	for i in "${!mibs[@]}"; do
		mib=${mibs[$i]}
		gib=$(awk -v m="$mib" 'BEGIN { printf "%g", m / 1024 }')
		parts=size,trace
		[ "$i" = $((nmib - 1)) ] && parts=$parts,lat
		[ "$i" = 0 ] && parts=$parts,foot,ranges
		# The e2e kernels have no tracing: no trace, no foot.
		[ $smoke = 1 ] && parts=size,lat,ranges
		for v in $order; do
			drv=c
			[[ $v == *rust* ]] && drv=rust
			log=$dir/console-$v-${gib}G-r$r.log
			say "bench: round $r/$rounds, $gib GiB, $v ($parts, $reps reps)"
			# The host's lowest available memory while the guest runs.
			(
				lo=$avail
				while sleep 2; do
					a=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
					[ "$a" -lt "$lo" ] && lo=$a && echo "$lo" >"$dir/.memlo"
				done
			) &
			mon=$!
			echo "$avail" >"$dir/.memlo"
			b0=$(date +%s) res=ok
			KMEM_MACHINE=bench KMEM_BENCH_MIB=$mib KMEM_BOOT_TIMEOUT=${KMEM_BENCH_TIMEOUT:-1800} \
			KMEM_APPEND="kmemrs.bench_parts=$parts kmemrs.bench_reps=$reps" \
				"$S/boot.sh" "$v" bench "$log" 2>"$log.err" || res=failed
			kill $mon 2>/dev/null || true
			wait $mon 2>/dev/null || true
			echo "$v,$r,$gib,$(($(date +%s) - b0)),$(cat "$dir/.memlo"),$res" >>"$dir/boots.csv"
			if [ $res = ok ]; then
				echo "ok - $v: bench: boot, $gib GiB, round $r" >>"$tap"
			else
				echo "not ok - $v: bench: boot, $gib GiB, round $r: $(head -n 1 "$log.err")" >>"$tap"
				cat "$log.err" >&2
			fi
			console_text "$log" >"$log.txt"
			sed -n "s/^\(not \)\{0,1\}ok - /&$v: ${gib}G: /p" "$log.txt" >>"$tap"
			sed -n 's/^# bench-sample: //p' "$log.txt" |
				while read -r part metric smib nr rep us; do
					echo "$v,$drv,$r,$gib,$part,$metric,$smib,$nr,$rep,$us"
				done >>"$dir/samples.csv"
			splat=$(grep -v -E '^(ok|not ok|#) ' "$log.txt" |
				grep -E 'WARNING:|BUG:|Oops|Kernel panic|INFO: task .* blocked' | head -n 1 || true)
			if [ -z "$splat" ]; then
				echo "ok - $v: bench: ${gib}G round $r: no WARNING, BUG or Oops" >>"$tap"
			else
				echo "not ok - $v: bench: ${gib}G round $r: $splat" >>"$tap"
			fi
		done
	done
done
rm -f "$dir/.memlo"
load1=$(cut -d' ' -f1-3 /proc/loadavg)

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
{
	printf '{\n'
	printf '  "date": "%s",\n' "$(date -u -d "@$t0" +%Y-%m-%dT%H:%M:%SZ)"
	printf '  "seconds": %d,\n' $(($(date +%s) - t0))
	printf '  "cpu": "%s",\n' "$cpu"
	printf '  "host_cpus": %d,\n' "$(nproc)"
	printf '  "host_mem_mib": %d,\n' "$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)"
	printf '  "accel": "%s",\n' "${KMEM_ACCEL:-tcg}"
	printf '  "qemu": "%s",\n' "$(qemu-system-x86_64 --version | head -n 1)"
	printf '  "host_load_before": "%s",\n' "$load0"
	printf '  "host_load_after": "%s",\n' "$load1"
	printf '  "kernel": "%s",\n' "$(kmake O="$KMEM_OUT/build-$va" -s kernelrelease 2>/dev/null || echo unknown)"
	printf '  "series_head": "%s",\n' "$(git -C "$KMEM_SRC" rev-parse HEAD)"
	printf '  "variants": ["%s", "%s"],\n' "$va" "$vb"
	printf '  "sizes_gib": "%s",\n' "$sizes"
	printf '  "rounds": %d,\n' "$rounds"
	printf '  "reps": %d,\n' "$reps"
	printf '  "smoke": %s\n' "$([ $smoke = 1 ] && echo true || echo false)"
	printf '}\n'
} >"$dir/machine.json"

# Driver size: the module of each variant (text, data, bss).
for v in $va $vb; do
	for ko in "$KMEM_OUT/build-$v/drivers/dax/kmem.ko" "$KMEM_OUT/build-$v/drivers/dax/kmem/kmem.ko"; do
		[ -f "$ko" ] || continue
		size "$ko" | awk -v v="$v" -v ko="${ko#"$KMEM_OUT/build-$v/"}" 'NR == 2 { print v "," ko "," $1 "," $2 "," $3 }'
	done
done | sed '1i variant,object,text,data,bss' >"$dir/footprint.csv"

if /usr/bin/python3 "$TOP/scripts/bench_report.py" "$dir" >"$dir/report.out" 2>&1; then
	echo "ok - bench: report, table and plot written to $dir" >>"$tap"
else
	echo "not ok - bench: report failed: $(tail -n 1 "$dir/report.out")" >>"$tap"
fi
cat "$dir/report.out"
[ -f "$dir/report.md" ] && cat "$dir/report.md"
f=$(grep -c '^not ok' "$tap" || true)
say "bench: $(grep -c '^ok' "$tap") ok, $f not ok; results in $dir"
[ "$f" = 0 ]
