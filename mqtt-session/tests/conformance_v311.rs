//! MQTT 3.1.1 conformance of the client session: one test per `session`-owned normative
//! statement that binds the client (list of the server-only ones at the end).

pub mod support;

use core::time::Duration;

use mqtt_session::codec::topic::TopicFilter;
use mqtt_session::codec::{
    ConnAck, Delivery, Packet, ProtocolVersion, PubAck, PubComp, PubRec, PubRel, Publish,
    ReasonCode, SubAck, Subscription, UnsubAck,
};
use mqtt_session::{ClientEvent, CloseReason};
use support::conformance::*;
use support::harness::*;

const V: ProtocolVersion = ProtocolVersion::V3_1_1;

/// The client gives each new SUBSCRIBE, UNSUBSCRIBE and QoS > 0 PUBLISH an unused identifier.
#[test]
fn mqtt_2_3_1_2_unused_packet_ids() {
    let mut p = Pair::v311();
    p.connect(false);
    let a = p.publish(msg("t", b"x", QOS1)).unwrap();
    let f = TopicFilter::new("t").unwrap();
    let b = p
        .client
        .subscribe(p.now, vec![Subscription::new(f.clone(), QOS0)])
        .unwrap();
    let c = p.client.unsubscribe(p.now, &[f]).unwrap();
    let d = p.publish(msg("t", b"x", QOS2)).unwrap();
    let mut all = vec![a, b, c, d];
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 4);
}

/// Resends keep the identifier; it is freed only after PUBACK (or PUBCOMP, SUBACK, UNSUBACK).
#[test]
fn mqtt_2_3_1_3_id_kept_on_resend_freed_after_ack() {
    let mut p = persistent(V);
    let id = p.publish(msg("t", b"x", QOS1)).unwrap();
    p.drop_connection();
    p.connect(true);
    assert_eq!(published(&p.sent()), [(Delivery::AtLeastOnce(id), true)]);
    assert!(p.client.is_packet_id_in_use(id));
    p.send(Packet::PubAck(PubAck::new(id)));
    assert!(!p.client.is_packet_id_in_use(id));
}

/// PUBACK, PUBREC and PUBREL carry the identifier of the original PUBLISH.
#[test]
fn mqtt_2_3_1_6_acks_carry_the_publish_id() {
    let mut p = Pair::v311();
    p.connect(false);
    p.server_publish("t", b"1", Delivery::AtLeastOnce(pid(300)));
    p.server_publish("t", b"2", Delivery::ExactlyOnce(pid(301)));
    let id = p.publish(msg("t", b"x", QOS2)).unwrap();
    p.sent();
    p.send(Packet::PubRec(PubRec::new(id)));
    assert_eq!(p.sent(), [Packet::PubRel(PubRel::new(id))]);
}

/// SUBACK/UNSUBACK answer the request with the same identifier: the client matches them.
#[test]
fn mqtt_2_3_1_7_suback_matched_by_id() {
    let mut p = Pair::v311();
    p.connect(false);
    p.take_events();
    let f = TopicFilter::new("t").unwrap();
    let id = p
        .client
        .subscribe(p.now, vec![Subscription::new(f.clone(), QOS1)])
        .unwrap();
    p.send(Packet::SubAck(SubAck::new(
        id,
        vec![ReasonCode::GRANTED_QOS_1],
    )));
    let id2 = p.client.unsubscribe(p.now, &[f]).unwrap();
    p.send(Packet::UnsubAck(UnsubAck::new(id2, vec![])));
    let ev = p.take_events();
    assert!(matches!(ev[0], ClientEvent::Subscribed { id: i, .. } if i == id));
    assert!(matches!(ev[1], ClientEvent::Unsubscribed { id: i, .. } if i == id2));
}

/// The first packet the client sends is CONNECT.
#[test]
fn mqtt_3_1_0_1_first_packet_is_connect() {
    let mut p = Pair::v311();
    assert!(matches!(p.connect(false), Packet::Connect(_)));
}

