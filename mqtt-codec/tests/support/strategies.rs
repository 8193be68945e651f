//! proptest strategies that yield only valid packets of a given protocol version, built from the
//! codec's public constructors (every packet and property struct is `#[non_exhaustive]`, so
//! each is made with `new` and then its public fields are set).
//!
//! What "valid" means per version follows `shared/spec/README.md`: 3.x packets carry no
//! properties, no 5.0 reason codes and no 5.0 subscription options; 3.1 has no Session Present
//! and a 1..=23 byte client identifier; 3.1.1 needs CleanSession for an empty client identifier
//! and a user name for a password; SUBACK / UNSUBACK / CONNACK / acknowledgment / DISCONNECT /
//! AUTH codes come from the per-packet tables; Authentication Data needs a method; No Local is
//! never set on a shared subscription.
#![expect(
    clippy::expect_used,
    reason = "test helpers: values are valid by construction"
)]

use core::num::{NonZeroU16, NonZeroU32};

use bytes::Bytes;
use mqtt_codec::topic::{TopicDialect, TopicFilter, TopicName};
use mqtt_codec::{
    AckProperties, Auth, AuthProperties, BinaryData, ConnAck, ConnAckProperties, Connect,
    ConnectProperties, Delivery, Disconnect, DisconnectProperties, MqttString, Packet, PacketId,
    PayloadFormat, ProtocolVersion, PubAck, PubComp, PubRec, PubRel, Publish, PublishProperties,
    PublishTopic, QoS, ReasonCode, RetainHandling, SubAck, Subscribe, SubscribeProperties,
    Subscription, SubscriptionId, SubscriptionIds, UnsubAck, Unsubscribe, UnsubscribeProperties,
    UserProperties, Will, WillProperties,
};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;

/// 5.0 CONNACK reason codes.
pub const V5_CONNACK: &[u8] = &[
    0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97,
    0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F,
];
/// 5.0 PUBACK / PUBREC reason codes.
pub const V5_PUBACK: &[u8] = &[0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99];
/// 5.0 PUBREL / PUBCOMP reason codes.
pub const V5_PUBREL: &[u8] = &[0x00, 0x92];
/// 5.0 SUBACK reason codes.
pub const V5_SUBACK: &[u8] = &[
    0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2,
];
/// 5.0 UNSUBACK reason codes.
pub const V5_UNSUBACK: &[u8] = &[0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91];
/// 5.0 DISCONNECT reason codes (0x8C included, see the spec README note).
pub const V5_DISCONNECT: &[u8] = &[
    0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8C, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94,
    0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2,
];
/// 5.0 AUTH reason codes.
pub const V5_AUTH: &[u8] = &[0x00, 0x18, 0x19];

/// A reason code from `codes`.
pub fn code_in(codes: &'static [u8]) -> impl Strategy<Value = ReasonCode> {
    select(codes).prop_map(ReasonCode)
}

/// Any version.
pub fn version() -> impl Strategy<Value = ProtocolVersion> {
    select(&super::VERSIONS[..])
}

/// A packet identifier, 1..=65535, biased to the edges.
pub fn packet_id() -> impl Strategy<Value = PacketId> {
    prop_oneof![Just(1u16), Just(u16::MAX), 1u16..=u16::MAX]
        .prop_filter_map("non-zero", PacketId::new)
}

/// A character allowed in a string: anything but U+0000, often ASCII, sometimes multi-byte.
fn string_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => proptest::char::range('a', 'z'),
        1 => select(&[' ', '/', '+', '#', '$', '\u{FEFF}', 'é', '温', '🌡', '\u{1}', '\u{7F}'][..]),
        1 => any::<char>().prop_filter("no U+0000", |c| *c != '\0'),
    ]
}

/// A UTF-8 Encoded String (no U+0000), 0..16 characters.
pub fn mqtt_string() -> impl Strategy<Value = MqttString> {
    vec(string_char(), 0..16).prop_map(|cs| {
        let s: String = cs.into_iter().collect();
        MqttString::new(&s).expect("strings without U+0000 are valid")
    })
}

/// Binary Data, 0..24 bytes.
pub fn binary() -> impl Strategy<Value = BinaryData> {
    vec(any::<u8>(), 0..24)
        .prop_map(|b| BinaryData::copy_from_slice(&b).expect("short binary data"))
}

