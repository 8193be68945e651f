//! The items of the trie's iterators ([`Match`]) and the full iteration ([`Iter`]).

use core::fmt;
use core::iter::FusedIterator;

use super::Slot;
use crate::tree::{NONE, TopicPath, Tree, to_u32, to_usize};

/// One matching filter with its values: either the ordinary subscribers of a filter, or one
/// shared-subscription group with all its members.
pub struct Match<'a, V> {
    pub(super) filter: TopicPath<'a>,
    pub(super) group: Option<&'a str>,
    pub(super) values: &'a [V],
}

impl<'a, V> Match<'a, V> {
    /// The matched filter (for a shared group, the part after `$share/{group}/`).
    #[must_use]
    pub const fn filter(&self) -> TopicPath<'a> {
        self.filter
    }

    /// The ShareName, for a shared subscription group.
    #[must_use]
    pub const fn share_group(&self) -> Option<&'a str> {
        self.group
    }

    /// Whether this is a shared subscription group: deliver to one of [`Match::values`].
    #[must_use]
    pub const fn is_shared(&self) -> bool {
        self.group.is_some()
    }

    /// The subscribers (never empty): all of them for an ordinary filter, the members of the
    /// group for a shared one, in insertion order.
    #[must_use]
    pub const fn values(&self) -> &'a [V] {
        self.values
    }
}

impl<V> Clone for Match<'_, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V> Copy for Match<'_, V> {}

impl<V: fmt::Debug> fmt::Debug for Match<'_, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Match")
            .field("filter", &self.filter)
            .field("group", &self.group)
            .field("values", &self.values)
            .finish()
    }
}

/// Walks the value lists of one entry: the ordinary subscribers, then each group.
#[derive(Clone, Copy, Debug)]
pub(super) struct Emitter {
    pub(super) entry: u32,
    pub(super) stage: usize,
}

impl Emitter {
    pub(super) const IDLE: Self = Self {
        entry: NONE,
        stage: 0,
    };

    const fn new(entry: u32) -> Self {
        Self { entry, stage: 0 }
    }

    pub(super) fn next<'a, V>(
        &mut self,
        tree: &'a Tree,
        entries: &'a [Slot<V>],
    ) -> Option<Match<'a, V>> {
        if self.entry == NONE {
            return None;
        }
        let Some(Slot::Used(e)) = entries.get(to_usize(self.entry)) else {
            *self = Self::IDLE;
            return None;
        };
        let filter = TopicPath::new(tree, e.cell);
        if self.stage == 0 {
            self.stage = 1;
            if !e.direct.is_empty() {
                return Some(Match {
                    filter,
                    group: None,
                    values: &e.direct,
                });
            }
        }
        match e.groups().get(self.stage - 1) {
            Some(g) => {
                self.stage += 1;
                Some(Match {
                    filter,
                    group: Some(&g.name),
                    values: &g.members,
                })
            }
            None => {
                *self = Self::IDLE;
                None
            }
        }
    }
}

/// Iterator over every filter of a [`SubscriptionTrie`](crate::SubscriptionTrie): see
/// [`SubscriptionTrie::iter`](crate::SubscriptionTrie::iter).
pub struct Iter<'a, V> {
    tree: &'a Tree,
    entries: &'a [Slot<V>],
    next_entry: usize,
    emit: Emitter,
}

impl<'a, V> Iter<'a, V> {
    pub(crate) const fn new(tree: &'a Tree, entries: &'a [Slot<V>]) -> Self {
        Self {
            tree,
            entries,
            next_entry: 0,
            emit: Emitter::IDLE,
        }
    }
}

impl<'a, V> Iterator for Iter<'a, V> {
    type Item = Match<'a, V>;

    fn next(&mut self) -> Option<Match<'a, V>> {
        loop {
            if let Some(m) = self.emit.next(self.tree, self.entries) {
                return Some(m);
            }
            let i = self.next_entry;
            let slot = self.entries.get(i)?;
            self.next_entry += 1;
            if matches!(slot, Slot::Used(_)) {
                self.emit = Emitter::new(to_u32(i));
            }
        }
    }
}

impl<V> FusedIterator for Iter<'_, V> {}

impl<V> fmt::Debug for Iter<'_, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter")
            .field("next_entry", &self.next_entry)
            .finish_non_exhaustive()
    }
}
