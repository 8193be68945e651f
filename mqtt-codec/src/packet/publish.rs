//! PUBLISH (§3.3): the hot path. Decoding allocates nothing: topic, properties and payload are
//! slices of the frame.

use core::num::NonZeroU16;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use mqtt_topic::TopicName;

use super::{DecodeCtx, EncodeCtx, Packet};
use crate::error::{DecodeError, EncodeError, Sender};
use crate::fixed_header::{FixedHeader, PacketType};
use crate::properties::{
    self, PropertySet, PublishProperties, PublishPropertiesRead, SubscriptionIds, TOPIC_ALIAS,
    write_one,
};
use crate::qos::{Delivery, QoS};
use crate::reader::{Reader, topic_name};
use crate::writer::{prefixed_len, put_prefixed};

/// How a PUBLISH names its topic: by name, by MQTT 5.0 Topic Alias, or both (which also sets
/// the alias for later packets).
#[expect(clippy::exhaustive_enums, reason = "the three forms the spec allows")]
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize, serde::Serialize))]
pub enum PublishTopic {
    /// A topic name.
    Name(TopicName),
    /// An alias set earlier on this connection (empty topic name on the wire).
    Alias(NonZeroU16),
    /// A topic name that also sets an alias.
    NameAndAlias(TopicName, NonZeroU16),
}

impl PublishTopic {
    /// The topic name, unless only an alias is given.
    #[must_use]
    pub const fn name(&self) -> Option<&TopicName> {
        match self {
            Self::Name(n) | Self::NameAndAlias(n, _) => Some(n),
            Self::Alias(_) => None,
        }
    }

    /// The topic alias, if any.
    #[must_use]
    pub const fn alias(&self) -> Option<NonZeroU16> {
        match self {
            Self::Name(_) => None,
            Self::Alias(a) | Self::NameAndAlias(_, a) => Some(*a),
        }
    }
}

impl From<TopicName> for PublishTopic {
    fn from(name: TopicName) -> Self {
        Self::Name(name)
    }
}

/// A PUBLISH packet.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize, serde::Serialize))]
pub struct Publish {
    /// DUP: this may be a re-delivery (never set at QoS 0, [MQTT-3.3.1-2]).
    pub dup: bool,
    /// QoS with its packet identifier.
    pub delivery: Delivery,
    /// RETAIN.
    pub retain: bool,
    /// The topic name and/or alias.
    pub topic: PublishTopic,
    /// The application message (may be empty).
    pub payload: Bytes,
    /// MQTT 5.0 properties.
    pub properties: PublishProperties,
    /// MQTT 5.0 Subscription Identifiers (server to client only, [MQTT-3.3.4-6]).
    pub subscription_ids: SubscriptionIds,
}

impl Publish {
    /// A QoS 0 message, not retained, without properties.
    #[must_use]
    pub fn new(topic: impl Into<PublishTopic>, payload: impl Into<Bytes>) -> Self {
        Self {
            dup: false,
            delivery: Delivery::AtMostOnce,
            retain: false,
            topic: topic.into(),
            payload: payload.into(),
            properties: PublishProperties::default(),
            subscription_ids: SubscriptionIds::new(),
        }
    }

    /// The QoS level.
    #[must_use]
    pub const fn qos(&self) -> QoS {
        self.delivery.qos()
    }

    /// The fixed-header flags: DUP, QoS, RETAIN.
    pub(crate) fn flags(&self) -> u8 {
        (u8::from(self.dup) << 3) | (self.qos().as_u8() << 1) | u8::from(self.retain)
    }

