//! The fifteen control packets: one file per packet (the four publish acknowledgments share
//! `ack.rs`), each with its decoder, its length pass and its writer.

mod ack;
mod auth;
mod connack;
mod connect;
mod disconnect;
mod publish;
mod suback;
mod subscribe;
mod unsuback;
mod unsubscribe;

use alloc::boxed::Box;
use bytes::{BufMut, Bytes, BytesMut};

pub use self::ack::{PubAck, PubComp, PubRec, PubRel};
pub use self::auth::Auth;
pub use self::connack::ConnAck;
pub use self::connect::{Connect, Will};
pub use self::disconnect::Disconnect;
pub use self::publish::{Publish, PublishTopic};
pub use self::suback::SubAck;
pub use self::subscribe::{Subscribe, Subscription, SubscriptionOptions};
pub use self::unsuback::UnsubAck;
pub use self::unsubscribe::Unsubscribe;
use crate::error::{DecodeError, EncodeError, Sender};
use crate::fixed_header::{FixedHeader, PacketType};
use crate::limits::Limits;
use crate::packet_id::PacketId;
use crate::properties::{self, PropertySet};
use crate::reader::Reader;
use crate::reason_code::ReasonCode;
use crate::varint;
use crate::version::ProtocolVersion;

/// An MQTT control packet of any version. Fields that exist only in MQTT 5.0 (properties,
/// reason codes of acknowledgments) are empty or success in 3.x packets.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize, serde::Serialize))]
pub enum Packet {
    /// CONNECT (boxed: it is the largest packet and the rarest, once per connection, so the
    /// enum stays the size of a PUBLISH).
    Connect(Box<Connect>),
    /// CONNACK.
    ConnAck(ConnAck),
    /// PUBLISH.
    Publish(Publish),
    /// PUBACK.
    PubAck(PubAck),
    /// PUBREC.
    PubRec(PubRec),
    /// PUBREL.
    PubRel(PubRel),
    /// PUBCOMP.
    PubComp(PubComp),
    /// SUBSCRIBE.
    Subscribe(Subscribe),
    /// SUBACK.
    SubAck(SubAck),
    /// UNSUBSCRIBE.
    Unsubscribe(Unsubscribe),
    /// UNSUBACK.
    UnsubAck(UnsubAck),
    /// PINGREQ.
    PingReq,
    /// PINGRESP.
    PingResp,
    /// DISCONNECT.
    Disconnect(Disconnect),
    /// AUTH (MQTT 5.0 only).
    Auth(Auth),
}

impl Packet {
    /// The packet's type.
    #[must_use]
    pub const fn packet_type(&self) -> PacketType {
        match self {
            Self::Connect(_) => PacketType::Connect,
            Self::ConnAck(_) => PacketType::ConnAck,
            Self::Publish(_) => PacketType::Publish,
            Self::PubAck(_) => PacketType::PubAck,
            Self::PubRec(_) => PacketType::PubRec,
            Self::PubRel(_) => PacketType::PubRel,
            Self::PubComp(_) => PacketType::PubComp,
            Self::Subscribe(_) => PacketType::Subscribe,
            Self::SubAck(_) => PacketType::SubAck,
            Self::Unsubscribe(_) => PacketType::Unsubscribe,
            Self::UnsubAck(_) => PacketType::UnsubAck,
            Self::PingReq => PacketType::PingReq,
            Self::PingResp => PacketType::PingResp,
            Self::Disconnect(_) => PacketType::Disconnect,
            Self::Auth(_) => PacketType::Auth,
        }
    }
}

/// What a packet decoder needs to know about the connection.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DecodeCtx<'a> {
    pub(crate) version: ProtocolVersion,
    /// Who sent the bytes, when known (direction-dependent rules apply only then).
    pub(crate) sender: Option<Sender>,
    pub(crate) limits: &'a Limits,
}

impl DecodeCtx<'_> {
    /// Reads a property block into `props` in 5.0; nothing in 3.x.
    pub(crate) fn properties<P: PropertySet>(
        &self,
        r: &mut Reader<'_>,
        props: &mut P,
        packet: PacketType,
    ) -> Result<(), DecodeError> {
        if self.version.is_v5() {
            properties::read_block(r, props, packet, self.limits)?;
        }
        Ok(())
    }

    /// Reads and checks a reason code for `packet`.
    pub(crate) fn reason_code(
        &self,
        r: &mut Reader<'_>,
        packet: PacketType,
    ) -> Result<ReasonCode, DecodeError> {
        let code = ReasonCode(r.u8("reason code")?);
        if code.is_valid_for(packet, self.version) {
            Ok(code)
        } else {
            Err(DecodeError::InvalidReasonCode {
                packet,
                code: code.0,
            })
        }
    }
}

