//! Variable Byte Integers (spec §1.5.5): 1 to 4 bytes, 7 bits each, shortest form only.

use bytes::BufMut;

/// The largest value a Variable Byte Integer can carry (`FF FF FF 7F`).
pub(crate) const MAX: u32 = 268_435_455;

/// Why a byte sequence is not a Variable Byte Integer.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) enum VarintError {
    /// A fourth byte with the continuation bit set.
    TooLong,
    /// A longer encoding than the value needs ([MQTT-1.5.5-1]).
    Overlong,
}

/// Parses a Variable Byte Integer at the start of `bytes`.
///
/// `Ok(None)` means the bytes end before the integer does (more input needed).
pub(crate) fn parse(bytes: &[u8]) -> Result<Option<(u32, usize)>, VarintError> {
    let mut value: u32 = 0;
    for (i, &byte) in bytes.iter().take(4).enumerate() {
        // i < 4, so the shift is at most 21 and the value stays below 2^28.
        value |= u32::from(byte & 0x7F) << (7 * i);
        if byte & 0x80 == 0 {
            if i > 0 && byte == 0 {
                return Err(VarintError::Overlong);
            }
            return Ok(Some((value, i + 1)));
        }
    }
    if bytes.len() >= 4 {
        Err(VarintError::TooLong)
    } else {
        Ok(None)
    }
}

/// How many bytes `value` takes on the wire (1..=4); values above [`MAX`] count as 4.
pub(crate) const fn len(value: u32) -> usize {
    match value {
        0..=127 => 1,
        128..=16_383 => 2,
        16_384..=2_097_151 => 3,
        _ => 4,
    }
}

/// Appends `value` (at most [`MAX`], checked by the caller's length pass).
pub(crate) fn put<B: BufMut>(buf: &mut B, value: u32) {
    debug_assert!(
        value <= MAX,
        "invariant: varint value checked before writing"
    );
    let mut v = value;
    loop {
        let low = (v & 0x7F) as u8;
        v >>= 7;
        if v == 0 {
            buf.put_u8(low);
            return;
        }
        buf.put_u8(low | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_round_trip() {
        for (value, expected) in [
            (0u32, &[0x00][..]),
            (127, &[0x7F]),
            (128, &[0x80, 0x01]),
            (16_383, &[0xFF, 0x7F]),
            (16_384, &[0x80, 0x80, 0x01]),
            (2_097_151, &[0xFF, 0xFF, 0x7F]),
            (2_097_152, &[0x80, 0x80, 0x80, 0x01]),
            (MAX, &[0xFF, 0xFF, 0xFF, 0x7F]),
        ] {
            let mut buf = bytes::BytesMut::new();
            put(&mut buf, value);
            assert_eq!(&buf[..], expected, "{value}");
            assert_eq!(len(value), expected.len());
            assert_eq!(parse(expected), Ok(Some((value, expected.len()))));
        }
    }

    #[test]
    fn incomplete_too_long_and_overlong() {
        assert_eq!(parse(&[]), Ok(None));
        assert_eq!(parse(&[0x80]), Ok(None));
        assert_eq!(parse(&[0xFF, 0xFF, 0xFF]), Ok(None));
        assert_eq!(parse(&[0xFF, 0xFF, 0xFF, 0x80]), Err(VarintError::TooLong));
        assert_eq!(parse(&[0x80, 0x00]), Err(VarintError::Overlong));
        assert_eq!(parse(&[0xFF, 0x80, 0x80, 0x00]), Err(VarintError::Overlong));
        assert_eq!(parse(&[0x05, 0xFF]), Ok(Some((5, 1))));
    }
}
