//! Packets from `arbitrary` data, built only through the codec's public constructors and fields.
//!
//! Mostly valid for the chosen version; now and then content the version or a direction does
//! not allow (5.0 properties in 3.x, a reason code from the wrong table, DUP at QoS 0...), which
//! the encoder must refuse with a typed error.

use core::num::{NonZeroU16, NonZeroU32};

use arbitrary::{Result, Unstructured};
use bytes::Bytes;
use mqtt_codec::{
    AckProperties, Auth, AuthProperties, BinaryData, ConnAck, ConnAckProperties, Connect,
    ConnectProperties, Delivery, Disconnect, DisconnectProperties, MqttString, Packet, PacketId,
    PacketType, PayloadFormat, ProtocolVersion, PubAck, PubComp, PubRec, PubRel, Publish,
    PublishProperties, PublishTopic, QoS, ReasonCode, RetainHandling, StringError, SubAck,
    Subscribe, SubscribeProperties, Subscription, SubscriptionId, SubscriptionIds, UnsubAck,
    Unsubscribe, UnsubscribeProperties, UserProperties, Will, WillProperties,
};
use mqtt_topic::{TopicDialect, TopicFilter, TopicName};

use crate::VERSIONS;

/// Level texts topics are made of (the empty level and `$` levels included).
const WORDS: [&str; 14] = [
    "a", "b", "sensors", "temp", "", "$SYS", "$share", "é", "中文", "\u{FEFF}", "x y", "$", "g",
    "🦀",
];

/// One test case: a version, a packet, and maybe a peer maximum packet size.
pub(crate) fn case(
    u: &mut Unstructured<'_>,
) -> Result<(ProtocolVersion, Packet, Option<NonZeroU32>)> {
    let version = *u.choose(&VERSIONS)?;
    let packet = packet(u, version)?;
    let peer_max = if u.ratio(1, 8)? {
        NonZeroU32::new(u.int_in_range(1..=300)?)
    } else {
        None
    };
    Ok((version, packet, peer_max))
}

fn packet(u: &mut Unstructured<'_>, version: ProtocolVersion) -> Result<Packet> {
    Ok(match u.int_in_range(0..=14u8)? {
        0 => Packet::from(connect(u, version)?),
        1 => {
            let code = reason_code(u, PacketType::ConnAck, version)?;
            let session_present = u.arbitrary::<bool>()? && (code.0 == 0 || u.ratio(1, 8)?);
            let mut p = ConnAck::new(session_present, code);
            if props(u, version)? {
                p.properties = connack_properties(u)?;
            }
            Packet::ConnAck(p)
        }
        2 => Packet::Publish(publish(u, version)?),
        3 => {
            let (id, code, properties) = ack(u, version, PacketType::PubAck)?;
            let mut p = if code.0 == 0 {
                PubAck::new(id)
            } else {
                PubAck::with_reason(id, code)
            };
            p.properties = properties;
            Packet::PubAck(p)
        }
        4 => {
            let (id, code, properties) = ack(u, version, PacketType::PubRec)?;
            let mut p = PubRec::with_reason(id, code);
            p.properties = properties;
            Packet::PubRec(p)
        }
        5 => {
            let (id, code, properties) = ack(u, version, PacketType::PubRel)?;
            let mut p = PubRel::with_reason(id, code);
            p.properties = properties;
            Packet::PubRel(p)
        }
        6 => {
            let (id, code, properties) = ack(u, version, PacketType::PubComp)?;
            let mut p = PubComp::with_reason(id, code);
            p.properties = properties;
            Packet::PubComp(p)
        }
        7 => Packet::Subscribe(subscribe(u, version)?),
        8 => {
            let mut p = SubAck::new(packet_id(u)?, codes(u, version, PacketType::SubAck)?);
            if props(u, version)? {
                p.properties = ack_properties(u)?;
            }
            Packet::SubAck(p)
        }
        9 => {
            let dialect = dialect(u, version)?;
            let n = if u.ratio(1, 16)? {
                0
            } else {
                u.int_in_range(1..=4)?
            };
            let filters = (0..n)
                .map(|_| topic_filter(u, dialect))
                .collect::<Result<_>>()?;
            let mut p = Unsubscribe::new(packet_id(u)?, filters);
            if props(u, version)? {
                let mut properties = UnsubscribeProperties::new();
                properties.user_properties = user_properties(u)?;
                p.properties = properties;
            }
            Packet::Unsubscribe(p)
        }
        10 => {
            let codes = if version.is_v5() || u.ratio(1, 8)? {
                codes(u, version, PacketType::UnsubAck)?
            } else {
                Vec::new()
            };
            let mut p = UnsubAck::new(packet_id(u)?, codes);
            if props(u, version)? {
                p.properties = ack_properties(u)?;
            }
            Packet::UnsubAck(p)
        }
        11 => Packet::PingReq,
        12 => Packet::PingResp,
        13 => {
            let code = reason_code(u, PacketType::Disconnect, version)?;
            let mut p = if code.0 == 0 {
                Disconnect::new()
            } else {
                Disconnect::with_reason(code)
            };
            if props(u, version)? {
                p.properties = disconnect_properties(u)?;
            }
            Packet::Disconnect(p)
        }
        _ => {
            let mut p = Auth::new(reason_code(u, PacketType::Auth, version)?);
            if props(u, version)? {
                p.properties = auth_properties(u)?;
            }
            Packet::Auth(p)
        }
    })
}

