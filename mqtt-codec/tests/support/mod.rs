//! Helpers shared by the integration tests: the hex vector files, a fixed set of sample packets
//! per version, and the proptest configuration.
#![expect(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers: a broken fixture fails the calling test"
)]

pub mod strategies;

use std::fs;
use std::path::{Path, PathBuf};

use bytes::BytesMut;
use mqtt_codec::topic::{TopicDialect, TopicFilter, TopicName};
use mqtt_codec::{
    Auth, BinaryData, ConnAck, Connect, DecodeError, Delivery, Disconnect, Encoder, MqttString,
    Packet, PacketId, PayloadFormat, ProtocolVersion, PubAck, PubComp, PubRec, PubRel, Publish,
    PublishTopic, QoS, ReasonCode, RetainHandling, SubAck, Subscribe, Subscription, SubscriptionId,
    UnsubAck, Unsubscribe, Will,
};
use proptest::test_runner::{Config, FileFailurePersistence};

/// The three protocol versions, oldest first.
pub const VERSIONS: [ProtocolVersion; 3] = [
    ProtocolVersion::V3_1,
    ProtocolVersion::V3_1_1,
    ProtocolVersion::V5,
];

/// The proptest configuration of these tests: the default 256 cases (the `PROPTEST_CASES`
/// environment variable overrides it) and failures persisted to
/// `proptest-regressions/<file>.txt` (the test binaries run in the package directory).
pub fn proptest_config(regressions: &'static str) -> Config {
    Config {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(regressions))),
        ..Config::default()
    }
}

/// The directory of `version`'s vectors under `tests/vectors/`.
pub fn version_dir(version: ProtocolVersion) -> &'static str {
    match version {
        ProtocolVersion::V3_1 => "v3_1",
        ProtocolVersion::V3_1_1 => "v3_1_1",
        _ => "v5",
    }
}

/// What a vector file says decoding must give.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Expect {
    /// `ok`: one packet.
    Ok,
    /// `err: <Variant>`: that [`DecodeError`] variant.
    Err(String),
}

/// One `tests/vectors/<version>/<packet>-<case>.hex` file.
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct Vector {
    /// The file.
    pub path: PathBuf,
    /// The version of its directory.
    pub version: ProtocolVersion,
    /// Its first line.
    pub expect: Expect,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// A `# reencodes-differently: <why>` line: the encoder writes a shorter or reordered,
    /// equally valid form, so re-encoding gives other bytes that decode to the same packet.
    pub reencodes_differently: bool,
}

impl Vector {
    /// The file name without `.hex`.
    pub fn name(&self) -> String {
        self.path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// Parses a vector file: first line `ok` or `err: <Variant>`, then hex bytes separated by any
/// whitespace; `#` starts a comment that runs to the end of its line.
///
/// # Errors
/// A description of the first thing wrong with the file.
pub fn parse_vector(text: &str) -> Result<(Expect, Vec<u8>, bool), String> {
    let mut lines = text.lines();
    let first = lines.next().ok_or("empty file")?.trim();
    let expect = if first == "ok" {
        Expect::Ok
    } else if let Some(variant) = first.strip_prefix("err:") {
        let variant = variant.trim();
        if variant.is_empty() || !variant.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(format!("bad variant name in first line {first:?}"));
        }
        Expect::Err(variant.to_owned())
    } else {
        return Err(format!(
            "first line must be `ok` or `err: <Variant>`, not {first:?}"
        ));
    };
    let mut bytes = Vec::new();
    let mut reencodes_differently = false;
    for line in lines {
        let (data, comment) = match line.find('#') {
            Some(i) => (&line[..i], Some(&line[i + 1..])),
            None => (line, None),
        };
        if comment.is_some_and(|c| c.trim_start().starts_with("reencodes-differently:")) {
            reencodes_differently = true;
        }
        for token in data.split_whitespace() {
            if token.len() != 2 {
                return Err(format!("hex token {token:?} is not one byte"));
            }
            let byte = u8::from_str_radix(token, 16).map_err(|e| format!("{token:?}: {e}"))?;
            bytes.push(byte);
        }
    }
    if bytes.is_empty() {
        return Err("no bytes".to_owned());
    }
    Ok((expect, bytes, reencodes_differently))
}

/// The `tests/vectors` directory.
pub fn vectors_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("vectors")
}

