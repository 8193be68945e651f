//! Level interner: each distinct level text is stored once, however many nodes use it.
//!
//! IoT topic trees repeat the same levels under many parents (`temperature` under every
//! device), so nodes hold a 4-byte label id instead of their own string. Labels are
//! reference-counted by the nodes that use them; freed text is reclaimed by compacting the text
//! buffer once more than half of it is garbage.

use alloc::vec::Vec;

use super::hash::hash_bytes;
use super::table::RawTable;
use super::{NONE, push_lean, to_u32, to_usize};

#[derive(Clone, Copy, Debug)]
struct Label {
    start: u32,
    len: u32,
    /// Number of nodes using the label; 0 for a free slot, whose `start` is then the next free
    /// slot.
    refs: u32,
}

#[derive(Clone, Debug)]
pub(crate) struct Interner {
    text: Vec<u8>,
    labels: Vec<Label>,
    index: RawTable,
    free: u32,
    live: usize,
    garbage: usize,
    seed: u64,
}

impl Interner {
    pub(crate) const fn new(seed: u64) -> Self {
        Self {
            text: Vec::new(),
            labels: Vec::new(),
            index: RawTable::new(),
            free: NONE,
            live: 0,
            garbage: 0,
            seed,
        }
    }

    /// The hash of a level's text, as [`Interner::lookup`] and [`Interner::acquire`] take it.
    #[inline]
    pub(crate) fn hash(&self, level: &[u8]) -> u64 {
        hash_bytes(self.seed, level)
    }

    /// The id of `level` (whose [`Interner::hash`] is `hash`), or [`NONE`] if no node uses that
    /// text.
    #[inline]
    pub(crate) fn lookup(&self, hash: u64, level: &[u8]) -> u32 {
        self.index
            .find(hash, |id| eq_bytes(self.bytes(id), level))
            .unwrap_or(NONE)
    }

    /// Whether label `id` has the text `level`.
    #[inline]
    pub(crate) fn is(&self, id: u32, level: &[u8]) -> bool {
        eq_bytes(self.bytes(id), level)
    }

    /// The text of label `id` (empty for an unknown id).
    #[inline]
    pub(crate) fn bytes(&self, id: u32) -> &[u8] {
        match self.labels.get(to_usize(id)) {
            Some(l) => {
                let start = to_usize(l.start);
                self.text
                    .get(start..start + to_usize(l.len))
                    .unwrap_or_default()
            }
            None => &[],
        }
    }

    /// Takes one reference to `level` (whose [`Interner::hash`] is `hash`), storing it if new;
    /// returns its id.
    pub(crate) fn acquire(&mut self, hash: u64, level: &[u8]) -> u32 {
        if let Some(id) = self.index.find(hash, |id| eq_bytes(self.bytes(id), level)) {
            if let Some(l) = self.labels.get_mut(to_usize(id)) {
                l.refs += 1;
            }
            return id;
        }
        if self.garbage > 4096 && self.garbage * 2 > self.text.len() {
            self.compact();
        }
        let label = Label {
            start: to_u32(self.text.len()),
            len: to_u32(level.len()),
            refs: 1,
        };
        self.text.extend_from_slice(level);
        let id = match self.labels.get_mut(to_usize(self.free)) {
            Some(slot) => {
                let id = self.free;
                self.free = slot.start;
                *slot = label;
                id
            }
            None => {
                push_lean(&mut self.labels, label);
                to_u32(self.labels.len() - 1)
            }
        };
        self.index.insert(hash, id);
        self.live += 1;
        id
    }

    /// Takes one more reference to the existing label `id`.
    pub(crate) fn retain(&mut self, id: u32) {
        if let Some(l) = self.labels.get_mut(to_usize(id)) {
            l.refs += 1;
        }
    }

    /// Drops one reference to label `id`, freeing it with the last one.
    pub(crate) fn release(&mut self, id: u32) {
        let Some(l) = self.labels.get_mut(to_usize(id)) else {
            return;
        };
        l.refs = l.refs.saturating_sub(1);
        if l.refs > 0 {
            return;
        }
        let len = to_usize(l.len);
        let hash = hash_bytes(self.seed, self.bytes(id));
        self.index.remove(hash, id);
        if let Some(l) = self.labels.get_mut(to_usize(id)) {
            *l = Label {
                start: self.free,
                len: 0,
                refs: 0,
            };
        }
        self.free = id;
        self.garbage += len;
        self.live -= 1;
        if self.live == 0 {
            *self = Self::new(self.seed);
        }
    }

