//! The streaming decoder: frame first (from the fixed header alone), parse second.

use bytes::{Buf, Bytes, BytesMut};

use crate::error::{DecodeError, Sender};
use crate::fixed_header::{self, FixedHeader, PacketType};
use crate::limits::Limits;
use crate::packet::{self, DecodeCtx, Packet};
use crate::version::ProtocolVersion;

/// Decodes packets from a caller-owned receive buffer.
///
/// [`Decoder::decode`] returns `Ok(None)` until a whole packet is buffered and leaves partial
/// input untouched; a complete frame is split off the buffer and parsed without copying (a
/// frame whose packet keeps none of its bytes, such as a PUBACK or a PINGREQ, is read in place
/// and stepped over instead).
/// The maximum packet size is enforced from the fixed header, before the body is buffered.
///
/// After an error the decoder stays failed: the connection must be closed
/// ([`DecodeError::reason_code`] says what to tell a 5.0 peer first).
#[derive(Clone, Debug)]
pub struct Decoder {
    version: Option<ProtocolVersion>,
    /// Who sends the bytes this decoder reads, when known.
    sender: Option<Sender>,
    limits: Limits,
    failed: Option<DecodeError>,
}

impl Decoder {
    /// A decoder for a connection of `version`, checking only rules that hold in both
    /// directions (for tools and tests; sessions use [`Decoder::client`] or
    /// [`Decoder::awaiting_connect`]).
    #[must_use]
    pub fn new(version: ProtocolVersion, limits: Limits) -> Self {
        Self {
            version: Some(version),
            sender: None,
            limits,
            failed: None,
        }
    }

    /// A client's decoder: reads what a server sends under `version`, and rejects packets
    /// and fields only a client may send.
    #[must_use]
    pub fn client(version: ProtocolVersion, limits: Limits) -> Self {
        Self {
            version: Some(version),
            sender: Some(Sender::Server),
            limits,
            failed: None,
        }
    }

    /// A server's decoder before CONNECT: the first packet must be CONNECT, whose protocol
    /// name and level set the version for the rest of the connection.
    #[must_use]
    pub fn awaiting_connect(limits: Limits) -> Self {
        Self {
            version: None,
            sender: Some(Sender::Client),
            limits,
            failed: None,
        }
    }

