//! Checks shared by the codec targets, and a small model of which packets a sender may encode.

use core::num::NonZeroU32;

use bytes::{Bytes, BytesMut};
use mqtt_codec::{
    Connect, Decoder, EncodeError, Encoder, Limits, Packet, PacketType, ProtocolVersion, QoS,
    ReasonCode, RetainHandling, Sender, SubscriptionId, UserProperties, decode_frame,
};

/// Written into every encode buffer first: `encode` must append, and write nothing on `Err`.
const PREFIX: &[u8] = b"\xA5\x5A";

/// Encodes with `encoder`, checking `encoded_len` against what `encode` does.
pub(crate) fn encode_checked(encoder: &Encoder, packet: &Packet) -> Result<Bytes, EncodeError> {
    let len = encoder.encoded_len(packet);
    let mut tx = BytesMut::from(PREFIX);
    let written = encoder.encode(packet, &mut tx);
    match (len, written) {
        (Ok(len), Ok(written)) => {
            assert_eq!(
                len, written,
                "encoded_len and encode disagree on {packet:?}"
            );
            assert_eq!(
                tx.len(),
                PREFIX.len() + written,
                "encode miscounted on {packet:?}"
            );
            assert_eq!(
                tx.get(..PREFIX.len()),
                Some(PREFIX),
                "encode overwrote the buffer"
            );
            Ok(tx.split_off(PREFIX.len()).freeze())
        }
        (Err(a), Err(b)) => {
            assert_eq!(
                a, b,
                "encoded_len and encode fail differently on {packet:?}"
            );
            assert_eq!(
                &tx[..],
                PREFIX,
                "encode wrote bytes and then failed with {b:?}"
            );
            assert!(!b.to_string().is_empty());
            Err(b)
        }
        (len, written) => panic!("encoded_len {len:?} but encode {written:?} on {packet:?}"),
    }
}

/// Invariants of any packet value: its iterators agree with its counts, Debug works.
pub(crate) fn check_invariants(packet: &Packet) {
    for users in user_properties(packet) {
        assert_eq!(
            users.iter().count(),
            users.len(),
            "user property count in {packet:?}"
        );
        for (name, value) in users {
            let _ = (name.as_str(), value.as_str());
        }
    }
    if let Packet::Publish(p) = packet {
        let ids = &p.subscription_ids;
        assert_eq!(
            ids.iter().count(),
            ids.len(),
            "subscription id count in {packet:?}"
        );
        assert!(
            ids.iter()
                .all(|id| (1..=SubscriptionId::MAX).contains(&id.get()))
        );
    }
    assert!(!format!("{packet:?}").is_empty());
}

/// Every User Properties set a packet holds.
fn user_properties(packet: &Packet) -> Vec<&UserProperties> {
    match packet {
        Packet::Connect(c) => {
            let mut v = vec![&c.properties.user_properties];
            v.extend(c.will.as_ref().map(|w| &w.properties.user_properties));
            v
        }
        Packet::ConnAck(p) => vec![&p.properties.user_properties],
        Packet::Publish(p) => vec![&p.properties.user_properties],
        Packet::PubAck(p) => vec![&p.properties.user_properties],
        Packet::PubRec(p) => vec![&p.properties.user_properties],
        Packet::PubRel(p) => vec![&p.properties.user_properties],
        Packet::PubComp(p) => vec![&p.properties.user_properties],
        Packet::Subscribe(p) => vec![&p.properties.user_properties],
        Packet::SubAck(p) => vec![&p.properties.user_properties],
        Packet::Unsubscribe(p) => vec![&p.properties.user_properties],
        Packet::UnsubAck(p) => vec![&p.properties.user_properties],
        Packet::Disconnect(p) => vec![&p.properties.user_properties],
        Packet::Auth(p) => vec![&p.properties.user_properties],
        _ => Vec::new(),
    }
}

/// The documented exceptions to "a packet a direction-free decoder accepts re-encodes".
///
/// Both are rules the spec puts on the client, while the server must read the CONNECT to
/// answer it with a return code rather than close the connection as for a malformed packet; so
/// the decoder accepts them, and the encoder (even [`Encoder::new`]) refuses to produce them:
///
/// - MQTT 3.1 §3.1: a Client Identifier of 1 to 23 characters; else CONNACK 0x02 (identifier
///   rejected).
/// - [MQTT-3.1.3-7]: a zero-byte ClientId needs CleanSession = 1; the server answers CONNACK
///   0x02 [MQTT-3.1.3-8].
pub(crate) fn unencodable_but_decodable(
    packet: &Packet,
    version: ProtocolVersion,
    e: EncodeError,
) -> bool {
    let Packet::Connect(c) = packet else {
        return false;
    };
    let client_id_rule = match version {
        ProtocolVersion::V3_1 => !(1..=23).contains(&c.client_id.as_str().chars().count()),
        ProtocolVersion::V3_1_1 => c.client_id.is_empty() && !c.clean_start,
        _ => false,
    };
    client_id_rule
        && matches!(
            e,
            EncodeError::InvalidField {
                field: "client identifier",
                ..
            }
        )
}

