//! `mqtt-protocol-core` 0.7 (sans-IO, 3.1.1 and 5.0): the receive path of its `Connection`
//! without the session state: `PacketBuilder::feed` frames the bytes (copying each body into its
//! own buffer), then each packet type's `parse` (`parse_exact` for all but PUBLISH, as
//! `Connection::recv` does). Encoding: `Publish::to_buffers` copied into a reused `Vec<u8>`.

use mqtt_protocol_core::mqtt::common::Cursor;
use mqtt_protocol_core::mqtt::connection::{
    PacketBuildResult, PacketBuilder, PacketData, RawPacket,
};
use mqtt_protocol_core::mqtt::packet::{Packet, Property, Qos, v3_1_1, v5_0};
use mqtt_protocol_core::mqtt::result_code::MqttError;

use super::{Decode, Encode, Failure, digest_parts};
use crate::frame::{ConnectFrame, Frame, Props, PublishFrame};

/// The largest packet accepted (ours: 1 MiB by default).
const MAX: u32 = 1024 * 1024;

/// `PacketBuilder` + per-type `parse`.
pub struct MqttProtocolCore {
    v5: bool,
    builder: PacketBuilder,
}

fn qos_u8(q: Qos) -> u8 {
    match q {
        Qos::AtMostOnce => 0,
        Qos::AtLeastOnce => 1,
        Qos::ExactlyOnce => 2,
    }
}

impl MqttProtocolCore {
    fn parse(&self, raw: RawPacket) -> Result<Packet, MqttError> {
        let flags = raw.flags();
        Ok(match (self.v5, raw.packet_type()) {
            (false, 1) => Packet::V3_1_1Connect(raw.parse_exact(v3_1_1::Connect::parse)?),
            (false, 2) => Packet::V3_1_1Connack(raw.parse_exact(v3_1_1::Connack::parse)?),
            (false, 3) => Packet::V3_1_1Publish(publish_v3(flags, &raw)?),
            (false, 4) => Packet::V3_1_1Puback(raw.parse_exact(v3_1_1::Puback::parse)?),
            (false, 5) => Packet::V3_1_1Pubrec(raw.parse_exact(v3_1_1::Pubrec::parse)?),
            (false, 6) => Packet::V3_1_1Pubrel(raw.parse_exact(v3_1_1::Pubrel::parse)?),
            (false, 7) => Packet::V3_1_1Pubcomp(raw.parse_exact(v3_1_1::Pubcomp::parse)?),
            (false, 8) => Packet::V3_1_1Subscribe(raw.parse_exact(v3_1_1::Subscribe::parse)?),
            (false, 9) => Packet::V3_1_1Suback(raw.parse_exact(v3_1_1::Suback::parse)?),
            (false, 10) => Packet::V3_1_1Unsubscribe(raw.parse_exact(v3_1_1::Unsubscribe::parse)?),
            (false, 11) => Packet::V3_1_1Unsuback(raw.parse_exact(v3_1_1::Unsuback::parse)?),
            (false, 12) => Packet::V3_1_1Pingreq(raw.parse_exact(v3_1_1::Pingreq::parse)?),
            (false, 13) => Packet::V3_1_1Pingresp(raw.parse_exact(v3_1_1::Pingresp::parse)?),
            (false, 14) => Packet::V3_1_1Disconnect(raw.parse_exact(v3_1_1::Disconnect::parse)?),
            (true, 1) => Packet::V5_0Connect(raw.parse_exact(v5_0::Connect::parse)?),
            (true, 2) => Packet::V5_0Connack(raw.parse_exact(v5_0::Connack::parse)?),
            (true, 3) => Packet::V5_0Publish(publish_v5(flags, &raw)?),
            (true, 4) => Packet::V5_0Puback(raw.parse_exact(v5_0::Puback::parse)?),
            (true, 5) => Packet::V5_0Pubrec(raw.parse_exact(v5_0::Pubrec::parse)?),
            (true, 6) => Packet::V5_0Pubrel(raw.parse_exact(v5_0::Pubrel::parse)?),
            (true, 7) => Packet::V5_0Pubcomp(raw.parse_exact(v5_0::Pubcomp::parse)?),
            (true, 8) => Packet::V5_0Subscribe(raw.parse_exact(v5_0::Subscribe::parse)?),
            (true, 9) => Packet::V5_0Suback(raw.parse_exact(v5_0::Suback::parse)?),
            (true, 10) => Packet::V5_0Unsubscribe(raw.parse_exact(v5_0::Unsubscribe::parse)?),
            (true, 11) => Packet::V5_0Unsuback(raw.parse_exact(v5_0::Unsuback::parse)?),
            (true, 12) => Packet::V5_0Pingreq(raw.parse_exact(v5_0::Pingreq::parse)?),
            (true, 13) => Packet::V5_0Pingresp(raw.parse_exact(v5_0::Pingresp::parse)?),
            (true, 14) => Packet::V5_0Disconnect(raw.parse_exact(v5_0::Disconnect::parse)?),
            (true, 15) => Packet::V5_0Auth(raw.parse_exact(v5_0::Auth::parse)?),
            _ => return Err(MqttError::MalformedPacket),
        })
    }
}

