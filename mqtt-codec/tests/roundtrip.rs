//! Property tests for every version: `decode(encode(p)) == p`, `encoded_len` is exact, the
//! directional encoders and decoders agree, any chunking of a packet stream decodes to the
//! same packets, and arbitrary bytes never panic a decoder (which then stays failed).

pub mod support;

use bytes::{Bytes, BytesMut};
use mqtt_codec::topic::{TopicDialect, TopicFilter};
use mqtt_codec::{
    ConnAck, Connect, DecodeError, Decoder, EncodeError, Encoder, Limits, MqttString, Packet,
    PacketId, ProtocolVersion, QoS, ReasonCode, Subscribe, Subscription, Unsubscribe, decode_frame,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;

use crate::support::strategies::{packet, version};
use crate::support::{hex, proptest_config};

/// Whether the spec lets `client` (or the server) send `p` under `version`.
fn sendable(p: &Packet, client: bool, version: ProtocolVersion) -> bool {
    match p {
        Packet::Connect(_) | Packet::Subscribe(_) | Packet::Unsubscribe(_) | Packet::PingReq => {
            client
        }
        Packet::ConnAck(_) | Packet::SubAck(_) | Packet::UnsubAck(_) | Packet::PingResp => !client,
        // A client never sends Subscription Identifiers [MQTT-3.3.4-6].
        Packet::Publish(p) => !client || p.subscription_ids.is_empty(),
        // 3.x: only the client sends DISCONNECT; 5.0: the server never sends a Session Expiry
        // Interval in it [MQTT-3.14.2-2].
        Packet::Disconnect(d) => {
            client || (version.is_v5() && d.properties.session_expiry_interval.is_none())
        }
        _ => true,
    }
}

/// Everything one packet must satisfy.
fn check_roundtrip(version: ProtocolVersion, p: &Packet) -> Result<(), TestCaseError> {
    let encoder = Encoder::new(version);
    let len = encoder
        .encoded_len(p)
        .map_err(|e| TestCaseError::fail(format!("{e}")))?;

    // `encode` appends exactly `encoded_len` bytes after what the buffer already holds.
    let mut buf = BytesMut::from(&b"prefix"[..]);
    let written = encoder
        .encode(p, &mut buf)
        .map_err(|e| TestCaseError::fail(format!("{e}")))?;
    prop_assert_eq!(written, len);
    prop_assert_eq!(buf.len(), 6 + len);
    prop_assert!(buf.starts_with(b"prefix"));
    let wire = buf.split_off(6).freeze();

    // decode(encode(p)) == p, consuming exactly the frame.
    let mut rx = BytesMut::from(&wire[..]);
    let mut decoder = Decoder::new(version, Limits::default());
    let decoded = decoder.decode(&mut rx);
    prop_assert_eq!(
        decoded.as_ref(),
        Ok(&Some(p.clone())),
        "wire: {}",
        hex(&wire)
    );
    prop_assert!(rx.is_empty());
    prop_assert_eq!(decoder.decode(&mut rx), Ok(None));

    // The one-shot entry point agrees, and re-encoding is byte-identical (one canonical form).
    let framed = decode_frame(version, wire.clone());
    prop_assert_eq!(framed.as_ref(), Ok(p));
    if let Ok(again) = framed {
        let mut twice = BytesMut::new();
        prop_assert_eq!(encoder.encode(&again, &mut twice), Ok(len));
        prop_assert_eq!(&twice[..], &wire[..]);
    }

    // Directional encoders write the same bytes for what their side may send, and refuse
    // (writing nothing) what it may not; directional decoders read it back.
    for client in [true, false] {
        let directional = if client {
            Encoder::client(version)
        } else {
            Encoder::server(version)
        };
        let mut out = BytesMut::new();
        let result = directional.encode(p, &mut out);
        if sendable(p, client, version) {
            prop_assert_eq!(result, Ok(len), "client: {}", client);
            prop_assert_eq!(&out[..], &wire[..]);
        } else {
            prop_assert!(result.is_err(), "client: {}, encoded {:?}", client, p);
            prop_assert!(out.is_empty());
        }
    }
    if sendable(p, false, version) {
        let mut client_side = Decoder::client(version, Limits::default());
        let mut rx = BytesMut::from(&wire[..]);
        prop_assert_eq!(client_side.decode(&mut rx), Ok(Some(p.clone())));
    }
    if sendable(p, true, version) {
        // A server decoder needs CONNECT first; it then reads with that CONNECT's version.
        let mut server_side = Decoder::awaiting_connect(Limits::default());
        let mut rx = BytesMut::new();
        let connect = Packet::from(Connect::new(version, MqttString::from_static("c")));
        if !matches!(p, Packet::Connect(_)) {
            encoder
                .encode(&connect, &mut rx)
                .map_err(|e| TestCaseError::fail(format!("{e}")))?;
        }
        rx.extend_from_slice(&wire);
        if !matches!(p, Packet::Connect(_)) {
            prop_assert_eq!(server_side.decode(&mut rx), Ok(Some(connect)));
        }
        prop_assert_eq!(server_side.decode(&mut rx), Ok(Some(p.clone())));
        prop_assert_eq!(server_side.version(), Some(version));
    }
    Ok(())
}

/// Encodes `packets` back to back.
#[expect(
    clippy::expect_used,
    reason = "test helper: a failure fails the calling test"
)]
fn encode_stream(version: ProtocolVersion, packets: &[Packet]) -> Vec<u8> {
    let encoder = Encoder::new(version);
    let mut buf = BytesMut::new();
    for p in packets {
        encoder
            .encode(p, &mut buf)
            .expect("strategies yield encodable packets");
    }
    buf.to_vec()
}

