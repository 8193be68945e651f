//! Decoded packets as JSON: every field, v5-only fields only in MQTT 5.0 streams, properties by
//! their spec names (only those present), binary values as hex, reason codes as number and name.

use core::num::{NonZeroU16, NonZeroU32};

use mqtt_codec::topic::{TopicFilter, TopicName};
use mqtt_codec::{
    AckProperties, Auth, AuthProperties, BinaryData, ConnAck, ConnAckProperties, Connect,
    ConnectProperties, Disconnect, DisconnectProperties, MqttString, Packet, PacketId, PacketType,
    PayloadFormat, ProtocolVersion, Publish, PublishProperties, ReasonCode, RetainHandling, SubAck,
    Subscribe, SubscribeProperties, SubscriptionId, UnsubAck, Unsubscribe, UnsubscribeProperties,
    UserProperties, Will, WillProperties,
};

use crate::hex;
use crate::json::{Json, Object};

/// One packet as a JSON object whose `"type"` is the spec's packet name.
///
/// `version` is the stream's protocol version; a CONNECT is shown by the version it announces.
pub(crate) fn packet(packet: &Packet, version: ProtocolVersion) -> Json {
    let t = packet.packet_type();
    let v5 = version.is_v5();
    let mut o = Object::new().with("type", t.name());
    match packet {
        Packet::Connect(c) => connect(&mut o, c),
        Packet::ConnAck(c) => connack(&mut o, c, version),
        Packet::Publish(p) => publish(&mut o, p, v5),
        Packet::PubAck(a) => ack(&mut o, a.packet_id, a.reason_code, &a.properties, t, v5),
        Packet::PubRec(a) => ack(&mut o, a.packet_id, a.reason_code, &a.properties, t, v5),
        Packet::PubRel(a) => ack(&mut o, a.packet_id, a.reason_code, &a.properties, t, v5),
        Packet::PubComp(a) => ack(&mut o, a.packet_id, a.reason_code, &a.properties, t, v5),
        Packet::Subscribe(s) => subscribe(&mut o, s, v5),
        Packet::SubAck(s) => suback(&mut o, s, version),
        Packet::Unsubscribe(u) => unsubscribe(&mut o, u, v5),
        Packet::UnsubAck(u) => unsuback(&mut o, u, v5),
        Packet::Disconnect(d) => disconnect(&mut o, d, v5),
        Packet::Auth(a) => auth(&mut o, a),
        // PINGREQ and PINGRESP have no fields; a packet kind added later shows its type.
        _ => {}
    }
    o.into()
}

/// A reason or return code: `{"code": N, "name": "..."}` (name `null` for an unknown code).
fn reason_code(code: ReasonCode, packet: PacketType, version: ProtocolVersion) -> Json {
    Object::new()
        .with("code", code.0)
        .with("name", reason_name(code, packet, version))
        .into()
}

/// The name the spec gives `code` in `packet`.
///
/// [`ReasonCode::name`] knows the 5.0 names only, and 3.x CONNACK return codes reuse the bytes
/// 1 to 5 with other meanings (1 is "Granted QoS 1" in 5.0), so 3.x gets its own table.
fn reason_name(
    code: ReasonCode,
    packet: PacketType,
    version: ProtocolVersion,
) -> Option<&'static str> {
    if !version.is_v5() {
        return match (packet, code.0) {
            (PacketType::ConnAck, 0) => Some("Connection Accepted"),
            (PacketType::ConnAck, 1) => Some("Connection Refused, unacceptable protocol version"),
            (PacketType::ConnAck, 2) => Some("Connection Refused, identifier rejected"),
            (PacketType::ConnAck, 3) => Some("Connection Refused, Server unavailable"),
            (PacketType::ConnAck, 4) => Some("Connection Refused, bad user name or password"),
            (PacketType::ConnAck, 5) => Some("Connection Refused, not authorized"),
            (PacketType::ConnAck, _) => None,
            (PacketType::SubAck, 0) => Some("Success - Maximum QoS 0"),
            (PacketType::SubAck, 1) => Some("Success - Maximum QoS 1"),
            (PacketType::SubAck, 2) => Some("Success - Maximum QoS 2"),
            (PacketType::SubAck, 0x80) => Some("Failure"),
            _ => code.name(),
        };
    }
    // 0x00 has three names in 5.0 (Table 2-6); `name` gives the general one.
    match (packet, code.0) {
        (PacketType::Disconnect, 0) => Some("Normal disconnection"),
        (PacketType::SubAck, 0) => Some("Granted QoS 0"),
        _ => code.name(),
    }
}

