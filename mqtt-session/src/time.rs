//! The crate's only notion of time: a monotonic timestamp the caller passes in.
//!
//! Like smoltcp's `time::Instant`, an [`Instant`] is a count of microseconds from an origin the
//! caller picks (boot, process start, a test's virtual clock). Nothing in this crate reads a
//! clock; every input and command takes `now: Instant`.

use core::ops::{Add, Sub};
use core::time::Duration;

/// A point on the caller's monotonic clock, in microseconds from an origin the caller picks.
#[derive(Clone, Copy, Debug, Default, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct Instant {
    micros: u64,
}

impl Instant {
    /// The origin.
    pub const ZERO: Self = Self { micros: 0 };

    /// `micros` microseconds after the origin.
    #[must_use]
    pub const fn from_micros(micros: u64) -> Self {
        Self { micros }
    }

    /// `millis` milliseconds after the origin (saturating).
    #[must_use]
    pub const fn from_millis(millis: u64) -> Self {
        Self {
            micros: millis.saturating_mul(1_000),
        }
    }

    /// `secs` seconds after the origin (saturating).
    #[must_use]
    pub const fn from_secs(secs: u64) -> Self {
        Self {
            micros: secs.saturating_mul(1_000_000),
        }
    }

    /// Microseconds since the origin.
    #[must_use]
    pub const fn as_micros(self) -> u64 {
        self.micros
    }

    /// `self + d`, or `None` past the end of time.
    #[must_use]
    pub fn checked_add(self, d: Duration) -> Option<Self> {
        let d = u64::try_from(d.as_micros()).ok()?;
        self.micros.checked_add(d).map(Self::from_micros)
    }

    /// `self + d`, saturating at the end of time (a deadline that never comes).
    #[must_use]
    pub fn saturating_add(self, d: Duration) -> Self {
        self.checked_add(d).unwrap_or(Self { micros: u64::MAX })
    }

    /// Time from `earlier` to `self`; zero if `earlier` is later.
    #[must_use]
    pub const fn saturating_duration_since(self, earlier: Self) -> Duration {
        Duration::from_micros(self.micros.saturating_sub(earlier.micros))
    }

    /// The later of two instants: the clamp that keeps time from running backwards.
    #[must_use]
    pub fn max(self, other: Self) -> Self {
        Ord::max(self, other)
    }

    /// Converts a `std` instant, measured from `origin` (instants before it map to the origin).
    #[cfg(feature = "std")]
    #[must_use]
    pub fn from_std(origin: std::time::Instant, t: std::time::Instant) -> Self {
        let d = t.saturating_duration_since(origin);
        Self::from_micros(u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
    }
}

impl Add<Duration> for Instant {
    type Output = Self;

    /// Saturating: see [`Instant::saturating_add`].
    fn add(self, d: Duration) -> Self {
        self.saturating_add(d)
    }
}

impl Sub for Instant {
    type Output = Duration;

    /// Saturating: see [`Instant::saturating_duration_since`].
    fn sub(self, earlier: Self) -> Duration {
        self.saturating_duration_since(earlier)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates() {
        let t = Instant::from_secs(10);
        assert_eq!(
            t + Duration::from_millis(1500),
            Instant::from_millis(11_500)
        );
        assert_eq!(Instant::from_secs(1) - t, Duration::ZERO);
        assert_eq!(t - Instant::from_secs(4), Duration::from_secs(6));
        assert_eq!(
            Instant::from_micros(u64::MAX) + Duration::from_secs(1),
            Instant::from_micros(u64::MAX)
        );
        assert_eq!(
            Instant::from_micros(u64::MAX - 1).checked_add(Duration::from_secs(1)),
            None
        );
        assert_eq!(
            Instant::from_secs(3).max(Instant::from_secs(2)),
            Instant::from_secs(3)
        );
    }

    #[cfg(feature = "std")]
    #[test]
    fn from_std_is_relative_to_the_origin() {
        let origin = std::time::Instant::now();
        let later = origin + Duration::from_millis(250);
        assert_eq!(Instant::from_std(origin, later), Instant::from_millis(250));
        assert_eq!(Instant::from_std(later, origin), Instant::ZERO);
    }
}