    /// Decodes the next packet at the front of `rx`.
    ///
    /// `Ok(None)`: `rx` holds no complete packet yet (nothing is consumed). `Ok(Some(p))`: the
    /// packet's bytes were taken off the front of `rx`; fields of `p` share them (the payload of
    /// a PUBLISH is the tail of its frame).
    ///
    /// # Errors
    /// [`DecodeError`] for malformed input, a protocol violation or a broken limit; the
    /// decoder then stays failed and `rx` is left as it was.
    #[inline]
    pub fn decode(&mut self, rx: &mut BytesMut) -> Result<Option<Packet>, DecodeError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        // Every layer below returns what the one beneath it returns, unchanged (errors are
        // recorded where they arise), so that the packet is built once, in place in the caller's
        // slot (a `Packet` is 280 bytes).
        self.decode_inner(rx)
    }

    /// The protocol version, once known.
    #[must_use]
    pub fn version(&self) -> Option<ProtocolVersion> {
        self.version
    }

    /// The limits in force.
    #[must_use]
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Whether an error has stopped this decoder.
    #[must_use]
    pub fn is_failed(&self) -> bool {
        self.failed.is_some()
    }

    #[inline(always)]
    fn decode_inner(&mut self, rx: &mut BytesMut) -> Result<Option<Packet>, DecodeError> {
        let header = match self.check_header(rx) {
            Ok(Some(header)) => header,
            Ok(None) => return Ok(None),
            Err(e) => return Err(self.fail(e)),
        };
        let frame_len = header.frame_len();
        if rx.len() < frame_len {
            return Ok(None);
        }
        let ctx = DecodeCtx {
            // Before CONNECT only CONNECT gets here, and it reads its own version.
            version: self.version.unwrap_or(ProtocolVersion::V5),
            sender: self.sender,
            limits: &self.limits,
        };
        if let Some(small) = packet::decode_unshared(&header, rx, &ctx) {
            // Nothing of the frame is kept: step over it without sharing the buffer.
            rx.advance(frame_len);
            return Ok(Some(small.into_packet()));
        }
        if header.packet_type == PacketType::Connect {
            return self.decode_connect(&header, rx);
        }
        let frame = rx.split_to(frame_len).freeze();
        let failed = &mut self.failed;
        packet::decode_body(&header, frame, &ctx, |frame, e| {
            // Keep the contract of `decode`: on error `rx` is left as it was.
            restore(rx, frame);
            *failed = Some(e);
        })
    }

    /// CONNECT, which also sets the version of a server's decoder.
    #[inline(never)]
    fn decode_connect(
        &mut self,
        header: &FixedHeader,
        rx: &mut BytesMut,
    ) -> Result<Option<Packet>, DecodeError> {
        let frame = rx.split_to(header.frame_len()).freeze();
        let result = packet::decode_body(header, frame, &self.ctx(), |frame, _| restore(rx, frame));
        match &result {
            Ok(Some(Packet::Connect(c))) => {
                self.version.get_or_insert(c.protocol);
            }
            Ok(_) => {}
            Err(e) => self.failed = Some(*e),
        }
        result
    }

    /// Records `e`, which stops this decoder, and returns it.
    #[cold]
    fn fail(&mut self, e: DecodeError) -> DecodeError {
        self.failed = Some(e);
        e
    }

    /// Reads and checks the fixed header: type, flags, direction, size.
    #[inline]
    fn check_header(&self, rx: &[u8]) -> Result<Option<FixedHeader>, DecodeError> {
        let Some(header) = fixed_header::peek(rx, self.version)? else {
            return Ok(None);
        };
        let t = header.packet_type;
        if self.version.is_none() && t != PacketType::Connect {
            return Err(DecodeError::FirstPacketNotConnect { packet: t });
        }
        if let Some(sender) = self.sender {
            let version = self.version.unwrap_or(ProtocolVersion::V5);
            if !packet::sent_by(t, sender, version) {
                return Err(DecodeError::WrongDirection { packet: t, sender });
            }
        }
        let max = self.limits.max_packet_size.get();
        let size = u32::try_from(header.frame_len()).unwrap_or(u32::MAX);
        if size > max {
            return Err(DecodeError::PacketTooLarge { size, max });
        }
        Ok(Some(header))
    }

    /// What the packet decoders need to know about the connection.
    #[inline(always)]
    fn ctx(&self) -> DecodeCtx<'_> {
        DecodeCtx {
            // Before CONNECT only CONNECT gets here, and it reads its own version.
            version: self.version.unwrap_or(ProtocolVersion::V5),
            sender: self.sender,
            limits: &self.limits,
        }
    }
}

/// Puts a frame that failed to decode back in front of the rest of `rx`. Errors are terminal,
/// so this one copy is off the hot path.
#[cold]
#[inline(never)]
fn restore(rx: &mut BytesMut, frame: &[u8]) {
    let mut restored = BytesMut::with_capacity(frame.len() + rx.len());
    restored.extend_from_slice(frame);
    restored.extend_from_slice(rx);
    *rx = restored;
}

/// Decodes one complete frame (fixed header included) with the direction-independent rules of
/// `version` and the default [`Limits`].
///
/// # Errors
/// [`DecodeError`] as [`Decoder::decode`]; a frame that is short, or longer than its Remaining
/// Length says, is [`DecodeError::UnexpectedEnd`] or [`DecodeError::TrailingBytes`].
pub fn decode_frame(version: ProtocolVersion, frame: Bytes) -> Result<Packet, DecodeError> {
    let decoder = Decoder::new(version, Limits::default());
    let header = decoder
        .check_header(&frame)?
        .ok_or(DecodeError::UnexpectedEnd {
            field: "fixed header",
        })?;
    let frame_len = header.frame_len();
    if frame.len() < frame_len {
        return Err(DecodeError::UnexpectedEnd { field: "packet" });
    }
    if frame.len() > frame_len {
        return Err(DecodeError::TrailingBytes {
            packet: header.packet_type,
            count: u32::try_from(frame.len() - frame_len).unwrap_or(u32::MAX),
        });
    }
    packet::decode_body(&header, frame, &decoder.ctx(), |_, _| {})?
        .ok_or(DecodeError::UnexpectedEnd { field: "packet" })
}
