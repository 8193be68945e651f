//! MQTT 5.0 conformance of the client session: one test per `session`-owned normative
//! statement that binds the client (list of the server-only ones at the end).

pub mod support;

use core::num::{NonZeroU16, NonZeroU32};
use core::time::Duration;

use mqtt_session::codec::topic::TopicFilter;
use mqtt_session::codec::{
    Auth, ConnAck, Delivery, Disconnect, MqttString, Packet, ProtocolVersion, PubAck, PubComp,
    PubRec, PubRel, Publish, PublishTopic, QoS, ReasonCode, SubAck, Subscription, UnsubAck,
};
use mqtt_session::{ClientEvent, CloseReason, Instant, UsageError};
use support::conformance::*;
use support::harness::*;

const V: ProtocolVersion = ProtocolVersion::V5;

fn with_connack(f: impl FnOnce(&mut ConnAck)) -> Pair {
    let mut p = Pair::v5();
    let mut c = ConnAck::new(false, ReasonCode::SUCCESS);
    f(&mut c);
    p.connect_with(c);
    p.take_events();
    p
}

fn connected() -> Pair {
    with_connack(|_| {})
}

fn manual() -> Pair {
    let mut c = config(V);
    c.auto_ack = false;
    let mut p = Pair::new(c);
    p.connect(false);
    p.take_events();
    p
}

fn tokens(p: &mut Pair) -> Vec<mqtt_session::AckToken> {
    p.take_events()
        .into_iter()
        .filter_map(|e| match e {
            ClientEvent::Received(m) => m.ack,
            _ => None,
        })
        .collect()
}

#[expect(clippy::unwrap_used, reason = "fixture")]
fn auth_config() -> Pair {
    let mut c = config(V);
    c.properties.authentication_method = Some(MqttString::new("M").unwrap());
    Pair::new(c)
}

#[expect(clippy::unwrap_used, reason = "fixture")]
fn auth(code: ReasonCode, method: &str) -> Packet {
    let mut a = Auth::new(code);
    a.properties.authentication_method = Some(MqttString::new(method).unwrap());
    Packet::Auth(a)
}

/// Each new SUBSCRIBE, UNSUBSCRIBE and QoS > 0 PUBLISH gets a non-zero unused identifier.
#[test]
fn mqtt_2_2_1_3_unused_packet_ids() {
    let mut p = connected();
    let mut ids = publish_n(&mut p, 3, QoS::AtLeastOnce);
    let f = TopicFilter::new("t").unwrap();
    ids.push(
        p.client
            .subscribe(p.now, vec![Subscription::new(f.clone(), QOS0)])
            .unwrap(),
    );
    ids.push(p.client.unsubscribe(p.now, &[f]).unwrap());
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5);
}

/// PUBACK/PUBREC/PUBREL/PUBCOMP reuse the identifier of their PUBLISH.
#[test]
fn mqtt_2_2_1_5_acks_reuse_publish_id() {
    let mut p = connected();
    p.server_publish("t", b"x", Delivery::ExactlyOnce(pid(1000)));
    p.send(Packet::PubRel(PubRel::new(pid(1000))));
    assert_eq!(
        p.sent(),
        [
            Packet::PubRec(PubRec::new(pid(1000))),
            Packet::PubComp(PubComp::new(pid(1000)))
        ]
    );
}

/// SUBACK and UNSUBACK are matched to their request by identifier.
#[test]
fn mqtt_2_2_1_6_suback_unsuback_matched_by_id() {
    let mut p = connected();
    let f = TopicFilter::new("t").unwrap();
    let a = p
        .client
        .subscribe(p.now, vec![Subscription::new(f.clone(), QOS0)])
        .unwrap();
    let b = p.client.unsubscribe(p.now, &[f]).unwrap();
    p.send(Packet::UnsubAck(UnsubAck::new(
        b,
        vec![ReasonCode::SUCCESS],
    )));
    p.send(Packet::SubAck(SubAck::new(a, vec![ReasonCode::SUCCESS])));
    let ev = p.take_events();
    assert!(matches!(ev[0], ClientEvent::Unsubscribed { id, .. } if id == b));
    assert!(matches!(ev[1], ClientEvent::Subscribed { id, .. } if id == a));
}

/// The first packet on a connection is CONNECT.
#[test]
fn mqtt_3_1_0_1_first_packet_is_connect() {
    let mut p = Pair::v5();
    assert!(matches!(p.connect(false), Packet::Connect(_)));
}

/// Clean Start = 1: the client drops its session state (in-flight reported lost).
#[test]
fn mqtt_3_1_2_4_clean_start_drops_state() {
    let mut p = connected(); // session expiry 0: reconnects start clean
    let id = p.publish(msg("t", b"x", QOS1)).unwrap();
    p.drop_connection();
    p.take_events();
    let Packet::Connect(c) = p.connect(false) else {
        unreachable!()
    };
    assert!(c.clean_start);
    assert!(p.take_events().contains(&ClientEvent::Lost(id)));
}

/// An otherwise idle client sends PINGREQ within the Keep Alive.
#[test]
fn mqtt_3_1_2_20_pingreq_when_idle() {
    let mut p = connected();
    p.sent();
    assert_eq!(p.client.poll_timeout(), Some(Instant::from_secs(60)));
    p.advance_to_timeout();
    assert_eq!(p.sent(), [Packet::PingReq]);
}

/// A Server Keep Alive in CONNACK replaces the client's value.
#[test]
fn mqtt_3_1_2_21_server_keep_alive_used() {
    let mut p = with_connack(|c| c.properties.server_keep_alive = Some(7));
    p.sent();
    p.advance_to_timeout();
    assert_eq!(p.now, Instant::from_secs(7));
    assert_eq!(p.sent(), [Packet::PingReq]);
}

