//! Codec adapters: ours and each peer behind the same two small traits, so that every bench,
//! check, allocation count and differential test drives them the same way.
//!
//! Each adapter uses the peer's own public, documented receive and send path, as an application
//! would; where a peer has no "how many bytes did you consume" answer, the adapter steps over the
//! frame with [`crate::frame::frame_len`] (a few nanoseconds, said in the adapter).

pub mod mqtt_proto;
pub mod mqtt_protocol_core;
pub mod mqttrs;
pub mod ntex_mqtt;
pub mod ours;
pub mod rumqttc;

use crate::frame::{Frame, PublishFrame};

/// Why a stream did not decode completely.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Failure {
    /// The decoder wants more bytes, with `left` bytes still unread.
    Incomplete {
        /// Unread bytes.
        left: usize,
    },
    /// The decoder refused the input.
    Error(String),
}

/// A decoder under test.
pub trait Decode {
    /// Display name (the crate, and its version module where it has several).
    const NAME: &'static str;
    /// The decoder's input, built outside the timed region (a `BytesMut` copy of the bytes, or
    /// the bytes themselves for decoders that borrow).
    type Input<'w>;
    /// One decoded packet.
    type Packet<'a>;

    /// A decoder for MQTT 5.0 (`v5`) or 3.1.1; `None` if the peer does not speak that version.
    fn new(v5: bool) -> Option<Self>
    where
        Self: Sized;

    /// Builds the input from the wire bytes.
    fn prepare(wire: &[u8]) -> Self::Input<'_>;

    /// Decodes every packet of `input`, front to back, handing each to `f`; returns how many.
    ///
    /// # Errors
    /// [`Failure`] when the decoder refuses the input or wants more bytes.
    fn for_each<F>(&mut self, input: &mut Self::Input<'_>, f: F) -> Result<usize, Failure>
    where
        F: FnMut(&Self::Packet<'_>);

    /// A cheap digest of a packet (what a consumer reads first: kind, packet id, topic length,
    /// payload length); the timed loops sum it so that nothing is optimised away.
    fn digest(p: &Self::Packet<'_>) -> u64;

    /// The packet in the neutral model, for the checks.
    fn frame(p: &Self::Packet<'_>) -> Frame;
}

/// Decodes `wire` completely with `D` and returns the neutral frames.
///
/// # Errors
/// [`Failure`] from the decoder; `Failure::Error` also when the peer panics.
pub fn decode_frames<D: Decode>(v5: bool, wire: &[u8]) -> Result<Vec<Frame>, Failure> {
    let Some(mut d) = D::new(v5) else {
        return Err(Failure::Error("version not supported".to_owned()));
    };
    let mut input = D::prepare(wire);
    let mut out = Vec::new();
    d.for_each(&mut input, |p| out.push(D::frame(p)))?;
    Ok(out)
}

/// Decodes the prepared input and returns (packets, digest sum): the timed body of the decode
/// benches.
///
/// # Errors
/// [`Failure`] from the decoder.
#[inline]
pub fn decode_digest<D: Decode>(
    d: &mut D,
    input: &mut D::Input<'_>,
) -> Result<(usize, u64), Failure> {
    let mut sum = 0u64;
    let n = d.for_each(input, |p| sum = sum.wrapping_add(D::digest(p)))?;
    Ok((n, sum))
}

/// The digest of a neutral frame, equal to what every adapter's [`Decode::digest`] returns for the
/// same packet (checked by the tests), so the timed sums can be checked too.
#[must_use]
pub fn frame_digest(f: &Frame) -> u64 {
    match f {
        Frame::Publish(p) => digest_parts(3, p.packet_id, p.topic.len(), p.payload.len()),
        Frame::PubAck(id) => digest_parts(4, *id, 0, 0),
        Frame::PubRec(id) => digest_parts(5, *id, 0, 0),
        Frame::PubRel(id) => digest_parts(6, *id, 0, 0),
        Frame::PubComp(id) => digest_parts(7, *id, 0, 0),
        Frame::Subscribe { packet_id, .. } => digest_parts(8, *packet_id, 0, 0),
        other => digest_parts(other.packet_type(), 0, 0, 0),
    }
}

/// Combines the digest fields.
#[inline]
#[must_use]
pub fn digest_parts(kind: u8, packet_id: u16, topic_len: usize, payload_len: usize) -> u64 {
    (u64::from(kind) << 56)
        ^ (u64::from(packet_id) << 32)
        ^ ((topic_len as u64) << 20)
        ^ payload_len as u64
}

/// An encoder under test (workload 3: PUBLISH into a reused buffer).
pub trait Encode {
    /// Display name.
    const NAME: &'static str;
    /// The peer's packet, built outside the timed region.
    type Packet;
    /// The reused output buffer.
    type Buffer;

    /// Builds the peer's packet for a 3.1.1 PUBLISH.
    fn build(p: &PublishFrame) -> Self::Packet;

    /// A new, empty output buffer.
    fn buffer() -> Self::Buffer;

    /// Empties `buf` (keeping its capacity) and encodes every packet into it, back to back;
    /// returns the bytes written.
    ///
    /// # Errors
    /// The peer's error, formatted.
    fn encode_all(packets: &[Self::Packet], buf: &mut Self::Buffer) -> Result<usize, String>;

    /// The buffer's bytes, for the checks.
    fn bytes(buf: &Self::Buffer) -> Vec<u8>;
}

/// Encodes `frames` (3.1.1 PUBLISH only) with `E` and returns the bytes.
///
/// # Errors
/// The peer's error, formatted.
pub fn encode_bytes<E: Encode>(frames: &[&PublishFrame]) -> Result<Vec<u8>, String> {
    let packets: Vec<E::Packet> = frames.iter().map(|p| E::build(p)).collect();
    let mut buf = E::buffer();
    E::encode_all(&packets, &mut buf)?;
    Ok(E::bytes(&buf))
}

/// Runs a peer call, turning a panic into `Err` (some peers index out of bounds on malformed
/// input) without printing the panic message.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    crate::quiet_panics::catch(f)
}
