//! No input panics a decoder: truncations of valid packets at every offset, every single-byte
//! mutation of valid packets of each version, and every input that ever panicked (kept in
//! `REGRESSIONS`), through `Decoder::new`, `Decoder::client`, `Decoder::awaiting_connect` and
//! `decode_frame`.

pub mod support;

use core::panic::AssertUnwindSafe;
use std::panic::catch_unwind;

use bytes::{Bytes, BytesMut};
use mqtt_codec::{Decoder, Limits, ProtocolVersion, decode_frame};

use crate::support::{Expect, VERSIONS, encode, hex, load_vectors, sample_packets};

/// Inputs that once panicked (or that probe the edges where a panic would most likely hide),
/// as hex. Add every panic ever found here, with the version directory it was found under.
const REGRESSIONS: &[(&str, &str)] = &[
    // Remaining Length edges: five bytes, over-long, 256 MB, incomplete.
    ("v3_1_1", "30 ff ff ff ff 7f"),
    ("v3_1_1", "30 80 80 80 80"),
    ("v5", "30 ff ff ff 7f"),
    ("v5", "30 80 00"),
    ("v5", "30 ff ff ff"),
    // Property length and identifiers at the end of the frame, as 4-byte VBIs.
    ("v5", "30 07 00 01 61 ff ff ff 7f"),
    ("v5", "30 08 00 01 61 04 ff ff ff 7f"),
    ("v5", "30 06 00 01 61 02 0b 80"),
    // A subscription identifier that runs past its block.
    ("v5", "30 07 00 01 61 03 0b ff ff"),
    // User property whose strings claim more than the block.
    ("v5", "30 09 00 01 61 05 26 ff ff 00 00"),
    // Zero-length frames of every type, every flag nibble.
    ("v5", "f0 00"),
    ("v5", "e0 00"),
    ("v5", "b0 00"),
    ("v5", "90 00"),
    ("v5", "40 00"),
    ("v5", "20 00"),
    ("v5", "10 00"),
    ("v3_1", "10 00"),
    ("v3_1_1", "82 00"),
    // CONNECT announcing a will and every optional field with no bytes for them.
    ("v5", "10 0b 00 04 4d 51 54 54 05 fe 00 00 00 00 00"),
    ("v3_1", "10 0d 00 06 4d 51 49 73 64 70 03 ee 00 00 00 00"),
];

/// The decoders every input goes through, fresh for each input.
fn decoders(version: ProtocolVersion) -> [Decoder; 4] {
    let tiny = Limits::default().with_max_packet_size(core::num::NonZeroU32::MIN.saturating_add(7));
    [
        Decoder::new(version, Limits::default()),
        Decoder::client(version, Limits::default()),
        Decoder::awaiting_connect(Limits::default()),
        Decoder::new(version, tiny),
    ]
}

/// Runs `input` through every entry point: whole, then once more with the same bytes appended
/// (a poisoned or advanced decoder must not panic either).
fn decode_everywhere(version: ProtocolVersion, input: &[u8]) {
    for mut decoder in decoders(version) {
        let mut rx = BytesMut::from(input);
        for _ in 0..3 {
            if let Ok(None) = decoder.decode(&mut rx) {
                break;
            }
        }
        rx.extend_from_slice(input);
        let _ = decoder.decode(&mut rx);
    }
    let _ = decode_frame(version, Bytes::copy_from_slice(input));
}

/// Whether `f` returns without panicking.
fn completes(f: impl FnOnce()) -> bool {
    catch_unwind(AssertUnwindSafe(f)).is_ok()
}

/// [`decode_everywhere`], reporting a panic as the input that caused it.
fn run(version: ProtocolVersion, input: &[u8]) -> Result<(), String> {
    if completes(|| decode_everywhere(version, input)) {
        Ok(())
    } else {
        Err(format!("{version}: panicked on {}", hex(input)))
    }
}

/// Runs every input and fails listing all that panicked.
fn assert_no_panic(inputs: impl IntoIterator<Item = (ProtocolVersion, Vec<u8>)>) -> usize {
    let mut count = 0;
    let mut panics = Vec::new();
    for (version, input) in inputs {
        count += 1;
        if let Err(e) = run(version, &input) {
            panics.push(e);
        }
    }
    assert!(
        panics.is_empty(),
        "{} panics:\n{}",
        panics.len(),
        panics.join("\n")
    );
    count
}

/// Valid packets of each version: the sample packets and the small ok vectors.
fn seeds() -> Vec<(ProtocolVersion, Vec<u8>)> {
    let mut out = Vec::new();
    for version in VERSIONS {
        for p in sample_packets(version) {
            out.push((version, encode(version, &p).to_vec()));
        }
    }
    for v in load_vectors() {
        if v.expect == Expect::Ok && v.bytes.len() <= 256 {
            out.push((v.version, v.bytes));
        }
    }
    out
}

/// Every prefix of every valid packet, under every version's decoders.
#[test]
fn truncations_never_panic() {
    let mut inputs = Vec::new();
    for (version, bytes) in seeds() {
        for n in 0..bytes.len() {
            inputs.extend(VERSIONS.map(|v| (v, bytes[..n].to_vec())));
        }
        inputs.push((version, bytes));
    }
    let n = assert_no_panic(inputs);
    assert!(n > 10_000, "only {n} inputs");
}

/// Every single-byte mutation (all 256 values at every offset) of the sample packets of each
/// version, and the same with the Remaining Length kept consistent by truncation/padding.
#[test]
fn single_byte_mutations_never_panic() {
    let mut inputs = Vec::new();
    for version in VERSIONS {
        for p in sample_packets(version) {
            let bytes = encode(version, &p).to_vec();
            for i in 0..bytes.len() {
                for value in 0..=u8::MAX {
                    if bytes[i] != value {
                        let mut m = bytes.clone();
                        m[i] = value;
                        inputs.push((version, m));
                    }
                }
            }
        }
    }
    let n = assert_no_panic(inputs);
    assert!(n > 100_000, "only {n} inputs");
}

/// Every input that ever panicked, and the edge cases kept beside them.
#[test]
fn regressions_never_panic() {
    let inputs = REGRESSIONS.iter().map(|(dir, text)| {
        let version = VERSIONS
            .into_iter()
            .find(|&v| support::version_dir(v) == *dir)
            .expect("known version directory");
        let (_, bytes, _) =
            support::parse_vector(&format!("ok\n{text}\n")).expect("valid hex in REGRESSIONS");
        (version, bytes)
    });
    assert_eq!(assert_no_panic(inputs), REGRESSIONS.len());
}

/// The harness notices a panic instead of aborting on it.
#[test]
fn harness_catches_panics() {
    assert!(!completes(|| panic!(
        "deliberate panic to test the harness"
    )));
    assert!(completes(|| decode_everywhere(
        ProtocolVersion::V5,
        &[0x30]
    )));
}
