//! Sans-IO MQTT session state machines (client and server).
//!
//! **Not built yet.** This crate reserves its place in the workspace so that the dependency
//! direction `mqtt-topic` ← `mqtt-codec` ← `mqtt-session` is fixed from the start. The client
//! session and the server session are tracked as separate issues; until they land this crate
//! exports only the re-exports below, so that nothing here can be mistaken for a working session.
//!
//! ```
//! // The crates this one builds on are usable today:
//! use mqtt_session::codec::ProtocolVersion;
//! assert_eq!(ProtocolVersion::V5.level(), 5);
//! ```
#![no_std]

pub use mqtt_codec as codec;
pub use mqtt_topic as topic;
