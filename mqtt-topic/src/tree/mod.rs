//! The node store shared by [`SubscriptionTrie`](crate::SubscriptionTrie) and
//! [`RetainedIndex`](crate::RetainedIndex): one node per distinct topic prefix.
//!
//! - Nodes (24 bytes) live in one `Vec` and refer to each other by `u32` index (freed slots
//!   are reused).
//! - A node's level text is a `u32` id into an [`Interner`], shared by every node with that text.
//! - Exact children are found through one hash index keyed by (parent, hash of the level text),
//!   so that a lookup hashes each level of a name once and needs no interner probe. A tree that
//!   must enumerate children (the retained index) also keeps them in doubly linked sibling
//!   lists, in a parallel `Vec`. The `+` child is a field; a `#` level, always last, has no node:
//!   its payload sits in the parent.
//! - Every node knows its parent, so walks need no stack: they go back up by index.

mod hash;
mod interner;
mod path;
mod table;
#[cfg(test)]
mod tests;

use alloc::vec::Vec;

use hash::{hash_child, hash_child_keyed};
use interner::Interner;
use table::{RawTable, View};

pub use path::TopicPath;

/// "No node" / "no label" / "no payload".
pub(crate) const NONE: u32 = u32::MAX;
/// Label of a `+` node.
pub(crate) const PLUS: u32 = u32::MAX - 1;
/// Index of the root node (zero levels matched), present whenever the tree has any node.
pub(crate) const ROOT: u32 = 0;

/// Converts an arena length to an index.
///
/// # Panics
///
/// Past `u32::MAX - 3` elements, like `Vec` on capacity overflow.
pub(crate) fn to_u32(n: usize) -> u32 {
    match u32::try_from(n) {
        Ok(i) if i < PLUS - 1 => i,
        #[expect(
            clippy::panic,
            reason = "capacity overflow, like Vec's: documented on insert"
        )]
        _ => panic!("capacity overflow: more than 2^32 - 3 nodes, labels or bytes of level text"),
    }
}

/// Pushes onto an arena, growing it by a quarter instead of doubling: arenas are the bulk of
/// the memory, and amortized growth stays O(1).
pub(crate) fn push_lean<T>(v: &mut Vec<T>, item: T) {
    if v.len() == v.capacity() {
        v.reserve_exact((v.len() / 4).max(4));
    }
    v.push(item);
}

/// Widens an index.
#[inline]
pub(crate) const fn to_usize(i: u32) -> usize {
    i as usize
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Node {
    /// Parent node; for a free slot, the next free slot.
    pub(crate) parent: u32,
    /// Interned label id, or [`PLUS`]; [`NONE`] for the root.
    pub(crate) label: u32,
    /// The `+` child.
    pub(crate) plus: u32,
    /// Payload of the filter made of this node's path followed by `/#` (`#` alone at the root):
    /// a `#` level is always last, so it needs no node of its own.
    pub(crate) hash: u32,
    /// Payload of this node's own path, [`NONE`] if none.
    pub(crate) payload: u32,
    /// Number of exact children.
    pub(crate) children: u32,
}

/// Sibling links, kept only by trees that enumerate children (the retained index).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Links {
    /// First exact child (list head).
    pub(crate) first_child: u32,
    pub(crate) next: u32,
    pub(crate) prev: u32,
}

const NO_LINKS: Links = Links {
    first_child: NONE,
    next: NONE,
    prev: NONE,
};

impl Node {
    const fn new(parent: u32, label: u32) -> Self {
        Self {
            parent,
            label,
            plus: NONE,
            hash: NONE,
            payload: NONE,
            children: 0,
        }
    }
}

/// A level's text as the child index sees it (see [`Tree::level`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Level {
    /// Hash of the text (as [`Tree::scan_level`] computes it).
    pub(crate) hash: u64,
    /// Interned id of the text, [`NONE`] if no node has it.
    pub(crate) label: u32,
}

impl Level {
    /// Placeholder for caches: its label is [`PLUS`], which no looked-up level has.
    pub(crate) const UNKNOWN: Self = Self {
        hash: 0,
        label: PLUS,
    };
}

/// The exact children of a [`Tree`], found by (parent, level text), for a walk that probes
/// many parents for the same level (see [`Tree::children`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Children<'a> {
    table: View<'a>,
    nodes: &'a [Node],
    labels: &'a Interner,
    seed: u64,
}

impl Children<'_> {
    /// The probe key of a level's text from its [`Tree::scan_level`] hash: computed once per
    /// level, used for every parent.
    #[inline]
    pub(crate) const fn key(&self, hash: u64) -> u64 {
        hash ^ self.seed
    }

    /// [`Tree::child_by_text`] with the level's probe key `key` (from [`Children::key`]).
    #[inline]
    pub(crate) fn find(&self, parent: u32, key: u64, text: &[u8], label: &mut u32) -> u32 {
        self.table
            .find(hash_child_keyed(key, parent), |c| {
                match self.nodes.get(to_usize(c)) {
                    Some(n) if n.parent == parent => {
                        n.label == *label
                            || (*label == NONE && self.labels.is(n.label, text) && {
                                *label = n.label;
                                true
                            })
                    }
                    _ => false,
                }
            })
            .unwrap_or(NONE)
    }
}

