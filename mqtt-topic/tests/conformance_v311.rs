//! MQTT 3.1.1 conformance: one test per normative statement of `normative-v311.tsv` owned by
//! `mqtt-topic` (topic names and filters parsed under `TopicDialect::V3`).

use std::collections::BTreeMap;

use bytes::Bytes;
use mqtt_topic::{
    RetainedIndex, SubscriptionTrie, TopicDialect, TopicError, TopicFilter, TopicName, matches,
};

#[expect(
    clippy::unwrap_used,
    reason = "test helper: an invalid literal is a bug in the test"
)]
fn filter(s: &str) -> TopicFilter {
    TopicFilter::new_in(s, TopicDialect::V3).unwrap()
}

#[expect(
    clippy::unwrap_used,
    reason = "test helper: an invalid literal is a bug in the test"
)]
fn filter_err(s: &str) -> TopicError {
    TopicFilter::new_in(s, TopicDialect::V3).unwrap_err()
}

#[expect(
    clippy::unwrap_used,
    reason = "test helper: an invalid literal is a bug in the test"
)]
fn name(s: &str) -> TopicName {
    TopicName::new(s).unwrap()
}

/// A 3.1.1 subscription as a broker would store it.
#[derive(Clone, Debug, PartialEq)]
struct Sub {
    client: &'static str,
    qos: u8,
}

fn sub(client: &'static str, qos: u8) -> Sub {
    Sub { client, qos }
}

/// Every (filter, value) the trie reports for `n`, sorted.
fn hits(trie: &SubscriptionTrie<Sub>, n: &str) -> Vec<(String, &'static str, u8)> {
    let mut out: Vec<_> = trie
        .matches(&name(n))
        .flat_map(|m| {
            let f = m.filter().to_string();
            m.values().iter().map(move |s| (f.clone(), s.client, s.qos))
        })
        .collect();
    out.sort();
    out
}

/// The Topic Name in a PUBLISH must not contain wildcard characters.
#[test]
fn mqtt_3_3_2_2_publish_topic_name_has_no_wildcards() {
    for bad in ["+", "#", "a/+", "a/#", "a+b", "sport/tennis#"] {
        assert_eq!(
            TopicName::new(bad),
            Err(TopicError::WildcardInName),
            "{bad}"
        );
        let wire = Bytes::copy_from_slice(bad.as_bytes());
        assert_eq!(TopicName::from_bytes(wire), Err(TopicError::WildcardInName));
    }
    assert!(TopicName::new("sport/tennis/player1").is_ok());
    assert_eq!(
        TopicError::WildcardInName.rule_id(TopicDialect::V3),
        "MQTT-3.3.2-2"
    );
}

/// The Topic Name of a PUBLISH sent to a subscriber matches the subscription's filter (§4.7):
/// the trie reports exactly the filters that match the name.
#[test]
fn mqtt_3_3_2_3_delivered_name_matches_filter() {
    let filters = [
        "sport/#",
        "sport/+/player1",
        "sport/tennis",
        "+/+",
        "#",
        "finance",
    ];
    let mut trie = SubscriptionTrie::new();
    for (i, f) in filters.iter().enumerate() {
        trie.insert(&filter(f), i);
    }
    for n in [
        "sport/tennis/player1",
        "sport/tennis",
        "sport",
        "finance",
        "/finance",
    ] {
        let n = name(n);
        let mut got: Vec<usize> = trie
            .matches(&n)
            .flat_map(|m| m.values().iter().copied())
            .collect();
        got.sort_unstable();
        let want: Vec<usize> = (0..filters.len())
            .filter(|&i| filter(filters[i]).matches(&n))
            .collect();
        assert_eq!(got, want, "{n}");
        for m in trie.matches(&n) {
            assert!(matches(&m.filter().to_string(), n.as_str()));
        }
    }
}

