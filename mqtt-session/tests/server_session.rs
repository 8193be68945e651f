//! Server session scenarios: a real client session against a real server session in memory
//! (tests/support/pair.rs), MQTT 3.1.1 and 5.0, one test per behaviour.

pub mod support;

use core::num::{NonZeroU16, NonZeroU32};
use core::time::Duration;

use mqtt_session::codec::bytes::Bytes;
use mqtt_session::codec::topic::{TopicFilter, TopicName};
use mqtt_session::codec::{
    BinaryData, Delivery, MqttString, Packet, ProtocolVersion, PubRel, Publish, QoS, ReasonCode,
    SubscribeProperties, Subscription, SubscriptionId, SubscriptionOptions, Will,
};
use mqtt_session::{
    ClientEvent, CloseReason, Instant, Message, Outgoing, ServerCloseReason, ServerConfig,
    ServerEvent, ServerSession, SessionError, SessionState,
};
use support::harness::{QOS0, QOS1, QOS2, config, msg, name, pid};
use support::pair::{
    Link, Policy, connect_packet, encode, persistent_config, server_received, wills,
};

const V5: ProtocolVersion = ProtocolVersion::V5;
const V311: ProtocolVersion = ProtocolVersion::V3_1_1;
const BOTH: [ProtocolVersion; 2] = [V311, V5];

fn connected(version: ProtocolVersion) -> Link {
    let mut l = Link::with_client(config(version));
    l.connect();
    assert!(l.client.is_connected() && l.server.is_connected());
    l.take_client_events();
    l.take_server_events();
    l.take_server_sent();
    l.take_client_sent();
    l
}

fn with_will(version: ProtocolVersion, delay: Option<u32>, expiry: u32) -> Link {
    let mut c = persistent_config(version, expiry);
    c.will = Some(msg("will/t", b"gone", QOS1));
    c.will_delay_secs = delay.filter(|_| version.is_v5());
    let mut l = Link::with_client(c);
    l.connect();
    l.take_client_events();
    l.take_server_events();
    l
}

#[test]
fn server_accepts_connect_and_reports_it() {
    for v in BOTH {
        let mut l = Link::with_client(config(v));
        l.connect();
        let ev = l.take_server_events();
        assert!(
            matches!(&ev[0], ServerEvent::ConnectRequested(c) if c.client_id.as_str() == "client-1" && c.protocol == v)
        );
        assert_eq!(
            l.take_client_events(),
            [ClientEvent::Connected {
                session_present: false
            }]
        );
        assert_eq!(l.server.version(), v);
    }
}

#[test]
fn server_refuses_connect_with_reason_code() {
    for (v, code) in [
        (V311, ReasonCode::V3_NOT_AUTHORIZED),
        (V5, ReasonCode::NOT_AUTHORIZED),
    ] {
        let mut l = Link::with_client(config(v));
        l.policy = Policy::Manual;
        l.connect();
        l.server.refuse(l.now, code).unwrap();
        l.run();
        assert!(l.client_events.contains(&ClientEvent::Refused(code)));
        assert!(l.server.is_ended());
        assert!(
            l.server_events
                .contains(&ServerEvent::Closed(ServerCloseReason::Refused(code)))
        );
    }
}

#[test]
fn server_keep_alive_timeout_releases_will() {
    for v in BOTH {
        let mut c = config(v);
        c.keep_alive_secs = 10;
        c.will = Some(msg("will/t", b"gone", QOS0));
        let mut l = Link::with_client(c);
        l.connect();
        l.take_server_events();
        // The client goes silent (its bytes are lost).
        l.client.handle_disconnected(l.now);
        l.advance(Duration::from_millis(14_999));
        assert!(l.server.is_connected());
        l.advance(Duration::from_millis(1));
        let ev = l.take_server_events();
        assert!(ev.contains(&ServerEvent::Closed(ServerCloseReason::KeepAliveTimeout)));
        assert_eq!(wills(&ev), 1, "{v:?}");
        if v.is_v5() {
            assert!(l.server_sent.iter().any(|p| matches!(p,
                Packet::Disconnect(d) if d.reason_code == ReasonCode::KEEP_ALIVE_TIMEOUT)));
        }
    }
}

#[test]
fn server_keep_alive_override_applies() {
    let mut sc = ServerConfig::new();
    sc.server_keep_alive = Some(4);
    let mut c = config(V5);
    c.keep_alive_secs = 100;
    let mut l = Link::new(c, sc);
    l.connect();
    assert_eq!(l.client.keep_alive_secs(), 4);
    assert_eq!(l.server.keep_alive_secs(), 4);
    // The client pings within 4 s: the link stays up for a long time.
    l.advance(Duration::from_secs(60));
    assert!(l.server.is_connected() && l.client.is_connected());
    l.client.handle_disconnected(l.now);
    l.advance(Duration::from_secs(6));
    assert!(!l.server.is_connected());
}

#[test]
fn server_normal_disconnect_discards_will() {
    for v in BOTH {
        let mut l = with_will(v, None, 60);
        l.client.disconnect(l.now, ReasonCode::SUCCESS).unwrap();
        l.run();
        let ev = l.take_server_events();
        assert!(
            ev.contains(&ServerEvent::Closed(ServerCloseReason::ClientDisconnect(
                ReasonCode::SUCCESS
            )))
        );
        l.park();
        l.advance(Duration::from_secs(1000));
        assert_eq!(wills(&l.take_server_events()), 0);
    }
}

#[test]
fn server_disconnect_with_will_message_releases_will() {
    let mut l = with_will(V5, None, 60);
    l.client
        .disconnect(l.now, ReasonCode::DISCONNECT_WITH_WILL_MESSAGE)
        .unwrap();
    l.run();
    assert_eq!(wills(&l.take_server_events()), 1);
}

#[test]
fn server_will_waits_for_its_delay() {
    let mut l = with_will(V5, Some(30), 600);
    l.drop_connection();
    assert_eq!(wills(&l.take_server_events()), 0);
    l.advance(Duration::from_secs(29));
    assert_eq!(wills(&l.server_events), 0);
    l.advance(Duration::from_secs(1));
    assert_eq!(wills(&l.take_server_events()), 1);
}

#[test]
fn server_will_released_when_session_ends_first() {
    let mut l = with_will(V5, Some(300), 20);
    l.drop_connection();
    l.advance(Duration::from_secs(20));
    let ev = l.take_server_events();
    assert_eq!(wills(&ev), 1);
    assert!(ev.contains(&ServerEvent::SessionExpired));
}

