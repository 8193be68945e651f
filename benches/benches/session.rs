//! Session benchmark, workload 7: QoS 1 and QoS 2 messages end to end through the sessions, in
//! memory, codec included: client A → server session A → (broker: a match, one `deliver`) →
//! server session B → client B, with every acknowledgment flowing back on both legs.
//!
//! One iteration is one [`Pair::run_batch`] of [`BATCH`] messages (see `src/session.rs`);
//! throughput is reported per message. Before timing, one batch is checked: right count, right
//! payloads, in order, nothing left in flight.
//!
//! No peer crate offers sans-IO client and server sessions to put beside ours, so this group
//! has only our numbers.

use std::hint::black_box;
use std::time::Duration;

use benches::session::{BATCH, Pair};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mqtt_codec::{ProtocolVersion, QoS};

fn session(c: &mut Criterion) {
    let mut g = c.benchmark_group("7_session_end_to_end");
    g.throughput(Throughput::Elements(BATCH as u64));
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(3));
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        for qos in [QoS::AtLeastOnce, QoS::ExactlyOnce] {
            let mut pair = Pair::new(version, qos);
            pair.check();
            let name = format!("{version}/qos{}", qos.as_u8());
            g.bench_function(name, |bench| bench.iter(|| black_box(pair.run_batch())));
        }
    }
    g.finish();
}

criterion_group!(benches, session);
criterion_main!(benches);
