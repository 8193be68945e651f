//! The workloads of the issue, generated from fixed seeds, so that the benches, the allocation
//! report and the tests see the same bytes for every implementation.
//!
//! 1. Decode 10,000 MQTT 3.1.1 PUBLISH QoS 0, [`TOPIC`], 64 B payload, one contiguous buffer.
//! 2. Decode 10,000 MQTT 5.0 PUBLISH QoS 1, [`TOPIC`], 256 B payload, message expiry, content
//!    type `application/json`, two user properties.
//! 3. Encode 10,000 MQTT 3.1.1 PUBLISH QoS 1 (64 B payload) into a reused buffer.
//! 4. Decode a mixed 3.1.1 stream: 100 sessions of CONNECT, SUBSCRIBE (5 filters),
//!    10 × (PUBLISH QoS 0; QoS 1 + PUBACK; QoS 2 + PUBREC/PUBREL/PUBCOMP), PINGREQ, DISCONNECT.
//! 5. Decode 100 PUBLISH with 64 KiB payloads (and with 64 B payloads, to show that the cost does
//!    not grow with the payload).
//! 6. Topic matching: 10,000 / 100,000 / 1,000,000 filters against 10,000 names.
//!
//! Workload 7 (session throughput) is future work: see `benches/codec.rs`.

use crate::frame::{ConnectFrame, Frame, Props, PublishFrame};

/// The topic of workloads 1–3 and 5.
pub const TOPIC: &str = "sensors/building-1/floor-3/temperature";

/// Packets in workloads 1–3.
pub const PUBLISH_COUNT: usize = 10_000;

/// Packets in workload 5.
pub const LARGE_COUNT: usize = 100;

/// Payload size of workload 5.
pub const LARGE_PAYLOAD: usize = 64 * 1024;

/// Topic names matched in workload 6.
pub const NAME_COUNT: usize = 10_000;

/// A small deterministic PRNG (SplitMix64): fixed seeds, no `rand` dependency.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    #[must_use]
    pub const fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A value in `0..n`, skewed towards 0 (the square of a uniform draw): a few tenants, sites
    /// and devices are much busier than the rest, as in real deployments.
    pub fn skewed(&mut self, n: usize) -> usize {
        let a = self.below(n);
        let b = self.below(n);
        a * b / n
    }

    /// `true` with probability `percent` / 100.
    pub fn percent(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// Random bytes.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
    }
}

/// A codec workload: the packets, and the same packets on the wire in one contiguous buffer.
#[derive(Clone, Debug)]
pub struct CodecWorkload {
    /// Short name, as used in bench ids.
    pub name: &'static str,
    /// MQTT 5.0 (else 3.1.1).
    pub v5: bool,
    /// What every decoder must report, in order.
    pub frames: Vec<Frame>,
    /// The frames, back to back, as written by the reference writer.
    pub wire: Vec<u8>,
}

impl CodecWorkload {
    fn new(name: &'static str, v5: bool, frames: Vec<Frame>) -> Self {
        let mut wire = Vec::new();
        for f in &frames {
            f.write(v5, &mut wire);
        }
        Self {
            name,
            v5,
            frames,
            wire,
        }
    }

    /// The number of packets.
    #[must_use]
    pub fn packets(&self) -> usize {
        self.frames.len()
    }

    /// The PUBLISH frames (all of them, for workloads 1, 2, 3 and 5).
    #[must_use]
    pub fn publishes(&self) -> Vec<&PublishFrame> {
        self.frames
            .iter()
            .filter_map(|f| match f {
                Frame::Publish(p) => Some(p),
                _ => None,
            })
            .collect()
    }
}

fn publish(rng: &mut Rng, qos: u8, packet_id: u16, payload: usize) -> PublishFrame {
    PublishFrame {
        dup: false,
        qos,
        retain: false,
        topic: TOPIC.to_owned(),
        packet_id: if qos == 0 { 0 } else { packet_id },
        payload: rng.bytes(payload),
        props: Props::default(),
    }
}

/// Packet ids 1, 2, …, 65,535, 1, … (never 0).
fn packet_id(i: usize) -> u16 {
    (i % 65_535 + 1) as u16
}

/// Workload 1: 10,000 MQTT 3.1.1 PUBLISH QoS 0, 64 B payloads.
#[must_use]
pub fn publish_v311_qos0() -> CodecWorkload {
    let mut rng = Rng::new(0x5EED_0001);
    let frames = (0..PUBLISH_COUNT)
        .map(|i| Frame::Publish(publish(&mut rng, 0, packet_id(i), 64)))
        .collect();
    CodecWorkload::new("w1_publish_v311_qos0_64B", false, frames)
}

