//! MQTT topic names and filters, wildcard matching, a subscription trie and a retained-message
//! index, for MQTT 3.1, 3.1.1 and 5.0. Sans-IO and `#![no_std]` + `alloc`: no I/O, no clock, no
//! randomness (a caller that wants seeded hashing passes the seed), runtime dependencies
//! `bytes` and `thiserror` only.
//!
//! - [`TopicName`] and [`TopicFilter`] are valid by construction (parse, don't validate); a
//!   [`TopicError`] says which rule a string broke, with its normative id. Both hold a
//!   [`bytes::Bytes`], so a codec hands out zero-copy slices of a received frame.
//! - [`matches()`] and [`TopicFilter::matches`] implement MQTT §4.7: `+` matches one level
//!   (possibly empty), `#` the parent level and everything below, and filters starting with a
//!   wildcard never match `$` names [MQTT-4.7.2-1].
//! - [`TopicDialect`] says which version's rules apply: shared subscriptions
//!   (`$share/{ShareName}/{filter}`) exist in 5.0 only; 3.1.1 reads them as ordinary filters.
//! - [`SubscriptionTrie`] finds every subscription matching a PUBLISH without allocating, and
//!   reports each shared group once with its members ([`RoundRobin`] picks one).
//! - [`RetainedIndex`] finds the retained messages a new subscription matches, walking only
//!   the branches the filter reaches.
//!
//! Both containers share one node store (level texts interned once, 24-byte nodes, a hash
//! index keyed by (parent, level text hash)); see [`SubscriptionTrie`] for the memory per filter.
//!
//! ```
//! use mqtt_topic::{SubscriptionTrie, TopicFilter, TopicName, matches};
//!
//! let filter = TopicFilter::new("home/+/temperature").unwrap();
//! let name = TopicName::new("home/kitchen/temperature").unwrap();
//! assert!(filter.matches(&name));
//! assert!(matches("home/#", "home"));
//! assert!(!matches("#", "$SYS/uptime"));
//!
//! let mut trie = SubscriptionTrie::new();
//! trie.insert(&filter, "client-a");
//! trie.insert(&TopicFilter::new("home/#").unwrap(), "client-b");
//! trie.insert(&TopicFilter::new("$share/log/home/#").unwrap(), "logger-1");
//! let mut direct = Vec::new();
//! let mut groups = Vec::new();
//! for m in trie.matches(&name) {
//!     match m.share_group() {
//!         None => direct.extend(m.values().iter().copied()),
//!         Some(group) => groups.push((group, m.values().len())),
//!     }
//! }
//! direct.sort();
//! assert_eq!(direct, ["client-a", "client-b"]);
//! assert_eq!(groups, [("log", 1)]);
//! ```
//!
//! Features: `std` (default; only turns on `bytes/std`: the crate itself never needs `std`,
//! and [`TopicError`] implements `core::error::Error` either way), `serde` (names and filters
//! serialize as strings and are validated when deserialized).
#![no_std]

extern crate alloc;

mod error;
mod filter;
mod levels;
mod matching;
mod name;
mod retained;
#[cfg(feature = "serde")]
mod serde_impls;
mod share;
mod tree;
mod trie;

pub use error::TopicError;
pub use filter::{TopicDialect, TopicFilter};
pub use levels::Levels;
pub use matching::matches;
pub use name::{MAX_TOPIC_LEN, TopicName};
pub use retained::{Matching, RetainedIndex, RetainedIter};
pub use share::RoundRobin;
pub use tree::TopicPath;
pub use trie::{Iter, Match, Matches, SubscriptionTrie};