fn connect(o: &mut Object, c: &Connect) {
    // The CONNECT announces its own version and is decoded by its rules.
    let v5 = c.protocol.is_v5();
    o.push("protocol", c.protocol.to_string());
    o.push("clean_start", c.clean_start);
    o.push("keep_alive_secs", c.keep_alive_secs);
    o.push("client_id", c.client_id.as_str());
    o.push("will", c.will.as_ref().map(|w| will(w, v5)));
    o.push("username", string(c.username.as_ref()));
    o.push("password", binary(c.password.as_ref()));
    if v5 {
        o.push("properties", connect_properties(&c.properties));
    }
}

fn will(w: &Will, v5: bool) -> Object {
    let mut o = Object::new()
        .with("topic", w.topic.as_str())
        .with("qos", w.qos.as_u8())
        .with("retain", w.retain);
    payload(&mut o, &w.payload);
    if v5 {
        o.push("properties", will_properties(&w.properties));
    }
    o
}

fn connack(o: &mut Object, c: &ConnAck, version: ProtocolVersion) {
    o.push("session_present", c.session_present);
    o.push(
        "reason_code",
        reason_code(c.reason_code, PacketType::ConnAck, version),
    );
    if version.is_v5() {
        o.push("properties", connack_properties(&c.properties));
    }
}

fn publish(o: &mut Object, p: &Publish, v5: bool) {
    o.push("dup", p.dup);
    o.push("qos", p.qos().as_u8());
    o.push("retain", p.retain);
    o.push("packet_id", p.delivery.packet_id().map(PacketId::get));
    o.push("topic", p.topic.name().map(TopicName::as_str));
    if v5 {
        o.push("topic_alias", p.topic.alias().map(NonZeroU16::get));
    }
    payload(o, &p.payload);
    if v5 {
        let ids: Vec<Json> = p
            .subscription_ids
            .iter()
            .map(|id| id.get().into())
            .collect();
        let props = publish_properties(&p.properties)
            .with_some("subscription_identifiers", (!ids.is_empty()).then_some(ids));
        o.push("properties", props);
    }
}

/// PUBACK, PUBREC, PUBREL and PUBCOMP.
fn ack(
    o: &mut Object,
    packet_id: PacketId,
    code: ReasonCode,
    properties: &AckProperties,
    t: PacketType,
    v5: bool,
) {
    o.push("packet_id", packet_id.get());
    if v5 {
        o.push("reason_code", reason_code(code, t, ProtocolVersion::V5));
        o.push("properties", ack_properties(properties));
    }
}

fn subscribe(o: &mut Object, s: &Subscribe, v5: bool) {
    o.push("packet_id", s.packet_id.get());
    let subscriptions = s.subscriptions.iter().map(|sub| {
        let options = sub.options;
        let mut entry = Object::new()
            .with("filter", sub.filter.as_str())
            .with("qos", options.qos.as_u8());
        if v5 {
            entry.push("no_local", options.no_local);
            entry.push("retain_as_published", options.retain_as_published);
            entry.push("retain_handling", retain_handling(options.retain_handling));
        }
        Json::from(entry)
    });
    o.push("subscriptions", subscriptions.collect::<Vec<_>>());
    if v5 {
        o.push("properties", subscribe_properties(&s.properties));
    }
}

fn suback(o: &mut Object, s: &SubAck, version: ProtocolVersion) {
    o.push("packet_id", s.packet_id.get());
    o.push(
        "reason_codes",
        reason_codes(&s.reason_codes, PacketType::SubAck, version),
    );
    if version.is_v5() {
        o.push("properties", ack_properties(&s.properties));
    }
}

