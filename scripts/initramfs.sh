#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# initramfs.sh VARIANT: pack $KMEM_OUT/initramfs-VARIANT.cpio for the kernel
# built by build.sh VARIANT: static busybox, bash, ndctl and daxctl with
# their shared libraries, /lib/modules/<release> (daxctl looks drivers up by
# module name through libkmod, built-in ones too), the guest tests and the
# kernel's dax and memory-hotplug selftests (installed with their runner in
# /kselftest).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=${1:?usage: initramfs.sh VARIANT}
out=$KMEM_OUT/build-$variant
[ -d "$out/modroot/lib/modules" ] || die "no modules_install output in $out: run ./kmem build $variant first"
release=$(ls "$out/modroot/lib/modules")
root=$out/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,proc,sys,dev,tmp,run,etc,tests}

cp /bin/busybox "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done

# copy_bin BINARY: the binary and every shared library it needs.
copy_bin() {
	local bin lib
	bin=$(command -v "$1") || die "$1 not found on the host: run ./kmem setup (as root)"
	cp -L "$bin" "$root/usr/bin/$(basename "$bin")"
	for lib in $(ldd "$bin" | grep -oE '/[^ ]+'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -Ln "$lib" "$root$lib" 2>/dev/null || true
	done
}
copy_bin ndctl
copy_bin daxctl
copy_bin bash
# util-linux dmesg: the selftest clears the log with dmesg -C, which
# busybox's dmesg does not know.
copy_bin dmesg
rm -f "$root/bin/bash" "$root/bin/sh"
ln -s busybox "$root/bin/sh"
# The real bash for "#!/bin/bash" scripts (the selftests), not busybox's.
ln -s /usr/bin/bash "$root/bin/bash"

# libkmod reads these (modules.builtin, modules.dep...) for the running
# kernel; keep only the metadata, not the modules themselves.
mkdir -p "$root/lib/modules"
cp -r "$out/modroot/lib/modules/$release" "$root/lib/modules/"
rm -f "$root/lib/modules/$release"/{build,source}
depmod -b "$root" "$release"

# The reliability suites' helpers (tests/tools/).
gcc -O2 -Wall -static -o "$root/usr/bin/kmemtool" "$TOP/tests/tools/kmemtool.c" ||
	die "cannot build tests/tools/kmemtool.c (static): install gcc and libc6-dev"
mkdir -p "$root/usr/lib"
gcc -O2 -Wall -shared -fPIC -o "$root/usr/lib/kmemfail.so" "$TOP/tests/tools/kmemfail.c" ||
	die "cannot build tests/tools/kmemfail.c"

# The guest's test modules (tests/modules/, not part of the series), built
# against this kernel's Rust crate.
if grep -q '^CONFIG_RUST=y' "$out/.config"; then
	mdir=$KMEM_OUT/modules-$variant
	rm -rf "$mdir" && mkdir -p "$mdir" && cp "$TOP"/tests/modules/* "$mdir/"
	kmake O="$out" M="$mdir" modules >"$mdir/build.log" 2>&1 ||
		die "cannot build tests/modules against $out (see $mdir/build.log)"
	cp "$mdir"/*.ko "$root/tests/"
fi

cp "$TOP/guest/init" "$root/init"
cp "$TOP"/tests/e2e/*.sh "$root/tests/"
# The kernel's dax and memory-hotplug selftests, installed as a maintainer
# installs them (run_kselftest.sh, kselftest-list.txt, the tests), into
# /kselftest.
kmake O="$out" -C "$KMEM_SRC/tools/testing/selftests" TARGETS="dax memory-hotplug" \
	INSTALL_PATH="$root/kselftest" install >"$out/kselftest-install.log" 2>&1 ||
	die "cannot install the dax and memory-hotplug selftests (see $out/kselftest-install.log)"
chmod +x "$root/init" "$root"/tests/*.sh

(cd "$root" && find . -print0 | sort -z | cpio --null -o -H newc --quiet) >"$KMEM_OUT/initramfs-$variant.cpio"
say "initramfs[$variant]: $KMEM_OUT/initramfs-$variant.cpio ($(du -h "$KMEM_OUT/initramfs-$variant.cpio" | cut -f1), $release)"
