//! Workload 7: QoS 1 and QoS 2 messages end to end through the sessions, in memory, codec
//! included: client A → server session A → (broker: a match, one `deliver`) → server session B
//! → client B, with every acknowledgment flowing back on both legs. Shared by the criterion
//! bench (`benches/session.rs`) and the profiling driver (`src/bin/profile.rs`).
//!
//! One [`Pair::run_batch`] publishes [`BATCH`] messages and pumps both connections until every
//! exchange is complete (A has every `Delivered`, B's server has every `Delivered`, client B has
//! every message). [`Pair::check`] checks one batch: right count, right payloads, in order,
//! nothing left in flight.

use bytes::{Bytes, BytesMut};
use mqtt_codec::topic::TopicName;
use mqtt_codec::{ConnAckProperties, MqttString, ProtocolVersion, QoS, SubscriptionOptions};
use mqtt_session::{
    ClientConfig, ClientEvent, ClientSession, Instant, Message, Outgoing, ServerConfig,
    ServerEvent, ServerSession,
};

/// Messages per iteration.
pub const BATCH: usize = 64;

/// One client connected to its server session through two in-memory buffers.
pub struct Connection {
    /// The client side.
    pub client: ClientSession,
    /// Its server session.
    pub server: ServerSession,
    up: BytesMut,
    down: BytesMut,
}

/// What one pump saw.
#[derive(Default)]
pub struct Seen {
    /// Messages the server session reported published.
    pub published: Vec<mqtt_codec::Publish>,
    /// `ClientEvent::Delivered` count.
    pub client_delivered: usize,
    /// `ServerEvent::Delivered` count.
    pub server_delivered: usize,
    /// Payloads the client received, in order.
    pub received: Vec<Bytes>,
}

impl Connection {
    /// Connects a client to a fresh server session (CONNECT accepted).
    #[must_use]
    pub fn open(version: ProtocolVersion, id: &str, now: Instant) -> Self {
        let mut config = ClientConfig::new(version, MqttString::new(id).expect("client id"));
        config.keep_alive_secs = 0;
        let mut c = Self {
            client: ClientSession::new(config, now),
            server: ServerSession::new(ServerConfig::new(), now),
            up: BytesMut::with_capacity(64 * 1024),
            down: BytesMut::with_capacity(64 * 1024),
        };
        c.client.handle_connected(now).expect("connect");
        while c.client.poll_transmit(now, &mut c.up) > 0 {}
        c.server.handle_bytes(now, &mut c.up).expect("CONNECT");
        while let Some(e) = c.server.poll_event() {
            if let ServerEvent::ConnectRequested(_) = e {
                c.server
                    .accept(now, ConnAckProperties::default(), None)
                    .expect("accept");
            }
        }
        let mut seen = Seen::default();
        c.pump(now, &mut seen);
        assert!(c.client.is_connected(), "client {id} connected");
        c
    }

    /// Moves bytes both ways and drains events until nothing moves.
    pub fn pump(&mut self, now: Instant, seen: &mut Seen) {
        loop {
            let mut moved = 0;
            while self.client.poll_transmit(now, &mut self.up) > 0 {}
            if !self.up.is_empty() {
                moved += self.up.len();
                self.server
                    .handle_bytes(now, &mut self.up)
                    .expect("server input");
            }
            while let Some(e) = self.server.poll_event() {
                match e {
                    ServerEvent::Published(p) => seen.published.push(p),
                    ServerEvent::Delivered(_) => seen.server_delivered += 1,
                    _ => {}
                }
            }
            while self.server.poll_transmit(now, &mut self.down) > 0 {}
            if !self.down.is_empty() {
                moved += self.down.len();
                self.client
                    .handle_bytes(now, &mut self.down)
                    .expect("client input");
            }
            while let Some(e) = self.client.poll_event() {
                match e {
                    ClientEvent::Delivered(_) => seen.client_delivered += 1,
                    ClientEvent::Received(m) => seen.received.push(m.publish.payload),
                    _ => {}
                }
            }
            if moved == 0 {
                return;
            }
        }
    }
}

/// A publisher, a subscriber and the broker step between them.
pub struct Pair {
    /// The publisher.
    pub a: Connection,
    /// The subscriber.
    pub b: Connection,
    topic: TopicName,
    payloads: Vec<Bytes>,
    qos: QoS,
    now: Instant,
}

impl Pair {
    /// Two connected clients for `version`, publishing at `qos`.
    #[must_use]
    pub fn new(version: ProtocolVersion, qos: QoS) -> Self {
        let now = Instant::ZERO;
        Self {
            a: Connection::open(version, "publisher", now),
            b: Connection::open(version, "subscriber", now),
            topic: TopicName::new("sensors/building-1/floor-3/temperature").expect("topic"),
            payloads: (0..BATCH)
                .map(|i| Bytes::from(format!("{{\"seq\":{i:04},\"celsius\":21.5}}")))
                .collect(),
            qos,
            now,
        }
    }

    /// One batch end to end; returns what both sides saw.
    pub fn run_batch(&mut self) -> (Seen, Seen) {
        let now = self.now;
        for payload in &self.payloads {
            let msg = Message::new(self.topic.clone(), payload.clone(), self.qos);
            self.a.client.publish(now, msg).expect("publish");
        }
        let mut seen_a = Seen::default();
        self.a.pump(now, &mut seen_a);
        let options = SubscriptionOptions::new(self.qos);
        for p in seen_a.published.drain(..) {
            let topic = p.topic.name().expect("resolved topic").clone();
            let msg = Message::new(topic, p.payload, p.delivery.qos());
            self.b
                .server
                .deliver(now, Outgoing::new(msg, options))
                .expect("deliver");
        }
        let mut seen_b = Seen::default();
        self.b.pump(now, &mut seen_b);
        (seen_a, seen_b)
    }

    /// Checks one batch: every message arrives once, in order, and every exchange completes.
    pub fn check(&mut self) {
        let (a, b) = self.run_batch();
        assert_eq!(
            a.client_delivered, BATCH,
            "publisher got every PUBACK / PUBCOMP"
        );
        assert_eq!(
            b.received, self.payloads,
            "subscriber got every message once, in order"
        );
        assert_eq!(
            b.server_delivered, BATCH,
            "subscriber acknowledged every message"
        );
        assert_eq!(self.a.client.in_flight(), 0);
        assert_eq!(self.b.server.in_flight(), 0);
    }
}
