//! End-to-end tests of the inspector: hex text in, the JSON line and success flag out.

use core::num::{NonZeroU16, NonZeroU32};

use mqtt_codec::bytes::{Bytes, BytesMut};
use mqtt_codec::topic::{TopicFilter, TopicName};
use mqtt_codec::{
    Auth, BinaryData, ConnAck, Connect, Delivery, Disconnect, Encoder, MqttString, PacketId,
    PayloadFormat, PubAck, PubComp, PubRec, PubRel, Publish, PublishTopic, QoS, ReasonCode,
    RetainHandling, SubAck, Subscribe, Subscription, SubscriptionId, UnsubAck, Unsubscribe, Will,
};

use super::*;

/// The JSON line for `text` and whether the stream decoded.
fn line(text: &str, protocol: Option<ProtocolVersion>) -> (String, bool) {
    let (json, ok) = inspect_text(text, protocol);
    (json.to_string(), ok)
}

/// The JSON line of a stream expected to decode.
fn ok_line(text: &str, protocol: Option<ProtocolVersion>) -> String {
    let (json, ok) = line(text, protocol);
    assert!(ok, "{text} did not decode: {json}");
    json
}

/// The JSON line of a stream expected to fail.
fn err_line(text: &str, protocol: Option<ProtocolVersion>) -> String {
    let (json, ok) = line(text, protocol);
    assert!(!ok, "{text} decoded: {json}");
    json
}

/// The line for a stream that fails with `e`: the codec's own message and reason code (the
/// wording belongs to the codec, so it is not repeated here).
fn error_line(e: DecodeError) -> String {
    let json = Object::new()
        .with("error", e.to_string())
        .with("reason_code", e.reason_code().0);
    Json::from(json).to_string()
}

/// The hex text of `packets` encoded for `version`.
fn encode(version: ProtocolVersion, packets: &[Packet]) -> String {
    let encoder = Encoder::new(version);
    let mut wire = BytesMut::new();
    for p in packets {
        encoder.encode(p, &mut wire).unwrap();
    }
    hex::encode(&wire)
}

fn id(n: u16) -> PacketId {
    PacketId::new(n).unwrap()
}

fn s(text: &'static str) -> MqttString {
    MqttString::from_static(text)
}

/// The README's first example: a QoS 0 PUBLISH of "21" to `sensors/t1`.
const PUBLISH_V311: &str = "30 0e 00 0a 73 65 6e 73 6f 72 73 2f 74 31 32 31";

/// The README's second example: a 5.0 CONNECT with Session Expiry Interval 3600, Receive
/// Maximum 20 and the user property `region: eu`.
const CONNECT_V5: &str = "10 26 00 04 4d 51 54 54 05 02 00 3c 15 11 00 00 0e 10 21 00 14 26 00 \
                          06 72 65 67 69 6f 6e 00 02 65 75 00 04 63 61 6d 31";

#[test]
fn publish_3_1_1() {
    assert_eq!(
        ok_line(PUBLISH_V311, None),
        r#"{"packets": [{"type": "PUBLISH", "dup": false, "qos": 0, "retain": false, "packet_id": null, "topic": "sensors/t1", "payload": "3231", "payload_utf8": "21"}]}"#
    );
    // QoS 2, DUP, RETAIN, a payload that is not UTF-8 (no payload_utf8) and a control character
    // in one that is.
    let mut p = Publish::new(TopicName::from_static("a/\"b\""), &b"\xFF\x00"[..]);
    p.delivery = Delivery::ExactlyOnce(id(513));
    p.dup = true;
    p.retain = true;
    let mut q = Publish::new(TopicName::from_static("a"), &b"x\0"[..]);
    q.delivery = Delivery::AtLeastOnce(id(1));
    let text = encode(
        ProtocolVersion::V3_1_1,
        &[Packet::Publish(p), Packet::Publish(q)],
    );
    assert_eq!(
        ok_line(&text, Some(ProtocolVersion::V3_1_1)),
        r#"{"packets": [{"type": "PUBLISH", "dup": true, "qos": 2, "retain": true, "packet_id": 513, "topic": "a/\"b\"", "payload": "ff00"}, {"type": "PUBLISH", "dup": false, "qos": 1, "retain": false, "packet_id": 1, "topic": "a", "payload": "7800", "payload_utf8": "x\u0000"}]}"#
    );
}