#[test]
fn server_reconnect_before_will_delay_cancels_will() {
    let mut l = with_will(V5, Some(30), 600);
    l.drop_connection();
    l.advance(Duration::from_secs(10));
    l.connect();
    assert!(l.client_events.contains(&ClientEvent::Connected {
        session_present: true
    }));
    l.advance(Duration::from_secs(100));
    assert_eq!(wills(&l.take_server_events()), 0);
    assert_eq!(l.resumes, 1);
}

#[test]
fn server_inbound_qos_0_1_2_delivered_once() {
    for v in BOTH {
        let mut l = connected(v);
        l.client_publish(msg("a", b"0", QOS0));
        l.client_publish(msg("a", b"1", QOS1));
        l.client_publish(msg("a", b"2", QOS2));
        assert_eq!(
            server_received(&l.take_server_events()),
            [b"0".to_vec(), b"1".to_vec(), b"2".to_vec()]
        );
        let delivered = l
            .take_client_events()
            .into_iter()
            .filter(|e| matches!(e, ClientEvent::Delivered(_)))
            .count();
        assert_eq!(delivered, 2);
        assert_eq!(l.server.inbound_unreleased(), 0);
    }
}

#[test]
fn server_qos2_duplicate_after_reconnect_not_delivered_twice() {
    for v in BOTH {
        let mut l = Link::with_client(persistent_config(v, 600));
        l.connect();
        // PUBLISH arrives but the PUBREC is lost.
        l.drop_to_client = true;
        l.client_publish(msg("a", b"x", QOS2));
        l.drop_to_client = false;
        assert_eq!(server_received(&l.take_server_events()).len(), 1);
        l.drop_connection();
        l.connect();
        let ev = l.take_server_events();
        assert_eq!(server_received(&ev).len(), 0, "{v:?}: {ev:?}");
        assert!(
            l.client_events
                .iter()
                .any(|e| matches!(e, ClientEvent::Delivered(_)))
        );
    }
}

#[test]
fn server_receive_maximum_exceeded_closes_with_0x93() {
    let mut sc = ServerConfig::new();
    sc.capabilities.receive_maximum = NonZeroU16::new(2).unwrap();
    let mut l = Link::new(config(V5), sc);
    l.raw_to_server(&encode(V5, &[connect_packet(V5, "c")]));
    let mut pubs = Vec::new();
    for i in 1..=3 {
        let mut p = Publish::new(name("t"), &b"x"[..]);
        p.delivery = Delivery::ExactlyOnce(
            NonZeroU16::new(i)
                .map(|n| n.get())
                .and_then(mqtt_session::codec::PacketId::new)
                .unwrap(),
        );
        pubs.push(Packet::Publish(p));
    }
    l.raw_to_server(&encode(V5, &pubs));
    assert_eq!(
        l.server_errors,
        [SessionError::ReceiveMaximumExceeded { maximum: 2 }]
    );
    let sent = l.take_server_sent();
    assert!(sent.iter().any(|p| matches!(p,
        Packet::Disconnect(d) if d.reason_code == ReasonCode::RECEIVE_MAXIMUM_EXCEEDED)));
}

#[test]
fn server_deliver_respects_client_receive_maximum_in_order() {
    let mut c = config(V5);
    c.properties.receive_maximum = NonZeroU16::new(2);
    c.auto_ack = false;
    let mut l = Link::with_client(c);
    l.connect();
    l.take_client_events();
    let ids: Vec<_> = (0..5)
        .map(|i| {
            let payload: &'static [u8] = [b"0", b"1", b"2", b"3", b"4"][i];
            l.deliver(msg("t", payload, QOS1)).unwrap()
        })
        .collect();
    assert_eq!(l.server.in_flight(), 2);
    assert_eq!(l.server.queued(), 3);
    let mut got = Vec::new();
    for _ in 0..5 {
        let events = l.take_client_events();
        for e in events {
            if let ClientEvent::Received(m) = e {
                got.push(m.publish.payload.to_vec());
                l.client.ack(l.now, m.ack.unwrap()).unwrap();
            }
        }
        l.run();
        assert!(l.server.in_flight() <= 2);
    }
    assert_eq!(got, [b"0", b"1", b"2", b"3", b"4"].map(|b| b.to_vec()));
    let delivered: Vec<_> = l
        .take_server_events()
        .into_iter()
        .filter_map(|e| match e {
            ServerEvent::Delivered(id) => Some(id),
            _ => None,
        })
        .collect();
    assert_eq!(delivered, ids);
}

#[test]
fn server_subscribe_and_unsubscribe_are_granted_by_the_caller() {
    for v in BOTH {
        let mut l = connected(v);
        l.policy = Policy::Manual;
        let f = TopicFilter::new("a/+").unwrap();
        let g = TopicFilter::new("b").unwrap();
        let mut props = SubscribeProperties::default();
        if v.is_v5() {
            props.subscription_identifier = SubscriptionId::new(7);
        }
        let id = l
            .client
            .subscribe_with(
                l.now,
                vec![
                    Subscription::new(f.clone(), QOS2),
                    Subscription::new(g, QOS1),
                ],
                props,
            )
            .unwrap();
        l.run();
        let ev = l.take_server_events();
        assert!(matches!(&ev[..], [ServerEvent::SubscribeRequested(s)] if s.packet_id == id));
        l.server
            .grant(
                l.now,
                id,
                vec![ReasonCode::GRANTED_QOS_1, ReasonCode::UNSPECIFIED_ERROR],
            )
            .unwrap();
        l.run();
        assert!(l.client_events.contains(&ClientEvent::Subscribed {
            id,
            results: vec![ReasonCode::GRANTED_QOS_1, ReasonCode::UNSPECIFIED_ERROR]
        }));
        assert_eq!(l.server.subscriptions().len(), 1);
        assert_eq!(
            l.server.subscriptions()[0].identifier,
            SubscriptionId::new(7).filter(|_| v.is_v5())
        );
        let uid = l.client.unsubscribe(l.now, &[f]).unwrap();
        l.run();
        l.server
            .grant(l.now, uid, vec![ReasonCode::SUCCESS])
            .unwrap();
        l.run();
        assert!(l.server.subscriptions().is_empty());
        assert!(
            l.client_events
                .iter()
                .any(|e| matches!(e, ClientEvent::Unsubscribed { id, .. } if *id == uid))
        );
    }
}

#[test]
fn server_initiated_disconnect_sends_reason_and_releases_will() {
    for v in BOTH {
        let mut l = with_will(v, None, 0);
        l.server
            .disconnect(l.now, ReasonCode::SERVER_SHUTTING_DOWN)
            .unwrap();
        l.run();
        if v.is_v5() {
            assert!(
                l.client_events
                    .contains(&ClientEvent::Closed(CloseReason::ServerDisconnect(
                        ReasonCode::SERVER_SHUTTING_DOWN
                    )))
            );
        }
        assert_eq!(wills(&l.take_server_events()), 1);
    }
}

