//! The packet-identifier allocator shared by outbound PUBLISH (QoS 1/2), SUBSCRIBE and
//! UNSUBSCRIBE. Inbound identifiers are the peer's and live in a separate space.

use alloc::collections::BTreeSet;

use mqtt_codec::PacketId;

use crate::error::UsageError;

/// Hands out packet identifiers that are not in use, in increasing order, wrapping from 65,535
/// to 1 and skipping identifiers still held ([MQTT-2.3.1-2] in 3.1.1, [MQTT-2.2.1-3] in 5.0: an
/// identifier becomes reusable only after its acknowledgment).
///
/// Memory is proportional to the identifiers in use (none when idle).
#[derive(Clone, Debug)]
pub struct PacketIdAllocator {
    next: PacketId,
    in_use: BTreeSet<u16>,
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
            in_use: BTreeSet::new(),
        }
    }

    /// Takes the next free identifier.
    ///
    /// # Errors
    /// [`UsageError::PacketIdsExhausted`] when all 65,535 are in use; nothing changes then.
    pub fn allocate(&mut self) -> Result<PacketId, UsageError> {
        if self.in_use.len() >= usize::from(u16::MAX) {
            return Err(UsageError::PacketIdsExhausted);
        }
        let mut candidate = self.next;
        // At least one identifier is free, so this ends within 65,535 steps.
        while self.in_use.contains(&candidate.get()) {
            candidate = candidate.wrapping_next();
        }
        self.in_use.insert(candidate.get());
        self.next = candidate.wrapping_next();
        Ok(candidate)
    }

    /// Marks `id` as in use (restoring saved state). Returns `false` if it already was.
    pub fn claim(&mut self, id: PacketId) -> bool {
        self.in_use.insert(id.get())
    }

    /// Returns `id` to the pool. Returns `false` if it was not in use.
    pub fn release(&mut self, id: PacketId) -> bool {
        self.in_use.remove(&id.get())
    }

    /// Releases every identifier (a session that ends).
    pub fn clear(&mut self) {
        self.in_use.clear();
    }

    /// Whether `id` is in use.
    #[must_use]
    pub fn is_in_use(&self, id: PacketId) -> bool {
        self.in_use.contains(&id.get())
    }

    /// How many identifiers are in use.
    #[must_use]
    pub fn in_use(&self) -> usize {
        self.in_use.len()
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
}
