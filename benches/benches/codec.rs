//! Codec benchmarks, workloads 1–5 (see `src/workloads.rs`): ours beside every peer that speaks
//! the workload's version, in one run. Each implementation is checked (decoded fields, digest,
//! encoded bytes) before it is timed; a failed check aborts the run.
//!
//! Decoders get a fresh input per iteration, built outside the timed region (`iter_batched_ref`):
//! a `BytesMut` copy of the bytes for the decoders that split frames off a buffer, the bytes
//! themselves for the ones that borrow.

use std::hint::black_box;
use std::time::Duration;

use benches::checks;
use benches::codec::mqtt_proto::{MqttProtoEncoder, MqttProtoV3, MqttProtoV5};
use benches::codec::mqtt_protocol_core::{MqttProtocolCore, MqttProtocolCoreEncoder};
use benches::codec::mqttrs::{Mqttrs, MqttrsEncoder};
use benches::codec::ntex_mqtt::{NtexEncoder, NtexV3, NtexV5};
use benches::codec::ours::{Ours, OursEncoder};
use benches::codec::rumqttc::{RumqttcEncoder, RumqttcV4, RumqttcV5};
use benches::codec::{Decode, Encode, decode_digest};
use benches::workloads::{self, CodecWorkload, LARGE_PAYLOAD, header_scan};
use criterion::measurement::WallTime;
use criterion::{
    BatchSize, BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main,
};

fn bench_decode<D: Decode>(g: &mut BenchmarkGroup<'_, WallTime>, w: &CodecWorkload) {
    let Some(mut d) = D::new(w.v5) else { return };
    if let Err(e) = checks::decode::<D>(w) {
        panic!("check failed, not timing {}: {e}", D::NAME);
    }
    g.bench_function(D::NAME, |b| {
        b.iter_batched_ref(
            || D::prepare(&w.wire),
            |input| black_box(decode_digest(&mut d, input)),
            BatchSize::LargeInput,
        );
    });
}

fn decode_all(g: &mut BenchmarkGroup<'_, WallTime>, w: &CodecWorkload) {
    bench_decode::<Ours>(g, w);
    bench_decode::<RumqttcV4>(g, w);
    bench_decode::<RumqttcV5>(g, w);
    bench_decode::<Mqttrs>(g, w);
    bench_decode::<MqttProtocolCore>(g, w);
    bench_decode::<MqttProtoV3>(g, w);
    bench_decode::<MqttProtoV5>(g, w);
    bench_decode::<NtexV3>(g, w);
    bench_decode::<NtexV5>(g, w);
}

fn decode_group(c: &mut Criterion, w: &CodecWorkload) {
    let mut g = c.benchmark_group(w.name);
    g.throughput(Throughput::Elements(w.packets() as u64));
    decode_all(&mut g, w);
    g.finish();
}

/// Workloads 1, 2 and 4.
fn decode(c: &mut Criterion) {
    decode_group(c, &workloads::publish_v311_qos0());
    decode_group(c, &workloads::publish_v5_qos1());
    decode_group(c, &workloads::mixed_v311());
}

fn bench_encode<E: Encode>(g: &mut BenchmarkGroup<'_, WallTime>, w: &CodecWorkload) {
    if let Err(e) = checks::encode::<E>(w) {
        panic!("check failed, not timing {}: {e}", E::NAME);
    }
    let packets: Vec<E::Packet> = w.publishes().into_iter().map(E::build).collect();
    let mut buf = E::buffer();
    // Grow the reused buffer once, as a connection's send buffer would be.
    let _ = E::encode_all(&packets, &mut buf);
    g.bench_function(E::NAME, |b| {
        b.iter(|| black_box(E::encode_all(black_box(&packets), &mut buf)))
    });
}

/// Workload 3.
fn encode(c: &mut Criterion) {
    let w = workloads::encode_v311_qos1();
    let mut g = c.benchmark_group(w.name);
    g.throughput(Throughput::Elements(w.packets() as u64));
    bench_encode::<OursEncoder>(&mut g, &w);
    bench_encode::<RumqttcEncoder>(&mut g, &w);
    bench_encode::<MqttrsEncoder>(&mut g, &w);
    bench_encode::<MqttProtocolCoreEncoder>(&mut g, &w);
    bench_encode::<MqttProtoEncoder>(&mut g, &w);
    bench_encode::<NtexEncoder>(&mut g, &w);
    g.finish();
}

/// Workload 5: 100 PUBLISH of 64 KiB beside a plain memcpy of the same bytes and a header-only
/// scan, and the same 100 PUBLISH with 64 B payloads: a zero-copy decoder costs the same per
/// packet in both.
fn large(c: &mut Criterion) {
    for payload in [LARGE_PAYLOAD, 64] {
        let w = workloads::large_publish(payload);
        let mut g = c.benchmark_group(w.name);
        g.throughput(Throughput::Elements(w.packets() as u64));
        decode_all(&mut g, &w);
        assert_eq!(header_scan(&w.wire), w.packets(), "header scan check");
        g.bench_function("baseline: header-only scan", |b| {
            b.iter(|| black_box(header_scan(black_box(&w.wire))));
        });
        g.bench_function("baseline: memcpy of the bytes", |b| {
            b.iter_batched_ref(
                || vec![1u8; w.wire.len()],
                |dst| dst.copy_from_slice(black_box(&w.wire)),
                BatchSize::LargeInput,
            );
        });
        g.finish();
    }
}

// Workload 7 (QoS 1 and QoS 2 end to end through ClientSession and ServerSession in memory) is
// in `benches/session.rs`. Putting mqtt-protocol-core's sans-IO `Connection` beside it is not
// done yet.

fn config() -> Criterion {
    // 2 cores shared with other work: short, repeatable runs; `cargo bench -p benches` (codec and
    // topic) stays under 10 minutes. Command-line flags (`--measurement-time 2`) still override.
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30)
}

criterion_group! {
    name = codec;
    config = config();
    targets = decode, encode, large
}
criterion_main!(codec);
