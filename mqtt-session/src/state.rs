//! Session state that outlives a connection (and, exported, a power loss): outbound QoS 1/2
//! messages, the inbound QoS 2 identifiers held, and on the server the subscriptions and the
//! Will. Its binary encoding is in `state_codec.rs`.

use alloc::vec::Vec;

use mqtt_codec::{PacketId, Publish, Subscription, SubscriptionId, Will};

/// How far an outbound QoS 1/2 message got.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum OutboundStage {
    /// Published but never sent (waiting for room under the server's Receive Maximum, or for a
    /// connection).
    Queued,
    /// Sent; waiting for PUBACK (QoS 1) or PUBREC (QoS 2). Resent with DUP = 1 on resume.
    Sent,
    /// QoS 2 past PUBREC: PUBREL sent, waiting for PUBCOMP. On resume PUBREL is resent, never
    /// the PUBLISH [MQTT-4.4.0-2].
    Released,
}

/// One outbound message of a saved session: QoS 1/2, or (server, [`OutboundStage::Queued`]
/// only) QoS 0.
///
/// The packet identifier of a message past [`OutboundStage::Queued`] is the one the peer knows
/// it by, and is kept on resume. That of a `Queued` message (never sent) is only a proposal for
/// [`ServerSession::accept`](crate::ServerSession::accept): kept when free, replaced by a fresh
/// one otherwise. A broker that queues messages into a stored state while the client is
/// offline can therefore leave the choice to the session (use any identifier, such as
/// [`PacketId::MIN`]). A `Queued` QoS 0 message (no identifier) is the optional QoS 0 part of a
/// server's session state: sent once when the session resumes.
/// [`ClientSession::resume`](crate::ClientSession::resume) renumbers nothing: give it the
/// states its own export produced.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct OutboundMessage {
    /// The PUBLISH (topic as a name; `delivery` carries the QoS and the packet identifier). Its
    /// Message Expiry Interval, when set, is the time that was left at export.
    pub publish: Publish,
    /// How far it got.
    pub stage: OutboundStage,
}

impl OutboundMessage {
    /// A saved message.
    #[must_use]
    pub const fn new(publish: Publish, stage: OutboundStage) -> Self {
        Self { publish, stage }
    }
}

/// A subscription the server registered for the session (what the caller granted), with its
/// Subscription Identifier (5.0).
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct StoredSubscription {
    /// Filter and options.
    pub subscription: Subscription,
    /// The Subscription Identifier sent with the SUBSCRIBE, if any.
    pub identifier: Option<SubscriptionId>,
}

impl StoredSubscription {
    /// A stored subscription.
    #[must_use]
    pub const fn new(subscription: Subscription, identifier: Option<SubscriptionId>) -> Self {
        Self {
            subscription,
            identifier,
        }
    }
}

/// A session's state, to persist and resume: from
/// [`ClientSession::export_state`](crate::ClientSession::export_state) for
/// [`ClientSession::resume`](crate::ClientSession::resume) (a device continuing with Clean
/// Start = 0 after a restart), or from
/// [`ServerSession::export_state`](crate::ServerSession::export_state) for
/// [`ServerSession::accept`](crate::ServerSession::accept) on a later connection (a broker
/// resuming a session, possibly on another node). [`SessionState::encode`] and
/// [`SessionState::decode`] give it a stable, versioned binary form.
///
/// A client session uses `outbound` and `inbound_qos2` only.
#[non_exhaustive]
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct SessionState {
    /// Outbound messages: in-flight ones in send order, then queued ones in publish order
    /// (see [`OutboundMessage`] for which packet identifiers a resume keeps).
    pub outbound: Vec<OutboundMessage>,
    /// Inbound QoS 2 packet identifiers whose PUBREL has not arrived: a PUBLISH with one of them
    /// is a duplicate and is not delivered again.
    pub inbound_qos2: Vec<PacketId>,
    /// Server: the subscriptions granted, in grant order.
    pub subscriptions: Vec<StoredSubscription>,
    /// Server: a Will waiting for its delay (its Will Delay Interval is the time left at
    /// export). Cancelled when the session is resumed on a new connection [MQTT-3.1.3-9].
    pub will: Option<Will>,
    /// Server: seconds left before the session expires once disconnected (`None`: never, or
    /// not tracked).
    pub session_expiry_interval: Option<u32>,
}

impl SessionState {
    /// An empty state.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether there is nothing to resume.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.outbound.is_empty()
            && self.inbound_qos2.is_empty()
            && self.subscriptions.is_empty()
            && self.will.is_none()
    }
}
