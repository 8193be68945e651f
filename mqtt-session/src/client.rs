//! The client session state machine: [`ClientSession`].

use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;

use mqtt_codec::bytes::BytesMut;
use mqtt_codec::topic::TopicFilter;
use mqtt_codec::{
    Auth, AuthProperties, BinaryData, ConnAck, ConnAckProperties, Connect, Decoder, Delivery,
    Disconnect, Encodable, EncodeError, Encoder, Packet, PacketId, PacketType, PubAck, PubComp,
    PubRec, PubRel, Publish, QoS, ReasonCode, SubAck, Subscribe, SubscribeProperties, Subscription,
    UnsubAck, Unsubscribe, Will, WillProperties,
};

use crate::config::{ClientConfig, Message};
use crate::error::{SessionError, UsageError};
use crate::event::{AckToken, ClientEvent, CloseReason, InboundMessage};
use crate::expiry;
use crate::flow_control::{PeerLimits, SendWindow};
use crate::inbound_qos2::{Inbound, PubRelVerdict, Qos2Verdict};
use crate::inflight::{Gone, Link, OutEntry, Outbound, Pass, delivery};
use crate::keep_alive::{KeepAlive, KeepAliveAction};
use crate::outbox::Outbox;
use crate::packet_ids::PacketIdAllocator;
use crate::state::{OutboundMessage, OutboundStage, SessionState};
use crate::time::Instant;
use crate::topic_alias::{InboundAliases, OutboundAliases};

/// Where the connection stands.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum Phase {
    /// No transport.
    Idle,
    /// CONNECT queued at `since`; waiting for CONNACK (and possibly exchanging AUTH).
    Connecting { since: Instant },
    /// CONNACK accepted.
    Connected,
    /// The connection is over (refused, timed out, closed by either side); waiting for
    /// [`ClientSession::handle_disconnected`].
    Closed,
}

/// Where an enhanced authentication exchange stands.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum AuthPhase {
    /// None in progress.
    Idle,
    /// The server sent AUTH 0x18; the application must answer.
    Challenged,
    /// We sent AUTH (0x18 or 0x19); waiting for the server.
    Waiting,
}

/// A SUBSCRIBE or UNSUBSCRIBE waiting for its acknowledgment: kind and filter count.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum Request {
    Subscribe(usize),
    Unsubscribe(usize),
}

/// A sans-IO MQTT client session (MQTT 3.1, 3.1.1 and 5.0).
///
/// The session never touches a socket, a thread or a clock. The caller feeds it:
///
/// - **inputs**: [`handle_connected`](Self::handle_connected) when the transport is up,
///   [`handle_bytes`](Self::handle_bytes) (or [`handle_packet`](Self::handle_packet)) with what
///   arrived, [`handle_timeout`](Self::handle_timeout) when [`poll_timeout`](Self::poll_timeout)'s
///   deadline passes, [`handle_disconnected`](Self::handle_disconnected) when the transport is
///   gone;
/// - **commands**: [`publish`](Self::publish), [`subscribe`](Self::subscribe),
///   [`unsubscribe`](Self::unsubscribe), [`ack`](Self::ack), [`auth`](Self::auth),
///   [`reauthenticate`](Self::reauthenticate), [`disconnect`](Self::disconnect); they only queue
///   work, and caller misuse is a [`UsageError`] that changes nothing;
/// - **outputs**: [`poll_transmit`](Self::poll_transmit) (bytes to write, appended to the
///   caller's buffer) or [`poll_packet`](Self::poll_packet), [`poll_event`](Self::poll_event),
///   [`poll_timeout`](Self::poll_timeout).
///
/// **Contract**: after *any* input or command, drain `poll_transmit` and `poll_event` until
/// they return 0 / `None`, then wait for `poll_timeout` or input. `handle_timeout(now)` is
/// idempotent and harmless when early; every `now` is clamped to the latest value seen, so
/// time never runs backwards.
///
/// A server that breaks the protocol closes the session: under 5.0 a DISCONNECT with the
/// [`SessionError::reason_code`] is queued first, then [`ClientEvent::Closed`] is emitted and
/// further input is refused until the next [`handle_connected`](Self::handle_connected).
/// Outbound QoS 1/2 messages and inbound QoS 2 identifiers survive connections: see
/// [`handle_connected`](Self::handle_connected) for resumption.
///
/// Nothing larger than the server's Maximum Packet Size (5.0 CONNACK) is sent
/// [MQTT-3.2.2-15]. A command whose packet would not fit is refused with
/// [`UsageError::Encode`] before anything is queued ([`publish`](Self::publish),
/// [`subscribe`](Self::subscribe), [`unsubscribe`](Self::unsubscribe), [`auth`](Self::auth),
/// [`reauthenticate`](Self::reauthenticate)); [`disconnect`](Self::disconnect) then closes
/// without its DISCONNECT. A packet the protocol itself requires (PUBACK, PUBREC, PUBREL,
/// PUBCOMP, PINGREQ, the resend of an in-flight PUBLISH) that does not fit is never dropped
/// silently: the connection closes with [`CloseReason::PacketTooLarge`] (after a DISCONNECT
/// 0x95 when that fits), and the session state stays for the next connection.
#[derive(Debug)]
pub struct ClientSession {
    config: ClientConfig,
    phase: Phase,
    now: Instant,
    /// The next CONNECT asks to resume (a CONNACK accepted before, or restored state).
    resume_next: bool,
    /// Built by [`ClientSession::resume`] and not connected since: Clean Start = 0.
    restored: bool,
    clean_start_sent: bool,
    /// Bumped whenever inbound state is discarded, so older [`AckToken`]s go stale.
    epoch: u32,
    decoder: Decoder,
    limits: PeerLimits,
    connack: ConnAckProperties,
    keep_alive: KeepAlive,
    auth: AuthPhase,
    ids: PacketIdAllocator,
    outbound: Outbound,
    inbound: Inbound,
    aliases_in: InboundAliases,
    aliases_out: OutboundAliases,
    requests: BTreeMap<u16, Request>,
    /// Encoded packets for `poll_transmit` (the encoder with the server's limits inside).
    outbox: Outbox,
    events: VecDeque<ClientEvent>,
}