/// A payload, 0..64 bytes.
pub fn payload() -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..64).prop_map(Bytes::from)
}

/// A character allowed in a topic level: anything but U+0000, `/`, `+` and `#`.
fn level_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::char::range('a', 'd'),
        1 => select(&[' ', '$', '\u{FEFF}', 'é', '温', '🌡', 'A'][..]),
        1 => any::<char>().prop_filter("not a separator, wildcard or U+0000", |c| {
            !matches!(c, '\0' | '/' | '+' | '#')
        }),
    ]
}

/// One topic level (possibly empty).
fn level() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just(String::new()),
        6 => vec(level_char(), 1..6).prop_map(|cs| cs.into_iter().collect()),
    ]
}

/// Topic name text: 1..5 levels, empty levels and `$` names included, never empty.
fn topic_name_text() -> impl Strategy<Value = String> {
    vec(level(), 1..5).prop_map(|levels| {
        let s = levels.join("/");
        if s.is_empty() { "e".to_owned() } else { s }
    })
}

/// A valid topic name (unicode, empty levels, `$`-names).
pub fn topic_name() -> impl Strategy<Value = TopicName> {
    topic_name_text().prop_map(|s| TopicName::new(&s).expect("generated topic names are valid"))
}

/// Topic filter text without a share prefix: levels that are `+` or names, optionally ending
/// in `#` (which may also be the whole filter).
fn plain_filter_text() -> impl Strategy<Value = String> {
    let level = prop_oneof![3 => level(), 1 => Just("+".to_owned())];
    (vec(level, 0..4), any::<bool>()).prop_map(|(mut levels, hash)| {
        if hash || levels.is_empty() {
            levels.push("#".to_owned());
        }
        let s = levels.join("/");
        if s.is_empty() { "#".to_owned() } else { s }
    })
}

/// A valid topic filter read with the rules of `version`: under 5.0 a quarter are shared
/// subscriptions `$share/{group}/{filter}`.
pub fn topic_filter(version: ProtocolVersion) -> BoxedStrategy<TopicFilter> {
    if version.is_v5() {
        let group = vec(level_char().prop_filter("no $", |c| *c != '$'), 1..6)
            .prop_map(|cs| cs.into_iter().collect::<String>());
        prop_oneof![
            3 => plain_filter_text(),
            1 => (group, plain_filter_text()).prop_map(|(g, f)| format!("$share/{g}/{f}")),
        ]
        .prop_filter_map("a valid 5.0 filter", |s| {
            TopicFilter::new_in(&s, TopicDialect::V5).ok()
        })
        .boxed()
    } else {
        plain_filter_text()
            .prop_map(|s| {
                TopicFilter::new_in(&s, TopicDialect::V3).expect("generated filters are valid")
            })
            .boxed()
    }
}

/// 0..4 User Properties; names repeat often (order and duplicates must survive).
pub fn user_properties() -> impl Strategy<Value = UserProperties> {
    let name = prop_oneof![
        2 => select(&["k", "a", ""][..]).prop_map(|s| MqttString::new(s).expect("literal")),
        1 => mqtt_string(),
    ];
    vec((name, mqtt_string()), 0..4).prop_map(|pairs| pairs.into_iter().collect())
}

/// A Subscription Identifier, biased to the VBI length edges.
pub fn subscription_id() -> impl Strategy<Value = SubscriptionId> {
    prop_oneof![
        select(
            &[
                1u32,
                127,
                128,
                16_383,
                16_384,
                2_097_151,
                2_097_152,
                SubscriptionId::MAX
            ][..]
        ),
        1..=SubscriptionId::MAX,
    ]
    .prop_filter_map("in range", SubscriptionId::new)
}

fn u32_edge() -> impl Strategy<Value = u32> {
    prop_oneof![Just(0u32), Just(u32::MAX), any::<u32>()]
}

fn nonzero_u16() -> impl Strategy<Value = NonZeroU16> {
    prop_oneof![Just(1u16), Just(u16::MAX), 1..=u16::MAX]
        .prop_filter_map("non-zero", NonZeroU16::new)
}

fn nonzero_u32() -> impl Strategy<Value = NonZeroU32> {
    prop_oneof![Just(1u32), Just(u32::MAX), 1..=u32::MAX]
        .prop_filter_map("non-zero", NonZeroU32::new)
}

