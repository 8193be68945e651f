//! The `topic` target: reference models of the topic rules (written from MQTT §4.7 and
//! §4.8.2, not from `mqtt-topic`'s code) and the state its ops build.

use bytes::Bytes;
use mqtt_topic::{
    Match, RetainedIndex, SubscriptionTrie, TopicDialect, TopicError, TopicFilter, TopicName,
};

const MAX_LEN: usize = 65_535;
const SHARE: &[u8] = b"$share/";

/// Whether `b` is a valid topic name: 1 to 65,535 bytes of UTF-8, no U+0000, no wildcard.
fn name_ok(b: &[u8]) -> bool {
    (1..=MAX_LEN).contains(&b.len())
        && core::str::from_utf8(b).is_ok()
        && !b.iter().any(|c| matches!(c, 0 | b'+' | b'#'))
}

/// Where the matched filter starts if `b` is a valid filter of `dialect` (after
/// `$share/{group}/` in 5.0), `None` if it is invalid.
fn filter_start(b: &[u8], dialect: TopicDialect) -> Option<usize> {
    if !(1..=MAX_LEN).contains(&b.len()) || core::str::from_utf8(b).is_err() || b.contains(&0) {
        return None;
    }
    let mut start = 0;
    if let (TopicDialect::V5, Some(rest)) = (dialect, b.strip_prefix(SHARE)) {
        let group_len = rest.iter().position(|&c| c == b'/').unwrap_or(rest.len());
        let group = &rest[..group_len];
        let filter = rest.get(group_len + 1..).unwrap_or_default();
        if group.is_empty() || group.contains(&b'+') || group.contains(&b'#') || filter.is_empty() {
            return None;
        }
        start = SHARE.len() + group_len + 1;
    }
    let levels: Vec<&[u8]> = b[start..].split(|&c| c == b'/').collect();
    for (i, level) in levels.iter().enumerate() {
        let wild = level.contains(&b'+') || level.contains(&b'#');
        let ok = !wild || *level == b"+" || (*level == b"#" && i + 1 == levels.len());
        if !ok {
            return None;
        }
    }
    Some(start)
}

/// MQTT §4.7 matching, as prefix-or-equal-length level comparison: a filter ending in `#`
/// matches names whose first levels match the levels before it (the parent level included);
/// any other filter matches names with as many levels, `+` matching any one level; a name
/// starting with `$` is not matched by a filter starting with a wildcard [MQTT-4.7.2-1].
fn reference_matches(filter: &str, name: &str) -> bool {
    let f: Vec<&str> = filter.split('/').collect();
    let n: Vec<&str> = name.split('/').collect();
    if name.starts_with('$') && matches!(f.first(), Some(&("+" | "#"))) {
        return false;
    }
    let level = |(a, b): (&&str, &&str)| *a == "+" || a == b;
    match f.split_last() {
        Some((&"#", prefix)) => n.len() >= prefix.len() && prefix.iter().zip(&n).all(level),
        _ => f.len() == n.len() && f.iter().zip(&n).all(level),
    }
}

/// Checks every name constructor on `b`; the name if valid.
fn check_name(b: &[u8]) -> Option<TopicName> {
    let from_bytes = TopicName::from_bytes(Bytes::copy_from_slice(b));
    assert_eq!(
        from_bytes.is_ok(),
        name_ok(b),
        "TopicName::from_bytes({b:02x?}) = {from_bytes:?}"
    );
    if let Ok(s) = core::str::from_utf8(b) {
        assert_eq!(
            TopicName::new(s),
            from_bytes,
            "TopicName::new vs from_bytes on {s:?}"
        );
        assert_eq!(s.parse::<TopicName>(), from_bytes);
        assert_eq!(TopicName::try_from(s.to_owned()), from_bytes);
    } else if let Err(e) = from_bytes {
        let utf8_or_earlier = matches!(
            e,
            TopicError::InvalidUtf8
                | TopicError::NullChar
                | TopicError::WildcardInName
                | TopicError::TooLong { .. }
        );
        assert!(utf8_or_earlier, "non-UTF-8 name refused with {e:?}");
    }
    let name = from_bytes.ok()?;
    let s = name.as_str();
    assert_eq!(s.as_bytes(), b);
    assert_eq!(name.as_bytes(), b);
    assert_eq!(name.len(), b.len());
    assert_eq!(name.is_dollar(), s.starts_with('$'));
    assert!(name.levels().eq(s.split('/')));
    assert!(name.levels().rev().eq(s.rsplit('/')));
    assert_eq!(name, s);
    // A name is a filter without wildcards that matches exactly itself.
    let as_filter = TopicFilter::from(name.clone());
    assert_eq!(
        TopicFilter::new_in(s, TopicDialect::V3).as_ref(),
        Ok(&as_filter)
    );
    assert!(!as_filter.has_wildcards() && !as_filter.is_shared());
    assert!(
        as_filter.matches(&name),
        "{s:?} as a filter does not match itself"
    );
    Some(name)
}

