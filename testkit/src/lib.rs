//! Test-only helpers for the workspace: a counting global allocator, so tests can prove that a
//! code path performs no heap allocation.
//!
//! Counts are per thread, so tests running in parallel do not disturb each other.
//!
//! ```
//! use mqtt_testkit::{CountingAllocator, count_allocations};
//!
//! #[global_allocator]
//! static ALLOC: CountingAllocator = CountingAllocator;
//!
//! let (n, v) = count_allocations(|| vec![1u8; 16]);
//! assert_eq!(v.len(), 16);
//! assert_eq!(n.allocations, 1);
//! assert_eq!(n.live_bytes(), 16, "the returned Vec still holds its buffer");
//! let (n, ()) = count_allocations(|| drop(vec![0u8; 32]));
//! assert_eq!((n.allocations, n.frees, n.live_bytes()), (1, 1, 0));
//! let (n, ()) = count_allocations(|| ());
//! assert_eq!(n.allocations, 0);
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
    static BYTES: Cell<u64> = const { Cell::new(0) };
    static FREES: Cell<u64> = const { Cell::new(0) };
    static FREED_BYTES: Cell<u64> = const { Cell::new(0) };
}

/// A global allocator that forwards to [`System`] and counts, per thread, the allocations and
/// reallocations made, the bytes they asked for, and the frees (a reallocation counts as a
/// free of the old block and an allocation of the new one).
#[derive(Clone, Copy, Debug, Default)]
pub struct CountingAllocator;

fn record(bytes: usize) {
    // `try_with`: during thread teardown the counters may be gone; then nothing is counted.
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
    let _ = BYTES.try_with(|c| c.set(c.get() + bytes as u64));
}

fn record_free(bytes: usize) {
    let _ = FREES.try_with(|c| c.set(c.get() + 1));
    let _ = FREED_BYTES.try_with(|c| c.set(c.get() + bytes as u64));
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// `GlobalAlloc` contract is exactly `System`'s; the counters are thread-local `Cell`s with
// `const` initialisers, which never allocate.
#[expect(
    unsafe_code,
    reason = "the only way to observe allocations is a GlobalAlloc impl"
)]
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(layout.size());
        // SAFETY: forwarded unchanged, see the impl comment.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record(layout.size());
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        record_free(layout.size());
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record_free(layout.size());
        record(new_size);
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Allocations made on this thread while a closure ran.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct AllocationCount {
    /// Calls to `alloc`, `alloc_zeroed` and `realloc`.
    pub allocations: u64,
    /// Bytes requested by those calls.
    pub bytes: u64,
    /// Calls to `dealloc` (and the old block of each `realloc`).
    pub frees: u64,
    /// Bytes given back by those calls.
    pub freed_bytes: u64,
}

impl AllocationCount {
    /// Bytes allocated and not freed while the closure ran: the heap still held by what it
    /// returned (or leaked).
    #[must_use]
    pub fn live_bytes(&self) -> i64 {
        self.bytes as i64 - self.freed_bytes as i64
    }
}

/// Runs `f` and returns how many allocations it made on this thread (only meaningful when
/// [`CountingAllocator`] is the `#[global_allocator]`).
pub fn count_allocations<T>(f: impl FnOnce() -> T) -> (AllocationCount, T) {
    let a0 = ALLOCATIONS.with(Cell::get);
    let b0 = BYTES.with(Cell::get);
    let f0 = FREES.with(Cell::get);
    let fb0 = FREED_BYTES.with(Cell::get);
    let out = f();
    let count = AllocationCount {
        allocations: ALLOCATIONS.with(Cell::get) - a0,
        bytes: BYTES.with(Cell::get) - b0,
        frees: FREES.with(Cell::get) - f0,
        freed_bytes: FREED_BYTES.with(Cell::get) - fb0,
    };
    (count, out)
}
