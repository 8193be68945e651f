//! [`SubscriptionTrie`]: every subscription of a broker, looked up per PUBLISH.

mod entry;
mod item;
mod lookup;
mod subtree;

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use crate::filter::TopicFilter;
use crate::name::TopicName;
use crate::tree::{Cell, NONE, Tree, push_lean, to_u32, to_usize};

use entry::take_first;
pub(crate) use entry::{Entry, Group, Slot};
pub use item::{Iter, Match};
pub use lookup::Matches;

/// Subscriptions by topic filter, many values per filter, with a lookup that finds every
/// filter matching a topic name without allocating.
///
/// # Semantics
///
/// - Values are grouped by filter. Inserting a value equal to one already stored under the same
///   filter replaces it (and returns the old one), as a repeated SUBSCRIBE replaces the
///   subscription [MQTT-3.8.4-3]; [`SubscriptionTrie::insert_by`] decides sameness with a
///   closure instead (for instance "same client id").
/// - Filters are compared level by level, wildcards literally, as UNSUBSCRIBE requires
///   [MQTT-3.10.4-1]: removing from `a/+` never touches `a/b`.
/// - A shared subscription `$share/{group}/{filter}` is stored under its filter part, in its
///   group. [`SubscriptionTrie::matches`] yields one [`Match`] for the ordinary subscribers of
///   each matching filter and one per matching shared group, with all members: pick one member
///   per group (see [`RoundRobin`](crate::RoundRobin)).
/// - The `$` rule holds: a name starting with `$` is not matched by filters whose first level is
///   `+` or `#` [MQTT-4.7.2-1].
///
/// # Costs
///
/// A lookup walks only the branches the name can reach, one level of the name at a time: the
/// nodes matching the first levels wait in a fixed queue, and each reports its `#` filter, then
/// is replaced by its exact child for the next level (one probe in a hash index keyed by
/// (parent, hash of the level text), skipped for nodes without exact children) and its `+`
/// child. Each level of the name is scanned and hashed once and its text compared once (at the
/// first probe that finds it); the probes of one level are independent, so their cache misses
/// overlap. It allocates nothing, whatever the depth or width: a node whose children would not
/// fit in the queue (32 nodes) has its subtree walked depth-first, in constant memory, climbing
/// back through parent links. Values are reported as slices, in insertion order.
///
/// Insert walks the filter once and allocates only for what it creates: nodes (amortized
/// growth of one arena), new level texts, the entry of a new filter and the values' `Vec`.
///
/// Memory, in bytes: 24 per node (one node per distinct filter prefix; a trailing `#` needs no
/// node), 8 per hash-index slot (at most 3/4 full), each distinct level text once however many
/// nodes use it (12 + its length), 40 per distinct filter (its entry) plus the values' `Vec`
/// and, for shared subscriptions, the group names. Arenas grow by a quarter, not by doubling.
/// Measured with the benchmark workload (IoT names `tenant/site/building/floor/room/device/
/// metric`, depth 3–7, 55 % exact, 30 % `+`, 15 % `#`, `V` = `u64`): 2.0 MB for 10,000 filters
/// (about 200 bytes per filter, 3.6 nodes per filter), about 135 bytes per filter at 1,000,000.
/// [`SubscriptionTrie::heap_bytes`] reports the current figure. Removing the last filter frees
/// everything; before that, freed node and entry slots are reused, not returned.
///
/// ```
/// use mqtt_topic::{SubscriptionTrie, TopicFilter, TopicName};
///
/// let mut trie = SubscriptionTrie::new();
/// trie.insert(&TopicFilter::new("home/+/temperature").unwrap(), "alice");
/// trie.insert(&TopicFilter::new("home/#").unwrap(), "bob");
/// trie.insert(&TopicFilter::new("$share/cooling/home/kitchen/#").unwrap(), "fan-1");
/// trie.insert(&TopicFilter::new("$share/cooling/home/kitchen/#").unwrap(), "fan-2");
///
/// let name = TopicName::new("home/kitchen/temperature").unwrap();
/// let mut direct: Vec<&str> = Vec::new();
/// for m in trie.matches(&name) {
///     match m.share_group() {
///         None => direct.extend(m.values().iter().copied()),
///         Some(group) => assert_eq!((group, m.values()), ("cooling", &["fan-1", "fan-2"][..])),
///     }
/// }
/// direct.sort();
/// assert_eq!(direct, ["alice", "bob"]);
/// ```
pub struct SubscriptionTrie<V> {
    tree: Tree,
    entries: Vec<Slot<V>>,
    /// Head of the free entry list.
    free: u32,
    /// Number of values.
    len: usize,
    /// Number of non-empty value lists (filters, counting each shared group apart).
    filters: usize,
}

impl<V> SubscriptionTrie<V> {
    /// An empty trie; allocates nothing until the first insert.
    #[must_use]
    pub const fn new() -> Self {
        Self::with_hash_seed(0)
    }

