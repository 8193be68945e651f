//! `mqttrs` 0.4 (MQTT 3.1.1 only): `decode_slice` borrows from the input (no copy of topic or
//! payload), `encode_slice` writes into a caller slice.
//!
//! `decode_slice` does not say how many bytes it consumed, so the adapter steps over each frame
//! with [`crate::frame::frame_len`]; `encode_slice` returns only the fixed header's
//! length for a PUBLISH, so the adapter computes each packet's size itself.

use mqttrs::{Packet, Pid, QoS, QosPid};

use super::{Decode, Encode, Failure, digest_parts};
use crate::frame::{ConnectFrame, Frame, Props, PublishFrame, frame_len};

/// `mqttrs::decode_slice`.
#[derive(Debug)]
pub struct Mqttrs;

fn pid(q: QosPid) -> u16 {
    q.pid().map_or(0, Pid::get)
}

fn qos_u8(q: QoS) -> u8 {
    match q {
        QoS::AtMostOnce => 0,
        QoS::AtLeastOnce => 1,
        QoS::ExactlyOnce => 2,
    }
}

impl Decode for Mqttrs {
    const NAME: &'static str = "mqttrs";
    type Input<'w> = &'w [u8];
    type Packet<'a> = Packet<'a>;

    fn new(v5: bool) -> Option<Self> {
        (!v5).then_some(Self)
    }

    fn prepare(wire: &[u8]) -> &[u8] {
        wire
    }

    #[inline]
    fn for_each<F>(&mut self, input: &mut &[u8], mut f: F) -> Result<usize, Failure>
    where
        F: FnMut(&Packet<'_>),
    {
        let mut n = 0;
        loop {
            let buf: &[u8] = input;
            if buf.is_empty() {
                return Ok(n);
            }
            match mqttrs::decode_slice(buf) {
                Ok(Some(p)) => {
                    let len = frame_len(buf).expect("a decoded frame has a complete header");
                    f(&p);
                    n += 1;
                    *input = buf.get(len..).unwrap_or_default();
                }
                Ok(None) => return Err(Failure::Incomplete { left: buf.len() }),
                Err(e) => return Err(Failure::Error(format!("{e:?}"))),
            }
        }
    }

    #[inline]
    fn digest(p: &Packet<'_>) -> u64 {
        match p {
            Packet::Publish(p) => {
                digest_parts(3, pid(p.qospid), p.topic_name.len(), p.payload.len())
            }
            Packet::Puback(id) => digest_parts(4, id.get(), 0, 0),
            Packet::Pubrec(id) => digest_parts(5, id.get(), 0, 0),
            Packet::Pubrel(id) => digest_parts(6, id.get(), 0, 0),
            Packet::Pubcomp(id) => digest_parts(7, id.get(), 0, 0),
            Packet::Subscribe(s) => digest_parts(8, s.pid.get(), 0, 0),
            other => digest_parts(other.get_type() as u8 + 1, 0, 0, 0),
        }
    }

    fn frame(p: &Packet<'_>) -> Frame {
        match p {
            Packet::Connect(c) => Frame::Connect(ConnectFrame {
                client_id: c.client_id.to_owned(),
                keep_alive: c.keep_alive,
                clean_session: c.clean_session,
                username: c.username.map(str::to_owned),
                password: c.password.map(<[u8]>::to_vec),
            }),
            Packet::Subscribe(s) => Frame::Subscribe {
                packet_id: s.pid.get(),
                filters: s
                    .topics
                    .iter()
                    .map(|t| (t.topic_path.to_string(), qos_u8(t.qos)))
                    .collect(),
            },
            Packet::Publish(p) => Frame::Publish(PublishFrame {
                dup: p.dup,
                qos: qos_u8(p.qospid.qos()),
                retain: p.retain,
                topic: p.topic_name.to_owned(),
                packet_id: pid(p.qospid),
                payload: p.payload.to_vec(),
                props: Props::default(),
            }),
            Packet::Puback(id) => Frame::PubAck(id.get()),
            Packet::Pubrec(id) => Frame::PubRec(id.get()),
            Packet::Pubrel(id) => Frame::PubRel(id.get()),
            Packet::Pubcomp(id) => Frame::PubComp(id.get()),
            Packet::Pingreq => Frame::PingReq,
            Packet::Disconnect => Frame::Disconnect,
            other => Frame::Other(other.get_type() as u8 + 1),
        }
    }
}

/// A PUBLISH for `encode_slice`: owned topic and payload, borrowed by the packet at encode time
/// (the borrowed API's natural use).
#[derive(Debug)]
pub struct OwnedPublish {
    topic: String,
    payload: Vec<u8>,
    qospid: QosPid,
    /// Encoded size (fixed header included).
    len: usize,
}

/// `mqttrs::encode_slice` into a reused `Vec<u8>`.
#[derive(Debug)]
pub struct MqttrsEncoder;

impl Encode for MqttrsEncoder {
    const NAME: &'static str = "mqttrs";
    type Packet = OwnedPublish;
    /// The buffer and the bytes written.
    type Buffer = (Vec<u8>, usize);

    fn build(p: &PublishFrame) -> OwnedPublish {
        let id = Pid::try_from(p.packet_id).unwrap_or_default();
        let qospid = match p.qos {
            0 => QosPid::AtMostOnce,
            1 => QosPid::AtLeastOnce(id),
            _ => QosPid::ExactlyOnce(id),
        };
        let remaining = 2 + p.topic.len() + if p.qos > 0 { 2 } else { 0 } + p.payload.len();
        let mut header = Vec::new();
        crate::frame::put_varint(&mut header, remaining);
        OwnedPublish {
            topic: p.topic.clone(),
            payload: p.payload.clone(),
            qospid,
            len: 1 + header.len() + remaining,
        }
    }

    fn buffer() -> (Vec<u8>, usize) {
        (Vec::new(), 0)
    }

    #[inline]
    fn encode_all(packets: &[OwnedPublish], buf: &mut (Vec<u8>, usize)) -> Result<usize, String> {
        let total: usize = packets.iter().map(|p| p.len).sum();
        if buf.0.len() < total {
            buf.0.resize(total, 0);
        }
        let mut offset = 0;
        for p in packets {
            let packet = Packet::Publish(mqttrs::Publish {
                dup: false,
                qospid: p.qospid,
                retain: false,
                topic_name: &p.topic,
                payload: &p.payload,
            });
            let out = buf.0.get_mut(offset..).unwrap_or_default();
            mqttrs::encode_slice(&packet, out).map_err(|e| format!("{e:?}"))?;
            offset += p.len;
        }
        buf.1 = offset;
        Ok(offset)
    }

    fn bytes(buf: &(Vec<u8>, usize)) -> Vec<u8> {
        buf.0.get(..buf.1).unwrap_or_default().to_vec()
    }
}
