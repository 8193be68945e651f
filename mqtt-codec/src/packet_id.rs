//! Packet identifiers: 16-bit, never zero.

use core::num::NonZeroU16;

/// A packet identifier (1..=65,535). Zero is never valid ([MQTT-2.3.1-1]).
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize, serde::Serialize))]
pub struct PacketId(NonZeroU16);

impl PacketId {
    /// The smallest identifier, 1.
    pub const MIN: Self = Self(NonZeroU16::MIN);
    /// The largest identifier, 65,535.
    pub const MAX: Self = Self(NonZeroU16::MAX);

    /// An identifier from its wire value; `None` for 0.
    #[must_use]
    pub const fn new(value: u16) -> Option<Self> {
        match NonZeroU16::new(value) {
            Some(v) => Some(Self(v)),
            None => None,
        }
    }

    /// The wire value.
    #[must_use]
    pub const fn get(self) -> u16 {
        self.0.get()
    }

    /// The next identifier, wrapping from 65,535 to 1 (never 0).
    #[must_use]
    pub const fn wrapping_next(self) -> Self {
        match NonZeroU16::new(self.0.get().wrapping_add(1)) {
            Some(v) => Self(v),
            None => Self::MIN,
        }
    }
}

impl From<NonZeroU16> for PacketId {
    fn from(value: NonZeroU16) -> Self {
        Self(value)
    }
}

impl From<PacketId> for u16 {
    fn from(value: PacketId) -> Self {
        value.get()
    }
}

impl core::fmt::Display for PacketId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_is_not_an_id() {
        assert_eq!(PacketId::new(0), None);
        assert_eq!(PacketId::new(1), Some(PacketId::MIN));
    }

    #[test]
    fn wraps_past_max_to_one() {
        assert_eq!(PacketId::MAX.wrapping_next(), PacketId::MIN);
        assert_eq!(PacketId::MIN.wrapping_next().get(), 2);
    }
}
