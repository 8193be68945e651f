//! Writes the seed corpus, `corpus/<target>/seed-*` (the only corpus files git tracks).
//!
//! Run after the codec's vectors change:
//! `cargo test --manifest-path fuzz/Cargo.toml --test seeds -- --ignored`.
//! It replaces every `seed-*` file (leaving the fuzzer's own corpus files alone) with:
//!
//! - `decode`: the hex vectors of `mqtt-codec/tests/vectors/<version>/<packet>-<case>.hex`
//!   (hex bytes, `#` comments, first line `ok` or `err: <Variant>`) behind the selector byte of
//!   a direction-free decoder of that version: the `ok` vectors of one packet type as one stream
//!   (`seed-vec-<version>-<packet>-ok`), and the first `err` vector of each (packet type,
//!   variant) (`seed-vec-<version>-<packet>-<case>`), to stay under 200 files; and per version
//!   a client's stream (for a server's decoder) and a server's stream (for a client's decoder)
//!   built with the encoder;
//! - `decode_chunked`: those streams with a few chunkings;
//! - `roundtrip`: one input per packet type (the first bytes pick version and type);
//! - `topic`: a few op lines.
//!
//! The `client_session` and `server_session` seeds are not written here: their inputs are
//! `arbitrary` op sequences, so each `seed-<behaviour>` is the smallest input of a fuzzing run's
//! corpus whose trace (`MQTT_FUZZ_TRACE=1`) shows that behaviour: `connect` (CONNACK accepted),
//! `qos2-flow` (an outbound QoS 2 PUBLISH through PUBREC / PUBREL / PUBCOMP to `Delivered`),
//! `qos2-inbound` (the same inbound), `reconnect` (Session Present = 1 and a DUP resend), and
//! `keepalive` (client: PINGREQ / PINGRESP), `subscribe` and `will` (server).

use std::collections::BTreeMap;
use std::fs;
use std::num::{NonZeroU16, NonZeroU32};
use std::path::Path;

use bytes::{Bytes, BytesMut};
use mqtt_codec::{
    Auth, BinaryData, ConnAck, Connect, Delivery, Disconnect, Encoder, MqttString, Packet,
    PacketId, ProtocolVersion, PubAck, PubComp, PubRec, PubRel, Publish, PublishTopic, QoS,
    ReasonCode, SubAck, Subscribe, Subscription, SubscriptionId, UnsubAck, Unsubscribe, Will,
};
use mqtt_fuzz::{DecoderKind, Setup, VERSIONS};
use mqtt_topic::{TopicDialect, TopicFilter, TopicName};

const TARGETS: [&str; 4] = ["decode", "decode_chunked", "roundtrip", "topic"];

