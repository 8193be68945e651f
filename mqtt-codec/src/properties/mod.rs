//! MQTT 5.0 properties: typed per packet, so a property can only be set where the spec allows
//! it; read with duplicate, placement and value checks; written in one pass.

mod run;
mod subscription_ids;
mod user;
pub(crate) mod value;

use core::num::{NonZeroU16, NonZeroU32};

use bytes::{BufMut, BytesMut};
use mqtt_topic::TopicName;

use self::run::RunTracker;
pub(crate) use self::subscription_ids::SUBSCRIPTION_IDENTIFIER;
pub use self::subscription_ids::{SubscriptionIds, SubscriptionIdsIter};
use self::user::USER_PROPERTY;
pub use self::user::{UserProperties, UserPropertiesIter};
use self::value::PropertyValue;
pub use self::value::{PayloadFormat, SubscriptionId};
use crate::error::DecodeError;
use crate::fixed_header::PacketType;
use crate::limits::Limits;
use crate::qos::QoS;
use crate::reader::Reader;
use crate::string::{BinaryData, MqttString};
use crate::varint;

/// A set of properties that one packet (or the will) may carry.
pub(crate) trait PropertySet {
    /// Reads the value of property `id`; `Ok(false)` if `id` is not allowed here.
    fn read_property(&mut self, id: u8, r: &mut Reader<'_>) -> Result<bool, DecodeError>;
    /// Stores the User Properties run.
    fn set_user_properties(&mut self, props: UserProperties);
    /// Where repeated Subscription Identifiers go (PUBLISH only).
    fn set_subscription_ids(&mut self, _ids: SubscriptionIds) {}
    /// Whether Subscription Identifier may repeat here (server-to-client PUBLISH).
    fn repeats_subscription_ids(&self) -> bool {
        false
    }
    /// Bytes of the properties (the Property Length not included).
    fn content_len(&self) -> usize;
    /// Appends the properties (the Property Length not included).
    fn write_content(&self, buf: &mut BytesMut);
}

/// Reads a Property Length and the block it announces into `props`.
pub(crate) fn read_block<P: PropertySet>(
    r: &mut Reader<'_>,
    props: &mut P,
    packet: PacketType,
    limits: &Limits,
) -> Result<(), DecodeError> {
    let len = r.varint("property length")?;
    let len = usize::try_from(len).map_err(|_| DecodeError::UnexpectedEnd {
        field: "properties",
    })?;
    let mut block = r.sub(len, "properties")?;
    let frame = block.frame();
    let mut users = RunTracker::default();
    let mut sub_ids = RunTracker::default();
    while !block.is_empty() {
        let start = block.position();
        let raw_id = block.varint("property identifier")?;
        let id = u8::try_from(raw_id)
            .map_err(|_| DecodeError::PropertyNotAllowed { id: 0xFF, packet })?;
        if id == USER_PROPERTY {
            block.skip_string("user property name")?;
            block.skip_string("user property value")?;
            if users.add(frame, start, block.position()) > usize::from(limits.max_user_properties) {
                return Err(DecodeError::TooManyUserProperties {
                    max: limits.max_user_properties,
                });
            }
        } else if id == SUBSCRIPTION_IDENTIFIER && props.repeats_subscription_ids() {
            SubscriptionId::read(&mut block, id)?;
            sub_ids.add(frame, start, block.position());
        } else if !props.read_property(id, &mut block)? {
            return Err(DecodeError::PropertyNotAllowed { id, packet });
        }
    }
    let (raw, count) = users.finish(frame);
    props.set_user_properties(UserProperties::from_run(raw, count));
    let (raw, count) = sub_ids.finish(frame);
    if count > 0 {
        props.set_subscription_ids(SubscriptionIds::from_run(raw, count));
    }
    Ok(())
}

/// Bytes of a property block on the wire: the Property Length and the properties.
pub(crate) fn block_len(content_len: usize) -> usize {
    let vbi = u32::try_from(content_len).map_or(5, varint::len);
    vbi + content_len
}

/// Appends the Property Length and the properties; `content_len` from [`PropertySet::content_len`].
pub(crate) fn write_block<P: PropertySet>(props: &P, content_len: usize, buf: &mut BytesMut) {
    varint::put(buf, u32::try_from(content_len).unwrap_or(varint::MAX));
    props.write_content(buf);
}

/// Writes one property: identifier and value.
pub(crate) fn write_one<V: PropertyValue>(buf: &mut BytesMut, id: u8, value: &V) {
    buf.put_u8(id);
    value.write(buf);
}

macro_rules! property_set {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* $id:literal => $field:ident : $ty:ty, )*
        }
    ) => {
        $(#[$meta])*
        #[non_exhaustive]
        #[derive(Clone, Debug, Default, Eq, PartialEq)]
        #[cfg_attr(feature = "serde", derive(serde::Deserialize, serde::Serialize))]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: Option<$ty>, )*
            /// User Properties (0x26), in order, duplicates kept.
            pub user_properties: UserProperties,
        }

        impl $name {
            /// No properties.
            #[must_use]
            pub fn new() -> Self {
                Self::default()
            }

            /// Whether no property is set.
            #[must_use]
            pub fn is_empty(&self) -> bool {
                $( self.$field.is_none() && )* self.user_properties.is_empty()
            }
        }

        impl PropertySet for $name {
            #[inline]
            fn read_property(&mut self, id: u8, r: &mut Reader<'_>) -> Result<bool, DecodeError> {
                match id {
                    $( $id => {
                        if self.$field.is_some() {
                            return Err(DecodeError::DuplicateProperty { id });
                        }
                        self.$field = Some(<$ty as PropertyValue>::read(r, id)?);
                        Ok(true)
                    } )*
                    _ => {
                        // Not allowed here: nothing is read.
                        let _ = r;
                        Ok(false)
                    }
                }
            }

            fn set_user_properties(&mut self, props: UserProperties) {
                self.user_properties = props;
            }

            fn content_len(&self) -> usize {
                self.user_properties.wire_len()
                    $( + self.$field.as_ref().map_or(0, |v| 1 + v.wire_len()) )*
            }

            fn write_content(&self, buf: &mut BytesMut) {
                $( if let Some(v) = &self.$field { write_one(buf, $id, v); } )*
                self.user_properties.write(buf);
            }
        }
    };
}

