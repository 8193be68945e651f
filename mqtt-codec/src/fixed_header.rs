//! The fixed header: packet type, flags and Remaining Length, read without consuming input.

use crate::error::DecodeError;
use crate::varint::{self, VarintError};
use crate::version::ProtocolVersion;

/// The fifteen MQTT control packet types (type 0 is reserved; 15 is AUTH, 5.0 only).
#[expect(clippy::exhaustive_enums, reason = "closed by the MQTT specification")]
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize, serde::Serialize))]
pub enum PacketType {
    /// 1: client request to connect.
    Connect = 1,
    /// 2: connect acknowledgment.
    ConnAck = 2,
    /// 3: publish message.
    Publish = 3,
    /// 4: publish acknowledgment (QoS 1).
    PubAck = 4,
    /// 5: publish received (QoS 2, part 1).
    PubRec = 5,
    /// 6: publish release (QoS 2, part 2).
    PubRel = 6,
    /// 7: publish complete (QoS 2, part 3).
    PubComp = 7,
    /// 8: subscribe request.
    Subscribe = 8,
    /// 9: subscribe acknowledgment.
    SubAck = 9,
    /// 10: unsubscribe request.
    Unsubscribe = 10,
    /// 11: unsubscribe acknowledgment.
    UnsubAck = 11,
    /// 12: ping request.
    PingReq = 12,
    /// 13: ping response.
    PingResp = 13,
    /// 14: disconnect notification.
    Disconnect = 14,
    /// 15: authentication exchange (5.0 only).
    Auth = 15,
}

impl PacketType {
    /// The packet type from the high nibble of the first header byte; `None` for 0.
    #[must_use]
    pub const fn from_nibble(nibble: u8) -> Option<Self> {
        Some(match nibble {
            1 => Self::Connect,
            2 => Self::ConnAck,
            3 => Self::Publish,
            4 => Self::PubAck,
            5 => Self::PubRec,
            6 => Self::PubRel,
            7 => Self::PubComp,
            8 => Self::Subscribe,
            9 => Self::SubAck,
            10 => Self::Unsubscribe,
            11 => Self::UnsubAck,
            12 => Self::PingReq,
            13 => Self::PingResp,
            14 => Self::Disconnect,
            15 => Self::Auth,
            _ => return None,
        })
    }

    /// The spec's name for the packet type, e.g. `"PUBLISH"`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Connect => "CONNECT",
            Self::ConnAck => "CONNACK",
            Self::Publish => "PUBLISH",
            Self::PubAck => "PUBACK",
            Self::PubRec => "PUBREC",
            Self::PubRel => "PUBREL",
            Self::PubComp => "PUBCOMP",
            Self::Subscribe => "SUBSCRIBE",
            Self::SubAck => "SUBACK",
            Self::Unsubscribe => "UNSUBSCRIBE",
            Self::UnsubAck => "UNSUBACK",
            Self::PingReq => "PINGREQ",
            Self::PingResp => "PINGRESP",
            Self::Disconnect => "DISCONNECT",
            Self::Auth => "AUTH",
        }
    }

    /// The fixed-header flags a packet of this type carries when sent by this crate.
    #[must_use]
    pub(crate) const fn fixed_flags(self) -> u8 {
        match self {
            Self::PubRel | Self::Subscribe | Self::Unsubscribe => 0b0010,
            _ => 0,
        }
    }
}

impl core::fmt::Display for PacketType {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// A parsed fixed header.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) struct FixedHeader {
    pub(crate) packet_type: PacketType,
    /// The low nibble of the first byte.
    pub(crate) flags: u8,
    /// The Remaining Length: bytes after the fixed header.
    pub(crate) remaining_len: u32,
    /// Bytes taken by the fixed header itself (2..=5).
    pub(crate) header_len: usize,
}

impl FixedHeader {
    /// The whole frame's size: fixed header plus Remaining Length.
    pub(crate) fn frame_len(&self) -> usize {
        // remaining_len <= varint::MAX, so this cannot overflow a usize of 32 bits or more.
        self.header_len.saturating_add(self.remaining_len as usize)
    }
}