/// Every vector of every version, sorted by path. Panics on an unreadable or malformed file.
pub fn load_vectors() -> Vec<Vector> {
    let mut all = Vec::new();
    for version in VERSIONS {
        let dir = vectors_root().join(version_dir(version));
        let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.expect("directory entry").path())
            .collect();
        paths.sort();
        for path in paths {
            assert_eq!(
                path.extension().and_then(|e| e.to_str()),
                Some("hex"),
                "only .hex files belong in {}",
                dir.display()
            );
            let text = fs::read_to_string(&path).expect("readable vector");
            let (expect, bytes, reencodes_differently) =
                parse_vector(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            all.push(Vector {
                path,
                version,
                expect,
                bytes,
                reencodes_differently,
            });
        }
    }
    all
}

/// The variant name of a decode error: its `Debug` text up to the first non-identifier
/// character (`PacketTooLarge { size: .., max: .. }` gives `PacketTooLarge`).
pub fn variant_name(e: &DecodeError) -> String {
    format!("{e:?}")
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect()
}

/// A packet identifier (panics on 0: for literals).
pub fn pid(v: u16) -> PacketId {
    PacketId::new(v).expect("non-zero packet identifier")
}

/// An [`MqttString`] from a literal.
pub fn text(s: &str) -> MqttString {
    MqttString::new(s).expect("valid MQTT string")
}

/// A topic name from a literal.
pub fn name(s: &str) -> TopicName {
    TopicName::new(s).expect("valid topic name")
}

/// A topic filter read with the rules of `version`.
pub fn filter(s: &str, version: ProtocolVersion) -> TopicFilter {
    let dialect = if version.is_v5() {
        TopicDialect::V5
    } else {
        TopicDialect::V3
    };
    TopicFilter::new_in(s, dialect).expect("valid topic filter")
}

/// 3.1.1 PUBLISH QoS 0 (the allocation and benchmark case).
pub fn publish_v311_qos0() -> Packet {
    Packet::Publish(Publish::new(name("sensors/kitchen/temp"), &b"21.5"[..]))
}

/// 5.0 PUBLISH QoS 1 with two user properties, a message expiry and a content type.
pub fn publish_v5_qos1_props() -> Packet {
    let mut p = Publish::new(name("sensors/kitchen/temp"), &b"{\"t\":21.5}"[..]);
    p.delivery = Delivery::AtLeastOnce(pid(7));
    p.properties.message_expiry_interval = Some(60);
    p.properties.content_type = Some(text("application/json"));
    p.properties.user_properties = [(text("unit"), text("C")), (text("unit"), text("F"))]
        .into_iter()
        .collect();
    Packet::Publish(p)
}