property_set! {
    /// Properties of CONNECT (MQTT 5.0 §3.1.2.11).
    pub struct ConnectProperties {
        /// 0x11 Session Expiry Interval, seconds (absent = 0; `u32::MAX` = never).
        0x11 => session_expiry_interval: u32,
        /// 0x21 Receive Maximum: QoS 1/2 publishes the client accepts at once (absent = 65,535).
        0x21 => receive_maximum: NonZeroU16,
        /// 0x27 Maximum Packet Size the client accepts.
        0x27 => maximum_packet_size: NonZeroU32,
        /// 0x22 Topic Alias Maximum the client accepts (absent = 0).
        0x22 => topic_alias_maximum: u16,
        /// 0x19 Request Response Information (absent = false).
        0x19 => request_response_information: bool,
        /// 0x17 Request Problem Information (absent = true).
        0x17 => request_problem_information: bool,
        /// 0x15 Authentication Method (enables the AUTH exchange).
        0x15 => authentication_method: MqttString,
        /// 0x16 Authentication Data.
        0x16 => authentication_data: BinaryData,
    }
}

property_set! {
    /// Will Properties, in the CONNECT payload (MQTT 5.0 §3.1.3.2).
    pub struct WillProperties {
        /// 0x18 Will Delay Interval, seconds (absent = 0).
        0x18 => will_delay_interval: u32,
        /// 0x01 Payload Format Indicator.
        0x01 => payload_format_indicator: PayloadFormat,
        /// 0x02 Message Expiry Interval, seconds (absent = no expiry).
        0x02 => message_expiry_interval: u32,
        /// 0x03 Content Type.
        0x03 => content_type: MqttString,
        /// 0x08 Response Topic.
        0x08 => response_topic: TopicName,
        /// 0x09 Correlation Data.
        0x09 => correlation_data: BinaryData,
    }
}

property_set! {
    /// Properties of CONNACK (MQTT 5.0 §3.2.2.3).
    pub struct ConnAckProperties {
        /// 0x11 Session Expiry Interval the server uses, seconds.
        0x11 => session_expiry_interval: u32,
        /// 0x21 Receive Maximum of the server (absent = 65,535).
        0x21 => receive_maximum: NonZeroU16,
        /// 0x24 Maximum QoS: 0 or 1 (absent = 2).
        0x24 => maximum_qos: QoS,
        /// 0x25 Retain Available (absent = true).
        0x25 => retain_available: bool,
        /// 0x27 Maximum Packet Size the server accepts.
        0x27 => maximum_packet_size: NonZeroU32,
        /// 0x12 Assigned Client Identifier.
        0x12 => assigned_client_identifier: MqttString,
        /// 0x22 Topic Alias Maximum the server accepts (absent = 0).
        0x22 => topic_alias_maximum: u16,
        /// 0x1F Reason String.
        0x1F => reason_string: MqttString,
        /// 0x28 Wildcard Subscription Available (absent = true).
        0x28 => wildcard_subscription_available: bool,
        /// 0x29 Subscription Identifiers Available (absent = true).
        0x29 => subscription_identifiers_available: bool,
        /// 0x2A Shared Subscription Available (absent = true).
        0x2A => shared_subscription_available: bool,
        /// 0x13 Server Keep Alive, seconds (overrides the client's).
        0x13 => server_keep_alive: u16,
        /// 0x1A Response Information.
        0x1A => response_information: MqttString,
        /// 0x1C Server Reference.
        0x1C => server_reference: MqttString,
        /// 0x15 Authentication Method.
        0x15 => authentication_method: MqttString,
        /// 0x16 Authentication Data.
        0x16 => authentication_data: BinaryData,
    }
}

