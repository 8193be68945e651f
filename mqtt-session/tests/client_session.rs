//! Client session scenarios through the in-memory harness: connect, QoS 0/1/2 both ways, the
//! receive-maximum window, keep-alive, timeouts, disconnects, protocol violations, reconnect and
//! resume, export/restore, manual acks, topic aliases, message expiry, AUTH, and packets the
//! protocol requires that do not fit the server's Maximum Packet Size.

pub mod support;

use core::num::{NonZeroU16, NonZeroU32};
use core::time::Duration;

use mqtt_session::codec::bytes::BytesMut;
use mqtt_session::codec::topic::TopicFilter;
use mqtt_session::codec::{
    Auth, BinaryData, ConnAck, Delivery, Disconnect, EncodeError, MqttString, Packet, PacketType,
    ProtocolVersion, PubAck, PubComp, PubRec, PubRel, Publish, PublishTopic, QoS, ReasonCode,
    SubAck, Subscription, UnsubAck,
};
use mqtt_session::{
    ClientEvent, ClientSession, CloseReason, Instant, OutboundMessage, OutboundStage, SessionError,
    SessionState, UsageError,
};
use support::harness::*;

fn connack_with(f: impl FnOnce(&mut ConnAck)) -> ConnAck {
    let mut c = ConnAck::new(false, ReasonCode::SUCCESS);
    f(&mut c);
    c
}

#[test]
fn client_connects_and_reports_connected() {
    let mut p = Pair::v5();
    let Packet::Connect(c) = p.connect(false) else {
        unreachable!()
    };
    assert!(c.clean_start);
    assert_eq!(c.keep_alive_secs, 60);
    assert_eq!(
        p.take_events(),
        [ClientEvent::Connected {
            session_present: false
        }]
    );
    assert!(p.client.is_connected());
}

#[test]
fn client_refused_connack_reports_refused_then_closed() {
    let mut p = Pair::v5();
    p.connect_with(ConnAck::new(false, ReasonCode::NOT_AUTHORIZED));
    assert_eq!(
        p.take_events(),
        [
            ClientEvent::Refused(ReasonCode::NOT_AUTHORIZED),
            ClientEvent::Closed(CloseReason::Refused(ReasonCode::NOT_AUTHORIZED))
        ]
    );
    assert!(!p.client.is_connected());
    assert_eq!(
        p.client.handle_bytes(p.now, &mut BytesMut::new()),
        Err(SessionError::Closed)
    );
}

#[test]
fn client_v311_refused_return_code_is_reported() {
    let mut p = Pair::v311();
    p.connect_with(ConnAck::new(
        false,
        ReasonCode::V3_BAD_USER_NAME_OR_PASSWORD,
    ));
    assert_eq!(
        p.take_events()[0],
        ClientEvent::Refused(ReasonCode::V3_BAD_USER_NAME_OR_PASSWORD)
    );
}

#[test]
fn client_qos0_publish_is_sent_once_without_id() {
    let mut p = Pair::v5();
    p.connect(false);
    assert_eq!(p.publish(msg("a", b"0", QOS0)), None);
    let sent = p.sent();
    assert_eq!(publishes(&sent).len(), 1);
    assert_eq!(publishes(&sent)[0].delivery, Delivery::AtMostOnce);
    assert_eq!(p.client.in_flight(), 0);
}

#[test]
fn client_qos0_publish_needs_a_connection() {
    let mut p = Pair::v5();
    assert_eq!(
        p.client.publish(p.now, msg("a", b"0", QOS0)),
        Err(UsageError::NotConnected)
    );
}

#[test]
fn client_qos1_publish_delivered_on_puback() {
    let mut p = Pair::v5();
    p.connect(false);
    p.take_events();
    let id = p.publish(msg("a", b"1", QOS1)).unwrap();
    assert_eq!(publishes(&p.sent())[0].delivery, Delivery::AtLeastOnce(id));
    assert!(p.client.is_packet_id_in_use(id));
    p.send(Packet::PubAck(PubAck::new(id)));
    assert_eq!(p.take_events(), [ClientEvent::Delivered(id)]);
    assert!(
        !p.client.is_packet_id_in_use(id),
        "id released after PUBACK"
    );
}

#[test]
fn client_qos1_puback_failure_is_rejected_event() {
    let mut p = Pair::v5();
    p.connect(false);
    p.take_events();
    let id = p.publish(msg("a", b"1", QOS1)).unwrap();
    p.send(Packet::PubAck(PubAck::with_reason(
        id,
        ReasonCode::NOT_AUTHORIZED,
    )));
    assert_eq!(
        p.take_events(),
        [ClientEvent::Rejected {
            id,
            reason_code: ReasonCode::NOT_AUTHORIZED
        }]
    );
}

#[test]
fn client_qos2_publish_full_flow() {
    let mut p = Pair::v5();
    p.connect(false);
    p.take_events();
    let id = p.publish(msg("a", b"2", QOS2)).unwrap();
    assert_eq!(publishes(&p.sent())[0].delivery, Delivery::ExactlyOnce(id));
    p.send(Packet::PubRec(PubRec::new(id)));
    assert_eq!(p.sent(), [Packet::PubRel(PubRel::new(id))]);
    assert!(p.take_events().is_empty());
    p.send(Packet::PubComp(PubComp::new(id)));
    assert_eq!(p.take_events(), [ClientEvent::Delivered(id)]);
    assert_eq!(p.client.in_flight(), 0);
}

#[test]
fn client_qos2_pubrec_failure_ends_exchange_without_pubrel() {
    let mut p = Pair::v5();
    p.connect(false);
    p.take_events();
    let id = p.publish(msg("a", b"2", QOS2)).unwrap();
    p.sent();
    p.send(Packet::PubRec(PubRec::with_reason(
        id,
        ReasonCode::QUOTA_EXCEEDED,
    )));
    assert!(p.sent().is_empty());
    assert_eq!(
        p.take_events(),
        [ClientEvent::Rejected {
            id,
            reason_code: ReasonCode::QUOTA_EXCEEDED
        }]
    );
}

#[test]
fn client_receive_maximum_caps_in_flight_and_queues_in_order() {
    let mut p = Pair::v5();
    p.connect_with(connack_with(|c| {
        c.properties.receive_maximum = NonZeroU16::new(2)
    }));
    p.take_events();
    let ids: Vec<_> = (0..5)
        .map(|_| p.publish(msg("a", b"x", QOS1)).unwrap())
        .collect();
    let sent = p.sent();
    assert_eq!(publishes(&sent).len(), 2, "only receive maximum in flight");
    assert_eq!((p.client.in_flight(), p.client.queued()), (2, 3));
    // Acknowledge the second first: the third goes out, in order.
    p.send(Packet::PubAck(PubAck::new(ids[1])));
    let next = p.sent();
    assert_eq!(publishes(&next)[0].delivery, Delivery::AtLeastOnce(ids[2]));
    for id in [ids[0], ids[2], ids[3]] {
        p.send(Packet::PubAck(PubAck::new(id)));
    }
    let rest: Vec<_> = publishes(&p.sent()).iter().map(|p| p.delivery).collect();
    assert_eq!(
        rest,
        [Delivery::AtLeastOnce(ids[3]), Delivery::AtLeastOnce(ids[4])]
    );
    assert!(p.client.in_flight() <= 2);
}

