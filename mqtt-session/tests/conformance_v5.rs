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

// ----- The server session: the `session` statements that bind the server -----
// (the 54 IDs once listed here as server-only are all covered below, so every `session` row of
// normative-v5.tsv has a test: 133/133.)

#[expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "fixtures shared by the tests below: a broken one fails the calling test"
)]
mod server {
    use core::num::{NonZeroU16, NonZeroU32};
    use core::time::Duration;

    use mqtt_session::codec::topic::TopicFilter;
    use mqtt_session::codec::{
        AckProperties, Auth, BinaryData, ConnAckProperties, Connect, Delivery, MqttString, Packet,
        ProtocolVersion, Publish, PublishTopic, QoS, ReasonCode, Subscribe, Subscription,
        Unsubscribe, Will,
    };
    use mqtt_session::{ClientEvent, ServerConfig, ServerEvent, UsageError};

    use super::support::harness::{QOS0, QOS1, QOS2, config, msg, name, pid};
    use super::support::pair::{Link, Policy, connect_packet, encode, persistent_config, wills};
    use super::support::server_conformance::*;

    const V: ProtocolVersion = ProtocolVersion::V5;

    fn big_props() -> (String, MqttString) {
        let s = "r".repeat(200);
        let m = MqttString::new(&s).unwrap();
        (s, m)
    }

    fn small_client(max: u32) -> Link {
        let mut c = config(V);
        c.properties.maximum_packet_size = NonZeroU32::new(max);
        Link::with_client(c)
    }

    fn raw_with(connect: Connect, manual: bool) -> Link {
        let mut l = Link::with_client(config(V));
        if manual {
            l.policy = Policy::Manual;
        }
        l.raw_to_server(&encode(V, &[Packet::from(connect)]));
        l
    }

    fn connect(f: impl FnOnce(&mut Connect)) -> Connect {
        let mut c = Connect::new(V, MqttString::new("raw").unwrap());
        f(&mut c);
        c
    }

    /// Each new QoS > 0 PUBLISH from the server gets a non-zero, currently unused identifier.
    #[test]
    fn mqtt_2_2_1_4_server_publish_ids_unused() {
        server_ids_unused(V);
    }

    /// A second CONNECT is a Protocol Error: the server closes the connection.
    #[test]
    fn mqtt_3_1_0_2_second_connect_closes() {
        second_connect_closes(V);
        let mut l = raw(V, false);
        l.raw_to_server(&encode(V, &[connect_packet(V, "raw")]));
        assert!(l.server_sent.iter().any(|p| matches!(p,
            Packet::Disconnect(d) if d.reason_code == ReasonCode::PROTOCOL_ERROR)));
    }

    /// An unsupported protocol version: CONNACK 0x84, then close.
    #[test]
    fn mqtt_3_1_2_2_unsupported_version_0x84_then_close() {
        let mut l = Link::with_client(config(V));
        l.raw_to_server(&[0x10, 10, 0, 4, b'M', b'Q', b'T', b'T', 7, 2, 0, 60]);
        assert_eq!(&l.take_raw_to_client()[..], [0x20, 3, 0, 0x84, 0]);
        assert!(l.server.is_ended());
    }

    /// Clean Start = 0 with an existing session: the server resumes it.
    #[test]
    fn mqtt_3_1_2_5_resume_existing_session() {
        resume_session_present(V);
    }

    /// Clean Start = 0 without a session: a new one is created.
    #[test]
    fn mqtt_3_1_2_6_new_session_when_none() {
        no_state_session_present_0(V);
    }

    /// Will Flag = 1: the Will is stored as part of the session.
    #[test]
    fn mqtt_3_1_2_7_will_stored_in_session() {
        let mut c = persistent_config(V, 600);
        c.will = Some(msg("will", b"w", QOS1));
        c.will_delay_secs = Some(60);
        let mut l = Link::with_client(c);
        l.connect();
        l.drop_connection();
        l.advance(Duration::from_secs(10));
        let state = l.parked.as_ref().unwrap().export_state();
        let w = state.will.unwrap();
        assert_eq!(w.topic.as_str(), "will");
        assert_eq!(w.properties.will_delay_interval, Some(50));
    }

