//! A client session joined to a scripted server (the codec driven by the test) by in-memory
//! buffers, on a virtual clock that can jump to the session's next deadline. Knobs drop, hold
//! (delay) and split the bytes flowing to the client.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a broken fixture fails the calling test"
)]

use core::time::Duration;

use mqtt_session::codec::bytes::BytesMut;
use mqtt_session::codec::topic::TopicName;
use mqtt_session::codec::{
    ConnAck, Decoder, Delivery, Encoder, Limits, MqttString, Packet, PacketId, ProtocolVersion,
    Publish, QoS, ReasonCode,
};
use mqtt_session::{ClientConfig, ClientEvent, ClientSession, Instant, Message, SessionError};

/// The scripted server: decodes what the client sends, encodes what the test sends.
#[non_exhaustive]
#[derive(Debug)]
pub struct Server {
    /// Protocol version.
    pub version: ProtocolVersion,
    decoder: Decoder,
    encoder: Encoder,
    rx: BytesMut,
    /// Everything decoded from the client and not yet taken.
    pub received: Vec<Packet>,
}

impl Server {
    fn new(version: ProtocolVersion) -> Self {
        Self {
            version,
            decoder: Decoder::awaiting_connect(Limits::default()),
            encoder: Encoder::server(version),
            rx: BytesMut::new(),
            received: Vec::new(),
        }
    }

    fn reset(&mut self) {
        self.decoder = Decoder::awaiting_connect(Limits::default());
        self.rx.clear();
    }
}

/// A client session and a scripted server.
#[non_exhaustive]
#[derive(Debug)]
pub struct Pair {
    /// The session under test.
    pub client: ClientSession,
    /// The scripted server.
    pub server: Server,
    /// The virtual clock.
    pub now: Instant,
    /// Bytes on their way to the client.
    pub to_client: BytesMut,
    /// Every event the client emitted and the test has not taken.
    pub events: Vec<ClientEvent>,
    /// Deliver bytes to the client in chunks of this size (1 = byte by byte).
    pub split: Option<usize>,
    /// Hold bytes for the client until [`Pair::release`] (a delayed link).
    pub hold: bool,
    /// Drop everything the client sends (a lossy link).
    pub drop_to_server: bool,
    /// The last error `handle_bytes` returned.
    pub last_error: Option<SessionError>,
}

/// A topic name.
pub fn name(s: &str) -> TopicName {
    TopicName::new(s).unwrap()
}

/// A packet identifier.
pub fn pid(v: u16) -> PacketId {
    PacketId::new(v).unwrap()
}

/// A message without properties.
pub fn msg(topic: &str, payload: &'static [u8], qos: QoS) -> Message {
    Message::new(name(topic), payload, qos)
}

/// A default configuration for client `client-1`.
pub fn config(version: ProtocolVersion) -> ClientConfig {
    ClientConfig::new(version, MqttString::new("client-1").unwrap())
}

impl Pair {
    /// A pair on the clock's origin.
    pub fn new(config: ClientConfig) -> Self {
        let version = config.version;
        Self {
            client: ClientSession::new(config, Instant::ZERO),
            server: Server::new(version),
            now: Instant::ZERO,
            to_client: BytesMut::new(),
            events: Vec::new(),
            split: None,
            hold: false,
            drop_to_server: false,
            last_error: None,
        }
    }

    /// A 5.0 pair.
    pub fn v5() -> Self {
        Self::new(config(ProtocolVersion::V5))
    }

    /// A 3.1.1 pair.
    pub fn v311() -> Self {
        Self::new(config(ProtocolVersion::V3_1_1))
    }

    /// Transport up, CONNECT to the server, `connack` back; returns the CONNECT seen.
    pub fn connect_with(&mut self, connack: ConnAck) -> Packet {
        // Whatever the server got on an earlier connection is stale now.
        self.server.received.clear();
        self.client.handle_connected(self.now).unwrap();
        self.flush();
        let connect = self.server.received.remove(0);
        assert!(matches!(connect, Packet::Connect(_)), "{connect:?}");
        self.send(Packet::ConnAck(connack));
        connect
    }

