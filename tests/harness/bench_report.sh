#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/bench_report.py on made-up samples whose answer is known: a
# Rust driver exactly 10% slower than C has the ratio 1.100 with an
# interval around it, ms per GiB from the medians, and every table, the
# JSON and the plot are written.  TAP on stdout.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok - bench-report: $1"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok - bench-report: $1"; [ -z "${2:-}" ] || printf '%s\n' "$2" | sed 's/^/#   /'; }
check() { local desc=$1; shift; if "$@"; then ok "$desc"; else nok "$desc"; fi; }

cat >"$d/machine.json" <<'J'
{"date": "2026-01-01T00:00:00Z", "seconds": 1, "cpu": "test", "host_cpus": 2, "host_mem_mib": 1024,
 "accel": "tcg", "qemu": "qemu", "host_load_before": "0", "host_load_after": "0", "kernel": "k",
 "series_head": "0123456789abcdef", "variants": ["bench-c", "bench-rust"], "sizes_gib": "1,4",
 "rounds": 1, "reps": 5, "smoke": false}
J
{
	echo "variant,driver,round,size_gib,part,metric,size_mib,ranges,rep,value"
	for g in 1 4; do
		for rep in 1 2 3 4 5; do
			# C: 100 ms per GiB +-2%; Rust: 10% more, same spread.
			c=$(( (g * 100000) * (97 + rep) / 100 ))
			echo "bench-c,c,1,$g,size,add_state,$((g * 1024)),1,$rep,$c"
			echo "bench-rust,rust,1,$g,size,add_state,$((g * 1024)),1,$rep,$((c * 110 / 100))"
		done
	done
	echo "bench-c,c,1,1,trace,add_bind,1024,1,1,50000"
	echo "bench-c,c,1,1,trace,mm_add:__add_memory_driver_managed,1024,1,1,45000"
	echo "bench-c,c,1,1,trace,mm_add:in:online_pages,1024,1,1,30000"
	echo "bench-rust,rust,1,1,trace,add_bind,1024,1,1,52000"
	echo "bench-rust,rust,1,1,trace,mm_add:__add_memory_driver_managed,1024,1,1,45000"
	echo "bench-c,c,1,1,foot,driver_objs,1024,1,1,2"
	echo "bench-rust,rust,1,1,foot,driver_objs,1024,1,1,3"
} >"$d/samples.csv"
printf 'variant,round,size_gib,seconds,host_mem_available_min_mib,result\nbench-c,1,1,10,900,ok\n' >"$d/boots.csv"
printf 'variant,object,text,data,bss\nbench-c,drivers/dax/kmem.ko,1,2,3\n' >"$d/footprint.csv"

if out=$(/usr/bin/python3 "$TOP/scripts/bench_report.py" "$d" 2>&1); then ok "runs"; else nok "runs" "$out"; fi
row=$(grep '^| hot-add: state' "$d/report.md" | grep '| 4 |')
check "the 4 GiB state hot-add row is in the table" test -n "$row"
ratio=$(awk -F'|' '{ gsub(/ /, "", $7); print $7 }' <<<"$row")
check "Rust/C ratio of the medians is 1.100 (have '$ratio')" test "$ratio" = 1.100
ci=$(awk -F'|' '{ gsub(/ /, "", $8); print $8 }' <<<"$row")
check "the 95% interval ($ci) holds 1.100 and is within 1.05-1.15" \
	awk -v ci="$ci" 'BEGIN { split(ci, a, "-"); exit !(a[1] <= 1.1 && a[2] >= 1.1 && a[1] > 1.05 && a[2] < 1.15) }'
per=$(awk -F'|' '{ gsub(/ /, "", $9); print $9 }' <<<"$row")
check "C ms/GiB at 4 GiB is the median / 4 = 100 (have '$per')" test "$per" = 100
check "mm's share: 45 of 50 ms, driver 5.0" grep -q '^| c | 1 | 50 | 45 | 5.0 |' "$d/report.md"
check "the foot table has both drivers" grep -q '^| rust | 3 |' "$d/report.md"
check "summary.json is JSON with the ratio" /usr/bin/python3 -c "
import json, sys
s = json.load(open('$d/summary.json'))
sys.exit(not any(abs(e['ratio'] - 1.1) < 1e-9 for e in s['size'] if e['size_gib'] == 4))"
if command -v gnuplot >/dev/null; then
	check "the plot is a PNG" /usr/bin/python3 -c "import sys; sys.exit(open('$d/bench.png', 'rb').read(8) != b'\x89PNG\r\n\x1a\n')"
else
	nok "the plot is a PNG" "gnuplot is not installed: ./kmem setup"
fi
echo "# bench-report: $failed of $n failed"
[ "$failed" = 0 ]