/// What a packet encoder needs to know about the connection.
#[derive(Clone, Copy, Debug)]
pub(crate) struct EncodeCtx {
    pub(crate) version: ProtocolVersion,
    /// Who sends the packet, when known.
    pub(crate) sender: Option<Sender>,
}

impl EncodeCtx {
    /// Fails unless this is 5.0 or `is_empty` (v5-only content in a 3.x packet).
    pub(crate) fn v5_only(&self, is_empty: bool, what: &'static str) -> Result<(), EncodeError> {
        if is_empty || self.version.is_v5() {
            Ok(())
        } else {
            Err(EncodeError::NotInVersion {
                what,
                version: self.version,
            })
        }
    }

    /// Bytes of a property block (length included) in 5.0; 0 in 3.x.
    pub(crate) fn properties_len<P: PropertySet>(&self, props: &P) -> usize {
        if self.version.is_v5() {
            properties::block_len(props.content_len())
        } else {
            0
        }
    }

    /// Writes a property block in 5.0; nothing in 3.x.
    pub(crate) fn write_properties<P: PropertySet>(&self, props: &P, buf: &mut BytesMut) {
        if self.version.is_v5() {
            properties::write_block(props, props.content_len(), buf);
        }
    }

    /// Fails unless `code` is valid for `packet` in this version.
    pub(crate) fn check_reason_code(
        &self,
        code: ReasonCode,
        packet: PacketType,
    ) -> Result<(), EncodeError> {
        if code.is_valid_for(packet, self.version) {
            Ok(())
        } else if !self.version.is_v5()
            && !matches!(packet, PacketType::ConnAck | PacketType::SubAck)
        {
            Err(EncodeError::NotInVersion {
                what: "a reason code",
                version: self.version,
            })
        } else {
            Err(EncodeError::InvalidReasonCode {
                packet,
                code: code.0,
            })
        }
    }
}

/// Whether `sender` may send packets of type `packet` under `version`.
pub(crate) const fn sent_by(packet: PacketType, sender: Sender, version: ProtocolVersion) -> bool {
    match packet {
        PacketType::Publish
        | PacketType::PubAck
        | PacketType::PubRec
        | PacketType::PubRel
        | PacketType::PubComp
        | PacketType::Auth => true,
        PacketType::Connect
        | PacketType::Subscribe
        | PacketType::Unsubscribe
        | PacketType::PingReq => matches!(sender, Sender::Client),
        PacketType::ConnAck | PacketType::SubAck | PacketType::UnsubAck | PacketType::PingResp => {
            matches!(sender, Sender::Server)
        }
        PacketType::Disconnect => matches!(sender, Sender::Client) || version.is_v5(),
    }
}

/// Decodes the frame `frame` (fixed header included) whose fixed header is `header`; on error
/// hands the frame and the error to `on_error` (the decoder puts the frame back in front of its
/// buffer and records the error).
///
/// Returns the decoder's own result type, always `Some` on success, so that the packet is built
/// once, in the caller's slot. A PUBLISH takes its payload as the tail of `frame` (moved into
/// the packet, no new reference).
#[inline(always)]
pub(crate) fn decode_body(
    header: &FixedHeader,
    frame: Bytes,
    ctx: &DecodeCtx<'_>,
    on_error: impl FnOnce(&Bytes, DecodeError),
) -> Result<Option<Packet>, DecodeError> {
    if header.packet_type == PacketType::Publish {
        return Publish::decode(frame, header, ctx, on_error);
    }
    let result = decode_other(header, &frame, ctx);
    if let Err(e) = &result {
        on_error(&frame, *e);
    }
    result
}

