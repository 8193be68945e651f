//! SUBACK (§3.9): packet identifier, 5.0 properties, one return / reason code per filter.

use alloc::vec::Vec;

use bytes::{BufMut, BytesMut};

use super::{DecodeCtx, EncodeCtx};
use crate::error::{DecodeError, EncodeError};
use crate::fixed_header::PacketType;
use crate::packet_id::PacketId;
use crate::properties::AckProperties;
use crate::reader::Reader;
use crate::reason_code::ReasonCode;

/// A SUBACK packet.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize, serde::Serialize))]
pub struct SubAck {
    /// Packet identifier of the SUBSCRIBE.
    pub packet_id: PacketId,
    /// One code per requested filter, in order: granted QoS 0..=2 or a failure.
    pub reason_codes: Vec<ReasonCode>,
    /// MQTT 5.0 properties.
    pub properties: AckProperties,
}

impl SubAck {
    /// A SUBACK without properties.
    #[must_use]
    pub fn new(packet_id: PacketId, reason_codes: Vec<ReasonCode>) -> Self {
        Self {
            packet_id,
            reason_codes,
            properties: AckProperties::default(),
        }
    }

    pub(crate) fn decode(r: &mut Reader<'_>, ctx: &DecodeCtx<'_>) -> Result<Self, DecodeError> {
        let (packet_id, reason_codes, properties) = decode_codes(r, ctx, PacketType::SubAck)?;
        Ok(Self {
            packet_id,
            reason_codes,
            properties,
        })
    }

    pub(crate) fn remaining_len(&self, ctx: &EncodeCtx) -> Result<usize, EncodeError> {
        codes_len(
            self.reason_codes.as_slice(),
            &self.properties,
            ctx,
            PacketType::SubAck,
        )
    }

    pub(crate) fn write(&self, ctx: &EncodeCtx, buf: &mut BytesMut) {
        write_codes(
            self.packet_id,
            &self.reason_codes,
            &self.properties,
            ctx,
            buf,
        );
    }
}

/// Reads the body shared by SUBACK and 5.0 UNSUBACK: id, properties, at least one code.
pub(crate) fn decode_codes(
    r: &mut Reader<'_>,
    ctx: &DecodeCtx<'_>,
    t: PacketType,
) -> Result<(PacketId, Vec<ReasonCode>, AckProperties), DecodeError> {
    let packet_id = r.packet_id(t)?;
    let mut properties = AckProperties::default();
    ctx.properties(r, &mut properties, t)?;
    let max = ctx.limits.max_topic_filters;
    let mut codes = Vec::with_capacity(r.remaining().min(usize::from(max)));
    while !r.is_empty() {
        if codes.len() >= usize::from(max) {
            return Err(DecodeError::TooManyTopicFilters { max });
        }
        codes.push(ctx.reason_code(r, t)?);
    }
    if codes.is_empty() {
        return Err(DecodeError::NoReasonCodes { packet: t });
    }
    Ok((packet_id, codes, properties))
}

/// Length pass shared by SUBACK and 5.0 UNSUBACK.
pub(crate) fn codes_len(
    codes: &[ReasonCode],
    properties: &AckProperties,
    ctx: &EncodeCtx,
    t: PacketType,
) -> Result<usize, EncodeError> {
    ctx.v5_only(properties.is_empty(), "acknowledgment properties")?;
    if codes.is_empty() {
        return Err(EncodeError::InvalidField {
            field: "reason codes",
            rule: "one code per filter of the request, at least one",
        });
    }
    for &code in codes {
        ctx.check_reason_code(code, t)?;
    }
    Ok(2 + ctx.properties_len(properties) + codes.len())
}

/// Writer shared by SUBACK and 5.0 UNSUBACK.
pub(crate) fn write_codes(
    packet_id: PacketId,
    codes: &[ReasonCode],
    properties: &AckProperties,
    ctx: &EncodeCtx,
    buf: &mut BytesMut,
) {
    buf.put_u16(packet_id.get());
    ctx.write_properties(properties, buf);
    for code in codes {
        buf.put_u8(code.0);
    }
}