#[test]
fn connect_5_0_with_properties() {
    assert_eq!(
        ok_line(CONNECT_V5, None),
        r#"{"packets": [{"type": "CONNECT", "protocol": "5.0", "clean_start": true, "keep_alive_secs": 60, "client_id": "cam1", "will": null, "username": null, "password": null, "properties": {"session_expiry_interval": 3600, "receive_maximum": 20, "user_properties": [["region", "eu"]]}}]}"#
    );

    let mut will = Will::new(TopicName::from_static("status/cam1"), &b"offline"[..]);
    will.qos = QoS::AtLeastOnce;
    will.retain = true;
    will.properties.will_delay_interval = Some(30);
    will.properties.payload_format_indicator = Some(PayloadFormat::Utf8);
    will.properties.message_expiry_interval = Some(600);
    will.properties.content_type = Some(s("text/plain"));
    will.properties.response_topic = Some(TopicName::from_static("replies/cam1"));
    will.properties.correlation_data = Some(BinaryData::copy_from_slice(b"\x01\x02").unwrap());
    let mut c = Connect::new(ProtocolVersion::V5, s("cam1"));
    c.clean_start = false;
    c.keep_alive_secs = 0;
    c.will = Some(will);
    c.username = Some(s("ütf-8 ✓"));
    c.password = Some(BinaryData::copy_from_slice(b"pw").unwrap());
    let props = &mut c.properties;
    props.session_expiry_interval = Some(u32::MAX);
    props.receive_maximum = NonZeroU16::new(10);
    props.maximum_packet_size = NonZeroU32::new(4096);
    props.topic_alias_maximum = Some(5);
    props.request_response_information = Some(true);
    props.request_problem_information = Some(false);
    props.authentication_method = Some(s("SCRAM-SHA-1"));
    props.authentication_data = Some(BinaryData::copy_from_slice(b"\xAB").unwrap());
    props.user_properties.push(s("a"), s("1"));
    props.user_properties.push(s("a"), s("2"));
    let text = encode(ProtocolVersion::V5, &[Packet::from(c)]);
    assert_eq!(
        ok_line(&text, None),
        r#"{"packets": [{"type": "CONNECT", "protocol": "5.0", "clean_start": false, "keep_alive_secs": 0, "client_id": "cam1", "will": {"topic": "status/cam1", "qos": 1, "retain": true, "payload": "6f66666c696e65", "payload_utf8": "offline", "properties": {"will_delay_interval": 30, "payload_format_indicator": 1, "message_expiry_interval": 600, "content_type": "text/plain", "response_topic": "replies/cam1", "correlation_data": "0102"}}, "username": "ütf-8 ✓", "password": "7077", "properties": {"session_expiry_interval": 4294967295, "receive_maximum": 10, "maximum_packet_size": 4096, "topic_alias_maximum": 5, "request_response_information": true, "request_problem_information": false, "authentication_method": "SCRAM-SHA-1", "authentication_data": "ab", "user_properties": [["a", "1"], ["a", "2"]]}}]}"#
    );
}

