//! MQTT 5.0 conformance: one test per normative statement of `normative-v5.tsv` owned by
//! `mqtt-topic` (topic names, filters, shared subscriptions, the subscription trie).

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use mqtt_topic::{
    RetainedIndex, RoundRobin, SubscriptionTrie, TopicDialect, TopicError, TopicFilter, TopicName,
    matches,
};

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
fn filter_err(s: &str) -> TopicError {
    TopicFilter::new(s).unwrap_err()
}

#[expect(
    clippy::unwrap_used,
    reason = "test helper: an invalid literal is a bug in the test"
)]
fn name(s: &str) -> TopicName {
    TopicName::new(s).unwrap()
}

/// A 5.0 subscription as a broker would store it.
#[derive(Clone, Debug, PartialEq)]
struct Sub {
    client: &'static str,
    qos: u8,
    id: Option<u32>,
    no_local: bool,
}

fn sub(client: &'static str, qos: u8, id: Option<u32>) -> Sub {
    Sub {
        client,
        qos,
        id,
        no_local: false,
    }
}

fn same_client(old: &Sub, new: &Sub) -> bool {
    old.client == new.client
}

/// (filter, group, client, qos) of every match, sorted.
type Hit = (String, Option<String>, &'static str, u8);

fn hits(trie: &SubscriptionTrie<Sub>, n: &str) -> Vec<Hit> {
    let mut out: Vec<Hit> = trie
        .matches(&name(n))
        .flat_map(|m| {
            let f = m.filter().to_string();
            let g = m.share_group().map(str::to_owned);
            m.values()
                .iter()
                .map(move |s| (f.clone(), g.clone(), s.client, s.qos))
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
    assert_eq!(
        TopicError::WildcardInName.to_string(),
        "wildcard character in topic name [MQTT-3.3.2-2]"
    );
}

/// The Topic Name in a server-to-client PUBLISH matches the subscription's filter (§4.7): the
/// trie reports exactly the subscriptions whose filter (part after `$share/{group}/`) matches.
#[test]
fn mqtt_3_3_2_3_delivered_name_matches_filter() {
    let filters = [
        "sport/#",
        "sport/+/player1",
        "$share/g/sport/+",
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
    }
}

/// A Response Topic is a Topic Name: it must not contain wildcard characters.
#[test]
fn mqtt_3_3_2_14_response_topic_has_no_wildcards() {
    assert!(TopicName::new("replies/client-7").is_ok());
    for bad in ["replies/+", "replies/#"] {
        assert_eq!(
            TopicName::new(bad),
            Err(TopicError::WildcardInName),
            "{bad}"
        );
    }
}

/// Overlapping subscriptions of one client: delivery honours the highest granted QoS among
/// them. The lookup reports every matching subscription, so the broker can take the maximum.
#[test]
fn mqtt_3_3_4_2_overlapping_subscriptions_highest_qos() {
    let mut trie = SubscriptionTrie::new();
    trie.insert(&filter("a/+"), sub("c1", 1, None));
    trie.insert(&filter("a/#"), sub("c1", 2, None));
    trie.insert(&filter("#"), sub("c1", 0, None));
    let best = trie
        .matches(&name("a/b"))
        .flat_map(|m| m.values())
        .map(|s| s.qos)
        .max();
    assert_eq!(best, Some(2));
}

/// Overlapping subscriptions with Subscription Identifiers: the message carries those
/// identifiers. Each matching subscription is reported with its own value (and identifier).
#[test]
fn mqtt_3_3_4_3_overlapping_subscription_identifiers_reported() {
    let mut trie = SubscriptionTrie::new();
    trie.insert(&filter("a/+"), sub("c1", 1, Some(7)));
    trie.insert(&filter("a/#"), sub("c1", 1, Some(9)));
    trie.insert(&filter("a/b"), sub("c1", 1, None));
    let ids: BTreeSet<u32> = trie
        .matches(&name("a/b"))
        .flat_map(|m| m.values())
        .filter_map(|s| s.id)
        .collect();
    assert_eq!(ids, BTreeSet::from([7, 9]));
}

/// If one copy is delivered, it carries the Subscription Identifiers of all matching
/// subscriptions (order irrelevant): grouping the lookup by client yields them all.
#[test]
fn mqtt_3_3_4_4_single_copy_carries_all_identifiers() {
    let mut trie = SubscriptionTrie::new();
    trie.insert(&filter("+/b"), sub("c1", 0, Some(1)));
    trie.insert(&filter("a/#"), sub("c1", 0, Some(2)));
    trie.insert(&filter("a/b"), sub("c2", 0, Some(3)));
    let mut per_client: BTreeMap<&str, BTreeSet<u32>> = BTreeMap::new();
    for m in trie.matches(&name("a/b")) {
        for s in m.values() {
            per_client.entry(s.client).or_default().extend(s.id);
        }
    }
    assert_eq!(
        per_client,
        BTreeMap::from([("c1", BTreeSet::from([1, 2])), ("c2", BTreeSet::from([3]))])
    );
}

/// If separate copies are delivered, each carries the identifier of its own subscription:
/// every match pairs the filter with the values stored under it.
#[test]
fn mqtt_3_3_4_5_separate_copies_carry_own_identifier() {
    let mut trie = SubscriptionTrie::new();
    trie.insert(&filter("+/b"), sub("c1", 0, Some(1)));
    trie.insert(&filter("a/#"), sub("c1", 0, Some(2)));
    trie.insert(&filter("a/b"), sub("c1", 0, None));
    let mut copies: Vec<(String, Option<u32>)> = trie
        .matches(&name("a/b"))
        .flat_map(|m| {
            let f = m.filter().to_string();
            m.values().iter().map(move |s| (f.clone(), s.id))
        })
        .collect();
    copies.sort();
    assert_eq!(
        copies,
        [
            ("+/b".to_owned(), Some(1)),
            ("a/#".to_owned(), Some(2)),
            ("a/b".to_owned(), None)
        ]
    );
}

/// No Local = 1: messages are not forwarded to the connection that published them. The trie
/// reports the subscriber with each match, so the broker can drop its own No Local entries.
#[test]
fn mqtt_3_8_3_3_no_local_subscriber_identifiable() {
    let mut trie = SubscriptionTrie::new();
    trie.insert(
        &filter("chat/#"),
        Sub {
            no_local: true,
            ..sub("alice", 0, None)
        },
    );
    trie.insert(&filter("chat/+"), sub("bob", 0, None));
    let publisher = "alice";
    let receivers: Vec<&str> = trie
        .matches(&name("chat/room1"))
        .flat_map(|m| m.values())
        .filter(|s| !(s.no_local && s.client == publisher))
        .map(|s| s.client)
        .collect();
    assert_eq!(receivers, ["bob"]);
}

/// No Local = 1 on a Shared Subscription is a Protocol Error: the filter says whether it is
/// shared, so the receiver can refuse it (and in 3.1.1 `$share/` is never shared).
#[test]
fn mqtt_3_8_3_4_shared_subscription_detectable_for_no_local() {
    assert!(filter("$share/g/a").is_shared());
    assert!(!filter("a/b").is_shared());
    assert!(!filter("$sharex/g/a").is_shared());
    assert!(
        !TopicFilter::new_in("$share/g/a", TopicDialect::V3)
            .unwrap()
            .is_shared()
    );
    assert!(TopicDialect::V5.has_shared_subscriptions());
    assert!(!TopicDialect::V3.has_shared_subscriptions());
}

/// A SUBSCRIBE with the same filter as an existing non-shared subscription replaces it.
#[test]
fn mqtt_3_8_4_3_same_filter_replaces_subscription() {
    let mut trie = SubscriptionTrie::new();
    assert_eq!(
        trie.insert_by(&filter("a/+"), sub("c1", 0, Some(1)), same_client),
        None
    );
    assert_eq!(
        trie.insert_by(&filter("a/+"), sub("c1", 2, Some(5)), same_client),
        Some(sub("c1", 0, Some(1)))
    );
    assert_eq!(trie.len(), 1);
    assert_eq!(trie.get(&filter("a/+")), [sub("c1", 2, Some(5))]);
    // A shared subscription to the same filter part is a different subscription.
    assert_eq!(
        trie.insert_by(&filter("$share/g/a/+"), sub("c1", 1, None), same_client),
        None
    );
    assert_eq!(trie.len(), 2);
}

/// A SUBSCRIBE with several filters is handled like consecutive single SUBSCRIBEs.
#[test]
fn mqtt_3_8_4_5_multi_filter_subscribe_is_sequential() {
    let request = [("a/b", 0), ("$share/g/a/b", 1), ("a/b", 2), ("#", 1)];
    let mut trie = SubscriptionTrie::new();
    let replaced: Vec<bool> = request
        .iter()
        .map(|(f, q)| {
            trie.insert_by(&filter(f), sub("c1", *q, None), same_client)
                .is_some()
        })
        .collect();
    assert_eq!(replaced, [false, false, true, false]);
    assert_eq!(
        hits(&trie, "a/b"),
        [
            ("#".to_owned(), None, "c1", 1),
            ("a/b".to_owned(), None, "c1", 2),
            ("a/b".to_owned(), Some("g".to_owned()), "c1", 1),
        ]
    );
}

/// UNSUBSCRIBE compares filters literally, wildcards and share names included.
#[test]
fn mqtt_3_10_4_1_unsubscribe_compares_literally() {
    let mut trie = SubscriptionTrie::new();
    for f in ["a/b", "a/+", "$share/g/a/+", "$share/h/a/+"] {
        trie.insert(&filter(f), sub("c1", 0, None));
    }
    let c1 = sub("c1", 0, None);
    assert_eq!(trie.remove(&filter("$share/g/a/+"), &c1), Some(c1.clone()));
    assert_eq!(trie.remove(&filter("$share/g/a/+"), &c1), None);
    assert_eq!(trie.remove(&filter("$share/g/a/b"), &c1), None);
    assert_eq!(trie.remove(&filter("+/+"), &c1), None);
    assert_eq!(trie.len(), 3);
    assert_eq!(trie.get(&filter("a/+")), core::slice::from_ref(&c1));
    assert_eq!(trie.get(&filter("$share/h/a/+")), [c1]);
}

/// An UNSUBSCRIBE with several filters is processed like consecutive single ones.
#[test]
fn mqtt_3_10_4_6_multi_filter_unsubscribe_is_sequential() {
    let mut trie = SubscriptionTrie::new();
    for f in ["a/b", "a/+", "$share/g/c"] {
        trie.insert(&filter(f), sub("c1", 0, None));
    }
    let removed: Vec<bool> = ["a/b", "x/y", "a/b", "$share/g/c"]
        .iter()
        .map(|f| trie.remove(&filter(f), &sub("c1", 0, None)).is_some())
        .collect();
    assert_eq!(removed, [true, false, false, true]);
    assert_eq!(trie.filter_count(), 1);
}

/// Wildcards may appear in Topic Filters only, never in Topic Names.
#[test]
fn mqtt_4_7_0_1_wildcards_only_in_filters() {
    for s in ["#", "+", "a/+/b", "a/#", "$share/g/+"] {
        assert!(TopicFilter::new(s).is_ok(), "{s}");
        assert_eq!(TopicName::new(s), Err(TopicError::WildcardInName), "{s}");
    }
}

/// `#` stands alone or right after `/`, and is always the last character of the filter.
#[test]
fn mqtt_4_7_1_1_multi_level_wildcard_last() {
    for ok in ["#", "sport/#", "/#", "+/#", "$share/g/#"] {
        assert!(TopicFilter::new(ok).is_ok(), "{ok}");
    }
    for bad in [
        "sport/tennis#",
        "sport/tennis/#/ranking",
        "#/",
        "##",
        "$share/g/a#",
    ] {
        assert_eq!(filter_err(bad), TopicError::MultiLevelNotLast, "{bad}");
    }
    assert_eq!(
        TopicError::MultiLevelNotLast.rule_id(TopicDialect::V5),
        "MQTT-4.7.1-1"
    );
    assert!(filter("sport/#").matches(&name("sport")));
}

/// `+` fills an entire level; it is allowed at any level, including the first and last.
#[test]
fn mqtt_4_7_1_2_single_level_wildcard_whole_level() {
    for ok in ["+", "+/a", "a/+", "+/+/+", "$share/g/+"] {
        assert!(TopicFilter::new(ok).is_ok(), "{ok}");
    }
    for bad in ["sport+", "+sport", "a/b+/c", "$share/g/x+"] {
        assert_eq!(
            filter_err(bad),
            TopicError::SingleLevelNotWholeLevel,
            "{bad}"
        );
    }
    assert_eq!(
        TopicError::SingleLevelNotWholeLevel.rule_id(TopicDialect::V5),
        "MQTT-4.7.1-2"
    );
    assert!(filter("+/+").matches(&name("/finance")));
    assert!(!filter("+").matches(&name("/finance")));
}

/// Filters beginning with `+` or `#` never match names beginning with `$`, also when they are
/// the filter part of a shared subscription; `$SYS/#` does match.
#[test]
fn mqtt_4_7_2_1_dollar_topics_not_matched_by_leading_wildcard() {
    let sys = name("$SYS/broker/load");
    for f in ["#", "+/broker/load", "$share/g/#", "$share/g/+/broker/load"] {
        assert!(!filter(f).matches(&sys), "{f}");
    }
    assert!(!matches("#", "$SYS/broker/load"));
    assert!(filter("$SYS/#").matches(&sys));
    assert!(filter("$share/g/$SYS/+/load").matches(&sys));
    let mut trie = SubscriptionTrie::new();
    for f in ["#", "+/broker/load", "$share/g/#", "$SYS/#"] {
        trie.insert(&filter(f), sub("c1", 0, None));
    }
    let got: Vec<String> = hits(&trie, sys.as_str()).into_iter().map(|h| h.0).collect();
    assert_eq!(got, ["$SYS/#"]);
    let mut retained = RetainedIndex::new();
    retained.insert(&sys, ());
    assert_eq!(retained.matching(&filter("#")).count(), 0);
    assert_eq!(retained.matching(&filter("+/+/+")).count(), 0);
    assert_eq!(retained.matching(&filter("$SYS/#")).count(), 1);
}

/// Topic Names and Topic Filters are at least one character long.
#[test]
fn mqtt_4_7_3_1_at_least_one_character() {
    assert_eq!(TopicName::new(""), Err(TopicError::Empty));
    assert_eq!(filter_err(""), TopicError::Empty);
    assert_eq!(
        TopicFilter::from_bytes(Bytes::new()),
        Err(TopicError::Empty)
    );
}

/// Topic Names and Topic Filters never contain U+0000 (nor does a ShareName).
#[test]
fn mqtt_4_7_3_2_no_null_character() {
    for s in ["\0", "a\0b", "a/\0", "$share/g\0/a", "$share/g/a\0"] {
        assert_eq!(filter_err(s), TopicError::NullChar, "{s:?}");
    }
    assert_eq!(TopicName::new("a\0"), Err(TopicError::NullChar));
}

/// Topic Names and Topic Filters encode to no more than 65,535 bytes.
#[test]
fn mqtt_4_7_3_3_at_most_65535_bytes() {
    let max = "a".repeat(65_535);
    assert!(TopicName::new(&max).is_ok());
    assert!(TopicFilter::new(&max).is_ok());
    let over = max + "b";
    assert_eq!(
        TopicName::new(&over),
        Err(TopicError::TooLong { len: 65_536 })
    );
    assert_eq!(filter_err(&over), TopicError::TooLong { len: 65_536 });
}

/// Subscription matching applies no normalization or character substitution.
#[test]
fn mqtt_4_7_3_4_no_normalization() {
    let pairs = [
        ("ACCOUNTS", "Accounts"),
        ("caf\u{e9}", "cafe\u{301}"),
        ("a ", "a"),
    ];
    for (f, n) in pairs {
        assert!(filter(f).matches(&name(f)));
        assert!(!filter(f).matches(&name(n)), "{f} vs {n}");
        assert!(!matches(f, n));
    }
}

/// A shared subscription starts with `$share/` followed by a ShareName of at least one
/// character.
#[test]
fn mqtt_4_8_2_1_share_name_non_empty() {
    let f = filter("$share/consumer1/sport/tennis/+");
    assert_eq!(f.share_group(), Some("consumer1"));
    assert_eq!(f.filter(), "sport/tennis/+");
    assert_eq!(f.as_str(), "$share/consumer1/sport/tennis/+");
    assert_eq!(filter_err("$share//sport"), TopicError::BadShareGroup);
    assert_eq!(filter_err("$share/"), TopicError::BadShareGroup);
    // In 3.1.1 these are ordinary filters.
    assert!(TopicFilter::new_in("$share//sport", TopicDialect::V3).is_ok());
}

/// The ShareName has no `/`, `+` or `#`, and is followed by `/` and a Topic Filter. Each
/// matching group is reported once with all its members, so one member can be picked.
#[test]
fn mqtt_4_8_2_2_share_name_chars_and_filter() {
    assert_eq!(filter_err("$share/a+b/x"), TopicError::BadShareGroup);
    assert_eq!(filter_err("$share/#"), TopicError::BadShareGroup);
    assert_eq!(filter_err("$share/+/x"), TopicError::BadShareGroup);
    assert_eq!(filter_err("$share/g1"), TopicError::ShareFilterMissing);
    assert_eq!(filter_err("$share/g1/"), TopicError::ShareFilterMissing);
    let f = filter("$share/g1//finance");
    assert_eq!((f.share_group(), f.filter()), (Some("g1"), "/finance"));
    assert!(f.matches(&name("/finance")));

    let mut trie = SubscriptionTrie::new();
    for c in ["c1", "c2", "c3"] {
        trie.insert(&filter("$share/workers/jobs/+"), sub(c, 1, None));
    }
    trie.insert(&filter("$share/audit/jobs/#"), sub("c9", 0, None));
    trie.insert(&filter("jobs/+"), sub("c4", 0, None));
    let n = name("jobs/42");
    let groups: Vec<(Option<&str>, usize)> = {
        let mut g: Vec<_> = trie
            .matches(&n)
            .map(|m| (m.share_group(), m.values().len()))
            .collect();
        g.sort_unstable();
        g
    };
    assert_eq!(
        groups,
        [(None, 1), (Some("audit"), 1), (Some("workers"), 3)]
    );
    let mut rr = RoundRobin::new();
    let picked: Vec<&str> = (0..4)
        .map(|_| {
            let m = trie
                .matches(&n)
                .find(|m| m.share_group() == Some("workers"))
                .unwrap();
            rr.pick(m.values()).unwrap().client
        })
        .collect();
    assert_eq!(picked, ["c1", "c2", "c3", "c1"]);
}
