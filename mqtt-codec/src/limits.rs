//! Limits on everything a peer could use to make the decoder allocate or work without bound.

use core::num::NonZeroU32;

/// Decoder limits. Every field caps something a peer controls.
///
/// The defaults fit a general-purpose broker or client; raise them deliberately.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Limits {
    /// The largest packet accepted, fixed header included (the MQTT 5.0 definition of packet
    /// size). Checked from the fixed header, before the body is buffered, so a receiver never
    /// holds more than this plus the 5 header bytes. Default 1 MiB; the protocol's own limit is
    /// 268,435,460.
    pub max_packet_size: NonZeroU32,
    /// The most User Properties in one property block (and in CONNECT's will properties).
    /// Default 256.
    pub max_user_properties: u16,
    /// The most topic filters in one SUBSCRIBE or UNSUBSCRIBE, and reason codes in one SUBACK or
    /// UNSUBACK. Default 1024.
    pub max_topic_filters: u16,
}

impl Limits {
    /// The largest packet the protocol can express: 1 + 4 + 268,435,455 bytes.
    pub const PROTOCOL_MAX_PACKET_SIZE: NonZeroU32 = match NonZeroU32::new(268_435_460) {
        Some(v) => v,
        None => NonZeroU32::MIN,
    };

    /// The defaults with another maximum packet size.
    #[must_use]
    pub fn with_max_packet_size(self, max: NonZeroU32) -> Self {
        Self {
            max_packet_size: max,
            ..self
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_packet_size: match NonZeroU32::new(1024 * 1024) {
                Some(v) => v,
                None => NonZeroU32::MIN,
            },
            max_user_properties: 256,
            max_topic_filters: 1024,
        }
    }
}