/// Where a payload index lives: the node's own payload or its `#` payload.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) struct Cell {
    pub(crate) node: u32,
    pub(crate) hash: bool,
}

impl Cell {
    pub(crate) const NONE: Self = Self {
        node: NONE,
        hash: false,
    };
}

#[derive(Clone, Debug)]
pub(crate) struct Tree {
    nodes: Vec<Node>,
    /// Parallel to `nodes` when `linked`; empty otherwise.
    links: Vec<Links>,
    linked: bool,
    /// Head of the free-slot list, linked through `Node::parent`.
    free: u32,
    children: RawTable,
    labels: Interner,
    seed: u64,
}

impl Tree {
    /// An empty tree; `linked` keeps sibling lists so that children can be enumerated.
    pub(crate) const fn new(seed: u64, linked: bool) -> Self {
        Self {
            nodes: Vec::new(),
            links: Vec::new(),
            linked,
            free: NONE,
            children: RawTable::new(),
            labels: Interner::new(seed.rotate_left(17)),
            seed,
        }
    }

    pub(crate) const fn seed(&self) -> u64 {
        self.seed
    }

    #[inline]
    pub(crate) fn node(&self, i: u32) -> Option<&Node> {
        self.nodes.get(to_usize(i))
    }

    /// Sibling links of node `i` (all [`NONE`] in an unlinked tree).
    #[inline]
    pub(crate) fn links(&self, i: u32) -> Links {
        self.links.get(to_usize(i)).copied().unwrap_or(NO_LINKS)
    }

    /// A level's text as the child index sees it: its hash and its interned id ([`NONE`] if no
    /// node has that text).
    #[inline]
    pub(crate) fn level(&self, text: &[u8]) -> Level {
        let hash = self.labels.hash(text);
        Level {
            hash,
            label: self.labels.lookup(hash, text),
        }
    }

    /// The end of the level of `name` that starts at `pos` (the next `/` or the end of `name`)
    /// and the hash of its text, for [`Tree::child_by_text`].
    #[inline]
    pub(crate) fn scan_level(&self, name: &[u8], pos: usize) -> (usize, u64) {
        let rest = name.get(pos..).unwrap_or_default();
        let end = hash::find_slash(rest).map_or(name.len(), |i| pos + i);
        (
            end,
            self.labels.hash(name.get(pos..end).unwrap_or_default()),
        )
    }