/// Session Expiry > 0: state is kept after the connection closes.
#[test]
fn mqtt_3_1_2_23_state_kept_with_session_expiry() {
    let mut p = persistent(V);
    let id = p.publish(msg("t", b"x", QOS1)).unwrap();
    p.drop_connection();
    let Packet::Connect(c) = p.connect(true) else {
        unreachable!()
    };
    assert!(!c.clean_start);
    assert_eq!(published(&p.sent()), [(Delivery::AtLeastOnce(id), true)]);
}

/// With an Authentication Method, only AUTH or DISCONNECT go out before CONNACK.
#[test]
fn mqtt_3_1_2_30_only_auth_before_connack() {
    let mut p = auth_config();
    p.client.handle_connected(p.now).unwrap();
    p.flush();
    p.sent();
    assert_eq!(
        p.client.publish(p.now, msg("t", b"x", QOS0)),
        Err(UsageError::NotConnected)
    );
    let f = TopicFilter::new("t").unwrap();
    assert!(
        p.client
            .subscribe(p.now, vec![Subscription::new(f, QOS0)])
            .is_err()
    );
    p.send(auth(ReasonCode::CONTINUE_AUTHENTICATION, "M"));
    p.client.auth(p.now, None).unwrap();
    p.advance(Duration::from_secs(29));
    assert!(p.sent().iter().all(|x| matches!(x, Packet::Auth(_))));
}

/// The server's first packet is CONNACK (or AUTH); anything else closes the connection.
#[test]
fn mqtt_3_2_0_1_publish_before_connack_closes() {
    let mut p = Pair::v5();
    p.client.handle_connected(p.now).unwrap();
    p.flush();
    p.sent();
    p.server_publish("t", b"x", Delivery::AtMostOnce);
    assert_eq!(
        p.sent(),
        [Packet::Disconnect(Disconnect::with_reason(
            ReasonCode::PROTOCOL_ERROR
        ))]
    );
}

/// At most one CONNACK per connection: a second one is a protocol error.
#[test]
fn mqtt_3_2_0_2_second_connack_closes() {
    let mut p = connected();
    p.send(Packet::ConnAck(ConnAck::new(false, ReasonCode::SUCCESS)));
    assert!(closed(&p.take_events()));
}

/// A client without session state that sees Session Present = 1 closes the connection.
#[test]
fn mqtt_3_2_2_4_unexpected_session_present_closes() {
    let mut p = Pair::v5();
    p.connect(true);
    assert!(closed(&p.take_events()));
    assert_eq!(
        p.sent(),
        [Packet::Disconnect(Disconnect::with_reason(
            ReasonCode::PROTOCOL_ERROR
        ))]
    );
}

/// Session Present = 0 while holding state: the client discards it.
#[test]
fn mqtt_3_2_2_5_session_absent_discards_state() {
    let mut p = persistent(V);
    let id = p.publish(msg("t", b"x", QOS2)).unwrap();
    p.server_publish("t", b"x", Delivery::ExactlyOnce(pid(3)));
    p.drop_connection();
    p.take_events();
    p.connect(false);
    assert!(p.take_events().contains(&ClientEvent::Lost(id)));
    assert!(publishes(&p.sent()).is_empty());
    p.server_publish("t", b"new", Delivery::ExactlyOnce(pid(3)));
    assert_eq!(
        received(&p.take_events()).len(),
        1,
        "inbound QoS 2 ids discarded too"
    );
}

/// The client never publishes above the server's Maximum QoS.
#[test]
fn mqtt_3_2_2_11_maximum_qos_respected() {
    let mut p = with_connack(|c| c.properties.maximum_qos = Some(QoS::AtMostOnce));
    assert!(matches!(
        p.client.publish(p.now, msg("t", b"x", QOS1)),
        Err(UsageError::QoSNotSupported { .. })
    ));
    assert!(p.client.publish(p.now, msg("t", b"x", QOS0)).is_ok());
}

/// Retain Available = 0: the client never sends RETAIN = 1.
#[test]
fn mqtt_3_2_2_14_no_retain_when_unavailable() {
    let mut p = with_connack(|c| c.properties.retain_available = Some(false));
    let mut m = msg("t", b"x", QOS1);
    m.retain = true;
    assert_eq!(
        p.client.publish(p.now, m),
        Err(UsageError::RetainNotSupported)
    );
}

/// The client never sends a packet above the server's Maximum Packet Size.
#[test]
fn mqtt_3_2_2_15_maximum_packet_size_respected() {
    let mut p = with_connack(|c| c.properties.maximum_packet_size = NonZeroU32::new(40));
    assert!(p.client.publish(p.now, msg("t", &[7u8; 64], QOS1)).is_err());
    assert!(p.client.publish(p.now, msg("t", &[7u8; 8], QOS1)).is_ok());
    p.flush();
    assert_eq!(publishes(&p.sent()).len(), 1);
}

/// The client never sends a Topic Alias above the server's Topic Alias Maximum.
#[test]
fn mqtt_3_2_2_17_alias_within_server_maximum() {
    let mut p = with_connack(|c| c.properties.topic_alias_maximum = Some(2));
    for t in ["a", "b", "c", "d", "a"] {
        p.publish(msg(t, b"x", QOS0));
    }
    let sent = p.sent();
    assert!(
        publishes(&sent)
            .iter()
            .all(|p| p.topic.alias().is_none_or(|a| a.get() <= 2))
    );
}

