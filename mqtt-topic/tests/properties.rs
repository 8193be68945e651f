//! Property tests: the subscription trie and the retained index agree with a linear scan using
//! `TopicFilter::matches`, and random insert/remove sequences agree with a `Vec` model.

use std::collections::BTreeMap;

use mqtt_topic::{RetainedIndex, SubscriptionTrie, TopicDialect, TopicFilter, TopicName, matches};
use proptest::prelude::*;

/// Levels that collide often, with `$` levels, empty levels, spaces and non-ASCII text.
fn name_level() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("a".to_owned()),
        Just("b".to_owned()),
        Just(String::new()),
        Just("$SYS".to_owned()),
        Just("$x".to_owned()),
        Just("$share".to_owned()),
        Just("g1".to_owned()),
        Just("c d".to_owned()),
        Just("é".to_owned()),
        "[a-c]{2,3}",
    ]
}

fn filter_level() -> impl Strategy<Value = String> {
    prop_oneof![3 => name_level(), 1 => Just("+".to_owned())]
}

fn name() -> impl Strategy<Value = TopicName> {
    prop::collection::vec(name_level(), 1..6)
        .prop_filter_map("valid", |levels| TopicName::new(&levels.join("/")).ok())
}

fn filter() -> impl Strategy<Value = TopicFilter> {
    (
        prop::collection::vec(filter_level(), 1..6),
        any::<bool>(),
        prop_oneof![3 => Just(None), 1 => Just(Some("g1")), 1 => Just(Some("g2"))],
        any::<bool>(),
    )
        .prop_filter_map("valid", |(mut levels, hash, group, v3)| {
            if hash {
                levels.push("#".to_owned());
            }
            let body = levels.join("/");
            let text = match group {
                Some(g) => format!("$share/{g}/{body}"),
                None => body,
            };
            let dialect = if v3 {
                TopicDialect::V3
            } else {
                TopicDialect::V5
            };
            TopicFilter::new_in(&text, dialect).ok()
        })
}

/// What a lookup reports, flattened: (matched filter part, group, value).
type Hit = (String, Option<String>, usize);

fn trie_hits(trie: &SubscriptionTrie<usize>, name: &TopicName) -> Vec<Hit> {
    let mut hits = Vec::new();
    for m in trie.matches(name) {
        assert!(!m.values().is_empty());
        for v in m.values() {
            hits.push((
                m.filter().to_string(),
                m.share_group().map(str::to_owned),
                *v,
            ));
        }
    }
    hits.sort();
    hits
}

fn linear_hits(filters: &[(TopicFilter, usize)], name: &TopicName) -> Vec<Hit> {
    let mut hits: Vec<Hit> = filters
        .iter()
        .filter(|(f, _)| f.matches(name))
        .map(|(f, v)| {
            (
                f.filter().to_owned(),
                f.share_group().map(str::to_owned),
                *v,
            )
        })
        .collect();
    hits.sort();
    hits
}

#[derive(Clone, Debug)]
enum Op {
    Insert(usize, u8),
    Remove(usize, u8),
}