    /// An empty trie whose internal hash indexes use `seed`.
    ///
    /// Level texts come from clients; a broker facing untrusted clients should pass a random
    /// seed so that nobody can precompute levels that collide (this crate has no entropy source
    /// of its own).
    #[must_use]
    pub const fn with_hash_seed(seed: u64) -> Self {
        Self {
            tree: Tree::new(seed, false),
            entries: Vec::new(),
            free: NONE,
            len: 0,
            filters: 0,
        }
    }

    /// Adds `value` under `filter`; if a value equal to it is already there, replaces it and
    /// returns the old one.
    ///
    /// # Panics
    ///
    /// Only on capacity overflow (more than about 4 billion nodes), like `Vec`.
    pub fn insert(&mut self, filter: &TopicFilter, value: V) -> Option<V>
    where
        V: PartialEq,
    {
        self.insert_by(filter, value, |old, new| old == new)
    }

    /// Adds `value` under `filter`; if a stored value `old` of that filter (of that group, for a
    /// shared subscription) has `same(old, &value)`, replaces it and returns it.
    ///
    /// ```
    /// use mqtt_topic::{SubscriptionTrie, TopicFilter};
    /// let f = TopicFilter::new("a/b").unwrap();
    /// let mut trie = SubscriptionTrie::new();
    /// trie.insert_by(&f, ("client-1", 0), |old, new| old.0 == new.0);
    /// let old = trie.insert_by(&f, ("client-1", 2), |old, new| old.0 == new.0);
    /// assert_eq!(old, Some(("client-1", 0)));
    /// assert_eq!(trie.get(&f), [("client-1", 2)]);
    /// ```
    ///
    /// # Panics
    ///
    /// Only on capacity overflow (more than about 4 billion nodes), like `Vec`.
    pub fn insert_by(
        &mut self,
        filter: &TopicFilter,
        value: V,
        mut same: impl FnMut(&V, &V) -> bool,
    ) -> Option<V> {
        let cell = self.tree.insert(filter.filter_bytes());
        let mut payload = self.tree.payload(cell);
        if payload == NONE {
            payload = self.alloc_entry(cell);
            self.tree.set_payload(cell, payload);
        }
        let Some(Slot::Used(entry)) = self.entries.get_mut(to_usize(payload)) else {
            return Some(value);
        };
        let list = match filter.share_group() {
            None => &mut entry.direct,
            Some(group) => {
                let groups = entry.groups.get_or_insert_with(Box::default);
                let i = match groups.iter().position(|g| *g.name == *group) {
                    Some(i) => i,
                    None => {
                        groups.push(Group {
                            name: group.into(),
                            members: Vec::new(),
                        });
                        groups.len() - 1
                    }
                };
                match groups.get_mut(i) {
                    Some(g) => &mut g.members,
                    None => return Some(value),
                }
            }
        };
        if let Some(old) = list.iter_mut().find(|old| same(old, &value)) {
            return Some(core::mem::replace(old, value));
        }
        if list.is_empty() {
            list.reserve_exact(1);
            self.filters += 1;
        }
        list.push(value);
        self.len += 1;
        None
    }

    /// Removes a value equal to `value` from `filter` (compared literally, wildcards included
    /// [MQTT-3.10.4-1]) and returns it.
    pub fn remove(&mut self, filter: &TopicFilter, value: &V) -> Option<V>
    where
        V: PartialEq,
    {
        self.remove_by(filter, |v| v == value)
    }

    /// Removes the first value of `filter` (of its group, for a shared subscription) for which
    /// `pred` holds, and returns it. Nodes left unused are freed.
    pub fn remove_by(&mut self, filter: &TopicFilter, pred: impl FnMut(&V) -> bool) -> Option<V> {
        let cell = self.tree.find(filter.filter_bytes());
        let payload = self.tree.payload(cell);
        let Some(Slot::Used(entry)) = self.entries.get_mut(to_usize(payload)) else {
            return None;
        };
        let (removed, now_empty) = match filter.share_group() {
            None => take_first(&mut entry.direct, pred)?,
            Some(name) => {
                let groups = entry.groups.as_mut()?;
                let gi = groups.iter().position(|g| *g.name == *name)?;
                let taken = take_first(&mut groups.get_mut(gi)?.members, pred)?;
                if taken.1 {
                    groups.remove(gi);
                    if groups.is_empty() {
                        entry.groups = None;
                    }
                }
                taken
            }
        };
        self.len -= 1;
        if now_empty {
            self.filters -= 1;
            if entry.is_empty() {
                self.free_entry(payload, cell);
            }
        }
        Some(removed)
    }

