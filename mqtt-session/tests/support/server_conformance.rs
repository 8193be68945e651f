//! Server-side conformance checks that read the same in 3.1.1 and 5.0: each takes the version
//! and panics when the rule is broken; the conformance files name one test per normative ID.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a broken rule fails the calling test"
)]

use core::time::Duration;

use mqtt_session::codec::topic::TopicFilter;
use mqtt_session::codec::{
    Delivery, Disconnect, Packet, PacketId, ProtocolVersion, Publish, ReasonCode, Subscribe,
    Subscription, Unsubscribe,
};
use mqtt_session::{
    ClientEvent, ServerCloseReason, ServerConfig, ServerEvent, ServerSession, SessionState,
};

use super::harness::{QOS0, QOS1, QOS2, config, msg, name, pid};
use super::pair::{Link, Policy, connect_packet, encode, persistent_config, wills};

/// A connected link for `version`, events and logs cleared.
pub fn connected(version: ProtocolVersion) -> Link {
    let mut l = Link::with_client(config(version));
    l.connect();
    clear(&mut l);
    l
}

/// Clears every log of `l`.
pub fn clear(l: &mut Link) {
    l.take_client_events();
    l.take_server_events();
    l.take_server_sent();
    l.take_client_sent();
}

/// A server session driven by raw packets from a test "client" (no client session).
pub fn raw(version: ProtocolVersion, manual: bool) -> Link {
    let mut l = Link::with_client(config(version));
    if manual {
        l.policy = Policy::Manual;
    }
    l.raw_to_server(&encode(version, &[connect_packet(version, "raw")]));
    l
}

/// The CONNACKs among `packets`: (session present, code).
pub fn connacks(packets: &[Packet]) -> Vec<(bool, ReasonCode)> {
    packets
        .iter()
        .filter_map(|p| match p {
            Packet::ConnAck(c) => Some((c.session_present, c.reason_code)),
            _ => None,
        })
        .collect()
}

/// Whether `events` hold a `Closed`.
pub fn server_closed(events: &[ServerEvent]) -> bool {
    events.iter().any(|e| matches!(e, ServerEvent::Closed(_)))
}

/// Ids of the server's outgoing QoS 1/2 messages are non-zero and unused while in flight.
pub fn server_ids_unused(version: ProtocolVersion) {
    let mut l = connected(version);
    l.drop_to_client = true;
    let mut ids: Vec<PacketId> = (0..20)
        .map(|i| {
            l.deliver(msg("t", b"x", if i % 2 == 0 { QOS1 } else { QOS2 }))
                .unwrap()
        })
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 20);
}

/// A second CONNECT closes the connection.
pub fn second_connect_closes(version: ProtocolVersion) {
    let mut l = raw(version, false);
    assert!(l.server.is_connected());
    l.raw_to_server(&encode(version, &[connect_packet(version, "raw")]));
    assert!(!l.server.is_connected());
    assert!(server_closed(&l.server_events));
}

/// The Will is published when the connection closes without DISCONNECT.
pub fn will_on_abnormal_close(version: ProtocolVersion, delay: Option<u32>) {
    let mut c = persistent_config(version, 600);
    c.will = Some(msg("will", b"w", QOS1));
    c.will_delay_secs = delay;
    let mut l = Link::with_client(c);
    l.connect();
    l.drop_connection();
    l.advance(Duration::from_secs(u64::from(delay.unwrap_or(0))));
    let ev = l.take_server_events();
    assert_eq!(wills(&ev), 1, "{ev:?}");
    // Once published it is gone: never published twice.
    l.advance(Duration::from_secs(10_000));
    assert_eq!(wills(&l.take_server_events()), 0);
}

/// A normal DISCONNECT removes the Will.
pub fn will_dropped_by_disconnect(version: ProtocolVersion) {
    let mut c = persistent_config(version, 60);
    c.will = Some(msg("will", b"w", QOS1));
    let mut l = Link::with_client(c);
    l.connect();
    l.client.disconnect(l.now, ReasonCode::SUCCESS).unwrap();
    l.run();
    l.drop_connection();
    l.advance(Duration::from_secs(1000));
    assert_eq!(wills(&l.take_server_events()), 0);
}

