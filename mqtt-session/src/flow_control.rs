//! The limits a peer announces (MQTT 5.0 CONNACK / CONNECT properties) and the checks they
//! impose on what we send. Shared by the client (server limits) and the server (client limits).

use core::num::{NonZeroU16, NonZeroU32};

use mqtt_codec::{ConnAckProperties, QoS};

use crate::error::UsageError;

/// What the peer accepts, as announced at connect time; defaults are the spec's absent values.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct PeerLimits {
    /// Receive Maximum: unacknowledged QoS 1/2 PUBLISHes we may have outstanding (absent =
    /// 65,535) [MQTT-3.3.4-7].
    pub receive_maximum: NonZeroU16,
    /// Maximum QoS (absent = 2) [MQTT-3.2.2-11].
    pub maximum_qos: QoS,
    /// Retain Available (absent = true) [MQTT-3.2.2-14].
    pub retain_available: bool,
    /// Maximum Packet Size (absent = only the protocol's limit) [MQTT-3.2.2-15].
    pub maximum_packet_size: Option<NonZeroU32>,
    /// Topic Alias Maximum (absent = 0: no aliases) [MQTT-3.2.2-17].
    pub topic_alias_maximum: u16,
    /// Wildcard Subscription Available (absent = true).
    pub wildcard_subscription_available: bool,
    /// Subscription Identifiers Available (absent = true).
    pub subscription_identifiers_available: bool,
    /// Shared Subscription Available (absent = true).
    pub shared_subscription_available: bool,
}

impl Default for PeerLimits {
    fn default() -> Self {
        Self {
            receive_maximum: NonZeroU16::MAX,
            maximum_qos: QoS::ExactlyOnce,
            retain_available: true,
            maximum_packet_size: None,
            topic_alias_maximum: 0,
            wildcard_subscription_available: true,
            subscription_identifiers_available: true,
            shared_subscription_available: true,
        }
    }
}

impl PeerLimits {
    /// The limits a CONNACK announces.
    #[must_use]
    pub fn from_connack(p: &ConnAckProperties) -> Self {
        let d = Self::default();
        Self {
            receive_maximum: p.receive_maximum.unwrap_or(d.receive_maximum),
            maximum_qos: p.maximum_qos.unwrap_or(d.maximum_qos),
            retain_available: p.retain_available.unwrap_or(d.retain_available),
            maximum_packet_size: p.maximum_packet_size,
            topic_alias_maximum: p.topic_alias_maximum.unwrap_or(0),
            wildcard_subscription_available: p
                .wildcard_subscription_available
                .unwrap_or(d.wildcard_subscription_available),
            subscription_identifiers_available: p
                .subscription_identifiers_available
                .unwrap_or(d.subscription_identifiers_available),
            shared_subscription_available: p
                .shared_subscription_available
                .unwrap_or(d.shared_subscription_available),
        }
    }

    /// Checks a PUBLISH's QoS and RETAIN against the peer's limits.
    ///
    /// # Errors
    /// [`UsageError::QoSNotSupported`] or [`UsageError::RetainNotSupported`].
    pub fn check_publish(&self, qos: QoS, retain: bool) -> Result<(), UsageError> {
        if qos > self.maximum_qos {
            return Err(UsageError::QoSNotSupported {
                requested: qos,
                maximum: self.maximum_qos,
            });
        }
        if retain && !self.retain_available {
            return Err(UsageError::RetainNotSupported);
        }
        Ok(())
    }
}

/// A send window: how many QoS 1/2 PUBLISHes are unacknowledged, against the peer's Receive
/// Maximum [MQTT-3.3.4-7] [MQTT-3.3.4-8].
#[derive(Clone, Copy, Debug)]
pub(crate) struct SendWindow {
    maximum: NonZeroU16,
}

impl SendWindow {
    pub(crate) const fn new(maximum: NonZeroU16) -> Self {
        Self { maximum }
    }

    /// Whether one more may be sent while `in_flight` are outstanding.
    pub(crate) fn has_room(self, in_flight: usize) -> bool {
        in_flight < usize::from(self.maximum.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_properties_mean_the_spec_defaults() {
        let l = PeerLimits::from_connack(&ConnAckProperties::default());
        assert_eq!(l, PeerLimits::default());
        assert_eq!(l.check_publish(QoS::ExactlyOnce, true), Ok(()));
    }

    #[test]
    fn limits_refuse_qos_and_retain() {
        let mut p = ConnAckProperties::default();
        p.maximum_qos = Some(QoS::AtLeastOnce);
        p.retain_available = Some(false);
        let l = PeerLimits::from_connack(&p);
        assert!(matches!(
            l.check_publish(QoS::ExactlyOnce, false),
            Err(UsageError::QoSNotSupported { .. })
        ));
        assert_eq!(
            l.check_publish(QoS::AtLeastOnce, true),
            Err(UsageError::RetainNotSupported)
        );
        let w = SendWindow::new(NonZeroU16::new(2).unwrap());
        assert!(w.has_room(1) && !w.has_room(2));
    }
}
