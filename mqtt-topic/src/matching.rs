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

/// [`matches`] on bytes.
pub(crate) fn matches_bytes(filter: &[u8], name: &[u8]) -> bool {
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
}
