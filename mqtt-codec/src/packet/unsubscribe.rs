//! UNSUBSCRIBE (§3.10): packet identifier, 5.0 properties, one or more topic filters.

use alloc::vec::Vec;

use bytes::{BufMut, BytesMut};
use mqtt_topic::{TopicDialect, TopicFilter};

use super::{DecodeCtx, EncodeCtx};
use crate::error::{DecodeError, EncodeError};
use crate::fixed_header::PacketType;
use crate::packet_id::PacketId;
use crate::properties::UnsubscribeProperties;
use crate::reader::Reader;
use crate::writer::{prefixed_len, put_prefixed};

/// An UNSUBSCRIBE packet.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize, serde::Serialize))]
pub struct Unsubscribe {
    /// Packet identifier.
    pub packet_id: PacketId,
    /// The filters to remove, at least one.
    pub filters: Vec<TopicFilter>,
    /// MQTT 5.0 properties.
    pub properties: UnsubscribeProperties,
}

impl Unsubscribe {
    /// An UNSUBSCRIBE without properties.
    #[must_use]
    pub fn new(packet_id: PacketId, filters: Vec<TopicFilter>) -> Self {
        Self {
            packet_id,
            filters,
            properties: UnsubscribeProperties::default(),
        }
    }

    pub(crate) fn decode(r: &mut Reader<'_>, ctx: &DecodeCtx<'_>) -> Result<Self, DecodeError> {
        let t = PacketType::Unsubscribe;
        let packet_id = r.packet_id(t)?;
        let mut properties = UnsubscribeProperties::default();
        ctx.properties(r, &mut properties, t)?;
        let dialect = if ctx.version.is_v5() {
            TopicDialect::V5
        } else {
            TopicDialect::V3
        };
        let max = ctx.limits.max_topic_filters;
        // Sized once: one allocation, no regrowth (at most `max`, so the limit bounds it).
        let mut filters = Vec::with_capacity(r.count_prefixed(0, usize::from(max)));
        while !r.is_empty() {
            if filters.len() >= usize::from(max) {
                return Err(DecodeError::TooManyTopicFilters { max });
            }
            filters.push(r.topic_filter("topic filter", dialect)?);
        }
        if filters.is_empty() {
            return Err(DecodeError::NoTopicFilters { packet: t });
        }
        Ok(Self {
            packet_id,
            filters,
            properties,
        })
    }

    pub(crate) fn remaining_len(&self, ctx: &EncodeCtx) -> Result<usize, EncodeError> {
        ctx.v5_only(self.properties.is_empty(), "UNSUBSCRIBE properties")?;
        if self.filters.is_empty() {
            return Err(EncodeError::InvalidField {
                field: "filters",
                rule: "at least one topic filter [MQTT-3.10.3-2]",
            });
        }
        ctx.v5_only(
            !self.filters.iter().any(TopicFilter::is_shared),
            "a shared subscription",
        )?;
        let filters: usize = self.filters.iter().map(|f| prefixed_len(f.len())).sum();
        Ok(2 + ctx.properties_len(&self.properties) + filters)
    }

    pub(crate) fn write(&self, ctx: &EncodeCtx, buf: &mut BytesMut) {
        buf.put_u16(self.packet_id.get());
        ctx.write_properties(&self.properties, buf);
        for f in &self.filters {
            put_prefixed(buf, f.as_bytes());
        }
    }
}