#[test]
#[ignore = "writes fuzz/corpus/*/seed-*: run with --ignored to regenerate"]
fn write_seeds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seeds: Vec<(&str, String, Vec<u8>)> = Vec::new();

    for (dir, version) in [
        ("v3_1", VERSIONS[0]),
        ("v3_1_1", VERSIONS[1]),
        ("v5", VERSIONS[2]),
    ] {
        // Accepted vectors of one packet type make one stream; of the rejected ones, the first
        // per (packet type, error variant) is kept.
        let mut ok: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        let mut errors: BTreeMap<(String, String), (String, Vec<u8>)> = BTreeMap::new();
        for (stem, expect, bytes) in vectors(&root.join("../mqtt-codec/tests/vectors").join(dir)) {
            let packet = stem.split('-').next().unwrap_or_default().to_owned();
            match expect {
                None => ok.entry(packet).or_default().extend_from_slice(&bytes),
                Some(variant) => {
                    errors.entry((packet, variant)).or_insert((stem, bytes));
                }
            }
        }
        for (packet, bytes) in ok {
            let data = with_selector(version, DecoderKind::New, &bytes);
            seeds.push(("decode", format!("vec-{dir}-{packet}-ok"), data));
        }
        for (stem, bytes) in errors.into_values() {
            let data = with_selector(version, DecoderKind::New, &bytes);
            seeds.push(("decode", format!("vec-{dir}-{stem}"), data));
        }
        let tag = dir.replace('_', "");
        let (client, server) = streams(version);
        let client_stream: Vec<u8> = client.iter().flat_map(|(_, b)| b.to_vec()).collect();
        let server_stream: Vec<u8> = server.iter().flat_map(|(_, b)| b.to_vec()).collect();
        let from_client = with_selector(version, DecoderKind::AwaitingConnect, &client_stream);
        let from_server = with_selector(version, DecoderKind::Client, &server_stream);
        seeds.push((
            "decode",
            format!("{tag}-client-stream"),
            from_client.clone(),
        ));
        seeds.push((
            "decode",
            format!("{tag}-server-stream"),
            from_server.clone(),
        ));
        // Chunk sizes: one byte at a time; 3, 0 (an empty read), 7.
        for (chunks, suffix) in [(&[1u8, 1][..], "bytewise"), (&[3, 3, 0, 7][..], "3-0-7")] {
            for (stream, side) in [(&from_client, "client"), (&from_server, "server")] {
                let mut data = vec![stream[0]];
                data.extend_from_slice(chunks);
                data.extend_from_slice(&stream[1..]);
                seeds.push(("decode_chunked", format!("{tag}-{side}-{suffix}"), data));
            }
        }
    }

    // roundtrip: byte 0 picks the version (mod 3), byte 1 the packet type (mod 15); the rest
    // is a fixed pseudo-random filler.
    for kind in 0u8..15 {
        let mut data = vec![kind % 3, kind];
        let mut x: u32 = 0x9E37_79B9 ^ u32::from(kind);
        for _ in 0..200 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            data.push(x.to_le_bytes()[0]);
        }
        seeds.push(("roundtrip", format!("type-{kind:02}"), data));
    }

    for (name, text) in [
        (
            "wildcards",
            "Fa/+/c\nFa/#\nF#\nF+/+\nNa/b/c\nNa\nN/\nNa//c\n",
        ),
        (
            "dollar",
            "F#\nF+/x\nF$SYS/#\nN$SYS/x\nN$x\nR$SYS/uptime\nF$SYS/+\n",
        ),
        (
            "shared",
            "F$share/g/a/+\nf$share/g/a/+\nF$share//a\nF$share/g\nNa/b\nN$share/g/a/b\n",
        ),
        ("invalid", "Fa#\nF#/a\nFa+/b\nNa/+\nN\nF\nNa\0b\n\u{0}\n"),
        ("retained", "Ra/b\nRa/c\nR$SYS/x\nDa/c\nFa/+\nF#\nNa/b\n"),
        ("unsubscribe", "Fa/+\nfa/+\nUa/+\nFa/#\nua/#\nNa/b\n"),
        ("unicode", "Fé/+\nNé/ü\nN中文/🦀\nF\u{FEFF}/#\n"),
    ] {
        seeds.push(("topic", name.to_owned(), text.as_bytes().to_vec()));
    }
    seeds.push((
        "topic",
        "non-utf8".to_owned(),
        b"Fa/\xff\nN\xc0\x80\nRa/\xed\xa0\x80\n".to_vec(),
    ));

    for target in TARGETS {
        let dir = root.join("corpus").join(target);
        fs::create_dir_all(&dir).unwrap();
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("seed-")
            {
                fs::remove_file(path).unwrap();
            }
        }
    }
    for (target, name, data) in &seeds {
        let path = root
            .join("corpus")
            .join(target)
            .join(format!("seed-{name}"));
        assert!(!path.exists(), "duplicate seed name {}", path.display());
        fs::write(path, data).unwrap();
    }
    let total: usize = seeds.iter().map(|(_, _, d)| d.len()).sum();
    eprintln!("wrote {} seeds, {total} bytes", seeds.len());
    assert!(
        seeds.len() < 200 && total < 200 * 1024,
        "keep the seed corpus small"
    );
}

