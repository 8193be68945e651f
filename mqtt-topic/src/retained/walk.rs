//! The iterators of [`RetainedIndex`](crate::RetainedIndex): filter query and full iteration.

use core::fmt;
use core::iter::FusedIterator;

use super::Slot;
use crate::tree::{Cell, Level, NONE, ROOT, TopicPath, Tree, to_usize};

/// Levels whose hash and label id a query caches.
const CACHED_LEVELS: usize = 16;
/// `pos` once every level of the filter is consumed.
const END: usize = usize::MAX;

/// Iterator over the stored names a filter matches: see
/// [`RetainedIndex::matching`](crate::RetainedIndex::matching).
pub struct Matching<'a, V> {
    tree: &'a Tree,
    slots: &'a [Slot<V>],
    filter: &'a [u8],
    /// The filter's first level is `+` or `#`: skip `$` names at the root [MQTT-4.7.2-1].
    skip_dollar: bool,
    node: u32,
    /// Where a `#` walk started.
    anchor: u32,
    /// Start of the filter level the children of `node` must match, or [`END`].
    pos: usize,
    /// End of that level.
    end: usize,
    depth: usize,
    step: Step,
    levels: [Level; CACHED_LEVELS],
}

impl<'a, V> Matching<'a, V> {
    pub(crate) fn new(tree: &'a Tree, slots: &'a [Slot<V>], filter: &'a [u8]) -> Self {
        Self {
            tree,
            slots,
            filter,
            skip_dollar: matches!(filter.first(), Some(b'+' | b'#')),
            node: ROOT,
            anchor: ROOT,
            pos: 0,
            end: 0,
            depth: 0,
            step: if tree.node(ROOT).is_some() {
                Step::Enter
            } else {
                Step::Done
            },
            levels: [Level::UNKNOWN; CACHED_LEVELS],
        }
    }

    /// The value stored at `node`, if any.
    fn value_at(&self, node: u32) -> Option<(TopicPath<'a>, &'a V)> {
        let cell = Cell { node, hash: false };
        match self.slots.get(to_usize(self.tree.payload(cell))) {
            Some(Slot::Used { value, .. }) => Some((TopicPath::new(self.tree, cell), value)),
            _ => None,
        }
    }

    /// `sibling` or the first sibling after it that a wildcard may match.
    fn allowed_from(&self, mut sibling: u32) -> u32 {
        while let Some(n) = self.tree.node(sibling) {
            let dollar = self.tree.label_bytes(n.label).first() == Some(&b'$');
            if !(self.skip_dollar && n.parent == ROOT && dollar) {
                return sibling;
            }
            sibling = self.tree.links(sibling).next;
        }
        NONE
    }

    fn first_child(&self, node: u32) -> u32 {
        self.allowed_from(self.tree.links(node).first_child)
    }

    fn next_sibling(&self, node: u32) -> u32 {
        self.allowed_from(self.tree.links(node).next)
    }

