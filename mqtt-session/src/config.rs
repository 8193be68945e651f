//! What a client session sends in CONNECT and how it behaves: [`ClientConfig`].

use core::num::NonZeroU16;
use core::time::Duration;

use mqtt_codec::bytes::Bytes;
use mqtt_codec::topic::TopicName;
use mqtt_codec::{
    BinaryData, ConnectProperties, Limits, MqttString, ProtocolVersion, PublishProperties, QoS,
};

/// The configuration of a [`ClientSession`](crate::ClientSession): the CONNECT fields and the
/// session's own policies.
///
/// Build it with [`ClientConfig::new`] and set the public fields.
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Protocol version (3.1, 3.1.1 or 5.0).
    pub version: ProtocolVersion,
    /// Client identifier; empty asks the server to assign one (5.0; 3.1.1 needs a clean
    /// session then). Replaced by the server's Assigned Client Identifier when it sends one.
    pub client_id: MqttString,
    /// Clean Session (3.x) / Clean Start (5.0) for the first connection. Reconnections use
    /// Clean Start = 0 when a session may exist on the server (see
    /// [`ClientSession::handle_connected`](crate::ClientSession::handle_connected)).
    pub clean_start: bool,
    /// Keep Alive in seconds (0 disables it). A 5.0 server may override it in CONNACK.
    pub keep_alive_secs: u16,
    /// The Will Message, if any.
    pub will: Option<Message>,
    /// Will Delay Interval in seconds (5.0).
    pub will_delay_secs: Option<u32>,
    /// User Name.
    pub username: Option<MqttString>,
    /// Password.
    pub password: Option<BinaryData>,
    /// MQTT 5.0 CONNECT properties (Session Expiry Interval, Receive Maximum, Maximum Packet
    /// Size, Topic Alias Maximum, request flags, user properties, Authentication Method and
    /// initial Authentication Data). Must be empty under 3.x. Receive Maximum, Maximum Packet
    /// Size and Topic Alias Maximum are enforced on what the server sends.
    pub properties: ConnectProperties,
    /// Acknowledge inbound QoS 1/2 messages automatically (default). When `false`, each
    /// [`InboundMessage`](crate::InboundMessage) carries an [`AckToken`](crate::AckToken) to
    /// pass to [`ClientSession::ack`](crate::ClientSession::ack).
    pub auto_ack: bool,
    /// How long to wait for CONNACK after CONNECT, and for PINGRESP after PINGREQ, before the
    /// connection is reported dead. Default 30 s.
    pub response_timeout: Duration,
    /// Decoder limits for what the server sends (the Maximum Packet Size in
    /// [`ClientConfig::properties`], when set, lowers `max_packet_size`).
    pub limits: Limits,
}

impl ClientConfig {
    /// A configuration with clean start, a 60 s keep alive, automatic acknowledgments and no
    /// will, credentials or properties.
    #[must_use]
    pub fn new(version: ProtocolVersion, client_id: MqttString) -> Self {
        Self {
            version,
            client_id,
            clean_start: true,
            keep_alive_secs: 60,
            will: None,
            will_delay_secs: None,
            username: None,
            password: None,
            properties: ConnectProperties::default(),
            auto_ack: true,
            response_timeout: Duration::from_secs(30),
            limits: Limits::default(),
        }
    }

    /// Our Receive Maximum: how many unacknowledged QoS 1/2 messages the server may send us.
    #[must_use]
    pub(crate) fn receive_maximum(&self) -> u16 {
        if self.version.is_v5() {
            self.properties
                .receive_maximum
                .map_or(u16::MAX, NonZeroU16::get)
        } else {
            u16::MAX
        }
    }

    /// Our Topic Alias Maximum (0 outside 5.0).
    #[must_use]
    pub(crate) fn topic_alias_maximum(&self) -> u16 {
        if self.version.is_v5() {
            self.properties.topic_alias_maximum.unwrap_or(0)
        } else {
            0
        }
    }

    /// The decoder limits, with our Maximum Packet Size applied.
    #[must_use]
    pub(crate) fn decoder_limits(&self) -> Limits {
        match self.properties.maximum_packet_size {
            Some(max) if self.version.is_v5() && max < self.limits.max_packet_size => {
                self.limits.with_max_packet_size(max)
            }
            _ => self.limits,
        }
    }

    /// Whether the server may keep the session after the connection ends, so a reconnection
    /// should ask to resume it: Session Expiry Interval > 0 in 5.0, Clean Session = 0 in 3.x.
    #[must_use]
    pub(crate) fn session_outlives_connection(&self) -> bool {
        if self.version.is_v5() {
            self.properties.session_expiry_interval.unwrap_or(0) > 0
        } else {
            !self.clean_start
        }
    }
}

/// An application message to publish (or the Will).
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Message {
    /// Topic Name.
    pub topic: TopicName,
    /// Payload.
    pub payload: Bytes,
    /// Quality of service.
    pub qos: QoS,
    /// RETAIN flag.
    pub retain: bool,
    /// MQTT 5.0 properties (Message Expiry Interval, Content Type, Response Topic, ...).
    pub properties: PublishProperties,
}

impl Message {
    /// A message without retain or properties.
    #[must_use]
    pub fn new(topic: TopicName, payload: impl Into<Bytes>, qos: QoS) -> Self {
        Self {
            topic,
            payload: payload.into(),
            qos,
            retain: false,
            properties: PublishProperties::default(),
        }
    }
}
