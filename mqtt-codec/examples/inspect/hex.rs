//! Hex in (lenient about spacing and `0x` prefixes) and hex out (lowercase, no separators).

use core::fmt::{self, Write as _};

/// Why a text is not a hex byte string.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) enum HexError {
    /// A character that is neither a hex digit, white space nor part of a `0x` prefix.
    InvalidChar {
        /// The character.
        c: char,
        /// Its position in the text, counted in characters from 1.
        column: usize,
    },
    /// A group of digits (between white space) with an odd count: half a byte.
    OddDigits {
        /// Where the group starts, counted in characters from 1.
        column: usize,
    },
}

impl fmt::Display for HexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidChar { c, column } => {
                write!(
                    f,
                    "invalid hex: {c:?} at column {column} is not a hex digit"
                )
            }
            Self::OddDigits { column } => write!(
                f,
                "invalid hex: the digit group at column {column} has an odd number of digits"
            ),
        }
    }
}

/// Parses hex digits into bytes.
///
/// White space separates groups and is otherwise ignored; each group may start with `0x` or
/// `0X` and must hold an even number of digits, so `"30 0e"`, `"300e"`, `"0x300e"` and
/// `"0x30 0x0E"` are the same two bytes.
pub(crate) fn parse(text: &str) -> Result<Vec<u8>, HexError> {
    let mut bytes = Vec::with_capacity(text.len() / 2);
    let mut chars = text.chars().zip(1..).peekable();
    // The column where the current group started, and its pending high nibble.
    let mut group: Option<usize> = None;
    let mut high: Option<u8> = None;
    while let Some((c, column)) = chars.next() {
        if c.is_whitespace() {
            if let (Some(start), Some(_)) = (group, high) {
                return Err(HexError::OddDigits { column: start });
            }
            group = None;
            continue;
        }
        if group.is_none() {
            group = Some(column);
            if c == '0' && matches!(chars.peek(), Some(('x' | 'X', _))) {
                chars.next();
                continue;
            }
        }
        let Some(nibble) = c.to_digit(16).and_then(|d| u8::try_from(d).ok()) else {
            return Err(HexError::InvalidChar { c, column });
        };
        match high.take() {
            None => high = Some(nibble),
            Some(h) => bytes.push((h << 4) | nibble),
        }
    }
    match (group, high) {
        (Some(start), Some(_)) => Err(HexError::OddDigits { column: start }),
        _ => Ok(bytes),
    }
}

/// Lowercase hex, two digits per byte, no separators.
pub(crate) fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        // Writing to a String cannot fail.
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spacing_and_prefixes_are_accepted() {
        let expected = Ok(vec![0x30, 0x0E, 0xAB]);
        for text in [
            "300eab",
            "30 0e ab",
            "  30\t0E  AB \r",
            "0x300eAB",
            "0X30 0x0e 0xab",
            "300e 0xab",
        ] {
            assert_eq!(parse(text), expected, "{text:?}");
        }
        assert_eq!(parse(""), Ok(vec![]));
        assert_eq!(parse("   "), Ok(vec![]));
        assert_eq!(parse("00"), Ok(vec![0]), "a group of zeros is not a prefix");
        assert_eq!(parse("0x"), Ok(vec![]));
    }

    #[test]
    fn bad_characters_are_located() {
        assert_eq!(
            parse("30 0g"),
            Err(HexError::InvalidChar { c: 'g', column: 5 })
        );
        assert_eq!(
            parse("30,0e"),
            Err(HexError::InvalidChar { c: ',', column: 3 })
        );
        assert_eq!(
            parse("300x0e"),
            Err(HexError::InvalidChar { c: 'x', column: 4 })
        );
        assert_eq!(
            parse("é0"),
            Err(HexError::InvalidChar { c: 'é', column: 1 })
        );
        assert_eq!(
            parse("30 zz").map_err(|e| e.to_string()),
            Err("invalid hex: 'z' at column 4 is not a hex digit".to_owned())
        );
    }

    #[test]
    fn half_bytes_are_refused() {
        assert_eq!(parse("3"), Err(HexError::OddDigits { column: 1 }));
        assert_eq!(parse("30 0e0 ab"), Err(HexError::OddDigits { column: 4 }));
        assert_eq!(parse("30 0x0 ab"), Err(HexError::OddDigits { column: 4 }));
        assert_eq!(parse("3 0"), Err(HexError::OddDigits { column: 1 }));
    }

    #[test]
    fn encode_is_lowercase_and_round_trips() {
        let bytes: Vec<u8> = (0..=255).collect();
        let text = encode(&bytes);
        assert_eq!(text.get(..8), Some("00010203"));
        assert_eq!(text.get(text.len() - 4..), Some("feff"));
        assert_eq!(parse(&text), Ok(bytes));
        assert_eq!(encode(&[]), "");
    }
}