fn connect(u: &mut Unstructured<'_>, version: ProtocolVersion) -> Result<Connect> {
    let protocol = if u.ratio(1, 16)? {
        *u.choose(&VERSIONS)?
    } else {
        version
    };
    let client_id = if protocol == ProtocolVersion::V3_1 && !u.ratio(1, 8)? {
        // 1 to 23 bytes.
        let len = u.int_in_range(1..=23)?;
        let id: String = (0..len).map(|i| char::from(b'a' + (i % 26))).collect();
        MqttString::new(&id).expect("ASCII letters")
    } else {
        mqtt_string(u)?
    };
    let mut c = Connect::new(protocol, client_id);
    c.clean_start = u.arbitrary()?;
    c.keep_alive_secs = u.arbitrary()?;
    if u.arbitrary()? {
        let mut will = Will::new(topic_name(u)?, Bytes::copy_from_slice(take(u, 64)?));
        will.qos = qos(u)?;
        will.retain = u.arbitrary()?;
        if props(u, version)? {
            will.properties = will_properties(u)?;
        }
        c.will = Some(will);
    }
    if u.arbitrary()? {
        c.username = Some(mqtt_string(u)?);
    }
    if u.arbitrary()? && (c.username.is_some() || version.is_v5() || u.ratio(1, 8)?) {
        c.password = Some(binary(u)?);
    }
    if props(u, version)? {
        c.properties = connect_properties(u)?;
    }
    Ok(c)
}

fn publish(u: &mut Unstructured<'_>, version: ProtocolVersion) -> Result<Publish> {
    let v5 = version.is_v5() || u.ratio(1, 16)?;
    let topic = match u.int_in_range(0..=5u8)? {
        0 if v5 => PublishTopic::Alias(alias(u)?),
        1 if v5 => PublishTopic::NameAndAlias(topic_name(u)?, alias(u)?),
        _ => PublishTopic::Name(topic_name(u)?),
    };
    let mut p = Publish::new(topic, Bytes::copy_from_slice(take(u, 256)?));
    p.delivery = match qos(u)? {
        QoS::AtMostOnce => Delivery::AtMostOnce,
        QoS::AtLeastOnce => Delivery::AtLeastOnce(packet_id(u)?),
        QoS::ExactlyOnce => Delivery::ExactlyOnce(packet_id(u)?),
    };
    p.dup = p.delivery != Delivery::AtMostOnce && u.arbitrary()? || u.ratio(1, 32)?;
    p.retain = u.arbitrary()?;
    if props(u, version)? {
        p.properties = publish_properties(u)?;
    }
    if v5 && u.ratio(1, 3)? {
        p.subscription_ids = subscription_ids(u)?;
    }
    Ok(p)
}

fn subscribe(u: &mut Unstructured<'_>, version: ProtocolVersion) -> Result<Subscribe> {
    let dialect = dialect(u, version)?;
    let n = if u.ratio(1, 16)? {
        0
    } else {
        u.int_in_range(1..=4)?
    };
    let mut subscriptions = Vec::new();
    for _ in 0..n {
        let filter = topic_filter(u, dialect)?;
        let mut s = Subscription::new(filter, qos(u)?);
        if version.is_v5() || u.ratio(1, 16)? {
            s.options.no_local = u.arbitrary()? && (!s.filter.is_shared() || u.ratio(1, 8)?);
            s.options.retain_as_published = u.arbitrary()?;
            s.options.retain_handling = *u.choose(&[
                RetainHandling::SendAtSubscribe,
                RetainHandling::SendIfNew,
                RetainHandling::DoNotSend,
            ])?;
        }
        subscriptions.push(s);
    }
    let mut p = Subscribe::new(packet_id(u)?, subscriptions);
    if props(u, version)? {
        let mut properties = SubscribeProperties::new();
        if u.arbitrary()? {
            properties.subscription_identifier = Some(subscription_id(u)?);
        }
        properties.user_properties = user_properties(u)?;
        p.properties = properties;
    }
    Ok(p)
}