/// Feeds `bytes` cut at `cuts` to one decoder; returns the packets and what is left buffered.
#[expect(
    clippy::indexing_slicing,
    reason = "cuts are sorted positions within `bytes`"
)]
fn decode_chunked(
    version: ProtocolVersion,
    bytes: &[u8],
    cuts: &[usize],
) -> Result<(Vec<Packet>, BytesMut), DecodeError> {
    let mut decoder = Decoder::new(version, Limits::default());
    let mut rx = BytesMut::new();
    let mut out = Vec::new();
    let mut start = 0;
    for &end in cuts.iter().chain(core::iter::once(&bytes.len())) {
        rx.extend_from_slice(&bytes[start..end]);
        start = end;
        loop {
            let before = rx.clone();
            match decoder.decode(&mut rx)? {
                Some(p) => out.push(p),
                None => {
                    // `Ok(None)` consumes nothing.
                    assert_eq!(rx, before);
                    break;
                }
            }
        }
    }
    Ok((out, rx))
}

/// Sorted, deduplicated cut positions inside `0..=len`.
fn cut_positions(cuts: &[Index], len: usize) -> Vec<usize> {
    let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(len + 1)).collect();
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

/// Feeds arbitrary bytes in chunks; an error leaves the buffer as it was, and once it has come
/// every later call returns it again.
#[expect(
    clippy::indexing_slicing,
    reason = "cuts are sorted positions within `bytes`"
)]
fn check_poisoning(
    mut decoder: Decoder,
    bytes: &[u8],
    cuts: &[usize],
) -> Result<(), TestCaseError> {
    let mut rx = BytesMut::new();
    let mut failed: Option<DecodeError> = None;
    let mut start = 0;
    for &end in cuts.iter().chain(core::iter::once(&bytes.len())) {
        rx.extend_from_slice(&bytes[start..end]);
        start = end;
        for _ in 0..4 {
            let before = rx.clone();
            match (decoder.decode(&mut rx), failed) {
                (Err(e), Some(first)) => {
                    prop_assert_eq!(e, first, "a failed decoder returns its first error");
                    prop_assert_eq!(&rx, &before, "a failed decoder consumes nothing");
                }
                (Err(e), None) => {
                    prop_assert_eq!(&rx, &before, "an error leaves the buffer as it was");
                    failed = Some(e);
                }
                (Ok(_), Some(first)) => {
                    return Err(TestCaseError::fail(format!(
                        "decoded after error {first:?}"
                    )));
                }
                (Ok(None), None) => {
                    prop_assert_eq!(&rx, &before);
                    break;
                }
                (Ok(Some(_)), None) => {}
            }
        }
        prop_assert_eq!(decoder.is_failed(), failed.is_some());
    }
    Ok(())
}

