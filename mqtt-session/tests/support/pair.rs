//! A real `ClientSession` joined to a real `ServerSession` by in-memory buffers on a virtual
//! clock, with a tiny "broker" around the server: it accepts CONNECTs, grants subscriptions,
//! parks the session when the connection drops and resumes it (through the binary
//! `SessionState` encoding) when the client reconnects with Clean Start = 0. Every packet
//! crossing the wire is logged for assertions.

#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers: a broken fixture fails the calling test"
)]

use core::time::Duration;

use mqtt_session::codec::bytes::BytesMut;
use mqtt_session::codec::{
    ConnAckProperties, Connect, Decoder, Encoder, Limits, MqttString, Packet, ProtocolVersion,
    ReasonCode, SubscriptionOptions,
};
use mqtt_session::{
    ClientConfig, ClientEvent, ClientSession, Instant, Message, Outgoing, ServerConfig,
    ServerEvent, ServerSession, SessionError, SessionState,
};

/// How the broker answers.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Policy {
    /// Accept CONNECTs and grant every subscription at its requested QoS.
    Auto,
    /// Leave decisions to the test (events stay in `server_events`).
    Manual,
}

/// A client and a server session joined by memory.
#[non_exhaustive]
#[derive(Debug)]
pub struct Link {
    /// The client.
    pub client: ClientSession,
    /// The server session of the current connection.
    pub server: ServerSession,
    /// The server session of the previous connection, kept while its session lives.
    pub parked: Option<ServerSession>,
    /// Server configuration for new connections.
    pub server_config: ServerConfig,
    /// The broker's answers.
    pub policy: Policy,
    /// CONNACK properties the broker adds when accepting.
    pub connack: ConnAckProperties,
    /// Messages the broker routes to the client while it decides on the next CONNECT (under
    /// [`Policy::Auto`]; taken by that decision).
    pub before_accept: Vec<Outgoing>,
    /// The virtual clock.
    pub now: Instant,
    c2s: BytesMut,
    s2c: BytesMut,
    log_c2s: Decoder,
    log_s2c: Option<Decoder>,
    /// Packets the client sent (decoded copies), not yet taken.
    pub client_sent: Vec<Packet>,
    /// Packets the server sent (decoded copies), not yet taken.
    pub server_sent: Vec<Packet>,
    /// Client events not yet taken.
    pub client_events: Vec<ClientEvent>,
    /// Server events (current and parked sessions) not yet taken.
    pub server_events: Vec<ServerEvent>,
    /// Errors from the client's `handle_bytes`.
    pub client_errors: Vec<SessionError>,
    /// Errors from the server's `handle_bytes`.
    pub server_errors: Vec<SessionError>,
    /// Number of resumes that went through the binary state encoding.
    pub resumes: usize,
    /// Drop the bytes the server sends (a one-way broken link).
    pub drop_to_client: bool,
    /// Leave the client session out: bytes for it stay in the buffer (raw tests).
    pub client_detached: bool,
}

fn log_limits() -> Limits {
    Limits::default().with_max_packet_size(Limits::PROTOCOL_MAX_PACKET_SIZE)
}

impl Link {
    /// A link whose client uses `config`, not yet connected.
    pub fn new(config: ClientConfig, server_config: ServerConfig) -> Self {
        let now = Instant::ZERO;
        Self {
            client: ClientSession::new(config, now),
            server: ServerSession::new(server_config, now),
            parked: None,
            server_config,
            policy: Policy::Auto,
            connack: ConnAckProperties::default(),
            before_accept: Vec::new(),
            now,
            c2s: BytesMut::new(),
            s2c: BytesMut::new(),
            log_c2s: Decoder::awaiting_connect(log_limits()),
            log_s2c: None,
            client_sent: Vec::new(),
            server_sent: Vec::new(),
            client_events: Vec::new(),
            server_events: Vec::new(),
            client_errors: Vec::new(),
            server_errors: Vec::new(),
            resumes: 0,
            drop_to_client: false,
            client_detached: false,
        }
    }

    /// A link with the default server configuration.
    pub fn with_client(config: ClientConfig) -> Self {
        Self::new(config, ServerConfig::new())
    }

    /// Opens the transport and runs until quiet (with [`Policy::Auto`], until connected).
    pub fn connect(&mut self) {
        if !self.server.is_connected() {
            // A new transport: a new server session (the old one parked if its session lives).
            let fresh = ServerSession::new(self.server_config, self.now);
            let old = core::mem::replace(&mut self.server, fresh);
            if old.is_closed() {
                self.parked = Some(old);
            }
            self.log_c2s = Decoder::awaiting_connect(log_limits());
            self.log_s2c = None;
        }
        self.client.handle_connected(self.now).unwrap();
        self.run();
    }

