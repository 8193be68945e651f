//! `ntex-mqtt` 9.0 (3.1.1 in `v3::codec`, 5.0 in `v5::codec`): the `ntex_codec::Decoder` the
//! framework itself drives, on an `ntex_bytes::BytesMut` (zero-copy payload), and the
//! `ntex_codec::Encoder` into reused `BytePages` (vectored: the payload is appended as its own
//! page, not copied).

use std::num::NonZeroU16;

use ntex_bytes::{BytePageSize, BytePages, ByteString, Bytes, BytesMut};
use ntex_codec::{Decoder, Encoder};
use ntex_mqtt::QoS;
use ntex_mqtt::v3::codec as v3;
use ntex_mqtt::v5::codec as v5;

use super::{Decode, Encode, Failure, digest_parts};
use crate::frame::{ConnectFrame, Frame, Props, PublishFrame};

/// The largest Remaining Length accepted (ours: 1 MiB packets by default).
const MAX: u32 = 1024 * 1024;

fn qos_u8(q: QoS) -> u8 {
    match q {
        QoS::AtMostOnce => 0,
        QoS::AtLeastOnce => 1,
        QoS::ExactlyOnce => 2,
    }
}

fn id(p: Option<NonZeroU16>) -> u16 {
    p.map_or(0, NonZeroU16::get)
}

/// `ntex_mqtt::v3::codec::Codec` (MQTT 3.1.1).
#[derive(Debug)]
pub struct NtexV3 {
    codec: v3::Codec,
}

impl Decode for NtexV3 {
    const NAME: &'static str = "ntex-mqtt (v3)";
    type Input<'w> = BytesMut;
    type Packet<'a> = v3::Decoded;

    fn new(v5: bool) -> Option<Self> {
        if v5 {
            return None;
        }
        let codec = v3::Codec::new();
        codec.set_max_size(MAX);
        Some(Self { codec })
    }

    fn prepare(wire: &[u8]) -> BytesMut {
        BytesMut::copy_from_slice(wire)
    }

    #[inline]
    fn for_each<F>(&mut self, input: &mut BytesMut, mut f: F) -> Result<usize, Failure>
    where
        F: FnMut(&v3::Decoded),
    {
        let mut n = 0;
        loop {
            match self.codec.decode(input) {
                Ok(Some(p)) => {
                    f(&p);
                    n += 1;
                }
                Ok(None) if input.is_empty() => return Ok(n),
                Ok(None) => return Err(Failure::Incomplete { left: input.len() }),
                Err(e) => return Err(Failure::Error(format!("{e:?}"))),
            }
        }
    }

    #[inline]
    fn digest(p: &v3::Decoded) -> u64 {
        match p {
            v3::Decoded::Publish(p, payload, _) => {
                digest_parts(3, id(p.packet_id), p.topic.len(), payload.len())
            }
            v3::Decoded::Packet(p, _) => match p {
                v3::Packet::PublishAck { packet_id } => digest_parts(4, packet_id.get(), 0, 0),
                v3::Packet::PublishReceived { packet_id } => digest_parts(5, packet_id.get(), 0, 0),
                v3::Packet::PublishRelease { packet_id } => digest_parts(6, packet_id.get(), 0, 0),
                v3::Packet::PublishComplete { packet_id } => digest_parts(7, packet_id.get(), 0, 0),
                v3::Packet::Subscribe { packet_id, .. } => digest_parts(8, packet_id.get(), 0, 0),
                other => digest_parts(other.packet_type() >> 4, 0, 0, 0),
            },
            v3::Decoded::PayloadChunk(chunk, _) => chunk.len() as u64,
        }
    }