/// Packet id, reason code and properties of a publish acknowledgment.
fn ack(
    u: &mut Unstructured<'_>,
    version: ProtocolVersion,
    t: PacketType,
) -> Result<(PacketId, ReasonCode, AckProperties)> {
    let id = packet_id(u)?;
    let code = if version.is_v5() || u.ratio(1, 8)? {
        reason_code(u, t, version)?
    } else {
        ReasonCode::SUCCESS
    };
    let properties = if props(u, version)? {
        ack_properties(u)?
    } else {
        AckProperties::new()
    };
    Ok((id, code, properties))
}

/// One to four codes (rarely none) for SUBACK / UNSUBACK.
fn codes(
    u: &mut Unstructured<'_>,
    version: ProtocolVersion,
    t: PacketType,
) -> Result<Vec<ReasonCode>> {
    let n = if u.ratio(1, 16)? {
        0
    } else {
        u.int_in_range(1..=4)?
    };
    (0..n).map(|_| reason_code(u, t, version)).collect()
}

/// Whether to give a packet properties: often in 5.0, rarely (an error) in 3.x.
fn props(u: &mut Unstructured<'_>, version: ProtocolVersion) -> Result<bool> {
    if version.is_v5() {
        u.ratio(1, 2)
    } else {
        u.ratio(1, 16)
    }
}

/// Mostly a code from the packet's table for this version, sometimes any byte.
fn reason_code(
    u: &mut Unstructured<'_>,
    t: PacketType,
    version: ProtocolVersion,
) -> Result<ReasonCode> {
    if u.ratio(1, 8)? {
        return Ok(ReasonCode(u.arbitrary()?));
    }
    let valid: Vec<u8> = (0..=255)
        .filter(|&c| ReasonCode(c).is_valid_for(t, version))
        .collect();
    Ok(ReasonCode(*u.choose(&valid)?))
}

fn packet_id(u: &mut Unstructured<'_>) -> Result<PacketId> {
    let raw: u16 = u.arbitrary()?;
    Ok(PacketId::new(raw).unwrap_or(PacketId::MIN))
}

fn alias(u: &mut Unstructured<'_>) -> Result<NonZeroU16> {
    Ok(NonZeroU16::new(u.arbitrary()?).unwrap_or(NonZeroU16::MIN))
}

fn qos(u: &mut Unstructured<'_>) -> Result<QoS> {
    Ok(*u.choose(&[QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce])?)
}

/// The filter dialect of a version; rarely the 5.0 dialect in 3.x (shared subscriptions there
/// must be refused).
fn dialect(u: &mut Unstructured<'_>, version: ProtocolVersion) -> Result<TopicDialect> {
    Ok(if version.is_v5() || u.ratio(1, 16)? {
        TopicDialect::V5
    } else {
        TopicDialect::V3
    })
}

/// Up to `max` bytes (fewer when the data runs out).
fn take<'a>(u: &mut Unstructured<'a>, max: usize) -> Result<&'a [u8]> {
    let len = u.int_in_range(0..=max)?.min(u.len());
    u.bytes(len)
}

/// A string: a word, a few joined words, or arbitrary text (rejected text falls back).
fn mqtt_string(u: &mut Unstructured<'_>) -> Result<MqttString> {
    let text = match u.int_in_range(0..=3u8)? {
        0 => String::new(),
        1 => (*u.choose(&WORDS)?).to_owned(),
        2 => {
            let n = u.int_in_range(1..=4)?;
            let words: Vec<&str> = (0..n)
                .map(|_| u.choose(&WORDS).copied())
                .collect::<Result<_>>()?;
            words.concat()
        }
        _ => u.arbitrary::<&str>()?.to_owned(),
    };
    match MqttString::new(&text) {
        Ok(s) => {
            assert_eq!(s.as_str(), text);
            assert_eq!(
                MqttString::from_bytes(Bytes::from(text.clone())).as_ref(),
                Ok(&s)
            );
            Ok(s)
        }
        Err(e) => {
            // The only ways a &str can fail.
            let expected = match e {
                StringError::NullChar => text.contains('\0'),
                StringError::TooLong { len } => len == text.len() && len > 65_535,
                _ => false,
            };
            assert!(expected, "{text:?} refused with {e:?}");
            Ok(MqttString::from_static("s"))
        }
    }
}