#[test]
fn client_qos1_receive_is_acknowledged_automatically() {
    let mut p = Pair::v5();
    p.connect(false);
    p.take_events();
    p.server_publish("t", b"in", Delivery::AtLeastOnce(pid(9)));
    assert_eq!(received(&p.take_events()), [b"in".to_vec()]);
    assert_eq!(p.sent(), [Packet::PubAck(PubAck::new(pid(9)))]);
}

#[test]
fn client_qos2_receive_duplicate_is_acknowledged_not_delivered_twice() {
    let mut p = Pair::v5();
    p.connect(false);
    p.take_events();
    p.server_publish("t", b"once", Delivery::ExactlyOnce(pid(3)));
    assert_eq!(p.sent(), [Packet::PubRec(PubRec::new(pid(3)))]);
    let mut dup = Publish::new(name("t"), &b"once"[..]);
    dup.delivery = Delivery::ExactlyOnce(pid(3));
    dup.dup = true;
    p.send(Packet::Publish(dup));
    assert_eq!(
        p.sent(),
        [Packet::PubRec(PubRec::new(pid(3)))],
        "PUBREC again"
    );
    assert_eq!(received(&p.take_events()).len(), 1, "delivered once");
    p.send(Packet::PubRel(PubRel::new(pid(3))));
    assert_eq!(p.sent(), [Packet::PubComp(PubComp::new(pid(3)))]);
    p.server_publish("t", b"new", Delivery::ExactlyOnce(pid(3)));
    assert_eq!(
        received(&p.take_events()),
        [b"new".to_vec()],
        "id reusable after PUBREL"
    );
}

#[test]
fn client_pubrel_for_unknown_id_gets_pubcomp_not_found() {
    let mut p = Pair::v5();
    p.connect(false);
    p.send(Packet::PubRel(PubRel::new(pid(44))));
    assert_eq!(
        p.sent(),
        [Packet::PubComp(PubComp::with_reason(
            pid(44),
            ReasonCode::PACKET_IDENTIFIER_NOT_FOUND
        ))]
    );
}

#[test]
fn client_inbound_receive_maximum_exceeded_is_protocol_error() {
    let mut c = config(ProtocolVersion::V5);
    c.properties.receive_maximum = NonZeroU16::new(1);
    let mut p = Pair::new(c);
    p.connect(false);
    p.take_events();
    p.server_publish("t", b"1", Delivery::ExactlyOnce(pid(1)));
    p.sent();
    p.server_publish("t", b"2", Delivery::ExactlyOnce(pid(2)));
    assert_eq!(
        p.sent(),
        [Packet::Disconnect(Disconnect::with_reason(
            ReasonCode::RECEIVE_MAXIMUM_EXCEEDED
        ))]
    );
    assert!(matches!(
        p.take_events().last(),
        Some(ClientEvent::Closed(CloseReason::ProtocolError(
            SessionError::ReceiveMaximumExceeded { maximum: 1 }
        )))
    ));
}

#[test]
fn client_keep_alive_sends_pingreq_after_idle_interval() {
    let mut c = config(ProtocolVersion::V5);
    c.keep_alive_secs = 10;
    let mut p = Pair::new(c);
    p.connect(false);
    p.sent();
    assert_eq!(p.client.poll_timeout(), Some(Instant::from_secs(10)));
    assert!(p.advance_to_timeout());
    assert_eq!(p.sent(), [Packet::PingReq]);
    p.send(Packet::PingResp);
    assert_eq!(p.client.poll_timeout(), Some(Instant::from_secs(20)));
    // Traffic postpones the ping.
    p.advance(Duration::from_secs(5));
    p.publish(msg("a", b"x", QOS0));
    assert_eq!(p.client.poll_timeout(), Some(Instant::from_secs(25)));
}

#[test]
fn client_server_keep_alive_overrides_ours() {
    let mut p = Pair::v5();
    p.connect_with(connack_with(|c| c.properties.server_keep_alive = Some(5)));
    assert_eq!(p.client.keep_alive_secs(), 5);
    assert_eq!(p.client.poll_timeout(), Some(Instant::from_secs(5)));
}

#[test]
fn client_missing_pingresp_reports_connection_dead() {
    let mut c = config(ProtocolVersion::V3_1_1);
    c.keep_alive_secs = 10;
    c.response_timeout = Duration::from_secs(3);
    let mut p = Pair::new(c);
    p.connect(false);
    p.take_events();
    p.advance_to_timeout();
    assert_eq!(p.sent(), [Packet::PingReq]);
    assert_eq!(p.client.poll_timeout(), Some(Instant::from_secs(13)));
    p.advance_to_timeout();
    assert_eq!(
        p.take_events(),
        [ClientEvent::Closed(CloseReason::KeepAliveTimeout)]
    );
    assert!(p.sent().is_empty(), "nothing is sent on a dead connection");
    assert_eq!(p.client.poll_timeout(), None);
}

#[test]
fn client_connack_timeout_reports_connection_dead() {
    let mut p = Pair::v5();
    p.client.handle_connected(p.now).unwrap();
    p.flush();
    assert_eq!(p.client.poll_timeout(), Some(Instant::from_secs(30)));
    p.advance_to_timeout();
    assert_eq!(
        p.take_events(),
        [ClientEvent::Closed(CloseReason::ConnectTimeout)]
    );
}

#[test]
fn client_handle_timeout_is_idempotent_and_harmless_early() {
    let mut p = Pair::v5();
    p.connect(false);
    p.sent();
    p.client.handle_timeout(Instant::from_secs(1));
    p.flush();
    assert!(p.sent().is_empty());
    p.client.handle_timeout(Instant::from_secs(60));
    p.client.handle_timeout(Instant::from_secs(60));
    p.flush();
    assert_eq!(
        p.sent(),
        [Packet::PingReq],
        "one PINGREQ for repeated calls"
    );
}

#[test]
fn client_time_never_runs_backwards() {
    let mut p = Pair::v5();
    p.connect(false);
    p.sent();
    p.client.handle_timeout(Instant::from_secs(50));
    // An earlier `now` is clamped to 50 s: the deadline does not move back.
    let mut tx = BytesMut::new();
    p.client
        .publish(Instant::from_secs(1), msg("a", b"x", QOS0))
        .unwrap();
    let _ = p.client.poll_transmit(Instant::from_secs(1), &mut tx);
    assert_eq!(p.client.poll_timeout(), Some(Instant::from_secs(110)));
}