property_set! {
    /// Properties of PUBLISH (MQTT 5.0 §3.3.2.3), except the Topic Alias, which is part of
    /// [`PublishTopic`](crate::PublishTopic), and the Subscription Identifiers, which may repeat
    /// and are in [`Publish::subscription_ids`](crate::Publish::subscription_ids).
    pub struct PublishProperties {
        /// 0x01 Payload Format Indicator.
        0x01 => payload_format_indicator: PayloadFormat,
        /// 0x02 Message Expiry Interval, seconds.
        0x02 => message_expiry_interval: u32,
        /// 0x08 Response Topic.
        0x08 => response_topic: TopicName,
        /// 0x09 Correlation Data.
        0x09 => correlation_data: BinaryData,
        /// 0x03 Content Type.
        0x03 => content_type: MqttString,
    }
}

property_set! {
    /// Properties of PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK and UNSUBACK.
    pub struct AckProperties {
        /// 0x1F Reason String.
        0x1F => reason_string: MqttString,
    }
}

property_set! {
    /// Properties of SUBSCRIBE (MQTT 5.0 §3.8.2.1).
    pub struct SubscribeProperties {
        /// 0x0B Subscription Identifier (once).
        0x0B => subscription_identifier: SubscriptionId,
    }
}

property_set! {
    /// Properties of UNSUBSCRIBE: only User Properties.
    pub struct UnsubscribeProperties {}
}

property_set! {
    /// Properties of DISCONNECT (MQTT 5.0 §3.14.2.2).
    pub struct DisconnectProperties {
        /// 0x11 Session Expiry Interval (client only, [MQTT-3.14.2-2]).
        0x11 => session_expiry_interval: u32,
        /// 0x1F Reason String.
        0x1F => reason_string: MqttString,
        /// 0x1C Server Reference.
        0x1C => server_reference: MqttString,
    }
}

property_set! {
    /// Properties of AUTH (MQTT 5.0 §3.15.2.2).
    pub struct AuthProperties {
        /// 0x15 Authentication Method.
        0x15 => authentication_method: MqttString,
        /// 0x16 Authentication Data.
        0x16 => authentication_data: BinaryData,
        /// 0x1F Reason String.
        0x1F => reason_string: MqttString,
    }
}

/// The identifier of the Topic Alias property (PUBLISH).
pub(crate) const TOPIC_ALIAS: u8 = 0x23;

/// PUBLISH properties as read: the public set plus the Topic Alias and Subscription Identifiers,
/// the first and last read straight into the packet being decoded.
#[derive(Debug)]
pub(crate) struct PublishPropertiesRead<'p> {
    pub(crate) props: &'p mut PublishProperties,
    pub(crate) topic_alias: Option<NonZeroU16>,
    pub(crate) subscription_ids: &'p mut SubscriptionIds,
    /// Whether Subscription Identifier may appear (and repeat): not from a client.
    pub(crate) allow_subscription_ids: bool,
}

impl PropertySet for PublishPropertiesRead<'_> {
    #[inline]
    fn read_property(&mut self, id: u8, r: &mut Reader<'_>) -> Result<bool, DecodeError> {
        if id == TOPIC_ALIAS {
            if self.topic_alias.is_some() {
                return Err(DecodeError::DuplicateProperty { id });
            }
            let v = r.u16("topic alias")?;
            self.topic_alias = Some(NonZeroU16::new(v).ok_or(DecodeError::TopicAliasZero)?);
            return Ok(true);
        }
        if id == SUBSCRIPTION_IDENTIFIER {
            // Only reached when subscription identifiers are not allowed (client → server).
            return Err(DecodeError::SubscriptionIdFromClient);
        }
        self.props.read_property(id, r)
    }

    fn set_user_properties(&mut self, props: UserProperties) {
        self.props.user_properties = props;
    }

    fn set_subscription_ids(&mut self, ids: SubscriptionIds) {
        *self.subscription_ids = ids;
    }

    fn repeats_subscription_ids(&self) -> bool {
        self.allow_subscription_ids
    }

    fn content_len(&self) -> usize {
        self.props.content_len()
            + self.topic_alias.map_or(0, |_| 3)
            + self.subscription_ids.wire_len()
    }

    fn write_content(&self, buf: &mut BytesMut) {
        if let Some(alias) = self.topic_alias {
            write_one(buf, TOPIC_ALIAS, &alias);
        }
        self.subscription_ids.write(buf);
        self.props.write_content(buf);
    }
}
