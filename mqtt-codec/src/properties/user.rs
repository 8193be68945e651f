//! User Properties (0x26): name/value string pairs, order and duplicates kept.

use bytes::{BufMut, Bytes, BytesMut};

use crate::string::MqttString;

/// The identifier of the User Property.
pub(crate) const USER_PROPERTY: u8 = 0x26;

/// The User Properties of one packet (or will): UTF-8 string pairs in the order received; the
/// same name may appear more than once ([MQTT-1.5.7-1], [MQTT-3.1.3-10] and the like).
///
/// Stored as their wire entries in one [`Bytes`]: decoding is zero-copy, iteration yields
/// slices of the frame, and encoding is one copy of the run.
#[derive(Clone, Default, Eq, Hash, PartialEq)]
pub struct UserProperties {
    /// Entries `0x26, name, value`, each string length-prefixed and already validated.
    raw: Bytes,
    count: usize,
}

impl UserProperties {
    /// No user properties.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            raw: Bytes::new(),
            count: 0,
        }
    }

    /// Appends a pair (copies the entries so far: building is not the hot path).
    pub fn push(&mut self, name: MqttString, value: MqttString) {
        let mut buf = BytesMut::with_capacity(self.raw.len() + 5 + name.len() + value.len());
        buf.extend_from_slice(&self.raw);
        write_entry(&mut buf, name.as_bytes(), value.as_bytes());
        self.raw = buf.freeze();
        self.count += 1;
    }

    /// Wraps validated wire entries.
    pub(crate) const fn from_run(raw: Bytes, count: usize) -> Self {
        Self { raw, count }
    }

    /// The number of pairs.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.count
    }

    /// Whether there are none.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The pairs in order.
    #[must_use]
    pub fn iter(&self) -> UserPropertiesIter<'_> {
        UserPropertiesIter {
            raw: &self.raw,
            pos: 0,
        }
    }

    /// The value of the first pair called `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<MqttString> {
        self.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// Bytes on the wire.
    pub(crate) fn wire_len(&self) -> usize {
        self.raw.len()
    }

    /// Appends the entries.
    pub(crate) fn write(&self, buf: &mut BytesMut) {
        buf.put_slice(&self.raw);
    }
}

fn write_entry(buf: &mut BytesMut, name: &[u8], value: &[u8]) {
    buf.put_u8(USER_PROPERTY);
    crate::writer::put_prefixed(buf, name);
    crate::writer::put_prefixed(buf, value);
}

impl core::fmt::Debug for UserProperties {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl FromIterator<(MqttString, MqttString)> for UserProperties {
    fn from_iter<I: IntoIterator<Item = (MqttString, MqttString)>>(iter: I) -> Self {
        let mut buf = BytesMut::new();
        let mut count = 0;
        for (name, value) in iter {
            write_entry(&mut buf, name.as_bytes(), value.as_bytes());
            count += 1;
        }
        Self {
            raw: buf.freeze(),
            count,
        }
    }
}

impl<'a> IntoIterator for &'a UserProperties {
    type Item = (MqttString, MqttString);
    type IntoIter = UserPropertiesIter<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Iterator over [`UserProperties`]: each pair is a zero-copy slice.
#[derive(Clone, Debug)]
pub struct UserPropertiesIter<'a> {
    raw: &'a Bytes,
    pos: usize,
}

impl UserPropertiesIter<'_> {
    fn string(&mut self) -> Option<MqttString> {
        let len_bytes = self.raw.get(self.pos..self.pos.checked_add(2)?)?;
        let len = usize::from(u16::from_be_bytes(len_bytes.try_into().ok()?));
        let start = self.pos + 2;
        let end = start.checked_add(len)?;
        self.raw.get(start..end)?;
        self.pos = end;
        Some(MqttString::from_checked(self.raw.slice(start..end)))
    }
}

impl Iterator for UserPropertiesIter<'_> {
    type Item = (MqttString, MqttString);

    fn next(&mut self) -> Option<Self::Item> {
        // Entries were validated when stored; a short entry ends the iteration.
        self.pos = self.pos.checked_add(1)?;
        self.raw.get(..self.pos)?;
        let name = self.string()?;
        let value = self.string()?;
        Some((name, value))
    }
}

#[cfg(feature = "serde")]
mod serde_impls {
    use alloc::vec::Vec;

    use super::UserProperties;
    use crate::string::MqttString;

    impl serde::Serialize for UserProperties {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.iter())
        }
    }

    impl<'de> serde::Deserialize<'de> for UserProperties {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let pairs = Vec::<(MqttString, MqttString)>::deserialize(d)?;
            Ok(pairs.into_iter().collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use alloc::string::{String, ToString};
    use alloc::vec::Vec;

    use super::*;

    #[test]
    fn order_and_duplicates_are_kept() {
        let mut p = UserProperties::new();
        p.push(MqttString::from_static("a"), MqttString::from_static("1"));
        p.push(MqttString::from_static("b"), MqttString::from_static("2"));
        p.push(MqttString::from_static("a"), MqttString::from_static("3"));
        let pairs: Vec<(String, String)> = p
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        assert_eq!(
            pairs,
            [("a", "1"), ("b", "2"), ("a", "3")].map(|(a, b)| (a.into(), b.into()))
        );
        assert_eq!(p.len(), 3);
        assert_eq!(p.get("a").unwrap(), "1");
        assert_eq!(p.wire_len(), 3 * 7);
        let collected: UserProperties = p.iter().collect();
        assert_eq!(collected, p);
    }
}
