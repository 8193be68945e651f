//! Matching a topic filter against a topic name (MQTT §4.7).

/// Whether the topic filter `filter` matches the topic name `name`.
///
/// The rules of MQTT §4.7: levels are split on `/` and compared byte for byte, with no
/// normalization [MQTT-4.7.3-4]; `+` matches exactly one level, which may be empty; `#` matches
/// its parent level and any number of child levels; a filter whose first character is `+` or `#`
/// does not match a name starting with `$` [MQTT-4.7.2-1].
///
/// No validation: the arguments are taken as they are. `#` ends the match wherever it stands,
/// `+` counts as a wildcard only when it is a whole level, and a `$share/{group}/` prefix is
/// matched literally (use [`TopicFilter::matches`](crate::TopicFilter::matches) for shared
/// subscriptions). For valid inputs the result equals that of `TopicFilter::matches`.
///
/// ```
/// use mqtt_topic::matches;
/// assert!(matches("sport/#", "sport"));
/// assert!(matches("sport/+", "sport/"));
/// assert!(!matches("sport/+", "sport"));
/// assert!(matches("+/+", "/finance"));
/// assert!(!matches("+", "/finance"));
/// assert!(!matches("+/monitor/Clients", "$SYS/monitor/Clients"));
/// assert!(matches("$SYS/+/x", "$SYS/a/x"));
/// ```
#[must_use]
pub fn matches(filter: &str, name: &str) -> bool {
    matches_bytes(filter.as_bytes(), name.as_bytes())
}

/// [`matches`] on bytes: one pass over both, level by level, comparing a literal level byte
/// by byte as far as it agrees (most filters differ from a name within a few bytes).
pub(crate) fn matches_bytes(filter: &[u8], name: &[u8]) -> bool {
    if name.first() == Some(&b'$') && matches!(filter.first(), Some(b'+' | b'#')) {
        return false;
    }
    // `fi` and `ni` start a level each; the name always has one there (possibly empty).
    let (mut fi, mut ni) = (0, 0);
    loop {
        let whole_level = matches!(filter.get(fi + 1), None | Some(b'/'));
        match filter.get(fi) {
            Some(b'#') if whole_level => return true,
            Some(b'+') if whole_level => {
                fi += 1;
                while name.get(ni).is_some_and(|&c| c != b'/') {
                    ni += 1;
                }
            }
            _ => loop {
                let f = filter.get(fi).filter(|&&c| c != b'/');
                let n = name.get(ni).filter(|&&c| c != b'/');
                match (f, n) {
                    (None, None) => break,
                    (Some(a), Some(b)) if a == b => {
                        fi += 1;
                        ni += 1;
                    }
                    _ => return false,
                }
            },
        }
        // Both levels ended: at a `/` or at the end.
        match (filter.get(fi), name.get(ni)) {
            (None, None) => return true,
            (Some(_), Some(_)) => {
                fi += 1;
                ni += 1;
            }
            // The name has no level left: only a `#` level matches nothing more.
            (Some(_), None) => {
                return filter.get(fi + 1) == Some(&b'#')
                    && matches!(filter.get(fi + 2), None | Some(b'/'));
            }
            (None, Some(_)) => return false,
        }
    }
}

/// The level-splitting matcher [`matches_bytes`] replaced, kept as the reference its tests
/// compare with.
#[cfg(test)]
fn matches_by_levels(filter: &[u8], name: &[u8]) -> bool {
    if name.first() == Some(&b'$') && matches!(filter.first(), Some(b'+' | b'#')) {
        return false;
    }
    let mut f = filter.split(|&c| c == b'/');
    let mut n = name.split(|&c| c == b'/');
    loop {
        match (f.next(), n.next()) {
            (None, None) => return true,
            (Some(b"#"), _) => return true,
            (Some(b"+"), Some(_)) => {}
            (Some(fl), Some(nl)) => {
                if fl != nl {
                    return false;
                }
            }
            (Some(_), None) | (None, Some(_)) => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn table() {
        let cases = [
            ("#", "a", true),
            ("#", "/", true),
            ("#", "$SYS", false),
            ("+", "$", false),
            ("$SYS/#", "$SYS", true),
            ("$SYS/#", "$SYS/a/b", true),
            ("a/#", "a", true),
            ("a/#", "a/", true),
            ("a/#", "ab", false),
            ("a/+", "a", false),
            ("a/+", "a/", true),
            ("a/+", "a/b/c", false),
            ("+/+", "/", true),
            ("/+", "/x", true),
            ("+", "", true),
            ("a//b", "a//b", true),
            ("a/+/b", "a//b", true),
            ("A", "a", false),
            ("a/b", "a/b/", false),
            ("a/b/", "a/b", false),
            ("+/#", "a", true),
            ("+/#", "$a", false),
            ("$share/g/a", "$share/g/a", true),
        ];
        for (f, n, want) in cases {
            assert_eq!(matches(f, n), want, "{f} vs {n}");
        }
    }

    /// The one-pass matcher equals the level-splitting one on every pair of strings over a
    /// small alphabet with `/`, `+`, `#` and `$` (invalid filters included: neither validates),
    /// up to 5 bytes each.
    #[test]
    fn one_pass_equals_splitting_exhaustively() {
        const ALPHABET: &[u8] = b"ab/+#$";
        let mut strings = alloc::vec![alloc::vec::Vec::new()];
        let mut last = strings.clone();
        for _ in 0..5 {
            let mut next = alloc::vec::Vec::new();
            for s in &last {
                for &c in ALPHABET {
                    let mut t = s.clone();
                    t.push(c);
                    next.push(t);
                }
            }
            strings.extend(next.iter().cloned());
            last = next;
        }
        let names: alloc::vec::Vec<_> = strings
            .iter()
            .filter(|s| s.len() <= 4 && !s.contains(&b'+') && !s.contains(&b'#'))
            .collect();
        let mut checked = 0;
        for f in &strings {
            for n in &names {
                assert_eq!(
                    super::matches_bytes(f, n),
                    super::matches_by_levels(f, n),
                    "{:?} vs {:?}",
                    core::str::from_utf8(f),
                    core::str::from_utf8(n)
                );
                checked += 1;
            }
        }
        assert!(checked > 1_000_000, "{checked}");
    }
}