    fn level(&self) -> &'a [u8] {
        self.filter.get(self.pos..self.end).unwrap_or_default()
    }

    fn descend(&mut self, child: u32) {
        self.node = child;
        self.depth += 1;
        self.pos = if self.end >= self.filter.len() {
            END
        } else {
            self.end + 1
        };
        self.step = Step::Enter;
    }

    fn level_key(&mut self) -> Level {
        let text = self.level();
        match self.levels.get_mut(self.depth) {
            Some(cached) => {
                if cached.label == Level::UNKNOWN.label {
                    *cached = self.tree.level(text);
                }
                *cached
            }
            None => self.tree.level(text),
        }
    }

    /// One step; may produce an item. `Err(())` once the walk is over.
    fn advance(&mut self) -> Result<Option<(TopicPath<'a>, &'a V)>, ()> {
        match self.step {
            Step::Enter => {
                if self.pos == END {
                    self.step = Step::Up;
                    return Ok(self.value_at(self.node));
                }
                let rest = self.filter.get(self.pos..).unwrap_or_default();
                self.end = rest
                    .iter()
                    .position(|&c| c == b'/')
                    .map_or(self.filter.len(), |i| self.pos + i);
                match self.level() {
                    b"#" => {
                        // `#` matches the parent level too, then everything below it.
                        self.anchor = self.node;
                        self.step = Step::Subtree;
                        let first = self.first_child(self.node);
                        let here = self.value_at(self.node);
                        if first == NONE {
                            self.step = Step::Up;
                        } else {
                            self.node = first;
                        }
                        return Ok(here);
                    }
                    b"+" => match self.first_child(self.node) {
                        NONE => self.step = Step::Up,
                        child => self.descend(child),
                    },
                    _ => match self.tree.exact_child(self.node, self.level_key()) {
                        NONE => self.step = Step::Up,
                        child => self.descend(child),
                    },
                }
                Ok(None)
            }
            Step::Subtree => {
                let here = self.value_at(self.node);
                let mut next = self.tree.links(self.node).first_child;
                while next == NONE {
                    if self.node == self.anchor {
                        // Only reached when the anchor had no children; handled in `Enter`.
                        break;
                    }
                    next = self.next_sibling(self.node);
                    if next == NONE {
                        self.node = self.tree.node(self.node).map_or(NONE, |n| n.parent);
                        if self.node == self.anchor || self.node == NONE {
                            self.step = Step::Up;
                            return Ok(here);
                        }
                    }
                }
                self.node = next;
                Ok(here)
            }
            Step::Up => {
                if self.node == ROOT {
                    self.step = Step::Done;
                    return Err(());
                }
                let node_index = self.node;
                let Some(&node) = self.tree.node(node_index) else {
                    self.step = Step::Done;
                    return Err(());
                };
                let end = if self.pos == END {
                    self.filter.len()
                } else {
                    self.pos - 1
                };
                let head = self.filter.get(..end).unwrap_or_default();
                self.pos = head.iter().rposition(|&c| c == b'/').map_or(0, |i| i + 1);
                self.end = end;
                self.depth -= 1;
                self.node = node.parent;
                if self.level() == b"+" {
                    let sibling = self.next_sibling(node_index);
                    if sibling != NONE {
                        self.descend(sibling);
                    }
                }
                Ok(None)
            }
            Step::Done => Err(()),
        }
    }
}

impl<'a, V> Iterator for Matching<'a, V> {
    type Item = (TopicPath<'a>, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.advance().ok()? {
                return Some(item);
            }
        }
    }
}

impl<V> FusedIterator for Matching<'_, V> {}

impl<V> fmt::Debug for Matching<'_, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Matching")
            .field(
                "filter",
                &core::str::from_utf8(self.filter).unwrap_or_default(),
            )
            .field("node", &self.node)
            .field("step", &self.step)
            .finish_non_exhaustive()
    }
}

/// Iterator over every stored name: see [`RetainedIndex::iter`](crate::RetainedIndex::iter).
pub struct RetainedIter<'a, V> {
    tree: &'a Tree,
    slots: core::slice::Iter<'a, Slot<V>>,
}

impl<'a, V> RetainedIter<'a, V> {
    pub(crate) fn new(tree: &'a Tree, slots: &'a [Slot<V>]) -> Self {
        Self {
            tree,
            slots: slots.iter(),
        }
    }
}

impl<'a, V> Iterator for RetainedIter<'a, V> {
    type Item = (TopicPath<'a>, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Slot::Used { node, value } = self.slots.next()? {
                return Some((
                    TopicPath::new(
                        self.tree,
                        Cell {
                            node: *node,
                            hash: false,
                        },
                    ),
                    value,
                ));
            }
        }
    }
}

impl<V> FusedIterator for RetainedIter<'_, V> {}

impl<V> fmt::Debug for RetainedIter<'_, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetainedIter").finish_non_exhaustive()
    }
}

/// Where a query stands.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum Step {
    /// Arrived at `node`: act on the filter level at `pos`.
    Enter,
    /// Under a `#`: visiting `node`, a descendant of `anchor`.
    Subtree,
    /// Go back to the parent of `node`.
    Up,
    Done,
}
