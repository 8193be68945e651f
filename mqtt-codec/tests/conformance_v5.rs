//! MQTT 5.0 conformance of the codec: one `mqtt_<id>_<what>` test per codec-owned statement of
//! `shared/spec/normative-v5.tsv`, then the un-numbered Malformed Packet / Protocol Error rules of
//! the spec README (`v5_<what>`), all on hand-written byte vectors.

use core::num::NonZeroU32;

use mqtt_codec::bytes::{Bytes, BytesMut};
use mqtt_codec::topic::{TopicFilter, TopicName};
use mqtt_codec::{
    Auth, BinaryData, ConnAck, Connect, DecodeError, Decoder, Delivery, Disconnect, EncodeError,
    Encoder, Limits, MqttString, Packet, PacketId, PacketType, PayloadFormat, ProtocolVersion,
    PubAck, PubComp, PubRec, PubRel, Publish, PublishTopic, QoS, ReasonCode, RetainHandling,
    SubAck, Subscribe, Subscription, SubscriptionId, UnsubAck, Unsubscribe, Will,
};

const V5: ProtocolVersion = ProtocolVersion::V5;

/// The smallest valid 5.0 CONNECT: clean start, keep alive 60, no properties, client id "a".
const CONNECT: &str = "10 0E 00 04 4D 51 54 54 05 02 00 3C 00 00 01 61";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Hex digits to bytes; whitespace is ignored.
#[expect(
    clippy::unwrap_used,
    reason = "test helper: a failure fails the calling test"
)]
fn hex(s: &str) -> BytesMut {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert_eq!(digits.len() % 2, 0, "odd number of hex digits in {s:?}");
    let bytes: Vec<u8> = digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(core::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect();
    BytesMut::from(&bytes[..])
}

/// Decodes exactly one whole packet from `s` with `decoder`.
#[track_caller]
#[expect(
    clippy::panic,
    reason = "test helper: a broken expectation fails the calling test"
)]
fn decode_with(decoder: &mut Decoder, s: &str) -> Result<Packet, DecodeError> {
    let mut rx = hex(s);
    match decoder.decode(&mut rx) {
        Ok(Some(packet)) => {
            assert!(
                rx.is_empty(),
                "{} bytes left after one packet of {s:?}",
                rx.len()
            );
            Ok(packet)
        }
        Ok(None) => panic!("incomplete packet {s:?}"),
        Err(e) => Err(e),
    }
}

/// Direction-independent 5.0 decoder.
#[track_caller]
fn v5(s: &str) -> Result<Packet, DecodeError> {
    decode_with(&mut Decoder::new(V5, Limits::default()), s)
}

/// Server side: a fresh decoder awaiting CONNECT (`s` must be the CONNECT).
#[track_caller]
fn connect(s: &str) -> Result<Packet, DecodeError> {
    decode_with(&mut Decoder::awaiting_connect(Limits::default()), s)
}

/// Server side after a 5.0 CONNECT: decodes what a client sends.
#[track_caller]
#[expect(
    clippy::unwrap_used,
    reason = "test helper: a failure fails the calling test"
)]
fn from_client(s: &str) -> Result<Packet, DecodeError> {
    let mut decoder = Decoder::awaiting_connect(Limits::default());
    let first = decode_with(&mut decoder, CONNECT).unwrap();
    assert_eq!(first.packet_type(), PacketType::Connect);
    assert_eq!(decoder.version(), Some(V5));
    decode_with(&mut decoder, s)
}

/// Client side: decodes what a 5.0 server sends.
#[track_caller]
fn from_server(s: &str) -> Result<Packet, DecodeError> {
    decode_with(&mut Decoder::client(V5, Limits::default()), s)
}

#[track_caller]
#[expect(
    clippy::panic,
    reason = "test helper: a broken expectation fails the calling test"
)]
fn accepted(result: Result<Packet, DecodeError>) -> Packet {
    match result {
        Ok(packet) => packet,
        Err(e) => panic!("rejected ({e:?}): {e}"),
    }
}

/// Asserts the exact error and the reason code a 5.0 peer is sent.
#[track_caller]
#[expect(
    clippy::panic,
    reason = "test helper: a broken expectation fails the calling test"
)]
fn rejected(result: Result<Packet, DecodeError>, expected: DecodeError, reason: u8) {
    match result {
        Ok(packet) => panic!("accepted {packet:?}, expected {expected:?}"),
        Err(e) => {
            assert_eq!(e, expected);
            assert_eq!(e.reason_code(), ReasonCode(reason), "reason code of {e:?}");
        }
    }
}

/// Encodes after a prefix, checking `encoded_len`, and that nothing is written on error.
#[expect(
    clippy::indexing_slicing,
    reason = "test helper: the prefix was just written"
)]
fn encode_with(encoder: &Encoder, packet: &Packet) -> Result<Vec<u8>, EncodeError> {
    const PREFIX: &[u8] = b"prefix";
    let mut tx = BytesMut::from(PREFIX);
    match encoder.encode(packet, &mut tx) {
        Ok(n) => {
            assert_eq!(n, tx.len() - PREFIX.len());
            assert_eq!(encoder.encoded_len(packet), Ok(n));
            Ok(tx[PREFIX.len()..].to_vec())
        }
        Err(e) => {
            assert_eq!(&tx[..], PREFIX, "bytes written on error {e:?}");
            assert_eq!(encoder.encoded_len(packet), Err(e));
            Err(e)
        }
    }
}

#[track_caller]
#[expect(
    clippy::unwrap_used,
    reason = "test helper: a failure fails the calling test"
)]
fn encodes_to(packet: &Packet, expected: &str) {
    assert_eq!(
        encode_with(&Encoder::new(V5), packet).unwrap(),
        hex(expected).to_vec()
    );
}

macro_rules! as_variant {
    ($packet:expr, $variant:ident) => {
        match $packet {
            Packet::$variant(inner) => inner,
            other => panic!("expected {}, got {other:?}", stringify!($variant)),
        }
    };
}

#[expect(
    clippy::unwrap_used,
    reason = "test helper: a failure fails the calling test"
)]
fn s(v: &str) -> MqttString {
    MqttString::new(v).unwrap()
}

#[expect(
    clippy::unwrap_used,
    reason = "test helper: a failure fails the calling test"
)]
fn id(n: u16) -> PacketId {
    PacketId::new(n).unwrap()
}

#[expect(
    clippy::unwrap_used,
    reason = "test helper: a failure fails the calling test"
)]
fn name(v: &str) -> TopicName {
    TopicName::new(v).unwrap()
}

#[expect(
    clippy::unwrap_used,
    reason = "test helper: a failure fails the calling test"
)]
fn filter(v: &str) -> TopicFilter {
    TopicFilter::new(v).unwrap()
}

fn pairs(props: &mqtt_codec::UserProperties) -> Vec<(String, String)> {
    props
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.as_str().to_owned()))
        .collect()
}

fn owned_pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

fn codes(list: &str) -> Vec<u8> {
    hex(list).to_vec()
}

// ---------------------------------------------------------------------------------------------
// 1.5 Data representation
// ---------------------------------------------------------------------------------------------

/// UTF-8 string data must be well-formed; encoded surrogates (U+D800..U+DFFF) make the packet
/// malformed.
#[test]
fn mqtt_1_5_4_1_surrogates_malformed() {
    // DISCONNECT, Reason String = ED A0 80 (U+D800, the first surrogate).
    rejected(
        v5("E0 08 00 06 1F 00 03 ED A0 80"),
        DecodeError::InvalidUtf8 {
            field: "property value",
        },
        0x81,
    );
    // ED BF BF (U+DFFF, the last surrogate).
    rejected(
        v5("E0 08 00 06 1F 00 03 ED BF BF"),
        DecodeError::InvalidUtf8 {
            field: "property value",
        },
        0x81,
    );
    // Its neighbours U+D7FF and U+E000 are fine.
    let d = as_variant!(accepted(v5("E0 08 00 06 1F 00 03 ED 9F BF")), Disconnect);
    assert_eq!(d.properties.reason_string.unwrap().as_str(), "\u{D7FF}");
    let d = as_variant!(accepted(v5("E0 08 00 06 1F 00 03 EE 80 80")), Disconnect);
    assert_eq!(d.properties.reason_string.unwrap().as_str(), "\u{E000}");
    // In a topic name too.
    rejected(
        v5("30 06 00 03 ED A0 80 00"),
        DecodeError::InvalidUtf8 {
            field: "topic name",
        },
        0x81,
    );
    accepted(v5("30 06 00 03 ED 9F BF 00"));
}

/// UTF-8 strings must not contain U+0000; receiving one means a malformed packet.
#[test]
fn mqtt_1_5_4_2_null_character_malformed() {
    rejected(
        v5("E0 07 00 05 1F 00 02 61 00"),
        DecodeError::NullCharacter {
            field: "property value",
        },
        0x81,
    );
    let d = as_variant!(accepted(v5("E0 07 00 05 1F 00 02 61 62")), Disconnect);
    assert_eq!(d.properties.reason_string.unwrap().as_str(), "ab");
    // Topic name and client identifier.
    rejected(
        v5("30 05 00 02 61 00 00"),
        DecodeError::NullCharacter {
            field: "topic name",
        },
        0x81,
    );
    accepted(v5("30 05 00 02 61 62 00"));
    rejected(
        connect("10 0E 00 04 4D 51 54 54 05 02 00 3C 00 00 01 00"),
        DecodeError::NullCharacter {
            field: "client identifier",
        },
        0x81,
    );
    // The overlong form C0 80 is not well-formed UTF-8 either.
    rejected(
        v5("E0 07 00 05 1F 00 02 C0 80"),
        DecodeError::InvalidUtf8 {
            field: "property value",
        },
        0x81,
    );
}

/// EF BB BF inside a string is U+FEFF (ZERO WIDTH NO-BREAK SPACE): receivers keep it, never
/// skip or strip it.
#[test]
fn mqtt_1_5_4_3_bom_kept() {
    let wire = "30 07 00 04 EF BB BF 61 00";
    let p = as_variant!(accepted(v5(wire)), Publish);
    let topic = p.topic.name().unwrap();
    assert_eq!(topic.as_bytes(), &[0xEF, 0xBB, 0xBF, 0x61]);
    assert_eq!(topic.as_str(), "\u{FEFF}a");
    assert_eq!(topic.as_str().chars().count(), 2);
    // Re-encoding gives the same bytes: nothing was stripped.
    encodes_to(&Packet::Publish(p), wire);

    let d = as_variant!(accepted(v5("E0 08 00 06 1F 00 03 EF BB BF")), Disconnect);
    let reason = d.properties.reason_string.unwrap();
    assert_eq!(reason.as_bytes(), &[0xEF, 0xBB, 0xBF]);
    assert_eq!(reason.as_str(), "\u{FEFF}");
    assert_eq!(reason.len(), 3);
}

/// Variable Byte Integers use the shortest possible encoding; over-long forms are invalid.
#[test]
fn mqtt_1_5_5_1_varint_shortest_form() {
    // Remaining Length 0 written as 80 00.
    rejected(v5("C0 80 00"), DecodeError::MalformedRemainingLength, 0x81);
    assert_eq!(accepted(v5("C0 00")), Packet::PingReq);
    // Remaining Length 2 written as 82 00.
    rejected(
        v5("40 82 00 00 01"),
        DecodeError::MalformedRemainingLength,
        0x81,
    );
    accepted(v5("40 02 00 01"));
    // A fifth length byte.
    rejected(
        v5("30 FF FF FF FF 7F"),
        DecodeError::MalformedRemainingLength,
        0x81,
    );
    // Property Length 0 written as 80 00.
    rejected(
        v5("E0 03 00 80 00"),
        DecodeError::MalformedVarint {
            field: "property length",
        },
        0x81,
    );
    accepted(v5("E0 02 00 00"));
    // Subscription Identifier 1 written as 81 00.
    rejected(
        v5("82 0A 00 01 03 0B 81 00 00 01 61 00"),
        DecodeError::MalformedVarint {
            field: "subscription identifier",
        },
        0x81,
    );
    let sub = as_variant!(accepted(v5("82 09 00 01 02 0B 01 00 01 61 00")), Subscribe);
    assert_eq!(
        sub.properties.subscription_identifier,
        SubscriptionId::new(1)
    );
    // Property identifier 0x26 written as A6 00.
    rejected(
        v5("E0 04 00 02 A6 00"),
        DecodeError::MalformedVarint {
            field: "property identifier",
        },
        0x81,
    );
    // The encoder writes the shortest form at each boundary.
    for (payload_len, header) in [(123, "30 7F"), (124, "30 80 01"), (200, "30 CC 01")] {
        let p = Publish::new(name("a"), vec![0u8; payload_len]);
        let bytes = encode_with(&Encoder::new(V5), &Packet::Publish(p)).unwrap();
        let header = hex(header);
        assert_eq!(
            &bytes[..header.len()],
            &header[..],
            "payload of {payload_len} bytes"
        );
    }
}