    /// Decodes the PUBLISH in `frame` (fixed header included) as the decoder's result type; on
    /// error hands the frame and the error to `on_error`.
    ///
    /// The payload is the tail of the frame: `frame` itself is advanced and moved into the
    /// packet, so the payload costs no reference count of its own. In 3.x no property machinery
    /// runs; 5.0 is out of line ([`Publish::decode_v5`]).
    #[inline(always)]
    pub(crate) fn decode(
        frame: Bytes,
        header: &FixedHeader,
        ctx: &DecodeCtx<'_>,
        on_error: impl FnOnce(&Bytes, DecodeError),
    ) -> Result<Option<Packet>, DecodeError> {
        if ctx.version.is_v5() {
            return Self::decode_v5(frame, header, ctx, on_error);
        }
        match Self::head_v3(&frame, header) {
            Ok((dup, delivery, retain, topic, payload_start)) => {
                let mut payload = frame;
                // Cannot panic: payload_start <= len, the reader never passes the frame's end.
                payload.advance(payload_start);
                Ok(Some(Packet::Publish(Self {
                    dup,
                    delivery,
                    retain,
                    topic: PublishTopic::Name(topic),
                    payload,
                    properties: PublishProperties::default(),
                    subscription_ids: SubscriptionIds::new(),
                })))
            }
            Err(e) => {
                on_error(&frame, e);
                Err(e)
            }
        }
    }

    /// Reads a 3.x PUBLISH up to its payload: DUP, delivery, RETAIN, the topic name and where the
    /// payload starts.
    #[inline(always)]
    fn head_v3(
        frame: &Bytes,
        header: &FixedHeader,
    ) -> Result<(bool, Delivery, bool, TopicName, usize), DecodeError> {
        let (dup, qos, retain) = Self::read_flags(header.flags)?;
        let mut r = Reader::new(frame);
        r.sub(header.header_len, "fixed header")?;
        let raw_topic = r.topic_name_bytes("topic name")?;
        let delivery = Self::read_delivery(&mut r, qos)?;
        let topic = topic_name(raw_topic, "topic name")?;
        Ok((dup, delivery, retain, topic, r.position()))
    }

    /// [`Publish::decode`] in 5.0: the property block, the Topic Alias and the Subscription
    /// Identifiers too. The packet is set up in the result and its fields are read into it in
    /// place (the properties alone are 152 bytes).
    #[inline(never)]
    fn decode_v5(
        mut frame: Bytes,
        header: &FixedHeader,
        ctx: &DecodeCtx<'_>,
        on_error: impl FnOnce(&Bytes, DecodeError),
    ) -> Result<Option<Packet>, DecodeError> {
        let mut result = Ok(Some(Packet::Publish(Self::new(
            PublishTopic::Alias(NonZeroU16::MIN),
            Bytes::new(),
        ))));
        if let Ok(Some(Packet::Publish(p))) = &mut result {
            match p.read_v5(&frame, header, ctx) {
                Ok(payload_start) => {
                    // Cannot panic: payload_start <= len, as in `decode`.
                    frame.advance(payload_start);
                    p.payload = frame;
                }
                Err(e) => {
                    on_error(&frame, e);
                    result = Err(e);
                }
            }
        }
        result
    }

    /// Reads a 5.0 PUBLISH up to its payload into `self`; returns where the payload starts.
    #[inline(always)]
    fn read_v5(
        &mut self,
        frame: &Bytes,
        header: &FixedHeader,
        ctx: &DecodeCtx<'_>,
    ) -> Result<usize, DecodeError> {
        let (dup, qos, retain) = Self::read_flags(header.flags)?;
        self.dup = dup;
        self.retain = retain;
        let mut r = Reader::new(frame);
        r.sub(header.header_len, "fixed header")?;
        let raw_topic = r.topic_name_bytes("topic name")?;
        self.delivery = Self::read_delivery(&mut r, qos)?;
        let mut read = PublishPropertiesRead {
            props: &mut self.properties,
            topic_alias: None,
            subscription_ids: &mut self.subscription_ids,
            allow_subscription_ids: ctx.sender != Some(Sender::Client),
        };
        properties::read_block(&mut r, &mut read, PacketType::Publish, ctx.limits)?;
        self.topic = match (raw_topic.is_empty(), read.topic_alias) {
            (false, None) => PublishTopic::Name(topic_name(raw_topic, "topic name")?),
            (false, Some(alias)) => {
                PublishTopic::NameAndAlias(topic_name(raw_topic, "topic name")?, alias)
            }
            (true, Some(alias)) => PublishTopic::Alias(alias),
            (true, None) => return Err(DecodeError::EmptyTopicWithoutAlias),
        };
        Ok(r.position())
    }

