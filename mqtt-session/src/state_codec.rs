//! The stable, versioned binary encoding of [`SessionState`], so a device can keep its session
//! across power loss and a broker can store sessions in a database and resume them on another
//! node.
//!
//! Format version 2 (all integers big-endian; packets are MQTT 5.0 frames written by the
//! codec's [`Encoder`], whatever the session's own protocol version):
//!
//! ```text
//! "MQSS"                     magic, 4 bytes
//! 0x02                       format version (1 is still read: no dialect byte, every
//!                            subscription a 5.0 frame)
//! 0x00                       flags (reserved, 0)
//! u8 + u32                   session expiry: 0 = none; 1 then the seconds left
//! u32 n, n × (u8 stage, u32 len, PUBLISH frame)   outbound messages (stage 0 queued,
//!                                                  1 sent, 2 released; QoS 0 only if
//!                                                  queued)
//! u32 n, n × u16             inbound QoS 2 packet identifiers (non-zero)
//! u32 n, n × (u8 dialect, u32 len, SUBSCRIBE frame)
//!                                                  one filter each; packet id 1; its
//!                                                  Subscription Identifier as property;
//!                                                  dialect 0: a 5.0 frame, 1: a 3.1.1 frame
//!                                                  (a 3.x filter such as `$share/g/a`,
//!                                                  which 5.0 would read as shared)
//! u8 + (u32 len, CONNECT frame)                   0 = no Will; 1 then a CONNECT whose Will
//!                                                  is the session's (empty client id)
//! u32                        CRC-32 (IEEE) of every byte before it
//! ```
//!
//! A decoder reading a newer format version refuses it ([`StateDecodeError::UnsupportedFormat`]);
//! later versions will only append fields, guarded by the version byte. Decoding never panics:
//! every length is checked against the input, and the checksum catches corruption.

use alloc::vec::Vec;

use mqtt_codec::bytes::{BufMut, BytesMut};
use mqtt_codec::{
    Connect, DecodeError, Decoder, EncodeError, Encoder, Limits, MqttString, Packet, PacketId,
    ProtocolVersion, Subscribe,
};

use crate::state::{OutboundMessage, OutboundStage, SessionState, StoredSubscription};

/// The magic bytes that open an encoded [`SessionState`].
pub const STATE_MAGIC: [u8; 4] = *b"MQSS";
/// The format version [`SessionState::encode`] writes.
pub const STATE_FORMAT_VERSION: u8 = 2;

/// Why bytes are not a [`SessionState`].
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq, thiserror::Error)]
pub enum StateDecodeError {
    /// The input does not start with [`STATE_MAGIC`].
    #[error("not an encoded session state (bad magic)")]
    BadMagic,
    /// The checksum does not match: the bytes were corrupted.
    #[error("session state checksum mismatch")]
    Checksum,
    /// A field holds a value the format does not allow.
    #[error("invalid session state field {field}")]
    Invalid {
        /// The field.
        field: &'static str,
    },
    /// A contained packet does not decode.
    #[error("invalid packet in session state: {0}")]
    Packet(DecodeError),
    /// The input ends before the state does.
    #[error("session state truncated")]
    Truncated,
    /// Bytes follow the state.
    #[error("trailing bytes after the session state")]
    TrailingBytes,
    /// A format version this build does not know.
    #[error("unsupported session state format version {version}")]
    UnsupportedFormat {
        /// The version byte found.
        version: u8,
    },
}

