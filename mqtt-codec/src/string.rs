//! UTF-8 Encoded Strings and Binary Data, both zero-copy over [`Bytes`].

use bytes::Bytes;

/// A UTF-8 Encoded String: well-formed UTF-8 (no surrogates), no U+0000, at most 65,535 bytes
/// ([MQTT-1.5.3-1], [MQTT-1.5.3-2], [MQTT-1.5.4-1], [MQTT-1.5.4-2]).
///
/// A decoded string is a slice of the received frame; nothing is copied. A leading
/// `EF BB BF` (U+FEFF) is kept as it is ([MQTT-1.5.4-3]).
#[derive(Clone, Default, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct MqttString(Bytes);

/// Why a value cannot be an [`MqttString`] or [`BinaryData`].
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq, thiserror::Error)]
pub enum StringError {
    /// Longer than the 65,535 bytes a two-byte length prefix can announce.
    #[error("{len} bytes is longer than the 65535 a string or binary field can carry")]
    TooLong {
        /// The length in bytes.
        len: usize,
    },
    /// Not well-formed UTF-8.
    #[error("not well-formed UTF-8 [MQTT-1.5.4-1]")]
    InvalidUtf8,
    /// Contains U+0000.
    #[error("contains U+0000 [MQTT-1.5.4-2]")]
    NullChar,
}

/// The most bytes a length-prefixed string or binary field can carry.
pub(crate) const MAX_LEN: usize = 65_535;

/// Checks the UTF-8 string rules on raw bytes.
///
/// Inlined fast path: a string of ASCII without NUL, the common case, is one word-at-a-time
/// pass ([`ascii_without_nul`]); anything else takes [`check_utf8_slow`], which names the broken
/// rule exactly as before (too long, then UTF-8, then NUL).
#[inline]
pub(crate) fn check_utf8(bytes: &[u8]) -> Result<(), StringError> {
    if bytes.len() <= MAX_LEN && ascii_without_nul(bytes) {
        return Ok(());
    }
    check_utf8_slow(bytes)
}

/// [`check_utf8`] for strings that are long or have a NUL or a byte above 0x7F.
#[inline(never)]
fn check_utf8_slow(bytes: &[u8]) -> Result<(), StringError> {
    if bytes.len() > MAX_LEN {
        return Err(StringError::TooLong { len: bytes.len() });
    }
    if core::str::from_utf8(bytes).is_err() {
        return Err(StringError::InvalidUtf8);
    }
    if bytes.contains(&0) {
        return Err(StringError::NullChar);
    }
    Ok(())
}

/// Whether every byte of `b` is in 0x01..=0x7F.
///
/// Eight bytes at a time in `u64` words (portable SWAR, no `unsafe`), the last word overlapping
/// the previous one: the high bit of a byte of `(v - 0x01..) | v` is set iff that byte is 0
/// (0 - 1 = 0xFF) or above 0x7F, or a borrow came up from a lower zero byte, itself a hit; so
/// the OR over all words, masked with the high bits, is zero iff no byte is NUL or above 0x7F.
#[inline]
fn ascii_without_nul(b: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    #[inline(always)]
    fn word(w: &[u8; 8]) -> u64 {
        let v = u64::from_ne_bytes(*w);
        v.wrapping_sub(ONES) | v
    }

    let Some(last) = b.last_chunk::<8>() else {
        // 4..=7 bytes: the same test on two overlapping `u32` words; fewer: byte by byte.
        if let (Some(&first), Some(&last)) = (b.first_chunk::<4>(), b.last_chunk::<4>()) {
            const ONES_32: u32 = u32::from_ne_bytes([0x01; 4]);
            const HIGHS_32: u32 = u32::from_ne_bytes([0x80; 4]);
            let word = |w: [u8; 4]| {
                let v = u32::from_ne_bytes(w);
                v.wrapping_sub(ONES_32) | v
            };
            return (word(first) | word(last)) & HIGHS_32 == 0;
        }
        return b.iter().all(|&c| c.wrapping_sub(1) < 0x7F);
    };
    let mut acc = 0_u64;
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        if let Ok(w) = <&[u8; 8]>::try_from(w) {
            acc |= word(w);
        }
    }
    if !words.remainder().is_empty() {
        acc |= word(last);
    }
    acc & HIGHS == 0
}

impl MqttString {
    /// The empty string.
    #[must_use]
    pub const fn empty() -> Self {
        Self(Bytes::new())
    }

    /// A string copied from `s`.
    ///
    /// # Errors
    /// [`StringError`] if `s` contains U+0000 or is longer than 65,535 bytes.
    pub fn new(s: &str) -> Result<Self, StringError> {
        check_utf8(s.as_bytes())?;
        Ok(Self(Bytes::copy_from_slice(s.as_bytes())))
    }

    /// A string over a `'static` str, without copying.
    ///
    /// # Panics
    /// If `s` breaks a string rule; meant for literals.
    #[must_use]
    #[expect(clippy::panic, reason = "documented: for literals known to be valid")]
    pub fn from_static(s: &'static str) -> Self {
        if let Err(e) = check_utf8(s.as_bytes()) {
            panic!("invalid MQTT string literal: {e}");
        }
        Self(Bytes::from_static(s.as_bytes()))
    }

