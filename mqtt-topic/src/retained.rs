//! [`RetainedIndex`]: retained messages by topic name, queried by topic filter.

mod walk;

use alloc::vec::Vec;
use core::fmt;

use crate::filter::TopicFilter;
use crate::name::TopicName;
use crate::tree::{Cell, NONE, TopicPath, Tree, push_lean, to_u32, to_usize};

pub use walk::{Matching, RetainedIter};

/// Values (typically retained messages) stored by [`TopicName`], with a query by
/// [`TopicFilter`]: the lookup a broker runs when a subscription arrives.
///
/// [`RetainedIndex::matching`] walks only the branches the filter can reach: one hash probe per
/// exact level, every child under `+`, the whole subtree under `#`. Filters whose first level
/// is `+` or `#` skip names starting with `$` [MQTT-4.7.2-1]. The walk allocates nothing and
/// has no depth bound (nodes link to their parent, first child and siblings, so no stack is
/// needed).
///
/// Storage is the same node store as [`SubscriptionTrie`](crate::SubscriptionTrie): level texts
/// interned once, 24-byte nodes plus 12 bytes of sibling links (to enumerate children under
/// `+` and `#`), 8 bytes per hash-index slot, and one slot per name (`V` and a node index).
/// Removing the last name frees everything.
///
/// ```
/// use mqtt_topic::{RetainedIndex, TopicFilter, TopicName};
///
/// let mut retained = RetainedIndex::new();
/// for (topic, payload) in [("home/kitchen/temp", "21"), ("home/hall/temp", "19"), ("$SYS/up", "9")] {
///     retained.insert(&TopicName::new(topic).unwrap(), payload);
/// }
/// let filter = TopicFilter::new("home/+/temp").unwrap();
/// let mut hits: Vec<_> = retained.matching(&filter).map(|(name, v)| (name.to_string(), *v)).collect();
/// hits.sort();
/// assert_eq!(hits, [("home/hall/temp".to_string(), "19"), ("home/kitchen/temp".to_string(), "21")]);
/// assert_eq!(retained.matching(&TopicFilter::new("#").unwrap()).count(), 2);
/// ```
pub struct RetainedIndex<V> {
    tree: Tree,
    slots: Vec<Slot<V>>,
    free: u32,
    len: usize,
}

pub(crate) enum Slot<V> {
    Used { node: u32, value: V },
    Free(u32),
}

impl<V> RetainedIndex<V> {
    /// An empty index; allocates nothing until the first insert.
    #[must_use]
    pub const fn new() -> Self {
        Self::with_hash_seed(0)
    }

    /// An empty index whose internal hash indexes use `seed` (see
    /// [`SubscriptionTrie::with_hash_seed`](crate::SubscriptionTrie::with_hash_seed)).
    #[must_use]
    pub const fn with_hash_seed(seed: u64) -> Self {
        Self {
            tree: Tree::new(seed, true),
            slots: Vec::new(),
            free: NONE,
            len: 0,
        }
    }

    /// Stores `value` under `name`, returning the value it replaces.
    ///
    /// # Panics
    ///
    /// Only on capacity overflow (more than about 4 billion nodes), like `Vec`.
    pub fn insert(&mut self, name: &TopicName, value: V) -> Option<V> {
        let cell = self.tree.insert(name.as_bytes());
        let node = cell.node;
        let payload = self.tree.payload(cell);
        if let Some(Slot::Used { value: old, .. }) = self.slots.get_mut(to_usize(payload)) {
            return Some(core::mem::replace(old, value));
        }
        let slot = Slot::Used { node, value };
        let free = self.free;
        let index = match self.slots.get_mut(to_usize(free)) {
            Some(s) => {
                if let Slot::Free(next) = *s {
                    self.free = next;
                }
                *s = slot;
                free
            }
            None => {
                push_lean(&mut self.slots, slot);
                to_u32(self.slots.len() - 1)
            }
        };
        self.tree.set_payload(cell, index);
        self.len += 1;
        None
    }

