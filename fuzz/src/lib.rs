//! Fuzz targets for the sans-IO MQTT workspace.
//!
//! Each libFuzzer target in `fuzz_targets/` is one line that calls the function of the same name
//! here, so the logic is ordinary library code: unit tests and `tests/replay.rs` (which replays
//! `corpus/<target>/` and `regressions/<target>/` in `cargo test`) run exactly what the fuzzer
//! runs.
//!
//! - [`decode`]: a selector byte ([`Setup`]) and a byte stream; accepted packets re-encode and
//!   re-decode equal, errors stick.
//! - [`decode_chunked`]: a selector byte, chunk sizes and a byte stream; any chunking decodes
//!   like the whole buffer.
//! - [`roundtrip`]: `arbitrary` bytes that build packets; `decode(encode(p)) == p`, and encode
//!   errors are typed and exactly the ones a model of the spec's sender rules expects.
//! - [`topic`]: op lines with topic strings; constructors never panic and agree with a reference
//!   model, and matching, the subscription trie and the retained index agree with linear scans.
//!
//! - [`client_session`]: a configuration and op sequences (raw or well-formed server bytes in
//!   arbitrary chunks, commands, time jumps, reconnections, export and resume) driving an
//!   `mqtt_session::ClientSession`, checked on the wire by a server-side decoder: no panic, in
//!   flight <= the server's Receive Maximum, unique packet ids, nothing sent after `Closed`,
//!   the timer contract.
//! - [`server_session`]: the same for `mqtt_session::ServerSession`s, one per connection with
//!   the session handed on (take-over, export, `accept` with a stored state), checked by a
//!   client-side decoder.
//!
//! Run a target from the workspace root: `cargo +nightly fuzz run decode -- -dict=fuzz/mqtt.dict`
//! (AddressSanitizer), or on stable `RUSTC_BOOTSTRAP=1 cargo fuzz run decode -s none --
//! -dict=fuzz/mqtt.dict`. Inputs that hit a known open library bug are skipped while fuzzing
//! ([`skipping_known_bugs`]).

mod client;
mod codec;
mod generate;
mod reference;
mod server;
mod session;

use std::cell::Cell;

use bytes::{Bytes, BytesMut};
use mqtt_codec::{
    DecodeError, Decoder, EncodeError, Encoder, Limits, Packet, ProtocolVersion, decode_frame,
};

use crate::codec::{check_invariants, encode_checked};

/// The three protocol versions, in selector order.
pub const VERSIONS: [ProtocolVersion; 3] = [
    ProtocolVersion::V3_1,
    ProtocolVersion::V3_1_1,
    ProtocolVersion::V5,
];

/// Which [`Decoder`] constructor a decode target uses.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum DecoderKind {
    /// [`Decoder::new`]: direction-free rules.
    New,
    /// [`Decoder::client`]: reads what a server sends.
    Client,
    /// [`Decoder::awaiting_connect`]: a server's decoder; the version comes from CONNECT.
    AwaitingConnect,
}

/// The decoder set-up that the first input byte of [`decode`] and [`decode_chunked`] selects.
///
/// `selector % 3` is the version (3.1, 3.1.1, 5.0; ignored by [`DecoderKind::AwaitingConnect`]),
/// `selector / 3 % 3` the [`DecoderKind`] (new, client, awaiting CONNECT) and `selector / 9 % 2`
/// the limits (default, or tight: 64-byte packets, 1 user property, 2 topic filters).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Setup {
    /// Version of a [`DecoderKind::New`] or [`DecoderKind::Client`] decoder.
    pub version: ProtocolVersion,
    /// Constructor.
    pub kind: DecoderKind,
    /// Tight limits instead of [`Limits::default`].
    pub tight_limits: bool,
}

