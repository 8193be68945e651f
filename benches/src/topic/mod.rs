//! Topic-matching adapters (workload 6): linear matchers (one filter against one name) and tries
//! (every filter against one name), ours beside the peers.
//!
//! Names are turned into each implementation's name type outside the timed region (ours: a
//! validated [`mqtt_topic::TopicName`]; quill: a split `Topic`; mqtt-topic-engine: a
//! split `TopicPath`), as a broker would do once per PUBLISH before routing it.

use std::collections::HashSet;

use mqtt_topic::{SubscriptionTrie, TopicFilter, TopicName};

/// A linear matcher: is this one filter matching this one name?
pub trait Linear {
    /// Display name.
    const NAME: &'static str;
    /// A parsed filter.
    type Filter;
    /// A parsed name.
    type Name;
    /// Parses a (valid) filter.
    fn filter(s: &str) -> Self::Filter;
    /// Parses a (valid) name.
    fn name(s: &str) -> Self::Name;
    /// Whether `f` matches `n`.
    fn matches(f: &Self::Filter, n: &Self::Name) -> bool;
}

/// How many of `filters` match `name`, one by one.
#[inline]
pub fn linear_count<L: Linear>(filters: &[L::Filter], name: &L::Name) -> usize {
    filters.iter().filter(|f| L::matches(f, name)).count()
}

/// A trie (or any index) of many filters, asked for all filters matching a name.
pub trait Trie {
    /// Display name.
    const NAME: &'static str;
    /// The index.
    type Index;
    /// A parsed name.
    type Name;
    /// Builds the index; the value of filter `i` is `i`.
    fn build(filters: &[String]) -> Self::Index;
    /// Parses a (valid) name.
    fn name(s: &str) -> Self::Name;
    /// How many (filter, value) pairs match `n` (a filter listed twice counts twice).
    fn count(index: &Self::Index, n: &Self::Name) -> usize;
}

/// `mqtt_topic::matches(&str, &str)` on plain strings.
#[derive(Debug)]
pub struct OursStr;

impl Linear for OursStr {
    const NAME: &'static str = "mqtt-topic matches(&str) (ours)";
    type Filter = String;
    type Name = String;
    fn filter(s: &str) -> String {
        s.to_owned()
    }
    fn name(s: &str) -> String {
        s.to_owned()
    }
    #[inline]
    fn matches(f: &String, n: &String) -> bool {
        mqtt_topic::matches(f, n)
    }
}

/// `TopicFilter::matches(&TopicName)` on validated values.
#[derive(Debug)]
pub struct OursTyped;

impl Linear for OursTyped {
    const NAME: &'static str = "mqtt-topic TopicFilter::matches (ours)";
    type Filter = TopicFilter;
    type Name = TopicName;
    fn filter(s: &str) -> TopicFilter {
        TopicFilter::new(s).expect("workload filters are valid")
    }
    fn name(s: &str) -> TopicName {
        TopicName::new(s).expect("workload names are valid")
    }
    #[inline]
    fn matches(f: &TopicFilter, n: &TopicName) -> bool {
        f.matches(n)
    }
}

/// `rumqttc::mqttbytes::matches(topic, filter)`.
#[derive(Debug)]
pub struct RumqttcMatches;

impl Linear for RumqttcMatches {
    const NAME: &'static str = "rumqttc matches";
    type Filter = String;
    type Name = String;
    fn filter(s: &str) -> String {
        s.to_owned()
    }
    fn name(s: &str) -> String {
        s.to_owned()
    }
    #[inline]
    fn matches(f: &String, n: &String) -> bool {
        rumqttc::mqttbytes::matches(n, f)
    }
}

/// `ntex_mqtt::TopicFilter::matches_topic` (a pre-split filter against a `&str` name).
#[derive(Debug)]
pub struct NtexTopicFilter;

impl Linear for NtexTopicFilter {
    const NAME: &'static str = "ntex-mqtt TopicFilter";
    type Filter = ntex_mqtt::TopicFilter;
    type Name = String;
    fn filter(s: &str) -> ntex_mqtt::TopicFilter {
        s.parse().expect("workload filters are valid")
    }
    fn name(s: &str) -> String {
        s.to_owned()
    }
    #[inline]
    fn matches(f: &ntex_mqtt::TopicFilter, n: &String) -> bool {
        f.matches_topic(n)
    }
}

/// `mqtt_topic::SubscriptionTrie<u64>`.
#[derive(Debug)]
pub struct OursTrie;

impl Trie for OursTrie {
    const NAME: &'static str = "mqtt-topic SubscriptionTrie (ours)";
    type Index = SubscriptionTrie<u64>;
    type Name = TopicName;
    fn build(filters: &[String]) -> SubscriptionTrie<u64> {
        let mut trie = SubscriptionTrie::new();
        for (i, f) in filters.iter().enumerate() {
            let filter = TopicFilter::new(f).expect("workload filters are valid");
            trie.insert(&filter, i as u64);
        }
        trie
    }
    fn name(s: &str) -> TopicName {
        TopicName::new(s).expect("workload names are valid")
    }
    #[inline]
    fn count(index: &SubscriptionTrie<u64>, n: &TopicName) -> usize {
        index.matches(n).map(|m| m.values().len()).sum()
    }
}

/// `mqtt_topic_engine::topic_matcher::TopicMatcherNode<HashSet<u64>>` (the trie under its
/// `TopicRouter`).
#[derive(Debug)]
pub struct TopicEngine;

impl Trie for TopicEngine {
    const NAME: &'static str = "mqtt-topic-engine";
    type Index = mqtt_topic_engine::topic_matcher::TopicMatcherNode<HashSet<u64>>;
    type Name = mqtt_topic_engine::TopicPath;
    fn build(filters: &[String]) -> Self::Index {
        let mut root = Self::Index::new();
        for (i, f) in filters.iter().enumerate() {
            let pattern = mqtt_topic_engine::TopicPatternPath::new_from_string(
                f.as_str(),
                mqtt_topic_engine::CacheStrategy::NoCache,
            )
            .expect("workload filters are valid");
            root.get_or_create_subscription_table(&pattern)
                .insert(i as u64);
        }
        root
    }
    fn name(s: &str) -> mqtt_topic_engine::TopicPath {
        mqtt_topic_engine::TopicPath::new(s).expect("workload names are valid")
    }
    #[inline]
    fn count(index: &Self::Index, n: &mqtt_topic_engine::TopicPath) -> usize {
        index.find_by_path(n).iter().map(|set| set.len()).sum()
    }
}

/// `quill::Registry<u64>` (the crate `quill-pubsub`).
#[derive(Debug)]
pub struct Quill;

impl Trie for Quill {
    const NAME: &'static str = "quill-pubsub";
    type Index = quill::Registry<u64>;
    type Name = quill::Topic;
    fn build(filters: &[String]) -> quill::Registry<u64> {
        let registry = quill::Registry::new();
        for (i, f) in filters.iter().enumerate() {
            registry.subscribe(quill::Pattern::parse(f).expect("valid filter"), i as u64);
        }
        registry
    }
    fn name(s: &str) -> quill::Topic {
        quill::Topic::parse(s).expect("workload names are valid")
    }
    #[inline]
    fn count(index: &quill::Registry<u64>, n: &quill::Topic) -> usize {
        index.matching(n).len()
    }
}