    /// Moves bytes and handles broker decisions until nothing changes.
    pub fn run(&mut self) {
        for _ in 0..1000 {
            if !self.step() {
                return;
            }
        }
        panic!("the link did not settle");
    }

    fn step(&mut self) -> bool {
        let mut moved = false;
        let mut tx = BytesMut::new();
        while self.client.poll_transmit(self.now, &mut tx) > 0 {}
        if !tx.is_empty() {
            moved = true;
            let mut copy = tx.clone();
            while let Ok(Some(p)) = self.log_c2s.decode(&mut copy) {
                if let Packet::Connect(c) = &p {
                    self.log_s2c = Some(Decoder::client(c.protocol, log_limits()));
                }
                self.client_sent.push(p);
            }
            self.c2s.extend_from_slice(&tx);
        }
        let mut tx = BytesMut::new();
        while self.server.poll_transmit(self.now, &mut tx) > 0 {}
        if !tx.is_empty() && !self.drop_to_client {
            moved = true;
            if let Some(d) = &mut self.log_s2c {
                let mut copy = tx.clone();
                while let Ok(Some(p)) = d.decode(&mut copy) {
                    self.server_sent.push(p);
                }
            }
            self.s2c.extend_from_slice(&tx);
        }
        if !self.c2s.is_empty() && !self.server.is_ended() {
            let before = self.c2s.len();
            if let Err(e) = self.server.handle_bytes(self.now, &mut self.c2s) {
                self.server_errors.push(e);
                self.c2s.clear();
            }
            moved |= self.c2s.len() != before;
        }
        if !self.s2c.is_empty() && !self.client_detached {
            let before = self.s2c.len();
            if let Err(e) = self.client.handle_bytes(self.now, &mut self.s2c) {
                self.client_errors.push(e);
                self.s2c.clear();
            }
            moved |= self.s2c.len() != before;
        }
        while let Some(e) = self.client.poll_event() {
            moved = true;
            self.client_events.push(e);
        }
        if let Some(parked) = &mut self.parked {
            while let Some(e) = parked.poll_event() {
                moved = true;
                self.server_events.push(e);
            }
            if parked.is_ended() {
                self.parked = None;
            }
        }
        while let Some(e) = self.server.poll_event() {
            moved = true;
            if self.policy == Policy::Auto {
                self.decide(&e);
            }
            self.server_events.push(e);
        }
        moved
    }

    /// The broker's decision for one event under [`Policy::Auto`].
    fn decide(&mut self, e: &ServerEvent) {
        match e {
            ServerEvent::ConnectRequested(c) => {
                for out in core::mem::take(&mut self.before_accept) {
                    self.server.deliver(self.now, out).unwrap();
                }
                let state = self.claim_parked(!c.clean_start);
                self.server
                    .accept(self.now, self.connack.clone(), state)
                    .unwrap();
            }
            ServerEvent::SubscribeRequested(s) => {
                let codes = s
                    .subscriptions
                    .iter()
                    .map(|s| ReasonCode::from(s.options.qos.as_u8()))
                    .collect();
                self.server.grant(self.now, s.packet_id, codes).unwrap();
            }
            ServerEvent::UnsubscribeRequested(u) => {
                let codes = vec![ReasonCode::SUCCESS; u.filters.len()];
                self.server.grant(self.now, u.packet_id, codes).unwrap();
            }
            _ => {}
        }
    }

    /// Takes the parked session over (for a new connection): with `resume`, its state,
    /// round-tripped through the binary encoding.
    pub fn claim_parked(&mut self, resume: bool) -> Option<SessionState> {
        let mut parked = self.parked.take()?;
        let state = parked.take_over(self.now, resume);
        while let Some(e) = parked.poll_event() {
            self.server_events.push(e);
        }
        let state = state?;
        let bytes = state.to_bytes().unwrap();
        let decoded = SessionState::decode(&bytes).unwrap();
        assert_eq!(decoded, state, "binary round trip");
        self.resumes += 1;
        Some(decoded)
    }

    /// Accepts a pending CONNECT by hand (under [`Policy::Manual`]).
    pub fn accept(&mut self, state: Option<SessionState>) {
        self.server
            .accept(self.now, self.connack.clone(), state)
            .unwrap();
        self.run();
    }

    /// The transport breaks both ways: in-flight bytes are lost; the server session is parked.
    pub fn drop_connection(&mut self) {
        self.client.handle_disconnected(self.now);
        self.server.handle_disconnected(self.now);
        self.c2s.clear();
        self.s2c.clear();
        self.run();
        self.park();
    }

