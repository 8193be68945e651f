//! Shared test support: the in-memory harness (a client session and a scripted server).

pub mod conformance;
pub mod harness;
