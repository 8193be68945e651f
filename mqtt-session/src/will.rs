//! When a Will is released: after the Will Delay Interval or when the session ends, whichever
//! comes first [MQTT-3.1.2-8] [MQTT-3.1.3-9].

use core::time::Duration;

use mqtt_codec::Will;

use crate::time::Instant;

/// A Will waiting for its moment, after a connection closed without a normal DISCONNECT.
#[derive(Clone, Debug)]
pub(crate) struct PendingWill {
    pub(crate) will: Will,
    pub(crate) due: Instant,
}

impl PendingWill {
    /// The Will of a connection that closed at `closed`; the session ends `session_expiry`
    /// later (`None`: never).
    pub(crate) fn new(will: Will, closed: Instant, session_expiry: Option<Duration>) -> Self {
        let delay =
            Duration::from_secs(u64::from(will.properties.will_delay_interval.unwrap_or(0)));
        let delay = session_expiry.map_or(delay, |s| s.min(delay));
        Self {
            will,
            due: closed + delay,
        }
    }

    /// Whether it is time to release it.
    pub(crate) fn is_due(&self, now: Instant) -> bool {
        now >= self.due
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqtt_codec::topic::TopicName;

    fn will(delay: Option<u32>) -> Will {
        let mut w = Will::new(TopicName::new("w").unwrap(), &b"bye"[..]);
        w.properties.will_delay_interval = delay;
        w
    }

    #[test]
    fn released_at_the_earlier_of_delay_and_session_end() {
        let t = Instant::from_secs(10);
        let d = |s| Some(Duration::from_secs(s));
        assert_eq!(PendingWill::new(will(None), t, d(60)).due, t);
        assert_eq!(
            PendingWill::new(will(Some(5)), t, d(60)).due,
            Instant::from_secs(15)
        );
        assert_eq!(
            PendingWill::new(will(Some(50)), t, d(20)).due,
            Instant::from_secs(30)
        );
        assert_eq!(
            PendingWill::new(will(Some(50)), t, None).due,
            Instant::from_secs(60)
        );
        assert!(PendingWill::new(will(Some(5)), t, None).is_due(Instant::from_secs(15)));
        assert!(!PendingWill::new(will(Some(5)), t, None).is_due(Instant::from_secs(14)));
    }
}
