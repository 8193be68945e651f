//! Streaming decoding: byte-at-a-time input gives the same result as whole input, `Ok(None)`
//! leaves the buffer untouched, several packets share a buffer, and an oversized header is
//! refused at once without buffering its body.

pub mod support;

use core::num::NonZeroU32;

use bytes::BytesMut;
use mqtt_codec::{DecodeError, Decoder, Limits, Packet, ProtocolVersion};
use proptest::prelude::*;

use crate::support::strategies::{packet, version};
use crate::support::{Expect, encode, hex, load_vectors, proptest_config, sample_packets};

/// Feeds `bytes` one at a time. Before the call that completes a packet (or fails), every call
/// must return `Ok(None)` and leave the buffer exactly as fed (same bytes, same memory).
fn feed_bytewise(
    decoder: &mut Decoder,
    bytes: &[u8],
) -> Result<(Vec<Packet>, BytesMut), (DecodeError, usize)> {
    let mut rx = BytesMut::with_capacity(bytes.len());
    let mut packets = Vec::new();
    for (i, &b) in bytes.iter().enumerate() {
        rx.extend_from_slice(&[b]);
        loop {
            let before = (rx.as_ptr(), rx.len(), rx.to_vec());
            match decoder.decode(&mut rx) {
                Ok(Some(p)) => packets.push(p),
                Ok(None) => {
                    assert_eq!(
                        (rx.as_ptr(), rx.len(), rx.to_vec()),
                        before,
                        "Ok(None) moved input"
                    );
                    break;
                }
                Err(e) => return Err((e, i)),
            }
        }
    }
    Ok((packets, rx))
}

/// Whole-buffer decoding of `bytes`: the first result.
fn decode_whole(version: ProtocolVersion, bytes: &[u8]) -> Result<Option<Packet>, DecodeError> {
    Decoder::new(version, Limits::default()).decode(&mut BytesMut::from(bytes))
}

proptest! {
    #![proptest_config(proptest_config("proptest-regressions/streaming.txt"))]

    /// Any packet fed one byte at a time decodes on its last byte, to the packet, with nothing
    /// consumed before.
    #[test]
    fn one_byte_at_a_time(
        (version, p) in version().prop_flat_map(|v| (Just(v), packet(v))),
    ) {
        let bytes = encode(version, &p);
        let mut decoder = Decoder::new(version, Limits::default());
        let (packets, rest) = feed_bytewise(&mut decoder, &bytes)
            .map_err(|e| TestCaseError::fail(format!("{e:?} for {}", hex(&bytes))))?;
        prop_assert_eq!(packets, vec![p]);
        prop_assert!(rest.is_empty());
    }
}

/// Every vector, ok or err, gives the same result fed a byte at a time as fed whole; an error
/// comes no later than the byte that completes the frame.
#[test]
fn vectors_one_byte_at_a_time() {
    for v in load_vectors() {
        let whole = decode_whole(v.version, &v.bytes);
        let mut decoder = Decoder::new(v.version, Limits::default());
        let bytewise = feed_bytewise(&mut decoder, &v.bytes);
        match (&v.expect, whole, bytewise) {
            (Expect::Ok, Ok(Some(p)), Ok((packets, rest))) => {
                assert_eq!(packets, vec![p], "{}", v.path.display());
                assert!(rest.is_empty(), "{}", v.path.display());
            }
            (Expect::Err(_), Err(e), Err((e2, at))) => {
                assert_eq!(e, e2, "{}", v.path.display());
                assert!(at < v.bytes.len(), "{}", v.path.display());
            }
            (_, whole, bytewise) => {
                panic!(
                    "{}: whole {whole:?}, byte-wise {bytewise:?}",
                    v.path.display()
                )
            }
        }
    }
}

/// The same for the fixed sample packets of each version, with all of them in one stream.
#[test]
fn sample_stream_one_byte_at_a_time() {
    for version in support::VERSIONS {
        let packets = sample_packets(version);
        let mut bytes = BytesMut::new();
        for p in &packets {
            bytes.extend_from_slice(&encode(version, p));
        }
        let mut decoder = Decoder::new(version, Limits::default());
        let (decoded, rest) = feed_bytewise(&mut decoder, &bytes).expect("valid stream");
        assert_eq!(decoded, packets, "{version}");
        assert!(rest.is_empty());
    }
}

/// Two packets in one buffer come out one per call, then `Ok(None)`.
#[test]
fn two_packets_in_one_buffer() {
    for version in support::VERSIONS {
        let packets = sample_packets(version);
        let (a, b) = (&packets[0], &packets[4]);
        let mut rx = encode(version, a);
        rx.extend_from_slice(&encode(version, b));
        let mut decoder = Decoder::new(version, Limits::default());
        assert_eq!(decoder.decode(&mut rx), Ok(Some(a.clone())), "{version}");
        assert_eq!(
            rx,
            encode(version, b),
            "{version}: the second packet is intact"
        );
        assert_eq!(decoder.decode(&mut rx), Ok(Some(b.clone())), "{version}");
        assert!(rx.is_empty());
        assert_eq!(decoder.decode(&mut rx), Ok(None));
    }
}

