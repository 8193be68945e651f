//! [`TopicName`]: the topic of a PUBLISH, a Will or a Response Topic.

use alloc::string::String;
use core::borrow::Borrow;
use core::fmt;
use core::hash::{Hash, Hasher};
use core::str::FromStr;

use bytes::Bytes;

use crate::error::TopicError;
use crate::levels::Levels;

/// Longest topic in bytes: the length prefix of an MQTT string is a `u16`
/// [MQTT-4.7.3-3].
pub const MAX_TOPIC_LEN: usize = 65_535;

/// A valid MQTT topic name: what a PUBLISH is sent to.
///
/// Valid by construction: non-empty [MQTT-4.7.3-1], at most 65,535 bytes [MQTT-4.7.3-3],
/// well-formed UTF-8 [MQTT-1.5.4-1], no U+0000 [MQTT-4.7.3-2] and no wildcard `+` or `#`
/// [MQTT-3.3.2-2] [MQTT-4.7.0-1]. Empty levels are allowed (`a//b`, `/a`, `a/`, `/`).
///
/// The text lives in a [`Bytes`], so a name decoded from a packet is a zero-copy slice of the
/// frame and cloning is cheap. Equality, ordering and hashing are those of the string, so a
/// `HashSet<TopicName>` or `BTreeMap<TopicName, _>` can be queried with a `&str`.
///
/// ```
/// use mqtt_topic::{TopicError, TopicName};
/// let name = TopicName::new("sensors/+/temp");
/// assert_eq!(name, Err(TopicError::WildcardInName));
/// let name = TopicName::new("sensors/kitchen/temp").unwrap();
/// assert_eq!(name.levels().count(), 3);
/// ```
#[derive(Clone, Eq, Ord, PartialEq, PartialOrd)]
pub struct TopicName(Bytes);

impl TopicName {
    /// Validates `s` and copies it into a new name.
    ///
    /// # Errors
    ///
    /// The [`TopicError`] for the first rule `s` breaks.
    pub fn new(s: &str) -> Result<Self, TopicError> {
        validate_name(s.as_bytes())?;
        Ok(Self(Bytes::copy_from_slice(s.as_bytes())))
    }

    /// Validates `b` (UTF-8 and every topic-name rule) and wraps it without copying.
    ///
    /// # Errors
    ///
    /// The [`TopicError`] for the first rule `b` breaks.
    #[inline]
    pub fn from_bytes(b: Bytes) -> Result<Self, TopicError> {
        validate_name(&b)?;
        Ok(Self(b))
    }

    /// Wraps a string literal without copying.
    ///
    /// # Panics
    ///
    /// If `s` is not a valid topic name. Meant for constants in code; use [`TopicName::new`] for
    /// anything that comes from outside.
    #[expect(
        clippy::panic,
        reason = "documented: from_static is for literals written in code"
    )]
    #[must_use]
    pub fn from_static(s: &'static str) -> Self {
        match Self::from_bytes(Bytes::from_static(s.as_bytes())) {
            Ok(name) => name,
            Err(e) => panic!("invalid topic name {s:?}: {e}"),
        }
    }

    /// The name as a string slice.
    #[must_use]
    pub fn as_str(&self) -> &str {
        bytes_as_str(&self.0)
    }

    /// The name as bytes (UTF-8).
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// A cheap clone of the underlying [`Bytes`].
    #[must_use]
    pub fn to_bytes(&self) -> Bytes {
        self.0.clone()
    }

    /// The underlying [`Bytes`].
    #[must_use]
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// Length in bytes (never 0).
    #[must_use]
    #[expect(clippy::len_without_is_empty, reason = "a topic name is never empty")]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The `/`-separated levels.
    #[must_use]
    pub fn levels(&self) -> Levels<'_> {
        Levels::new(self.as_str())
    }

    /// Whether the name starts with `$` (`$SYS/...`): such names are not matched by filters
    /// whose first level is a wildcard [MQTT-4.7.2-1].
    #[must_use]
    pub fn is_dollar(&self) -> bool {
        self.0.first() == Some(&b'$')
    }
}

impl fmt::Debug for TopicName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TopicName").field(&self.as_str()).finish()
    }
}

