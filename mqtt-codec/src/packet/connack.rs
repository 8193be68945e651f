//! CONNACK (§3.2): acknowledge flags, the return / reason code, and 5.0 properties.

use bytes::{BufMut, BytesMut};

use super::{DecodeCtx, EncodeCtx};
use crate::error::{DecodeError, EncodeError};
use crate::fixed_header::PacketType;
use crate::properties::ConnAckProperties;
use crate::reader::Reader;
use crate::reason_code::ReasonCode;

/// A CONNACK packet.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize, serde::Serialize))]
pub struct ConnAck {
    /// Session Present (always false in 3.1, which has no such flag).
    pub session_present: bool,
    /// The reason code (5.0) or return code (3.x: 0..=5, see the `V3_*` constants).
    pub reason_code: ReasonCode,
    /// MQTT 5.0 properties.
    pub properties: ConnAckProperties,
}

impl ConnAck {
    /// A CONNACK with `reason_code` and no properties.
    #[must_use]
    pub fn new(session_present: bool, reason_code: ReasonCode) -> Self {
        Self {
            session_present,
            reason_code,
            properties: ConnAckProperties::default(),
        }
    }

    pub(crate) fn decode(r: &mut Reader<'_>, ctx: &DecodeCtx<'_>) -> Result<Self, DecodeError> {
        let flags = r.u8("connect acknowledge flags")?;
        // 3.1 reserves the whole byte; 3.1.1 and 5.0 use bit 0 as Session Present.
        let reserved_mask = if ctx.version == crate::ProtocolVersion::V3_1 {
            0xFF
        } else {
            0xFE
        };
        if flags & reserved_mask != 0 {
            return Err(DecodeError::ConnAckReservedFlags { flags });
        }
        let session_present = flags & 1 != 0;
        let reason_code = ctx.reason_code(r, PacketType::ConnAck)?;
        if session_present && reason_code != ReasonCode::SUCCESS {
            return Err(DecodeError::SessionPresentWithError);
        }
        let mut properties = ConnAckProperties::default();
        ctx.properties(r, &mut properties, PacketType::ConnAck)?;
        if properties.authentication_data.is_some() && properties.authentication_method.is_none() {
            return Err(DecodeError::AuthDataWithoutMethod);
        }
        Ok(Self {
            session_present,
            reason_code,
            properties,
        })
    }

    pub(crate) fn remaining_len(&self, ctx: &EncodeCtx) -> Result<usize, EncodeError> {
        ctx.check_reason_code(self.reason_code, PacketType::ConnAck)?;
        if self.session_present && self.reason_code != ReasonCode::SUCCESS {
            return Err(EncodeError::InvalidField {
                field: "session present",
                rule: "must be 0 with a non-zero code [MQTT-3.2.2-6]",
            });
        }
        if self.session_present && ctx.version == crate::ProtocolVersion::V3_1 {
            return Err(EncodeError::NotInVersion {
                what: "session present",
                version: ctx.version,
            });
        }
        ctx.v5_only(self.properties.is_empty(), "CONNACK properties")?;
        if self.properties.authentication_data.is_some()
            && self.properties.authentication_method.is_none()
        {
            return Err(EncodeError::InvalidField {
                field: "authentication data",
                rule: "needs an authentication method",
            });
        }
        if self.properties.maximum_qos == Some(crate::qos::QoS::ExactlyOnce) {
            return Err(EncodeError::InvalidField {
                field: "maximum QoS",
                rule: "only 0 or 1 may be sent; absent means 2 [MQTT-3.2.2-9]",
            });
        }
        Ok(2 + ctx.properties_len(&self.properties))
    }

    pub(crate) fn write(&self, ctx: &EncodeCtx, buf: &mut BytesMut) {
        buf.put_u8(u8::from(self.session_present));
        buf.put_u8(self.reason_code.0);
        ctx.write_properties(&self.properties, buf);
    }
}
