//! Heap allocations on the hot paths, counted per thread by `mqtt_testkit::CountingAllocator`:
//! decoding PUBLISH (3.1.1 QoS 0; 5.0 QoS 1 with properties) allocates nothing per packet,
//! `decode_frame` on shared `Bytes` allocates nothing, encoding into a reserved buffer
//! allocates nothing, and an oversized header is refused without allocating.
//!
//! The workspace forbids `unsafe` in this crate and its tests (`unsafe_code = "forbid"`, which
//! no inner `allow` can lift), and a `GlobalAlloc` impl needs `unsafe impl`; the allocator
//! therefore lives in the dev-only `mqtt-testkit` crate, and this file only installs it.

pub mod support;

use bytes::{Bytes, BytesMut};
use mqtt_codec::{
    DecodeError, Decoder, Encoder, Limits, Packet, ProtocolVersion, Subscribe, Subscription,
    decode_frame,
};
use mqtt_testkit::{CountingAllocator, count_allocations};

use crate::support::{encode, filter, pid, publish_v5_qos1_props, publish_v311_qos0};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator;

/// Packets per measured stream.
const N: usize = 64;

/// `n` copies of `packet` back to back in a fresh, `Vec`-backed `BytesMut` (as a socket read
/// into `BytesMut::with_capacity` would leave it).
fn stream(version: ProtocolVersion, packet: &Packet, n: usize) -> BytesMut {
    let one = encode(version, packet);
    let mut rx = BytesMut::with_capacity(one.len() * n);
    for _ in 0..n {
        rx.extend_from_slice(&one);
    }
    rx
}

/// Decodes `N` copies of `packet` from one buffer; returns the allocations of each call.
///
/// The first `split_to` on a `Vec`-backed `BytesMut` promotes its storage to a shared,
/// reference-counted block: one allocation (bytes' `promote_to_shared`), once per buffer, not
/// per packet. Every later split, freeze and slice only bumps that reference count. So the
/// whole stream costs at most 1 allocation and every packet after the first costs 0.
fn decode_stream(version: ProtocolVersion, packet: &Packet) -> [u64; N] {
    let mut rx = stream(version, packet, N);
    let mut decoder = Decoder::new(version, Limits::default());
    let mut counts = [0u64; N];
    for count in &mut counts {
        let (n, decoded) = count_allocations(|| decoder.decode(&mut rx));
        assert_eq!(decoded.as_ref(), Ok(&Some(packet.clone())));
        *count = n.allocations;
    }
    assert!(rx.is_empty());
    counts
}

/// At most the one promotion allocation in total, and none for any packet after the first.
fn assert_zero_per_packet(what: &str, counts: &[u64; N]) {
    let total: u64 = counts.iter().sum();
    eprintln!("{what}: {total} allocation(s) for {N} packets; per packet {counts:?}");
    assert!(
        total <= 1,
        "{what}: {total} allocations for {N} packets: {counts:?}"
    );
    assert!(
        counts[1..].iter().all(|&c| c == 0),
        "{what}: per packet {counts:?}"
    );
}

/// The counter sees allocations (so the zeros below mean something).
#[test]
fn the_counter_counts() {
    let (n, v) = count_allocations(|| Vec::<u8>::with_capacity(8));
    assert_eq!((n.allocations, v.capacity()), (1, 8));
    let (n, ()) = count_allocations(|| ());
    assert_eq!(n.allocations, 0);
    // The one-time promotion described on `decode_stream`.
    let mut rx = stream(ProtocolVersion::V3_1_1, &Packet::PingReq, 2);
    let (n, _) = count_allocations(|| rx.split_to(2));
    assert_eq!(n.allocations, 1, "first split_to of a Vec-backed BytesMut");
    let (n, _) = count_allocations(|| rx.split_to(2));
    assert_eq!(n.allocations, 0, "later splits share the block");
}

/// 3.1.1 PUBLISH QoS 0: zero allocations per packet.
#[test]
fn decode_v311_publish_qos0_allocates_nothing_per_packet() {
    let counts = decode_stream(ProtocolVersion::V3_1_1, &publish_v311_qos0());
    assert_zero_per_packet("3.1.1 PUBLISH QoS 0", &counts);
}

