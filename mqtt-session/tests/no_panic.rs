//! Neither session panics, whatever bytes arrive and whatever the caller does: arbitrary bytes
//! (raw, and after a valid CONNECT / CONNACK), and generated sequences of inputs, commands and
//! time jumps. Every panic ever found is kept below as a regression test.

#![expect(clippy::unwrap_used, reason = "fixtures: a broken one fails the test")]

use core::num::NonZeroU16;

use mqtt_session::codec::bytes::BytesMut;
use mqtt_session::codec::topic::{TopicFilter, TopicName};
use mqtt_session::codec::{
    ConnAckProperties, Connect, Encoder, MqttString, Packet, PacketId, ProtocolVersion, QoS,
    ReasonCode, Subscription, SubscriptionOptions,
};
use mqtt_session::{
    ClientConfig, ClientSession, Instant, Message, Outgoing, ServerConfig, ServerEvent,
    ServerSession, SessionState,
};
use proptest::prelude::*;

fn version(v: u8) -> ProtocolVersion {
    match v % 3 {
        0 => ProtocolVersion::V3_1,
        1 => ProtocolVersion::V3_1_1,
        _ => ProtocolVersion::V5,
    }
}

fn qos(q: u8) -> QoS {
    match q % 3 {
        0 => QoS::AtMostOnce,
        1 => QoS::AtLeastOnce,
        _ => QoS::ExactlyOnce,
    }
}

fn connect_bytes(v: ProtocolVersion) -> BytesMut {
    let mut c = Connect::new(v, MqttString::new("np").unwrap());
    c.keep_alive_secs = 5;
    let mut buf = BytesMut::new();
    Encoder::client(v)
        .encode(&Packet::from(c), &mut buf)
        .unwrap();
    buf
}

fn drain_server(s: &mut ServerSession, now: Instant) {
    let mut tx = BytesMut::new();
    while s.poll_transmit(now, &mut tx) > 0 {}
    while s.poll_event().is_some() {}
    let _ = s.poll_timeout();
}

fn drain_client(c: &mut ClientSession, now: Instant) {
    let mut tx = BytesMut::new();
    while c.poll_transmit(now, &mut tx) > 0 {}
    while c.poll_event().is_some() {}
    let _ = c.poll_timeout();
}

#[derive(Clone, Debug)]
enum ServerOp {
    Bytes(Vec<u8>),
    Accept(bool),
    Refuse(u8),
    Deliver(u8, bool, u16),
    Grant(u16, Vec<u8>),
    Auth(bool),
    Disconnect(u8),
    Timeout(u32),
    Dropped,
    TakeOver(bool),
    Export,
}

fn server_op() -> impl Strategy<Value = ServerOp> {
    prop_oneof![
        4 => proptest::collection::vec(any::<u8>(), 0..64).prop_map(ServerOp::Bytes),
        1 => any::<bool>().prop_map(ServerOp::Accept),
        1 => any::<u8>().prop_map(ServerOp::Refuse),
        3 => (any::<u8>(), any::<bool>(), any::<u16>())
            .prop_map(|(q, r, n)| ServerOp::Deliver(q, r, n)),
        1 => (any::<u16>(), proptest::collection::vec(any::<u8>(), 0..4))
            .prop_map(|(i, c)| ServerOp::Grant(i, c)),
        1 => any::<bool>().prop_map(ServerOp::Auth),
        1 => any::<u8>().prop_map(ServerOp::Disconnect),
        2 => (0u32..200_000).prop_map(ServerOp::Timeout),
        1 => Just(ServerOp::Dropped),
        1 => any::<bool>().prop_map(ServerOp::TakeOver),
        1 => Just(ServerOp::Export),
    ]
}

