//! `mqtt-codec`: [`Decoder::decode`] on a `BytesMut` (each frame is split off and parsed without
//! copying) and [`Encoder::encode`] into a reused `BytesMut`.

use bytes::BytesMut;
use mqtt_codec::topic::TopicName;
use mqtt_codec::{Decoder, Delivery, Encoder, Limits, Packet, PacketId, ProtocolVersion, Publish};

use super::{Decode, Encode, Failure, digest_parts};
use crate::frame::{ConnectFrame, Frame, Props, PublishFrame};

/// Our decoder.
#[derive(Debug)]
pub struct Ours {
    decoder: Decoder,
}

impl Decode for Ours {
    const NAME: &'static str = "mqtt-codec (ours)";
    type Input<'w> = BytesMut;
    type Packet<'a> = Packet;

    fn new(v5: bool) -> Option<Self> {
        let version = if v5 {
            ProtocolVersion::V5
        } else {
            ProtocolVersion::V3_1_1
        };
        Some(Self {
            decoder: Decoder::new(version, Limits::default()),
        })
    }

    fn prepare(wire: &[u8]) -> BytesMut {
        BytesMut::from(wire)
    }

    #[inline]
    fn for_each<F>(&mut self, input: &mut BytesMut, mut f: F) -> Result<usize, Failure>
    where
        F: FnMut(&Packet),
    {
        let mut n = 0;
        loop {
            match self.decoder.decode(input) {
                Ok(Some(p)) => {
                    f(&p);
                    n += 1;
                }
                Ok(None) if input.is_empty() => return Ok(n),
                Ok(None) => return Err(Failure::Incomplete { left: input.len() }),
                Err(e) => return Err(Failure::Error(e.to_string())),
            }
        }
    }

    #[inline]
    fn digest(p: &Packet) -> u64 {
        match p {
            Packet::Publish(p) => digest_parts(
                3,
                p.delivery.packet_id().map_or(0, PacketId::get),
                p.topic.name().map_or(0, TopicName::len),
                p.payload.len(),
            ),
            Packet::PubAck(a) => digest_parts(4, a.packet_id.get(), 0, 0),
            Packet::PubRec(a) => digest_parts(5, a.packet_id.get(), 0, 0),
            Packet::PubRel(a) => digest_parts(6, a.packet_id.get(), 0, 0),
            Packet::PubComp(a) => digest_parts(7, a.packet_id.get(), 0, 0),
            Packet::Subscribe(s) => digest_parts(8, s.packet_id.get(), 0, 0),
            other => digest_parts(other.packet_type() as u8, 0, 0, 0),
        }
    }

    fn frame(p: &Packet) -> Frame {
        match p {
            Packet::Connect(c) => Frame::Connect(ConnectFrame {
                client_id: c.client_id.as_str().to_owned(),
                keep_alive: c.keep_alive_secs,
                clean_session: c.clean_start,
                username: c.username.as_ref().map(|u| u.as_str().to_owned()),
                password: c.password.as_ref().map(|p| p.as_bytes().to_vec()),
            }),
            Packet::Subscribe(s) => Frame::Subscribe {
                packet_id: s.packet_id.get(),
                filters: s
                    .subscriptions
                    .iter()
                    .map(|s| (s.filter.as_str().to_owned(), s.options.qos.as_u8()))
                    .collect(),
            },
            Packet::Publish(p) => Frame::Publish(PublishFrame {
                dup: p.dup,
                qos: p.qos().as_u8(),
                retain: p.retain,
                topic: p
                    .topic
                    .name()
                    .map_or_else(String::new, |n| n.as_str().to_owned()),
                packet_id: p.delivery.packet_id().map_or(0, PacketId::get),
                payload: p.payload.to_vec(),
                props: Props {
                    message_expiry: p.properties.message_expiry_interval,
                    content_type: p
                        .properties
                        .content_type
                        .as_ref()
                        .map(|c| c.as_str().to_owned()),
                    user: p
                        .properties
                        .user_properties
                        .iter()
                        .map(|(k, v)| (k.as_str().to_owned(), v.as_str().to_owned()))
                        .collect(),
                },
            }),
            Packet::PubAck(a) => Frame::PubAck(a.packet_id.get()),
            Packet::PubRec(a) => Frame::PubRec(a.packet_id.get()),
            Packet::PubRel(a) => Frame::PubRel(a.packet_id.get()),
            Packet::PubComp(a) => Frame::PubComp(a.packet_id.get()),
            Packet::PingReq => Frame::PingReq,
            Packet::Disconnect(_) => Frame::Disconnect,
            other => Frame::Other(other.packet_type() as u8),
        }
    }
}

/// Our encoder (3.1.1).
#[derive(Debug)]
pub struct OursEncoder;

impl Encode for OursEncoder {
    const NAME: &'static str = "mqtt-codec (ours)";
    type Packet = Packet;
    type Buffer = BytesMut;

    fn build(p: &PublishFrame) -> Packet {
        let topic = TopicName::new(&p.topic).expect("workload topics are valid");
        let mut publish = Publish::new(topic, p.payload.clone());
        let id = PacketId::new(p.packet_id);
        publish.delivery = match (p.qos, id) {
            (1, Some(id)) => Delivery::AtLeastOnce(id),
            (2, Some(id)) => Delivery::ExactlyOnce(id),
            _ => Delivery::AtMostOnce,
        };
        Packet::Publish(publish)
    }

    fn buffer() -> BytesMut {
        BytesMut::new()
    }

    #[inline]
    fn encode_all(packets: &[Packet], buf: &mut BytesMut) -> Result<usize, String> {
        const ENCODER: Encoder = Encoder::new(ProtocolVersion::V3_1_1);
        buf.clear();
        for p in packets {
            ENCODER.encode(p, buf).map_err(|e| e.to_string())?;
        }
        Ok(buf.len())
    }

    fn bytes(buf: &BytesMut) -> Vec<u8> {
        buf.to_vec()
    }
}
