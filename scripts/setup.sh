#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what building, booting and testing the series needs on a Debian 12
# machine, then check the versions.  Idempotent: a second run only checks.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

APT_PKGS=(
	rustc-web rust-web-src rust-web-clippy rustfmt-web
	build-essential flex bison bc libelf-dev libssl-dev cpio kmod xz-utils
	ccache qemu-system-x86 ndctl daxctl busybox-static git
	git-email libmailtools-perl libauthen-sasl-perl libio-socket-ssl-perl # ./kmem send
	python3-aiosmtpd # its test: a loopback SMTP server
	python3-ply python3-git # checkpatch.pl's SPDX check
	gnuplot-nox # ./kmem bench: the plot
	sparse python3-sphinx # ./kmem static: sparse, the documentation build
	rsync # make -C tools/testing/selftests install
)

missing_pkgs() {
	local p
	for p in "${APT_PKGS[@]}"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed' || echo "$p"
	done
}

install_apt() {
	local todo
	todo=$(missing_pkgs)
	[ -z "$todo" ] && return 0
	say "apt: installing" $todo
	[ "$(id -u)" = 0 ] || die "need root to install:" $todo
	apt-get update -qq || die "apt-get update failed; check the network/apt sources"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $todo \
		>/dev/null || die "apt-get install failed for: $todo"
}

install_libclang() {
	[ -f "$LIBCLANG_PATH/libclang.so" ] && return 0
	say "pip: libclang==$LIBCLANG_VERSION into $TOOLS/libclang"
	python3 -m pip install -q --disable-pip-version-check --no-deps \
		--target "$TOOLS/libclang" "libclang==$LIBCLANG_VERSION" ||
		die "pip install libclang==$LIBCLANG_VERSION failed"
}

install_bindgen() {
	local b=$TOOLS/bindgen/bin/bindgen
	if [ -x "$b" ] && grep -qF "$BINDGEN_VERSION" <<<"$("$b" --version 2>/dev/null)"; then
		return 0
	fi
	say "cargo: bindgen-cli@$BINDGEN_VERSION (about 4 minutes on 2 cores)"
	# cargo is rustup's; that is fine for a host tool.
	local cargo
	cargo=$(PATH=$HOME/.cargo/bin:$PATH command -v cargo) ||
		die "cargo not found: install a Rust toolchain (rustup) to build bindgen"
	"$cargo" install -q --locked --root "$TOOLS/bindgen" "bindgen-cli@$BINDGEN_VERSION" ||
		die "cargo install bindgen-cli@$BINDGEN_VERSION failed"
}

check() {
	local bad=0 v
	v=$(/usr/bin/rustc --version 2>/dev/null) || v=none
	case $v in rustc\ 1.96.*) ;; *) echo "rustc: want 1.96 from rustc-web, have: $v"; bad=1 ;; esac
	[ -d /usr/lib/rustlib/src/rust/library ] || { echo "rust-src missing (rust-web-src)"; bad=1; }
	/usr/bin/clippy-driver --version >/dev/null 2>&1 || { echo "clippy-driver missing (rust-web-clippy)"; bad=1; }
	/usr/bin/rustfmt --version >/dev/null 2>&1 || { echo "rustfmt missing (rustfmt-web)"; bad=1; }
	v=$("$TOOLS/bindgen/bin/bindgen" --version 2>/dev/null) || v=none
	case $v in *"$BINDGEN_VERSION"*) ;; *) echo "bindgen: want $BINDGEN_VERSION, have: $v"; bad=1 ;; esac
	[ -f "$LIBCLANG_PATH/libclang.so" ] || { echo "libclang.so missing in $LIBCLANG_PATH"; bad=1; }
	for t in qemu-system-x86_64 ndctl daxctl ccache depmod cpio flex bison bc; do
		command -v "$t" >/dev/null || { echo "$t missing"; bad=1; }
	done
	[ -x /bin/busybox ] && file_is_static /bin/busybox ||
		{ echo "static busybox missing (busybox-static)"; bad=1; }
	[ $bad = 0 ] || die "setup incomplete (see above); re-run ./kmem setup"
}

file_is_static() { ! ldd "$1" >/dev/null 2>&1; }

t0=$(date +%s)
install_apt
install_libclang
install_bindgen
check
say "setup: all tools present ($(($(date +%s) - t0))s)"