fn run_server(v: u8, connect_first: bool, ops: Vec<ServerOp>) {
    let v = version(v);
    let mut config = ServerConfig::new();
    config.capabilities.receive_maximum = NonZeroU16::new(3).unwrap();
    config.capabilities.topic_alias_maximum = 2;
    let mut now = Instant::ZERO;
    let mut s = ServerSession::new(config, now);
    let mut rx = BytesMut::new();
    if connect_first {
        rx = connect_bytes(v);
        let _ = s.handle_bytes(now, &mut rx);
    }
    for op in ops {
        match op {
            ServerOp::Bytes(b) => {
                rx.extend_from_slice(&b);
                if s.handle_bytes(now, &mut rx).is_err() {
                    rx.clear();
                }
            }
            ServerOp::Accept(with_state) => {
                let state = with_state.then(|| s.export_state());
                let _ = s.accept(now, ConnAckProperties::default(), state);
                let _ = s.handle_bytes(now, &mut rx);
            }
            ServerOp::Refuse(c) => {
                let _ = s.refuse(now, ReasonCode::from(c));
            }
            ServerOp::Deliver(q, retain, n) => {
                let mut m = Message::new(TopicName::new("a/b").unwrap(), vec![0u8; 8], qos(q));
                m.retain = retain;
                m.properties.message_expiry_interval = (n % 3 == 0).then_some(u32::from(n));
                let mut o = SubscriptionOptions::new(qos(q >> 2));
                o.no_local = n % 5 == 0;
                o.retain_as_published = n % 7 == 0;
                let mut out = Outgoing::new(m, o);
                out.from_self = n % 2 == 0;
                let _ = s.deliver(now, out);
            }
            ServerOp::Grant(id, codes) => {
                if let Some(id) = PacketId::new(id % 4) {
                    let codes = codes.into_iter().map(ReasonCode::from).collect();
                    let _ = s.grant(now, id, codes);
                }
            }
            ServerOp::Auth(success) => {
                let _ = if success {
                    s.auth_success(now, None)
                } else {
                    s.auth_continue(now, None)
                };
            }
            ServerOp::Disconnect(c) => {
                let _ = s.disconnect(now, ReasonCode::from(c));
            }
            ServerOp::Timeout(ms) => {
                now = now + core::time::Duration::from_millis(u64::from(ms));
                s.handle_timeout(now);
            }
            ServerOp::Dropped => s.handle_disconnected(now),
            ServerOp::TakeOver(resume) => {
                let state = s.take_over(now, resume);
                if let Some(state) = state {
                    let bytes = state.to_bytes().unwrap();
                    assert_eq!(SessionState::decode(&bytes).unwrap(), state);
                }
            }
            ServerOp::Export => {
                let state = s.export_state();
                let bytes = state.to_bytes().unwrap();
                assert_eq!(SessionState::decode(&bytes).unwrap(), state);
            }
        }
        drain_server(&mut s, now);
        assert!(s.inbound_unreleased() <= 3 || !v.is_v5());
    }
}

#[derive(Clone, Debug)]
enum ClientOp {
    Connected,
    Bytes(Vec<u8>),
    Publish(u8),
    Subscribe(u8),
    Disconnect(u8),
    Dropped,
    Timeout(u32),
}

fn client_op() -> impl Strategy<Value = ClientOp> {
    prop_oneof![
        1 => Just(ClientOp::Connected),
        4 => proptest::collection::vec(any::<u8>(), 0..64).prop_map(ClientOp::Bytes),
        2 => any::<u8>().prop_map(ClientOp::Publish),
        1 => any::<u8>().prop_map(ClientOp::Subscribe),
        1 => any::<u8>().prop_map(ClientOp::Disconnect),
        1 => Just(ClientOp::Dropped),
        2 => (0u32..200_000).prop_map(ClientOp::Timeout),
    ]
}