/// Open library bugs this crate found, each kept as `regressions/<target>/open-<name>`.
///
/// Packets that hit one are skipped while fuzzing and when replaying the corpus (see
/// [`crate::skipping_known_bugs`]); `tests/replay.rs` replays the regressions without skipping,
/// expects the `open-` files to fail, and says when one passes. Delete the entry when its bug
/// is fixed (and drop the `open-` prefix of its regression file).
pub(crate) fn known_open_bug(_packet: &Packet) -> Option<&'static str> {
    // No open bug at the moment. When the fuzzer finds one that cannot be fixed at once, add
    // a match arm here naming it and keep its input as regressions/<target>/open-<name>.
    // (Fixed so far: CONNACK with Authentication Data and no Method was encoded; see
    // regressions/roundtrip/connack-auth-data-without-method.)
    None
}

/// Round-trips one generated packet (see [`crate::roundtrip`]).
pub(crate) fn check_roundtrip(
    version: ProtocolVersion,
    packet: &Packet,
    peer_max: Option<NonZeroU32>,
) {
    check_invariants(packet);
    if crate::skip_known_bugs() && known_open_bug(packet).is_some() {
        return;
    }
    let expected = model::encodable(packet, version, None);
    let result = encode_checked(&Encoder::new(version), packet);
    let wire = agree(expected, result.clone(), packet, version, None);
    if let Some(wire) = &wire {
        let decoded = decode_frame(version, wire.clone())
            .unwrap_or_else(|e| panic!("{packet:?} encoded as {wire:02x?} fails to decode: {e}"));
        assert_eq!(
            &decoded, packet,
            "round trip changed the packet; wire {wire:02x?}"
        );
        check_invariants(&decoded);
        let mut decoder = Decoder::new(version, Limits::default());
        let mut rx = BytesMut::from(&wire[..]);
        assert_eq!(
            decoder.decode(&mut rx),
            Ok(Some(packet.clone())),
            "streaming decode"
        );
        assert!(rx.is_empty());
        let again = encode_checked(&Encoder::new(version), &decoded);
        assert_eq!(again.as_ref(), Ok(wire), "re-encoding is not a fixed point");
    }

    for sender in [Sender::Client, Sender::Server] {
        let encoder = match sender {
            Sender::Server => Encoder::server(version),
            _ => Encoder::client(version),
        };
        let expected = model::encodable(packet, version, Some(sender));
        let directed = encode_checked(&encoder, packet);
        let Some(directed) = agree(expected, directed, packet, version, Some(sender)) else {
            continue;
        };
        assert_eq!(
            Some(&directed),
            wire.as_ref(),
            "{sender:?} encoder wrote other bytes"
        );
        assert_eq!(
            receive(version, sender, &directed).as_ref(),
            Ok(packet),
            "{sender:?} sent"
        );
    }

    if let Some(max) = peer_max {
        let mut encoder = Encoder::new(version);
        encoder.set_peer_max_packet_size(max);
        let limited = encode_checked(&encoder, packet);
        match &result {
            Ok(wire) if wire.len() as u64 > u64::from(max.get()) => assert_eq!(
                limited,
                Err(EncodeError::PacketTooLarge {
                    size: wire.len() as u64,
                    max: max.get()
                })
            ),
            _ => assert_eq!(limited, result, "peer maximum {max} changed the result"),
        }
    }
}

/// Checks an encode result against the model; the bytes when both say it is encodable.
fn agree(
    expected: Result<(), &'static str>,
    result: Result<Bytes, EncodeError>,
    packet: &Packet,
    version: ProtocolVersion,
    sender: Option<Sender>,
) -> Option<Bytes> {
    match (expected, result) {
        (Ok(()), Ok(wire)) => Some(wire),
        (Err(_), Err(_)) => None,
        (Ok(()), Err(e)) => {
            panic!("{version} encoder for {sender:?} refuses a valid packet: {e}; {packet:?}")
        }
        (Err(why), Ok(wire)) => panic!(
            "{version} encoder for {sender:?} accepts a packet that breaks \"{why}\"; \
             {packet:?}; wire {wire:02x?}; decode_frame: {:?}",
            decode_frame(version, wire.clone())
        ),
    }
}

