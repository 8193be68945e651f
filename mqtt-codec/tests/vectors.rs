//! Hex vectors (`tests/vectors/<version>/<packet>-<case>.hex`): each decodes to a packet or to
//! the `DecodeError` variant its first line names, accepted packets re-encode to the same bytes
//! (or, where marked, to a shorter or reordered equivalent), and the Remaining Length edges
//! 2,097,151 / 2,097,152 are generated here because they are too big for files.

pub mod support;

use std::collections::BTreeSet;

use bytes::{Bytes, BytesMut};
use mqtt_codec::{
    DecodeError, Decoder, Encoder, Limits, Packet, PacketType, ProtocolVersion, Publish,
    decode_frame,
};

use crate::support::{Expect, Vector, hex, load_vectors, name, variant_name, version_dir};

/// Checks one vector; returns a description of what is wrong.
fn check(v: &Vector) -> Result<(), String> {
    let mut rx = BytesMut::from(&v.bytes[..]);
    let mut decoder = Decoder::new(v.version, Limits::default());
    let result = decoder.decode(&mut rx);
    let framed = decode_frame(v.version, Bytes::from(v.bytes.clone()));
    match (&v.expect, result) {
        (Expect::Ok, Ok(Some(p))) => {
            if !rx.is_empty() {
                return Err(format!("{} bytes left after the packet", rx.len()));
            }
            if framed.as_ref() != Ok(&p) {
                return Err(format!("decode_frame gave {framed:?}, decode gave {p:?}"));
            }
            check_reencoding(v, &p)
        }
        (Expect::Ok, other) => Err(format!("expected a packet, got {other:?}")),
        (Expect::Err(want), Err(e)) => {
            if variant_name(&e) != *want {
                return Err(format!("expected {want}, got {e:?}"));
            }
            if rx.len() > v.bytes.len() {
                return Err("the buffer grew".to_owned());
            }
            // Poisoned: the same error again, whatever follows.
            rx.extend_from_slice(&[0xC0, 0x00]);
            if decoder.decode(&mut rx) != Err(e) {
                return Err("the decoder did not stay failed".to_owned());
            }
            if framed != Err(e) {
                return Err(format!("decode_frame gave {framed:?}, decode gave {e:?}"));
            }
            Ok(())
        }
        (Expect::Err(want), other) => Err(format!("expected {want}, got {other:?}")),
    }
}

/// An accepted packet re-encodes to the vector's bytes, or, for a vector marked
/// `reencodes-differently`, to other bytes, no longer, that decode to the same packet and are
/// themselves canonical.
fn check_reencoding(v: &Vector, p: &Packet) -> Result<(), String> {
    let encoder = Encoder::new(v.version);
    let mut out = BytesMut::new();
    let written = encoder
        .encode(p, &mut out)
        .map_err(|e| format!("re-encoding failed: {e}"))?;
    if written != out.len() || encoder.encoded_len(p) != Ok(written) {
        return Err(format!(
            "encode wrote {} bytes and said {written}",
            out.len()
        ));
    }
    if !v.reencodes_differently {
        if out[..] != v.bytes[..] {
            return Err(format!("re-encoded as {}", hex(&out)));
        }
        return Ok(());
    }
    if out[..] == v.bytes[..] {
        return Err("marked reencodes-differently but re-encodes identically".to_owned());
    }
    if out.len() > v.bytes.len() {
        return Err(format!("re-encoding is longer: {}", hex(&out)));
    }
    let again = decode_frame(v.version, out.clone().freeze());
    if again.as_ref() != Ok(p) {
        return Err(format!("re-encoding decodes to {again:?}"));
    }
    let mut twice = BytesMut::new();
    encoder.encode(p, &mut twice).map_err(|e| e.to_string())?;
    if twice != out {
        return Err("re-encoding is not stable".to_owned());
    }
    Ok(())
}