impl Setup {
    /// The set-up a selector byte picks.
    #[must_use]
    pub fn from_selector(selector: u8) -> Self {
        let version = match selector % 3 {
            0 => ProtocolVersion::V3_1,
            1 => ProtocolVersion::V3_1_1,
            _ => ProtocolVersion::V5,
        };
        let kind = match selector / 3 % 3 {
            0 => DecoderKind::New,
            1 => DecoderKind::Client,
            _ => DecoderKind::AwaitingConnect,
        };
        Self {
            version,
            kind,
            tight_limits: selector / 9 % 2 == 1,
        }
    }

    /// The smallest selector byte for this set-up (for writing seeds).
    #[must_use]
    pub fn selector(self) -> u8 {
        let version = match self.version {
            ProtocolVersion::V3_1 => 0,
            ProtocolVersion::V3_1_1 => 1,
            _ => 2,
        };
        let kind = match self.kind {
            DecoderKind::New => 0,
            DecoderKind::Client => 1,
            DecoderKind::AwaitingConnect => 2,
        };
        version + 3 * kind + 9 * u8::from(self.tight_limits)
    }

    /// The limits in force.
    #[must_use]
    pub fn limits(self) -> Limits {
        let mut limits = Limits::default();
        if self.tight_limits {
            limits.max_packet_size = core::num::NonZeroU32::MIN.saturating_add(63);
            limits.max_user_properties = 1;
            limits.max_topic_filters = 2;
        }
        limits
    }

    /// A fresh decoder.
    #[must_use]
    pub fn decoder(self) -> Decoder {
        match self.kind {
            DecoderKind::New => Decoder::new(self.version, self.limits()),
            DecoderKind::Client => Decoder::client(self.version, self.limits()),
            DecoderKind::AwaitingConnect => Decoder::awaiting_connect(self.limits()),
        }
    }

    /// The encoder of the peer this decoder listens to (direction-free for
    /// [`DecoderKind::New`]).
    fn peer_encoder(self, version: ProtocolVersion) -> Encoder {
        match self.kind {
            DecoderKind::New => Encoder::new(version),
            DecoderKind::Client => Encoder::server(version),
            DecoderKind::AwaitingConnect => Encoder::client(version),
        }
    }

    /// Most bytes a decoder may leave buffered after `Ok(None)`: an incomplete fixed header is
    /// at most 4 bytes; an incomplete frame is shorter than the maximum packet size.
    fn max_buffered(self) -> usize {
        let max = usize::try_from(self.limits().max_packet_size.get()).unwrap_or(usize::MAX);
        max.max(5)
    }
}

/// Decodes a byte stream and checks every packet the decoder accepts.
///
/// Input: one selector byte ([`Setup::from_selector`]), then the stream. Packets are decoded
/// until `Ok(None)` or an error. Asserted:
///
/// - an accepted packet consumed exactly one frame, and [`decode_frame`] of that frame (with the
///   direction-free rules and default limits, which accept a superset) gives the same packet;
/// - it re-encodes with [`Encoder::new`] (`encoded_len` == bytes written, bytes appended after
///   what the buffer held), the result re-decodes equal, and re-encoding that is a fixed point;
///   the only refusals allowed are two CONNECT client-identifier rules that bind the client while
///   the server must still read the packet to answer with CONNACK 0x02 (see `src/codec.rs`);
/// - the encoder of the peer the decoder listens to ([`Encoder::client`] for a server's
///   decoder, [`Encoder::server`] for a client's) gives the same result as [`Encoder::new`];
/// - `Ok(None)` consumes nothing and buffers less than the maximum packet size (or 5 bytes);
/// - after an `Err` the decoder is failed, `rx` is untouched, and every later call returns the
///   same error; the error has a reason code and a message.
pub fn decode(data: &[u8]) {
    let Some((&selector, stream)) = data.split_first() else {
        return;
    };
    let setup = Setup::from_selector(selector);
    let mut decoder = setup.decoder();
    let mut rx = BytesMut::from(stream);
    let mut offset = 0;
    loop {
        let version_before = decoder.version();
        let len_before = rx.len();
        match decoder.decode(&mut rx) {
            Ok(Some(packet)) => {
                let consumed = len_before - rx.len();
                assert!(consumed >= 2, "a packet consumed {consumed} bytes");
                let frame = stream
                    .get(offset..offset + consumed)
                    .expect("consumed within stream");
                offset += consumed;
                check_accepted(setup, version_before, frame, &packet);
                if let Packet::Connect(c) = &packet {
                    assert_eq!(
                        decoder.version(),
                        Some(version_before.unwrap_or(c.protocol))
                    );
                } else {
                    assert_eq!(decoder.version(), version_before);
                }
            }
            Ok(None) => {
                assert_eq!(rx.len(), len_before, "Ok(None) consumed bytes");
                assert!(!decoder.is_failed());
                assert!(
                    rx.len() < setup.max_buffered(),
                    "{} bytes left buffered",
                    rx.len()
                );
                assert_eq!(
                    decoder.decode(&mut rx),
                    Ok(None),
                    "Ok(None) is not repeatable"
                );
                return;
            }
            Err(e) => {
                assert_eq!(rx[..], stream[offset..], "a failed decode changed rx");
                check_failed(&mut decoder, &mut rx, e);
                return;
            }
        }
    }
}