/// Reads the fixed header at the start of `bytes` without consuming anything.
///
/// `version` is the connection's version when known (`None` while a server awaits CONNECT):
/// it decides whether type 15 exists and which flags PUBLISH/SUBSCRIBE/UNSUBSCRIBE may carry.
/// `Ok(None)`: fewer bytes than the header needs.
///
/// Inlined fast path: a Remaining Length of one or two bytes and a first byte that is valid in
/// every version ([`FAST_FIRST_BYTE`], one table load); everything else (longer lengths, AUTH,
/// 3.1's DUP on PUBREL/SUBSCRIBE/UNSUBSCRIBE, every error, a header not yet complete) takes
/// [`peek_slow`].
#[inline(always)]
pub(crate) fn peek(
    bytes: &[u8],
    version: Option<ProtocolVersion>,
) -> Result<Option<FixedHeader>, DecodeError> {
    if let Some(&[first, len]) = bytes.first_chunk::<2>() {
        if let Some(Some(packet_type)) = FAST_FIRST_BYTE.get(usize::from(first)) {
            let header = |remaining_len, header_len| {
                Ok(Some(FixedHeader {
                    packet_type: *packet_type,
                    flags: first & 0x0F,
                    remaining_len,
                    header_len,
                }))
            };
            if len < 0x80 {
                return header(u32::from(len), 2);
            }
            // Two length bytes (128..=16,383): a second byte of 0 would be overlong.
            if let Some(&[_, _, high @ 0x01..=0x7F]) = bytes.first_chunk::<3>() {
                return header(u32::from(len & 0x7F) | (u32::from(high) << 7), 3);
            }
        }
    }
    peek_slow(bytes, version)
}

/// For each first header byte: its packet type when the type exists and the flags are valid in
/// every version (PUBLISH flags are checked by the PUBLISH decoder); `None` otherwise (the
/// reserved type 0, AUTH, which only 5.0 has, and every flag combination that some version
/// rejects, which [`peek_slow`] sorts out).
const FAST_FIRST_BYTE: [Option<PacketType>; 256] = {
    let mut table = [None; 256];
    let mut byte = 0;
    while byte < 256 {
        #[expect(
            clippy::cast_possible_truncation,
            reason = "byte < 256: the cast is exact"
        )]
        let b = byte as u8;
        let (nibble, flags) = (b >> 4, b & 0x0F);
        let entry = match PacketType::from_nibble(nibble) {
            Some(PacketType::Auth) | None => None,
            Some(PacketType::Publish) => Some(PacketType::Publish),
            Some(t) if flags == t.fixed_flags() => Some(t),
            Some(_) => None,
        };
        #[expect(
            clippy::indexing_slicing,
            reason = "const evaluation: byte < 256 == table.len(); a bad index fails the build"
        )]
        {
            table[byte] = entry;
        }
        byte += 1;
    }
    table
};

/// [`peek`] for every header its fast path does not take.
#[inline(never)]
fn peek_slow(
    bytes: &[u8],
    version: Option<ProtocolVersion>,
) -> Result<Option<FixedHeader>, DecodeError> {
    let Some((&first, rest)) = bytes.split_first() else {
        return Ok(None);
    };
    let nibble = first >> 4;
    let flags = first & 0x0F;
    let packet_type = match PacketType::from_nibble(nibble) {
        None => {
            return Err(DecodeError::ReservedPacketType {
                packet_type: nibble,
            });
        }
        Some(PacketType::Auth) if version.is_some_and(|v| !v.is_v5()) => {
            return Err(DecodeError::ReservedPacketType {
                packet_type: nibble,
            });
        }
        Some(t) => t,
    };
    check_flags(packet_type, flags, version)?;
    match varint::parse(rest) {
        Ok(None) => Ok(None),
        Ok(Some((remaining_len, n))) => Ok(Some(FixedHeader {
            packet_type,
            flags,
            remaining_len,
            header_len: 1 + n,
        })),
        Err(VarintError::TooLong | VarintError::Overlong) => {
            Err(DecodeError::MalformedRemainingLength)
        }
    }
}

