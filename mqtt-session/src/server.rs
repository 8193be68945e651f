//! The server session state machine: [`ServerSession`], one per network connection.

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;
use core::num::NonZeroU16;
use core::time::Duration;

use mqtt_codec::bytes::BytesMut;
use mqtt_codec::{
    AckProperties, Auth, AuthProperties, BinaryData, ConnAck, ConnAckProperties, Connect,
    DecodeError, Decoder, Delivery, Disconnect, Encodable, EncodeError, Encoder, MqttString,
    Packet, PacketId, PacketType, ProtocolVersion, PubAck, PubComp, PubRec, PubRel, Publish, QoS,
    ReasonCode, SubAck, Subscribe, UnsubAck, Unsubscribe, UserProperties, Will,
};

use crate::error::{SessionError, UsageError};
use crate::expiry;
use crate::flow_control::SendWindow;
use crate::inbound_qos2::{Inbound, PubRelVerdict, Qos2Verdict};
use crate::inflight::{Gone, Link, OutEntry, Outbound, Pass, delivery};
use crate::outbox::Outbox;
use crate::packet_ids::PacketIdAllocator;
use crate::server_config::{Outgoing, ServerConfig};
use crate::server_event::{ServerCloseReason, ServerEvent};
use crate::state::{OutboundMessage, OutboundStage, SessionState, StoredSubscription};
use crate::time::Instant;
use crate::topic_alias::{InboundAliases, OutboundAliases};
use crate::will::PendingWill;

/// Where the connection and the session stand.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum Phase {
    /// Transport up, no CONNECT yet.
    AwaitingConnect,
    /// CONNECT reported; waiting for `accept` / `refuse` (AUTH may be exchanged).
    Deciding,
    /// CONNACK sent.
    Connected,
    /// The connection is over; the session lives on (Will delay, Session Expiry).
    Closed,
    /// No session any more (refused, expired, taken over).
    Ended,
}

/// A SUBSCRIBE or UNSUBSCRIBE waiting for the caller's grant.
#[derive(Clone, Debug)]
enum Request {
    Subscribe(Subscribe),
    Unsubscribe(Unsubscribe),
}

/// A QoS 1/2 message [`ServerSession::deliver`]ed while the CONNECT decision is pending: it has
/// no packet identifier yet (the resumed session's own come first), and gets one in
/// [`ServerSession::accept`], behind the resumed session's messages.
#[derive(Clone, Debug)]
struct Held {
    qos: QoS,
    /// `publish.delivery` is still [`Delivery::AtMostOnce`].
    entry: OutEntry,
}

/// What the client asked for in CONNECT that shapes what the server sends.
#[derive(Clone, Copy, Debug)]
struct ClientWants {
    receive_maximum: NonZeroU16,
    topic_alias_maximum: u16,
    request_problem_information: bool,
    request_response_information: bool,
    clean_start: bool,
    session_expiry_secs: u32,
}

impl Default for ClientWants {
    fn default() -> Self {
        Self {
            receive_maximum: NonZeroU16::MAX,
            topic_alias_maximum: 0,
            request_problem_information: true,
            request_response_information: false,
            clean_start: true,
            session_expiry_secs: 0,
        }
    }
}

/// A sans-IO MQTT server session (MQTT 3.1, 3.1.1 and 5.0): one per network connection, driven
/// by the broker that embeds it. Routing between sessions stays the broker's job.
///
/// - **inputs**: [`handle_bytes`](Self::handle_bytes) (or [`handle_packet`](Self::handle_packet))
///   with what the client sent, [`handle_timeout`](Self::handle_timeout) when
///   [`poll_timeout`](Self::poll_timeout)'s deadline passes,
///   [`handle_disconnected`](Self::handle_disconnected) when the transport is gone;
/// - **constructors**: [`new`](Self::new) for a connection whose transport came up,
///   [`offline`](Self::offline) for a stored session without a connection;
/// - **commands**: [`accept`](Self::accept) / [`refuse`](Self::refuse) a CONNECT,
///   [`deliver`](Self::deliver) a routed message, [`grant`](Self::grant) a SUBSCRIBE or
///   UNSUBSCRIBE, [`auth_continue`](Self::auth_continue) / [`auth_success`](Self::auth_success),
///   [`disconnect`](Self::disconnect), [`take_over`](Self::take_over); caller misuse is a
///   [`UsageError`] that changes nothing;
/// - **outputs**: [`poll_transmit`](Self::poll_transmit) or [`poll_packet`](Self::poll_packet),
///   [`poll_event`](Self::poll_event), [`poll_timeout`](Self::poll_timeout).
///
/// **Contract**: after *any* input or command, drain `poll_transmit` and `poll_event` until
/// they return 0 / `None`, then wait for `poll_timeout` or input. `handle_timeout(now)` is
/// idempotent and harmless when early; every `now` is clamped to the latest value seen.
///
/// The first packet must be CONNECT; it is reported as [`ServerEvent::ConnectRequested`] and
/// nothing else is read until the caller decides (packets after it stay in the caller's
/// buffer: call [`handle_bytes`](Self::handle_bytes) again after [`accept`](Self::accept)).
/// A client that breaks the protocol closes the connection: under 5.0 a DISCONNECT (a CONNACK
/// before acceptance) with the [`SessionError::reason_code`] goes out first, then
/// [`ServerEvent::Closed`] is emitted and further input is refused.
///
/// After the connection ends the session lives on until its Session Expiry Interval passes
/// (3.x: forever with Clean Session = 0, not at all with 1): `poll_timeout` reports the Will
/// delay and the expiry, and [`export_state`](Self::export_state) gives what a new connection
/// resumes with.
#[derive(Debug)]
pub struct ServerSession {
    config: ServerConfig,
    phase: Phase,
    now: Instant,
    created: Instant,
    /// When the CONNECT was reported (the decision timeout counts from it).
    connect_at: Instant,
    version: ProtocolVersion,
    decoder: Decoder,
    wants: ClientWants,
    /// Effective keep-alive (the Server Keep Alive override, else the client's).
    keep_alive_secs: u16,
    last_received: Instant,
    /// Seconds the session outlives the connection (`None`: forever).
    session_expiry: Option<u32>,
    closed_at: Instant,
    auth_method: Option<MqttString>,
    will: Option<Box<Will>>,
    pending_will: Option<Box<PendingWill>>,
    /// Packets that arrived while the CONNECT decision was pending (`handle_bytes` stops
    /// after the first; `handle_packet` callers may pass more).
    deferred: VecDeque<Packet>,
    /// Messages delivered while the CONNECT decision is pending, in delivery order.
    held: VecDeque<Held>,
    ids: PacketIdAllocator,
    outbound: Outbound,
    inbound: Inbound,
    aliases_in: InboundAliases,
    aliases_out: OutboundAliases,
    requests: BTreeMap<u16, Request>,
    subscriptions: Vec<StoredSubscription>,
    /// Encoded packets for `poll_transmit` (the encoder with the client's limits inside).
    outbox: Outbox,
    events: VecDeque<ServerEvent>,
}

impl ServerSession {
    /// A session for a connection whose transport came up at `now`: it waits for CONNECT.
    #[must_use]
    pub fn new(config: ServerConfig, now: Instant) -> Self {
        Self {
            phase: Phase::AwaitingConnect,
            now,
            created: now,
            connect_at: now,
            version: ProtocolVersion::V5,
            decoder: Decoder::awaiting_connect(config.decoder_limits()),
            wants: ClientWants::default(),
            keep_alive_secs: 0,
            last_received: now,
            session_expiry: Some(0),
            closed_at: now,
            auth_method: None,
            will: None,
            pending_will: None,
            deferred: VecDeque::new(),
            held: VecDeque::new(),
            ids: PacketIdAllocator::new(),
            outbound: Outbound::default(),
            inbound: Inbound::default(),
            aliases_in: InboundAliases::default(),
            aliases_out: OutboundAliases::default(),
            requests: BTreeMap::new(),
            subscriptions: Vec::new(),
            outbox: Outbox::new(Encoder::server(ProtocolVersion::V5)),
            events: VecDeque::new(),
            config,
        }
    }