/// CleanSession = 0: the client keeps its session state across connections.
#[test]
fn mqtt_3_1_2_4_clean_session_0_keeps_state() {
    let mut p = persistent(V);
    let id = p.publish(msg("t", b"x", QOS1)).unwrap();
    p.drop_connection();
    let Packet::Connect(c) = p.connect(true) else {
        unreachable!()
    };
    assert!(!c.clean_start);
    assert_eq!(published(&p.sent()), [(Delivery::AtLeastOnce(id), true)]);
}

/// CleanSession = 1: prior state is discarded (in-flight messages are reported lost).
#[test]
fn mqtt_3_1_2_6_clean_session_1_discards_state() {
    let mut p = Pair::v311();
    p.connect(false);
    let id = p.publish(msg("t", b"x", QOS1)).unwrap();
    p.drop_connection();
    p.take_events();
    let Packet::Connect(c) = p.connect(false) else {
        unreachable!()
    };
    assert!(c.clean_start);
    assert!(p.take_events().contains(&ClientEvent::Lost(id)));
    assert!(publishes(&p.sent()).is_empty());
}

/// The client sends PINGREQ when it would otherwise be idle for the Keep Alive.
#[test]
fn mqtt_3_1_2_23_pingreq_within_keep_alive() {
    let mut p = Pair::v311();
    p.connect(false);
    p.sent();
    p.advance(Duration::from_secs(59));
    assert!(p.sent().is_empty());
    p.advance(Duration::from_secs(1));
    assert_eq!(p.sent(), [Packet::PingReq]);
}

/// The server's first packet must be CONNACK: anything else is a violation the client closes on.
#[test]
fn mqtt_3_2_0_1_packet_before_connack_closes() {
    let mut p = Pair::v311();
    p.client.handle_connected(p.now).unwrap();
    p.flush();
    p.send(Packet::PingResp);
    assert!(closed(&p.take_events()));
}

/// DUP = 1 when a PUBLISH is re-delivered.
#[test]
fn mqtt_3_3_1_1_dup_on_redelivery() {
    let mut p = persistent(V);
    let id = p.publish(msg("t", b"x", QOS2)).unwrap();
    assert_eq!(published(&p.sent()), [(Delivery::ExactlyOnce(id), false)]);
    p.drop_connection();
    p.connect(true);
    assert_eq!(published(&p.sent()), [(Delivery::ExactlyOnce(id), true)]);
}

/// An incoming DUP flag is not propagated to what the client sends.
#[test]
fn mqtt_3_3_1_3_incoming_dup_not_propagated() {
    let mut p = Pair::v311();
    p.connect(false);
    p.take_events();
    let mut dup = Publish::new(name("t"), &b"x"[..]);
    dup.delivery = Delivery::AtLeastOnce(pid(5));
    dup.dup = true;
    p.send(Packet::Publish(dup));
    let ev = p.take_events();
    let ClientEvent::Received(m) = &ev[0] else {
        unreachable!()
    };
    // Re-publishing the received message goes out fresh.
    let out = p.client.publish(
        p.now,
        mqtt_session::Message::new(name("t"), m.publish.payload.clone(), QOS1),
    );
    p.flush();
    assert!(out.is_ok());
    assert!(publishes(&p.sent()).iter().all(|p| !p.dup));
}

/// The receiver answers per QoS: nothing, PUBACK, PUBREC.
#[test]
fn mqtt_3_3_4_1_response_per_qos() {
    let mut p = Pair::v311();
    p.connect(false);
    p.sent();
    p.server_publish("t", b"0", Delivery::AtMostOnce);
    assert!(p.sent().is_empty());
    p.server_publish("t", b"1", Delivery::AtLeastOnce(pid(1)));
    assert_eq!(p.sent(), [Packet::PubAck(PubAck::new(pid(1)))]);
    p.server_publish("t", b"2", Delivery::ExactlyOnce(pid(2)));
    assert_eq!(p.sent(), [Packet::PubRec(PubRec::new(pid(2)))]);
}

