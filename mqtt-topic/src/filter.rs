//! [`TopicFilter`]: what a SUBSCRIBE or UNSUBSCRIBE names, and [`TopicDialect`].

use alloc::string::String;
use core::fmt;
use core::str::FromStr;

use bytes::Bytes;

use crate::error::TopicError;
use crate::levels::Levels;
use crate::matching::matches_bytes;
use crate::name::{TopicName, bytes_as_str, check_len};
use crate::share::{SHARE_PREFIX, split_shared};

/// Which protocol's topic rules apply.
///
/// The rules for names and wildcards are the same in every version; what differs:
///
/// | rule | `V3` (3.1, 3.1.1) | `V5` (5.0) |
/// |---|---|---|
/// | `$share/{ShareName}/{filter}` | an ordinary filter whose first level is `$share` | a shared subscription [MQTT-4.8.2-1] [MQTT-4.8.2-2] |
/// | `$share/g` (no filter part) | valid ordinary filter | [`TopicError::ShareFilterMissing`] |
/// | `$share//x`, `$share/g+/x` | valid / [`TopicError::SingleLevelNotWholeLevel`] | [`TopicError::BadShareGroup`] |
/// | normative ids | [`TopicError::rule_id`] gives each version's numbering | |
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
pub enum TopicDialect {
    /// MQTT 3.1 and 3.1.1: `$share/` has no meaning.
    V3,
    /// MQTT 5.0: `$share/{ShareName}/{filter}` is a shared subscription.
    #[default]
    V5,
}

impl TopicDialect {
    /// Whether `$share/{ShareName}/{filter}` is parsed as a shared subscription.
    #[must_use]
    pub const fn has_shared_subscriptions(self) -> bool {
        matches!(self, Self::V5)
    }
}

/// A valid MQTT topic filter: what a client subscribes to.
///
/// Valid by construction: non-empty [MQTT-4.7.3-1], at most 65,535 bytes [MQTT-4.7.3-3],
/// well-formed UTF-8, no U+0000 [MQTT-4.7.3-2], `#` only as the whole last level
/// [MQTT-4.7.1-1], `+` only as a whole level [MQTT-4.7.1-2]; empty levels are allowed. Under
/// [`TopicDialect::V5`] a filter `$share/{ShareName}/{filter}` is a shared subscription: the
/// ShareName is non-empty and has no `/`, `+` or `#`, and a valid filter follows
/// [MQTT-4.8.2-1] [MQTT-4.8.2-2]; [`TopicFilter::filter`] is the part that is matched.
///
/// Two filters are equal when their text *and* their dialect reading are equal: `$share/g/a`
/// read under `V3` (an ordinary filter) differs from the same text read under `V5` (a shared
/// subscription to `a`). That is why there is no `Borrow<str>`.
///
/// ```
/// use mqtt_topic::{TopicFilter, TopicName};
/// let f = TopicFilter::new("$share/workers/jobs/+").unwrap();
/// assert_eq!(f.share_group(), Some("workers"));
/// assert_eq!(f.filter(), "jobs/+");
/// assert!(f.matches(&TopicName::new("jobs/42").unwrap()));
/// ```
#[derive(Clone, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct TopicFilter {
    bytes: Bytes,
    /// Offset of the matched part: 0 for an ordinary filter, past `$share/{group}/` otherwise.
    filter_start: u16,
    wildcards: bool,
}

impl TopicFilter {
    /// Validates `s` under [`TopicDialect::V5`] rules and copies it.
    ///
    /// # Errors
    ///
    /// The [`TopicError`] for the first rule `s` breaks.
    pub fn new(s: &str) -> Result<Self, TopicError> {
        Self::new_in(s, TopicDialect::V5)
    }

    /// Validates `s` under the given dialect's rules and copies it.
    ///
    /// # Errors
    ///
    /// The [`TopicError`] for the first rule `s` breaks.
    pub fn new_in(s: &str, dialect: TopicDialect) -> Result<Self, TopicError> {
        let (filter_start, wildcards) = validate_filter(s.as_bytes(), dialect)?;
        Ok(Self {
            bytes: Bytes::copy_from_slice(s.as_bytes()),
            filter_start,
            wildcards,
        })
    }

    /// Validates `b` (UTF-8 and every rule) under [`TopicDialect::V5`] rules, without copying.
    ///
    /// # Errors
    ///
    /// The [`TopicError`] for the first rule `b` breaks.
    pub fn from_bytes(b: Bytes) -> Result<Self, TopicError> {
        Self::from_bytes_in(b, TopicDialect::V5)
    }

    /// Validates `b` (UTF-8 and every rule) under the given dialect's rules, without copying.
    ///
    /// # Errors
    ///
    /// The [`TopicError`] for the first rule `b` breaks.
    pub fn from_bytes_in(b: Bytes, dialect: TopicDialect) -> Result<Self, TopicError> {
        let (filter_start, wildcards) = validate_filter(&b, dialect)?;
        Ok(Self {
            bytes: b,
            filter_start,
            wildcards,
        })
    }

