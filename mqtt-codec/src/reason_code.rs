//! Reason codes (MQTT 5.0) and return codes (MQTT 3.x), with the per-packet validity tables.

use crate::fixed_header::PacketType;
use crate::version::ProtocolVersion;

/// A reason code (MQTT 5.0) or return code (MQTT 3.x CONNACK and SUBACK).
///
/// The code space is open: unknown values are preserved so they can reach errors and logs.
/// Which values a packet may carry is checked at decode and at encode
/// ([`ReasonCode::is_valid_for`]).
#[expect(
    clippy::exhaustive_structs,
    reason = "an open code space: any byte is representable"
)]
#[derive(Clone, Copy, Debug, Default, Eq, Hash, Ord, PartialEq, PartialOrd)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize, serde::Serialize))]
pub struct ReasonCode(pub u8);

macro_rules! reason_codes {
    ($($(#[$doc:meta])* $name:ident = $value:literal, $text:literal;)*) => {
        impl ReasonCode {
            $($(#[$doc])* pub const $name: Self = Self($value);)*

            /// The MQTT 5.0 name of this code, if the code is defined.
            ///
            /// Codes with more than one meaning (0x00) give the general name "Success".
            #[must_use]
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some($text),)*
                    _ => None,
                }
            }
        }
    };
}

reason_codes! {
    /// 0x00 Success (also Normal disconnection, Granted QoS 0).
    SUCCESS = 0x00, "Success";
    /// 0x01 Granted QoS 1 (SUBACK).
    GRANTED_QOS_1 = 0x01, "Granted QoS 1";
    /// 0x02 Granted QoS 2 (SUBACK).
    GRANTED_QOS_2 = 0x02, "Granted QoS 2";
    /// 0x04 Disconnect with Will Message (DISCONNECT from a client).
    DISCONNECT_WITH_WILL_MESSAGE = 0x04, "Disconnect with Will Message";
    /// 0x10 No matching subscribers.
    NO_MATCHING_SUBSCRIBERS = 0x10, "No matching subscribers";
    /// 0x11 No subscription existed.
    NO_SUBSCRIPTION_EXISTED = 0x11, "No subscription existed";
    /// 0x18 Continue authentication.
    CONTINUE_AUTHENTICATION = 0x18, "Continue authentication";
    /// 0x19 Re-authenticate.
    RE_AUTHENTICATE = 0x19, "Re-authenticate";
    /// 0x80 Unspecified error.
    UNSPECIFIED_ERROR = 0x80, "Unspecified error";
    /// 0x81 Malformed Packet.
    MALFORMED_PACKET = 0x81, "Malformed Packet";
    /// 0x82 Protocol Error.
    PROTOCOL_ERROR = 0x82, "Protocol Error";
    /// 0x83 Implementation specific error.
    IMPLEMENTATION_SPECIFIC_ERROR = 0x83, "Implementation specific error";
    /// 0x84 Unsupported Protocol Version.
    UNSUPPORTED_PROTOCOL_VERSION = 0x84, "Unsupported Protocol Version";
    /// 0x85 Client Identifier not valid.
    CLIENT_IDENTIFIER_NOT_VALID = 0x85, "Client Identifier not valid";
    /// 0x86 Bad User Name or Password.
    BAD_USER_NAME_OR_PASSWORD = 0x86, "Bad User Name or Password";
    /// 0x87 Not authorized.
    NOT_AUTHORIZED = 0x87, "Not authorized";
    /// 0x88 Server unavailable.
    SERVER_UNAVAILABLE = 0x88, "Server unavailable";
    /// 0x89 Server busy.
    SERVER_BUSY = 0x89, "Server busy";
    /// 0x8A Banned.
    BANNED = 0x8A, "Banned";
    /// 0x8B Server shutting down.
    SERVER_SHUTTING_DOWN = 0x8B, "Server shutting down";
    /// 0x8C Bad authentication method.
    BAD_AUTHENTICATION_METHOD = 0x8C, "Bad authentication method";
    /// 0x8D Keep Alive timeout.
    KEEP_ALIVE_TIMEOUT = 0x8D, "Keep Alive timeout";
    /// 0x8E Session taken over.
    SESSION_TAKEN_OVER = 0x8E, "Session taken over";
    /// 0x8F Topic Filter invalid.
    TOPIC_FILTER_INVALID = 0x8F, "Topic Filter invalid";
    /// 0x90 Topic Name invalid.
    TOPIC_NAME_INVALID = 0x90, "Topic Name invalid";
    /// 0x91 Packet Identifier in use.
    PACKET_IDENTIFIER_IN_USE = 0x91, "Packet Identifier in use";
    /// 0x92 Packet Identifier not found.
    PACKET_IDENTIFIER_NOT_FOUND = 0x92, "Packet Identifier not found";
    /// 0x93 Receive Maximum exceeded.
    RECEIVE_MAXIMUM_EXCEEDED = 0x93, "Receive Maximum exceeded";
    /// 0x94 Topic Alias invalid.
    TOPIC_ALIAS_INVALID = 0x94, "Topic Alias invalid";
    /// 0x95 Packet too large.
    PACKET_TOO_LARGE = 0x95, "Packet too large";
    /// 0x96 Message rate too high.
    MESSAGE_RATE_TOO_HIGH = 0x96, "Message rate too high";
    /// 0x97 Quota exceeded.
    QUOTA_EXCEEDED = 0x97, "Quota exceeded";
    /// 0x98 Administrative action.
    ADMINISTRATIVE_ACTION = 0x98, "Administrative action";
    /// 0x99 Payload format invalid.
    PAYLOAD_FORMAT_INVALID = 0x99, "Payload format invalid";
    /// 0x9A Retain not supported.
    RETAIN_NOT_SUPPORTED = 0x9A, "Retain not supported";
    /// 0x9B QoS not supported.
    QOS_NOT_SUPPORTED = 0x9B, "QoS not supported";
    /// 0x9C Use another server.
    USE_ANOTHER_SERVER = 0x9C, "Use another server";
    /// 0x9D Server moved.
    SERVER_MOVED = 0x9D, "Server moved";
    /// 0x9E Shared Subscriptions not supported.
    SHARED_SUBSCRIPTIONS_NOT_SUPPORTED = 0x9E, "Shared Subscriptions not supported";
    /// 0x9F Connection rate exceeded.
    CONNECTION_RATE_EXCEEDED = 0x9F, "Connection rate exceeded";
    /// 0xA0 Maximum connect time.
    MAXIMUM_CONNECT_TIME = 0xA0, "Maximum connect time";
    /// 0xA1 Subscription Identifiers not supported.
    SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED = 0xA1, "Subscription Identifiers not supported";
    /// 0xA2 Wildcard Subscriptions not supported.
    WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED = 0xA2, "Wildcard Subscriptions not supported";
}

/// MQTT 3.x CONNACK return codes (the same byte as the 5.0 reason code).
impl ReasonCode {
    /// 3.x CONNACK 0x01: refused, unacceptable protocol version.
    pub const V3_UNACCEPTABLE_PROTOCOL_VERSION: Self = Self(0x01);
    /// 3.x CONNACK 0x02: refused, identifier rejected.
    pub const V3_IDENTIFIER_REJECTED: Self = Self(0x02);
    /// 3.x CONNACK 0x03: refused, server unavailable.
    pub const V3_SERVER_UNAVAILABLE: Self = Self(0x03);
    /// 3.x CONNACK 0x04: refused, bad user name or password.
    pub const V3_BAD_USER_NAME_OR_PASSWORD: Self = Self(0x04);
    /// 3.x CONNACK 0x05: refused, not authorized.
    pub const V3_NOT_AUTHORIZED: Self = Self(0x05);
    /// 3.1.1 SUBACK 0x80: failure.
    pub const V3_SUBACK_FAILURE: Self = Self(0x80);

    /// Whether the code reports a failure (0x80 and above; for 3.x CONNACK any non-zero code).
    #[must_use]
    pub const fn is_error(self) -> bool {
        self.0 >= 0x80
    }

    /// Whether `packet` may carry this code under `version`, per the spec's per-packet tables.
    ///
    /// For 3.x only CONNACK (return codes 0..=5) and SUBACK (0, 1, 2 and, from 3.1.1, 0x80)
    /// carry codes; every other packet carries none and only [`ReasonCode::SUCCESS`] is valid
    /// there (it is what the decoder reports for them).
    #[must_use]
    pub const fn is_valid_for(self, packet: PacketType, version: ProtocolVersion) -> bool {
        let c = self.0;
        match version {
            ProtocolVersion::V3_1 | ProtocolVersion::V3_1_1 => match packet {
                PacketType::ConnAck => c <= 5,
                PacketType::SubAck => {
                    c <= 2 || (c == 0x80 && matches!(version, ProtocolVersion::V3_1_1))
                }
                _ => c == 0,
            },
            ProtocolVersion::V5 => match packet {
                PacketType::ConnAck => matches!(
                    c,
                    0x00 | 0x80..=0x8A | 0x8C | 0x90 | 0x95 | 0x97 | 0x99..=0x9D | 0x9F
                ),
                PacketType::PubAck | PacketType::PubRec => {
                    matches!(
                        c,
                        0x00 | 0x10 | 0x80 | 0x83 | 0x87 | 0x90 | 0x91 | 0x97 | 0x99
                    )
                }
                PacketType::PubRel | PacketType::PubComp => matches!(c, 0x00 | 0x92),
                PacketType::SubAck => matches!(
                    c,
                    0x00..=0x02 | 0x80 | 0x83 | 0x87 | 0x8F | 0x91 | 0x97 | 0x9E | 0xA1 | 0xA2
                ),
                PacketType::UnsubAck => {
                    matches!(c, 0x00 | 0x11 | 0x80 | 0x83 | 0x87 | 0x8F | 0x91)
                }
                // 0x8C is listed for DISCONNECT in Table 2-6 but not in Table 3-10: accepted.
                PacketType::Disconnect => matches!(
                    c,
                    0x00 | 0x04 | 0x80..=0x83 | 0x87 | 0x89 | 0x8B..=0x90 | 0x93..=0xA2
                ),
                PacketType::Auth => matches!(c, 0x00 | 0x18 | 0x19),
                _ => c == 0,
            },
        }
    }
}

impl From<u8> for ReasonCode {
    fn from(value: u8) -> Self {
        Self(value)
    }
}

impl From<ReasonCode> for u8 {
    fn from(value: ReasonCode) -> Self {
        value.0
    }
}

impl core::fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.name() {
            Some(name) => write!(f, "0x{:02X} {name}", self.0),
            None => write!(f, "0x{:02X}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use super::*;

    /// The per-packet lists of the spec README §6, as hex strings, checked code by code.
    #[test]
    fn v5_tables_match_the_spec_lists() {
        let lists: [(PacketType, &str); 9] = [
            (
                PacketType::ConnAck,
                "00 80 81 82 83 84 85 86 87 88 89 8A 8C 90 95 97 99 9A 9B 9C 9D 9F",
            ),
            (PacketType::PubAck, "00 10 80 83 87 90 91 97 99"),
            (PacketType::PubRec, "00 10 80 83 87 90 91 97 99"),
            (PacketType::PubRel, "00 92"),
            (PacketType::PubComp, "00 92"),
            (PacketType::SubAck, "00 01 02 80 83 87 8F 91 97 9E A1 A2"),
            (PacketType::UnsubAck, "00 11 80 83 87 8F 91"),
            (
                PacketType::Disconnect,
                "00 04 80 81 82 83 87 89 8B 8C 8D 8E 8F 90 93 94 95 96 97 98 99 9A 9B 9C 9D 9E 9F A0 A1 A2",
            ),
            (PacketType::Auth, "00 18 19"),
        ];
        for (packet, list) in lists {
            let allowed: Vec<u8> = list
                .split(' ')
                .map(|h| u8::from_str_radix(h, 16).unwrap())
                .collect();
            for c in 0..=255u8 {
                assert_eq!(
                    ReasonCode(c).is_valid_for(packet, ProtocolVersion::V5),
                    allowed.contains(&c),
                    "{packet:?} 0x{c:02X}"
                );
            }
        }
    }

    #[test]
    fn v3_codes() {
        assert!(ReasonCode(5).is_valid_for(PacketType::ConnAck, ProtocolVersion::V3_1_1));
        assert!(!ReasonCode(6).is_valid_for(PacketType::ConnAck, ProtocolVersion::V3_1_1));
        assert!(ReasonCode(0x80).is_valid_for(PacketType::SubAck, ProtocolVersion::V3_1_1));
        assert!(!ReasonCode(0x80).is_valid_for(PacketType::SubAck, ProtocolVersion::V3_1));
        assert!(!ReasonCode(3).is_valid_for(PacketType::SubAck, ProtocolVersion::V3_1_1));
        assert_eq!(
            ReasonCode::PACKET_TOO_LARGE.name(),
            Some("Packet too large")
        );
        assert_eq!(ReasonCode(0x7F).name(), None);
    }
}
