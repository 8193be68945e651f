//! Session benchmark, workload 7: QoS 1 and QoS 2 messages end to end through the sessions, in
//! memory, codec included: client A → server session A → (broker: a match, one `deliver`) →
//! server session B → client B, with every acknowledgment flowing back on both legs.
//!
//! One iteration publishes a batch of [`BATCH`] messages and pumps both connections until every
//! exchange is complete (A has every `Delivered`, B's server has every `Delivered`, client B has
//! every message). Throughput is reported per message. Before timing, one batch is checked:
//! right count, right payloads, in order, nothing left in flight.
//!
//! No peer crate offers sans-IO client and server sessions to put beside ours, so this group
//! has only our numbers.

use std::hint::black_box;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mqtt_codec::topic::TopicName;
use mqtt_codec::{ConnAckProperties, MqttString, ProtocolVersion, QoS, SubscriptionOptions};
use mqtt_session::{
    ClientConfig, ClientEvent, ClientSession, Instant, Message, Outgoing, ServerConfig,
    ServerEvent, ServerSession,
};

/// Messages per iteration.
const BATCH: usize = 64;

/// One client connected to its server session through two in-memory buffers.
struct Connection {
    client: ClientSession,
    server: ServerSession,
    up: BytesMut,
    down: BytesMut,
}

/// What one pump saw.
#[derive(Default)]
struct Seen {
    published: Vec<mqtt_codec::Publish>,
    client_delivered: usize,
    server_delivered: usize,
    received: Vec<Bytes>,
}

impl Connection {
    fn open(version: ProtocolVersion, id: &str, now: Instant) -> Self {
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
    fn pump(&mut self, now: Instant, seen: &mut Seen) {
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
struct Pair {
    a: Connection,
    b: Connection,
    topic: TopicName,
    payloads: Vec<Bytes>,
    qos: QoS,
    now: Instant,
}

impl Pair {
    fn new(version: ProtocolVersion, qos: QoS) -> Self {
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
    fn run_batch(&mut self) -> (Seen, Seen) {
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
    fn check(&mut self) {
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

fn session(c: &mut Criterion) {
    let mut g = c.benchmark_group("7_session_end_to_end");
    g.throughput(Throughput::Elements(BATCH as u64));
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(3));
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        for qos in [QoS::AtLeastOnce, QoS::ExactlyOnce] {
            let mut pair = Pair::new(version, qos);
            pair.check();
            let name = format!("{version}/qos{}", qos.as_u8());
            g.bench_function(name, |bench| bench.iter(|| black_box(pair.run_batch())));
        }
    }
    g.finish();
}

criterion_group!(benches, session);
criterion_main!(benches);