/// After DISCONNECT the client sends nothing more on the connection.
#[test]
fn mqtt_3_14_4_1_nothing_after_disconnect() {
    let mut p = Pair::v311();
    p.connect(false);
    p.sent();
    p.client.disconnect(p.now, ReasonCode::SUCCESS).unwrap();
    assert!(p.client.publish(p.now, msg("t", b"x", QOS0)).is_err());
    p.advance(Duration::from_secs(120));
    assert_eq!(
        p.sent(),
        [Packet::Disconnect(mqtt_session::codec::Disconnect::new())]
    );
}

/// After DISCONNECT the connection is over: the session reports it closed.
#[test]
fn mqtt_3_14_4_2_connection_closed_after_disconnect() {
    let mut p = Pair::v311();
    p.connect(false);
    p.take_events();
    p.client.disconnect(p.now, ReasonCode::SUCCESS).unwrap();
    p.flush();
    assert_eq!(p.take_events(), [ClientEvent::Closed(CloseReason::Local)]);
    assert!(!p.client.is_connected());
}

/// Session state is kept for the life of the session (across connection loss).
#[test]
fn mqtt_4_1_0_1_state_kept_for_session_life() {
    let mut p = persistent(V);
    p.server_publish("t", b"x", Delivery::ExactlyOnce(pid(9)));
    p.drop_connection();
    p.take_events();
    p.connect(true);
    p.server_publish("t", b"x", Delivery::ExactlyOnce(pid(9)));
    assert!(received(&p.take_events()).is_empty(), "QoS 2 id remembered");
}

/// The session lasts at least as long as the connection: nothing is discarded while connected.
#[test]
fn mqtt_4_1_0_2_session_lasts_with_connection() {
    let mut p = Pair::v311();
    p.connect(false);
    let id = p.publish(msg("t", b"x", QOS1)).unwrap();
    p.advance(Duration::from_secs(3_000));
    p.send(Packet::PingResp);
    assert!(p.client.is_packet_id_in_use(id));
}

/// QoS 0: PUBLISH with QoS 0 and DUP 0.
#[test]
fn mqtt_4_3_1_1_qos0_publish() {
    let mut p = Pair::v311();
    p.connect(false);
    p.publish(msg("t", b"x", QOS0));
    assert_eq!(published(&p.sent()), [(Delivery::AtMostOnce, false)]);
}

/// QoS 1 sender: new id, QoS 1, DUP 0, unacknowledged until PUBACK.
#[test]
fn mqtt_4_3_2_1_qos1_sender() {
    let mut p = Pair::v311();
    p.connect(false);
    p.take_events();
    let id = p.publish(msg("t", b"x", QOS1)).unwrap();
    assert_eq!(published(&p.sent()), [(Delivery::AtLeastOnce(id), false)]);
    assert_eq!(p.client.in_flight(), 1);
    p.send(Packet::PubAck(PubAck::new(id)));
    assert_eq!(p.client.in_flight(), 0);
}

/// QoS 1 receiver: PUBACK with the id; a later PUBLISH with that id is a new message.
#[test]
fn mqtt_4_3_2_2_qos1_receiver() {
    let mut p = Pair::v311();
    p.connect(false);
    p.take_events();
    p.server_publish("t", b"a", Delivery::AtLeastOnce(pid(4)));
    p.server_publish("t", b"b", Delivery::AtLeastOnce(pid(4)));
    assert_eq!(received(&p.take_events()), [b"a".to_vec(), b"b".to_vec()]);
    assert_eq!(p.sent().len(), 2);
}

/// QoS 2 sender: PUBLISH until PUBREC, then PUBREL until PUBCOMP; never the PUBLISH again.
#[test]
fn mqtt_4_3_3_1_qos2_sender() {
    let mut p = persistent(V);
    let id = p.publish(msg("t", b"x", QOS2)).unwrap();
    p.sent();
    p.send(Packet::PubRec(PubRec::new(id)));
    p.drop_connection();
    p.connect(true);
    assert_eq!(p.sent(), [Packet::PubRel(PubRel::new(id))]);
    p.send(Packet::PubComp(PubComp::new(id)));
    assert!(p.take_events().contains(&ClientEvent::Delivered(id)));
}