#[test]
fn v5_server_packets_with_properties() {
    let mut connack = ConnAck::new(true, ReasonCode::SUCCESS);
    let p = &mut connack.properties;
    p.maximum_qos = Some(QoS::AtLeastOnce);
    p.retain_available = Some(false);
    p.assigned_client_identifier = Some(s("auto-1"));
    p.reason_string = Some(s("welcome"));
    p.wildcard_subscription_available = Some(true);
    p.subscription_identifiers_available = Some(true);
    p.shared_subscription_available = Some(false);
    p.server_keep_alive = Some(30);
    p.response_information = Some(s("resp/"));
    p.server_reference = Some(s("other:1883"));
    let mut publish = Publish::new(
        PublishTopic::NameAndAlias(TopicName::from_static("t"), NonZeroU16::MIN),
        Bytes::new(),
    );
    publish.subscription_ids = [1, 268_435_455]
        .into_iter()
        .filter_map(SubscriptionId::new)
        .collect();
    let alias_only = Publish::new(PublishTopic::Alias(NonZeroU16::MIN), &b"{}"[..]);
    let mut suback = SubAck::new(id(2), vec![ReasonCode(0), ReasonCode(2), ReasonCode(0x87)]);
    suback.properties.reason_string = Some(s("partly"));
    let text = encode(
        ProtocolVersion::V5,
        &[
            Packet::ConnAck(connack),
            Packet::Publish(publish),
            Packet::Publish(alias_only),
            Packet::SubAck(suback),
            Packet::Disconnect(Disconnect::new()),
        ],
    );
    assert_eq!(
        ok_line(&text, Some(ProtocolVersion::V5)),
        concat!(
            r#"{"packets": [{"type": "CONNACK", "session_present": true, "reason_code": {"code": 0, "name": "Success"}, "properties": {"maximum_qos": 1, "retain_available": false, "assigned_client_identifier": "auto-1", "reason_string": "welcome", "wildcard_subscription_available": true, "subscription_identifiers_available": true, "shared_subscription_available": false, "server_keep_alive": 30, "response_information": "resp/", "server_reference": "other:1883"}}, "#,
            r#"{"type": "PUBLISH", "dup": false, "qos": 0, "retain": false, "packet_id": null, "topic": "t", "topic_alias": 1, "payload": "", "payload_utf8": "", "properties": {"subscription_identifiers": [1, 268435455]}}, "#,
            r#"{"type": "PUBLISH", "dup": false, "qos": 0, "retain": false, "packet_id": null, "topic": null, "topic_alias": 1, "payload": "7b7d", "payload_utf8": "{}", "properties": {}}, "#,
            r#"{"type": "SUBACK", "packet_id": 2, "reason_codes": [{"code": 0, "name": "Granted QoS 0"}, {"code": 2, "name": "Granted QoS 2"}, {"code": 135, "name": "Not authorized"}], "properties": {"reason_string": "partly"}}, "#,
            r#"{"type": "DISCONNECT", "reason_code": {"code": 0, "name": "Normal disconnection"}, "properties": {}}]}"#,
        )
    );
}

