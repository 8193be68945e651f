//! `rumqttc` 0.25 (`default-features = false`): its public `mqttbytes::v4` (3.1.1) and
//! `v5::mqttbytes::v5` (5.0) packet modules, `Packet::read` on a `BytesMut` and `Publish::write`.

use bytes::BytesMut;
use rumqttc::mqttbytes::{self as v4bytes, v4};
use rumqttc::v5::mqttbytes::{self as v5bytes, v5};

use super::{Decode, Encode, Failure, digest_parts};
use crate::frame::{ConnectFrame, Frame, Props, PublishFrame};

/// The largest packet the adapters accept (ours: 1 MiB by default).
const MAX: usize = 1024 * 1024;

/// `rumqttc::mqttbytes::v4` (MQTT 3.1.1).
#[derive(Debug)]
pub struct RumqttcV4;

impl Decode for RumqttcV4 {
    const NAME: &'static str = "rumqttc (v4)";
    type Input<'w> = BytesMut;
    type Packet<'a> = v4::Packet;

    fn new(v5: bool) -> Option<Self> {
        (!v5).then_some(Self)
    }

    fn prepare(wire: &[u8]) -> BytesMut {
        BytesMut::from(wire)
    }

    #[inline]
    fn for_each<F>(&mut self, input: &mut BytesMut, mut f: F) -> Result<usize, Failure>
    where
        F: FnMut(&v4::Packet),
    {
        let mut n = 0;
        while !input.is_empty() {
            match v4::Packet::read(input, MAX) {
                Ok(p) => {
                    f(&p);
                    n += 1;
                }
                Err(v4bytes::Error::InsufficientBytes(_)) => {
                    return Err(Failure::Incomplete { left: input.len() });
                }
                Err(e) => return Err(Failure::Error(format!("{e:?}"))),
            }
        }
        Ok(n)
    }

    #[inline]
    fn digest(p: &v4::Packet) -> u64 {
        match p {
            v4::Packet::Publish(p) => digest_parts(3, p.pkid, p.topic.len(), p.payload.len()),
            v4::Packet::PubAck(a) => digest_parts(4, a.pkid, 0, 0),
            v4::Packet::PubRec(a) => digest_parts(5, a.pkid, 0, 0),
            v4::Packet::PubRel(a) => digest_parts(6, a.pkid, 0, 0),
            v4::Packet::PubComp(a) => digest_parts(7, a.pkid, 0, 0),
            v4::Packet::Subscribe(s) => digest_parts(8, s.pkid, 0, 0),
            other => digest_parts(v4_type(other), 0, 0, 0),
        }
    }

    fn frame(p: &v4::Packet) -> Frame {
        match p {
            v4::Packet::Connect(c) => Frame::Connect(ConnectFrame {
                client_id: c.client_id.clone(),
                keep_alive: c.keep_alive,
                clean_session: c.clean_session,
                username: c.login.as_ref().map(|l| l.username.clone()),
                password: c
                    .login
                    .as_ref()
                    .filter(|l| !l.password.is_empty())
                    .map(|l| l.password.clone().into_bytes()),
            }),
            v4::Packet::Subscribe(s) => Frame::Subscribe {
                packet_id: s.pkid,
                filters: s
                    .filters
                    .iter()
                    .map(|f| (f.path.clone(), f.qos as u8))
                    .collect(),
            },
            v4::Packet::Publish(p) => Frame::Publish(PublishFrame {
                dup: p.dup,
                qos: p.qos as u8,
                retain: p.retain,
                topic: p.topic.clone(),
                packet_id: p.pkid,
                payload: p.payload.to_vec(),
                props: Props::default(),
            }),
            v4::Packet::PubAck(a) => Frame::PubAck(a.pkid),
            v4::Packet::PubRec(a) => Frame::PubRec(a.pkid),
            v4::Packet::PubRel(a) => Frame::PubRel(a.pkid),
            v4::Packet::PubComp(a) => Frame::PubComp(a.pkid),
            v4::Packet::PingReq => Frame::PingReq,
            v4::Packet::Disconnect => Frame::Disconnect,
            other => Frame::Other(v4_type(other)),
        }
    }
}

fn v4_type(p: &v4::Packet) -> u8 {
    match p {
        v4::Packet::Connect(_) => 1,
        v4::Packet::ConnAck(_) => 2,
        v4::Packet::Publish(_) => 3,
        v4::Packet::PubAck(_) => 4,
        v4::Packet::PubRec(_) => 5,
        v4::Packet::PubRel(_) => 6,
        v4::Packet::PubComp(_) => 7,
        v4::Packet::Subscribe(_) => 8,
        v4::Packet::SubAck(_) => 9,
        v4::Packet::Unsubscribe(_) => 10,
        v4::Packet::UnsubAck(_) => 11,
        v4::Packet::PingReq => 12,
        v4::Packet::PingResp => 13,
        v4::Packet::Disconnect => 14,
    }
}

/// `rumqttc::v5::mqttbytes::v5` (MQTT 5.0).
#[derive(Debug)]
pub struct RumqttcV5;

impl Decode for RumqttcV5 {
    const NAME: &'static str = "rumqttc (v5)";
    type Input<'w> = BytesMut;
    type Packet<'a> = v5::Packet;

    fn new(v5: bool) -> Option<Self> {
        v5.then_some(Self)
    }