    /// The Will goes out after connection loss once the Will Delay elapses.
    #[test]
    fn mqtt_3_1_2_8_will_after_delay() {
        will_on_abnormal_close(V, Some(15));
        will_on_abnormal_close(V, None);
    }

    /// The Will is dropped once published, or when DISCONNECT 0x00 arrives.
    #[test]
    fn mqtt_3_1_2_10_will_dropped() {
        will_dropped_by_disconnect(V);
        will_on_abnormal_close(V, None);
    }

    /// Non-zero Keep Alive: close when nothing arrives within 1.5 times the interval.
    #[test]
    fn mqtt_3_1_2_22_keep_alive_one_and_a_half() {
        keep_alive_one_and_a_half(V);
    }

    /// The server never sends a packet larger than the client's Maximum Packet Size.
    #[test]
    fn mqtt_3_1_2_24_never_above_client_maximum() {
        let mut l = small_client(40);
        l.connect();
        clear(&mut l);
        let big = Publish::new(name("t"), vec![0u8; 64]);
        let _ = big;
        l.deliver(mqtt_session::Message::new(name("t"), vec![0u8; 64], QOS0));
        l.deliver(mqtt_session::Message::new(name("t"), vec![0u8; 64], QOS1));
        assert!(l.take_server_sent().is_empty());
    }

    /// A packet too large for the client is dropped unsent, as if delivered.
    #[test]
    fn mqtt_3_1_2_25_too_large_dropped_as_delivered() {
        let mut l = small_client(40);
        l.connect();
        clear(&mut l);
        let id = l.deliver(mqtt_session::Message::new(name("t"), vec![0u8; 64], QOS1));
        assert!(matches!(&l.take_server_events()[..],
            [ServerEvent::Dropped { id: i, .. }] if *i == id));
        assert_eq!((l.server.in_flight(), l.server.queued()), (0, 0));
    }

    /// The server never sends a Topic Alias above the client's Topic Alias Maximum.
    #[test]
    fn mqtt_3_1_2_26_alias_within_client_maximum() {
        let mut c = config(V);
        c.properties.topic_alias_maximum = Some(1);
        let mut l = Link::with_client(c);
        l.connect();
        clear(&mut l);
        for t in ["a", "b", "a", "b"] {
            l.deliver(msg(t, b"x", QOS0));
        }
        for p in l.take_server_sent() {
            if let Packet::Publish(p) = p {
                assert!(p.topic.alias().is_none_or(|a| a.get() <= 1));
            }
        }
    }

    /// A client without Topic Alias Maximum gets no Topic Aliases at all.
    #[test]
    fn mqtt_3_1_2_27_no_aliases_without_client_maximum() {
        let mut l = connected(V);
        for _ in 0..3 {
            l.deliver(msg("same/topic", b"x", QOS1));
        }
        for p in l.take_server_sent() {
            if let Packet::Publish(p) = p {
                assert!(matches!(p.topic, PublishTopic::Name(_)));
            }
        }
    }

    /// Request Response Information = 0: no Response Information in CONNACK.
    #[test]
    fn mqtt_3_1_2_28_no_response_information_unless_requested() {
        let mut l = Link::with_client(config(V));
        l.connack.response_information = Some(MqttString::new("resp/").unwrap());
        l.connect();
        assert!(l.server_sent.iter().any(|p| matches!(p,
            Packet::ConnAck(c) if c.properties.response_information.is_none())));
        let mut c = config(V);
        c.properties.request_response_information = Some(true);
        let mut l = Link::with_client(c);
        l.connack.response_information = Some(MqttString::new("resp/").unwrap());
        l.connect();
        assert!(l.server_sent.iter().any(|p| matches!(p,
            Packet::ConnAck(c) if c.properties.response_information.is_some())));
    }