/// No Topic Alias Maximum from the server: the client sends no aliases.
#[test]
fn mqtt_3_2_2_18_no_aliases_without_server_maximum() {
    let mut p = connected();
    for _ in 0..3 {
        p.publish(msg("a/b", b"x", QOS0));
    }
    assert!(
        publishes(&p.sent())
            .iter()
            .all(|p| p.topic.alias().is_none())
    );
}

/// The client adopts the Server Keep Alive.
#[test]
fn mqtt_3_2_2_21_client_adopts_server_keep_alive() {
    let p = with_connack(|c| c.properties.server_keep_alive = Some(120));
    assert_eq!(p.client.keep_alive_secs(), 120);
    assert_eq!(p.client.poll_timeout(), Some(Instant::from_secs(120)));
}

/// DUP = 1 on re-delivery.
#[test]
fn mqtt_3_3_1_1_dup_on_redelivery() {
    let mut p = persistent(V);
    let id = p.publish(msg("t", b"x", QOS1)).unwrap();
    p.drop_connection();
    p.connect(true);
    assert_eq!(published(&p.sent()), [(Delivery::AtLeastOnce(id), true)]);
}

/// An incoming DUP is not copied: the client's first transmissions always have DUP = 0.
#[test]
fn mqtt_3_3_1_3_dup_only_for_retransmission() {
    let mut p = connected();
    let mut dup = Publish::new(name("t"), &b"x"[..]);
    dup.delivery = Delivery::AtLeastOnce(pid(1));
    dup.dup = true;
    p.send(Packet::Publish(dup));
    p.publish(msg("t", b"x", QOS1));
    assert!(publishes(&p.sent()).iter().all(|p| !p.dup));
}

/// Topic aliases are never carried over to another connection.
#[test]
fn mqtt_3_3_2_7_aliases_per_connection() {
    let mut c = config(V);
    c.properties.topic_alias_maximum = Some(3);
    let mut p = Pair::new(c);
    p.connect(false);
    let one = NonZeroU16::new(1).unwrap();
    p.send(Packet::Publish(Publish::new(
        PublishTopic::NameAndAlias(name("t"), one),
        &b"x"[..],
    )));
    p.drop_connection();
    p.connect(false);
    p.sent();
    p.send(Packet::Publish(Publish::new(
        PublishTopic::Alias(one),
        &b"x"[..],
    )));
    assert_eq!(
        p.sent(),
        [Packet::Disconnect(Disconnect::with_reason(
            ReasonCode::PROTOCOL_ERROR
        ))],
        "the old mapping is gone"
    );
}

/// The client's aliases never exceed the server's Topic Alias Maximum.
#[test]
fn mqtt_3_3_2_9_client_alias_bounded() {
    let mut p = with_connack(|c| c.properties.topic_alias_maximum = Some(1));
    p.publish(msg("a", b"x", QOS0));
    p.publish(msg("b", b"x", QOS0));
    let sent = p.sent();
    let aliases: Vec<_> = publishes(&sent).iter().map(|p| p.topic.alias()).collect();
    assert_eq!(aliases, [NonZeroU16::new(1), None]);
}

/// The client accepts every alias from 1 to the maximum it sent; above it is 0x94.
#[test]
fn mqtt_3_3_2_10_client_accepts_aliases_up_to_its_maximum() {
    let mut c = config(V);
    c.properties.topic_alias_maximum = Some(3);
    let mut p = Pair::new(c);
    p.connect(false);
    p.take_events();
    for a in 1..=3 {
        let alias = NonZeroU16::new(a).unwrap();
        p.send(Packet::Publish(Publish::new(
            PublishTopic::NameAndAlias(name("t"), alias),
            &b"x"[..],
        )));
    }
    assert_eq!(received(&p.take_events()).len(), 3);
    let four = NonZeroU16::new(4).unwrap();
    p.sent();
    p.send(Packet::Publish(Publish::new(
        PublishTopic::NameAndAlias(name("t"), four),
        &b"x"[..],
    )));
    assert_eq!(
        p.sent(),
        [Packet::Disconnect(Disconnect::with_reason(
            ReasonCode::TOPIC_ALIAS_INVALID
        ))]
    );
}

/// The receiver answers per QoS: nothing, PUBACK, PUBREC.
#[test]
fn mqtt_3_3_4_1_response_per_qos() {
    let mut p = connected();
    p.sent();
    p.server_publish("t", b"0", Delivery::AtMostOnce);
    p.server_publish("t", b"1", Delivery::AtLeastOnce(pid(1)));
    p.server_publish("t", b"2", Delivery::ExactlyOnce(pid(2)));
    assert_eq!(
        p.sent(),
        [
            Packet::PubAck(PubAck::new(pid(1))),
            Packet::PubRec(PubRec::new(pid(2)))
        ]
    );
}

/// Unacknowledged QoS 1/2 PUBLISHes never exceed the server's Receive Maximum.
#[test]
fn mqtt_3_3_4_7_in_flight_bounded_by_receive_maximum() {
    let mut p = with_connack(|c| c.properties.receive_maximum = NonZeroU16::new(3));
    publish_n(&mut p, 10, QOS2);
    assert_eq!(publishes(&p.sent()).len(), 3);
    assert_eq!(p.client.in_flight(), 3);
}