#[test]
fn server_resumes_outbound_in_flight_after_reconnect() {
    for v in BOTH {
        let mut l = Link::with_client(persistent_config(v, 600));
        l.connect();
        l.take_client_events();
        l.drop_to_client = true;
        l.deliver(msg("t", b"1", QOS1));
        l.deliver(msg("t", b"2", QOS2));
        l.drop_to_client = false;
        l.drop_connection();
        // Queued while offline.
        let parked = l.parked.as_mut().unwrap();
        parked
            .deliver(
                l.now,
                Outgoing::new(msg("t", b"3", QOS1), SubscriptionOptions::new(QOS1)),
            )
            .unwrap();
        l.connect();
        let got: Vec<_> = l
            .take_client_events()
            .into_iter()
            .filter_map(|e| match e {
                ClientEvent::Received(m) => Some(m.publish.payload.to_vec()),
                _ => None,
            })
            .collect();
        assert_eq!(got, [b"1".to_vec(), b"2".to_vec(), b"3".to_vec()], "{v:?}");
        assert_eq!(l.server.in_flight(), 0);
    }
}

#[test]
fn server_session_expires_after_interval() {
    let mut l = Link::with_client(persistent_config(V5, 30));
    l.connect();
    l.drop_connection();
    let parked = l.parked.as_ref().unwrap();
    assert_eq!(parked.poll_timeout(), Some(l.now + Duration::from_secs(30)));
    l.advance(Duration::from_secs(30));
    assert!(
        l.take_server_events()
            .contains(&ServerEvent::SessionExpired)
    );
    assert!(l.parked.is_none());
    l.connect();
    assert!(l.client_events.contains(&ClientEvent::Connected {
        session_present: false
    }));
}

#[test]
fn server_clean_session_311_ends_at_close() {
    let mut l = connected(V311);
    l.drop_connection();
    assert!(
        l.take_server_events()
            .contains(&ServerEvent::SessionExpired)
    );
}

#[test]
fn server_topic_aliases_both_ways() {
    let mut sc = ServerConfig::new();
    sc.capabilities.topic_alias_maximum = 4;
    let mut c = config(V5);
    c.properties.topic_alias_maximum = Some(2);
    let mut l = Link::new(c, sc);
    l.connect();
    assert_eq!(l.client.server_limits().topic_alias_maximum, 4);
    l.take_server_events();
    for _ in 0..2 {
        l.client_publish(msg("long/topic", b"x", QOS1));
    }
    let sent = l.take_client_sent();
    let aliased = sent
        .iter()
        .any(|p| matches!(p, Packet::Publish(p) if p.topic.name().is_none()));
    assert!(aliased, "the client used an alias: {sent:?}");
    assert_eq!(server_received(&l.take_server_events()).len(), 2);
    for t in ["a", "b", "c", "a"] {
        l.deliver(Message::new(name(t), &b"y"[..], QOS0));
    }
    let sent = l.take_server_sent();
    let aliases: Vec<_> = sent
        .iter()
        .filter_map(|p| match p {
            Packet::Publish(p) => Some(p.topic.alias().map_or(0, NonZeroU16::get)),
            _ => None,
        })
        .collect();
    assert_eq!(
        aliases,
        [1, 2, 0, 1],
        "never above the client's maximum of 2"
    );
    let got = l
        .take_client_events()
        .into_iter()
        .filter(|e| matches!(e, ClientEvent::Received(_)))
        .count();
    assert_eq!(got, 4);
}

#[test]
fn server_drops_message_too_large_for_client() {
    let mut c = config(V5);
    c.properties.maximum_packet_size = NonZeroU32::new(64);
    let mut l = Link::with_client(c);
    l.connect();
    l.take_server_events();
    l.take_client_events();
    let big = Message::new(name("t"), Bytes::from(vec![0u8; 100]), QOS1);
    let id = l.deliver(big);
    assert!(matches!(
        &l.take_server_events()[..],
        [ServerEvent::Dropped { id: i, .. }] if *i == id
    ));
    assert_eq!(l.server.in_flight(), 0);
    l.deliver(msg("t", b"small", QOS1));
    assert!(matches!(
        &l.take_client_events()[..],
        [ClientEvent::Received(_)]
    ));
}

#[test]
fn server_message_expiry_counts_down_while_queued() {
    let mut c = persistent_config(V5, 600);
    c.auto_ack = false;
    c.properties.receive_maximum = NonZeroU16::new(1);
    let mut l = Link::with_client(c);
    l.connect();
    l.take_client_events();
    l.deliver(msg("t", b"first", QOS1));
    let mut m = msg("t", b"second", QOS1);
    m.properties.message_expiry_interval = Some(100);
    l.deliver(m);
    let mut gone = msg("t", b"third", QOS1);
    gone.properties.message_expiry_interval = Some(5);
    l.deliver(gone);
    l.advance(Duration::from_secs(10));
    assert!(
        l.server_events
            .iter()
            .any(|e| matches!(e, ServerEvent::Expired(_)))
    );
    let first = l
        .take_client_events()
        .into_iter()
        .find_map(|e| match e {
            ClientEvent::Received(m) => m.ack,
            _ => None,
        })
        .unwrap();
    l.client.ack(l.now, first).unwrap();
    l.run();
    let second = l
        .take_client_events()
        .into_iter()
        .find_map(|e| match e {
            ClientEvent::Received(m) => Some(m.publish),
            _ => None,
        })
        .unwrap();
    assert_eq!(second.payload, &b"second"[..]);
    assert_eq!(second.properties.message_expiry_interval, Some(90));
    assert_eq!(l.server.queued(), 0);
}

#[test]
fn server_no_local_and_retain_as_published() {
    let mut l = connected(V5);
    let mut m = msg("t", b"r", QOS0);
    m.retain = true;
    let mut opts = SubscriptionOptions::new(QOS1);
    opts.no_local = true;
    let mut out = Outgoing::new(m.clone(), opts);
    out.from_self = true;
    assert_eq!(l.server.deliver(l.now, out).unwrap(), None);
    l.run();
    assert!(l.take_client_events().is_empty(), "no-local");
    l.server
        .deliver(
            l.now,
            Outgoing::new(m.clone(), SubscriptionOptions::new(QOS1)),
        )
        .unwrap();
    let mut rap = SubscriptionOptions::new(QOS1);
    rap.retain_as_published = true;
    l.server.deliver(l.now, Outgoing::new(m, rap)).unwrap();
    l.run();
    let retains: Vec<bool> = l
        .take_client_events()
        .into_iter()
        .filter_map(|e| match e {
            ClientEvent::Received(m) => Some(m.publish.retain),
            _ => None,
        })
        .collect();
    assert_eq!(retains, [false, true]);
}