#[test]
fn client_second_connack_is_protocol_error_with_disconnect_first() {
    let mut p = Pair::v5();
    p.connect(false);
    p.take_events();
    p.send(Packet::ConnAck(ConnAck::new(false, ReasonCode::SUCCESS)));
    assert_eq!(
        p.sent(),
        [Packet::Disconnect(Disconnect::with_reason(
            ReasonCode::PROTOCOL_ERROR
        ))]
    );
    assert!(matches!(
        p.take_events()[..],
        [ClientEvent::Closed(CloseReason::ProtocolError(
            SessionError::UnexpectedPacket { .. }
        ))]
    ));
    assert!(matches!(
        p.last_error,
        Some(SessionError::UnexpectedPacket { .. })
    ));
    // Further input refused.
    let mut rx = BytesMut::from(&[0xD0u8, 0x00][..]);
    assert_eq!(
        p.client.handle_bytes(p.now, &mut rx),
        Err(SessionError::Closed)
    );
}

#[test]
fn client_malformed_bytes_close_with_malformed_packet() {
    let mut p = Pair::v5();
    p.connect(false);
    p.sent();
    p.send_raw(&[0x36, 0x00]); // PUBLISH QoS 3
    assert_eq!(
        p.sent(),
        [Packet::Disconnect(Disconnect::with_reason(
            ReasonCode::MALFORMED_PACKET
        ))]
    );
}

#[test]
fn client_v311_violation_closes_without_disconnect() {
    let mut p = Pair::v311();
    p.connect(false);
    p.take_events();
    p.send(Packet::ConnAck(ConnAck::new(false, ReasonCode::SUCCESS)));
    assert!(p.sent().is_empty());
    assert!(matches!(
        p.take_events()[..],
        [ClientEvent::Closed(CloseReason::ProtocolError(_))]
    ));
}

#[test]
fn client_usage_errors_change_nothing() {
    let mut p = Pair::v5();
    p.connect_with(connack_with(|c| {
        c.properties.maximum_qos = Some(QoS::AtLeastOnce);
        c.properties.retain_available = Some(false);
        c.properties.maximum_packet_size = NonZeroU32::new(64);
    }));
    p.take_events();
    assert!(matches!(
        p.client.publish(p.now, msg("a", b"x", QOS2)),
        Err(UsageError::QoSNotSupported { .. })
    ));
    let mut retained = msg("a", b"x", QOS0);
    retained.retain = true;
    assert_eq!(
        p.client.publish(p.now, retained),
        Err(UsageError::RetainNotSupported)
    );
    assert!(matches!(
        p.client.publish(p.now, msg("a", &[0u8; 100], QOS1)),
        Err(UsageError::Encode(EncodeError::PacketTooLarge { .. }))
    ));
    assert_eq!(
        p.client.handle_connected(p.now),
        Err(UsageError::AlreadyConnected)
    );
    p.flush();
    assert!(p.sent().is_empty());
    assert!(p.take_events().is_empty());
    assert_eq!((p.client.in_flight(), p.client.queued()), (0, 0));
    assert_eq!(
        p.publish(msg("a", b"ok", QOS1)),
        Some(pid(1)),
        "no id was consumed"
    );
}

#[test]
fn client_disconnect_sends_disconnect_and_closes() {
    let mut p = Pair::v5();
    p.connect(false);
    p.take_events();
    p.client
        .disconnect(p.now, ReasonCode::DISCONNECT_WITH_WILL_MESSAGE)
        .unwrap();
    p.flush();
    assert_eq!(
        p.sent(),
        [Packet::Disconnect(Disconnect::with_reason(
            ReasonCode::DISCONNECT_WITH_WILL_MESSAGE
        ))]
    );
    assert_eq!(p.take_events(), [ClientEvent::Closed(CloseReason::Local)]);
    assert_eq!(
        p.client.disconnect(p.now, ReasonCode::SUCCESS),
        Err(UsageError::NotConnected)
    );
}

#[test]
fn client_server_disconnect_closes() {
    let mut p = Pair::v5();
    p.connect(false);
    p.take_events();
    p.send(Packet::Disconnect(Disconnect::with_reason(
        ReasonCode::SERVER_SHUTTING_DOWN,
    )));
    assert_eq!(
        p.take_events(),
        [ClientEvent::Closed(CloseReason::ServerDisconnect(
            ReasonCode::SERVER_SHUTTING_DOWN
        ))]
    );
}

#[test]
fn client_bytes_split_one_at_a_time_decode_the_same() {
    let mut p = Pair::v5();
    p.split = Some(1);
    p.connect(false);
    p.take_events();
    for i in 1..=3 {
        p.server_publish("t", b"x", Delivery::AtLeastOnce(pid(i)));
    }
    assert_eq!(received(&p.take_events()).len(), 3);
    assert_eq!(p.sent().len(), 3);
}

#[test]
fn client_held_bytes_arrive_later_in_order() {
    let mut p = Pair::v5();
    p.connect(false);
    p.take_events();
    p.hold = true;
    p.server_publish("t", b"1", Delivery::AtMostOnce);
    p.server_publish("t", b"2", Delivery::AtMostOnce);
    assert!(p.take_events().is_empty());
    p.release();
    assert_eq!(received(&p.take_events()), [b"1".to_vec(), b"2".to_vec()]);
}

#[test]
fn client_subscribe_and_unsubscribe_report_results() {
    let mut p = Pair::v5();
    p.connect(false);
    p.take_events();
    let f = TopicFilter::new("a/+").unwrap();
    let id = p
        .client
        .subscribe(p.now, vec![Subscription::new(f.clone(), QOS1)])
        .unwrap();
    p.flush();
    assert!(matches!(&p.sent()[..], [Packet::Subscribe(s)] if s.packet_id == id));
    p.send(Packet::SubAck(SubAck::new(
        id,
        vec![ReasonCode::GRANTED_QOS_1],
    )));
    assert_eq!(
        p.take_events(),
        [ClientEvent::Subscribed {
            id,
            results: vec![ReasonCode::GRANTED_QOS_1]
        }]
    );
    let id2 = p.client.unsubscribe(p.now, &[f]).unwrap();
    p.flush();
    p.send(Packet::UnsubAck(UnsubAck::new(
        id2,
        vec![ReasonCode::SUCCESS],
    )));
    assert_eq!(
        p.take_events(),
        [ClientEvent::Unsubscribed {
            id: id2,
            results: vec![ReasonCode::SUCCESS]
        }]
    );
    assert_eq!(
        p.client.subscribe(p.now, vec![]),
        Err(UsageError::NoTopicFilters)
    );
}

#[test]
fn client_packet_ids_are_shared_by_publish_and_subscribe() {
    let mut p = Pair::v5();
    p.connect(false);
    let a = p.publish(msg("a", b"x", QOS1)).unwrap();
    let f = TopicFilter::new("a").unwrap();
    let b = p
        .client
        .subscribe(p.now, vec![Subscription::new(f.clone(), QOS0)])
        .unwrap();
    let c = p.client.unsubscribe(p.now, &[f]).unwrap();
    assert_eq!([a.get(), b.get(), c.get()], [1, 2, 3]);
}