/// Blocked by Receive Maximum, the client still sends other packets at once.
#[test]
fn mqtt_3_3_4_8_other_packets_not_blocked() {
    let mut p = with_connack(|c| c.properties.receive_maximum = NonZeroU16::new(1));
    let ids = publish_n(&mut p, 2, QOS2);
    p.sent();
    p.server_publish("t", b"x", Delivery::AtLeastOnce(pid(5)));
    let f = TopicFilter::new("t").unwrap();
    p.client
        .subscribe(p.now, vec![Subscription::new(f, QOS0)])
        .unwrap();
    p.publish(msg("t", b"q0", QOS0));
    p.send(Packet::PubRec(PubRec::new(ids[0])));
    let sent = p.sent();
    assert!(matches!(sent[0], Packet::PubAck(_)));
    assert!(matches!(sent[1], Packet::Subscribe(_)));
    assert_eq!(published(&sent[2..3]), [(Delivery::AtMostOnce, false)]);
    assert_eq!(sent[3], Packet::PubRel(PubRel::new(ids[0])));
}

/// The client enforces its own Receive Maximum on what the server sends (0x93).
#[test]
fn mqtt_3_3_4_9_server_exceeding_our_receive_maximum_closes() {
    let mut c = config(V);
    c.properties.receive_maximum = NonZeroU16::new(2);
    let mut p = Pair::new(c);
    p.connect(false);
    p.sent();
    for i in 1..=3 {
        p.server_publish("t", b"x", Delivery::ExactlyOnce(pid(i)));
    }
    assert_eq!(
        p.sent().last(),
        Some(&Packet::Disconnect(Disconnect::with_reason(
            ReasonCode::RECEIVE_MAXIMUM_EXCEEDED
        )))
    );
}

fn acks_without_properties(sent: &[Packet]) -> bool {
    sent.iter().all(|p| match p {
        Packet::PubAck(a) => a.properties.is_empty(),
        Packet::PubRec(a) => a.properties.is_empty(),
        Packet::PubRel(a) => a.properties.is_empty(),
        Packet::PubComp(a) => a.properties.is_empty(),
        Packet::Disconnect(d) => d.properties.is_empty(),
        Packet::Auth(a) => {
            a.properties.reason_string.is_none() && a.properties.user_properties.is_empty()
        }
        _ => true,
    })
}

/// A small server Maximum Packet Size, and every acknowledgment of one kind.
fn tiny_max_exchange(kind: u8) -> Vec<Packet> {
    let mut p = with_connack(|c| c.properties.maximum_packet_size = NonZeroU32::new(8));
    match kind {
        0 => p.server_publish("t", b"x", Delivery::AtLeastOnce(pid(1))),
        1 => p.server_publish("t", b"x", Delivery::ExactlyOnce(pid(1))),
        2 => p.send(Packet::PubRel(PubRel::new(pid(9)))),
        _ => {
            p.server_publish("t", b"x", Delivery::ExactlyOnce(pid(1)));
            p.send(Packet::PubRel(PubRel::new(pid(1))));
        }
    }
    let sent = p.sent();
    assert!(!sent.is_empty());
    assert!(acks_without_properties(&sent));
    sent
}

/// PUBACK: no Reason String beyond the server's Maximum Packet Size (the client sends none).
#[test]
fn mqtt_3_4_2_2_puback_reason_string_omitted() {
    assert!(matches!(tiny_max_exchange(0)[..], [Packet::PubAck(_)]));
}

/// PUBACK: no User Properties beyond the server's Maximum Packet Size.
#[test]
fn mqtt_3_4_2_3_puback_user_properties_omitted() {
    assert!(acks_without_properties(&tiny_max_exchange(0)));
}

/// PUBREC: no Reason String beyond the server's Maximum Packet Size.
#[test]
fn mqtt_3_5_2_2_pubrec_reason_string_omitted() {
    assert!(matches!(tiny_max_exchange(1)[..], [Packet::PubRec(_)]));
}

/// PUBREC: no User Properties beyond the server's Maximum Packet Size.
#[test]
fn mqtt_3_5_2_3_pubrec_user_properties_omitted() {
    assert!(acks_without_properties(&tiny_max_exchange(1)));
}

/// PUBREL: no Reason String beyond the server's Maximum Packet Size.
#[test]
fn mqtt_3_6_2_2_pubrel_reason_string_omitted() {
    let mut p = with_connack(|c| c.properties.maximum_packet_size = NonZeroU32::new(20));
    let id = p.publish(msg("t", b"x", QOS2)).unwrap();
    p.sent();
    p.send(Packet::PubRec(PubRec::new(id)));
    let sent = p.sent();
    assert_eq!(sent, [Packet::PubRel(PubRel::new(id))]);
}

/// PUBREL: no User Properties beyond the server's Maximum Packet Size.
#[test]
fn mqtt_3_6_2_3_pubrel_user_properties_omitted() {
    let mut p = connected();
    p.send(Packet::PubRec(PubRec::new(pid(77)))); // unknown: PUBREL 0x92, still no properties
    assert!(acks_without_properties(&p.sent()));
}

/// PUBCOMP: no Reason String beyond the server's Maximum Packet Size.
#[test]
fn mqtt_3_7_2_2_pubcomp_reason_string_omitted() {
    assert!(matches!(
        tiny_max_exchange(3)[..],
        [Packet::PubRec(_), Packet::PubComp(_)]
    ));
}

/// PUBCOMP: no User Properties beyond the server's Maximum Packet Size.
#[test]
fn mqtt_3_7_2_3_pubcomp_user_properties_omitted() {
    assert!(acks_without_properties(&tiny_max_exchange(2)));
}

/// DISCONNECT: no Reason String beyond the server's Maximum Packet Size.
#[test]
fn mqtt_3_14_2_3_disconnect_reason_string_omitted() {
    let mut p = with_connack(|c| c.properties.maximum_packet_size = NonZeroU32::new(4));
    p.client.disconnect(p.now, ReasonCode::SUCCESS).unwrap();
    p.flush();
    assert!(acks_without_properties(&p.sent()));
}

