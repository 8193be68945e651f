//! Shared test support: the in-memory harnesses (a client session and a scripted server;
//! a client session joined to a server session) and conformance helpers.

pub mod conformance;
pub mod harness;
pub mod pair;
pub mod server_conformance;