/// Decodes a stream in chunks and checks that the result equals decoding it in one piece.
///
/// Input: one selector byte ([`Setup::from_selector`]), a count `n` (mod 16), `n` chunk sizes
/// (bytes, used cyclically; 0 means "call decode with nothing new"), then the stream. Asserted:
/// the same packets, the same final error (or none) and the same number of bytes consumed.
pub fn decode_chunked(data: &[u8]) {
    let [selector, n, rest @ ..] = data else {
        return;
    };
    let Some((sizes, stream)) = rest.split_at_checked(usize::from(n % 16)) else {
        return;
    };
    let setup = Setup::from_selector(*selector);
    let whole = Outcome::whole(setup, stream);
    let chunked = Outcome::chunked(setup, stream, sizes);
    assert_eq!(chunked, whole, "chunk sizes {sizes:?} change the result");
}

/// Builds packets of every type and version from `arbitrary` data and round-trips them.
///
/// Packets come from the public constructors and fields only: random valid topic names and
/// filters, properties, user properties, subscription identifiers, reason codes; now and then
/// content that a version or direction does not allow. Asserted for each packet:
///
/// - [`Encoder::new`] succeeds exactly when a small model of the spec's sender rules says the
///   packet is valid for the version; a refusal is a typed [`EncodeError`], writes nothing and
///   `encoded_len` agrees;
/// - what it writes decodes ([`decode_frame`] and a streaming [`Decoder::new`]) to an equal
///   packet, and re-encodes to the same bytes;
/// - [`Encoder::client`] / [`Encoder::server`] agree with the model's direction rules, write the
///   same bytes, and the receiving side's decoder ([`Decoder::awaiting_connect`] after a CONNECT,
///   [`Decoder::client`]) reads them back equal;
/// - with a peer maximum packet size the encoder refuses exactly the packets that are too big.
pub fn roundtrip(data: &[u8]) {
    let mut u = arbitrary::Unstructured::new(data);
    for _ in 0..8 {
        if u.is_empty() {
            return;
        }
        let Ok((version, packet, peer_max)) = generate::case(&mut u) else {
            return;
        };
        codec::check_roundtrip(version, &packet, peer_max);
    }
}