    /// Wraps a string literal without copying, under [`TopicDialect::V5`] rules.
    ///
    /// # Panics
    ///
    /// If `s` is not a valid topic filter. Meant for constants in code; use
    /// [`TopicFilter::new`] for anything that comes from outside.
    #[expect(
        clippy::panic,
        reason = "documented: from_static is for literals written in code"
    )]
    #[must_use]
    pub fn from_static(s: &'static str) -> Self {
        match Self::from_bytes(Bytes::from_static(s.as_bytes())) {
            Ok(filter) => filter,
            Err(e) => panic!("invalid topic filter {s:?}: {e}"),
        }
    }

    /// The whole filter as on the wire, including any `$share/{group}/` prefix.
    #[must_use]
    pub fn as_str(&self) -> &str {
        bytes_as_str(&self.bytes)
    }

    /// The whole filter as bytes, including any `$share/{group}/` prefix.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// A cheap clone of the underlying [`Bytes`] (the whole filter).
    #[must_use]
    pub fn to_bytes(&self) -> Bytes {
        self.bytes.clone()
    }

    /// The underlying [`Bytes`] (the whole filter).
    #[must_use]
    pub fn into_bytes(self) -> Bytes {
        self.bytes
    }

    /// Length of the whole filter in bytes (never 0).
    #[must_use]
    #[expect(clippy::len_without_is_empty, reason = "a topic filter is never empty")]
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// The ShareName of a shared subscription (`g` in `$share/g/a/+`), `None` otherwise.
    #[must_use]
    pub fn share_group(&self) -> Option<&str> {
        if self.filter_start == 0 {
            return None;
        }
        let end = usize::from(self.filter_start).saturating_sub(1);
        self.as_str().get(SHARE_PREFIX.len()..end)
    }

    /// Whether this is a shared subscription (only ever under [`TopicDialect::V5`]).
    #[must_use]
    pub const fn is_shared(&self) -> bool {
        self.filter_start != 0
    }

    /// The part that is matched against topic names: everything after `$share/{group}/` for a
    /// shared subscription, the whole filter otherwise.
    #[must_use]
    pub fn filter(&self) -> &str {
        let s = self.as_str();
        s.get(usize::from(self.filter_start)..).unwrap_or(s)
    }

    /// [`TopicFilter::filter`] as bytes.
    #[must_use]
    pub fn filter_bytes(&self) -> &[u8] {
        let b = self.as_bytes();
        b.get(usize::from(self.filter_start)..).unwrap_or(b)
    }

    /// The levels of [`TopicFilter::filter`].
    #[must_use]
    pub fn levels(&self) -> Levels<'_> {
        Levels::new(self.filter())
    }

    /// Whether the matched part contains `+` or `#`.
    #[must_use]
    pub const fn has_wildcards(&self) -> bool {
        self.wildcards
    }

    /// Whether this filter matches `name` (MQTT §4.7): `+` matches exactly one level (which may
    /// be empty), `#` matches the parent level and any number of children, and a filter whose
    /// first level is `+` or `#` does not match a name starting with `$` [MQTT-4.7.2-1].
    /// Levels are compared byte for byte, with no normalization [MQTT-4.7.3-4]. For a shared
    /// subscription the part after `$share/{group}/` is matched.
    ///
    /// ```
    /// use mqtt_topic::{TopicFilter, TopicName};
    /// let name = TopicName::new("$SYS/broker/load").unwrap();
    /// assert!(!TopicFilter::new("#").unwrap().matches(&name));
    /// assert!(TopicFilter::new("$SYS/#").unwrap().matches(&name));
    /// ```
    #[must_use]
    pub fn matches(&self, name: &TopicName) -> bool {
        matches_bytes(self.filter_bytes(), name.as_bytes())
    }
}

impl fmt::Debug for TopicFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TopicFilter").field(&self.as_str()).finish()
    }
}

impl fmt::Display for TopicFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AsRef<str> for TopicFilter {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<[u8]> for TopicFilter {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl FromStr for TopicFilter {
    type Err = TopicError;

    fn from_str(s: &str) -> Result<Self, TopicError> {
        Self::new(s)
    }
}

impl TryFrom<&str> for TopicFilter {
    type Error = TopicError;

    fn try_from(s: &str) -> Result<Self, TopicError> {
        Self::new(s)
    }
}

impl TryFrom<String> for TopicFilter {
    type Error = TopicError;

    /// Takes over the string's buffer without copying ([`TopicDialect::V5`] rules).
    fn try_from(s: String) -> Result<Self, TopicError> {
        Self::from_bytes(Bytes::from(s))
    }
}

impl TryFrom<Bytes> for TopicFilter {
    type Error = TopicError;

