//! MQTT 3.1.1 conformance of the codec: one test per `codec`-owned row of
//! `shared/spec/normative-v311.tsv` (`mqtt_<id>_<what>`), plus un-numbered receiver rules of the
//! spec README (`v311_<what>`), all on hand-written wire bytes.

use bytes::BytesMut;
use mqtt_codec::topic::{TopicDialect, TopicError, TopicFilter, TopicName};
use mqtt_codec::{
    Auth, BinaryData, ConnAck, Connect, DecodeError, Decoder, Delivery, Disconnect, EncodeError,
    Encoder, Limits, MqttString, Packet, PacketId, PacketType, ProtocolVersion, PubAck, PubComp,
    PubRec, PubRel, Publish, QoS, ReasonCode, StringError, SubAck, Subscribe, Subscription,
    UnsubAck, Unsubscribe, Will,
};

const V311: ProtocolVersion = ProtocolVersion::V3_1_1;

/// Bytes already in the transmit buffer before an encode: they must survive untouched.
const SENTINEL: &[u8] = &[0xA5, 0x5A];

/// Decodes `bytes`, which must be exactly one complete frame, with a fresh direction-independent
/// 3.1.1 decoder.
fn decode(bytes: &[u8]) -> Result<Packet, DecodeError> {
    decode_with(&mut Decoder::new(V311, Limits::default()), bytes)
}

/// Feeds `bytes` (exactly one complete frame) to `decoder`.
#[expect(
    clippy::panic,
    reason = "test helper: a broken expectation fails the calling test"
)]
fn decode_with(decoder: &mut Decoder, bytes: &[u8]) -> Result<Packet, DecodeError> {
    let mut rx = BytesMut::from(bytes);
    let packet = decoder.decode(&mut rx)?;
    assert!(
        rx.is_empty(),
        "{} bytes left after one packet of {bytes:02X?}",
        rx.len()
    );
    match packet {
        Some(p) => Ok(p),
        None => panic!("incomplete frame {bytes:02X?}"),
    }
}

/// Encodes with a direction-independent 3.1.1 encoder.
fn encode(packet: &Packet) -> Result<Vec<u8>, EncodeError> {
    encode_with(&Encoder::new(V311), packet)
}

/// Encodes after [`SENTINEL`]; checks `encoded_len`, and that nothing is written on `Err`.
fn encode_with(encoder: &Encoder, packet: &Packet) -> Result<Vec<u8>, EncodeError> {
    let mut tx = BytesMut::from(SENTINEL);
    let result = encoder.encode(packet, &mut tx);
    assert_eq!(
        encoder.encoded_len(packet),
        result,
        "encoded_len agrees with encode"
    );
    let written = tx.split_off(SENTINEL.len());
    assert_eq!(&tx[..], SENTINEL, "bytes before the packet are untouched");
    match result {
        Ok(n) => {
            assert_eq!(n, written.len());
            Ok(written.to_vec())
        }
        Err(e) => {
            assert!(
                written.is_empty(),
                "nothing is written on Err: {written:02X?}"
            );
            Err(e)
        }
    }
}

#[expect(
    clippy::panic,
    reason = "test helper: a broken expectation fails the calling test"
)]
fn id(n: u16) -> PacketId {
    match PacketId::new(n) {
        Some(id) => id,
        None => panic!("packet identifier 0"),
    }
}

#[expect(
    clippy::panic,
    reason = "test helper: a broken expectation fails the calling test"
)]
fn string(s: &str) -> MqttString {
    match MqttString::new(s) {
        Ok(s) => s,
        Err(e) => panic!("invalid string {s:?}: {e}"),
    }
}

#[expect(
    clippy::panic,
    reason = "test helper: a broken expectation fails the calling test"
)]
fn name(s: &str) -> TopicName {
    match TopicName::new(s) {
        Ok(n) => n,
        Err(e) => panic!("invalid topic name {s:?}: {e}"),
    }
}

/// A filter as a 3.1.1 decoder reads it.
#[expect(
    clippy::panic,
    reason = "test helper: a broken expectation fails the calling test"
)]
fn filter(s: &str) -> TopicFilter {
    match TopicFilter::new_in(s, TopicDialect::V3) {
        Ok(f) => f,
        Err(e) => panic!("invalid topic filter {s:?}: {e}"),
    }
}

#[expect(
    clippy::panic,
    reason = "test helper: a broken expectation fails the calling test"
)]
fn connect_of(p: Packet) -> Connect {
    match p {
        Packet::Connect(c) => *c,
        other => panic!("expected CONNECT, got {other:?}"),
    }
}

