//! Pieces shared by the session targets: building values from `arbitrary` data, framing, and
//! the list of open session bugs.

use core::num::NonZeroU16;
use core::time::Duration;

use arbitrary::{Result, Unstructured};
use bytes::BytesMut;
use mqtt_codec::{Decoder, Packet, PacketId, ProtocolVersion, QoS, ReasonCode};
use mqtt_session::Instant;
use mqtt_topic::{TopicDialect, TopicFilter, TopicName};

/// Most ops one input runs.
pub(crate) const MAX_OPS: usize = 96;

/// Topic names the targets publish to.
const NAMES: [&str; 6] = ["a", "a/b", "sensors/1/temp", "$SYS/x", "x", "a/b/c"];

/// Topic filters the targets subscribe to (`$share/...` only parses in 5.0).
const FILTERS: [&str; 7] = ["a/+", "#", "a/b", "+/+", "$share/g/a", "sensors/#", "x"];

/// Open library bugs found by the session targets, each kept as
/// `regressions/<target>/open-<name>` (see [`crate::skipping_known_bugs`]): an input that
/// reaches one stops being checked while skipping. Delete an entry when its bug is fixed (and
/// drop the `open-` prefix of its regression file).
/// None is open today.
pub(crate) const KNOWN_OPEN_BUGS: &[&str] = &[];

/// Whether the check that failed is the known open bug `name`, and inputs hitting known bugs
/// are skipped on this thread: then the caller stops checking this input.
pub(crate) fn skip_as_known(name: &str) -> bool {
    crate::skip_known_bugs() && KNOWN_OPEN_BUGS.contains(&name)
}

/// Whether `MQTT_FUZZ_TRACE` is set: the session targets print their ops, packets and events
/// (for reading a crash: `MQTT_FUZZ_TRACE=1 cargo fuzz run <target> <file>`).
pub(crate) fn tracing() -> bool {
    static TRACE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *TRACE.get_or_init(|| std::env::var_os("MQTT_FUZZ_TRACE").is_some())
}

/// A QoS.
pub(crate) fn qos(u: &mut Unstructured<'_>) -> Result<QoS> {
    Ok(*u.choose(&[QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce])?)
}

/// A topic name from a small set (so that aliases, subscriptions and retained state collide).
pub(crate) fn name(u: &mut Unstructured<'_>) -> Result<TopicName> {
    let text = *u.choose(&NAMES)?;
    Ok(TopicName::new(text).unwrap_or_else(|e| panic!("{text:?}: {e}")))
}

/// A topic filter of `version`'s dialect (the 5.0-only ones fall back to `#` in 3.x).
pub(crate) fn filter(u: &mut Unstructured<'_>, version: ProtocolVersion) -> Result<TopicFilter> {
    let dialect = if version.is_v5() {
        TopicDialect::V5
    } else {
        TopicDialect::V3
    };
    let text = *u.choose(&FILTERS)?;
    Ok(TopicFilter::new_in(text, dialect)
        .unwrap_or_else(|_| TopicFilter::new_in("#", dialect).expect("# is a filter")))
}

/// A packet identifier: mostly one of `plausible` (ids in use), else any.
pub(crate) fn packet_id(u: &mut Unstructured<'_>, plausible: &[u16]) -> Result<PacketId> {
    let v = if !plausible.is_empty() && u.ratio(3, 4)? {
        *u.choose(plausible)?
    } else if u.ratio(1, 2)? {
        u.int_in_range(1..=8)?
    } else {
        u.arbitrary()?
    };
    Ok(PacketId::new(v).unwrap_or(PacketId::MIN))
}

/// A small nonzero u16, now and then any.
pub(crate) fn small_nonzero(u: &mut Unstructured<'_>) -> Result<NonZeroU16> {
    let v = if u.ratio(3, 4)? {
        u.int_in_range(1..=5)?
    } else {
        u.arbitrary()?
    };
    Ok(NonZeroU16::new(v).unwrap_or(NonZeroU16::MIN))
}

/// A reason code: mostly `usual`, now and then any byte.
pub(crate) fn reason(u: &mut Unstructured<'_>, usual: &[ReasonCode]) -> Result<ReasonCode> {
    if u.ratio(7, 8)? {
        Ok(*u.choose(usual)?)
    } else {
        Ok(ReasonCode(u.arbitrary()?))
    }
}

/// A step of the virtual clock: mostly small, sometimes across a keep-alive or expiry.
pub(crate) fn time_step(u: &mut Unstructured<'_>) -> Result<Duration> {
    Ok(match u.int_in_range(0..=3u8)? {
        0 => Duration::from_millis(u.int_in_range(0..=1_500)?),
        1 => Duration::from_secs(u.int_in_range(1..=100)?),
        2 => Duration::from_secs(u.int_in_range(100..=100_000)?),
        _ => Duration::from_micros(u.int_in_range(0..=3)?),
    })
}

/// `now` moved by `step`, forwards or (to exercise clamping) backwards.
pub(crate) fn moved(now: Instant, step: Duration, back: bool) -> Instant {
    if back {
        let micros = u64::try_from(step.as_micros()).unwrap_or(u64::MAX);
        Instant::from_micros(now.as_micros().saturating_sub(micros))
    } else {
        now + step
    }
}

/// Chunk sizes for feeding `len` bytes (0 means an empty read).
pub(crate) fn chunks(u: &mut Unstructured<'_>, len: usize) -> Result<Vec<usize>> {
    if u.ratio(1, 2)? {
        return Ok(vec![len]);
    }
    let mut out = Vec::new();
    let mut left = len;
    while left > 0 && out.len() < 16 {
        let n = usize::from(u.int_in_range(0..=12u8)?).min(left);
        out.push(n);
        left -= n;
        if u.is_empty() {
            break;
        }
    }
    if left > 0 {
        out.push(left);
    }
    Ok(out)
}

/// The length of the first frame in `buf` from its fixed header, when the header is complete
/// and well formed.
pub(crate) fn frame_len(buf: &[u8]) -> Option<usize> {
    let mut len = 0usize;
    let mut shift = 0;
    for i in 1..=4 {
        let b = *buf.get(i)?;
        len |= usize::from(b & 0x7F) << shift;
        if b & 0x80 == 0 {
            return Some(1 + i + len);
        }
        shift += 7;
    }
    None
}

/// Decodes everything a peer wrote in one drain: whole packets only, never an error.
pub(crate) fn decode_all(decoder: &mut Decoder, bytes: &[u8], who: &str) -> Vec<(Packet, usize)> {
    let mut rx = BytesMut::from(bytes);
    let mut out = Vec::new();
    loop {
        let before = rx.len();
        match decoder.decode(&mut rx) {
            Ok(Some(p)) => out.push((p, before - rx.len())),
            Ok(None) => break,
            Err(e) => panic!(
                "the {who} sent bytes its peer cannot decode: {e} (after {:?}); bytes {bytes:02x?}",
                out.iter().map(|(p, _)| p).collect::<Vec<_>>()
            ),
        }
    }
    assert!(
        rx.is_empty(),
        "the {who} sent a partial packet: {:02x?} left after {:?}",
        &rx[..],
        out.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_lengths() {
        assert_eq!(frame_len(&[0xC0, 0x00]), Some(2));
        assert_eq!(frame_len(&[0x30, 0x80, 0x01]), Some(131));
        assert_eq!(frame_len(&[0x30]), None);
        assert_eq!(frame_len(&[0x30, 0x80]), None);
        assert_eq!(frame_len(&[0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]), None);
    }
}