impl fmt::Display for TopicName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Hashes exactly like the `str` it holds (`impl Hash for str` writes the bytes then `0xFF`),
/// so that `Borrow<str>` is sound.
impl Hash for TopicName {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write(self.as_bytes());
        state.write_u8(0xFF);
    }
}

impl AsRef<str> for TopicName {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<[u8]> for TopicName {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl Borrow<str> for TopicName {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq<str> for TopicName {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<&str> for TopicName {
    fn eq(&self, other: &&str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl FromStr for TopicName {
    type Err = TopicError;

    fn from_str(s: &str) -> Result<Self, TopicError> {
        Self::new(s)
    }
}

impl TryFrom<&str> for TopicName {
    type Error = TopicError;

    fn try_from(s: &str) -> Result<Self, TopicError> {
        Self::new(s)
    }
}

impl TryFrom<String> for TopicName {
    type Error = TopicError;

    /// Takes over the string's buffer without copying.
    fn try_from(s: String) -> Result<Self, TopicError> {
        Self::from_bytes(Bytes::from(s))
    }
}

impl TryFrom<Bytes> for TopicName {
    type Error = TopicError;

    fn try_from(b: Bytes) -> Result<Self, TopicError> {
        Self::from_bytes(b)
    }
}

impl From<TopicName> for Bytes {
    fn from(name: TopicName) -> Self {
        name.0
    }
}

/// Checks the length rules shared by names and filters.
pub(crate) const fn check_len(b: &[u8]) -> Result<(), TopicError> {
    if b.is_empty() {
        Err(TopicError::Empty)
    } else if b.len() > MAX_TOPIC_LEN {
        Err(TopicError::TooLong { len: b.len() })
    } else {
        Ok(())
    }
}

/// Every topic-name rule in one pass over the bytes; the UTF-8 decoder only runs when a byte
/// above 0x7F was seen (`+`, `#` and NUL are ASCII, so they never occur inside a multi-byte
/// sequence and scanning bytes is exact).
///
/// Inlined: the common case, a valid ASCII name, is [`suspect`] and two compares; anything else
/// (empty, too long, non-ASCII, NUL, wildcard) goes to [`validate_name_slow`], which names the
/// first broken rule, so the error reported is the same either way.
#[inline]
fn validate_name(b: &[u8]) -> Result<(), TopicError> {
    if !suspect(b) && !b.is_empty() && b.len() <= MAX_TOPIC_LEN {
        return Ok(());
    }
    validate_name_slow(b)
}

/// [`validate_name`] for names that are empty, too long or have a [`suspect`] byte.
#[inline(never)]
fn validate_name_slow(b: &[u8]) -> Result<(), TopicError> {
    check_len(b)?;
    // One branch-free pass (vectorised by the compiler), then a second one only to name the
    // first offending byte.
    let mut flagged = false;
    let mut high = 0_u8;
    for &c in b {
        flagged |= c == 0 || c & !0x08 == b'#';
        high |= c;
    }
    if flagged {
        for &c in b {
            match c {
                0 => return Err(TopicError::NullChar),
                b'+' | b'#' => return Err(TopicError::WildcardInName),
                _ => {}
            }
        }
    }
    if high & 0x80 != 0 && core::str::from_utf8(b).is_err() {
        return Err(TopicError::InvalidUtf8);
    }
    Ok(())
}

/// Whether any byte of `b` is NUL, `+`, `#` or above 0x7F: exact, but without saying which.
///
/// Eight bytes at a time in `u64` words (portable SWAR, no `unsafe`); the last word overlaps the
/// previous one instead of falling back to a byte loop, which is exact because the test is "is
/// there any such byte". Per word, with `v` the word and `w = (v & !0x08..) ^ 0x23..` (`#` is
/// 0x23 and `+` is 0x2B: they differ only in bit 3, so `w` has a zero byte exactly where `v`
/// has a wildcard), the high bit of a byte of `(v - 0x01..) | v | (w - 0x01..)` is set iff that
/// byte of `v` is NUL (0 - 1 = 0xFF) or above 0x7F (its own high bit; `w`'s high bit is `v`'s),
/// or that byte of `w` is zero, or a borrow came up from a lower zero byte, which is itself a
/// hit. So the OR over all words, masked with the high bits, is non-zero iff some byte is
/// suspect. Seven operations per word.
#[inline]
fn suspect(b: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const NOT_BIT3: u64 = u64::from_ne_bytes([!0x08; 8]);
    const WILDCARD: u64 = u64::from_ne_bytes([b'#'; 8]);
    #[inline(always)]
    fn word(w: &[u8; 8]) -> u64 {
        let v = u64::from_ne_bytes(*w);
        let w = (v & NOT_BIT3) ^ WILDCARD;
        v.wrapping_sub(ONES) | v | w.wrapping_sub(ONES)
    }

    let Some(last) = b.last_chunk::<8>() else {
        // 4..=7 bytes: the same test on two overlapping `u32` words; fewer: byte by byte.
        if let (Some(&first), Some(&last)) = (b.first_chunk::<4>(), b.last_chunk::<4>()) {
            const ONES_32: u32 = u32::from_ne_bytes([0x01; 4]);
            const HIGHS_32: u32 = u32::from_ne_bytes([0x80; 4]);
            const NOT_BIT3_32: u32 = u32::from_ne_bytes([!0x08; 4]);
            const WILDCARD_32: u32 = u32::from_ne_bytes([b'#'; 4]);
            let word = |w: [u8; 4]| {
                let v = u32::from_ne_bytes(w);
                let w = (v & NOT_BIT3_32) ^ WILDCARD_32;
                v.wrapping_sub(ONES_32) | v | w.wrapping_sub(ONES_32)
            };
            return (word(first) | word(last)) & HIGHS_32 != 0;
        }
        let mut acc = 0_u8;
        for &c in b {
            acc |= (u8::from(c == 0 || c & !0x08 == b'#') << 7) | c;
        }
        return acc & 0x80 != 0;
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
    acc & HIGHS != 0
}

/// Views bytes that were validated as UTF-8 at construction as a `str`.
pub(crate) fn bytes_as_str(b: &[u8]) -> &str {
    #[expect(
        clippy::expect_used,
        reason = "invariant: every constructor validated UTF-8; no unsafe allowed to skip the check"
    )]
    core::str::from_utf8(b).expect("invariant: topic bytes are UTF-8, checked at construction")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates() {
        assert_eq!(TopicName::new(""), Err(TopicError::Empty));
        assert_eq!(TopicName::new("a+"), Err(TopicError::WildcardInName));
        assert_eq!(TopicName::new("#"), Err(TopicError::WildcardInName));
        assert_eq!(TopicName::new("a\0"), Err(TopicError::NullChar));
        assert_eq!(
            TopicName::from_bytes(Bytes::from_static(b"a\xff")),
            Err(TopicError::InvalidUtf8)
        );
        assert!(TopicName::new("/").is_ok());
        assert!(TopicName::new("é/ü").is_ok());
        let long = "a".repeat(MAX_TOPIC_LEN + 1);
        assert_eq!(
            TopicName::new(&long),
            Err(TopicError::TooLong { len: 65_536 })
        );
        assert!(TopicName::new(&long[1..]).is_ok());
    }

    #[derive(Default)]
    struct Recorder(alloc::vec::Vec<u8>);

    impl Hasher for Recorder {
        fn finish(&self) -> u64 {
            0
        }
        fn write(&mut self, bytes: &[u8]) {
            self.0.extend_from_slice(bytes);
        }
    }

    #[test]
    fn hashes_like_str() {
        let mut a = Recorder::default();
        let mut b = Recorder::default();
        "a/b".hash(&mut a);
        TopicName::from_static("a/b").hash(&mut b);
        assert_eq!(a.0, b.0);
    }

    /// [`suspect`] against its definition: every byte value at every position of names of up to
    /// 24 bytes (the `u32`, one-word, overlapping-word and several-word paths), in a filler that
    /// is not suspect.
    #[test]
    fn suspect_is_exact() {
        for len in 0..=24 {
            assert!(!suspect(&alloc::vec![b'a'; len]), "{len}");
            for pos in 0..len {
                for c in 0..=u8::MAX {
                    let mut b = alloc::vec![b'a'; len];
                    b[pos] = c;
                    let want = c == 0 || c == b'+' || c == b'#' || c > 0x7F;
                    assert_eq!(suspect(&b), want, "{len} {pos} {c:#04x}");
                }
            }
        }
    }

    #[test]
    fn dollar() {
        assert!(TopicName::from_static("$SYS/x").is_dollar());
        assert!(!TopicName::from_static("a/$").is_dollar());
    }
}