impl SessionState {
    /// Appends the binary form (format [`STATE_FORMAT_VERSION`], see the module docs) to
    /// `buf`; returns the number of bytes written.
    ///
    /// # Errors
    /// [`EncodeError`] when a contained packet cannot be encoded (for example an outbound
    /// message whose topic is an alias); nothing is written then.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<usize, EncodeError> {
        let enc = Encoder::new(ProtocolVersion::V5);
        let enc_v3 = Encoder::new(ProtocolVersion::V3_1_1);
        let mut out = BytesMut::new();
        out.put_slice(&STATE_MAGIC);
        out.put_u8(STATE_FORMAT_VERSION);
        out.put_u8(0);
        match self.session_expiry_interval {
            Some(s) => {
                out.put_u8(1);
                out.put_u32(s);
            }
            None => out.put_u8(0),
        }
        put_count(&mut out, self.outbound.len());
        for m in &self.outbound {
            out.put_u8(match m.stage {
                OutboundStage::Queued => 0,
                OutboundStage::Sent => 1,
                OutboundStage::Released => 2,
            });
            put_packet(&enc, &Packet::Publish(m.publish.clone()), &mut out)?;
        }
        put_count(&mut out, self.inbound_qos2.len());
        for id in &self.inbound_qos2 {
            out.put_u16(id.get());
        }
        put_count(&mut out, self.subscriptions.len());
        for s in &self.subscriptions {
            let mut sub = Subscribe::new(PacketId::MIN, alloc::vec![s.subscription.clone()]);
            sub.properties.subscription_identifier = s.identifier;
            // A `$share/` filter that is not shared was read under 3.x rules: keep that.
            let filter = &s.subscription.filter;
            if !filter.is_shared() && filter.as_str().starts_with("$share/") {
                out.put_u8(1);
                put_packet(&enc_v3, &Packet::Subscribe(sub), &mut out)?;
            } else {
                out.put_u8(0);
                put_packet(&enc, &Packet::Subscribe(sub), &mut out)?;
            }
        }
        match &self.will {
            Some(w) => {
                out.put_u8(1);
                let mut c = Connect::new(ProtocolVersion::V5, MqttString::empty());
                c.will = Some(w.clone());
                put_packet(&enc, &Packet::from(c), &mut out)?;
            }
            None => out.put_u8(0),
        }
        let crc = crc32(&out);
        out.put_u32(crc);
        buf.extend_from_slice(&out);
        Ok(out.len())
    }

    /// Parses the binary form written by [`SessionState::encode`].
    ///
    /// # Errors
    /// [`StateDecodeError`] for anything that is not exactly one well-formed state of a known
    /// format version; never panics.
    pub fn decode(bytes: &[u8]) -> Result<Self, StateDecodeError> {
        let mut r = Reader { rest: bytes };
        if r.take(4)? != STATE_MAGIC {
            return Err(StateDecodeError::BadMagic);
        }
        let version = r.u8()?;
        if version != STATE_FORMAT_VERSION && version != 1 {
            return Err(StateDecodeError::UnsupportedFormat { version });
        }
        let body_len = bytes
            .len()
            .checked_sub(4)
            .ok_or(StateDecodeError::Truncated)?;
        let (body, crc) = bytes.split_at(body_len);
        if crc32(body).to_be_bytes() != crc {
            return Err(StateDecodeError::Checksum);
        }
        // Parse the body only (the checksum is consumed above).
        let mut r = Reader {
            rest: body.get(5..).ok_or(StateDecodeError::Truncated)?,
        };
        if r.u8()? != 0 {
            return Err(StateDecodeError::Invalid { field: "flags" });
        }
        let mut state = Self::new();
        state.session_expiry_interval = match r.u8()? {
            0 => None,
            1 => Some(r.u32()?),
            _ => {
                return Err(StateDecodeError::Invalid {
                    field: "session expiry",
                });
            }
        };
        for _ in 0..r.u32()? {
            let stage = match r.u8()? {
                0 => OutboundStage::Queued,
                1 => OutboundStage::Sent,
                2 => OutboundStage::Released,
                _ => return Err(StateDecodeError::Invalid { field: "stage" }),
            };
            let Packet::Publish(p) = r.packet()? else {
                return Err(StateDecodeError::Invalid { field: "outbound" });
            };
            // A QoS 0 message has no packet identifier: it can only wait to be sent.
            let in_flight = stage != OutboundStage::Queued;
            if (in_flight && p.delivery.packet_id().is_none()) || p.topic.name().is_none() {
                return Err(StateDecodeError::Invalid { field: "outbound" });
            }
            state.outbound.push(OutboundMessage::new(p, stage));
        }
        for _ in 0..r.u32()? {
            let id = PacketId::new(r.u16()?).ok_or(StateDecodeError::Invalid {
                field: "inbound QoS 2 id",
            })?;
            state.inbound_qos2.push(id);
        }
        for _ in 0..r.u32()? {
            let dialect = if version == 1 {
                ProtocolVersion::V5
            } else {
                match r.u8()? {
                    0 => ProtocolVersion::V5,
                    1 => ProtocolVersion::V3_1_1,
                    _ => return Err(StateDecodeError::Invalid { field: "dialect" }),
                }
            };
            let Packet::Subscribe(s) = r.packet_in(dialect)? else {
                return Err(StateDecodeError::Invalid {
                    field: "subscription",
                });
            };
            let identifier = s.properties.subscription_identifier;
            let mut subs = s.subscriptions.into_iter();
            let (Some(sub), None) = (subs.next(), subs.next()) else {
                return Err(StateDecodeError::Invalid {
                    field: "subscription",
                });
            };
            state
                .subscriptions
                .push(StoredSubscription::new(sub, identifier));
        }
        state.will = match r.u8()? {
            0 => None,
            1 => {
                let Packet::Connect(c) = r.packet()? else {
                    return Err(StateDecodeError::Invalid { field: "will" });
                };
                Some(c.will.ok_or(StateDecodeError::Invalid { field: "will" })?)
            }
            _ => return Err(StateDecodeError::Invalid { field: "will" }),
        };
        if !r.rest.is_empty() {
            return Err(StateDecodeError::TrailingBytes);
        }
        Ok(state)
    }

    /// The binary form as a new buffer (see [`SessionState::encode`]).
    ///
    /// # Errors
    /// As [`SessionState::encode`].
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let mut buf = BytesMut::new();
        self.encode(&mut buf)?;
        Ok(buf.to_vec())
    }
}