/// Topic names and filters through every constructor, matching, and the subscription trie
/// and retained index against linear models.
///
/// Input: lines separated by `\n` (at most 64). A line's first byte is an op, the rest a topic
/// (raw bytes, not necessarily UTF-8): `N` a name to look up; `F` / `f` subscribe a filter of
/// the 5.0 / 3.x dialect (value: a client id 0..=3 taken from the line number); `U` / `u`
/// unsubscribe it; `R` retain a name, `D` delete it; `X` drop one client id from the trie and
/// half of the retained names (`retain`). With any other first byte the whole line is a topic
/// tried as a name and as a 5.0 filter. Asserted:
///
/// - [`TopicName`](mqtt_topic::TopicName) and [`TopicFilter`](mqtt_topic::TopicFilter)
///   constructors never panic, agree with each other (`new`, `new_in`, `from_bytes`,
///   `TryFrom`, `FromStr`) and with a reference model of the rules (written from §4.7 and
///   §4.8.2), and their accessors (`levels`, `share_group`, `filter`, `is_dollar`...) agree;
/// - [`TopicFilter::matches`](mqtt_topic::TopicFilter::matches) and [`mqtt_topic::matches`]
///   agree with a reference matcher on every (filter, name) pair;
/// - [`SubscriptionTrie`](mqtt_topic::SubscriptionTrie): `insert` / `remove` return what a
///   linear model says, `get`, `len`, `filter_count`, `iter` agree, and `matches(name)` yields
///   exactly the model's matching lists (filter text, share group, values in insertion order);
/// - [`RetainedIndex`](mqtt_topic::RetainedIndex): `insert`, `remove`, `retain`, `get`,
///   `contains`, `len`, `iter` agree with the model, and `matching(filter)` yields exactly the
///   stored names the reference matcher accepts.
pub fn topic(data: &[u8]) {
    let mut state = reference::TopicState::default();
    for line in data.split(|&b| b == b'\n').take(64) {
        state.apply(line);
    }
    state.check();
}

/// Drives a `ClientSession` with op sequences and checks what it sends and reports.
///
/// Input: `arbitrary` data for a configuration (3.1 / 3.1.1 / 5.0, client identifier, Clean
/// Start, Keep Alive, `auto_ack`, response timeout, 5.0 Receive Maximum, Topic Alias Maximum,
/// Session Expiry, Maximum Packet Size, enhanced authentication, Will), then up to 96 ops:
/// `handle_connected`; server packets built with `Encoder::server` (CONNACK with arbitrary
/// limits, PUBLISH QoS 0/1/2 with DUP and aliases, PUBACK / PUBREC / PUBREL / PUBCOMP / SUBACK
/// / UNSUBACK for ids in flight or any, PINGRESP, DISCONNECT, AUTH) or raw bytes, fed in
/// arbitrary chunks; publish, subscribe, unsubscribe, ack, disconnect, auth commands;
/// `handle_timeout` at `poll_timeout`, before it, backwards, or later; clock jumps (also
/// backwards) and `handle_disconnected`; `export_state` + `resume`.
///
/// Each `handle_bytes` call gets at most one whole frame, and after every input or command
/// `poll_transmit` / `poll_event` are drained; a server-side decoder (`Decoder::awaiting_connect`
/// per connection) reads everything sent. Asserted:
///
/// - no panic; every byte sent decodes, in whole packets, CONNECT first and once
///   [MQTT-3.1.0-2]; nothing after DISCONNECT [MQTT-3.14.4-1]; nothing without a connection, or
///   after `Closed` until `handle_connected`; exactly one `Closed` per connection; after
///   `Closed`, `handle_bytes` returns `SessionError::Closed` and subscribe / unsubscribe / QoS 0
///   publish / disconnect return errors; `Closed(ProtocolError(e))` in 5.0 and `Closed(Local)`
///   end with a DISCONNECT (reason `e.reason_code()`); `Closed(PacketTooLarge)` only in 5.0,
///   for a required packet really over the CONNACK's Maximum Packet Size, after DISCONNECT
///   0x95 when that fits;
/// - the answer the protocol requires goes out in the same drain, or the connection closes:
///   PUBACK to a QoS 1 PUBLISH with automatic acknowledgments [MQTT-4.3.2-4], PUBREL to a
///   success PUBREC [MQTT-4.3.3-4], PUBCOMP to PUBREL [MQTT-4.3.3-11];
/// - QoS 1/2 PUBLISHes sent on a connection and not yet acknowledged (PUBACK, PUBCOMP, or
///   PUBREC with an error code) never exceed the Receive Maximum of its CONNACK [MQTT-3.3.4-9]; Maximum QoS,
///   Retain Available, Topic Alias Maximum and Maximum Packet Size of that CONNACK are obeyed;
/// - no packet id is used twice at once among outbound PUBLISH / SUBSCRIBE / UNSUBSCRIBE awaiting
///   acknowledgment; a PUBLISH is sent again only once per connection after Session Present =
///   1, with DUP [MQTT-3.3.1-1], never after PUBREC; after Session Present = 1 every
///   unacknowledged PUBLISH (as the window allows) and PUBREL is resent [MQTT-4.4.0-1]; every id
///   the server has in flight is `is_packet_id_in_use`; `Delivered` / `Rejected` follow an
///   acknowledgment; Clean Start follows the documented rule (0 after `resume`);
/// - the timer contract: `handle_timeout` before `poll_timeout` does nothing, it is idempotent,
///   and right after it `poll_timeout` is later than the clock (times passed are clamped);
/// - `is_connected` agrees with the CONNACK processed; `export_state` keeps every unacknowledged
///   PUBLISH, and `SessionState` encode / decode round-trips.
pub fn client_session(data: &[u8]) {
    client::run(data);
}

