//! [`Matches`]: the lookup of a topic name in a [`SubscriptionTrie`](crate::SubscriptionTrie).

use core::fmt;
use core::iter::FusedIterator;

use super::Slot;
use super::item::{Emitter, Match};
use crate::tree::{NONE, Node, PLUS, ROOT, TopicPath, Tree, to_usize};

/// Levels whose end offsets, hashes and label ids a lookup caches (deeper levels are scanned and
/// hashed again when revisited).
const CACHED_LEVELS: usize = 16;
/// `+` branches a lookup remembers on its way down; further ones are found again by climbing
/// parent links.
const PENDING: usize = 16;
/// `pos` once every level of the name is consumed.
const END: u32 = u32::MAX;

/// Iterator over the filters matching a topic name: see
/// [`SubscriptionTrie::matches`](crate::SubscriptionTrie::matches).
///
/// A depth-first walk, exact child before `+` child. The `+` branches still to walk are kept
/// on a small fixed stack; when it is full they are found again by climbing parent links (the
/// level offsets are then recomputed from the name), so deep names cost time, never memory.
pub struct Matches<'a, V> {
    tree: &'a Tree,
    entries: &'a [Slot<V>],
    name: &'a [u8],
    dollar: bool,
    at: Cursor,
    step: Step,
    emit: Emitter,
    levels: LevelCache,
    pending: Pending,
}

impl<'a, V> Matches<'a, V> {
    pub(crate) fn new(tree: &'a Tree, entries: &'a [Slot<V>], name: &'a [u8]) -> Self {
        Self {
            tree,
            entries,
            name,
            dollar: name.first() == Some(&b'$'),
            at: Cursor {
                node: ROOT,
                depth: 0,
                pos: 0,
            },
            step: if tree.node(ROOT).is_some() {
                Step::Enter
            } else {
                Step::Done
            },
            emit: Emitter::IDLE,
            levels: LevelCache::EMPTY,
            pending: Pending {
                stack: [Cursor::NONE; PENDING],
                len: 0,
                dropped: 0,
            },
        }
    }

    /// Node `index` as the walk sees it: at the root, a `$` name hides the wildcard children
    /// [MQTT-4.7.2-1].
    #[inline]
    fn visible(&self, index: u32) -> Option<Node> {
        let mut node = *self.tree.node(index)?;
        if self.dollar && index == ROOT {
            node.plus = NONE;
            node.hash = NONE;
        }
        Some(node)
    }

    /// Walks until there is an entry to report (its index) or the walk is over (`None`).
    ///
    /// The cursor lives in locals during the walk and is written back once.
    fn advance(&mut self) -> Option<u32> {
        let name = self.name;
        let mut at = self.at;
        let mut step = self.step;
        if step == Step::Done {
            return None;
        }
        let found = 'walk: loop {
            if step != Step::Up {
                let Some(node) = self.visible(at.node) else {
                    break 'walk None;
                };
                if step == Step::Enter && node.hash != NONE {
                    step = Step::Down;
                    break 'walk Some(node.hash);
                }
                if at.pos == END {
                    if node.payload != NONE {
                        step = Step::Up;
                        break 'walk Some(node.payload);
                    }
                } else {
                    let pos = to_usize(at.pos);
                    let (end, hash) = self.levels.level(self.tree, name, at.depth, pos);
                    let next = Cursor {
                        node: NONE,
                        depth: at.depth + 1,
                        pos: next_pos(name, end),
                    };
                    let child = if node.children == 0 {
                        NONE
                    } else {
                        let text = name.get(pos..end).unwrap_or_default();
                        let mut scratch = NONE;
                        let label = self
                            .levels
                            .labels
                            .get_mut(to_usize(at.depth))
                            .unwrap_or(&mut scratch);
                        self.tree.child_by_text(at.node, hash, text, label)
                    };
                    if child != NONE {
                        if node.plus != NONE {
                            self.pending.push(Cursor {
                                node: node.plus,
                                ..next
                            });
                        }
                        at = Cursor {
                            node: child,
                            ..next
                        };
                        step = Step::Enter;
                        continue 'walk;
                    }
                    if node.plus != NONE {
                        at = Cursor {
                            node: node.plus,
                            ..next
                        };
                        step = Step::Enter;
                        continue 'walk;
                    }
                }
                step = Step::Up;
            }
            // The subtree is done: the deepest `+` branch still to walk is next.
            let resume = if self.pending.dropped > 0 {
                self.climb(at)
            } else {
                self.pending.pop()
            };
            match resume {
                Some(c) => {
                    at = c;
                    step = Step::Enter;
                }
                None => break 'walk None,
            }
        };
        self.at = at;
        self.step = if found.is_some() { step } else { Step::Done };
        found
    }

    /// Climbs from `at` to the nearest ancestor whose `+` child is still to walk (one the full
    /// stack could not take: those are always deeper than the ones it holds) and returns that
    /// `+` child.
    #[cold]
    fn climb(&mut self, mut at: Cursor) -> Option<Cursor> {
        let name = self.name;
        while at.node != ROOT {
            let node = *self.tree.node(at.node)?;
            let end = if at.pos == END {
                name.len()
            } else {
                to_usize(at.pos).checked_sub(1)?
            };
            let depth = at.depth.checked_sub(1)?;
            let parent = Cursor {
                node: node.parent,
                depth,
                pos: self.levels.start(name, depth, end),
            };
            if node.label != PLUS {
                // Back from an exact child: the parent's `+` child is next, if any.
                let plus = self.visible(parent.node).map_or(NONE, |p| p.plus);
                if plus != NONE {
                    self.pending.dropped -= 1;
                    return Some(Cursor { node: plus, ..at });
                }
            }
            at = parent;
        }
        None
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
            .field("node", &self.at.node)
            .field("step", &self.step)
            .finish_non_exhaustive()
    }
}