fn payload_format() -> impl Strategy<Value = PayloadFormat> {
    prop_oneof![Just(PayloadFormat::Unspecified), Just(PayloadFormat::Utf8)]
}

fn qos() -> impl Strategy<Value = QoS> {
    prop_oneof![
        Just(QoS::AtMostOnce),
        Just(QoS::AtLeastOnce),
        Just(QoS::ExactlyOnce)
    ]
}

/// Authentication method and data; data only with a method.
fn auth_pair() -> impl Strategy<Value = (Option<MqttString>, Option<BinaryData>)> {
    (option::of(mqtt_string()), option::of(binary()))
        .prop_map(|(method, data)| (method.clone(), method.and(data)))
}

/// CONNECT properties (5.0).
pub fn connect_properties() -> impl Strategy<Value = ConnectProperties> {
    (
        option::of(u32_edge()),
        option::of(nonzero_u16()),
        option::of(nonzero_u32()),
        option::of(any::<u16>()),
        option::of(any::<bool>()),
        option::of(any::<bool>()),
        auth_pair(),
        user_properties(),
    )
        .prop_map(
            |(session, receive, max_size, alias_max, rri, rpi, (method, data), users)| {
                let mut p = ConnectProperties::new();
                p.session_expiry_interval = session;
                p.receive_maximum = receive;
                p.maximum_packet_size = max_size;
                p.topic_alias_maximum = alias_max;
                p.request_response_information = rri;
                p.request_problem_information = rpi;
                p.authentication_method = method;
                p.authentication_data = data;
                p.user_properties = users;
                p
            },
        )
}

/// Will properties (5.0).
pub fn will_properties() -> impl Strategy<Value = WillProperties> {
    (
        option::of(u32_edge()),
        option::of(payload_format()),
        option::of(u32_edge()),
        option::of(mqtt_string()),
        option::of(topic_name()),
        option::of(binary()),
        user_properties(),
    )
        .prop_map(
            |(delay, format, expiry, content_type, response, correlation, users)| {
                let mut p = WillProperties::new();
                p.will_delay_interval = delay;
                p.payload_format_indicator = format;
                p.message_expiry_interval = expiry;
                p.content_type = content_type;
                p.response_topic = response;
                p.correlation_data = correlation;
                p.user_properties = users;
                p
            },
        )
}

/// A will for `version`.
pub fn will(version: ProtocolVersion) -> impl Strategy<Value = Will> {
    let props = if version.is_v5() {
        will_properties().boxed()
    } else {
        Just(WillProperties::new()).boxed()
    };
    (topic_name(), payload(), qos(), any::<bool>(), props).prop_map(
        |(topic, payload, qos, retain, properties)| {
            let mut w = Will::new(topic, payload);
            w.qos = qos;
            w.retain = retain;
            w.properties = properties;
            w
        },
    )
}

/// A client identifier valid for `version` (3.1: 1..=23 bytes of `[0-9a-zA-Z]`).
fn client_id(version: ProtocolVersion) -> BoxedStrategy<MqttString> {
    if version == ProtocolVersion::V3_1 {
        "[0-9a-zA-Z]{1,23}"
            .prop_map(|s| MqttString::new(&s).expect("ASCII"))
            .boxed()
    } else {
        prop_oneof![1 => Just(MqttString::empty()), 4 => mqtt_string()].boxed()
    }
}

/// A CONNECT for `version`.
pub fn connect(version: ProtocolVersion) -> impl Strategy<Value = Connect> {
    let v5 = version.is_v5();
    let props = if v5 {
        connect_properties().boxed()
    } else {
        Just(ConnectProperties::new()).boxed()
    };
    (
        client_id(version),
        any::<bool>(),
        prop_oneof![Just(0u16), Just(u16::MAX), any::<u16>()],
        option::of(will(version)),
        option::of(mqtt_string()),
        option::of(binary()),
        props,
    )
        .prop_map(
            move |(client_id, clean, keep_alive, will, username, password, properties)| {
                let mut c = Connect::new(version, client_id);
                // 3.1.1: an empty client identifier needs CleanSession [MQTT-3.1.3-7].
                c.clean_start =
                    clean || (version == ProtocolVersion::V3_1_1 && c.client_id.is_empty());
                c.keep_alive_secs = keep_alive;
                c.will = will;
                // 3.x: a password needs a user name [MQTT-3.1.2-22].
                c.password = if v5 || username.is_some() {
                    password
                } else {
                    None
                };
                c.username = username;
                c.properties = properties;
                c
            },
        )
}