/// Drives `ServerSession`s with op sequences and checks what they send and report.
///
/// Input: `arbitrary` data for a `ServerConfig` (capabilities: Receive Maximum, Maximum QoS,
/// Retain Available, Maximum Packet Size, Topic Alias Maximum, availability flags; Server Keep
/// Alive; CONNECT timeout), then up to 96 ops: client packets built with `Encoder::client`
/// (CONNECT of any version with 5.0 limits, Will, enhanced authentication; PUBLISH QoS 0/1/2
/// with DUP and aliases; PUBACK / PUBREC / PUBREL / PUBCOMP for ids in flight or any;
/// SUBSCRIBE, UNSUBSCRIBE, PINGREQ, DISCONNECT, AUTH) or raw bytes, in arbitrary chunks;
/// `accept` (with the previous session's state or none) / `refuse`; `deliver` with
/// subscription options, `no_local`, Subscription Identifiers, expiry; `grant`; `disconnect`;
/// `auth_continue` / `auth_success`; `handle_timeout` at, before, behind or after
/// `poll_timeout`; clock jumps and `handle_disconnected`; a new connection (the old session
/// taken over with or without resume, or exported); `export_state` round trips.
///
/// Each `handle_bytes` call gets at most one whole frame (none while a CONNECT decision is
/// pending), and outputs are drained after every input or command; a client-side decoder of
/// the CONNECT's version reads everything sent. Asserted:
///
/// - no panic; every byte sent decodes, in whole packets; before a CONNECT is read only a
///   refusing CONNACK; CONNACK (or AUTH) first and once [MQTT-3.2.0-1]; no PUBLISH before an
///   accepting CONNACK; nothing after DISCONNECT [MQTT-3.14.4-1] or after `Closed`; one
///   `Closed` per connection; `handle_bytes` after it returns `SessionError::Closed`;
///   `ConnectRequested` carries the CONNECT read;
/// - QoS 1/2 PUBLISHes sent on a connection and unacknowledged never exceed the client's
///   Receive Maximum [MQTT-3.3.4-7]; packets fit its Maximum Packet Size [MQTT-3.1.2-24];
///   aliases stay within its Topic Alias Maximum [MQTT-3.1.2-26];
/// - packet ids of unacknowledged PUBLISHes are unique; a PUBLISH is resent only after Session
///   Present = 1, once, with DUP, never after PUBREC; after Session Present = 1 unacknowledged
///   PUBLISHes (as the window allows) and PUBRELs are resent [MQTT-4.4.0-1]; a delivered
///   message goes out at min(message QoS, subscription QoS); `Delivered` follows an
///   acknowledgment;
/// - the timer contract as for [`client_session`]; `SessionState` encode / decode round-trips.
pub fn server_session(data: &[u8]) {
    server::run(data);
}