proptest! {
    #![proptest_config(proptest_config("proptest-regressions/roundtrip.txt"))]

    /// MQTT 3.1: decode(encode(p)) == p for every packet type.
    #[test]
    fn roundtrip_v3_1(p in packet(ProtocolVersion::V3_1)) {
        check_roundtrip(ProtocolVersion::V3_1, &p)?;
    }

    /// MQTT 3.1.1: decode(encode(p)) == p for every packet type.
    #[test]
    fn roundtrip_v3_1_1(p in packet(ProtocolVersion::V3_1_1)) {
        check_roundtrip(ProtocolVersion::V3_1_1, &p)?;
    }

    /// MQTT 5.0: decode(encode(p)) == p for every packet type, properties included.
    #[test]
    fn roundtrip_v5(p in packet(ProtocolVersion::V5)) {
        check_roundtrip(ProtocolVersion::V5, &p)?;
    }

    /// Several packets cut into arbitrary chunks decode to the same packets, whatever the cuts.
    #[test]
    fn split_invariance(
        (version, packets) in version().prop_flat_map(|v| (Just(v), vec(packet(v), 1..6))),
        cuts in vec(any::<Index>(), 0..12),
    ) {
        let bytes = encode_stream(version, &packets);
        let cuts = cut_positions(&cuts, bytes.len());
        let (decoded, rest) = decode_chunked(version, &bytes, &cuts)
            .map_err(|e| TestCaseError::fail(format!("{e:?} for {}", hex(&bytes))))?;
        prop_assert_eq!(decoded, packets);
        prop_assert!(rest.is_empty());
    }

    /// A stream of packets plus a partial one: the whole ones come out, the partial one stays.
    #[test]
    fn split_invariance_with_partial_tail(
        (version, packets, tail) in version().prop_flat_map(|v| {
            (Just(v), vec(packet(v), 1..4), packet(v))
        }),
        keep in any::<Index>(),
        cuts in vec(any::<Index>(), 0..8),
    ) {
        let mut bytes = encode_stream(version, &packets);
        let whole = bytes.len();
        let tail_bytes = encode_stream(version, core::slice::from_ref(&tail));
        let partial = &tail_bytes[..keep.index(tail_bytes.len())];
        bytes.extend_from_slice(partial);
        let cuts = cut_positions(&cuts, bytes.len());
        let (decoded, rest) = decode_chunked(version, &bytes, &cuts)
            .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        prop_assert_eq!(decoded, packets);
        prop_assert_eq!(&rest[..], &bytes[whole..]);
    }

    /// Arbitrary bytes (raw, or after a valid packet) never panic any decoder, and after an
    /// error each decoder keeps returning that error without consuming anything.
    #[test]
    fn arbitrary_bytes_never_panic(
        version in version(),
        prefix in prop_oneof![Just(None), packet(ProtocolVersion::V5).prop_map(Some)],
        noise in vec(any::<u8>(), 0..300),
        cuts in vec(any::<Index>(), 0..8),
    ) {
        let mut bytes = match &prefix {
            Some(p) if version.is_v5() => encode_stream(version, core::slice::from_ref(p)),
            _ => Vec::new(),
        };
        bytes.extend_from_slice(&noise);
        let cuts = cut_positions(&cuts, bytes.len());
        check_poisoning(Decoder::new(version, Limits::default()), &bytes, &cuts)?;
        check_poisoning(Decoder::client(version, Limits::default()), &bytes, &cuts)?;
        check_poisoning(Decoder::awaiting_connect(Limits::default()), &bytes, &cuts)?;
        let tiny = Limits::default().with_max_packet_size(core::num::NonZeroU32::MIN.saturating_add(15));
        check_poisoning(Decoder::new(version, tiny), &bytes, &cuts)?;
        let _ = decode_frame(version, Bytes::from(bytes));
    }

    /// Arbitrary bytes behind a valid fixed header and CONNECT prefix reach the body parsers:
    /// no panic, and an accepted packet re-encodes to something that decodes equal.
    #[test]
    fn arbitrary_bodies_never_panic(
        version in version(),
        first in any::<u8>(),
        body in vec(any::<u8>(), 0..200),
    ) {
        let mut frame = vec![first];
        let mut len = body.len();
        loop {
            let low = u8::try_from(len & 0x7F).expect("seven bits");
            len >>= 7;
            frame.push(if len == 0 { low } else { low | 0x80 });
            if len == 0 { break; }
        }
        frame.extend_from_slice(&body);
        if let Ok(p) = decode_frame(version, Bytes::from(frame.clone())) {
            let encoder = Encoder::new(version);
            let mut out = BytesMut::new();
            // A decoded packet always re-encodes (maybe in a shorter form) and decodes equal.
            match encoder.encode(&p, &mut out) {
                Ok(_) => prop_assert_eq!(decode_frame(version, out.freeze()), Ok(p)),
                Err(e) => {
                    // Only a CONNECT may decode without re-encoding: one of another version
                    // (any decoder reads a CONNECT with its own version's rules, an encoder
                    // writes only its own), or a client identifier the server must answer
                    // with CONNACK 0x02 rather than fail to parse (3.1: 1..=23 bytes; 3.1.1:
                    // empty needs CleanSession [MQTT-3.1.3-8]).
                    let allowed = matches!(p, Packet::Connect(_))
                        && matches!(
                            e,
                            EncodeError::VersionMismatch { .. }
                                | EncodeError::InvalidField { field: "client identifier", .. }
                        );
                    prop_assert!(allowed, "{}: {:?} from {}", e, p, hex(&frame));
                }
            }
        }
    }
}