    /// Keeps only the values for which `keep` holds (for instance, drop every subscription of
    /// a session that ended). Visits every value.
    pub fn retain(&mut self, mut keep: impl FnMut(&V) -> bool) {
        for i in 0..self.entries.len() {
            let Some(Slot::Used(entry)) = self.entries.get_mut(i) else {
                continue;
            };
            let lists_before = usize::from(!entry.direct.is_empty()) + entry.groups().len();
            let mut removed = 0;
            entry.direct.retain(|v| {
                keep(v) || {
                    removed += 1;
                    false
                }
            });
            if entry.direct.is_empty() {
                entry.direct = Vec::new();
            }
            if let Some(groups) = &mut entry.groups {
                for g in groups.iter_mut() {
                    g.members.retain(|v| {
                        keep(v) || {
                            removed += 1;
                            false
                        }
                    });
                }
                groups.retain(|g| !g.members.is_empty());
                if groups.is_empty() {
                    entry.groups = None;
                }
            }
            let lists_after = usize::from(!entry.direct.is_empty()) + entry.groups().len();
            let (empty, cell) = (entry.is_empty(), entry.cell);
            self.len -= removed;
            self.filters -= lists_before - lists_after;
            if empty {
                self.free_entry(to_u32(i), cell);
            }
        }
    }

    /// Removes everything and frees all memory.
    pub fn clear(&mut self) {
        *self = Self::with_hash_seed(self.tree.seed());
    }

    /// The values stored under exactly `filter` (the members of its group, for a shared
    /// subscription); empty if none.
    #[must_use]
    pub fn get(&self, filter: &TopicFilter) -> &[V] {
        let payload = self.tree.payload(self.tree.find(filter.filter_bytes()));
        let Some(Slot::Used(entry)) = self.entries.get(to_usize(payload)) else {
            return &[];
        };
        match filter.share_group() {
            None => &entry.direct,
            Some(name) => entry
                .groups()
                .iter()
                .find(|g| *g.name == *name)
                .map_or(&[], |g| &g.members),
        }
    }

    /// Number of stored values (subscriptions).
    #[must_use]
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether no value is stored.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of distinct filters that hold values, each shared group counted apart
    /// (`a/b`, `$share/g1/a/b` and `$share/g2/a/b` are three).
    #[must_use]
    pub const fn filter_count(&self) -> usize {
        self.filters
    }

    /// Every filter with its values, in no particular order: one [`Match`] per filter for the
    /// ordinary subscribers and one per shared group.
    #[must_use]
    pub fn iter(&self) -> Iter<'_, V> {
        Iter::new(&self.tree, &self.entries)
    }

    /// Every filter matching `name`, in no particular order: one [`Match`] with the ordinary
    /// subscribers of each matching filter and one per matching shared group. Allocates
    /// nothing.
    #[must_use]
    pub fn matches<'a>(&'a self, name: &'a TopicName) -> Matches<'a, V> {
        Matches::new(&self.tree, &self.entries, name.as_bytes())
    }

    /// Heap bytes held by the trie itself (capacities of its buffers), not counting anything
    /// owned by the values.
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        let mut total = self.tree.heap_bytes() + self.entries.capacity() * size_of::<Slot<V>>();
        for slot in &self.entries {
            if let Slot::Used(e) = slot {
                total += e.direct.capacity() * size_of::<V>();
                if let Some(groups) = &e.groups {
                    total += size_of::<Vec<Group<V>>>() + groups.capacity() * size_of::<Group<V>>();
                    for g in groups.iter() {
                        total += g.name.len() + g.members.capacity() * size_of::<V>();
                    }
                }
            }
        }
        total
    }

    fn alloc_entry(&mut self, cell: Cell) -> u32 {
        let entry = Entry {
            direct: Vec::new(),
            groups: None,
            cell,
        };
        let free = self.free;
        match self.entries.get_mut(to_usize(free)) {
            Some(slot) => {
                if let Slot::Free(next) = *slot {
                    self.free = next;
                }
                *slot = Slot::Used(entry);
                free
            }
            None => {
                push_lean(&mut self.entries, Slot::Used(entry));
                to_u32(self.entries.len() - 1)
            }
        }
    }

    fn free_entry(&mut self, payload: u32, cell: Cell) {
        if let Some(slot) = self.entries.get_mut(to_usize(payload)) {
            *slot = Slot::Free(self.free);
            self.free = payload;
        }
        self.tree.set_payload(cell, NONE);
        self.tree.prune(cell.node);
        if self.len == 0 {
            self.clear();
        }
    }
}

impl<V> Default for SubscriptionTrie<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V: fmt::Debug> fmt::Debug for SubscriptionTrie<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, V> IntoIterator for &'a SubscriptionTrie<V> {
    type Item = Match<'a, V>;
    type IntoIter = Iter<'a, V>;

    fn into_iter(self) -> Iter<'a, V> {
        self.iter()
    }
}

impl<V> Extend<(TopicFilter, V)> for SubscriptionTrie<V>
where
    V: PartialEq,
{
    fn extend<I: IntoIterator<Item = (TopicFilter, V)>>(&mut self, iter: I) {
        for (filter, value) in iter {
            self.insert(&filter, value);
        }
    }
}

impl<V> FromIterator<(TopicFilter, V)> for SubscriptionTrie<V>
where
    V: PartialEq,
{
    fn from_iter<I: IntoIterator<Item = (TopicFilter, V)>>(iter: I) -> Self {
        let mut trie = Self::new();
        trie.extend(iter);
        trie
    }
}