#[test]
fn server_enhanced_auth_and_reauth() {
    let mut c = config(V5);
    c.properties.authentication_method = Some(MqttString::new("SCRAM").unwrap());
    let mut l = Link::with_client(c);
    l.policy = Policy::Manual;
    l.connect();
    assert!(matches!(
        &l.take_server_events()[..],
        [ServerEvent::ConnectRequested(_)]
    ));
    l.server
        .auth_continue(
            l.now,
            Some(BinaryData::copy_from_slice(b"challenge").unwrap()),
        )
        .unwrap();
    l.run();
    assert!(matches!(
        &l.take_client_events()[..],
        [ClientEvent::AuthChallenge(_)]
    ));
    l.client
        .auth(l.now, Some(BinaryData::copy_from_slice(b"proof").unwrap()))
        .unwrap();
    l.run();
    assert!(matches!(
        &l.take_server_events()[..],
        [ServerEvent::AuthRequested(a)] if a.reason_code == ReasonCode::CONTINUE_AUTHENTICATION
    ));
    l.accept(None);
    assert!(l.client.is_connected());
    assert!(l.server_sent.iter().any(|p| matches!(p,
        Packet::ConnAck(c) if c.properties.authentication_method.as_ref().map(MqttString::as_str) == Some("SCRAM"))));
    l.client.reauthenticate(l.now, None).unwrap();
    l.run();
    assert!(matches!(
        &l.take_server_events()[..],
        [ServerEvent::AuthRequested(a)] if a.reason_code == ReasonCode::RE_AUTHENTICATE
    ));
    l.server.auth_success(l.now, None).unwrap();
    l.run();
    assert!(l.client_events.contains(&ClientEvent::Reauthenticated));
}

#[test]
fn server_unsupported_protocol_level_gets_connack_then_close() {
    let mut l = Link::with_client(config(V311));
    // CONNECT "MQTT" level 6.
    let bytes = [0x10, 10, 0, 4, b'M', b'Q', b'T', b'T', 6, 2, 0, 60];
    l.raw_to_server(&bytes);
    let raw = l.take_raw_to_client();
    assert_eq!(&raw[..], [0x20, 3, 0, 0x84, 0]);
    assert!(l.server.is_ended());
    let mut l = Link::with_client(config(V311));
    let bytes = [0x10, 10, 0, 4, b'M', b'Q', b'T', b'T', 2, 2, 0, 60];
    l.raw_to_server(&bytes);
    assert_eq!(&l.take_raw_to_client()[..], [0x20, 2, 0, 1]);
}

#[test]
fn server_first_packet_must_be_connect() {
    let mut l = Link::with_client(config(V311));
    l.raw_to_server(&[0xC0, 0]);
    assert!(l.server.is_ended());
    assert!(l.take_raw_to_client().is_empty());
    assert_eq!(l.server_errors.len(), 1);
}

#[test]
fn server_second_connect_is_a_protocol_error() {
    for v in BOTH {
        let mut l = Link::with_client(config(v));
        l.raw_to_server(&encode(v, &[connect_packet(v, "c")]));
        l.raw_to_server(&encode(v, &[connect_packet(v, "c")]));
        assert!(!l.server.is_connected());
        assert!(
            l.server_events
                .iter()
                .any(|e| matches!(e, ServerEvent::Closed(ServerCloseReason::ProtocolError(_))))
        );
    }
}

#[test]
fn server_packets_before_accept_wait_for_the_decision() {
    let mut l = Link::with_client(config(V5));
    l.policy = Policy::Manual;
    let mut p = Publish::new(name("t"), &b"early"[..]);
    p.delivery = Delivery::AtLeastOnce(mqtt_session::codec::PacketId::MIN);
    l.raw_to_server(&encode(
        V5,
        &[
            connect_packet(V5, "c"),
            Packet::Publish(p.clone()),
            Packet::Publish(p),
        ],
    ));
    assert_eq!(server_received(&l.server_events).len(), 0);
    l.accept(None);
    assert_eq!(server_received(&l.server_events).len(), 2);
}

#[test]
fn server_take_over_sends_0x8e_and_resumes() {
    let mut l = Link::with_client(persistent_config(V5, 600));
    l.connect();
    l.take_server_events();
    let state = l.server.take_over(l.now, true).unwrap();
    l.run();
    assert!(
        l.client_events
            .contains(&ClientEvent::Closed(CloseReason::ServerDisconnect(
                ReasonCode::SESSION_TAKEN_OVER
            )))
    );
    assert!(state.outbound.is_empty());
    assert!(l.server.is_ended());
}

#[test]
fn server_state_encoding_round_trips_a_full_session() {
    let mut l = Link::with_client(persistent_config(V5, 600));
    l.connect();
    l.client
        .subscribe(
            l.now,
            vec![Subscription::new(TopicFilter::new("x/#").unwrap(), QOS1)],
        )
        .unwrap();
    l.run();
    l.drop_to_client = true;
    l.deliver(msg("t", b"1", QOS2));
    l.drop_connection();
    let mut w = Will::new(TopicName::new("w").unwrap(), &b"bye"[..]);
    w.properties.will_delay_interval = Some(5);
    let parked = l.parked.as_ref().unwrap();
    let mut state = parked.export_state();
    state.will = Some(w);
    let bytes = state.to_bytes().unwrap();
    assert_eq!(&bytes[..5], b"MQSS\x02");
    assert_eq!(SessionState::decode(&bytes).unwrap(), state);
    assert_eq!(state.subscriptions.len(), 1);
    assert_eq!(state.outbound.len(), 1);
    assert_eq!(state.session_expiry_interval, Some(600));
}

#[test]
fn server_connect_timeout_closes_silently() {
    let mut s = ServerSession::new(ServerConfig::new(), Instant::ZERO);
    assert_eq!(s.poll_timeout(), Some(Instant::from_secs(30)));
    s.handle_timeout(Instant::from_secs(30));
    assert_eq!(
        s.poll_event(),
        Some(ServerEvent::Closed(ServerCloseReason::ConnectTimeout))
    );
    assert!(s.is_ended());
    let _ = PubRel::new(mqtt_session::codec::PacketId::MIN);
    let _: QoS = QOS1;
}

#[test]
fn server_take_over_releases_undelayed_will_and_cancels_delayed_one() {
    for (delay, expected) in [(None, 1), (Some(30), 0)] {
        let mut l = with_will(V5, delay, 600);
        let state = l.server.take_over(l.now, true);
        l.run();
        assert!(state.is_some());
        assert_eq!(wills(&l.take_server_events()), expected, "{delay:?}");
    }
    // Without resumption the session ends: the Will goes out at once.
    let mut l = with_will(V5, Some(30), 600);
    assert!(l.server.take_over(l.now, false).is_none());
    l.run();
    assert_eq!(wills(&l.take_server_events()), 1);
}

