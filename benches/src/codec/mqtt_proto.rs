//! `mqtt-proto` 0.4 (3.1/3.1.1 in `v3`, 5.0 in `v5`): the synchronous `Packet::decode(&[u8])`
//! (it copies topic and payload into owned values) and `Packet::encode` (which returns the
//! encoded bytes in a fresh `Vec`, copied here into a reused buffer).
//!
//! `Packet::decode` does not say how many bytes it consumed, so the adapter steps over each frame
//! with [`crate::frame::frame_len`].

use mqtt_proto::{Pid, QoS, QosPid, TopicName, v3, v5};

use super::{Decode, Encode, Failure, digest_parts};
use crate::frame::{ConnectFrame, Frame, Props, PublishFrame, frame_len};

fn qos_u8(q: QoS) -> u8 {
    match q {
        QoS::Level0 => 0,
        QoS::Level1 => 1,
        QoS::Level2 => 2,
    }
}

fn pid(q: QosPid) -> u16 {
    q.pid().map_or(0, Pid::value)
}

/// Steps through `input` with `decode`, which must decode the frame at the front.
#[inline]
fn step<P, E: core::fmt::Debug>(
    input: &mut &[u8],
    mut decode: impl FnMut(&[u8]) -> Result<Option<P>, E>,
    mut f: impl FnMut(&P),
) -> Result<usize, Failure> {
    let mut n = 0;
    loop {
        let buf: &[u8] = input;
        if buf.is_empty() {
            return Ok(n);
        }
        match decode(buf) {
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

/// `mqtt_proto::v3::Packet::decode` (MQTT 3.1.1).
#[derive(Debug)]
pub struct MqttProtoV3;

impl Decode for MqttProtoV3 {
    const NAME: &'static str = "mqtt-proto (v3)";
    type Input<'w> = &'w [u8];
    type Packet<'a> = v3::Packet;

    fn new(v5: bool) -> Option<Self> {
        (!v5).then_some(Self)
    }

    fn prepare(wire: &[u8]) -> &[u8] {
        wire
    }

    #[inline]
    fn for_each<F>(&mut self, input: &mut &[u8], f: F) -> Result<usize, Failure>
    where
        F: FnMut(&v3::Packet),
    {
        step(input, v3::Packet::decode, f)
    }

    #[inline]
    fn digest(p: &v3::Packet) -> u64 {
        match p {
            v3::Packet::Publish(p) => {
                digest_parts(3, pid(p.qos_pid), p.topic_name.len(), p.payload.len())
            }
            v3::Packet::Puback(id) => digest_parts(4, id.value(), 0, 0),
            v3::Packet::Pubrec(id) => digest_parts(5, id.value(), 0, 0),
            v3::Packet::Pubrel(id) => digest_parts(6, id.value(), 0, 0),
            v3::Packet::Pubcomp(id) => digest_parts(7, id.value(), 0, 0),
            v3::Packet::Subscribe(s) => digest_parts(8, s.pid.value(), 0, 0),
            other => digest_parts(other.get_type() as u8 + 1, 0, 0, 0),
        }
    }

    fn frame(p: &v3::Packet) -> Frame {
        match p {
            v3::Packet::Connect(c) => Frame::Connect(ConnectFrame {
                client_id: c.client_id.to_string(),
                keep_alive: c.keep_alive,
                clean_session: c.clean_session,
                username: c.username.as_ref().map(ToString::to_string),
                password: c.password.as_ref().map(|p| p.to_vec()),
            }),
            v3::Packet::Subscribe(s) => Frame::Subscribe {
                packet_id: s.pid.value(),
                filters: s
                    .topics
                    .iter()
                    .map(|(f, q)| (f.to_string(), qos_u8(*q)))
                    .collect(),
            },
            v3::Packet::Publish(p) => Frame::Publish(PublishFrame {
                dup: p.dup,
                qos: qos_u8(p.qos_pid.qos()),
                retain: p.retain,
                topic: p.topic_name.to_string(),
                packet_id: pid(p.qos_pid),
                payload: p.payload.to_vec(),
                props: Props::default(),
            }),
            v3::Packet::Puback(id) => Frame::PubAck(id.value()),
            v3::Packet::Pubrec(id) => Frame::PubRec(id.value()),
            v3::Packet::Pubrel(id) => Frame::PubRel(id.value()),
            v3::Packet::Pubcomp(id) => Frame::PubComp(id.value()),
            v3::Packet::Pingreq => Frame::PingReq,
            v3::Packet::Disconnect => Frame::Disconnect,
            other => Frame::Other(other.get_type() as u8 + 1),
        }
    }
}

/// `mqtt_proto::v5::Packet::decode` (MQTT 5.0).
#[derive(Debug)]
pub struct MqttProtoV5;

impl Decode for MqttProtoV5 {
    const NAME: &'static str = "mqtt-proto (v5)";
    type Input<'w> = &'w [u8];
    type Packet<'a> = v5::Packet;

    fn new(v5: bool) -> Option<Self> {
        v5.then_some(Self)
    }

    fn prepare(wire: &[u8]) -> &[u8] {
        wire
    }

    #[inline]
    fn for_each<F>(&mut self, input: &mut &[u8], f: F) -> Result<usize, Failure>
    where
        F: FnMut(&v5::Packet),
    {
        step(input, v5::Packet::decode, f)
    }

    #[inline]
    fn digest(p: &v5::Packet) -> u64 {
        match p {
            v5::Packet::Publish(p) => {
                digest_parts(3, pid(p.qos_pid), p.topic_name.len(), p.payload.len())
            }
            v5::Packet::Puback(a) => digest_parts(4, a.pid.value(), 0, 0),
            v5::Packet::Pubrec(a) => digest_parts(5, a.pid.value(), 0, 0),
            v5::Packet::Pubrel(a) => digest_parts(6, a.pid.value(), 0, 0),
            v5::Packet::Pubcomp(a) => digest_parts(7, a.pid.value(), 0, 0),
            v5::Packet::Subscribe(s) => digest_parts(8, s.pid.value(), 0, 0),
            other => digest_parts(other.get_type() as u8 + 1, 0, 0, 0),
        }
    }

    fn frame(p: &v5::Packet) -> Frame {
        match p {
            v5::Packet::Connect(c) => Frame::Connect(ConnectFrame {
                client_id: c.client_id.to_string(),
                keep_alive: c.keep_alive,
                clean_session: c.clean_start,
                username: c.username.as_ref().map(ToString::to_string),
                password: c.password.as_ref().map(|p| p.to_vec()),
            }),
            v5::Packet::Subscribe(s) => Frame::Subscribe {
                packet_id: s.pid.value(),
                filters: s
                    .topics
                    .iter()
                    .map(|(f, o)| (f.to_string(), qos_u8(o.max_qos)))
                    .collect(),
            },
            v5::Packet::Publish(p) => Frame::Publish(PublishFrame {
                dup: p.dup,
                qos: qos_u8(p.qos_pid.qos()),
                retain: p.retain,
                topic: p.topic_name.to_string(),
                packet_id: pid(p.qos_pid),
                payload: p.payload.to_vec(),
                props: Props {
                    message_expiry: p.properties.message_expiry_interval,
                    content_type: p.properties.content_type.as_ref().map(ToString::to_string),
                    user: p
                        .properties
                        .user_properties
                        .iter()
                        .map(|u| (u.name.to_string(), u.value.to_string()))
                        .collect(),
                },
            }),
            v5::Packet::Puback(a) => Frame::PubAck(a.pid.value()),
            v5::Packet::Pubrec(a) => Frame::PubRec(a.pid.value()),
            v5::Packet::Pubrel(a) => Frame::PubRel(a.pid.value()),
            v5::Packet::Pubcomp(a) => Frame::PubComp(a.pid.value()),
            v5::Packet::Pingreq => Frame::PingReq,
            v5::Packet::Disconnect(_) => Frame::Disconnect,
            other => Frame::Other(other.get_type() as u8 + 1),
        }
    }
}

/// `mqtt_proto::v3::Packet::encode`, copied into a reused `Vec<u8>`.
#[derive(Debug)]
pub struct MqttProtoEncoder;

impl Encode for MqttProtoEncoder {
    const NAME: &'static str = "mqtt-proto (v3)";
    type Packet = v3::Packet;
    type Buffer = Vec<u8>;

    fn build(p: &PublishFrame) -> v3::Packet {
        let id = Pid::try_from(p.packet_id.max(1)).expect("non-zero");
        let qos_pid = match p.qos {
            0 => QosPid::Level0,
            1 => QosPid::Level1(id),
            _ => QosPid::Level2(id),
        };
        let topic = TopicName::try_from(p.topic.as_str()).expect("workload topics are valid");
        v3::Packet::Publish(v3::Publish::new(qos_pid, topic, p.payload.clone().into()))
    }

    fn buffer() -> Vec<u8> {
        Vec::new()
    }

    #[inline]
    fn encode_all(packets: &[v3::Packet], buf: &mut Vec<u8>) -> Result<usize, String> {
        buf.clear();
        for p in packets {
            let bytes = p.encode().map_err(|e| format!("{e:?}"))?;
            buf.extend_from_slice(bytes.as_ref());
        }
        Ok(buf.len())
    }

    fn bytes(buf: &Vec<u8>) -> Vec<u8> {
        buf.clone()
    }
}