    /// A session without a connection, restored from `state` (from
    /// [`export_state`](Self::export_state) or [`SessionState::decode`]) for a client that
    /// spoke `version`: a broker that restarted, or took the session over from another node,
    /// keeps the session's timers and queue running until the client comes back.
    ///
    /// It behaves as any session whose connection closed, counted from `now`: the Will of the
    /// state is released ([`ServerEvent::WillReleased`]) when its Will Delay Interval (the time
    /// left at export) passes or the session ends, whichever is first [MQTT-3.1.2-8]; the
    /// session ends ([`ServerEvent::SessionExpired`]) when the state's Session Expiry Interval
    /// passes (never when it is `None`); queued messages expire on their own intervals. Both
    /// are reported through [`poll_timeout`](Self::poll_timeout) and
    /// [`handle_timeout`](Self::handle_timeout); what is due already is reported at once.
    /// [`deliver`](Self::deliver) queues QoS 1/2 messages for the client. When it reconnects,
    /// [`take_over`](Self::take_over)`(now, true)` gives the state (the Will cancelled
    /// [MQTT-3.1.3-9]) for the new connection's [`accept`](Self::accept).
    ///
    /// The state's messages keep their packet identifiers as in [`accept`](Self::accept);
    /// one that cannot be kept is reported [`ServerEvent::Dropped`]. Queued QoS 0 messages
    /// are not kept for a session without a connection (as [`deliver`](Self::deliver) does
    /// not keep them): each is reported `Dropped` with [`UsageError::NotConnected`].
    #[must_use]
    pub fn offline(
        config: ServerConfig,
        version: ProtocolVersion,
        state: SessionState,
        now: Instant,
    ) -> Self {
        let mut s = Self::new(config, now);
        s.version = version;
        s.outbox.set_encoder(Encoder::server(version));
        s.phase = Phase::Closed;
        s.closed_at = now;
        s.session_expiry = state.session_expiry_interval;
        let mut state = state;
        let will = state.will.take();
        for _ in s.restore(state) {
            s.events.push_back(ServerEvent::Dropped {
                id: None,
                reason: UsageError::NotConnected,
            });
        }
        if let Some(will) = will {
            let expiry = s.session_expiry.map(|x| Duration::from_secs(u64::from(x)));
            s.pending_will = Some(Box::new(PendingWill::new(will, now, expiry)));
        }
        s.check_timers();
        s
    }

    /// Bytes arrived: decodes and handles every complete packet in `rx`; a partial packet
    /// stays in `rx`. While a CONNECT decision is pending, later packets (other than AUTH) stay
    /// in `rx` too.
    ///
    /// # Errors
    /// [`SessionError`] when the client broke the protocol (the connection is closed, see the
    /// type docs), or [`SessionError::Closed`] when the connection is over.
    pub fn handle_bytes(&mut self, now: Instant, rx: &mut BytesMut) -> Result<(), SessionError> {
        self.clamp(now);
        self.check_open()?;
        while self.is_open() && self.deferred.is_empty() {
            match self.decoder.decode(rx) {
                Ok(Some(packet)) => self.input(packet)?,
                Ok(None) => break,
                Err(e) => return Err(self.fail_decode(e)),
            }
        }
        Ok(())
    }

    /// A decoded packet arrived (for callers that decode themselves). While a CONNECT decision
    /// is pending, packets other than AUTH are held and handled by
    /// [`ServerSession::accept`].
    ///
    /// # Errors
    /// As [`ServerSession::handle_bytes`].
    pub fn handle_packet(&mut self, now: Instant, packet: Packet) -> Result<(), SessionError> {
        self.clamp(now);
        self.check_open()?;
        self.input(packet)
    }