#[test]
fn server_refuses_features_it_announced_unavailable() {
    let mut sc = ServerConfig::new();
    sc.capabilities.wildcard_subscription_available = false;
    let mut l = Link::new(config(V5), sc);
    l.raw_to_server(&encode(V5, &[connect_packet(V5, "c")]));
    let sub = Subscription::new(TopicFilter::new("a/#").unwrap(), QOS1);
    let packet = Packet::Subscribe(mqtt_session::codec::Subscribe::new(
        mqtt_session::codec::PacketId::MIN,
        vec![sub],
    ));
    l.raw_to_server(&encode(V5, &[packet]));
    assert_eq!(
        l.server_errors,
        [SessionError::WildcardSubscriptionsNotSupported]
    );
    assert!(l.server_sent.iter().any(|p| matches!(p,
        Packet::Disconnect(d) if d.reason_code == ReasonCode::WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED)));
}

#[test]
fn server_grant_with_invalid_code_changes_nothing() {
    let mut l = connected(V311);
    l.policy = Policy::Manual;
    let f = TopicFilter::new("a").unwrap();
    let id = l
        .client
        .subscribe(l.now, vec![Subscription::new(f, QOS1)])
        .unwrap();
    l.run();
    // 0x11 is not a 3.1.1 SUBACK return code.
    assert!(matches!(
        l.server
            .grant(l.now, id, vec![ReasonCode::NO_SUBSCRIPTION_EXISTED]),
        Err(mqtt_session::UsageError::Encode(_))
    ));
    assert!(l.server.subscriptions().is_empty());
    l.server
        .grant(l.now, id, vec![ReasonCode::GRANTED_QOS_1])
        .unwrap();
    l.run();
    assert_eq!(l.server.subscriptions().len(), 1);
}

/// A 5.0 server session deciding on a CONNECT changed by `f`.
fn deciding(sc: ServerConfig, f: impl FnOnce(&mut mqtt_session::codec::Connect)) -> ServerSession {
    let mut s = ServerSession::new(sc, Instant::ZERO);
    let Packet::Connect(mut c) = connect_packet(V5, "c") else {
        unreachable!()
    };
    f(&mut c);
    let _ = s.handle_packet(Instant::ZERO, Packet::Connect(c));
    s
}

fn drain_packets(s: &mut ServerSession) -> Vec<Packet> {
    core::iter::from_fn(|| s.poll_packet(Instant::ZERO)).collect()
}

#[test]
fn server_resend_respects_new_receive_maximum() {
    use mqtt_session::codec::{ConnAckProperties, PacketId, PubAck};
    use mqtt_session::{OutboundMessage, OutboundStage};
    let mut s = deciding(ServerConfig::new(), |c| {
        c.clean_start = false;
        c.properties.receive_maximum = NonZeroU16::new(1);
    });
    let mut state = SessionState::new();
    for id in 1..=2 {
        let mut p = Publish::new(name("t"), &b"x"[..]);
        p.delivery = Delivery::AtLeastOnce(PacketId::new(id).unwrap());
        state
            .outbound
            .push(OutboundMessage::new(p, OutboundStage::Sent));
    }
    s.accept(Instant::ZERO, ConnAckProperties::default(), Some(state))
        .unwrap();
    let resent: Vec<_> = drain_packets(&mut s)
        .into_iter()
        .filter_map(|p| match p {
            Packet::Publish(p) => Some((p.delivery.packet_id().unwrap().get(), p.dup)),
            _ => None,
        })
        .collect();
    assert_eq!(resent, [(1, true)], "one PUBLISH in the window");
    s.handle_packet(
        Instant::ZERO,
        Packet::PubAck(PubAck::new(PacketId::new(1).unwrap())),
    )
    .unwrap();
    let resent: Vec<_> = drain_packets(&mut s)
        .into_iter()
        .filter_map(|p| match p {
            Packet::Publish(p) => Some((p.delivery.packet_id().unwrap().get(), p.dup)),
            _ => None,
        })
        .collect();
    assert_eq!(resent, [(2, true)], "the second keeps its id and DUP");
}

#[test]
fn server_refusal_connack_too_large_for_client_closes() {
    let mut sc = ServerConfig::new();
    sc.capabilities.maximum_qos = QoS::AtLeastOnce;
    let mut s = deciding(sc, |c| {
        c.properties.maximum_packet_size = NonZeroU32::new(3);
        let mut w = Will::new(name("w"), &b"x"[..]);
        w.qos = QOS2;
        c.will = Some(w);
    });
    let events: Vec<_> = core::iter::from_fn(|| s.poll_event()).collect();
    assert!(
        events.iter().any(|e| matches!(e, ServerEvent::Closed(_))),
        "{events:?}"
    );
    assert!(s.is_ended());
}

#[test]
fn server_poll_timeout_covers_expiry_queued_while_deciding() {
    let mut s = deciding(ServerConfig::new(), |_| {});
    let mut m = msg("t", b"x", QOS1);
    m.properties.message_expiry_interval = Some(5);
    s.deliver(
        Instant::ZERO,
        Outgoing::new(m, SubscriptionOptions::new(QOS1)),
    )
    .unwrap();
    let deadline = s.poll_timeout().expect("the queued message expires");
    assert!(deadline <= Instant::ZERO + Duration::from_secs(5));
}

/// Payloads the client received, in order.
fn client_received(events: &[ClientEvent]) -> Vec<Vec<u8>> {
    events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::Received(m) => Some(m.publish.payload.to_vec()),
            _ => None,
        })
        .collect()
}

/// The PUBLISHes among `packets`: (packet id, payload, QoS, DUP).
fn publishes_sent(packets: &[Packet]) -> Vec<(Option<u16>, Vec<u8>, QoS, bool)> {
    packets
        .iter()
        .filter_map(|p| match p {
            Packet::Publish(p) => Some((
                p.delivery
                    .packet_id()
                    .map(mqtt_session::codec::PacketId::get),
                p.payload.to_vec(),
                p.qos(),
                p.dup,
            )),
            _ => None,
        })
        .collect()
}

/// Asserts that no packet identifier was used for two different messages.
fn assert_ids_unique(sent: &[(Option<u16>, Vec<u8>, QoS, bool)]) {
    let mut by_id = std::collections::BTreeMap::new();
    for (id, payload, _, _) in sent {
        if let Some(id) = id {
            let first = by_id.entry(*id).or_insert_with(|| payload.clone());
            assert_eq!(first, payload, "packet id {id} used for two messages");
        }
    }
}