/// Without a Will nothing is published at close.
pub fn no_will_flag_no_will(version: ProtocolVersion) {
    let mut l = connected(version);
    l.drop_connection();
    l.advance(Duration::from_secs(1000));
    assert_eq!(wills(&l.take_server_events()), 0);
}

/// Silence for 1.5 × Keep Alive closes the connection, not before.
pub fn keep_alive_one_and_a_half(version: ProtocolVersion) {
    let mut c = config(version);
    c.keep_alive_secs = 20;
    let mut l = Link::with_client(c);
    l.connect();
    l.client.handle_disconnected(l.now);
    l.advance(Duration::from_millis(29_999));
    assert!(l.server.is_connected());
    l.advance(Duration::from_millis(1));
    assert!(
        l.server_events
            .contains(&ServerEvent::Closed(ServerCloseReason::KeepAliveTimeout))
    );
}

/// Clean Start / Clean Session = 1 discards a stored session: Session Present = 0 and no old
/// message is resent.
pub fn clean_start_discards(version: ProtocolVersion) {
    let mut l = Link::with_client(config(version));
    l.policy = Policy::Manual;
    l.connect();
    let mut state = SessionState::new();
    let mut p = Publish::new(name("old"), &b"old"[..]);
    p.delivery = Delivery::AtLeastOnce(pid(9));
    state.outbound.push(mqtt_session::OutboundMessage::new(
        p,
        mqtt_session::OutboundStage::Sent,
    ));
    l.accept(Some(state));
    assert_eq!(
        connacks(&l.take_server_sent()),
        [(false, ReasonCode::SUCCESS)]
    );
    assert_eq!(l.server.in_flight(), 0);
}

/// Clean Start = 0 with a stored session: Session Present = 1 and the session continues.
pub fn resume_session_present(version: ProtocolVersion) {
    let mut l = Link::with_client(persistent_config(version, 600));
    l.connect();
    l.drop_to_client = true;
    l.deliver(msg("t", b"again", QOS1));
    l.drop_to_client = false;
    l.drop_connection();
    clear(&mut l);
    l.connect();
    assert_eq!(connacks(&l.server_sent), [(true, ReasonCode::SUCCESS)]);
    assert!(
        l.client_events
            .iter()
            .any(|e| matches!(e, ClientEvent::Received(m) if m.publish.payload == b"again"[..]))
    );
}

/// Clean Start = 0 without a stored session: Session Present = 0, a new session.
pub fn no_state_session_present_0(version: ProtocolVersion) {
    let mut l = Link::with_client(persistent_config(version, 600));
    l.connect();
    assert_eq!(connacks(&l.server_sent), [(false, ReasonCode::SUCCESS)]);
}

/// Accepted: CONNACK with code 0.
pub fn connack_success(version: ProtocolVersion) {
    let mut l = Link::with_client(config(version));
    l.connect();
    assert_eq!(connacks(&l.server_sent), [(false, ReasonCode::SUCCESS)]);
}

/// After a refusal nothing more is read, and the connection is closed.
pub fn refused_reads_nothing(version: ProtocolVersion, code: ReasonCode) {
    let mut l = raw(version, true);
    l.server.refuse(l.now, code).unwrap();
    l.run();
    assert!(l.server.is_ended());
    assert_eq!(connacks(&l.take_server_sent()), [(false, code)]);
    l.raw_to_server(&encode(version, &[Packet::PingReq]));
    assert!(l.take_server_sent().is_empty());
    assert!(
        !l.server_events
            .iter()
            .any(|e| matches!(e, ServerEvent::Published(_)))
    );
}

/// Every SUBSCRIBE gets a SUBACK with its identifier and one code per filter, in order.
pub fn suback_rules(version: ProtocolVersion) {
    let mut l = raw(version, true);
    l.accept(None);
    l.take_server_sent();
    let subs = vec![
        Subscription::new(TopicFilter::new("a").unwrap(), QOS0),
        Subscription::new(TopicFilter::new("b/#").unwrap(), QOS2),
        Subscription::new(TopicFilter::new("c").unwrap(), QOS1),
    ];
    l.raw_to_server(&encode(
        version,
        &[Packet::Subscribe(Subscribe::new(pid(77), subs))],
    ));
    let codes = vec![
        ReasonCode::SUCCESS,
        ReasonCode::GRANTED_QOS_2,
        ReasonCode::UNSPECIFIED_ERROR,
    ];
    assert!(matches!(
        l.server
            .grant(l.now, pid(77), codes.iter().take(2).copied().collect()),
        Err(mqtt_session::UsageError::ReasonCodeCount {
            expected: 3,
            got: 2
        })
    ));
    l.server.grant(l.now, pid(77), codes.clone()).unwrap();
    l.run();
    let sent = l.take_server_sent();
    assert!(
        matches!(&sent[..], [Packet::SubAck(s)] if s.packet_id == pid(77) && s.reason_codes == codes),
        "{sent:?}"
    );
}

