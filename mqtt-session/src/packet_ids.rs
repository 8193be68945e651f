//! The packet-identifier allocator shared by outbound PUBLISH (QoS 1/2), SUBSCRIBE and
//! UNSUBSCRIBE. Inbound identifiers are the peer's and live in a separate space.

use alloc::vec::Vec;

use mqtt_codec::PacketId;

use crate::error::UsageError;

/// Hands out packet identifiers that are not in use, in increasing order, wrapping from 65,535
/// to 1 and skipping identifiers still held ([MQTT-2.3.1-2] in 3.1.1, [MQTT-2.2.1-3] in 5.0: an
/// identifier becomes reusable only after its acknowledgment).
///
/// The identifiers in use are a sparse bitmap: one 64-bit word per block of 64 identifiers that
/// has any in use, kept sorted. Identifiers are handed out in order, so the ones in flight sit
/// in one or two blocks: a lookup is a search of a tiny vector and a bit test, and skipping a
/// run of held identifiers is one `trailing_zeros`. Memory is 16 bytes per such block (none
/// when idle; at most 16 KiB with all 65,535 in use).
#[derive(Clone, Debug)]
pub struct PacketIdAllocator {
    next: PacketId,
    count: u32,
    blocks: Vec<Block>,
}

/// The identifiers `64 * index .. 64 * index + 63`; bit `n` is `64 * index + n`.
#[derive(Clone, Copy, Debug)]
struct Block {
    index: u16,
    bits: u64,
}

/// Splits an identifier into its block index and bit.
const fn split(id: u16) -> (u16, u64) {
    (id >> 6, 1 << (id & 63))
}

impl Default for PacketIdAllocator {
    fn default() -> Self {
        Self::new()
    }
}