/// Both halves of a UTF-8 string pair (User Property) obey every UTF-8 string rule.
#[test]
fn mqtt_1_5_7_1_string_pair_halves_valid() {
    let d = as_variant!(accepted(v5("E0 09 00 07 26 00 01 61 00 01 62")), Disconnect);
    assert_eq!(
        pairs(&d.properties.user_properties),
        owned_pairs(&[("a", "b")])
    );
    rejected(
        v5("E0 09 00 07 26 00 01 00 00 01 62"),
        DecodeError::NullCharacter {
            field: "user property name",
        },
        0x81,
    );
    rejected(
        v5("E0 09 00 07 26 00 01 61 00 01 00"),
        DecodeError::NullCharacter {
            field: "user property value",
        },
        0x81,
    );
    rejected(
        v5("E0 09 00 07 26 00 01 FF 00 01 62"),
        DecodeError::InvalidUtf8 {
            field: "user property name",
        },
        0x81,
    );
    rejected(
        v5("E0 0B 00 09 26 00 01 61 00 03 ED A0 80"),
        DecodeError::InvalidUtf8 {
            field: "user property value",
        },
        0x81,
    );
    // A sender cannot build a pair half that breaks a rule.
    assert_eq!(
        MqttString::new("a\0"),
        Err(mqtt_codec::StringError::NullChar)
    );
}

// ---------------------------------------------------------------------------------------------
// 2 Control packet format
// ---------------------------------------------------------------------------------------------

/// Reserved fixed-header flag bits must have the values of the flags table; anything else is a
/// malformed packet.
#[test]
fn mqtt_2_1_3_1_reserved_flags_malformed() {
    let valid = [
        CONNECT,
        "20 03 00 00 00",
        "40 02 00 01",
        "50 02 00 01",
        "62 02 00 01",
        "70 02 00 01",
        "82 07 00 01 00 00 01 61 00",
        "90 04 00 01 00 00",
        "A2 06 00 01 00 00 01 61",
        "B0 04 00 01 00 00",
        "C0 00",
        "D0 00",
        "E0 00",
        "F0 00",
    ];
    for wire in valid {
        let packet = accepted(v5(wire));
        let good = hex(wire);
        let packet_type = packet.packet_type();
        assert_eq!(good[0] >> 4, packet_type as u8);
        let good_flags = good[0] & 0x0F;
        for flags in (0..16u8).filter(|&f| f != good_flags) {
            let mut bad = good.clone();
            bad[0] = (bad[0] & 0xF0) | flags;
            let mut rx = bad.clone();
            let e = Decoder::new(V5, Limits::default())
                .decode(&mut rx)
                .unwrap_err();
            assert_eq!(
                e,
                DecodeError::InvalidFlags {
                    packet: packet_type,
                    flags
                },
                "{bad:02X?}"
            );
            assert_eq!(e.reason_code(), ReasonCode::MALFORMED_PACKET);
        }
    }
    // Packet type 0 is reserved.
    rejected(
        v5("00 00"),
        DecodeError::ReservedPacketType { packet_type: 0 },
        0x81,
    );
}

/// A QoS 0 PUBLISH carries no Packet Identifier.
#[test]
fn mqtt_2_2_1_2_qos0_has_no_packet_id() {
    // The same body read at QoS 0 and at QoS 1: at QoS 0 the two bytes after the topic are not
    // a packet identifier (the property length follows the topic directly).
    let p0 = as_variant!(accepted(v5("30 06 00 01 61 00 01 00")), Publish);
    assert_eq!(p0.delivery, Delivery::AtMostOnce);
    assert_eq!(&p0.payload[..], &[0x01, 0x00]);
    let p1 = as_variant!(accepted(v5("32 06 00 01 61 00 01 00")), Publish);
    assert_eq!(p1.delivery, Delivery::AtLeastOnce(id(1)));
    assert!(p1.payload.is_empty());
    // The encoder writes no identifier at QoS 0 and one at QoS 1.
    encodes_to(
        &Packet::Publish(Publish::new(name("a"), Bytes::new())),
        "30 04 00 01 61 00",
    );
    let mut q1 = Publish::new(name("a"), Bytes::new());
    q1.delivery = Delivery::AtLeastOnce(id(1));
    encodes_to(&Packet::Publish(q1), "32 06 00 01 61 00 01 00");
}

/// An empty property set is still encoded, as a Property Length of 0.
#[test]
fn mqtt_2_2_2_1_empty_properties_length_zero() {
    encodes_to(&Packet::from(Connect::new(V5, s("a"))), CONNECT);
    encodes_to(
        &Packet::ConnAck(ConnAck::new(false, ReasonCode::SUCCESS)),
        "20 03 00 00 00",
    );
    encodes_to(
        &Packet::Publish(Publish::new(name("a"), Bytes::new())),
        "30 04 00 01 61 00",
    );
    encodes_to(
        &Packet::Subscribe(Subscribe::new(
            id(1),
            vec![Subscription::new(filter("a"), QoS::AtMostOnce)],
        )),
        "82 07 00 01 00 00 01 61 00",
    );
    encodes_to(
        &Packet::SubAck(SubAck::new(id(1), vec![ReasonCode::SUCCESS])),
        "90 04 00 01 00 00",
    );
    encodes_to(
        &Packet::Unsubscribe(Unsubscribe::new(id(1), vec![filter("a")])),
        "A2 06 00 01 00 00 01 61",
    );
    encodes_to(
        &Packet::UnsubAck(UnsubAck::new(id(1), vec![ReasonCode::SUCCESS])),
        "B0 04 00 01 00 00",
    );
    // Will Properties: an empty set is the 00 after the client identifier.
    let mut c = Connect::new(V5, s("a"));
    c.will = Some(Will::new(name("w"), &b"hi"[..]));
    encodes_to(
        &Packet::from(c),
        "10 16 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 00 00 01 77 00 02 68 69",
    );
    // Receivers need the Property Length where the packet has no short form.
    rejected(
        from_server("20 02 00 00"),
        DecodeError::UnexpectedEnd {
            field: "property length",
        },
        0x81,
    );
    rejected(
        v5("30 03 00 01 61"),
        DecodeError::UnexpectedEnd {
            field: "property length",
        },
        0x81,
    );
    // SUBSCRIBE: the byte after the packet identifier is always the Property Length, so
    // without it the filter's length prefix is misread.
    rejected(
        v5("82 06 00 01 00 01 61 00"),
        DecodeError::UnexpectedEnd {
            field: "topic filter",
        },
        0x81,
    );
}

// ---------------------------------------------------------------------------------------------
// 3.1 CONNECT
// ---------------------------------------------------------------------------------------------

/// The protocol name must be "MQTT"; otherwise the server may answer CONNACK 0x84 and must
/// close the connection.
#[test]
fn mqtt_3_1_2_1_protocol_name_mqtt() {
    let mut decoder = Decoder::awaiting_connect(Limits::default());
    let c = as_variant!(accepted(decode_with(&mut decoder, CONNECT)), Connect);
    assert_eq!(c.protocol, V5);
    assert_eq!(decoder.version(), Some(V5));
    // "MQTX" and "mqtt".
    rejected(
        connect("10 0E 00 04 4D 51 54 58 05 02 00 3C 00 00 01 61"),
        DecodeError::UnknownProtocolName,
        0x84,
    );
    rejected(
        connect("10 0E 00 04 6D 71 74 74 05 02 00 3C 00 00 01 61"),
        DecodeError::UnknownProtocolName,
        0x84,
    );
    // After the refusal the decoder stays failed: the connection must close.
    let mut decoder = Decoder::awaiting_connect(Limits::default());
    let e = decode_with(
        &mut decoder,
        "10 0E 00 04 4D 51 54 58 05 02 00 3C 00 00 01 61",
    );
    assert_eq!(e, Err(DecodeError::UnknownProtocolName));
    assert!(decoder.is_failed());
    assert_eq!(
        decoder.decode(&mut hex(CONNECT)),
        Err(DecodeError::UnknownProtocolName)
    );
}

/// The server checks that reserved bit 0 of the Connect Flags is 0 (otherwise malformed).
#[test]
fn mqtt_3_1_2_3_connect_reserved_flag_malformed() {
    rejected(
        connect("10 0E 00 04 4D 51 54 54 05 03 00 3C 00 00 01 61"),
        DecodeError::ReservedConnectFlag,
        0x81,
    );
    rejected(
        connect("10 0E 00 04 4D 51 54 54 05 01 00 3C 00 00 01 61"),
        DecodeError::ReservedConnectFlag,
        0x81,
    );
    let c = as_variant!(accepted(connect(CONNECT)), Connect);
    assert!(c.clean_start);
    // The encoder never sets it.
    let bytes = encode_with(&Encoder::client(V5), &Packet::Connect(c)).unwrap();
    assert_eq!(bytes[9] & 1, 0);
}

/// Will Flag = 1: Will Properties, Will Topic and Will Payload must be in the payload.
#[test]
fn mqtt_3_1_2_9_will_fields_present() {
    let full = "10 16 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 00 00 01 77 00 02 68 69";
    let c = as_variant!(accepted(connect(full)), Connect);
    let will = c.will.clone().unwrap();
    assert_eq!(will.topic.as_str(), "w");
    assert_eq!(&will.payload[..], b"hi");
    assert!(will.properties.is_empty());
    encodes_to(&Packet::Connect(c), full);
    // Without the Will Payload, the Will Topic, the Will Properties.
    rejected(
        connect("10 12 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 00 00 01 77"),
        DecodeError::UnexpectedEnd {
            field: "will payload",
        },
        0x81,
    );
    rejected(
        connect("10 0F 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 00"),
        DecodeError::UnexpectedEnd {
            field: "will topic",
        },
        0x81,
    );
    rejected(
        connect("10 0E 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61"),
        DecodeError::UnexpectedEnd {
            field: "property length",
        },
        0x81,
    );
}

/// Will Flag = 0 requires the Will QoS bits to be 0.
#[test]
fn mqtt_3_1_2_11_will_qos_zero_without_will() {
    for flags in ["0A", "12", "1A"] {
        rejected(
            connect(&format!(
                "10 0E 00 04 4D 51 54 54 05 {flags} 00 3C 00 00 01 61"
            )),
            DecodeError::WillFlagsWithoutWill,
            0x81,
        );
    }
    accepted(connect(CONNECT));
    // With the Will Flag the same QoS bits are fine.
    let c = as_variant!(
        accepted(connect(
            "10 16 00 04 4D 51 54 54 05 0E 00 3C 00 00 01 61 00 00 01 77 00 02 68 69"
        )),
        Connect
    );
    assert_eq!(c.will.unwrap().qos, QoS::AtLeastOnce);
    // The encoder only writes Will QoS from a will.
    let bytes = encode_with(
        &Encoder::client(V5),
        &Packet::from(Connect::new(V5, s("a"))),
    );
    assert_eq!(bytes.unwrap()[9], 0x02);
}

/// With Will Flag = 1 the Will QoS is 0, 1 or 2; the value 3 is malformed.
#[test]
fn mqtt_3_1_2_12_will_qos3_malformed() {
    rejected(
        connect("10 16 00 04 4D 51 54 54 05 1E 00 3C 00 00 01 61 00 00 01 77 00 02 68 69"),
        DecodeError::WillQoS3,
        0x81,
    );
    let c = as_variant!(
        accepted(connect(
            "10 16 00 04 4D 51 54 54 05 16 00 3C 00 00 01 61 00 00 01 77 00 02 68 69"
        )),
        Connect
    );
    assert_eq!(c.will.as_ref().unwrap().qos, QoS::ExactlyOnce);
    let bytes = encode_with(&Encoder::client(V5), &Packet::Connect(c)).unwrap();
    assert_eq!(bytes[9], 0x16);
}

/// Will Flag = 0 requires Will Retain to be 0.
#[test]
fn mqtt_3_1_2_13_will_retain_zero_without_will() {
    rejected(
        connect("10 0E 00 04 4D 51 54 54 05 22 00 3C 00 00 01 61"),
        DecodeError::WillFlagsWithoutWill,
        0x81,
    );
    let c = as_variant!(
        accepted(connect(
            "10 16 00 04 4D 51 54 54 05 26 00 3C 00 00 01 61 00 00 01 77 00 02 68 69"
        )),
        Connect
    );
    assert!(c.will.as_ref().unwrap().retain);
    let bytes = encode_with(&Encoder::client(V5), &Packet::Connect(c)).unwrap();
    assert_eq!(bytes[9], 0x26);
}

/// User Name Flag = 0: the payload has no User Name.
#[test]
fn mqtt_3_1_2_16_no_user_name_without_flag() {
    rejected(
        connect("10 11 00 04 4D 51 54 54 05 02 00 3C 00 00 01 61 00 01 75"),
        DecodeError::TrailingBytes {
            packet: PacketType::Connect,
            count: 3,
        },
        0x81,
    );
    let c = as_variant!(
        accepted(connect(
            "10 11 00 04 4D 51 54 54 05 82 00 3C 00 00 01 61 00 01 75"
        )),
        Connect
    );
    assert_eq!(c.username.unwrap(), "u");
    let c = as_variant!(accepted(connect(CONNECT)), Connect);
    assert_eq!(c.username, None);
    encodes_to(&Packet::Connect(c), CONNECT);
}

