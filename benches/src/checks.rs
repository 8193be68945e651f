//! Correctness checks run before anything is timed (and by the tests): a wrong answer must not be
//! able to look fast.

use crate::codec::{self, Decode, Encode, decode_digest, frame_digest};
use crate::topic::{Linear, Trie, linear_count};
use crate::workloads::{CodecWorkload, TopicWorkload, reference_matches};

/// Checks that `D` decodes `w` to exactly the expected frames, and that its timed digest sums to
/// the expected value.
///
/// # Errors
/// What differs.
pub fn decode<D: Decode>(w: &CodecWorkload) -> Result<(), String> {
    let name = D::NAME;
    let frames = codec::decode_frames::<D>(w.v5, &w.wire)
        .map_err(|e| format!("{name} failed on {}: {e:?}", w.name))?;
    if frames.len() != w.frames.len() {
        return Err(format!(
            "{name} decoded {} packets of {} in {}",
            frames.len(),
            w.frames.len(),
            w.name
        ));
    }
    if let Some((i, (got, want))) = frames
        .iter()
        .zip(&w.frames)
        .enumerate()
        .find(|(_, (g, w))| g != w)
    {
        return Err(format!(
            "{name}, {} packet {i}: got {got:?}, want {want:?}",
            w.name
        ));
    }
    let mut d = D::new(w.v5).ok_or("version not supported")?;
    let mut input = D::prepare(&w.wire);
    let (n, sum) = decode_digest(&mut d, &mut input).map_err(|e| format!("{name}: {e:?}"))?;
    let want = w
        .frames
        .iter()
        .map(frame_digest)
        .fold(0u64, u64::wrapping_add);
    if (n, sum) != (w.frames.len(), want) {
        return Err(format!(
            "{name}: digest {sum:#x} over {n} packets, want {want:#x}"
        ));
    }
    Ok(())
}

/// Checks that `E` encodes the PUBLISH frames of `w` to exactly the reference bytes.
///
/// # Errors
/// What differs.
pub fn encode<E: Encode>(w: &CodecWorkload) -> Result<(), String> {
    let bytes = codec::encode_bytes::<E>(&w.publishes())?;
    if bytes == w.wire {
        return Ok(());
    }
    let at = bytes
        .iter()
        .zip(&w.wire)
        .position(|(a, b)| a != b)
        .unwrap_or(bytes.len().min(w.wire.len()));
    Err(format!(
        "{}: {} bytes, want {}; first difference at byte {at}",
        E::NAME,
        bytes.len(),
        w.wire.len()
    ))
}

/// The reference match count of each of `names` against all filters of `w`.
#[must_use]
pub fn reference_counts(w: &TopicWorkload, names: &[String]) -> Vec<usize> {
    names
        .iter()
        .map(|n| w.filters.iter().filter(|f| reference_matches(f, n)).count())
        .collect()
}

/// Checks a linear matcher against the reference counts of `names`.
///
/// # Errors
/// The first name whose count differs.
pub fn linear<L: Linear>(
    w: &TopicWorkload,
    names: &[String],
    want: &[usize],
) -> Result<(), String> {
    let filters: Vec<L::Filter> = w.filters.iter().map(|f| L::filter(f)).collect();
    for (name, &want) in names.iter().zip(want) {
        let got = linear_count::<L>(&filters, &L::name(name));
        if got != want {
            return Err(format!(
                "{}: {got} filters match {name:?}, want {want}",
                L::NAME
            ));
        }
    }
    Ok(())
}

/// The per-name counts of a built trie, for all `names`.
#[must_use]
pub fn trie_counts<T: Trie>(index: &T::Index, names: &[String]) -> Vec<usize> {
    names.iter().map(|n| T::count(index, &T::name(n))).collect()
}

/// Checks a trie's counts: against the reference on `sample` (a prefix of the names), and against
/// `agreed` (another trie's counts for every name) when given.
///
/// # Errors
/// The first name whose count differs.
pub fn trie<T: Trie>(
    counts: &[usize],
    names: &[String],
    sample_want: &[usize],
    agreed: Option<&[usize]>,
) -> Result<(), String> {
    for (i, (&got, &want)) in counts.iter().zip(sample_want).enumerate() {
        if got != want {
            return Err(format!(
                "{}: {got} matches for {:?}, want {want}",
                T::NAME,
                names[i]
            ));
        }
    }
    let disagreement = agreed.and_then(|agreed| {
        counts
            .iter()
            .zip(agreed)
            .position(|(a, b)| a != b)
            .map(|i| (i, agreed[i]))
    });
    if let Some((i, other)) = disagreement {
        return Err(format!(
            "{}: {} matches for {:?}, other tries say {other}",
            T::NAME,
            counts[i],
            names[i],
        ));
    }
    Ok(())
}