    /// Time passed: closes a connection without CONNECT in time, refuses a CONNECT not decided
    /// within [`ServerConfig::decision_timeout`], closes a connection silent for 1.5 times the
    /// Keep Alive (5.0: DISCONNECT 0x8D) [MQTT-3.1.2-24], releases a due Will, ends an expired
    /// session, drops expired queued messages. Idempotent, harmless when early.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.clamp(now);
        match self.phase {
            Phase::AwaitingConnect => {
                if self.now >= self.created + self.config.connect_timeout {
                    self.outbox.clear();
                    self.events
                        .push_back(ServerEvent::Closed(ServerCloseReason::ConnectTimeout));
                    self.end_session();
                }
            }
            Phase::Connected => {
                if self.keep_alive_deadline().is_some_and(|d| self.now >= d) {
                    self.outbox.clear();
                    self.send_disconnect(ReasonCode::KEEP_ALIVE_TIMEOUT);
                    self.close(ServerCloseReason::KeepAliveTimeout, true);
                }
            }
            Phase::Deciding => {
                if self.now >= self.connect_at + self.config.decision_timeout {
                    let code = if self.version.is_v5() {
                        ReasonCode::SERVER_BUSY
                    } else {
                        ReasonCode::V3_SERVER_UNAVAILABLE
                    };
                    // The code is valid in CONNACK in every version: this cannot fail.
                    let _ = self.refuse_as(code, ServerCloseReason::DecisionTimeout);
                }
            }
            Phase::Closed | Phase::Ended => {}
        }
        self.check_timers();
        let now = self.now;
        // A held message has no identifier to report: it goes without an event.
        self.held
            .retain(|h| !expiry::is_expired(h.entry.expires_at, now));
        for id in self.outbound.remove_expired(self.now) {
            self.ids.release(id);
            self.events.push_back(ServerEvent::Expired(id));
        }
    }

    /// The transport is gone. Unsent bytes are discarded; the Will is armed (unless a normal
    /// DISCONNECT removed it) and the session lives on per its expiry.
    pub fn handle_disconnected(&mut self, now: Instant) {
        self.clamp(now);
        if self.is_open() {
            self.outbox.clear();
            self.close(ServerCloseReason::ConnectionLost, true);
        }
        self.outbox.clear();
    }

    /// Accepts the CONNECT reported by [`ServerEvent::ConnectRequested`]: queues CONNACK with
    /// reason 0x00 [MQTT-3.1.4-4]. `properties` are the caller's CONNACK properties (Assigned
    /// Client Identifier, Session Expiry Interval, Server Keep Alive, Reason String, Response
    /// Information, user properties, Authentication Data); the server's limits and capabilities
    /// from [`ServerConfig::capabilities`] are filled in, what the client did not ask for is
    /// left out [MQTT-3.1.2-28] [MQTT-4.12.0-6], and the Reason String and user properties are
    /// dropped if the packet would exceed the client's Maximum Packet Size [MQTT-3.2.2-19]
    /// [MQTT-3.2.2-20]. Under 3.x only the session-present flag is used.
    ///
    /// `state` is the stored session when the caller found one for this client: with Clean
    /// Start = 0 it is resumed (Session Present = 1, in-flight messages resent, its Will
    /// cancelled [MQTT-3.1.3-9]) [MQTT-3.1.2-5]; with Clean Start = 1 it is discarded
    /// [MQTT-3.2.2-2]. Resuming keeps the packet identifiers of the messages sent on an earlier
    /// connection (the client knows them); a never-sent message keeps its identifier when it is
    /// free and otherwise gets a fresh one, and a queued QoS 0 message (no identifier) is sent
    /// once, after the resends. A message that cannot be resumed (in flight without an
    /// identifier, or with one an earlier in-flight message has; no identifier left) is reported
    /// as [`ServerEvent::Dropped`], never discarded silently.
    ///
    /// Messages [`deliver`](Self::deliver)ed while the decision was pending are queued behind
    /// the resumed session's messages, in delivery order, and get their packet identifiers now.
    ///
    /// # Errors
    /// [`UsageError::NoConnectPending`] without a CONNECT waiting for a decision;
    /// [`UsageError::Encode`] when a property is not valid in CONNACK.
    pub fn accept(
        &mut self,
        now: Instant,
        properties: ConnAckProperties,
        state: Option<SessionState>,
    ) -> Result<(), UsageError> {
        self.clamp(now);
        if self.phase != Phase::Deciding {
            return Err(UsageError::NoConnectPending);
        }
        let resume = state.filter(|_| !self.wants.clean_start);
        let session_present = resume.is_some() && self.version != ProtocolVersion::V3_1;
        let mut connack = ConnAck::new(session_present, ReasonCode::SUCCESS);
        if self.version.is_v5() {
            connack.properties = self.connack_properties(properties);
        }
        let mut packet = Packet::ConnAck(connack);
        self.fit(&mut packet)?;
        self.outbox.push(&packet)?;
        if let Packet::ConnAck(c) = &packet {
            if let Some(secs) = c.properties.server_keep_alive {
                self.keep_alive_secs = secs;
            }
            if let Some(secs) = c.properties.session_expiry_interval {
                self.session_expiry = expiry_secs(secs);
            }
        }
        self.phase = Phase::Connected;
        self.aliases_in = InboundAliases::new(if self.version.is_v5() {
            self.config.capabilities.topic_alias_maximum
        } else {
            0
        });
        self.aliases_out = OutboundAliases::new(self.wants.topic_alias_maximum);
        if let Some(state) = resume {
            let qos0 = self.restore(state);
            self.resend_in_flight();
            if self.is_open() {
                self.send_stored_qos0(qos0);
            }
        }
        self.number_held();
        self.fill_window();
        while self.is_open() {
            let Some(packet) = self.deferred.pop_front() else {
                break;
            };
            let _ = self.input(packet);
        }
        Ok(())
    }

    /// Refuses the CONNECT (or ends the authentication exchange) with `reason`: CONNACK with
    /// it, then the connection closes and nothing more is read [MQTT-3.2.2-5] [MQTT-3.1.4-5].
    /// Under 3.x a code other than the return codes 1-5 closes without CONNACK
    /// [MQTT-3.2.2-6]. Messages [`deliver`](Self::deliver)ed while the decision was pending
    /// are discarded: they never belonged to an accepted session.
    ///
    /// # Errors
    /// [`UsageError::NoConnectPending`] without a CONNECT waiting for a decision;
    /// [`UsageError::Encode`] when `reason` is not valid in CONNACK.
    pub fn refuse(&mut self, now: Instant, reason: ReasonCode) -> Result<(), UsageError> {
        self.clamp(now);
        if self.phase != Phase::Deciding {
            return Err(UsageError::NoConnectPending);
        }
        self.refuse_with(reason)
    }

    /// Continues an enhanced authentication exchange (connect-time or re-authentication) with
    /// AUTH 0x18 carrying the client's Authentication Method and `data` [MQTT-4.12.0-2].
    ///
    /// # Errors
    /// [`UsageError::AuthNotExpected`] without enhanced authentication on this connection;
    /// [`UsageError::Encode`] when the AUTH exceeds the client's Maximum Packet Size.
    pub fn auth_continue(
        &mut self,
        now: Instant,
        data: Option<BinaryData>,
    ) -> Result<(), UsageError> {
        self.clamp(now);
        if !matches!(self.phase, Phase::Deciding | Phase::Connected) {
            return Err(UsageError::AuthNotExpected);
        }
        self.send_auth(ReasonCode::CONTINUE_AUTHENTICATION, data)
    }

    /// Ends a re-authentication with AUTH 0x00 (connect-time exchanges end with
    /// [`ServerSession::accept`]).
    ///
    /// # Errors
    /// [`UsageError::AuthNotExpected`] without enhanced authentication or before CONNACK.
    pub fn auth_success(
        &mut self,
        now: Instant,
        data: Option<BinaryData>,
    ) -> Result<(), UsageError> {
        self.clamp(now);
        if self.phase != Phase::Connected {
            return Err(UsageError::AuthNotExpected);
        }
        self.send_auth(ReasonCode::SUCCESS, data)
    }

    /// Sends a routed message to the client. QoS 0 goes out at once when connected (and is
    /// dropped otherwise); QoS 1/2 get a packet identifier (returned) and are sent in order as
    /// the client's Receive Maximum leaves room, waiting for a later connection if needed.
    /// `Ok(None)` also when `no_local` suppresses it. A message too large for the client is
    /// discarded as if delivered and reported as [`ServerEvent::Dropped`] (with its identifier
    /// at QoS 1/2) [MQTT-3.1.2-25].
    ///
    /// While the CONNECT decision is pending (after [`ServerEvent::ConnectRequested`], before
    /// [`accept`](Self::accept) or [`refuse`](Self::refuse)), a QoS 1/2 message is held
    /// without a packet identifier and `Ok(None)` is returned: the session to resume is not
    /// known yet, and its stored messages keep their identifiers and go first (message
    /// ordering, MQTT §4.6). `accept` queues the held messages behind them, in delivery
    /// order, and numbers them (later events name them by those identifiers); `refuse`, or a
    /// connection that ends before the decision, discards them (they never belonged to an
    /// accepted session). Their Message Expiry Interval counts down while held; one that
    /// expires is discarded without an event (it has no identifier to report).
    ///
    /// # Errors
    /// [`UsageError::NotConnected`] when the session has ended or no CONNECT has been read;
    /// [`UsageError::PacketIdsExhausted`] (also when 65,535 messages are already held).
    pub fn deliver(&mut self, now: Instant, out: Outgoing) -> Result<Option<PacketId>, UsageError> {
        self.clamp(now);
        if matches!(self.phase, Phase::Ended | Phase::AwaitingConnect) {
            return Err(UsageError::NotConnected);
        }
        if out.options.no_local && out.from_self {
            return Ok(None);
        }
        let msg = out.message;
        let qos = msg.qos.min(out.options.qos);
        let mut publish = Publish::new(msg.topic, msg.payload);
        publish.retain =
            msg.retain && (out.options.retain_as_published || out.retained_on_subscribe);
        if self.version.is_v5() {
            publish.properties = msg.properties;
            publish.subscription_ids = out.subscription_ids;
        }
        let expires_at = expiry::deadline(self.now, publish.properties.message_expiry_interval);
        if qos == QoS::AtMostOnce {
            if self.phase != Phase::Connected {
                return Ok(None);
            }
            let expiry = publish.properties.message_expiry_interval;
            if let Err(e) =
                self.outbox
                    .push_publish(&mut publish, false, expiry, &mut self.aliases_out)
            {
                self.events.push_back(ServerEvent::Dropped {
                    id: None,
                    reason: e.into(),
                });
            }
            return Ok(None);
        }
        let entry = OutEntry {
            publish,
            stage: OutboundStage::Queued,
            expires_at,
        };
        if self.phase == Phase::Deciding {
            // A fresh session could not number more than every identifier.
            if self.held.len() >= usize::from(u16::MAX) {
                return Err(UsageError::PacketIdsExhausted);
            }
            self.held.push_back(Held { qos, entry });
            return Ok(None);
        }
        let id = self.ids.allocate()?;
        let mut entry = entry;
        entry.publish.delivery = delivery(qos, id);
        let window = SendWindow::new(self.wants.receive_maximum);
        if self.phase == Phase::Connected && self.outbound.can_send_now(window) {
            let mut link = Link {
                outbox: &mut self.outbox,
                aliases: &mut self.aliases_out,
                now: self.now,
                window,
                close_on_large_resend: false,
            };
            if let Err(e) = self.outbound.send_now(entry, &mut link) {
                // Too large for the client: discarded as if delivered [MQTT-3.1.2-25].
                self.ids.release(id);
                self.events.push_back(ServerEvent::Dropped {
                    id: Some(id),
                    reason: e.into(),
                });
            }
        } else {
            self.outbound.enqueue(entry);
        }
        Ok(Some(id))
    }

    /// Answers the SUBSCRIBE or UNSUBSCRIBE with packet identifier `id` (from
    /// [`ServerEvent::SubscribeRequested`] / [`ServerEvent::UnsubscribeRequested`]): one reason
    /// code per filter, in the request's order [MQTT-3.8.4-6] [MQTT-3.9.3-1]; SUBACK carries
    /// the granted QoS or a failure (3.x: 0x80). UNSUBACK under 3.x has no codes (`codes` is
    /// ignored). Granted subscriptions (with their Subscription Identifier) are recorded in
    /// the session state; a successful unsubscribe removes them.
    ///
    /// # Errors
    /// [`UsageError::UnknownRequest`] when no request with `id` waits;
    /// [`UsageError::ReasonCodeCount`] when `codes` does not have one code per filter;
    /// [`UsageError::Encode`] when a code is not valid in SUBACK / UNSUBACK for this version.
    pub fn grant(
        &mut self,
        now: Instant,
        id: PacketId,
        codes: Vec<ReasonCode>,
    ) -> Result<(), UsageError> {
        self.grant_with(now, id, codes, AckProperties::default())
    }

    /// [`ServerSession::grant`] with 5.0 SUBACK / UNSUBACK properties (Reason String, user
    /// properties), dropped when the client asked for no problem information or when they
    /// would exceed its Maximum Packet Size [MQTT-3.9.2-1] [MQTT-3.9.2-2] [MQTT-3.11.2-1]
    /// [MQTT-3.11.2-2].
    ///
    /// # Errors
    /// As [`ServerSession::grant`].
    pub fn grant_with(
        &mut self,
        now: Instant,
        id: PacketId,
        codes: Vec<ReasonCode>,
        properties: AckProperties,
    ) -> Result<(), UsageError> {
        self.clamp(now);
        let expected = match self.requests.get(&id.get()) {
            None => return Err(UsageError::UnknownRequest { id: id.get() }),
            Some(Request::Subscribe(s)) => s.subscriptions.len(),
            Some(Request::Unsubscribe(_)) if !self.version.is_v5() => codes.len(),
            Some(Request::Unsubscribe(u)) => u.filters.len(),
        };
        if codes.len() != expected {
            return Err(UsageError::ReasonCodeCount {
                expected,
                got: codes.len(),
            });
        }
        let v5 = self.version.is_v5();
        let mut packet = match self.requests.get(&id.get()) {
            Some(Request::Subscribe(_)) => {
                let mut ack = SubAck::new(id, codes.clone());
                if v5 {
                    ack.properties = properties;
                }
                Packet::SubAck(ack)
            }
            _ => {
                let mut ack = UnsubAck::new(id, if v5 { codes.clone() } else { Vec::new() });
                if v5 {
                    ack.properties = properties;
                }
                Packet::UnsubAck(ack)
            }
        };
        // A code the packet cannot carry is the caller's mistake: nothing changes.
        self.fit(&mut packet)?;
        self.outbox.push(&packet)?;
        match self.requests.remove(&id.get()) {
            Some(Request::Subscribe(s)) => {
                let identifier = s.properties.subscription_identifier;
                for (sub, code) in s.subscriptions.into_iter().zip(&codes) {
                    if code.is_error() {
                        continue;
                    }
                    self.subscriptions
                        .retain(|x| x.subscription.filter != sub.filter);
                    self.subscriptions
                        .push(StoredSubscription::new(sub, identifier));
                }
            }
            Some(Request::Unsubscribe(u)) => {
                for (i, filter) in u.filters.iter().enumerate() {
                    let ok = !v5 || codes.get(i).is_some_and(|c| !c.is_error());
                    if ok {
                        self.subscriptions
                            .retain(|x| &x.subscription.filter != filter);
                    }
                }
            }
            None => {}
        }
        Ok(())
    }

    /// Closes the connection from the server's side: under 5.0 DISCONNECT with `reason`
    /// (0x8B Server shutting down, 0x98 Administrative action, ...) is queued, then
    /// [`ServerEvent::Closed`]; the Will is armed as for any close other than a normal client
    /// DISCONNECT. Drain [`ServerSession::poll_transmit`], then close the transport.
    ///
    /// # Errors
    /// [`UsageError::NotConnected`] when the connection is already over; [`UsageError::Encode`]
    /// when `reason` is not valid in DISCONNECT.
    pub fn disconnect(&mut self, now: Instant, reason: ReasonCode) -> Result<(), UsageError> {
        self.clamp(now);
        if !self.is_open() {
            return Err(UsageError::NotConnected);
        }
        if self.phase == Phase::Connected && self.version.is_v5() {
            self.outbox.push(&Disconnect::with_reason(reason))?;
        } else if self.phase != Phase::Connected {
            self.outbox.clear();
        }
        self.close(ServerCloseReason::Local(reason), true);
        Ok(())
    }

    /// Another connection claims this session (same client identifier). An open connection is
    /// closed (5.0: DISCONNECT 0x8E Session taken over). With `resume` (the new connection has
    /// Clean Start = 0) the session's state is returned for [`ServerSession::accept`] and a
    /// delayed Will is cancelled [MQTT-3.1.3-9] (one without delay was released at the close);
    /// otherwise the session ends and its Will is released. This session is finished either
    /// way.
    pub fn take_over(&mut self, now: Instant, resume: bool) -> Option<SessionState> {
        self.clamp(now);
        if self.is_open() {
            if self.phase == Phase::Connected {
                self.outbox.clear();
                self.send_disconnect(ReasonCode::SESSION_TAKEN_OVER);
            } else {
                self.outbox.clear();
            }
            self.close(ServerCloseReason::TakenOver, true);
        }
        if self.phase == Phase::Ended {
            return None;
        }
        let state = if resume {
            self.pending_will = None;
            Some(self.export_state())
        } else {
            // The session ends here: a Will still waiting goes out now [MQTT-3.1.2-8].
            if let Some(w) = self.pending_will.take() {
                self.events.push_back(ServerEvent::WillReleased(w.will));
            }
            None
        };
        self.end_session();
        state
    }

    /// Releases spare capacity of the internal queues (call it on sessions that went idle, to
    /// keep a million of them small). Changes nothing else.
    pub fn shrink_to_fit(&mut self) {
        self.outbox.shrink_to_fit();
        self.events.shrink_to_fit();
        self.deferred.shrink_to_fit();
        self.held.shrink_to_fit();
        self.subscriptions.shrink_to_fit();
        self.outbound.shrink_to_fit();
    }

    /// Appends every queued packet to `tx`; returns the number of bytes appended (0: nothing
    /// to send). Packets are encoded, and checked against the client's Maximum Packet Size,
    /// when they are queued; this hands them over. When `tx` is empty its allocation may be
    /// exchanged with the session's own buffer instead of copying into it (the session keeps
    /// `tx`'s capacity for its next packets).
    #[must_use]
    pub fn poll_transmit(&mut self, now: Instant, tx: &mut BytesMut) -> usize {
        self.clamp(now);
        self.outbox.transmit(tx)
    }

    /// The next queued packet, for callers that encode themselves (use this or
    /// [`ServerSession::poll_transmit`], not both).
    #[must_use]
    pub fn poll_packet(&mut self, now: Instant) -> Option<Packet> {
        self.clamp(now);
        self.outbox.pop_packet()
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        self.events.pop_front()
    }

    /// The earliest deadline at which [`ServerSession::handle_timeout`] has work, if any: the
    /// CONNECT timeout, the decision timeout, the keep-alive limit, a Will delay, the session's expiry, a queued
    /// message's expiry (also of one held while the CONNECT decision is pending).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.phase {
            Phase::AwaitingConnect => Some(self.created + self.config.connect_timeout),
            Phase::Deciding => min_opt(
                Some(self.connect_at + self.config.decision_timeout),
                self.held.iter().filter_map(|h| h.entry.expires_at).min(),
            ),
            Phase::Connected => min_opt(self.keep_alive_deadline(), self.outbound.next_expiry()),
            Phase::Closed => min_opt(
                min_opt(
                    self.pending_will.as_ref().map(|w| w.due),
                    self.session_end(),
                ),
                self.outbound.next_expiry(),
            ),
            Phase::Ended => None,
        }
    }

    /// The session's state, for a later connection's [`ServerSession::accept`] (or
    /// [`SessionState::encode`] into a store): outbound QoS 1/2 messages (in flight in send
    /// order, then queued) with their expiry time left, inbound QoS 2 identifiers, granted
    /// subscriptions, a Will waiting for its delay (with the delay left) and the session
    /// expiry left.
    #[must_use]
    pub fn export_state(&self) -> SessionState {
        let now = self.now;
        let export = |e: &OutEntry| {
            let mut publish = e.publish.clone();
            publish.dup = false;
            if let Some(at) = e.expires_at {
                publish.properties.message_expiry_interval = Some(expiry::remaining_secs(at, now));
            }
            OutboundMessage::new(publish, e.stage)
        };
        let will = self.pending_will.as_ref().map(|p| {
            let mut w = p.will.clone();
            if w.properties.will_delay_interval.is_some() || p.due > now {
                w.properties.will_delay_interval = Some(expiry::remaining_secs(p.due, now));
            }
            w
        });
        let session_expiry_interval = match self.phase {
            Phase::Closed => self
                .session_end()
                .map(|end| expiry::remaining_secs(end, now)),
            _ => self.session_expiry,
        };
        let mut state = SessionState::new();
        state.outbound = self
            .outbound
            .in_flight()
            .chain(self.outbound.queued())
            .map(export)
            .collect();
        state.inbound_qos2 = self.inbound.qos2_ids().collect();
        state.subscriptions.clone_from(&self.subscriptions);
        state.will = will;
        state.session_expiry_interval = session_expiry_interval;
        state
    }

    /// Whether CONNACK accepted the connection and it is still open.
    #[must_use]
    pub fn is_connected(&self) -> bool {
        self.phase == Phase::Connected
    }

    /// Whether the connection is over while the session lives on (Will delay, Session
    /// Expiry): keep this value (or its [`ServerSession::export_state`]) for a reconnection.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    /// Whether the session is gone (refused, expired or taken over): drop this value.
    #[must_use]
    pub fn is_ended(&self) -> bool {
        self.phase == Phase::Ended
    }

    /// The protocol version (learned from CONNECT; 5.0 before it).
    #[must_use]
    pub const fn version(&self) -> ProtocolVersion {
        self.version
    }

    /// The effective keep-alive in seconds (the Server Keep Alive override, else the client's).
    #[must_use]
    pub const fn keep_alive_secs(&self) -> u16 {
        self.keep_alive_secs
    }

    /// Outbound QoS 1/2 messages sent and unacknowledged.
    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.outbound.in_flight_len()
    }

    /// Outbound QoS 1/2 messages waiting to be sent (including those held while the CONNECT
    /// decision is pending).
    #[must_use]
    pub fn queued(&self) -> usize {
        self.outbound.queued_len() + self.held.len()
    }

    /// Inbound QoS 2 messages received and not yet released by PUBREL.
    #[must_use]
    pub fn inbound_unreleased(&self) -> usize {
        self.inbound.unacked()
    }

    /// The subscriptions granted in this session.
    #[must_use]
    pub fn subscriptions(&self) -> &[StoredSubscription] {
        &self.subscriptions
    }

    // ----- private -----

    fn clamp(&mut self, now: Instant) {
        self.now = self.now.max(now);
    }

    fn is_open(&self) -> bool {
        matches!(
            self.phase,
            Phase::AwaitingConnect | Phase::Deciding | Phase::Connected
        )
    }

    fn check_open(&self) -> Result<(), SessionError> {
        if self.is_open() {
            Ok(())
        } else {
            Err(SessionError::Closed)
        }
    }

    fn keep_alive_deadline(&self) -> Option<Instant> {
        (self.keep_alive_secs > 0).then(|| {
            self.last_received + Duration::from_millis(u64::from(self.keep_alive_secs) * 1_500)
        })
    }

    fn session_end(&self) -> Option<Instant> {
        self.session_expiry
            .map(|s| self.closed_at + Duration::from_secs(u64::from(s)))
    }

    /// Releases a due Will and ends an expired session.
    fn check_timers(&mut self) {
        if self.phase != Phase::Closed {
            return;
        }
        if self
            .pending_will
            .as_ref()
            .is_some_and(|w| w.is_due(self.now))
        {
            if let Some(w) = self.pending_will.take() {
                self.events.push_back(ServerEvent::WillReleased(w.will));
            }
        }
        if self.session_end().is_some_and(|end| self.now >= end) {
            if let Some(w) = self.pending_will.take() {
                self.events.push_back(ServerEvent::WillReleased(w.will));
            }
            self.events.push_back(ServerEvent::SessionExpired);
            self.end_session();
        }
    }

    /// The connection ended (`reason`); arms the Will when `arm_will` and the connection had
    /// been accepted.
    fn close(&mut self, reason: ServerCloseReason, arm_will: bool) {
        let was_connected = self.phase == Phase::Connected;
        self.events.push_back(ServerEvent::Closed(reason));
        self.requests.clear();
        self.deferred.clear();
        let will = self.will.take();
        if !was_connected {
            self.end_session();
            return;
        }
        self.phase = Phase::Closed;
        self.closed_at = self.now;
        if arm_will {
            if let Some(w) = will {
                let expiry = self
                    .session_expiry
                    .map(|s| Duration::from_secs(u64::from(s)));
                self.pending_will = Some(Box::new(PendingWill::new(*w, self.now, expiry)));
            }
        }
        self.check_timers();
    }

    /// No session any more: everything is discarded.
    fn end_session(&mut self) {
        self.phase = Phase::Ended;
        self.will = None;
        self.pending_will = None;
        self.deferred.clear();
        self.held.clear();
        self.requests.clear();
        self.subscriptions.clear();
        self.outbound = Outbound::default();
        self.inbound.clear();
        self.ids.clear();
    }

    /// Resumes a stored session. The messages already sent come first and keep their packet
    /// identifiers (the client knows them); then the never-sent ones keep theirs when free and
    /// otherwise get a fresh one. Nothing is discarded silently: a message that cannot be
    /// resumed is reported as [`ServerEvent::Dropped`]. Returns the queued QoS 0 messages, to
    /// send after the resends.
    fn restore(&mut self, state: SessionState) -> Vec<OutEntry> {
        let now = self.now;
        let entry = |m: OutboundMessage| OutEntry {
            expires_at: expiry::deadline(now, m.publish.properties.message_expiry_interval),
            publish: m.publish,
            stage: m.stage,
        };
        let (sent, queued): (Vec<_>, Vec<_>) = state
            .outbound
            .into_iter()
            .partition(|m| m.stage != OutboundStage::Queued);
        for m in sent {
            let id = m.publish.delivery.packet_id();
            if id.is_some_and(|id| self.ids.claim(id)) {
                self.outbound.push_in_flight(entry(m));
            } else {
                self.events.push_back(ServerEvent::Dropped {
                    id: None,
                    reason: UsageError::InvalidInFlight {
                        id: id.map(PacketId::get),
                    },
                });
            }
        }
        let mut qos0 = Vec::new();
        let mut fresh = Vec::new();
        for m in queued {
            match m.publish.delivery.packet_id() {
                Some(id) => {
                    let keeps_id = self.ids.claim(id);
                    fresh.push((entry(m), keeps_id));
                }
                None => qos0.push(entry(m)),
            }
        }
        for (mut e, keeps_id) in fresh {
            if !keeps_id {
                // Never sent: the client does not know its identifier, so another one will do.
                match self.ids.allocate() {
                    Ok(id) => e.publish.delivery = delivery(e.publish.qos(), id),
                    Err(reason) => {
                        self.events
                            .push_back(ServerEvent::Dropped { id: None, reason });
                        continue;
                    }
                }
            }
            self.outbound.enqueue(e);
        }
        for id in state.inbound_qos2 {
            self.inbound.restore_qos2(id);
        }
        self.subscriptions = state.subscriptions;
        // The reconnection cancels a Will still waiting for its delay [MQTT-3.1.3-9].
        qos0
    }

    /// Sends the queued QoS 0 messages of a resumed session once (the optional QoS 0 part of
    /// the session state); expired ones are discarded [MQTT-3.3.2-5].
    fn send_stored_qos0(&mut self, messages: Vec<OutEntry>) {
        for mut e in messages {
            if expiry::is_expired(e.expires_at, self.now) {
                continue;
            }
            let mut link = Link {
                outbox: &mut self.outbox,
                aliases: &mut self.aliases_out,
                now: self.now,
                window: SendWindow::new(self.wants.receive_maximum),
                close_on_large_resend: false,
            };
            if let Err(e) = e.send(&mut link, false) {
                self.events.push_back(ServerEvent::Dropped {
                    id: None,
                    reason: e.into(),
                });
            }
        }
    }

    /// Numbers the messages held while the CONNECT decision was pending and queues them behind
    /// the resumed session's, in delivery order.
    fn number_held(&mut self) {
        while let Some(Held { qos, mut entry }) = self.held.pop_front() {
            if expiry::is_expired(entry.expires_at, self.now) {
                continue; // as in `handle_timeout`: no identifier to report
            }
            match self.ids.allocate() {
                Ok(id) => {
                    entry.publish.delivery = delivery(qos, id);
                    self.outbound.enqueue(entry);
                }
                Err(reason) => self
                    .events
                    .push_back(ServerEvent::Dropped { id: None, reason }),
            }
        }
    }

    fn connack_properties(&self, mut p: ConnAckProperties) -> ConnAckProperties {
        let caps = &self.config.capabilities;
        p.receive_maximum =
            (caps.receive_maximum != NonZeroU16::MAX).then_some(caps.receive_maximum);
        p.maximum_qos = (caps.maximum_qos != QoS::ExactlyOnce).then_some(caps.maximum_qos);
        p.retain_available = (!caps.retain_available).then_some(false);
        p.maximum_packet_size = caps.maximum_packet_size;
        p.topic_alias_maximum = (caps.topic_alias_maximum > 0).then_some(caps.topic_alias_maximum);
        p.wildcard_subscription_available =
            (!caps.wildcard_subscription_available).then_some(false);
        p.subscription_identifiers_available =
            (!caps.subscription_identifiers_available).then_some(false);
        p.shared_subscription_available = (!caps.shared_subscription_available).then_some(false);
        if p.server_keep_alive.is_none() {
            p.server_keep_alive = self.config.server_keep_alive;
        }
        if !self.wants.request_response_information {
            p.response_information = None;
        }
        match &self.auth_method {
            Some(m) => p.authentication_method = Some(m.clone()),
            None => {
                p.authentication_method = None;
                p.authentication_data = None;
            }
        }
        p
    }

    /// Makes `packet` fit the client's wishes: the Reason String and user properties go when
    /// the client asked for no problem information (except on PUBLISH, CONNACK and
    /// DISCONNECT) [MQTT-3.1.2-29], or when the packet would exceed its Maximum Packet Size
    /// [MQTT-3.2.2-19] [MQTT-3.9.2-1] [MQTT-3.11.2-1].
    fn fit(&self, packet: &mut Packet) -> Result<(), UsageError> {
        if !self.wants.request_problem_information
            && !matches!(
                packet,
                Packet::Publish(_) | Packet::ConnAck(_) | Packet::Disconnect(_)
            )
        {
            strip_diagnostics(packet, 2);
        }
        let mut level = 0;
        loop {
            match self.outbox.encoder().encoded_len(packet) {
                Ok(_) => return Ok(()),
                Err(e) if level >= 2 => return Err(UsageError::Encode(e)),
                Err(_) => {
                    level += 1;
                    strip_diagnostics(packet, level);
                }
            }
        }
    }

    fn send_auth(
        &mut self,
        reason: ReasonCode,
        data: Option<BinaryData>,
    ) -> Result<(), UsageError> {
        let Some(method) = self.auth_method.clone() else {
            return Err(UsageError::AuthNotExpected);
        };
        let mut props = AuthProperties::default();
        props.authentication_method = Some(method);
        props.authentication_data = data;
        let mut auth = Auth::new(reason);
        auth.properties = props;
        let mut packet = Packet::Auth(auth);
        self.fit(&mut packet)?;
        self.outbox.push(&packet)?;
        Ok(())
    }

    /// Queues the DISCONNECT that closes a 5.0 connection with `reason`, unless it exceeds the
    /// client's Maximum Packet Size: then the connection closes without it. Nothing in 3.x.
    fn send_disconnect(&mut self, reason: ReasonCode) {
        if self.version.is_v5() {
            let _ = self.outbox.push(&Disconnect::with_reason(reason));
        }
    }

    /// Queues a packet the protocol requires (an acknowledgment, PUBREL, PINGRESP). They take
    /// at most 5 bytes, and so does the smallest 5.0 CONNACK, so once a CONNACK went out they
    /// always fit the client's Maximum Packet Size (3.x has none). Should one not fit, it
    /// cannot be sent [MQTT-3.1.2-25] and has nothing to drop: the connection closes
    /// (DISCONNECT 0x95 when that fits) rather than silently skipping it.
    fn queue_required<P: Encodable>(&mut self, packet: &P) {
        if let Err(e) = self.outbox.push(packet) {
            debug_assert!(
                false,
                "invariant: required packets fit once CONNACK did: {:?} {e}",
                packet.packet_type()
            );
            self.close_unsendable();
        }
    }

    /// A packet the protocol requires cannot be sent: the connection closes, with
    /// DISCONNECT 0x95 when that fits.
    fn close_unsendable(&mut self) {
        self.outbox.clear();
        self.send_disconnect(ReasonCode::PACKET_TOO_LARGE);
        self.close(ServerCloseReason::Local(ReasonCode::PACKET_TOO_LARGE), true);
    }

    fn refuse_with(&mut self, reason: ReasonCode) -> Result<(), UsageError> {
        self.refuse_as(reason, ServerCloseReason::Refused(reason))
    }

    /// Refuses with `reason` (CONNACK when the version has one for it), then closes as
    /// `close`.
    ///
    /// # Errors
    /// [`UsageError::Encode`] when `reason` is not valid in CONNACK: nothing changes then.
    fn refuse_as(
        &mut self,
        reason: ReasonCode,
        close: ServerCloseReason,
    ) -> Result<(), UsageError> {
        let has_connack = self.version.is_v5() || (1..=5).contains(&u8::from(reason));
        if has_connack {
            let mut packet = Packet::ConnAck(ConnAck::new(false, reason));
            // Optional properties go first [MQTT-3.2.2-19] [MQTT-3.2.2-20]; a CONNACK still
            // over the client's Maximum Packet Size cannot be sent: close without it.
            match self.fit(&mut packet) {
                Ok(()) => {
                    self.outbox.clear();
                    let _ = self.outbox.push(&packet);
                }
                Err(UsageError::Encode(EncodeError::PacketTooLarge { .. })) => {
                    self.outbox.clear();
                }
                Err(e) => return Err(e),
            }
        } else {
            self.outbox.clear();
        }
        self.close(close, false);
        Ok(())
    }

    /// Handles one packet from the client; a violation closes the connection.
    fn input(&mut self, packet: Packet) -> Result<(), SessionError> {
        self.last_received = self.now;
        match self.dispatch(packet) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.fail(e)),
        }
    }

    fn dispatch(&mut self, packet: Packet) -> Result<(), SessionError> {
        let unexpected = SessionError::UnexpectedPacket {
            packet: packet.packet_type(),
        };
        match self.phase {
            Phase::AwaitingConnect => match packet {
                Packet::Connect(c) => {
                    self.on_connect(c);
                    Ok(())
                }
                _ => Err(unexpected),
            },
            Phase::Deciding => match packet {
                Packet::Auth(a) => self.on_auth(a),
                Packet::Connect(_) => Err(unexpected),
                other => {
                    self.deferred.push_back(other);
                    Ok(())
                }
            },
            Phase::Connected => match packet {
                Packet::Publish(p) => self.on_publish(p),
                Packet::PubAck(a) => self.on_ack(PacketType::PubAck, a.packet_id),
                Packet::PubRec(r) => self.on_pubrec(&r),
                Packet::PubRel(r) => self.on_pubrel(&r),
                Packet::PubComp(c) => self.on_ack(PacketType::PubComp, c.packet_id),
                Packet::Subscribe(s) => {
                    self.check_subscribe(&s)?;
                    self.requests
                        .insert(s.packet_id.get(), Request::Subscribe(s.clone()));
                    self.events.push_back(ServerEvent::SubscribeRequested(s));
                    Ok(())
                }
                Packet::Unsubscribe(u) => {
                    self.requests
                        .insert(u.packet_id.get(), Request::Unsubscribe(u.clone()));
                    self.events.push_back(ServerEvent::UnsubscribeRequested(u));
                    Ok(())
                }
                Packet::PingReq => {
                    self.queue_required(&Packet::PingResp);
                    Ok(())
                }
                Packet::Disconnect(d) => self.on_disconnect(&d),
                Packet::Auth(a) => self.on_auth(a),
                _ => Err(unexpected),
            },
            Phase::Closed | Phase::Ended => Err(SessionError::Closed),
        }
    }

    fn on_connect(&mut self, c: Box<Connect>) {
        let version = c.protocol;
        self.version = version;
        let mut encoder = Encoder::server(version);
        let mut wants = ClientWants {
            clean_start: c.clean_start,
            ..ClientWants::default()
        };
        if version.is_v5() {
            let p = &c.properties;
            wants.receive_maximum = p.receive_maximum.unwrap_or(NonZeroU16::MAX);
            wants.topic_alias_maximum = p.topic_alias_maximum.unwrap_or(0);
            wants.request_problem_information = p.request_problem_information.unwrap_or(true);
            wants.request_response_information = p.request_response_information.unwrap_or(false);
            wants.session_expiry_secs = p.session_expiry_interval.unwrap_or(0);
            if let Some(max) = p.maximum_packet_size {
                encoder.set_peer_max_packet_size(max);
            }
            self.auth_method.clone_from(&p.authentication_method);
            self.session_expiry = expiry_secs(wants.session_expiry_secs);
        } else {
            // 3.x: Clean Session = 0 keeps the session until the client cleans it.
            self.session_expiry = if c.clean_start { Some(0) } else { None };
        }
        self.outbox.set_encoder(encoder);
        self.wants = wants;
        self.keep_alive_secs = c.keep_alive_secs;
        self.phase = Phase::Deciding;
        self.connect_at = self.now;
        // Checks the session makes itself; the rest is the caller's decision.
        let caps = self.config.capabilities;
        let refusal = if !version.is_v5() && c.client_id.is_empty() && !c.clean_start {
            Some(ReasonCode::V3_IDENTIFIER_REJECTED) // [MQTT-3.1.3-8]
        } else if version.is_v5() && c.will.as_ref().is_some_and(|w| w.qos > caps.maximum_qos) {
            Some(ReasonCode::QOS_NOT_SUPPORTED) // [MQTT-3.2.2-12]
        } else if version.is_v5()
            && c.will.as_ref().is_some_and(|w| w.retain)
            && !caps.retain_available
        {
            Some(ReasonCode::RETAIN_NOT_SUPPORTED) // [MQTT-3.2.2-13]
        } else {
            None
        };
        if let Some(code) = refusal {
            let _ = self.refuse_with(code);
            return;
        }
        self.will = c.will.clone().map(Box::new);
        self.events.push_back(ServerEvent::ConnectRequested(c));
    }

    /// A SUBSCRIBE using a feature the server announced as unavailable is a Protocol Error
    /// (5.0: 0xA2, 0xA1, 0x9E).
    fn check_subscribe(&self, s: &Subscribe) -> Result<(), SessionError> {
        let caps = &self.config.capabilities;
        if !self.version.is_v5() {
            return Ok(());
        }
        if !caps.subscription_identifiers_available
            && s.properties.subscription_identifier.is_some()
        {
            return Err(SessionError::SubscriptionIdsNotSupported);
        }
        for sub in &s.subscriptions {
            let filter = sub.filter.filter();
            if !caps.wildcard_subscription_available
                && (filter.contains('+') || filter.contains('#'))
            {
                return Err(SessionError::WildcardSubscriptionsNotSupported);
            }
            if !caps.shared_subscription_available && sub.filter.share_group().is_some() {
                return Err(SessionError::SharedSubscriptionsNotSupported);
            }
        }
        Ok(())
    }

    fn on_publish(&mut self, mut p: Publish) -> Result<(), SessionError> {
        let caps = self.config.capabilities;
        let qos = p.qos();
        if self.version.is_v5() {
            if qos > caps.maximum_qos {
                return Err(SessionError::QoSNotSupported { qos });
            }
            if p.retain && !caps.retain_available {
                return Err(SessionError::RetainNotSupported);
            }
        }
        self.aliases_in.resolve(&mut p.topic)?;
        match p.delivery {
            Delivery::AtMostOnce => self.events.push_back(ServerEvent::Published(p)),
            Delivery::AtLeastOnce(id) => {
                self.events.push_back(ServerEvent::Published(p));
                self.queue_required(&PubAck::new(id));
            }
            Delivery::ExactlyOnce(id) => {
                let maximum = caps.receive_maximum.get();
                // 3.x has no Receive Maximum: the client cannot know ours.
                if self.version.is_v5()
                    && !self.inbound.is_known(id, qos)
                    && self.inbound.unacked() >= usize::from(maximum)
                {
                    return Err(SessionError::ReceiveMaximumExceeded { maximum });
                }
                match self.inbound.on_qos2(id, true) {
                    Qos2Verdict::Deliver => {
                        self.events.push_back(ServerEvent::Published(p));
                        self.queue_required(&PubRec::new(id));
                    }
                    Qos2Verdict::ResendPubRec => {
                        self.queue_required(&PubRec::new(id));
                    }
                    Qos2Verdict::Ignore => {}
                }
            }
        }
        Ok(())
    }

    /// PUBACK (QoS 1) or PUBCOMP (QoS 2 after PUBREL) for an outbound message.
    fn on_ack(&mut self, kind: PacketType, id: PacketId) -> Result<(), SessionError> {
        self.outbound.promote_deferred(id);
        let Some(entry) = self.outbound.in_flight_mut(id) else {
            return Ok(()); // a late duplicate
        };
        let expected = match kind {
            PacketType::PubAck => entry.publish.qos() == QoS::AtLeastOnce,
            _ => entry.stage == OutboundStage::Released,
        };
        if !expected {
            return Err(SessionError::WrongAck {
                packet: kind,
                id: id.get(),
            });
        }
        self.finish(id);
        Ok(())
    }

    fn on_pubrec(&mut self, r: &PubRec) -> Result<(), SessionError> {
        let id = r.packet_id;
        self.outbound.promote_deferred(id);
        let Some(entry) = self.outbound.in_flight_mut(id) else {
            let rel = if self.version.is_v5() {
                PubRel::with_reason(id, ReasonCode::PACKET_IDENTIFIER_NOT_FOUND)
            } else {
                PubRel::new(id)
            };
            self.queue_required(&rel);
            return Ok(());
        };
        if entry.publish.qos() != QoS::ExactlyOnce {
            return Err(SessionError::WrongAck {
                packet: PacketType::PubRec,
                id: id.get(),
            });
        }
        if r.reason_code.is_error() {
            self.finish(id);
            return Ok(());
        }
        entry.stage = OutboundStage::Released;
        self.queue_required(&PubRel::new(id));
        Ok(())
    }

    fn finish(&mut self, id: PacketId) {
        self.outbound.complete(id);
        self.ids.release(id);
        self.events.push_back(ServerEvent::Delivered(id));
        self.fill_window();
    }

    fn on_pubrel(&mut self, r: &PubRel) -> Result<(), SessionError> {
        let id = r.packet_id;
        let comp = match self.inbound.on_pubrel(id) {
            PubRelVerdict::Released => PubComp::new(id),
            PubRelVerdict::NotFound if self.version.is_v5() => {
                PubComp::with_reason(id, ReasonCode::PACKET_IDENTIFIER_NOT_FOUND)
            }
            PubRelVerdict::NotFound => PubComp::new(id),
            PubRelVerdict::BeforePubRec => {
                return Err(SessionError::WrongAck {
                    packet: PacketType::PubRel,
                    id: id.get(),
                });
            }
        };
        self.queue_required(&comp);
        Ok(())
    }

    fn on_disconnect(&mut self, d: &Disconnect) -> Result<(), SessionError> {
        if let Some(secs) = d.properties.session_expiry_interval {
            if self.wants.session_expiry_secs == 0 && secs != 0 {
                // [MQTT-3.14.2-2]: zero in CONNECT cannot be raised at DISCONNECT.
                return Err(SessionError::UnexpectedPacket {
                    packet: PacketType::Disconnect,
                });
            }
            self.session_expiry = expiry_secs(secs);
        }
        let with_will = d.reason_code == ReasonCode::DISCONNECT_WITH_WILL_MESSAGE;
        self.outbox.clear();
        // A normal DISCONNECT removes the Will [MQTT-3.1.2-10] [MQTT-3.14.4-3].
        self.close(
            ServerCloseReason::ClientDisconnect(d.reason_code),
            with_will,
        );
        Ok(())
    }

    fn on_auth(&mut self, a: Auth) -> Result<(), SessionError> {
        let ok = self.auth_method.is_some()
            && a.properties.authentication_method == self.auth_method
            && match self.phase {
                Phase::Deciding => a.reason_code == ReasonCode::CONTINUE_AUTHENTICATION,
                _ => matches!(
                    a.reason_code,
                    ReasonCode::CONTINUE_AUTHENTICATION | ReasonCode::RE_AUTHENTICATE
                ),
            };
        if !ok {
            return Err(SessionError::UnexpectedPacket {
                packet: PacketType::Auth,
            });
        }
        self.events.push_back(ServerEvent::AuthRequested(a));
        Ok(())
    }

    /// The client broke the protocol: the reason code (5.0: CONNACK before acceptance,
    /// DISCONNECT after), then `Closed`.
    fn fail(&mut self, e: SessionError) -> SessionError {
        self.outbox.clear();
        if self.version.is_v5() {
            let code = e.reason_code();
            match self.phase {
                Phase::Deciding => {
                    let _ = self.outbox.push(&ConnAck::new(false, code));
                }
                Phase::Connected => self.send_disconnect(code),
                Phase::AwaitingConnect | Phase::Closed | Phase::Ended => {}
            }
        }
        if self.is_open() {
            self.close(ServerCloseReason::ProtocolError(e), true);
        }
        e
    }

    fn fail_decode(&mut self, e: DecodeError) -> SessionError {
        if self.phase == Phase::AwaitingConnect {
            // Unsupported level: 3.1.1 return code 0x01 [MQTT-3.1.2-2], or 5.0's 0x84.
            if let DecodeError::UnsupportedProtocolLevel { level } = e {
                let (version, code) = if level > 5 {
                    (
                        ProtocolVersion::V5,
                        ReasonCode::UNSUPPORTED_PROTOCOL_VERSION,
                    )
                } else {
                    (
                        ProtocolVersion::V3_1_1,
                        ReasonCode::V3_UNACCEPTABLE_PROTOCOL_VERSION,
                    )
                };
                self.version = version;
                self.outbox.set_encoder(Encoder::server(version));
                let _ = self.outbox.push(&ConnAck::new(false, code));
                self.close(ServerCloseReason::Refused(code), false);
                return SessionError::Decode(e);
            }
            if self.decoder.version() == Some(ProtocolVersion::V5) {
                let _ = self.outbox.push(&ConnAck::new(false, e.reason_code()));
            }
            self.close(
                ServerCloseReason::ProtocolError(SessionError::Decode(e)),
                false,
            );
            return SessionError::Decode(e);
        }
        self.fail(SessionError::Decode(e))
    }

    /// Resumes in-flight exchanges in order ([`Outbound::resend`]): PUBLISH with DUP = 1
    /// until PUBREC, then PUBREL [MQTT-4.4.0-1] [MQTT-4.4.0-2]. PUBLISHes respect the new
    /// connection's Receive Maximum [MQTT-3.3.4-7]: those beyond it go back to the front of the
    /// queue (keeping their identifiers, original order and DUP = 1) and are resent as
    /// acknowledgments free the window. A resend too large for the client is discarded as if
    /// delivered [MQTT-3.1.2-25] ([`ServerEvent::Dropped`]); a PUBREL too large closes the
    /// connection.
    fn resend_in_flight(&mut self) {
        self.send_outbound(Pass::Resend);
    }

    /// Moves queued messages into flight while the client's Receive Maximum leaves room
    /// [MQTT-3.3.4-9] ([`Outbound::fill`]); one too large for the client is discarded as if
    /// delivered [MQTT-3.1.2-25].
    fn fill_window(&mut self) {
        if self.phase == Phase::Connected {
            self.send_outbound(Pass::Fill);
        }
    }

    /// Runs `pass` under the client's limits.
    fn send_outbound(&mut self, pass: Pass) {
        let mut link = Link {
            outbox: &mut self.outbox,
            aliases: &mut self.aliases_out,
            now: self.now,
            window: SendWindow::new(self.wants.receive_maximum),
            close_on_large_resend: false,
        };
        let (ids, events) = (&mut self.ids, &mut self.events);
        let result = self.outbound.send(
            pass,
            &mut link,
            |_| Ok(()),
            |gone| report_gone(ids, events, gone),
        );
        if let Err(t) = result {
            // A PUBLISH too large is dropped, not kept; only a PUBREL (4 bytes) can be too
            // large here, which `queue_required` shows cannot happen.
            debug_assert!(false, "invariant: PUBREL fits once CONNACK did: {t:?}");
            self.close_unsendable();
        }
    }
}