/// The vectors of one version directory, sorted: (file stem, `None` for `ok` or the error
/// variant, bytes).
fn vectors(dir: &Path) -> Vec<(String, Option<String>, Vec<u8>)> {
    let Ok(entries) = fs::read_dir(dir) else {
        eprintln!("no vectors in {}", dir.display());
        return Vec::new();
    };
    let mut out: Vec<(String, Option<String>, Vec<u8>)> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "hex"))
        .map(|p| {
            let text = fs::read_to_string(&p).unwrap();
            let stem = p.file_stem().unwrap().to_str().unwrap().to_owned();
            let (expect, bytes) =
                parse_hex(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (stem, expect, bytes)
        })
        .collect();
    out.sort();
    out
}

/// Parses a vector: first line `ok` or `err: <Variant>`, then hex bytes with `#` comments.
fn parse_hex(text: &str) -> Result<(Option<String>, Vec<u8>), String> {
    let mut lines = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim());
    let first = lines.by_ref().find(|l| !l.is_empty()).ok_or("empty file")?;
    let expect = match first.strip_prefix("err:") {
        Some(variant) => Some(variant.trim().to_owned()),
        None if first == "ok" => None,
        None => {
            return Err(format!(
                "first line {first:?} is neither `ok` nor `err: ...`"
            ));
        }
    };
    let digits: String = lines
        .flat_map(|l| l.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    if !digits.len().is_multiple_of(2) {
        return Err("odd number of hex digits".into());
    }
    let bytes = (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    Ok((expect, bytes))
}

fn with_selector(version: ProtocolVersion, kind: DecoderKind, bytes: &[u8]) -> Vec<u8> {
    let mut data = vec![
        Setup {
            version,
            kind,
            tight_limits: false,
        }
        .selector(),
    ];
    data.extend_from_slice(bytes);
    data
}

/// Named encoded packets.
type Named = Vec<(&'static str, Bytes)>;

/// Encoded packets: (what a client sends, what a server sends).
fn streams(v: ProtocolVersion) -> (Named, Named) {
    let v5 = v.is_v5();
    let dialect = if v5 {
        TopicDialect::V5
    } else {
        TopicDialect::V3
    };
    let id = |n| PacketId::new(n).unwrap();
    let s = |t: &str| MqttString::new(t).unwrap();
    let name = |t: &str| TopicName::new(t).unwrap();
    let filter = |t: &str| TopicFilter::new_in(t, dialect).unwrap();

    let mut connect = Connect::new(v, s("client-1"));
    connect.clean_start = false;
    let mut will = Will::new(name("clients/1/status"), &b"offline"[..]);
    will.qos = QoS::AtLeastOnce;
    will.retain = true;
    connect.will = Some(will);
    connect.username = Some(s("user"));
    connect.password = Some(BinaryData::copy_from_slice(b"secret").unwrap());
    if v5 {
        connect.properties.session_expiry_interval = Some(3600);
        connect.properties.receive_maximum = NonZeroU16::new(10);
        connect.properties.maximum_packet_size = NonZeroU32::new(65_536);
        connect.properties.user_properties.push(s("k"), s("v"));
    }

    let mut publish1 = Publish::new(name("sensors/1/temp"), &b"21.5"[..]);
    publish1.delivery = Delivery::AtLeastOnce(id(1));
    let mut publish2 = Publish::new(name("$SYS/a/b"), &b"x"[..]);
    publish2.delivery = Delivery::ExactlyOnce(id(2));
    publish2.dup = true;
    publish2.retain = true;
    if v5 {
        publish1.topic = PublishTopic::NameAndAlias(name("sensors/1/temp"), NonZeroU16::MIN);
        publish1.properties.content_type = Some(s("text/plain"));
        publish1.properties.response_topic = Some(name("reply/1"));
        publish1.properties.correlation_data = Some(BinaryData::copy_from_slice(b"c1").unwrap());
    }
    let mut subscribe = Subscribe::new(
        id(3),
        vec![
            Subscription::new(filter("sensors/+/temp"), QoS::AtLeastOnce),
            Subscription::new(filter("a/#"), QoS::ExactlyOnce),
        ],
    );
    if v5 {
        subscribe.subscriptions.push(Subscription::new(
            filter("$share/g/jobs/#"),
            QoS::AtMostOnce,
        ));
        subscribe.subscriptions[0].options.no_local = true;
        subscribe.properties.subscription_identifier = SubscriptionId::new(200);
    }
    let unsubscribe = Unsubscribe::new(id(4), vec![filter("a/#")]);

    let mut client = vec![
        ("connect", Packet::from(connect)),
        ("publish-qos1", Packet::Publish(publish1)),
        ("publish-qos2-dup-retain", Packet::Publish(publish2)),
        ("pubrel", Packet::PubRel(PubRel::new(id(7)))),
        ("puback", Packet::PubAck(PubAck::new(id(8)))),
        ("subscribe", Packet::Subscribe(subscribe)),
        ("unsubscribe", Packet::Unsubscribe(unsubscribe)),
        ("pingreq", Packet::PingReq),
        ("disconnect", Packet::Disconnect(Disconnect::new())),
    ];

    let mut connack = ConnAck::new(true, ReasonCode::SUCCESS);
    if v == ProtocolVersion::V3_1 {
        connack.session_present = false;
    }
    let mut publish0 = Publish::new(name("sensors/2/hum"), &b"55"[..]);
    if v5 {
        connack.properties.topic_alias_maximum = Some(10);
        connack.properties.assigned_client_identifier = Some(s("auto-1"));
        connack.properties.maximum_qos = Some(QoS::AtLeastOnce);
        publish0.subscription_ids = [
            SubscriptionId::new(1).unwrap(),
            SubscriptionId::new(200).unwrap(),
        ]
        .into_iter()
        .collect();
        publish0.properties.message_expiry_interval = Some(60);
    }
    let suback_codes = vec![ReasonCode::GRANTED_QOS_1, ReasonCode::GRANTED_QOS_2];
    let unsuback_codes = if v5 {
        vec![ReasonCode::SUCCESS]
    } else {
        Vec::new()
    };
    let mut server = vec![
        ("connack", Packet::ConnAck(connack)),
        ("publish-qos0", Packet::Publish(publish0)),
        ("puback-server", Packet::PubAck(PubAck::new(id(1)))),
        ("pubrec", Packet::PubRec(PubRec::new(id(2)))),
        ("pubcomp", Packet::PubComp(PubComp::new(id(2)))),
        ("suback", Packet::SubAck(SubAck::new(id(3), suback_codes))),
        (
            "unsuback",
            Packet::UnsubAck(UnsubAck::new(id(4), unsuback_codes)),
        ),
        ("pingresp", Packet::PingResp),
    ];
    if v5 {
        client.push((
            "auth",
            Packet::Auth(Auth::new(ReasonCode::CONTINUE_AUTHENTICATION)),
        ));
        server.push((
            "pubrec-error",
            Packet::PubRec(PubRec::with_reason(id(9), ReasonCode::QUOTA_EXCEEDED)),
        ));
        let mut disconnect = Disconnect::with_reason(ReasonCode::SERVER_SHUTTING_DOWN);
        disconnect.properties.reason_string = Some(s("bye"));
        server.push(("disconnect-server", Packet::Disconnect(disconnect)));
    }
    let encode = |list: Vec<(&'static str, Packet)>| {
        list.into_iter()
            .map(|(n, p)| {
                let mut tx = BytesMut::new();
                Encoder::new(v)
                    .encode(&p, &mut tx)
                    .unwrap_or_else(|e| panic!("{v} {n}: {e}"));
                (n, tx.freeze())
            })
            .collect()
    };
    (encode(client), encode(server))
}
