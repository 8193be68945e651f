//! A bounds-checked reader over one received frame. Every read is fallible; nothing panics.

use bytes::Bytes;
use mqtt_topic::{TopicError, TopicFilter, TopicName};

use crate::error::DecodeError;
use crate::packet_id::PacketId;
use crate::string::{BinaryData, MqttString, StringError, check_utf8};
use crate::varint::{self, VarintError};

/// Reads fields front to back from `frame[pos..end]`. Sub-readers bound a region
/// (a property block) so that a field cannot read past it.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    frame: &'a Bytes,
    pos: usize,
    end: usize,
}

impl<'a> Reader<'a> {
    /// A reader over the whole of `frame`.
    #[inline]
    pub(crate) fn new(frame: &'a Bytes) -> Self {
        Self {
            frame,
            pos: 0,
            end: frame.len(),
        }
    }

    /// Bytes left in this reader's region.
    #[inline]
    pub(crate) fn remaining(&self) -> usize {
        self.end - self.pos
    }

    /// Whether the region is used up.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.end
    }

    /// The current offset in the frame.
    #[inline]
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// The frame this reader reads.
    #[inline]
    pub(crate) fn frame(&self) -> &'a Bytes {
        self.frame
    }

    /// Takes `len` bytes as a slice of the frame.
    #[inline]
    fn take_slice(&mut self, len: usize, field: &'static str) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(len).filter(|&e| e <= self.end);
        let slice = end.and_then(|e| self.frame.get(self.pos..e));
        match (end, slice) {
            (Some(e), Some(s)) => {
                self.pos = e;
                Ok(s)
            }
            _ => Err(DecodeError::UnexpectedEnd { field }),
        }
    }

    /// Takes `len` bytes as a zero-copy [`Bytes`].
    #[inline]
    pub(crate) fn bytes(&mut self, len: usize, field: &'static str) -> Result<Bytes, DecodeError> {
        let start = self.pos;
        self.take_slice(len, field)?;
        // In bounds: take_slice checked start..self.pos against the frame.
        Ok(self.frame.slice(start..self.pos))
    }

    #[inline]
    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        let s = self.take_slice(1, field)?;
        s.first()
            .copied()
            .ok_or(DecodeError::UnexpectedEnd { field })
    }

    #[inline]
    pub(crate) fn u16(&mut self, field: &'static str) -> Result<u16, DecodeError> {
        let s = self.take_slice(2, field)?;
        let arr: [u8; 2] = s
            .try_into()
            .map_err(|_| DecodeError::UnexpectedEnd { field })?;
        Ok(u16::from_be_bytes(arr))
    }

    #[inline]
    pub(crate) fn u32(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        let s = self.take_slice(4, field)?;
        let arr: [u8; 4] = s
            .try_into()
            .map_err(|_| DecodeError::UnexpectedEnd { field })?;
        Ok(u32::from_be_bytes(arr))
    }

    /// A Variable Byte Integer; one that runs past the region is malformed too.
    #[inline]
    pub(crate) fn varint(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        let window = self.frame.get(self.pos..self.end).unwrap_or_default();
        // One byte (every property identifier, most lengths): no loop.
        if let Some(&b) = window.first() {
            if b < 0x80 {
                self.pos += 1;
                return Ok(u32::from(b));
            }
        }
        match varint::parse(window) {
            Ok(Some((value, n))) => {
                self.pos += n;
                Ok(value)
            }
            Ok(None) => Err(DecodeError::UnexpectedEnd { field }),
            Err(VarintError::TooLong | VarintError::Overlong) => {
                Err(DecodeError::MalformedVarint { field })
            }
        }
    }

    #[inline]
    pub(crate) fn packet_id(
        &mut self,
        packet: crate::fixed_header::PacketType,
    ) -> Result<PacketId, DecodeError> {
        let raw = self.u16("packet identifier")?;
        PacketId::new(raw).ok_or(DecodeError::ZeroPacketId { packet })
    }

    /// A length-prefixed region as raw bytes.
    #[inline]
    fn prefixed(&mut self, field: &'static str) -> Result<Bytes, DecodeError> {
        let len = self.u16(field)?;
        self.bytes(usize::from(len), field)
    }

    /// A UTF-8 Encoded String.
    #[inline]
    pub(crate) fn string(&mut self, field: &'static str) -> Result<MqttString, DecodeError> {
        let len = self.u16(field)?;
        let start = self.pos;
        let raw = self.take_slice(usize::from(len), field)?;
        check_utf8(raw).map_err(|e| string_error(e, field))?;
        // In bounds: take_slice checked start..self.pos against the frame.
        Ok(MqttString::from_checked(self.frame.slice(start..self.pos)))
    }

    /// Checks a UTF-8 Encoded String and moves past it without taking it (no reference count is
    /// touched): for strings that are kept as part of a larger run (User Properties).
    #[inline]
    pub(crate) fn skip_string(&mut self, field: &'static str) -> Result<(), DecodeError> {
        let len = self.u16(field)?;
        let raw = self.take_slice(usize::from(len), field)?;
        check_utf8(raw).map_err(|e| string_error(e, field))
    }

    /// Binary Data.
    #[inline]
    pub(crate) fn binary(&mut self, field: &'static str) -> Result<BinaryData, DecodeError> {
        Ok(BinaryData::from_checked(self.prefixed(field)?))
    }

    /// A topic name (no wildcards; empty is rejected by [`TopicName`]).
    #[inline]
    pub(crate) fn topic_name_bytes(&mut self, field: &'static str) -> Result<Bytes, DecodeError> {
        self.prefixed(field)
    }

    /// A topic filter, with the shared-subscription syntax of `dialect`.
    #[inline]
    pub(crate) fn topic_filter(
        &mut self,
        field: &'static str,
        dialect: mqtt_topic::TopicDialect,
    ) -> Result<TopicFilter, DecodeError> {
        let raw = self.prefixed(field)?;
        TopicFilter::from_bytes_in(raw, dialect).map_err(|e| filter_error(e, field))
    }

    /// A sub-reader over the next `len` bytes; this reader moves past them.
    #[inline]
    pub(crate) fn sub(&mut self, len: usize, field: &'static str) -> Result<Self, DecodeError> {
        let start = self.pos;
        self.take_slice(len, field)?;
        Ok(Self {
            frame: self.frame,
            pos: start,
            end: self.pos,
        })
    }

    /// How many length-prefixed fields, each followed by `trailer` bytes, the rest of the region
    /// holds, counting at most `max`; a field that runs past the region counts too. For sizing a
    /// list before reading it (the reads themselves check everything).
    #[inline]
    pub(crate) fn count_prefixed(&self, trailer: usize, max: usize) -> usize {
        let mut rest = self.frame.get(self.pos..self.end).unwrap_or_default();
        let mut n = 0;
        while n < max {
            let Some((&len, tail)) = rest.split_first_chunk::<2>() else {
                break;
            };
            n += 1;
            let skip = usize::from(u16::from_be_bytes(len)) + trailer;
            let Some(tail) = tail.get(skip..) else {
                break;
            };
            rest = tail;
        }
        n
    }

    /// Fails if any bytes are left in the region.
    #[inline]
    pub(crate) fn finish(
        &self,
        packet: crate::fixed_header::PacketType,
    ) -> Result<(), DecodeError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes {
                packet,
                count: u32::try_from(self.remaining()).unwrap_or(u32::MAX),
            })
        }
    }
}