    fn frame(p: &v3::Decoded) -> Frame {
        match p {
            v3::Decoded::Publish(p, payload, _) => Frame::Publish(PublishFrame {
                dup: p.dup,
                qos: qos_u8(p.qos),
                retain: p.retain,
                topic: p.topic.to_string(),
                packet_id: id(p.packet_id),
                payload: payload.to_vec(),
                props: Props::default(),
            }),
            v3::Decoded::Packet(p, _) => match p {
                v3::Packet::Connect(c) => Frame::Connect(ConnectFrame {
                    client_id: c.client_id.to_string(),
                    keep_alive: c.keep_alive,
                    clean_session: c.clean_session,
                    username: c.username.as_ref().map(ToString::to_string),
                    password: c.password.as_ref().map(|p| p.to_vec()),
                }),
                v3::Packet::Subscribe {
                    packet_id,
                    topic_filters,
                } => Frame::Subscribe {
                    packet_id: packet_id.get(),
                    filters: topic_filters
                        .iter()
                        .map(|(f, q)| (f.to_string(), qos_u8(*q)))
                        .collect(),
                },
                v3::Packet::PublishAck { packet_id } => Frame::PubAck(packet_id.get()),
                v3::Packet::PublishReceived { packet_id } => Frame::PubRec(packet_id.get()),
                v3::Packet::PublishRelease { packet_id } => Frame::PubRel(packet_id.get()),
                v3::Packet::PublishComplete { packet_id } => Frame::PubComp(packet_id.get()),
                v3::Packet::PingRequest => Frame::PingReq,
                v3::Packet::Disconnect => Frame::Disconnect,
                other => Frame::Other(other.packet_type() >> 4),
            },
            v3::Decoded::PayloadChunk(..) => Frame::Other(0),
        }
    }
}

/// `ntex_mqtt::v5::codec::Codec` (MQTT 5.0).
#[derive(Debug)]
pub struct NtexV5 {
    codec: v5::Codec,
}

impl Decode for NtexV5 {
    const NAME: &'static str = "ntex-mqtt (v5)";
    type Input<'w> = BytesMut;
    type Packet<'a> = v5::Decoded;

    fn new(v5: bool) -> Option<Self> {
        if !v5 {
            return None;
        }
        let codec = v5::Codec::new();
        codec.set_max_inbound_size(MAX);
        Some(Self { codec })
    }

    fn prepare(wire: &[u8]) -> BytesMut {
        BytesMut::copy_from_slice(wire)
    }

    #[inline]
    fn for_each<F>(&mut self, input: &mut BytesMut, mut f: F) -> Result<usize, Failure>
    where
        F: FnMut(&v5::Decoded),
    {
        let mut n = 0;
        loop {
            match self.codec.decode(input) {
                Ok(Some(p)) => {
                    f(&p);
                    n += 1;
                }
                Ok(None) if input.is_empty() => return Ok(n),
                Ok(None) => return Err(Failure::Incomplete { left: input.len() }),
                Err(e) => return Err(Failure::Error(format!("{e:?}"))),
            }
        }
    }

    #[inline]
    fn digest(p: &v5::Decoded) -> u64 {
        match p {
            v5::Decoded::Publish(p, payload, _) => {
                digest_parts(3, id(p.packet_id), p.topic.len(), payload.len())
            }
            v5::Decoded::Packet(p, _) => match p {
                v5::Packet::PublishAck(a) => digest_parts(4, a.packet_id.get(), 0, 0),
                v5::Packet::PublishReceived(a) => digest_parts(5, a.packet_id.get(), 0, 0),
                v5::Packet::PublishRelease(a) => digest_parts(6, a.packet_id.get(), 0, 0),
                v5::Packet::PublishComplete(a) => digest_parts(7, a.packet_id.get(), 0, 0),
                v5::Packet::Subscribe(s) => digest_parts(8, s.packet_id.get(), 0, 0),
                other => digest_parts(other.packet_type() >> 4, 0, 0, 0),
            },
            v5::Decoded::PayloadChunk(chunk, _) => chunk.len() as u64,
        }
    }