impl ClientSession {
    /// A session with no connection yet and no state.
    #[must_use]
    pub fn new(config: ClientConfig, now: Instant) -> Self {
        let version = config.version;
        let limits = config.decoder_limits();
        let keep_alive = KeepAlive::new(config.keep_alive_secs, config.response_timeout, now);
        Self {
            phase: Phase::Idle,
            now,
            resume_next: false,
            restored: false,
            clean_start_sent: config.clean_start,
            epoch: 0,
            decoder: Decoder::client(version, limits),
            limits: PeerLimits::default(),
            connack: ConnAckProperties::default(),
            keep_alive,
            auth: AuthPhase::Idle,
            ids: PacketIdAllocator::new(),
            outbound: Outbound::default(),
            inbound: Inbound::default(),
            aliases_in: InboundAliases::default(),
            aliases_out: OutboundAliases::default(),
            requests: BTreeMap::new(),
            outbox: Outbox::new(Encoder::client(version)),
            events: VecDeque::new(),
            config,
        }
    }

    /// A session continuing `saved` (from [`ClientSession::export_state`]): its first CONNECT
    /// asks to resume (Clean Start = 0). Message expiry restarts from `now` with the interval
    /// saved.
    ///
    /// Messages already sent keep their packet identifiers (the server knows them). A message
    /// never sent keeps its identifier when it is free and gets a fresh one otherwise, so a
    /// state built by hand may leave them out or repeat them. What cannot be resumed is reported,
    /// never dropped silently: a sent message whose identifier another sent message already
    /// holds is reported [`ClientEvent::Lost`]. A QoS 0 message (no identifier) is never in
    /// flight nor queued by a client, and is ignored.
    #[must_use]
    pub fn resume(config: ClientConfig, saved: SessionState, now: Instant) -> Self {
        let mut s = Self::new(config, now);
        s.restored = true;
        let entry = |m: OutboundMessage| OutEntry {
            expires_at: expiry::deadline(now, m.publish.properties.message_expiry_interval),
            publish: m.publish,
            stage: m.stage,
        };
        let (sent, queued): (Vec<_>, Vec<_>) = saved
            .outbound
            .into_iter()
            .filter(|m| m.publish.delivery.packet_id().is_some())
            .partition(|m| m.stage != OutboundStage::Queued);
        for m in sent {
            let Some(id) = m.publish.delivery.packet_id() else {
                continue;
            };
            if s.ids.claim(id) {
                s.outbound.push_in_flight(entry(m));
            } else {
                s.events.push_back(ClientEvent::Lost(id));
            }
        }
        let queued: Vec<_> = queued
            .into_iter()
            .map(|m| {
                let keeps_id = m
                    .publish
                    .delivery
                    .packet_id()
                    .is_some_and(|id| s.ids.claim(id));
                (entry(m), keeps_id)
            })
            .collect();
        for (mut e, keeps_id) in queued {
            if !keeps_id {
                // Never sent: the server does not know its identifier, so another one will do.
                // At most 65,535 entries hold identifiers, so one is free unless all are taken.
                let Ok(id) = s.ids.allocate() else {
                    if let Some(id) = e.id() {
                        s.events.push_back(ClientEvent::Lost(id));
                    }
                    continue;
                };
                e.publish.delivery = delivery(e.publish.qos(), id);
            }
            s.outbound.enqueue(e);
        }
        for id in saved.inbound_qos2 {
            s.inbound.restore_qos2(id);
        }
        s
    }

    /// The transport is up: queues CONNECT (and starts the CONNACK timeout).
    ///
    /// Clean Start is [`ClientConfig::clean_start`] on the first connection. After a CONNACK
    /// accepted one, it is 0 whenever the server may hold the session (5.0: Session Expiry
    /// Interval > 0; 3.x: Clean Session = 0), so in-flight messages resume; after
    /// [`ClientSession::resume`] the first CONNECT always has Clean Start = 0.
    ///
    /// # Errors
    /// [`UsageError::AlreadyConnected`] while a connection is open (connecting or connected);
    /// [`UsageError::Encode`] when the CONNECT cannot be encoded (5.0 properties under 3.x, a
    /// password without a user name in 3.1.1, ...). Nothing changes then.
    pub fn handle_connected(&mut self, now: Instant) -> Result<(), UsageError> {
        self.clamp(now);
        if matches!(self.phase, Phase::Connecting { .. } | Phase::Connected) {
            return Err(UsageError::AlreadyConnected);
        }
        let clean_start = if self.restored {
            false
        } else if self.resume_next {
            !self.config.session_outlives_connection()
        } else {
            self.config.clean_start
        };
        let connect = self.build_connect(clean_start);
        let encoder = Encoder::client(self.config.version);
        encoder.encoded_len(&connect)?;
        self.decoder = Decoder::client(self.config.version, self.config.decoder_limits());
        self.limits = PeerLimits::default();
        self.connack = ConnAckProperties::default();
        self.keep_alive = KeepAlive::new(
            self.config.keep_alive_secs,
            self.config.response_timeout,
            self.now,
        );
        self.aliases_in = InboundAliases::new(self.config.topic_alias_maximum());
        self.aliases_out = OutboundAliases::new(0);
        self.auth = if self.enhanced_auth() {
            AuthPhase::Waiting
        } else {
            AuthPhase::Idle
        };
        self.outbox.clear();
        self.outbox.set_encoder(encoder);
        self.outbox.push(&connect)?;
        self.clean_start_sent = clean_start;
        self.phase = Phase::Connecting { since: self.now };
        Ok(())
    }

