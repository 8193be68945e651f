//! A zero-copy, streaming, strict codec for every MQTT 3.1, 3.1.1 and 5.0 control packet.
//!
//! Sans-IO: bytes in, [`Packet`]s out, and packets into a caller-owned
//! [`BytesMut`](bytes::BytesMut). The crate never touches a socket, a clock or a thread, and it
//! is `no_std` + `alloc`.
//!
//! - **Streaming**: [`Decoder::decode`] returns `Ok(None)` until a whole packet is buffered and
//!   leaves partial input in place.
//! - **Zero-copy**: topics, strings, binary data, user properties and payloads are slices of the
//!   received frame ([`bytes::Bytes`]); decoding a PUBLISH allocates nothing.
//! - **Size guard**: [`Limits::max_packet_size`] is checked from the fixed header, so a peer
//!   announcing 256 MB is refused before anything is buffered.
//! - **Strict**: every syntactic rule the spec gives the receiver is checked; each failure is a
//!   [`DecodeError`] naming the rule (e.g. `[MQTT-3.3.1-4]`) with the 5.0
//!   [`reason code`](DecodeError::reason_code) the peer should get. Nothing panics on any input.
//! - **Encode in place**: [`Encoder::encode`] takes a [`Packet`] or any packet struct
//!   ([`Encodable`]), so a `Publish` kept elsewhere is written without moving it into a
//!   `Packet`.
//! - **One packet model** for all versions: 5.0-only fields are empty in 3.x, and encoding 5.0
//!   content for a 3.x peer is an [`EncodeError::NotInVersion`], never a silent drop.
//!
//! Stateful rules (packet identifier reuse, topic alias ranges, receive maximum, keep-alive)
//! belong to `mqtt-session`.
//!
//! # Example
//!
//! ```
//! use bytes::BytesMut;
//! use mqtt_codec::{Decoder, Delivery, Encoder, Limits, Packet, PacketId, ProtocolVersion, Publish};
//! use mqtt_codec::topic::TopicName;
//!
//! // Encode a QoS 1 PUBLISH into a reused buffer (any packet struct, or a whole `Packet`).
//! let mut publish = Publish::new(TopicName::new("sensors/1/temp")?, &b"21.5"[..]);
//! publish.delivery = Delivery::AtLeastOnce(PacketId::new(7).unwrap());
//! let encoder = Encoder::new(ProtocolVersion::V3_1_1);
//! let mut wire = BytesMut::new();
//! let written = encoder.encode(&publish, &mut wire)?;
//! assert_eq!(written, wire.len());
//! assert_eq!(encoder.encoded_len(&Packet::Publish(publish.clone()))?, written);
//!
//! // Feed it to a decoder one byte at a time, as a socket might.
//! let mut decoder = Decoder::new(ProtocolVersion::V3_1_1, Limits::default());
//! let mut rx = BytesMut::new();
//! let mut decoded = None;
//! for byte in wire.iter() {
//!     rx.extend_from_slice(&[*byte]);
//!     if let Some(packet) = decoder.decode(&mut rx)? {
//!         decoded = Some(packet);
//!     }
//! }
//! assert_eq!(decoded, Some(Packet::Publish(publish)));
//!
//! // Malformed input is a typed error with the reason code a 5.0 peer would get.
//! let mut bad = BytesMut::from(&[0x36u8, 0x00][..]); // PUBLISH with QoS 3
//! let err = decoder.decode(&mut bad).unwrap_err();
//! assert_eq!(err.reason_code(), mqtt_codec::ReasonCode::MALFORMED_PACKET);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![no_std]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod decoder;
mod encodable;
mod encoder;
mod error;
mod fixed_header;
mod limits;
mod packet;
mod packet_id;
mod properties;
mod qos;
mod reader;
mod reason_code;
mod string;
mod varint;
mod version;
mod writer;

pub use bytes;
pub use mqtt_topic as topic;

pub use crate::decoder::{Decoder, decode_frame};
pub use crate::encodable::Encodable;
pub use crate::encoder::Encoder;
pub use crate::error::{DecodeError, EncodeError, Sender};
pub use crate::fixed_header::PacketType;
pub use crate::limits::Limits;
pub use crate::packet::{
    Auth, ConnAck, Connect, Disconnect, Packet, PubAck, PubComp, PubRec, PubRel, Publish,
    PublishTopic, SubAck, Subscribe, Subscription, SubscriptionOptions, UnsubAck, Unsubscribe,
    Will,
};
pub use crate::packet_id::PacketId;
pub use crate::properties::{
    AckProperties, AuthProperties, ConnAckProperties, ConnectProperties, DisconnectProperties,
    PayloadFormat, PublishProperties, SubscribeProperties, SubscriptionId, SubscriptionIds,
    SubscriptionIdsIter, UnsubscribeProperties, UserProperties, UserPropertiesIter, WillProperties,
};
pub use crate::qos::{Delivery, InvalidQoS, QoS, RetainHandling};
pub use crate::reason_code::ReasonCode;
pub use crate::string::{BinaryData, MqttString, StringError};
pub use crate::version::ProtocolVersion;