fn run_client(v: u8, ops: Vec<ClientOp>) {
    let v = version(v);
    let mut config = ClientConfig::new(v, MqttString::new("np").unwrap());
    config.auto_ack = v.is_v5();
    let mut now = Instant::ZERO;
    let mut c = ClientSession::new(config, now);
    let mut rx = BytesMut::new();
    for op in ops {
        match op {
            ClientOp::Connected => {
                let _ = c.handle_connected(now);
                // A valid CONNACK first, so later bytes reach the connected state.
                let mut ack = BytesMut::new();
                Encoder::server(v)
                    .encode(
                        &Packet::ConnAck(mqtt_session::codec::ConnAck::new(
                            false,
                            ReasonCode::SUCCESS,
                        )),
                        &mut ack,
                    )
                    .unwrap();
                rx.extend_from_slice(&ack);
                if c.handle_bytes(now, &mut rx).is_err() {
                    rx.clear();
                }
            }
            ClientOp::Bytes(b) => {
                rx.extend_from_slice(&b);
                if c.handle_bytes(now, &mut rx).is_err() {
                    rx.clear();
                }
            }
            ClientOp::Publish(q) => {
                let m = Message::new(TopicName::new("t").unwrap(), vec![1u8; 4], qos(q));
                let _ = c.publish(now, m);
            }
            ClientOp::Subscribe(q) => {
                let f = TopicFilter::new("t/#").unwrap();
                let _ = c.subscribe(now, vec![Subscription::new(f, qos(q))]);
            }
            ClientOp::Disconnect(code) => {
                let _ = c.disconnect(now, ReasonCode::from(code));
            }
            ClientOp::Dropped => {
                c.handle_disconnected(now);
                rx.clear();
            }
            ClientOp::Timeout(ms) => {
                now = now + core::time::Duration::from_millis(u64::from(ms));
                c.handle_timeout(now);
            }
        }
        drain_client(&mut c, now);
    }
    let state = c.export_state();
    assert_eq!(
        SessionState::decode(&state.to_bytes().unwrap()).unwrap(),
        state
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn server_arbitrary_bytes_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..256),
        v in any::<u8>(),
        connect_first in any::<bool>(),
    ) {
        let v = version(v);
        let mut s = ServerSession::new(ServerConfig::new(), Instant::ZERO);
        let mut rx = if connect_first { connect_bytes(v) } else { BytesMut::new() };
        let _ = s.handle_bytes(Instant::ZERO, &mut rx);
        if let Some(ServerEvent::ConnectRequested(_)) = s.poll_event() {
            let _ = s.accept(Instant::ZERO, ConnAckProperties::default(), None);
        }
        rx.extend_from_slice(&bytes);
        let _ = s.handle_bytes(Instant::ZERO, &mut rx);
        drain_server(&mut s, Instant::ZERO);
    }

    #[test]
    fn server_op_sequences_never_panic(
        v in any::<u8>(),
        connect_first in any::<bool>(),
        ops in proptest::collection::vec(server_op(), 0..40),
    ) {
        run_server(v, connect_first, ops);
    }

    #[test]
    fn client_op_sequences_never_panic(
        v in any::<u8>(),
        ops in proptest::collection::vec(client_op(), 0..40),
    ) {
        run_client(v, ops);
    }
}

// ----- Regressions: every panic found is kept here. (None found so far.) -----

/// Accepting with a restored state that reuses packet identifiers, then a take-over.
#[test]
fn regression_restore_with_duplicate_ids() {
    let mut s = ServerSession::new(ServerConfig::new(), Instant::ZERO);
    let mut rx = connect_bytes(ProtocolVersion::V5);
    s.handle_bytes(Instant::ZERO, &mut rx).unwrap();
    let mut state = SessionState::new();
    let mut p = mqtt_session::codec::Publish::new(TopicName::new("t").unwrap(), &b"x"[..]);
    p.delivery = mqtt_session::codec::Delivery::AtLeastOnce(PacketId::MIN);
    for _ in 0..2 {
        state.outbound.push(mqtt_session::OutboundMessage::new(
            p.clone(),
            mqtt_session::OutboundStage::Sent,
        ));
    }
    // Clean start: the state is discarded.
    s.accept(Instant::ZERO, ConnAckProperties::default(), Some(state))
        .unwrap();
    assert_eq!(s.in_flight(), 0);
    drain_server(&mut s, Instant::ZERO);
    // Session Expiry 0: the take-over ends the session, nothing to resume.
    assert!(s.take_over(Instant::ZERO, true).is_none());
    assert!(s.is_ended());
}
