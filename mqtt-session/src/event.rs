//! What a client session reports: [`ClientEvent`], [`InboundMessage`], [`AckToken`] and
//! [`CloseReason`].

use alloc::vec::Vec;

use mqtt_codec::topic::TopicName;
use mqtt_codec::{AuthProperties, PacketId, PacketType, Publish, QoS, ReasonCode};

use crate::error::{SessionError, UsageError};

/// Something the application should know about, pulled with
/// [`ClientSession::poll_event`](crate::ClientSession::poll_event).
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum ClientEvent {
    /// The server continues an enhanced authentication exchange (AUTH 0x18, during connect or
    /// re-authentication): answer with [`ClientSession::auth`](crate::ClientSession::auth).
    AuthChallenge(AuthProperties),
    /// The connection ended; every connection ends with exactly one `Closed`.
    Closed(CloseReason),
    /// CONNACK accepted the connection.
    Connected {
        /// Whether the server resumed an existing session. When `false`, the server knows no
        /// subscriptions: subscribe again (nothing is resent silently).
        session_present: bool,
    },
    /// A QoS 1/2 message was acknowledged with success (PUBACK, or PUBCOMP).
    Delivered(PacketId),
    /// A queued message whose Message Expiry Interval passed before it could be sent was
    /// dropped; its packet identifier is free again.
    Expired(PacketId),
    /// A queued message could not be sent under the limits of a new connection (for example a
    /// lower Maximum QoS or Maximum Packet Size), and was dropped.
    Dropped {
        /// The message's packet identifier.
        id: PacketId,
        /// Why it cannot be sent.
        reason: UsageError,
    },
    /// An unacknowledged exchange was lost: a QoS 1/2 message sent on a connection whose
    /// session the server did not keep, or a SUBSCRIBE/UNSUBSCRIBE whose acknowledgment never
    /// came. Its packet identifier is free again.
    Lost(PacketId),
    /// A re-authentication (or the connect-time exchange) finished with AUTH success.
    Reauthenticated,
    /// An application message from the server.
    Received(InboundMessage),
    /// CONNACK refused the connection with this reason code (3.x return codes 1-5 appear as
    /// themselves).
    Refused(ReasonCode),
    /// A QoS 1/2 message was acknowledged with a failure reason code (5.0); it is complete.
    Rejected {
        /// The message's packet identifier.
        id: PacketId,
        /// The PUBACK or PUBREC reason code.
        reason_code: ReasonCode,
    },
    /// SUBACK arrived.
    Subscribed {
        /// The SUBSCRIBE's packet identifier.
        id: PacketId,
        /// One code per filter, in order (granted QoS or failure).
        results: Vec<ReasonCode>,
    },
    /// UNSUBACK arrived.
    Unsubscribed {
        /// The UNSUBSCRIBE's packet identifier.
        id: PacketId,
        /// One code per filter in 5.0; empty in 3.x.
        results: Vec<ReasonCode>,
    },
}

/// Why a connection ended.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum CloseReason {
    /// No CONNACK within the response timeout.
    ConnectTimeout,
    /// The transport went away ([`ClientSession::handle_disconnected`](crate::ClientSession::handle_disconnected)).
    ConnectionLost,
    /// No PINGRESP within the response timeout after a PINGREQ.
    KeepAliveTimeout,
    /// The application called [`ClientSession::disconnect`](crate::ClientSession::disconnect).
    Local,
    /// A packet the protocol requires the client to send (PUBACK, PUBREC, PUBREL, PUBCOMP,
    /// PINGREQ, the resend of an in-flight PUBLISH) does not fit the server's Maximum Packet
    /// Size (5.0 CONNACK), and the client must not send it [MQTT-3.2.2-15]. The client sends
    /// nothing smaller instead (it carries no Reason String or User Property to drop): it
    /// closes, after a DISCONNECT with reason code 0x95 (Packet too large) when that one fits,
    /// so the exchange is not lost silently. The session state is kept: outbound messages
    /// and inbound QoS 2 identifiers resume on the next connection, as after
    /// [`ConnectionLost`](Self::ConnectionLost).
    ///
    /// A Maximum Packet Size below the smallest packet is legal (only 0 is a Protocol Error),
    /// so CONNACK accepts it; the connection ends only when such a packet is due. Never
    /// happens in 3.x, which has no Maximum Packet Size.
    PacketTooLarge {
        /// The packet that could not be sent.
        packet: PacketType,
        /// Its size, fixed header included, in bytes.
        size: u64,
        /// The server's Maximum Packet Size.
        max: u32,
    },
    /// The server broke the protocol (a DISCONNECT with its reason code went out first in 5.0).
    ProtocolError(SessionError),
    /// CONNACK refused the connection.
    Refused(ReasonCode),
    /// The server sent DISCONNECT with this reason code (5.0).
    ServerDisconnect(ReasonCode),
}

/// An application message received from the server.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct InboundMessage {
    /// The PUBLISH as received, with a topic alias resolved: `publish.topic` is always a name.
    pub publish: Publish,
    /// The token to acknowledge it with when automatic acknowledgments are off (QoS 1/2).
    pub ack: Option<AckToken>,
}

impl InboundMessage {
    /// The topic name (aliases resolved).
    #[must_use]
    pub fn topic(&self) -> Option<&TopicName> {
        self.publish.topic.name()
    }

    /// The QoS it was delivered with.
    #[must_use]
    pub const fn qos(&self) -> QoS {
        self.publish.qos()
    }
}

/// Acknowledges one inbound QoS 1/2 message when automatic acknowledgments are off; see
/// [`ClientSession::ack`](crate::ClientSession::ack).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct AckToken {
    pub(crate) id: PacketId,
    pub(crate) qos: QoS,
    pub(crate) epoch: u32,
}

impl AckToken {
    /// The inbound packet identifier (the server's identifier space).
    #[must_use]
    pub const fn packet_id(&self) -> PacketId {
        self.id
    }
}