#[test]
fn client_server_limits_govern_subscribe() {
    let mut p = Pair::v5();
    p.connect_with(connack_with(|c| {
        c.properties.wildcard_subscription_available = Some(false);
        c.properties.shared_subscription_available = Some(false);
    }));
    let wild = Subscription::new(TopicFilter::new("a/#").unwrap(), QOS0);
    assert_eq!(
        p.client.subscribe(p.now, vec![wild]),
        Err(UsageError::WildcardSubscriptionsNotSupported)
    );
    let shared = Subscription::new(TopicFilter::new("$share/g/a").unwrap(), QOS0);
    assert_eq!(
        p.client.subscribe(p.now, vec![shared]),
        Err(UsageError::SharedSubscriptionsNotSupported)
    );
}

// ----- reconnect and resume -----

#[test]
fn client_qos1_resent_with_dup_after_reconnect() {
    let mut c = config(ProtocolVersion::V5);
    c.properties.session_expiry_interval = Some(600);
    let mut p = Pair::new(c);
    p.connect(false);
    let id = p.publish(msg("a", b"1", QOS1)).unwrap();
    p.sent();
    p.drop_connection();
    assert!(
        p.take_events()
            .contains(&ClientEvent::Closed(CloseReason::ConnectionLost))
    );
    let Packet::Connect(connect) = p.connect(true) else {
        unreachable!()
    };
    assert!(!connect.clean_start, "reconnect asks to resume");
    let sent = p.sent();
    let again = publishes(&sent);
    assert_eq!(again.len(), 1);
    assert!(again[0].dup);
    assert_eq!(again[0].delivery, Delivery::AtLeastOnce(id));
}

#[test]
fn client_qos2_resumes_after_reconnect() {
    let mut c = config(ProtocolVersion::V5);
    c.properties.session_expiry_interval = Some(600);
    let mut p = Pair::new(c);
    p.connect(false);
    let a = p.publish(msg("a", b"a", QOS2)).unwrap();
    let b = p.publish(msg("b", b"b", QOS2)).unwrap();
    let c2 = p.publish(msg("c", b"c", QOS1)).unwrap();
    p.sent();
    p.send(Packet::PubRec(PubRec::new(a))); // a is past PUBREC
    assert_eq!(p.sent(), [Packet::PubRel(PubRel::new(a))]);
    p.drop_connection();
    p.take_events();
    p.connect(true);
    let sent = p.sent();
    // Original order: PUBREL a (never PUBLISH a again), PUBLISH b dup, PUBLISH c dup.
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert_eq!(sent[0], Packet::PubRel(PubRel::new(a)));
    assert!(
        matches!(&sent[1], Packet::Publish(p) if p.dup && p.delivery == Delivery::ExactlyOnce(b))
    );
    assert!(
        matches!(&sent[2], Packet::Publish(p) if p.dup && p.delivery == Delivery::AtLeastOnce(c2))
    );
    p.send(Packet::PubComp(PubComp::new(a)));
    p.send(Packet::PubRec(PubRec::new(b)));
    p.send(Packet::PubComp(PubComp::new(b)));
    p.send(Packet::PubAck(PubAck::new(c2)));
    let events = p.take_events();
    for id in [a, b, c2] {
        assert!(events.contains(&ClientEvent::Delivered(id)));
    }
}

#[test]
fn client_in_flight_reported_lost_without_session_present() {
    let mut c = config(ProtocolVersion::V5);
    c.properties.session_expiry_interval = Some(600);
    c.properties.receive_maximum = None;
    let mut p = Pair::new(c);
    p.connect_with(connack_with(|c| {
        c.properties.receive_maximum = NonZeroU16::new(1)
    }));
    let a = p.publish(msg("a", b"a", QOS1)).unwrap();
    let b = p.publish(msg("b", b"b", QOS1)).unwrap(); // queued behind the window
    p.sent();
    p.drop_connection();
    p.take_events();
    p.connect(false);
    let events = p.take_events();
    assert_eq!(
        events,
        [
            ClientEvent::Connected {
                session_present: false
            },
            ClientEvent::Lost(a)
        ]
    );
    assert!(!p.client.is_packet_id_in_use(a));
    // The never-sent message goes out fresh on the new session.
    let sent = p.sent();
    assert!(
        matches!(&publishes(&sent)[..], [p] if !p.dup && p.delivery == Delivery::AtLeastOnce(b))
    );
}

#[test]
fn client_pending_subscribe_is_lost_with_the_connection() {
    let mut p = Pair::v5();
    p.connect(false);
    p.take_events();
    let f = TopicFilter::new("a").unwrap();
    let id = p
        .client
        .subscribe(p.now, vec![Subscription::new(f, QOS0)])
        .unwrap();
    p.drop_connection();
    assert_eq!(
        p.take_events(),
        [
            ClientEvent::Closed(CloseReason::ConnectionLost),
            ClientEvent::Lost(id)
        ]
    );
    p.connect(false);
    assert!(
        p.sent().iter().all(|p| !matches!(p, Packet::Subscribe(_))),
        "not resent"
    );
}

#[test]
fn client_session_present_after_clean_start_is_protocol_error() {
    let mut p = Pair::v5();
    p.connect(true);
    assert!(matches!(
        p.take_events()[..],
        [ClientEvent::Closed(CloseReason::ProtocolError(
            SessionError::SessionPresentAfterCleanStart
        ))]
    ));
}

#[test]
fn client_export_restore_resumes_after_power_loss() {
    let mut c = config(ProtocolVersion::V5);
    c.properties.session_expiry_interval = Some(3600);
    let mut p = Pair::new(c.clone());
    p.connect(false);
    let a = p.publish(msg("a", b"a", QOS2)).unwrap();
    let b = p.publish(msg("b", b"b", QOS1)).unwrap();
    p.send(Packet::PubRec(PubRec::new(a)));
    p.server_publish("in", b"q2", Delivery::ExactlyOnce(pid(77)));
    let saved = p.client.export_state();
    assert_eq!(saved.outbound.len(), 2);
    assert_eq!(saved.outbound[0].stage, OutboundStage::Released);
    assert_eq!(saved.outbound[1].stage, OutboundStage::Sent);
    assert_eq!(saved.inbound_qos2, [pid(77)]);

    // Power loss: a new session from the saved state, clean start is in the config.
    let mut q = Pair::new(c);
    q.client = ClientSession::resume(q.client.config().clone(), saved, Instant::ZERO);
    let Packet::Connect(connect) = q.connect(true) else {
        unreachable!()
    };
    assert!(!connect.clean_start);
    let sent = q.sent();
    assert_eq!(sent[0], Packet::PubRel(PubRel::new(a)));
    assert!(
        matches!(&sent[1], Packet::Publish(p) if p.dup && p.delivery == Delivery::AtLeastOnce(b))
    );
    // The held inbound QoS 2 id: a duplicate is not delivered again.
    let mut dup = Publish::new(name("in"), &b"q2"[..]);
    dup.delivery = Delivery::ExactlyOnce(pid(77));
    dup.dup = true;
    q.take_events();
    q.send(Packet::Publish(dup));
    assert!(received(&q.take_events()).is_empty());
    assert_eq!(q.sent(), [Packet::PubRec(PubRec::new(pid(77)))]);
    // New publishes do not reuse restored ids.
    let c3 = q.publish(msg("c", b"c", QOS1)).unwrap();
    assert!(c3 != a && c3 != b);
}