/// CONNACK properties (5.0).
pub fn connack_properties() -> impl Strategy<Value = ConnAckProperties> {
    let numbers = (
        option::of(u32_edge()),
        option::of(nonzero_u16()),
        option::of(prop_oneof![Just(QoS::AtMostOnce), Just(QoS::AtLeastOnce)]),
        option::of(any::<bool>()),
        option::of(nonzero_u32()),
        option::of(any::<u16>()),
        option::of(any::<bool>()),
        option::of(any::<bool>()),
        option::of(any::<bool>()),
        option::of(any::<u16>()),
    );
    let strings = (
        option::of(mqtt_string()),
        option::of(mqtt_string()),
        option::of(mqtt_string()),
        option::of(mqtt_string()),
        auth_pair(),
        user_properties(),
    );
    (numbers, strings).prop_map(
        |(
            (session, receive, max_qos, retain, max_size, alias_max, wildcard, sub_ids, shared, ka),
            (assigned, reason, response_info, server_ref, (method, data), users),
        )| {
            let mut p = ConnAckProperties::new();
            p.session_expiry_interval = session;
            p.receive_maximum = receive;
            p.maximum_qos = max_qos;
            p.retain_available = retain;
            p.maximum_packet_size = max_size;
            p.assigned_client_identifier = assigned;
            p.topic_alias_maximum = alias_max;
            p.reason_string = reason;
            p.wildcard_subscription_available = wildcard;
            p.subscription_identifiers_available = sub_ids;
            p.shared_subscription_available = shared;
            p.server_keep_alive = ka;
            p.response_information = response_info;
            p.server_reference = server_ref;
            p.authentication_method = method;
            p.authentication_data = data;
            p.user_properties = users;
            p
        },
    )
}

/// A CONNACK for `version`.
pub fn connack(version: ProtocolVersion) -> impl Strategy<Value = ConnAck> {
    let code = if version.is_v5() {
        // Success often: it is the only code that may go with Session Present.
        prop_oneof![1 => Just(ReasonCode::SUCCESS), 2 => code_in(V5_CONNACK)].boxed()
    } else {
        (0u8..=5).prop_map(ReasonCode).boxed()
    };
    let props = if version.is_v5() {
        connack_properties().boxed()
    } else {
        Just(ConnAckProperties::new()).boxed()
    };
    (any::<bool>(), code, props).prop_map(move |(present, code, properties)| {
        // 3.1 has no Session Present; a non-zero code needs Session Present = 0.
        let present = present && version != ProtocolVersion::V3_1 && code == ReasonCode::SUCCESS;
        let mut c = ConnAck::new(present, code);
        c.properties = properties;
        c
    })
}

/// PUBLISH properties (5.0), without the topic alias and subscription identifiers.
pub fn publish_properties() -> impl Strategy<Value = PublishProperties> {
    (
        option::of(payload_format()),
        option::of(u32_edge()),
        option::of(topic_name()),
        option::of(binary()),
        option::of(mqtt_string()),
        user_properties(),
    )
        .prop_map(
            |(format, expiry, response, correlation, content_type, users)| {
                let mut p = PublishProperties::new();
                p.payload_format_indicator = format;
                p.message_expiry_interval = expiry;
                p.response_topic = response;
                p.correlation_data = correlation;
                p.content_type = content_type;
                p.user_properties = users;
                p
            },
        )
}

fn delivery() -> impl Strategy<Value = Delivery> {
    prop_oneof![
        Just(Delivery::AtMostOnce),
        packet_id().prop_map(Delivery::AtLeastOnce),
        packet_id().prop_map(Delivery::ExactlyOnce),
    ]
}

