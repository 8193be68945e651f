//! Decode and encode errors. Every decode error names the broken rule and the MQTT 5.0 reason
//! code the peer should receive ([`DecodeError::reason_code`]).

use mqtt_topic::TopicError;

use crate::fixed_header::PacketType;
use crate::reason_code::ReasonCode;
use crate::version::ProtocolVersion;

/// Which side of the connection sent the bytes being decoded (or will receive the bytes encoded).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize, serde::Serialize))]
pub enum Sender {
    /// The client.
    Client,
    /// The server.
    Server,
}

impl core::fmt::Display for Sender {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Client => "client",
            Self::Server => "server",
        })
    }
}

/// Why received bytes are not a valid MQTT packet. After one, the connection must close: the
/// [`Decoder`](crate::Decoder) stays failed and returns the same error again.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq, thiserror::Error)]
pub enum DecodeError {
    /// The fixed header announces a packet over the configured maximum packet size.
    #[error("packet of {size} bytes exceeds the maximum packet size of {max} bytes")]
    PacketTooLarge {
        /// Size of the whole packet (fixed header included), in bytes.
        size: u32,
        /// The configured maximum.
        max: u32,
    },
    /// The Remaining Length is not a valid Variable Byte Integer (five bytes, or over-long).
    #[error("malformed remaining length [MQTT-1.5.5-1]")]
    MalformedRemainingLength,
    /// A Variable Byte Integer field (property length, identifier, subscription id) is malformed.
    #[error("malformed variable byte integer in {field} [MQTT-1.5.5-1]")]
    MalformedVarint {
        /// The field.
        field: &'static str,
    },
    /// Packet type 0, or type 15 (AUTH) in MQTT 3.x.
    #[error("reserved packet type {packet_type} [MQTT-2.1.3-1]")]
    ReservedPacketType {
        /// The high nibble of the first byte.
        packet_type: u8,
    },
    /// Reserved fixed-header flag bits carry the wrong value.
    #[error("invalid fixed header flags {flags:#06b} for {packet} [MQTT-2.2.2-2] [MQTT-2.1.3-1]")]
    InvalidFlags {
        /// The packet type.
        packet: PacketType,
        /// The low nibble of the first byte.
        flags: u8,
    },
    /// PUBLISH with both QoS bits set.
    #[error("QoS 3 in PUBLISH [MQTT-3.3.1-4]")]
    PublishQoS3,
    /// PUBLISH at QoS 0 with DUP set.
    #[error("DUP set on a QoS 0 PUBLISH [MQTT-3.3.1-2]")]
    DupOnQoS0,
    /// A packet identifier of 0.
    #[error("packet identifier 0 in {packet} [MQTT-2.3.1-1]")]
    ZeroPacketId {
        /// The packet type.
        packet: PacketType,
    },
    /// A field runs past the end of the packet or of its length-prefixed region.
    #[error("{field} runs past the end of its packet or region")]
    UnexpectedEnd {
        /// The field being read.
        field: &'static str,
    },
    /// Bytes are left after the last field of a packet or region.
    #[error("{count} unexpected bytes after the last field of {packet}")]
    TrailingBytes {
        /// The packet type.
        packet: PacketType,
        /// How many bytes were left.
        count: u32,
    },
    /// A string is not well-formed UTF-8 (this includes encoded surrogates).
    #[error("{field} is not well-formed UTF-8 [MQTT-1.5.3-1] [MQTT-1.5.4-1]")]
    InvalidUtf8 {
        /// The field.
        field: &'static str,
    },
    /// A string contains U+0000.
    #[error("{field} contains U+0000 [MQTT-1.5.3-2] [MQTT-1.5.4-2]")]
    NullCharacter {
        /// The field.
        field: &'static str,
    },
    /// A topic name breaks a topic rule (wildcards, empty, ...).
    #[error("invalid {field}: {error}")]
    InvalidTopicName {
        /// The field.
        field: &'static str,
        /// The broken rule.
        error: TopicError,
    },
    /// A topic filter breaks a topic rule.
    #[error("invalid {field}: {error}")]
    InvalidTopicFilter {
        /// The field.
        field: &'static str,
        /// The broken rule.
        error: TopicError,
    },
    /// A PUBLISH with an empty topic name and no topic alias.
    #[error("empty topic name without a topic alias [MQTT-3.3.2-1]")]
    EmptyTopicWithoutAlias,
    /// A Topic Alias of 0.
    #[error("topic alias 0 [MQTT-3.3.2-8]")]
    TopicAliasZero,
    /// The CONNECT protocol name is not one this crate speaks.
    #[error("unknown protocol name [MQTT-3.1.2-1]")]
    UnknownProtocolName,
    /// The CONNECT protocol level is not supported (or does not match the protocol name).
    #[error("unsupported protocol level {level} [MQTT-3.1.2-2]")]
    UnsupportedProtocolLevel {
        /// The level byte.
        level: u8,
    },
    /// The reserved bit 0 of the CONNECT flags is set.
    #[error("reserved CONNECT flag bit 0 is set [MQTT-3.1.2-3]")]
    ReservedConnectFlag,
    /// Will QoS or Will Retain set although the Will Flag is 0.
    #[error(
        "will QoS or will retain set without the will flag [MQTT-3.1.2-11] [MQTT-3.1.2-13] [MQTT-3.1.2-15]"
    )]
    WillFlagsWithoutWill,
    /// Will QoS 3.
    #[error("will QoS 3 [MQTT-3.1.2-14] [MQTT-3.1.2-12]")]
    WillQoS3,
    /// MQTT 3.x: the Password Flag without the User Name Flag.
    #[error("password flag set without the user name flag [MQTT-3.1.2-22]")]
    PasswordWithoutUserName,
    /// CONNACK acknowledge flags with reserved bits set.
    #[error("reserved CONNACK acknowledge flag bits set: {flags:#04x} [MQTT-3.2.2-1]")]
    ConnAckReservedFlags {
        /// The flags byte.
        flags: u8,
    },
    /// CONNACK with Session Present = 1 and a non-zero code.
    #[error("session present with a non-zero CONNACK code [MQTT-3.2.2-4] [MQTT-3.2.2-6]")]
    SessionPresentWithError,
    /// A reason or return code the packet may not carry.
    #[error("reason code {code:#04x} is not allowed in {packet}")]
    InvalidReasonCode {
        /// The packet type.
        packet: PacketType,
        /// The code.
        code: u8,
    },
    /// A property identifier that does not exist or is not allowed in this packet.
    #[error("property {id:#04x} is not allowed in {packet}")]
    PropertyNotAllowed {
        /// The identifier (values that do not fit a byte are reported as 0xFF).
        id: u8,
        /// The packet type.
        packet: PacketType,
    },
    /// A property that may appear once appears again.
    #[error("property {id:#04x} appears more than once")]
    DuplicateProperty {
        /// The identifier.
        id: u8,
    },
    /// A property value outside its range (0 for Receive Maximum, 2 for a 0/1 byte, ...).
    #[error("property {id:#04x} has the invalid value {value}")]
    InvalidPropertyValue {
        /// The identifier.
        id: u8,
        /// The value.
        value: u32,
    },
    /// Authentication Data without an Authentication Method.
    #[error("authentication data without an authentication method")]
    AuthDataWithoutMethod,
    /// SUBSCRIBE or UNSUBSCRIBE without any topic filter.
    #[error("{packet} without a topic filter [MQTT-3.8.3-3] [MQTT-3.8.3-2] [MQTT-3.10.3-2]")]
    NoTopicFilters {
        /// The packet type.
        packet: PacketType,
    },
    /// SUBACK or 5.0 UNSUBACK without any reason code.
    #[error("{packet} without a reason code [MQTT-3.9.3-1] [MQTT-3.11.3-1]")]
    NoReasonCodes {
        /// The packet type.
        packet: PacketType,
    },
    /// Subscription options with reserved bits set (malformed) or Maximum QoS 3 (malformed in
    /// 3.x, a Protocol Error in 5.0).
    #[error("invalid subscription options {options:#04x} [MQTT-3.8.3-4] [MQTT-3.8.3-5]")]
    InvalidSubscriptionOptions {
        /// The options byte.
        options: u8,
    },
    /// Retain Handling 3.
    #[error("retain handling 3 in subscription options")]
    InvalidRetainHandling,
    /// No Local on a shared subscription.
    #[error("no local set on a shared subscription [MQTT-3.8.3-4]")]
    NoLocalOnSharedSubscription,
    /// A client-to-server PUBLISH with a Subscription Identifier.
    #[error("subscription identifier in a PUBLISH from the client [MQTT-3.3.4-6]")]
    SubscriptionIdFromClient,
    /// A server-to-client DISCONNECT with a Session Expiry Interval.
    #[error("session expiry interval in a DISCONNECT from the server [MQTT-3.14.2-2]")]
    SessionExpiryFromServer,
    /// A packet that the sender's side never sends (e.g. CONNACK from a client).
    #[error("{packet} may not be sent by the {sender}")]
    WrongDirection {
        /// The packet type.
        packet: PacketType,
        /// Who sent it.
        sender: Sender,
    },
    /// A server decoder awaiting CONNECT received another packet first.
    #[error("first packet is {packet}, not CONNECT [MQTT-3.1.0-1]")]
    FirstPacketNotConnect {
        /// The packet type.
        packet: PacketType,
    },
    /// More user properties than the configured limit.
    #[error("more than {max} user properties")]
    TooManyUserProperties {
        /// The configured limit.
        max: u16,
    },
    /// More topic filters (or SUBACK/UNSUBACK codes) than the configured limit.
    #[error("more than {max} topic filters")]
    TooManyTopicFilters {
        /// The configured limit.
        max: u16,
    },
}