    /// DUP, QoS and RETAIN from the fixed-header flags ([MQTT-3.3.1-2], [MQTT-3.3.1-4]).
    #[inline(always)]
    fn read_flags(flags: u8) -> Result<(bool, QoS, bool), DecodeError> {
        let dup = flags & 0b1000 != 0;
        let retain = flags & 0b0001 != 0;
        let qos = match (flags >> 1) & 0b11 {
            0 => QoS::AtMostOnce,
            1 => QoS::AtLeastOnce,
            2 => QoS::ExactlyOnce,
            _ => return Err(DecodeError::PublishQoS3),
        };
        if dup && qos == QoS::AtMostOnce {
            return Err(DecodeError::DupOnQoS0);
        }
        Ok((dup, qos, retain))
    }

    /// The delivery: the packet identifier at QoS 1 and 2.
    #[inline(always)]
    fn read_delivery(r: &mut Reader<'_>, qos: QoS) -> Result<Delivery, DecodeError> {
        Ok(match qos {
            QoS::AtMostOnce => Delivery::AtMostOnce,
            QoS::AtLeastOnce => Delivery::AtLeastOnce(r.packet_id(PacketType::Publish)?),
            QoS::ExactlyOnce => Delivery::ExactlyOnce(r.packet_id(PacketType::Publish)?),
        })
    }

    /// Bytes of the property block content.
    fn properties_content_len(&self) -> usize {
        self.properties.content_len()
            + self.topic.alias().map_or(0, |_| 3)
            + self.subscription_ids.wire_len()
    }

    pub(crate) fn remaining_len(&self, ctx: &EncodeCtx) -> Result<usize, EncodeError> {
        if self.dup && self.qos() == QoS::AtMostOnce {
            return Err(EncodeError::InvalidField {
                field: "dup",
                rule: "DUP must be 0 at QoS 0 [MQTT-3.3.1-2]",
            });
        }
        ctx.v5_only(self.topic.alias().is_none(), "a topic alias")?;
        ctx.v5_only(self.properties.is_empty(), "PUBLISH properties")?;
        ctx.v5_only(self.subscription_ids.is_empty(), "subscription identifiers")?;
        if ctx.sender == Some(Sender::Client) && !self.subscription_ids.is_empty() {
            return Err(EncodeError::InvalidField {
                field: "subscription identifiers",
                rule: "a client never sends them [MQTT-3.3.4-6]",
            });
        }
        let topic_len = self.topic.name().map_or(0, TopicName::len);
        let id_len = if self.qos() == QoS::AtMostOnce { 0 } else { 2 };
        let props = if ctx.version.is_v5() {
            properties::block_len(self.properties_content_len())
        } else {
            0
        };
        Ok(prefixed_len(topic_len) + id_len + props + self.payload.len())
    }

    /// Writes the whole packet (fixed header included) when everything before the payload is
    /// short and there is no property to write (3.x, or 5.0 with an empty property block): the
    /// head is assembled on the stack and appended at once, then the payload, instead of one
    /// append with its capacity check per field. Returns `false`, having written nothing,
    /// otherwise.
    #[inline]
    pub(crate) fn write_short_head(
        &self,
        remaining: u32,
        ctx: &EncodeCtx,
        buf: &mut BytesMut,
    ) -> bool {
        /// Fixed header (5) + topic length (2) + packet id (2) + empty property block (1) +
        /// topic: 128 bytes in all.
        const MAX_TOPIC: usize = 118;
        let topic = self.topic.name().map_or(&[][..], TopicName::as_bytes);
        let v5 = ctx.version.is_v5();
        if topic.len() > MAX_TOPIC || (v5 && self.properties_content_len() != 0) {
            return false;
        }
        let mut head = [0_u8; 128];
        let free = {
            let mut w = &mut head[..];
            w.put_u8(((PacketType::Publish as u8) << 4) | self.flags());
            crate::varint::put(&mut w, remaining);
            put_prefixed(&mut w, topic);
            if let Some(id) = self.delivery.packet_id() {
                w.put_u16(id.get());
            }
            if v5 {
                w.put_u8(0);
            }
            w.len()
        };
        buf.put_slice(head.get(..head.len() - free).unwrap_or_default());
        buf.put_slice(&self.payload);
        true
    }