    /// Number of live labels and the references held on label `id`.
    #[cfg(test)]
    pub(crate) fn counts(&self, id: u32) -> (usize, u32) {
        (
            self.live,
            self.labels.get(to_usize(id)).map_or(0, |l| l.refs),
        )
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.text.capacity() + self.labels.capacity() * size_of::<Label>() + self.index.heap_bytes()
    }

    /// Rewrites the text buffer with live labels only.
    fn compact(&mut self) {
        let mut text = Vec::with_capacity(self.text.len() - self.garbage);
        for l in &mut self.labels {
            if l.refs == 0 {
                continue;
            }
            let start = to_usize(l.start);
            let bytes = self
                .text
                .get(start..start + to_usize(l.len))
                .unwrap_or_default();
            l.start = to_u32(text.len());
            text.extend_from_slice(bytes);
        }
        self.text = text;
        self.garbage = 0;
    }
}

/// Byte equality with inline compares for short slices (labels are short; a `memcmp` call
/// would dominate).
#[inline]
fn eq_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    match a.len() {
        0 => true,
        1..=3 => a == b,
        4..=8 => {
            let head = |x: &[u8]| x.first_chunk::<4>().map(|c| u32::from_le_bytes(*c));
            let tail = |x: &[u8]| x.last_chunk::<4>().map(|c| u32::from_le_bytes(*c));
            head(a) == head(b) && tail(a) == tail(b)
        }
        9..=16 => {
            let head = |x: &[u8]| x.first_chunk::<8>().map(|c| u64::from_le_bytes(*c));
            let tail = |x: &[u8]| x.last_chunk::<8>().map(|c| u64::from_le_bytes(*c));
            head(a) == head(b) && tail(a) == tail(b)
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use alloc::format;
    use alloc::vec::Vec;

    use super::{Interner, eq_bytes};
    use crate::tree::NONE;

    #[test]
    fn short_equality() {
        let words: [&[u8]; 10] = [
            b"",
            b"a",
            b"ab",
            b"abc",
            b"abcd",
            b"abcde",
            b"abcdefgh",
            b"abcdefghi",
            b"x",
            b"abcdefghijklmnopq",
        ];
        for a in words {
            for b in words {
                assert_eq!(eq_bytes(a, b), a == b);
            }
        }
        assert!(!eq_bytes(b"abcdefghi", b"abcdeXghi"));
        assert!(!eq_bytes(b"abcdeXghijkl", b"abcdefghijkl"));
        assert!(!eq_bytes(b"aXc", b"abc"));
    }

    fn acquire(i: &mut Interner, level: &[u8]) -> u32 {
        i.acquire(i.hash(level), level)
    }

    fn lookup(i: &Interner, level: &[u8]) -> u32 {
        i.lookup(i.hash(level), level)
    }

    #[test]
    fn refcounts_and_compaction() {
        let mut i = Interner::new(7);
        let a = acquire(&mut i, b"alpha");
        assert_eq!(acquire(&mut i, b"alpha"), a);
        assert_eq!(lookup(&i, b"alpha"), a);
        assert_eq!(lookup(&i, b"beta"), NONE);
        assert!(i.is(a, b"alpha") && !i.is(a, b"alphb"));
        i.release(a);
        assert_eq!(lookup(&i, b"alpha"), a);
        let words: Vec<_> = (0..3000).map(|n| format!("level-{n}")).collect();
        let ids: Vec<_> = words
            .iter()
            .map(|w| acquire(&mut i, w.as_bytes()))
            .collect();
        for id in ids.iter().step_by(2) {
            i.release(*id);
        }
        for n in 0..3000 {
            acquire(&mut i, format!("other-{n}").as_bytes());
        }
        for (n, w) in words.iter().enumerate() {
            let want = if n % 2 == 0 { NONE } else { ids[n] };
            assert_eq!(lookup(&i, w.as_bytes()), want);
            if n % 2 == 1 {
                assert_eq!(i.bytes(ids[n]), w.as_bytes());
            }
        }
        assert_eq!(i.bytes(a), b"alpha");
        i.release(a);
        for id in ids.iter().skip(1).step_by(2) {
            i.release(*id);
        }
        for n in 0..3000 {
            let id = lookup(&i, format!("other-{n}").as_bytes());
            i.release(id);
        }
        assert_eq!(i.heap_bytes(), 0);
    }
}
