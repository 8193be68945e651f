//! The one error type of this crate: which topic rule a string broke.

use crate::filter::TopicDialect;

/// Why a string is not a valid [`TopicName`](crate::TopicName) or
/// [`TopicFilter`](crate::TopicFilter).
///
/// Messages say what was wrong, then the normative statement it breaks, numbered as in MQTT 5.0
/// ([OASIS MQTT 5.0](https://docs.oasis-open.org/mqtt/mqtt/v5.0/mqtt-v5.0.html)). Where the
/// MQTT 3.1.1 numbering differs, [`TopicError::rule_id`] gives the id for either version.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq, thiserror::Error)]
pub enum TopicError {
    /// The topic has zero length.
    #[error("topic is empty [MQTT-4.7.3-1]")]
    Empty,
    /// The topic is longer than 65,535 bytes.
    #[error("topic is {len} bytes, more than 65535 [MQTT-4.7.3-3]")]
    TooLong {
        /// Length of the rejected topic in bytes.
        len: usize,
    },
    /// The bytes are not well-formed UTF-8.
    #[error("topic is not well-formed UTF-8 [MQTT-1.5.4-1]")]
    InvalidUtf8,
    /// The topic contains the null character U+0000.
    #[error("topic contains the null character U+0000 [MQTT-4.7.3-2]")]
    NullChar,
    /// A topic name contains `+` or `#`.
    #[error("wildcard character in topic name [MQTT-3.3.2-2]")]
    WildcardInName,
    /// A `#` is not alone in the last level of a filter.
    #[error("multi-level wildcard '#' is not the whole last level of the filter [MQTT-4.7.1-1]")]
    MultiLevelNotLast,
    /// A `+` does not fill a whole level of a filter.
    #[error("single-level wildcard '+' does not fill a whole level [MQTT-4.7.1-2]")]
    SingleLevelNotWholeLevel,
    /// The ShareName of a `$share/{ShareName}/{filter}` subscription is empty or contains `+`
    /// or `#` (5.0 only).
    #[error("share name is empty or contains '+' or '#' [MQTT-4.8.2-1] [MQTT-4.8.2-2]")]
    BadShareGroup,
    /// A `$share/{ShareName}` subscription has no topic filter after the ShareName (5.0 only).
    #[error("shared subscription has no topic filter after the share name [MQTT-4.8.2-2]")]
    ShareFilterMissing,
}

impl TopicError {
    /// The normative statement this error breaks, as numbered by the given protocol version.
    ///
    /// The numbering of the wildcard rules moved between 3.1.1 and 5.0; the shared-subscription
    /// rules exist only in 5.0 (for [`TopicDialect::V3`] they return the 5.0 id, since a 3.1.1
    /// parser never produces them).
    ///
    /// ```
    /// use mqtt_topic::{TopicDialect, TopicError};
    /// assert_eq!(TopicError::MultiLevelNotLast.rule_id(TopicDialect::V3), "MQTT-4.7.1-2");
    /// assert_eq!(TopicError::MultiLevelNotLast.rule_id(TopicDialect::V5), "MQTT-4.7.1-1");
    /// ```
    #[must_use]
    pub const fn rule_id(self, dialect: TopicDialect) -> &'static str {
        let v3 = matches!(dialect, TopicDialect::V3);
        match self {
            Self::Empty => "MQTT-4.7.3-1",
            Self::TooLong { .. } => "MQTT-4.7.3-3",
            Self::InvalidUtf8 => {
                if v3 {
                    "MQTT-1.5.3-1"
                } else {
                    "MQTT-1.5.4-1"
                }
            }
            Self::NullChar => "MQTT-4.7.3-2",
            Self::WildcardInName => "MQTT-3.3.2-2",
            Self::MultiLevelNotLast => {
                if v3 {
                    "MQTT-4.7.1-2"
                } else {
                    "MQTT-4.7.1-1"
                }
            }
            Self::SingleLevelNotWholeLevel => {
                if v3 {
                    "MQTT-4.7.1-3"
                } else {
                    "MQTT-4.7.1-2"
                }
            }
            Self::BadShareGroup => "MQTT-4.8.2-2",
            Self::ShareFilterMissing => "MQTT-4.8.2-2",
        }
    }
}
