//! Message Expiry Interval (MQTT 5.0 §3.3.2.3.3): when a stored message expires, and the
//! interval to send with it (the time left, rounded up to whole seconds).

use core::time::Duration;

use crate::time::Instant;

/// When a message received or queued at `at` with `interval_secs` expires.
pub(crate) fn deadline(at: Instant, interval_secs: Option<u32>) -> Option<Instant> {
    interval_secs.map(|s| at + Duration::from_secs(u64::from(s)))
}

/// Whether a message with `expires_at` has expired at `now`.
pub(crate) fn is_expired(expires_at: Option<Instant>, now: Instant) -> bool {
    expires_at.is_some_and(|e| now >= e)
}

/// The Message Expiry Interval to send at `now`: the whole seconds left, rounded up (so a
/// message that has not expired never goes out with 0).
pub(crate) fn remaining_secs(expires_at: Instant, now: Instant) -> u32 {
    let left = expires_at - now;
    let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
    u32::try_from(secs).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remaining_time_rounds_up() {
        let d = deadline(Instant::from_secs(10), Some(60)).unwrap();
        assert_eq!(d, Instant::from_secs(70));
        assert_eq!(remaining_secs(d, Instant::from_secs(10)), 60);
        assert_eq!(remaining_secs(d, Instant::from_millis(69_500)), 1);
        assert!(!is_expired(Some(d), Instant::from_millis(69_999)));
        assert!(is_expired(Some(d), d));
        assert!(!is_expired(None, Instant::from_secs(u64::MAX / 1_000_000)));
    }
}
