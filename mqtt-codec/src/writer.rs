//! Small helpers for appending wire types. Lengths are validated by the length pass first.

use bytes::BufMut;

/// Appends a two-byte length prefix and the bytes (at most 65,535, guaranteed by the types).
pub(crate) fn put_prefixed<B: BufMut>(buf: &mut B, bytes: &[u8]) {
    let len = u16::try_from(bytes.len()).unwrap_or(u16::MAX);
    debug_assert_eq!(
        usize::from(len),
        bytes.len(),
        "invariant: string lengths are bounded"
    );
    buf.put_u16(len);
    buf.put_slice(bytes);
}

/// Wire length of a length-prefixed field.
pub(crate) const fn prefixed_len(len: usize) -> usize {
    2 + len
}