/// Where a lookup resumes at its current node.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum Step {
    /// Just arrived: report the `#` filter (it matches this level and everything below).
    Enter,
    /// Report the node itself if the name ends here, else go down the exact child, else the
    /// `+` child.
    Down,
    /// The subtree is done: go on with the deepest `+` branch still to walk.
    Up,
    Done,
}

/// A node reached by the walk, with the name level its children match.
#[derive(Clone, Copy, Debug)]
struct Cursor {
    node: u32,
    /// Levels of the name matched so far.
    depth: u32,
    /// Start of the level the node's children match, or [`END`].
    pos: u32,
}

impl Cursor {
    const NONE: Self = Self {
        node: NONE,
        depth: 0,
        pos: END,
    };
}

/// The `+` children still to walk, deepest last.
struct Pending {
    stack: [Cursor; PENDING],
    len: usize,
    /// Branches that did not fit on the full stack (all deeper than those on it).
    dropped: usize,
}

impl Pending {
    #[inline]
    fn push(&mut self, at: Cursor) {
        match self.stack.get_mut(self.len) {
            Some(slot) => {
                *slot = at;
                self.len += 1;
            }
            None => self.dropped += 1,
        }
    }

    #[inline]
    fn pop(&mut self) -> Option<Cursor> {
        self.len = self.len.checked_sub(1)?;
        self.stack.get(self.len).copied()
    }
}

/// Start of the level after the one ending at `end`, or [`END`].
#[inline]
fn next_pos(name: &[u8], end: usize) -> u32 {
    if end >= name.len() {
        END
    } else {
        // A topic name is at most 65,535 bytes long.
        u32::try_from(end + 1).unwrap_or(END)
    }
}

/// What a lookup learns about the name once: where the first levels end, their hashes and
/// (once a probe has found them) their label ids.
struct LevelCache {
    /// Label ids of the first levels, [`NONE`] until known.
    labels: [u32; CACHED_LEVELS],
    /// Hashes of the first levels.
    hashes: [u64; CACHED_LEVELS],
    /// End offsets of the first levels (levels are entered in order).
    ends: [u16; CACHED_LEVELS],
    /// How many entries of `ends` and `hashes` are known.
    known: usize,
}

impl LevelCache {
    const EMPTY: Self = Self {
        labels: [NONE; CACHED_LEVELS],
        hashes: [0; CACHED_LEVELS],
        ends: [0; CACHED_LEVELS],
        known: 0,
    };

    /// End offset and hash of the level at `depth`, which starts at `pos`.
    #[inline]
    fn level(&mut self, tree: &Tree, name: &[u8], depth: u32, pos: usize) -> (usize, u64) {
        let depth = to_usize(depth);
        if depth < self.known {
            if let (Some(&end), Some(&hash)) = (self.ends.get(depth), self.hashes.get(depth)) {
                return (usize::from(end), hash);
            }
        }
        let rest = name.get(pos..).unwrap_or_default();
        let end = find_slash(rest).map_or(name.len(), |i| pos + i);
        let hash = tree.level_hash(name.get(pos..end).unwrap_or_default());
        if depth == self.known {
            if let (Some(e), Some(h)) = (self.ends.get_mut(depth), self.hashes.get_mut(depth)) {
                *e = u16::try_from(end).unwrap_or(u16::MAX);
                *h = hash;
                self.known += 1;
            }
        }
        (end, hash)
    }

    /// Start offset of the level at `depth` (an ancestor level, so the end of the level before
    /// it is known when cached) that ends at `end`.
    fn start(&self, name: &[u8], depth: u32, end: usize) -> u32 {
        let start = match to_usize(depth).checked_sub(1) {
            None => 0,
            Some(d) => match self.ends.get(d) {
                Some(&prev) => usize::from(prev) + 1,
                None => {
                    let head = name.get(..end).unwrap_or_default();
                    head.iter().rposition(|&c| c == b'/').map_or(0, |i| i + 1)
                }
            },
        };
        u32::try_from(start).unwrap_or(END)
    }
}

/// Offset of the first `/` in `b`, eight bytes at a time.
#[inline]
fn find_slash(b: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const SLASHES: u64 = 0x2F2F_2F2F_2F2F_2F2F;
    let mut chunks = b.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let w = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).unwrap_or_default()) ^ SLASHES;
        let zero = w.wrapping_sub(ONES) & !w & HIGHS;
        if zero != 0 {
            return Some(offset + (zero.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&c| c == b'/')
        .map(|i| offset + i)
}

#[cfg(test)]
mod tests {
    use super::find_slash;

    #[test]
    fn finds_slashes() {
        assert_eq!(find_slash(b""), None);
        assert_eq!(find_slash(b"/"), Some(0));
        assert_eq!(find_slash(b"abcdefgh"), None);
        assert_eq!(find_slash(b"abcdefgh/"), Some(8));
        assert_eq!(find_slash(b"abcdefg/h"), Some(7));
        assert_eq!(find_slash("é/x".as_bytes()), Some(2));
        assert_eq!(find_slash(b"\x00\x01\xff\x30/"), Some(4));
        for n in 0..20 {
            let mut v = alloc::vec![b'a'; n];
            v.push(b'/');
            v.push(b'/');
            assert_eq!(find_slash(&v), Some(n));
        }
    }
}
