//! Profiling driver: runs one of our workloads in a loop, with nothing else in the process, so
//! that `valgrind --tool=callgrind` (instruction counts, repeatable) or `perf` sees only it.
//!
//! ```text
//! cargo build --profile bench -p benches --bin profile
//! valgrind --tool=callgrind target/release/profile w1 200
//! ```
//!
//! Workloads: `w1` `w2` `w4` (decode), `w3` (encode), `w6-10k` `w6-100k` (trie lookups of all
//! 10,000 names), `w7-311-qos1` `w7-311-qos2` `w7-5-qos1` `w7-5-qos2` (session batches of
//! 64 messages). The second argument is the iteration count. Each workload is checked once
//! before the loop, as in the benches; the loop prints a digest so that nothing is optimised
//! away.

use std::hint::black_box;
use std::process::ExitCode;

use benches::checks;
use benches::codec::ours::{Ours, OursEncoder};
use benches::codec::{Decode, Encode, decode_digest};
use benches::session::Pair;
use benches::topic::{OursTrie, Trie};
use benches::workloads::{self, CodecWorkload};
use mqtt_codec::{ProtocolVersion, QoS};

fn decode(w: &CodecWorkload, iterations: usize) -> u64 {
    checks::decode::<Ours>(w).expect("check");
    let mut d = Ours::new(w.v5).expect("version");
    let mut sum = 0u64;
    for _ in 0..iterations {
        let mut input = Ours::prepare(&w.wire);
        let (_, digest) = decode_digest(&mut d, &mut input).expect("decode");
        sum = sum.wrapping_add(digest);
    }
    sum
}

fn encode(w: &CodecWorkload, iterations: usize) -> u64 {
    checks::encode::<OursEncoder>(w).expect("check");
    let packets: Vec<_> = w.publishes().into_iter().map(OursEncoder::build).collect();
    let mut buf = OursEncoder::buffer();
    let mut sum = 0u64;
    for _ in 0..iterations {
        let n = OursEncoder::encode_all(black_box(&packets), &mut buf).expect("encode");
        sum = sum.wrapping_add(n as u64);
    }
    sum
}

fn trie(filters: usize, iterations: usize) -> u64 {
    let w = workloads::topic_workload(filters);
    let index = OursTrie::build(&w.filters);
    let names: Vec<_> = w.names.iter().map(|n| OursTrie::name(n)).collect();
    let mut sum = 0u64;
    for _ in 0..iterations {
        for n in &names {
            sum = sum.wrapping_add(OursTrie::count(black_box(&index), n) as u64);
        }
    }
    sum
}

fn session(version: ProtocolVersion, qos: QoS, iterations: usize) -> u64 {
    let mut pair = Pair::new(version, qos);
    pair.check();
    let mut sum = 0u64;
    for _ in 0..iterations {
        let (a, b) = black_box(pair.run_batch());
        sum = sum.wrapping_add((a.client_delivered + b.received.len()) as u64);
    }
    sum
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(name), Some(iterations)) = (
        args.first(),
        args.get(1).and_then(|n| n.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: profile <w1|w2|w3|w4|w6-10k|w6-100k|w7-311-qos1|...> <iterations>");
        return ExitCode::from(2);
    };
    let digest = match name.as_str() {
        "w1" => decode(&workloads::publish_v311_qos0(), iterations),
        "w2" => decode(&workloads::publish_v5_qos1(), iterations),
        "w3" => encode(&workloads::encode_v311_qos1(), iterations),
        "w4" => decode(&workloads::mixed_v311(), iterations),
        "w6-10k" => trie(10_000, iterations),
        "w6-100k" => trie(100_000, iterations),
        "w7-311-qos1" => session(ProtocolVersion::V3_1_1, QoS::AtLeastOnce, iterations),
        "w7-311-qos2" => session(ProtocolVersion::V3_1_1, QoS::ExactlyOnce, iterations),
        "w7-5-qos1" => session(ProtocolVersion::V5, QoS::AtLeastOnce, iterations),
        "w7-5-qos2" => session(ProtocolVersion::V5, QoS::ExactlyOnce, iterations),
        other => {
            eprintln!("unknown workload {other}");
            return ExitCode::from(2);
        }
    };
    println!("{name} x {iterations}: digest {digest}");
    ExitCode::SUCCESS
}
