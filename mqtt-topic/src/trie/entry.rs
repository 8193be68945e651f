//! What the trie stores per filter: the ordinary subscribers and the shared groups.

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::tree::Cell;

/// A slot of the entry arena.
pub(crate) enum Slot<V> {
    Used(Entry<V>),
    /// Next free slot.
    Free(u32),
}

/// Everything stored under one filter (its matched part).
pub(crate) struct Entry<V> {
    pub(super) direct: Vec<V>,
    /// Shared groups; boxed because most filters have none (8 bytes instead of 24).
    #[expect(
        clippy::box_collection,
        reason = "a thin pointer: most entries have no group"
    )]
    pub(super) groups: Option<Box<Vec<Group<V>>>>,
    pub(super) cell: Cell,
}

impl<V> Entry<V> {
    pub(super) fn groups(&self) -> &[Group<V>] {
        self.groups.as_deref().map_or(&[], Vec::as_slice)
    }

    pub(super) fn is_empty(&self) -> bool {
        self.direct.is_empty() && self.groups.is_none()
    }
}

/// One shared-subscription group under a filter.
pub(crate) struct Group<V> {
    pub(super) name: Box<str>,
    pub(super) members: Vec<V>,
}

/// Removes the first element matching `pred`, keeping the order of the rest (members of a
/// shared group keep their round-robin order). Returns it and whether the list is now empty
/// (then its buffer is freed too).
pub(super) fn take_first<V>(list: &mut Vec<V>, pred: impl FnMut(&V) -> bool) -> Option<(V, bool)> {
    let i = list.iter().position(pred)?;
    let v = list.remove(i);
    let empty = list.is_empty();
    if empty {
        *list = Vec::new();
    }
    Some((v, empty))
}