/// A saved message numbered `id` at `stage`.
fn saved(topic: &str, qos: QoS, id: u16, stage: OutboundStage) -> OutboundMessage {
    let mut p = Publish::new(name(topic), &b"m"[..]);
    p.delivery = match qos {
        QoS::ExactlyOnce => Delivery::ExactlyOnce(pid(id)),
        _ => Delivery::AtLeastOnce(pid(id)),
    };
    OutboundMessage::new(p, stage)
}

#[test]
fn client_resume_renumbers_a_queued_message_whose_id_a_sent_one_holds() {
    let mut state = SessionState::new();
    // Hand-built: the queued message comes first and repeats the in-flight message's id.
    state.outbound = vec![
        saved("queued", QOS1, 1, OutboundStage::Queued),
        saved("sent", QOS2, 1, OutboundStage::Sent),
    ];
    let mut p = Pair::new(config(ProtocolVersion::V5));
    p.client = ClientSession::resume(p.client.config().clone(), state, Instant::ZERO);
    p.connect(true);
    let publishes: Vec<_> = p
        .sent()
        .into_iter()
        .filter_map(|p| match p {
            Packet::Publish(p) => Some((p.topic.name().unwrap().as_str().to_owned(), p)),
            _ => None,
        })
        .collect();
    assert_eq!(publishes.len(), 2, "nothing lost");
    let (sent_topic, sent) = &publishes[0];
    assert_eq!(sent_topic, "sent", "the resend goes first");
    assert!(
        sent.dup && sent.delivery == Delivery::ExactlyOnce(pid(1)),
        "keeps the id the server knows"
    );
    let (queued_topic, queued) = &publishes[1];
    assert_eq!(queued_topic, "queued");
    assert!(!queued.dup);
    let id = queued.delivery.packet_id().unwrap();
    assert_ne!(id, pid(1), "a fresh id, not the one in flight");
    assert!(
        matches!(queued.delivery, Delivery::AtLeastOnce(_)),
        "QoS kept"
    );
    assert!(
        p.take_events()
            .iter()
            .all(|e| !matches!(e, ClientEvent::Lost(_)))
    );
}

#[test]
fn client_resume_reports_a_second_sent_message_with_the_same_id_as_lost() {
    let mut state = SessionState::new();
    state.outbound = vec![
        saved("first", QOS1, 7, OutboundStage::Sent),
        saved("second", QOS1, 7, OutboundStage::Sent),
    ];
    let mut p = Pair::new(config(ProtocolVersion::V5));
    p.client = ClientSession::resume(p.client.config().clone(), state, Instant::ZERO);
    assert_eq!(
        p.client.poll_event(),
        Some(ClientEvent::Lost(pid(7))),
        "reported, not dropped silently"
    );
    p.connect(true);
    let resent: Vec<_> = p
        .sent()
        .into_iter()
        .filter(|p| matches!(p, Packet::Publish(_)))
        .collect();
    assert_eq!(resent.len(), 1);
    assert!(
        matches!(&resent[0], Packet::Publish(p) if p.topic.name().unwrap().as_str() == "first")
    );
}

// ----- manual acks -----

#[test]
fn client_manual_acks_go_out_in_arrival_order() {
    let mut c = config(ProtocolVersion::V5);
    c.auto_ack = false;
    let mut p = Pair::new(c);
    p.connect(false);
    p.take_events();
    p.server_publish("t", b"1", Delivery::AtLeastOnce(pid(1)));
    p.server_publish("t", b"2", Delivery::ExactlyOnce(pid(2)));
    p.server_publish("t", b"3", Delivery::AtLeastOnce(pid(3)));
    assert!(p.sent().is_empty(), "nothing acknowledged automatically");
    let tokens: Vec<_> = p
        .take_events()
        .into_iter()
        .filter_map(|e| match e {
            ClientEvent::Received(m) => m.ack,
            _ => None,
        })
        .collect();
    assert_eq!(tokens.len(), 3);
    p.client.ack(p.now, tokens[2]).unwrap();
    p.client.ack(p.now, tokens[1]).unwrap();
    p.flush();
    assert!(
        p.sent().is_empty(),
        "the first message is not acknowledged yet"
    );
    p.client.ack(p.now, tokens[0]).unwrap();
    p.flush();
    assert_eq!(
        p.sent(),
        [
            Packet::PubAck(PubAck::new(pid(1))),
            Packet::PubRec(PubRec::new(pid(2))),
            Packet::PubAck(PubAck::new(pid(3)))
        ]
    );
    assert_eq!(
        p.client.ack(p.now, tokens[0]),
        Err(UsageError::UnknownAckToken)
    );
    p.send(Packet::PubRel(PubRel::new(pid(2))));
    assert_eq!(p.sent(), [Packet::PubComp(PubComp::new(pid(2)))]);
}

#[test]
fn client_manual_ack_pending_duplicate_is_not_delivered_again() {
    let mut c = config(ProtocolVersion::V5);
    c.auto_ack = false;
    let mut p = Pair::new(c);
    p.connect(false);
    p.take_events();
    p.server_publish("t", b"1", Delivery::ExactlyOnce(pid(5)));
    p.server_publish("t", b"1", Delivery::ExactlyOnce(pid(5)));
    assert_eq!(received(&p.take_events()).len(), 1);
    assert!(p.sent().is_empty());
}

// ----- topic aliases -----

#[test]
fn client_inbound_topic_alias_is_resolved() {
    let mut c = config(ProtocolVersion::V5);
    c.properties.topic_alias_maximum = Some(4);
    let mut p = Pair::new(c);
    p.connect(false);
    p.take_events();
    let alias = NonZeroU16::new(2).unwrap();
    let mut first = Publish::new(
        PublishTopic::NameAndAlias(name("long/topic"), alias),
        &b"1"[..],
    );
    first.delivery = Delivery::AtMostOnce;
    p.send(Packet::Publish(first));
    p.send(Packet::Publish(Publish::new(
        PublishTopic::Alias(alias),
        &b"2"[..],
    )));
    let events = p.take_events();
    let topics: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::Received(m) => m.topic().map(|t| t.as_str().to_owned()),
            _ => None,
        })
        .collect();
    assert_eq!(topics, ["long/topic", "long/topic"]);
}

