//! Allocation counts, with a counting global allocator: a trie lookup and a retained-index walk
//! allocate nothing, validation of `Bytes` is zero-copy, and inserting allocates per created node
//! at most, never per level walked.

use bytes::Bytes;
use mqtt_testkit::{CountingAllocator, count_allocations};
use mqtt_topic::{
    RetainedIndex, RoundRobin, SubscriptionTrie, TopicDialect, TopicFilter, TopicName, matches,
};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator;

#[expect(
    clippy::unwrap_used,
    reason = "test helper: an invalid literal is a bug in the test"
)]
fn filter(s: &str) -> TopicFilter {
    TopicFilter::new(s).unwrap()
}

#[expect(
    clippy::unwrap_used,
    reason = "test helper: an invalid literal is a bug in the test"
)]
fn name(s: &str) -> TopicName {
    TopicName::new(s).unwrap()
}

/// A name with more levels than the lookup caches (16), to cover the uncached path.
fn deep(levels: usize, last: &str) -> String {
    let mut s: String = (0..levels).map(|i| format!("l{i}/")).collect();
    s.push_str(last);
    s
}

fn sample_trie() -> SubscriptionTrie<u64> {
    let mut trie = SubscriptionTrie::new();
    let mut v = 0;
    let mut add = |f: &str| {
        v += 1;
        trie.insert(&filter(f), v);
    };
    for f in [
        "#",
        "+",
        "+/+",
        "a/#",
        "a/+/c",
        "a/b/c",
        "a//c",
        "/a",
        "+/b/#",
        "$SYS/#",
        "$SYS/+/load",
        "$share/g1/a/+/c",
        "$share/g2/a/#",
        "$share/g1/#",
    ] {
        add(f);
        add(f);
    }
    add(&deep(40, "x"));
    add(&deep(40, "+"));
    add(&deep(20, "#"));
    trie.insert(&filter("$share/g1/a/+/c"), 999);
    trie
}

#[test]
fn trie_lookup_allocates_nothing() {
    let trie = sample_trie();
    let names: Vec<TopicName> = [
        "a/b/c",
        "a//c",
        "/a",
        "a",
        "$SYS/broker/load",
        "$SYS",
        "x/b/y/z",
        "no/match/here/at/all",
        &deep(40, "x"),
        &deep(45, "y"),
        &deep(16, "z"),
    ]
    .iter()
    .map(|s| name(s))
    .collect();
    let mut rr = RoundRobin::new();
    for n in &names {
        let (count, total) = count_allocations(|| {
            let mut total = 0_u64;
            for m in trie.matches(n) {
                // Touch everything a broker would: filter text (compared, not formatted),
                // group, values, and a round-robin pick.
                total += m.filter().depth() as u64;
                total += u64::from(m.filter() == "a/+/c");
                total += m.share_group().map_or(0, |g| g.len() as u64);
                total += m.values().iter().sum::<u64>();
                total += rr.pick(m.values()).copied().unwrap_or(0);
            }
            total
        });
        assert!(total > 0 || n.as_str().starts_with("no/"), "{n}");
        assert_eq!(count.allocations, 0, "lookup of {n} allocated {count:?}");
    }
}

#[test]
fn retained_walk_allocates_nothing() {
    let mut index = RetainedIndex::new();
    for (i, n) in ["a/b/c", "a/b", "a", "a//c", "/a", "$SYS/load", "x/y/z"]
        .iter()
        .enumerate()
    {
        index.insert(&name(n), i);
    }
    index.insert(&name(&deep(40, "x")), 100);
    index.insert(&name(&deep(40, "y")), 101);
    for f in [
        "#",
        "+",
        "a/#",
        "+/+/c",
        "$SYS/#",
        "+/#",
        "a/b/c",
        &deep(40, "+"),
        &deep(10, "#"),
    ] {
        let f = filter(f);
        let (count, hits) = count_allocations(|| {
            index
                .matching(&f)
                .map(|(path, v)| path.depth() + v)
                .sum::<usize>()
        });
        assert!(hits > 0, "{f}");
        assert_eq!(count.allocations, 0, "walk of {f} allocated {count:?}");
    }
}

#[test]
fn validation_from_bytes_is_zero_copy() {
    let wire = Bytes::from(b"sensors/kitchen/temperature|$share/g/sensors/#".to_vec());
    // A `Bytes` made from a `Vec` allocates its shared header on the first clone or slice (that
    // is the `bytes` crate, as when a codec freezes a frame); do it outside the count.
    drop(wire.slice(0..1));
    let (count, (n, f, g)) = count_allocations(|| {
        let n = TopicName::from_bytes(wire.slice(0..27)).unwrap();
        let f = TopicFilter::from_bytes(wire.slice(28..)).unwrap();
        let g = TopicFilter::from_bytes_in(wire.slice(28..), TopicDialect::V3).unwrap();
        (n, f, g)
    });
    assert_eq!(count.allocations, 0);
    let (count, hit) = count_allocations(|| {
        f.matches(&n)
            && !g.matches(&n)
            && matches(f.filter(), n.as_str())
            && n.levels().count() == 3
    });
    assert!(hit);
    assert_eq!(count.allocations, 0);
}

#[test]
fn insert_allocates_per_new_node_not_per_level() {
    let mut trie = SubscriptionTrie::new();
    let prefix = deep(200, "leaf");
    trie.insert(&filter(&prefix), 0_u32);
    // Each further filter shares 200 levels and adds one: the walk down the shared levels
    // must not allocate; only the new node, its label and the entry may.
    let filters: Vec<TopicFilter> = (0..200)
        .map(|i| filter(&format!("{prefix}/n{i}")))
        .collect();
    let (count, ()) = count_allocations(|| {
        for (i, f) in filters.iter().enumerate() {
            trie.insert(f, u32::try_from(i).unwrap());
        }
    });
    assert!(count.allocations <= 200 * 4, "{count:?}");
    // Re-inserting existing (filter, value) pairs creates nothing.
    let (count, ()) = count_allocations(|| {
        for (i, f) in filters.iter().enumerate() {
            assert_eq!(
                trie.insert(f, u32::try_from(i).unwrap()),
                Some(u32::try_from(i).unwrap())
            );
        }
    });
    assert_eq!(count.allocations, 0, "{count:?}");
}

#[test]
fn removing_everything_frees_everything() {
    let mut trie = sample_trie();
    let all: Vec<(String, Option<String>, u64)> = trie
        .iter()
        .flat_map(|m| {
            let f = m.filter().to_string();
            let g = m.share_group().map(str::to_owned);
            m.values().iter().map(move |v| (f.clone(), g.clone(), *v))
        })
        .collect();
    for (f, g, v) in all {
        let text = match g {
            Some(g) => format!("$share/{g}/{f}"),
            None => f,
        };
        assert_eq!(trie.remove(&filter(&text), &v), Some(v));
    }
    assert!(trie.is_empty());
    assert_eq!(trie.heap_bytes(), 0);
}