/// QoS 2 receiver: PUBREC, PUBREC again for duplicates without redelivery, PUBCOMP on PUBREL.
#[test]
fn mqtt_4_3_3_2_qos2_receiver() {
    let mut p = Pair::v311();
    p.connect(false);
    p.take_events();
    p.server_publish("t", b"x", Delivery::ExactlyOnce(pid(2)));
    p.server_publish("t", b"x", Delivery::ExactlyOnce(pid(2)));
    assert_eq!(received(&p.take_events()).len(), 1);
    p.send(Packet::PubRel(PubRel::new(pid(2))));
    assert_eq!(
        p.sent(),
        [
            Packet::PubRec(PubRec::new(pid(2))),
            Packet::PubRec(PubRec::new(pid(2))),
            Packet::PubComp(PubComp::new(pid(2)))
        ]
    );
}

/// On reconnect with CleanSession = 0 the client resends unacknowledged PUBLISH and PUBREL.
#[test]
fn mqtt_4_4_0_1_resend_on_reconnect() {
    let mut p = persistent(V);
    let ids = publish_n(&mut p, 2, QOS2);
    p.sent();
    pubrec_all(&mut p, &ids[..1]);
    p.drop_connection();
    p.connect(true);
    let sent = p.sent();
    assert_eq!(sent[0], Packet::PubRel(PubRel::new(ids[0])));
    assert_eq!(published(&sent), [(Delivery::ExactlyOnce(ids[1]), true)]);
}

/// The client acknowledges every PUBLISH per its QoS, even ones nobody subscribed to.
#[test]
fn mqtt_4_5_0_2_every_publish_acknowledged() {
    let mut p = Pair::v311();
    p.connect(false);
    p.sent();
    for i in 1..=5 {
        p.server_publish("unsubscribed/topic", b"x", Delivery::AtLeastOnce(pid(i)));
    }
    assert_eq!(p.sent().len(), 5);
}