fn binary(u: &mut Unstructured<'_>) -> Result<BinaryData> {
    let b = take(u, 32)?;
    let data = BinaryData::copy_from_slice(b).expect("at most 32 bytes");
    assert_eq!(
        BinaryData::new(Bytes::copy_from_slice(b)).as_ref(),
        Ok(&data)
    );
    Ok(data)
}

/// A valid topic name: levels made of words, or arbitrary text (rejected text falls back).
pub(crate) fn topic_name(u: &mut Unstructured<'_>) -> Result<TopicName> {
    let text = if u.ratio(1, 8)? {
        u.arbitrary::<&str>()?.to_owned()
    } else {
        let n = u.int_in_range(1..=5)?;
        let levels: Vec<&str> = (0..n)
            .map(|_| u.choose(&WORDS).copied())
            .collect::<Result<_>>()?;
        levels.join("/")
    };
    Ok(TopicName::new(&text).unwrap_or_else(|_| TopicName::from_static("t")))
}

/// A valid topic filter of `dialect`: levels of words and wildcards, sometimes shared.
pub(crate) fn topic_filter(u: &mut Unstructured<'_>, dialect: TopicDialect) -> Result<TopicFilter> {
    let mut text = String::new();
    if u.ratio(1, 6)? {
        text.push_str("$share/");
        text.push_str(u.choose(&["g", "group", "é", ""])?);
        text.push('/');
    }
    let n = u.int_in_range(1..=5)?;
    for i in 0..n {
        if i > 0 {
            text.push('/');
        }
        match u.int_in_range(0..=5u8)? {
            0 => text.push('+'),
            1 if i + 1 == n => text.push('#'),
            _ => text.push_str(u.choose(&WORDS)?),
        }
    }
    Ok(TopicFilter::new_in(&text, dialect).unwrap_or_else(|_| TopicFilter::from_static("f/#")))
}

fn user_properties(u: &mut Unstructured<'_>) -> Result<UserProperties> {
    let n = u.int_in_range(0..=4)?;
    let pairs: Vec<(MqttString, MqttString)> = (0..n)
        .map(|_| Ok((mqtt_string(u)?, mqtt_string(u)?)))
        .collect::<Result<_>>()?;
    let mut pushed = UserProperties::new();
    for (name, value) in pairs.iter().cloned() {
        pushed.push(name, value);
    }
    let collected: UserProperties = pairs.iter().cloned().collect();
    assert_eq!(
        pushed, collected,
        "push and collect build different user properties"
    );
    assert_eq!(pushed.len(), pairs.len());
    assert!(
        pushed.iter().eq(pairs.iter().cloned()),
        "user properties changed order or content"
    );
    if let Some((name, value)) = pairs.first() {
        assert_eq!(pushed.get(name.as_str()).as_ref(), Some(value));
    }
    Ok(pushed)
}

fn subscription_id(u: &mut Unstructured<'_>) -> Result<SubscriptionId> {
    const EDGES: [u32; 9] = [
        0,
        1,
        127,
        128,
        16_383,
        16_384,
        2_097_151,
        2_097_152,
        268_435_455,
    ];
    let raw = if u.arbitrary()? {
        *u.choose(&EDGES)?
    } else {
        u.arbitrary()?
    };
    let id = SubscriptionId::new(raw);
    assert_eq!(
        id.is_some(),
        (1..=SubscriptionId::MAX).contains(&raw),
        "SubscriptionId::new({raw})"
    );
    Ok(id.unwrap_or_else(|| SubscriptionId::new(1).expect("1 is an id")))
}

fn subscription_ids(u: &mut Unstructured<'_>) -> Result<SubscriptionIds> {
    let n = u.int_in_range(1..=4)?;
    let ids: Vec<SubscriptionId> = (0..n).map(|_| subscription_id(u)).collect::<Result<_>>()?;
    let mut pushed = SubscriptionIds::new();
    for &id in &ids {
        pushed.push(id);
    }
    let collected: SubscriptionIds = ids.iter().copied().collect();
    assert_eq!(
        pushed, collected,
        "push and collect build different subscription ids"
    );
    assert!(pushed.iter().eq(ids.iter().copied()));
    Ok(pushed)
}