impl DecodeError {
    /// The MQTT 5.0 reason code to send the peer (in a DISCONNECT, or in a CONNACK while
    /// connecting). In MQTT 3.x the connection is simply closed.
    ///
    /// Malformed Packet (0x81) for anything that cannot be parsed; Protocol Error (0x82) for
    /// a packet that parses but breaks a rule; the specific code where the spec names one.
    #[must_use]
    pub const fn reason_code(&self) -> ReasonCode {
        match self {
            Self::PacketTooLarge { .. } => ReasonCode::PACKET_TOO_LARGE,
            Self::UnknownProtocolName | Self::UnsupportedProtocolLevel { .. } => {
                ReasonCode::UNSUPPORTED_PROTOCOL_VERSION
            }
            Self::InvalidTopicName { .. } => ReasonCode::TOPIC_NAME_INVALID,
            Self::InvalidTopicFilter { .. } => ReasonCode::TOPIC_FILTER_INVALID,
            Self::TopicAliasZero => ReasonCode::TOPIC_ALIAS_INVALID,
            Self::TooManyUserProperties { .. } | Self::TooManyTopicFilters { .. } => {
                ReasonCode::IMPLEMENTATION_SPECIFIC_ERROR
            }
            Self::MalformedRemainingLength
            | Self::MalformedVarint { .. }
            | Self::ReservedPacketType { .. }
            | Self::InvalidFlags { .. }
            | Self::PublishQoS3
            | Self::DupOnQoS0
            | Self::ZeroPacketId { .. }
            | Self::UnexpectedEnd { .. }
            | Self::TrailingBytes { .. }
            | Self::InvalidUtf8 { .. }
            | Self::NullCharacter { .. }
            | Self::ReservedConnectFlag
            | Self::WillFlagsWithoutWill
            | Self::WillQoS3
            | Self::PasswordWithoutUserName
            | Self::ConnAckReservedFlags { .. }
            | Self::PropertyNotAllowed { .. }
            | Self::NoReasonCodes { .. } => ReasonCode::MALFORMED_PACKET,
            // 5.0 §3.8.3.1: Maximum QoS 3 is a Protocol Error; reserved bits 7-6 are malformed
            // [MQTT-3.8.3-5].
            Self::InvalidSubscriptionOptions { options } => {
                if *options & 0b1100_0000 == 0 && *options & 0b11 == 0b11 {
                    ReasonCode::PROTOCOL_ERROR
                } else {
                    ReasonCode::MALFORMED_PACKET
                }
            }
            Self::SessionPresentWithError
            | Self::InvalidReasonCode { .. }
            | Self::DuplicateProperty { .. }
            | Self::InvalidPropertyValue { .. }
            | Self::AuthDataWithoutMethod
            | Self::NoTopicFilters { .. }
            | Self::EmptyTopicWithoutAlias
            | Self::InvalidRetainHandling
            | Self::NoLocalOnSharedSubscription
            | Self::SubscriptionIdFromClient
            | Self::SessionExpiryFromServer
            | Self::WrongDirection { .. }
            | Self::FirstPacketNotConnect { .. } => ReasonCode::PROTOCOL_ERROR,
        }
    }
}