/// With overlapping subscriptions the server delivers respecting the highest QoS of the
/// client's matching subscriptions: the lookup reports every matching subscription of the
/// client, so the broker can take the maximum (the delivery itself is the broker's).
#[test]
fn mqtt_3_3_5_1_overlapping_subscriptions_all_reported() {
    let mut trie = SubscriptionTrie::new();
    trie.insert(&filter("a/+"), sub("c1", 1));
    trie.insert(&filter("a/#"), sub("c1", 2));
    trie.insert(&filter("#"), sub("c1", 0));
    trie.insert(&filter("a/b"), sub("c2", 0));
    let mut max_qos: BTreeMap<&str, u8> = BTreeMap::new();
    for m in trie.matches(&name("a/b")) {
        for s in m.values() {
            let q = max_qos.entry(s.client).or_default();
            *q = (*q).max(s.qos);
        }
    }
    assert_eq!(max_qos, BTreeMap::from([("c1", 2), ("c2", 0)]));
    assert_eq!(hits(&trie, "a/b").len(), 4);
}

/// A SUBSCRIBE with a filter identical to an existing subscription replaces it (its QoS may
/// change); `insert_by` with the client as identity returns the replaced subscription.
#[test]
fn mqtt_3_8_4_3_identical_filter_replaces_subscription() {
    let mut trie = SubscriptionTrie::new();
    let same_client = |old: &Sub, new: &Sub| old.client == new.client;
    assert_eq!(
        trie.insert_by(&filter("a/+"), sub("c1", 0), same_client),
        None
    );
    assert_eq!(
        trie.insert_by(&filter("a/+"), sub("c1", 2), same_client),
        Some(sub("c1", 0))
    );
    assert_eq!(trie.len(), 1);
    assert_eq!(trie.get(&filter("a/+")), [sub("c1", 2)]);
    assert_eq!(hits(&trie, "a/x"), [("a/+".to_owned(), "c1", 2)]);
    // Identity is the exact filter text: `$share/...` is an ordinary filter in 3.1.1.
    trie.insert_by(&filter("$share/g/a"), sub("c1", 1), same_client);
    assert_eq!(trie.len(), 2);
    assert_eq!(
        hits(&trie, "$share/g/a"),
        [("$share/g/a".to_owned(), "c1", 1)]
    );
}

/// A SUBSCRIBE with several filters is handled as a sequence of single SUBSCRIBEs: applying
/// them one by one gives the same trie, and a repeated filter in the list ends with the last.
#[test]
fn mqtt_3_8_4_4_multi_filter_subscribe_is_sequential() {
    let request = [("a/b", 0), ("a/+", 1), ("a/b", 2), ("#", 1)];
    let same_client = |old: &Sub, new: &Sub| old.client == new.client;
    let mut trie = SubscriptionTrie::new();
    let replaced: Vec<Option<Sub>> = request
        .iter()
        .map(|(f, q)| trie.insert_by(&filter(f), sub("c1", *q), same_client))
        .collect();
    assert_eq!(replaced, [None, None, Some(sub("c1", 0)), None]);
    assert_eq!(trie.len(), 3);
    assert_eq!(
        hits(&trie, "a/b"),
        [
            ("#".to_owned(), "c1", 1),
            ("a/+".to_owned(), "c1", 1),
            ("a/b".to_owned(), "c1", 2)
        ]
    );
}

/// UNSUBSCRIBE compares filters character by character, wildcards literally; only an exact
/// match deletes the subscription.
#[test]
fn mqtt_3_10_4_1_unsubscribe_compares_literally() {
    let mut trie = SubscriptionTrie::new();
    for f in ["a/b", "a/+", "a/#", "A/b", "a/b/"] {
        trie.insert(&filter(f), sub("c1", 0));
    }
    assert_eq!(
        trie.remove(&filter("a/+"), &sub("c1", 0)),
        Some(sub("c1", 0))
    );
    assert_eq!(trie.remove(&filter("a/+"), &sub("c1", 0)), None);
    assert_eq!(trie.remove(&filter("+/b"), &sub("c1", 0)), None);
    assert_eq!(trie.remove(&filter("#"), &sub("c1", 0)), None);
    assert_eq!(trie.len(), 4);
    assert_eq!(trie.get(&filter("a/b")), [sub("c1", 0)]);
    assert_eq!(trie.get(&filter("a/#")), [sub("c1", 0)]);
    assert_eq!(trie.get(&filter("A/b")), [sub("c1", 0)]);
    assert_eq!(trie.get(&filter("a/b/")), [sub("c1", 0)]);
}