    /// Request Problem Information = 0: Reason String only on PUBLISH, CONNACK, DISCONNECT.
    #[test]
    fn mqtt_3_1_2_29_no_problem_information_unless_requested() {
        let mut c = config(V);
        c.properties.request_problem_information = Some(false);
        let mut l = Link::with_client(c);
        l.policy = Policy::Manual;
        l.connect();
        let mut p = ConnAckProperties::default();
        p.reason_string = Some(MqttString::new("welcome").unwrap());
        l.connack = p;
        l.accept(None);
        assert!(l.take_server_sent().iter().any(|p| matches!(p,
            Packet::ConnAck(c) if c.properties.reason_string.is_some())));
        let id = l
            .client
            .subscribe(
                l.now,
                vec![Subscription::new(TopicFilter::new("t").unwrap(), QOS1)],
            )
            .unwrap();
        l.run();
        let mut ap = AckProperties::default();
        ap.reason_string = Some(MqttString::new("why").unwrap());
        l.server
            .grant_with(l.now, id, vec![ReasonCode::GRANTED_QOS_1], ap)
            .unwrap();
        l.run();
        assert!(l.take_server_sent().iter().any(|p| matches!(p,
            Packet::SubAck(s) if s.properties.reason_string.is_none())));
    }

    /// An assigned Client Identifier is returned in CONNACK.
    #[test]
    fn mqtt_3_1_3_7_assigned_client_identifier_returned() {
        let mut l = Link::with_client(mqtt_session::ClientConfig::new(V, MqttString::empty()));
        l.connack.assigned_client_identifier = Some(MqttString::new("auto-1").unwrap());
        l.connect();
        assert_eq!(l.client.config().client_id.as_str(), "auto-1");
    }

    /// A reconnection before the Will Delay passes: the Will is not sent.
    #[test]
    fn mqtt_3_1_3_9_reconnect_before_delay_no_will() {
        let mut c = persistent_config(V, 600);
        c.will = Some(msg("will", b"w", QOS1));
        c.will_delay_secs = Some(30);
        let mut l = Link::with_client(c);
        l.connect();
        l.drop_connection();
        l.advance(Duration::from_secs(29));
        l.connect();
        l.advance(Duration::from_secs(100));
        assert_eq!(wills(&l.take_server_events()), 0);
    }

    /// On a valid CONNECT the server performs Clean Start handling.
    #[test]
    fn mqtt_3_1_4_4_clean_start_handling() {
        clean_start_discards(V);
        resume_session_present(V);
    }

    /// An accepted CONNECT is acknowledged with CONNACK 0x00.
    #[test]
    fn mqtt_3_1_4_5_connack_success() {
        connack_success(V);
    }

    /// After rejecting CONNECT the server ignores everything the client sends.
    #[test]
    fn mqtt_3_1_4_6_nothing_read_after_rejection() {
        refused_reads_nothing(V, ReasonCode::NOT_AUTHORIZED);
    }

    /// Clean Start = 1: Session Present = 0 with 0x00.
    #[test]
    fn mqtt_3_2_2_2_clean_start_session_present_0() {
        clean_start_discards(V);
    }

    /// Clean Start = 0: Session Present = 1 if state existed, else 0.
    #[test]
    fn mqtt_3_2_2_3_session_present_reflects_state() {
        resume_session_present(V);
        no_state_session_present_0(V);
    }

    /// After a CONNACK of 0x80 or higher the server closes the connection.
    #[test]
    fn mqtt_3_2_2_7_failure_connack_closes() {
        refused_reads_nothing(V, ReasonCode::SERVER_BUSY);
    }

    /// A server without QoS 2 support announces its Maximum QoS.
    #[test]
    fn mqtt_3_2_2_9_maximum_qos_announced() {
        let mut sc = ServerConfig::new();
        sc.capabilities.maximum_qos = QoS::AtLeastOnce;
        let mut l = Link::new(config(V), sc);
        l.connect();
        assert_eq!(l.client.server_limits().maximum_qos, QoS::AtLeastOnce);
    }