/// One or more valid packets of every type `version` has, each field exercised somewhere.
pub fn sample_packets(version: ProtocolVersion) -> Vec<Packet> {
    let v5 = version.is_v5();
    let mut out = Vec::new();

    let mut connect = Connect::new(version, text("client-1"));
    connect.keep_alive_secs = 30;
    let mut will = Will::new(name("status/client-1"), &b"offline"[..]);
    will.qos = QoS::AtLeastOnce;
    will.retain = true;
    connect.username = Some(text("user"));
    connect.password = Some(BinaryData::copy_from_slice(b"secret").expect("short"));
    if v5 {
        will.properties.will_delay_interval = Some(5);
        will.properties.payload_format_indicator = Some(PayloadFormat::Utf8);
        will.properties.content_type = Some(text("text/plain"));
        will.properties.user_properties = [(text("k"), text("v"))].into_iter().collect();
        connect.properties.session_expiry_interval = Some(600);
        connect.properties.receive_maximum = core::num::NonZeroU16::new(10);
        connect.properties.authentication_method = Some(text("PLAIN"));
        connect.properties.authentication_data =
            Some(BinaryData::copy_from_slice(b"\0u\0p").expect("short"));
    }
    connect.will = Some(will);
    out.push(Packet::from(connect));
    out.push(Packet::from(Connect::new(version, text("c"))));

    let mut connack = ConnAck::new(version != ProtocolVersion::V3_1, ReasonCode::SUCCESS);
    if v5 {
        connack.properties.maximum_qos = Some(QoS::AtLeastOnce);
        connack.properties.assigned_client_identifier = Some(text("auto-1"));
        connack.properties.topic_alias_maximum = Some(8);
        connack.properties.server_keep_alive = Some(20);
    }
    out.push(Packet::ConnAck(connack));
    let refused = if v5 {
        ReasonCode::NOT_AUTHORIZED
    } else {
        ReasonCode::V3_NOT_AUTHORIZED
    };
    out.push(Packet::ConnAck(ConnAck::new(false, refused)));

    out.push(Packet::Publish(Publish::new(name("a/b"), &b"hello"[..])));
    let mut publish = Publish::new(name("дом/温度"), &b""[..]);
    publish.delivery = Delivery::ExactlyOnce(pid(0xFFFF));
    publish.dup = true;
    publish.retain = true;
    out.push(Packet::Publish(publish));
    if v5 {
        out.push(publish_v5_qos1_props());
        let mut alias = Publish::new(PublishTopic::Alias(core::num::NonZeroU16::MIN), &b"z"[..]);
        alias.properties.response_topic = Some(name("reply/1"));
        alias.properties.correlation_data =
            Some(BinaryData::copy_from_slice(b"id").expect("short"));
        alias.subscription_ids = [1, 300, SubscriptionId::MAX]
            .into_iter()
            .filter_map(SubscriptionId::new)
            .collect();
        out.push(Packet::Publish(alias));
    } else {
        out.push(publish_v311_qos0());
    }

    let ack_reason = if v5 {
        ReasonCode::NO_MATCHING_SUBSCRIBERS
    } else {
        ReasonCode::SUCCESS
    };
    let mut puback = PubAck::with_reason(pid(1), ack_reason);
    if v5 {
        puback.properties.reason_string = Some(text("none"));
    }
    out.push(Packet::PubAck(puback));
    out.push(Packet::PubRec(PubRec::new(pid(2))));
    let rel_reason = if v5 {
        ReasonCode::PACKET_IDENTIFIER_NOT_FOUND
    } else {
        ReasonCode::SUCCESS
    };
    out.push(Packet::PubRel(PubRel::with_reason(pid(3), rel_reason)));
    out.push(Packet::PubComp(PubComp::new(pid(4))));

    let mut subs = vec![
        Subscription::new(filter("a/+/c", version), QoS::AtMostOnce),
        Subscription::new(filter("#", version), QoS::ExactlyOnce),
    ];
    if v5 {
        let mut s = Subscription::new(filter("$share/g/x/#", version), QoS::AtLeastOnce);
        s.options.retain_as_published = true;
        s.options.retain_handling = RetainHandling::DoNotSend;
        subs.push(s);
        subs[0].options.no_local = true;
    }
    let mut subscribe = Subscribe::new(pid(5), subs);
    if v5 {
        subscribe.properties.subscription_identifier = SubscriptionId::new(9);
    }
    out.push(Packet::Subscribe(subscribe));
    let granted = if v5 {
        vec![ReasonCode::GRANTED_QOS_1, ReasonCode::NOT_AUTHORIZED]
    } else {
        vec![ReasonCode::SUCCESS, ReasonCode::GRANTED_QOS_2]
    };
    out.push(Packet::SubAck(SubAck::new(pid(5), granted)));
    let mut unsubscribe = Unsubscribe::new(pid(6), vec![filter("a/+/c", version)]);
    if v5 {
        unsubscribe.properties.user_properties = [(text("a"), text("b"))].into_iter().collect();
    }
    out.push(Packet::Unsubscribe(unsubscribe));
    let codes = if v5 {
        vec![ReasonCode::NO_SUBSCRIPTION_EXISTED]
    } else {
        Vec::new()
    };
    out.push(Packet::UnsubAck(UnsubAck::new(pid(6), codes)));
    out.push(Packet::PingReq);
    out.push(Packet::PingResp);
    out.push(Packet::Disconnect(Disconnect::new()));
    if v5 {
        let mut disconnect = Disconnect::with_reason(ReasonCode::SERVER_MOVED);
        disconnect.properties.server_reference = Some(text("b.example"));
        out.push(Packet::Disconnect(disconnect));
        out.push(Packet::Auth(Auth::new(ReasonCode::SUCCESS)));
        let mut auth = Auth::new(ReasonCode::CONTINUE_AUTHENTICATION);
        auth.properties.authentication_method = Some(text("SCRAM-SHA-1"));
        auth.properties.authentication_data =
            Some(BinaryData::copy_from_slice(b"r=x").expect("short"));
        out.push(Packet::Auth(auth));
    }
    out
}

/// Encodes `packet` for `version` into a new buffer.
pub fn encode(version: ProtocolVersion, packet: &Packet) -> BytesMut {
    let mut buf = BytesMut::new();
    Encoder::new(version)
        .encode(packet, &mut buf)
        .unwrap_or_else(|e| panic!("{version} cannot encode {packet:?}: {e}"));
    buf
}

/// Lower-case hex with spaces, for failure messages.
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}