/// DISCONNECT: no User Properties beyond the server's Maximum Packet Size.
#[test]
fn mqtt_3_14_2_4_disconnect_user_properties_omitted() {
    let mut p = with_connack(|c| c.properties.maximum_packet_size = NonZeroU32::new(4));
    p.send(Packet::ConnAck(ConnAck::new(false, ReasonCode::SUCCESS))); // violation
    let sent = p.sent();
    assert!(matches!(sent[..], [Packet::Disconnect(_)]));
    assert!(acks_without_properties(&sent));
}

/// After DISCONNECT nothing more is sent.
#[test]
fn mqtt_3_14_4_1_nothing_after_disconnect() {
    let mut p = connected();
    p.client.disconnect(p.now, ReasonCode::SUCCESS).unwrap();
    assert!(p.client.publish(p.now, msg("t", b"x", QOS0)).is_err());
    p.advance(Duration::from_secs(300));
    assert!(matches!(p.sent()[..], [Packet::Disconnect(_)]));
}

/// After DISCONNECT the connection is closed (the session reports it).
#[test]
fn mqtt_3_14_4_2_closed_after_disconnect() {
    let mut p = connected();
    p.client.disconnect(p.now, ReasonCode::SUCCESS).unwrap();
    p.flush();
    assert_eq!(p.take_events(), [ClientEvent::Closed(CloseReason::Local)]);
}

/// A DISCONNECT before a successful CONNACK is a protocol error the client closes on.
#[test]
fn mqtt_3_14_0_1_disconnect_before_connack_closes() {
    let mut p = Pair::v5();
    p.client.handle_connected(p.now).unwrap();
    p.flush();
    p.send(Packet::Disconnect(Disconnect::new()));
    assert!(matches!(
        p.take_events()[..],
        [ClientEvent::Closed(CloseReason::ProtocolError(_))]
    ));
}

/// AUTH: no Reason String beyond the server's Maximum Packet Size.
#[test]
fn mqtt_3_15_2_2_auth_reason_string_omitted() {
    let mut p = auth_config();
    p.client.handle_connected(p.now).unwrap();
    p.flush();
    p.send(auth(ReasonCode::CONTINUE_AUTHENTICATION, "M"));
    p.client.auth(p.now, None).unwrap();
    p.flush();
    let sent = p.sent();
    assert!(matches!(sent.last(), Some(Packet::Auth(_))));
    assert!(acks_without_properties(&sent));
}

/// AUTH: no User Properties beyond the server's Maximum Packet Size.
#[test]
fn mqtt_3_15_2_3_auth_user_properties_omitted() {
    let mut p = auth_config();
    p.connect(false);
    p.client.reauthenticate(p.now, None).unwrap();
    p.flush();
    assert!(acks_without_properties(&p.sent()));
}

/// Neither side discards session state while connected.
#[test]
fn mqtt_4_1_0_1_state_kept_while_connected() {
    let mut p = connected();
    let id = p.publish(msg("t", b"x", QOS2)).unwrap();
    p.advance(Duration::from_secs(10_000));
    assert!(p.client.is_packet_id_in_use(id) || closed(&p.take_events()));
}

/// QoS 0: QoS 0, DUP 0.
#[test]
fn mqtt_4_3_1_1_qos0() {
    let mut p = connected();
    p.publish(msg("t", b"x", QOS0));
    assert_eq!(published(&p.sent()), [(Delivery::AtMostOnce, false)]);
}

/// QoS 1: an unused identifier for every new message.
#[test]
fn mqtt_4_3_2_1_qos1_new_id_per_message() {
    let mut p = connected();
    let ids = publish_n(&mut p, 3, QOS1);
    assert!(ids[0] != ids[1] && ids[1] != ids[2]);
}

/// QoS 1: PUBLISH with the identifier, QoS 1, DUP 0.
#[test]
fn mqtt_4_3_2_2_qos1_publish() {
    let mut p = connected();
    let id = p.publish(msg("t", b"x", QOS1)).unwrap();
    assert_eq!(published(&p.sent()), [(Delivery::AtLeastOnce(id), false)]);
}

/// QoS 1: unacknowledged until PUBACK.
#[test]
fn mqtt_4_3_2_3_qos1_unacked_until_puback() {
    let mut p = connected();
    let id = p.publish(msg("t", b"x", QOS1)).unwrap();
    p.send(Packet::PubRec(PubRec::new(pid(999))));
    assert!(p.client.is_packet_id_in_use(id));
    p.send(Packet::PubAck(PubAck::new(id)));
    assert!(!p.client.is_packet_id_in_use(id));
}

/// QoS 1 receiver: PUBACK with the PUBLISH's identifier.
#[test]
fn mqtt_4_3_2_4_qos1_receiver_puback() {
    let mut p = connected();
    p.server_publish("t", b"x", Delivery::AtLeastOnce(pid(12)));
    assert_eq!(p.sent(), [Packet::PubAck(PubAck::new(pid(12)))]);
}

/// After PUBACK, the same identifier is a new message.
#[test]
fn mqtt_4_3_2_5_id_after_puback_is_new() {
    let mut p = connected();
    p.server_publish("t", b"a", Delivery::AtLeastOnce(pid(12)));
    let mut again = Publish::new(name("t"), &b"b"[..]);
    again.delivery = Delivery::AtLeastOnce(pid(12));
    again.dup = true;
    p.send(Packet::Publish(again));
    assert_eq!(received(&p.take_events()).len(), 2);
}

