//! AUTH (§3.15, MQTT 5.0 only): a reason code and properties, omitted together on success.

use bytes::{BufMut, BytesMut};

use super::{DecodeCtx, EncodeCtx};
use crate::error::{DecodeError, EncodeError};
use crate::fixed_header::PacketType;
use crate::properties::AuthProperties;
use crate::reader::Reader;
use crate::reason_code::ReasonCode;

/// An AUTH packet.
#[non_exhaustive]
#[derive(Clone, Debug, Default, Eq, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize, serde::Serialize))]
pub struct Auth {
    /// Success, Continue authentication or Re-authenticate.
    pub reason_code: ReasonCode,
    /// Properties (authentication method and data).
    pub properties: AuthProperties,
}

impl Auth {
    /// An AUTH with `reason_code` and no properties.
    #[must_use]
    pub fn new(reason_code: ReasonCode) -> Self {
        Self {
            reason_code,
            properties: AuthProperties::default(),
        }
    }

    pub(crate) fn decode(r: &mut Reader<'_>, ctx: &DecodeCtx<'_>) -> Result<Self, DecodeError> {
        let t = PacketType::Auth;
        let mut p = Self::default();
        // Remaining Length 0: success without properties. Otherwise both fields are present.
        if !r.is_empty() {
            p.reason_code = ctx.reason_code(r, t)?;
            ctx.properties(r, &mut p.properties, t)?;
        }
        if p.properties.authentication_data.is_some()
            && p.properties.authentication_method.is_none()
        {
            return Err(DecodeError::AuthDataWithoutMethod);
        }
        Ok(p)
    }

    pub(crate) fn remaining_len(&self, ctx: &EncodeCtx) -> Result<usize, EncodeError> {
        ctx.v5_only(false, "AUTH")?;
        ctx.check_reason_code(self.reason_code, PacketType::Auth)?;
        if self.properties.authentication_data.is_some()
            && self.properties.authentication_method.is_none()
        {
            return Err(EncodeError::InvalidField {
                field: "authentication data",
                rule: "needs an authentication method",
            });
        }
        Ok(
            if self.reason_code == ReasonCode::SUCCESS && self.properties.is_empty() {
                0
            } else {
                1 + ctx.properties_len(&self.properties)
            },
        )
    }

    pub(crate) fn write(&self, ctx: &EncodeCtx, buf: &mut BytesMut) {
        if self.reason_code != ReasonCode::SUCCESS || !self.properties.is_empty() {
            buf.put_u8(self.reason_code.0);
            ctx.write_properties(&self.properties, buf);
        }
    }
}