thread_local! {
    static SKIP_KNOWN_BUGS: Cell<bool> =
        Cell::new(cfg!(fuzzing) && std::env::var_os("MQTT_FUZZ_CHECK_KNOWN").is_none());
}

/// Runs `f` with inputs that hit a known open library bug skipped (`true`) or checked like any
/// other (`false`) on this thread.
///
/// The default is to skip them while fuzzing (`cfg(fuzzing)`, set by cargo-fuzz) so a run keeps
/// exploring instead of stopping at the same crash, and to check them otherwise. Set
/// `MQTT_FUZZ_CHECK_KNOWN=1` to check them while fuzzing too (to reproduce or `cargo fuzz tmin`
/// a known bug). The bugs are
/// listed in `src/codec.rs` (`known_open_bug`) and `src/session.rs` (`KNOWN_OPEN_BUGS`), each with a regression file
/// `regressions/<target>/open-<name>` that `tests/replay.rs` replays without skipping.
pub fn skipping_known_bugs<R>(skip: bool, f: impl FnOnce() -> R) -> R {
    let before = SKIP_KNOWN_BUGS.with(|s| s.replace(skip));
    let result = f();
    SKIP_KNOWN_BUGS.with(|s| s.set(before));
    result
}

/// Whether inputs hitting known open library bugs are skipped on this thread.
fn skip_known_bugs() -> bool {
    SKIP_KNOWN_BUGS.with(Cell::get)
}

/// What decoding a stream produced.
#[derive(Debug, PartialEq)]
struct Outcome {
    packets: Vec<Packet>,
    error: Option<DecodeError>,
    consumed: usize,
}

impl Outcome {
    fn whole(setup: Setup, stream: &[u8]) -> Self {
        let mut decoder = setup.decoder();
        let mut rx = BytesMut::from(stream);
        let mut out = Self {
            packets: Vec::new(),
            error: None,
            consumed: 0,
        };
        out.drain(setup, &mut decoder, &mut rx);
        out.consumed = stream.len() - rx.len();
        out
    }

    fn chunked(setup: Setup, stream: &[u8], sizes: &[u8]) -> Self {
        let mut decoder = setup.decoder();
        let mut rx = BytesMut::new();
        let mut out = Self {
            packets: Vec::new(),
            error: None,
            consumed: 0,
        };
        let all_zero = sizes.iter().all(|&s| s == 0);
        let mut sizes = sizes.iter().cycle();
        let mut fed = 0;
        while fed < stream.len() && out.error.is_none() {
            let size = match sizes.next() {
                Some(&s) if !all_zero => usize::from(s),
                _ => 1,
            };
            let end = stream.len().min(fed + size);
            rx.extend_from_slice(stream.get(fed..end).unwrap_or_default());
            fed = end;
            out.drain(setup, &mut decoder, &mut rx);
        }
        out.consumed = fed - rx.len();
        out
    }

    /// Decodes until `Ok(None)` or an error.
    fn drain(&mut self, setup: Setup, decoder: &mut Decoder, rx: &mut BytesMut) {
        loop {
            match decoder.decode(rx) {
                Ok(Some(packet)) => self.packets.push(packet),
                Ok(None) => {
                    assert!(
                        rx.len() < setup.max_buffered(),
                        "{} bytes left buffered",
                        rx.len()
                    );
                    return;
                }
                Err(e) => {
                    check_failed(decoder, rx, e);
                    self.error = Some(e);
                    return;
                }
            }
        }
    }
}