    /// With a reduced Maximum QoS the server still accepts SUBSCRIBE at QoS 0, 1 or 2.
    #[test]
    fn mqtt_3_2_2_10_subscribe_any_qos_accepted() {
        let mut sc = ServerConfig::new();
        sc.capabilities.maximum_qos = QoS::AtMostOnce;
        let mut l = Link::new(config(V), sc);
        l.connect();
        clear(&mut l);
        let subs = vec![
            Subscription::new(TopicFilter::new("a").unwrap(), QOS2),
            Subscription::new(TopicFilter::new("b").unwrap(), QOS1),
        ];
        l.raw_to_server(&encode(
            V,
            &[Packet::Subscribe(Subscribe::new(pid(3), subs))],
        ));
        assert!(l.server.is_connected());
        assert!(matches!(
            &l.server_events[..],
            [ServerEvent::SubscribeRequested(_)]
        ));
    }

    /// A Will QoS above the server's maximum: refused with 0x9B.
    #[test]
    fn mqtt_3_2_2_12_will_qos_above_maximum_refused() {
        let mut sc = ServerConfig::new();
        sc.capabilities.maximum_qos = QoS::AtLeastOnce;
        let mut l = Link::new(config(V), sc);
        let mut w = Will::new(name("w"), &b"x"[..]);
        w.qos = QoS::ExactlyOnce;
        l.raw_to_server(&encode(V, &[Packet::from(connect(|c| c.will = Some(w)))]));
        assert_eq!(
            connacks(&l.take_server_sent()),
            [(false, ReasonCode::QOS_NOT_SUPPORTED)]
        );
        assert!(l.server.is_ended());
    }

    /// A retained Will on a server without retain: refused with 0x9A.
    #[test]
    fn mqtt_3_2_2_13_will_retain_unsupported_refused() {
        let mut sc = ServerConfig::new();
        sc.capabilities.retain_available = false;
        let mut l = Link::new(config(V), sc);
        let mut w = Will::new(name("w"), &b"x"[..]);
        w.retain = true;
        l.raw_to_server(&encode(V, &[Packet::from(connect(|c| c.will = Some(w)))]));
        assert_eq!(
            connacks(&l.take_server_sent()),
            [(false, ReasonCode::RETAIN_NOT_SUPPORTED)]
        );
    }

    /// The CONNACK Reason String is left out when it would exceed the client's maximum.
    #[test]
    fn mqtt_3_2_2_19_connack_reason_string_dropped_if_too_large() {
        let mut l = small_client(100);
        l.connack.reason_string = Some(big_props().1);
        l.connect();
        assert!(l.client.is_connected());
        assert!(l.client.connack_properties().reason_string.is_none());
    }

    /// CONNACK user properties are left out when they would exceed the client's maximum.
    #[test]
    fn mqtt_3_2_2_20_connack_user_properties_dropped_if_too_large() {
        let mut l = small_client(100);
        let (_, m) = big_props();
        l.connack.user_properties.push(m.clone(), m);
        l.connect();
        assert!(l.client.is_connected());
        assert!(l.client.connack_properties().user_properties.is_empty());
    }

    /// Without Server Keep Alive the client's Keep Alive is used.
    #[test]
    fn mqtt_3_2_2_22_client_keep_alive_used() {
        let mut c = config(V);
        c.keep_alive_secs = 7;
        let mut l = Link::with_client(c);
        l.connect();
        assert_eq!(l.server.keep_alive_secs(), 7);
        assert!(l.client.connack_properties().server_keep_alive.is_none());
    }

    /// The server's Topic Alias never exceeds the client's Topic Alias Maximum.
    #[test]
    fn mqtt_3_3_2_11_alias_never_above_connect_maximum() {
        let mut c = config(V);
        c.properties.topic_alias_maximum = Some(2);
        let mut l = Link::with_client(c);
        l.connect();
        clear(&mut l);
        for t in ["a", "b", "c", "d", "a"] {
            l.deliver(msg(t, b"x", QOS1));
        }
        let max = l
            .take_server_sent()
            .iter()
            .filter_map(|p| match p {
                Packet::Publish(p) => p.topic.alias().map(NonZeroU16::get),
                _ => None,
            })
            .max();
        assert_eq!(max, Some(2));
    }