    fn prepare(wire: &[u8]) -> BytesMut {
        BytesMut::from(wire)
    }

    #[inline]
    fn for_each<F>(&mut self, input: &mut BytesMut, mut f: F) -> Result<usize, Failure>
    where
        F: FnMut(&v5::Packet),
    {
        let mut n = 0;
        while !input.is_empty() {
            match v5::Packet::read(input, Some(MAX as u32)) {
                Ok(p) => {
                    f(&p);
                    n += 1;
                }
                Err(v5bytes::Error::InsufficientBytes(_)) => {
                    return Err(Failure::Incomplete { left: input.len() });
                }
                Err(e) => return Err(Failure::Error(format!("{e:?}"))),
            }
        }
        Ok(n)
    }

    #[inline]
    fn digest(p: &v5::Packet) -> u64 {
        match p {
            v5::Packet::Publish(p) => digest_parts(3, p.pkid, p.topic.len(), p.payload.len()),
            v5::Packet::PubAck(a) => digest_parts(4, a.pkid, 0, 0),
            v5::Packet::PubRec(a) => digest_parts(5, a.pkid, 0, 0),
            v5::Packet::PubRel(a) => digest_parts(6, a.pkid, 0, 0),
            v5::Packet::PubComp(a) => digest_parts(7, a.pkid, 0, 0),
            v5::Packet::Subscribe(s) => digest_parts(8, s.pkid, 0, 0),
            other => digest_parts(v5_type(other), 0, 0, 0),
        }
    }

    fn frame(p: &v5::Packet) -> Frame {
        match p {
            v5::Packet::Connect(c, _, login) => Frame::Connect(ConnectFrame {
                client_id: c.client_id.clone(),
                keep_alive: c.keep_alive,
                clean_session: c.clean_start,
                username: login.as_ref().map(|l| l.username.clone()),
                password: login
                    .as_ref()
                    .filter(|l| !l.password.is_empty())
                    .map(|l| l.password.clone().into_bytes()),
            }),
            v5::Packet::Subscribe(s) => Frame::Subscribe {
                packet_id: s.pkid,
                filters: s
                    .filters
                    .iter()
                    .map(|f| (f.path.clone(), f.qos as u8))
                    .collect(),
            },
            v5::Packet::Publish(p) => {
                let props = p.properties.as_ref();
                Frame::Publish(PublishFrame {
                    dup: p.dup,
                    qos: p.qos as u8,
                    retain: p.retain,
                    topic: String::from_utf8_lossy(&p.topic).into_owned(),
                    packet_id: p.pkid,
                    payload: p.payload.to_vec(),
                    props: Props {
                        message_expiry: props.and_then(|p| p.message_expiry_interval),
                        content_type: props.and_then(|p| p.content_type.clone()),
                        user: props.map(|p| p.user_properties.clone()).unwrap_or_default(),
                    },
                })
            }
            v5::Packet::PubAck(a) => Frame::PubAck(a.pkid),
            v5::Packet::PubRec(a) => Frame::PubRec(a.pkid),
            v5::Packet::PubRel(a) => Frame::PubRel(a.pkid),
            v5::Packet::PubComp(a) => Frame::PubComp(a.pkid),
            v5::Packet::PingReq(_) => Frame::PingReq,
            v5::Packet::Disconnect(_) => Frame::Disconnect,
            other => Frame::Other(v5_type(other)),
        }
    }
}

fn v5_type(p: &v5::Packet) -> u8 {
    match p {
        v5::Packet::Connect(..) => 1,
        v5::Packet::ConnAck(_) => 2,
        v5::Packet::Publish(_) => 3,
        v5::Packet::PubAck(_) => 4,
        v5::Packet::PubRec(_) => 5,
        v5::Packet::PubRel(_) => 6,
        v5::Packet::PubComp(_) => 7,
        v5::Packet::Subscribe(_) => 8,
        v5::Packet::SubAck(_) => 9,
        v5::Packet::Unsubscribe(_) => 10,
        v5::Packet::UnsubAck(_) => 11,
        v5::Packet::PingReq(_) => 12,
        v5::Packet::PingResp(_) => 13,
        v5::Packet::Disconnect(_) => 14,
        v5::Packet::Auth(_) => 15,
    }
}

/// `rumqttc::mqttbytes::v4::Publish::write` (3.1.1).
#[derive(Debug)]
pub struct RumqttcEncoder;

impl Encode for RumqttcEncoder {
    const NAME: &'static str = "rumqttc (v4)";
    type Packet = v4::Publish;
    type Buffer = BytesMut;

    fn build(p: &PublishFrame) -> v4::Publish {
        let qos = match p.qos {
            0 => v4bytes::QoS::AtMostOnce,
            1 => v4bytes::QoS::AtLeastOnce,
            _ => v4bytes::QoS::ExactlyOnce,
        };
        let mut publish = v4::Publish::new(p.topic.clone(), qos, p.payload.clone());
        publish.pkid = p.packet_id;
        publish
    }

    fn buffer() -> BytesMut {
        BytesMut::new()
    }

    #[inline]
    fn encode_all(packets: &[v4::Publish], buf: &mut BytesMut) -> Result<usize, String> {
        buf.clear();
        for p in packets {
            p.write(buf).map_err(|e| format!("{e:?}"))?;
        }
        Ok(buf.len())
    }

    fn bytes(buf: &BytesMut) -> Vec<u8> {
        buf.to_vec()
    }
}