/// Checks every filter constructor of `dialect` on `b`; the filter if valid.
fn check_filter(b: &[u8], dialect: TopicDialect) -> Option<TopicFilter> {
    let from_bytes = TopicFilter::from_bytes_in(Bytes::copy_from_slice(b), dialect);
    let start = filter_start(b, dialect);
    assert_eq!(
        from_bytes.is_ok(),
        start.is_some(),
        "{dialect:?} filter {b:02x?}: {from_bytes:?}"
    );
    if let Ok(s) = core::str::from_utf8(b) {
        assert_eq!(
            TopicFilter::new_in(s, dialect),
            from_bytes,
            "new_in vs from_bytes_in: {s:?}"
        );
        if dialect == TopicDialect::V5 {
            assert_eq!(TopicFilter::new(s), from_bytes);
            assert_eq!(s.parse::<TopicFilter>(), from_bytes);
            assert_eq!(TopicFilter::try_from(s), from_bytes);
            assert_eq!(
                TopicFilter::from_bytes(Bytes::copy_from_slice(b)),
                from_bytes
            );
        }
    }
    let filter = from_bytes.ok()?;
    let start = start.expect("valid");
    let s = filter.as_str();
    assert_eq!(s.as_bytes(), b);
    assert_eq!(filter.as_bytes(), b);
    assert_eq!(filter.len(), b.len());
    assert_eq!(filter.filter(), &s[start..]);
    assert_eq!(filter.filter_bytes(), &b[start..]);
    assert_eq!(filter.is_shared(), start > 0);
    let group = (start > 0).then(|| &s[SHARE.len()..start - 1]);
    assert_eq!(filter.share_group(), group);
    let matched = filter.filter();
    assert_eq!(filter.has_wildcards(), matched.contains(['+', '#']));
    assert!(filter.levels().eq(matched.split('/')));
    assert_eq!(filter.to_string(), s);
    Some(filter)
}

/// One filter's list in the model of a [`SubscriptionTrie`]: the ordinary subscribers of a
/// filter, or one shared group under it.
#[derive(Clone, Debug, Eq, Ord, PartialEq, PartialOrd)]
struct ListModel {
    /// The matched part (after `$share/{group}/`).
    filter: String,
    group: Option<String>,
    /// Values in insertion order.
    values: Vec<u8>,
}

/// What the `topic` target's ops built: the real trie and index, and their linear models.
#[derive(Default)]
pub(crate) struct TopicState {
    names: Vec<TopicName>,
    filters: Vec<TopicFilter>,
    trie: SubscriptionTrie<u8>,
    lists: Vec<ListModel>,
    retained: RetainedIndex<usize>,
    retained_model: Vec<(TopicName, usize)>,
    ops: usize,
}

