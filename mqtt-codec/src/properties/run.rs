//! Repeated properties (User Property, PUBLISH's Subscription Identifier) kept as one run of
//! their wire entries, so decoding them costs no allocation when they are contiguous, which is
//! how every encoder we know of writes them.

use bytes::{Bytes, BytesMut};

/// Collects the entries of one repeated property while a block is read.
#[derive(Debug, Default)]
pub(crate) struct RunTracker {
    start: usize,
    end: usize,
    count: usize,
    /// Set once an entry arrives after another property interrupted the run: the entries are
    /// then copied here (the one case that allocates).
    spill: Option<BytesMut>,
}

impl RunTracker {
    /// Records the entry at `frame[start..end]`; returns the entry count so far.
    #[inline]
    pub(crate) fn add(&mut self, frame: &Bytes, start: usize, end: usize) -> usize {
        let entry = frame.get(start..end).unwrap_or_default();
        if let Some(spill) = &mut self.spill {
            spill.extend_from_slice(entry);
        } else if self.count == 0 {
            self.start = start;
            self.end = end;
        } else if self.end == start {
            self.end = end;
        } else {
            let mut spill = BytesMut::with_capacity(self.end - self.start + entry.len());
            spill.extend_from_slice(frame.get(self.start..self.end).unwrap_or_default());
            spill.extend_from_slice(entry);
            self.spill = Some(spill);
        }
        self.count += 1;
        self.count
    }

    /// The collected entries and their count.
    #[inline]
    pub(crate) fn finish(self, frame: &Bytes) -> (Bytes, usize) {
        match self.spill {
            Some(spill) => (spill.freeze(), self.count),
            None if self.count == 0 => (Bytes::new(), 0),
            // In bounds: start..end were taken from the frame by the reader.
            None => (frame.slice(self.start..self.end), self.count),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contiguous_entries_are_one_slice_and_interrupted_ones_are_copied() {
        let frame = Bytes::from_static(b"AABBxCC");
        let mut t = RunTracker::default();
        t.add(&frame, 0, 2);
        t.add(&frame, 2, 4);
        let (run, n) = t.finish(&frame);
        assert_eq!((&run[..], n), (&b"AABB"[..], 2));

        let mut t = RunTracker::default();
        t.add(&frame, 0, 2);
        t.add(&frame, 5, 7);
        let (run, n) = t.finish(&frame);
        assert_eq!((&run[..], n), (&b"AACC"[..], 2));
    }
}