/// Resent PUBLISHes go out in their original order.
#[test]
fn mqtt_4_6_0_1_resend_in_original_order() {
    let mut p = persistent(V);
    let ids = publish_n(&mut p, 4, QOS1);
    p.sent();
    p.drop_connection();
    p.connect(true);
    let order: Vec<_> = published(&p.sent()).into_iter().map(|(d, _)| d).collect();
    let want: Vec<_> = ids.iter().map(|i| Delivery::AtLeastOnce(*i)).collect();
    assert_eq!(order, want);
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

/// PUBACKs go out in the order the QoS 1 PUBLISHes arrived (manual acks in reverse).
#[test]
fn mqtt_4_6_0_2_pubacks_in_arrival_order() {
    let mut p = manual();
    for i in 1..=3 {
        p.server_publish("t", b"x", Delivery::AtLeastOnce(pid(i)));
    }
    for t in tokens(&mut p).into_iter().rev() {
        p.client.ack(p.now, t).unwrap();
    }
    p.flush();
    let want: Vec<_> = (1..=3)
        .map(|i| Packet::PubAck(PubAck::new(pid(i))))
        .collect();
    assert_eq!(p.sent(), want);
}

/// PUBRECs go out in the order the QoS 2 PUBLISHes arrived.
#[test]
fn mqtt_4_6_0_3_pubrecs_in_arrival_order() {
    let mut p = manual();
    for i in [9, 4, 7] {
        p.server_publish("t", b"x", Delivery::ExactlyOnce(pid(i)));
    }
    for t in tokens(&mut p).into_iter().rev() {
        p.client.ack(p.now, t).unwrap();
    }
    p.flush();
    let want: Vec<_> = [9, 4, 7]
        .iter()
        .map(|&i| Packet::PubRec(PubRec::new(pid(i))))
        .collect();
    assert_eq!(p.sent(), want);
}

/// PUBRELs go out in the order the PUBRECs arrived.
#[test]
fn mqtt_4_6_0_4_pubrels_in_pubrec_order() {
    let mut p = Pair::v311();
    p.connect(false);
    let ids = publish_n(&mut p, 3, QOS2);
    p.sent();
    let order = [ids[2], ids[0], ids[1]];
    pubrec_all(&mut p, &order);
    let want: Vec<_> = order
        .iter()
        .map(|&i| Packet::PubRel(PubRel::new(i)))
        .collect();
    assert_eq!(p.sent(), want);
}

/// A protocol violation closes the connection that carried it.
#[test]
fn mqtt_4_8_0_1_violation_closes_connection() {
    let mut p = Pair::v311();
    p.connect(false);
    p.take_events();
    p.send(Packet::ConnAck(ConnAck::new(false, ReasonCode::SUCCESS)));
    assert!(closed(&p.take_events()));
    assert!(!p.client.is_connected());
}

// ----- The server session: the `session` statements that bind the server -----
// (MQTT-2.3.1-4, 3.1.0-2, 3.1.2-2, -8, -10, -12, -24, 3.1.3-8, 3.1.4-3..5, 3.2.2-1..3, -5, -6,
// 3.8.4-1, -2, -5, 3.9.3-1, 3.10.4-3..5, 3.12.4-1, 3.14.4-3, 4.8.0-2: all covered below, so every
// `session` row of normative-v311.tsv has a test: 54/54.)

mod server {
    use mqtt_session::codec::{ProtocolVersion, ReasonCode};
    use mqtt_session::{ServerCloseReason, ServerEvent};

    use super::support::harness::config;
    use super::support::pair::Link;
    use super::support::server_conformance::*;

    const V: ProtocolVersion = ProtocolVersion::V3_1_1;

    /// A server sending QoS > 0 PUBLISH gives each a non-zero, currently unused identifier.
    #[test]
    fn mqtt_2_3_1_4_server_publish_ids_unused() {
        server_ids_unused(V);
    }

    /// A second CONNECT is a protocol violation: the server disconnects the client.
    #[test]
    fn mqtt_3_1_0_2_second_connect_disconnects() {
        second_connect_closes(V);
    }

    /// Unsupported protocol level: CONNACK return code 0x01, then disconnect.
    #[test]
    fn mqtt_3_1_2_2_unsupported_level_connack_0x01() {
        let mut l = Link::with_client(config(V));
        l.raw_to_server(&[0x10, 10, 0, 4, b'M', b'Q', b'T', b'T', 3, 2, 0, 60]);
        assert_eq!(&l.take_raw_to_client()[..], [0x20, 2, 0, 1]);
        assert!(l.server.is_ended());
    }

    /// Will Flag = 1: the Will is published when the connection closes without DISCONNECT.
    #[test]
    fn mqtt_3_1_2_8_will_published_on_abnormal_close() {
        will_on_abnormal_close(V, None);
    }

    /// The Will is dropped once published, or when DISCONNECT arrives.
    #[test]
    fn mqtt_3_1_2_10_will_dropped_after_publish_or_disconnect() {
        will_on_abnormal_close(V, None);
        will_dropped_by_disconnect(V);
    }

    /// Will Flag = 0: no Will is published when the connection ends.
    #[test]
    fn mqtt_3_1_2_12_no_will_flag_no_will() {
        no_will_flag_no_will(V);
    }

    /// Non-zero Keep Alive: disconnect when nothing arrives within 1.5 times the interval.
    #[test]
    fn mqtt_3_1_2_24_keep_alive_one_and_a_half() {
        keep_alive_one_and_a_half(V);
    }

    /// Empty ClientId with CleanSession = 0: CONNACK 0x02, then close.
    #[test]
    fn mqtt_3_1_3_8_empty_client_id_needs_clean_session() {
        let mut l = Link::with_client(config(V));
        // The codec's encoder refuses to write this CONNECT: raw bytes.
        l.raw_to_server(&[0x10, 12, 0, 4, b'M', b'Q', b'T', b'T', 4, 0, 0, 60, 0, 0]);
        assert_eq!(
            connacks(&l.take_server_sent()),
            [(false, ReasonCode::V3_IDENTIFIER_REJECTED)]
        );
        assert!(l.server.is_ended());
    }

    /// After a valid CONNECT the server applies CleanSession processing.
    #[test]
    fn mqtt_3_1_4_3_clean_session_processing() {
        clean_start_discards(V);
        resume_session_present(V);
    }

    /// A valid CONNECT is answered with CONNACK return code 0.
    #[test]
    fn mqtt_3_1_4_4_connack_return_code_0() {
        connack_success(V);
    }

    /// After rejecting CONNECT the server processes no further data.
    #[test]
    fn mqtt_3_1_4_5_no_data_after_rejection() {
        refused_reads_nothing(V, ReasonCode::V3_BAD_USER_NAME_OR_PASSWORD);
    }

    /// Accepted CleanSession = 1: Session Present = 0.
    #[test]
    fn mqtt_3_2_2_1_clean_session_present_0() {
        clean_start_discards(V);
    }

    /// Accepted CleanSession = 0 with stored state: Session Present = 1.
    #[test]
    fn mqtt_3_2_2_2_stored_session_present_1() {
        resume_session_present(V);
    }

    /// Accepted CleanSession = 0 without stored state: Session Present = 0.
    #[test]
    fn mqtt_3_2_2_3_no_stored_session_present_0() {
        no_state_session_present_0(V);
    }

    /// After CONNACK with a non-zero return code the server closes the connection.
    #[test]
    fn mqtt_3_2_2_5_refusal_closes() {
        refused_reads_nothing(V, ReasonCode::V3_NOT_AUTHORIZED);
    }

    /// No listed return code fits: close without CONNACK.
    #[test]
    fn mqtt_3_2_2_6_no_fitting_code_closes_without_connack() {
        let mut l = raw(V, true);
        l.server.refuse(l.now, ReasonCode::BANNED).unwrap();
        l.run();
        assert!(connacks(&l.take_server_sent()).is_empty());
        assert!(
            l.server_events
                .contains(&ServerEvent::Closed(ServerCloseReason::Refused(
                    ReasonCode::BANNED
                )))
        );
    }

    /// Every SUBSCRIBE is answered with a SUBACK.
    #[test]
    fn mqtt_3_8_4_1_suback_for_every_subscribe() {
        suback_rules(V);
    }

    /// SUBACK carries the SUBSCRIBE's Packet Identifier.
    #[test]
    fn mqtt_3_8_4_2_suback_same_id() {
        suback_rules(V);
    }

    /// SUBACK has one return code per filter: granted QoS or failure.
    #[test]
    fn mqtt_3_8_4_5_one_code_per_filter() {
        suback_rules(V);
    }

    /// SUBACK return codes follow the filters' order.
    #[test]
    fn mqtt_3_9_3_1_codes_in_filter_order() {
        suback_rules(V);
    }

    /// QoS 1/2 deliveries already started complete after an UNSUBSCRIBE.
    #[test]
    fn mqtt_3_10_4_3_started_deliveries_complete() {
        deliveries_complete_after_unsubscribe(V);
    }

    /// UNSUBSCRIBE is answered with UNSUBACK carrying the same Packet Identifier.
    #[test]
    fn mqtt_3_10_4_4_unsuback_same_id() {
        unsuback_rules(V);
    }

    /// UNSUBACK is sent even when nothing was deleted.
    #[test]
    fn mqtt_3_10_4_5_unsuback_even_if_nothing_removed() {
        unsuback_rules(V);
    }

    /// Every PINGREQ gets a PINGRESP.
    #[test]
    fn mqtt_3_12_4_1_pingresp() {
        pingresp(V);
    }

    /// DISCONNECT discards the Will without publishing it.
    #[test]
    fn mqtt_3_14_4_3_disconnect_discards_will() {
        disconnect_discards_will(V);
    }

    /// An error while handling an inbound packet closes the connection it arrived on.
    #[test]
    fn mqtt_4_8_0_2_error_closes_connection() {
        error_closes(V);
    }
}
