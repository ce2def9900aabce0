#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh VARIANT: configure and build the end-to-end kernel of one variant
# of the branch in $KMEM_SRC into $KMEM_OUT/build-VARIANT (or
# $KMEM_BUILD_DIR: scripts/bisect.sh builds each commit this way).
#
# The config is tinyconfig + configs/e2e.config + configs/VARIANT.config (if
# present; bench-X: + configs/bench.config + configs/X.config), merged
# with the kernel's merge_config.sh.  Every option the
# fragments ask for is checked afterwards; options that did not stick are
# listed and the build stops.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=${1:?usage: build.sh VARIANT (e.g. c)}
out=${KMEM_BUILD_DIR:-$KMEM_OUT/build-$variant}
frags=("$TOP/configs/e2e.config")
# VARIANT@TAG: the config of VARIANT, built apart (./kmem series-test
# builds norust@series from another tree).
cfg=${variant%@*}
# bench-c, bench-rust: ./kmem bench's kernels, without the debugging.
case $cfg in
bench-*)
	frags+=("$TOP/configs/bench.config")
	[ -f "$TOP/configs/${cfg#bench-}.config" ] || die "build: no configs/${cfg#bench-}.config for variant $variant"
	frags+=("$TOP/configs/${cfg#bench-}.config")
	;;
*)
	[ -f "$TOP/configs/$cfg.config" ] ||
		die "build: no variant '$cfg': one of $(cd "$TOP/configs" && ls ./*.config | sed 's|^\./||; s|\.config$||' | grep -vx 'e2e\|bench' | tr '\n' ' ')(or bench-c, bench-rust)"
	frags+=("$TOP/configs/$cfg.config")
	;;
esac

[ -f "$KMEM_SRC/Makefile" ] || die "no kernel tree at $KMEM_SRC: run ./kmem base && ./kmem apply"
mkdir -p "$out"

# check_config .config FRAGMENT...: print requested options that are not set
# to the requested value.
check_config() {
	local cfg=$1 line opt want have
	shift
	# A later fragment overrides an earlier one, as in merge_config.sh.
	cat "$@" | while read -r line; do
		case $line in
		CONFIG_*=*) echo "${line%%=*} ${line#*=}" ;;
		"# CONFIG_"*" is not set") opt=${line#\# } && echo "${opt%% *} n" ;;
		esac
	done | awk '{ want[$1] = $2; if (!($1 in seen)) { seen[$1] = 1; order[n++] = $1 } }
		END { for (i = 0; i < n; i++) print order[i], want[order[i]] }' |
	while read -r opt want; do
		have=$(grep -E "^$opt=" "$cfg" | cut -d= -f2- || true)
		[ -n "$have" ] || have=n
		[ "$have" = "$want" ] || echo "  $opt: asked for $want, got $have"
	done
}

say "build[$variant]: configuring (tinyconfig + ${frags[*]##*/})"
kmake O="$out" tinyconfig >/dev/null
"$KMEM_SRC/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${frags[@]}" >"$out/merge.log" 2>&1 ||
	die "merge_config.sh failed: see $out/merge.log"
kmake O="$out" olddefconfig >/dev/null
bad=$(check_config "$out/.config" "${frags[@]}")
if [ -n "$bad" ]; then
	printf 'These requested options did not stick (a dependency is missing or the\ntoolchain is not usable, e.g. CONFIG_RUST needs scripts/setup.sh):\n%s\n' "$bad" >&2
	grep -q 'CONFIG_RUST:' <<<"$bad" && kmake O="$out" rustavailable >&2 || true
	die "build[$variant]: config check failed"
fi

say "build[$variant]: compiling in $out ($JOBS jobs; ~5-8 min from scratch)"
# Rust code is compiled through clippy (CLIPPY=1 builds the same objects):
# a lint costs no second build.
clippy=
grep -q '^CONFIG_RUST=y' "$out/.config" && clippy=CLIPPY=1
kmake O="$out" $clippy bzImage modules >"$out/build.log" 2>&1 || {
	grep -E 'error|Error' "$out/build.log" | head -30 >&2
	die "build[$variant]: kernel build failed: see $out/build.log"
}
rm -rf "$out/modroot"
kmake O="$out" INSTALL_MOD_PATH="$out/modroot" modules_install >>"$out/build.log" 2>&1 ||
	die "build[$variant]: modules_install failed: see $out/build.log"
say "build[$variant]: $(kmake O="$out" -s kernelrelease) -> $out/arch/x86/boot/bzImage"