fn publish_v3(flags: u8, raw: &RawPacket) -> Result<v3_1_1::Publish, MqttError> {
    match &raw.data {
        PacketData::Publish(arc) => v3_1_1::Publish::parse(flags, arc.clone()).map(|(p, _)| p),
        PacketData::Normal(_) => Err(MqttError::MalformedPacket),
    }
}

fn publish_v5(flags: u8, raw: &RawPacket) -> Result<v5_0::Publish, MqttError> {
    match &raw.data {
        PacketData::Publish(arc) => v5_0::Publish::parse(flags, arc.clone()).map(|(p, _)| p),
        PacketData::Normal(_) => Err(MqttError::MalformedPacket),
    }
}

impl Decode for MqttProtocolCore {
    const NAME: &'static str = "mqtt-protocol-core";
    type Input<'w> = Cursor<&'w [u8]>;
    type Packet<'a> = Packet;

    fn new(v5: bool) -> Option<Self> {
        Some(Self {
            v5,
            builder: PacketBuilder::with_maximum_packet_size(MAX),
        })
    }

    fn prepare(wire: &[u8]) -> Cursor<&[u8]> {
        Cursor::new(wire)
    }

    #[inline]
    fn for_each<F>(&mut self, input: &mut Cursor<&[u8]>, mut f: F) -> Result<usize, Failure>
    where
        F: FnMut(&Packet),
    {
        self.builder.reset();
        let mut n = 0;
        loop {
            let left = input.get_ref().len() - input.position() as usize;
            if left == 0 {
                return Ok(n);
            }
            match self.builder.feed(input) {
                PacketBuildResult::Complete(raw) => {
                    let p = self
                        .parse(raw)
                        .map_err(|e| Failure::Error(format!("{e:?}")))?;
                    f(&p);
                    n += 1;
                }
                PacketBuildResult::Incomplete => return Err(Failure::Incomplete { left }),
                PacketBuildResult::Error(e) => return Err(Failure::Error(format!("{e:?}"))),
            }
        }
    }

    #[inline]
    fn digest(p: &Packet) -> u64 {
        match p {
            Packet::V3_1_1Publish(p) => digest_parts(
                3,
                p.packet_id().unwrap_or(0),
                p.topic_name().len(),
                p.payload().len(),
            ),
            Packet::V5_0Publish(p) => digest_parts(
                3,
                p.packet_id().unwrap_or(0),
                p.topic_name().len(),
                p.payload().len(),
            ),
            Packet::V3_1_1Puback(a) => digest_parts(4, a.packet_id(), 0, 0),
            Packet::V3_1_1Pubrec(a) => digest_parts(5, a.packet_id(), 0, 0),
            Packet::V3_1_1Pubrel(a) => digest_parts(6, a.packet_id(), 0, 0),
            Packet::V3_1_1Pubcomp(a) => digest_parts(7, a.packet_id(), 0, 0),
            Packet::V3_1_1Subscribe(s) => digest_parts(8, s.packet_id(), 0, 0),
            Packet::V5_0Puback(a) => digest_parts(4, a.packet_id(), 0, 0),
            Packet::V5_0Pubrec(a) => digest_parts(5, a.packet_id(), 0, 0),
            Packet::V5_0Pubrel(a) => digest_parts(6, a.packet_id(), 0, 0),
            Packet::V5_0Pubcomp(a) => digest_parts(7, a.packet_id(), 0, 0),
            Packet::V5_0Subscribe(s) => digest_parts(8, s.packet_id(), 0, 0),
            other => digest_parts(packet_type(other), 0, 0, 0),
        }
    }

