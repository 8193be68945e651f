//! The encoder: a length pass that validates everything, then one reserved write.

use core::num::NonZeroU32;

use bytes::BytesMut;

use crate::encodable::Encodable;
use crate::error::{EncodeError, Sender};
use crate::packet::{self, EncodeCtx};
use crate::varint;
use crate::version::ProtocolVersion;

/// Encodes packets into a caller-owned buffer: a [`Packet`](crate::Packet), or any packet struct
/// on its own ([`Encodable`]: `encoder.encode(&publish, &mut tx)` needs no `Packet` around it).
///
/// [`Encoder::encoded_len`] is exact and is the single source of truth for sizes;
/// [`Encoder::encode`] validates the whole packet before writing a byte, so on `Err` the buffer
/// is unchanged. Content that does not exist in the encoder's version (5.0 properties in a 3.1.1
/// packet, say) is an error, never silently dropped.
#[derive(Clone, Copy, Debug)]
pub struct Encoder {
    version: ProtocolVersion,
    sender: Option<Sender>,
    peer_max_packet_size: Option<NonZeroU32>,
}

impl Encoder {
    /// An encoder for `version` that checks only direction-independent rules.
    #[must_use]
    pub const fn new(version: ProtocolVersion) -> Self {
        Self {
            version,
            sender: None,
            peer_max_packet_size: None,
        }
    }

    /// A client's encoder: refuses packets and fields only a server may send.
    #[must_use]
    pub const fn client(version: ProtocolVersion) -> Self {
        Self {
            version,
            sender: Some(Sender::Client),
            peer_max_packet_size: None,
        }
    }

    /// A server's encoder: refuses packets and fields only a client may send.
    #[must_use]
    pub const fn server(version: ProtocolVersion) -> Self {
        Self {
            version,
            sender: Some(Sender::Server),
            peer_max_packet_size: None,
        }
    }

    /// Sets the peer's Maximum Packet Size (5.0 CONNECT / CONNACK property): larger packets are
    /// refused with [`EncodeError::PacketTooLarge`].
    pub fn set_peer_max_packet_size(&mut self, max: NonZeroU32) {
        self.peer_max_packet_size = Some(max);
    }

    /// The protocol version.
    #[must_use]
    pub const fn version(&self) -> ProtocolVersion {
        self.version
    }

    /// The exact number of bytes [`Encoder::encode`] would write.
    ///
    /// # Errors
    /// [`EncodeError`] when the packet cannot be encoded in this version or size.
    #[inline]
    pub fn encoded_len<P: Encodable + ?Sized>(&self, packet: &P) -> Result<usize, EncodeError> {
        self.lengths(packet).map(|(total, _)| total)
    }

    /// Appends `packet` to `tx` and returns the number of bytes written.
    ///
    /// # Errors
    /// [`EncodeError`] when the packet cannot be encoded; nothing is written then.
    #[inline]
    pub fn encode<P: Encodable + ?Sized>(
        &self,
        packet: &P,
        tx: &mut BytesMut,
    ) -> Result<usize, EncodeError> {
        let (total, remaining) = self.lengths(packet)?;
        tx.reserve(total);
        let before = tx.len();
        packet.write(remaining, self, tx);
        debug_assert_eq!(tx.len() - before, total, "invariant: encoded_len is exact");
        Ok(total)
    }

    #[inline]
    pub(crate) fn ctx(&self) -> EncodeCtx {
        EncodeCtx {
            version: self.version,
            sender: self.sender,
        }
    }

    /// Total and Remaining Length, after every check.
    #[inline]
    fn lengths<P: Encodable + ?Sized>(&self, packet: &P) -> Result<(usize, u32), EncodeError> {
        if let Some(sender) = self.sender {
            if !packet::sent_by(packet.packet_type(), sender, self.version) {
                return Err(EncodeError::InvalidField {
                    field: "packet type",
                    rule: "this side of the connection never sends this packet",
                });
            }
        }
        let remaining = packet.remaining_len(self)?;
        let remaining = u32::try_from(remaining)
            .ok()
            .filter(|&r| r <= varint::MAX)
            .ok_or(EncodeError::RemainingLengthTooLarge {
                len: remaining as u64,
            })?;
        let total = 1 + varint::len(remaining) + remaining as usize;
        if let Some(max) = self.peer_max_packet_size {
            if total as u64 > u64::from(max.get()) {
                return Err(EncodeError::PacketTooLarge {
                    size: total as u64,
                    max: max.get(),
                });
            }
        }
        Ok((total, remaining))
    }
}