#[test]
fn every_packet_type_in_both_versions() {
    let filter = TopicFilter::from_static("a/+");
    let subscribe = Subscribe::new(
        id(3),
        vec![Subscription::new(filter.clone(), QoS::ExactlyOnce)],
    );
    let packets = |v5: bool| {
        let mut subscribe = subscribe.clone();
        if v5 {
            let options = &mut subscribe.subscriptions.first_mut().unwrap().options;
            options.no_local = true;
            options.retain_handling = RetainHandling::DoNotSend;
            subscribe.properties.subscription_identifier = SubscriptionId::new(9);
            subscribe.properties.user_properties.push(s("k"), s("v"));
        }
        let codes = if v5 {
            vec![ReasonCode::NO_SUBSCRIPTION_EXISTED]
        } else {
            vec![]
        };
        vec![
            Packet::PubAck(PubAck::new(id(1))),
            Packet::PubRec(PubRec::new(id(1))),
            Packet::PubRel(PubRel::new(id(1))),
            Packet::PubComp(PubComp::new(id(1))),
            Packet::Subscribe(subscribe),
            Packet::Unsubscribe(Unsubscribe::new(id(4), vec![filter.clone()])),
            Packet::UnsubAck(UnsubAck::new(id(4), codes)),
            Packet::PingReq,
            Packet::PingResp,
        ]
    };
    let v311 = encode(ProtocolVersion::V3_1_1, &packets(false));
    assert_eq!(
        ok_line(&v311, None),
        r#"{"packets": [{"type": "PUBACK", "packet_id": 1}, {"type": "PUBREC", "packet_id": 1}, {"type": "PUBREL", "packet_id": 1}, {"type": "PUBCOMP", "packet_id": 1}, {"type": "SUBSCRIBE", "packet_id": 3, "subscriptions": [{"filter": "a/+", "qos": 2}]}, {"type": "UNSUBSCRIBE", "packet_id": 4, "filters": ["a/+"]}, {"type": "UNSUBACK", "packet_id": 4}, {"type": "PINGREQ"}, {"type": "PINGRESP"}]}"#
    );
    let mut v5_packets = packets(true);
    v5_packets.push(Packet::PubAck(PubAck::with_reason(
        id(7),
        ReasonCode::NO_MATCHING_SUBSCRIBERS,
    )));
    v5_packets.push(Packet::Auth(Auth::new(ReasonCode::CONTINUE_AUTHENTICATION)));
    let v5 = encode(ProtocolVersion::V5, &v5_packets);
    assert_eq!(
        ok_line(&v5, Some(ProtocolVersion::V5)),
        r#"{"packets": [{"type": "PUBACK", "packet_id": 1, "reason_code": {"code": 0, "name": "Success"}, "properties": {}}, {"type": "PUBREC", "packet_id": 1, "reason_code": {"code": 0, "name": "Success"}, "properties": {}}, {"type": "PUBREL", "packet_id": 1, "reason_code": {"code": 0, "name": "Success"}, "properties": {}}, {"type": "PUBCOMP", "packet_id": 1, "reason_code": {"code": 0, "name": "Success"}, "properties": {}}, {"type": "SUBSCRIBE", "packet_id": 3, "subscriptions": [{"filter": "a/+", "qos": 2, "no_local": true, "retain_as_published": false, "retain_handling": 2}], "properties": {"subscription_identifier": 9, "user_properties": [["k", "v"]]}}, {"type": "UNSUBSCRIBE", "packet_id": 4, "filters": ["a/+"], "properties": {}}, {"type": "UNSUBACK", "packet_id": 4, "reason_codes": [{"code": 17, "name": "No subscription existed"}], "properties": {}}, {"type": "PINGREQ"}, {"type": "PINGRESP"}, {"type": "PUBACK", "packet_id": 7, "reason_code": {"code": 16, "name": "No matching subscribers"}, "properties": {}}, {"type": "AUTH", "reason_code": {"code": 24, "name": "Continue authentication"}, "properties": {}}]}"#
    );
}

#[test]
fn v3_return_codes_have_their_own_names() {
    // CONNACK return code 1 means "unacceptable protocol version" in 3.x, not "Granted QoS 1".
    assert_eq!(
        ok_line("20 02 00 01", None),
        r#"{"packets": [{"type": "CONNACK", "session_present": false, "reason_code": {"code": 1, "name": "Connection Refused, unacceptable protocol version"}}]}"#
    );
    assert_eq!(
        ok_line("90 04 00 01 01 80", None),
        r#"{"packets": [{"type": "SUBACK", "packet_id": 1, "reason_codes": [{"code": 1, "name": "Success - Maximum QoS 1"}, {"code": 128, "name": "Failure"}]}]}"#
    );
}