    /// Bytes arrived: decodes and handles every complete packet in `rx`; a partial packet stays
    /// in `rx` for the next call.
    ///
    /// # Errors
    /// [`SessionError`] when the server broke the protocol (the session is closed, see the type
    /// docs), or [`SessionError::Closed`] when no connection is open.
    pub fn handle_bytes(&mut self, now: Instant, rx: &mut BytesMut) -> Result<(), SessionError> {
        self.clamp(now);
        self.check_open()?;
        while self.is_open() {
            match self.decoder.decode(rx) {
                Ok(Some(packet)) => self.input(packet)?,
                Ok(None) => break,
                Err(e) => return Err(self.fail(SessionError::Decode(e))),
            }
        }
        Ok(())
    }

    /// A decoded packet arrived (for callers that decode themselves).
    ///
    /// # Errors
    /// As [`ClientSession::handle_bytes`].
    pub fn handle_packet(&mut self, now: Instant, packet: Packet) -> Result<(), SessionError> {
        self.clamp(now);
        self.check_open()?;
        self.input(packet)
    }

    /// Time passed: sends PINGREQ when due, reports a dead connection (no CONNACK or PINGRESP
    /// within [`ClientConfig::response_timeout`]), drops expired queued messages. Idempotent,
    /// and harmless before [`ClientSession::poll_timeout`]'s deadline.
    ///
    /// A PINGREQ over the server's Maximum Packet Size (below 2 bytes) closes the connection
    /// with [`CloseReason::PacketTooLarge`] instead.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.clamp(now);
        match self.phase {
            Phase::Connecting { since } => {
                if self.now >= since + self.config.response_timeout {
                    self.close_dead(CloseReason::ConnectTimeout);
                }
            }
            Phase::Connected => match self.keep_alive.poll(self.now) {
                KeepAliveAction::Idle => {}
                KeepAliveAction::SendPing => {
                    if self.queue_required(&Packet::PingReq) {
                        self.keep_alive.on_ping_sent(self.now);
                    }
                }
                KeepAliveAction::Dead => self.close_dead(CloseReason::KeepAliveTimeout),
            },
            Phase::Idle | Phase::Closed => {}
        }
        for id in self.outbound.remove_expired(self.now) {
            self.ids.release(id);
            self.events.push_back(ClientEvent::Expired(id));
        }
    }

    /// The transport is gone. Unsent bytes are discarded; outbound QoS 1/2 messages and inbound
    /// QoS 2 identifiers are kept for the next connection. Emits [`ClientEvent::Closed`] unless
    /// the connection had already ended.
    pub fn handle_disconnected(&mut self, now: Instant) {
        self.clamp(now);
        if self.is_open() {
            self.events
                .push_back(ClientEvent::Closed(CloseReason::ConnectionLost));
            self.end_connection();
        }
        self.outbox.clear();
        self.phase = Phase::Idle;
    }

    /// Publishes a message. QoS 0 is sent at once (and needs a connection). QoS 1/2 get a
    /// packet identifier (returned) and are sent when the server's Receive Maximum leaves room,
    /// in publish order; without a connection they wait for the next one.
    ///
    /// # Errors
    /// [`UsageError::NotConnected`] (QoS 0 without a connection),
    /// [`UsageError::QoSNotSupported`], [`UsageError::RetainNotSupported`] (the server's
    /// CONNACK limits), [`UsageError::Encode`] (too large for the server's Maximum Packet Size,
    /// or 5.0 properties under 3.x), [`UsageError::PacketIdsExhausted`].
    pub fn publish(&mut self, now: Instant, msg: Message) -> Result<Option<PacketId>, UsageError> {
        self.clamp(now);
        self.limits.check_publish(msg.qos, msg.retain)?;
        let expires_at = expiry::deadline(self.now, msg.properties.message_expiry_interval);
        let mut publish = Publish::new(msg.topic, msg.payload);
        publish.retain = msg.retain;
        publish.properties = msg.properties;
        if msg.qos == QoS::AtMostOnce {
            if self.phase != Phase::Connected {
                return Err(UsageError::NotConnected);
            }
            self.outbox
                .push_publish(&mut publish, false, None, &mut self.aliases_out)?;
            return Ok(None);
        }
        // Check the size before anything changes (with the topic as a name: an alias only
        // makes it smaller, and is left out when it would not fit).
        publish.delivery = Delivery::AtLeastOnce(PacketId::MAX);
        self.outbox.encoder().encoded_len(&publish)?;
        let id = self.ids.allocate()?;
        publish.delivery = delivery(msg.qos, id);
        let entry = OutEntry {
            publish,
            stage: OutboundStage::Queued,
            expires_at,
        };
        let window = SendWindow::new(self.limits.receive_maximum);
        let sent = if self.phase == Phase::Connected && self.outbound.can_send_now(window) {
            let mut link = Link {
                outbox: &mut self.outbox,
                aliases: &mut self.aliases_out,
                now: self.now,
                window,
                close_on_large_resend: true,
            };
            self.outbound.send_now(entry, &mut link)
        } else {
            self.outbound.enqueue(entry);
            Ok(())
        };
        if let Err(e) = sent {
            debug_assert!(false, "invariant: the size was checked: {e}");
            self.ids.release(id);
            return Err(e.into());
        }
        Ok(Some(id))
    }

    /// Subscribes; the result arrives as [`ClientEvent::Subscribed`].
    ///
    /// # Errors
    /// As [`ClientSession::subscribe_with`].
    pub fn subscribe(
        &mut self,
        now: Instant,
        subscriptions: Vec<Subscription>,
    ) -> Result<PacketId, UsageError> {
        self.subscribe_with(now, subscriptions, SubscribeProperties::default())
    }

    /// Subscribes with 5.0 properties (a Subscription Identifier, user properties).
    ///
    /// # Errors
    /// [`UsageError::NotConnected`], [`UsageError::NoTopicFilters`], the server's availability
    /// flags ([`UsageError::WildcardSubscriptionsNotSupported`],
    /// [`UsageError::SharedSubscriptionsNotSupported`],
    /// [`UsageError::SubscriptionIdsNotSupported`]), [`UsageError::Encode`],
    /// [`UsageError::PacketIdsExhausted`].
    pub fn subscribe_with(
        &mut self,
        now: Instant,
        subscriptions: Vec<Subscription>,
        properties: SubscribeProperties,
    ) -> Result<PacketId, UsageError> {
        self.clamp(now);
        if self.phase != Phase::Connected {
            return Err(UsageError::NotConnected);
        }
        if subscriptions.is_empty() {
            return Err(UsageError::NoTopicFilters);
        }
        for s in &subscriptions {
            let filter = s.filter.filter();
            if !self.limits.wildcard_subscription_available
                && (filter.contains('+') || filter.contains('#'))
            {
                return Err(UsageError::WildcardSubscriptionsNotSupported);
            }
            if !self.limits.shared_subscription_available && s.filter.share_group().is_some() {
                return Err(UsageError::SharedSubscriptionsNotSupported);
            }
        }
        if !self.limits.subscription_identifiers_available
            && properties.subscription_identifier.is_some()
        {
            return Err(UsageError::SubscriptionIdsNotSupported);
        }
        let count = subscriptions.len();
        let mut subscribe = Subscribe::new(PacketId::MAX, subscriptions);
        subscribe.properties = properties;
        self.send_request(Packet::Subscribe(subscribe), Request::Subscribe(count))
    }

    /// Unsubscribes; the result arrives as [`ClientEvent::Unsubscribed`].
    ///
    /// # Errors
    /// [`UsageError::NotConnected`], [`UsageError::NoTopicFilters`], [`UsageError::Encode`],
    /// [`UsageError::PacketIdsExhausted`].
    pub fn unsubscribe(
        &mut self,
        now: Instant,
        filters: &[TopicFilter],
    ) -> Result<PacketId, UsageError> {
        self.clamp(now);
        if self.phase != Phase::Connected {
            return Err(UsageError::NotConnected);
        }
        if filters.is_empty() {
            return Err(UsageError::NoTopicFilters);
        }
        let unsubscribe = Unsubscribe::new(PacketId::MAX, filters.to_vec());
        self.send_request(
            Packet::Unsubscribe(unsubscribe),
            Request::Unsubscribe(filters.len()),
        )
    }

    /// Acknowledges an inbound message when automatic acknowledgments are off. Acknowledgments
    /// go out in the order the messages arrived [MQTT-4.6.0-2] [MQTT-4.6.0-3]: one acknowledged
    /// early waits for those before it. Without a connection nothing is sent; the server
    /// resends the message on resume and the acknowledgment goes out then. The same holds when
    /// an acknowledgment does not fit the server's Maximum Packet Size: the connection closes
    /// with [`CloseReason::PacketTooLarge`] (the token is used up all the same).
    ///
    /// # Errors
    /// [`UsageError::UnknownAckToken`] when the token was already used or its session state was
    /// discarded.
    pub fn ack(&mut self, now: Instant, token: AckToken) -> Result<(), UsageError> {
        self.clamp(now);
        if token.epoch != self.epoch || !self.inbound.is_ack_pending(token.id, token.qos) {
            return Err(UsageError::UnknownAckToken);
        }
        for (id, qos) in self.inbound.ack(token.id, token.qos) {
            if self.phase == Phase::Connected {
                match qos {
                    QoS::ExactlyOnce => self.queue_required(&PubRec::new(id)),
                    QoS::AtLeastOnce | QoS::AtMostOnce => self.queue_required(&PubAck::new(id)),
                };
            }
        }
        Ok(())
    }

    /// Answers an [`ClientEvent::AuthChallenge`] with AUTH 0x18 (Continue authentication),
    /// carrying the configured Authentication Method and `data`.
    ///
    /// # Errors
    /// [`UsageError::AuthNotExpected`] when no challenge is waiting for an answer;
    /// [`UsageError::Encode`] when the AUTH exceeds the server's Maximum Packet Size (nothing
    /// is queued: answer with less data, or disconnect).
    pub fn auth(&mut self, now: Instant, data: Option<BinaryData>) -> Result<(), UsageError> {
        self.clamp(now);
        if self.auth != AuthPhase::Challenged || !self.is_open() {
            return Err(UsageError::AuthNotExpected);
        }
        self.send_auth(ReasonCode::CONTINUE_AUTHENTICATION, data)
    }

    /// Starts a re-authentication (AUTH 0x19) on an open 5.0 connection that used enhanced
    /// authentication [MQTT-4.12.1-1].
    ///
    /// # Errors
    /// [`UsageError::AuthNotExpected`] without enhanced authentication or while an exchange is
    /// in progress; [`UsageError::NotConnected`]; [`UsageError::Encode`] when the AUTH exceeds
    /// the server's Maximum Packet Size.
    pub fn reauthenticate(
        &mut self,
        now: Instant,
        data: Option<BinaryData>,
    ) -> Result<(), UsageError> {
        self.clamp(now);
        if self.phase != Phase::Connected {
            return Err(UsageError::NotConnected);
        }
        if !self.enhanced_auth() || self.auth != AuthPhase::Idle {
            return Err(UsageError::AuthNotExpected);
        }
        self.send_auth(ReasonCode::RE_AUTHENTICATE, data)
    }

    /// Closes the connection: queues DISCONNECT (with `reason` in 5.0; use
    /// [`ReasonCode::DISCONNECT_WITH_WILL_MESSAGE`] to have the Will published) and emits
    /// [`ClientEvent::Closed`]. Drain [`ClientSession::poll_transmit`], then close the transport.
    ///
    /// A DISCONNECT over the server's Maximum Packet Size is not sent [MQTT-3.2.2-15]: the
    /// connection closes without it (the server then sees an abnormal close and may publish
    /// the Will).
    ///
    /// # Errors
    /// [`UsageError::NotConnected`] when no connection is open; [`UsageError::Encode`] when the
    /// reason code is not valid for DISCONNECT.
    pub fn disconnect(&mut self, now: Instant, reason: ReasonCode) -> Result<(), UsageError> {
        self.clamp(now);
        if !self.is_open() {
            return Err(UsageError::NotConnected);
        }
        match self.outbox.push(&self.disconnect_packet(reason)) {
            Ok(()) | Err(EncodeError::PacketTooLarge { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        self.phase = Phase::Closed;
        self.events
            .push_back(ClientEvent::Closed(CloseReason::Local));
        self.end_connection();
        Ok(())
    }

    /// Appends every queued packet to `tx`; returns the number of bytes appended (0: nothing to
    /// send).
    ///
    /// Packets are encoded, and checked against the server's Maximum Packet Size, when they
    /// are queued; this hands them over. When `tx` is empty its allocation may be exchanged
    /// with the session's own buffer instead of copying into it (the session keeps `tx`'s
    /// capacity for its next packets).
    #[must_use]
    pub fn poll_transmit(&mut self, now: Instant, tx: &mut BytesMut) -> usize {
        self.clamp(now);
        let written = self.outbox.transmit(tx);
        if written > 0 {
            self.keep_alive.on_sent(self.now);
        }
        written
    }

    /// The next queued packet, for callers that encode themselves (use this or
    /// [`ClientSession::poll_transmit`], not both).
    #[must_use]
    pub fn poll_packet(&mut self, now: Instant) -> Option<Packet> {
        self.clamp(now);
        let packet = self.outbox.pop_packet()?;
        self.keep_alive.on_sent(self.now);
        Some(packet)
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    /// The session's state for [`ClientSession::resume`]: outbound QoS 1/2 messages (in-flight
    /// in send order, then queued) with the expiry time left, and inbound QoS 2 identifiers.
    #[must_use]
    pub fn export_state(&self) -> SessionState {
        let now = self.now;
        let export = |e: &OutEntry| {
            let mut publish = e.publish.clone();
            if let Some(at) = e.expires_at {
                publish.properties.message_expiry_interval = Some(expiry::remaining_secs(at, now));
            }
            OutboundMessage::new(publish, e.stage)
        };
        SessionState {
            outbound: self
                .outbound
                .in_flight()
                .chain(self.outbound.queued())
                .map(export)
                .collect(),
            inbound_qos2: self.inbound.qos2_ids().collect(),
            ..SessionState::default()
        }
    }

    /// The earliest deadline at which [`ClientSession::handle_timeout`] has work, if any.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let connection = match self.phase {
            Phase::Connecting { since } => Some(since + self.config.response_timeout),
            Phase::Connected => self.keep_alive.deadline(),
            Phase::Idle | Phase::Closed => None,
        };
        match (connection, self.outbound.next_expiry()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether CONNACK accepted the current connection.
    #[must_use]
    pub fn is_connected(&self) -> bool {
        self.phase == Phase::Connected
    }

    /// The server's limits from the last CONNACK (spec defaults before one, and under 3.x).
    #[must_use]
    pub const fn server_limits(&self) -> &PeerLimits {
        &self.limits
    }

    /// The properties of the last accepted CONNACK (5.0: reason string, response
    /// information, authentication data, ...).
    #[must_use]
    pub const fn connack_properties(&self) -> &ConnAckProperties {
        &self.connack
    }

    /// The configuration (the client identifier is the server-assigned one once received).
    #[must_use]
    pub const fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The effective keep-alive in seconds (the server's override in 5.0, else ours).
    #[must_use]
    pub fn keep_alive_secs(&self) -> u16 {
        self.connack
            .server_keep_alive
            .unwrap_or(self.config.keep_alive_secs)
    }

    /// Outbound QoS 1/2 messages sent and unacknowledged.
    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.outbound.in_flight_len()
    }

    /// Outbound QoS 1/2 messages waiting to be sent.
    #[must_use]
    pub fn queued(&self) -> usize {
        self.outbound.queued_len()
    }

    /// Whether `id` is in use by an outbound exchange (PUBLISH, SUBSCRIBE, UNSUBSCRIBE).
    #[must_use]
    pub fn is_packet_id_in_use(&self, id: PacketId) -> bool {
        self.ids.is_in_use(id)
    }

    // ----- private -----

    fn clamp(&mut self, now: Instant) {
        self.now = self.now.max(now);
    }

    fn is_open(&self) -> bool {
        matches!(self.phase, Phase::Connecting { .. } | Phase::Connected)
    }

    fn check_open(&self) -> Result<(), SessionError> {
        if self.is_open() {
            Ok(())
        } else {
            Err(SessionError::Closed)
        }
    }

    fn enhanced_auth(&self) -> bool {
        self.config.version.is_v5() && self.config.properties.authentication_method.is_some()
    }

    fn build_connect(&self, clean_start: bool) -> Connect {
        let c = &self.config;
        let mut connect = Connect::new(c.version, c.client_id.clone());
        connect.clean_start = clean_start;
        connect.keep_alive_secs = c.keep_alive_secs;
        connect.username.clone_from(&c.username);
        connect.password.clone_from(&c.password);
        connect.will = c.will.as_ref().map(|m| {
            let mut will = Will::new(m.topic.clone(), m.payload.clone());
            will.qos = m.qos;
            will.retain = m.retain;
            if c.version.is_v5() {
                let p = &m.properties;
                let mut wp = WillProperties::default();
                wp.will_delay_interval = c.will_delay_secs;
                wp.payload_format_indicator = p.payload_format_indicator;
                wp.message_expiry_interval = p.message_expiry_interval;
                wp.content_type.clone_from(&p.content_type);
                wp.response_topic.clone_from(&p.response_topic);
                wp.correlation_data.clone_from(&p.correlation_data);
                wp.user_properties = p.user_properties.clone();
                will.properties = wp;
            }
            will
        });
        connect.properties = c.properties.clone();
        connect
    }

    fn disconnect_packet(&self, reason: ReasonCode) -> Disconnect {
        if self.config.version.is_v5() {
            Disconnect::with_reason(reason)
        } else {
            Disconnect::new()
        }
    }

    /// Handles one packet from the server; a violation closes the session.
    fn input(&mut self, packet: Packet) -> Result<(), SessionError> {
        match self.dispatch(packet) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.fail(e)),
        }
    }

    fn dispatch(&mut self, packet: Packet) -> Result<(), SessionError> {
        let unexpected = SessionError::UnexpectedPacket {
            packet: packet.packet_type(),
        };
        if matches!(self.phase, Phase::Connecting { .. }) {
            return match packet {
                Packet::ConnAck(c) => self.on_connack(c),
                Packet::Auth(a) => self.on_auth(a),
                _ => Err(unexpected),
            };
        }
        match packet {
            Packet::Publish(p) => self.on_publish(p),
            Packet::PubAck(a) => self.on_puback(&a),
            Packet::PubRec(r) => self.on_pubrec(&r),
            Packet::PubRel(r) => self.on_pubrel(&r),
            Packet::PubComp(c) => self.on_pubcomp(&c),
            Packet::SubAck(s) => self.on_suback(s),
            Packet::UnsubAck(u) => self.on_unsuback(u),
            Packet::PingResp => {
                self.keep_alive.on_ping_response();
                Ok(())
            }
            Packet::Disconnect(d) => {
                self.phase = Phase::Closed;
                self.outbox.clear();
                self.events
                    .push_back(ClientEvent::Closed(CloseReason::ServerDisconnect(
                        d.reason_code,
                    )));
                self.end_connection();
                Ok(())
            }
            Packet::Auth(a) => self.on_auth(a),
            _ => Err(unexpected),
        }
    }

    fn on_connack(&mut self, c: ConnAck) -> Result<(), SessionError> {
        if c.reason_code != ReasonCode::SUCCESS {
            self.phase = Phase::Closed;
            self.outbox.clear();
            self.events.push_back(ClientEvent::Refused(c.reason_code));
            self.events
                .push_back(ClientEvent::Closed(CloseReason::Refused(c.reason_code)));
            self.end_connection();
            return Ok(());
        }
        if c.session_present && self.clean_start_sent {
            return Err(SessionError::SessionPresentAfterCleanStart);
        }
        self.auth = AuthPhase::Idle;
        if self.config.version.is_v5() {
            self.limits = PeerLimits::from_connack(&c.properties);
            if let Some(max) = self.limits.maximum_packet_size {
                let mut encoder = *self.outbox.encoder();
                encoder.set_peer_max_packet_size(max);
                self.outbox.set_encoder(encoder);
            }
            self.aliases_out = OutboundAliases::new(self.limits.topic_alias_maximum);
            if let Some(id) = &c.properties.assigned_client_identifier {
                self.config.client_id = id.clone();
            }
            if let Some(secs) = c.properties.server_keep_alive {
                self.keep_alive = KeepAlive::new(secs, self.config.response_timeout, self.now);
            }
            self.connack = c.properties;
        }
        self.phase = Phase::Connected;
        self.resume_next = true;
        self.restored = false;
        self.events.push_back(ClientEvent::Connected {
            session_present: c.session_present,
        });
        if c.session_present {
            self.resend_in_flight();
        } else {
            // The server did not keep the session: every message sent on an earlier connection
            // and not completed is lost, whether it is in the window or was requeued behind it.
            let mut lost = self.outbound.take_in_flight();
            lost.extend(self.outbound.take_previously_sent());
            for entry in lost {
                if let Some(id) = entry.id() {
                    self.ids.release(id);
                    self.events.push_back(ClientEvent::Lost(id));
                }
            }
            if self.inbound.unacked() > 0 {
                self.epoch = self.epoch.wrapping_add(1);
            }
            self.inbound.clear();
        }
        self.fill_window();
        Ok(())
    }

    /// Resumes in-flight exchanges in their original order ([`Outbound::resend`]) under the
    /// new connection's limits:
    /// - Receive Maximum [MQTT-3.3.4-9]: PUBLISHes beyond it wait at the front of the queue
    ///   (keeping their identifiers and order) and are resent, with DUP = 1, as
    ///   acknowledgments free the window; PUBRELs always go out (and count in the window);
    /// - Maximum QoS and Retain Available [MQTT-3.2.2-11] [MQTT-3.2.2-14]: a PUBLISH the new
    ///   connection no longer allows (the server does not hold it yet, or may not accept it
    ///   again) is given up with [`ClientEvent::Lost`] (the exchange was started, so not
    ///   `Dropped`, which is for never-sent messages) and its identifier freed; a QoS 2
    ///   message past PUBREC only needs its PUBREL, which is always resent;
    /// - a PUBREL or resent PUBLISH too large for the new Maximum Packet Size
    ///   [MQTT-3.2.2-15] cannot be sent, but must be [MQTT-4.4.0-1]: the connection closes
    ///   with [`CloseReason::PacketTooLarge`] and every message keeps its place and stage for
    ///   the next connection (nothing is given up).
    ///
    /// The same holds for a deferred resend when the window later frees (`fill_window`).
    fn resend_in_flight(&mut self) {
        self.send_outbound(Pass::Resend);
    }

    /// Moves queued messages into flight while the server's Receive Maximum leaves room
    /// ([`Outbound::fill`]).
    fn fill_window(&mut self) {
        if self.phase == Phase::Connected {
            self.send_outbound(Pass::Fill);
        }
    }

    /// Runs `pass` under the server's limits; a required packet that does not fit closes the
    /// connection.
    fn send_outbound(&mut self, pass: Pass) {
        let limits = self.limits;
        let mut link = Link {
            outbox: &mut self.outbox,
            aliases: &mut self.aliases_out,
            now: self.now,
            window: SendWindow::new(limits.receive_maximum),
            close_on_large_resend: true,
        };
        let (ids, events) = (&mut self.ids, &mut self.events);
        let result = self.outbound.send(
            pass,
            &mut link,
            |p| limits.check_publish(p.qos(), p.retain),
            |gone| report_gone(ids, events, gone),
        );
        if let Err(t) = result {
            self.close_too_large(t.packet, t.size, t.max);
        }
    }

    fn send_request(
        &mut self,
        mut packet: Packet,
        request: Request,
    ) -> Result<PacketId, UsageError> {
        // The size does not depend on the identifier: check it before taking one.
        self.outbox.encoder().encoded_len(&packet)?;
        let id = self.ids.allocate()?;
        match &mut packet {
            Packet::Subscribe(s) => s.packet_id = id,
            Packet::Unsubscribe(u) => u.packet_id = id,
            _ => {}
        }
        if let Err(e) = self.outbox.push(&packet) {
            self.ids.release(id);
            return Err(e.into());
        }
        self.requests.insert(id.get(), request);
        Ok(id)
    }

    fn send_auth(
        &mut self,
        reason: ReasonCode,
        data: Option<BinaryData>,
    ) -> Result<(), UsageError> {
        let mut props = AuthProperties::default();
        props
            .authentication_method
            .clone_from(&self.config.properties.authentication_method);
        props.authentication_data = data;
        let mut auth = Auth::new(reason);
        auth.properties = props;
        self.outbox.push(&auth)?;
        self.auth = AuthPhase::Waiting;
        Ok(())
    }

    fn on_publish(&mut self, mut p: Publish) -> Result<(), SessionError> {
        self.aliases_in.resolve(&mut p.topic)?;
        let auto = self.config.auto_ack;
        let maximum = self.config.receive_maximum();
        let qos = p.qos();
        if let Some(id) = p.delivery.packet_id() {
            let counted = qos == QoS::ExactlyOnce || !auto;
            if counted
                && !self.inbound.is_known(id, qos)
                && self.inbound.unacked() >= usize::from(maximum)
            {
                return Err(SessionError::ReceiveMaximumExceeded { maximum });
            }
        }
        let epoch = self.epoch;
        let token = move |id| AckToken { id, qos, epoch };
        match p.delivery {
            Delivery::AtMostOnce => self.deliver(p, None),
            Delivery::AtLeastOnce(id) => {
                if self.inbound.on_qos1(id, auto) {
                    let ack = (!auto).then(|| token(id));
                    self.deliver(p, ack);
                }
                if auto {
                    self.queue_required(&PubAck::new(id));
                }
            }
            Delivery::ExactlyOnce(id) => match self.inbound.on_qos2(id, auto) {
                Qos2Verdict::Deliver => {
                    let ack = (!auto).then(|| token(id));
                    self.deliver(p, ack);
                    if auto {
                        self.queue_required(&PubRec::new(id));
                    }
                }
                Qos2Verdict::ResendPubRec => {
                    self.queue_required(&PubRec::new(id));
                }
                Qos2Verdict::Ignore => {}
            },
        }
        Ok(())
    }

    fn deliver(&mut self, publish: Publish, ack: Option<AckToken>) {
        self.events
            .push_back(ClientEvent::Received(InboundMessage { publish, ack }));
    }

    fn on_puback(&mut self, a: &PubAck) -> Result<(), SessionError> {
        let id = a.packet_id;
        self.outbound.promote_deferred(id);
        let Some(entry) = self.outbound.in_flight_mut(id) else {
            return Ok(()); // a late duplicate: nothing is waiting for it
        };
        if entry.publish.qos() != QoS::AtLeastOnce {
            return Err(wrong(PacketType::PubAck, id));
        }
        self.finish(id, a.reason_code);
        Ok(())
    }

    fn on_pubrec(&mut self, r: &PubRec) -> Result<(), SessionError> {
        let id = r.packet_id;
        self.outbound.promote_deferred(id);
        let Some(entry) = self.outbound.in_flight_mut(id) else {
            // Not ours (any more): release the server's state (0x92 in 5.0).
            let rel = if self.config.version.is_v5() {
                PubRel::with_reason(id, ReasonCode::PACKET_IDENTIFIER_NOT_FOUND)
            } else {
                PubRel::new(id)
            };
            self.queue_required(&rel);
            return Ok(());
        };
        if entry.publish.qos() != QoS::ExactlyOnce {
            return Err(wrong(PacketType::PubRec, id));
        }
        if r.reason_code.is_error() {
            self.finish(id, r.reason_code);
            return Ok(());
        }
        entry.stage = OutboundStage::Released;
        self.queue_required(&PubRel::new(id));
        Ok(())
    }

    fn on_pubcomp(&mut self, c: &PubComp) -> Result<(), SessionError> {
        let id = c.packet_id;
        self.outbound.promote_deferred(id);
        let Some(entry) = self.outbound.in_flight_mut(id) else {
            return Ok(());
        };
        if entry.stage != OutboundStage::Released {
            return Err(wrong(PacketType::PubComp, id));
        }
        self.finish(id, c.reason_code);
        Ok(())
    }

    /// An outbound exchange completed with `code`.
    fn finish(&mut self, id: PacketId, code: ReasonCode) {
        self.outbound.complete(id);
        self.ids.release(id);
        self.events.push_back(if code.is_error() {
            ClientEvent::Rejected {
                id,
                reason_code: code,
            }
        } else {
            ClientEvent::Delivered(id)
        });
        self.fill_window();
    }

    fn on_pubrel(&mut self, r: &PubRel) -> Result<(), SessionError> {
        let id = r.packet_id;
        let comp = match self.inbound.on_pubrel(id) {
            PubRelVerdict::Released => PubComp::new(id),
            PubRelVerdict::NotFound if self.config.version.is_v5() => {
                PubComp::with_reason(id, ReasonCode::PACKET_IDENTIFIER_NOT_FOUND)
            }
            PubRelVerdict::NotFound => PubComp::new(id),
            PubRelVerdict::BeforePubRec => return Err(wrong(PacketType::PubRel, id)),
        };
        self.queue_required(&comp);
        Ok(())
    }

    fn on_suback(&mut self, s: SubAck) -> Result<(), SessionError> {
        let id = s.packet_id;
        match self.requests.get(&id.get()) {
            None => Ok(()),
            Some(Request::Unsubscribe(_)) => Err(wrong(PacketType::SubAck, id)),
            Some(&Request::Subscribe(expected)) => {
                if s.reason_codes.len() != expected {
                    return Err(SessionError::WrongReasonCodeCount {
                        expected,
                        got: s.reason_codes.len(),
                    });
                }
                self.requests.remove(&id.get());
                self.ids.release(id);
                self.events.push_back(ClientEvent::Subscribed {
                    id,
                    results: s.reason_codes,
                });
                Ok(())
            }
        }
    }

    fn on_unsuback(&mut self, u: UnsubAck) -> Result<(), SessionError> {
        let id = u.packet_id;
        match self.requests.get(&id.get()) {
            None => Ok(()),
            Some(Request::Subscribe(_)) => Err(wrong(PacketType::UnsubAck, id)),
            Some(&Request::Unsubscribe(expected)) => {
                if self.config.version.is_v5() && u.reason_codes.len() != expected {
                    return Err(SessionError::WrongReasonCodeCount {
                        expected,
                        got: u.reason_codes.len(),
                    });
                }
                self.requests.remove(&id.get());
                self.ids.release(id);
                self.events.push_back(ClientEvent::Unsubscribed {
                    id,
                    results: u.reason_codes,
                });
                Ok(())
            }
        }
    }

    fn on_auth(&mut self, a: Auth) -> Result<(), SessionError> {
        let unexpected = SessionError::UnexpectedPacket {
            packet: PacketType::Auth,
        };
        // [MQTT-4.12.0-5]: the method must be the one of the exchange.
        if !self.enhanced_auth()
            || self.auth != AuthPhase::Waiting
            || a.properties.authentication_method != self.config.properties.authentication_method
        {
            return Err(unexpected);
        }
        match a.reason_code {
            ReasonCode::CONTINUE_AUTHENTICATION => {
                self.auth = AuthPhase::Challenged;
                self.events
                    .push_back(ClientEvent::AuthChallenge(a.properties));
                Ok(())
            }
            ReasonCode::SUCCESS if self.phase == Phase::Connected => {
                self.auth = AuthPhase::Idle;
                self.events.push_back(ClientEvent::Reauthenticated);
                Ok(())
            }
            _ => Err(unexpected),
        }
    }

    /// The server broke the protocol: DISCONNECT with the reason code (5.0), then `Closed`.
    fn fail(&mut self, e: SessionError) -> SessionError {
        self.outbox.clear();
        self.queue_closing_disconnect(e.reason_code());
        self.phase = Phase::Closed;
        self.events
            .push_back(ClientEvent::Closed(CloseReason::ProtocolError(e)));
        self.end_connection();
        e
    }

    /// Queues a packet the protocol requires (an acknowledgment, PUBREL, PINGREQ). One over
    /// the server's Maximum Packet Size closes the connection instead (`close_too_large`): the
    /// client has nothing optional to drop from these packets, and must not send them
    /// [MQTT-3.2.2-15]. Returns whether the packet was queued.
    fn queue_required<P: Encodable>(&mut self, packet: &P) -> bool {
        match self.outbox.push(packet) {
            Ok(()) => true,
            Err(EncodeError::PacketTooLarge { size, max }) => {
                self.close_too_large(packet.packet_type(), size, max);
                false
            }
            Err(e) => {
                debug_assert!(
                    false,
                    "invariant: the session queues only packets valid in its version: {e}"
                );
                false
            }
        }
    }

    /// A packet the protocol requires cannot be sent within the server's Maximum Packet Size:
    /// DISCONNECT 0x95 when that fits (5.0), then `Closed`. Unlike `fail`, nothing is wrong
    /// with the server (a tiny nonzero maximum is legal); the session state stays.
    fn close_too_large(&mut self, packet: PacketType, size: u64, max: u32) {
        self.outbox.clear();
        if !self.is_open() {
            return;
        }
        self.queue_closing_disconnect(ReasonCode::PACKET_TOO_LARGE);
        self.phase = Phase::Closed;
        self.events
            .push_back(ClientEvent::Closed(CloseReason::PacketTooLarge {
                packet,
                size,
                max,
            }));
        self.end_connection();
    }

    /// Queues the DISCONNECT that closes a 5.0 connection with `reason`, unless it exceeds the
    /// server's Maximum Packet Size: then the connection closes without it. Nothing in 3.x,
    /// where the client just closes the transport.
    fn queue_closing_disconnect(&mut self, reason: ReasonCode) {
        if self.config.version.is_v5() {
            // Too large for the server: the connection closes without it.
            let _ = self.outbox.push(&Disconnect::with_reason(reason));
        }
    }

    /// The connection is dead (timeout): nothing more is sent.
    fn close_dead(&mut self, reason: CloseReason) {
        self.outbox.clear();
        self.phase = Phase::Closed;
        self.events.push_back(ClientEvent::Closed(reason));
        self.end_connection();
    }

    /// Cleanup when a connection ends: SUBSCRIBE/UNSUBSCRIBE without acknowledgment are lost
    /// (they are never resent silently); publish state stays for resumption.
    fn end_connection(&mut self) {
        for (id, _) in core::mem::take(&mut self.requests) {
            if let Some(id) = PacketId::new(id) {
                self.ids.release(id);
                self.events.push_back(ClientEvent::Lost(id));
            }
        }
        self.auth = AuthPhase::Idle;
    }
}

/// Frees the identifier of a message that left without going out, and reports it: `Expired`,
/// `Lost` when its exchange had started on an earlier connection, `Dropped` otherwise.
fn report_gone(ids: &mut PacketIdAllocator, events: &mut VecDeque<ClientEvent>, gone: Gone) {
    let event = match gone {
        Gone::Expired(id) => {
            ids.release(id);
            ClientEvent::Expired(id)
        }
        Gone::Refused { id, was_sent, .. } if was_sent => {
            ids.release(id);
            ClientEvent::Lost(id)
        }
        Gone::Refused { id, reason, .. } => {
            ids.release(id);
            ClientEvent::Dropped { id, reason }
        }
    };
    events.push_back(event);
}

fn wrong(packet: PacketType, id: PacketId) -> SessionError {
    SessionError::WrongAck {
        packet,
        id: id.get(),
    }
}
