//! The binary `SessionState` encoding: proptest round trip, and corrupted input (truncation at
//! every offset, every single-bit flip, arbitrary bytes with and without a valid header and
//! checksum) is an error, never a panic; which outbound messages it accepts (QoS 0 only queued).

#![expect(
    clippy::expect_used,
    reason = "strategies and fixtures: a broken one fails the test"
)]

use mqtt_session::codec::bytes::Bytes;
use mqtt_session::codec::topic::{TopicFilter, TopicName};
use mqtt_session::codec::{
    Delivery, MqttString, PacketId, Publish, QoS, RetainHandling, Subscription, SubscriptionId,
    SubscriptionOptions, Will,
};
use mqtt_session::{
    OutboundMessage, OutboundStage, STATE_FORMAT_VERSION, STATE_MAGIC, SessionState,
    StateDecodeError, StoredSubscription,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;

fn qos() -> impl Strategy<Value = QoS> {
    prop_oneof![
        Just(QoS::AtMostOnce),
        Just(QoS::AtLeastOnce),
        Just(QoS::ExactlyOnce)
    ]
}

fn topic() -> impl Strategy<Value = TopicName> {
    "[a-z]{1,6}(/[a-z0-9]{1,4}){0,3}".prop_map(|s| TopicName::new(&s).expect("valid topic"))
}

fn outbound() -> impl Strategy<Value = OutboundMessage> {
    (
        topic(),
        proptest::collection::vec(any::<u8>(), 0..40),
        1u16..,
        any::<bool>(),
        0u8..3,
        proptest::option::of(any::<u32>()),
        proptest::option::of("[a-z/]{0,10}"),
        any::<bool>(),
    )
        .prop_map(|(t, payload, id, qos2, stage, expiry, ct, retain)| {
            let mut p = Publish::new(t, Bytes::from(payload));
            let id = PacketId::new(id).expect("non-zero");
            p.delivery = if qos2 {
                Delivery::ExactlyOnce(id)
            } else {
                Delivery::AtLeastOnce(id)
            };
            p.retain = retain;
            p.properties.message_expiry_interval = expiry;
            p.properties.content_type = ct.map(|c| MqttString::new(&c).expect("utf-8"));
            if let Some(c) = p.properties.content_type.clone() {
                p.properties.user_properties.push(c.clone(), c);
            }
            let stage = match stage {
                0 => OutboundStage::Queued,
                1 => OutboundStage::Sent,
                _ => OutboundStage::Released,
            };
            OutboundMessage::new(p, stage)
        })
}

fn subscription() -> impl Strategy<Value = StoredSubscription> {
    (
        "[a-z]{1,5}(/[a-z+]{1,3}){0,2}(/#)?",
        qos(),
        any::<bool>(),
        any::<bool>(),
        0u8..3,
        proptest::option::of(1u32..268_435_455),
    )
        .prop_map(|(f, q, nl, rap, rh, id)| {
            let filter = TopicFilter::new(&f.replace("++", "+").replace("a+", "a"))
                .unwrap_or_else(|_| TopicFilter::new("x").expect("valid"));
            let mut o = SubscriptionOptions::new(q);
            o.no_local = nl;
            o.retain_as_published = rap;
            o.retain_handling = match rh {
                0 => RetainHandling::SendAtSubscribe,
                1 => RetainHandling::SendIfNew,
                _ => RetainHandling::DoNotSend,
            };
            let mut s = Subscription::new(filter, q);
            s.options = o;
            StoredSubscription::new(s, id.and_then(SubscriptionId::new))
        })
}

fn will() -> impl Strategy<Value = Will> {
    (
        topic(),
        proptest::collection::vec(any::<u8>(), 0..20),
        qos(),
        any::<bool>(),
        proptest::option::of(any::<u32>()),
    )
        .prop_map(|(t, payload, q, retain, delay)| {
            let mut w = Will::new(t, Bytes::from(payload));
            w.qos = q;
            w.retain = retain;
            w.properties.will_delay_interval = delay;
            w
        })
}

fn state() -> impl Strategy<Value = SessionState> {
    (
        proptest::collection::vec(outbound(), 0..6),
        proptest::collection::vec(1u16.., 0..6),
        proptest::collection::vec(subscription(), 0..4),
        proptest::option::of(will()),
        proptest::option::of(any::<u32>()),
    )
        .prop_map(|(outbound, ids, subs, will, expiry)| {
            let mut s = SessionState::new();
            s.outbound = outbound;
            s.inbound_qos2 = ids.into_iter().filter_map(PacketId::new).collect();
            s.subscriptions = subs;
            s.will = will;
            s.session_expiry_interval = expiry;
            s
        })
}

/// CRC-32 (IEEE), as the format uses, to forge valid checksums over arbitrary bodies.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

fn sample() -> SessionState {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut s = state().new_tree(&mut runner).expect("strategy").current();
    let mut w = Will::new(TopicName::new("w/t").expect("topic"), &b"bye"[..]);
    w.properties.will_delay_interval = Some(9);
    s.will = Some(w);
    s.inbound_qos2.push(PacketId::MAX);
    s
}

proptest! {
    #[test]
    fn state_round_trips(s in state()) {
        let bytes = s.to_bytes().expect("encodes");
        prop_assert_eq!(&bytes[..4], &STATE_MAGIC[..]);
        prop_assert_eq!(bytes[4], STATE_FORMAT_VERSION);
        prop_assert_eq!(SessionState::decode(&bytes), Ok(s));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = SessionState::decode(&bytes);
    }

    /// Bodies with a valid header and checksum reach the parser: still no panic.
    #[test]
    fn forged_checksums_never_panic(body in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut bytes = STATE_MAGIC.to_vec();
        bytes.push(STATE_FORMAT_VERSION);
        bytes.extend_from_slice(&body);
        let crc = crc32(&bytes);
        bytes.extend_from_slice(&crc.to_be_bytes());
        let _ = SessionState::decode(&bytes);
    }

    /// A valid state with one byte changed and the checksum recomputed: no panic.
    #[test]
    fn mutated_bodies_never_panic(s in state(), at in any::<prop::sample::Index>(), b in any::<u8>()) {
        let mut bytes = s.to_bytes().expect("encodes");
        let body_len = bytes.len() - 4;
        bytes.truncate(body_len);
        let i = at.index(body_len);
        bytes[i] = b;
        let crc = crc32(&bytes);
        bytes.extend_from_slice(&crc.to_be_bytes());
        let _ = SessionState::decode(&bytes);
    }
}

#[test]
fn truncation_at_every_offset_is_an_error() {
    let bytes = sample().to_bytes().expect("encodes");
    for len in 0..bytes.len() {
        assert!(SessionState::decode(&bytes[..len]).is_err(), "length {len}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(SessionState::decode(&longer).is_err());
}

#[test]
fn every_bit_flip_is_an_error() {
    let s = sample();
    let bytes = s.to_bytes().expect("encodes");
    for i in 0..bytes.len() {
        for bit in 0..8 {
            let mut b = bytes.clone();
            b[i] ^= 1 << bit;
            assert!(SessionState::decode(&b).is_err(), "byte {i} bit {bit}");
        }
    }
    assert_eq!(SessionState::decode(&bytes), Ok(s));
}

#[test]
fn header_errors_are_specific() {
    let bytes = SessionState::new().to_bytes().expect("encodes");
    assert_eq!(
        SessionState::decode(b"XQSS\x01"),
        Err(StateDecodeError::BadMagic)
    );
    let mut v9 = bytes.clone();
    v9[4] = 9;
    assert_eq!(
        SessionState::decode(&v9),
        Err(StateDecodeError::UnsupportedFormat { version: 9 })
    );
    let mut flipped = bytes;
    flipped[6] ^= 1;
    assert_eq!(
        SessionState::decode(&flipped),
        Err(StateDecodeError::Checksum)
    );
}

#[test]
fn client_state_uses_the_same_encoding() {
    // A client's state (outbound + inbound QoS 2 only) survives a "power loss".
    let mut s = SessionState::new();
    let mut p = Publish::new(TopicName::new("t").expect("topic"), &b"x"[..]);
    p.delivery = Delivery::ExactlyOnce(PacketId::MIN);
    s.outbound
        .push(OutboundMessage::new(p, OutboundStage::Released));
    s.inbound_qos2.push(PacketId::MAX);
    let bytes = s.to_bytes().expect("encodes");
    assert_eq!(SessionState::decode(&bytes), Ok(s));
}

#[test]
fn state_codec_keeps_v3_share_filter_literal() {
    use mqtt_session::topic::TopicDialect;
    let mut s = SessionState::new();
    let literal = TopicFilter::new_in("$share/g/a", TopicDialect::V3).expect("3.x filter");
    assert!(!literal.is_shared());
    s.subscriptions.push(StoredSubscription::new(
        Subscription::new(literal, QoS::AtLeastOnce),
        None,
    ));
    let shared = TopicFilter::new("$share/g/b").expect("5.0 filter");
    s.subscriptions.push(StoredSubscription::new(
        Subscription::new(shared, QoS::AtMostOnce),
        None,
    ));
    let back = SessionState::decode(&s.to_bytes().expect("encodes")).expect("decodes");
    assert!(!back.subscriptions[0].subscription.filter.is_shared());
    assert!(back.subscriptions[1].subscription.filter.is_shared());
    assert_eq!(back, s);
}

#[test]
fn queued_qos0_message_round_trips_and_in_flight_one_is_refused() {
    // A broker may keep QoS 0 messages for an offline client: queued, without an identifier.
    let mut s = SessionState::new();
    let p = Publish::new(TopicName::new("t").expect("topic"), &b"x"[..]);
    s.outbound
        .push(OutboundMessage::new(p.clone(), OutboundStage::Queued));
    let bytes = s.to_bytes().expect("encodes");
    assert_eq!(SessionState::decode(&bytes), Ok(s));
    // A QoS 0 message cannot be in flight.
    let mut sent = SessionState::new();
    sent.outbound
        .push(OutboundMessage::new(p, OutboundStage::Sent));
    let bytes = sent.to_bytes().expect("encodes");
    assert_eq!(
        SessionState::decode(&bytes),
        Err(StateDecodeError::Invalid { field: "outbound" })
    );
}