    fn frame(p: &v5::Decoded) -> Frame {
        match p {
            v5::Decoded::Publish(p, payload, _) => Frame::Publish(PublishFrame {
                dup: p.dup,
                qos: qos_u8(p.qos),
                retain: p.retain,
                topic: p.topic.to_string(),
                packet_id: id(p.packet_id),
                payload: payload.to_vec(),
                props: Props {
                    message_expiry: p.properties.message_expiry_interval.map(|e| e.get()),
                    content_type: p.properties.content_type.as_ref().map(ToString::to_string),
                    user: p
                        .properties
                        .user_properties
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                },
            }),
            v5::Decoded::Packet(p, _) => match p {
                v5::Packet::Connect(c) => Frame::Connect(ConnectFrame {
                    client_id: c.client_id.to_string(),
                    keep_alive: c.keep_alive,
                    clean_session: c.clean_start,
                    username: c.username.as_ref().map(ToString::to_string),
                    password: c.password.as_ref().map(|p| p.to_vec()),
                }),
                v5::Packet::Subscribe(s) => Frame::Subscribe {
                    packet_id: s.packet_id.get(),
                    filters: s
                        .topic_filters
                        .iter()
                        .map(|(f, o)| (f.to_string(), qos_u8(o.qos)))
                        .collect(),
                },
                v5::Packet::PublishAck(a) => Frame::PubAck(a.packet_id.get()),
                v5::Packet::PublishReceived(a) => Frame::PubRec(a.packet_id.get()),
                v5::Packet::PublishRelease(a) => Frame::PubRel(a.packet_id.get()),
                v5::Packet::PublishComplete(a) => Frame::PubComp(a.packet_id.get()),
                v5::Packet::PingRequest => Frame::PingReq,
                v5::Packet::Disconnect(_) => Frame::Disconnect,
                other => Frame::Other(other.packet_type() >> 4),
            },
            v5::Decoded::PayloadChunk(..) => Frame::Other(0),
        }
    }
}

/// A prepared 3.1.1 PUBLISH: the header and its payload, moved into `Encoded::Publish` (a clone
/// of the `ByteString` topic and the `Bytes` payload: reference-count increments, no copies).
#[derive(Debug)]
pub struct NtexPublish {
    publish: v3::Publish,
    payload: Bytes,
}

/// `ntex_mqtt::v3::codec::Codec` as an `Encoder`, into reused `BytePages`.
#[derive(Debug)]
pub struct NtexEncoder;

impl Encode for NtexEncoder {
    const NAME: &'static str = "ntex-mqtt (v3)";
    type Packet = NtexPublish;
    type Buffer = (v3::Codec, BytePages);

    fn build(p: &PublishFrame) -> NtexPublish {
        let qos = match p.qos {
            0 => QoS::AtMostOnce,
            1 => QoS::AtLeastOnce,
            _ => QoS::ExactlyOnce,
        };
        NtexPublish {
            publish: v3::Publish {
                dup: false,
                retain: false,
                qos,
                topic: ByteString::from(p.topic.clone()),
                packet_id: NonZeroU16::new(p.packet_id),
                payload_size: u32::try_from(p.payload.len()).expect("small payloads"),
            },
            payload: Bytes::copy_from_slice(&p.payload),
        }
    }

    fn buffer() -> (v3::Codec, BytePages) {
        (v3::Codec::new(), BytePages::new(BytePageSize::Size16))
    }

    #[inline]
    fn encode_all(
        packets: &[NtexPublish],
        buf: &mut (v3::Codec, BytePages),
    ) -> Result<usize, String> {
        let (codec, pages) = buf;
        pages.clear();
        for p in packets {
            let item = v3::Encoded::Publish(p.publish.clone(), Some(p.payload.clone()));
            codec.encodev(item, pages).map_err(|e| format!("{e:?}"))?;
        }
        Ok(pages.len())
    }

    fn bytes(buf: &(v3::Codec, BytePages)) -> Vec<u8> {
        let mut copy = BytePages::new(BytePageSize::Size16);
        buf.1.copy_to(&mut copy);
        let mut out = Vec::new();
        while let Some(page) = copy.take() {
            out.extend_from_slice(&page);
        }
        out
    }
}