/// A PUBLISH for `version`; under 5.0 with aliases, properties and subscription identifiers.
pub fn publish(version: ProtocolVersion) -> impl Strategy<Value = Publish> {
    let v5 = version.is_v5();
    let topic = if v5 {
        prop_oneof![
            2 => topic_name().prop_map(PublishTopic::Name),
            1 => nonzero_u16().prop_map(PublishTopic::Alias),
            1 => (topic_name(), nonzero_u16()).prop_map(|(n, a)| PublishTopic::NameAndAlias(n, a)),
        ]
        .boxed()
    } else {
        topic_name().prop_map(PublishTopic::Name).boxed()
    };
    let props = if v5 {
        publish_properties().boxed()
    } else {
        Just(PublishProperties::new()).boxed()
    };
    let sub_ids = if v5 {
        vec(subscription_id(), 0..4)
            .prop_map(|ids| ids.into_iter().collect())
            .boxed()
    } else {
        Just(SubscriptionIds::new()).boxed()
    };
    (
        topic,
        payload(),
        delivery(),
        any::<bool>(),
        any::<bool>(),
        props,
        sub_ids,
    )
        .prop_map(
            |(topic, payload, delivery, dup, retain, properties, subscription_ids)| {
                let mut p = Publish::new(topic, payload);
                p.delivery = delivery;
                // DUP only with QoS 1 or 2 [MQTT-3.3.1-2].
                p.dup = dup && delivery != Delivery::AtMostOnce;
                p.retain = retain;
                p.properties = properties;
                p.subscription_ids = subscription_ids;
                p
            },
        )
}

/// Acknowledgment properties (5.0).
pub fn ack_properties() -> impl Strategy<Value = AckProperties> {
    (option::of(mqtt_string()), user_properties()).prop_map(|(reason, users)| {
        let mut p = AckProperties::new();
        p.reason_string = reason;
        p.user_properties = users;
        p
    })
}

/// `(packet id, reason code, properties)` of a PUBACK-like packet for `version`.
fn ack_parts(
    version: ProtocolVersion,
    codes: &'static [u8],
) -> impl Strategy<Value = (PacketId, ReasonCode, AckProperties)> {
    let (code, props) = if version.is_v5() {
        (code_in(codes).boxed(), ack_properties().boxed())
    } else {
        (
            Just(ReasonCode::SUCCESS).boxed(),
            Just(AckProperties::new()).boxed(),
        )
    };
    (packet_id(), code, props)
}

/// A subscription for `version`: 5.0 options in full, never No Local on a shared filter.
pub fn subscription(version: ProtocolVersion) -> impl Strategy<Value = Subscription> {
    let v5 = version.is_v5();
    let retain_handling = prop_oneof![
        Just(RetainHandling::SendAtSubscribe),
        Just(RetainHandling::SendIfNew),
        Just(RetainHandling::DoNotSend),
    ];
    (
        topic_filter(version),
        qos(),
        any::<bool>(),
        any::<bool>(),
        retain_handling,
    )
        .prop_map(move |(filter, qos, no_local, rap, rh)| {
            let shared = filter.is_shared();
            let mut s = Subscription::new(filter, qos);
            if v5 {
                s.options.no_local = no_local && !shared;
                s.options.retain_as_published = rap;
                s.options.retain_handling = rh;
            }
            s
        })
}

/// A SUBSCRIBE for `version`.
pub fn subscribe(version: ProtocolVersion) -> impl Strategy<Value = Subscribe> {
    let props = if version.is_v5() {
        (option::of(subscription_id()), user_properties())
            .prop_map(|(id, users)| {
                let mut p = SubscribeProperties::new();
                p.subscription_identifier = id;
                p.user_properties = users;
                p
            })
            .boxed()
    } else {
        Just(SubscribeProperties::new()).boxed()
    };
    (packet_id(), vec(subscription(version), 1..5), props).prop_map(|(id, subs, properties)| {
        let mut s = Subscribe::new(id, subs);
        s.properties = properties;
        s
    })
}

/// A SUBACK for `version`.
pub fn suback(version: ProtocolVersion) -> impl Strategy<Value = SubAck> {
    let code = match version {
        ProtocolVersion::V3_1 => code_in(&[0, 1, 2]).boxed(),
        ProtocolVersion::V3_1_1 => code_in(&[0, 1, 2, 0x80]).boxed(),
        _ => code_in(V5_SUBACK).boxed(),
    };
    let props = if version.is_v5() {
        ack_properties().boxed()
    } else {
        Just(AckProperties::new()).boxed()
    };
    (packet_id(), vec(code, 1..6), props).prop_map(|(id, codes, properties)| {
        let mut s = SubAck::new(id, codes);
        s.properties = properties;
        s
    })
}