/// The checks above can fail: a CONNACK whose Session Present goes with an error code is
/// refused by the encoder, so `check_roundtrip` reports it.
#[test]
fn check_roundtrip_reports_unencodable_packets() {
    let bad = Packet::ConnAck(ConnAck::new(true, ReasonCode::NOT_AUTHORIZED));
    assert!(check_roundtrip(ProtocolVersion::V5, &bad).is_err());
}

/// Encodes `p` with `version`'s encoder: either it is refused (nothing written) or the bytes
/// decode back to `p`. The encoder must never write what the decoder refuses or reads
/// differently.
fn refused_or_roundtrips(version: ProtocolVersion, p: &Packet) -> Result<(), String> {
    let mut out = BytesMut::new();
    match Encoder::new(version).encode(p, &mut out) {
        Err(_) if out.is_empty() => Ok(()),
        Err(e) => Err(format!("{e} but {} bytes were written", out.len())),
        Ok(_) => match decode_frame(version, out.clone().freeze()) {
            Ok(q) if q == *p => Ok(()),
            other => Err(format!(
                "{version}: wrote {} which decodes to {other:?}",
                hex(&out)
            )),
        },
    }
}

/// Maximum QoS 2 does not exist on the wire (absent means 2; only 0 or 1 may be sent,
/// [MQTT-3.2.2-9]): the encoder refuses it rather than write a CONNACK the decoder rejects.
#[test]
fn connack_maximum_qos_2_is_refused_by_the_encoder() {
    let mut c = ConnAck::new(false, ReasonCode::SUCCESS);
    c.properties.maximum_qos = Some(QoS::ExactlyOnce);
    refused_or_roundtrips(ProtocolVersion::V5, &Packet::ConnAck(c)).unwrap();
    for qos in [QoS::AtMostOnce, QoS::AtLeastOnce] {
        let mut c = ConnAck::new(false, ReasonCode::SUCCESS);
        c.properties.maximum_qos = Some(qos);
        let p = Packet::ConnAck(c);
        refused_or_roundtrips(ProtocolVersion::V5, &p).unwrap();
        assert!(Encoder::new(ProtocolVersion::V5).encoded_len(&p).is_ok());
    }
}

