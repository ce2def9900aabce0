#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# compile_fail.sh VARIANT: build every "```ignore,compile_fail,EXXXX" example
# in the Rust files of the series against the kernel crate of build-VARIANT,
# as an external module, and check that it fails with error EXXXX, located
# at the line of the example marked "//~ ERROR" (as rustc's own UI tests
# mark them), so that an unrelated error elsewhere does not count.  For an
# error without a code, the example is "```ignore,compile_fail" and names
# the error in a line "// error: MESSAGE".  Where one code has many causes,
# "// unsatisfied: BOUND" lines name the bound the error must report.
#
# The kernel runs doctests as KUnit tests, which cannot express "must not
# compile" (rustdoc's compile_fail needs rustdoc to run the compiler), so
# such examples are marked "ignore" for rustdoc and checked here.  A control
# example that must build proves the harness itself works.  One TAP line per
# example goes to $KMEM_OUT/results/compile-fail.tap.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=${1:-rust}
out=$KMEM_OUT/build-$variant
res=$KMEM_OUT/results/compile-fail.tap
work=$KMEM_OUT/compile-fail
mkdir -p "$KMEM_OUT/results"
: >"$res"
if [ ! -f "$out/rust/libkernel.rmeta" ]; then
	echo "not ok - compile-fail: no kernel crate in $out to build against" >"$res"
	die "no kernel crate in $out: run ./kmem build $variant first"
fi

# extract FILE: print "LINE ERRCODE" and the body of each example, separated
# by lines "@@@ LINE ERRCODE" / "@@@ end".
extract() {
	awk '
	/^[[:space:]]*\/\/\/ ```ignore,compile_fail(,E[0-9]+)?[[:space:]]*$/ {
		code = "message"
		if (match($0, /E[0-9]+/)) code = substr($0, RSTART, RLENGTH)
		print "@@@ " NR " " code; inside = 1; next
	}
	inside && /^[[:space:]]*\/\/\/ ```[[:space:]]*$/ { print "@@@ end"; inside = 0; next }
	inside {
		sub(/^[[:space:]]*\/\/\/ ?/, "")
		if ($0 == "#") $0 = ""
		else sub(/^# /, "")
		print
	}' "$1"
}

# build NAME BODY-FILE: build the example as a module; stderr in NAME.log.
build() {
	local d=$work/$1 body=$2 ret=
	rm -rf "$d" && mkdir -p "$d"
	grep -q '^Ok::<' "$body" && ret=" -> Result<(), Error>"
	{
		echo "// SPDX-License-Identifier: GPL-2.0"
		echo "//! A compile_fail example of the series."
		echo "#![allow(unreachable_code, unused)]"
		echo "use kernel::prelude::*;"
		echo "module! { type: Example, name: \"cf_example\", license: \"GPL\", }"
		echo "struct Example;"
		echo "impl kernel::Module for Example {"
		echo "    fn init(_m: &'static ThisModule) -> Result<Self> { Ok(Example) }"
		echo "}"
		echo "fn example()$ret {"
		cat "$body"
		echo "}"
	} >"$d/cf_example.rs"
	echo "obj-m := cf_example.o" >"$d/Kbuild"
	kmake O="$out" M="$d" modules >"$d/build.log" 2>&1
}

# error_lines PATTERN LOG: the lines of cf_example.rs at which the errors
# whose header starts with PATTERN are located (their first "-->").
error_lines() {
	awk -v pat="$1" '
	index($0, pat) == 1 { want = 1; next }
	/^error/ { want = 0 }
	want && /^ *--> / {
		n = split($2, a, ":")
		if (a[1] ~ /cf_example\.rs$/) print a[n - 1]
		want = 0
	}' "$2"
}

n=0
control=$(mktemp)
printf 'let _ = 1;\n' >"$control"
if build control "$control"; then
	echo "ok - compile-fail: a control example builds as an external module" >>"$res"
else
	echo "not ok - compile-fail: a control example does not build (see $work/control/build.log)" >>"$res"
fi
rm -f "$control"

files=$(git -C "$KMEM_SRC" diff --name-only base HEAD -- '*.rs')
for f in $files; do
	[ -f "$KMEM_SRC/$f" ] || continue
	body=
	while IFS= read -r line; do
		case $line in
		"@@@ end")
			n=$((n + 1))
			name=$(echo "$f" | tr '/.' '__')_$where
			if [ "$code" = message ]; then
				want=$(sed -n 's|^[[:space:]]*// error: ||p' "$body" | head -n 1)
				pattern="error: $want"
			else
				want=$code
				pattern="error[$code]"
			fi
			if [ -z "$want" ]; then
				echo "not ok - compile-fail: $f:$where names no error (EXXXX or // error: ...)" >>"$res"
			elif ! grep -q '//~ ERROR' "$body"; then
				echo "not ok - compile-fail: $f:$where marks no line with //~ ERROR" >>"$res"
			elif build "$name" "$body"; then
				echo "not ok - compile-fail: $f:$where builds, but must fail with $want" >>"$res"
			else
				line=$(grep -n '//~ ERROR' "$work/$name/cf_example.rs" | head -n 1 | cut -d: -f1)
				at=$(error_lines "$pattern" "$work/$name/build.log")
				# "// unsatisfied: BOUND": the error must name that
				# unsatisfied bound, where one error code has many causes.
				missing=
				while IFS= read -r bound; do
					grep -qF -- "$bound" "$work/$name/build.log" || missing=$bound
				done < <(sed -n 's|^[[:space:]]*// unsatisfied: ||p' "$body")
				if [ -n "$missing" ] && grep -qx "$line" <<<"$at"; then
					echo "not ok - compile-fail: $f:$where fails with $want at its //~ ERROR line, but not for the bound it names: $missing" >>"$res"
				elif grep -qx "$line" <<<"$at"; then
					echo "ok - compile-fail: $f:$where fails to build with $want at its //~ ERROR line" >>"$res"
				elif [ -n "$at" ]; then
					echo "not ok - compile-fail: $f:$where fails with $want, but at line(s) $(echo $at) of the example, not at its //~ ERROR line $line" >>"$res"
				else
					echo "not ok - compile-fail: $f:$where fails, but not with $want: $(grep -m1 '^error' "$work/$name/build.log")" >>"$res"
				fi
			fi
			rm -f "$body"
			;;
		"@@@ "*)
			read -r _ where code <<<"$line"
			body=$(mktemp)
			;;
		*) echo "$line" >>"$body" ;;
		esac
	done < <(extract "$KMEM_SRC/$f")
done
[ $n -gt 0 ] || echo "not ok - compile-fail: no compile_fail example found in the series" >>"$res"
cat "$res"
! grep -q '^not ok' "$res"
