//! UNSUBACK (§3.11): packet identifier; in 5.0 also properties and one reason code per filter.

use alloc::vec::Vec;

use bytes::{BufMut, BytesMut};

use super::suback::{codes_len, decode_codes, write_codes};
use super::{DecodeCtx, EncodeCtx};
use crate::error::{DecodeError, EncodeError};
use crate::fixed_header::PacketType;
use crate::packet_id::PacketId;
use crate::properties::AckProperties;
use crate::reader::Reader;
use crate::reason_code::ReasonCode;

/// An UNSUBACK packet.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize, serde::Serialize))]
pub struct UnsubAck {
    /// Packet identifier of the UNSUBSCRIBE.
    pub packet_id: PacketId,
    /// 5.0: one code per filter, in order. Empty in 3.x (which has no payload).
    pub reason_codes: Vec<ReasonCode>,
    /// MQTT 5.0 properties.
    pub properties: AckProperties,
}

impl UnsubAck {
    /// An UNSUBACK without properties (`reason_codes` empty for 3.x).
    #[must_use]
    pub fn new(packet_id: PacketId, reason_codes: Vec<ReasonCode>) -> Self {
        Self {
            packet_id,
            reason_codes,
            properties: AckProperties::default(),
        }
    }

    pub(crate) fn decode(r: &mut Reader<'_>, ctx: &DecodeCtx<'_>) -> Result<Self, DecodeError> {
        if !ctx.version.is_v5() {
            let packet_id = r.packet_id(PacketType::UnsubAck)?;
            return Ok(Self::new(packet_id, Vec::new()));
        }
        let (packet_id, reason_codes, properties) = decode_codes(r, ctx, PacketType::UnsubAck)?;
        Ok(Self {
            packet_id,
            reason_codes,
            properties,
        })
    }

    pub(crate) fn remaining_len(&self, ctx: &EncodeCtx) -> Result<usize, EncodeError> {
        if !ctx.version.is_v5() {
            ctx.v5_only(self.reason_codes.is_empty(), "UNSUBACK reason codes")?;
            ctx.v5_only(self.properties.is_empty(), "UNSUBACK properties")?;
            return Ok(2);
        }
        codes_len(
            &self.reason_codes,
            &self.properties,
            ctx,
            PacketType::UnsubAck,
        )
    }

    pub(crate) fn write(&self, ctx: &EncodeCtx, buf: &mut BytesMut) {
        if ctx.version.is_v5() {
            write_codes(
                self.packet_id,
                &self.reason_codes,
                &self.properties,
                ctx,
                buf,
            );
        } else {
            buf.put_u16(self.packet_id.get());
        }
    }
}