/// A persistent 5.0 link whose first connection is over, reconnecting under
/// [`Policy::Manual`]: the server session waits for the CONNECT decision.
fn reconnecting(c: mqtt_session::ClientConfig) -> Link {
    let mut l = Link::with_client(c);
    l.connect();
    l.drop_connection();
    l.take_client_events();
    l.take_server_events();
    l.take_server_sent();
    l.policy = Policy::Manual;
    l.connect();
    assert!(
        l.server_events
            .iter()
            .any(|e| matches!(e, ServerEvent::ConnectRequested(_)))
    );
    l.take_server_events();
    l
}

/// A hand-built stored PUBLISH.
fn stored(
    payload: &'static [u8],
    delivery: Delivery,
    stage: mqtt_session::OutboundStage,
) -> mqtt_session::OutboundMessage {
    let mut p = Publish::new(name("t"), payload);
    p.delivery = delivery;
    mqtt_session::OutboundMessage::new(p, stage)
}

#[test]
fn server_deliver_before_accept_queues_behind_resumed_session() {
    for v in BOTH {
        let mut c = persistent_config(v, 600);
        if v.is_v5() {
            c.properties.receive_maximum = NonZeroU16::new(2);
        }
        let mut l = Link::with_client(c);
        l.connect();
        l.drop_to_client = true;
        let stored: [(&[u8], QoS); 4] =
            [(b"s1", QOS1), (b"s2", QOS2), (b"s3", QOS2), (b"s4", QOS1)];
        for (n, (payload, qos)) in (1u16..).zip(stored) {
            let got = l.deliver(Message::new(name("t"), payload, qos));
            assert_eq!(got.map(|id| id.get()), Some(n));
        }
        l.drop_to_client = false;
        l.drop_connection();
        l.take_client_events();
        l.take_server_events();
        l.policy = Policy::Manual;
        l.connect();
        // The CONNECT decision is pending: routed messages are held, without an id.
        let held: Vec<_> = [(&b"n1"[..], QOS2), (&b"n2"[..], QOS1)]
            .into_iter()
            .map(|(payload, qos)| {
                let m = Message::new(name("t"), payload, qos);
                l.server
                    .deliver(l.now, Outgoing::new(m, SubscriptionOptions::new(QOS2)))
            })
            .collect();
        assert_eq!(l.server.queued(), 2);
        let state = l.claim_parked(true);
        assert_eq!(state.as_ref().map(|s| s.outbound.len()), Some(4));
        l.accept(state);
        l.advance(Duration::from_secs(1));
        assert_eq!(
            client_received(&l.take_client_events()),
            [&b"s1"[..], b"s2", b"s3", b"s4", b"n1", b"n2"].map(<[u8]>::to_vec),
            "{v:?}: nothing lost, the stored messages first"
        );
        let sent = publishes_sent(&l.take_server_sent());
        assert_ids_unique(&sent);
        let new: Vec<_> = sent
            .iter()
            .filter(|(_, p, _, _)| p.starts_with(b"n"))
            .map(|(id, _, qos, dup)| (*id, *qos, *dup))
            .collect();
        assert_eq!(
            new,
            [(Some(5), QOS2, false), (Some(6), QOS1, false)],
            "{v:?}: numbered after the stored ids 1..4, at their own QoS"
        );
        assert!(
            !l.server_events
                .iter()
                .any(|e| matches!(e, ServerEvent::Dropped { .. } | ServerEvent::Expired(_))),
            "{v:?}: {:?}",
            l.server_events
        );
        assert_eq!((l.server.in_flight(), l.server.queued()), (0, 0));
        assert_eq!(held, [Ok(None), Ok(None)], "{v:?}: no id before accept");
    }
}

#[test]
fn server_held_message_expiry_counts_down_until_accept() {
    let mut l = reconnecting(persistent_config(V5, 600));
    for (payload, secs) in [(&b"short"[..], 2), (&b"long"[..], 10)] {
        let mut m = Message::new(name("t"), payload, QOS1);
        m.properties.message_expiry_interval = Some(secs);
        let out = Outgoing::new(m, SubscriptionOptions::new(QOS1));
        assert_eq!(l.server.deliver(l.now, out), Ok(None));
    }
    assert_eq!(
        l.server.poll_timeout(),
        Some(l.now + Duration::from_secs(2))
    );
    l.advance(Duration::from_secs(4));
    assert_eq!(l.server.queued(), 1, "the short one expired while held");
    let state = l.claim_parked(true);
    l.accept(state);
    let events = l.take_client_events();
    let got: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::Received(m) => Some((
                m.publish.payload.to_vec(),
                m.publish.properties.message_expiry_interval,
            )),
            _ => None,
        })
        .collect();
    assert_eq!(got, [(b"long".to_vec(), Some(6))]);
}

#[test]
fn server_resume_renumbers_queued_message_and_sends_queued_qos0() {
    use mqtt_session::OutboundStage::{Queued, Sent};
    let mut l = reconnecting(persistent_config(V5, 600));
    let _ = l.claim_parked(true);
    let mut state = SessionState::new();
    state.outbound = vec![
        stored(b"sent", Delivery::AtLeastOnce(pid(1)), Sent),
        // Queued by a broker while the client was offline, with the id left to the session.
        stored(b"queued", Delivery::ExactlyOnce(pid(1)), Queued),
        stored(b"qos0", Delivery::AtMostOnce, Queued),
    ];
    let bytes = state.to_bytes().unwrap();
    let state = SessionState::decode(&bytes).unwrap();
    l.accept(Some(state));
    assert_eq!(
        client_received(&l.take_client_events()),
        [&b"sent"[..], b"qos0", b"queued"].map(<[u8]>::to_vec)
    );
    let sent = publishes_sent(&l.take_server_sent());
    assert_ids_unique(&sent);
    assert_eq!(
        sent,
        [
            (Some(1), b"sent".to_vec(), QOS1, true),
            (None, b"qos0".to_vec(), QOS0, false),
            (Some(2), b"queued".to_vec(), QOS2, false),
        ]
    );
    assert!(
        !l.server_events
            .iter()
            .any(|e| matches!(e, ServerEvent::Dropped { .. })),
        "{:?}",
        l.server_events
    );
}