/// Why a packet cannot be encoded. Nothing is written when encoding fails.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq, thiserror::Error)]
pub enum EncodeError {
    /// The packet is larger than the peer's Maximum Packet Size.
    #[error("packet of {size} bytes exceeds the peer's maximum packet size of {max} bytes")]
    PacketTooLarge {
        /// Size of the whole packet, in bytes.
        size: u64,
        /// The peer's maximum.
        max: u32,
    },
    /// The Remaining Length would exceed 268,435,455 bytes.
    #[error("remaining length {len} exceeds the protocol maximum of 268435455")]
    RemainingLengthTooLarge {
        /// The Remaining Length the packet would need.
        len: u64,
    },
    /// A packet, field or value that does not exist in the encoder's protocol version.
    #[error("{what} does not exist in MQTT {version}")]
    NotInVersion {
        /// What was asked for.
        what: &'static str,
        /// The encoder's version.
        version: ProtocolVersion,
    },
    /// A CONNECT whose `protocol` differs from the encoder's version.
    #[error("CONNECT for MQTT {packet} given to an MQTT {encoder} encoder")]
    VersionMismatch {
        /// The CONNECT's version.
        packet: ProtocolVersion,
        /// The encoder's version.
        encoder: ProtocolVersion,
    },
    /// A reason code the packet may not carry in this version.
    #[error("reason code {code:#04x} is not allowed in {packet}")]
    InvalidReasonCode {
        /// The packet type.
        packet: PacketType,
        /// The code.
        code: u8,
    },
    /// A field breaks a rule the wire format or the spec imposes on the sender.
    #[error("invalid {field}: {rule}")]
    InvalidField {
        /// The field.
        field: &'static str,
        /// The rule, with its normative ID where there is one.
        rule: &'static str,
    },
}