/// Every UNSUBSCRIBE gets an UNSUBACK with its identifier, even when nothing was removed.
pub fn unsuback_rules(version: ProtocolVersion) {
    let mut l = raw(version, true);
    l.accept(None);
    l.take_server_sent();
    let u = Unsubscribe::new(pid(5), vec![TopicFilter::new("never/subscribed").unwrap()]);
    l.raw_to_server(&encode(version, &[Packet::Unsubscribe(u)]));
    let code = if version.is_v5() {
        ReasonCode::NO_SUBSCRIPTION_EXISTED
    } else {
        ReasonCode::SUCCESS
    };
    l.server.grant(l.now, pid(5), vec![code]).unwrap();
    l.run();
    let sent = l.take_server_sent();
    assert!(
        matches!(&sent[..], [Packet::UnsubAck(u)] if u.packet_id == pid(5)),
        "{sent:?}"
    );
}

/// QoS 1/2 deliveries started before an UNSUBSCRIBE still complete.
pub fn deliveries_complete_after_unsubscribe(version: ProtocolVersion) {
    let mut l = connected(version);
    let f = TopicFilter::new("t").unwrap();
    l.client
        .subscribe(l.now, vec![Subscription::new(f.clone(), QOS2)])
        .unwrap();
    l.run();
    l.drop_to_client = true;
    let id = l.deliver(msg("t", b"x", QOS2)).unwrap();
    l.drop_to_client = false;
    l.client.unsubscribe(l.now, &[f]).unwrap();
    l.run();
    // The in-flight message is still there; it completes on resend (resume) or acks.
    assert_eq!(l.server.in_flight(), 1);
    let state = l.server.export_state();
    assert_eq!(state.outbound.len(), 1);
    assert_eq!(
        state
            .outbound
            .first()
            .and_then(|m| m.publish.delivery.packet_id()),
        Some(id)
    );
}

/// PINGREQ gets PINGRESP.
pub fn pingresp(version: ProtocolVersion) {
    let mut l = raw(version, false);
    l.take_server_sent();
    l.raw_to_server(&encode(version, &[Packet::PingReq, Packet::PingReq]));
    assert_eq!(l.take_server_sent(), [Packet::PingResp, Packet::PingResp]);
}

/// DISCONNECT (0x00) discards the Will.
pub fn disconnect_discards_will(version: ProtocolVersion) {
    let mut l = Link::with_client(config(version));
    let mut c = mqtt_session::codec::Connect::new(
        version,
        mqtt_session::codec::MqttString::new("w").unwrap(),
    );
    c.will = Some(mqtt_session::codec::Will::new(name("w"), &b"x"[..]));
    l.raw_to_server(&encode(version, &[Packet::from(c)]));
    let d = if version.is_v5() {
        Disconnect::with_reason(ReasonCode::SUCCESS)
    } else {
        Disconnect::new()
    };
    l.raw_to_server(&encode(version, &[Packet::Disconnect(d)]));
    l.park();
    l.advance(Duration::from_secs(100));
    assert_eq!(wills(&l.server_events), 0);
}

/// A protocol error closes the connection it arrived on.
pub fn error_closes(version: ProtocolVersion) {
    let mut l = raw(version, false);
    // PUBREL with reserved flags 0000: malformed.
    l.raw_to_server(&[0x60, 2, 0, 1]);
    assert!(!l.server.is_connected());
    assert!(server_closed(&l.server_events));
    assert_eq!(l.server_errors.len(), 1);
}

/// A fresh server session for direct calls.
pub fn bare() -> ServerSession {
    ServerSession::new(ServerConfig::new(), mqtt_session::Instant::ZERO)
}
