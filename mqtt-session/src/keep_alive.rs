//! Keep-alive timing: when to send PINGREQ and when a missing PINGRESP means the connection
//! is dead. Pure arithmetic on [`Instant`]s; the session owns the packets.

use core::time::Duration;

use crate::time::Instant;

/// What the keep-alive timer asks for at a given moment.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) enum KeepAliveAction {
    /// Nothing is due.
    Idle,
    /// Nothing was sent for the keep-alive interval: send PINGREQ [MQTT-3.1.2-23].
    SendPing,
    /// A PINGREQ went unanswered for the response timeout: the connection is dead.
    Dead,
}

/// Keep-alive state of one connection.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeepAlive {
    /// `None`: keep-alive disabled (0 s).
    interval: Option<Duration>,
    response_timeout: Duration,
    last_sent: Instant,
    ping_sent: Option<Instant>,
}

impl KeepAlive {
    /// A timer for `interval_secs` (0 disables it), starting at `now`.
    pub(crate) fn new(interval_secs: u16, response_timeout: Duration, now: Instant) -> Self {
        Self {
            interval: (interval_secs > 0).then(|| Duration::from_secs(u64::from(interval_secs))),
            response_timeout,
            last_sent: now,
            ping_sent: None,
        }
    }

    /// Bytes went out at `now`.
    pub(crate) fn on_sent(&mut self, now: Instant) {
        self.last_sent = self.last_sent.max(now);
    }

    /// A PINGREQ was queued at `now`.
    pub(crate) fn on_ping_sent(&mut self, now: Instant) {
        self.ping_sent = Some(now);
    }

    /// PINGRESP arrived.
    pub(crate) fn on_ping_response(&mut self) {
        self.ping_sent = None;
    }

    /// The next moment something is due, if any.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        match self.ping_sent {
            Some(sent) => Some(sent + self.response_timeout),
            None => self.interval.map(|i| self.last_sent + i),
        }
    }

    /// What is due at `now`.
    pub(crate) fn poll(&self, now: Instant) -> KeepAliveAction {
        match (self.ping_sent, self.deadline()) {
            (Some(_), Some(d)) if now >= d => KeepAliveAction::Dead,
            (None, Some(d)) if now >= d => KeepAliveAction::SendPing,
            _ => KeepAliveAction::Idle,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ping_after_idle_interval_then_dead_after_timeout() {
        let mut k = KeepAlive::new(10, Duration::from_secs(5), Instant::ZERO);
        assert_eq!(k.deadline(), Some(Instant::from_secs(10)));
        k.on_sent(Instant::from_secs(4));
        assert_eq!(k.poll(Instant::from_secs(10)), KeepAliveAction::Idle);
        assert_eq!(k.poll(Instant::from_secs(14)), KeepAliveAction::SendPing);
        k.on_ping_sent(Instant::from_secs(14));
        assert_eq!(k.deadline(), Some(Instant::from_secs(19)));
        assert_eq!(k.poll(Instant::from_secs(18)), KeepAliveAction::Idle);
        assert_eq!(k.poll(Instant::from_secs(19)), KeepAliveAction::Dead);
        k.on_ping_response();
        assert_eq!(
            k.deadline(),
            Some(Instant::from_secs(14)),
            "last bytes sent at 4"
        );
    }

    #[test]
    fn zero_disables() {
        let k = KeepAlive::new(0, Duration::from_secs(5), Instant::ZERO);
        assert_eq!(k.deadline(), None);
        assert_eq!(k.poll(Instant::from_secs(1_000_000)), KeepAliveAction::Idle);
    }
}