/// A partial frame stays in place after `Ok(None)`, at every split point, and the rest
/// completes it; a complete packet ahead of it comes out first.
#[test]
fn partial_frame_stays_in_place() {
    for version in support::VERSIONS {
        let first = encode(version, &Packet::PingReq);
        for p in sample_packets(version) {
            let bytes = encode(version, &p);
            for cut in 0..bytes.len() {
                let mut decoder = Decoder::new(version, Limits::default());
                let mut rx = first.clone();
                rx.extend_from_slice(&bytes[..cut]);
                assert_eq!(decoder.decode(&mut rx), Ok(Some(Packet::PingReq)));
                let (ptr, len) = (rx.as_ptr(), rx.len());
                assert_eq!(
                    decoder.decode(&mut rx),
                    Ok(None),
                    "{version} {p:?} cut {cut}"
                );
                assert_eq!(decoder.decode(&mut rx), Ok(None), "repeatable");
                assert_eq!((rx.as_ptr(), rx.len()), (ptr, len), "untouched");
                assert_eq!(&rx[..], &bytes[..cut]);
                rx.extend_from_slice(&bytes[cut..]);
                assert_eq!(decoder.decode(&mut rx), Ok(Some(p.clone())));
                assert!(rx.is_empty());
            }
        }
    }
}

/// A 5-byte header announcing 268,435,455 bytes (256 MB) is refused as soon as it is complete,
/// by every kind of decoder; nothing is consumed or reserved. One byte earlier it is simply
/// incomplete.
#[test]
fn header_claiming_256_mb_is_refused_at_once() {
    let header = [0x30, 0xFF, 0xFF, 0xFF, 0x7F];
    let connect_header = [0x10, 0xFF, 0xFF, 0xFF, 0x7F];
    let size = 268_435_460;
    let max = 1024 * 1024;
    let mut decoders: Vec<(Decoder, &[u8])> = support::VERSIONS
        .iter()
        .flat_map(|&v| {
            [
                (Decoder::new(v, Limits::default()), &header[..]),
                (Decoder::client(v, Limits::default()), &header[..]),
            ]
        })
        .collect();
    decoders.push((
        Decoder::awaiting_connect(Limits::default()),
        &connect_header[..],
    ));
    for (mut decoder, header) in decoders {
        let mut rx = BytesMut::with_capacity(16);
        rx.extend_from_slice(&header[..4]);
        assert_eq!(decoder.decode(&mut rx), Ok(None), "{decoder:?}");
        rx.extend_from_slice(&header[4..]);
        let (ptr, cap) = (rx.as_ptr(), rx.capacity());
        assert_eq!(
            decoder.decode(&mut rx),
            Err(DecodeError::PacketTooLarge { size, max })
        );
        assert_eq!(&rx[..], header, "nothing consumed");
        assert_eq!((rx.as_ptr(), rx.capacity()), (ptr, cap), "nothing reserved");
        assert!(decoder.is_failed());
        rx.extend_from_slice(&[0; 64]);
        assert_eq!(
            decoder.decode(&mut rx),
            Err(DecodeError::PacketTooLarge { size, max })
        );
    }
}

/// The size guard counts the whole packet, fixed header included: exactly the maximum passes,
/// one byte more is refused from the header alone.
#[test]
fn max_packet_size_boundary() {
    for version in support::VERSIONS {
        let limits = Limits::default().with_max_packet_size(NonZeroU32::new(100).expect("100"));
        // PUBLISH QoS 0 to "t": 2 + 1 + 1 byte + payload; remaining length 98 → 100 bytes.
        let props = usize::from(version.is_v5());
        let mut frame = vec![0x30, 98, 0x00, 0x01, b't'];
        frame.resize(5 + props, 0);
        frame.resize(100, b'x');
        let mut rx = BytesMut::from(&frame[..]);
        let got = Decoder::new(version, limits).decode(&mut rx);
        assert!(
            matches!(got, Ok(Some(Packet::Publish(_)))),
            "{version}: {got:?}"
        );

        let mut over = BytesMut::from(&[0x30, 99][..]);
        assert_eq!(
            Decoder::new(version, limits).decode(&mut over),
            Err(DecodeError::PacketTooLarge {
                size: 101,
                max: 100
            })
        );
        assert_eq!(over.len(), 2);
    }
}

/// An error leaves the buffer as it was (the `Decoder::decode` contract), including when the
/// error is found in the body of a complete frame, not just in its header.
#[test]
fn errors_leave_the_buffer_as_it_was() {
    let cases: [(ProtocolVersion, &[u8]); 4] = [
        // Header errors: reserved flags, oversized.
        (ProtocolVersion::V3_1_1, &[0xC1, 0x00, 0xC0, 0x00]),
        (ProtocolVersion::V5, &[0x30, 0xFF, 0xFF, 0xFF, 0x7F]),
        // Body errors: QoS 3 PUBLISH, wildcard topic; a PINGREQ follows.
        (
            ProtocolVersion::V3_1_1,
            &[0x36, 0x05, 0x00, 0x01, b'a', 0x00, 0x01, 0xC0, 0x00],
        ),
        (
            ProtocolVersion::V5,
            &[0x30, 0x04, 0x00, 0x01, b'#', 0x00, 0xC0, 0x00],
        ),
    ];
    for (version, bytes) in cases {
        let mut rx = BytesMut::from(bytes);
        let mut decoder = Decoder::new(version, Limits::default());
        let err = decoder.decode(&mut rx).expect_err("invalid");
        assert_eq!(&rx[..], bytes, "{version}: {err:?} consumed input");
        assert_eq!(decoder.decode(&mut rx), Err(err));
        assert_eq!(&rx[..], bytes);
    }
}