    /// Parks the current server session (its connection is over) and prepares a fresh one.
    pub fn park(&mut self) {
        let fresh = ServerSession::new(self.server_config, self.now);
        let old = core::mem::replace(&mut self.server, fresh);
        if !old.is_ended() {
            self.parked = Some(old);
        }
        self.log_c2s = Decoder::awaiting_connect(log_limits());
        self.log_s2c = None;
        self.c2s.clear();
        self.s2c.clear();
    }

    /// The earliest deadline of any party.
    pub fn next_deadline(&self) -> Option<Instant> {
        [
            self.client.poll_timeout(),
            self.server.poll_timeout(),
            self.parked.as_ref().and_then(ServerSession::poll_timeout),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Moves the clock to `t` (if later), handles timeouts everywhere, runs until quiet.
    pub fn advance_to(&mut self, t: Instant) {
        self.now = self.now.max(t);
        self.client.handle_timeout(self.now);
        self.server.handle_timeout(self.now);
        if let Some(p) = &mut self.parked {
            p.handle_timeout(self.now);
        }
        self.run();
    }

    /// Moves the clock by `d`, handling every deadline on the way in order.
    pub fn advance(&mut self, d: Duration) {
        let end = self.now + d;
        while let Some(t) = self.next_deadline().filter(|&t| t <= end) {
            self.advance_to(t);
            if self.next_deadline() == Some(t) {
                break;
            }
        }
        self.advance_to(end);
    }

    /// The client publishes `m`, then the link runs.
    pub fn client_publish(&mut self, m: Message) -> Option<mqtt_session::codec::PacketId> {
        let id = self.client.publish(self.now, m).unwrap();
        self.run();
        id
    }

    /// The broker routes `m` to this client through a subscription of `qos`.
    pub fn deliver(&mut self, m: Message) -> Option<mqtt_session::codec::PacketId> {
        let qos = m.qos;
        let id = self
            .server
            .deliver(self.now, Outgoing::new(m, SubscriptionOptions::new(qos)))
            .unwrap();
        self.run();
        id
    }

    /// Client events since the last call.
    pub fn take_client_events(&mut self) -> Vec<ClientEvent> {
        core::mem::take(&mut self.client_events)
    }

    /// Server events since the last call.
    pub fn take_server_events(&mut self) -> Vec<ServerEvent> {
        core::mem::take(&mut self.server_events)
    }

    /// Packets the server sent since the last call.
    pub fn take_server_sent(&mut self) -> Vec<Packet> {
        core::mem::take(&mut self.server_sent)
    }

    /// Packets the client sent since the last call.
    pub fn take_client_sent(&mut self) -> Vec<Packet> {
        core::mem::take(&mut self.client_sent)
    }

    /// Feeds raw bytes from "the client" straight to the server session (no client session
    /// involved), then runs.
    pub fn raw_to_server(&mut self, bytes: &[u8]) {
        self.client_detached = true;
        let mut copy = BytesMut::from(bytes);
        while let Ok(Some(p)) = self.log_c2s.decode(&mut copy) {
            if let Packet::Connect(c) = &p {
                self.log_s2c = Some(Decoder::client(c.protocol, log_limits()));
            }
            self.client_sent.push(p);
        }
        self.c2s.extend_from_slice(bytes);
        self.run();
    }

    /// Bytes the server sent and the client has not read (when the client is bypassed).
    pub fn take_raw_to_client(&mut self) -> BytesMut {
        self.s2c.split()
    }
}

/// Payloads of the `Published` events among `events`.
pub fn server_received(events: &[ServerEvent]) -> Vec<Vec<u8>> {
    events
        .iter()
        .filter_map(|e| match e {
            ServerEvent::Published(p) => Some(p.payload.to_vec()),
            _ => None,
        })
        .collect()
}

/// The wills released among `events`.
pub fn wills(events: &[ServerEvent]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, ServerEvent::WillReleased(_)))
        .count()
}

/// A persistent-session client configuration (5.0: Session Expiry `secs`; 3.x: Clean
/// Session = 0).
pub fn persistent_config(version: ProtocolVersion, secs: u32) -> ClientConfig {
    let mut c = super::harness::config(version);
    if version.is_v5() {
        c.properties.session_expiry_interval = Some(secs);
    } else {
        c.clean_start = false;
    }
    c
}

/// What a client would send: `packets` encoded under `version`.
pub fn encode(version: ProtocolVersion, packets: &[Packet]) -> Vec<u8> {
    let enc = Encoder::client(version);
    let mut buf = BytesMut::new();
    for p in packets {
        enc.encode(p, &mut buf).unwrap();
    }
    buf.to_vec()
}

/// A plain CONNECT (clean start, no keep alive change) for client `id`.
pub fn connect_packet(version: ProtocolVersion, id: &str) -> Packet {
    Packet::from(Connect::new(version, MqttString::new(id).unwrap()))
}