/// An UNSUBSCRIBE for `version`.
pub fn unsubscribe(version: ProtocolVersion) -> impl Strategy<Value = Unsubscribe> {
    let props = if version.is_v5() {
        user_properties()
            .prop_map(|users| {
                let mut p = UnsubscribeProperties::new();
                p.user_properties = users;
                p
            })
            .boxed()
    } else {
        Just(UnsubscribeProperties::new()).boxed()
    };
    (packet_id(), vec(topic_filter(version), 1..5), props).prop_map(|(id, filters, properties)| {
        let mut u = Unsubscribe::new(id, filters);
        u.properties = properties;
        u
    })
}

/// An UNSUBACK for `version` (reason codes and properties only in 5.0).
pub fn unsuback(version: ProtocolVersion) -> BoxedStrategy<UnsubAck> {
    if version.is_v5() {
        (
            packet_id(),
            vec(code_in(V5_UNSUBACK), 1..6),
            ack_properties(),
        )
            .prop_map(|(id, codes, properties)| {
                let mut u = UnsubAck::new(id, codes);
                u.properties = properties;
                u
            })
            .boxed()
    } else {
        packet_id()
            .prop_map(|id| UnsubAck::new(id, Vec::new()))
            .boxed()
    }
}

/// A DISCONNECT for `version`.
pub fn disconnect(version: ProtocolVersion) -> BoxedStrategy<Disconnect> {
    if !version.is_v5() {
        return Just(Disconnect::new()).boxed();
    }
    let props = (
        option::of(u32_edge()),
        option::of(mqtt_string()),
        option::of(mqtt_string()),
        user_properties(),
    )
        .prop_map(|(session, reason, server, users)| {
            let mut p = DisconnectProperties::new();
            p.session_expiry_interval = session;
            p.reason_string = reason;
            p.server_reference = server;
            p.user_properties = users;
            p
        });
    (code_in(V5_DISCONNECT), props)
        .prop_map(|(code, properties)| {
            let mut d = Disconnect::with_reason(code);
            d.properties = properties;
            d
        })
        .boxed()
}

/// An AUTH (5.0 only).
pub fn auth() -> impl Strategy<Value = Auth> {
    let props = (auth_pair(), option::of(mqtt_string()), user_properties()).prop_map(
        |((method, data), reason, users)| {
            let mut p = AuthProperties::new();
            p.authentication_method = method;
            p.authentication_data = data;
            p.reason_string = reason;
            p.user_properties = users;
            p
        },
    );
    (code_in(V5_AUTH), props).prop_map(|(code, properties)| {
        let mut a = Auth::new(code);
        a.properties = properties;
        a
    })
}

/// Any valid packet of `version`: every type the version has, about equally often.
pub fn packet(version: ProtocolVersion) -> BoxedStrategy<Packet> {
    let common = prop_oneof![
        connect(version).prop_map(Packet::from),
        connack(version).prop_map(Packet::ConnAck),
        publish(version).prop_map(Packet::Publish),
        ack_parts(version, V5_PUBACK).prop_map(|(id, code, props)| {
            let mut p = PubAck::with_reason(id, code);
            p.properties = props;
            Packet::PubAck(p)
        }),
        ack_parts(version, V5_PUBACK).prop_map(|(id, code, props)| {
            let mut p = PubRec::with_reason(id, code);
            p.properties = props;
            Packet::PubRec(p)
        }),
        ack_parts(version, V5_PUBREL).prop_map(|(id, code, props)| {
            let mut p = PubRel::with_reason(id, code);
            p.properties = props;
            Packet::PubRel(p)
        }),
        ack_parts(version, V5_PUBREL).prop_map(|(id, code, props)| {
            let mut p = PubComp::with_reason(id, code);
            p.properties = props;
            Packet::PubComp(p)
        }),
        subscribe(version).prop_map(Packet::Subscribe),
        suback(version).prop_map(Packet::SubAck),
        unsubscribe(version).prop_map(Packet::Unsubscribe),
        unsuback(version).prop_map(Packet::UnsubAck),
        Just(Packet::PingReq),
        Just(Packet::PingResp),
        disconnect(version).prop_map(Packet::Disconnect),
    ];
    if version.is_v5() {
        prop_oneof![14 => common, 1 => auth().prop_map(Packet::Auth)].boxed()
    } else {
        common.boxed()
    }
}