/// User Name Flag = 1: the payload includes a User Name.
#[test]
fn mqtt_3_1_2_17_user_name_with_flag() {
    rejected(
        connect("10 0E 00 04 4D 51 54 54 05 82 00 3C 00 00 01 61"),
        DecodeError::UnexpectedEnd { field: "user name" },
        0x81,
    );
    let wire = "10 11 00 04 4D 51 54 54 05 82 00 3C 00 00 01 61 00 01 75";
    let c = as_variant!(accepted(connect(wire)), Connect);
    assert_eq!(c.username.as_ref().unwrap(), "u");
    let mut built = Connect::new(V5, s("a"));
    built.username = Some(s("u"));
    assert_eq!(built, *c);
    encodes_to(&Packet::from(built), wire);
}

/// Password Flag = 0: the payload has no Password.
#[test]
fn mqtt_3_1_2_18_no_password_without_flag() {
    rejected(
        connect("10 11 00 04 4D 51 54 54 05 02 00 3C 00 00 01 61 00 01 70"),
        DecodeError::TrailingBytes {
            packet: PacketType::Connect,
            count: 3,
        },
        0x81,
    );
    // 5.0 allows a password without a user name.
    let c = as_variant!(
        accepted(connect(
            "10 11 00 04 4D 51 54 54 05 42 00 3C 00 00 01 61 00 01 70"
        )),
        Connect
    );
    assert_eq!(c.password.unwrap().as_bytes(), b"p");
    assert_eq!(c.username, None);
    let c = as_variant!(accepted(connect(CONNECT)), Connect);
    assert_eq!(c.password, None);
    encodes_to(&Packet::Connect(c), CONNECT);
}

/// Password Flag = 1: the payload includes a Password.
#[test]
fn mqtt_3_1_2_19_password_with_flag() {
    rejected(
        connect("10 0E 00 04 4D 51 54 54 05 42 00 3C 00 00 01 61"),
        DecodeError::UnexpectedEnd { field: "password" },
        0x81,
    );
    let wire = "10 11 00 04 4D 51 54 54 05 42 00 3C 00 00 01 61 00 01 70";
    let c = as_variant!(accepted(connect(wire)), Connect);
    let mut built = Connect::new(V5, s("a"));
    built.password = Some(BinaryData::copy_from_slice(b"p").unwrap());
    assert_eq!(built, *c);
    encodes_to(&Packet::from(built), wire);
}

/// Payload order: ClientID, Will Properties, Will Topic, Will Payload, User Name, Password
/// (those present).
#[test]
fn mqtt_3_1_3_1_payload_order() {
    let wire = "10 21 00 04 4D 51 54 54 05 C6 00 3C 00 \
                00 01 61 \
                05 18 00 00 00 05 \
                00 01 77 \
                00 02 68 69 \
                00 01 75 \
                00 01 70";
    let c = as_variant!(accepted(connect(wire)), Connect);
    assert_eq!(c.client_id, "a");
    let will = c.will.as_ref().unwrap();
    assert_eq!(will.properties.will_delay_interval, Some(5));
    assert_eq!(will.topic.as_str(), "w");
    assert_eq!(&will.payload[..], b"hi");
    assert_eq!(c.username.as_ref().unwrap(), "u");
    assert_eq!(c.password.as_ref().unwrap().as_bytes(), b"p");

    let mut built = Connect::new(V5, s("a"));
    let mut will = Will::new(name("w"), &b"hi"[..]);
    will.properties.will_delay_interval = Some(5);
    built.will = Some(will);
    built.username = Some(s("u"));
    built.password = Some(BinaryData::copy_from_slice(b"p").unwrap());
    assert_eq!(built, *c);
    encodes_to(&Packet::from(built), wire);

    // The fields are positional: the same bytes with the last two strings swapped are read as
    // user name "p" and password "u".
    let swapped = as_variant!(
        accepted(connect(
            "10 21 00 04 4D 51 54 54 05 C6 00 3C 00 00 01 61 05 18 00 00 00 05 \
             00 01 77 00 02 68 69 00 01 70 00 01 75"
        )),
        Connect
    );
    assert_eq!(swapped.username.unwrap(), "p");
    assert_eq!(swapped.password.unwrap().as_bytes(), b"u");
}

/// The ClientID is mandatory and is the first payload field.
#[test]
fn mqtt_3_1_3_3_client_id_first_and_mandatory() {
    rejected(
        connect("10 0B 00 04 4D 51 54 54 05 02 00 3C 00"),
        DecodeError::UnexpectedEnd {
            field: "client identifier",
        },
        0x81,
    );
    // 5.0 allows an empty (zero-length) ClientID: the field is still there.
    let wire = "10 0D 00 04 4D 51 54 54 05 02 00 3C 00 00 00";
    let c = as_variant!(accepted(connect(wire)), Connect);
    assert!(c.client_id.is_empty());
    encodes_to(&Packet::Connect(c), wire);
}

/// The ClientID must be a valid UTF-8 encoded string.
#[test]
fn mqtt_3_1_3_4_client_id_utf8() {
    rejected(
        connect("10 0E 00 04 4D 51 54 54 05 02 00 3C 00 00 01 FF"),
        DecodeError::InvalidUtf8 {
            field: "client identifier",
        },
        0x81,
    );
    rejected(
        connect("10 10 00 04 4D 51 54 54 05 02 00 3C 00 00 03 ED A0 80"),
        DecodeError::InvalidUtf8 {
            field: "client identifier",
        },
        0x81,
    );
    let c = as_variant!(
        accepted(connect(
            "10 10 00 04 4D 51 54 54 05 02 00 3C 00 00 03 E2 82 AC"
        )),
        Connect
    );
    assert_eq!(c.client_id, "\u{20AC}");
}

/// The Will Topic must be a valid UTF-8 encoded string.
#[test]
fn mqtt_3_1_3_11_will_topic_utf8() {
    rejected(
        connect("10 16 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 00 00 01 FF 00 02 68 69"),
        DecodeError::InvalidUtf8 {
            field: "will topic",
        },
        0x81,
    );
    rejected(
        connect("10 16 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 00 00 01 00 00 02 68 69"),
        DecodeError::NullCharacter {
            field: "will topic",
        },
        0x81,
    );
    accepted(connect(
        "10 16 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 00 00 01 77 00 02 68 69",
    ));
}

/// The User Name, when flagged present, must be a valid UTF-8 encoded string.
#[test]
fn mqtt_3_1_3_12_user_name_utf8() {
    rejected(
        connect("10 11 00 04 4D 51 54 54 05 82 00 3C 00 00 01 61 00 01 FF"),
        DecodeError::InvalidUtf8 { field: "user name" },
        0x81,
    );
    rejected(
        connect("10 11 00 04 4D 51 54 54 05 82 00 3C 00 00 01 61 00 01 00"),
        DecodeError::NullCharacter { field: "user name" },
        0x81,
    );
    accepted(connect(
        "10 11 00 04 4D 51 54 54 05 82 00 3C 00 00 01 61 00 01 75",
    ));
    // The password is Binary Data, not a string: any bytes are fine.
    accepted(connect(
        "10 11 00 04 4D 51 54 54 05 42 00 3C 00 00 01 61 00 01 FF",
    ));
}

/// The server validates the CONNECT against section 3.1 and closes the connection if it does
/// not conform.
#[test]
fn mqtt_3_1_4_1_server_validates_connect() {
    // Anything before CONNECT.
    rejected(
        connect("C0 00"),
        DecodeError::FirstPacketNotConnect {
            packet: PacketType::PingReq,
        },
        0x82,
    );
    rejected(
        connect("30 04 00 01 61 00"),
        DecodeError::FirstPacketNotConnect {
            packet: PacketType::Publish,
        },
        0x82,
    );
    // A CONNECT longer than its fields, or cut short.
    rejected(
        connect("10 0F 00 04 4D 51 54 54 05 02 00 3C 00 00 01 61 00"),
        DecodeError::TrailingBytes {
            packet: PacketType::Connect,
            count: 1,
        },
        0x81,
    );
    rejected(
        connect("10 09 00 04 4D 51 54 54 05 02 00"),
        DecodeError::UnexpectedEnd {
            field: "keep alive",
        },
        0x81,
    );
    // After an error the decoder refuses everything: the connection closes.
    let mut decoder = Decoder::awaiting_connect(Limits::default());
    let bad = decode_with(
        &mut decoder,
        "10 0E 00 04 4D 51 54 54 05 03 00 3C 00 00 01 61",
    );
    assert_eq!(bad, Err(DecodeError::ReservedConnectFlag));
    assert!(decoder.is_failed());
    assert_eq!(
        decoder.decode(&mut hex(CONNECT)),
        Err(DecodeError::ReservedConnectFlag)
    );
    // A conforming CONNECT is accepted and the connection goes on.
    let mut decoder = Decoder::awaiting_connect(Limits::default());
    accepted(decode_with(&mut decoder, CONNECT));
    assert_eq!(
        accepted(decode_with(&mut decoder, "C0 00")),
        Packet::PingReq
    );
    assert!(!decoder.is_failed());
}

// ---------------------------------------------------------------------------------------------
// 3.2 CONNACK
// ---------------------------------------------------------------------------------------------

/// CONNACK acknowledge flags: bits 7-1 are reserved and must be zero.
#[test]
fn mqtt_3_2_2_1_connack_reserved_flags() {
    for flags in [0x02u8, 0x80, 0xFE, 0x03] {
        rejected(
            from_server(&format!("20 03 {flags:02X} 00 00")),
            DecodeError::ConnAckReservedFlags { flags },
            0x81,
        );
    }
    let c = as_variant!(accepted(from_server("20 03 01 00 00")), ConnAck);
    assert!(c.session_present);
    encodes_to(&Packet::ConnAck(c), "20 03 01 00 00");
}

/// A CONNACK with a non-zero reason code has Session Present = 0.
#[test]
fn mqtt_3_2_2_6_session_present_zero_on_error() {
    rejected(
        from_server("20 03 01 80 00"),
        DecodeError::SessionPresentWithError,
        0x82,
    );
    rejected(
        from_server("20 03 01 87 00"),
        DecodeError::SessionPresentWithError,
        0x82,
    );
    let c = as_variant!(accepted(from_server("20 03 00 80 00")), ConnAck);
    assert!(!c.session_present);
    assert_eq!(c.reason_code, ReasonCode::UNSPECIFIED_ERROR);
    let e = encode_with(
        &Encoder::server(V5),
        &Packet::ConnAck(ConnAck::new(true, ReasonCode::UNSPECIFIED_ERROR)),
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            EncodeError::InvalidField {
                field: "session present",
                ..
            }
        ),
        "{e:?}"
    );
    encodes_to(&Packet::ConnAck(c), "20 03 00 80 00");
}

/// The CONNACK reason code must be one of the Connect Reason Code values (Table 3-1).
#[test]
fn mqtt_3_2_2_8_connack_reason_code_valid() {
    // 0x01 (SUBACK only) and 0x8B (DISCONNECT only).
    for code in [0x01u8, 0x8B] {
        rejected(
            from_server(&format!("20 03 00 {code:02X} 00")),
            DecodeError::InvalidReasonCode {
                packet: PacketType::ConnAck,
                code,
            },
            0x82,
        );
        let e = encode_with(
            &Encoder::server(V5),
            &Packet::ConnAck(ConnAck::new(false, ReasonCode(code))),
        );
        assert_eq!(
            e,
            Err(EncodeError::InvalidReasonCode {
                packet: PacketType::ConnAck,
                code
            })
        );
    }
    let c = as_variant!(accepted(from_server("20 03 00 84 00")), ConnAck);
    assert_eq!(c.reason_code, ReasonCode::UNSUPPORTED_PROTOCOL_VERSION);
    encodes_to(&Packet::ConnAck(c), "20 03 00 84 00");
}

// ---------------------------------------------------------------------------------------------
// 3.3 PUBLISH
// ---------------------------------------------------------------------------------------------

/// A QoS 0 PUBLISH always has DUP = 0.
#[test]
fn mqtt_3_3_1_2_qos0_dup_zero() {
    rejected(v5("38 04 00 01 61 00"), DecodeError::DupOnQoS0, 0x81);
    rejected(v5("39 04 00 01 61 00"), DecodeError::DupOnQoS0, 0x81);
    let p = as_variant!(accepted(v5("30 04 00 01 61 00")), Publish);
    assert!(!p.dup);
    // DUP is fine at QoS 1.
    let p1 = as_variant!(accepted(v5("3A 06 00 01 61 00 01 00")), Publish);
    assert!(p1.dup);
    let mut bad = p;
    bad.dup = true;
    let e = encode_with(&Encoder::new(V5), &Packet::Publish(bad)).unwrap_err();
    assert!(
        matches!(e, EncodeError::InvalidField { field: "dup", .. }),
        "{e:?}"
    );
    encodes_to(&Packet::Publish(p1), "3A 06 00 01 61 00 01 00");
}

