//! Benchmarks of the workspace beside peer MQTT crates, with the workloads, adapters and checks
//! they share with the allocation report (`src/bin/alloc_report.rs`) and the differential tests
//! (`tests/differential_<peer>.rs`).
//!
//! - [`workloads`]: the inputs of the workloads 1–6, generated from fixed seeds.
//! - [`frame`]: the neutral packet model every decoder's output is checked against, and an
//!   independent reference writer.
//! - [`codec`] and [`topic`]: one adapter per implementation, each using the crate's own public
//!   receive/send or matching API.
//! - [`checks`]: every implementation's answer is checked (decoded fields, encoded bytes, match
//!   counts) before it is timed, so a wrong answer cannot look fast.
//! - [`session`]: workload 7, two clients and their server sessions joined in memory.
//! - [`differential`]: the same bytes, valid and invalid, through our decoder and a peer's.
//!
//! Run `cargo bench -p benches` for everything (under 10 minutes on 2 cores) and
//! `cargo run --release -p benches --bin alloc_report` for allocations per operation.

pub mod checks;
pub mod codec;
pub mod differential;
pub mod frame;
pub mod quiet_panics;
pub mod session;
pub mod topic;
pub mod workloads;