fn ops(filters: usize) -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(
        prop_oneof![
            (0..filters, 0..3_u8).prop_map(|(f, v)| Op::Insert(f, v)),
            (0..filters, 0..3_u8).prop_map(|(f, v)| Op::Remove(f, v)),
        ],
        0..60,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn trie_equals_linear_scan(
        filters in prop::collection::vec(filter(), 0..40),
        names in prop::collection::vec(name(), 1..20),
    ) {
        let filters: Vec<(TopicFilter, usize)> = filters.into_iter().zip(0..).collect();
        let mut trie = SubscriptionTrie::new();
        for (f, v) in &filters {
            prop_assert_eq!(trie.insert(f, *v), None);
        }
        prop_assert_eq!(trie.len(), filters.len());
        for name in &names {
            prop_assert_eq!(trie_hits(&trie, name), linear_hits(&filters, name), "name {}", name);
        }
        // Every stored filter comes back from iteration.
        let mut all: Vec<usize> = trie.iter().flat_map(|m| m.values().iter().copied()).collect();
        all.sort_unstable();
        prop_assert_eq!(all, (0..filters.len()).collect::<Vec<_>>());
        // Removing everything frees everything.
        for (f, v) in &filters {
            prop_assert_eq!(trie.remove(f, v), Some(*v));
        }
        prop_assert!(trie.is_empty());
        prop_assert_eq!(trie.heap_bytes(), 0);
    }

    #[test]
    fn raw_matches_equals_filter_matches(f in filter(), n in name()) {
        if !f.is_shared() {
            prop_assert_eq!(matches(f.as_str(), n.as_str()), f.matches(&n));
        }
        prop_assert_eq!(matches(f.filter(), n.as_str()), f.matches(&n));
    }

    #[test]
    fn retained_equals_linear_scan(
        names in prop::collection::vec(name(), 0..40),
        filters in prop::collection::vec(filter(), 1..20),
    ) {
        let mut index = RetainedIndex::new();
        let mut model = BTreeMap::new();
        for (i, n) in names.iter().enumerate() {
            prop_assert_eq!(index.insert(n, i), model.insert(n.as_str().to_owned(), i));
        }
        prop_assert_eq!(index.len(), model.len());
        for f in &filters {
            let mut got: Vec<(String, usize)> =
                index.matching(f).map(|(n, v)| (n.to_string(), *v)).collect();
            got.sort();
            let want: Vec<(String, usize)> = model
                .iter()
                .filter(|(n, _)| f.matches(&TopicName::new(n).unwrap()))
                .map(|(n, v)| (n.clone(), *v))
                .collect();
            prop_assert_eq!(got, want, "filter {}", f);
        }
        for (n, v) in &model {
            let name = TopicName::new(n).unwrap();
            prop_assert_eq!(index.get(&name), Some(v));
            prop_assert_eq!(index.remove(&name), Some(*v));
        }
        prop_assert!(index.is_empty());
        prop_assert_eq!(index.heap_bytes(), 0);
    }

    #[test]
    fn trie_insert_remove_equals_vec_model(
        filters in prop::collection::vec(filter(), 1..8),
        ops in ops(8),
        names in prop::collection::vec(name(), 1..8),
    ) {
        let mut trie = SubscriptionTrie::new();
        let mut model: Vec<(TopicFilter, u8)> = Vec::new();
        for op in ops {
            match op {
                Op::Insert(f, v) => {
                    let f = &filters[f % filters.len()];
                    let exists = model.iter().any(|(mf, mv)| mf == f && *mv == v);
                    if !exists {
                        model.push((f.clone(), v));
                    }
                    prop_assert_eq!(trie.insert(f, v), exists.then_some(v));
                }
                Op::Remove(f, v) => {
                    let f = &filters[f % filters.len()];
                    let at = model.iter().position(|(mf, mv)| mf == f && *mv == v);
                    if let Some(i) = at {
                        model.remove(i);
                    }
                    prop_assert_eq!(trie.remove(f, &v), at.map(|_| v));
                }
            }
            prop_assert_eq!(trie.len(), model.len());
            let mut distinct: Vec<(&str, Option<&str>)> =
                model.iter().map(|(f, _)| (f.filter(), f.share_group())).collect();
            distinct.sort_unstable();
            distinct.dedup();
            prop_assert_eq!(trie.filter_count(), distinct.len());
            for name in &names {
                let mut got: Vec<(String, Option<String>, u8)> = Vec::new();
                for m in trie.matches(name) {
                    for v in m.values() {
                        got.push((m.filter().to_string(), m.share_group().map(str::to_owned), *v));
                    }
                }
                got.sort();
                let mut want: Vec<(String, Option<String>, u8)> = model
                    .iter()
                    .filter(|(f, _)| f.matches(name))
                    .map(|(f, v)| (f.filter().to_owned(), f.share_group().map(str::to_owned), *v))
                    .collect();
                want.sort();
                prop_assert_eq!(got, want);
            }
        }
        trie.retain(|_| false);
        prop_assert!(trie.is_empty());
        prop_assert_eq!(trie.filter_count(), 0);
        prop_assert_eq!(trie.heap_bytes(), 0);
    }

    #[test]
    fn retained_insert_remove_equals_map_model(
        names in prop::collection::vec(name(), 1..8),
        ops in ops(8),
        filter in filter(),
    ) {
        let mut index = RetainedIndex::new();
        let mut model: BTreeMap<String, u8> = BTreeMap::new();
        for op in ops {
            match op {
                Op::Insert(n, v) => {
                    let n = &names[n % names.len()];
                    prop_assert_eq!(index.insert(n, v), model.insert(n.to_string(), v));
                }
                Op::Remove(n, _) => {
                    let n = &names[n % names.len()];
                    prop_assert_eq!(index.remove(n), model.remove(n.as_str()));
                }
            }
            prop_assert_eq!(index.len(), model.len());
            let mut got: Vec<(String, u8)> =
                index.matching(&filter).map(|(n, v)| (n.to_string(), *v)).collect();
            got.sort();
            let want: Vec<(String, u8)> = model
                .iter()
                .filter(|(n, _)| filter.matches(&TopicName::new(n).unwrap()))
                .map(|(n, v)| (n.clone(), *v))
                .collect();
            prop_assert_eq!(got, want);
        }
        index.retain(|_, _| false);
        prop_assert!(index.is_empty());
        prop_assert_eq!(index.heap_bytes(), 0);
    }
}

/// The obvious definition of a valid topic name, byte by byte: what the word-at-a-time scan in
/// `TopicName::from_bytes` must agree with.
fn reference_name_error(b: &[u8]) -> Option<mqtt_topic::TopicError> {
    use mqtt_topic::TopicError;
    if b.is_empty() {
        return Some(TopicError::Empty);
    }
    if b.len() > 65_535 {
        return Some(TopicError::TooLong { len: b.len() });
    }
    for &c in b {
        match c {
            0 => return Some(TopicError::NullChar),
            b'+' | b'#' => return Some(TopicError::WildcardInName),
            _ => {}
        }
    }
    core::str::from_utf8(b)
        .err()
        .map(|_| TopicError::InvalidUtf8)
}

/// Bytes biased towards the ones the scan looks for, at lengths around its 4- and 8-byte words.
fn name_bytes() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        8 => b'a'..=b'z',
        1 => Just(0_u8),
        1 => Just(b'+'),
        1 => Just(b'#'),
        1 => Just(b'#' ^ 0x08 ^ 0x80),
        1 => Just(b'/'),
        1 => 0x80_u8..=0xFF,
        1 => any::<u8>(),
    ];
    proptest::collection::vec(byte, 0..70)
}

proptest! {
    #[test]
    fn name_validation_equals_bytewise_reference(b in name_bytes()) {
        let got = TopicName::from_bytes(bytes::Bytes::from(b.clone())).err();
        prop_assert_eq!(got, reference_name_error(&b));
    }
}