/// [`decode_body`] for every packet but PUBLISH (out of line: the rest of the chain is inlined
/// into the caller's loop).
#[inline(never)]
fn decode_other(
    header: &FixedHeader,
    frame: &Bytes,
    ctx: &DecodeCtx<'_>,
) -> Result<Option<Packet>, DecodeError> {
    let mut r = Reader::new(frame);
    r.sub(header.header_len, "fixed header")?;
    let t = header.packet_type;
    let packet = match t {
        PacketType::Connect => Packet::Connect(Box::new(Connect::decode(&mut r, ctx)?)),
        PacketType::ConnAck => Packet::ConnAck(ConnAck::decode(&mut r, ctx)?),
        // Not reached through decode_body, which takes PUBLISH first.
        PacketType::Publish => return Publish::decode(frame.clone(), header, ctx, |_, _| {}),
        PacketType::PubAck => Packet::PubAck(PubAck::decode(&mut r, ctx)?),
        PacketType::PubRec => Packet::PubRec(PubRec::decode(&mut r, ctx)?),
        PacketType::PubRel => Packet::PubRel(PubRel::decode(&mut r, ctx)?),
        PacketType::PubComp => Packet::PubComp(PubComp::decode(&mut r, ctx)?),
        PacketType::Subscribe => Packet::Subscribe(Subscribe::decode(&mut r, ctx)?),
        PacketType::SubAck => Packet::SubAck(SubAck::decode(&mut r, ctx)?),
        PacketType::Unsubscribe => Packet::Unsubscribe(Unsubscribe::decode(&mut r, ctx)?),
        PacketType::UnsubAck => Packet::UnsubAck(UnsubAck::decode(&mut r, ctx)?),
        PacketType::PingReq => Packet::PingReq,
        PacketType::PingResp => Packet::PingResp,
        PacketType::Disconnect => Packet::Disconnect(Disconnect::decode(&mut r, ctx)?),
        PacketType::Auth => Packet::Auth(Auth::decode(&mut r, ctx)?),
    };
    r.finish(t)?;
    Ok(Some(packet))
}

/// A packet that keeps no bytes of its frame, as [`decode_unshared`] reads it: small, so that
/// the 280-byte [`Packet`] is only built by [`Unshared::into_packet`], in the caller's slot.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Unshared {
    /// A publish acknowledgment (`PacketType` is one of the four) without properties.
    Ack(PacketType, PacketId, ReasonCode),
    PingReq,
    PingResp,
    /// A DISCONNECT without reason code or properties.
    Disconnect,
}

impl Unshared {
    #[inline(always)]
    pub(crate) fn into_packet(self) -> Packet {
        match self {
            Self::Ack(PacketType::PubRec, id, code) => {
                Packet::PubRec(PubRec::with_reason(id, code))
            }
            Self::Ack(PacketType::PubRel, id, code) => {
                Packet::PubRel(PubRel::with_reason(id, code))
            }
            Self::Ack(PacketType::PubComp, id, code) => {
                Packet::PubComp(PubComp::with_reason(id, code))
            }
            Self::Ack(_, id, code) => Packet::PubAck(PubAck::with_reason(id, code)),
            Self::PingReq => Packet::PingReq,
            Self::PingResp => Packet::PingResp,
            Self::Disconnect => Packet::Disconnect(Disconnect::new()),
        }
    }
}

/// Decodes, straight from the receive buffer, a complete frame whose packet keeps no bytes of
/// it: a publish acknowledgment of Remaining Length 2 (or, in 5.0, 3: a reason code without
/// properties), and PINGREQ, PINGRESP and DISCONNECT of Remaining Length 0. The caller then
/// steps over the frame instead of splitting it off (no reference count is touched).
///
/// `None` for every other frame, and for any of these that breaks a rule: the general path
/// decodes those and reports the error, so the result is the same either way.
#[inline(always)]
pub(crate) fn decode_unshared(
    header: &FixedHeader,
    rx: &[u8],
    ctx: &DecodeCtx<'_>,
) -> Option<Unshared> {
    let t = header.packet_type;
    match (t, header.remaining_len) {
        (PacketType::PubAck | PacketType::PubRec | PacketType::PubRel | PacketType::PubComp, 2) => {
            let id = rx.get(header.header_len..)?.first_chunk::<2>()?;
            let id = PacketId::new(u16::from_be_bytes(*id))?;
            Some(Unshared::Ack(t, id, ReasonCode::SUCCESS))
        }
        (PacketType::PubAck | PacketType::PubRec | PacketType::PubRel | PacketType::PubComp, 3)
            if ctx.version.is_v5() =>
        {
            let &[hi, lo, code] = rx.get(header.header_len..)?.first_chunk::<3>()?;
            let id = PacketId::new(u16::from_be_bytes([hi, lo]))?;
            let code = ReasonCode(code);
            code.is_valid_for(t, ctx.version)
                .then_some(Unshared::Ack(t, id, code))
        }
        (PacketType::PingReq, 0) => Some(Unshared::PingReq),
        (PacketType::PingResp, 0) => Some(Unshared::PingResp),
        (PacketType::Disconnect, 0) => Some(Unshared::Disconnect),
        _ => None,
    }
}