/// Maps a string rule failure to the decode error for `field`.
pub(crate) fn string_error(e: StringError, field: &'static str) -> DecodeError {
    match e {
        StringError::NullChar => DecodeError::NullCharacter { field },
        // TooLong cannot come from a two-byte length prefix.
        StringError::InvalidUtf8 | StringError::TooLong { .. } => {
            DecodeError::InvalidUtf8 { field }
        }
    }
}

/// Maps a topic name rule failure to the decode error for `field`.
pub(crate) fn name_error(e: TopicError, field: &'static str) -> DecodeError {
    match e {
        TopicError::InvalidUtf8 => DecodeError::InvalidUtf8 { field },
        TopicError::NullChar => DecodeError::NullCharacter { field },
        error => DecodeError::InvalidTopicName { field, error },
    }
}

/// Maps a topic filter rule failure to the decode error for `field`.
pub(crate) fn filter_error(e: TopicError, field: &'static str) -> DecodeError {
    match e {
        TopicError::InvalidUtf8 => DecodeError::InvalidUtf8 { field },
        TopicError::NullChar => DecodeError::NullCharacter { field },
        error => DecodeError::InvalidTopicFilter { field, error },
    }
}

/// Parses a topic name from bytes already taken off the frame.
#[inline]
pub(crate) fn topic_name(raw: Bytes, field: &'static str) -> Result<TopicName, DecodeError> {
    TopicName::from_bytes(raw).map_err(|e| name_error(e, field))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_region_bounds_reads() {
        let frame = Bytes::from_static(&[0, 3, b'a', b'b', b'c', 9]);
        let mut r = Reader::new(&frame);
        let mut sub = r.sub(4, "region").unwrap();
        // The string announces 3 bytes but its region holds 2: it must not read past the region.
        assert_eq!(
            sub.string("s"),
            Err(DecodeError::UnexpectedEnd { field: "s" })
        );
        assert_eq!(r.u16("x"), Ok(u16::from_be_bytes([b'c', 9])));
        assert_eq!(r.u8("y"), Err(DecodeError::UnexpectedEnd { field: "y" }));
        assert!(r.finish(crate::fixed_header::PacketType::PingReq).is_ok());
    }

    #[test]
    fn trailing_bytes_are_counted() {
        let frame = Bytes::from_static(&[1, 2, 3]);
        let mut r = Reader::new(&frame);
        r.u8("a").unwrap();
        assert_eq!(
            r.finish(crate::fixed_header::PacketType::PingReq),
            Err(DecodeError::TrailingBytes {
                packet: crate::fixed_header::PacketType::PingReq,
                count: 2
            })
        );
    }
}
