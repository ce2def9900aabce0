// SPDX-License-Identifier: GPL-2.0

//! Test module of the end-to-end suite `tierguard` (not part of the series).
//!
//! Gives node 1 a memory type of its own through the kernel crate's memory
//! tier abstraction and holds the counted use of it while loaded; unloading
//! drops the guard, and the list that frees the type, whatever memory of the
//! node is online then. The memory tier code must keep the type while it
//! places the node by it ("mm/memory-tiers: count a node's tier as a user of
//! its memory type"): without that, the node's last memory going offline
//! afterwards dereferences a NULL type.

use kernel::{
    alloc::NodeId,
    mm::memory_tiers::{
        self,
        MemoryTypes,
        NodeMemoryType,
        ADISTANCE_DRAM, //
    },
    prelude::*,
};

module! {
    type: TierGuard,
    name: "tier_guard",
    authors: ["kmem-rs"],
    description: "Holds a memory type of node 1 while loaded (kmem-rs e2e test)",
    license: "GPL",
}

/// The abstract distance of the type: a tier of its own, between DRAM's and
/// kmem's default (five times DRAM's).
const ADISTANCE: i32 = 3 * ADISTANCE_DRAM;

struct TierGuard {
    // Dropped first: the use of the type, then the list holding the type.
    _guard: NodeMemoryType,
    _types: Pin<KBox<MemoryTypes>>,
}

impl kernel::Module for TierGuard {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let types = KBox::pin_init(MemoryTypes::new(), GFP_KERNEL)?;
        let mtype = types.find_or_alloc(ADISTANCE)?;
        let Some(guard) = memory_tiers::init_node_memory_type(NodeId::new(1)?, mtype) else {
            pr_err!("node 1 has a memory type already\n");
            return Err(EBUSY);
        };
        pr_info!("node 1: memory type of abstract distance {} counted\n", ADISTANCE);
        Ok(Self {
            _guard: guard,
            _types: types,
        })
    }
}
