//! A small seeded hash (folded multiply, as in wyhash/foldhash) for the open-addressing tables.
//!
//! `no_std` and dependency-free. Not a cryptographic hash: a broker facing untrusted clients
//! should pass a random seed (`with_hash_seed`) so that colliding levels cannot be precomputed.

const K0: u64 = 0x243F_6A88_85A3_08D3;
const K1: u64 = 0xA076_1D64_78BD_642F;
const K2: u64 = 0xE703_7ED1_A0B4_28DB;
const K3: u64 = 0x8EBC_6AF0_9C88_C6E3;

/// Multiplies to 128 bits and folds the halves together.
#[inline]
const fn fold(a: u64, b: u64) -> u64 {
    let p = (a as u128).wrapping_mul(b as u128);
    #[expect(
        clippy::cast_possible_truncation,
        reason = "folding: keeping the low half is intended"
    )]
    let lo = p as u64;
    let hi = (p >> 64) as u64;
    lo ^ hi
}

/// Hashes a level's bytes (wyhash-style: two words folded by one 128-bit multiply per 16
/// bytes; levels are usually at most 16 bytes long).
#[inline]
pub(crate) fn hash_bytes(seed: u64, bytes: &[u8]) -> u64 {
    let len = bytes.len() as u64;
    let (mut a, mut b) = (0, 0);
    let mut h = seed ^ K0;
    if bytes.len() <= 16 {
        if bytes.len() >= 8 {
            a = word(bytes.first_chunk::<8>());
            b = word(bytes.last_chunk::<8>());
        } else if !bytes.is_empty() {
            a = read_small(bytes);
        }
    } else {
        let mut chunks = bytes.chunks_exact(16);
        for chunk in &mut chunks {
            let (x, y) = chunk.split_at(8);
            h = fold(
                word(x.first_chunk::<8>()) ^ K1,
                word(y.first_chunk::<8>()) ^ h,
            );
        }
        a = word(bytes.last_chunk::<16>().and_then(|c| c.first_chunk::<8>()));
        b = word(bytes.last_chunk::<8>());
    }
    fold(fold(a ^ K1, b ^ h) ^ K2, len ^ K3)
}

#[inline]
fn word(chunk: Option<&[u8; 8]>) -> u64 {
    chunk.map_or(0, |c| u64::from_le_bytes(*c))
}

/// Packs 1 to 7 bytes into a `u64` without a copy loop (overlapping reads, as in wyhash).
#[inline]
fn read_small(b: &[u8]) -> u64 {
    let len = b.len();
    if len >= 4 {
        let lo = b.first_chunk::<4>().map_or(0, |c| u32::from_le_bytes(*c));
        let hi = b.last_chunk::<4>().map_or(0, |c| u32::from_le_bytes(*c));
        (u64::from(lo) << 32) | u64::from(hi)
    } else {
        let first = b.first().copied().map_or(0, u64::from);
        let mid = b.get(len / 2).copied().map_or(0, u64::from);
        let last = b.last().copied().map_or(0, u64::from);
        (first << 16) | (mid << 8) | last
    }
}

/// Hashes a (parent node, level text) pair from the parent's index and the text's
/// [`hash_bytes`]: one multiply, so that a lookup hashes each level of a name once and then
/// pays one multiply per node it probes.
#[inline]
pub(crate) const fn hash_child(seed: u64, parent: u32, level: u64) -> u64 {
    hash_child_keyed(level ^ seed, parent)
}

/// [`hash_child`] with the level's part (`level ^ seed`) computed once for many parents.
#[inline]
pub(crate) const fn hash_child_keyed(key: u64, parent: u32) -> u64 {
    fold(key, (parent as u64) ^ K1)
}

/// Offset of the first `/` in `b`, eight bytes at a time.
#[inline]
pub(super) fn find_slash(b: &[u8]) -> Option<usize> {
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
    use super::*;

    #[test]
    fn differs() {
        assert_ne!(hash_bytes(0, b"a"), hash_bytes(0, b"b"));
        assert_ne!(hash_bytes(0, b"a"), hash_bytes(1, b"a"));
        assert_ne!(hash_bytes(0, b""), hash_bytes(0, b"\0"));
        assert_ne!(hash_bytes(0, b"temperature"), hash_bytes(0, b"temperaturf"));
        let (a, b) = (hash_bytes(0, b"a"), hash_bytes(0, b"b"));
        assert_ne!(hash_child(0, 1, a), hash_child(0, 2, a));
        assert_ne!(hash_child(0, 1, a), hash_child(0, 1, b));
        assert_ne!(hash_child(0, 1, a), hash_child(1, 1, a));
        assert_ne!(hash_child(0, 0, a), hash_child(0, 0, b));
    }

    #[test]
    fn every_byte_counts() {
        let base: [u8; 40] = core::array::from_fn(|i| b"abcdefghijklmnopqrstuvwxyz"[i % 26]);
        for len in 0..base.len() {
            let text = &base[..len];
            let h = hash_bytes(3, text);
            for i in 0..len {
                let mut changed = base;
                changed[i] ^= 0x20;
                assert_ne!(h, hash_bytes(3, &changed[..len]), "len {len} byte {i}");
            }
            assert_ne!(h, hash_bytes(3, &base[..len + 1]), "len {len}");
        }
    }

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
