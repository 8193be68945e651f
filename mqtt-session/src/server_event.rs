//! What a server session reports: [`ServerEvent`] and [`ServerCloseReason`].

use alloc::boxed::Box;

use mqtt_codec::{Auth, Connect, PacketId, Publish, ReasonCode, Subscribe, Unsubscribe, Will};

use crate::error::{SessionError, UsageError};

/// Something the broker should act on, pulled with
/// [`ServerSession::poll_event`](crate::ServerSession::poll_event).
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum ServerEvent {
    /// The client sent AUTH (0x18 Continue authentication during connect, or 0x19
    /// Re-authenticate): answer with
    /// [`ServerSession::auth_continue`](crate::ServerSession::auth_continue),
    /// [`ServerSession::auth_success`](crate::ServerSession::auth_success),
    /// [`ServerSession::accept`](crate::ServerSession::accept) or
    /// [`ServerSession::refuse`](crate::ServerSession::refuse).
    AuthRequested(Auth),
    /// The connection ended; every connection ends with exactly one `Closed`. The session may
    /// live on (see [`ServerSession::export_state`](crate::ServerSession::export_state)).
    Closed(ServerCloseReason),
    /// A validated CONNECT: decide with
    /// [`ServerSession::accept`](crate::ServerSession::accept) or
    /// [`ServerSession::refuse`](crate::ServerSession::refuse) (client identifier,
    /// credentials, authorization and session lookup are the caller's).
    ConnectRequested(Box<Connect>),
    /// A QoS 1/2 message was acknowledged by the client (PUBACK, or PUBCOMP).
    Delivered(PacketId),
    /// An outgoing message was discarded as if delivered: it could not be sent within the
    /// client's limits (its Maximum Packet Size [MQTT-3.1.2-25]:
    /// [`UsageError::Encode`](crate::UsageError::Encode)), or
    /// [`ServerSession::accept`](crate::ServerSession::accept) could not resume it (an
    /// in-flight message of the state without a unique packet identifier:
    /// [`UsageError::InvalidInFlight`](crate::UsageError::InvalidInFlight); no identifier left
    /// for a queued one: [`UsageError::PacketIdsExhausted`](crate::UsageError::PacketIdsExhausted)).
    /// The packet identifier, when it had one in this session, is free again.
    Dropped {
        /// Its packet identifier in this session (`None` for QoS 0, and for a message
        /// `accept` could not give one).
        id: Option<PacketId>,
        /// Why.
        reason: UsageError,
    },
    /// A queued message's Message Expiry Interval passed before it could be sent.
    Expired(PacketId),
    /// An application message from the client (topic alias resolved: `topic` is a name). The
    /// acknowledgment is already queued; routing it is the caller's.
    Published(Publish),
    /// The session ended (Session Expiry Interval passed after the connection closed, or the
    /// connection closed with a zero interval): discard it [MQTT-4.1.0-2].
    SessionExpired,
    /// SUBSCRIBE: answer with [`ServerSession::grant`](crate::ServerSession::grant).
    SubscribeRequested(Subscribe),
    /// UNSUBSCRIBE: answer with [`ServerSession::grant`](crate::ServerSession::grant).
    UnsubscribeRequested(Unsubscribe),
    /// The Will is due: publishing it is the caller's [MQTT-3.1.2-8].
    WillReleased(Will),
}

/// Why a server-side connection ended.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum ServerCloseReason {
    /// The client sent DISCONNECT with this reason code (0x00 in 3.x).
    ClientDisconnect(ReasonCode),
    /// No CONNECT within [`ServerConfig::connect_timeout`](crate::ServerConfig::connect_timeout).
    ConnectTimeout,
    /// The CONNECT was not decided within
    /// [`ServerConfig::decision_timeout`](crate::ServerConfig::decision_timeout) (refused with
    /// 0x89 Server busy; 3.1.1: return code 3).
    DecisionTimeout,
    /// The transport went away
    /// ([`ServerSession::handle_disconnected`](crate::ServerSession::handle_disconnected)).
    ConnectionLost,
    /// Nothing arrived within 1.5 times the Keep Alive [MQTT-3.1.2-24] (5.0: 0x8D sent).
    KeepAliveTimeout,
    /// The caller closed it ([`ServerSession::disconnect`](crate::ServerSession::disconnect)),
    /// with this reason code (sent in 5.0).
    Local(ReasonCode),
    /// The client broke the protocol (the reason code went out first in 5.0).
    ProtocolError(SessionError),
    /// The CONNECT was refused with this code (sent in CONNACK when the version has one).
    Refused(ReasonCode),
    /// Another connection took the session over (5.0: 0x8E sent).
    TakenOver,
}