#[expect(
    clippy::panic,
    reason = "test helper: a broken expectation fails the calling test"
)]
fn publish_of(p: Packet) -> Publish {
    match p {
        Packet::Publish(p) => p,
        other => panic!("expected PUBLISH, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// 1.5.3 UTF-8 encoded strings
// ---------------------------------------------------------------------------------------------

/// [MQTT-1.5.3-1] Strings must be well-formed UTF-8 with no encoded surrogates (U+D800..U+DFFF);
/// a receiver seeing ill-formed UTF-8 closes the connection.
#[test]
fn mqtt_1_5_3_1_ill_formed_utf8_rejected() {
    // CONNECT, client id = ED A0 80 (U+D800, a surrogate).
    let surrogate = [
        0x10, 0x0F, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x03, 0xED,
        0xA0, 0x80,
    ];
    let mut decoder = Decoder::new(V311, Limits::default());
    let err = DecodeError::InvalidUtf8 {
        field: "client identifier",
    };
    assert_eq!(decode_with(&mut decoder, &surrogate), Err(err));
    // Close the connection: the decoder stays failed, even for a valid packet.
    assert!(decoder.is_failed());
    assert_eq!(
        decoder.decode(&mut BytesMut::from(&[0xC0, 0x00][..])),
        Err(err)
    );

    // Overlong form of '/' (C0 AF), in a client id.
    let overlong = [
        0x10, 0x0E, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x02, 0xC0,
        0xAF,
    ];
    assert_eq!(decode(&overlong), Err(err));
    // A lone continuation byte / truncated sequence in a user name.
    let truncated = [
        0x10, 0x11, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x82, 0x00, 0x3C, 0x00, 0x01, 0x63,
        0x00, 0x02, 0x61, 0xE2,
    ];
    assert_eq!(
        decode(&truncated),
        Err(DecodeError::InvalidUtf8 { field: "user name" })
    );
    // A surrogate in a PUBLISH topic name.
    assert_eq!(
        decode(&[0x30, 0x05, 0x00, 0x03, 0xED, 0xBF, 0xBF]),
        Err(DecodeError::InvalidUtf8 {
            field: "topic name"
        })
    );
    // Code points above U+10FFFF (F4 90 80 80) in a SUBSCRIBE filter.
    assert_eq!(
        decode(&[
            0x82, 0x09, 0x00, 0x01, 0x00, 0x04, 0xF4, 0x90, 0x80, 0x80, 0x00
        ]),
        Err(DecodeError::InvalidUtf8 {
            field: "topic filter"
        })
    );

    // The same shapes with well-formed multi-byte UTF-8 (U+00E9, U+20AC) are accepted.
    let ok = [
        0x10, 0x0F, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x03, 0xE2,
        0x82, 0xAC,
    ];
    assert_eq!(connect_of(decode(&ok).unwrap()).client_id, "\u{20AC}");
    assert_eq!(
        publish_of(decode(&[0x30, 0x04, 0x00, 0x02, 0xC3, 0xA9]).unwrap())
            .topic
            .name(),
        Some(&name("\u{E9}"))
    );
}

/// [MQTT-1.5.3-2] Strings must not contain U+0000; a receiver seeing one closes the connection.
#[test]
fn mqtt_1_5_3_2_null_character_rejected() {
    // Client id "a\0".
    let client_id = [
        0x10, 0x0E, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x02, 0x61,
        0x00,
    ];
    let mut decoder = Decoder::new(V311, Limits::default());
    let err = DecodeError::NullCharacter {
        field: "client identifier",
    };
    assert_eq!(decode_with(&mut decoder, &client_id), Err(err));
    assert_eq!(
        decoder.decode(&mut BytesMut::from(&[0xC0, 0x00][..])),
        Err(err)
    );
    // User name "\0".
    let user = [
        0x10, 0x10, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x82, 0x00, 0x3C, 0x00, 0x01, 0x63,
        0x00, 0x01, 0x00,
    ];
    assert_eq!(
        decode(&user),
        Err(DecodeError::NullCharacter { field: "user name" })
    );
    // Topic name "a\0b", topic filter "\0".
    assert_eq!(
        decode(&[0x30, 0x05, 0x00, 0x03, 0x61, 0x00, 0x62]),
        Err(DecodeError::NullCharacter {
            field: "topic name"
        })
    );
    assert_eq!(
        decode(&[0xA2, 0x05, 0x00, 0x01, 0x00, 0x01, 0x00]),
        Err(DecodeError::NullCharacter {
            field: "topic filter"
        })
    );
    // The same client id with "ab" is fine.
    let ok = [
        0x10, 0x0E, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x02, 0x61,
        0x62,
    ];
    assert_eq!(connect_of(decode(&ok).unwrap()).client_id, "ab");

    // The sending side cannot even build such a string or topic.
    assert_eq!(MqttString::new("a\0b"), Err(StringError::NullChar));
    assert_eq!(TopicName::new("a\0b"), Err(TopicError::NullChar));
    assert_eq!(
        TopicFilter::new_in("a/\0", TopicDialect::V3),
        Err(TopicError::NullChar)
    );
}

/// [MQTT-1.5.3-3] `EF BB BF` in a string is U+FEFF (zero-width no-break space): it is kept,
/// never skipped or stripped, by the receiver.
#[test]
fn mqtt_1_5_3_3_bom_kept() {
    // Client id EF BB BF 63.
    let connect = [
        0x10, 0x10, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x04, 0xEF,
        0xBB, 0xBF, 0x63,
    ];
    let c = connect_of(decode(&connect).unwrap());
    assert_eq!(c.client_id.as_bytes(), &[0xEF, 0xBB, 0xBF, 0x63]);
    assert_eq!(c.client_id, "\u{FEFF}c");
    // Re-encoding gives the same bytes: nothing was stripped.
    assert_eq!(encode(&Packet::from(c)).unwrap(), connect);

    // Topic name EF BB BF 61 in a PUBLISH.
    let publish = [0x30, 0x08, 0x00, 0x04, 0xEF, 0xBB, 0xBF, 0x61, 0x68, 0x69];
    let p = publish_of(decode(&publish).unwrap());
    assert_eq!(
        p.topic.name().map(TopicName::as_bytes),
        Some(&[0xEF, 0xBB, 0xBF, 0x61][..])
    );
    assert_eq!(&p.payload[..], b"hi");
    assert_eq!(encode(&Packet::Publish(p)).unwrap(), publish);
}

// ---------------------------------------------------------------------------------------------
// 2.2 / 2.3 Fixed header and packet identifiers
// ---------------------------------------------------------------------------------------------

/// [MQTT-2.2.2-1] Where a fixed-header flag bit is marked reserved, it carries exactly the value
/// of the flags table: `0010` for PUBREL, SUBSCRIBE and UNSUBSCRIBE, `0000` for the others
/// (PUBLISH carries DUP, QoS and RETAIN).
#[test]
fn mqtt_2_2_2_1_encoder_writes_spec_flags() {
    let mut qos2 = Publish::new(name("a/b"), &b"hi"[..]);
    qos2.dup = true;
    qos2.delivery = Delivery::ExactlyOnce(id(7));
    qos2.retain = true;
    let mut qos1 = Publish::new(name("a/b"), &b"hi"[..]);
    qos1.delivery = Delivery::AtLeastOnce(id(7));
    let cases: Vec<(Packet, u8)> = vec![
        (Packet::from(Connect::new(V311, string("c"))), 0x10),
        (
            Packet::ConnAck(ConnAck::new(false, ReasonCode::SUCCESS)),
            0x20,
        ),
        (Packet::Publish(Publish::new(name("a/b"), &b"hi"[..])), 0x30),
        (Packet::Publish(qos1), 0x32),
        (Packet::Publish(qos2), 0x3D),
        (Packet::PubAck(PubAck::new(id(1))), 0x40),
        (Packet::PubRec(PubRec::new(id(1))), 0x50),
        (Packet::PubRel(PubRel::new(id(1))), 0x62),
        (Packet::PubComp(PubComp::new(id(1))), 0x70),
        (
            Packet::Subscribe(Subscribe::new(
                id(1),
                vec![Subscription::new(filter("a"), QoS::AtMostOnce)],
            )),
            0x82,
        ),
        (
            Packet::SubAck(SubAck::new(id(1), vec![ReasonCode::SUCCESS])),
            0x90,
        ),
        (
            Packet::Unsubscribe(Unsubscribe::new(id(1), vec![filter("a")])),
            0xA2,
        ),
        (Packet::UnsubAck(UnsubAck::new(id(1), vec![])), 0xB0),
        (Packet::PingReq, 0xC0),
        (Packet::PingResp, 0xD0),
        (Packet::Disconnect(Disconnect::new()), 0xE0),
    ];
    for (packet, first) in cases {
        let bytes = encode(&packet).unwrap();
        assert_eq!(bytes[0], first, "{:?}", packet.packet_type());
        // And what is written is read back as the same packet.
        assert_eq!(decode(&bytes), Ok(packet));
    }
    // Whole frames for the three `0010` packets.
    assert_eq!(
        encode(&Packet::PubRel(PubRel::new(id(1)))).unwrap(),
        [0x62, 0x02, 0x00, 0x01]
    );
    assert_eq!(
        encode(&Packet::Subscribe(Subscribe::new(
            id(1),
            vec![Subscription::new(filter("a"), QoS::AtLeastOnce)]
        )))
        .unwrap(),
        [0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x01]
    );
    assert_eq!(
        encode(&Packet::Unsubscribe(Unsubscribe::new(
            id(1),
            vec![filter("a")]
        )))
        .unwrap(),
        [0xA2, 0x05, 0x00, 0x01, 0x00, 0x01, 0x61]
    );
}

/// [MQTT-2.2.2-2] A receiver that sees invalid fixed-header flags closes the connection: every
/// non-PUBLISH type is accepted with exactly its table flags and rejected with any other value.
#[test]
fn mqtt_2_2_2_2_invalid_flags_rejected() {
    // Minimal valid 3.1.1 frames, with the flags the table gives.
    let frames: [(PacketType, &[u8]); 13] = [
        (
            PacketType::Connect,
            &[
                0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01,
                0x63,
            ],
        ),
        (PacketType::ConnAck, &[0x20, 0x02, 0x00, 0x00]),
        (PacketType::PubAck, &[0x40, 0x02, 0x00, 0x01]),
        (PacketType::PubRec, &[0x50, 0x02, 0x00, 0x01]),
        (PacketType::PubRel, &[0x62, 0x02, 0x00, 0x01]),
        (PacketType::PubComp, &[0x70, 0x02, 0x00, 0x01]),
        (
            PacketType::Subscribe,
            &[0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00],
        ),
        (PacketType::SubAck, &[0x90, 0x03, 0x00, 0x01, 0x00]),
        (
            PacketType::Unsubscribe,
            &[0xA2, 0x05, 0x00, 0x01, 0x00, 0x01, 0x61],
        ),
        (PacketType::UnsubAck, &[0xB0, 0x02, 0x00, 0x01]),
        (PacketType::PingReq, &[0xC0, 0x00]),
        (PacketType::PingResp, &[0xD0, 0x00]),
        (PacketType::Disconnect, &[0xE0, 0x00]),
    ];
    for (packet, frame) in frames {
        let spec_flags = frame[0] & 0x0F;
        for flags in 0..16u8 {
            let mut bytes = frame.to_vec();
            bytes[0] = (bytes[0] & 0xF0) | flags;
            let mut decoder = Decoder::new(V311, Limits::default());
            let result = decode_with(&mut decoder, &bytes);
            if flags == spec_flags {
                assert_eq!(result.map(|p| p.packet_type()), Ok(packet));
            } else {
                let err = DecodeError::InvalidFlags { packet, flags };
                assert_eq!(result, Err(err), "{packet} flags {flags:04b}");
                // Closed: nothing more is decoded on this connection.
                assert!(decoder.is_failed());
                let mut valid = BytesMut::from(frame);
                assert_eq!(decoder.decode(&mut valid), Err(err));
            }
        }
    }
}

/// [MQTT-2.3.1-1] SUBSCRIBE, UNSUBSCRIBE and PUBLISH with QoS > 0 carry a non-zero 16-bit Packet
/// Identifier.
#[test]
fn mqtt_2_3_1_1_zero_packet_id_rejected() {
    let zero = [
        (
            PacketType::Subscribe,
            vec![0x82, 0x06, 0x00, 0x00, 0x00, 0x01, 0x61, 0x00],
        ),
        (
            PacketType::Unsubscribe,
            vec![0xA2, 0x05, 0x00, 0x00, 0x00, 0x01, 0x61],
        ),
        (
            PacketType::Publish,
            vec![0x32, 0x07, 0x00, 0x03, 0x61, 0x2F, 0x62, 0x00, 0x00],
        ),
        (
            PacketType::Publish,
            vec![0x34, 0x07, 0x00, 0x03, 0x61, 0x2F, 0x62, 0x00, 0x00],
        ),
    ];
    for (packet, mut bytes) in zero {
        assert_eq!(
            decode(&bytes),
            Err(DecodeError::ZeroPacketId { packet }),
            "{bytes:02X?}"
        );
        // Identifier 1 (and the largest, 65535) is fine.
        let n = bytes.len();
        let id_at = if packet == PacketType::Publish {
            n - 2
        } else {
            2
        };
        bytes[id_at + 1] = 0x01;
        assert!(decode(&bytes).is_ok(), "{bytes:02X?}");
        bytes[id_at] = 0xFF;
        bytes[id_at + 1] = 0xFF;
        assert!(decode(&bytes).is_ok(), "{bytes:02X?}");
    }
    let publish =
        publish_of(decode(&[0x34, 0x07, 0x00, 0x03, 0x61, 0x2F, 0x62, 0xFF, 0xFF]).unwrap());
    assert_eq!(publish.delivery, Delivery::ExactlyOnce(PacketId::MAX));
    // The encoder cannot be given identifier 0: the type has no such value.
    assert_eq!(PacketId::new(0), None);
}

/// [MQTT-2.3.1-5] A QoS 0 PUBLISH carries no Packet Identifier: what follows the topic name is
/// payload.
#[test]
fn mqtt_2_3_1_5_qos0_publish_has_no_packet_id() {
    // Encoder: topic then payload, no identifier.
    let p = Publish::new(name("a/b"), &b"hi"[..]);
    assert_eq!(
        encode(&Packet::Publish(p)).unwrap(),
        [0x30, 0x07, 0x00, 0x03, 0x61, 0x2F, 0x62, 0x68, 0x69]
    );
    // Decoder: the two bytes after the topic are payload, not an identifier.
    let p = publish_of(decode(&[0x30, 0x07, 0x00, 0x03, 0x61, 0x2F, 0x62, 0x00, 0x01]).unwrap());
    assert_eq!(p.delivery, Delivery::AtMostOnce);
    assert_eq!(&p.payload[..], &[0x00, 0x01]);
    // With QoS 1 the same bytes are the identifier and the payload is empty.
    let p = publish_of(decode(&[0x32, 0x07, 0x00, 0x03, 0x61, 0x2F, 0x62, 0x00, 0x01]).unwrap());
    assert_eq!(p.delivery, Delivery::AtLeastOnce(id(1)));
    assert!(p.payload.is_empty());
    // A QoS 0 PUBLISH with an empty payload is just the topic.
    let p = publish_of(decode(&[0x30, 0x05, 0x00, 0x03, 0x61, 0x2F, 0x62]).unwrap());
    assert_eq!(p.delivery, Delivery::AtMostOnce);
    assert!(p.payload.is_empty());
}

// ---------------------------------------------------------------------------------------------
// 3.1 CONNECT
// ---------------------------------------------------------------------------------------------

/// [MQTT-3.1.2-1] A CONNECT with an unknown protocol name is not processed as 3.1.1: the server
/// may disconnect (the codec rejects it and the version stays unknown).
#[test]
fn mqtt_3_1_2_1_unknown_protocol_name_rejected() {
    // "mqtt" (wrong case), "MQTX", "MQIsdq", and an empty name, all at level 4.
    let names: [&[u8]; 4] = [b"mqtt", b"MQTX", b"MQIsdq", b""];
    for n in names {
        let mut bytes = vec![0x10, u8::try_from(9 + n.len()).unwrap(), 0x00];
        bytes.push(u8::try_from(n.len()).unwrap());
        bytes.extend_from_slice(n);
        bytes.extend_from_slice(&[0x04, 0x02, 0x00, 0x3C, 0x00, 0x01, 0x63]);
        let mut server = Decoder::awaiting_connect(Limits::default());
        assert_eq!(
            decode_with(&mut server, &bytes),
            Err(DecodeError::UnknownProtocolName)
        );
        assert_eq!(server.version(), None);
        assert_eq!(decode(&bytes), Err(DecodeError::UnknownProtocolName));
    }
    // "MQTT" at level 4 is 3.1.1.
    let ok = [
        0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01, 0x63,
    ];
    let mut server = Decoder::awaiting_connect(Limits::default());
    assert_eq!(
        connect_of(decode_with(&mut server, &ok).unwrap()).protocol,
        V311
    );
    assert_eq!(server.version(), Some(V311));
}

/// [MQTT-3.1.2-3] The reserved bit 0 of the Connect Flags must be 0; otherwise the server
/// disconnects.
#[test]
fn mqtt_3_1_2_3_reserved_flag_rejected() {
    let mut bytes = [
        0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x03, 0x00, 0x3C, 0x00, 0x01, 0x63,
    ];
    let mut server = Decoder::awaiting_connect(Limits::default());
    assert_eq!(
        decode_with(&mut server, &bytes),
        Err(DecodeError::ReservedConnectFlag)
    );
    // Reserved bit alone (CleanSession 0).
    bytes[9] = 0x01;
    assert_eq!(decode(&bytes), Err(DecodeError::ReservedConnectFlag));
    // The same CONNECT with bit 0 clear is accepted.
    bytes[9] = 0x02;
    assert!(connect_of(decode(&bytes).unwrap()).clean_start);
    // The encoder never sets it.
    let written = encode(&Packet::from(Connect::new(V311, string("c")))).unwrap();
    assert_eq!(written[9] & 0x01, 0);
}

/// [MQTT-3.1.2-9] Will Flag = 1: the Will Topic and Will Message must be in the payload.
#[test]
fn mqtt_3_1_2_9_will_flag_requires_will_fields() {
    // Will Flag set, payload has only the client id.
    let none = [
        0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x06, 0x00, 0x3C, 0x00, 0x01, 0x63,
    ];
    assert_eq!(
        decode(&none),
        Err(DecodeError::UnexpectedEnd {
            field: "will topic"
        })
    );
    // Will Topic but no Will Message.
    let topic_only = [
        0x10, 0x12, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x06, 0x00, 0x3C, 0x00, 0x01, 0x63,
        0x00, 0x03, 0x77, 0x2F, 0x74,
    ];
    assert_eq!(
        decode(&topic_only),
        Err(DecodeError::UnexpectedEnd {
            field: "will payload"
        })
    );
    // Both present.
    let both = [
        0x10, 0x17, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x06, 0x00, 0x3C, 0x00, 0x01, 0x63,
        0x00, 0x03, 0x77, 0x2F, 0x74, 0x00, 0x03, 0x62, 0x79, 0x65,
    ];
    let will = connect_of(decode(&both).unwrap()).will.unwrap();
    assert_eq!(will.topic, name("w/t"));
    assert_eq!(&will.payload[..], b"bye");
    assert_eq!(will.qos, QoS::AtMostOnce);
    assert!(!will.retain);
    // The encoder writes both whenever there is a will.
    let mut c = Connect::new(V311, string("c"));
    c.will = Some(Will::new(name("w/t"), &b"bye"[..]));
    assert_eq!(encode(&Packet::from(c)).unwrap(), both);
}

/// [MQTT-3.1.2-11] Will Flag = 0: Will QoS and Will Retain are 0 and no Will Topic or Will
/// Message appears in the payload.
#[test]
fn mqtt_3_1_2_11_no_will_means_no_will_fields() {
    // Will Flag 0, but will topic and message in the payload: bytes past the last field.
    let extra = [
        0x10, 0x17, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01, 0x63,
        0x00, 0x03, 0x77, 0x2F, 0x74, 0x00, 0x03, 0x62, 0x79, 0x65,
    ];
    assert_eq!(
        decode(&extra),
        Err(DecodeError::TrailingBytes {
            packet: PacketType::Connect,
            count: 10
        })
    );
    // Will Flag 0 with Will QoS 1 and Will Retain 1.
    let mut flags = [
        0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x2A, 0x00, 0x3C, 0x00, 0x01, 0x63,
    ];
    assert_eq!(decode(&flags), Err(DecodeError::WillFlagsWithoutWill));
    // All clear: no will.
    flags[9] = 0x02;
    assert_eq!(connect_of(decode(&flags).unwrap()).will, None);
    // The encoder writes no will bits and no will fields without a will.
    assert_eq!(
        encode(&Packet::from(Connect::new(V311, string("c")))).unwrap(),
        flags
    );
}

/// [MQTT-3.1.2-13] Will Flag = 0 requires Will QoS = 0.
#[test]
fn mqtt_3_1_2_13_will_qos_without_will_rejected() {
    let mut bytes = [
        0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01, 0x63,
    ];
    // Will QoS 1, 2 and 3 (bits 4-3), Will Flag 0.
    for flags in [0x0A, 0x12, 0x1A] {
        bytes[9] = flags;
        assert_eq!(
            decode(&bytes),
            Err(DecodeError::WillFlagsWithoutWill),
            "{flags:#04x}"
        );
    }
    bytes[9] = 0x02;
    assert!(decode(&bytes).is_ok());
    // With the Will Flag, Will QoS 1 is fine.
    let will = [
        0x10, 0x17, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x0E, 0x00, 0x3C, 0x00, 0x01, 0x63,
        0x00, 0x03, 0x77, 0x2F, 0x74, 0x00, 0x03, 0x62, 0x79, 0x65,
    ];
    assert_eq!(
        connect_of(decode(&will).unwrap()).will.unwrap().qos,
        QoS::AtLeastOnce
    );
}

/// [MQTT-3.1.2-14] Will Flag = 1: Will QoS is 0, 1 or 2, never 3.
#[test]
fn mqtt_3_1_2_14_will_qos_3_rejected() {
    let mut bytes = [
        0x10, 0x17, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x1E, 0x00, 0x3C, 0x00, 0x01, 0x63,
        0x00, 0x03, 0x77, 0x2F, 0x74, 0x00, 0x03, 0x62, 0x79, 0x65,
    ];
    assert_eq!(decode(&bytes), Err(DecodeError::WillQoS3));
    for (flags, qos) in [
        (0x06, QoS::AtMostOnce),
        (0x0E, QoS::AtLeastOnce),
        (0x16, QoS::ExactlyOnce),
    ] {
        bytes[9] = flags;
        assert_eq!(connect_of(decode(&bytes).unwrap()).will.unwrap().qos, qos);
    }
    // The encoder writes Will QoS 2 as bits 4-3 = 10.
    let mut c = Connect::new(V311, string("c"));
    let mut will = Will::new(name("w/t"), &b"bye"[..]);
    will.qos = QoS::ExactlyOnce;
    c.will = Some(will);
    assert_eq!(encode(&Packet::from(c)).unwrap(), bytes);
}

/// [MQTT-3.1.2-15] Will Flag = 0 requires Will Retain = 0.
#[test]
fn mqtt_3_1_2_15_will_retain_without_will_rejected() {
    let no_will = [
        0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x22, 0x00, 0x3C, 0x00, 0x01, 0x63,
    ];
    assert_eq!(decode(&no_will), Err(DecodeError::WillFlagsWithoutWill));
    // With the Will Flag, Will Retain is fine.
    let will = [
        0x10, 0x17, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x26, 0x00, 0x3C, 0x00, 0x01, 0x63,
        0x00, 0x03, 0x77, 0x2F, 0x74, 0x00, 0x03, 0x62, 0x79, 0x65,
    ];
    let decoded = connect_of(decode(&will).unwrap());
    assert!(decoded.will.as_ref().unwrap().retain);
    assert_eq!(encode(&Packet::from(decoded)).unwrap(), will);
}

/// [MQTT-3.1.2-18] User Name Flag = 0: no user name in the payload.
#[test]
fn mqtt_3_1_2_18_no_user_name_flag_no_user_name() {
    let extra = [
        0x10, 0x13, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01, 0x63,
        0x00, 0x04, 0x75, 0x73, 0x65, 0x72,
    ];
    assert_eq!(
        decode(&extra),
        Err(DecodeError::TrailingBytes {
            packet: PacketType::Connect,
            count: 6
        })
    );
    let none = [
        0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01, 0x63,
    ];
    let c = connect_of(decode(&none).unwrap());
    assert_eq!(c.username, None);
    assert_eq!(encode(&Packet::from(c)).unwrap(), none);
}

/// [MQTT-3.1.2-19] User Name Flag = 1: a user name must be in the payload.
#[test]
fn mqtt_3_1_2_19_user_name_flag_requires_user_name() {
    let missing = [
        0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x82, 0x00, 0x3C, 0x00, 0x01, 0x63,
    ];
    assert_eq!(
        decode(&missing),
        Err(DecodeError::UnexpectedEnd { field: "user name" })
    );
    let present = [
        0x10, 0x13, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x82, 0x00, 0x3C, 0x00, 0x01, 0x63,
        0x00, 0x04, 0x75, 0x73, 0x65, 0x72,
    ];
    let c = connect_of(decode(&present).unwrap());
    assert_eq!(c.username, Some(string("user")));
    // An empty user name is still a user name (flag set, length 0).
    let empty = [
        0x10, 0x0F, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x82, 0x00, 0x3C, 0x00, 0x01, 0x63,
        0x00, 0x00,
    ];
    assert_eq!(
        connect_of(decode(&empty).unwrap()).username,
        Some(string(""))
    );
    // The encoder sets the flag and writes the field together.
    assert_eq!(encode(&Packet::from(c)).unwrap(), present);
}

/// [MQTT-3.1.2-20] Password Flag = 0: no password in the payload.
#[test]
fn mqtt_3_1_2_20_no_password_flag_no_password() {
    let extra = [
        0x10, 0x17, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x82, 0x00, 0x3C, 0x00, 0x01, 0x63,
        0x00, 0x04, 0x75, 0x73, 0x65, 0x72, 0x00, 0x02, 0x70, 0x77,
    ];
    assert_eq!(
        decode(&extra),
        Err(DecodeError::TrailingBytes {
            packet: PacketType::Connect,
            count: 4
        })
    );
    let none = [
        0x10, 0x13, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x82, 0x00, 0x3C, 0x00, 0x01, 0x63,
        0x00, 0x04, 0x75, 0x73, 0x65, 0x72,
    ];
    let c = connect_of(decode(&none).unwrap());
    assert_eq!(c.password, None);
    assert_eq!(encode(&Packet::from(c)).unwrap(), none);
}

/// [MQTT-3.1.2-21] Password Flag = 1: a password must be in the payload.
#[test]
fn mqtt_3_1_2_21_password_flag_requires_password() {
    let missing = [
        0x10, 0x13, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0xC2, 0x00, 0x3C, 0x00, 0x01, 0x63,
        0x00, 0x04, 0x75, 0x73, 0x65, 0x72,
    ];
    assert_eq!(
        decode(&missing),
        Err(DecodeError::UnexpectedEnd { field: "password" })
    );
    let present = [
        0x10, 0x17, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0xC2, 0x00, 0x3C, 0x00, 0x01, 0x63,
        0x00, 0x04, 0x75, 0x73, 0x65, 0x72, 0x00, 0x02, 0x70, 0x77,
    ];
    let c = connect_of(decode(&present).unwrap());
    assert_eq!(
        c.password,
        Some(BinaryData::copy_from_slice(b"pw").unwrap())
    );
    assert_eq!(encode(&Packet::from(c)).unwrap(), present);
}

/// [MQTT-3.1.2-22] User Name Flag = 0 forces Password Flag = 0 (3.1.1).
#[test]
fn mqtt_3_1_2_22_password_without_user_name_rejected() {
    let bytes = [
        0x10, 0x11, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x42, 0x00, 0x3C, 0x00, 0x01, 0x63,
        0x00, 0x02, 0x70, 0x77,
    ];
    let mut server = Decoder::awaiting_connect(Limits::default());
    assert_eq!(
        decode_with(&mut server, &bytes),
        Err(DecodeError::PasswordWithoutUserName)
    );
    // The encoder refuses to produce it.
    let mut c = Connect::new(V311, string("c"));
    c.password = Some(BinaryData::copy_from_slice(b"pw").unwrap());
    assert!(matches!(
        encode_with(&Encoder::client(V311), &Packet::from(c.clone())),
        Err(EncodeError::InvalidField {
            field: "password",
            ..
        })
    ));
    // With a user name it is fine.
    c.username = Some(string("user"));
    assert!(encode(&Packet::from(c)).is_ok());
}

/// [MQTT-3.1.3-1] The payload fields appear in the order Client Identifier, Will Topic, Will
/// Message, User Name, Password (those the flags announce).
#[test]
fn mqtt_3_1_3_1_payload_order() {
    let bytes = [
        0x10, 0x23, // fixed header, Remaining Length 35
        0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, // "MQTT", level 4
        0xEE, 0x00, 0x3C, // user name, password, will retain, will QoS 1, will, clean; 60 s
        0x00, 0x03, 0x63, 0x69, 0x64, // client id "cid"
        0x00, 0x03, 0x77, 0x2F, 0x74, // will topic "w/t"
        0x00, 0x03, 0x62, 0x79, 0x65, // will message "bye"
        0x00, 0x04, 0x75, 0x73, 0x65, 0x72, // user name "user"
        0x00, 0x02, 0x70, 0x77, // password "pw"
    ];
    let mut c = Connect::new(V311, string("cid"));
    let mut will = Will::new(name("w/t"), &b"bye"[..]);
    will.qos = QoS::AtLeastOnce;
    will.retain = true;
    c.will = Some(will);
    c.username = Some(string("user"));
    c.password = Some(BinaryData::copy_from_slice(b"pw").unwrap());
    assert_eq!(encode(&Packet::from(c.clone())).unwrap(), bytes);
    assert_eq!(decode(&bytes), Ok(Packet::from(c)));

    // Client id and user name only: the user name follows the client id directly.
    let partial = [
        0x10, 0x13, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x82, 0x00, 0x3C, 0x00, 0x01, 0x63,
        0x00, 0x04, 0x75, 0x73, 0x65, 0x72,
    ];
    let c = connect_of(decode(&partial).unwrap());
    assert_eq!(
        (c.client_id, c.username, c.will),
        (string("c"), Some(string("user")), None)
    );
}

/// [MQTT-3.1.3-3] The Client Identifier must be present and is the first payload field.
#[test]
fn mqtt_3_1_3_3_client_id_first_and_required() {
    // No payload at all.
    let missing = [
        0x10, 0x0A, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C,
    ];
    assert_eq!(
        decode(&missing),
        Err(DecodeError::UnexpectedEnd {
            field: "client identifier"
        })
    );
    // A length prefix announcing more than is there.
    let short = [
        0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x05, 0x63,
    ];
    assert_eq!(
        decode(&short),
        Err(DecodeError::UnexpectedEnd {
            field: "client identifier"
        })
    );
    // The first field after Keep Alive is the client id, even with a will and a user name.
    let bytes = [
        0x10, 0x1D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x86, 0x00, 0x3C, 0x00, 0x01, 0x63,
        0x00, 0x03, 0x77, 0x2F, 0x74, 0x00, 0x03, 0x62, 0x79, 0x65, 0x00, 0x04, 0x75, 0x73, 0x65,
        0x72,
    ];
    let c = connect_of(decode(&bytes).unwrap());
    assert_eq!(c.client_id, "c");
    assert_eq!(c.will.unwrap().topic, name("w/t"));
    assert_eq!(c.username, Some(string("user")));
}

/// [MQTT-3.1.3-4] The Client Identifier must be a valid UTF-8 encoded string.
#[test]
fn mqtt_3_1_3_4_client_id_utf8() {
    // C3 28: a lead byte followed by a non-continuation byte.
    let bad = [
        0x10, 0x0E, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x02, 0xC3,
        0x28,
    ];
    let mut server = Decoder::awaiting_connect(Limits::default());
    assert_eq!(
        decode_with(&mut server, &bad),
        Err(DecodeError::InvalidUtf8 {
            field: "client identifier"
        })
    );
    // C3 A9 (U+00E9) in the same place is fine.
    let good = [
        0x10, 0x0E, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x02, 0xC3,
        0xA9,
    ];
    assert_eq!(connect_of(decode(&good).unwrap()).client_id, "\u{E9}");
}

/// [MQTT-3.1.3-7] A client sending a zero-length Client Identifier must set CleanSession = 1.
/// The codec's encoder refuses to send anything else; its decoder accepts it, so that the
/// server can answer CONNACK 0x02 (identifier rejected), which the encoder can produce.
#[test]
fn mqtt_3_1_3_7_empty_client_id_needs_clean_session() {
    // Client side.
    let client = Encoder::client(V311);
    let mut c = Connect::new(V311, MqttString::empty());
    c.clean_start = false;
    assert!(matches!(
        encode_with(&client, &Packet::from(c.clone())),
        Err(EncodeError::InvalidField {
            field: "client identifier",
            ..
        })
    ));
    c.clean_start = true;
    let clean = [
        0x10, 0x0C, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x00,
    ];
    assert_eq!(encode_with(&client, &Packet::from(c)).unwrap(), clean);

    // Server side: CleanSession = 0 with an empty id reaches the server...
    let dirty = [
        0x10, 0x0C, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x00, 0x00, 0x3C, 0x00, 0x00,
    ];
    let mut server = Decoder::awaiting_connect(Limits::default());
    let c = connect_of(decode_with(&mut server, &dirty).unwrap());
    assert!(c.client_id.is_empty());
    assert!(!c.clean_start);
    assert_eq!(server.version(), Some(V311));
    // ...which answers "identifier rejected".
    let refuse = ConnAck::new(false, ReasonCode::V3_IDENTIFIER_REJECTED);
    assert_eq!(
        encode_with(&Encoder::server(V311), &Packet::ConnAck(refuse)).unwrap(),
        [0x20, 0x02, 0x00, 0x02]
    );
    // With CleanSession = 1 the empty id is accepted as is.
    assert!(connect_of(decode(&clean).unwrap()).client_id.is_empty());
}

/// [MQTT-3.1.3-10] The Will Topic must be a valid UTF-8 encoded string.
#[test]
fn mqtt_3_1_3_10_will_topic_utf8() {
    let mut bytes = [
        0x10, 0x17, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x06, 0x00, 0x3C, 0x00, 0x01, 0x63,
        0x00, 0x03, 0xED, 0xA0, 0x80, 0x00, 0x03, 0x62, 0x79, 0x65,
    ];
    assert_eq!(
        decode(&bytes),
        Err(DecodeError::InvalidUtf8 {
            field: "will topic"
        })
    );
    // U+20AC (E2 82 AC) is fine.
    bytes[17..20].copy_from_slice(&[0xE2, 0x82, 0xAC]);
    assert_eq!(
        connect_of(decode(&bytes).unwrap()).will.unwrap().topic,
        name("\u{20AC}")
    );
    // The Will Message is binary: invalid UTF-8 there is fine.
    bytes[22..25].copy_from_slice(&[0xED, 0xA0, 0x80]);
    assert_eq!(
        &connect_of(decode(&bytes).unwrap()).will.unwrap().payload[..],
        &[0xED, 0xA0, 0x80]
    );
}

/// [MQTT-3.1.3-11] The User Name must be a valid UTF-8 encoded string.
#[test]
fn mqtt_3_1_3_11_user_name_utf8() {
    let mut bytes = [
        0x10, 0x11, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x82, 0x00, 0x3C, 0x00, 0x01, 0x63,
        0x00, 0x02, 0xC3, 0x28,
    ];
    assert_eq!(
        decode(&bytes),
        Err(DecodeError::InvalidUtf8 { field: "user name" })
    );
    bytes[18] = 0xA9;
    assert_eq!(
        connect_of(decode(&bytes).unwrap()).username,
        Some(string("\u{E9}"))
    );
    // The password is binary data: the same bytes there are accepted.
    let password = [
        0x10, 0x13, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0xC2, 0x00, 0x3C, 0x00, 0x01, 0x63,
        0x00, 0x00, 0x00, 0x02, 0xC3, 0x28,
    ];
    assert_eq!(
        connect_of(decode(&password).unwrap())
            .password
            .unwrap()
            .as_bytes(),
        &[0xC3, 0x28]
    );
}

/// [MQTT-3.1.4-1] The server validates that the CONNECT is well formed and closes the connection
/// without a CONNACK if it is not: the server decoder reports the violation before any packet
/// exists, stays failed, and learns no version.
#[test]
fn mqtt_3_1_4_1_server_validates_connect() {
    // Not a CONNECT first.
    let mut server = Decoder::awaiting_connect(Limits::default());
    let err = DecodeError::FirstPacketNotConnect {
        packet: PacketType::PingReq,
    };
    assert_eq!(decode_with(&mut server, &[0xC0, 0x00]), Err(err));
    assert!(server.is_failed());
    assert_eq!(server.version(), None);
    // Closed: a valid CONNECT afterwards is not processed.
    let valid = [
        0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01, 0x63,
    ];
    assert_eq!(server.decode(&mut BytesMut::from(&valid[..])), Err(err));

    // A malformed CONNECT (bytes after the last field, CONNECT flags 0x40 without a user name).
    let malformed: [&[u8]; 3] = [
        &[
            0x10, 0x0E, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01,
            0x63, 0x00,
        ],
        &[
            0x10, 0x0C, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x42, 0x00, 0x3C, 0x00, 0x00,
        ],
        &[
            0x11, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01,
            0x63,
        ],
    ];
    let errors = [
        DecodeError::TrailingBytes {
            packet: PacketType::Connect,
            count: 1,
        },
        DecodeError::PasswordWithoutUserName,
        DecodeError::InvalidFlags {
            packet: PacketType::Connect,
            flags: 1,
        },
    ];
    for (bytes, err) in malformed.into_iter().zip(errors) {
        let mut server = Decoder::awaiting_connect(Limits::default());
        assert_eq!(decode_with(&mut server, bytes), Err(err));
        assert_eq!(server.version(), None);
        assert!(server.is_failed());
    }

    // A well-formed CONNECT sets the version.
    let mut server = Decoder::awaiting_connect(Limits::default());
    assert!(decode_with(&mut server, &valid).is_ok());
    assert_eq!(server.version(), Some(V311));
    assert!(!server.is_failed());
}

// ---------------------------------------------------------------------------------------------
// 3.2 CONNACK
// ---------------------------------------------------------------------------------------------

/// [MQTT-3.2.2-4] A CONNACK with a non-zero return code has Session Present = 0.
#[test]
fn mqtt_3_2_2_4_session_present_zero_on_refusal() {
    for code in 1..=5u8 {
        let mut client = Decoder::client(V311, Limits::default());
        assert_eq!(
            decode_with(&mut client, &[0x20, 0x02, 0x01, code]),
            Err(DecodeError::SessionPresentWithError),
            "return code {code}"
        );
        let refused = ConnAck::new(false, ReasonCode(code));
        assert_eq!(
            decode_with(
                &mut Decoder::client(V311, Limits::default()),
                &[0x20, 0x02, 0x00, code]
            ),
            Ok(Packet::ConnAck(refused.clone()))
        );
        // The server's encoder refuses Session Present with a refusal and writes 0 otherwise.
        let server = Encoder::server(V311);
        assert!(matches!(
            encode_with(
                &server,
                &Packet::ConnAck(ConnAck::new(true, ReasonCode(code)))
            ),
            Err(EncodeError::InvalidField {
                field: "session present",
                ..
            })
        ));
        assert_eq!(
            encode_with(&server, &Packet::ConnAck(refused)).unwrap(),
            [0x20, 0x02, 0x00, code]
        );
    }
    // Session Present with an accepted connection is fine both ways.
    let accepted = ConnAck::new(true, ReasonCode::SUCCESS);
    let mut client = Decoder::client(V311, Limits::default());
    assert_eq!(
        decode_with(&mut client, &[0x20, 0x02, 0x01, 0x00]),
        Ok(Packet::ConnAck(accepted.clone()))
    );
    assert_eq!(
        encode_with(&Encoder::server(V311), &Packet::ConnAck(accepted)).unwrap(),
        [0x20, 0x02, 0x01, 0x00]
    );
}

// ---------------------------------------------------------------------------------------------
// 3.3 PUBLISH
// ---------------------------------------------------------------------------------------------

/// [MQTT-3.3.1-2] The DUP flag of a QoS 0 PUBLISH is always 0.
#[test]
fn mqtt_3_3_1_2_dup_on_qos0_rejected() {
    assert_eq!(
        decode(&[0x38, 0x07, 0x00, 0x03, 0x61, 0x2F, 0x62, 0x68, 0x69]),
        Err(DecodeError::DupOnQoS0)
    );
    // With RETAIN as well.
    assert_eq!(
        decode(&[0x39, 0x07, 0x00, 0x03, 0x61, 0x2F, 0x62, 0x68, 0x69]),
        Err(DecodeError::DupOnQoS0)
    );
    // DUP on QoS 1 and QoS 2 is fine.
    for first in [0x3A, 0x3C] {
        let p = publish_of(
            decode(&[
                first, 0x09, 0x00, 0x03, 0x61, 0x2F, 0x62, 0x00, 0x01, 0x68, 0x69,
            ])
            .unwrap(),
        );
        assert!(p.dup);
    }
    // The encoder refuses DUP at QoS 0.
    let mut p = Publish::new(name("a/b"), &b"hi"[..]);
    p.dup = true;
    assert!(matches!(
        encode(&Packet::Publish(p)),
        Err(EncodeError::InvalidField { field: "dup", .. })
    ));
}

/// [MQTT-3.3.1-4] A PUBLISH must not have both QoS bits set (QoS 3); a receiver closes the
/// connection.
#[test]
fn mqtt_3_3_1_4_qos3_rejected() {
    for first in [0x36, 0x37, 0x3E, 0x3F] {
        let mut decoder = Decoder::new(V311, Limits::default());
        assert_eq!(
            decode_with(
                &mut decoder,
                &[
                    first, 0x09, 0x00, 0x03, 0x61, 0x2F, 0x62, 0x00, 0x01, 0x68, 0x69
                ]
            ),
            Err(DecodeError::PublishQoS3),
            "{first:#04x}"
        );
        assert!(decoder.is_failed());
    }
    // QoS 2 (bits 10) with the same body is fine.
    let p = publish_of(
        decode(&[
            0x34, 0x09, 0x00, 0x03, 0x61, 0x2F, 0x62, 0x00, 0x01, 0x68, 0x69,
        ])
        .unwrap(),
    );
    assert_eq!(p.delivery, Delivery::ExactlyOnce(id(1)));
}

/// [MQTT-3.3.2-1] The Topic Name is the first field of the PUBLISH variable header and is a
/// valid UTF-8 encoded string.
#[test]
fn mqtt_3_3_2_1_topic_name_first_and_utf8() {
    // Topic "a/b", then packet id 7, then payload "hi".
    let bytes = [
        0x32, 0x09, 0x00, 0x03, 0x61, 0x2F, 0x62, 0x00, 0x07, 0x68, 0x69,
    ];
    let p = publish_of(decode(&bytes).unwrap());
    assert_eq!(p.topic.name(), Some(&name("a/b")));
    assert_eq!(p.delivery, Delivery::AtLeastOnce(id(7)));
    assert_eq!(&p.payload[..], b"hi");
    assert_eq!(encode(&Packet::Publish(p)).unwrap(), bytes);
    // Ill-formed UTF-8 in the topic.
    assert_eq!(
        decode(&[
            0x32, 0x09, 0x00, 0x03, 0x61, 0xFF, 0x62, 0x00, 0x07, 0x68, 0x69
        ]),
        Err(DecodeError::InvalidUtf8 {
            field: "topic name"
        })
    );
    // A topic length running past the packet.
    assert_eq!(
        decode(&[0x30, 0x03, 0x00, 0x05, 0x61]),
        Err(DecodeError::UnexpectedEnd {
            field: "topic name"
        })
    );
    // No topic at all.
    assert_eq!(
        decode(&[0x30, 0x00]),
        Err(DecodeError::UnexpectedEnd {
            field: "topic name"
        })
    );
}

// ---------------------------------------------------------------------------------------------
// 3.6 PUBREL, 3.8 SUBSCRIBE, 3.9 SUBACK, 3.10 UNSUBSCRIBE, 3.14 DISCONNECT
// ---------------------------------------------------------------------------------------------

/// Every flags nibble of a `type` frame is rejected as `InvalidFlags`, except `0010`.
fn assert_only_0010(packet: PacketType, frame: &[u8]) {
    for flags in 0..16u8 {
        let mut bytes = frame.to_vec();
        if let Some(first) = bytes.first_mut() {
            *first = (*first & 0xF0) | flags;
        }
        let result = decode(&bytes);
        if flags == 0b0010 {
            assert_eq!(result.map(|p| p.packet_type()), Ok(packet));
        } else {
            assert_eq!(
                result,
                Err(DecodeError::InvalidFlags { packet, flags }),
                "{flags:04b}"
            );
        }
    }
}

/// [MQTT-3.6.1-1] PUBREL fixed-header flags are `0010`; anything else is malformed and closes
/// the connection.
#[test]
fn mqtt_3_6_1_1_pubrel_flags_0010() {
    assert_only_0010(PacketType::PubRel, &[0x62, 0x02, 0x00, 0x01]);
    assert_eq!(
        decode(&[0x62, 0x02, 0x00, 0x01]),
        Ok(Packet::PubRel(PubRel::new(id(1))))
    );
    // 3.1's DUP on PUBREL (1010) is not 3.1.1.
    assert_eq!(
        decode(&[0x6A, 0x02, 0x00, 0x01]),
        Err(DecodeError::InvalidFlags {
            packet: PacketType::PubRel,
            flags: 0b1010
        })
    );
}

/// [MQTT-3.8.1-1] SUBSCRIBE fixed-header flags are `0010`; anything else is malformed and closes
/// the connection.
#[test]
fn mqtt_3_8_1_1_subscribe_flags_0010() {
    let frame = [0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00];
    assert_only_0010(PacketType::Subscribe, &frame);
    let mut server = Decoder::awaiting_connect(Limits::default());
    decode_with(
        &mut server,
        &[
            0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01,
            0x63,
        ],
    )
    .unwrap();
    assert_eq!(
        decode_with(
            &mut server,
            &[0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00]
        ),
        Err(DecodeError::InvalidFlags {
            packet: PacketType::Subscribe,
            flags: 0
        })
    );
}

/// [MQTT-3.8.3-1] The Topic Filters of a SUBSCRIBE are valid UTF-8 encoded strings.
#[test]
fn mqtt_3_8_3_1_subscribe_filter_utf8() {
    // Second filter ill-formed (lone FF).
    let bad = [
        0x82, 0x0A, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00, 0x00, 0x01, 0xFF, 0x01,
    ];
    assert_eq!(
        decode(&bad),
        Err(DecodeError::InvalidUtf8 {
            field: "topic filter"
        })
    );
    // Surrogate.
    let surrogate = [0x82, 0x08, 0x00, 0x01, 0x00, 0x03, 0xED, 0xA0, 0x80, 0x00];
    assert_eq!(
        decode(&surrogate),
        Err(DecodeError::InvalidUtf8 {
            field: "topic filter"
        })
    );
    // Well-formed: "a" at QoS 0 and "\u{E9}/#" at QoS 1.
    let good = [
        0x82, 0x0D, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00, 0x00, 0x04, 0xC3, 0xA9, 0x2F, 0x23, 0x01,
    ];
    assert_eq!(
        decode(&good),
        Ok(Packet::Subscribe(Subscribe::new(
            id(1),
            vec![
                Subscription::new(filter("a"), QoS::AtMostOnce),
                Subscription::new(filter("\u{E9}/#"), QoS::AtLeastOnce),
            ]
        )))
    );
}

/// [MQTT-3.8.3-3] A SUBSCRIBE payload holds at least one Topic Filter / QoS pair; an empty
/// payload is a protocol violation.
#[test]
fn mqtt_3_8_3_3_subscribe_needs_a_filter() {
    assert_eq!(
        decode(&[0x82, 0x02, 0x00, 0x01]),
        Err(DecodeError::NoTopicFilters {
            packet: PacketType::Subscribe
        })
    );
    // A filter without its options byte is not a pair either.
    assert_eq!(
        decode(&[0x82, 0x05, 0x00, 0x01, 0x00, 0x01, 0x61]),
        Err(DecodeError::UnexpectedEnd {
            field: "subscription options"
        })
    );
    assert!(decode(&[0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00]).is_ok());
    // The encoder refuses an empty SUBSCRIBE.
    assert!(matches!(
        encode_with(
            &Encoder::client(V311),
            &Packet::Subscribe(Subscribe::new(id(1), vec![]))
        ),
        Err(EncodeError::InvalidField {
            field: "subscriptions",
            ..
        })
    ));
}

/// [MQTT-3.8.3-4] Non-zero reserved bits (7-2) in a SUBSCRIBE options byte, or Requested QoS 3,
/// are malformed: the server closes the connection. (Printed as MQTT-3-8.3-4 in the spec.)
#[test]
fn mqtt_3_8_3_4_reserved_option_bits_or_qos3_rejected() {
    for options in 0..=255u8 {
        let result = decode(&[0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, options]);
        match options {
            0..=2 => {
                let qos = QoS::try_from(options).unwrap();
                assert_eq!(
                    result,
                    Ok(Packet::Subscribe(Subscribe::new(
                        id(1),
                        vec![Subscription::new(filter("a"), qos)]
                    )))
                );
            }
            _ => assert_eq!(
                result,
                Err(DecodeError::InvalidSubscriptionOptions { options }),
                "{options:#04x}"
            ),
        }
    }
    // The encoder cannot send 5.0 option bits in 3.1.1.
    let mut s = Subscription::new(filter("a"), QoS::AtMostOnce);
    s.options.no_local = true;
    assert_eq!(
        encode(&Packet::Subscribe(Subscribe::new(id(1), vec![s]))),
        Err(EncodeError::NotInVersion {
            what: "subscription options other than QoS",
            version: V311
        })
    );
}

/// [MQTT-3.9.3-2] SUBACK return codes other than 0x00, 0x01, 0x02 and 0x80 are reserved and
/// must not be used.
#[test]
fn mqtt_3_9_3_2_suback_reserved_codes_rejected() {
    for code in 0..=255u8 {
        let mut client = Decoder::client(V311, Limits::default());
        let result = decode_with(&mut client, &[0x90, 0x03, 0x00, 0x01, code]);
        if matches!(code, 0x00 | 0x01 | 0x02 | 0x80) {
            assert_eq!(
                result,
                Ok(Packet::SubAck(SubAck::new(id(1), vec![ReasonCode(code)])))
            );
        } else {
            assert_eq!(
                result,
                Err(DecodeError::InvalidReasonCode {
                    packet: PacketType::SubAck,
                    code
                }),
                "{code:#04x}"
            );
        }
    }
    // The encoder writes the four codes and refuses the others.
    let server = Encoder::server(V311);
    let codes = vec![
        ReasonCode(0),
        ReasonCode(1),
        ReasonCode(2),
        ReasonCode::V3_SUBACK_FAILURE,
    ];
    assert_eq!(
        encode_with(&server, &Packet::SubAck(SubAck::new(id(1), codes))).unwrap(),
        [0x90, 0x06, 0x00, 0x01, 0x00, 0x01, 0x02, 0x80]
    );
    for code in [0x03, 0x7F, 0x81, 0x87, 0xFF] {
        assert_eq!(
            encode_with(
                &server,
                &Packet::SubAck(SubAck::new(id(1), vec![ReasonCode(code)]))
            ),
            Err(EncodeError::InvalidReasonCode {
                packet: PacketType::SubAck,
                code
            })
        );
    }
}

/// [MQTT-3.10.1-1] UNSUBSCRIBE fixed-header flags are `0010`; anything else is malformed and
/// closes the connection.
#[test]
fn mqtt_3_10_1_1_unsubscribe_flags_0010() {
    assert_only_0010(
        PacketType::Unsubscribe,
        &[0xA2, 0x05, 0x00, 0x01, 0x00, 0x01, 0x61],
    );
    assert_eq!(
        decode(&[0xA2, 0x05, 0x00, 0x01, 0x00, 0x01, 0x61]),
        Ok(Packet::Unsubscribe(Unsubscribe::new(
            id(1),
            vec![filter("a")]
        )))
    );
}

/// [MQTT-3.10.3-1] The Topic Filters of an UNSUBSCRIBE are UTF-8 encoded strings packed
/// contiguously.
#[test]
fn mqtt_3_10_3_1_unsubscribe_filters_utf8_back_to_back() {
    // "a/b" and "c/#", back to back.
    let bytes = [
        0xA2, 0x0C, 0x00, 0x01, 0x00, 0x03, 0x61, 0x2F, 0x62, 0x00, 0x03, 0x63, 0x2F, 0x23,
    ];
    let unsubscribe = Unsubscribe::new(id(1), vec![filter("a/b"), filter("c/#")]);
    assert_eq!(decode(&bytes), Ok(Packet::Unsubscribe(unsubscribe.clone())));
    assert_eq!(encode(&Packet::Unsubscribe(unsubscribe)).unwrap(), bytes);
    // Ill-formed UTF-8 in the second filter.
    let bad = [
        0xA2, 0x0C, 0x00, 0x01, 0x00, 0x03, 0x61, 0x2F, 0x62, 0x00, 0x03, 0xED, 0xA0, 0x80,
    ];
    assert_eq!(
        decode(&bad),
        Err(DecodeError::InvalidUtf8 {
            field: "topic filter"
        })
    );
    // A stray byte after the last filter is the start of a truncated filter.
    let stray = [0xA2, 0x08, 0x00, 0x01, 0x00, 0x03, 0x61, 0x2F, 0x62, 0x00];
    assert_eq!(
        decode(&stray),
        Err(DecodeError::UnexpectedEnd {
            field: "topic filter"
        })
    );
}

/// [MQTT-3.10.3-2] An UNSUBSCRIBE payload holds at least one Topic Filter; an empty payload is
/// a protocol violation.
#[test]
fn mqtt_3_10_3_2_unsubscribe_needs_a_filter() {
    assert_eq!(
        decode(&[0xA2, 0x02, 0x00, 0x01]),
        Err(DecodeError::NoTopicFilters {
            packet: PacketType::Unsubscribe
        })
    );
    assert!(decode(&[0xA2, 0x05, 0x00, 0x01, 0x00, 0x01, 0x61]).is_ok());
    assert!(matches!(
        encode_with(
            &Encoder::client(V311),
            &Packet::Unsubscribe(Unsubscribe::new(id(1), vec![]))
        ),
        Err(EncodeError::InvalidField {
            field: "filters",
            ..
        })
    ));
}

/// [MQTT-3.14.1-1] The server checks that the DISCONNECT reserved header bits are 0 and
/// disconnects the client if they are not.
#[test]
fn mqtt_3_14_1_1_disconnect_reserved_bits_rejected() {
    let connect = [
        0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01, 0x63,
    ];
    for flags in 0..16u8 {
        let mut server = Decoder::awaiting_connect(Limits::default());
        decode_with(&mut server, &connect).unwrap();
        let result = decode_with(&mut server, &[0xE0 | flags, 0x00]);
        if flags == 0 {
            assert_eq!(result, Ok(Packet::Disconnect(Disconnect::new())));
        } else {
            assert_eq!(
                result,
                Err(DecodeError::InvalidFlags {
                    packet: PacketType::Disconnect,
                    flags
                })
            );
            assert!(server.is_failed());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 6 WebSocket framing: packets and transport frames do not align
// ---------------------------------------------------------------------------------------------

/// [MQTT-6.0.0-2] Packets need not align with transport (WebSocket) frames: the decoder handles
/// a buffer holding several packets, and packets split at any byte.
#[test]
fn mqtt_6_0_0_2_partial_and_multiple_packets() {
    let mut decoder = Decoder::new(V311, Limits::default());
    // PINGREQ, a QoS 0 PUBLISH, and the first 3 bytes of a PUBACK in one buffer.
    let mut rx = BytesMut::from(
        &[
            0xC0, 0x00, 0x30, 0x07, 0x00, 0x03, 0x61, 0x2F, 0x62, 0x68, 0x69, 0x40, 0x02, 0x00,
        ][..],
    );
    assert_eq!(decoder.decode(&mut rx), Ok(Some(Packet::PingReq)));
    assert_eq!(
        decoder.decode(&mut rx),
        Ok(Some(Packet::Publish(Publish::new(name("a/b"), &b"hi"[..]))))
    );
    // The partial PUBACK stays in place until its last byte arrives.
    assert_eq!(decoder.decode(&mut rx), Ok(None));
    assert_eq!(&rx[..], &[0x40, 0x02, 0x00]);
    rx.extend_from_slice(&[0x01, 0xD0]);
    assert_eq!(
        decoder.decode(&mut rx),
        Ok(Some(Packet::PubAck(PubAck::new(id(1)))))
    );
    assert_eq!(decoder.decode(&mut rx), Ok(None));
    assert_eq!(&rx[..], &[0xD0]);
    rx.extend_from_slice(&[0x00]);
    assert_eq!(decoder.decode(&mut rx), Ok(Some(Packet::PingResp)));
    assert!(rx.is_empty());

    // One byte at a time, including a two-byte Remaining Length split across "frames".
    let mut big = Publish::new(name("a/b"), vec![0x5Au8; 200]);
    big.delivery = Delivery::AtLeastOnce(id(9));
    let mut wire = encode(&Packet::Publish(big.clone())).unwrap();
    assert_eq!(&wire[..3], &[0x32, 0xCF, 0x01]); // Remaining Length 207 = CF 01
    wire.extend_from_slice(&[0xE0, 0x00]);
    let mut rx = BytesMut::new();
    let mut got = Vec::new();
    for &byte in &wire {
        rx.extend_from_slice(&[byte]);
        while let Some(p) = decoder.decode(&mut rx).unwrap() {
            got.push(p);
        }
    }
    assert_eq!(
        got,
        [Packet::Publish(big), Packet::Disconnect(Disconnect::new())]
    );
    assert!(rx.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Un-numbered 3.1.1 receiver rules (spec README §3, §4, §7)
// ---------------------------------------------------------------------------------------------

/// CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP and UNSUBACK have a Remaining Length of exactly 2 in
/// 3.1.1: more is trailing bytes, less runs out.
#[test]
fn v311_fixed_remaining_length_two() {
    let cases = [
        (PacketType::ConnAck, 0x20, "reason code"),
        (PacketType::PubAck, 0x40, "packet identifier"),
        (PacketType::PubRec, 0x50, "packet identifier"),
        (PacketType::PubRel, 0x62, "packet identifier"),
        (PacketType::PubComp, 0x70, "packet identifier"),
        (PacketType::UnsubAck, 0xB0, "packet identifier"),
    ];
    for (packet, first, short_field) in cases {
        assert_eq!(
            decode(&[first, 0x02, 0x00, 0x01]).map(|p| p.packet_type()),
            Ok(packet)
        );
        // A 5.0-style reason code byte is not 3.1.1.
        assert_eq!(
            decode(&[first, 0x03, 0x00, 0x01, 0x00]),
            Err(DecodeError::TrailingBytes { packet, count: 1 }),
            "{packet}"
        );
        assert_eq!(
            decode(&[first, 0x04, 0x00, 0x01, 0x00, 0x00]),
            Err(DecodeError::TrailingBytes { packet, count: 2 }),
            "{packet}"
        );
        assert_eq!(
            decode(&[first, 0x01, 0x00]),
            Err(DecodeError::UnexpectedEnd { field: short_field }),
            "{packet}"
        );
        assert_eq!(
            decode(&[first, 0x00]),
            Err(DecodeError::UnexpectedEnd {
                field: if packet == PacketType::ConnAck {
                    "connect acknowledge flags"
                } else {
                    "packet identifier"
                }
            }),
            "{packet}"
        );
    }
}

/// PINGREQ, PINGRESP and DISCONNECT have a Remaining Length of 0 in 3.1.1.
#[test]
fn v311_fixed_remaining_length_zero() {
    for (packet, first) in [
        (PacketType::PingReq, 0xC0),
        (PacketType::PingResp, 0xD0),
        (PacketType::Disconnect, 0xE0),
    ] {
        assert_eq!(decode(&[first, 0x00]).map(|p| p.packet_type()), Ok(packet));
        assert_eq!(
            decode(&[first, 0x01, 0x00]),
            Err(DecodeError::TrailingBytes { packet, count: 1 }),
            "{packet}"
        );
        assert_eq!(
            decode(&[first, 0x02, 0x8E, 0x00]),
            Err(DecodeError::TrailingBytes { packet, count: 2 }),
            "{packet}"
        );
    }
    // And the encoder cannot put a 5.0 reason code into a 3.1.1 DISCONNECT.
    assert_eq!(
        encode(&Packet::Disconnect(Disconnect::new())).unwrap(),
        [0xE0, 0x00]
    );
    assert!(matches!(
        encode(&Packet::Disconnect(Disconnect::with_reason(
            ReasonCode::SERVER_SHUTTING_DOWN
        ))),
        Err(EncodeError::NotInVersion { version: V311, .. })
    ));
}

/// Packet type 15 (AUTH) is reserved in 3.1.1, in either direction and whatever follows.
#[test]
fn v311_auth_packet_type_reserved() {
    assert_eq!(
        decode(&[0xF0, 0x00]),
        Err(DecodeError::ReservedPacketType { packet_type: 15 })
    );
    let mut client = Decoder::client(V311, Limits::default());
    assert_eq!(
        decode_with(&mut client, &[0xF0, 0x02, 0x18, 0x00]),
        Err(DecodeError::ReservedPacketType { packet_type: 15 })
    );
    // On a server, after a 3.1.1 CONNECT; detected from the first byte alone.
    let mut server = Decoder::awaiting_connect(Limits::default());
    decode_with(
        &mut server,
        &[
            0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01,
            0x63,
        ],
    )
    .unwrap();
    assert_eq!(
        server.decode(&mut BytesMut::from(&[0xF0][..])),
        Err(DecodeError::ReservedPacketType { packet_type: 15 })
    );
    // The encoder cannot produce AUTH for 3.1.1.
    assert!(matches!(
        encode(&Packet::Auth(Auth::new(ReasonCode::SUCCESS))),
        Err(EncodeError::NotInVersion { version: V311, .. })
    ));
}

/// Packet type 0 is reserved: malformed, detected from the first byte.
#[test]
fn v311_packet_type_0_reserved() {
    for flags in [0x00, 0x02, 0x0F] {
        let mut decoder = Decoder::new(V311, Limits::default());
        assert_eq!(
            decoder.decode(&mut BytesMut::from(&[flags][..])),
            Err(DecodeError::ReservedPacketType { packet_type: 0 })
        );
        assert!(decoder.is_failed());
    }
    assert_eq!(
        decode(&[0x00, 0x00]),
        Err(DecodeError::ReservedPacketType { packet_type: 0 })
    );
}

/// A Remaining Length takes at most 4 bytes: a 4th byte with the continuation bit (a 5th byte)
/// is malformed.
#[test]
fn v311_remaining_length_fifth_byte_malformed() {
    let limits = Limits::default().with_max_packet_size(Limits::PROTOCOL_MAX_PACKET_SIZE);
    for bytes in [
        &[0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01][..],
        &[0x30, 0x80, 0x80, 0x80, 0x80, 0x00][..],
        &[0xC0, 0x80, 0x80, 0x80, 0x80][..],
    ] {
        let mut decoder = Decoder::new(V311, limits);
        assert_eq!(
            decoder.decode(&mut BytesMut::from(bytes)),
            Err(DecodeError::MalformedRemainingLength),
            "{bytes:02X?}"
        );
    }
    // Four bytes, the largest value (268,435,455): a valid header that just needs more input.
    let mut decoder = Decoder::new(V311, limits);
    let mut rx = BytesMut::from(&[0x30, 0xFF, 0xFF, 0xFF, 0x7F, 0x00][..]);
    assert_eq!(decoder.decode(&mut rx), Ok(None));
    assert_eq!(rx.len(), 6);
    // Three continuation bytes so far: still incomplete, not an error.
    let mut decoder = Decoder::new(V311, limits);
    assert_eq!(
        decoder.decode(&mut BytesMut::from(&[0x30, 0xFF, 0xFF, 0xFF][..])),
        Ok(None)
    );
}

/// A SUBSCRIBE requesting QoS 3 is malformed.
#[test]
fn v311_subscribe_requested_qos_3_malformed() {
    let mut server = Decoder::awaiting_connect(Limits::default());
    decode_with(
        &mut server,
        &[
            0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01,
            0x63,
        ],
    )
    .unwrap();
    // Second filter asks for QoS 3.
    let bytes = [
        0x82, 0x0A, 0x00, 0x01, 0x00, 0x01, 0x61, 0x02, 0x00, 0x01, 0x62, 0x03,
    ];
    assert_eq!(
        decode_with(&mut server, &bytes),
        Err(DecodeError::InvalidSubscriptionOptions { options: 0x03 })
    );
    assert_eq!(QoS::try_from(3).map_err(|e| e.0), Err(3));
}

/// A 3.1.1 UNSUBACK has no payload: 5.0-style reason codes after the identifier are rejected.
#[test]
fn v311_unsuback_has_no_payload() {
    let mut client = Decoder::client(V311, Limits::default());
    assert_eq!(
        decode_with(&mut client, &[0xB0, 0x03, 0x00, 0x01, 0x00]),
        Err(DecodeError::TrailingBytes {
            packet: PacketType::UnsubAck,
            count: 1
        })
    );
    let mut client = Decoder::client(V311, Limits::default());
    assert_eq!(
        decode_with(&mut client, &[0xB0, 0x02, 0x00, 0x01]),
        Ok(Packet::UnsubAck(UnsubAck::new(id(1), vec![])))
    );
    // The encoder writes none and refuses to be given any.
    assert_eq!(
        encode(&Packet::UnsubAck(UnsubAck::new(id(1), vec![]))).unwrap(),
        [0xB0, 0x02, 0x00, 0x01]
    );
    assert_eq!(
        encode(&Packet::UnsubAck(UnsubAck::new(
            id(1),
            vec![ReasonCode::SUCCESS]
        ))),
        Err(EncodeError::NotInVersion {
            what: "UNSUBACK reason codes",
            version: V311
        })
    );
}

/// A 3.1.1 CONNACK return code above 5 is reserved; 0 to 5 are the defined ones.
#[test]
fn v311_connack_return_codes_0_to_5() {
    for code in 0..=255u8 {
        let mut client = Decoder::client(V311, Limits::default());
        let result = decode_with(&mut client, &[0x20, 0x02, 0x00, code]);
        if code <= 5 {
            assert_eq!(
                result,
                Ok(Packet::ConnAck(ConnAck::new(false, ReasonCode(code))))
            );
        } else {
            assert_eq!(
                result,
                Err(DecodeError::InvalidReasonCode {
                    packet: PacketType::ConnAck,
                    code
                })
            );
        }
    }
    // Reserved acknowledge flag bits 7-1.
    assert_eq!(
        decode(&[0x20, 0x02, 0x02, 0x00]),
        Err(DecodeError::ConnAckReservedFlags { flags: 0x02 })
    );
}
