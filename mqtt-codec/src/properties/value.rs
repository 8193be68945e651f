//! Property value types and how each is read and written.

use core::num::{NonZeroU16, NonZeroU32};

use bytes::{BufMut, BytesMut};
use mqtt_topic::TopicName;

use crate::error::DecodeError;
use crate::qos::QoS;
use crate::reader::{Reader, topic_name};
use crate::string::{BinaryData, MqttString};
use crate::varint;

/// The Payload Format Indicator (0x01): what the payload is.
#[expect(clippy::exhaustive_enums, reason = "closed by the MQTT specification")]
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize, serde::Serialize))]
pub enum PayloadFormat {
    /// 0: unspecified bytes (the same as no indicator).
    #[default]
    Unspecified = 0,
    /// 1: UTF-8 encoded character data.
    Utf8 = 1,
}

/// A Subscription Identifier (0x0B): 1..=268,435,455, carried as a Variable Byte Integer.
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize, serde::Serialize))]
pub struct SubscriptionId(NonZeroU32);

impl SubscriptionId {
    /// The largest identifier, 268,435,455.
    pub const MAX: u32 = varint::MAX;

    /// An identifier; `None` for 0 or above [`SubscriptionId::MAX`].
    #[must_use]
    pub const fn new(value: u32) -> Option<Self> {
        if value > Self::MAX {
            return None;
        }
        match NonZeroU32::new(value) {
            Some(v) => Some(Self(v)),
            None => None,
        }
    }

    /// The value.
    #[must_use]
    pub const fn get(self) -> u32 {
        self.0.get()
    }
}

/// A property value: how it is read after its identifier, and written.
pub(crate) trait PropertyValue: Sized {
    fn read(r: &mut Reader<'_>, id: u8) -> Result<Self, DecodeError>;
    /// Bytes of the value (the identifier not included).
    fn wire_len(&self) -> usize;
    fn write(&self, buf: &mut BytesMut);
}

const FIELD: &str = "property value";

impl PropertyValue for u16 {
    #[inline]
    fn read(r: &mut Reader<'_>, _id: u8) -> Result<Self, DecodeError> {
        r.u16(FIELD)
    }
    fn wire_len(&self) -> usize {
        2
    }
    fn write(&self, buf: &mut BytesMut) {
        buf.put_u16(*self);
    }
}

impl PropertyValue for u32 {
    #[inline]
    fn read(r: &mut Reader<'_>, _id: u8) -> Result<Self, DecodeError> {
        r.u32(FIELD)
    }
    fn wire_len(&self) -> usize {
        4
    }
    fn write(&self, buf: &mut BytesMut) {
        buf.put_u32(*self);
    }
}

impl PropertyValue for NonZeroU16 {
    #[inline]
    fn read(r: &mut Reader<'_>, id: u8) -> Result<Self, DecodeError> {
        Self::new(r.u16(FIELD)?).ok_or(DecodeError::InvalidPropertyValue { id, value: 0 })
    }
    fn wire_len(&self) -> usize {
        2
    }
    fn write(&self, buf: &mut BytesMut) {
        buf.put_u16(self.get());
    }
}

impl PropertyValue for NonZeroU32 {
    #[inline]
    fn read(r: &mut Reader<'_>, id: u8) -> Result<Self, DecodeError> {
        Self::new(r.u32(FIELD)?).ok_or(DecodeError::InvalidPropertyValue { id, value: 0 })
    }
    fn wire_len(&self) -> usize {
        4
    }
    fn write(&self, buf: &mut BytesMut) {
        buf.put_u32(self.get());
    }
}

/// A byte that must be 0 or 1.
impl PropertyValue for bool {
    #[inline]
    fn read(r: &mut Reader<'_>, id: u8) -> Result<Self, DecodeError> {
        match r.u8(FIELD)? {
            0 => Ok(false),
            1 => Ok(true),
            v => Err(DecodeError::InvalidPropertyValue {
                id,
                value: u32::from(v),
            }),
        }
    }
    fn wire_len(&self) -> usize {
        1
    }
    fn write(&self, buf: &mut BytesMut) {
        buf.put_u8(u8::from(*self));
    }
}

/// Maximum QoS (0x24): 0 or 1 only; 2 is the default and never sent.
impl PropertyValue for QoS {
    #[inline]
    fn read(r: &mut Reader<'_>, id: u8) -> Result<Self, DecodeError> {
        match r.u8(FIELD)? {
            0 => Ok(Self::AtMostOnce),
            1 => Ok(Self::AtLeastOnce),
            v => Err(DecodeError::InvalidPropertyValue {
                id,
                value: u32::from(v),
            }),
        }
    }
    fn wire_len(&self) -> usize {
        1
    }
    fn write(&self, buf: &mut BytesMut) {
        buf.put_u8(self.as_u8());
    }
}

impl PropertyValue for PayloadFormat {
    #[inline]
    fn read(r: &mut Reader<'_>, id: u8) -> Result<Self, DecodeError> {
        match r.u8(FIELD)? {
            0 => Ok(Self::Unspecified),
            1 => Ok(Self::Utf8),
            v => Err(DecodeError::InvalidPropertyValue {
                id,
                value: u32::from(v),
            }),
        }
    }
    fn wire_len(&self) -> usize {
        1
    }
    fn write(&self, buf: &mut BytesMut) {
        buf.put_u8(*self as u8);
    }
}

impl PropertyValue for SubscriptionId {
    #[inline]
    fn read(r: &mut Reader<'_>, id: u8) -> Result<Self, DecodeError> {
        let v = r.varint("subscription identifier")?;
        Self::new(v).ok_or(DecodeError::InvalidPropertyValue { id, value: v })
    }
    fn wire_len(&self) -> usize {
        varint::len(self.get())
    }
    fn write(&self, buf: &mut BytesMut) {
        varint::put(buf, self.get());
    }
}

impl PropertyValue for MqttString {
    #[inline]
    fn read(r: &mut Reader<'_>, _id: u8) -> Result<Self, DecodeError> {
        r.string(FIELD)
    }
    fn wire_len(&self) -> usize {
        2 + self.len()
    }
    fn write(&self, buf: &mut BytesMut) {
        crate::writer::put_prefixed(buf, self.as_bytes());
    }
}

impl PropertyValue for BinaryData {
    #[inline]
    fn read(r: &mut Reader<'_>, _id: u8) -> Result<Self, DecodeError> {
        r.binary(FIELD)
    }
    fn wire_len(&self) -> usize {
        2 + self.len()
    }
    fn write(&self, buf: &mut BytesMut) {
        crate::writer::put_prefixed(buf, self.as_bytes());
    }
}

/// Response Topic (0x08): a topic name, no wildcards.
impl PropertyValue for TopicName {
    #[inline]
    fn read(r: &mut Reader<'_>, _id: u8) -> Result<Self, DecodeError> {
        let raw = r.topic_name_bytes("response topic")?;
        topic_name(raw, "response topic")
    }
    fn wire_len(&self) -> usize {
        2 + self.len()
    }
    fn write(&self, buf: &mut BytesMut) {
        crate::writer::put_prefixed(buf, self.as_bytes());
    }
}
