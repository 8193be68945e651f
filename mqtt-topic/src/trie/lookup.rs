//! [`Matches`]: the lookup of a topic name in a [`SubscriptionTrie`](crate::SubscriptionTrie).

use core::fmt;
use core::iter::FusedIterator;

use super::Slot;
use super::item::{Emitter, Match};
use super::subtree::Subtree;
use crate::tree::{NONE, Node, ROOT, TopicPath, Tree, to_usize};

/// Capacity of the queue of nodes a lookup still has to visit (a power of two).
const QUEUE: usize = 32;
/// `pos` once every level of the name is consumed.
const END: usize = usize::MAX;

/// Iterator over the filters matching a topic name: see
/// [`SubscriptionTrie::matches`](crate::SubscriptionTrie::matches).
///
/// A breadth-first walk, one level of the name at a time: the nodes that match the first `d`
/// levels sit in a fixed queue, and each is replaced by its exact child and its `+` child for
/// level `d`. Each level is scanned and hashed once, its text compared once (at the first child
/// found), and the probes of the nodes of one level do not depend on each other, so their memory
/// accesses overlap. A node whose children would not fit in the queue has its subtree walked
/// depth-first before the walk goes on, so a lookup never allocates.
pub struct Matches<'a, V> {
    tree: &'a Tree,
    entries: &'a [Slot<V>],
    name: &'a [u8],
    dollar: bool,
    emit: Emitter,
    /// Nodes still to visit: first the rest of the current level's, then the next level's.
    queue: [u32; QUEUE],
    /// Index of the queue's front.
    head: usize,
    /// Nodes in the queue.
    len: usize,
    /// Nodes of the current level still at the front of the queue.
    left: usize,
    /// Whether the front node's `#` filter was reported.
    hash_done: bool,
    /// Start of the current level (the one the children of the queued nodes match), or [`END`].
    pos: usize,
    /// End of the current level.
    end: usize,
    /// Start of the next level, or [`END`].
    next: usize,
    /// Probe key of the current level's text ([`Children::key`](crate::tree::Children::key)).
    hash: u64,
    /// Label id of the current level's text, [`NONE`] until a probe finds it.
    label: u32,
    /// The subtree being walked depth-first, if any.
    sub: Subtree,
}

impl<'a, V> Matches<'a, V> {
    pub(crate) fn new(tree: &'a Tree, entries: &'a [Slot<V>], name: &'a [u8]) -> Self {
        let mut queue = [NONE; QUEUE];
        queue[0] = ROOT;
        Self {
            tree,
            entries,
            name,
            dollar: name.first() == Some(&b'$'),
            emit: Emitter::IDLE,
            queue,
            head: 0,
            len: usize::from(tree.node(ROOT).is_some()),
            left: 0,
            hash_done: false,
            pos: END,
            end: 0,
            next: 0,
            hash: 0,
            label: NONE,
            sub: Subtree::IDLE,
        }
    }

    /// Walks until there is an entry to report (its index) or the walk is over (`None`).
    ///
    /// The cursor lives in locals during the walk and is written back once.
    fn advance(&mut self) -> Option<u32> {
        let (tree, name, dollar) = (self.tree, self.name, self.dollar);
        let (nodes, children) = (tree.nodes(), tree.children());
        let (mut head, mut len, mut left) = (self.head, self.len, self.left);
        let (mut pos, mut end, mut next) = (self.pos, self.end, self.next);
        let (mut hash, mut label, mut hash_done) = (self.hash, self.label, self.hash_done);
        let mut text = name.get(pos..end).unwrap_or_default();
        let found = loop {
            if self.sub.is_active() {
                if let Some(found) = self.sub.next(tree, name, dollar) {
                    break Some(found);
                }
            }
            if left == 0 {
                if len == 0 {
                    break None;
                }
                // The current level is done: the queue holds the next level's nodes.
                pos = next;
                if pos != END {
                    (end, hash) = tree.scan_level(name, pos);
                    hash = children.key(hash);
                    text = name.get(pos..end).unwrap_or_default();
                    label = NONE;
                    next = if end >= name.len() { END } else { end + 1 };
                }
                left = len;
            }
            let index = self.queue.get(head).copied().unwrap_or(NONE);
            let Some(&node) = nodes.get(to_usize(index)) else {
                break None;
            };
            let node = if dollar && index == ROOT {
                hide_wildcards(node)
            } else {
                node
            };
            if !hash_done && node.hash != NONE {
                hash_done = true;
                break Some(node.hash);
            }
            hash_done = false;
            head = (head + 1) % QUEUE;
            len -= 1;
            left -= 1;
            if pos == END {
                if node.payload != NONE {
                    break Some(node.payload);
                }
                continue;
            }
            if len + 2 > QUEUE {
                self.sub = Subtree::new(index, pos);
                continue;
            }
            if node.children != 0 {
                let child = children.find(index, hash, text, &mut label);
                if child != NONE {
                    if let Some(slot) = self.queue.get_mut((head + len) % QUEUE) {
                        *slot = child;
                    }
                    len += 1;
                }
            }
            if node.plus != NONE {
                if let Some(slot) = self.queue.get_mut((head + len) % QUEUE) {
                    *slot = node.plus;
                }
                len += 1;
            }
        };
        (self.head, self.len, self.left) = (head, len, left);
        (self.pos, self.end, self.next) = (pos, end, next);
        (self.hash, self.label, self.hash_done) = (hash, label, hash_done);
        found
    }
}

impl<'a, V> Iterator for Matches<'a, V> {
    type Item = Match<'a, V>;

    fn next(&mut self) -> Option<Match<'a, V>> {
        if self.emit.entry != NONE {
            if let Some(m) = self.emit.next(self.tree, self.entries) {
                return Some(m);
            }
        }
        loop {
            let payload = self.advance()?;
            let Some(Slot::Used(e)) = self.entries.get(to_usize(payload)) else {
                continue;
            };
            // Fast path: report the ordinary subscribers at once; groups go through `emit`.
            if e.groups.is_some() {
                self.emit = Emitter {
                    entry: payload,
                    stage: 1,
                };
            }
            if !e.direct.is_empty() {
                let filter = TopicPath::new(self.tree, e.cell);
                return Some(Match {
                    filter,
                    group: None,
                    values: &e.direct,
                });
            }
            if let Some(m) = self.emit.next(self.tree, self.entries) {
                return Some(m);
            }
        }
    }
}

impl<V> FusedIterator for Matches<'_, V> {}

impl<V> fmt::Debug for Matches<'_, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Matches")
            .field("name", &core::str::from_utf8(self.name).unwrap_or_default())
            .field("queued", &self.len)
            .finish_non_exhaustive()
    }
}

/// The root as a `$` name sees it: without its `+` child and `#` filter [MQTT-4.7.2-1].
#[cold]
pub(super) const fn hide_wildcards(mut root: Node) -> Node {
    root.plus = NONE;
    root.hash = NONE;
    root
}