/// Both QoS bits set (QoS 3) is not allowed in PUBLISH: a malformed packet.
#[test]
fn mqtt_3_3_1_4_qos3_publish_malformed() {
    rejected(
        v5("36 06 00 01 61 00 01 00"),
        DecodeError::PublishQoS3,
        0x81,
    );
    rejected(
        v5("3F 06 00 01 61 00 01 00"),
        DecodeError::PublishQoS3,
        0x81,
    );
    let p = as_variant!(accepted(v5("34 06 00 01 61 00 01 00")), Publish);
    assert_eq!(p.delivery, Delivery::ExactlyOnce(id(1)));
}

/// The Topic Name is the first field of the variable header and a valid UTF-8 string.
#[test]
fn mqtt_3_3_2_1_topic_name_first_and_utf8() {
    let p = as_variant!(accepted(v5("30 06 00 01 61 00 68 69")), Publish);
    assert_eq!(p.topic, PublishTopic::Name(name("a")));
    assert_eq!(&p.payload[..], b"hi");
    rejected(
        v5("30 04 00 01 FF 00"),
        DecodeError::InvalidUtf8 {
            field: "topic name",
        },
        0x81,
    );
    rejected(
        v5("30 04 00 01 00 00"),
        DecodeError::NullCharacter {
            field: "topic name",
        },
        0x81,
    );
    // A topic name longer than the packet.
    rejected(
        v5("30 04 00 09 61 00"),
        DecodeError::UnexpectedEnd {
            field: "topic name",
        },
        0x81,
    );
}

/// A Topic Alias value of 0 must not be sent (0x94 Topic Alias invalid).
#[test]
fn mqtt_3_3_2_8_topic_alias_zero() {
    rejected(
        v5("30 07 00 01 61 03 23 00 00"),
        DecodeError::TopicAliasZero,
        0x94,
    );
    rejected(
        from_client("30 06 00 00 03 23 00 00"),
        DecodeError::TopicAliasZero,
        0x94,
    );
    let p = as_variant!(accepted(v5("30 07 00 01 61 03 23 00 01")), Publish);
    let one = core::num::NonZeroU16::MIN;
    assert_eq!(p.topic, PublishTopic::NameAndAlias(name("a"), one));
    // The model cannot hold alias 0 (NonZeroU16); alias 1 is written as 23 00 01.
    encodes_to(&Packet::Publish(p), "30 07 00 01 61 03 23 00 01");
    let alias_only = Publish::new(PublishTopic::Alias(one), Bytes::new());
    encodes_to(&Packet::Publish(alias_only), "30 06 00 00 03 23 00 01");
}

/// The Response Topic must be a valid UTF-8 string.
#[test]
fn mqtt_3_3_2_13_response_topic_utf8() {
    rejected(
        v5("30 08 00 01 61 04 08 00 01 FF"),
        DecodeError::InvalidUtf8 {
            field: "response topic",
        },
        0x81,
    );
    rejected(
        v5("30 08 00 01 61 04 08 00 01 00"),
        DecodeError::NullCharacter {
            field: "response topic",
        },
        0x81,
    );
    let p = as_variant!(accepted(v5("30 08 00 01 61 04 08 00 01 72")), Publish);
    assert_eq!(p.properties.response_topic, Some(name("r")));
    encodes_to(&Packet::Publish(p), "30 08 00 01 61 04 08 00 01 72");
}

/// The Content Type must be a valid UTF-8 string.
#[test]
fn mqtt_3_3_2_19_content_type_utf8() {
    rejected(
        v5("30 08 00 01 61 04 03 00 01 FF"),
        DecodeError::InvalidUtf8 {
            field: "property value",
        },
        0x81,
    );
    rejected(
        v5("30 08 00 01 61 04 03 00 01 00"),
        DecodeError::NullCharacter {
            field: "property value",
        },
        0x81,
    );
    let p = as_variant!(accepted(v5("30 08 00 01 61 04 03 00 01 74")), Publish);
    assert_eq!(p.properties.content_type, Some(s("t")));
    encodes_to(&Packet::Publish(p), "30 08 00 01 61 04 03 00 01 74");
}

/// A client-to-server PUBLISH never includes a Subscription Identifier.
#[test]
fn mqtt_3_3_4_6_no_subscription_id_from_client() {
    let wire = "30 06 00 01 61 02 0B 01";
    rejected(
        from_client(wire),
        DecodeError::SubscriptionIdFromClient,
        0x82,
    );
    accepted(from_client("30 04 00 01 61 00"));
    // The same bytes from the server are fine.
    let p = as_variant!(accepted(from_server(wire)), Publish);
    let ids: Vec<u32> = p.subscription_ids.iter().map(SubscriptionId::get).collect();
    assert_eq!(ids, [1]);
    // A client encoder refuses; a server encoder writes it.
    let e = encode_with(&Encoder::client(V5), &Packet::Publish(p.clone())).unwrap_err();
    assert!(matches!(
        e,
        EncodeError::InvalidField {
            field: "subscription identifiers",
            ..
        }
    ));
    assert_eq!(
        encode_with(&Encoder::server(V5), &Packet::Publish(p)).unwrap(),
        hex(wire).to_vec()
    );
}

// ---------------------------------------------------------------------------------------------
// 3.4 - 3.7 PUBACK, PUBREC, PUBREL, PUBCOMP
// ---------------------------------------------------------------------------------------------

/// The PUBACK reason code must be one of the PUBACK reason codes.
#[test]
fn mqtt_3_4_2_1_puback_reason_code_valid() {
    rejected(
        v5("40 03 00 01 92"),
        DecodeError::InvalidReasonCode {
            packet: PacketType::PubAck,
            code: 0x92,
        },
        0x82,
    );
    let a = as_variant!(accepted(v5("40 03 00 01 10")), PubAck);
    assert_eq!(a.reason_code, ReasonCode::NO_MATCHING_SUBSCRIBERS);
    encodes_to(&Packet::PubAck(a), "40 03 00 01 10");
    let bad = PubAck::with_reason(id(1), ReasonCode::PACKET_IDENTIFIER_NOT_FOUND);
    assert_eq!(
        encode_with(&Encoder::new(V5), &Packet::PubAck(bad)),
        Err(EncodeError::InvalidReasonCode {
            packet: PacketType::PubAck,
            code: 0x92
        })
    );
}

/// The PUBREC reason code must be one of the PUBREC reason codes.
#[test]
fn mqtt_3_5_2_1_pubrec_reason_code_valid() {
    rejected(
        v5("50 03 00 01 92"),
        DecodeError::InvalidReasonCode {
            packet: PacketType::PubRec,
            code: 0x92,
        },
        0x82,
    );
    let r = as_variant!(accepted(v5("50 03 00 01 10")), PubRec);
    assert_eq!(r.reason_code, ReasonCode::NO_MATCHING_SUBSCRIBERS);
    encodes_to(&Packet::PubRec(r), "50 03 00 01 10");
    let bad = PubRec::with_reason(id(1), ReasonCode::PACKET_IDENTIFIER_NOT_FOUND);
    assert_eq!(
        encode_with(&Encoder::new(V5), &Packet::PubRec(bad)),
        Err(EncodeError::InvalidReasonCode {
            packet: PacketType::PubRec,
            code: 0x92
        })
    );
}

/// PUBREL fixed-header flags must be 0010; any other value is malformed.
#[test]
fn mqtt_3_6_1_1_pubrel_flags() {
    for flags in (0..16u8).filter(|&f| f != 0b0010) {
        rejected(
            v5(&format!("6{flags:X} 02 00 01")),
            DecodeError::InvalidFlags {
                packet: PacketType::PubRel,
                flags,
            },
            0x81,
        );
    }
    let r = as_variant!(accepted(v5("62 02 00 01")), PubRel);
    assert_eq!(r.packet_id, id(1));
    encodes_to(&Packet::PubRel(r), "62 02 00 01");
}

/// The PUBREL reason code must be one of the PUBREL reason codes.
#[test]
fn mqtt_3_6_2_1_pubrel_reason_code_valid() {
    rejected(
        v5("62 03 00 01 10"),
        DecodeError::InvalidReasonCode {
            packet: PacketType::PubRel,
            code: 0x10,
        },
        0x82,
    );
    let r = as_variant!(accepted(v5("62 03 00 01 92")), PubRel);
    assert_eq!(r.reason_code, ReasonCode::PACKET_IDENTIFIER_NOT_FOUND);
    encodes_to(&Packet::PubRel(r), "62 03 00 01 92");
    let bad = PubRel::with_reason(id(1), ReasonCode::NO_MATCHING_SUBSCRIBERS);
    assert_eq!(
        encode_with(&Encoder::new(V5), &Packet::PubRel(bad)),
        Err(EncodeError::InvalidReasonCode {
            packet: PacketType::PubRel,
            code: 0x10
        })
    );
}

/// The PUBCOMP reason code must be one of the PUBCOMP reason codes.
#[test]
fn mqtt_3_7_2_1_pubcomp_reason_code_valid() {
    rejected(
        v5("70 03 00 01 10"),
        DecodeError::InvalidReasonCode {
            packet: PacketType::PubComp,
            code: 0x10,
        },
        0x82,
    );
    let c = as_variant!(accepted(v5("70 03 00 01 92")), PubComp);
    assert_eq!(c.reason_code, ReasonCode::PACKET_IDENTIFIER_NOT_FOUND);
    encodes_to(&Packet::PubComp(c), "70 03 00 01 92");
    let bad = PubComp::with_reason(id(1), ReasonCode::NO_MATCHING_SUBSCRIBERS);
    assert_eq!(
        encode_with(&Encoder::new(V5), &Packet::PubComp(bad)),
        Err(EncodeError::InvalidReasonCode {
            packet: PacketType::PubComp,
            code: 0x10
        })
    );
}

// ---------------------------------------------------------------------------------------------
// 3.8 - 3.11 SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK
// ---------------------------------------------------------------------------------------------

/// SUBSCRIBE fixed-header flags must be 0010; otherwise malformed.
#[test]
fn mqtt_3_8_1_1_subscribe_flags() {
    for flags in (0..16u8).filter(|&f| f != 0b0010) {
        rejected(
            from_client(&format!("8{flags:X} 07 00 01 00 00 01 61 00")),
            DecodeError::InvalidFlags {
                packet: PacketType::Subscribe,
                flags,
            },
            0x81,
        );
    }
    let sub = as_variant!(
        accepted(from_client("82 07 00 01 00 00 01 61 00")),
        Subscribe
    );
    encodes_to(&Packet::Subscribe(sub), "82 07 00 01 00 00 01 61 00");
}

/// Each SUBSCRIBE Topic Filter is a valid UTF-8 string.
#[test]
fn mqtt_3_8_3_1_subscribe_filter_utf8() {
    rejected(
        from_client("82 07 00 01 00 00 01 FF 00"),
        DecodeError::InvalidUtf8 {
            field: "topic filter",
        },
        0x81,
    );
    rejected(
        from_client("82 07 00 01 00 00 01 00 00"),
        DecodeError::NullCharacter {
            field: "topic filter",
        },
        0x81,
    );
    rejected(
        from_client("82 09 00 01 00 00 03 ED A0 80 00"),
        DecodeError::InvalidUtf8 {
            field: "topic filter",
        },
        0x81,
    );
    let sub = as_variant!(
        accepted(from_client("82 07 00 01 00 00 01 61 00")),
        Subscribe
    );
    assert_eq!(sub.subscriptions[0].filter, filter("a"));
}

/// The SUBSCRIBE payload holds at least one Topic Filter and Subscription Options pair.
#[test]
fn mqtt_3_8_3_2_subscribe_needs_a_filter() {
    rejected(
        from_client("82 03 00 01 00"),
        DecodeError::NoTopicFilters {
            packet: PacketType::Subscribe,
        },
        0x82,
    );
    // A filter without its options byte is not a pair.
    rejected(
        from_client("82 06 00 01 00 00 01 61"),
        DecodeError::UnexpectedEnd {
            field: "subscription options",
        },
        0x81,
    );
    let sub = as_variant!(
        accepted(from_client("82 07 00 01 00 00 01 61 00")),
        Subscribe
    );
    assert_eq!(sub.subscriptions.len(), 1);
    let e = encode_with(
        &Encoder::client(V5),
        &Packet::Subscribe(Subscribe::new(id(1), vec![])),
    );
    assert!(
        matches!(
            e,
            Err(EncodeError::InvalidField {
                field: "subscriptions",
                ..
            })
        ),
        "{e:?}"
    );
}