/// Checks the reserved flag bits ([MQTT-2.2.2-1], [MQTT-2.2.2-2], [MQTT-2.1.3-1]).
///
/// PUBLISH flags are checked by the PUBLISH decoder (QoS 3, DUP on QoS 0).
fn check_flags(
    packet_type: PacketType,
    flags: u8,
    version: Option<ProtocolVersion>,
) -> Result<(), DecodeError> {
    let ok = match packet_type {
        PacketType::Publish => true,
        // 3.1 sends these with QoS 1 and lets DUP be set on retransmission.
        PacketType::PubRel | PacketType::Subscribe | PacketType::Unsubscribe => {
            flags == 0b0010 || (flags == 0b1010 && version == Some(ProtocolVersion::V3_1))
        }
        _ => flags == 0,
    };
    if ok {
        Ok(())
    } else {
        Err(DecodeError::InvalidFlags {
            packet: packet_type,
            flags,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_headers_need_more_bytes() {
        assert_eq!(peek(&[], None), Ok(None));
        assert_eq!(peek(&[0x30], None), Ok(None));
        assert_eq!(peek(&[0x30, 0x80], None), Ok(None));
        assert_eq!(
            peek(&[0x30, 0x80, 0x01], None),
            Ok(Some(FixedHeader {
                packet_type: PacketType::Publish,
                flags: 0,
                remaining_len: 128,
                header_len: 3
            }))
        );
    }

    #[test]
    fn fast_path_agrees_with_the_general_one() {
        let versions = [
            None,
            Some(ProtocolVersion::V3_1),
            Some(ProtocolVersion::V3_1_1),
            Some(ProtocolVersion::V5),
        ];
        let mut fast = 0;
        for first in 0..=u8::MAX {
            for len in [0x00, 0x02, 0x7F, 0x80, 0x81, 0xFF] {
                for second in [0x00, 0x01, 0x7F, 0x80] {
                    for version in versions {
                        let bytes = [first, len, second, 0x01];
                        for end in 0..=bytes.len() {
                            assert_eq!(
                                peek(&bytes[..end], version),
                                peek_slow(&bytes[..end], version),
                                "{:x?} {version:?}",
                                &bytes[..end]
                            );
                        }
                    }
                }
            }
            fast += usize::from(
                FAST_FIRST_BYTE
                    .get(usize::from(first))
                    .is_some_and(Option::is_some),
            );
        }
        // 16 PUBLISH flag combinations and one byte for each of the other 13 types.
        assert_eq!(fast, 16 + 13);
    }

    #[test]
    fn fifth_length_byte_is_malformed() {
        assert_eq!(
            peek(&[0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], None),
            Err(DecodeError::MalformedRemainingLength)
        );
    }

    #[test]
    fn reserved_types_and_flags() {
        assert_eq!(
            peek(&[0x00, 0x00], None),
            Err(DecodeError::ReservedPacketType { packet_type: 0 })
        );
        assert_eq!(
            peek(&[0xF0, 0x00], Some(ProtocolVersion::V3_1_1)),
            Err(DecodeError::ReservedPacketType { packet_type: 15 })
        );
        assert!(peek(&[0xF0, 0x00], Some(ProtocolVersion::V5)).is_ok());
        assert!(peek(&[0x6A, 0x02], Some(ProtocolVersion::V3_1)).is_ok());
        assert_eq!(
            peek(&[0x6A, 0x02], Some(ProtocolVersion::V3_1_1)),
            Err(DecodeError::InvalidFlags {
                packet: PacketType::PubRel,
                flags: 0x0A
            })
        );
        assert_eq!(
            peek(&[0xC1, 0x00], None),
            Err(DecodeError::InvalidFlags {
                packet: PacketType::PingReq,
                flags: 1
            })
        );
    }
}