/// Workload 2: 10,000 MQTT 5.0 PUBLISH QoS 1, 256 B payloads, message expiry, content type and
/// two user properties.
#[must_use]
pub fn publish_v5_qos1() -> CodecWorkload {
    let mut rng = Rng::new(0x5EED_0002);
    let frames = (0..PUBLISH_COUNT)
        .map(|i| {
            let mut p = publish(&mut rng, 1, packet_id(i), 256);
            p.props = Props {
                message_expiry: Some(3_600),
                content_type: Some("application/json".to_owned()),
                user: vec![
                    (
                        "tenant".to_owned(),
                        format!("tenant-{:03}", rng.below(1000)),
                    ),
                    ("trace-id".to_owned(), format!("{:016x}", rng.next_u64())),
                ],
            };
            Frame::Publish(p)
        })
        .collect();
    CodecWorkload::new("w2_publish_v5_qos1_256B_props", true, frames)
}

/// Workload 3: 10,000 MQTT 3.1.1 PUBLISH QoS 1, 64 B payloads, to encode.
#[must_use]
pub fn encode_v311_qos1() -> CodecWorkload {
    let mut rng = Rng::new(0x5EED_0003);
    let frames = (0..PUBLISH_COUNT)
        .map(|i| Frame::Publish(publish(&mut rng, 1, packet_id(i), 64)))
        .collect();
    CodecWorkload::new("w3_encode_v311_qos1_64B", false, frames)
}

/// Workload 4: a mixed MQTT 3.1.1 stream: 100 sessions of CONNECT, SUBSCRIBE with 5 filters,
/// 10 rounds of (PUBLISH QoS 0; PUBLISH QoS 1, PUBACK; PUBLISH QoS 2, PUBREC, PUBREL, PUBCOMP),
/// PINGREQ and DISCONNECT: 7,400 packets.
#[must_use]
pub fn mixed_v311() -> CodecWorkload {
    let mut rng = Rng::new(0x5EED_0004);
    let mut frames = Vec::new();
    let mut id = 0usize;
    for session in 0..100 {
        frames.push(Frame::Connect(ConnectFrame {
            client_id: format!("device-{session:04}"),
            keep_alive: 60,
            clean_session: session % 2 == 0,
            username: Some(format!("user-{session}")),
            // ASCII, so that peers storing the password as a `String` (rumqttc) decode it too.
            password: Some(format!("{:016x}", rng.next_u64()).into_bytes()),
        }));
        id += 1;
        frames.push(Frame::Subscribe {
            packet_id: packet_id(id),
            filters: vec![
                ("sensors/building-1/+/temperature".to_owned(), 0),
                ("sensors/building-1/floor-3/#".to_owned(), 1),
                (format!("commands/device-{session:04}"), 2),
                ("alerts/+/+/critical".to_owned(), 1),
                ("config/#".to_owned(), 0),
            ],
        });
        for _ in 0..10 {
            frames.push(Frame::Publish(publish(&mut rng, 0, 0, 64)));
            id += 1;
            frames.push(Frame::Publish(publish(&mut rng, 1, packet_id(id), 64)));
            frames.push(Frame::PubAck(packet_id(id)));
            id += 1;
            frames.push(Frame::Publish(publish(&mut rng, 2, packet_id(id), 64)));
            frames.push(Frame::PubRec(packet_id(id)));
            frames.push(Frame::PubRel(packet_id(id)));
            frames.push(Frame::PubComp(packet_id(id)));
        }
        frames.push(Frame::PingReq);
        frames.push(Frame::Disconnect);
    }
    CodecWorkload::new("w4_mixed_v311", false, frames)
}

/// Workload 5: 100 MQTT 3.1.1 PUBLISH QoS 1 with `payload`-byte payloads ([`LARGE_PAYLOAD`] for
/// the workload itself, 64 for its small-payload twin).
#[must_use]
pub fn large_publish(payload: usize) -> CodecWorkload {
    let mut rng = Rng::new(0x5EED_0005);
    let frames = (0..LARGE_COUNT)
        .map(|i| Frame::Publish(publish(&mut rng, 1, packet_id(i), payload)))
        .collect();
    let name = if payload == LARGE_PAYLOAD {
        "w5_publish_64KiB"
    } else {
        "w5_publish_64B"
    };
    CodecWorkload::new(name, false, frames)
}

/// The header-only scan of workload 5: steps through the frames by their fixed headers alone and
/// returns how many it found (the floor any decoder could reach).
#[must_use]
pub fn header_scan(wire: &[u8]) -> usize {
    let mut pos = 0;
    let mut count = 0;
    while let Some(rest) = wire.get(pos..) {
        match crate::frame::frame_len(rest) {
            Some(len) if len <= rest.len() => {
                pos += len;
                count += 1;
            }
            _ => break,
        }
    }
    count
}