fn unsubscribe(o: &mut Object, u: &Unsubscribe, v5: bool) {
    o.push("packet_id", u.packet_id.get());
    let filters: Vec<Json> = u
        .filters
        .iter()
        .map(|f| TopicFilter::as_str(f).into())
        .collect();
    o.push("filters", filters);
    if v5 {
        o.push("properties", unsubscribe_properties(&u.properties));
    }
}

fn unsuback(o: &mut Object, u: &UnsubAck, v5: bool) {
    o.push("packet_id", u.packet_id.get());
    if v5 {
        let codes = reason_codes(&u.reason_codes, PacketType::UnsubAck, ProtocolVersion::V5);
        o.push("reason_codes", codes);
        o.push("properties", ack_properties(&u.properties));
    }
}

/// DISCONNECT: no fields in 3.x.
fn disconnect(o: &mut Object, d: &Disconnect, v5: bool) {
    if v5 {
        let code = reason_code(d.reason_code, PacketType::Disconnect, ProtocolVersion::V5);
        o.push("reason_code", code);
        o.push("properties", disconnect_properties(&d.properties));
    }
}

/// AUTH (5.0 only).
fn auth(o: &mut Object, a: &Auth) {
    o.push(
        "reason_code",
        reason_code(a.reason_code, PacketType::Auth, ProtocolVersion::V5),
    );
    o.push("properties", auth_properties(&a.properties));
}

fn reason_codes(codes: &[ReasonCode], t: PacketType, version: ProtocolVersion) -> Json {
    codes
        .iter()
        .map(|&c| reason_code(c, t, version))
        .collect::<Vec<_>>()
        .into()
}

/// `"payload"` as hex, and `"payload_utf8"` when the bytes are valid UTF-8.
fn payload(o: &mut Object, bytes: &[u8]) {
    o.push("payload", hex::encode(bytes));
    if let Ok(text) = core::str::from_utf8(bytes) {
        o.push("payload_utf8", text);
    }
}

fn retain_handling(r: RetainHandling) -> u8 {
    match r {
        RetainHandling::SendAtSubscribe => 0,
        RetainHandling::SendIfNew => 1,
        RetainHandling::DoNotSend => 2,
    }
}

fn payload_format(p: PayloadFormat) -> u8 {
    match p {
        PayloadFormat::Unspecified => 0,
        PayloadFormat::Utf8 => 1,
    }
}

fn string(s: Option<&MqttString>) -> Option<&str> {
    s.map(MqttString::as_str)
}

fn binary(b: Option<&BinaryData>) -> Option<String> {
    b.map(|b| hex::encode(b.as_bytes()))
}

/// Adds `"user_properties": [[name, value], ...]` unless there are none.
fn with_users(o: Object, users: &UserProperties) -> Object {
    let pairs: Vec<Json> = users
        .iter()
        .map(|(name, value)| vec![Json::from(name.as_str()), Json::from(value.as_str())].into())
        .collect();
    o.with_some("user_properties", (!pairs.is_empty()).then_some(pairs))
}

fn connect_properties(p: &ConnectProperties) -> Object {
    let o = Object::new()
        .with_some("session_expiry_interval", p.session_expiry_interval)
        .with_some("receive_maximum", p.receive_maximum.map(NonZeroU16::get))
        .with_some(
            "maximum_packet_size",
            p.maximum_packet_size.map(NonZeroU32::get),
        )
        .with_some("topic_alias_maximum", p.topic_alias_maximum)
        .with_some(
            "request_response_information",
            p.request_response_information,
        )
        .with_some("request_problem_information", p.request_problem_information)
        .with_some(
            "authentication_method",
            string(p.authentication_method.as_ref()),
        )
        .with_some(
            "authentication_data",
            binary(p.authentication_data.as_ref()),
        );
    with_users(o, &p.user_properties)
}