    /// All node slots (free ones included), indexed by node.
    #[inline]
    pub(crate) fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The exact-child index as a borrowed view, for a lookup's many probes.
    #[inline]
    pub(crate) fn children(&self) -> Children<'_> {
        Children {
            table: self.children.view(),
            nodes: &self.nodes,
            labels: &self.labels,
            seed: self.seed,
        }
    }

    /// The text of a label.
    #[inline]
    pub(crate) fn label_bytes(&self, label: u32) -> &[u8] {
        match label {
            PLUS => b"+",
            _ => self.labels.bytes(label),
        }
    }

    /// The exact child of `parent` for `level`, or [`NONE`].
    #[inline]
    pub(crate) fn exact_child(&self, parent: u32, level: Level) -> u32 {
        if level.label == NONE {
            return NONE;
        }
        self.children
            .find(hash_child(self.seed, parent, level.hash), |c| {
                self.node(c)
                    .is_some_and(|n| n.parent == parent && n.label == level.label)
            })
            .unwrap_or(NONE)
    }

    /// The exact child of `parent` whose level text is `text` (hashed `hash` by
    /// [`Tree::scan_level`]), or [`NONE`], without looking the text up in the interner first.
    ///
    /// `label` is the text's interned id if known, else [`NONE`]: then the first candidate
    /// child (same parent, same 32 hash bits) has its text compared, and on a match its label
    /// is stored in `label`, so that later calls for the same text compare ids only.
    #[inline]
    pub(crate) fn child_by_text(
        &self,
        parent: u32,
        hash: u64,
        text: &[u8],
        label: &mut u32,
    ) -> u32 {
        let children = self.children();
        children.find(parent, children.key(hash), text, label)
    }

    /// The cell for `path` (levels split on `/`; `+` is the wildcard level, a last `#` the
    /// `#` cell of its parent), or [`Cell::NONE`].
    pub(crate) fn find(&self, path: &[u8]) -> Cell {
        if self.nodes.is_empty() {
            return Cell::NONE;
        }
        let mut node = ROOT;
        let mut levels = path.split(|&c| c == b'/').peekable();
        while let Some(level) = levels.next() {
            let Some(n) = self.node(node) else {
                return Cell::NONE;
            };
            let last = levels.peek().is_none();
            node = match level {
                b"#" if last => return Cell { node, hash: true },
                b"+" => n.plus,
                _ => self.exact_child(node, self.level(level)),
            };
            if node == NONE {
                return Cell::NONE;
            }
        }
        Cell { node, hash: false }
    }

    /// The cell for `path`, creating missing nodes. Allocates only for the nodes (and new
    /// level texts) it creates.
    pub(crate) fn insert(&mut self, path: &[u8]) -> Cell {
        if self.nodes.is_empty() {
            push_lean(&mut self.nodes, Node::new(NONE, NONE));
            if self.linked {
                push_lean(&mut self.links, NO_LINKS);
            }
        }
        let mut node = ROOT;
        let mut levels = path.split(|&c| c == b'/').peekable();
        while let Some(level) = levels.next() {
            let Some(&n) = self.node(node) else {
                return Cell::NONE;
            };
            let last = levels.peek().is_none();
            node = match level {
                b"#" if last => return Cell { node, hash: true },
                b"+" if n.plus != NONE => n.plus,
                b"+" => {
                    let child = self.alloc(Node::new(node, PLUS));
                    self.update(node, |p| p.plus = child);
                    child
                }
                _ => {
                    let key = self.level(level);
                    match self.exact_child(node, key) {
                        NONE => self.add_exact(node, level, key),
                        child => child,
                    }
                }
            };
        }
        Cell { node, hash: false }
    }

    #[inline]
    pub(crate) fn payload(&self, cell: Cell) -> u32 {
        match self.node(cell.node) {
            Some(n) if cell.hash => n.hash,
            Some(n) => n.payload,
            None => NONE,
        }
    }

    pub(crate) fn set_payload(&mut self, cell: Cell, payload: u32) {
        self.update(cell.node, |n| {
            if cell.hash {
                n.hash = payload;
            } else {
                n.payload = payload;
            }
        });
    }

    /// Frees `node` and its ancestors while they are unused; an unused root empties the tree
    /// and releases all its memory.
    pub(crate) fn prune(&mut self, mut node: u32) {
        while let Some(&n) = self.node(node) {
            if n.payload != NONE || n.hash != NONE || n.plus != NONE || n.children != 0 {
                return;
            }
            if node == ROOT {
                *self = Self::new(self.seed, self.linked);
                return;
            }
            let parent = n.parent;
            if n.label == PLUS {
                self.update(parent, |p| p.plus = NONE);
            } else {
                let hash = self.labels.hash(self.labels.bytes(n.label));
                self.children
                    .remove(hash_child(self.seed, parent, hash), node);
                self.update(parent, |p| p.children -= 1);
                if self.linked {
                    let links = self.links(node);
                    if links.prev == NONE {
                        self.update_links(parent, |p| p.first_child = links.next);
                    } else {
                        self.update_links(links.prev, |p| p.next = links.next);
                    }
                    self.update_links(links.next, |s| s.prev = links.prev);
                    self.update_links(node, |l| *l = NO_LINKS);
                }
                self.labels.release(n.label);
            }
            let free = self.free;
            self.update(node, |slot| *slot = Node::new(free, NONE));
            self.free = node;
            node = parent;
        }
    }

    /// Bytes of heap the tree holds (capacities, not lengths).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.nodes.capacity() * size_of::<Node>()
            + self.links.capacity() * size_of::<Links>()
            + self.children.heap_bytes()
            + self.labels.heap_bytes()
    }

    fn add_exact(&mut self, parent: u32, text: &[u8], level: Level) -> u32 {
        let label = match level.label {
            NONE => self.labels.acquire(level.hash, text),
            known => {
                self.labels.retain(known);
                known
            }
        };
        let child = self.alloc(Node::new(parent, label));
        if self.linked {
            let first = self.links(parent).first_child;
            self.update_links(child, |l| l.next = first);
            self.update_links(first, |s| s.prev = child);
            self.update_links(parent, |p| p.first_child = child);
        }
        self.children
            .insert(hash_child(self.seed, parent, level.hash), child);
        self.update(parent, |p| p.children += 1);
        child
    }

    fn alloc(&mut self, node: Node) -> u32 {
        let free = self.free;
        match self.nodes.get_mut(to_usize(free)) {
            Some(slot) => {
                self.free = slot.parent;
                *slot = node;
                free
            }
            None => {
                let i = to_u32(self.nodes.len());
                push_lean(&mut self.nodes, node);
                if self.linked {
                    push_lean(&mut self.links, NO_LINKS);
                }
                i
            }
        }
    }

    fn update(&mut self, node: u32, f: impl FnOnce(&mut Node)) {
        if let Some(n) = self.nodes.get_mut(to_usize(node)) {
            f(n);
        }
    }

    fn update_links(&mut self, node: u32, f: impl FnOnce(&mut Links)) {
        if let Some(l) = self.links.get_mut(to_usize(node)) {
            f(l);
        }
    }
}