/// Topic matching inputs (workload 6).
#[derive(Clone, Debug)]
pub struct TopicWorkload {
    /// Topic filters: ≈55 % exact, 30 % with `+`, 15 % ending in `#`; depth 3–7.
    pub filters: Vec<String>,
    /// Topic names: ≈40 % equal to an exact filter, the rest drawn from the same vocabulary.
    pub names: Vec<String>,
}

const METRICS: [&str; 10] = [
    "temperature",
    "humidity",
    "co2",
    "pressure",
    "occupancy",
    "power",
    "voltage",
    "light",
    "noise",
    "battery",
];

/// The level text at `depth` (0 = tenant … 6 = metric), value drawn with a skew.
fn level(rng: &mut Rng, depth: usize) -> String {
    match depth {
        0 => format!("tenant-{:03}", rng.skewed(1000)),
        1 => format!("site-{:02}", rng.skewed(50)),
        2 => format!("building-{}", rng.skewed(20)),
        3 => format!("floor-{}", rng.below(10)),
        4 => format!("room-{:02}", rng.skewed(50)),
        5 => format!("device-{:03}", rng.skewed(200)),
        _ => METRICS[rng.below(METRICS.len())].to_owned(),
    }
}

/// An IoT-like path of `depth` levels: tenant/site/building/floor/room/device/metric.
fn path(rng: &mut Rng, depth: usize) -> Vec<String> {
    (0..depth).map(|d| level(rng, d)).collect()
}

/// Workload 6 with `filters` filters and [`NAME_COUNT`] names (seeded by the filter count, so each
/// size is its own fixed input).
#[must_use]
pub fn topic_workload(filters: usize) -> TopicWorkload {
    let mut rng = Rng::new(0x5EED_0006 ^ filters as u64);
    let mut out = Vec::with_capacity(filters);
    let mut exact = Vec::new();
    for _ in 0..filters {
        let roll = rng.below(100);
        let f = if roll < 55 {
            let p = {
                let d = 3 + rng.below(5);
                path(&mut rng, d)
            }
            .join("/");
            exact.push(out.len());
            p
        } else if roll < 85 {
            let mut p = {
                let d = 3 + rng.below(5);
                path(&mut rng, d)
            };
            let wildcards = if rng.percent(30) { 2 } else { 1 };
            for _ in 0..wildcards {
                let at = rng.below(p.len());
                p[at] = "+".to_owned();
            }
            p.join("/")
        } else {
            let mut p = {
                let d = 2 + rng.below(5);
                path(&mut rng, d)
            };
            p.push("#".to_owned());
            p.join("/")
        };
        out.push(f);
    }
    let names = (0..NAME_COUNT)
        .map(|_| {
            if !exact.is_empty() && rng.percent(40) {
                out[exact[rng.below(exact.len())]].clone()
            } else {
                {
                    let d = 3 + rng.below(5);
                    path(&mut rng, d)
                }
                .join("/")
            }
        })
        .collect();
    TopicWorkload {
        filters: out,
        names,
    }
}

/// Reference matcher for the checks (MQTT §4.7; the workloads have no `$` names), independent of
/// every implementation under test.
#[must_use]
pub fn reference_matches(filter: &str, name: &str) -> bool {
    let mut f = filter.split('/');
    let mut n = name.split('/');
    loop {
        match (f.next(), n.next()) {
            (Some("#"), _) => return true,
            (None, None) => return true,
            (Some("+"), Some(_)) => {}
            (Some(a), Some(b)) if a == b => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_mix_is_as_specified() {
        let w = topic_workload(10_000);
        let plus = w.filters.iter().filter(|f| f.contains('+')).count();
        let hash = w.filters.iter().filter(|f| f.ends_with('#')).count();
        let exact = w.filters.len() - plus - hash;
        assert!((5_200..5_800).contains(&exact), "{exact}");
        assert!((2_700..3_300).contains(&plus), "{plus}");
        assert!((1_300..1_700).contains(&hash), "{hash}");
        for f in &w.filters {
            let depth = f.split('/').count();
            assert!((3..=7).contains(&depth), "{f}");
        }
        let set: std::collections::HashSet<&String> = w.filters.iter().collect();
        let equal = w.names.iter().filter(|n| set.contains(n)).count();
        assert!((3_800..4_600).contains(&equal), "{equal}");
    }

    #[test]
    fn header_scan_counts_frames() {
        let w = large_publish(64);
        assert_eq!(header_scan(&w.wire), LARGE_COUNT);
    }

    #[test]
    fn reference_matcher() {
        assert!(reference_matches("a/+/c", "a/b/c"));
        assert!(reference_matches("a/#", "a"));
        assert!(reference_matches("a/#", "a/b/c"));
        assert!(!reference_matches("a/+", "a"));
        assert!(!reference_matches("a/b", "a/b/c"));
    }
}
