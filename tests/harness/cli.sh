#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ./kmem's command line: what a user mistypes is refused at once, with
# what to type instead, before anything is built or booted.  TAP on stdout.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
export KMEM_OUT=$t/out
n=0 failed=0
ok() { n=$((n + 1)); echo "ok - cli: $1"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok - cli: $1"; [ -z "${2:-}" ] || printf '%s\n' "$2" | sed 's/^/#   /'; }
# refused DESC PATTERN ARGS...: ./kmem ARGS fails within 10 s, printing
# PATTERN, and builds nothing.
refused() {
	local desc=$1 pat=$2 out rc t0
	shift 2
	t0=$(date +%s)
	out=$(timeout 60 "$TOP/kmem" "$@" 2>&1)
	rc=$?
	if [ $rc != 0 ] && [ $rc != 124 ] && [ $(($(date +%s) - t0)) -le 10 ] &&
		grep -q -- "$pat" <<<"$out" && ! ls -d "$KMEM_OUT"/build-* >/dev/null 2>&1; then
		ok "$desc"
	else
		nok "$desc" "exit $rc: $(tail -n 3 <<<"$out")"
	fi
}

refused "an unknown variant is refused at once, listing the variants" \
	"no variant 'bogus': one of .*rust" build bogus
refused "an unknown command is refused with the usage" "usage: ./kmem COMMAND" frobnicate
refused "no command prints the usage and fails" "usage: ./kmem COMMAND"
refused "demo refuses a variant it does not run" "demo: rust or c" demo c-kasan
echo "# cli: $failed of $n failed"
[ $failed = 0 ]