/// Frees the identifier of a message that left without going out, and reports it.
fn report_gone(ids: &mut PacketIdAllocator, events: &mut VecDeque<ServerEvent>, gone: Gone) {
    let event = match gone {
        Gone::Expired(id) => {
            ids.release(id);
            ServerEvent::Expired(id)
        }
        Gone::Refused { id, reason, .. } => {
            ids.release(id);
            ServerEvent::Dropped {
                id: Some(id),
                reason,
            }
        }
    };
    events.push_back(event);
}

/// The delivery of a QoS 1/2 message with packet identifier `id`.
/// Session Expiry Interval seconds as the session keeps them (`u32::MAX`: never).
fn expiry_secs(secs: u32) -> Option<u32> {
    (secs != u32::MAX).then_some(secs)
}

fn min_opt(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Drops optional diagnostics from a packet: level 1 the Reason String, level 2 the user
/// properties too.
fn strip_diagnostics(packet: &mut Packet, level: u8) {
    fn ack(p: &mut AckProperties, level: u8) {
        p.reason_string = None;
        if level >= 2 {
            p.user_properties = UserProperties::new();
        }
    }
    match packet {
        Packet::PubAck(a) => ack(&mut a.properties, level),
        Packet::PubRec(a) => ack(&mut a.properties, level),
        Packet::PubRel(a) => ack(&mut a.properties, level),
        Packet::PubComp(a) => ack(&mut a.properties, level),
        Packet::SubAck(a) => ack(&mut a.properties, level),
        Packet::UnsubAck(a) => ack(&mut a.properties, level),
        Packet::ConnAck(c) => {
            c.properties.reason_string = None;
            if level >= 2 {
                c.properties.user_properties = UserProperties::new();
            }
        }
        Packet::Disconnect(d) => {
            d.properties.reason_string = None;
            if level >= 2 {
                d.properties.user_properties = UserProperties::new();
            }
        }
        Packet::Auth(a) => {
            a.properties.reason_string = None;
            if level >= 2 {
                a.properties.user_properties = UserProperties::new();
            }
        }
        _ => {}
    }
}
