//! CONNECT (§3.1): protocol name and level, flags, keep alive, properties, and the payload
//! (client identifier, will, user name, password) in the order the flags announce.

use bytes::{BufMut, Bytes, BytesMut};
use mqtt_topic::TopicName;

use super::{DecodeCtx, EncodeCtx};
use crate::error::{DecodeError, EncodeError};
use crate::fixed_header::PacketType;
use crate::properties::{ConnectProperties, PropertySet, WillProperties, read_block, write_block};
use crate::qos::QoS;
use crate::reader::{Reader, topic_name};
use crate::string::{BinaryData, MqttString};
use crate::version::ProtocolVersion;
use crate::writer::{prefixed_len, put_prefixed};

/// The will message the server publishes if the connection ends abnormally.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize, serde::Serialize))]
pub struct Will {
    /// Will Topic.
    pub topic: TopicName,
    /// Will Payload (Will Message in 3.x).
    pub payload: Bytes,
    /// Will QoS.
    pub qos: QoS,
    /// Will Retain.
    pub retain: bool,
    /// MQTT 5.0 Will Properties.
    pub properties: WillProperties,
}

impl Will {
    /// A QoS 0, non-retained will without properties.
    #[must_use]
    pub fn new(topic: TopicName, payload: impl Into<Bytes>) -> Self {
        Self {
            topic,
            payload: payload.into(),
            qos: QoS::AtMostOnce,
            retain: false,
            properties: WillProperties::default(),
        }
    }
}

/// A CONNECT packet.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize, serde::Serialize))]
pub struct Connect {
    /// The protocol version the client speaks (protocol name and level).
    pub protocol: ProtocolVersion,
    /// CleanSession (3.x) / Clean Start (5.0).
    pub clean_start: bool,
    /// Keep Alive in seconds; 0 turns keep-alive off.
    pub keep_alive_secs: u16,
    /// Client Identifier (may be empty: see [MQTT-3.1.3-7] and 5.0 §3.1.3.1).
    pub client_id: MqttString,
    /// The will, if the Will Flag is set.
    pub will: Option<Will>,
    /// User Name.
    pub username: Option<MqttString>,
    /// Password (Binary Data; a string in 3.1, carried the same way).
    pub password: Option<BinaryData>,
    /// MQTT 5.0 properties.
    pub properties: ConnectProperties,
}

impl Connect {
    /// A clean-start CONNECT with a 60 s keep alive and nothing else.
    #[must_use]
    pub fn new(protocol: ProtocolVersion, client_id: MqttString) -> Self {
        Self {
            protocol,
            clean_start: true,
            keep_alive_secs: 60,
            client_id,
            will: None,
            username: None,
            password: None,
            properties: ConnectProperties::default(),
        }
    }

    pub(crate) fn decode(r: &mut Reader<'_>, ctx: &DecodeCtx<'_>) -> Result<Self, DecodeError> {
        let name_len = r.u16("protocol name")?;
        let name = r.bytes(usize::from(name_len), "protocol name")?;
        let level = r.u8("protocol level")?;
        if name.as_ref() != b"MQTT" && name.as_ref() != b"MQIsdp" {
            return Err(DecodeError::UnknownProtocolName);
        }
        let protocol = ProtocolVersion::from_name_and_level(&name, level)
            .ok_or(DecodeError::UnsupportedProtocolLevel { level })?;
        // The CONNECT describes itself: it is read with its own version's rules.
        let ctx = DecodeCtx {
            version: protocol,
            ..*ctx
        };
        let flags = r.u8("connect flags")?;
        if flags & 0b1 != 0 {
            return Err(DecodeError::ReservedConnectFlag);
        }
        let clean_start = flags & 0b10 != 0;
        let will_flag = flags & 0b100 != 0;
        let will_qos = (flags >> 3) & 0b11;
        let will_retain = flags & 0b10_0000 != 0;
        let password_flag = flags & 0b100_0000 != 0;
        let username_flag = flags & 0b1000_0000 != 0;
        if !will_flag && (will_qos != 0 || will_retain) {
            return Err(DecodeError::WillFlagsWithoutWill);
        }
        let will_qos = QoS::try_from(will_qos).map_err(|_| DecodeError::WillQoS3)?;
        if password_flag && !username_flag && !protocol.is_v5() {
            return Err(DecodeError::PasswordWithoutUserName);
        }
        let keep_alive_secs = r.u16("keep alive")?;
        let mut properties = ConnectProperties::default();
        ctx.properties(r, &mut properties, PacketType::Connect)?;
        check_auth(&properties)?;
        let client_id = r.string("client identifier")?;
        let will = if will_flag {
            let mut will_props = WillProperties::default();
            if protocol.is_v5() {
                read_block(r, &mut will_props, PacketType::Connect, ctx.limits)?;
            }
            let topic = topic_name(r.topic_name_bytes("will topic")?, "will topic")?;
            let payload = r.binary("will payload")?.into_bytes();
            Some(Will {
                topic,
                payload,
                qos: will_qos,
                retain: will_retain,
                properties: will_props,
            })
        } else {
            None
        };
        let username = if username_flag {
            Some(r.string("user name")?)
        } else {
            None
        };
        let password = if password_flag {
            Some(r.binary("password")?)
        } else {
            None
        };
        Ok(Self {
            protocol,
            clean_start,
            keep_alive_secs,
            client_id,
            will,
            username,
            password,
            properties,
        })
    }

