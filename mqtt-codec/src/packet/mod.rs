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

/// Decodes the body of one complete frame whose fixed header is `header`.
#[inline]
pub(crate) fn decode_body(
    header: &FixedHeader,
    frame: &Bytes,
    ctx: &DecodeCtx<'_>,
) -> Result<Packet, DecodeError> {
    let mut r = Reader::new(frame);
    r.sub(header.header_len, "fixed header")?;
    let t = header.packet_type;
    let packet = match t {
        PacketType::Connect => Packet::Connect(Box::new(Connect::decode(&mut r, ctx)?)),
        PacketType::ConnAck => Packet::ConnAck(ConnAck::decode(&mut r, ctx)?),
        PacketType::Publish => Packet::Publish(Publish::decode(&mut r, header.flags, ctx)?),
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
    Ok(packet)
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
