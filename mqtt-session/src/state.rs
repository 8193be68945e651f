//! Session state that outlives a connection (and, exported, a power loss): the client's
//! outbound QoS 1/2 messages and the inbound QoS 2 identifiers it holds.

use alloc::vec::Vec;

use mqtt_codec::{PacketId, Publish};

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

/// One outbound QoS 1/2 message of a saved session.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct OutboundMessage {
    /// The PUBLISH (topic as a name; `delivery` carries the packet identifier). Its Message
    /// Expiry Interval, when set, is the time that was left at export.
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

/// The client's session state, from [`ClientSession::export_state`](crate::ClientSession::export_state),
/// to persist and give to [`ClientSession::resume`](crate::ClientSession::resume) so a device can
/// continue with Clean Start = 0 after a restart.
#[non_exhaustive]
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct SessionState {
    /// Outbound QoS 1/2 messages: in-flight ones in send order, then queued ones in publish
    /// order.
    pub outbound: Vec<OutboundMessage>,
    /// Inbound QoS 2 packet identifiers whose PUBREL has not arrived: a PUBLISH with one of them
    /// is a duplicate and is not delivered again.
    pub inbound_qos2: Vec<PacketId>,
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
        self.outbound.is_empty() && self.inbound_qos2.is_empty()
    }
}