/// 5.0 PUBLISH QoS 1 with two user properties, a message expiry and a content type: zero
/// allocations per packet (user properties are one slice of the frame).
#[test]
fn decode_v5_publish_qos1_with_properties_allocates_nothing_per_packet() {
    let packet = publish_v5_qos1_props();
    let Packet::Publish(p) = &packet else {
        unreachable!("a PUBLISH")
    };
    assert_eq!(p.properties.user_properties.len(), 2);
    assert!(p.properties.message_expiry_interval.is_some());
    assert!(p.properties.content_type.is_some());
    let counts = decode_stream(ProtocolVersion::V5, &packet);
    assert_zero_per_packet("5.0 PUBLISH QoS 1 with properties", &counts);
}

/// `decode_frame` on `Bytes` whose storage is already shared allocates nothing.
#[test]
fn decode_frame_on_shared_bytes_allocates_nothing() {
    for (version, packet) in [
        (ProtocolVersion::V3_1_1, publish_v311_qos0()),
        (ProtocolVersion::V5, publish_v5_qos1_props()),
    ] {
        let mut buf = encode(version, &packet);
        // `split` promotes the buffer to shared storage; `freeze` keeps it shared.
        let frame: Bytes = buf.split().freeze();
        let (n, decoded) = count_allocations(|| decode_frame(version, frame.clone()));
        assert_eq!(decoded, Ok(packet));
        assert_eq!(n.allocations, 0, "{version}");
    }
}

/// Encoding a PUBLISH into a buffer with room for it allocates nothing.
#[test]
fn encode_publish_into_reserved_buffer_allocates_nothing() {
    for (version, packet) in [
        (ProtocolVersion::V3_1_1, publish_v311_qos0()),
        (ProtocolVersion::V5, publish_v5_qos1_props()),
    ] {
        let encoder = Encoder::new(version);
        let mut tx = BytesMut::with_capacity(64 * 1024);
        let (n, written) = count_allocations(|| {
            let mut total = 0;
            for _ in 0..N {
                total += encoder.encode(&packet, &mut tx).expect("encodable");
                total += encoder.encoded_len(&packet).expect("encodable");
            }
            total
        });
        assert_eq!(written, tx.len() * 2);
        assert_eq!(n.allocations, 0, "{version}");
    }
}

/// A header announcing 256 MB is refused without allocating (nothing is reserved for it).
#[test]
fn oversized_header_allocates_nothing() {
    let mut rx = BytesMut::from(&[0x30, 0xFF, 0xFF, 0xFF, 0x7F][..]);
    let mut decoder = Decoder::new(ProtocolVersion::V5, Limits::default());
    let (n, result) = count_allocations(|| decoder.decode(&mut rx));
    assert!(matches!(result, Err(DecodeError::PacketTooLarge { .. })));
    assert_eq!(n.allocations, 0);
}

/// The measurement distinguishes: packets that must allocate are seen to allocate (a SUBSCRIBE
/// builds a `Vec`; user properties split by another property are copied into one run).
#[test]
fn allocating_packets_are_seen() {
    let subscribe = Packet::Subscribe(Subscribe::new(
        pid(1),
        vec![Subscription::new(
            filter("a/#", ProtocolVersion::V5),
            mqtt_codec::QoS::AtMostOnce,
        )],
    ));
    let counts = decode_stream(ProtocolVersion::V5, &subscribe);
    assert!(counts[1..].iter().all(|&c| c >= 1), "{counts:?}");

    // User property, message expiry, user property: the two entries are not contiguous.
    let frame = Bytes::from_static(&[
        0x30, 0x1A, 0x00, 0x01, b'a', 0x13, 0x26, 0x00, 0x01, b'x', 0x00, 0x01, b'1', 0x02, 0x00,
        0x00, 0x00, 0x0A, 0x26, 0x00, 0x01, b'y', 0x00, 0x01, b'2', b'p', b'q', b'r',
    ]);
    let (n, decoded) = count_allocations(|| decode_frame(ProtocolVersion::V5, frame.clone()));
    assert!(matches!(decoded, Ok(Packet::Publish(_))), "{decoded:?}");
    assert!(n.allocations >= 1);
}