#[test]
fn client_unknown_inbound_alias_is_protocol_error() {
    let mut c = config(ProtocolVersion::V5);
    c.properties.topic_alias_maximum = Some(4);
    let mut p = Pair::new(c);
    p.connect(false);
    p.sent();
    p.send(Packet::Publish(Publish::new(
        PublishTopic::Alias(NonZeroU16::new(1).unwrap()),
        &b"x"[..],
    )));
    assert_eq!(
        p.sent(),
        [Packet::Disconnect(Disconnect::with_reason(
            ReasonCode::PROTOCOL_ERROR
        ))]
    );
}

#[test]
fn client_inbound_alias_over_maximum_is_topic_alias_invalid() {
    let mut p = Pair::v5(); // our maximum is 0
    p.connect(false);
    p.sent();
    p.send(Packet::Publish(Publish::new(
        PublishTopic::NameAndAlias(name("t"), NonZeroU16::new(1).unwrap()),
        &b"x"[..],
    )));
    assert_eq!(
        p.sent(),
        [Packet::Disconnect(Disconnect::with_reason(
            ReasonCode::TOPIC_ALIAS_INVALID
        ))]
    );
}

#[test]
fn client_outbound_aliases_assigned_within_server_maximum() {
    let mut p = Pair::v5();
    p.connect_with(connack_with(|c| c.properties.topic_alias_maximum = Some(1)));
    p.publish(msg("x/y", b"1", QOS0));
    p.publish(msg("x/y", b"2", QOS0));
    p.publish(msg("other", b"3", QOS0));
    let sent = p.sent();
    let topics: Vec<_> = publishes(&sent).iter().map(|p| p.topic.clone()).collect();
    let one = NonZeroU16::new(1).unwrap();
    assert_eq!(
        topics,
        [
            PublishTopic::NameAndAlias(name("x/y"), one),
            PublishTopic::Alias(one),
            PublishTopic::Name(name("other"))
        ]
    );
    // Aliases do not survive the connection.
    p.drop_connection();
    p.connect(false);
    p.publish(msg("x/y", b"4", QOS0));
    let sent = p.sent();
    assert_eq!(publishes(&sent)[0].topic, PublishTopic::Name(name("x/y")));
}

// ----- message expiry -----

#[test]
fn client_queued_message_expires_before_sending() {
    let mut p = Pair::v5();
    p.connect_with(connack_with(|c| {
        c.properties.receive_maximum = NonZeroU16::new(1)
    }));
    p.take_events();
    let a = p.publish(msg("a", b"a", QOS1)).unwrap();
    let mut m = msg("b", b"b", QOS1);
    m.properties.message_expiry_interval = Some(10);
    let b = p.publish(m).unwrap();
    let mut m = msg("c", b"c", QOS1);
    m.properties.message_expiry_interval = Some(100);
    let c = p.publish(m).unwrap();
    p.sent();
    assert_eq!(p.client.poll_timeout(), Some(Instant::from_secs(10)));
    p.advance_to_timeout();
    assert_eq!(p.take_events(), [ClientEvent::Expired(b)]);
    p.advance(Duration::from_secs(20)); // now 30 s
    p.send(Packet::PubAck(PubAck::new(a)));
    let sent = p.sent();
    let out = publishes(&sent);
    assert_eq!(out[0].delivery, Delivery::AtLeastOnce(c));
    assert_eq!(
        out[0].properties.message_expiry_interval,
        Some(70),
        "the time left"
    );
}

// ----- enhanced authentication -----

#[test]
fn client_enhanced_auth_exchange_and_reauthentication() {
    let mut c = config(ProtocolVersion::V5);
    c.properties.authentication_method = Some(MqttString::new("SCRAM").unwrap());
    c.properties.authentication_data = Some(BinaryData::copy_from_slice(b"first").unwrap());
    let mut p = Pair::new(c);
    p.client.handle_connected(p.now).unwrap();
    p.flush();
    p.sent();
    let mut challenge = Auth::new(ReasonCode::CONTINUE_AUTHENTICATION);
    challenge.properties.authentication_method = Some(MqttString::new("SCRAM").unwrap());
    p.send(Packet::Auth(challenge.clone()));
    assert!(matches!(
        p.take_events()[..],
        [ClientEvent::AuthChallenge(_)]
    ));
    p.client
        .auth(p.now, Some(BinaryData::copy_from_slice(b"answer").unwrap()))
        .unwrap();
    p.flush();
    assert!(
        matches!(&p.sent()[..], [Packet::Auth(a)] if a.reason_code == ReasonCode::CONTINUE_AUTHENTICATION)
    );
    p.send(Packet::ConnAck(ConnAck::new(false, ReasonCode::SUCCESS)));
    assert_eq!(
        p.take_events(),
        [ClientEvent::Connected {
            session_present: false
        }]
    );
    // Re-authentication.
    p.client.reauthenticate(p.now, None).unwrap();
    p.flush();
    assert!(
        matches!(&p.sent()[..], [Packet::Auth(a)] if a.reason_code == ReasonCode::RE_AUTHENTICATE)
    );
    let mut ok = Auth::new(ReasonCode::SUCCESS);
    ok.properties.authentication_method = Some(MqttString::new("SCRAM").unwrap());
    p.send(Packet::Auth(ok));
    assert_eq!(p.take_events(), [ClientEvent::Reauthenticated]);
}

#[test]
fn client_auth_without_enhanced_auth_is_protocol_error() {
    let mut p = Pair::v5();
    p.connect(false);
    p.sent();
    let mut a = Auth::new(ReasonCode::CONTINUE_AUTHENTICATION);
    a.properties.authentication_method = Some(MqttString::new("X").unwrap());
    p.send(Packet::Auth(a));
    assert_eq!(
        p.sent(),
        [Packet::Disconnect(Disconnect::with_reason(
            ReasonCode::PROTOCOL_ERROR
        ))]
    );
    assert_eq!(p.client.auth(p.now, None), Err(UsageError::AuthNotExpected));
}

#[test]
fn client_idle_session_is_small() {
    let size = size_of::<ClientSession>();
    println!("size_of::<ClientSession>() = {size}");
    assert!(size <= 2048, "{size}");
}

/// A 5.0 client with two messages in flight (sent, unacknowledged), then the connection drops.
#[expect(clippy::unwrap_used, reason = "test fixture: a failure fails the test")]
fn client_with_two_in_flight(qos: QoS, retain: bool) -> (Pair, Vec<mqtt_session::codec::PacketId>) {
    let mut c = config(ProtocolVersion::V5);
    c.properties.session_expiry_interval = Some(600);
    let mut p = Pair::new(c);
    p.connect(false);
    p.take_events();
    let ids = (0..2)
        .map(|_| {
            let mut m = msg("a", b"x", qos);
            m.retain = retain;
            p.publish(m).unwrap()
        })
        .collect();
    assert_eq!(publishes(&p.sent()).len(), 2);
    p.drop_connection();
    p.take_events();
    (p, ids)
}

