//! DISCONNECT (§3.14): empty in 3.x; in 5.0 a reason code and properties, both omittable.

use bytes::{BufMut, BytesMut};

use super::{DecodeCtx, EncodeCtx};
use crate::error::{DecodeError, EncodeError, Sender};
use crate::fixed_header::PacketType;
use crate::properties::{self, DisconnectProperties, PropertySet};
use crate::reader::Reader;
use crate::reason_code::ReasonCode;

/// A DISCONNECT packet.
#[non_exhaustive]
#[derive(Clone, Debug, Default, Eq, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize, serde::Serialize))]
pub struct Disconnect {
    /// 5.0 reason code (normal disconnection in 3.x).
    pub reason_code: ReasonCode,
    /// MQTT 5.0 properties.
    pub properties: DisconnectProperties,
}

impl Disconnect {
    /// A normal disconnection.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A disconnection with `reason_code` (MQTT 5.0).
    #[must_use]
    pub fn with_reason(reason_code: ReasonCode) -> Self {
        Self {
            reason_code,
            properties: DisconnectProperties::default(),
        }
    }

    pub(crate) fn decode(r: &mut Reader<'_>, ctx: &DecodeCtx<'_>) -> Result<Self, DecodeError> {
        let t = PacketType::Disconnect;
        let mut p = Self::default();
        if ctx.version.is_v5() && !r.is_empty() {
            p.reason_code = ctx.reason_code(r, t)?;
            // Remaining Length below 2: the Property Length is taken as 0.
            if !r.is_empty() {
                ctx.properties(r, &mut p.properties, t)?;
            }
        }
        if ctx.sender == Some(Sender::Server) && p.properties.session_expiry_interval.is_some() {
            return Err(DecodeError::SessionExpiryFromServer);
        }
        Ok(p)
    }

    pub(crate) fn remaining_len(&self, ctx: &EncodeCtx) -> Result<usize, EncodeError> {
        ctx.check_reason_code(self.reason_code, PacketType::Disconnect)?;
        ctx.v5_only(self.properties.is_empty(), "DISCONNECT properties")?;
        if ctx.sender == Some(Sender::Server) && self.properties.session_expiry_interval.is_some() {
            return Err(EncodeError::InvalidField {
                field: "session expiry interval",
                rule: "a server never sends it in DISCONNECT [MQTT-3.14.2-2]",
            });
        }
        Ok(if !ctx.version.is_v5() {
            0
        } else if self.properties.is_empty() {
            if self.reason_code == ReasonCode::SUCCESS {
                0
            } else {
                1
            }
        } else {
            1 + properties::block_len(self.properties.content_len())
        })
    }

    pub(crate) fn write(&self, ctx: &EncodeCtx, buf: &mut BytesMut) {
        if !ctx.version.is_v5() {
            return;
        }
        if self.properties.is_empty() {
            if self.reason_code != ReasonCode::SUCCESS {
                buf.put_u8(self.reason_code.0);
            }
        } else {
            buf.put_u8(self.reason_code.0);
            ctx.write_properties(&self.properties, buf);
        }
    }
}