fn put_count(out: &mut BytesMut, n: usize) {
    out.put_u32(u32::try_from(n).unwrap_or(u32::MAX));
}

fn put_packet(enc: &Encoder, p: &Packet, out: &mut BytesMut) -> Result<(), EncodeError> {
    let len = enc.encoded_len(p)?;
    put_count(out, len);
    enc.encode(p, out)?;
    Ok(())
}

struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], StateDecodeError> {
        if self.rest.len() < n {
            return Err(StateDecodeError::Truncated);
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, StateDecodeError> {
        let b = self.take(1)?;
        b.first().copied().ok_or(StateDecodeError::Truncated)
    }

    fn u16(&mut self) -> Result<u16, StateDecodeError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes(
            b.try_into().map_err(|_| StateDecodeError::Truncated)?,
        ))
    }

    fn u32(&mut self) -> Result<u32, StateDecodeError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes(
            b.try_into().map_err(|_| StateDecodeError::Truncated)?,
        ))
    }

    fn packet(&mut self) -> Result<Packet, StateDecodeError> {
        self.packet_in(ProtocolVersion::V5)
    }

    fn packet_in(&mut self, version: ProtocolVersion) -> Result<Packet, StateDecodeError> {
        let len = usize::try_from(self.u32()?).map_err(|_| StateDecodeError::Truncated)?;
        let frame = self.take(len)?;
        let mut limits = Limits::default().with_max_packet_size(Limits::PROTOCOL_MAX_PACKET_SIZE);
        limits.max_user_properties = u16::MAX;
        limits.max_topic_filters = u16::MAX;
        let mut decoder = Decoder::new(version, limits);
        let mut buf = BytesMut::from(frame);
        match decoder.decode(&mut buf) {
            Ok(Some(p)) if buf.is_empty() => Ok(p),
            Ok(_) => Err(StateDecodeError::Invalid {
                field: "packet length",
            }),
            Err(e) => Err(StateDecodeError::Packet(e)),
        }
    }
}

/// CRC-32 (IEEE 802.3, reflected, as in zlib).
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn empty_state_round_trips_and_rejects_garbage() {
        let s = SessionState::new();
        let bytes = s.to_bytes().unwrap();
        assert_eq!(SessionState::decode(&bytes), Ok(s));
        assert_eq!(
            SessionState::decode(b"nope"),
            Err(StateDecodeError::BadMagic)
        );
        let mut v3 = bytes.clone();
        v3[4] = 3;
        assert_eq!(
            SessionState::decode(&v3),
            Err(StateDecodeError::UnsupportedFormat { version: 3 })
        );
    }
}
