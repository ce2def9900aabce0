#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# export_route.sh [VARIANT]: mm exports __add_memory_driver_managed() only
# to the module named "kmem" (EXPORT_SYMBOL_FOR_MODULES).  The Rust
# HotplugRegion::add() that calls it is #[inline(always)], so that the call
# is made from the calling module, where modpost checks the restriction,
# and never from the (built-in) kernel crate.  Check that this holds, on
# the kernel of build-VARIANT (a Rust build with kmem as a module):
#
#  - the kernel crate has no reference to the function: no out-of-line
#    copy of add() that any module could reach through it;
#  - kmem.ko has the undefined reference that modpost checks;
#  - an external module that calls HotplugRegion::add() is refused by
#    modpost unless it is named "kmem" (built both ways; not loaded).
#
# One TAP line per check to $KMEM_OUT/results/export-route.tap.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=${1:-rust}
out=$KMEM_OUT/build-$variant
res=$KMEM_OUT/results/export-route.tap
work=$KMEM_OUT/export-route
sym=__add_memory_driver_managed
mkdir -p "$KMEM_OUT/results"
: >"$res"

tap() { # tap OK|FAIL DESCRIPTION
	if [ "$1" = OK ]; then echo "ok - export-route: $2" >>"$res"; else echo "not ok - export-route: $2" >>"$res"; fi
}

if [ ! -f "$out/rust/kernel.o" ] || [ ! -f "$out/drivers/dax/kmem/kmem.ko" ]; then
	tap FAIL "no Rust kernel with kmem as a module in $out (./kmem build $variant first)"
	cat "$res"
	exit 1
fi

if nm "$out/rust/kernel.o" | grep -qw "$sym"; then
	tap FAIL "the kernel crate refers to $sym: an out-of-line HotplugRegion::add() would let any module call it"
else
	tap OK "the kernel crate does not refer to $sym"
fi
if nm "$out/drivers/dax/kmem/kmem.ko" | grep -qE "^ +U $sym\$"; then
	tap OK "kmem.ko calls $sym itself (undefined there, checked by modpost)"
else
	tap FAIL "kmem.ko has no undefined reference to $sym"
fi

# build NAME: an external module NAME.ko whose code calls HotplugRegion::add().
build() {
	local d=$work/$1
	rm -rf "$d" && mkdir -p "$d"
	cat >"$d/$1.rs" <<EOF
// SPDX-License-Identifier: GPL-2.0
//! Calls HotplugRegion::add() from a module named $1.
use kernel::{
    dax,
    device::Bound,
    mm::hotplug::{AddFlags, MemoryGroup, OnlineType},
    prelude::*,
};

fn add(dev: &dax::Device<Bound>, group: &MemoryGroup) -> Result {
    let range = dev.range(0).ok_or(EINVAL)??;
    let region = dev.hotplug_region(range, c"System RAM (kmem)")?;
    let _memory = region.add(group, AddFlags::default(), OnlineType::Online)?;
    Ok(())
}

module! { type: M, name: "$1", license: "GPL", }
struct M;
impl kernel::Module for M {
    fn init(_m: &'static ThisModule) -> Result<Self> {
        // Keep add() in the object, never called.
        core::hint::black_box(add as fn(&dax::Device<Bound>, &MemoryGroup) -> Result);
        Ok(M)
    }
}
EOF
	echo "obj-m := $1.o" >"$d/Kbuild"
	kmake O="$out" M="$d" modules >"$d/build.log" 2>&1
}

if build kmem; then
	tap OK "a module named kmem that calls HotplugRegion::add() builds"
else
	tap FAIL "a module named kmem that calls HotplugRegion::add() does not build (see $work/kmem/build.log)"
fi
if build notkmem; then
	tap FAIL "a module named notkmem that calls HotplugRegion::add() builds: the export restriction is bypassed"
elif grep -q "notkmem.*uses symbol '$sym' from namespace 'module:kmem'" "$work/notkmem/build.log"; then
	tap OK "modpost refuses a module named notkmem that calls HotplugRegion::add()"
else
	tap FAIL "a module named notkmem fails to build, but not at modpost: $(grep -m1 -E '^(error|ERROR)' "$work/notkmem/build.log")"
fi
cat "$res"
! grep -q '^not ok' "$res"