/// The Remaining Length of `packet`, after checking everything that could make it unencodable.
/// (Which side may send it is checked by the encoder, for every packet type alike.)
pub(crate) fn remaining_len(packet: &Packet, ctx: &EncodeCtx) -> Result<usize, EncodeError> {
    match packet {
        Packet::Connect(p) => p.remaining_len(ctx),
        Packet::ConnAck(p) => p.remaining_len(ctx),
        Packet::Publish(p) => p.remaining_len(ctx),
        Packet::PubAck(p) => p.remaining_len(ctx),
        Packet::PubRec(p) => p.remaining_len(ctx),
        Packet::PubRel(p) => p.remaining_len(ctx),
        Packet::PubComp(p) => p.remaining_len(ctx),
        Packet::Subscribe(p) => p.remaining_len(ctx),
        Packet::SubAck(p) => p.remaining_len(ctx),
        Packet::Unsubscribe(p) => p.remaining_len(ctx),
        Packet::UnsubAck(p) => p.remaining_len(ctx),
        Packet::PingReq | Packet::PingResp => Ok(0),
        Packet::Disconnect(p) => p.remaining_len(ctx),
        Packet::Auth(p) => p.remaining_len(ctx),
    }
}

/// Writes the fixed header and body; `remaining` comes from [`remaining_len`].
pub(crate) fn write(packet: &Packet, remaining: u32, ctx: &EncodeCtx, buf: &mut BytesMut) {
    match packet {
        Packet::Publish(p) if p.write_short_head(remaining, ctx, buf) => return,
        Packet::PubAck(p) => return p.write_packet(remaining, ctx, buf),
        Packet::PubRec(p) => return p.write_packet(remaining, ctx, buf),
        Packet::PubRel(p) => return p.write_packet(remaining, ctx, buf),
        Packet::PubComp(p) => return p.write_packet(remaining, ctx, buf),
        _ => {}
    }
    let t = packet.packet_type();
    let flags = match packet {
        Packet::Publish(p) => p.flags(),
        _ => t.fixed_flags(),
    };
    buf.put_u8(((t as u8) << 4) | flags);
    varint::put(buf, remaining);
    match packet {
        Packet::Connect(p) => p.write(ctx, buf),
        Packet::ConnAck(p) => p.write(ctx, buf),
        Packet::Publish(p) => p.write(ctx, buf),
        Packet::PubAck(p) => p.write(ctx, buf),
        Packet::PubRec(p) => p.write(ctx, buf),
        Packet::PubRel(p) => p.write(ctx, buf),
        Packet::PubComp(p) => p.write(ctx, buf),
        Packet::Subscribe(p) => p.write(ctx, buf),
        Packet::SubAck(p) => p.write(ctx, buf),
        Packet::Unsubscribe(p) => p.write(ctx, buf),
        Packet::UnsubAck(p) => p.write(ctx, buf),
        Packet::PingReq | Packet::PingResp => {}
        Packet::Disconnect(p) => p.write(ctx, buf),
        Packet::Auth(p) => p.write(ctx, buf),
    }
}

impl From<Connect> for Packet {
    fn from(connect: Connect) -> Self {
        Self::Connect(Box::new(connect))
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::fixed_header;

    /// The in-place path for packets that keep no bytes gives exactly what the general path
    /// gives, and declines (leaving the general path to report the error) whenever the general
    /// path fails: every acknowledgment type, reason code and a few packet ids, in 3.1.1 and 5.0,
    /// and the empty PINGREQ, PINGRESP and DISCONNECT.
    #[test]
    fn unshared_path_agrees_with_the_general_one() {
        let limits = Limits::default();
        let mut frames = alloc::vec::Vec::new();
        for first in [0x40_u8, 0x50, 0x62, 0x70] {
            for id in [0_u16, 1, 0xFFFF] {
                let [hi, lo] = id.to_be_bytes();
                frames.push(alloc::vec![first, 2, hi, lo]);
                for code in 0..=u8::MAX {
                    frames.push(alloc::vec![first, 3, hi, lo, code]);
                }
            }
        }
        frames.extend([
            alloc::vec![0xC0, 0],
            alloc::vec![0xD0, 0],
            alloc::vec![0xE0, 0],
        ]);
        let mut taken = 0;
        for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
            let ctx = DecodeCtx {
                version,
                sender: None,
                limits: &limits,
            };
            for frame in &frames {
                let header = fixed_header::peek(frame, Some(version)).unwrap().unwrap();
                let general = decode_other(&header, &Bytes::copy_from_slice(frame), &ctx);
                match decode_unshared(&header, frame, &ctx) {
                    Some(small) => {
                        assert_eq!(general, Ok(Some(small.into_packet())), "{frame:x?}");
                        taken += 1;
                    }
                    None => assert!(general.is_err(), "{frame:x?} {version:?}"),
                }
            }
        }
        // 3.1.1: 4 types x 2 non-zero ids, and the 3 empty packets; 5.0: the same, plus the
        // codes each acknowledgment allows with a non-zero id.
        assert!(taken > 2 * (4 * 2 + 3), "{taken}");
    }
}