/// Non-zero reserved bits (7-6) of the Subscription Options make the SUBSCRIBE malformed.
#[test]
fn mqtt_3_8_3_5_subscription_options_reserved_bits() {
    for options in [0x40u8, 0x80, 0xC0, 0x6E] {
        rejected(
            from_client(&format!("82 07 00 01 00 00 01 61 {options:02X}")),
            DecodeError::InvalidSubscriptionOptions { options },
            0x81,
        );
    }
    // Every other bit in use: QoS 2, No Local, Retain As Published, Retain Handling 2.
    let sub = as_variant!(
        accepted(from_client("82 07 00 01 00 00 01 61 2E")),
        Subscribe
    );
    let o = sub.subscriptions[0].options;
    assert_eq!(o.qos, QoS::ExactlyOnce);
    assert!(o.no_local);
    assert!(o.retain_as_published);
    assert_eq!(o.retain_handling, RetainHandling::DoNotSend);
    assert_eq!(o.to_byte(), 0x2E);
    encodes_to(&Packet::Subscribe(sub), "82 07 00 01 00 00 01 61 2E");
}

/// Each SUBACK entry is a valid Subscribe Reason Code, one per filter received.
#[test]
fn mqtt_3_9_3_2_suback_reason_codes_valid() {
    rejected(
        from_server("90 04 00 01 00 03"),
        DecodeError::InvalidReasonCode {
            packet: PacketType::SubAck,
            code: 0x03,
        },
        0x82,
    );
    rejected(
        from_server("90 06 00 01 00 00 01 10"),
        DecodeError::InvalidReasonCode {
            packet: PacketType::SubAck,
            code: 0x10,
        },
        0x82,
    );
    rejected(
        from_server("90 03 00 01 00"),
        DecodeError::NoReasonCodes {
            packet: PacketType::SubAck,
        },
        0x81,
    );
    let ack = as_variant!(accepted(from_server("90 06 00 01 00 00 01 80")), SubAck);
    assert_eq!(
        ack.reason_codes,
        [ReasonCode(0), ReasonCode(1), ReasonCode(0x80)]
    );
    encodes_to(&Packet::SubAck(ack), "90 06 00 01 00 00 01 80");
    let bad = SubAck::new(id(1), vec![ReasonCode(0x03)]);
    assert_eq!(
        encode_with(&Encoder::server(V5), &Packet::SubAck(bad)),
        Err(EncodeError::InvalidReasonCode {
            packet: PacketType::SubAck,
            code: 0x03
        })
    );
    let e = encode_with(
        &Encoder::server(V5),
        &Packet::SubAck(SubAck::new(id(1), vec![])),
    );
    assert!(
        matches!(
            e,
            Err(EncodeError::InvalidField {
                field: "reason codes",
                ..
            })
        ),
        "{e:?}"
    );
}

/// UNSUBSCRIBE fixed-header flags must be 0010; otherwise malformed.
#[test]
fn mqtt_3_10_1_1_unsubscribe_flags() {
    for flags in (0..16u8).filter(|&f| f != 0b0010) {
        rejected(
            from_client(&format!("A{flags:X} 06 00 01 00 00 01 61")),
            DecodeError::InvalidFlags {
                packet: PacketType::Unsubscribe,
                flags,
            },
            0x81,
        );
    }
    let u = as_variant!(
        accepted(from_client("A2 06 00 01 00 00 01 61")),
        Unsubscribe
    );
    encodes_to(&Packet::Unsubscribe(u), "A2 06 00 01 00 00 01 61");
}

/// Each UNSUBSCRIBE Topic Filter is a valid UTF-8 string.
#[test]
fn mqtt_3_10_3_1_unsubscribe_filter_utf8() {
    rejected(
        from_client("A2 06 00 01 00 00 01 FF"),
        DecodeError::InvalidUtf8 {
            field: "topic filter",
        },
        0x81,
    );
    rejected(
        from_client("A2 06 00 01 00 00 01 00"),
        DecodeError::NullCharacter {
            field: "topic filter",
        },
        0x81,
    );
    let u = as_variant!(
        accepted(from_client("A2 06 00 01 00 00 01 61")),
        Unsubscribe
    );
    assert_eq!(u.filters, [filter("a")]);
}

/// The UNSUBSCRIBE payload holds at least one Topic Filter.
#[test]
fn mqtt_3_10_3_2_unsubscribe_needs_a_filter() {
    rejected(
        from_client("A2 03 00 01 00"),
        DecodeError::NoTopicFilters {
            packet: PacketType::Unsubscribe,
        },
        0x82,
    );
    let u = as_variant!(
        accepted(from_client("A2 09 00 01 00 00 01 61 00 01 62")),
        Unsubscribe
    );
    assert_eq!(u.filters, [filter("a"), filter("b")]);
    let e = encode_with(
        &Encoder::client(V5),
        &Packet::Unsubscribe(Unsubscribe::new(id(1), vec![])),
    );
    assert!(
        matches!(
            e,
            Err(EncodeError::InvalidField {
                field: "filters",
                ..
            })
        ),
        "{e:?}"
    );
}

/// Each UNSUBACK entry is a valid Unsubscribe Reason Code, one per filter received.
#[test]
fn mqtt_3_11_3_2_unsuback_reason_codes_valid() {
    rejected(
        from_server("B0 04 00 01 00 02"),
        DecodeError::InvalidReasonCode {
            packet: PacketType::UnsubAck,
            code: 0x02,
        },
        0x82,
    );
    rejected(
        from_server("B0 03 00 01 00"),
        DecodeError::NoReasonCodes {
            packet: PacketType::UnsubAck,
        },
        0x81,
    );
    let ack = as_variant!(accepted(from_server("B0 05 00 01 00 00 11")), UnsubAck);
    assert_eq!(
        ack.reason_codes,
        [ReasonCode::SUCCESS, ReasonCode::NO_SUBSCRIPTION_EXISTED]
    );
    encodes_to(&Packet::UnsubAck(ack), "B0 05 00 01 00 00 11");
    let bad = UnsubAck::new(id(1), vec![ReasonCode::GRANTED_QOS_2]);
    assert_eq!(
        encode_with(&Encoder::server(V5), &Packet::UnsubAck(bad)),
        Err(EncodeError::InvalidReasonCode {
            packet: PacketType::UnsubAck,
            code: 0x02
        })
    );
}

// ---------------------------------------------------------------------------------------------
// 3.14 DISCONNECT, 3.15 AUTH
// ---------------------------------------------------------------------------------------------

/// DISCONNECT reserved header bits must be 0; otherwise Malformed Packet (0x81).
#[test]
fn mqtt_3_14_1_1_disconnect_flags() {
    for flags in 1..16u8 {
        rejected(
            v5(&format!("E{flags:X} 00")),
            DecodeError::InvalidFlags {
                packet: PacketType::Disconnect,
                flags,
            },
            0x81,
        );
    }
    assert_eq!(accepted(v5("E0 00")), Packet::Disconnect(Disconnect::new()));
    encodes_to(&Packet::Disconnect(Disconnect::new()), "E0 00");
}

/// The DISCONNECT reason code must be one of the Disconnect Reason Codes.
#[test]
fn mqtt_3_14_2_1_disconnect_reason_code_valid() {
    for code in [0x01u8, 0x10, 0x84, 0x91] {
        rejected(
            v5(&format!("E0 01 {code:02X}")),
            DecodeError::InvalidReasonCode {
                packet: PacketType::Disconnect,
                code,
            },
            0x82,
        );
        assert_eq!(
            encode_with(
                &Encoder::new(V5),
                &Packet::Disconnect(Disconnect::with_reason(ReasonCode(code)))
            ),
            Err(EncodeError::InvalidReasonCode {
                packet: PacketType::Disconnect,
                code
            })
        );
    }
    let d = as_variant!(accepted(v5("E0 01 04")), Disconnect);
    assert_eq!(d.reason_code, ReasonCode::DISCONNECT_WITH_WILL_MESSAGE);
    encodes_to(&Packet::Disconnect(d), "E0 01 04");
}

/// A DISCONNECT sent by the server never carries a Session Expiry Interval.
#[test]
fn mqtt_3_14_2_2_no_session_expiry_from_server() {
    let wire = "E0 07 00 05 11 00 00 00 0A";
    rejected(
        from_server(wire),
        DecodeError::SessionExpiryFromServer,
        0x82,
    );
    // From the client it is allowed.
    let d = as_variant!(accepted(from_client(wire)), Disconnect);
    assert_eq!(d.properties.session_expiry_interval, Some(10));
    // A server DISCONNECT with another property is fine.
    let from_srv = as_variant!(accepted(from_server("E0 06 00 04 1F 00 01 61")), Disconnect);
    assert_eq!(from_srv.properties.reason_string, Some(s("a")));
    let e = encode_with(&Encoder::server(V5), &Packet::Disconnect(d.clone())).unwrap_err();
    assert!(matches!(
        e,
        EncodeError::InvalidField {
            field: "session expiry interval",
            ..
        }
    ));
    assert_eq!(
        encode_with(&Encoder::client(V5), &Packet::Disconnect(d)).unwrap(),
        hex(wire).to_vec()
    );
}

/// AUTH fixed-header flags must all be 0; otherwise malformed.
#[test]
fn mqtt_3_15_1_1_auth_flags() {
    for flags in 1..16u8 {
        rejected(
            v5(&format!("F{flags:X} 00")),
            DecodeError::InvalidFlags {
                packet: PacketType::Auth,
                flags,
            },
            0x81,
        );
    }
    assert_eq!(
        accepted(v5("F0 00")),
        Packet::Auth(Auth::new(ReasonCode::SUCCESS))
    );
    encodes_to(&Packet::Auth(Auth::new(ReasonCode::SUCCESS)), "F0 00");
}

/// The AUTH reason code must be one of the Authenticate Reason Codes.
#[test]
fn mqtt_3_15_2_1_auth_reason_code_valid() {
    for code in [0x01u8, 0x80, 0x87, 0x8C] {
        rejected(
            v5(&format!("F0 06 {code:02X} 04 15 00 01 78")),
            DecodeError::InvalidReasonCode {
                packet: PacketType::Auth,
                code,
            },
            0x82,
        );
        assert_eq!(
            encode_with(
                &Encoder::new(V5),
                &Packet::Auth(Auth::new(ReasonCode(code)))
            ),
            Err(EncodeError::InvalidReasonCode {
                packet: PacketType::Auth,
                code
            })
        );
    }
    let a = as_variant!(accepted(v5("F0 06 18 04 15 00 01 78")), Auth);
    assert_eq!(a.reason_code, ReasonCode::CONTINUE_AUTHENTICATION);
    assert_eq!(a.properties.authentication_method, Some(s("x")));
    encodes_to(&Packet::Auth(a), "F0 06 18 04 15 00 01 78");
}

// ---------------------------------------------------------------------------------------------
// 6 WebSocket: packets do not align with frames
// ---------------------------------------------------------------------------------------------

/// Packets need not align with transport frames: the decoder handles partial packets and
/// several packets in one buffer.
#[test]
fn mqtt_6_0_0_2_partial_and_multiple_packets() {
    // PUBLISH QoS 1 "a/b" id 7 with a Message Expiry Interval, PINGREQ, DISCONNECT 0x04.
    let stream = hex("32 0F 00 03 61 2F 62 00 07 05 02 00 00 00 0A 68 69  C0 00  E0 01 04");
    let mut publish = Publish::new(name("a/b"), &b"hi"[..]);
    publish.delivery = Delivery::AtLeastOnce(id(7));
    publish.properties.message_expiry_interval = Some(10);
    let expected = vec![
        Packet::Publish(publish),
        Packet::PingReq,
        Packet::Disconnect(Disconnect::with_reason(
            ReasonCode::DISCONNECT_WITH_WILL_MESSAGE,
        )),
    ];

    // Several packets in one buffer.
    let mut decoder = Decoder::new(V5, Limits::default());
    let mut rx = stream.clone();
    let mut got = Vec::new();
    while let Some(p) = decoder.decode(&mut rx).unwrap() {
        got.push(p);
    }
    assert_eq!(got, expected);
    assert!(rx.is_empty());

    // One byte at a time: `Ok(None)` consumes nothing until a packet is complete.
    let mut decoder = Decoder::new(V5, Limits::default());
    let mut rx = BytesMut::new();
    let mut got = Vec::new();
    for &byte in stream.iter() {
        rx.extend_from_slice(&[byte]);
        let before = rx.len();
        match decoder.decode(&mut rx).unwrap() {
            Some(p) => {
                assert!(rx.is_empty());
                got.push(p);
            }
            None => assert_eq!(rx.len(), before),
        }
    }
    assert_eq!(got, expected);

    // Every split into two chunks gives the same packets, with a partial one left in place.
    for cut in 0..=stream.len() {
        let mut decoder = Decoder::new(V5, Limits::default());
        let mut rx = BytesMut::from(&stream[..cut]);
        let mut got = Vec::new();
        while let Some(p) = decoder.decode(&mut rx).unwrap() {
            got.push(p);
        }
        rx.extend_from_slice(&stream[cut..]);
        while let Some(p) = decoder.decode(&mut rx).unwrap() {
            got.push(p);
        }
        assert_eq!(got, expected, "cut at {cut}");
        assert!(rx.is_empty());
    }

    // Two and a half packets: the half stays buffered.
    let mut decoder = Decoder::new(V5, Limits::default());
    let mut rx = BytesMut::from(&stream[..stream.len() - 1]);
    assert_eq!(
        decoder.decode(&mut rx).unwrap().as_ref(),
        Some(&expected[0])
    );
    assert_eq!(
        decoder.decode(&mut rx).unwrap().as_ref(),
        Some(&expected[1])
    );
    assert_eq!(decoder.decode(&mut rx).unwrap(), None);
    assert_eq!(&rx[..], &[0xE0, 0x01]);
}

