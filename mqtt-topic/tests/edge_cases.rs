//! Table tests for the edge cases of validation and matching (empty levels, `$` topics,
//! shared subscriptions, deep topics), checked against the raw matcher, `TopicFilter::matches`,
//! the trie and the retained index together.

use std::collections::HashSet;

use mqtt_topic::{
    MAX_TOPIC_LEN, RetainedIndex, SubscriptionTrie, TopicDialect, TopicError, TopicFilter,
    TopicName, matches,
};

/// (filter, name, matches?) — valid inputs only.
const MATCHING: &[(&str, &str, bool)] = &[
    ("a/b", "a/b", true),
    ("a/b", "a/b/", false),
    ("a/b/", "a/b/", true),
    ("a//b", "a//b", true),
    ("a//b", "a/b", false),
    ("a/+/b", "a//b", true),
    ("/a", "/a", true),
    ("/a", "a", false),
    ("+/a", "/a", true),
    ("/", "/", true),
    ("+/+", "/", true),
    ("+", "/", false),
    ("#", "/", true),
    ("/#", "/", true),
    ("/#", "a", false),
    ("+", "a", true),
    ("+", "", true), // not a valid name: the raw matcher sees one empty level
    ("a/+", "a/", true),
    ("a/+", "a", false),
    ("a/+", "a/b/c", false),
    ("a/#", "a", true),
    ("a/#", "a/", true),
    ("a/#", "a/b/c/d", true),
    ("a/#", "ab", false),
    ("a/+/#", "a/b", true),
    ("a/+/#", "a", false),
    ("+/#", "a", true),
    ("#", "a/b/c", true),
    ("#", "$SYS", false),
    ("#", "$SYS/x", false),
    ("+", "$SYS", false),
    ("+/#", "$SYS/x", false),
    ("+/x", "$SYS/x", false),
    ("$SYS/#", "$SYS", true),
    ("$SYS/#", "$SYS/x/y", true),
    ("$SYS/+/x", "$SYS/a/x", true),
    ("$SYS/+", "$SYS/", true),
    ("a/$/b", "a/$/b", true),
    ("a/+/b", "a/$/b", true),
    ("a/#", "a/$b", true),
    ("$", "$", true),
    ("#", "$", false),
    ("$share/g/a", "a", true),
    ("$share/g/a", "$share/g/a", false),
    ("$share/g/#", "$SYS/x", false),
    ("$share/g/+/x", "a/x", true),
    ("$share/g//x", "/x", true),
    ("$share/g/$SYS/#", "$SYS/x", true),
    ("sport/tennis/player1/#", "sport/tennis/player1", true),
    (
        "sport/tennis/player1/#",
        "sport/tennis/player1/ranking",
        true,
    ),
    (
        "sport/tennis/player1/#",
        "sport/tennis/player1/score/wimbledon",
        true,
    ),
    ("sport/+", "sport", false),
    ("sport/+", "sport/", true),
    ("+/+", "/finance", true),
    ("/+", "/finance", true),
    ("+", "/finance", false),
    ("é/+", "é/ü", true),
    ("a b/+", "a b/c d", true),
];

#[test]
fn matching_table() {
    let mut trie = SubscriptionTrie::new();
    let mut filters = Vec::new();
    for (i, (f, _, _)) in MATCHING.iter().enumerate() {
        let filter = TopicFilter::new(f).unwrap();
        trie.insert(&filter, i);
        filters.push(filter);
    }
    for (i, &(f, n, want)) in MATCHING.iter().enumerate() {
        if n.is_empty() {
            // Not a valid name; only the raw matcher takes it.
            assert_eq!(matches(f, n), want, "raw {f} / {n:?}");
            continue;
        }
        let name = TopicName::new(n).unwrap();
        let filter = &filters[i];
        assert_eq!(filter.matches(&name), want, "{f} / {n}");
        if !filter.is_shared() {
            assert_eq!(matches(f, n), want, "raw {f} / {n}");
        }
        let hit = trie.matches(&name).any(|m| m.values().contains(&i));
        assert_eq!(hit, want, "trie {f} / {n}");
        let mut retained = RetainedIndex::new();
        retained.insert(&name, ());
        assert_eq!(
            retained.matching(filter).count() == 1,
            want,
            "retained {f} / {n}"
        );
    }
}