/// Checks a packet that the decoder of `setup` accepted from `frame`.
fn check_accepted(
    setup: Setup,
    version_before: Option<ProtocolVersion>,
    frame: &[u8],
    packet: &Packet,
) {
    check_invariants(packet);
    // The version the packet was read with; a CONNECT reads its own.
    let (read_version, encode_version) = match packet {
        Packet::Connect(c) => (version_before.unwrap_or(c.protocol), c.protocol),
        _ => {
            let v = version_before.expect("only CONNECT is accepted before the version is known");
            (v, v)
        }
    };
    assert_eq!(
        decode_frame(read_version, Bytes::copy_from_slice(frame)).as_ref(),
        Ok(packet),
        "decode_frame disagrees with the streaming decoder on {frame:02x?}"
    );
    if read_version != encode_version {
        assert!(
            matches!(
                Encoder::new(read_version).encoded_len(packet),
                Err(EncodeError::VersionMismatch { .. })
            ),
            "a CONNECT for another version must be refused with VersionMismatch"
        );
    }

    let result = encode_checked(&Encoder::new(encode_version), packet);
    match &result {
        Ok(wire) => {
            let again = decode_frame(encode_version, wire.clone())
                .unwrap_or_else(|e| panic!("re-encoded {packet:?} as {wire:02x?}: {e}"));
            assert_eq!(
                &again, packet,
                "re-decoded packet differs; wire {wire:02x?}"
            );
            let fixed = encode_checked(&Encoder::new(encode_version), &again);
            assert_eq!(fixed.as_ref(), Ok(wire), "re-encoding is not a fixed point");
        }
        Err(e) => assert!(
            codec::unencodable_but_decodable(packet, encode_version, *e),
            "decoded {packet:?} from {frame:02x?} but Encoder::new refuses it: {e}"
        ),
    }
    let peer = encode_checked(&setup.peer_encoder(encode_version), packet);
    assert_eq!(
        peer, result,
        "the {:?} decoder's peer encoder disagrees",
        setup.kind
    );
}

/// Checks that a failed decoder stays failed with the same error.
fn check_failed(decoder: &mut Decoder, rx: &mut BytesMut, e: DecodeError) {
    assert!(
        decoder.is_failed(),
        "Err({e:?}) but the decoder is not failed"
    );
    let _ = e.reason_code();
    assert!(!e.to_string().is_empty());
    let before = rx.clone();
    assert_eq!(
        decoder.decode(rx),
        Err(e),
        "a failed decoder changed its error"
    );
    assert_eq!(*rx, before, "a failed decoder consumed bytes");
    let mut fresh = BytesMut::from(&[0xC0, 0x00][..]);
    assert_eq!(
        decoder.decode(&mut fresh),
        Err(e),
        "a failed decoder decoded new bytes"
    );
    assert_eq!(fresh.len(), 2);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selector_round_trips() {
        for s in 0..18 {
            let setup = Setup::from_selector(s);
            assert_eq!(setup.selector(), s);
            assert_eq!(Setup::from_selector(s + 18), setup);
        }
    }

    #[test]
    fn empty_and_short_inputs() {
        for f in [
            decode,
            decode_chunked,
            roundtrip,
            topic,
            client_session,
            server_session,
        ] {
            f(&[]);
            f(&[0]);
            f(&[0xFF, 0xFF]);
        }
    }

    #[test]
    fn decode_reads_a_session() {
        // 3.1.1 CONNECT "c", then PINGREQ, through a server's decoder.
        let mut data = vec![Setup::from_selector(7).selector()];
        data.extend_from_slice(&[
            0x10, 13, 0, 4, b'M', b'Q', b'T', b'T', 4, 2, 0, 60, 0, 1, b'c',
        ]);
        data.extend_from_slice(&[0xC0, 0x00]);
        decode(&data);
        decode_chunked(&[&[7, 1, 1][..], &data[1..]].concat());
    }
}