/// An UNSUBSCRIBE with several filters is processed as a sequence of single ones (filters
/// that match nothing are simply no-ops).
#[test]
fn mqtt_3_10_4_6_multi_filter_unsubscribe_is_sequential() {
    let mut trie = SubscriptionTrie::new();
    for f in ["a/b", "a/+", "c"] {
        trie.insert(&filter(f), sub("c1", 0));
    }
    let removed: Vec<bool> = ["a/b", "x/y", "a/b", "c"]
        .iter()
        .map(|f| trie.remove(&filter(f), &sub("c1", 0)).is_some())
        .collect();
    assert_eq!(removed, [true, false, false, true]);
    assert_eq!(hits(&trie, "a/b"), [("a/+".to_owned(), "c1", 0)]);
}

/// Wildcards can be used in Topic Filters, never in Topic Names.
#[test]
fn mqtt_4_7_1_1_wildcards_only_in_filters() {
    for s in ["#", "+", "a/+/b", "a/#", "+/+"] {
        assert!(TopicFilter::new_in(s, TopicDialect::V3).is_ok(), "{s}");
        assert_eq!(TopicName::new(s), Err(TopicError::WildcardInName), "{s}");
    }
    assert!(filter("a/+").has_wildcards());
    assert!(!filter("a/b").has_wildcards());
}

/// `#` must be the whole filter or follow a `/`, and must be the last character.
#[test]
fn mqtt_4_7_1_2_multi_level_wildcard_last() {
    for ok in ["#", "sport/#", "sport/tennis/#", "/#", "+/#"] {
        assert!(TopicFilter::new_in(ok, TopicDialect::V3).is_ok(), "{ok}");
    }
    for bad in [
        "sport/tennis#",
        "sport/tennis/#/ranking",
        "#/",
        "##",
        "a/#b",
        "a#/b",
    ] {
        assert_eq!(filter_err(bad), TopicError::MultiLevelNotLast, "{bad}");
    }
    assert_eq!(
        TopicError::MultiLevelNotLast.rule_id(TopicDialect::V3),
        "MQTT-4.7.1-2"
    );
    // `sport/#` also matches the parent level `sport`.
    assert!(filter("sport/#").matches(&name("sport")));
    assert!(filter("sport/#").matches(&name("sport/tennis/player1")));
}

/// `+` must occupy an entire level; it can be used at any level, several times.
#[test]
fn mqtt_4_7_1_3_single_level_wildcard_whole_level() {
    for ok in [
        "+",
        "+/tennis/#",
        "sport/+/player1",
        "+/+",
        "/+",
        "+/",
        "a/+/+/b",
    ] {
        assert!(TopicFilter::new_in(ok, TopicDialect::V3).is_ok(), "{ok}");
    }
    for bad in ["sport+", "+sport", "sport/+tennis", "a/b+/c", "++"] {
        assert_eq!(
            filter_err(bad),
            TopicError::SingleLevelNotWholeLevel,
            "{bad}"
        );
    }
    assert_eq!(
        TopicError::SingleLevelNotWholeLevel.rule_id(TopicDialect::V3),
        "MQTT-4.7.1-3"
    );
    assert!(filter("sport/+").matches(&name("sport/")));
    assert!(!filter("sport/+").matches(&name("sport")));
    assert!(filter("+/+").matches(&name("/finance")));
    assert!(filter("/+").matches(&name("/finance")));
    assert!(!filter("+").matches(&name("/finance")));
}