#[test]
fn validation_table() {
    use TopicError::*;
    let filters: &[(&str, Result<(), TopicError>)] = &[
        ("a", Ok(())),
        ("/", Ok(())),
        ("//", Ok(())),
        ("a//b", Ok(())),
        ("a/", Ok(())),
        ("/a", Ok(())),
        ("#", Ok(())),
        ("+", Ok(())),
        ("+/+/#", Ok(())),
        (" ", Ok(())),
        ("", Err(Empty)),
        ("a\0", Err(NullChar)),
        ("a#", Err(MultiLevelNotLast)),
        ("#a", Err(MultiLevelNotLast)),
        ("#/a", Err(MultiLevelNotLast)),
        ("a/#/", Err(MultiLevelNotLast)),
        ("a+", Err(SingleLevelNotWholeLevel)),
        ("+a", Err(SingleLevelNotWholeLevel)),
        ("a/+b/c", Err(SingleLevelNotWholeLevel)),
        ("$share/g/a", Ok(())),
        ("$share/g//", Ok(())),
        ("$share/g/+", Ok(())),
        ("$share/g", Err(ShareFilterMissing)),
        ("$share/g/", Err(ShareFilterMissing)),
        ("$share//a", Err(BadShareGroup)),
        ("$share/", Err(BadShareGroup)),
        ("$share/g#/a", Err(BadShareGroup)),
        ("$share/+/a", Err(BadShareGroup)),
        ("$share/g/a#", Err(MultiLevelNotLast)),
        ("$share", Ok(())),
        ("$shared/a", Ok(())),
        ("$SHARE/g", Ok(())),
    ];
    for (f, want) in filters {
        assert_eq!(TopicFilter::new(f).map(|_| ()), *want, "{f:?}");
    }
    // 3.1.1 reads `$share/...` as an ordinary filter.
    for (f, want) in [
        ("$share/g", Ok(())),
        ("$share//a", Ok(())),
        ("$share/", Ok(())),
        ("$share/g#/a", Err(MultiLevelNotLast)),
        ("$share/+/a", Ok(())),
    ] {
        assert_eq!(
            TopicFilter::new_in(f, TopicDialect::V3).map(|_| ()),
            want,
            "{f:?}"
        );
    }
    let names: &[(&str, Result<(), TopicError>)] = &[
        ("a", Ok(())),
        ("/", Ok(())),
        ("$SYS/x", Ok(())),
        ("$share/g/a", Ok(())),
        ("a b", Ok(())),
        ("", Err(Empty)),
        ("+", Err(WildcardInName)),
        ("a/#", Err(WildcardInName)),
        ("\0", Err(NullChar)),
    ];
    for (n, want) in names {
        assert_eq!(TopicName::new(n).map(|_| ()), *want, "{n:?}");
    }
    assert_eq!(
        TopicName::from_bytes(bytes::Bytes::from_static(b"a/\xc3")),
        Err(InvalidUtf8)
    );
    assert_eq!(
        TopicName::new(&"x".repeat(MAX_TOPIC_LEN)).map(|n| n.len()),
        Ok(MAX_TOPIC_LEN)
    );
}

#[test]
fn error_messages_name_the_rule() {
    let all = [
        TopicError::Empty,
        TopicError::TooLong { len: 70_000 },
        TopicError::InvalidUtf8,
        TopicError::NullChar,
        TopicError::WildcardInName,
        TopicError::MultiLevelNotLast,
        TopicError::SingleLevelNotWholeLevel,
        TopicError::BadShareGroup,
        TopicError::ShareFilterMissing,
    ];
    for e in all {
        let msg = e.to_string();
        assert!(msg.starts_with(|c: char| c.is_lowercase()), "{msg}");
        assert!(msg.ends_with(']') && msg.contains("[MQTT-"), "{msg}");
        assert!(msg.contains(e.rule_id(TopicDialect::V5)), "{msg}");
    }
}

#[test]
fn names_and_filters_as_strings() {
    let n: TopicName = "a/b".parse().unwrap();
    assert_eq!(n, "a/b");
    assert_eq!(n.to_string(), "a/b");
    assert_eq!(format!("{n:?}"), "TopicName(\"a/b\")");
    let set: HashSet<TopicName> = [n.clone()].into_iter().collect();
    assert!(set.contains("a/b"));
    assert_eq!(
        TopicName::try_from(String::from("x")).unwrap().as_str(),
        "x"
    );
    let f: TopicFilter = "$share/g/a/+".parse().unwrap();
    assert_eq!(f.to_string(), "$share/g/a/+");
    assert_eq!(f.len(), 12);
    assert_eq!(f.levels().collect::<Vec<_>>(), ["a", "+"]);
    assert_eq!(TopicFilter::from(n.clone()).filter(), "a/b");
    assert_eq!(n.to_bytes(), n.clone().into_bytes());
}

