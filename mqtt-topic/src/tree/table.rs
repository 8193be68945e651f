//! An open-addressing index (linear probing, backward-shift deletion) from a 64-bit hash to a
//! `u32` handle. The table stores 32 bits of the hash next to each handle; the caller checks
//! equality of candidates through a closure, since the keys live in its own arenas.

use alloc::vec;
use alloc::vec::Vec;

/// Marks an empty slot.
const EMPTY: u32 = u32::MAX;

#[derive(Clone, Copy, Debug)]
struct Slot {
    /// High 32 bits of the key's hash; its low bits pick the home slot.
    tag: u32,
    value: u32,
}

const VACANT: Slot = Slot {
    tag: 0,
    value: EMPTY,
};

/// Hash index of `u32` handles. Capacity is a power of two; load stays at or below 3/4.
#[derive(Clone, Debug, Default)]
pub(crate) struct RawTable {
    slots: Vec<Slot>,
    len: usize,
}

#[inline]
const fn tag_of(hash: u64) -> u32 {
    (hash >> 32) as u32
}

impl RawTable {
    pub(crate) const fn new() -> Self {
        Self {
            slots: Vec::new(),
            len: 0,
        }
    }

    #[inline]
    fn mask(&self) -> usize {
        self.slots.len().wrapping_sub(1)
    }

    #[inline]
    fn home(&self, tag: u32) -> usize {
        (tag as usize) & self.mask()
    }

    /// The handle whose key hashes to `hash` and for which `eq` holds.
    #[inline]
    pub(crate) fn find(&self, hash: u64, eq: impl FnMut(u32) -> bool) -> Option<u32> {
        self.view().find(hash, eq)
    }

    /// The table as a borrowed view, for many lookups in a row.
    #[inline]
    pub(crate) fn view(&self) -> View<'_> {
        View {
            slots: &self.slots,
            mask: self.mask(),
        }
    }

    /// Adds `value` under `hash`; the caller made sure its key is not present yet.
    pub(crate) fn insert(&mut self, hash: u64, value: u32) {
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        self.place(Slot {
            tag: tag_of(hash),
            value,
        });
        self.len += 1;
    }

    /// Removes the slot holding `value` under `hash`, if any.
    pub(crate) fn remove(&mut self, hash: u64, value: u32) {
        if self.slots.is_empty() {
            return;
        }
        let tag = tag_of(hash);
        let mask = self.mask();
        let mut i = self.home(tag);
        loop {
            match self.slots.get(i) {
                Some(slot) if slot.value == value => break,
                Some(slot) if slot.value != EMPTY => i = (i + 1) & mask,
                _ => return,
            }
        }
        // Backward shift: pull later entries of the probe run into the hole when their home
        // slot allows it, so that lookups never need tombstones.
        let mut hole = i;
        let mut j = i;
        loop {
            j = (j + 1) & mask;
            let Some(&slot) = self.slots.get(j) else {
                break;
            };
            if slot.value == EMPTY {
                break;
            }
            let home = self.home(slot.tag);
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(hole) & mask) {
                if let Some(h) = self.slots.get_mut(hole) {
                    *h = slot;
                }
                hole = j;
            }
        }
        if let Some(h) = self.slots.get_mut(hole) {
            *h = VACANT;
        }
        self.len -= 1;
        if self.len == 0 {
            *self = Self::new();
        }
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.slots.capacity() * size_of::<Slot>()
    }

    /// Number of handles stored.
    #[cfg(test)]
    pub(crate) const fn len(&self) -> usize {
        self.len
    }

    fn place(&mut self, slot: Slot) {
        let mask = self.mask();
        let mut i = self.home(slot.tag);
        while let Some(s) = self.slots.get_mut(i) {
            if s.value == EMPTY {
                *s = slot;
                return;
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let cap = (self.slots.len() * 2).max(8);
        let old = core::mem::replace(&mut self.slots, vec![VACANT; cap]);
        for slot in old {
            if slot.value != EMPTY {
                self.place(slot);
            }
        }
    }
}

/// A borrowed [`RawTable`], whose slots and mask a caller keeps in registers across lookups.
#[derive(Clone, Copy, Debug)]
pub(crate) struct View<'a> {
    slots: &'a [Slot],
    mask: usize,
}

impl View<'_> {
    /// Same as [`RawTable::find`].
    #[inline]
    pub(crate) fn find(&self, hash: u64, mut eq: impl FnMut(u32) -> bool) -> Option<u32> {
        let tag = tag_of(hash);
        let mut i = (tag as usize) & self.mask;
        loop {
            let slot = self.slots.get(i)?;
            if slot.value == EMPTY {
                return None;
            }
            if slot.tag == tag && eq(slot.value) {
                return Some(slot.value);
            }
            i = (i + 1) & self.mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use super::RawTable;

    /// Deliberately poor hash so that probe runs collide and wrap.
    fn h(k: u32) -> u64 {
        u64::from(k % 5) << 32
    }

    #[test]
    fn insert_find_remove_with_collisions() {
        let mut t = RawTable::new();
        let keys: Vec<u32> = (0..200).collect();
        for &k in &keys {
            t.insert(h(k), k);
        }
        for &k in &keys {
            assert_eq!(t.find(h(k), |v| v == k), Some(k));
            assert_eq!(t.view().find(h(k), |v| v == k), Some(k));
        }
        for &k in keys.iter().filter(|k| *k % 3 == 0) {
            t.remove(h(k), k);
        }
        for &k in &keys {
            let want = (k % 3 != 0).then_some(k);
            assert_eq!(t.find(h(k), |v| v == k), want, "{k}");
            assert_eq!(t.view().find(h(k), |v| v == k), want, "{k}");
        }
        for &k in keys.iter().filter(|k| *k % 3 != 0) {
            t.remove(h(k), k);
        }
        assert_eq!(t.heap_bytes(), 0);
        assert_eq!(t.view().find(h(1), |_| true), None);
    }
}