    /// The server accepts every Topic Alias from 1 to the maximum it announced.
    #[test]
    fn mqtt_3_3_2_12_accepts_aliases_up_to_its_maximum() {
        let mut sc = ServerConfig::new();
        sc.capabilities.topic_alias_maximum = 3;
        let mut l = Link::new(config(V), sc);
        l.raw_to_server(&encode(V, &[connect_packet(V, "raw")]));
        for a in 1..=3u16 {
            let alias = NonZeroU16::new(a).unwrap();
            let first = Publish::new(PublishTopic::NameAndAlias(name("t"), alias), &b"1"[..]);
            let again = Publish::new(PublishTopic::Alias(alias), &b"2"[..]);
            l.raw_to_server(&encode(
                V,
                &[Packet::Publish(first), Packet::Publish(again)],
            ));
        }
        assert!(l.server.is_connected());
        assert_eq!(
            super::support::pair::server_received(&l.server_events).len(),
            6
        );
        let four = Publish::new(
            PublishTopic::NameAndAlias(name("t"), NonZeroU16::new(4).unwrap()),
            &b"x"[..],
        );
        l.raw_to_server(&encode(V, &[Packet::Publish(four)]));
        assert!(!l.server.is_connected());
    }

    /// Blocked by the client's Receive Maximum, the server still sends other packets.
    #[test]
    fn mqtt_3_3_4_10_non_publish_not_blocked() {
        let mut c = config(V);
        c.properties.receive_maximum = NonZeroU16::new(1);
        c.auto_ack = false;
        let mut l = Link::with_client(c);
        l.connect();
        l.deliver(msg("t", b"1", QOS1));
        l.deliver(msg("t", b"2", QOS1));
        assert_eq!(l.server.queued(), 1);
        clear(&mut l);
        l.client
            .subscribe(
                l.now,
                vec![Subscription::new(TopicFilter::new("x").unwrap(), QOS0)],
            )
            .unwrap();
        l.run();
        assert!(
            l.take_server_sent()
                .iter()
                .any(|p| matches!(p, Packet::SubAck(_)))
        );
    }

    /// Every SUBSCRIBE gets a SUBACK.
    #[test]
    fn mqtt_3_8_4_1_suback_for_every_subscribe() {
        suback_rules(V);
    }

    /// SUBACK carries the SUBSCRIBE's Packet Identifier.
    #[test]
    fn mqtt_3_8_4_2_suback_same_id() {
        suback_rules(V);
    }

    /// SUBACK has one reason code per filter.
    #[test]
    fn mqtt_3_8_4_6_one_code_per_filter() {
        suback_rules(V);
    }

    /// Each SUBACK code is the granted QoS or a failure.
    #[test]
    fn mqtt_3_8_4_7_granted_qos_or_failure() {
        suback_rules(V);
        let mut l = connected(V);
        let id = l
            .client
            .subscribe(
                l.now,
                vec![Subscription::new(TopicFilter::new("t").unwrap(), QOS2)],
            )
            .unwrap();
        l.run();
        assert!(l.client_events.contains(&ClientEvent::Subscribed {
            id,
            results: vec![ReasonCode::GRANTED_QOS_2]
        }));
    }

    fn ack_props_dropped_if_too_large(unsubscribe: bool, user: bool) {
        let mut l = small_client(60);
        l.policy = Policy::Manual;
        l.connect();
        l.accept(None);
        clear(&mut l);
        let f = TopicFilter::new("t").unwrap();
        let id = if unsubscribe {
            l.client.unsubscribe(l.now, &[f]).unwrap()
        } else {
            l.client
                .subscribe(l.now, vec![Subscription::new(f, QOS1)])
                .unwrap()
        };
        l.run();
        let mut ap = AckProperties::default();
        let (_, m) = big_props();
        if user {
            ap.user_properties.push(m.clone(), m);
        } else {
            ap.reason_string = Some(m);
        }
        let code = if unsubscribe {
            ReasonCode::SUCCESS
        } else {
            ReasonCode::GRANTED_QOS_1
        };
        l.server.grant_with(l.now, id, vec![code], ap).unwrap();
        l.run();
        let sent = l.take_server_sent();
        assert_eq!(sent.len(), 1, "{sent:?}");
        match sent.first().unwrap() {
            Packet::SubAck(s) => assert!(s.properties.is_empty()),
            Packet::UnsubAck(u) => assert!(u.properties.is_empty()),
            other => panic!("{other:?}"),
        }
    }

