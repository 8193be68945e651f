//! PUBACK, PUBREC, PUBREL and PUBCOMP (§3.4–§3.7): a packet identifier, and in 5.0 a reason
//! code and properties, both omitted on the wire when they are the defaults.

use bytes::{BufMut, BytesMut};

use super::{DecodeCtx, EncodeCtx};
use crate::error::{DecodeError, EncodeError};
use crate::fixed_header::PacketType;
use crate::packet_id::PacketId;
use crate::properties::{self, AckProperties, PropertySet};
use crate::reader::Reader;
use crate::reason_code::ReasonCode;

/// Decodes the shared body of the four publish acknowledgments.
fn decode_body(
    r: &mut Reader<'_>,
    ctx: &DecodeCtx<'_>,
    t: PacketType,
) -> Result<(PacketId, ReasonCode, AckProperties), DecodeError> {
    let packet_id = r.packet_id(t)?;
    let mut reason_code = ReasonCode::SUCCESS;
    let mut properties = AckProperties::default();
    // 5.0 short forms: Remaining Length 2 means success and no properties; below 4 means
    // no Property Length.
    if ctx.version.is_v5() && !r.is_empty() {
        reason_code = ctx.reason_code(r, t)?;
        if !r.is_empty() {
            ctx.properties(r, &mut properties, t)?;
        }
    }
    Ok((packet_id, reason_code, properties))
}

/// A borrowed view of an acknowledgment, for the length pass and the writer.
#[derive(Clone, Copy, Debug)]
struct AckBody<'a> {
    packet_id: PacketId,
    reason_code: ReasonCode,
    properties: &'a AckProperties,
}

impl AckBody<'_> {
    fn remaining_len(&self, ctx: &EncodeCtx, t: PacketType) -> Result<usize, EncodeError> {
        ctx.check_reason_code(self.reason_code, t)?;
        ctx.v5_only(self.properties.is_empty(), "acknowledgment properties")?;
        Ok(
            if !ctx.version.is_v5() || (self.is_success() && self.properties.is_empty()) {
                2
            } else if self.properties.is_empty() {
                3
            } else {
                3 + properties::block_len(self.properties.content_len())
            },
        )
    }

    fn is_success(&self) -> bool {
        self.reason_code == ReasonCode::SUCCESS
    }

    fn write(&self, ctx: &EncodeCtx, buf: &mut BytesMut) {
        buf.put_u16(self.packet_id.get());
        if ctx.version.is_v5() && !(self.is_success() && self.properties.is_empty()) {
            buf.put_u8(self.reason_code.0);
            if !self.properties.is_empty() {
                ctx.write_properties(self.properties, buf);
            }
        }
    }
}

macro_rules! ack_packet {
    ($(#[$doc:meta])* $name:ident, $t:expr) => {
        $(#[$doc])*
        #[non_exhaustive]
        #[derive(Clone, Debug, Eq, PartialEq)]
        #[cfg_attr(feature = "serde", derive(serde::Deserialize, serde::Serialize))]
        pub struct $name {
            /// The packet identifier of the PUBLISH (or PUBREL) being acknowledged.
            pub packet_id: PacketId,
            /// MQTT 5.0 reason code (always success in 3.x).
            pub reason_code: ReasonCode,
            /// MQTT 5.0 properties.
            pub properties: AckProperties,
        }

        impl $name {
            /// A successful acknowledgment without properties.
            #[must_use]
            pub fn new(packet_id: PacketId) -> Self {
                Self { packet_id, reason_code: ReasonCode::SUCCESS, properties: AckProperties::default() }
            }

            /// An acknowledgment with a reason code (MQTT 5.0).
            #[must_use]
            pub fn with_reason(packet_id: PacketId, reason_code: ReasonCode) -> Self {
                Self { packet_id, reason_code, properties: AckProperties::default() }
            }

            pub(crate) fn decode(r: &mut Reader<'_>, ctx: &DecodeCtx<'_>) -> Result<Self, DecodeError> {
                let (packet_id, reason_code, properties) = decode_body(r, ctx, $t)?;
                Ok(Self { packet_id, reason_code, properties })
            }

            fn body(&self) -> AckBody<'_> {
                AckBody {
                    packet_id: self.packet_id,
                    reason_code: self.reason_code,
                    properties: &self.properties,
                }
            }

            pub(crate) fn remaining_len(&self, ctx: &EncodeCtx) -> Result<usize, EncodeError> {
                self.body().remaining_len(ctx, $t)
            }

            pub(crate) fn write(&self, ctx: &EncodeCtx, buf: &mut BytesMut) {
                self.body().write(ctx, buf);
            }

            /// Writes the whole packet, fixed header included: the common short form (just
            /// the packet identifier) in one append.
            #[inline]
            pub(crate) fn write_packet(&self, remaining: u32, ctx: &EncodeCtx, buf: &mut BytesMut) {
                if remaining == 2 {
                    let [hi, lo] = self.packet_id.get().to_be_bytes();
                    buf.put_slice(&[(($t as u8) << 4) | $t.fixed_flags(), 2, hi, lo]);
                } else {
                    buf.put_u8((($t as u8) << 4) | $t.fixed_flags());
                    crate::varint::put(buf, remaining);
                    self.write(ctx, buf);
                }
            }
        }
    };
}

ack_packet!(
    /// PUBACK: acknowledges a QoS 1 PUBLISH.
    PubAck,
    PacketType::PubAck
);
ack_packet!(
    /// PUBREC: first acknowledgment of a QoS 2 PUBLISH.
    PubRec,
    PacketType::PubRec
);
ack_packet!(
    /// PUBREL: releases a QoS 2 message after PUBREC.
    PubRel,
    PacketType::PubRel
);
ack_packet!(
    /// PUBCOMP: completes a QoS 2 exchange.
    PubComp,
    PacketType::PubComp
);
