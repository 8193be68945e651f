//! [`Subtree`]: the depth-first walk a lookup falls back to when its queue is full.

use super::lookup::hide_wildcards;
use crate::tree::{NONE, Node, PLUS, ROOT, Tree};

/// `pos` once every level of the name is consumed.
const END: usize = usize::MAX;

/// A depth-first walk of the subtree under one node (exact child before `+` child) that
/// reports the entries matching the rest of a name, in constant memory: it keeps no stack, but
/// counts the ancestors (up to the subtree's top) whose `+` child is still to walk and climbs
/// back to them through parent links, recomputing level offsets from the name. Each level is
/// scanned and hashed again at every visit: this is the slow path of a lookup, for nodes whose
/// level has more matching nodes than its queue holds.
#[derive(Clone, Copy, Debug)]
pub(super) struct Subtree {
    /// The node the walk started at and ends at; [`NONE`] when idle.
    top: u32,
    node: u32,
    /// Start of the level the current node's children match, or [`END`].
    pos: usize,
    /// Ancestors (the top included) whose `+` child is still to walk.
    pending: usize,
    step: Step,
}

/// Where the walk resumes at its current node.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum Step {
    /// Just arrived: report the `#` filter.
    Enter,
    /// Report the node itself if the name ends here, else go down the exact child, else the
    /// `+` child.
    Down,
    /// The node's subtree is done: climb to the nearest ancestor with a `+` child to walk.
    Up,
}

impl Subtree {
    pub(super) const IDLE: Self = Self {
        top: NONE,
        node: NONE,
        pos: END,
        pending: 0,
        step: Step::Up,
    };

    /// A walk of the subtree of `node` (whose own `#` filter is already reported), whose
    /// children match the level starting at `pos`.
    pub(super) const fn new(node: u32, pos: usize) -> Self {
        Self {
            top: node,
            node,
            pos,
            pending: 0,
            step: Step::Down,
        }
    }

    pub(super) const fn is_active(&self) -> bool {
        self.top != NONE
    }

    /// The next entry, or `None` once the subtree is done (the walk is then idle).
    pub(super) fn next(&mut self, tree: &Tree, name: &[u8], dollar: bool) -> Option<u32> {
        let found = self.walk(tree, name, dollar);
        if found.is_none() {
            *self = Self::IDLE;
        }
        found
    }

    fn walk(&mut self, tree: &Tree, name: &[u8], dollar: bool) -> Option<u32> {
        let visible = |index: u32| -> Option<Node> {
            let node = *tree.node(index)?;
            Some(if dollar && index == ROOT {
                hide_wildcards(node)
            } else {
                node
            })
        };
        'walk: loop {
            let node = visible(self.node)?;
            if self.step == Step::Enter {
                self.step = Step::Down;
                if node.hash != NONE {
                    return Some(node.hash);
                }
            }
            if self.step == Step::Down {
                self.step = Step::Up;
                if self.pos == END {
                    if node.payload != NONE {
                        return Some(node.payload);
                    }
                } else {
                    let (end, hash) = tree.scan_level(name, self.pos);
                    let child = if node.children == 0 {
                        NONE
                    } else {
                        let text = name.get(self.pos..end).unwrap_or_default();
                        let mut label = NONE;
                        tree.child_by_text(self.node, hash, text, &mut label)
                    };
                    let next = if child == NONE {
                        node.plus
                    } else {
                        if node.plus != NONE {
                            self.pending += 1;
                        }
                        child
                    };
                    if next != NONE {
                        self.descend(next, name, end);
                        continue 'walk;
                    }
                }
            }
            // Climb until an ancestor still has its `+` child to walk.
            while self.pending > 0 && self.node != self.top {
                let node = *tree.node(self.node)?;
                let end = if self.pos == END {
                    name.len()
                } else {
                    self.pos.checked_sub(1)?
                };
                let head = name.get(..end).unwrap_or_default();
                self.pos = head.iter().rposition(|&c| c == b'/').map_or(0, |i| i + 1);
                self.node = node.parent;
                if node.label != PLUS {
                    // Back from an exact child: the parent's `+` child is next, if any.
                    let plus = visible(self.node).map_or(NONE, |p| p.plus);
                    if plus != NONE {
                        self.pending -= 1;
                        self.descend(plus, name, end);
                        continue 'walk;
                    }
                }
            }
            return None;
        }
    }

    /// Goes down to `child`, whose parent's level ends at `end`.
    fn descend(&mut self, child: u32, name: &[u8], end: usize) {
        self.node = child;
        self.pos = if end >= name.len() { END } else { end + 1 };
        self.step = Step::Enter;
    }
}

#[cfg(test)]
mod tests {
    use super::{END, Subtree};

    #[test]
    fn idle_until_started() {
        assert!(!Subtree::IDLE.is_active());
        assert!(Subtree::new(3, END).is_active());
    }
}
