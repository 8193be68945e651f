//! Sans-IO MQTT session state machines: the client session, the server session (one per
//! network connection, driven by a broker), and the QoS machinery they share (packet
//! identifiers, in-flight window, QoS 2 exactly-once, keep-alive, topic aliases, flow control,
//! message expiry, Will timing).
//!
//! Nothing here opens a socket, spawns a thread or reads a clock: bytes and timestamps go in;
//! packets, events, bytes to send and the next deadline come out. `no_std` + `alloc`.
//!
//! - [`Instant`]: the crate's only notion of time, a monotonic timestamp the caller passes in.
//! - [`ClientSession`]: an MQTT 3.1 / 3.1.1 / 5.0 client, configured by [`ClientConfig`];
//!   reports [`ClientEvent`]s.
//! - [`ServerSession`]: the server side of one connection, configured by [`ServerConfig`];
//!   reports [`ServerEvent`]s (CONNECT to accept or refuse, PUBLISH to route, SUBSCRIBE to
//!   grant, Wills to publish); [`ServerSession::deliver`] sends routed messages;
//!   [`ServerSession::offline`] keeps a stored session's Will, expiry and queue running while
//!   its client is away (a broker restart, a session moved between nodes).
//! - [`SessionState`]: what outlives a connection, with a stable, versioned binary encoding
//!   ([`SessionState::encode`], [`SessionState::decode`]) for devices and brokers to persist.
//! - [`PacketIdAllocator`]: packet identifiers never reused while in flight.
//!
//! # The sans-IO contract
//!
//! Inputs are `handle_*` methods, commands are verbs that only queue work, outputs are pulled
//! with `poll_*`. After *any* input or command, drain `poll_transmit` and `poll_event`, then
//! wait until `poll_timeout` or more input. Packets are encoded when they are queued (an
//! in-flight PUBLISH straight from the session's window, never copied into a `Packet`);
//! `poll_transmit` hands the bytes over. Caller misuse is a [`UsageError`] and changes
//! nothing; a peer breaking the protocol closes the session ([`SessionError`], its reason code
//! sent first under 5.0).
//!
//! # Example: a whole client ↔ server exchange in memory
//!
//! ```
//! use mqtt_session::codec::bytes::BytesMut;
//! use mqtt_session::codec::topic::TopicName;
//! use mqtt_session::codec::{ConnAckProperties, MqttString, ProtocolVersion, QoS};
//! use mqtt_session::{
//!     ClientConfig, ClientEvent, ClientSession, Instant, Message, ServerConfig, ServerEvent,
//!     ServerSession,
//! };
//!
//! let now = Instant::ZERO;
//! let config = ClientConfig::new(ProtocolVersion::V5, MqttString::new("sensor-1")?);
//! let mut client = ClientSession::new(config, now);
//! // The broker makes one server session per accepted network connection.
//! let mut server = ServerSession::new(ServerConfig::new(), now);
//! let (mut to_server, mut to_client) = (BytesMut::new(), BytesMut::new());
//!
//! // Transport up: CONNECT goes out; the server reports it and the broker accepts.
//! client.handle_connected(now)?;
//! let _ = client.poll_transmit(now, &mut to_server);
//! server.handle_bytes(now, &mut to_server)?;
//! let Some(ServerEvent::ConnectRequested(connect)) = server.poll_event() else { panic!() };
//! assert_eq!(connect.client_id.as_str(), "sensor-1");
//! server.accept(now, ConnAckProperties::default(), None)?; // no stored session
//! let _ = server.poll_transmit(now, &mut to_client);
//! client.handle_bytes(now, &mut to_client)?;
//! assert_eq!(client.poll_event(), Some(ClientEvent::Connected { session_present: false }));
//!
//! // A QoS 1 publish reaches the server, which acknowledges it.
//! let topic = TopicName::new("sensors/1/temp")?;
//! let id = client.publish(now, Message::new(topic, &b"21.5"[..], QoS::AtLeastOnce))?.unwrap();
//! let _ = client.poll_transmit(now, &mut to_server);
//! server.handle_bytes(now, &mut to_server)?;
//! let Some(ServerEvent::Published(p)) = server.poll_event() else { panic!() };
//! assert_eq!(&p.payload[..], b"21.5"); // routing it is the broker's job
//! let _ = server.poll_transmit(now, &mut to_client);
//! client.handle_bytes(now, &mut to_client)?;
//! assert_eq!(client.poll_event(), Some(ClientEvent::Delivered(id)));
//!
//! // Nothing to do until the client's keep-alive ping (60 s); the server would give up on a
//! // silent client at 1.5 × 60 s.
//! assert_eq!(client.poll_timeout(), Some(Instant::from_secs(60)));
//! assert_eq!(server.poll_timeout(), Some(Instant::from_secs(90)));
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
mod outbox;
mod packet_ids;
mod server;
mod server_config;
mod server_event;
mod state;
mod state_codec;
mod time;
mod topic_alias;
mod will;

pub use mqtt_codec as codec;
pub use mqtt_topic as topic;

pub use crate::client::ClientSession;
pub use crate::config::{ClientConfig, Message};
pub use crate::error::{SessionError, UsageError};
pub use crate::event::{AckToken, ClientEvent, CloseReason, InboundMessage};
pub use crate::flow_control::PeerLimits;
pub use crate::packet_ids::PacketIdAllocator;
pub use crate::server::ServerSession;
pub use crate::server_config::{Outgoing, ServerConfig};
pub use crate::server_event::{ServerCloseReason, ServerEvent};
pub use crate::state::{OutboundMessage, OutboundStage, SessionState, StoredSubscription};
pub use crate::state_codec::{STATE_FORMAT_VERSION, STATE_MAGIC, StateDecodeError};
pub use crate::time::Instant;