#[test]
fn server_resume_reports_in_flight_messages_it_cannot_resume() {
    use mqtt_session::OutboundStage::{Released, Sent};
    use mqtt_session::UsageError;
    let mut l = reconnecting(persistent_config(V5, 600));
    let _ = l.claim_parked(true);
    let mut state = SessionState::new();
    state.outbound = vec![
        stored(b"first", Delivery::ExactlyOnce(pid(7)), Sent),
        stored(b"same id", Delivery::AtLeastOnce(pid(7)), Released),
        stored(b"no id", Delivery::AtMostOnce, Sent),
    ];
    l.accept(Some(state));
    let dropped: Vec<_> = l
        .take_server_events()
        .into_iter()
        .filter_map(|e| match e {
            ServerEvent::Dropped { id, reason } => Some((id, reason)),
            _ => None,
        })
        .collect();
    assert_eq!(
        dropped,
        [
            (None, UsageError::InvalidInFlight { id: Some(7) }),
            (None, UsageError::InvalidInFlight { id: None }),
        ]
    );
    assert_eq!(
        client_received(&l.take_client_events()),
        [b"first".to_vec()]
    );
    assert_eq!(l.server.in_flight(), 0, "the resumed one completed");
}

#[test]
fn server_deliver_before_refuse_is_discarded() {
    for v in BOTH {
        let mut l = Link::with_client(config(v));
        l.policy = Policy::Manual;
        l.connect();
        l.take_server_sent();
        for qos in [QOS0, QOS1, QOS2] {
            let out = Outgoing::new(msg("t", b"early", qos), SubscriptionOptions::new(QOS2));
            assert_eq!(l.server.deliver(l.now, out), Ok(None));
        }
        assert_eq!(l.server.queued(), 2);
        let code = if v.is_v5() {
            ReasonCode::NOT_AUTHORIZED
        } else {
            ReasonCode::V3_NOT_AUTHORIZED
        };
        l.server.refuse(l.now, code).unwrap();
        l.run();
        let sent = l.take_server_sent();
        assert!(
            matches!(&sent[..], [Packet::ConnAck(c)] if c.reason_code == code),
            "{v:?}: {sent:?}"
        );
        assert!(l.client_events.contains(&ClientEvent::Refused(code)));
        assert!(l.server.is_ended());
        assert_eq!(l.server.queued(), 0);
        assert!(l.server.export_state().outbound.is_empty());
    }
}

/// A 5.0 server session that accepted a CONNECT changed by `f`, with its CONNACK drained.
fn accepted(f: impl FnOnce(&mut mqtt_session::codec::Connect)) -> ServerSession {
    let mut s = deciding(ServerConfig::new(), f);
    let accepted = s.accept(
        Instant::ZERO,
        mqtt_session::codec::ConnAckProperties::default(),
        None,
    );
    assert_eq!(accepted, Ok(()));
    let _ = drain_packets(&mut s);
    let _: Vec<_> = core::iter::from_fn(|| s.poll_event()).collect();
    s
}

#[test]
fn server_answers_fit_any_maximum_packet_size_a_connack_fits() {
    use mqtt_session::codec::{PacketId, PubRel};
    // A 5.0 CONNACK takes at least 5 bytes, and every answer the protocol requires of the server
    // (PUBACK, PUBREC, PUBCOMP with 0x92, PINGRESP) at most 5: once accepted, none is ever too
    // large for the client [MQTT-3.1.2-25].
    for max in 5..=8 {
        let mut s = accepted(|c| c.properties.maximum_packet_size = NonZeroU32::new(max));
        for delivery in [
            Delivery::AtLeastOnce(PacketId::new(1).unwrap()),
            Delivery::ExactlyOnce(PacketId::new(2).unwrap()),
        ] {
            let mut p = Publish::new(name("t"), &b"x"[..]);
            p.delivery = delivery;
            s.handle_packet(Instant::ZERO, Packet::Publish(p)).unwrap();
        }
        s.handle_packet(
            Instant::ZERO,
            Packet::PubRel(PubRel::new(PacketId::new(9).unwrap())),
        )
        .unwrap();
        s.handle_packet(Instant::ZERO, Packet::PingReq).unwrap();
        let sent = drain_packets(&mut s);
        assert!(
            matches!(
                &sent[..],
                [Packet::PubAck(_), Packet::PubRec(_), Packet::PubComp(c), Packet::PingResp]
                    if c.reason_code == ReasonCode::PACKET_IDENTIFIER_NOT_FOUND
            ),
            "max {max}: {sent:?}"
        );
        assert!(s.is_connected());
    }
    // Below 5 no CONNACK fits: `accept` refuses, and the caller refuses the connection.
    let mut s = deciding(ServerConfig::new(), |c| {
        c.properties.maximum_packet_size = NonZeroU32::new(4);
    });
    assert!(matches!(
        s.accept(
            Instant::ZERO,
            mqtt_session::codec::ConnAckProperties::default(),
            None
        ),
        Err(mqtt_session::UsageError::Encode(_))
    ));
}

#[test]
fn server_poll_transmit_appends_or_hands_its_buffer_over() {
    use mqtt_session::codec::bytes::BytesMut;
    let mut s = accepted(|_| {});
    s.handle_packet(Instant::ZERO, Packet::PingReq).unwrap();
    // Into an empty buffer: exactly the PINGRESP.
    let mut tx = BytesMut::new();
    assert_eq!(s.poll_transmit(Instant::ZERO, &mut tx), 2);
    assert_eq!(&tx[..], [0xD0, 0x00]);
    assert_eq!(s.poll_transmit(Instant::ZERO, &mut tx), 0, "nothing left");
    // Behind what the caller has not written yet: appended, the old bytes kept.
    s.handle_packet(Instant::ZERO, Packet::PingReq).unwrap();
    assert_eq!(s.poll_transmit(Instant::ZERO, &mut tx), 2);
    assert_eq!(&tx[..], [0xD0, 0x00, 0xD0, 0x00]);
    // poll_packet gives the queued packets back, in order.
    s.handle_packet(Instant::ZERO, Packet::PingReq).unwrap();
    let out = Outgoing::new(msg("t", b"x", QOS1), SubscriptionOptions::new(QOS1));
    let id = s.deliver(Instant::ZERO, out).unwrap().unwrap();
    let sent = drain_packets(&mut s);
    assert!(
        matches!(&sent[..], [Packet::PingResp, Packet::Publish(p)]
            if p.delivery.packet_id() == Some(id) && p.payload == b"x"[..]),
        "{sent:?}"
    );
}