    /// The SUBACK Reason String is left out if it would exceed the client's maximum.
    #[test]
    fn mqtt_3_9_2_1_suback_reason_string_dropped_if_too_large() {
        ack_props_dropped_if_too_large(false, false);
    }

    /// SUBACK user properties are left out if they would exceed the client's maximum.
    #[test]
    fn mqtt_3_9_2_2_suback_user_properties_dropped_if_too_large() {
        ack_props_dropped_if_too_large(false, true);
    }

    /// SUBACK codes follow the SUBSCRIBE's filter order.
    #[test]
    fn mqtt_3_9_3_1_codes_in_filter_order() {
        suback_rules(V);
    }

    /// QoS 1/2 deliveries already started complete after UNSUBSCRIBE.
    #[test]
    fn mqtt_3_10_4_3_started_deliveries_complete() {
        deliveries_complete_after_unsubscribe(V);
    }

    /// Every UNSUBSCRIBE gets an UNSUBACK.
    #[test]
    fn mqtt_3_10_4_4_unsuback_for_every_unsubscribe() {
        unsuback_rules(V);
    }

    /// UNSUBACK reuses the identifier and is sent even when nothing was removed.
    #[test]
    fn mqtt_3_10_4_5_unsuback_even_if_nothing_removed() {
        unsuback_rules(V);
    }

    /// The UNSUBACK Reason String is left out if it would exceed the client's maximum.
    #[test]
    fn mqtt_3_11_2_1_unsuback_reason_string_dropped_if_too_large() {
        ack_props_dropped_if_too_large(true, false);
    }

    /// UNSUBACK user properties are left out if they would exceed the client's maximum.
    #[test]
    fn mqtt_3_11_2_2_unsuback_user_properties_dropped_if_too_large() {
        ack_props_dropped_if_too_large(true, true);
    }

    /// UNSUBACK codes follow the UNSUBSCRIBE's filter order.
    #[test]
    fn mqtt_3_11_3_1_unsuback_codes_in_order() {
        let mut l = raw(V, true);
        l.accept(None);
        clear(&mut l);
        let filters = vec![
            TopicFilter::new("a").unwrap(),
            TopicFilter::new("b").unwrap(),
        ];
        l.raw_to_server(&encode(
            V,
            &[Packet::Unsubscribe(Unsubscribe::new(pid(4), filters))],
        ));
        let codes = vec![ReasonCode::NO_SUBSCRIPTION_EXISTED, ReasonCode::SUCCESS];
        assert!(matches!(
            l.server.grant(l.now, pid(4), vec![ReasonCode::SUCCESS]),
            Err(UsageError::ReasonCodeCount {
                expected: 2,
                got: 1
            })
        ));
        l.server.grant(l.now, pid(4), codes.clone()).unwrap();
        l.run();
        assert!(matches!(&l.take_server_sent()[..],
            [Packet::UnsubAck(u)] if u.reason_codes == codes));
    }

    /// Every PINGREQ gets a PINGRESP.
    #[test]
    fn mqtt_3_12_4_1_pingresp() {
        pingresp(V);
    }

    /// DISCONNECT 0x00 drops the Will unpublished.
    #[test]
    fn mqtt_3_14_4_3_disconnect_drops_will() {
        disconnect_discards_will(V);
    }

    /// Session state is discarded once the Session Expiry Interval passes after the close.
    #[test]
    fn mqtt_4_1_0_2_session_discarded_after_expiry() {
        let mut l = Link::with_client(persistent_config(V, 10));
        l.connect();
        l.drop_to_client = true;
        l.deliver(msg("t", b"x", QOS1));
        l.drop_connection();
        l.advance(Duration::from_secs(9));
        assert!(l.parked.is_some());
        l.advance(Duration::from_secs(1));
        assert!(l.server_events.contains(&ServerEvent::SessionExpired));
        assert!(l.parked.is_none());
        let mut s = bare();
        assert_eq!(s.export_state().outbound.len(), 0);
        let _ = s.poll_event();
    }

