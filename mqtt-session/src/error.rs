//! Session errors: [`UsageError`] for caller misuse (nothing changes) and [`SessionError`] for a
//! peer that broke the protocol (the session closes).

use mqtt_codec::{DecodeError, EncodeError, PacketType, QoS, ReasonCode};

/// The caller asked for something the session cannot do now; the session is unchanged.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq, thiserror::Error)]
pub enum UsageError {
    /// A connection is already open (connecting or connected).
    #[error("a connection is already open")]
    AlreadyConnected,
    /// The exchange needs enhanced authentication, which the configuration did not enable or
    /// which is not waiting for an answer.
    #[error("no authentication exchange is in progress")]
    AuthNotExpected,
    /// The packet could not be encoded for this connection (too large for the server's Maximum
    /// Packet Size, or content that does not exist in this protocol version).
    #[error("cannot encode: {0}")]
    Encode(EncodeError),
    /// Server: a message of the [`SessionState`](crate::SessionState) given to
    /// [`ServerSession::accept`](crate::ServerSession::accept) was sent on an earlier
    /// connection (so the client knows it by its packet identifier) but has no identifier
    /// (`id` is `None`), or one an earlier in-flight message of the state has: it cannot be
    /// resumed. Reported in [`ServerEvent::Dropped`](crate::ServerEvent::Dropped).
    #[error("in-flight message without a unique packet identifier ({id:?}) cannot be resumed")]
    InvalidInFlight {
        /// Its packet identifier, if it has one.
        id: Option<u16>,
    },
    /// A SUBSCRIBE or UNSUBSCRIBE without any topic filter [MQTT-3.8.3-2] [MQTT-3.10.3-2].
    #[error("no topic filter given [MQTT-3.8.3-2] [MQTT-3.10.3-2]")]
    NoTopicFilters,
    /// The command needs an open connection (CONNACK received), and there is none.
    #[error("not connected")]
    NotConnected,
    /// Server: `accept` or `refuse` without a CONNECT waiting for the decision.
    #[error("no CONNECT is waiting for a decision")]
    NoConnectPending,
    /// Every packet identifier (1..=65,535) is in use by an unacknowledged exchange.
    #[error("all 65535 packet identifiers are in use")]
    PacketIdsExhausted,
    /// The requested QoS exceeds the server's Maximum QoS [MQTT-3.2.2-11].
    #[error("QoS {requested:?} exceeds the server's maximum QoS {maximum:?} [MQTT-3.2.2-11]")]
    QoSNotSupported {
        /// The QoS asked for.
        requested: QoS,
        /// The server's Maximum QoS.
        maximum: QoS,
    },
    /// A retained message, but the server has no retain support [MQTT-3.2.2-14].
    #[error("the server does not support retained messages [MQTT-3.2.2-14]")]
    RetainNotSupported,
    /// A shared subscription, but the server does not support them.
    #[error("the server does not support shared subscriptions")]
    SharedSubscriptionsNotSupported,
    /// A subscription identifier, but the server does not support them.
    #[error("the server does not support subscription identifiers")]
    SubscriptionIdsNotSupported,
    /// Server: the reason codes given do not match the request's topic filters (one per filter
    /// [MQTT-3.8.4-6] [MQTT-3.11.3-1]).
    #[error("{got} reason codes for {expected} topic filters [MQTT-3.8.4-6]")]
    ReasonCodeCount {
        /// Filters in the request.
        expected: usize,
        /// Codes given.
        got: usize,
    },
    /// Server: no SUBSCRIBE or UNSUBSCRIBE with this packet identifier is waiting for a grant.
    #[error("no SUBSCRIBE or UNSUBSCRIBE with identifier {id} is waiting")]
    UnknownRequest {
        /// The packet identifier given.
        id: u16,
    },
    /// The acknowledgment token is not awaiting an acknowledgment (already used, or from a
    /// session state that was discarded).
    #[error("the acknowledgment token is stale")]
    UnknownAckToken,
    /// A wildcard subscription, but the server does not support them.
    #[error("the server does not support wildcard subscriptions")]
    WildcardSubscriptionsNotSupported,
}

impl From<EncodeError> for UsageError {
    fn from(e: EncodeError) -> Self {
        Self::Encode(e)
    }
}