/// A shared subscription (a filter read under 5.0 rules) has no meaning in 3.x, where
/// `$share/g/a` is an ordinary filter: encoding it for a 3.x peer is refused, not silently
/// turned into a subscription to the literal topic. The same text read under 3.x rules is an
/// ordinary filter and encodes fine.
#[test]
fn shared_subscription_is_not_silently_sent_to_a_3x_peer() {
    for version in [ProtocolVersion::V3_1, ProtocolVersion::V3_1_1] {
        let shared = TopicFilter::new_in("$share/g/a", TopicDialect::V5).unwrap();
        assert!(shared.is_shared());
        let subscribe = Packet::Subscribe(Subscribe::new(
            PacketId::MIN,
            vec![Subscription::new(shared.clone(), QoS::AtLeastOnce)],
        ));
        refused_or_roundtrips(version, &subscribe).unwrap();
        let unsubscribe = Packet::Unsubscribe(Unsubscribe::new(PacketId::MIN, vec![shared]));
        refused_or_roundtrips(version, &unsubscribe).unwrap();

        let ordinary = TopicFilter::new_in("$share/g/a", TopicDialect::V3).unwrap();
        let subscribe = Packet::Subscribe(Subscribe::new(
            PacketId::MIN,
            vec![Subscription::new(ordinary, QoS::AtLeastOnce)],
        ));
        check_roundtrip(version, &subscribe).unwrap();
    }
}

/// Names of the features `p` shows, for [`strategies_cover_the_packet_space`].
fn features(p: &Packet) -> Vec<&'static str> {
    let mut f = Vec::new();
    let dup_names = |u: &mqtt_codec::UserProperties| {
        let names: Vec<MqttString> = u.iter().map(|(n, _)| n).collect();
        names
            .iter()
            .enumerate()
            .any(|(i, n)| names.iter().take(i).any(|m| m == n))
    };
    let topic_features = |t: &str, f: &mut Vec<&'static str>| {
        if t.starts_with('/') || t.ends_with('/') || t.contains("//") {
            f.push("empty topic level");
        }
        if !t.is_ascii() {
            f.push("non-ASCII topic");
        }
        if t.starts_with('$') {
            f.push("$ topic");
        }
    };
    match p {
        Packet::Connect(c) => {
            if c.client_id.is_empty() {
                f.push("empty client id");
            }
            if let Some(w) = &c.will {
                f.push("will");
                if !w.properties.is_empty() {
                    f.push("will properties");
                }
            }
            if c.password.is_some() && c.username.is_none() {
                f.push("password without user name");
            }
            if c.password.is_some() && c.username.is_some() {
                f.push("user name and password");
            }
            if !c.properties.is_empty() {
                f.push("connect properties");
            }
        }
        Packet::ConnAck(c) => {
            if c.session_present {
                f.push("session present");
            }
            if c.properties.authentication_data.is_some() {
                f.push("connack authentication data");
            }
        }
        Packet::Publish(x) => {
            f.push(match x.qos() {
                QoS::AtMostOnce => "publish QoS 0",
                QoS::AtLeastOnce => "publish QoS 1",
                QoS::ExactlyOnce => "publish QoS 2",
            });
            if x.dup {
                f.push("dup");
            }
            if x.payload.is_empty() {
                f.push("empty payload");
            }
            match &x.topic {
                mqtt_codec::PublishTopic::Alias(_) => f.push("alias only"),
                mqtt_codec::PublishTopic::NameAndAlias(..) => f.push("name and alias"),
                _ => {}
            }
            if let Some(name) = x.topic.name() {
                topic_features(name.as_str(), &mut f);
            }
            if x.subscription_ids.len() > 1 {
                f.push("several subscription ids");
            }
            if dup_names(&x.properties.user_properties) {
                f.push("duplicate user property names");
            }
            if x.properties.response_topic.is_some() && x.properties.correlation_data.is_some() {
                f.push("request/response properties");
            }
        }
        Packet::PubAck(x) if x.properties.reason_string.is_some() => f.push("ack reason string"),
        Packet::PubRel(x) if x.reason_code != ReasonCode::SUCCESS => f.push("pubrel reason"),
        Packet::Subscribe(s) => {
            for sub in &s.subscriptions {
                let o = sub.options;
                if sub.filter.is_shared() {
                    f.push("shared subscription");
                }
                if sub.filter.as_str().ends_with('#') {
                    f.push("# filter");
                }
                if sub.filter.as_str().contains('+') {
                    f.push("+ filter");
                }
                if o.no_local {
                    f.push("no local");
                }
                if o.retain_as_published {
                    f.push("retain as published");
                }
                if o.retain_handling == mqtt_codec::RetainHandling::DoNotSend {
                    f.push("retain handling 2");
                }
                if o.retain_handling == mqtt_codec::RetainHandling::SendIfNew {
                    f.push("retain handling 1");
                }
            }
            if s.properties.subscription_identifier.is_some() {
                f.push("subscribe subscription id");
            }
        }
        Packet::SubAck(s) if s.reason_codes.len() > 1 => f.push("several suback codes"),
        Packet::Unsubscribe(u) if u.filters.iter().any(TopicFilter::is_shared) => {
            f.push("unsubscribe shared");
        }
        Packet::Disconnect(d) if !d.properties.is_empty() => f.push("disconnect properties"),
        Packet::Auth(a) if a.properties.authentication_data.is_some() => f.push("auth data"),
        _ => {}
    }
    f
}