// ---------------------------------------------------------------------------------------------
// Un-numbered rules of the spec README (properties §5, short forms §4, reason codes §6)
// ---------------------------------------------------------------------------------------------

/// Including a property more than once is a Protocol Error (except User Property, and
/// Subscription Identifier in a server-to-client PUBLISH).
#[test]
fn v5_duplicate_property_protocol_error() {
    type Case = (
        fn(&str) -> Result<Packet, DecodeError>,
        &'static str,
        &'static str,
        u8,
    );
    let cases: [Case; 11] = [
        // PUBLISH Message Expiry Interval.
        (
            v5,
            "30 0E 00 01 61 0A 02 00 00 00 01 02 00 00 00 02",
            "30 09 00 01 61 05 02 00 00 00 01",
            0x02,
        ),
        // PUBLISH Topic Alias.
        (
            v5,
            "30 0A 00 01 61 06 23 00 01 23 00 02",
            "30 07 00 01 61 03 23 00 01",
            0x23,
        ),
        // PUBLISH Payload Format Indicator.
        (
            v5,
            "30 08 00 01 61 04 01 01 01 01",
            "30 06 00 01 61 02 01 01",
            0x01,
        ),
        // CONNECT Session Expiry Interval.
        (
            connect,
            "10 18 00 04 4D 51 54 54 05 02 00 3C 0A 11 00 00 00 01 11 00 00 00 02 00 01 61",
            "10 13 00 04 4D 51 54 54 05 02 00 3C 05 11 00 00 00 01 00 01 61",
            0x11,
        ),
        // Will Delay Interval.
        (
            connect,
            "10 20 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 0A 18 00 00 00 01 18 00 00 00 02 \
             00 01 77 00 02 68 69",
            "10 1B 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 05 18 00 00 00 01 \
             00 01 77 00 02 68 69",
            0x18,
        ),
        // CONNACK Reason String and Receive Maximum.
        (
            from_server,
            "20 0B 00 00 08 1F 00 01 61 1F 00 01 62",
            "20 07 00 00 04 1F 00 01 61",
            0x1F,
        ),
        (
            from_server,
            "20 09 00 00 06 21 00 01 21 00 02",
            "20 06 00 00 03 21 00 01",
            0x21,
        ),
        // SUBSCRIBE Subscription Identifier.
        (
            from_client,
            "82 0B 00 01 04 0B 01 0B 02 00 01 61 00",
            "82 09 00 01 02 0B 01 00 01 61 00",
            0x0B,
        ),
        // PUBACK Reason String.
        (
            v5,
            "40 0C 00 01 00 08 1F 00 01 61 1F 00 01 62",
            "40 08 00 01 00 04 1F 00 01 61",
            0x1F,
        ),
        // DISCONNECT Server Reference.
        (
            v5,
            "E0 0A 00 08 1C 00 01 61 1C 00 01 62",
            "E0 06 00 04 1C 00 01 61",
            0x1C,
        ),
        // AUTH Authentication Method.
        (
            v5,
            "F0 0A 18 08 15 00 01 61 15 00 01 62",
            "F0 06 18 04 15 00 01 61",
            0x15,
        ),
    ];
    for (decode, twice, once, prop) in cases {
        rejected(
            decode(twice),
            DecodeError::DuplicateProperty { id: prop },
            0x82,
        );
        accepted(decode(once));
    }
}

/// User Property may appear more than once, with the same name, in every packet that has
/// properties.
#[test]
fn v5_user_property_may_repeat() {
    let p = as_variant!(
        accepted(from_client(
            "30 12 00 01 61 0E 26 00 01 61 00 01 31 26 00 01 61 00 01 32"
        )),
        Publish
    );
    assert_eq!(
        pairs(&p.properties.user_properties),
        owned_pairs(&[("a", "1"), ("a", "2")])
    );
    let c = as_variant!(
        accepted(connect(
            "10 1C 00 04 4D 51 54 54 05 02 00 3C 0E 26 00 01 61 00 01 31 26 00 01 61 00 01 32 \
             00 01 61"
        )),
        Connect
    );
    assert_eq!(c.properties.user_properties.len(), 2);
}

/// Subscription Identifier may repeat in a server-to-client PUBLISH only; never from a client,
/// and once in SUBSCRIBE.
#[test]
fn v5_subscription_identifier_repeats_server_to_client_only() {
    let wire = "30 08 00 01 61 04 0B 01 0B 02";
    let p = as_variant!(accepted(from_server(wire)), Publish);
    let ids: Vec<u32> = p.subscription_ids.iter().map(SubscriptionId::get).collect();
    assert_eq!(ids, [1, 2]);
    encodes_to(&Packet::Publish(p), wire);
    rejected(
        from_client(wire),
        DecodeError::SubscriptionIdFromClient,
        0x82,
    );
    rejected(
        from_client("82 0B 00 01 04 0B 01 0B 02 00 01 61 00"),
        DecodeError::DuplicateProperty { id: 0x0B },
        0x82,
    );
}

/// A property identifier that is not allowed in the packet (README §5 table) is a Malformed
/// Packet.
#[test]
fn v5_property_not_allowed_in_packet_malformed() {
    // Each template holds a property block of one byte: the identifier. An allowed identifier
    // then fails reading its value; any other fails as not allowed, before its value is read.
    let table: [(&str, PacketType, &str, &str); 14] = [
        (
            "CONNECT",
            PacketType::Connect,
            "11 21 27 22 19 17 26 15 16",
            "10 0F 00 04 4D 51 54 54 05 02 00 3C 01 {id} 00 01 61",
        ),
        (
            "Will",
            PacketType::Connect,
            "18 01 02 03 08 09 26",
            "10 17 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 01 {id} 00 01 77 00 02 68 69",
        ),
        (
            "CONNACK",
            PacketType::ConnAck,
            "11 21 24 25 27 12 22 1F 26 28 29 2A 13 1A 1C 15 16",
            "20 04 00 00 01 {id}",
        ),
        (
            "PUBLISH",
            PacketType::Publish,
            "01 02 23 08 09 26 0B 03",
            "30 05 00 01 61 01 {id}",
        ),
        (
            "PUBACK",
            PacketType::PubAck,
            "1F 26",
            "40 05 00 01 00 01 {id}",
        ),
        (
            "PUBREC",
            PacketType::PubRec,
            "1F 26",
            "50 05 00 01 00 01 {id}",
        ),
        (
            "PUBREL",
            PacketType::PubRel,
            "1F 26",
            "62 05 00 01 00 01 {id}",
        ),
        (
            "PUBCOMP",
            PacketType::PubComp,
            "1F 26",
            "70 05 00 01 00 01 {id}",
        ),
        (
            "SUBSCRIBE",
            PacketType::Subscribe,
            "0B 26",
            "82 08 00 01 01 {id} 00 01 61 00",
        ),
        (
            "SUBACK",
            PacketType::SubAck,
            "1F 26",
            "90 05 00 01 01 {id} 00",
        ),
        (
            "UNSUBSCRIBE",
            PacketType::Unsubscribe,
            "26",
            "A2 07 00 01 01 {id} 00 01 61",
        ),
        (
            "UNSUBACK",
            PacketType::UnsubAck,
            "1F 26",
            "B0 05 00 01 01 {id} 00",
        ),
        (
            "DISCONNECT",
            PacketType::Disconnect,
            "11 1F 26 1C",
            "E0 03 00 01 {id}",
        ),
        ("AUTH", PacketType::Auth, "15 16 1F 26", "F0 03 00 01 {id}"),
    ];
    for (what, packet, allowed, template) in table {
        let allowed = codes(allowed);
        for prop in 0..=0x7Fu8 {
            let wire = template.replace("{id}", &format!("{prop:02X}"));
            let e = v5(&wire).unwrap_err();
            if allowed.contains(&prop) {
                assert!(
                    matches!(e, DecodeError::UnexpectedEnd { .. }),
                    "{what}: property {prop:#04x} is allowed, got {e:?}"
                );
            } else {
                assert_eq!(
                    e,
                    DecodeError::PropertyNotAllowed { id: prop, packet },
                    "{what}"
                );
                assert_eq!(e.reason_code(), ReasonCode::MALFORMED_PACKET, "{what}");
            }
        }
    }
    // Specific cases with complete values: Maximum QoS (CONNACK only) in PUBLISH, Session
    // Expiry Interval in PUBACK, Will Delay Interval among the CONNECT properties, Topic Alias
    // in the Will Properties.
    rejected(
        v5("30 06 00 01 61 02 24 01"),
        DecodeError::PropertyNotAllowed {
            id: 0x24,
            packet: PacketType::Publish,
        },
        0x81,
    );
    rejected(
        v5("40 09 00 01 00 05 11 00 00 00 0A"),
        DecodeError::PropertyNotAllowed {
            id: 0x11,
            packet: PacketType::PubAck,
        },
        0x81,
    );
    rejected(
        connect("10 13 00 04 4D 51 54 54 05 02 00 3C 05 18 00 00 00 01 00 01 61"),
        DecodeError::PropertyNotAllowed {
            id: 0x18,
            packet: PacketType::Connect,
        },
        0x81,
    );
    rejected(
        connect("10 19 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 03 23 00 01 00 01 77 00 02 68 69"),
        DecodeError::PropertyNotAllowed {
            id: 0x23,
            packet: PacketType::Connect,
        },
        0x81,
    );
}

/// A property identifier that the spec does not define is a Malformed Packet.
#[test]
fn v5_unknown_property_id_malformed() {
    for prop in [0x00u8, 0x04, 0x2B, 0x7F] {
        rejected(
            v5(&format!("E0 04 00 02 {prop:02X} 00")),
            DecodeError::PropertyNotAllowed {
                id: prop,
                packet: PacketType::Disconnect,
            },
            0x81,
        );
    }
    // Identifiers are Variable Byte Integers: 128 (80 01) is not a defined one, nor is 256
    // (80 02, reported as 0xFF since it does not fit a byte).
    rejected(
        v5("E0 04 00 02 80 01"),
        DecodeError::PropertyNotAllowed {
            id: 0x80,
            packet: PacketType::Disconnect,
        },
        0x81,
    );
    rejected(
        v5("E0 04 00 02 80 02"),
        DecodeError::PropertyNotAllowed {
            id: 0xFF,
            packet: PacketType::Disconnect,
        },
        0x81,
    );
    accepted(v5("E0 06 00 04 1F 00 01 61"));
}

/// Receive Maximum 0 is a Protocol Error.
#[test]
fn v5_receive_maximum_zero_protocol_error() {
    rejected(
        connect("10 11 00 04 4D 51 54 54 05 02 00 3C 03 21 00 00 00 01 61"),
        DecodeError::InvalidPropertyValue { id: 0x21, value: 0 },
        0x82,
    );
    let c = as_variant!(
        accepted(connect(
            "10 11 00 04 4D 51 54 54 05 02 00 3C 03 21 00 01 00 01 61"
        )),
        Connect
    );
    assert_eq!(c.properties.receive_maximum.map(|v| v.get()), Some(1));
    rejected(
        from_server("20 06 00 00 03 21 00 00"),
        DecodeError::InvalidPropertyValue { id: 0x21, value: 0 },
        0x82,
    );
    let a = as_variant!(accepted(from_server("20 06 00 00 03 21 FF FF")), ConnAck);
    assert_eq!(a.properties.receive_maximum.map(|v| v.get()), Some(65_535));
}

/// Maximum Packet Size 0 is a Protocol Error.
#[test]
fn v5_maximum_packet_size_zero_protocol_error() {
    rejected(
        connect("10 13 00 04 4D 51 54 54 05 02 00 3C 05 27 00 00 00 00 00 01 61"),
        DecodeError::InvalidPropertyValue { id: 0x27, value: 0 },
        0x82,
    );
    let c = as_variant!(
        accepted(connect(
            "10 13 00 04 4D 51 54 54 05 02 00 3C 05 27 00 00 00 01 00 01 61"
        )),
        Connect
    );
    assert_eq!(c.properties.maximum_packet_size, NonZeroU32::new(1));
    rejected(
        from_server("20 08 00 00 05 27 00 00 00 00"),
        DecodeError::InvalidPropertyValue { id: 0x27, value: 0 },
        0x82,
    );
    accepted(from_server("20 08 00 00 05 27 00 00 01 00"));
}

