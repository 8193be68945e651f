//! [`TopicPath`]: a stored topic read back from its nodes, without allocating.

use alloc::vec::Vec;
use core::fmt;

use super::{Cell, NONE, ROOT, Tree};

/// A topic name or filter stored in a [`SubscriptionTrie`](crate::SubscriptionTrie) or a
/// [`RetainedIndex`](crate::RetainedIndex), as a reference to its last node.
///
/// The text is not stored as one string (nodes share level storage); it is written out level by
/// level by [`Display`](fmt::Display) and compared with `==` against a `&str` without
/// allocating. For a shared subscription it is the matched part (after `$share/{group}/`).
///
/// ```
/// use mqtt_topic::{SubscriptionTrie, TopicFilter, TopicName};
/// let mut trie = SubscriptionTrie::new();
/// trie.insert(&TopicFilter::new("a/+/c").unwrap(), 1);
/// let name = TopicName::new("a/b/c").unwrap();
/// let m = trie.matches(&name).next().unwrap();
/// assert_eq!(m.filter(), "a/+/c");
/// assert_eq!(m.filter().to_string(), "a/+/c");
/// ```
#[derive(Clone, Copy)]
pub struct TopicPath<'a> {
    tree: &'a Tree,
    cell: Cell,
}

impl<'a> TopicPath<'a> {
    pub(crate) const fn new(tree: &'a Tree, cell: Cell) -> Self {
        Self { tree, cell }
    }

    /// Number of levels.
    #[must_use]
    pub fn depth(&self) -> usize {
        self.up().count() + usize::from(self.cell.hash)
    }

    /// The levels from the last to the first.
    pub fn levels_rev(&self) -> impl Iterator<Item = &'a str> + 'a {
        let tree = self.tree;
        let hash = self.cell.hash.then_some("#");
        hash.into_iter().chain(self.up().map(move |n| {
            let label = tree.node(n).map_or(NONE, |n| n.label);
            core::str::from_utf8(tree.label_bytes(label)).unwrap_or_default()
        }))
    }

    /// Node indices from this node up to (not including) the root.
    fn up(&self) -> impl Iterator<Item = u32> + 'a {
        let tree = self.tree;
        let mut node = self.cell.node;
        core::iter::from_fn(move || {
            if node == ROOT || node == NONE {
                return None;
            }
            let current = node;
            node = tree.node(node).map_or(NONE, |n| n.parent);
            Some(current)
        })
    }
}

impl fmt::Display for TopicPath<'_> {
    /// Writes the levels in order. Up to 32 levels this uses a stack buffer; deeper paths
    /// collect their nodes in a `Vec` (so formatting stays linear in the depth).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut inline = [NONE; 32];
        let mut count = 0;
        let mut spilled: Vec<u32> = Vec::new();
        for node in self.up() {
            match inline.get_mut(count) {
                Some(slot) if spilled.is_empty() => {
                    *slot = node;
                    count += 1;
                }
                _ => {
                    if spilled.is_empty() {
                        spilled.extend_from_slice(&inline);
                    }
                    spilled.push(node);
                }
            }
        }
        let nodes = if spilled.is_empty() {
            inline.get(..count).unwrap_or_default()
        } else {
            &spilled
        };
        let mut first = true;
        for &node in nodes.iter().rev() {
            if !first {
                f.write_str("/")?;
            }
            first = false;
            let label = self.tree.node(node).map_or(NONE, |n| n.label);
            f.write_str(
                core::str::from_utf8(self.tree.label_bytes(label)).map_err(|_| fmt::Error)?,
            )?;
        }
        if self.cell.hash {
            f.write_str(if first { "#" } else { "/#" })?;
        }
        Ok(())
    }
}

impl fmt::Debug for TopicPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TopicPath(\"{self}\")")
    }
}

impl PartialEq<str> for TopicPath<'_> {
    fn eq(&self, other: &str) -> bool {
        let mut theirs = other.rsplit('/');
        let mut ours = self.levels_rev();
        loop {
            match (ours.next(), theirs.next()) {
                (None, None) => return true,
                (Some(a), Some(b)) if a == b => {}
                _ => return false,
            }
        }
    }
}

impl PartialEq<&str> for TopicPath<'_> {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl PartialEq for TopicPath<'_> {
    /// Equal when the texts are equal (even across different containers).
    fn eq(&self, other: &Self) -> bool {
        let mut theirs = other.levels_rev();
        let mut ours = self.levels_rev();
        loop {
            match (ours.next(), theirs.next()) {
                (None, None) => return true,
                (Some(a), Some(b)) if a == b => {}
                _ => return false,
            }
        }
    }
}

impl Eq for TopicPath<'_> {}
