//! The Subscription Identifiers of a server-to-client PUBLISH (0x0B, may repeat there).

use bytes::{BufMut, Bytes, BytesMut};

use crate::properties::value::SubscriptionId;
use crate::varint;

/// The identifier of the Subscription Identifier property.
pub(crate) const SUBSCRIPTION_IDENTIFIER: u8 = 0x0B;

/// The Subscription Identifiers of a PUBLISH, one per matching subscription that had one,
/// in order. Stored as wire entries: decoding is zero-copy.
#[derive(Clone, Default, Eq, Hash, PartialEq)]
pub struct SubscriptionIds {
    /// Entries `0x0B, varint`, already validated.
    raw: Bytes,
    count: usize,
}

impl SubscriptionIds {
    /// None.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            raw: Bytes::new(),
            count: 0,
        }
    }

    /// Appends an identifier.
    pub fn push(&mut self, id: SubscriptionId) {
        let mut buf = BytesMut::with_capacity(self.raw.len() + 5);
        buf.extend_from_slice(&self.raw);
        buf.put_u8(SUBSCRIPTION_IDENTIFIER);
        varint::put(&mut buf, id.get());
        self.raw = buf.freeze();
        self.count += 1;
    }

    /// Wraps validated wire entries.
    pub(crate) const fn from_run(raw: Bytes, count: usize) -> Self {
        Self { raw, count }
    }

    /// How many identifiers.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.count
    }

    /// Whether there are none.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The identifiers in order.
    #[must_use]
    pub fn iter(&self) -> SubscriptionIdsIter<'_> {
        SubscriptionIdsIter { raw: &self.raw }
    }

    pub(crate) fn wire_len(&self) -> usize {
        self.raw.len()
    }

    pub(crate) fn write(&self, buf: &mut BytesMut) {
        buf.put_slice(&self.raw);
    }
}

impl core::fmt::Debug for SubscriptionIds {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(SubscriptionId::get))
            .finish()
    }
}

impl FromIterator<SubscriptionId> for SubscriptionIds {
    fn from_iter<I: IntoIterator<Item = SubscriptionId>>(iter: I) -> Self {
        let mut buf = BytesMut::new();
        let mut count = 0;
        for id in iter {
            buf.put_u8(SUBSCRIPTION_IDENTIFIER);
            varint::put(&mut buf, id.get());
            count += 1;
        }
        Self {
            raw: buf.freeze(),
            count,
        }
    }
}

/// Iterator over [`SubscriptionIds`].
#[derive(Clone, Debug)]
pub struct SubscriptionIdsIter<'a> {
    raw: &'a [u8],
}

impl Iterator for SubscriptionIdsIter<'_> {
    type Item = SubscriptionId;

    fn next(&mut self) -> Option<Self::Item> {
        let (_, rest) = self.raw.split_first()?;
        let (value, n) = varint::parse(rest).ok().flatten()?;
        self.raw = rest.get(n..)?;
        SubscriptionId::new(value)
    }
}

#[cfg(feature = "serde")]
mod serde_impls {
    use alloc::vec::Vec;

    use super::SubscriptionIds;
    use crate::properties::value::SubscriptionId;

    impl serde::Serialize for SubscriptionIds {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.iter())
        }
    }

    impl<'de> serde::Deserialize<'de> for SubscriptionIds {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(Vec::<SubscriptionId>::deserialize(d)?.into_iter().collect())
        }
    }
}