    /// Removes and returns the value stored under `name`. Nodes left unused are freed.
    pub fn remove(&mut self, name: &TopicName) -> Option<V> {
        let cell = self.tree.find(name.as_bytes());
        let payload = self.tree.payload(cell);
        let slot = self.slots.get_mut(to_usize(payload))?;
        if !matches!(slot, Slot::Used { .. }) {
            return None;
        }
        let Slot::Used { value, .. } = core::mem::replace(slot, Slot::Free(self.free)) else {
            return None;
        };
        self.free = payload;
        self.len -= 1;
        self.tree.set_payload(cell, NONE);
        self.tree.prune(cell.node);
        if self.len == 0 {
            self.clear();
        }
        Some(value)
    }

    /// Keeps only the entries for which `keep` holds (for instance, drop expired messages).
    pub fn retain(&mut self, mut keep: impl FnMut(TopicPath<'_>, &mut V) -> bool) {
        for i in 0..self.slots.len() {
            let Some(Slot::Used { node, value }) = self.slots.get_mut(i) else {
                continue;
            };
            let cell = Cell {
                node: *node,
                hash: false,
            };
            if keep(TopicPath::new(&self.tree, cell), value) {
                continue;
            }
            if let Some(slot) = self.slots.get_mut(i) {
                *slot = Slot::Free(self.free);
            }
            self.free = to_u32(i);
            self.len -= 1;
            self.tree.set_payload(cell, NONE);
            self.tree.prune(cell.node);
        }
        if self.len == 0 {
            self.clear();
        }
    }

    /// Removes everything and frees all memory.
    pub fn clear(&mut self) {
        *self = Self::with_hash_seed(self.tree.seed());
    }

    /// The value stored under `name`.
    #[must_use]
    pub fn get(&self, name: &TopicName) -> Option<&V> {
        let payload = self.tree.payload(self.tree.find(name.as_bytes()));
        match self.slots.get(to_usize(payload)) {
            Some(Slot::Used { value, .. }) => Some(value),
            _ => None,
        }
    }

    /// The value stored under `name`, mutably.
    pub fn get_mut(&mut self, name: &TopicName) -> Option<&mut V> {
        let payload = self.tree.payload(self.tree.find(name.as_bytes()));
        match self.slots.get_mut(to_usize(payload)) {
            Some(Slot::Used { value, .. }) => Some(value),
            _ => None,
        }
    }

    /// Whether a value is stored under `name`.
    #[must_use]
    pub fn contains(&self, name: &TopicName) -> bool {
        self.get(name).is_some()
    }

    /// Number of stored names.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is stored.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every stored name with its value, in no particular order.
    #[must_use]
    pub fn iter(&self) -> RetainedIter<'_, V> {
        RetainedIter::new(&self.tree, &self.slots)
    }

    /// Every stored name that `filter` matches, with its value, in no particular order. For a
    /// shared subscription the part after `$share/{group}/` is used (a 5.0 server sends no
    /// retained messages for shared subscriptions; that decision is the caller's). Allocates
    /// nothing.
    #[must_use]
    pub fn matching<'a>(&'a self, filter: &'a TopicFilter) -> Matching<'a, V> {
        Matching::new(&self.tree, &self.slots, filter.filter_bytes())
    }

    /// Heap bytes held by the index itself (capacities), not counting anything `V` owns.
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        self.tree.heap_bytes() + self.slots.capacity() * size_of::<Slot<V>>()
    }
}

impl<V> Default for RetainedIndex<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V: fmt::Debug> fmt::Debug for RetainedIndex<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<'a, V> IntoIterator for &'a RetainedIndex<V> {
    type Item = (TopicPath<'a>, &'a V);
    type IntoIter = RetainedIter<'a, V>;

    fn into_iter(self) -> RetainedIter<'a, V> {
        self.iter()
    }
}

impl<V> Extend<(TopicName, V)> for RetainedIndex<V> {
    fn extend<I: IntoIterator<Item = (TopicName, V)>>(&mut self, iter: I) {
        for (name, value) in iter {
            self.insert(&name, value);
        }
    }
}

impl<V> FromIterator<(TopicName, V)> for RetainedIndex<V> {
    fn from_iter<I: IntoIterator<Item = (TopicName, V)>>(iter: I) -> Self {
        let mut index = Self::new();
        index.extend(iter);
        index
    }
}