/// Decodes `wire` with the decoder of the side that receives from `sender`.
fn receive(
    version: ProtocolVersion,
    sender: Sender,
    wire: &Bytes,
) -> Result<Packet, mqtt_codec::DecodeError> {
    let limits = Limits::default();
    let mut decoder = match sender {
        Sender::Server => Decoder::client(version, limits),
        _ => Decoder::awaiting_connect(limits),
    };
    let mut rx = BytesMut::new();
    let first = wire
        .first()
        .map(|b| b >> 4)
        .and_then(PacketType::from_nibble);
    if decoder.version().is_none() && first != Some(PacketType::Connect) {
        // A server's decoder reads CONNECT first.
        let connect = Packet::from(Connect::new(
            version,
            mqtt_codec::MqttString::from_static("c"),
        ));
        let Ok(hello) = encode_checked(&Encoder::client(version), &connect) else {
            panic!("a minimal {version} CONNECT must encode");
        };
        rx.extend_from_slice(&hello);
        assert!(matches!(
            decoder.decode(&mut rx),
            Ok(Some(Packet::Connect(_)))
        ));
        assert_eq!(decoder.version(), Some(version));
    }
    rx.extend_from_slice(wire);
    let packet = decoder.decode(&mut rx)?.expect("a whole frame");
    assert!(rx.is_empty());
    Ok(packet)
}

/// Which packets a sender may put on the wire, written from the spec's rules (not from the
/// codec's code), so the codec is checked against it.
mod model {
    use super::*;