/// QoS 2: an unused identifier for every new message.
#[test]
fn mqtt_4_3_3_1_qos2_new_id_per_message() {
    let mut p = connected();
    let ids = publish_n(&mut p, 2, QOS2);
    assert_ne!(ids[0], ids[1]);
}

/// QoS 2: PUBLISH with the identifier, QoS 2, DUP 0.
#[test]
fn mqtt_4_3_3_2_qos2_publish() {
    let mut p = connected();
    let id = p.publish(msg("t", b"x", QOS2)).unwrap();
    assert_eq!(published(&p.sent()), [(Delivery::ExactlyOnce(id), false)]);
}

/// QoS 2: unacknowledged until PUBREC.
#[test]
fn mqtt_4_3_3_3_qos2_unacked_until_pubrec() {
    let mut p = connected();
    let id = p.publish(msg("t", b"x", QOS2)).unwrap();
    p.sent();
    p.send(Packet::PubComp(PubComp::new(id))); // out of order: a violation
    assert!(closed(&p.take_events()));
}

/// PUBREC below 0x80: PUBREL with the same identifier.
#[test]
fn mqtt_4_3_3_4_pubrel_after_pubrec() {
    let mut p = connected();
    let id = p.publish(msg("t", b"x", QOS2)).unwrap();
    p.sent();
    p.send(Packet::PubRec(PubRec::with_reason(
        id,
        ReasonCode::NO_MATCHING_SUBSCRIBERS,
    )));
    assert_eq!(p.sent(), [Packet::PubRel(PubRel::new(id))]);
}

/// PUBREL unacknowledged until PUBCOMP.
#[test]
fn mqtt_4_3_3_5_pubrel_unacked_until_pubcomp() {
    let mut p = persistent(V);
    let id = p.publish(msg("t", b"x", QOS2)).unwrap();
    pubrec_all(&mut p, &[id]);
    p.drop_connection();
    p.connect(true);
    assert_eq!(p.sent(), [Packet::PubRel(PubRel::new(id))]);
    p.send(Packet::PubComp(PubComp::new(id)));
    assert!(!p.client.is_packet_id_in_use(id));
}

/// After PUBREL the PUBLISH is never sent again.
#[test]
fn mqtt_4_3_3_6_no_publish_after_pubrel() {
    let mut p = persistent(V);
    let id = p.publish(msg("t", b"x", QOS2)).unwrap();
    pubrec_all(&mut p, &[id]);
    for _ in 0..2 {
        p.drop_connection();
        p.connect(true);
        assert!(publishes(&p.sent()).is_empty());
    }
}

/// A message whose PUBLISH was sent is not expired by the sender.
#[test]
fn mqtt_4_3_3_7_sent_message_not_expired() {
    let mut p = persistent(V);
    let mut m = msg("t", b"x", QOS1);
    m.properties.message_expiry_interval = Some(5);
    let id = p.publish(m).unwrap();
    p.drop_connection();
    p.advance(Duration::from_secs(60));
    p.connect(true);
    assert!(!p.take_events().contains(&ClientEvent::Expired(id)));
    assert_eq!(published(&p.sent()), [(Delivery::AtLeastOnce(id), true)]);
}

/// QoS 2 receiver: PUBREC with the PUBLISH's identifier.
#[test]
fn mqtt_4_3_3_8_qos2_receiver_pubrec() {
    let mut p = connected();
    p.server_publish("t", b"x", Delivery::ExactlyOnce(pid(8)));
    assert_eq!(p.sent(), [Packet::PubRec(PubRec::new(pid(8)))]);
}

/// The client never sends a failing PUBREC, so the id stays held until PUBREL (a duplicate is
/// not a new message).
#[test]
fn mqtt_4_3_3_9_id_held_after_successful_pubrec() {
    let mut p = connected();
    p.server_publish("t", b"x", Delivery::ExactlyOnce(pid(8)));
    p.server_publish("t", b"x", Delivery::ExactlyOnce(pid(8)));
    assert_eq!(received(&p.take_events()).len(), 1);
}

/// Before PUBREL, a repeated PUBLISH gets PUBREC again and is not delivered again.
#[test]
fn mqtt_4_3_3_10_duplicate_gets_pubrec_not_delivery() {
    let mut p = connected();
    for _ in 0..3 {
        p.server_publish("t", b"x", Delivery::ExactlyOnce(pid(8)));
    }
    assert_eq!(received(&p.take_events()).len(), 1);
    assert_eq!(p.sent().len(), 3);
}

/// PUBREL is answered with PUBCOMP with the same identifier.
#[test]
fn mqtt_4_3_3_11_pubcomp_answers_pubrel() {
    let mut p = connected();
    p.server_publish("t", b"x", Delivery::ExactlyOnce(pid(8)));
    p.sent();
    p.send(Packet::PubRel(PubRel::new(pid(8))));
    assert_eq!(p.sent(), [Packet::PubComp(PubComp::new(pid(8)))]);
}

/// After PUBCOMP the identifier is a new message.
#[test]
fn mqtt_4_3_3_12_id_after_pubcomp_is_new() {
    let mut p = connected();
    p.server_publish("t", b"a", Delivery::ExactlyOnce(pid(8)));
    p.send(Packet::PubRel(PubRel::new(pid(8))));
    p.server_publish("t", b"b", Delivery::ExactlyOnce(pid(8)));
    assert_eq!(received(&p.take_events()), [b"a".to_vec(), b"b".to_vec()]);
}