#[test]
fn deep_paths_display_and_compare() {
    let deep_filter: String = (0..100).map(|i| format!("l{i}/")).collect::<String>() + "+/#";
    let deep_name: String = (0..100).map(|i| format!("l{i}/")).collect::<String>() + "x/y";
    let mut trie = SubscriptionTrie::new();
    trie.insert(&TopicFilter::new(&deep_filter).unwrap(), 1);
    trie.insert(&TopicFilter::new("#").unwrap(), 2);
    let name = TopicName::new(&deep_name).unwrap();
    let mut seen = Vec::new();
    for m in trie.matches(&name) {
        let text = m.filter().to_string();
        assert!(m.filter() == text.as_str());
        assert_eq!(m.filter().depth(), text.split('/').count());
        seen.push(text);
    }
    seen.sort();
    assert_eq!(seen, ["#".to_owned(), deep_filter]);
}

#[test]
fn many_values_per_filter_and_groups() {
    let mut trie = SubscriptionTrie::new();
    let f = TopicFilter::new("a/+").unwrap();
    for v in 0..100 {
        assert_eq!(trie.insert(&f, v), None);
    }
    for g in ["g1", "g2"] {
        for v in 0..3 {
            trie.insert(&TopicFilter::new(&format!("$share/{g}/a/+")).unwrap(), v);
        }
    }
    assert_eq!(trie.len(), 106);
    assert_eq!(trie.filter_count(), 3);
    let name = TopicName::new("a/b").unwrap();
    let counts: Vec<(Option<&str>, usize)> = {
        let mut c: Vec<_> = trie
            .matches(&name)
            .map(|m| (m.share_group(), m.values().len()))
            .collect();
        c.sort_unstable();
        c
    };
    assert_eq!(counts, [(None, 100), (Some("g1"), 3), (Some("g2"), 3)]);
    trie.retain(|v| *v % 2 == 0);
    assert_eq!(trie.len(), 50 + 2 + 2);
    trie.retain(|v| *v >= 4);
    assert_eq!(trie.filter_count(), 1);
    trie.clear();
    assert!(trie.is_empty());
    assert_eq!(trie.heap_bytes(), 0);
}

#[test]
fn retained_index_basics() {
    let mut r = RetainedIndex::new();
    let a = TopicName::new("a/b").unwrap();
    assert_eq!(r.insert(&a, 1), None);
    assert_eq!(r.insert(&a, 2), Some(1));
    assert_eq!(r.get(&a), Some(&2));
    *r.get_mut(&a).unwrap() = 3;
    assert!(r.contains(&a));
    assert!(!r.contains(&TopicName::new("a").unwrap()));
    r.insert(&TopicName::new("a").unwrap(), 4);
    let mut all: Vec<(String, i32)> = r.iter().map(|(p, v)| (p.to_string(), *v)).collect();
    all.sort();
    assert_eq!(all, [("a".to_owned(), 4), ("a/b".to_owned(), 3)]);
    r.retain(|p, v| {
        *v += 1;
        p == "a/b"
    });
    assert_eq!(r.len(), 1);
    assert_eq!(r.remove(&a), Some(4));
    assert_eq!(r.remove(&a), None);
    assert!(r.is_empty());
    assert_eq!(r.heap_bytes(), 0);
}

#[cfg(feature = "serde")]
#[test]
fn serde_deserializes_with_validation() {
    use serde::Deserialize;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error, StrDeserializer, StringDeserializer};

    let ok: StrDeserializer<'_, Error> = "a/+".into_deserializer();
    assert_eq!(TopicFilter::deserialize(ok).unwrap().as_str(), "a/+");
    let bad: StrDeserializer<'_, Error> = "a/+".into_deserializer();
    let err = TopicName::deserialize(bad).unwrap_err();
    assert!(err.to_string().contains("MQTT-3.3.2-2"), "{err}");
    let owned: StringDeserializer<Error> = String::from("$share/g/x").into_deserializer();
    assert_eq!(
        TopicFilter::deserialize(owned).unwrap().share_group(),
        Some("g")
    );
}