    /// `Ok` when `sender` (or either side, for `None`) may send `packet` under `version`; else
    /// the broken rule.
    pub(super) fn encodable(
        packet: &Packet,
        version: ProtocolVersion,
        sender: Option<Sender>,
    ) -> Result<(), &'static str> {
        let v5 = version.is_v5();
        let v3_empty = |empty: bool, what| if v5 || empty { Ok(()) } else { Err(what) };
        let code_ok = |code: ReasonCode, t: PacketType| {
            if code.is_valid_for(t, version) {
                Ok(())
            } else {
                Err("reason code not allowed")
            }
        };
        if let Some(sender) = sender {
            sends(packet, version, sender)?;
        }
        match packet {
            Packet::Connect(c) => {
                if c.protocol != version {
                    return Err("CONNECT of another version");
                }
                v3_empty(c.properties.is_empty(), "CONNECT properties are 5.0")?;
                if c.properties.authentication_data.is_some()
                    && c.properties.authentication_method.is_none()
                {
                    return Err("authentication data needs a method");
                }
                match version {
                    ProtocolVersion::V3_1
                        if !(1..=23).contains(&c.client_id.as_str().chars().count()) =>
                    {
                        return Err("3.1 client identifier of 1 to 23 characters");
                    }
                    ProtocolVersion::V3_1_1 if c.client_id.is_empty() && !c.clean_start => {
                        return Err("[MQTT-3.1.3-7] empty client id needs clean session");
                    }
                    _ => {}
                }
                if !v5 && c.password.is_some() && c.username.is_none() {
                    return Err("[MQTT-3.1.2-22] password needs a user name");
                }
                if let Some(will) = &c.will {
                    v3_empty(will.properties.is_empty(), "will properties are 5.0")?;
                    if will.payload.len() > 65_535 {
                        return Err("will payload longer than 65535");
                    }
                }
            }
            Packet::ConnAck(p) => {
                code_ok(p.reason_code, PacketType::ConnAck)?;
                if p.session_present && p.reason_code != ReasonCode::SUCCESS {
                    return Err("[MQTT-3.2.2-6] session present with an error code");
                }
                if p.session_present && version == ProtocolVersion::V3_1 {
                    return Err("3.1 has no session present flag");
                }
                v3_empty(p.properties.is_empty(), "CONNACK properties are 5.0")?;
                if p.properties.authentication_data.is_some()
                    && p.properties.authentication_method.is_none()
                {
                    return Err("authentication data needs a method");
                }
                if p.properties.maximum_qos == Some(QoS::ExactlyOnce) {
                    return Err("3.2.2.3.4 Maximum QoS is 0 or 1");
                }
            }
            Packet::Publish(p) => {
                if p.dup && p.qos() == QoS::AtMostOnce {
                    return Err("[MQTT-3.3.1-2] DUP at QoS 0");
                }
                v3_empty(p.topic.alias().is_none(), "topic alias is 5.0")?;
                v3_empty(p.properties.is_empty(), "PUBLISH properties are 5.0")?;
                v3_empty(p.subscription_ids.is_empty(), "subscription ids are 5.0")?;
            }
            Packet::PubAck(p) => ack(
                version,
                p.reason_code,
                p.properties.is_empty(),
                PacketType::PubAck,
            )?,
            Packet::PubRec(p) => ack(
                version,
                p.reason_code,
                p.properties.is_empty(),
                PacketType::PubRec,
            )?,
            Packet::PubRel(p) => ack(
                version,
                p.reason_code,
                p.properties.is_empty(),
                PacketType::PubRel,
            )?,
            Packet::PubComp(p) => {
                ack(
                    version,
                    p.reason_code,
                    p.properties.is_empty(),
                    PacketType::PubComp,
                )?;
            }
            Packet::Subscribe(p) => {
                v3_empty(p.properties.is_empty(), "SUBSCRIBE properties are 5.0")?;
                if p.subscriptions.is_empty() {
                    return Err("[MQTT-3.8.3-3] at least one filter");
                }
                for s in &p.subscriptions {
                    let o = s.options;
                    v3_empty(
                        !o.no_local
                            && !o.retain_as_published
                            && o.retain_handling == RetainHandling::SendAtSubscribe,
                        "subscription options other than QoS are 5.0",
                    )?;
                    v3_empty(!s.filter.is_shared(), "shared subscriptions are 5.0")?;
                    if o.no_local && s.filter.is_shared() {
                        return Err("[MQTT-3.8.3-4] no local on a shared subscription");
                    }
                }
            }
            Packet::SubAck(p) => {
                v3_empty(p.properties.is_empty(), "SUBACK properties are 5.0")?;
                if p.reason_codes.is_empty() {
                    return Err("SUBACK without codes");
                }
                for &code in &p.reason_codes {
                    code_ok(code, PacketType::SubAck)?;
                }
            }
            Packet::Unsubscribe(p) => {
                v3_empty(p.properties.is_empty(), "UNSUBSCRIBE properties are 5.0")?;
                if p.filters.is_empty() {
                    return Err("[MQTT-3.10.3-2] at least one filter");
                }
                for f in &p.filters {
                    v3_empty(!f.is_shared(), "shared subscriptions are 5.0")?;
                }
            }
            Packet::UnsubAck(p) => {
                v3_empty(p.properties.is_empty(), "UNSUBACK properties are 5.0")?;
                if v5 {
                    if p.reason_codes.is_empty() {
                        return Err("UNSUBACK without codes");
                    }
                    for &code in &p.reason_codes {
                        code_ok(code, PacketType::UnsubAck)?;
                    }
                } else if !p.reason_codes.is_empty() {
                    return Err("UNSUBACK codes are 5.0");
                }
            }
            Packet::Disconnect(p) => {
                code_ok(p.reason_code, PacketType::Disconnect)?;
                v3_empty(p.properties.is_empty(), "DISCONNECT properties are 5.0")?;
            }
            Packet::Auth(p) => {
                if !v5 {
                    return Err("AUTH is 5.0");
                }
                code_ok(p.reason_code, PacketType::Auth)?;
                if p.properties.authentication_data.is_some()
                    && p.properties.authentication_method.is_none()
                {
                    return Err("authentication data needs a method");
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn ack(
        version: ProtocolVersion,
        code: ReasonCode,
        no_properties: bool,
        t: PacketType,
    ) -> Result<(), &'static str> {
        if !code.is_valid_for(t, version) {
            return Err("reason code not allowed");
        }
        if !version.is_v5() && !no_properties {
            return Err("acknowledgment properties are 5.0");
        }
        Ok(())
    }

    /// The direction rules: who sends which packet, and direction-bound fields.
    fn sends(
        packet: &Packet,
        version: ProtocolVersion,
        sender: Sender,
    ) -> Result<(), &'static str> {
        let client = sender == Sender::Client;
        let ok = match packet.packet_type() {
            PacketType::Connect
            | PacketType::Subscribe
            | PacketType::Unsubscribe
            | PacketType::PingReq => client,
            PacketType::ConnAck
            | PacketType::SubAck
            | PacketType::UnsubAck
            | PacketType::PingResp => !client,
            // A server sends DISCONNECT only in 5.0.
            PacketType::Disconnect => client || version.is_v5(),
            _ => true,
        };
        if !ok {
            return Err("this side never sends this packet");
        }
        match packet {
            Packet::Publish(p) if client && !p.subscription_ids.is_empty() => {
                Err("[MQTT-3.3.4-6] a client never sends subscription identifiers")
            }
            Packet::Disconnect(p) if !client && p.properties.session_expiry_interval.is_some() => {
                Err("[MQTT-3.14.2-2] a server never sends session expiry in DISCONNECT")
            }
            _ => Ok(()),
        }
    }
}
