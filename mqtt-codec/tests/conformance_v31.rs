//! MQTT 3.1 (protocol name `MQIsdp`, level 3) conformance of the codec: the differences from
//! 3.1.1 listed in the spec README, on hand-written wire bytes. 3.1 has no normative IDs, so the
//! tests are named `v31_<section>_<what>`.

use bytes::BytesMut;
use mqtt_codec::topic::{TopicDialect, TopicFilter, TopicName};
use mqtt_codec::{
    Auth, BinaryData, ConnAck, Connect, DecodeError, Decoder, EncodeError, Encoder, Limits,
    MqttString, Packet, PacketId, PacketType, ProtocolVersion, PubRel, QoS, ReasonCode, SubAck,
    Subscribe, Subscription, UnsubAck, Unsubscribe, Will,
};

const V31: ProtocolVersion = ProtocolVersion::V3_1;
const V311: ProtocolVersion = ProtocolVersion::V3_1_1;

/// Bytes already in the transmit buffer before an encode: they must survive untouched.
const SENTINEL: &[u8] = &[0xA5, 0x5A];

/// A 3.1 CONNECT: "MQIsdp", level 3, CleanSession, keep alive 60, client id "abc".
const CONNECT_31: [u8; 19] = [
    0x10, 0x11, 0x00, 0x06, 0x4D, 0x51, 0x49, 0x73, 0x64, 0x70, 0x03, 0x02, 0x00, 0x3C, 0x00, 0x03,
    0x61, 0x62, 0x63,
];