    /// An unsupported Authentication Method: CONNACK 0x8C, then close.
    #[test]
    fn mqtt_4_12_0_1_unsupported_auth_method_refused() {
        let mut l = raw_with(
            connect(|c| c.properties.authentication_method = Some(MqttString::new("X").unwrap())),
            true,
        );
        l.server
            .refuse(l.now, ReasonCode::BAD_AUTHENTICATION_METHOD)
            .unwrap();
        l.run();
        assert_eq!(
            connacks(&l.take_server_sent()),
            [(false, ReasonCode::BAD_AUTHENTICATION_METHOD)]
        );
        assert!(l.server.is_ended());
    }

    /// The server asks for more authentication data with AUTH 0x18.
    #[test]
    fn mqtt_4_12_0_2_auth_continue_0x18() {
        let mut l = raw_with(
            connect(|c| c.properties.authentication_method = Some(MqttString::new("M").unwrap())),
            true,
        );
        l.server
            .auth_continue(l.now, Some(BinaryData::copy_from_slice(b"c").unwrap()))
            .unwrap();
        l.run();
        assert!(matches!(&l.take_server_sent()[..],
            [Packet::Auth(a)] if a.reason_code == ReasonCode::CONTINUE_AUTHENTICATION));
    }

    /// Authentication may be rejected at any step: CONNACK 0x80+ and close.
    #[test]
    fn mqtt_4_12_0_4_auth_rejected_at_any_step() {
        let m = MqttString::new("M").unwrap();
        let mut l = raw_with(
            connect(|c| c.properties.authentication_method = Some(m.clone())),
            true,
        );
        l.server.auth_continue(l.now, None).unwrap();
        let mut a = Auth::new(ReasonCode::CONTINUE_AUTHENTICATION);
        a.properties.authentication_method = Some(m);
        l.raw_to_server(&encode(V, &[Packet::Auth(a)]));
        assert!(
            l.server_events
                .iter()
                .any(|e| matches!(e, ServerEvent::AuthRequested(_)))
        );
        l.server.refuse(l.now, ReasonCode::NOT_AUTHORIZED).unwrap();
        l.run();
        assert!(connacks(&l.take_server_sent()).contains(&(false, ReasonCode::NOT_AUTHORIZED)));
        assert!(l.server.is_ended());
    }

    /// CONNECT without Authentication Method: no AUTH, no method in CONNACK.
    #[test]
    fn mqtt_4_12_0_6_no_auth_without_method() {
        let mut l = raw(V, true);
        assert_eq!(
            l.server.auth_continue(l.now, None),
            Err(UsageError::AuthNotExpected)
        );
        l.connack.authentication_method = Some(MqttString::new("M").unwrap());
        l.accept(None);
        assert!(l.take_server_sent().iter().all(|p| match p {
            Packet::ConnAck(c) => c.properties.authentication_method.is_none(),
            Packet::Auth(_) => false,
            _ => true,
        }));
    }

    /// A Malformed Packet or Protocol Error closes the network connection.
    #[test]
    fn mqtt_4_13_1_1_errors_close_the_connection() {
        error_closes(V);
        let mut l = raw(V, false);
        let mut p = Publish::new(name("t"), &b"x"[..]);
        p.delivery = Delivery::AtLeastOnce(pid(1));
        p.retain = true;
        let mut sc = ServerConfig::new();
        sc.capabilities.retain_available = false;
        let mut l2 = Link::new(config(V), sc);
        l2.raw_to_server(&encode(V, &[connect_packet(V, "r"), Packet::Publish(p)]));
        assert!(l2.server_sent.iter().any(|p| matches!(p,
            Packet::Disconnect(d) if d.reason_code == ReasonCode::RETAIN_NOT_SUPPORTED)));
        l.run();
    }
}