#[test]
fn server_decision_timeout_refuses_with_server_busy() {
    for (v, code) in [
        (V5, ReasonCode::SERVER_BUSY),
        (V311, ReasonCode::V3_SERVER_UNAVAILABLE),
    ] {
        let mut sc = ServerConfig::new();
        sc.decision_timeout = Duration::from_secs(20);
        let mut s = ServerSession::new(sc, Instant::ZERO);
        let at = Instant::from_secs(3);
        s.handle_packet(at, connect_packet(v, "c")).unwrap();
        assert!(matches!(
            s.poll_event(),
            Some(ServerEvent::ConnectRequested(_))
        ));
        let deadline = at + Duration::from_secs(20);
        assert_eq!(s.poll_timeout(), Some(deadline), "counted from the CONNECT");
        s.handle_timeout(at + Duration::from_millis(19_999));
        assert!(drain_packets(&mut s).is_empty(), "{v:?}: not yet");
        assert_eq!(s.poll_event(), None);
        s.handle_timeout(deadline);
        let sent = drain_packets(&mut s);
        assert!(
            matches!(&sent[..], [Packet::ConnAck(c)] if c.reason_code == code && !c.session_present),
            "{v:?}: {sent:?}"
        );
        assert_eq!(
            s.poll_event(),
            Some(ServerEvent::Closed(ServerCloseReason::DecisionTimeout))
        );
        assert!(s.is_ended());
        assert_eq!(
            s.accept(
                deadline,
                mqtt_session::codec::ConnAckProperties::default(),
                None
            ),
            Err(mqtt_session::UsageError::NoConnectPending),
            "too late to decide"
        );
    }
}

#[test]
fn server_decision_timeout_ends_a_stalled_auth_exchange() {
    use mqtt_session::codec::{Auth, AuthProperties};
    // The client starts enhanced authentication, the server challenges it, the client never
    // answers: the decision timeout still closes the connection.
    let mut s = deciding(ServerConfig::new(), |c| {
        c.properties.authentication_method = Some(MqttString::new("SCRAM").unwrap());
    });
    assert!(matches!(
        s.poll_event(),
        Some(ServerEvent::ConnectRequested(_))
    ));
    s.auth_continue(Instant::from_secs(1), None).unwrap();
    assert!(matches!(&drain_packets(&mut s)[..], [Packet::Auth(_)]));
    let mut answer = Auth::new(ReasonCode::CONTINUE_AUTHENTICATION);
    let mut props = AuthProperties::default();
    props.authentication_method = Some(MqttString::new("SCRAM").unwrap());
    answer.properties = props;
    s.handle_packet(Instant::from_secs(2), Packet::Auth(answer))
        .unwrap();
    assert!(matches!(
        s.poll_event(),
        Some(ServerEvent::AuthRequested(_))
    ));
    // The caller sends one more challenge; nothing comes back.
    s.auth_continue(Instant::from_secs(2), None).unwrap();
    let _ = drain_packets(&mut s);
    s.handle_timeout(Instant::from_secs(30));
    assert!(matches!(
        &drain_packets(&mut s)[..],
        [Packet::ConnAck(c)] if c.reason_code == ReasonCode::SERVER_BUSY
    ));
    assert_eq!(
        s.poll_event(),
        Some(ServerEvent::Closed(ServerCloseReason::DecisionTimeout))
    );
}

#[test]
fn server_offline_session_keeps_will_expiry_and_queue_running() {
    for v in BOTH {
        // A session with a Will (5.0: delay 10 s) and a 100 s expiry loses its connection; the
        // broker stores it and restores it (a restart, or another node) 4 s later.
        let mut l = with_will(v, Some(10), 100);
        l.drop_connection();
        // 3.1.1 has no Will delay: its Will goes at the close, and the state has none.
        let at_close = wills(&l.take_server_events());
        assert_eq!(at_close, usize::from(!v.is_v5()), "{v:?}");
        let stored = l.parked.take().unwrap().export_state().to_bytes().unwrap();
        l.advance(Duration::from_secs(4));
        let state = SessionState::decode(&stored).unwrap();
        let mut s = ServerSession::offline(ServerConfig::new(), v, state, l.now);
        assert!(s.is_closed());
        let out = Outgoing::new(
            msg("t", b"while away", QOS1),
            SubscriptionOptions::new(QOS1),
        );
        let id = s.deliver(l.now, out).unwrap();
        assert!(id.is_some());
        assert_eq!(s.queued(), 1);
        if v.is_v5() {
            // The Will waits the 10 s left at export, counted from the restore.
            assert_eq!(s.poll_timeout(), Some(l.now + Duration::from_secs(10)));
            s.handle_timeout(l.now + Duration::from_secs(9));
            assert_eq!(s.poll_event(), None);
            s.handle_timeout(l.now + Duration::from_secs(10));
        }
        let ev: Vec<_> = core::iter::from_fn(|| s.poll_event()).collect();
        assert_eq!(
            at_close + wills(&ev),
            1,
            "{v:?}: the Will goes once: {ev:?}"
        );
        // The client comes back: the new connection resumes the session, message included.
        l.parked = Some(s);
        l.connect();
        assert!(l.client.is_connected(), "{v:?}");
        assert!(
            l.client_events.contains(&ClientEvent::Connected {
                session_present: true
            }),
            "{v:?}: {:?}",
            l.client_events
        );
        assert_eq!(client_received(&l.client_events), [b"while away".to_vec()]);
        assert_eq!(wills(&l.take_server_events()), 0, "the Will went once");
    }
}

#[test]
fn server_offline_session_expires_and_drops_qos0() {
    use mqtt_session::{OutboundMessage, OutboundStage};
    let mut state = SessionState::new();
    state.session_expiry_interval = Some(60);
    let mut w = Will::new(name("w"), &b"bye"[..]);
    w.properties.will_delay_interval = Some(600);
    state.will = Some(w);
    // A queued QoS 0 message is not kept for a session without a connection.
    state.outbound.push(OutboundMessage::new(
        Publish::new(name("t"), &b"q0"[..]),
        OutboundStage::Queued,
    ));
    let at = Instant::from_secs(100);
    let mut s = ServerSession::offline(ServerConfig::new(), V5, state, at);
    assert!(matches!(
        s.poll_event(),
        Some(ServerEvent::Dropped {
            id: None,
            reason: mqtt_session::UsageError::NotConnected
        })
    ));
    // The session ends before the Will delay: the Will goes with it [MQTT-3.1.2-8].
    assert_eq!(s.poll_timeout(), Some(at + Duration::from_secs(60)));
    s.handle_timeout(at + Duration::from_secs(60));
    let ev: Vec<_> = core::iter::from_fn(|| s.poll_event()).collect();
    assert!(
        matches!(
            &ev[..],
            [ServerEvent::WillReleased(_), ServerEvent::SessionExpired]
        ),
        "{ev:?}"
    );
    assert!(s.is_ended());
    // Already expired at restore: reported at once.
    let mut state = SessionState::new();
    state.session_expiry_interval = Some(0);
    let mut s = ServerSession::offline(ServerConfig::new(), V5, state, at);
    assert_eq!(s.poll_event(), Some(ServerEvent::SessionExpired));
    assert!(s.is_ended());
}