/// The peer broke the protocol; the session closed (after sending a DISCONNECT, or a CONNACK
/// while connecting, with [`SessionError::reason_code`] under MQTT 5.0).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq, thiserror::Error)]
pub enum SessionError {
    /// The session is closed: input is refused until the next connection.
    #[error("the session is closed")]
    Closed,
    /// The bytes are not a valid packet from a server.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// Server: a PUBLISH above the Maximum QoS the server announced [MQTT-3.2.2-11].
    #[error("PUBLISH at {qos:?} above the server's maximum QoS [MQTT-3.2.2-11]")]
    QoSNotSupported {
        /// The QoS received.
        qos: QoS,
    },
    /// Server: a retained PUBLISH although the server announced no retain support
    /// [MQTT-3.2.2-14].
    #[error("retained PUBLISH without retain support [MQTT-3.2.2-14]")]
    RetainNotSupported,
    /// Server: a SUBSCRIBE with a shared subscription, which the server announced as
    /// unavailable.
    #[error("shared subscriptions are not supported")]
    SharedSubscriptionsNotSupported,
    /// Server: a SUBSCRIBE with a Subscription Identifier, which the server announced as
    /// unavailable.
    #[error("subscription identifiers are not supported")]
    SubscriptionIdsNotSupported,
    /// Server: a wildcard SUBSCRIBE, which the server announced as unavailable.
    #[error("wildcard subscriptions are not supported")]
    WildcardSubscriptionsNotSupported,
    /// More unacknowledged QoS 1/2 PUBLISHes than our Receive Maximum [MQTT-3.3.4-9].
    #[error("more than {maximum} unacknowledged QoS 1/2 publishes [MQTT-3.3.4-9]")]
    ReceiveMaximumExceeded {
        /// Our Receive Maximum.
        maximum: u16,
    },
    /// The server resumed a session we asked it to discard [MQTT-3.2.2-4].
    #[error("session present after a clean start [MQTT-3.2.2-4]")]
    SessionPresentAfterCleanStart,
    /// A topic alias above our Topic Alias Maximum [MQTT-3.3.2-9] [MQTT-3.3.2-10].
    #[error("topic alias {alias} above our maximum {maximum} [MQTT-3.3.2-9]")]
    TopicAliasOutOfRange {
        /// The alias received.
        alias: u16,
        /// Our Topic Alias Maximum.
        maximum: u16,
    },
    /// A PUBLISH with only a topic alias that has no mapping on this connection.
    #[error("topic alias {alias} has no mapping on this connection [MQTT-3.3.2-12]")]
    TopicAliasUnknown {
        /// The alias received.
        alias: u16,
    },
    /// A packet the server may not send in this state (a second CONNACK, a packet before
    /// CONNACK, an AUTH without enhanced authentication, ...).
    #[error("unexpected {packet} from the server [MQTT-3.2.0-1] [MQTT-4.8.0-1]")]
    UnexpectedPacket {
        /// The packet type.
        packet: PacketType,
    },
    /// An acknowledgment of the wrong kind for the exchange its packet identifier names (a
    /// PUBACK for a QoS 2 message, a PUBREL for an id whose PUBREC was never sent, ...).
    #[error("{packet} does not match the exchange of packet identifier {id} [MQTT-4.3.3-1]")]
    WrongAck {
        /// The acknowledgment received.
        packet: PacketType,
        /// Its packet identifier.
        id: u16,
    },
    /// A SUBACK or UNSUBACK whose reason codes do not match the request's filters
    /// [MQTT-3.8.4-6] [MQTT-3.11.3-1].
    #[error("{got} reason codes for {expected} topic filters [MQTT-3.8.4-6]")]
    WrongReasonCodeCount {
        /// Filters in the request.
        expected: usize,
        /// Codes in the acknowledgment.
        got: usize,
    },
}

impl SessionError {
    /// The MQTT 5.0 reason code sent in the DISCONNECT that closes the connection.
    #[must_use]
    pub const fn reason_code(&self) -> ReasonCode {
        match self {
            Self::Closed => ReasonCode::UNSPECIFIED_ERROR,
            Self::Decode(e) => e.reason_code(),
            Self::ReceiveMaximumExceeded { .. } => ReasonCode::RECEIVE_MAXIMUM_EXCEEDED,
            Self::QoSNotSupported { .. } => ReasonCode::QOS_NOT_SUPPORTED,
            Self::RetainNotSupported => ReasonCode::RETAIN_NOT_SUPPORTED,
            Self::SharedSubscriptionsNotSupported => ReasonCode::SHARED_SUBSCRIPTIONS_NOT_SUPPORTED,
            Self::SubscriptionIdsNotSupported => ReasonCode::SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED,
            Self::WildcardSubscriptionsNotSupported => {
                ReasonCode::WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED
            }
            Self::TopicAliasOutOfRange { .. } => ReasonCode::TOPIC_ALIAS_INVALID,
            Self::SessionPresentAfterCleanStart
            | Self::TopicAliasUnknown { .. }
            | Self::UnexpectedPacket { .. }
            | Self::WrongAck { .. }
            | Self::WrongReasonCodeCount { .. } => ReasonCode::PROTOCOL_ERROR,
        }
    }
}
