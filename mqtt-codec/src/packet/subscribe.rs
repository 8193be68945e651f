//! SUBSCRIBE (§3.8): packet identifier, 5.0 properties, and one or more topic filters each with
//! its subscription options.

use alloc::vec::Vec;

use bytes::{BufMut, BytesMut};
use mqtt_topic::{TopicDialect, TopicFilter};

use super::{DecodeCtx, EncodeCtx};
use crate::error::{DecodeError, EncodeError};
use crate::fixed_header::PacketType;
use crate::packet_id::PacketId;
use crate::properties::SubscribeProperties;
use crate::qos::{QoS, RetainHandling};
use crate::reader::Reader;
use crate::writer::{prefixed_len, put_prefixed};

/// The options byte of one subscription. In 3.x only `qos` exists.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize, serde::Serialize))]
pub struct SubscriptionOptions {
    /// Requested (3.x) / Maximum (5.0) QoS.
    pub qos: QoS,
    /// 5.0 No Local: do not send the client's own messages back to it.
    pub no_local: bool,
    /// 5.0 Retain As Published: keep the RETAIN flag of forwarded messages.
    pub retain_as_published: bool,
    /// 5.0 Retain Handling.
    pub retain_handling: RetainHandling,
}

impl SubscriptionOptions {
    /// Options with `qos` and the 5.0 defaults.
    #[must_use]
    pub fn new(qos: QoS) -> Self {
        Self {
            qos,
            ..Self::default()
        }
    }

    /// The options byte.
    #[must_use]
    pub fn to_byte(self) -> u8 {
        self.qos.as_u8()
            | (u8::from(self.no_local) << 2)
            | (u8::from(self.retain_as_published) << 3)
            | ((self.retain_handling as u8) << 4)
    }

    fn from_byte(b: u8, v5: bool) -> Result<Self, DecodeError> {
        let reserved = if v5 { 0b1100_0000 } else { 0b1111_1100 };
        let qos = QoS::try_from(b & 0b11);
        let Ok(qos) = qos else {
            return Err(DecodeError::InvalidSubscriptionOptions { options: b });
        };
        if b & reserved != 0 {
            return Err(DecodeError::InvalidSubscriptionOptions { options: b });
        }
        let retain_handling = RetainHandling::try_from((b >> 4) & 0b11)
            .map_err(|_| DecodeError::InvalidRetainHandling)?;
        Ok(Self {
            qos,
            no_local: b & 0b100 != 0,
            retain_as_published: b & 0b1000 != 0,
            retain_handling,
        })
    }
}

/// One topic filter of a SUBSCRIBE with its options.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize, serde::Serialize))]
pub struct Subscription {
    /// The topic filter (possibly a 5.0 shared subscription).
    pub filter: TopicFilter,
    /// The subscription options.
    pub options: SubscriptionOptions,
}

impl Subscription {
    /// A subscription to `filter` at `qos`.
    #[must_use]
    pub fn new(filter: TopicFilter, qos: QoS) -> Self {
        Self {
            filter,
            options: SubscriptionOptions::new(qos),
        }
    }
}

/// A SUBSCRIBE packet.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize, serde::Serialize))]
pub struct Subscribe {
    /// Packet identifier.
    pub packet_id: PacketId,
    /// The subscriptions, at least one.
    pub subscriptions: Vec<Subscription>,
    /// MQTT 5.0 properties.
    pub properties: SubscribeProperties,
}

impl Subscribe {
    /// A SUBSCRIBE without properties.
    #[must_use]
    pub fn new(packet_id: PacketId, subscriptions: Vec<Subscription>) -> Self {
        Self {
            packet_id,
            subscriptions,
            properties: SubscribeProperties::default(),
        }
    }

    pub(crate) fn decode(r: &mut Reader<'_>, ctx: &DecodeCtx<'_>) -> Result<Self, DecodeError> {
        let t = PacketType::Subscribe;
        let packet_id = r.packet_id(t)?;
        let mut properties = SubscribeProperties::default();
        ctx.properties(r, &mut properties, t)?;
        let v5 = ctx.version.is_v5();
        let dialect = if v5 {
            TopicDialect::V5
        } else {
            TopicDialect::V3
        };
        let max = ctx.limits.max_topic_filters;
        // Sized once: one allocation, no regrowth (at most `max`, so the limit bounds it).
        let mut subscriptions = Vec::with_capacity(r.count_prefixed(1, usize::from(max)));
        while !r.is_empty() {
            if subscriptions.len() >= usize::from(max) {
                return Err(DecodeError::TooManyTopicFilters { max });
            }
            let filter = r.topic_filter("topic filter", dialect)?;
            let options = SubscriptionOptions::from_byte(r.u8("subscription options")?, v5)?;
            if options.no_local && filter.is_shared() {
                return Err(DecodeError::NoLocalOnSharedSubscription);
            }
            subscriptions.push(Subscription { filter, options });
        }
        if subscriptions.is_empty() {
            return Err(DecodeError::NoTopicFilters { packet: t });
        }
        Ok(Self {
            packet_id,
            subscriptions,
            properties,
        })
    }

    pub(crate) fn remaining_len(&self, ctx: &EncodeCtx) -> Result<usize, EncodeError> {
        ctx.v5_only(self.properties.is_empty(), "SUBSCRIBE properties")?;
        if self.subscriptions.is_empty() {
            return Err(EncodeError::InvalidField {
                field: "subscriptions",
                rule: "at least one topic filter [MQTT-3.8.3-3]",
            });
        }
        let mut len = 2 + ctx.properties_len(&self.properties);
        for s in &self.subscriptions {
            let o = s.options;
            ctx.v5_only(
                !o.no_local
                    && !o.retain_as_published
                    && o.retain_handling == RetainHandling::default(),
                "subscription options other than QoS",
            )?;
            ctx.v5_only(!s.filter.is_shared(), "a shared subscription")?;
            if o.no_local && s.filter.is_shared() {
                return Err(EncodeError::InvalidField {
                    field: "no local",
                    rule: "not allowed on a shared subscription [MQTT-3.8.3-4]",
                });
            }
            len += prefixed_len(s.filter.len()) + 1;
        }
        Ok(len)
    }

    pub(crate) fn write(&self, ctx: &EncodeCtx, buf: &mut BytesMut) {
        buf.put_u16(self.packet_id.get());
        ctx.write_properties(&self.properties, buf);
        for s in &self.subscriptions {
            put_prefixed(buf, s.filter.as_bytes());
            buf.put_u8(s.options.to_byte());
        }
    }
}