    /// A string over `bytes`, without copying, after checking every string rule.
    ///
    /// # Errors
    /// [`StringError`] naming the broken rule.
    pub fn from_bytes(bytes: Bytes) -> Result<Self, StringError> {
        check_utf8(&bytes)?;
        Ok(Self(bytes))
    }

    /// Wraps bytes the caller already checked with [`check_utf8`].
    pub(crate) const fn from_checked(bytes: Bytes) -> Self {
        Self(bytes)
    }

    /// The string.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Invariant: checked at construction; the fallback is never taken.
        core::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The UTF-8 bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The underlying bytes (a cheap reference-counted clone).
    #[must_use]
    pub fn to_bytes(&self) -> Bytes {
        self.0.clone()
    }

    /// The underlying bytes.
    #[must_use]
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// Length in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the string is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl core::fmt::Debug for MqttString {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl core::fmt::Display for MqttString {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AsRef<str> for MqttString {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq<str> for MqttString {
    fn eq(&self, other: &str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<&str> for MqttString {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl TryFrom<&str> for MqttString {
    type Error = StringError;

    fn try_from(value: &str) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

/// Binary Data: at most 65,535 opaque bytes, zero-copy over [`Bytes`].
#[derive(Clone, Default, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct BinaryData(Bytes);

impl BinaryData {
    /// Binary data over `bytes`.
    ///
    /// # Errors
    /// [`StringError::TooLong`] above 65,535 bytes.
    pub fn new(bytes: Bytes) -> Result<Self, StringError> {
        if bytes.len() > MAX_LEN {
            return Err(StringError::TooLong { len: bytes.len() });
        }
        Ok(Self(bytes))
    }

    /// Binary data copied from a slice.
    ///
    /// # Errors
    /// [`StringError::TooLong`] above 65,535 bytes.
    pub fn copy_from_slice(bytes: &[u8]) -> Result<Self, StringError> {
        if bytes.len() > MAX_LEN {
            return Err(StringError::TooLong { len: bytes.len() });
        }
        Ok(Self(Bytes::copy_from_slice(bytes)))
    }

    /// Wraps bytes whose length the caller checked.
    pub(crate) const fn from_checked(bytes: Bytes) -> Self {
        Self(bytes)
    }

    /// The bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The underlying bytes (a cheap reference-counted clone).
    #[must_use]
    pub fn to_bytes(&self) -> Bytes {
        self.0.clone()
    }

    /// The underlying bytes.
    #[must_use]
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// Length in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no bytes.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl core::fmt::Debug for BinaryData {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&self.0, f)
    }
}

#[cfg(feature = "serde")]
mod serde_impls {
    use alloc::string::String;

    use super::{BinaryData, MqttString};

    impl serde::Serialize for MqttString {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(self.as_str())
        }
    }

    impl<'de> serde::Deserialize<'de> for MqttString {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let s = String::deserialize(d)?;
            Self::from_bytes(s.into()).map_err(serde::de::Error::custom)
        }
    }

    impl serde::Serialize for BinaryData {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(self.as_bytes())
        }
    }

    impl<'de> serde::Deserialize<'de> for BinaryData {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let b = bytes::Bytes::deserialize(d)?;
            Self::new(b).map_err(serde::de::Error::custom)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word test against its definition: every byte value at every position of strings of
    /// up to 20 bytes, in a filler that passes.
    #[test]
    fn ascii_without_nul_is_exact() {
        for len in 0..=20 {
            assert!(ascii_without_nul(&alloc::vec![b'a'; len]), "{len}");
            for pos in 0..len {
                for c in 0..=u8::MAX {
                    let mut b = alloc::vec![b'a'; len];
                    b[pos] = c;
                    assert_eq!(
                        ascii_without_nul(&b),
                        (1..=0x7F).contains(&c),
                        "{len} {pos} {c}"
                    );
                }
            }
        }
    }

    #[test]
    fn rules() {
        assert_eq!(MqttString::new("a\0b"), Err(StringError::NullChar));
        assert_eq!(
            MqttString::from_bytes(Bytes::from_static(b"\xED\xA0\x80")),
            Err(StringError::InvalidUtf8),
            "encoded surrogate"
        );
        assert_eq!(
            MqttString::from_bytes(Bytes::from_static(b"\xC0\x80")),
            Err(StringError::InvalidUtf8),
            "overlong NUL"
        );
        let bom = MqttString::from_bytes(Bytes::from_static(b"\xEF\xBB\xBFx")).unwrap();
        assert_eq!(bom.as_str(), "\u{FEFF}x");
        let long = "a".repeat(65_536);
        assert_eq!(
            MqttString::new(&long),
            Err(StringError::TooLong { len: 65_536 })
        );
        assert!(MqttString::new(&long[..65_535]).is_ok());
        assert_eq!(MqttString::new("x").unwrap(), "x");
    }
}