/// Decodes `bytes`, which must be exactly one complete frame, with a fresh direction-independent
/// decoder for `version`.
fn decode(version: ProtocolVersion, bytes: &[u8]) -> Result<Packet, DecodeError> {
    decode_with(&mut Decoder::new(version, Limits::default()), bytes)
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

/// Encodes with a direction-independent 3.1 encoder.
fn encode(packet: &Packet) -> Result<Vec<u8>, EncodeError> {
    encode_with(&Encoder::new(V31), packet)
}

/// A server decoder that has read [`CONNECT_31`], so the connection is 3.1.
fn server_after_connect() -> Decoder {
    let mut server = Decoder::awaiting_connect(Limits::default());
    let result = decode_with(&mut server, &CONNECT_31);
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(server.version(), Some(V31));
    server
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

/// A filter as a 3.x decoder reads it.
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

/// §3.1: a 3.1 CONNECT carries the protocol name `MQIsdp` (`00 06 4D 51 49 73 64 70`) and level
/// 3; the encoder writes it and a server decoder recognises it as 3.1.
#[test]
fn v31_3_1_mqisdp_protocol_name() {
    let connect = Connect::new(V31, string("abc"));
    assert_eq!(encode(&Packet::from(connect.clone())).unwrap(), CONNECT_31);
    let mut server = Decoder::awaiting_connect(Limits::default());
    assert_eq!(
        decode_with(&mut server, &CONNECT_31),
        Ok(Packet::from(connect.clone()))
    );
    assert_eq!(server.version(), Some(V31));
    // A 3.1.1 encoder will not write a 3.1 CONNECT.
    assert_eq!(
        encode_with(&Encoder::new(V311), &Packet::from(connect)),
        Err(EncodeError::VersionMismatch {
            packet: V31,
            encoder: V311
        })
    );
}

/// §3.1: the name and level go together: `MQIsdp` is level 3 only, and level 3 is `MQIsdp` only.
#[test]
fn v31_3_1_mqisdp_level_must_be_3() {
    // MQIsdp at level 4.
    let mut bytes = CONNECT_31;
    bytes[10] = 0x04;
    let mut server = Decoder::awaiting_connect(Limits::default());
    assert_eq!(
        decode_with(&mut server, &bytes),
        Err(DecodeError::UnsupportedProtocolLevel { level: 4 })
    );
    assert_eq!(server.version(), None);
    // MQTT at level 3.
    let mqtt_3 = [
        0x10, 0x0F, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x03, 0x02, 0x00, 0x3C, 0x00, 0x03, 0x61,
        0x62, 0x63,
    ];
    let mut server = Decoder::awaiting_connect(Limits::default());
    assert_eq!(
        decode_with(&mut server, &mqtt_3),
        Err(DecodeError::UnsupportedProtocolLevel { level: 3 })
    );
    // Case matters: "MQISDP".
    let mut upper = CONNECT_31;
    upper[7] = 0x53; // 's' -> 'S'
    upper[8] = 0x44; // 'd' -> 'D'
    upper[9] = 0x50; // 'p' -> 'P'
    assert_eq!(
        decode_with(&mut Decoder::awaiting_connect(Limits::default()), &upper),
        Err(DecodeError::UnknownProtocolName)
    );
}

/// §3.1: a full 3.1 CONNECT (will, user name, password) has the 3.1.1 layout under the 3.1 name
/// and level, and round-trips.
#[test]
fn v31_3_1_connect_full_round_trip() {
    let bytes = [
        0x10, 0x25, // Remaining Length 37
        0x00, 0x06, 0x4D, 0x51, 0x49, 0x73, 0x64, 0x70, 0x03, // "MQIsdp", level 3
        0xEE, 0x00, 0x0A, // user name, password, will retain, will QoS 1, will, clean; 10 s
        0x00, 0x03, 0x63, 0x69, 0x64, // client id "cid"
        0x00, 0x03, 0x77, 0x2F, 0x74, // will topic "w/t"
        0x00, 0x03, 0x62, 0x79, 0x65, // will message "bye"
        0x00, 0x04, 0x75, 0x73, 0x65, 0x72, // user name "user"
        0x00, 0x02, 0x70, 0x77, // password "pw"
    ];
    let mut c = Connect::new(V31, string("cid"));
    c.keep_alive_secs = 10;
    let mut will = Will::new(TopicName::new("w/t").unwrap(), &b"bye"[..]);
    will.qos = QoS::AtLeastOnce;
    will.retain = true;
    c.will = Some(will);
    c.username = Some(string("user"));
    c.password = Some(BinaryData::copy_from_slice(b"pw").unwrap());
    assert_eq!(encode(&Packet::from(c.clone())).unwrap(), bytes);
    assert_eq!(decode(V31, &bytes), Ok(Packet::from(c)));
}

/// §3.1: a 3.1 client identifier is 1 to 23 characters; the encoder refuses an empty or longer
/// one (3.1 has no empty client id, even with CleanSession).
#[test]
fn v31_3_1_client_id_1_to_23_chars_encoder() {
    let client = Encoder::client(V31);
    for len in [1, 23] {
        let c = Connect::new(V31, string(&"a".repeat(len)));
        let bytes = encode_with(&client, &Packet::from(c)).unwrap();
        assert_eq!(bytes.len(), 2 + 14 + len);
    }
    for len in [0, 24, 100] {
        let c = Connect::new(V31, string(&"a".repeat(len)));
        assert!(
            matches!(
                encode_with(&client, &Packet::from(c)),
                Err(EncodeError::InvalidField {
                    field: "client identifier",
                    ..
                })
            ),
            "length {len}"
        );
    }
    // 3.1.1 allows the empty id with CleanSession, and longer ones.
    assert!(
        encode_with(
            &Encoder::client(V311),
            &Packet::from(Connect::new(V311, MqttString::empty()))
        )
        .is_ok()
    );
    assert!(
        encode_with(
            &Encoder::client(V311),
            &Packet::from(Connect::new(V311, string(&"a".repeat(24))))
        )
        .is_ok()
    );
}

/// §3.1/§3.2: a server receiving a client id outside 1..=23 answers CONNACK 0x02 (identifier
/// rejected), so the decoder lets the CONNECT through and the encoder can write that CONNACK.
#[test]
fn v31_3_1_bad_client_id_reaches_server_for_connack_2() {
    // Client id of 24 'a'.
    let mut long = vec![
        0x10, 0x26, 0x00, 0x06, 0x4D, 0x51, 0x49, 0x73, 0x64, 0x70, 0x03, 0x02, 0x00, 0x3C, 0x00,
        0x18,
    ];
    long.extend_from_slice(&[0x61; 24]);
    let mut server = Decoder::awaiting_connect(Limits::default());
    assert_eq!(
        connect_of(decode_with(&mut server, &long).unwrap())
            .client_id
            .len(),
        24
    );
    assert_eq!(server.version(), Some(V31));
    // Empty client id.
    let empty = [
        0x10, 0x0E, 0x00, 0x06, 0x4D, 0x51, 0x49, 0x73, 0x64, 0x70, 0x03, 0x02, 0x00, 0x3C, 0x00,
        0x00,
    ];
    let mut server = Decoder::awaiting_connect(Limits::default());
    assert!(
        connect_of(decode_with(&mut server, &empty).unwrap())
            .client_id
            .is_empty()
    );
    let refuse = ConnAck::new(false, ReasonCode::V3_IDENTIFIER_REJECTED);
    assert_eq!(
        encode_with(&Encoder::server(V31), &Packet::ConnAck(refuse)).unwrap(),
        [0x20, 0x02, 0x00, 0x02]
    );
}

/// §3.2: in 3.1 the whole CONNACK byte 1 is reserved: there is no Session Present flag.
#[test]
fn v31_3_2_connack_has_no_session_present() {
    for flags in [0x01, 0x02, 0x80] {
        let mut client = Decoder::client(V31, Limits::default());
        assert_eq!(
            decode_with(&mut client, &[0x20, 0x02, flags, 0x00]),
            Err(DecodeError::ConnAckReservedFlags { flags }),
            "{flags:#04x}"
        );
    }
    // Byte 1 = 0 is the only valid value.
    let mut client = Decoder::client(V31, Limits::default());
    assert_eq!(
        decode_with(&mut client, &[0x20, 0x02, 0x00, 0x00]),
        Ok(Packet::ConnAck(ConnAck::new(false, ReasonCode::SUCCESS)))
    );
    // 3.1.1 reads bit 0 as Session Present.
    let mut client = Decoder::client(V311, Limits::default());
    assert_eq!(
        decode_with(&mut client, &[0x20, 0x02, 0x01, 0x00]),
        Ok(Packet::ConnAck(ConnAck::new(true, ReasonCode::SUCCESS)))
    );
    // The 3.1 encoder refuses to write Session Present.
    let server = Encoder::server(V31);
    assert_eq!(
        encode_with(
            &server,
            &Packet::ConnAck(ConnAck::new(true, ReasonCode::SUCCESS))
        ),
        Err(EncodeError::NotInVersion {
            what: "session present",
            version: V31
        })
    );
    assert_eq!(
        encode_with(
            &server,
            &Packet::ConnAck(ConnAck::new(false, ReasonCode::SUCCESS))
        )
        .unwrap(),
        [0x20, 0x02, 0x00, 0x00]
    );
}

/// §3.2: 3.1 CONNACK return codes are 0 to 5, as in 3.1.1; the rest are reserved.
#[test]
fn v31_3_2_connack_return_codes_0_to_5() {
    for code in 0..=255u8 {
        let mut client = Decoder::client(V31, Limits::default());
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
    assert_eq!(
        encode_with(
            &Encoder::server(V31),
            &Packet::ConnAck(ConnAck::new(false, ReasonCode(6)))
        ),
        Err(EncodeError::InvalidReasonCode {
            packet: PacketType::ConnAck,
            code: 6
        })
    );
}

/// §2.2 / §4: a retransmitted 3.1 PUBREL may carry DUP (`1010`); 3.1.1 allows only `0010`.
#[test]
fn v31_2_2_pubrel_dup_flag_allowed() {
    let dup = [0x6A, 0x02, 0x00, 0x01];
    assert_eq!(decode(V31, &dup), Ok(Packet::PubRel(PubRel::new(id(1)))));
    assert_eq!(
        decode(V31, &[0x62, 0x02, 0x00, 0x01]),
        Ok(Packet::PubRel(PubRel::new(id(1))))
    );
    assert_eq!(
        decode(V311, &dup),
        Err(DecodeError::InvalidFlags {
            packet: PacketType::PubRel,
            flags: 0b1010
        })
    );
    // The encoder writes QoS 1 without DUP.
    assert_eq!(
        encode(&Packet::PubRel(PubRel::new(id(1)))).unwrap(),
        [0x62, 0x02, 0x00, 0x01]
    );
}

/// §2.2 / §4: a retransmitted 3.1 SUBSCRIBE may carry DUP (`1010`); 3.1.1 allows only `0010`.
#[test]
fn v31_2_2_subscribe_dup_flag_allowed() {
    let dup = [0x8A, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x01];
    let expected = Packet::Subscribe(Subscribe::new(
        id(1),
        vec![Subscription::new(filter("a"), QoS::AtLeastOnce)],
    ));
    // On a server whose connection became 3.1 through its CONNECT.
    let mut server = server_after_connect();
    assert_eq!(decode_with(&mut server, &dup), Ok(expected.clone()));
    assert_eq!(
        decode(V311, &dup),
        Err(DecodeError::InvalidFlags {
            packet: PacketType::Subscribe,
            flags: 0b1010
        })
    );
    assert_eq!(
        encode(&expected).unwrap(),
        [0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x01]
    );
}

/// §2.2 / §4: a retransmitted 3.1 UNSUBSCRIBE may carry DUP (`1010`); 3.1.1 allows only `0010`.
#[test]
fn v31_2_2_unsubscribe_dup_flag_allowed() {
    let dup = [0xAA, 0x05, 0x00, 0x01, 0x00, 0x01, 0x61];
    let expected = Packet::Unsubscribe(Unsubscribe::new(id(1), vec![filter("a")]));
    let mut server = server_after_connect();
    assert_eq!(decode_with(&mut server, &dup), Ok(expected.clone()));
    assert_eq!(
        decode(V311, &dup),
        Err(DecodeError::InvalidFlags {
            packet: PacketType::Unsubscribe,
            flags: 0b1010
        })
    );
    assert_eq!(
        encode(&expected).unwrap(),
        [0xA2, 0x05, 0x00, 0x01, 0x00, 0x01, 0x61]
    );
}

/// §2.2 / §4: besides DUP, PUBREL, SUBSCRIBE and UNSUBSCRIBE carry exactly QoS 1 in 3.1 too, and
/// RETAIN is used only on PUBLISH; other packets have flags `0000`.
#[test]
fn v31_2_2_other_flags_still_rejected() {
    let frames: [(PacketType, &[u8]); 3] = [
        (PacketType::PubRel, &[0x62, 0x02, 0x00, 0x01]),
        (
            PacketType::Subscribe,
            &[0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00],
        ),
        (
            PacketType::Unsubscribe,
            &[0xA2, 0x05, 0x00, 0x01, 0x00, 0x01, 0x61],
        ),
    ];
    for (packet, frame) in frames {
        for flags in 0..16u8 {
            let mut bytes = frame.to_vec();
            bytes[0] = (bytes[0] & 0xF0) | flags;
            let result = decode(V31, &bytes);
            if flags == 0b0010 || flags == 0b1010 {
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
    // RETAIN or DUP on a PUBACK / PINGREQ is not 3.1 either.
    assert_eq!(
        decode(V31, &[0x41, 0x02, 0x00, 0x01]),
        Err(DecodeError::InvalidFlags {
            packet: PacketType::PubAck,
            flags: 1
        })
    );
    assert_eq!(
        decode(V31, &[0xC8, 0x00]),
        Err(DecodeError::InvalidFlags {
            packet: PacketType::PingReq,
            flags: 8
        })
    );
}

/// §3.8 (SUBACK): 3.1 grants QoS 0, 1 or 2 per filter.
#[test]
fn v31_3_8_suback_granted_qos_0_to_2() {
    let bytes = [0x90, 0x05, 0x00, 0x01, 0x00, 0x01, 0x02];
    let suback = SubAck::new(id(1), vec![ReasonCode(0), ReasonCode(1), ReasonCode(2)]);
    let mut client = Decoder::client(V31, Limits::default());
    assert_eq!(
        decode_with(&mut client, &bytes),
        Ok(Packet::SubAck(suback.clone()))
    );
    assert_eq!(
        encode_with(&Encoder::server(V31), &Packet::SubAck(suback)).unwrap(),
        bytes
    );
}

/// §3.8 (SUBACK): 3.1 SUBACK has no failure code: 0x80 (added in 3.1.1) and anything above 2 is
/// invalid.
#[test]
fn v31_3_8_suback_has_no_failure_code() {
    for code in 3..=255u8 {
        let mut client = Decoder::client(V31, Limits::default());
        assert_eq!(
            decode_with(&mut client, &[0x90, 0x03, 0x00, 0x01, code]),
            Err(DecodeError::InvalidReasonCode {
                packet: PacketType::SubAck,
                code
            }),
            "{code:#04x}"
        );
    }
    // The same 0x80 is a valid failure code in 3.1.1.
    let mut client = Decoder::client(V311, Limits::default());
    assert_eq!(
        decode_with(&mut client, &[0x90, 0x03, 0x00, 0x01, 0x80]),
        Ok(Packet::SubAck(SubAck::new(
            id(1),
            vec![ReasonCode::V3_SUBACK_FAILURE]
        )))
    );
    // The 3.1 encoder refuses it.
    assert_eq!(
        encode_with(
            &Encoder::server(V31),
            &Packet::SubAck(SubAck::new(id(1), vec![ReasonCode::V3_SUBACK_FAILURE]))
        ),
        Err(EncodeError::InvalidReasonCode {
            packet: PacketType::SubAck,
            code: 0x80
        })
    );
}

/// §3.11 (UNSUBACK): a 3.1 UNSUBACK is just the packet identifier, with no payload.
#[test]
fn v31_3_11_unsuback_has_no_payload() {
    let mut client = Decoder::client(V31, Limits::default());
    assert_eq!(
        decode_with(&mut client, &[0xB0, 0x02, 0x00, 0x01]),
        Ok(Packet::UnsubAck(UnsubAck::new(id(1), vec![])))
    );
    let mut client = Decoder::client(V31, Limits::default());
    assert_eq!(
        decode_with(&mut client, &[0xB0, 0x03, 0x00, 0x01, 0x00]),
        Err(DecodeError::TrailingBytes {
            packet: PacketType::UnsubAck,
            count: 1
        })
    );
    let server = Encoder::server(V31);
    assert_eq!(
        encode_with(&server, &Packet::UnsubAck(UnsubAck::new(id(1), vec![]))).unwrap(),
        [0xB0, 0x02, 0x00, 0x01]
    );
    assert_eq!(
        encode_with(
            &server,
            &Packet::UnsubAck(UnsubAck::new(id(1), vec![ReasonCode::SUCCESS]))
        ),
        Err(EncodeError::NotInVersion {
            what: "UNSUBACK reason codes",
            version: V31
        })
    );
}

/// §2.1: 3.1 has packet types 1 to 14 only: 15 (5.0's AUTH) and 0 are reserved.
#[test]
fn v31_2_1_auth_and_type_0_reserved() {
    assert_eq!(
        decode(V31, &[0xF0, 0x00]),
        Err(DecodeError::ReservedPacketType { packet_type: 15 })
    );
    let mut server = server_after_connect();
    assert_eq!(
        decode_with(&mut server, &[0xF0, 0x00]),
        Err(DecodeError::ReservedPacketType { packet_type: 15 })
    );
    assert_eq!(
        decode(V31, &[0x00, 0x00]),
        Err(DecodeError::ReservedPacketType { packet_type: 0 })
    );
    assert!(matches!(
        encode(&Packet::Auth(Auth::new(ReasonCode::SUCCESS))),
        Err(EncodeError::NotInVersion { version: V31, .. })
    ));
}
