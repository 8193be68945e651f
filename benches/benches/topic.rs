//! Topic matching benchmarks, workload 6 (see `src/workloads.rs`): linear matching of one name
//! against each of 10,000 filters, and trie lookups against 10,000, 100,000 and 1,000,000 filters
//! (tries only at 100k and 1M). Ours beside every peer, one run.
//!
//! Checks before timing: linear matchers against the reference matcher on the names they are
//! timed on; tries against the reference on a sample of names, and against each other on all
//! 10,000 names.

use std::hint::black_box;
use std::time::Duration;

use benches::checks;
use benches::topic::{
    Linear, NtexTopicFilter, OursStr, OursTrie, OursTyped, Quill, RumqttcMatches, TopicEngine,
    Trie, linear_count,
};
use benches::workloads::{TopicWorkload, topic_workload};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};

/// Names matched per iteration of the linear benches (each against all 10,000 filters).
const LINEAR_NAMES: usize = 100;

fn bench_linear<L: Linear>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    w: &TopicWorkload,
    names: &[String],
    want: &[usize],
) {
    if let Err(e) = checks::linear::<L>(w, names, want) {
        panic!("check failed, not timing {}: {e}", L::NAME);
    }
    let filters: Vec<L::Filter> = w.filters.iter().map(|f| L::filter(f)).collect();
    let names: Vec<L::Name> = names.iter().map(|n| L::name(n)).collect();
    g.bench_function(L::NAME, |b| {
        b.iter(|| {
            names
                .iter()
                .map(|n| linear_count::<L>(black_box(&filters), n))
                .sum::<usize>()
        });
    });
}

/// Linear matching: 100 names, each against all 10,000 filters.
fn linear(c: &mut Criterion) {
    let w = topic_workload(10_000);
    let names = &w.names[..LINEAR_NAMES];
    let want = checks::reference_counts(&w, names);
    let mut g = c.benchmark_group("w6_linear_10k_filters");
    // One element = one name matched against all 10,000 filters.
    g.throughput(Throughput::Elements(LINEAR_NAMES as u64));
    bench_linear::<OursStr>(&mut g, &w, names, &want);
    bench_linear::<OursTyped>(&mut g, &w, names, &want);
    bench_linear::<RumqttcMatches>(&mut g, &w, names, &want);
    bench_linear::<NtexTopicFilter>(&mut g, &w, names, &want);
    g.finish();
}

/// Builds `T`'s index, checks it, times one lookup per name (all 10,000 names per iteration) and
/// drops it; returns its per-name counts.
fn bench_trie<T: Trie>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    w: &TopicWorkload,
    sample_want: &[usize],
    agreed: Option<&[usize]>,
) -> Vec<usize> {
    let index = T::build(&w.filters);
    let counts = checks::trie_counts::<T>(&index, &w.names);
    if let Err(e) = checks::trie::<T>(&counts, &w.names, sample_want, agreed) {
        panic!("check failed, not timing {}: {e}", T::NAME);
    }
    let names: Vec<T::Name> = w.names.iter().map(|n| T::name(n)).collect();
    g.bench_function(T::NAME, |b| {
        b.iter(|| {
            names
                .iter()
                .map(|n| T::count(black_box(&index), n))
                .sum::<usize>()
        });
    });
    counts
}

fn trie_group(c: &mut Criterion, filters: usize, sample: usize) {
    let w = topic_workload(filters);
    let want = checks::reference_counts(&w, &w.names[..sample]);
    let mut g = c.benchmark_group(format!("w6_trie_{}k_filters", filters / 1000));
    g.throughput(Throughput::Elements(w.names.len() as u64));
    let ours = bench_trie::<OursTrie>(&mut g, &w, &want, None);
    bench_trie::<TopicEngine>(&mut g, &w, &want, Some(&ours));
    bench_trie::<Quill>(&mut g, &w, &want, Some(&ours));
    g.finish();
}

/// Trie lookups: all 10,000 names per iteration (reference-checked on a sample of names whose
/// size keeps the setup short: all 10,000 names × 10,000 filters would alone take seconds).
fn trie(c: &mut Criterion) {
    trie_group(c, 10_000, 2_000);
    trie_group(c, 100_000, 200);
    trie_group(c, 1_000_000, 20);
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
}

criterion_group! {
    name = topic;
    config = config();
    targets = linear, trie
}
criterion_main!(topic);