impl TopicState {
    /// Applies one input line (see [`crate::topic`]).
    pub(crate) fn apply(&mut self, line: &[u8]) {
        self.ops += 1;
        let (op, arg) = match line.split_first() {
            Some((&op, arg)) if b"NFfUuRDX".contains(&op) => (op, arg),
            _ => (b'?', line),
        };
        let name = check_name(arg);
        let v5 = check_filter(arg, TopicDialect::V5);
        let v3 = check_filter(arg, TopicDialect::V3);
        if !arg.starts_with(SHARE) {
            assert_eq!(v5, v3, "the dialects differ on a non-shared filter");
        }
        if let (Some(name), Some(v3)) = (&name, &v3) {
            assert_eq!(&TopicFilter::from(name.clone()), v3);
        }
        // Values: a few client ids, so inserts replace and removes hit.
        let value = u8::try_from(self.ops % 4).expect("small");
        match op {
            b'F' | b'f' => {
                if let Some(filter) = if op == b'F' { v5 } else { v3 } {
                    self.subscribe(&filter, value);
                    self.filters.push(filter);
                }
            }
            b'U' | b'u' => {
                if let Some(filter) = if op == b'U' { v5 } else { v3 } {
                    self.unsubscribe(&filter, value);
                }
            }
            b'R' => {
                if let Some(name) = name {
                    let model = match self.retained_model.iter_mut().find(|(n, _)| *n == name) {
                        Some((_, v)) => Some(core::mem::replace(v, self.ops)),
                        None => {
                            self.retained_model.push((name.clone(), self.ops));
                            None
                        }
                    };
                    assert_eq!(
                        self.retained.insert(&name, self.ops),
                        model,
                        "insert {name:?}"
                    );
                    self.names.push(name);
                }
            }
            b'D' => {
                if let Some(name) = name {
                    let i = self.retained_model.iter().position(|(n, _)| *n == name);
                    let model = i.map(|i| self.retained_model.remove(i).1);
                    assert_eq!(self.retained.remove(&name), model, "remove {name:?}");
                }
            }
            b'X' => {
                self.trie.retain(|v| *v != value);
                for list in &mut self.lists {
                    list.values.retain(|v| *v != value);
                }
                self.lists.retain(|l| !l.values.is_empty());
                let parity = self.ops % 2;
                self.retained.retain(|_, v| *v % 2 != parity);
                self.retained_model.retain(|(_, v)| *v % 2 != parity);
            }
            _ => {
                self.names.extend(name);
                self.filters.extend(v5);
            }
        }
        self.check_sizes();
    }

    fn list(&mut self, filter: &TopicFilter) -> Option<&mut ListModel> {
        let group = filter.share_group();
        self.lists
            .iter_mut()
            .find(|l| l.filter == filter.filter() && l.group.as_deref() == group)
    }

    fn subscribe(&mut self, filter: &TopicFilter, value: u8) {
        let model = match self.list(filter) {
            Some(list) if list.values.contains(&value) => Some(value),
            Some(list) => {
                list.values.push(value);
                None
            }
            None => {
                self.lists.push(ListModel {
                    filter: filter.filter().to_owned(),
                    group: filter.share_group().map(str::to_owned),
                    values: vec![value],
                });
                None
            }
        };
        assert_eq!(
            self.trie.insert(filter, value),
            model,
            "insert {filter:?} {value}"
        );
        let list = self.list(filter).expect("just inserted").values.clone();
        assert_eq!(self.trie.get(filter), list, "get {filter:?}");
    }

    fn unsubscribe(&mut self, filter: &TopicFilter, value: u8) {
        let model = self.list(filter).and_then(|list| {
            let i = list.values.iter().position(|v| *v == value)?;
            Some(list.values.remove(i))
        });
        self.lists.retain(|l| !l.values.is_empty());
        assert_eq!(
            self.trie.remove(filter, &value),
            model,
            "remove {filter:?} {value}"
        );
        let list = self
            .list(filter)
            .map(|l| l.values.clone())
            .unwrap_or_default();
        assert_eq!(self.trie.get(filter), list, "get {filter:?}");
    }

    fn check_sizes(&self) {
        let values: usize = self.lists.iter().map(|l| l.values.len()).sum();
        assert_eq!(self.trie.len(), values);
        assert_eq!(self.trie.is_empty(), values == 0);
        assert_eq!(self.trie.filter_count(), self.lists.len());
        assert_eq!(self.retained.len(), self.retained_model.len());
        assert_eq!(self.retained.is_empty(), self.retained_model.is_empty());
    }