/// The receiver completes the QoS 2 handshake even for an expired message.
#[test]
fn mqtt_4_3_3_13_handshake_completed_even_if_expired() {
    let mut p = connected();
    let mut e = Publish::new(name("t"), &b"x"[..]);
    e.delivery = Delivery::ExactlyOnce(pid(3));
    e.properties.message_expiry_interval = Some(1);
    p.send(Packet::Publish(e));
    p.advance(Duration::from_secs(5));
    p.send(Packet::PubRel(PubRel::new(pid(3))));
    let sent = p.sent();
    assert_eq!(sent.last(), Some(&Packet::PubComp(PubComp::new(pid(3)))));
}

/// Resume with session present: unacknowledged PUBLISH and PUBREL resent; never otherwise.
#[test]
fn mqtt_4_4_0_1_resend_only_on_resume() {
    let mut p = persistent(V);
    let id = p.publish(msg("t", b"x", QOS1)).unwrap();
    p.sent();
    p.advance(Duration::from_secs(30)); // no retransmission on a live connection
    assert!(publishes(&p.sent()).is_empty());
    p.drop_connection();
    p.connect(true);
    assert_eq!(published(&p.sent()), [(Delivery::AtLeastOnce(id), true)]);
}

/// A PUBACK or PUBREC of 0x80 or above completes the message: no retransmission.
#[test]
fn mqtt_4_4_0_2_failure_ack_completes() {
    let mut p = persistent(V);
    let a = p.publish(msg("t", b"x", QOS1)).unwrap();
    let b = p.publish(msg("t", b"x", QOS2)).unwrap();
    p.send(Packet::PubAck(PubAck::with_reason(
        a,
        ReasonCode::NOT_AUTHORIZED,
    )));
    p.send(Packet::PubRec(PubRec::with_reason(
        b,
        ReasonCode::QUOTA_EXCEEDED,
    )));
    p.drop_connection();
    p.connect(true);
    assert!(p.sent().is_empty());
}

/// The client acknowledges every received PUBLISH per its QoS.
#[test]
fn mqtt_4_5_0_2_every_publish_acknowledged() {
    let mut p = connected();
    p.sent();
    for i in 1..=4 {
        p.server_publish("nobody/listens", b"x", Delivery::AtLeastOnce(pid(i)));
    }
    assert_eq!(p.sent().len(), 4);
}

/// Resent PUBLISHes keep their original order.
#[test]
fn mqtt_4_6_0_1_resend_in_original_order() {
    let mut p = persistent(V);
    let ids = publish_n(&mut p, 5, QOS2);
    p.drop_connection();
    p.connect(true);
    let got: Vec<_> = published(&p.sent()).into_iter().map(|(d, _)| d).collect();
    let want: Vec<_> = ids.into_iter().map(Delivery::ExactlyOnce).collect();
    assert_eq!(got, want);
}

/// PUBACKs in the order the QoS 1 PUBLISHes arrived.
#[test]
fn mqtt_4_6_0_2_pubacks_in_arrival_order() {
    let mut p = manual();
    for i in [5, 3, 9] {
        p.server_publish("t", b"x", Delivery::AtLeastOnce(pid(i)));
    }
    for t in tokens(&mut p).into_iter().rev() {
        p.client.ack(p.now, t).unwrap();
    }
    p.flush();
    let want: Vec<_> = [5, 3, 9]
        .iter()
        .map(|&i| Packet::PubAck(PubAck::new(pid(i))))
        .collect();
    assert_eq!(p.sent(), want);
}

/// PUBRECs in the order the QoS 2 PUBLISHes arrived.
#[test]
fn mqtt_4_6_0_3_pubrecs_in_arrival_order() {
    let mut p = manual();
    for i in [2, 1] {
        p.server_publish("t", b"x", Delivery::ExactlyOnce(pid(i)));
    }
    for t in tokens(&mut p).into_iter().rev() {
        p.client.ack(p.now, t).unwrap();
    }
    p.flush();
    assert_eq!(
        p.sent(),
        [
            Packet::PubRec(PubRec::new(pid(2))),
            Packet::PubRec(PubRec::new(pid(1)))
        ]
    );
}

/// PUBRELs in the order the PUBRECs arrived.
#[test]
fn mqtt_4_6_0_4_pubrels_in_pubrec_order() {
    let mut p = connected();
    let ids = publish_n(&mut p, 3, QOS2);
    p.sent();
    let order = [ids[1], ids[2], ids[0]];
    pubrec_all(&mut p, &order);
    let want: Vec<_> = order
        .iter()
        .map(|&i| Packet::PubRel(PubRel::new(i)))
        .collect();
    assert_eq!(p.sent(), want);
}

/// The initial send quota is the server's Receive Maximum.
#[test]
fn mqtt_4_9_0_1_initial_quota_is_receive_maximum() {
    let mut p = with_connack(|c| c.properties.receive_maximum = NonZeroU16::new(4));
    publish_n(&mut p, 6, QOS1);
    assert_eq!(publishes(&p.sent()).len(), 4);
}

/// Quota zero: no QoS > 0 PUBLISH until an acknowledgment returns quota.
#[test]
fn mqtt_4_9_0_2_no_publish_at_zero_quota() {
    let mut p = with_connack(|c| c.properties.receive_maximum = NonZeroU16::new(1));
    let ids = publish_n(&mut p, 2, QOS1);
    p.sent();
    p.advance(Duration::from_secs(10));
    assert!(publishes(&p.sent()).is_empty());
    puback_all(&mut p, &ids[..1]);
    assert_eq!(
        published(&p.sent()),
        [(Delivery::AtLeastOnce(ids[1]), false)]
    );
}

