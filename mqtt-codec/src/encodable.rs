//! What the [`Encoder`] writes: a whole [`Packet`], or one packet type on its own, so that a
//! caller that keeps a [`Publish`] (a session's in-flight window, a broker's retained store)
//! encodes it in place instead of moving or cloning it into a `Packet` first.

use bytes::{BufMut, BytesMut};

use crate::encoder::Encoder;
use crate::error::EncodeError;
use crate::fixed_header::PacketType;
use crate::packet::{
    self, Auth, ConnAck, Connect, Disconnect, Packet, PubAck, PubComp, PubRec, PubRel, Publish,
    SubAck, Subscribe, UnsubAck, Unsubscribe,
};
use crate::varint;

/// A value [`Encoder::encoded_len`] and [`Encoder::encode`] accept: [`Packet`] and every packet
/// struct ([`Publish`], [`PubAck`], [`Connect`], ...). Sealed: the encoder alone knows how to
/// write them.
pub trait Encodable: sealed::Sealed {
    /// The packet's type.
    fn packet_type(&self) -> PacketType;
}

pub(crate) mod sealed {
    use super::{BytesMut, EncodeError, Encoder};

    /// The encoder's view of a packet. Not nameable outside the crate.
    pub trait Sealed {
        /// The Remaining Length, after checking everything that could make it unencodable.
        fn remaining_len(&self, encoder: &Encoder) -> Result<usize, EncodeError>;
        /// Writes the fixed header and the body; `remaining` comes from `remaining_len`.
        fn write(&self, remaining: u32, encoder: &Encoder, buf: &mut BytesMut);
    }
}

impl Encodable for Packet {
    #[inline]
    fn packet_type(&self) -> PacketType {
        Self::packet_type(self)
    }
}

impl sealed::Sealed for Packet {
    #[inline]
    fn remaining_len(&self, encoder: &Encoder) -> Result<usize, EncodeError> {
        packet::remaining_len(self, &encoder.ctx())
    }

    #[inline]
    fn write(&self, remaining: u32, encoder: &Encoder, buf: &mut BytesMut) {
        packet::write(self, remaining, &encoder.ctx(), buf);
    }
}

impl Encodable for Publish {
    #[inline]
    fn packet_type(&self) -> PacketType {
        PacketType::Publish
    }
}

impl sealed::Sealed for Publish {
    #[inline]
    fn remaining_len(&self, encoder: &Encoder) -> Result<usize, EncodeError> {
        Self::remaining_len(self, &encoder.ctx())
    }

    #[inline]
    fn write(&self, remaining: u32, encoder: &Encoder, buf: &mut BytesMut) {
        let ctx = encoder.ctx();
        if !self.write_short_head(remaining, &ctx, buf) {
            buf.put_u8(((PacketType::Publish as u8) << 4) | self.flags());
            varint::put(buf, remaining);
            Self::write(self, &ctx, buf);
        }
    }
}

/// The packets whose fixed-header flags are fixed by their type; `ack` marks the four publish
/// acknowledgments, which have a short form written in one append.
macro_rules! encodable {
    (@impl $name:ident, $t:expr, |$packet:ident, $remaining:ident, $ctx:ident, $buf:ident| $write:block) => {
        impl Encodable for $name {
            #[inline]
            fn packet_type(&self) -> PacketType {
                $t
            }
        }

        impl sealed::Sealed for $name {
            #[inline]
            fn remaining_len(&self, encoder: &Encoder) -> Result<usize, EncodeError> {
                Self::remaining_len(self, &encoder.ctx())
            }

            #[inline]
            fn write(&self, $remaining: u32, encoder: &Encoder, $buf: &mut BytesMut) {
                let $packet = self;
                let $ctx = encoder.ctx();
                $write
            }
        }
    };
    (ack $($name:ident => $t:expr),* $(,)?) => {$(
        encodable!(@impl $name, $t, |p, remaining, ctx, buf| {
            p.write_packet(remaining, &ctx, buf);
        });
    )*};
    ($($name:ident => $t:expr),* $(,)?) => {$(
        encodable!(@impl $name, $t, |p, remaining, ctx, buf| {
            buf.put_u8((($t as u8) << 4) | $t.fixed_flags());
            varint::put(buf, remaining);
            $name::write(p, &ctx, buf);
        });
    )*};
}

