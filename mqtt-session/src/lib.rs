//! Sans-IO MQTT session state machines (client and server) — **in progress**.
//!
//! What exists today are the building blocks every session is made of:
//!
//! - [`Instant`]: the crate's only notion of time, a monotonic timestamp the caller passes in
//!   (this crate never reads a clock).
//! - [`PacketIdAllocator`]: packet identifiers for outbound PUBLISH (QoS 1/2), SUBSCRIBE and
//!   UNSUBSCRIBE, never reusing one still in flight, wrapping past 65,535, and failing with
//!   [`UsageError::PacketIdsExhausted`] when all are in use.
//!
//! The client session (`ClientSession`) and the server session (`ServerSession`) are tracked as
//! open issues; see the README.
//!
//! ```
//! use core::time::Duration;
//! use mqtt_session::{Instant, PacketIdAllocator};
//!
//! let now = Instant::from_secs(5);
//! assert_eq!(now + Duration::from_millis(500), Instant::from_millis(5_500));
//!
//! let mut ids = PacketIdAllocator::new();
//! let first = ids.allocate()?;
//! assert_eq!(first.get(), 1);
//! ids.release(first);
//! # Ok::<(), mqtt_session::UsageError>(())
//! ```
#![no_std]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod error;
mod packet_ids;
mod time;

pub use mqtt_codec as codec;
pub use mqtt_topic as topic;

pub use crate::error::UsageError;
pub use crate::packet_ids::PacketIdAllocator;
pub use crate::time::Instant;