    /// Connects with a plain successful CONNACK.
    pub fn connect(&mut self, session_present: bool) -> Packet {
        self.connect_with(ConnAck::new(session_present, ReasonCode::SUCCESS))
    }

    /// Moves the client's queued bytes to the server, and the client's events to `events`.
    pub fn flush(&mut self) {
        let mut tx = BytesMut::new();
        while self.client.poll_transmit(self.now, &mut tx) > 0 {}
        if !self.drop_to_server {
            self.server.rx.extend_from_slice(&tx);
            while let Some(p) = self.server.decoder.decode(&mut self.server.rx).unwrap() {
                self.server.received.push(p);
            }
        }
        while let Some(e) = self.client.poll_event() {
            self.events.push(e);
        }
    }

    /// The server sends `packet` (delivered at once unless held).
    pub fn send(&mut self, packet: Packet) {
        self.server
            .encoder
            .encode(&packet, &mut self.to_client)
            .unwrap();
        if !self.hold {
            self.release();
        }
    }

    /// The server sends raw bytes.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.to_client.extend_from_slice(bytes);
        if !self.hold {
            self.release();
        }
    }

    /// Delivers held bytes to the client (in `split`-sized chunks), then flushes.
    pub fn release(&mut self) {
        let all = self.to_client.split();
        let chunk = self.split.unwrap_or(usize::MAX).max(1);
        let mut rx = BytesMut::new();
        for piece in all.chunks(chunk) {
            rx.extend_from_slice(piece);
            if let Err(e) = self.client.handle_bytes(self.now, &mut rx) {
                self.last_error = Some(e);
                break;
            }
        }
        self.flush();
    }

    /// Packets the server received since the last call.
    pub fn sent(&mut self) -> Vec<Packet> {
        core::mem::take(&mut self.server.received)
    }

    /// Events since the last call.
    pub fn take_events(&mut self) -> Vec<ClientEvent> {
        core::mem::take(&mut self.events)
    }

    /// Jumps the clock to the client's next deadline and handles it. Returns false when the
    /// client has none.
    pub fn advance_to_timeout(&mut self) -> bool {
        let Some(t) = self.client.poll_timeout() else {
            return false;
        };
        self.now = self.now.max(t);
        self.client.handle_timeout(self.now);
        self.flush();
        true
    }

    /// Moves the clock forward by `d` and handles timeouts.
    pub fn advance(&mut self, d: Duration) {
        self.now = self.now + d;
        self.client.handle_timeout(self.now);
        self.flush();
    }

    /// The transport breaks: bytes in flight are lost both ways.
    pub fn drop_connection(&mut self) {
        self.client.handle_disconnected(self.now);
        self.to_client.clear();
        self.server.reset();
        self.flush();
    }

    /// Publishes and flushes.
    pub fn publish(&mut self, m: Message) -> Option<PacketId> {
        let id = self.client.publish(self.now, m).unwrap();
        self.flush();
        id
    }

    /// The server publishes to the client.
    pub fn server_publish(&mut self, topic: &str, payload: &'static [u8], delivery: Delivery) {
        let mut p = Publish::new(name(topic), payload);
        p.delivery = delivery;
        self.send(Packet::Publish(p));
    }
}

/// The PUBLISH packets among `packets`.
pub fn publishes(packets: &[Packet]) -> Vec<&Publish> {
    packets
        .iter()
        .filter_map(|p| match p {
            Packet::Publish(p) => Some(p),
            _ => None,
        })
        .collect()
}

/// Payloads of the `Received` events among `events`.
pub fn received(events: &[ClientEvent]) -> Vec<Vec<u8>> {
    events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::Received(m) => Some(m.publish.payload.to_vec()),
            _ => None,
        })
        .collect()
}

/// Everything is acknowledged at QoS 1 in these tests unless said otherwise.
pub const QOS1: QoS = QoS::AtLeastOnce;
/// QoS 2.
pub const QOS2: QoS = QoS::ExactlyOnce;
/// QoS 0.
pub const QOS0: QoS = QoS::AtMostOnce;