    pub(crate) fn write(&self, ctx: &EncodeCtx, buf: &mut BytesMut) {
        put_prefixed(buf, self.topic.name().map_or(&[][..], TopicName::as_bytes));
        if let Some(id) = self.delivery.packet_id() {
            buf.put_u16(id.get());
        }
        if ctx.version.is_v5() {
            let content = self.properties_content_len();
            crate::varint::put(buf, u32::try_from(content).unwrap_or(crate::varint::MAX));
            if let Some(alias) = self.topic.alias() {
                write_one(buf, TOPIC_ALIAS, &alias);
            }
            self.subscription_ids.write(buf);
            self.properties.write_content(buf);
        }
        buf.put_slice(&self.payload);
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec;

    use bytes::{BufMut, Bytes, BytesMut};

    use super::*;
    use crate::packet::{self, Packet};
    use crate::{PacketId, ProtocolVersion};

    /// The field-by-field writer the stack-assembled head must equal byte for byte.
    fn field_by_field(p: &Publish, ctx: &EncodeCtx) -> BytesMut {
        let remaining = p.remaining_len(ctx).unwrap();
        let mut buf = BytesMut::new();
        buf.put_u8(((PacketType::Publish as u8) << 4) | p.flags());
        crate::varint::put(&mut buf, u32::try_from(remaining).unwrap());
        p.write(ctx, &mut buf);
        buf
    }

    #[test]
    fn short_head_equals_field_by_field_writer_at_every_boundary() {
        let mut checked = 0;
        for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
            let ctx = EncodeCtx {
                version,
                sender: None,
            };
            for topic_len in [1, 117, 118, 119, 200] {
                let topic = TopicName::new(&"t".repeat(topic_len)).unwrap();
                for delivery in [
                    Delivery::AtMostOnce,
                    Delivery::AtLeastOnce(PacketId::MAX),
                    Delivery::ExactlyOnce(PacketId::MIN),
                ] {
                    for payload_len in [0, 200] {
                        let mut p = Publish::new(topic.clone(), Bytes::from(vec![7; payload_len]));
                        p.delivery = delivery;
                        p.retain = true;
                        p.dup = delivery != Delivery::AtMostOnce;
                        let want = field_by_field(&p, &ctx);
                        let remaining = u32::try_from(p.remaining_len(&ctx).unwrap()).unwrap();
                        let mut got = BytesMut::new();
                        packet::write(&Packet::Publish(p.clone()), remaining, &ctx, &mut got);
                        assert_eq!(got, want, "{version:?} topic {topic_len} {delivery:?}");
                        let mut direct = BytesMut::new();
                        assert_eq!(
                            p.write_short_head(remaining, &ctx, &mut direct),
                            topic_len <= 118,
                            "the stack head is used exactly up to 118-byte topics"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 60);
        // With a property, 5.0 always takes the field-by-field path.
        let ctx = EncodeCtx {
            version: ProtocolVersion::V5,
            sender: None,
        };
        let mut p = Publish::new(TopicName::new("a").unwrap(), Bytes::new());
        p.properties.content_type = Some(crate::MqttString::new("x").unwrap());
        let remaining = u32::try_from(p.remaining_len(&ctx).unwrap()).unwrap();
        assert!(!p.write_short_head(remaining, &ctx, &mut BytesMut::new()));
    }
}
