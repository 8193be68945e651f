//! Sans-IO MQTT session state machines: the client session, and the QoS machinery (packet
//! identifiers, in-flight window, QoS 2 exactly-once, keep-alive, topic aliases, flow control,
//! message expiry) written to be shared with the server session.
//!
//! Nothing here opens a socket, spawns a thread or reads a clock: bytes and timestamps go in;
//! packets, events, bytes to send and the next deadline come out. `no_std` + `alloc`.
//!
//! - [`Instant`]: the crate's only notion of time, a monotonic timestamp the caller passes in.
//! - [`ClientSession`]: an MQTT 3.1 / 3.1.1 / 5.0 client, configured by [`ClientConfig`];
//!   reports [`ClientEvent`]s; [`SessionState`] persists its QoS state across restarts.
//! - [`PacketIdAllocator`]: packet identifiers never reused while in flight.
//!
//! # The sans-IO contract
//!
//! Inputs are `handle_*` methods, commands are verbs that only queue work, outputs are pulled
//! with `poll_*`. After *any* input or command, drain [`ClientSession::poll_transmit`] and
//! [`ClientSession::poll_event`], then wait until [`ClientSession::poll_timeout`] or more input.
//! Caller misuse is a [`UsageError`] and changes nothing; a server breaking the protocol closes
//! the session ([`SessionError`], a DISCONNECT with its reason code first under 5.0).
//!
//! # Example: a whole exchange in memory
//!
//! The "server" below is the codec driven by hand.
//!
//! ```
//! use mqtt_session::codec::bytes::BytesMut;
//! use mqtt_session::codec::topic::TopicName;
//! use mqtt_session::codec::{
//!     ConnAck, Decoder, Encoder, Limits, MqttString, Packet, ProtocolVersion, PubAck, QoS,
//!     ReasonCode,
//! };
//! use mqtt_session::{ClientConfig, ClientEvent, ClientSession, Instant, Message};
//!
//! let v5 = ProtocolVersion::V5;
//! let mut now = Instant::ZERO;
//! let config = ClientConfig::new(v5, MqttString::new("sensor-1")?);
//! let mut client = ClientSession::new(config, now);
//!
//! // The server's side of the wire.
//! let mut server_rx = Decoder::awaiting_connect(Limits::default());
//! let server_tx = Encoder::server(v5);
//! let (mut to_server, mut to_client) = (BytesMut::new(), BytesMut::new());
//!
//! // Transport up: the client sends CONNECT.
//! client.handle_connected(now)?;
//! let _ = client.poll_transmit(now, &mut to_server);
//! assert!(matches!(server_rx.decode(&mut to_server)?, Some(Packet::Connect(_))));
//!
//! // The server accepts.
//! server_tx.encode(&Packet::ConnAck(ConnAck::new(false, ReasonCode::SUCCESS)), &mut to_client)?;
//! client.handle_bytes(now, &mut to_client)?;
//! assert_eq!(client.poll_event(), Some(ClientEvent::Connected { session_present: false }));
//!
//! // A QoS 1 publish goes out and is acknowledged.
//! let topic = TopicName::new("sensors/1/temp")?;
//! let id = client.publish(now, Message::new(topic, &b"21.5"[..], QoS::AtLeastOnce))?.unwrap();
//! let _ = client.poll_transmit(now, &mut to_server);
//! let Some(Packet::Publish(p)) = server_rx.decode(&mut to_server)? else { panic!() };
//! assert_eq!(p.delivery.packet_id(), Some(id));
//! server_tx.encode(&Packet::PubAck(PubAck::new(id)), &mut to_client)?;
//! now = Instant::from_secs(1);
//! client.handle_bytes(now, &mut to_client)?;
//! assert_eq!(client.poll_event(), Some(ClientEvent::Delivered(id)));
//!
//! // Nothing to do until the keep-alive (60 s after the last bytes sent).
//! assert_eq!(client.poll_timeout(), Some(Instant::from_secs(60)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![no_std]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod client;
mod config;
mod error;
mod event;
mod expiry;
mod flow_control;
mod inbound_qos2;
mod inflight;
mod keep_alive;
mod packet_ids;
mod state;
mod time;
mod topic_alias;

pub use mqtt_codec as codec;
pub use mqtt_topic as topic;

pub use crate::client::ClientSession;
pub use crate::config::{ClientConfig, Message};
pub use crate::error::{SessionError, UsageError};
pub use crate::event::{AckToken, ClientEvent, CloseReason, InboundMessage};
pub use crate::flow_control::PeerLimits;
pub use crate::packet_ids::PacketIdAllocator;
pub use crate::state::{OutboundMessage, OutboundStage, SessionState};
pub use crate::time::Instant;