#[test]
fn error_lines_name_the_rule_and_reason_code() {
    let qos3 = err_line("36 00", None);
    assert_eq!(qos3, error_line(DecodeError::PublishQoS3));
    assert!(
        qos3.starts_with(r#"{"error": "QoS 3 in PUBLISH [MQTT-3.3.1-4]"#),
        "{qos3}"
    );
    assert!(qos3.ends_with(r#", "reason_code": 129}"#), "{qos3}");
    // A good packet, then a PUBACK with packet identifier 0: the whole stream is an error.
    assert_eq!(
        err_line("c000 40020000", None),
        error_line(DecodeError::ZeroPacketId {
            packet: PacketType::PubAck
        })
    );
    // 5.0: Receive Maximum twice is a Protocol Error (0x82).
    let dup = "10 13 00 04 4d 51 54 54 05 02 00 3c 06 21 00 01 21 00 01 00 00";
    let twice = err_line(dup, None);
    assert_eq!(
        twice,
        error_line(DecodeError::DuplicateProperty { id: 0x21 })
    );
    assert!(twice.ends_with(r#", "reason_code": 130}"#), "{twice}");
    // AUTH does not exist before 5.0.
    assert_eq!(
        err_line("f0 00", None),
        error_line(DecodeError::ReservedPacketType { packet_type: 15 })
    );
    assert_eq!(
        ok_line("f0 00", Some(ProtocolVersion::V5)),
        r#"{"packets": [{"type": "AUTH", "reason_code": {"code": 0, "name": "Success"}, "properties": {}}]}"#
    );
}

#[test]
fn invalid_hex_is_an_error_without_reason_code() {
    assert_eq!(
        err_line("30 0g", None),
        r#"{"error": "invalid hex: 'g' at column 5 is not a hex digit", "reason_code": null}"#
    );
    assert_eq!(
        err_line("30 0", None),
        r#"{"error": "invalid hex: the digit group at column 4 has an odd number of digits", "reason_code": null}"#
    );
    assert_eq!(
        err_line("\"\u{1}", None),
        r#"{"error": "invalid hex: '\"' at column 1 is not a hex digit", "reason_code": null}"#
    );
}

#[test]
fn input_ending_mid_packet_says_how_many_bytes_are_missing() {
    assert_eq!(
        err_line("30 0e 00 0a 73", None),
        r#"{"error": "input ends inside a PUBLISH: 11 bytes missing (5 of 16 present)", "reason_code": 129}"#
    );
    // The first packet is complete; the second lacks one byte.
    let last_byte_missing = PUBLISH_V311.get(..PUBLISH_V311.len() - 3).unwrap();
    assert_eq!(
        err_line(&format!("c0 00 {last_byte_missing}"), None),
        r#"{"error": "input ends inside a PUBLISH: 1 byte missing (15 of 16 present)", "reason_code": 129}"#
    );
    // A two-byte Remaining Length (200) is counted in the header.
    assert_eq!(
        err_line("30 c8 01 00", None),
        r#"{"error": "input ends inside a PUBLISH: 199 bytes missing (4 of 203 present)", "reason_code": 129}"#
    );
    for header in ["30", "30 80", "30 ff ff ff"] {
        assert_eq!(
            err_line(header, None),
            r#"{"error": "input ends inside the fixed header of a PUBLISH: its remaining length needs at least 1 more byte", "reason_code": 129}"#,
            "{header}"
        );
    }
    // Header checks still apply to a partial packet: a fifth length byte is malformed.
    assert_eq!(
        err_line("30 ff ff ff ff", None),
        error_line(DecodeError::MalformedRemainingLength)
    );
}

#[test]
fn empty_stream_has_no_packets() {
    assert_eq!(ok_line("", None), r#"{"packets": []}"#);
    assert_eq!(ok_line("0x", None), r#"{"packets": []}"#);
}

#[test]
fn version_is_detected_from_a_leading_connect() {
    // A 5.0 PUBLISH (topic "t", empty property block, payload "x"): under the default 3.1.1
    // the property length byte reads as payload.
    let publish_v5 = "30 05 00 01 74 00 78";
    assert_eq!(
        ok_line(publish_v5, None),
        r#"{"packets": [{"type": "PUBLISH", "dup": false, "qos": 0, "retain": false, "packet_id": null, "topic": "t", "payload": "0078", "payload_utf8": "\u0000x"}]}"#
    );
    let v5_publish = r#"{"type": "PUBLISH", "dup": false, "qos": 0, "retain": false, "packet_id": null, "topic": "t", "topic_alias": null, "payload": "78", "payload_utf8": "x", "properties": {}}"#;
    let (after_connect, ok) = line(&format!("{CONNECT_V5} {publish_v5}"), None);
    assert!(ok);
    assert!(
        after_connect.ends_with(&format!("{v5_publish}]}}")),
        "{after_connect}"
    );
    // --protocol wins over the CONNECT (which is still read by the version it announces).
    let (forced, ok) = line(
        &format!("{CONNECT_V5} {publish_v5}"),
        Some(ProtocolVersion::V3_1_1),
    );
    assert!(ok);
    assert!(forced.contains(r#""protocol": "5.0""#), "{forced}");
    assert!(
        forced.ends_with(r#""payload": "0078", "payload_utf8": "\u0000x"}]}"#),
        "{forced}"
    );
    // Only a leading CONNECT counts.
    let (later, _) = line(&format!("c0 00 {CONNECT_V5} {publish_v5}"), None);
    assert!(
        later.ends_with(r#""payload": "0078", "payload_utf8": "\u0000x"}]}"#),
        "{later}"
    );

    // 3.1 (MQIsdp, level 3) lets SUBSCRIBE carry DUP (flags 0b1010); 3.1.1 does not.
    let mut connect_v31 = Connect::new(ProtocolVersion::V3_1, s("c"));
    connect_v31.keep_alive_secs = 10;
    let connect_v31 = encode(ProtocolVersion::V3_1, &[Packet::from(connect_v31)]);
    let subscribe_dup = "8a 06 00 01 00 01 61 00";
    let (v31, ok) = line(&format!("{connect_v31} {subscribe_dup}"), None);
    assert!(ok, "{v31}");
    assert!(v31.contains(r#""protocol": "3.1""#), "{v31}");
    assert_eq!(
        err_line(subscribe_dup, None),
        error_line(DecodeError::InvalidFlags {
            packet: PacketType::Subscribe,
            flags: 0b1010
        })
    );
}

#[test]
fn command_line() {
    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(OsString::from))
    }
    let inspect = |protocol, streams: &[&str]| {
        Ok(Command::Inspect {
            protocol,
            streams: streams.iter().map(|&a| a.to_owned()).collect(),
        })
    };
    assert_eq!(parse(&[]), inspect(None, &[]));
    assert_eq!(parse(&["30 00", "c000"]), inspect(None, &["30 00", "c000"]));
    assert_eq!(
        parse(&["--protocol", "5.0", "e000"]),
        inspect(Some(ProtocolVersion::V5), &["e000"])
    );
    assert_eq!(
        parse(&["e000", "--protocol=3.1"]),
        inspect(Some(ProtocolVersion::V3_1), &["e000"])
    );
    assert_eq!(
        parse(&["--protocol", "3.1.1"]),
        inspect(Some(ProtocolVersion::V3_1_1), &[])
    );
    assert_eq!(parse(&["--", "--protocol"]), inspect(None, &["--protocol"]));
    assert_eq!(parse(&["-h"]), Ok(Command::Help));
    assert_eq!(parse(&["c000", "--help"]), Ok(Command::Help));
    assert_eq!(
        parse(&["--verbose"]),
        Err(r#"unknown option "--verbose""#.to_owned())
    );
    assert_eq!(parse(&["-"]), Err(r#"unknown option "-""#.to_owned()));
    assert_eq!(
        parse(&["--protocol"]),
        Err("--protocol needs a value".to_owned())
    );
    assert_eq!(
        parse(&["--protocol", "5"]),
        Err(r#"unknown protocol version "5": use 3.1, 3.1.1 or 5.0"#.to_owned())
    );
    assert_eq!(
        parse(&["--protocol=5.0", "--protocol=5.0"]),
        Err("--protocol given twice".to_owned())
    );
}