    fn frame(p: &Packet) -> Frame {
        match p {
            Packet::V3_1_1Connect(c) => Frame::Connect(ConnectFrame {
                client_id: c.client_id().to_owned(),
                keep_alive: c.keep_alive(),
                clean_session: c.clean_session(),
                username: c.user_name().map(str::to_owned),
                password: c.password().map(<[u8]>::to_vec),
            }),
            Packet::V5_0Connect(c) => Frame::Connect(ConnectFrame {
                client_id: c.client_id().to_owned(),
                keep_alive: c.keep_alive(),
                clean_session: c.clean_start(),
                username: c.user_name().map(str::to_owned),
                password: c.password().map(<[u8]>::to_vec),
            }),
            Packet::V3_1_1Subscribe(s) => Frame::Subscribe {
                packet_id: s.packet_id(),
                filters: s
                    .entries()
                    .iter()
                    .map(|e| (e.topic_filter().to_owned(), qos_u8(e.sub_opts().qos())))
                    .collect(),
            },
            Packet::V5_0Subscribe(s) => Frame::Subscribe {
                packet_id: s.packet_id(),
                filters: s
                    .entries()
                    .iter()
                    .map(|e| (e.topic_filter().to_owned(), qos_u8(e.sub_opts().qos())))
                    .collect(),
            },
            Packet::V3_1_1Publish(p) => Frame::Publish(PublishFrame {
                dup: p.dup(),
                qos: qos_u8(p.qos()),
                retain: p.retain(),
                topic: p.topic_name().to_owned(),
                packet_id: p.packet_id().unwrap_or(0),
                payload: p.payload().as_slice().to_vec(),
                props: Props::default(),
            }),
            Packet::V5_0Publish(p) => {
                let mut props = Props::default();
                for prop in p.props() {
                    match prop {
                        Property::MessageExpiryInterval(v) => props.message_expiry = Some(v.val()),
                        Property::ContentType(v) => props.content_type = Some(v.val().to_owned()),
                        Property::UserProperty(v) => {
                            props.user.push((v.key().to_owned(), v.val().to_owned()));
                        }
                        _ => {}
                    }
                }
                Frame::Publish(PublishFrame {
                    dup: p.dup(),
                    qos: qos_u8(p.qos()),
                    retain: p.retain(),
                    topic: p.topic_name().to_owned(),
                    packet_id: p.packet_id().unwrap_or(0),
                    payload: p.payload().as_slice().to_vec(),
                    props,
                })
            }
            Packet::V3_1_1Puback(a) => Frame::PubAck(a.packet_id()),
            Packet::V3_1_1Pubrec(a) => Frame::PubRec(a.packet_id()),
            Packet::V3_1_1Pubrel(a) => Frame::PubRel(a.packet_id()),
            Packet::V3_1_1Pubcomp(a) => Frame::PubComp(a.packet_id()),
            Packet::V5_0Puback(a) => Frame::PubAck(a.packet_id()),
            Packet::V5_0Pubrec(a) => Frame::PubRec(a.packet_id()),
            Packet::V5_0Pubrel(a) => Frame::PubRel(a.packet_id()),
            Packet::V5_0Pubcomp(a) => Frame::PubComp(a.packet_id()),
            Packet::V3_1_1Pingreq(_) | Packet::V5_0Pingreq(_) => Frame::PingReq,
            Packet::V3_1_1Disconnect(_) | Packet::V5_0Disconnect(_) => Frame::Disconnect,
            other => Frame::Other(packet_type(other)),
        }
    }
}

fn packet_type(p: &Packet) -> u8 {
    match p {
        Packet::V3_1_1Connect(_) | Packet::V5_0Connect(_) => 1,
        Packet::V3_1_1Connack(_) | Packet::V5_0Connack(_) => 2,
        Packet::V3_1_1Publish(_) | Packet::V5_0Publish(_) => 3,
        Packet::V3_1_1Puback(_) | Packet::V5_0Puback(_) => 4,
        Packet::V3_1_1Pubrec(_) | Packet::V5_0Pubrec(_) => 5,
        Packet::V3_1_1Pubrel(_) | Packet::V5_0Pubrel(_) => 6,
        Packet::V3_1_1Pubcomp(_) | Packet::V5_0Pubcomp(_) => 7,
        Packet::V3_1_1Subscribe(_) | Packet::V5_0Subscribe(_) => 8,
        Packet::V3_1_1Suback(_) | Packet::V5_0Suback(_) => 9,
        Packet::V3_1_1Unsubscribe(_) | Packet::V5_0Unsubscribe(_) => 10,
        Packet::V3_1_1Unsuback(_) | Packet::V5_0Unsuback(_) => 11,
        Packet::V3_1_1Pingreq(_) | Packet::V5_0Pingreq(_) => 12,
        Packet::V3_1_1Pingresp(_) | Packet::V5_0Pingresp(_) => 13,
        Packet::V3_1_1Disconnect(_) | Packet::V5_0Disconnect(_) => 14,
        Packet::V5_0Auth(_) => 15,
    }
}

/// `v3_1_1::Publish::to_buffers`, copied into a reused `Vec<u8>`.
#[derive(Debug)]
pub struct MqttProtocolCoreEncoder;

impl Encode for MqttProtocolCoreEncoder {
    const NAME: &'static str = "mqtt-protocol-core";
    type Packet = v3_1_1::Publish;
    type Buffer = Vec<u8>;

    fn build(p: &PublishFrame) -> v3_1_1::Publish {
        let qos = match p.qos {
            0 => Qos::AtMostOnce,
            1 => Qos::AtLeastOnce,
            _ => Qos::ExactlyOnce,
        };
        let mut b = v3_1_1::Publish::builder()
            .topic_name(p.topic.as_str())
            .expect("workload topics are valid")
            .qos(qos)
            .payload(p.payload.clone());
        if p.qos > 0 {
            b = b.packet_id(p.packet_id);
        }
        b.build().expect("workload packets are valid")
    }

    fn buffer() -> Vec<u8> {
        Vec::new()
    }

    #[inline]
    fn encode_all(packets: &[v3_1_1::Publish], buf: &mut Vec<u8>) -> Result<usize, String> {
        buf.clear();
        for p in packets {
            for slice in p.to_buffers() {
                buf.extend_from_slice(&slice);
            }
        }
        Ok(buf.len())
    }

    fn bytes(buf: &Vec<u8>) -> Vec<u8> {
        buf.clone()
    }
}
