//! Allocation report: heap allocations and bytes per operation (packet decoded or encoded, name
//! looked up) for ours and every peer on workloads 1–6, counted with the workspace's
//! `CountingAllocator`. Inputs are built before counting, exactly as the benches build them
//! outside the timed region; every implementation is checked first.
//!
//! `cargo run --release -p benches --bin alloc_report` prints a Markdown table.

use std::mem::size_of;

use benches::checks;
use benches::codec::mqtt_proto::{MqttProtoEncoder, MqttProtoV3, MqttProtoV5};
use benches::codec::mqtt_protocol_core::{MqttProtocolCore, MqttProtocolCoreEncoder};
use benches::codec::mqttrs::{Mqttrs, MqttrsEncoder};
use benches::codec::ntex_mqtt::{NtexEncoder, NtexV3, NtexV5};
use benches::codec::ours::{Ours, OursEncoder};
use benches::codec::rumqttc::{RumqttcEncoder, RumqttcV4, RumqttcV5};
use benches::codec::{Decode, Encode, decode_digest};
use benches::topic::{
    Linear, NtexTopicFilter, OursStr, OursTrie, OursTyped, Quill, RumqttcMatches, TopicEngine,
    Trie, linear_count,
};
use benches::workloads::{self, CodecWorkload, LARGE_PAYLOAD, TopicWorkload};
use mqtt_testkit::{CountingAllocator, count_allocations};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator;

fn row(workload: &str, name: &str, ops: usize, allocs: u64, bytes: u64, note: &str) {
    let ops = ops as f64;
    println!(
        "| {workload} | {name} | {:.4} | {:.1} | {note} |",
        allocs as f64 / ops,
        bytes as f64 / ops
    );
}

fn decode<D: Decode>(w: &CodecWorkload) {
    let Some(mut d) = D::new(w.v5) else { return };
    if let Err(e) = checks::decode::<D>(w) {
        println!("| {} | {} | check failed: {e} | | |", w.name, D::NAME);
        return;
    }
    let mut input = D::prepare(&w.wire);
    let (n, r) = count_allocations(|| decode_digest(&mut d, &mut input));
    let packets = r.map(|(p, _)| p).unwrap_or(0);
    let note = format!("packet value: {} B", size_of::<D::Packet<'static>>());
    row(w.name, D::NAME, packets, n.allocations, n.bytes, &note);
}

fn decode_all(w: &CodecWorkload) {
    decode::<Ours>(w);
    decode::<RumqttcV4>(w);
    decode::<RumqttcV5>(w);
    decode::<Mqttrs>(w);
    decode::<MqttProtocolCore>(w);
    decode::<MqttProtoV3>(w);
    decode::<MqttProtoV5>(w);
    decode::<NtexV3>(w);
    decode::<NtexV5>(w);
}

fn encode<E: Encode>(w: &CodecWorkload) {
    if let Err(e) = checks::encode::<E>(w) {
        println!("| {} | {} | check failed: {e} | | |", w.name, E::NAME);
        return;
    }
    let packets: Vec<E::Packet> = w.publishes().into_iter().map(E::build).collect();
    let mut buf = E::buffer();
    // The buffer is reused: grown once, before counting.
    let _ = E::encode_all(&packets, &mut buf);
    let (n, _) = count_allocations(|| E::encode_all(&packets, &mut buf));
    row(
        w.name,
        E::NAME,
        packets.len(),
        n.allocations,
        n.bytes,
        "reused buffer",
    );
}

fn linear<L: Linear>(w: &TopicWorkload, names: &[String], want: &[usize]) {
    if let Err(e) = checks::linear::<L>(w, names, want) {
        println!(
            "| w6_linear_10k_filters | {} | check failed: {e} | | |",
            L::NAME
        );
        return;
    }
    let filters: Vec<L::Filter> = w.filters.iter().map(|f| L::filter(f)).collect();
    let names: Vec<L::Name> = names.iter().map(|n| L::name(n)).collect();
    let (n, _) = count_allocations(|| {
        names
            .iter()
            .map(|n| linear_count::<L>(&filters, n))
            .sum::<usize>()
    });
    row(
        "w6_linear_10k_filters",
        L::NAME,
        names.len(),
        n.allocations,
        n.bytes,
        "per name × 10,000 filters",
    );
}

fn trie<T: Trie>(
    w: &TopicWorkload,
    label: &str,
    sample_want: &[usize],
    agreed: Option<&[usize]>,
) -> Vec<usize> {
    let index = T::build(&w.filters);
    let counts = checks::trie_counts::<T>(&index, &w.names);
    if let Err(e) = checks::trie::<T>(&counts, &w.names, sample_want, agreed) {
        println!("| {label} | {} | check failed: {e} | | |", T::NAME);
        return counts;
    }
    let names: Vec<T::Name> = w.names.iter().map(|n| T::name(n)).collect();
    let (n, _) = count_allocations(|| names.iter().map(|n| T::count(&index, n)).sum::<usize>());
    let matched: usize = counts.iter().sum();
    let note = format!(
        "per lookup ({:.1} matching filters on average)",
        matched as f64 / names.len() as f64
    );
    row(label, T::NAME, names.len(), n.allocations, n.bytes, &note);
    counts
}

fn main() {
    println!("| workload | implementation | allocations/op | bytes/op | note |");
    println!("|---|---|---:|---:|---|");
    decode_all(&workloads::publish_v311_qos0());
    decode_all(&workloads::publish_v5_qos1());
    let w3 = workloads::encode_v311_qos1();
    encode::<OursEncoder>(&w3);
    encode::<RumqttcEncoder>(&w3);
    encode::<MqttrsEncoder>(&w3);
    encode::<MqttProtocolCoreEncoder>(&w3);
    encode::<MqttProtoEncoder>(&w3);
    encode::<NtexEncoder>(&w3);
    decode_all(&workloads::mixed_v311());
    decode_all(&workloads::large_publish(LARGE_PAYLOAD));
    decode_all(&workloads::large_publish(64));

    let w = workloads::topic_workload(10_000);
    let names = &w.names[..100];
    let want = checks::reference_counts(&w, names);
    linear::<OursStr>(&w, names, &want);
    linear::<OursTyped>(&w, names, &want);
    linear::<RumqttcMatches>(&w, names, &want);
    linear::<NtexTopicFilter>(&w, names, &want);
    for (filters, sample) in [(10_000, 500), (100_000, 100), (1_000_000, 20)] {
        let w = workloads::topic_workload(filters);
        let want = checks::reference_counts(&w, &w.names[..sample]);
        let label = format!("w6_trie_{}k_filters", filters / 1000);
        let ours = trie::<OursTrie>(&w, &label, &want, None);
        trie::<TopicEngine>(&w, &label, &want, Some(&ours));
        trie::<Quill>(&w, &label, &want, Some(&ours));
    }
}