    pub(crate) fn remaining_len(&self, ctx: &EncodeCtx) -> Result<usize, EncodeError> {
        if self.protocol != ctx.version {
            return Err(EncodeError::VersionMismatch {
                packet: self.protocol,
                encoder: ctx.version,
            });
        }
        ctx.v5_only(self.properties.is_empty(), "CONNECT properties")?;
        if self.properties.authentication_data.is_some()
            && self.properties.authentication_method.is_none()
        {
            return Err(EncodeError::InvalidField {
                field: "authentication data",
                rule: "needs an authentication method",
            });
        }
        match self.protocol {
            ProtocolVersion::V3_1
                if !(1..=23).contains(&self.client_id.as_str().chars().count()) =>
            {
                return Err(EncodeError::InvalidField {
                    field: "client identifier",
                    rule: "MQTT 3.1 needs 1 to 23 characters",
                });
            }
            ProtocolVersion::V3_1_1 if self.client_id.is_empty() && !self.clean_start => {
                return Err(EncodeError::InvalidField {
                    field: "client identifier",
                    rule: "an empty client identifier needs CleanSession = 1 [MQTT-3.1.3-7]",
                });
            }
            _ => {}
        }
        if self.password.is_some() && self.username.is_none() && !self.protocol.is_v5() {
            return Err(EncodeError::InvalidField {
                field: "password",
                rule: "a password needs a user name in MQTT 3.x [MQTT-3.1.2-22]",
            });
        }
        let mut len = prefixed_len(self.protocol.protocol_name().len()) + 1 + 1 + 2;
        len += ctx.properties_len(&self.properties);
        len += prefixed_len(self.client_id.len());
        if let Some(will) = &self.will {
            ctx.v5_only(will.properties.is_empty(), "will properties")?;
            if will.payload.len() > crate::string::MAX_LEN {
                return Err(EncodeError::InvalidField {
                    field: "will payload",
                    rule: "at most 65535 bytes",
                });
            }
            len += ctx.properties_len(&will.properties);
            len += prefixed_len(will.topic.len()) + prefixed_len(will.payload.len());
        }
        len += self.username.as_ref().map_or(0, |u| prefixed_len(u.len()));
        len += self.password.as_ref().map_or(0, |p| prefixed_len(p.len()));
        Ok(len)
    }

    fn flags(&self) -> u8 {
        let mut flags = u8::from(self.clean_start) << 1;
        if let Some(will) = &self.will {
            flags |= 0b100 | (will.qos.as_u8() << 3) | (u8::from(will.retain) << 5);
        }
        flags |= u8::from(self.password.is_some()) << 6;
        flags |= u8::from(self.username.is_some()) << 7;
        flags
    }

    pub(crate) fn write(&self, ctx: &EncodeCtx, buf: &mut BytesMut) {
        put_prefixed(buf, self.protocol.protocol_name().as_bytes());
        buf.put_u8(self.protocol.level());
        buf.put_u8(self.flags());
        buf.put_u16(self.keep_alive_secs);
        ctx.write_properties(&self.properties, buf);
        put_prefixed(buf, self.client_id.as_bytes());
        if let Some(will) = &self.will {
            if ctx.version.is_v5() {
                write_block(&will.properties, will.properties.content_len(), buf);
            }
            put_prefixed(buf, will.topic.as_bytes());
            put_prefixed(buf, &will.payload);
        }
        if let Some(u) = &self.username {
            put_prefixed(buf, u.as_bytes());
        }
        if let Some(p) = &self.password {
            put_prefixed(buf, p.as_bytes());
        }
    }
}

fn check_auth(props: &ConnectProperties) -> Result<(), DecodeError> {
    if props.authentication_data.is_some() && props.authentication_method.is_none() {
        return Err(DecodeError::AuthDataWithoutMethod);
    }
    Ok(())
}