    fn try_from(b: Bytes) -> Result<Self, TopicError> {
        Self::from_bytes(b)
    }
}

impl From<TopicName> for TopicFilter {
    /// A topic name is a filter without wildcards that matches only itself. It is read as an
    /// ordinary filter even if it starts with `$share/` (as [`TopicDialect::V3`] would).
    fn from(name: TopicName) -> Self {
        Self {
            bytes: name.into_bytes(),
            filter_start: 0,
            wildcards: false,
        }
    }
}

impl From<TopicFilter> for Bytes {
    fn from(filter: TopicFilter) -> Self {
        filter.bytes
    }
}

/// Checks every filter rule; returns the offset of the matched part and whether it has
/// wildcards.
fn validate_filter(b: &[u8], dialect: TopicDialect) -> Result<(u16, bool), TopicError> {
    check_len(b)?;
    if core::str::from_utf8(b).is_err() {
        return Err(TopicError::InvalidUtf8);
    }
    let start = if dialect.has_shared_subscriptions() {
        split_shared(b)?
    } else {
        0
    };
    let prefix = b.get(..start).unwrap_or_default();
    if prefix.contains(&0) {
        return Err(TopicError::NullChar);
    }
    let wildcards = validate_levels(b.get(start..).unwrap_or_default())?;
    let start = u16::try_from(start).map_err(|_| TopicError::TooLong { len: b.len() })?;
    Ok((start, wildcards))
}

/// Wildcard placement and NUL, in one pass over the matched part.
fn validate_levels(b: &[u8]) -> Result<bool, TopicError> {
    // The wildcard that makes up the current level so far, if any.
    let mut wild: Option<u8> = None;
    let mut level_start = true;
    let mut any = false;
    for &c in b {
        match c {
            0 => return Err(TopicError::NullChar),
            b'/' => {
                if wild == Some(b'#') {
                    return Err(TopicError::MultiLevelNotLast);
                }
                wild = None;
                level_start = true;
                continue;
            }
            b'+' | b'#' => {
                if !level_start {
                    return Err(if c == b'#' {
                        TopicError::MultiLevelNotLast
                    } else {
                        TopicError::SingleLevelNotWholeLevel
                    });
                }
                wild = Some(c);
                any = true;
            }
            _ => match wild {
                Some(b'#') => return Err(TopicError::MultiLevelNotLast),
                Some(_) => return Err(TopicError::SingleLevelNotWholeLevel),
                None => {}
            },
        }
        level_start = false;
    }
    Ok(any)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &str) -> TopicError {
        TopicFilter::new(s).unwrap_err()
    }

    #[test]
    fn wildcard_placement() {
        for ok in [
            "#", "+", "a/#", "+/+", "/+", "+/", "a//+/#", "/", "//", "a/+/b", "+/#",
        ] {
            assert!(TopicFilter::new(ok).is_ok(), "{ok}");
        }
        assert_eq!(err("a#"), TopicError::MultiLevelNotLast);
        assert_eq!(err("#/"), TopicError::MultiLevelNotLast);
        assert_eq!(err("a/#/b"), TopicError::MultiLevelNotLast);
        assert_eq!(err("##"), TopicError::MultiLevelNotLast);
        assert_eq!(err("#a"), TopicError::MultiLevelNotLast);
        assert_eq!(err("a+"), TopicError::SingleLevelNotWholeLevel);
        assert_eq!(err("+a"), TopicError::SingleLevelNotWholeLevel);
        assert_eq!(err("++"), TopicError::SingleLevelNotWholeLevel);
        assert_eq!(err("a/b\0"), TopicError::NullChar);
        assert_eq!(err(""), TopicError::Empty);
    }

    #[test]
    fn shared() {
        let f = TopicFilter::new("$share/g1//finance").unwrap();
        assert_eq!(f.share_group(), Some("g1"));
        assert_eq!(f.filter(), "/finance");
        assert!(f.is_shared());
        assert_eq!(err("$share/g1"), TopicError::ShareFilterMissing);
        assert_eq!(err("$share/g1/"), TopicError::ShareFilterMissing);
        assert_eq!(err("$share//a"), TopicError::BadShareGroup);
        assert_eq!(err("$share/"), TopicError::BadShareGroup);
        assert_eq!(err("$share/a+/b"), TopicError::BadShareGroup);
        assert_eq!(err("$share/#"), TopicError::BadShareGroup);
        assert_eq!(err("$share/g\0/a"), TopicError::NullChar);
        let v3 = TopicFilter::new_in("$share/g1", TopicDialect::V3).unwrap();
        assert!(!v3.is_shared());
        assert_eq!(v3.filter(), "$share/g1");
        assert_ne!(
            TopicFilter::new_in("$share/g/a", TopicDialect::V3).unwrap(),
            TopicFilter::new("$share/g/a").unwrap()
        );
        assert!(TopicFilter::new("$sharex/a").is_ok_and(|f| !f.is_shared()));
        assert!(TopicFilter::new("$share").is_ok_and(|f| !f.is_shared()));
    }
}