/// `Some(value)` half of the time.
fn maybe<T>(
    u: &mut Unstructured<'_>,
    f: impl FnOnce(&mut Unstructured<'_>) -> Result<T>,
) -> Result<Option<T>> {
    if u.arbitrary()? {
        f(u).map(Some)
    } else {
        Ok(None)
    }
}

fn any<T: for<'a> arbitrary::Arbitrary<'a>>(u: &mut Unstructured<'_>) -> Result<T> {
    u.arbitrary()
}

fn payload_format(u: &mut Unstructured<'_>) -> Result<PayloadFormat> {
    Ok(*u.choose(&[PayloadFormat::Unspecified, PayloadFormat::Utf8])?)
}

fn connect_properties(u: &mut Unstructured<'_>) -> Result<ConnectProperties> {
    let mut p = ConnectProperties::new();
    p.session_expiry_interval = maybe(u, any)?;
    p.receive_maximum = maybe(u, |u| {
        Ok(NonZeroU16::new(any(u)?).unwrap_or(NonZeroU16::MAX))
    })?;
    p.maximum_packet_size = maybe(u, |u| {
        Ok(NonZeroU32::new(any(u)?).unwrap_or(NonZeroU32::MAX))
    })?;
    p.topic_alias_maximum = maybe(u, any)?;
    p.request_response_information = maybe(u, any)?;
    p.request_problem_information = maybe(u, any)?;
    p.authentication_method = maybe(u, mqtt_string)?;
    p.authentication_data = maybe(u, binary)?;
    p.user_properties = user_properties(u)?;
    Ok(p)
}

fn will_properties(u: &mut Unstructured<'_>) -> Result<WillProperties> {
    let mut p = WillProperties::new();
    p.will_delay_interval = maybe(u, any)?;
    p.payload_format_indicator = maybe(u, payload_format)?;
    p.message_expiry_interval = maybe(u, any)?;
    p.content_type = maybe(u, mqtt_string)?;
    p.response_topic = maybe(u, topic_name)?;
    p.correlation_data = maybe(u, binary)?;
    p.user_properties = user_properties(u)?;
    Ok(p)
}

fn connack_properties(u: &mut Unstructured<'_>) -> Result<ConnAckProperties> {
    let mut p = ConnAckProperties::new();
    p.session_expiry_interval = maybe(u, any)?;
    p.receive_maximum = maybe(u, |u| {
        Ok(NonZeroU16::new(any(u)?).unwrap_or(NonZeroU16::MAX))
    })?;
    p.maximum_qos = maybe(u, qos)?;
    p.retain_available = maybe(u, any)?;
    p.maximum_packet_size = maybe(u, |u| {
        Ok(NonZeroU32::new(any(u)?).unwrap_or(NonZeroU32::MAX))
    })?;
    p.assigned_client_identifier = maybe(u, mqtt_string)?;
    p.topic_alias_maximum = maybe(u, any)?;
    p.reason_string = maybe(u, mqtt_string)?;
    p.wildcard_subscription_available = maybe(u, any)?;
    p.subscription_identifiers_available = maybe(u, any)?;
    p.shared_subscription_available = maybe(u, any)?;
    p.server_keep_alive = maybe(u, any)?;
    p.response_information = maybe(u, mqtt_string)?;
    p.server_reference = maybe(u, mqtt_string)?;
    p.authentication_method = maybe(u, mqtt_string)?;
    p.authentication_data = maybe(u, binary)?;
    p.user_properties = user_properties(u)?;
    Ok(p)
}

fn publish_properties(u: &mut Unstructured<'_>) -> Result<PublishProperties> {
    let mut p = PublishProperties::new();
    p.payload_format_indicator = maybe(u, payload_format)?;
    p.message_expiry_interval = maybe(u, any)?;
    p.response_topic = maybe(u, topic_name)?;
    p.correlation_data = maybe(u, binary)?;
    p.content_type = maybe(u, mqtt_string)?;
    p.user_properties = user_properties(u)?;
    Ok(p)
}

fn ack_properties(u: &mut Unstructured<'_>) -> Result<AckProperties> {
    let mut p = AckProperties::new();
    p.reason_string = maybe(u, mqtt_string)?;
    p.user_properties = user_properties(u)?;
    Ok(p)
}

fn disconnect_properties(u: &mut Unstructured<'_>) -> Result<DisconnectProperties> {
    let mut p = DisconnectProperties::new();
    p.session_expiry_interval = maybe(u, any)?;
    p.reason_string = maybe(u, mqtt_string)?;
    p.server_reference = maybe(u, mqtt_string)?;
    p.user_properties = user_properties(u)?;
    Ok(p)
}

fn auth_properties(u: &mut Unstructured<'_>) -> Result<AuthProperties> {
    let mut p = AuthProperties::new();
    p.authentication_method = maybe(u, mqtt_string)?;
    p.authentication_data = maybe(u, binary)?;
    p.reason_string = maybe(u, mqtt_string)?;
    p.user_properties = user_properties(u)?;
    Ok(p)
}
