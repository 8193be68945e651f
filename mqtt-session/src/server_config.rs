//! How a server session behaves and what it announces: [`ServerConfig`], and what the caller
//! hands to [`ServerSession::deliver`](crate::ServerSession::deliver): [`Outgoing`].

use core::time::Duration;

use mqtt_codec::{Limits, SubscriptionIds, SubscriptionOptions};

use crate::config::Message;
use crate::flow_control::PeerLimits;

/// The configuration of a [`ServerSession`](crate::ServerSession).
///
/// Build it with [`ServerConfig::new`] and set the public fields.
#[non_exhaustive]
#[derive(Clone, Copy, Debug)]
pub struct ServerConfig {
    /// What the server supports and accepts, announced in a 5.0 CONNACK (Receive Maximum,
    /// Maximum QoS, Retain Available, Maximum Packet Size, Topic Alias Maximum and the
    /// subscription availability flags) and enforced on what the client sends.
    pub capabilities: PeerLimits,
    /// Server Keep Alive (5.0): overrides the client's Keep Alive when set.
    pub server_keep_alive: Option<u16>,
    /// How long to wait for CONNECT after the transport is up. Default 30 s.
    pub connect_timeout: Duration,
    /// How long a CONNECT may wait for its decision once reported
    /// ([`ServerEvent::ConnectRequested`](crate::ServerEvent::ConnectRequested) until
    /// [`accept`](crate::ServerSession::accept) or [`refuse`](crate::ServerSession::refuse)),
    /// an enhanced authentication exchange with the client included. When it passes, the
    /// connection is refused with 0x89 Server busy (3.x: return code 3, Server unavailable)
    /// and closes with
    /// [`ServerCloseReason::DecisionTimeout`](crate::ServerCloseReason::DecisionTimeout), so
    /// that a stalled authentication backend or a client that stops answering AUTH cannot
    /// hold a connection half open. Default 30 s.
    pub decision_timeout: Duration,
    /// Decoder limits for what the client sends (the Maximum Packet Size in
    /// [`ServerConfig::capabilities`], when set, lowers `max_packet_size`).
    pub limits: Limits,
}

impl ServerConfig {
    /// The spec defaults: everything available, no topic aliases, 30 s for CONNECT and 30 s
    /// for the decision on it.
    #[must_use]
    pub fn new() -> Self {
        Self {
            capabilities: PeerLimits::default(),
            server_keep_alive: None,
            connect_timeout: Duration::from_secs(30),
            decision_timeout: Duration::from_secs(30),
            limits: Limits::default(),
        }
    }

    /// The decoder limits, with our Maximum Packet Size applied.
    pub(crate) fn decoder_limits(&self) -> Limits {
        match self.capabilities.maximum_packet_size {
            Some(max) if max < self.limits.max_packet_size => self.limits.with_max_packet_size(max),
            _ => self.limits,
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// An application message routed to this session's client, with the options of the
/// subscription that matched it.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Outgoing {
    /// The message as published (its RETAIN flag as published).
    pub message: Message,
    /// The matching subscription's options: the message goes out at the lower of its QoS and
    /// `options.qos`; RETAIN is kept only with `retain_as_published` [MQTT-3.3.1-12]
    /// [MQTT-3.3.1-13]; with `no_local`, a message from this same client is not sent
    /// [MQTT-3.8.3-3].
    pub options: SubscriptionOptions,
    /// Subscription Identifiers of the matching subscriptions (5.0).
    pub subscription_ids: SubscriptionIds,
    /// The message was published by this session's own client (for `no_local`).
    pub from_self: bool,
    /// A retained message sent because of a new subscription: RETAIN stays set
    /// [MQTT-3.3.1-9].
    pub retained_on_subscribe: bool,
}

impl Outgoing {
    /// A message matched by a subscription with `options`.
    #[must_use]
    pub fn new(message: Message, options: SubscriptionOptions) -> Self {
        Self {
            message,
            options,
            subscription_ids: SubscriptionIds::new(),
            from_self: false,
            retained_on_subscribe: false,
        }
    }
}
