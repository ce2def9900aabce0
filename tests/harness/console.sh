#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# console_text (scripts/lib.sh) on made-up console logs: a result line
# that a kernel message was printed into the middle of is made whole, the
# kernel message kept on a line of its own; lines that only look split,
# and logs without a split, are left as they are.  TAP on stdout.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/scripts/lib.sh"
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok - console: $1"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok - console: $1"; [ -z "${2:-}" ] || printf '%s\n' "$2" | sed 's/^/#   /'; }
# same DESC IN WANT: console_text of IN (printf format) is WANT.
same() {
	local have
	printf "$2" >"$d/log"
	have=$(console_text "$d/log")
	if [ "$have" = "$(printf "$3")" ]; then ok "$1"; else nok "$1" "$have"; fi
}

same "a result line split by a kernel message is whole again" \
	'ok - faults: the fault was inject[  134.080662] kmem dax0.0: memory add failed\ned\nok - next\n' \
	'ok - faults: the fault was injected\n[  134.080662] kmem dax0.0: memory add failed\nok - next'
same "and with two kernel messages in between" \
	'not ok - a: b[    1.000001] one\n[    1.000002] two\nc\n# x\n' \
	'not ok - a: bc\n[    1.000001] one\n[    1.000002] two\n# x'
same "a comment line split the same way" \
	'# faults: errors bind: ENO[    2.500000] kmem dax0.0: x\nMEM, ok\n' \
	'# faults: errors bind: ENOMEM, ok\n[    2.500000] kmem dax0.0: x'
same "a line that holds a timestamp of its own, followed by a line of its own, is kept" \
	'# dmesg: [    3.000000] kmem dax0.0: y\nok - z\n' \
	'# dmesg: [    3.000000] kmem dax0.0: y\nok - z'
same "a split at the end of the log keeps its line" \
	'ok - last[    4.000000] kmem: w\n' \
	'ok - last[    4.000000] kmem: w'
same "carriage returns go, other lines stay" \
	'KMEM-GUEST-BEGIN\r\n[    0.100000] boot\r\nok - a\r\nplain [    5.000000] text\r\n' \
	'KMEM-GUEST-BEGIN\n[    0.100000] boot\nok - a\nplain [    5.000000] text'
echo "# console: $failed of $n failed"
[ "$failed" = 0 ]
