//! Arbitrary input never panics: any bytes into every constructor, any strings into the raw
//! matcher, and whatever is accepted through the trie and the retained index. Inputs that ever
//! made something panic are kept in `regressions` (none found so far; the list holds the
//! nastiest hand-picked cases).

use bytes::Bytes;
use mqtt_topic::{RetainedIndex, SubscriptionTrie, TopicDialect, TopicFilter, TopicName, matches};
use proptest::prelude::*;

/// Feeds `bytes` to every constructor, and what they accept to everything else.
fn exercise(bytes: &[u8], other: &[u8]) {
    let b = Bytes::copy_from_slice(bytes);
    let name = TopicName::from_bytes(b.clone());
    let v5 = TopicFilter::from_bytes(b.clone());
    let v3 = TopicFilter::from_bytes_in(b, TopicDialect::V3);
    if let Ok(s) = core::str::from_utf8(bytes) {
        assert_eq!(TopicName::new(s).is_ok(), name.is_ok());
        assert_eq!(TopicFilter::new(s).is_ok(), v5.is_ok());
        if let Ok(o) = core::str::from_utf8(other) {
            let _ = matches(s, o);
            let _ = matches(o, s);
        }
    }
    if let Err(e) = &name {
        let _ = e.to_string();
    }
    let other_name = TopicName::from_bytes(Bytes::copy_from_slice(other)).ok();
    let mut trie = SubscriptionTrie::new();
    let mut retained = RetainedIndex::new();
    for f in [&v5, &v3].into_iter().flatten() {
        let _ = (
            f.share_group(),
            f.filter(),
            f.levels().count(),
            f.has_wildcards(),
        );
        trie.insert(f, 1_u8);
        if let Some(n) = &other_name {
            let _ = f.matches(n);
            retained.insert(n, 2_u8);
            let _ = retained.matching(f).count();
        }
    }
    if let Ok(n) = &name {
        let _ = (n.levels().rev().count(), n.is_dollar());
        let _ = trie
            .matches(n)
            .map(|m| m.filter().to_string().len())
            .sum::<usize>();
        retained.insert(n, 3_u8);
        if let Ok(f) = TopicFilter::from_bytes(Bytes::copy_from_slice(other)) {
            let _ = retained
                .matching(&f)
                .map(|(p, _)| p.to_string().len())
                .sum::<usize>();
        }
    }
    for f in [&v5, &v3].into_iter().flatten() {
        trie.remove(f, &1);
    }
}

/// Bytes biased towards the characters that matter: separators, wildcards, `$`, NUL, and
/// invalid UTF-8.
fn topicish() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(b"/+#$a\0 ".to_vec()),
            1 => prop::sample::select(vec![0xC3, 0xA9, 0xFF, 0x80, 0xED, 0xA0]),
            1 => any::<u8>(),
            1 => Just(b'/'),
        ],
        0..40,
    )
    .prop_map(|mut v| {
        if v.first() == Some(&b'$') {
            v.splice(0..1, b"$share/".iter().copied());
        }
        v
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn arbitrary_bytes_never_panic(a in prop::collection::vec(any::<u8>(), 0..64), b in prop::collection::vec(any::<u8>(), 0..64)) {
        exercise(&a, &b);
    }

    #[test]
    fn topic_like_bytes_never_panic(a in topicish(), b in topicish()) {
        exercise(&a, &b);
    }

    #[test]
    fn arbitrary_strings_in_raw_matcher_never_panic(f in "[/+#$a\u{0}é]{0,12}", n in "[/+#$a\u{0}é]{0,12}") {
        let _ = matches(&f, &n);
    }
}

#[test]
fn regressions() {
    let cases: &[&[u8]] = &[
        b"",
        b"/",
        b"//",
        b"#",
        b"+",
        b"$",
        b"$share",
        b"$share/",
        b"$share//",
        b"$share/g",
        b"$share/g/",
        b"$share/g//",
        b"$share/g/#",
        b"$share/#/a",
        b"$share/+",
        b"$share/g\0/a",
        b"\0",
        b"\xff",
        b"\xed\xa0\x80",
        b"a/\xc3",
        b"#/",
        b"+#",
        b"#+",
        b"a/#/b",
        b"$SYS/#",
    ];
    for a in cases {
        for b in cases {
            exercise(a, b);
        }
    }
    let long = vec![b'/'; 65_535];
    exercise(&long, b"a");
    exercise(b"+/#", &long);
    let too_long = vec![b'a'; 65_536];
    exercise(&too_long, &too_long);
}