/// Every vector file decodes as its first line says.
#[test]
fn every_vector_decodes_as_declared() {
    let vectors = load_vectors();
    let failures: Vec<String> = vectors
        .iter()
        .filter_map(|v| check(v).err().map(|e| format!("{}: {e}", v.path.display())))
        .collect();
    assert!(
        failures.is_empty(),
        "{} failing vectors:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The checker rejects a wrong expectation, a wrong variant and a wrong re-encoding claim.
#[test]
fn the_checker_can_fail() {
    let make = |expect: Expect, bytes: &[u8], marked: bool| Vector {
        path: "mutant.hex".into(),
        version: ProtocolVersion::V3_1_1,
        expect,
        bytes: bytes.to_vec(),
        reencodes_differently: marked,
    };
    assert!(check(&make(Expect::Ok, &[0xC0, 0x00], false)).is_ok());
    assert!(
        check(&make(Expect::Ok, &[0xC0, 0x00], true)).is_err(),
        "false marker"
    );
    assert!(
        check(&make(Expect::Ok, &[0xC0, 0x01, 0x00], false)).is_err(),
        "trailing byte"
    );
    assert!(
        check(&make(Expect::Ok, &[0xC0], false)).is_err(),
        "incomplete"
    );
    assert!(
        check(&make(
            Expect::Err("InvalidFlags".into()),
            &[0xC0, 0x00],
            false
        ))
        .is_err()
    );
    assert!(
        check(&make(
            Expect::Err("InvalidFlags".into()),
            &[0xC1, 0x00],
            false
        ))
        .is_ok()
    );
    assert!(
        check(&make(
            Expect::Err("TrailingBytes".into()),
            &[0xC1, 0x00],
            false
        ))
        .is_err()
    );
    let v5_ack = Vector {
        version: ProtocolVersion::V5,
        ..make(Expect::Ok, &[0x40, 0x03, 0x00, 0x01, 0x00], false)
    };
    assert!(
        check(&v5_ack).is_err(),
        "non-canonical bytes need the marker"
    );
    assert!(
        check(&Vector {
            reencodes_differently: true,
            ..v5_ack
        })
        .is_ok()
    );
}

/// The vector file format: `ok` / `err: Variant`, hex pairs, `#` comments.
#[test]
fn vector_format() {
    let parsed = support::parse_vector("err: PublishQoS3\n# QoS 3\n36 02 # inline\n00 00\n");
    assert_eq!(
        parsed,
        Ok((
            Expect::Err("PublishQoS3".into()),
            vec![0x36, 2, 0, 0],
            false
        ))
    );
    let parsed = support::parse_vector("ok\n# reencodes-differently: shorter\nc0 00\n");
    assert_eq!(parsed, Ok((Expect::Ok, vec![0xC0, 0], true)));
    assert!(support::parse_vector("okay\nc0 00\n").is_err());
    assert!(support::parse_vector("ok\nc000\n").is_err());
    assert!(support::parse_vector("ok\nzz\n").is_err());
    assert!(support::parse_vector("ok\n# nothing\n").is_err());
    assert_eq!(
        variant_name(&DecodeError::PacketTooLarge { size: 9, max: 8 }),
        "PacketTooLarge"
    );
    assert_eq!(variant_name(&DecodeError::PublishQoS3), "PublishQoS3");
}

/// File names are `<packet>-<case>.hex`, and an ok vector's `<packet>` is the type it decodes
/// to (`pingreq-...` is a PINGREQ).
#[test]
fn names_match_packet_types() {
    for v in load_vectors() {
        let name = v.name();
        let (packet, case) = name.split_once('-').unwrap_or((&name, ""));
        assert!(
            !case.is_empty(),
            "{}: no case in the name",
            v.path.display()
        );
        assert!(
            name.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{}: use lower-case kebab names",
            v.path.display()
        );
        if v.expect == Expect::Ok {
            let p = decode_frame(v.version, Bytes::from(v.bytes.clone())).expect("ok vector");
            assert_eq!(
                packet,
                p.packet_type().name().to_lowercase(),
                "{}",
                v.path.display()
            );
        }
    }
}

/// Every packet type of each version has at least one ok vector (3.x: the 14 types without
/// AUTH; 5.0: all 15), and every version has error vectors too.
#[test]
fn every_packet_type_of_every_version_is_covered() {
    let vectors = load_vectors();
    let mut total_err = 0;
    for version in support::VERSIONS {
        let mine: Vec<&Vector> = vectors.iter().filter(|v| v.version == version).collect();
        let types: BTreeSet<PacketType> = mine
            .iter()
            .filter(|v| v.expect == Expect::Ok)
            .map(|v| {
                decode_frame(version, Bytes::from(v.bytes.clone()))
                    .expect("ok")
                    .packet_type()
            })
            .collect();
        let expected = if version.is_v5() { 15 } else { 14 };
        assert_eq!(types.len(), expected, "{}: {types:?}", version_dir(version));
        let errs = mine
            .iter()
            .filter(|v| matches!(v.expect, Expect::Err(_)))
            .count();
        assert!(
            errs >= 5,
            "{}: only {errs} error vectors",
            version_dir(version)
        );
        total_err += errs;
    }
    assert!(total_err >= 30, "only {total_err} error vectors");
}

/// The property identifiers a decoded 5.0 packet carries.
fn property_ids(p: &Packet) -> Vec<u8> {
    let mut ids = Vec::new();
    let mut add = |id: u8, present: bool| {
        if present {
            ids.push(id);
        }
    };
    match p {
        Packet::Connect(c) => {
            let q = &c.properties;
            add(0x11, q.session_expiry_interval.is_some());
            add(0x21, q.receive_maximum.is_some());
            add(0x27, q.maximum_packet_size.is_some());
            add(0x22, q.topic_alias_maximum.is_some());
            add(0x19, q.request_response_information.is_some());
            add(0x17, q.request_problem_information.is_some());
            add(0x15, q.authentication_method.is_some());
            add(0x16, q.authentication_data.is_some());
            add(0x26, !q.user_properties.is_empty());
            if let Some(w) = &c.will {
                let q = &w.properties;
                add(0x18, q.will_delay_interval.is_some());
                add(0x01, q.payload_format_indicator.is_some());
                add(0x02, q.message_expiry_interval.is_some());
                add(0x03, q.content_type.is_some());
                add(0x08, q.response_topic.is_some());
                add(0x09, q.correlation_data.is_some());
                add(0x26, !q.user_properties.is_empty());
            }
        }
        Packet::ConnAck(c) => {
            let q = &c.properties;
            add(0x11, q.session_expiry_interval.is_some());
            add(0x21, q.receive_maximum.is_some());
            add(0x24, q.maximum_qos.is_some());
            add(0x25, q.retain_available.is_some());
            add(0x27, q.maximum_packet_size.is_some());
            add(0x12, q.assigned_client_identifier.is_some());
            add(0x22, q.topic_alias_maximum.is_some());
            add(0x1F, q.reason_string.is_some());
            add(0x28, q.wildcard_subscription_available.is_some());
            add(0x29, q.subscription_identifiers_available.is_some());
            add(0x2A, q.shared_subscription_available.is_some());
            add(0x13, q.server_keep_alive.is_some());
            add(0x1A, q.response_information.is_some());
            add(0x1C, q.server_reference.is_some());
            add(0x15, q.authentication_method.is_some());
            add(0x16, q.authentication_data.is_some());
            add(0x26, !q.user_properties.is_empty());
        }
        Packet::Publish(x) => {
            let q = &x.properties;
            add(0x01, q.payload_format_indicator.is_some());
            add(0x02, q.message_expiry_interval.is_some());
            add(0x03, q.content_type.is_some());
            add(0x08, q.response_topic.is_some());
            add(0x09, q.correlation_data.is_some());
            add(0x0B, !x.subscription_ids.is_empty());
            add(0x23, x.topic.alias().is_some());
            add(0x26, !q.user_properties.is_empty());
        }
        Packet::PubAck(x) => add_ack(&mut add, &x.properties),
        Packet::PubRec(x) => add_ack(&mut add, &x.properties),
        Packet::PubRel(x) => add_ack(&mut add, &x.properties),
        Packet::PubComp(x) => add_ack(&mut add, &x.properties),
        Packet::SubAck(x) => add_ack(&mut add, &x.properties),
        Packet::UnsubAck(x) => add_ack(&mut add, &x.properties),
        Packet::Subscribe(x) => {
            add(0x0B, x.properties.subscription_identifier.is_some());
            add(0x26, !x.properties.user_properties.is_empty());
        }
        Packet::Unsubscribe(x) => add(0x26, !x.properties.user_properties.is_empty()),
        Packet::Disconnect(x) => {
            let q = &x.properties;
            add(0x11, q.session_expiry_interval.is_some());
            add(0x1F, q.reason_string.is_some());
            add(0x1C, q.server_reference.is_some());
            add(0x26, !q.user_properties.is_empty());
        }
        Packet::Auth(x) => {
            let q = &x.properties;
            add(0x15, q.authentication_method.is_some());
            add(0x16, q.authentication_data.is_some());
            add(0x1F, q.reason_string.is_some());
            add(0x26, !q.user_properties.is_empty());
        }
        _ => {}
    }
    ids
}

fn add_ack(add: &mut impl FnMut(u8, bool), q: &mqtt_codec::AckProperties) {
    add(0x1F, q.reason_string.is_some());
    add(0x26, !q.user_properties.is_empty());
}

/// All 27 MQTT 5.0 property identifiers appear in at least one ok vector.
#[test]
fn every_v5_property_appears_in_an_ok_vector() {
    const ALL: [u8; 27] = [
        0x01, 0x02, 0x03, 0x08, 0x09, 0x0B, 0x11, 0x12, 0x13, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A,
        0x1C, 0x1F, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A,
    ];
    let seen: BTreeSet<u8> = load_vectors()
        .iter()
        .filter(|v| v.version == ProtocolVersion::V5 && v.expect == Expect::Ok)
        .flat_map(|v| {
            property_ids(&decode_frame(v.version, Bytes::from(v.bytes.clone())).expect("ok"))
        })
        .collect();
    let missing: Vec<String> = ALL
        .iter()
        .filter(|id| !seen.contains(id))
        .map(|id| format!("0x{id:02X}"))
        .collect();
    assert!(
        missing.is_empty(),
        "property ids without an ok vector: {missing:?}"
    );
}

/// A QoS 0 PUBLISH to `t` whose Remaining Length is exactly `remaining`, as raw bytes built by
/// hand (not by the encoder): header, varint, topic, (5.0) empty property block, payload.
fn big_publish(version: ProtocolVersion, remaining: usize, varint: &[u8]) -> Vec<u8> {
    let fixed = if version.is_v5() { 4 } else { 3 };
    let mut bytes = Vec::with_capacity(1 + varint.len() + remaining);
    bytes.push(0x30);
    bytes.extend_from_slice(varint);
    bytes.extend_from_slice(&[0x00, 0x01, b't']);
    if version.is_v5() {
        bytes.push(0x00);
    }
    bytes.resize(1 + varint.len() + remaining, 0xA5);
    assert_eq!(bytes.len() - 1 - varint.len() - fixed, remaining - fixed);
    bytes
}

/// Remaining Length 2,097,151 (largest 3-byte length) and 2,097,152 (smallest 4-byte length):
/// refused by the default 1 MiB limit from the header alone, decoded whole when the limit
/// allows, and re-encoded byte for byte.
#[test]
fn remaining_length_three_and_four_byte_edges() {
    let edges: [(usize, &[u8]); 2] = [
        (2_097_151, &[0xFF, 0xFF, 0x7F]),
        (2_097_152, &[0x80, 0x80, 0x80, 0x01]),
    ];
    for version in support::VERSIONS {
        for (remaining, varint) in edges {
            let bytes = big_publish(version, remaining, varint);
            let size = u32::try_from(bytes.len()).expect("small");

            // Default limits: refused as soon as the header is in, with nothing consumed.
            let mut rx = BytesMut::from(&bytes[..1 + varint.len()]);
            let mut decoder = Decoder::new(version, Limits::default());
            assert_eq!(
                decoder.decode(&mut rx),
                Err(DecodeError::PacketTooLarge {
                    size,
                    max: 1024 * 1024
                })
            );
            assert_eq!(rx.len(), 1 + varint.len());

            // The protocol's limit: one frame, split off whole.
            let limits = Limits::default().with_max_packet_size(Limits::PROTOCOL_MAX_PACKET_SIZE);
            let mut decoder = Decoder::new(version, limits);
            let mut rx = BytesMut::from(&bytes[..bytes.len() - 1]);
            assert_eq!(decoder.decode(&mut rx), Ok(None), "one byte short");
            rx.extend_from_slice(&bytes[bytes.len() - 1..]);
            let Ok(Some(Packet::Publish(p))) = decoder.decode(&mut rx) else {
                panic!("{version}: no PUBLISH at remaining length {remaining}");
            };
            assert!(rx.is_empty());
            let fixed = if version.is_v5() { 4 } else { 3 };
            assert_eq!(p.payload.len(), remaining - fixed);
            assert_eq!(p.topic.name(), Some(&name("t")));
            let expected = Publish::new(
                name("t"),
                Bytes::from(bytes[1 + varint.len() + fixed..].to_vec()),
            );
            assert_eq!(p, expected);

            let encoder = Encoder::new(version);
            let packet = Packet::Publish(p);
            assert_eq!(encoder.encoded_len(&packet), Ok(bytes.len()));
            let mut out = BytesMut::new();
            assert_eq!(encoder.encode(&packet, &mut out), Ok(bytes.len()));
            assert!(
                out[..] == bytes[..],
                "{version}: re-encoding of {remaining} differs"
            );
        }
    }
}