/// A name 40 levels deep under filters with a `+` at any one or two of its levels: the number
/// of nodes matching the first `d` levels grows with `d` past what the lookup's queue holds, so
/// deep subtrees are walked depth-first, climbing back through parent links to many pending `+`
/// branches. Checked against `TopicFilter::matches` for the name and for variants of it (one
/// level changed, shorter, longer, with an empty level).
#[test]
fn deep_names_with_many_pending_plus_branches() {
    const DEPTH: usize = 40;
    let level = |i: usize| format!("l{i}");
    let mut texts = Vec::new();
    for a in 0..=DEPTH {
        for b in a..=DEPTH {
            let levels: Vec<String> = (0..DEPTH)
                .map(|i| {
                    if i == a || i == b {
                        "+".to_owned()
                    } else {
                        level(i)
                    }
                })
                .collect();
            texts.push(levels.join("/"));
        }
        // `#` after an exact prefix of length `a`, and after a `+` at `a`.
        let prefix: Vec<String> = (0..a).map(level).collect();
        texts.push(if a == 0 {
            "#".to_owned()
        } else {
            prefix.join("/") + "/#"
        });
        if a < DEPTH {
            texts.push(
                prefix
                    .iter()
                    .cloned()
                    .chain(["+".to_owned(), "#".to_owned()])
                    .collect::<Vec<_>>()
                    .join("/"),
            );
        }
    }
    let filters: Vec<TopicFilter> = texts.iter().map(|t| TopicFilter::new(t).unwrap()).collect();
    let mut trie = SubscriptionTrie::new();
    for (i, f) in filters.iter().enumerate() {
        trie.insert(f, i);
    }
    let full: Vec<String> = (0..DEPTH).map(level).collect();
    let mut names = vec![full.join("/")];
    for changed in [0, 7, 16, 17, 25, DEPTH - 1] {
        let mut v = full.clone();
        v[changed] = "other".to_owned();
        names.push(v.join("/"));
        v[changed] = String::new();
        names.push(v.join("/"));
    }
    names.push(full[..DEPTH - 1].join("/"));
    names.push(full[..20].join("/"));
    names.push(full.join("/") + "/extra");
    for n in &names {
        let name = TopicName::new(n).unwrap();
        let mut got: Vec<usize> = trie
            .matches(&name)
            .flat_map(|m| m.values().to_vec())
            .collect();
        got.sort_unstable();
        let want: Vec<usize> = (0..filters.len())
            .filter(|&i| filters[i].matches(&name))
            .collect();
        assert!(!want.is_empty());
        assert_eq!(got, want, "{n}");
    }
}

/// Filters with `x` or `+` at each of 8 levels (and `#` after any prefix of them): the name
/// `x/x/x/x/x/x/x/x` reaches 2^d nodes at level `d`, more than the lookup's queue holds, so
/// part of the walk is depth-first. Checked against `TopicFilter::matches` for that name and
/// for variants of it (another level, shorter, longer, empty levels, a `$` first level).
#[test]
fn wide_levels_overflow_the_lookup_queue() {
    const DEPTH: usize = 8;
    let mut texts = Vec::new();
    for bits in 0..1_u32 << DEPTH {
        let levels: Vec<&str> = (0..DEPTH)
            .map(|i| if bits >> i & 1 == 1 { "+" } else { "x" })
            .collect();
        texts.push(levels.join("/"));
        for cut in [2, 5, DEPTH] {
            texts.push(levels[..cut].join("/") + "/#");
        }
        texts.push(levels[..6].join("/"));
    }
    texts.push("#".to_owned());
    let filters: Vec<TopicFilter> = texts.iter().map(|t| TopicFilter::new(t).unwrap()).collect();
    let mut trie = SubscriptionTrie::new();
    for (i, f) in filters.iter().enumerate() {
        trie.insert(f, i);
    }
    let full = vec!["x"; DEPTH];
    let mut names = vec![full.join("/"), full[..6].join("/"), full.join("/") + "/x/y"];
    for changed in [0, 3, 6, DEPTH - 1] {
        for other in ["y", "", "$x"] {
            let mut v = full.clone();
            v[changed] = other;
            names.push(v.join("/"));
        }
    }
    for n in &names {
        let name = TopicName::new(n).unwrap();
        let mut got: Vec<usize> = trie
            .matches(&name)
            .flat_map(|m| m.values().to_vec())
            .collect();
        got.sort_unstable();
        let want: Vec<usize> = (0..filters.len())
            .filter(|&i| filters[i].matches(&name))
            .collect();
        assert_eq!(want.is_empty(), n.starts_with('$'), "{n}");
        assert_eq!(got, want, "{n}");
    }
}