encodable! {
    ack
    PubAck => PacketType::PubAck,
    PubRec => PacketType::PubRec,
    PubRel => PacketType::PubRel,
    PubComp => PacketType::PubComp,
}

encodable! {
    Connect => PacketType::Connect,
    ConnAck => PacketType::ConnAck,
    Subscribe => PacketType::Subscribe,
    SubAck => PacketType::SubAck,
    Unsubscribe => PacketType::Unsubscribe,
    UnsubAck => PacketType::UnsubAck,
    Disconnect => PacketType::Disconnect,
    Auth => PacketType::Auth,
}

#[cfg(test)]
mod tests {
    use alloc::vec;

    use bytes::BytesMut;
    use mqtt_topic::{TopicFilter, TopicName};

    use super::*;
    use crate::{Delivery, PacketId, ProtocolVersion, QoS, ReasonCode, Subscription};

    /// Each packet struct encodes to the same bytes, and the same length, as the `Packet` that
    /// holds it, for every version and both directions.
    #[test]
    fn a_packet_struct_encodes_as_its_packet() {
        let id = PacketId::new(9).unwrap();
        let mut publish = Publish::new(TopicName::new("a/b").unwrap(), &b"hello"[..]);
        publish.delivery = Delivery::ExactlyOnce(id);
        publish.dup = true;
        let filter = TopicFilter::new("a/+").unwrap();
        let packets = vec![
            Packet::Publish(publish),
            Packet::from(Connect::new(
                ProtocolVersion::V3_1_1,
                crate::MqttString::new("c").unwrap(),
            )),
            Packet::ConnAck(ConnAck::new(false, ReasonCode::SUCCESS)),
            Packet::PubAck(PubAck::new(id)),
            Packet::PubRec(PubRec::new(id)),
            Packet::PubRel(PubRel::new(id)),
            Packet::PubComp(PubComp::new(id)),
            Packet::Subscribe(Subscribe::new(
                id,
                vec![Subscription::new(filter.clone(), QoS::AtLeastOnce)],
            )),
            Packet::SubAck(SubAck::new(id, vec![ReasonCode::GRANTED_QOS_1])),
            Packet::Unsubscribe(Unsubscribe::new(id, vec![filter])),
            Packet::UnsubAck(UnsubAck::new(id, vec![])),
            Packet::Disconnect(Disconnect::new()),
        ];
        for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
            for encoder in [
                Encoder::new(version),
                Encoder::client(version),
                Encoder::server(version),
            ] {
                for packet in &packets {
                    let whole = encoder.encoded_len(packet);
                    let mut want = BytesMut::new();
                    let _ = encoder.encode(packet, &mut want);
                    let mut got = BytesMut::new();
                    let (len, written) = match packet {
                        Packet::Publish(p) => (encoder.encoded_len(p), encoder.encode(p, &mut got)),
                        Packet::Connect(p) => {
                            (encoder.encoded_len(&**p), encoder.encode(&**p, &mut got))
                        }
                        Packet::ConnAck(p) => (encoder.encoded_len(p), encoder.encode(p, &mut got)),
                        Packet::PubAck(p) => (encoder.encoded_len(p), encoder.encode(p, &mut got)),
                        Packet::PubRec(p) => (encoder.encoded_len(p), encoder.encode(p, &mut got)),
                        Packet::PubRel(p) => (encoder.encoded_len(p), encoder.encode(p, &mut got)),
                        Packet::PubComp(p) => (encoder.encoded_len(p), encoder.encode(p, &mut got)),
                        Packet::Subscribe(p) => {
                            (encoder.encoded_len(p), encoder.encode(p, &mut got))
                        }
                        Packet::SubAck(p) => (encoder.encoded_len(p), encoder.encode(p, &mut got)),
                        Packet::Unsubscribe(p) => {
                            (encoder.encoded_len(p), encoder.encode(p, &mut got))
                        }
                        Packet::UnsubAck(p) => {
                            (encoder.encoded_len(p), encoder.encode(p, &mut got))
                        }
                        Packet::Disconnect(p) => {
                            (encoder.encoded_len(p), encoder.encode(p, &mut got))
                        }
                        other => panic!("not in the list: {other:?}"),
                    };
                    assert_eq!(len, whole, "{version:?} {packet:?}");
                    assert_eq!(written, whole, "{version:?} {packet:?}");
                    assert_eq!(got, want, "{version:?} {packet:?}");
                }
            }
        }
    }
}