fn will_properties(p: &WillProperties) -> Object {
    let o = Object::new()
        .with_some("will_delay_interval", p.will_delay_interval)
        .with_some(
            "payload_format_indicator",
            p.payload_format_indicator.map(payload_format),
        )
        .with_some("message_expiry_interval", p.message_expiry_interval)
        .with_some("content_type", string(p.content_type.as_ref()))
        .with_some(
            "response_topic",
            p.response_topic.as_ref().map(TopicName::as_str),
        )
        .with_some("correlation_data", binary(p.correlation_data.as_ref()));
    with_users(o, &p.user_properties)
}

fn connack_properties(p: &ConnAckProperties) -> Object {
    let o = Object::new()
        .with_some("session_expiry_interval", p.session_expiry_interval)
        .with_some("receive_maximum", p.receive_maximum.map(NonZeroU16::get))
        .with_some("maximum_qos", p.maximum_qos.map(|q| q.as_u8()))
        .with_some("retain_available", p.retain_available)
        .with_some(
            "maximum_packet_size",
            p.maximum_packet_size.map(NonZeroU32::get),
        )
        .with_some(
            "assigned_client_identifier",
            string(p.assigned_client_identifier.as_ref()),
        )
        .with_some("topic_alias_maximum", p.topic_alias_maximum)
        .with_some("reason_string", string(p.reason_string.as_ref()))
        .with_some(
            "wildcard_subscription_available",
            p.wildcard_subscription_available,
        )
        .with_some(
            "subscription_identifiers_available",
            p.subscription_identifiers_available,
        )
        .with_some(
            "shared_subscription_available",
            p.shared_subscription_available,
        )
        .with_some("server_keep_alive", p.server_keep_alive)
        .with_some(
            "response_information",
            string(p.response_information.as_ref()),
        )
        .with_some("server_reference", string(p.server_reference.as_ref()))
        .with_some(
            "authentication_method",
            string(p.authentication_method.as_ref()),
        )
        .with_some(
            "authentication_data",
            binary(p.authentication_data.as_ref()),
        );
    with_users(o, &p.user_properties)
}

/// PUBLISH properties without the topic alias (shown beside the topic) and the subscription
/// identifiers (added by the caller).
fn publish_properties(p: &PublishProperties) -> Object {
    let o = Object::new()
        .with_some(
            "payload_format_indicator",
            p.payload_format_indicator.map(payload_format),
        )
        .with_some("message_expiry_interval", p.message_expiry_interval)
        .with_some(
            "response_topic",
            p.response_topic.as_ref().map(TopicName::as_str),
        )
        .with_some("correlation_data", binary(p.correlation_data.as_ref()))
        .with_some("content_type", string(p.content_type.as_ref()));
    with_users(o, &p.user_properties)
}

fn ack_properties(p: &AckProperties) -> Object {
    let o = Object::new().with_some("reason_string", string(p.reason_string.as_ref()));
    with_users(o, &p.user_properties)
}

fn subscribe_properties(p: &SubscribeProperties) -> Object {
    let id = p.subscription_identifier.map(SubscriptionId::get);
    with_users(
        Object::new().with_some("subscription_identifier", id),
        &p.user_properties,
    )
}

fn unsubscribe_properties(p: &UnsubscribeProperties) -> Object {
    with_users(Object::new(), &p.user_properties)
}

fn disconnect_properties(p: &DisconnectProperties) -> Object {
    let o = Object::new()
        .with_some("session_expiry_interval", p.session_expiry_interval)
        .with_some("reason_string", string(p.reason_string.as_ref()))
        .with_some("server_reference", string(p.server_reference.as_ref()));
    with_users(o, &p.user_properties)
}

fn auth_properties(p: &AuthProperties) -> Object {
    let o = Object::new()
        .with_some(
            "authentication_method",
            string(p.authentication_method.as_ref()),
        )
        .with_some(
            "authentication_data",
            binary(p.authentication_data.as_ref()),
        )
        .with_some("reason_string", string(p.reason_string.as_ref()));
    with_users(o, &p.user_properties)
}