    /// Checks matching, the trie and the index over everything the ops built.
    pub(crate) fn check(&self) {
        for filter in &self.filters {
            for name in &self.names {
                let want = reference_matches(filter.filter(), name.as_str());
                assert_eq!(filter.matches(name), want, "{filter:?} vs {name:?}");
                assert_eq!(mqtt_topic::matches(filter.filter(), name.as_str()), want);
            }
        }

        let mut all: Vec<ListModel> = self.trie.iter().map(|m| list_of(&m)).collect();
        all.sort();
        let mut model = self.lists.clone();
        model.sort();
        assert_eq!(all, model, "SubscriptionTrie::iter");
        for name in &self.names {
            let mut found: Vec<ListModel> = self.trie.matches(name).map(|m| list_of(&m)).collect();
            found.sort();
            let mut want: Vec<ListModel> = self
                .lists
                .iter()
                .filter(|l| reference_matches(&l.filter, name.as_str()))
                .cloned()
                .collect();
            want.sort();
            assert_eq!(found, want, "SubscriptionTrie::matches({name:?})");
        }

        let mut all: Vec<(String, usize)> = self
            .retained
            .iter()
            .map(|(path, v)| (path.to_string(), *v))
            .collect();
        all.sort();
        let mut model: Vec<(String, usize)> = self
            .retained_model
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), *v))
            .collect();
        model.sort();
        assert_eq!(all, model, "RetainedIndex::iter");
        for (name, v) in &self.retained_model {
            assert_eq!(self.retained.get(name), Some(v));
            assert!(self.retained.contains(name));
        }
        for filter in &self.filters {
            let mut found: Vec<(String, usize)> = self
                .retained
                .matching(filter)
                .map(|(path, v)| {
                    assert!(path == path.to_string().as_str(), "TopicPath == its text");
                    (path.to_string(), *v)
                })
                .collect();
            found.sort();
            let want: Vec<(String, usize)> = model
                .iter()
                .filter(|(n, _)| reference_matches(filter.filter(), n))
                .cloned()
                .collect();
            assert_eq!(found, want, "RetainedIndex::matching({filter:?})");
        }
    }
}

/// A trie match as a model list, checking the match's own consistency.
fn list_of(m: &Match<'_, u8>) -> ListModel {
    let filter = m.filter().to_string();
    assert!(m.filter() == filter.as_str(), "TopicPath == its text");
    assert_eq!(m.filter().depth(), filter.split('/').count());
    assert!(m.filter().levels_rev().eq(filter.rsplit('/')));
    assert_eq!(m.is_shared(), m.share_group().is_some());
    assert!(!m.values().is_empty(), "a match without values");
    ListModel {
        filter,
        group: m.share_group().map(str::to_owned),
        values: m.values().to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_matcher_table() {
        for (f, n, want) in [
            ("#", "a", true),
            ("#", "$SYS/a", false),
            ("$SYS/#", "$SYS", true),
            ("a/#", "a", true),
            ("a/+", "a", false),
            ("a/+", "a/", true),
            ("+/+", "/", true),
            ("+", "", true),
            ("a/b", "a/b/", false),
            ("+/#", "$a", false),
            ("a/+/c", "a/b/c", true),
            ("sport/tennis/#", "sport/tennis/player1/ranking", true),
        ] {
            assert_eq!(reference_matches(f, n), want, "{f} vs {n}");
        }
    }

    #[test]
    fn reference_filter_rules() {
        assert_eq!(filter_start(b"$share/g/a/#", TopicDialect::V5), Some(9));
        assert_eq!(filter_start(b"$share/g/a/#", TopicDialect::V3), Some(0));
        assert_eq!(filter_start(b"$share/g", TopicDialect::V5), None);
        assert_eq!(filter_start(b"$share//a", TopicDialect::V5), None);
        assert_eq!(filter_start(b"a/#/b", TopicDialect::V5), None);
        assert_eq!(filter_start(b"a+", TopicDialect::V3), None);
        assert!(name_ok("é/$".as_bytes()) && !name_ok(b"") && !name_ok(b"a/+"));
    }

    #[test]
    fn ops() {
        crate::topic(b"Fa/+\nfa/#\nF$share/g/a/b\nNa/b\nR$SYS/x\nF#\nD$SYS/x\nUa/+\nX\n\xff\xfe");
    }
}