/// The strategies reach what they promise: every packet type of each version and, per
/// version, the interesting shapes (5.0: shared subscriptions, aliases, repeated subscription
/// ids and user property names, every subscription option; all: unicode and empty-level
/// topics, empty client ids where allowed, wills, QoS levels).
#[test]
fn strategies_cover_the_packet_space() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let common = [
        "will",
        "user name and password",
        "publish QoS 0",
        "publish QoS 1",
        "publish QoS 2",
        "dup",
        "empty payload",
        "empty topic level",
        "non-ASCII topic",
        "$ topic",
        "# filter",
        "+ filter",
        "several suback codes",
    ];
    let v5_only = [
        "empty client id",
        "will properties",
        "password without user name",
        "connect properties",
        "session present",
        "connack authentication data",
        "alias only",
        "name and alias",
        "several subscription ids",
        "duplicate user property names",
        "request/response properties",
        "ack reason string",
        "pubrel reason",
        "shared subscription",
        "no local",
        "retain as published",
        "retain handling 1",
        "retain handling 2",
        "subscribe subscription id",
        "unsubscribe shared",
        "disconnect properties",
        "auth data",
    ];
    for version in support::VERSIONS {
        let mut runner = TestRunner::deterministic();
        let strategy = packet(version);
        let mut types = std::collections::BTreeSet::new();
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..1500 {
            let p = strategy.new_tree(&mut runner).expect("a value").current();
            types.insert(p.packet_type());
            seen.extend(features(&p));
        }
        assert_eq!(
            types.len(),
            if version.is_v5() { 15 } else { 14 },
            "{version}: {types:?}"
        );
        let mut expected: Vec<&str> = common.to_vec();
        if version.is_v5() {
            expected.extend(v5_only);
        } else {
            // 3.x never shows the 5.0-only shapes.
            let leaked: Vec<&&str> = v5_only
                .iter()
                .filter(|f| seen.contains(*f))
                .filter(|f| !matches!(**f, "empty client id" | "session present"))
                .collect();
            assert!(leaked.is_empty(), "{version}: generated {leaked:?}");
        }
        if version == ProtocolVersion::V3_1_1 {
            expected.extend(["empty client id", "session present"]);
        }
        let missing: Vec<&&str> = expected.iter().filter(|f| !seen.contains(*f)).collect();
        assert!(missing.is_empty(), "{version}: never generated {missing:?}");
    }
}