/// Zero quota never stops other packets (acks, pings, QoS 0).
#[test]
fn mqtt_4_9_0_3_zero_quota_does_not_block_others() {
    let mut p = with_connack(|c| c.properties.receive_maximum = NonZeroU16::new(1));
    publish_n(&mut p, 3, QOS1);
    p.sent();
    p.server_publish("t", b"x", Delivery::ExactlyOnce(pid(1)));
    p.advance(Duration::from_secs(60));
    let sent = p.sent();
    assert!(matches!(sent[..], [Packet::PubRec(_), Packet::PingReq]));
}

/// The client's AUTH reply during the exchange uses 0x18.
#[test]
fn mqtt_4_12_0_3_client_auth_reply_is_continue() {
    let mut p = auth_config();
    p.client.handle_connected(p.now).unwrap();
    p.flush();
    p.sent();
    p.send(auth(ReasonCode::CONTINUE_AUTHENTICATION, "M"));
    p.client.auth(p.now, None).unwrap();
    p.flush();
    assert!(
        matches!(&p.sent()[..], [Packet::Auth(a)] if a.reason_code == ReasonCode::CONTINUE_AUTHENTICATION)
    );
}

/// Every AUTH repeats the CONNECT's method: a different one from the server is a protocol error.
#[test]
fn mqtt_4_12_0_5_same_method_throughout() {
    let mut p = auth_config();
    p.client.handle_connected(p.now).unwrap();
    p.flush();
    p.sent();
    p.send(auth(ReasonCode::CONTINUE_AUTHENTICATION, "OTHER"));
    assert_eq!(
        p.sent(),
        [Packet::Disconnect(Disconnect::with_reason(
            ReasonCode::PROTOCOL_ERROR
        ))]
    );
}

/// Without an Authentication Method in CONNECT, the client never sends AUTH.
#[test]
fn mqtt_4_12_0_7_no_auth_without_method() {
    let mut p = connected();
    assert_eq!(
        p.client.reauthenticate(p.now, None),
        Err(UsageError::AuthNotExpected)
    );
    assert_eq!(p.client.auth(p.now, None), Err(UsageError::AuthNotExpected));
    p.flush();
    assert!(p.sent().is_empty());
}

/// Re-authentication uses AUTH 0x19 with the original method.
#[test]
fn mqtt_4_12_1_1_reauth_uses_original_method() {
    let mut p = auth_config();
    p.connect(false);
    p.client.reauthenticate(p.now, None).unwrap();
    p.flush();
    let sent = p.sent();
    let [Packet::Auth(a)] = &sent[..] else {
        panic!("{sent:?}")
    };
    assert_eq!(a.reason_code, ReasonCode::RE_AUTHENTICATE);
    assert_eq!(
        a.properties.authentication_method,
        Some(MqttString::new("M").unwrap())
    );
}

/// Failed re-authentication: the server's DISCONNECT closes the connection.
#[test]
fn mqtt_4_12_1_2_failed_reauth_closes() {
    let mut p = auth_config();
    p.connect(false);
    p.take_events();
    p.client.reauthenticate(p.now, None).unwrap();
    p.flush();
    p.send(Packet::Disconnect(Disconnect::with_reason(
        ReasonCode::NOT_AUTHORIZED,
    )));
    assert_eq!(
        p.take_events(),
        [ClientEvent::Closed(CloseReason::ServerDisconnect(
            ReasonCode::NOT_AUTHORIZED
        ))]
    );
}

/// A CONNACK reason of 0x80 or above ends the connection.
#[test]
fn mqtt_4_13_2_1_failure_connack_closes() {
    let mut p = Pair::v5();
    p.connect_with(ConnAck::new(false, ReasonCode::BANNED));
    assert!(closed(&p.take_events()));
    assert!(!p.client.is_connected());
}

// Server-only `session` statements in 5.0 (covered by the server session, not here):
// MQTT-2.2.1-4, MQTT-3.1.0-2, MQTT-3.1.2-2, MQTT-3.1.2-5, MQTT-3.1.2-6, MQTT-3.1.2-7,
// MQTT-3.1.2-8, MQTT-3.1.2-10, MQTT-3.1.2-22, MQTT-3.1.2-24, MQTT-3.1.2-25, MQTT-3.1.2-26,
// MQTT-3.1.2-27, MQTT-3.1.2-28, MQTT-3.1.2-29, MQTT-3.1.3-7, MQTT-3.1.3-9, MQTT-3.1.4-4,
// MQTT-3.1.4-5, MQTT-3.1.4-6, MQTT-3.2.2-2, MQTT-3.2.2-3, MQTT-3.2.2-7, MQTT-3.2.2-9,
// MQTT-3.2.2-10, MQTT-3.2.2-12, MQTT-3.2.2-13, MQTT-3.2.2-19, MQTT-3.2.2-20, MQTT-3.2.2-22,
// MQTT-3.3.2-11, MQTT-3.3.2-12, MQTT-3.3.4-10, MQTT-3.8.4-1, MQTT-3.8.4-2, MQTT-3.8.4-6,
// MQTT-3.8.4-7, MQTT-3.9.2-1, MQTT-3.9.2-2, MQTT-3.9.3-1, MQTT-3.10.4-3, MQTT-3.10.4-4,
// MQTT-3.10.4-5, MQTT-3.11.2-1, MQTT-3.11.2-2, MQTT-3.11.3-1, MQTT-3.12.4-1, MQTT-3.14.4-3,
// MQTT-4.1.0-2, MQTT-4.12.0-1, MQTT-4.12.0-2, MQTT-4.12.0-4, MQTT-4.12.0-6, MQTT-4.13.1-1.