#[test]
fn client_resend_respects_new_receive_maximum() {
    let (mut p, ids) = client_with_two_in_flight(QOS2, false);
    p.connect_with(connack_with(|c| {
        c.session_present = true;
        c.properties.receive_maximum = NonZeroU16::new(1);
    }));
    let sent = p.sent();
    let resent: Vec<_> = publishes(&sent)
        .iter()
        .map(|x| (x.delivery, x.dup))
        .collect();
    assert_eq!(
        resent,
        [(Delivery::ExactlyOnce(ids[0]), true)],
        "one in the window"
    );
    // The first completes: the second is resent with its id and DUP = 1.
    p.send(Packet::PubRec(PubRec::new(ids[0])));
    p.send(Packet::PubComp(PubComp::new(ids[0])));
    let sent = p.sent();
    let resent: Vec<_> = publishes(&sent)
        .iter()
        .map(|x| (x.delivery, x.dup))
        .collect();
    assert_eq!(resent, [(Delivery::ExactlyOnce(ids[1]), true)]);
}

#[test]
fn client_resend_drops_message_over_new_maximum_qos() {
    let (mut p, ids) = client_with_two_in_flight(QOS1, false);
    p.connect_with(connack_with(|c| {
        c.session_present = true;
        c.properties.maximum_qos = Some(QoS::AtMostOnce);
    }));
    assert!(
        publishes(&p.sent()).is_empty(),
        "no QoS 1 resend under Maximum QoS 0"
    );
    let events = p.take_events();
    for id in ids {
        assert!(
            events
                .iter()
                .any(|e| matches!(e, ClientEvent::Lost(d) if *d == id)),
            "{events:?}"
        );
    }
    assert_eq!(p.client.in_flight(), 0);
}

#[test]
fn client_resend_drops_retained_message_when_retain_not_available() {
    let (mut p, ids) = client_with_two_in_flight(QOS1, true);
    p.connect_with(connack_with(|c| {
        c.session_present = true;
        c.properties.retain_available = Some(false);
    }));
    assert!(publishes(&p.sent()).iter().all(|x| !x.retain));
    let events = p.take_events();
    assert!(
        events.contains(&ClientEvent::Lost(ids[0])) && events.contains(&ClientEvent::Lost(ids[1])),
        "{events:?}"
    );
}

// ----- packets the protocol requires, over the server's Maximum Packet Size -----
//
// [MQTT-3.2.2-15]: the client never sends a packet over the server's Maximum Packet Size. The
// acknowledgments, PUBREL, PINGREQ and resends it must send carry nothing it may drop, so one
// that does not fit closes the connection with `CloseReason::PacketTooLarge` (DISCONNECT 0x95
// first when those 3 bytes fit) and the session state waits for the next connection. 3.1.1
// has no Maximum Packet Size (its CONNACK has no properties): none of this can happen there.

/// A 5.0 configuration whose session outlives the connection.
fn persistent_v5() -> Pair {
    let mut c = config(ProtocolVersion::V5);
    c.properties.session_expiry_interval = Some(600);
    Pair::new(c)
}

/// A resumed CONNACK (Session Present = 1) announcing Maximum Packet Size `max`.
fn resumed_with_max(max: u32) -> ConnAck {
    connack_with(|c| {
        c.session_present = true;
        c.properties.maximum_packet_size = NonZeroU32::new(max);
    })
}

/// DISCONNECT 0x95 (Packet too large), 3 bytes.
fn disconnect_too_large() -> Packet {
    Packet::Disconnect(Disconnect::with_reason(ReasonCode::PACKET_TOO_LARGE))
}

/// The close for a required `packet` of `size` bytes over `max`.
fn closed_too_large(packet: PacketType, size: u64, max: u32) -> ClientEvent {
    ClientEvent::Closed(CloseReason::PacketTooLarge { packet, size, max })
}

/// The server's resend (DUP = 1) of its QoS 1/2 PUBLISH on a resumed connection.
fn server_resend(p: &mut Pair, delivery: Delivery) {
    let mut again = Publish::new(name("t"), &b"x"[..]);
    again.delivery = delivery;
    again.dup = true;
    p.send(Packet::Publish(again));
}

/// Resuming with a QoS 2 message past PUBREC, the 4-byte PUBREL does not fit Maximum Packet
/// Size 1 (nor does a DISCONNECT): the connection closes, explicitly, instead of dropping the
/// PUBREL; the message stays Released and the next connection sends the PUBREL and completes
/// the exchange [MQTT-4.4.0-1].
#[test]
fn client_pubrel_over_server_maximum_packet_size_closes_and_resumes_later() {
    let mut p = persistent_v5();
    p.connect(false);
    let a = p.publish(msg("a", b"a", QOS2)).unwrap();
    p.sent();
    p.send(Packet::PubRec(PubRec::new(a)));
    assert_eq!(p.sent(), [Packet::PubRel(PubRel::new(a))]);
    p.drop_connection();
    p.take_events();

    p.connect_with(resumed_with_max(1));
    assert_eq!(
        p.sent(),
        [],
        "neither PUBREL (4 bytes) nor DISCONNECT (3) fits"
    );
    assert_eq!(
        p.take_events(),
        [
            ClientEvent::Connected {
                session_present: true
            },
            closed_too_large(PacketType::PubRel, 4, 1)
        ]
    );
    assert!(!p.client.is_connected());
    assert_eq!(
        p.client.handle_bytes(p.now, &mut BytesMut::new()),
        Err(SessionError::Closed)
    );
    let state = p.client.export_state();
    assert_eq!(state.outbound.len(), 1);
    assert_eq!(state.outbound[0].stage, OutboundStage::Released);
    assert!(p.client.is_packet_id_in_use(a));

    p.drop_connection();
    assert_eq!(p.take_events(), [], "one Closed per connection");
    p.connect(true);
    assert_eq!(p.sent(), [Packet::PubRel(PubRel::new(a))]);
    p.send(Packet::PubComp(PubComp::new(a)));
    assert!(p.take_events().contains(&ClientEvent::Delivered(a)));
    assert!(!p.client.is_packet_id_in_use(a));
}

/// The automatic PUBACK of an inbound QoS 1 message (4 bytes) over Maximum Packet Size 3: the
/// message is delivered, DISCONNECT 0x95 (3 bytes) goes out and the connection closes; the
/// server's resend on the next connection is acknowledged [MQTT-4.3.2-4].
#[test]
fn client_puback_over_server_maximum_packet_size_closes_with_disconnect_0x95() {
    let mut p = persistent_v5();
    p.connect_with(connack_with(|c| {
        c.properties.maximum_packet_size = NonZeroU32::new(3);
    }));
    p.take_events();
    p.server_publish("t", b"x", Delivery::AtLeastOnce(pid(7)));
    assert_eq!(p.sent(), [disconnect_too_large()]);
    let events = p.take_events();
    assert_eq!(received(&events), [b"x".to_vec()]);
    assert_eq!(
        events.last(),
        Some(&closed_too_large(PacketType::PubAck, 4, 3))
    );

    p.drop_connection();
    p.connect(true);
    server_resend(&mut p, Delivery::AtLeastOnce(pid(7)));
    assert_eq!(p.sent(), [Packet::PubAck(PubAck::new(pid(7)))]);
}