/// Maximum QoS (CONNACK) is 0 or 1; 2 (the default, never sent) or more is a Protocol Error.
#[test]
fn v5_maximum_qos_2_protocol_error() {
    for value in [2u8, 3] {
        rejected(
            from_server(&format!("20 05 00 00 02 24 {value:02X}")),
            DecodeError::InvalidPropertyValue {
                id: 0x24,
                value: value.into(),
            },
            0x82,
        );
    }
    for (value, qos) in [(0u8, QoS::AtMostOnce), (1, QoS::AtLeastOnce)] {
        let wire = format!("20 05 00 00 02 24 {value:02X}");
        let a = as_variant!(accepted(from_server(&wire)), ConnAck);
        assert_eq!(a.properties.maximum_qos, Some(qos));
        encodes_to(&Packet::ConnAck(a), &wire);
    }
}

/// A Byte property defined as 0 or 1 with the value 2 is a Protocol Error.
#[test]
fn v5_byte_property_value_2_protocol_error() {
    type Case = (fn(&str) -> Result<Packet, DecodeError>, u8, &'static str);
    let cases: [Case; 8] = [
        (from_server, 0x25, "20 05 00 00 02 25 {v}"),
        (from_server, 0x28, "20 05 00 00 02 28 {v}"),
        (from_server, 0x29, "20 05 00 00 02 29 {v}"),
        (from_server, 0x2A, "20 05 00 00 02 2A {v}"),
        (
            connect,
            0x17,
            "10 10 00 04 4D 51 54 54 05 02 00 3C 02 17 {v} 00 01 61",
        ),
        (
            connect,
            0x19,
            "10 10 00 04 4D 51 54 54 05 02 00 3C 02 19 {v} 00 01 61",
        ),
        (v5, 0x01, "30 06 00 01 61 02 01 {v}"),
        (
            connect,
            0x01,
            "10 18 00 04 4D 51 54 54 05 06 00 3C 00 00 01 61 02 01 {v} 00 01 77 00 02 68 69",
        ),
    ];
    for (decode, prop, template) in cases {
        rejected(
            decode(&template.replace("{v}", "02")),
            DecodeError::InvalidPropertyValue { id: prop, value: 2 },
            0x82,
        );
        accepted(decode(&template.replace("{v}", "00")));
        accepted(decode(&template.replace("{v}", "01")));
    }
    let p = as_variant!(accepted(v5("30 06 00 01 61 02 01 01")), Publish);
    assert_eq!(
        p.properties.payload_format_indicator,
        Some(PayloadFormat::Utf8)
    );
}

/// Subscription Identifier 0 is a Protocol Error.
#[test]
fn v5_subscription_identifier_zero_protocol_error() {
    rejected(
        from_client("82 09 00 01 02 0B 00 00 01 61 00"),
        DecodeError::InvalidPropertyValue { id: 0x0B, value: 0 },
        0x82,
    );
    rejected(
        from_server("30 06 00 01 61 02 0B 00"),
        DecodeError::InvalidPropertyValue { id: 0x0B, value: 0 },
        0x82,
    );
    // The range ends at 268,435,455 (FF FF FF 7F).
    let sub = as_variant!(
        accepted(from_client("82 0C 00 01 05 0B FF FF FF 7F 00 01 61 00")),
        Subscribe
    );
    assert_eq!(
        sub.properties
            .subscription_identifier
            .map(SubscriptionId::get),
        Some(268_435_455)
    );
    assert_eq!(SubscriptionId::new(0), None);
}

/// Topic Alias 0 is refused with 0x94 Topic Alias invalid, in both directions.
#[test]
fn v5_topic_alias_zero_topic_alias_invalid() {
    rejected(
        from_server("30 07 00 01 61 03 23 00 00"),
        DecodeError::TopicAliasZero,
        0x94,
    );
    rejected(
        from_client("30 07 00 01 61 03 23 00 00"),
        DecodeError::TopicAliasZero,
        0x94,
    );
    let p = as_variant!(accepted(from_server("30 06 00 00 03 23 FF FF")), Publish);
    assert_eq!(p.topic.alias().map(|a| a.get()), Some(65_535));
}

/// Authentication Data without an Authentication Method is a Protocol Error.
#[test]
fn v5_auth_data_without_method_protocol_error() {
    rejected(
        connect("10 12 00 04 4D 51 54 54 05 02 00 3C 04 16 00 01 78 00 01 61"),
        DecodeError::AuthDataWithoutMethod,
        0x82,
    );
    // The method may come after the data.
    let c = as_variant!(
        accepted(connect(
            "10 16 00 04 4D 51 54 54 05 02 00 3C 08 16 00 01 78 15 00 01 6D 00 01 61"
        )),
        Connect
    );
    assert_eq!(c.properties.authentication_method, Some(s("m")));
    rejected(
        from_server("20 07 00 00 04 16 00 01 78"),
        DecodeError::AuthDataWithoutMethod,
        0x82,
    );
    accepted(from_server("20 0B 00 00 08 15 00 01 6D 16 00 01 78"));
    rejected(
        v5("F0 06 18 04 16 00 01 78"),
        DecodeError::AuthDataWithoutMethod,
        0x82,
    );
    accepted(v5("F0 0A 18 08 15 00 01 6D 16 00 01 78"));
    let mut bad = Connect::new(V5, s("a"));
    bad.properties.authentication_data = Some(BinaryData::copy_from_slice(b"x").unwrap());
    let e = encode_with(&Encoder::client(V5), &Packet::from(bad)).unwrap_err();
    assert!(
        matches!(
            e,
            EncodeError::InvalidField {
                field: "authentication data",
                ..
            }
        ),
        "{e:?}"
    );
}

/// Retain Handling 3 is a Protocol Error.
#[test]
fn v5_retain_handling_3_protocol_error() {
    rejected(
        from_client("82 07 00 01 00 00 01 61 30"),
        DecodeError::InvalidRetainHandling,
        0x82,
    );
    rejected(
        from_client("82 07 00 01 00 00 01 61 3E"),
        DecodeError::InvalidRetainHandling,
        0x82,
    );
    for (byte, handling) in [
        ("00", RetainHandling::SendAtSubscribe),
        ("10", RetainHandling::SendIfNew),
        ("20", RetainHandling::DoNotSend),
    ] {
        let sub = as_variant!(
            accepted(from_client(&format!("82 07 00 01 00 00 01 61 {byte}"))),
            Subscribe
        );
        assert_eq!(sub.subscriptions[0].options.retain_handling, handling);
    }
}

/// Maximum QoS 3 in the Subscription Options is a Protocol Error (5.0 §3.8.3.1); reserved bits
/// take precedence (Malformed).
#[test]
fn v5_subscription_options_qos3_protocol_error() {
    for options in [0x03u8, 0x07, 0x2F] {
        rejected(
            from_client(&format!("82 07 00 01 00 00 01 61 {options:02X}")),
            DecodeError::InvalidSubscriptionOptions { options },
            0x82,
        );
    }
    rejected(
        from_client("82 07 00 01 00 00 01 61 C3"),
        DecodeError::InvalidSubscriptionOptions { options: 0xC3 },
        0x81,
    );
    let sub = as_variant!(
        accepted(from_client("82 07 00 01 00 00 01 61 02")),
        Subscribe
    );
    assert_eq!(sub.subscriptions[0].options.qos, QoS::ExactlyOnce);
}

/// No Local = 1 on a shared subscription is a Protocol Error.
#[test]
fn v5_no_local_on_shared_subscription_protocol_error() {
    // "$share/g/a" with options 04 (No Local).
    let shared = "82 10 00 01 00 00 0A 24 73 68 61 72 65 2F 67 2F 61";
    rejected(
        from_client(&format!("{shared} 04")),
        DecodeError::NoLocalOnSharedSubscription,
        0x82,
    );
    let sub = as_variant!(accepted(from_client(&format!("{shared} 00"))), Subscribe);
    assert_eq!(sub.subscriptions[0].filter.share_group(), Some("g"));
    // No Local on an ordinary filter is fine.
    let sub = as_variant!(
        accepted(from_client("82 07 00 01 00 00 01 61 04")),
        Subscribe
    );
    assert!(sub.subscriptions[0].options.no_local);
    let mut shared_sub = Subscription::new(filter("$share/g/a"), QoS::AtMostOnce);
    shared_sub.options.no_local = true;
    let request = Subscribe::new(id(1), vec![shared_sub]);
    let e = encode_with(&Encoder::client(V5), &Packet::Subscribe(request));
    assert!(
        matches!(
            e,
            Err(EncodeError::InvalidField {
                field: "no local",
                ..
            })
        ),
        "{e:?}"
    );
}

/// Reserved Subscription Options bits (7-6) are a Malformed Packet, alone or with valid bits.
#[test]
fn v5_subscription_options_reserved_bits_malformed() {
    for options in [0x40u8, 0x80, 0xC0, 0x41, 0x9E] {
        rejected(
            from_client(&format!("82 07 00 01 00 00 01 61 {options:02X}")),
            DecodeError::InvalidSubscriptionOptions { options },
            0x81,
        );
    }
    accepted(from_client("82 07 00 01 00 00 01 61 1E"));
}

/// An empty Topic Name without a Topic Alias is a Protocol Error (5.0 §3.3.2.1).
#[test]
fn v5_empty_topic_without_alias_protocol_error() {
    rejected(
        v5("30 03 00 00 00"),
        DecodeError::EmptyTopicWithoutAlias,
        0x82,
    );
    rejected(
        from_client("32 05 00 00 00 01 00"),
        DecodeError::EmptyTopicWithoutAlias,
        0x82,
    );
    let p = as_variant!(accepted(v5("30 06 00 00 03 23 00 01")), Publish);
    assert_eq!(p.topic.name(), None);
    assert_eq!(p.topic.alias().map(|a| a.get()), Some(1));
}

/// 5.0 short forms: PUBACK/PUBREC/PUBREL/PUBCOMP with Remaining Length 2 (success, no
/// properties) and 3 (no Property Length), DISCONNECT with 0 and 1, AUTH with 0.
#[test]
fn v5_short_forms() {
    for (first, code) in [(0x40u8, 0x10u8), (0x50, 0x10), (0x62, 0x92), (0x70, 0x92)] {
        let two = format!("{first:02X} 02 00 01");
        let three = format!("{first:02X} 03 00 01 {code:02X}");
        let four = format!("{first:02X} 04 00 01 {code:02X} 00");
        for (wire, expected) in [(&two, 0u8), (&three, code), (&four, code)] {
            let packet = accepted(v5(wire));
            let (reason, props_empty) = match &packet {
                Packet::PubAck(a) => (a.reason_code, a.properties.is_empty()),
                Packet::PubRec(a) => (a.reason_code, a.properties.is_empty()),
                Packet::PubRel(a) => (a.reason_code, a.properties.is_empty()),
                Packet::PubComp(a) => (a.reason_code, a.properties.is_empty()),
                other => panic!("{other:?}"),
            };
            assert_eq!(reason, ReasonCode(expected), "{wire}");
            assert!(props_empty, "{wire}");
            // The encoder picks the shortest form.
            let short = if expected == 0 { &two } else { &three };
            encodes_to(&packet, short);
        }
        // Remaining Length 1 cannot hold the packet identifier.
        rejected(
            v5(&format!("{first:02X} 01 00")),
            DecodeError::UnexpectedEnd {
                field: "packet identifier",
            },
            0x81,
        );
    }
    assert_eq!(accepted(v5("E0 00")), Packet::Disconnect(Disconnect::new()));
    let d = accepted(v5("E0 01 8E"));
    assert_eq!(
        d,
        Packet::Disconnect(Disconnect::with_reason(ReasonCode::SESSION_TAKEN_OVER))
    );
    encodes_to(&d, "E0 01 8E");
    encodes_to(&Packet::Disconnect(Disconnect::new()), "E0 00");
    assert_eq!(
        accepted(v5("F0 00")),
        Packet::Auth(Auth::new(ReasonCode::SUCCESS))
    );
    // AUTH has no Remaining Length 1 form: the Property Length must follow the reason code.
    rejected(
        v5("F0 01 18"),
        DecodeError::UnexpectedEnd {
            field: "property length",
        },
        0x81,
    );
    accepted(v5("F0 06 18 04 15 00 01 78"));
}

/// A Property Length that runs past the end of the packet is a Malformed Packet.
#[test]
fn v5_property_length_overruns_packet_malformed() {
    rejected(
        v5("40 08 00 01 00 05 1F 00 01 61"),
        DecodeError::UnexpectedEnd {
            field: "properties",
        },
        0x81,
    );
    let a = as_variant!(accepted(v5("40 08 00 01 00 04 1F 00 01 61")), PubAck);
    assert_eq!(a.properties.reason_string, Some(s("a")));
    rejected(
        from_server("20 04 00 00 7F 26"),
        DecodeError::UnexpectedEnd {
            field: "properties",
        },
        0x81,
    );
}

/// A string whose length runs past its property block is a Malformed Packet, even when the
/// packet has bytes left after the block.
#[test]
fn v5_string_overruns_property_block_malformed() {
    rejected(
        v5("E0 0A 00 03 1F 00 05 61 62 63 64 65"),
        DecodeError::UnexpectedEnd {
            field: "property value",
        },
        0x81,
    );
    let d = as_variant!(
        accepted(v5("E0 0A 00 08 1F 00 05 61 62 63 64 65")),
        Disconnect
    );
    assert_eq!(d.properties.reason_string, Some(s("abcde")));
    // The same for a User Property value.
    rejected(
        v5("E0 09 00 05 26 00 01 61 00 01 62"),
        DecodeError::UnexpectedEnd {
            field: "user property value",
        },
        0x81,
    );
}

/// Bytes after the last field of a packet (within its Remaining Length) make it malformed.
#[test]
fn v5_trailing_bytes_malformed() {
    rejected(
        v5("C0 01 00"),
        DecodeError::TrailingBytes {
            packet: PacketType::PingReq,
            count: 1,
        },
        0x81,
    );
    rejected(
        v5("D0 02 00 00"),
        DecodeError::TrailingBytes {
            packet: PacketType::PingResp,
            count: 2,
        },
        0x81,
    );
    rejected(
        v5("40 05 00 01 00 00 00"),
        DecodeError::TrailingBytes {
            packet: PacketType::PubAck,
            count: 1,
        },
        0x81,
    );
    rejected(
        v5("E0 03 00 00 00"),
        DecodeError::TrailingBytes {
            packet: PacketType::Disconnect,
            count: 1,
        },
        0x81,
    );
    rejected(
        from_server("20 04 00 00 00 00"),
        DecodeError::TrailingBytes {
            packet: PacketType::ConnAck,
            count: 1,
        },
        0x81,
    );
    rejected(
        v5("F0 03 00 00 00"),
        DecodeError::TrailingBytes {
            packet: PacketType::Auth,
            count: 1,
        },
        0x81,
    );
    accepted(v5("40 04 00 01 00 00"));
    // decode_frame: a frame longer than its Remaining Length.
    assert_eq!(
        mqtt_codec::decode_frame(V5, Bytes::from_static(&[0xC0, 0x00, 0x00])),
        Err(DecodeError::TrailingBytes {
            packet: PacketType::PingReq,
            count: 1
        })
    );
    assert_eq!(
        mqtt_codec::decode_frame(V5, Bytes::from_static(&[0xC0, 0x00])),
        Ok(Packet::PingReq)
    );
}

/// User Properties keep their order and their duplicates, on decode and on encode.
#[test]
fn v5_user_property_order_and_duplicates_preserved() {
    // (a,1), Message Expiry Interval, (b,2), (a,3).
    let p = as_variant!(
        accepted(from_client(
            "30 1E 00 01 74 1A 26 00 01 61 00 01 31 02 00 00 00 0A 26 00 01 62 00 01 32 \
             26 00 01 61 00 01 33"
        )),
        Publish
    );
    let expected = owned_pairs(&[("a", "1"), ("b", "2"), ("a", "3")]);
    assert_eq!(pairs(&p.properties.user_properties), expected);
    assert_eq!(p.properties.user_properties.get("a").unwrap(), "1");
    assert_eq!(p.properties.message_expiry_interval, Some(10));

    let mut built = Publish::new(name("t"), Bytes::new());
    built.properties.user_properties.push(s("a"), s("1"));
    built.properties.user_properties.push(s("b"), s("2"));
    built.properties.user_properties.push(s("a"), s("3"));
    let wire = "30 19 00 01 74 15 26 00 01 61 00 01 31 26 00 01 62 00 01 32 26 00 01 61 00 01 33";
    encodes_to(&Packet::Publish(built.clone()), wire);
    let again = as_variant!(accepted(v5(wire)), Publish);
    assert_eq!(again, built);
    assert_eq!(pairs(&again.properties.user_properties), expected);
}

/// Checks every reason code value 0x00..=0xFF against the README §6 list for `packet`: the
/// decoder accepts exactly the listed codes (others: Protocol Error), and so does the encoder.
fn check_reason_table(
    packet: PacketType,
    allowed: &str,
    decode: fn(&str) -> Result<Packet, DecodeError>,
    wire: impl Fn(u8) -> String,
    build: impl Fn(ReasonCode) -> Packet,
    read: impl Fn(&Packet) -> ReasonCode,
) {
    let allowed = codes(allowed);
    for code in 0..=0xFFu8 {
        let result = decode(&wire(code));
        let encoded = encode_with(&Encoder::new(V5), &build(ReasonCode(code)));
        if allowed.contains(&code) {
            assert_eq!(
                read(&accepted(result)),
                ReasonCode(code),
                "{packet} {code:#04x}"
            );
            // Whether a sender may use 0x8C in DISCONNECT is left open (Table 3-10 omits it).
            if !(packet == PacketType::Disconnect && code == 0x8C) {
                assert!(encoded.is_ok(), "{packet} {code:#04x}: {encoded:?}");
            }
        } else {
            rejected(
                result,
                DecodeError::InvalidReasonCode { packet, code },
                0x82,
            );
            assert_eq!(
                encoded,
                Err(EncodeError::InvalidReasonCode { packet, code })
            );
        }
    }
}

/// CONNACK accepts only the CONNACK reason codes.
#[test]
fn v5_reason_codes_connack() {
    check_reason_table(
        PacketType::ConnAck,
        "00 80 81 82 83 84 85 86 87 88 89 8A 8C 90 95 97 99 9A 9B 9C 9D 9F",
        from_server,
        |c| format!("20 03 00 {c:02X} 00"),
        |c| Packet::ConnAck(ConnAck::new(false, c)),
        |p| as_variant!(p, ConnAck).reason_code,
    );
}

/// PUBACK accepts only the PUBACK reason codes.
#[test]
fn v5_reason_codes_puback() {
    check_reason_table(
        PacketType::PubAck,
        "00 10 80 83 87 90 91 97 99",
        v5,
        |c| format!("40 03 00 01 {c:02X}"),
        |c| Packet::PubAck(PubAck::with_reason(id(1), c)),
        |p| as_variant!(p, PubAck).reason_code,
    );
}

/// PUBREC accepts only the PUBREC reason codes.
#[test]
fn v5_reason_codes_pubrec() {
    check_reason_table(
        PacketType::PubRec,
        "00 10 80 83 87 90 91 97 99",
        v5,
        |c| format!("50 03 00 01 {c:02X}"),
        |c| Packet::PubRec(PubRec::with_reason(id(1), c)),
        |p| as_variant!(p, PubRec).reason_code,
    );
}

/// PUBREL accepts only the PUBREL reason codes.
#[test]
fn v5_reason_codes_pubrel() {
    check_reason_table(
        PacketType::PubRel,
        "00 92",
        v5,
        |c| format!("62 03 00 01 {c:02X}"),
        |c| Packet::PubRel(PubRel::with_reason(id(1), c)),
        |p| as_variant!(p, PubRel).reason_code,
    );
}

/// PUBCOMP accepts only the PUBCOMP reason codes.
#[test]
fn v5_reason_codes_pubcomp() {
    check_reason_table(
        PacketType::PubComp,
        "00 92",
        v5,
        |c| format!("70 03 00 01 {c:02X}"),
        |c| Packet::PubComp(PubComp::with_reason(id(1), c)),
        |p| as_variant!(p, PubComp).reason_code,
    );
}

/// SUBACK accepts only the SUBACK reason codes.
#[test]
fn v5_reason_codes_suback() {
    check_reason_table(
        PacketType::SubAck,
        "00 01 02 80 83 87 8F 91 97 9E A1 A2",
        from_server,
        |c| format!("90 04 00 01 00 {c:02X}"),
        |c| Packet::SubAck(SubAck::new(id(1), vec![c])),
        |p| as_variant!(p, SubAck).reason_codes[0],
    );
}

/// UNSUBACK accepts only the UNSUBACK reason codes.
#[test]
fn v5_reason_codes_unsuback() {
    check_reason_table(
        PacketType::UnsubAck,
        "00 11 80 83 87 8F 91",
        from_server,
        |c| format!("B0 04 00 01 00 {c:02X}"),
        |c| Packet::UnsubAck(UnsubAck::new(id(1), vec![c])),
        |p| as_variant!(p, UnsubAck).reason_codes[0],
    );
}

/// DISCONNECT accepts only the DISCONNECT reason codes (Table 3-10), plus 0x8C (see
/// `v5_disconnect_0x8c_accepted`).
#[test]
fn v5_reason_codes_disconnect() {
    check_reason_table(
        PacketType::Disconnect,
        "00 04 80 81 82 83 87 89 8B 8C 8D 8E 8F 90 93 94 95 96 97 98 99 9A 9B 9C 9D 9E 9F A0 A1 A2",
        v5,
        |c| format!("E0 01 {c:02X}"),
        |c| Packet::Disconnect(Disconnect::with_reason(c)),
        |p| as_variant!(p, Disconnect).reason_code,
    );
}

/// AUTH accepts only the AUTH reason codes.
#[test]
fn v5_reason_codes_auth() {
    check_reason_table(
        PacketType::Auth,
        "00 18 19",
        v5,
        |c| format!("F0 06 {c:02X} 04 15 00 01 78"),
        |c| {
            let mut a = Auth::new(c);
            a.properties.authentication_method = Some(s("x"));
            Packet::Auth(a)
        },
        |p| as_variant!(p, Auth).reason_code,
    );
}

/// Table 2-6 lists 0x8C (Bad authentication method) for DISCONNECT although Table 3-10 does
/// not: a decoder accepts it, from either side.
#[test]
fn v5_disconnect_0x8c_accepted() {
    let expected = Packet::Disconnect(Disconnect::with_reason(
        ReasonCode::BAD_AUTHENTICATION_METHOD,
    ));
    assert_eq!(accepted(v5("E0 01 8C")), expected);
    assert_eq!(accepted(from_server("E0 01 8C")), expected);
    assert_eq!(accepted(from_client("E0 01 8C")), expected);
    assert_eq!(accepted(from_server("E0 02 8C 00")), expected);
    // Its neighbour 0x8A (Banned) is CONNACK-only.
    rejected(
        v5("E0 01 8A"),
        DecodeError::InvalidReasonCode {
            packet: PacketType::Disconnect,
            code: 0x8A,
        },
        0x82,
    );
}

/// The size guard: a fixed header announcing a packet over the maximum packet size is refused
/// with Packet Too Large (0x95) as soon as the header is buffered, without the body.
#[test]
fn v5_packet_too_large_refused_from_fixed_header() {
    // Remaining Length 268,435,455: 1 + 4 + 268,435,455 bytes.
    let mut decoder = Decoder::new(V5, Limits::default());
    let mut rx = hex("30 FF FF FF 7F");
    let e = decoder.decode(&mut rx).unwrap_err();
    assert_eq!(
        e,
        DecodeError::PacketTooLarge {
            size: 268_435_460,
            max: 1024 * 1024
        }
    );
    assert_eq!(e.reason_code(), ReasonCode::PACKET_TOO_LARGE);
    assert_eq!(rx.len(), 5, "nothing consumed");
    assert!(decoder.is_failed());
    // An incomplete length is not an error yet.
    let mut decoder = Decoder::new(V5, Limits::default());
    assert_eq!(decoder.decode(&mut hex("30 FF FF FF")), Ok(None));
    // Before CONNECT, on the server side, too.
    let mut decoder = Decoder::awaiting_connect(Limits::default());
    let e = decoder.decode(&mut hex("10 FF FF FF 7F")).unwrap_err();
    assert_eq!(
        e,
        DecodeError::PacketTooLarge {
            size: 268_435_460,
            max: 1024 * 1024
        }
    );
    // With the protocol's own limit the decoder just waits for the body.
    let limits = Limits::default().with_max_packet_size(Limits::PROTOCOL_MAX_PACKET_SIZE);
    assert_eq!(
        Decoder::new(V5, limits).decode(&mut hex("30 FF FF FF 7F")),
        Ok(None)
    );
    // The limit counts the whole packet, fixed header included: 4 bytes fit, 5 do not.
    let limits = Limits::default().with_max_packet_size(NonZeroU32::new(4).unwrap());
    let mut decoder = Decoder::new(V5, limits);
    assert!(decoder.decode(&mut hex("40 02 00 01")).unwrap().is_some());
    let mut rx = hex("40 03 00");
    let e = decoder.decode(&mut rx).unwrap_err();
    assert_eq!(e, DecodeError::PacketTooLarge { size: 5, max: 4 });
    assert_eq!(e.reason_code(), ReasonCode(0x95));
}