/// A filter starting with `+` or `#` does not match a name starting with `$`, in the matcher,
/// the trie and the retained index alike; `$SYS/#` does match.
#[test]
fn mqtt_4_7_2_1_dollar_topics_not_matched_by_leading_wildcard() {
    let sys = name("$SYS/monitor/Clients");
    for f in ["#", "+/monitor/Clients", "+/#", "+/+/+"] {
        assert!(!filter(f).matches(&sys), "{f}");
        assert!(!matches(f, sys.as_str()), "{f}");
    }
    for f in ["$SYS/#", "$SYS/monitor/+", "$SYS/+/Clients"] {
        assert!(filter(f).matches(&sys), "{f}");
    }
    let mut trie = SubscriptionTrie::new();
    for f in ["#", "+/monitor/Clients", "$SYS/#", "$SYS/monitor/+"] {
        trie.insert(&filter(f), sub("c1", 0));
    }
    let got: Vec<String> = hits(&trie, sys.as_str()).into_iter().map(|h| h.0).collect();
    assert_eq!(got, ["$SYS/#", "$SYS/monitor/+"]);
    let mut retained = RetainedIndex::new();
    retained.insert(&sys, 1);
    retained.insert(&name("sensors/monitor/Clients"), 2);
    let values = |f: &str| -> Vec<i32> {
        let mut v: Vec<i32> = retained.matching(&filter(f)).map(|(_, v)| *v).collect();
        v.sort_unstable();
        v
    };
    assert_eq!(values("#"), [2]);
    assert_eq!(values("+/monitor/Clients"), [2]);
    assert_eq!(values("$SYS/#"), [1]);
}

/// Topic Names and Topic Filters are at least one character long.
#[test]
fn mqtt_4_7_3_1_at_least_one_character() {
    assert_eq!(TopicName::new(""), Err(TopicError::Empty));
    assert_eq!(filter_err(""), TopicError::Empty);
    assert_eq!(TopicName::from_bytes(Bytes::new()), Err(TopicError::Empty));
    assert!(TopicName::new("/").is_ok());
    assert!(TopicName::new(" ").is_ok());
}

/// Topic Names and Topic Filters must not contain the null character U+0000.
#[test]
fn mqtt_4_7_3_2_no_null_character() {
    for s in ["\0", "a\0b", "a/\0", "\0/#"] {
        assert_eq!(TopicName::new(s), Err(TopicError::NullChar), "{s:?}");
        assert_eq!(filter_err(s), TopicError::NullChar, "{s:?}");
    }
}

/// Topic Names and Topic Filters are UTF-8 strings of at most 65,535 bytes.
#[test]
fn mqtt_4_7_3_3_at_most_65535_bytes() {
    let max = "é".repeat(32_767) + "a";
    assert_eq!(max.len(), 65_535);
    assert!(TopicName::new(&max).is_ok());
    assert!(TopicFilter::new_in(&max, TopicDialect::V3).is_ok());
    let over = max + "a";
    assert_eq!(
        TopicName::new(&over),
        Err(TopicError::TooLong { len: 65_536 })
    );
    assert_eq!(filter_err(&over), TopicError::TooLong { len: 65_536 });
}

/// Matching performs no normalization: levels are compared exactly (case, Unicode forms,
/// spaces, empty levels).
#[test]
fn mqtt_4_7_3_4_no_normalization() {
    let pairs = [
        ("ACCOUNTS", "Accounts"),
        ("caf\u{e9}", "cafe\u{301}"),
        ("a b", "a  b"),
        ("a ", "a"),
        ("a//b", "a/b"),
        ("\u{ff41}", "a"),
    ];
    let mut trie = SubscriptionTrie::new();
    for (f, _) in pairs {
        trie.insert(&filter(f), sub("c1", 0));
    }
    for (f, n) in pairs {
        assert!(filter(f).matches(&name(f)));
        assert!(!filter(f).matches(&name(n)), "{f} vs {n}");
        assert!(hits(&trie, n).iter().all(|h| h.0 != f), "{f} vs {n}");
        assert_eq!(hits(&trie, f).len(), 1);
    }
}
