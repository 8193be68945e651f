//! Shared subscriptions (`$share/{ShareName}/{filter}`, MQTT 5.0 §4.8.2).

/// The literal that starts a shared subscription.
pub(crate) const SHARE_PREFIX: &str = "$share/";

/// Splits a shared subscription: returns the offset of the filter part, or 0 if `b` does not
/// start with `$share/`. The ShareName must be non-empty and free of `+` and `#` (it ends at the
/// first `/`) and a non-empty filter must follow [MQTT-4.8.2-1] [MQTT-4.8.2-2].
pub(crate) fn split_shared(b: &[u8]) -> Result<usize, crate::TopicError> {
    use crate::TopicError;

    let Some(rest) = b.strip_prefix(SHARE_PREFIX.as_bytes()) else {
        return Ok(0);
    };
    let (group, filter) = match rest.iter().position(|&c| c == b'/') {
        Some(i) => (
            rest.get(..i).unwrap_or_default(),
            rest.get(i + 1..).unwrap_or_default(),
        ),
        None => (rest, &[][..]),
    };
    if group.is_empty() || group.iter().any(|&c| c == b'+' || c == b'#') {
        return Err(TopicError::BadShareGroup);
    }
    if filter.is_empty() {
        return Err(TopicError::ShareFilterMissing);
    }
    Ok(SHARE_PREFIX.len() + group.len() + 1)
}

/// A round-robin cursor for picking one member of a shared subscription group.
///
/// The MQTT 5.0 server delivers each message of a shared subscription to one session of the
/// group; which one is the broker's choice. [`SubscriptionTrie::matches`] reports each matching
/// group once with all its members; keep one `RoundRobin` per group (for instance next to the
/// group in the broker's own state) and call [`RoundRobin::pick`] with the members.
///
/// [`SubscriptionTrie::matches`]: crate::SubscriptionTrie::matches
///
/// ```
/// use mqtt_topic::RoundRobin;
/// let mut rr = RoundRobin::new();
/// let members = ["a", "b", "c"];
/// let picked: Vec<_> = (0..4).filter_map(|_| rr.pick(&members)).collect();
/// assert_eq!(picked, [&"a", &"b", &"c", &"a"]);
/// assert_eq!(rr.pick::<&str>(&[]), None);
/// ```
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct RoundRobin {
    next: usize,
}

impl RoundRobin {
    /// A cursor that starts with the first member.
    #[must_use]
    pub const fn new() -> Self {
        Self { next: 0 }
    }

    /// The next member, cycling; `None` if `members` is empty. Members added or removed between
    /// calls simply shift the cycle.
    pub fn pick<'a, V>(&mut self, members: &'a [V]) -> Option<&'a V> {
        let len = members.len();
        if len == 0 {
            return None;
        }
        let i = self.next % len;
        self.next = i.wrapping_add(1);
        members.get(i)
    }
}