impl PacketIdAllocator {
    /// An allocator with no identifier in use; the first one handed out is 1.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            next: PacketId::MIN,
            count: 0,
            blocks: Vec::new(),
        }
    }

    /// Takes the next free identifier.
    ///
    /// # Errors
    /// [`UsageError::PacketIdsExhausted`] when all 65,535 are in use; nothing changes then.
    pub fn allocate(&mut self) -> Result<PacketId, UsageError> {
        if self.count >= u32::from(u16::MAX) {
            return Err(UsageError::PacketIdsExhausted);
        }
        let mut candidate = self.next.get();
        // At least one identifier is free, so this ends within 1,025 blocks.
        loop {
            let (index, _) = split(candidate);
            let Ok(at) = self.find(index) else { break };
            let free = self.blocks.get(at).map_or(u64::MAX, |b| !b.bits) >> (candidate & 63);
            if free != 0 {
                // `trailing_zeros` < 64 - (candidate & 63), so this stays in the block.
                #[expect(clippy::cast_possible_truncation, reason = "less than 64")]
                let skip = free.trailing_zeros() as u16;
                candidate += skip;
                break;
            }
            // The rest of this block is held: on to the next one (65,535 wraps to 1).
            candidate = (index + 1).checked_mul(64).unwrap_or(1);
        }
        let id = PacketId::new(candidate).unwrap_or(PacketId::MIN);
        self.claim(id);
        self.next = id.wrapping_next();
        Ok(id)
    }

    /// Marks `id` as in use (restoring saved state). Returns `false` if it already was.
    pub fn claim(&mut self, id: PacketId) -> bool {
        let (index, bit) = split(id.get());
        match self.find(index) {
            Ok(at) => match self.blocks.get_mut(at) {
                Some(b) if b.bits & bit == 0 => b.bits |= bit,
                _ => return false,
            },
            Err(at) => self.blocks.insert(at, Block { index, bits: bit }),
        }
        self.count += 1;
        true
    }

    /// Returns `id` to the pool. Returns `false` if it was not in use.
    pub fn release(&mut self, id: PacketId) -> bool {
        let (index, bit) = split(id.get());
        let Ok(at) = self.find(index) else {
            return false;
        };
        let Some(b) = self.blocks.get_mut(at) else {
            return false;
        };
        if b.bits & bit == 0 {
            return false;
        }
        b.bits &= !bit;
        if b.bits == 0 {
            self.blocks.remove(at);
        }
        self.count -= 1;
        true
    }

    /// Releases every identifier (a session that ends).
    pub fn clear(&mut self) {
        self.blocks.clear();
        self.count = 0;
    }

    /// Whether `id` is in use.
    #[must_use]
    pub fn is_in_use(&self, id: PacketId) -> bool {
        let (index, bit) = split(id.get());
        self.find(index)
            .ok()
            .and_then(|at| self.blocks.get(at))
            .is_some_and(|b| b.bits & bit != 0)
    }

    /// How many identifiers are in use.
    #[must_use]
    pub fn in_use(&self) -> usize {
        self.count as usize
    }

    /// Frees the memory of blocks no longer needed.
    pub fn shrink_to_fit(&mut self) {
        self.blocks.shrink_to_fit();
    }

    /// Where block `index` is, or where it would go.
    fn find(&self, index: u16) -> Result<usize, usize> {
        // In flight identifiers are consecutive, so the block is almost always the last one.
        match self.blocks.last() {
            Some(b) if b.index == index => Ok(self.blocks.len() - 1),
            Some(b) if b.index < index => Err(self.blocks.len()),
            _ => self.blocks.binary_search_by_key(&index, |b| b.index),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(v: u16) -> PacketId {
        PacketId::new(v).unwrap()
    }

    #[test]
    fn hands_out_increasing_ids_and_skips_held_ones() {
        let mut a = PacketIdAllocator::new();
        assert_eq!(a.allocate(), Ok(id(1)));
        assert_eq!(a.allocate(), Ok(id(2)));
        assert!(a.claim(id(3)));
        assert_eq!(a.allocate(), Ok(id(4)), "3 is held");
        assert!(a.release(id(1)));
        assert!(!a.release(id(1)), "double release is reported");
        assert_eq!(a.allocate(), Ok(id(5)), "no early reuse of a freed id");
        assert_eq!(a.in_use(), 4);
    }

    #[test]
    fn wraps_past_65535_to_1_never_0() {
        let mut a = PacketIdAllocator::new();
        a.next = PacketId::MAX;
        assert!(a.claim(id(1)));
        assert_eq!(a.allocate(), Ok(PacketId::MAX));
        assert_eq!(a.allocate(), Ok(id(2)), "wraps, skipping 0 and the held 1");
    }

    #[test]
    fn exhaustion_is_an_error_that_changes_nothing() {
        let mut a = PacketIdAllocator::new();
        for _ in 0..u16::MAX {
            a.allocate().unwrap();
        }
        let next = a.next;
        assert_eq!(a.allocate(), Err(UsageError::PacketIdsExhausted));
        assert_eq!((a.next, a.in_use()), (next, usize::from(u16::MAX)));
        assert!(a.release(id(40_000)));
        assert_eq!(a.allocate(), Ok(id(40_000)), "the one free id is found");
    }

    proptest::proptest! {
        /// Model test: the bitmap behaves as a set of identifiers with the documented order.
        #[test]
        fn equals_a_set_model(
            start in 1_u16..=u16::MAX,
            ops in proptest::collection::vec((0_u8..4, 1_u16..=u16::MAX, 0_u16..200), 1..300),
        ) {
            let mut a = PacketIdAllocator::new();
            a.next = id(start);
            let mut model = std::collections::BTreeSet::new();
            let mut next = start;
            for (op, value, near) in ops {
                // Ids near the allocation cursor exercise the block edges and the wrap.
                let target = if value % 2 == 0 { value } else { next.wrapping_add(near).max(1) };
                match op {
                    0 => {
                        let got = a.allocate().unwrap().get();
                        let mut want = next;
                        while model.contains(&want) {
                            want = if want == u16::MAX { 1 } else { want + 1 };
                        }
                        proptest::prop_assert_eq!(got, want);
                        model.insert(want);
                        next = if want == u16::MAX { 1 } else { want + 1 };
                    }
                    1 => proptest::prop_assert_eq!(a.claim(id(target)), model.insert(target)),
                    2 => proptest::prop_assert_eq!(a.release(id(target)), model.remove(&target)),
                    _ => proptest::prop_assert_eq!(a.is_in_use(id(target)), model.contains(&target)),
                }
                proptest::prop_assert_eq!(a.in_use(), model.len());
            }
        }
    }
}