/// A manual PUBREC for an inbound QoS 2 message over Maximum Packet Size 3: `ack` succeeds
/// and closes the connection; on the next connection the server's resend gets the PUBREC
/// without a second delivery, and its PUBREL the PUBCOMP [MQTT-4.3.3-10].
#[test]
fn client_manual_pubrec_over_server_maximum_packet_size_closes_and_is_resent() {
    let mut c = config(ProtocolVersion::V5);
    c.properties.session_expiry_interval = Some(600);
    c.auto_ack = false;
    let mut p = Pair::new(c);
    p.connect_with(connack_with(|c| {
        c.properties.maximum_packet_size = NonZeroU32::new(3);
    }));
    p.take_events();
    p.server_publish("t", b"x", Delivery::ExactlyOnce(pid(5)));
    let token = match &p.take_events()[..] {
        [ClientEvent::Received(m)] => m.ack.unwrap(),
        other => panic!("{other:?}"),
    };
    assert_eq!(p.sent(), []);
    p.client.ack(p.now, token).unwrap();
    p.flush();
    assert_eq!(p.sent(), [disconnect_too_large()]);
    assert_eq!(
        p.take_events(),
        [closed_too_large(PacketType::PubRec, 4, 3)]
    );

    p.drop_connection();
    p.connect(true);
    p.take_events();
    server_resend(&mut p, Delivery::ExactlyOnce(pid(5)));
    assert_eq!(p.sent(), [Packet::PubRec(PubRec::new(pid(5)))]);
    assert_eq!(received(&p.take_events()), Vec::<Vec<u8>>::new());
    p.send(Packet::PubRel(PubRel::new(pid(5))));
    assert_eq!(p.sent(), [Packet::PubComp(PubComp::new(pid(5)))]);
}

/// A PINGREQ (2 bytes) due under Maximum Packet Size 1 [MQTT-3.1.2-20] closes the connection
/// instead of leaving the server's keep-alive to expire [MQTT-3.1.2-22].
#[test]
fn client_pingreq_over_server_maximum_packet_size_closes() {
    let mut p = Pair::v5();
    p.connect_with(connack_with(|c| {
        c.properties.maximum_packet_size = NonZeroU32::new(1);
    }));
    p.take_events();
    assert!(p.advance_to_timeout());
    assert_eq!(p.sent(), []);
    assert_eq!(
        p.take_events(),
        [closed_too_large(PacketType::PingReq, 2, 1)]
    );
    assert_eq!(p.client.poll_timeout(), None, "no PINGRESP is awaited");
    p.client.handle_timeout(p.now);
    p.flush();
    assert_eq!(p.take_events(), []);
}

/// A resent PUBLISH over the new connection's Maximum Packet Size cannot be sent but must be
/// [MQTT-4.4.0-1]: the connection closes and both messages stay in flight, in order, for the
/// next connection (nothing is reported lost).
#[test]
fn client_resend_over_new_maximum_packet_size_closes_and_keeps_messages() {
    let (mut p, ids) = client_with_two_in_flight(QOS1, false);
    p.connect_with(resumed_with_max(8));
    assert_eq!(p.sent(), [disconnect_too_large()]);
    let events = p.take_events();
    assert!(
        matches!(
            events[..],
            [
                ClientEvent::Connected { .. },
                ClientEvent::Closed(CloseReason::PacketTooLarge {
                    packet: PacketType::Publish,
                    max: 8,
                    ..
                })
            ]
        ),
        "{events:?}"
    );
    assert_eq!(p.client.in_flight(), 2);

    p.drop_connection();
    p.connect(true);
    let sent = p.sent();
    let resent: Vec<_> = publishes(&sent)
        .iter()
        .map(|x| (x.delivery, x.dup))
        .collect();
    assert_eq!(
        resent,
        [
            (Delivery::AtLeastOnce(ids[0]), true),
            (Delivery::AtLeastOnce(ids[1]), true)
        ]
    );
}

/// A resend deferred by the Receive Maximum that turns out too large when the window frees
/// closes the connection too, and keeps its place (front of the queue, still a resend): the
/// next connection resends it with DUP = 1 [MQTT-4.4.0-1].
#[test]
fn client_deferred_resend_over_maximum_packet_size_closes_and_keeps_its_place() {
    let mut p = persistent_v5();
    p.connect(false);
    let small = p.publish(msg("a", b"x", QOS1)).unwrap();
    let large = p.publish(msg("a", &[7u8; 32], QOS1)).unwrap();
    assert_eq!(publishes(&p.sent()).len(), 2);
    p.drop_connection();
    p.take_events();

    p.connect_with(connack_with(|c| {
        c.session_present = true;
        c.properties.receive_maximum = NonZeroU16::new(1);
        c.properties.maximum_packet_size = NonZeroU32::new(16);
    }));
    let sent = p.sent();
    assert_eq!(publishes(&sent).len(), 1, "the window holds one: {sent:?}");
    assert_eq!((p.client.in_flight(), p.client.queued()), (1, 1));
    p.take_events();

    p.send(Packet::PubAck(PubAck::new(small)));
    assert_eq!(p.sent(), [disconnect_too_large()]);
    let events = p.take_events();
    assert!(
        matches!(
            events[..],
            [
                ClientEvent::Delivered(d),
                ClientEvent::Closed(CloseReason::PacketTooLarge {
                    packet: PacketType::Publish,
                    max: 16,
                    ..
                })
            ] if d == small
        ),
        "{events:?}"
    );
    assert!(p.client.is_packet_id_in_use(large));

    p.drop_connection();
    p.connect(true);
    let sent = p.sent();
    let resent: Vec<_> = publishes(&sent)
        .iter()
        .map(|x| (x.delivery, x.dup))
        .collect();
    assert_eq!(resent, [(Delivery::AtLeastOnce(large), true)]);
}

/// `disconnect` when even its DISCONNECT exceeds the server's Maximum Packet Size: the
/// connection closes without it (not a usage error that leaves it open).
#[test]
fn client_disconnect_over_server_maximum_packet_size_closes_without_it() {
    let mut p = Pair::v5();
    p.connect_with(connack_with(|c| {
        c.properties.maximum_packet_size = NonZeroU32::new(1);
    }));
    p.take_events();
    p.client.disconnect(p.now, ReasonCode::SUCCESS).unwrap();
    p.flush();
    assert_eq!(p.sent(), []);
    assert_eq!(p.take_events(), [ClientEvent::Closed(CloseReason::Local)]);
}
