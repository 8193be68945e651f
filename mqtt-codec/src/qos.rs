//! Quality of service, delivery (QoS with its packet identifier) and retain handling.

use crate::packet_id::PacketId;

/// Quality of service level. The set is closed by the spec: the value 3 is malformed.
#[expect(clippy::exhaustive_enums, reason = "closed by the MQTT specification")]
#[derive(Clone, Copy, Debug, Default, Eq, Hash, Ord, PartialEq, PartialOrd)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize, serde::Serialize))]
pub enum QoS {
    /// QoS 0: at most once.
    #[default]
    AtMostOnce = 0,
    /// QoS 1: at least once.
    AtLeastOnce = 1,
    /// QoS 2: exactly once.
    ExactlyOnce = 2,
}

impl QoS {
    /// The wire value (0, 1 or 2).
    #[must_use]
    pub const fn as_u8(self) -> u8 {
        self as u8
    }
}

impl TryFrom<u8> for QoS {
    type Error = InvalidQoS;

    fn try_from(value: u8) -> Result<Self, Self::Error> {
        match value {
            0 => Ok(Self::AtMostOnce),
            1 => Ok(Self::AtLeastOnce),
            2 => Ok(Self::ExactlyOnce),
            other => Err(InvalidQoS(other)),
        }
    }
}

/// A byte that is not a QoS level (only 0, 1 and 2 are).
#[expect(
    clippy::exhaustive_structs,
    reason = "a newtype over the offending byte"
)]
#[derive(Clone, Copy, Debug, Eq, PartialEq, thiserror::Error)]
#[error("{0} is not a QoS level")]
pub struct InvalidQoS(pub u8);

/// How a PUBLISH is delivered: its QoS together with the packet identifier that QoS 1 and 2 need.
///
/// Keeping the two together makes a QoS 0 message with an identifier, or a QoS 1 message
/// without one, unrepresentable ([MQTT-2.2.1-2], [MQTT-2.3.1-1]).
#[expect(
    clippy::exhaustive_enums,
    reason = "one variant per QoS level, closed by the spec"
)]
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize, serde::Serialize))]
pub enum Delivery {
    /// QoS 0, no packet identifier.
    #[default]
    AtMostOnce,
    /// QoS 1 with its packet identifier.
    AtLeastOnce(PacketId),
    /// QoS 2 with its packet identifier.
    ExactlyOnce(PacketId),
}

impl Delivery {
    /// The QoS level.
    #[must_use]
    pub const fn qos(self) -> QoS {
        match self {
            Self::AtMostOnce => QoS::AtMostOnce,
            Self::AtLeastOnce(_) => QoS::AtLeastOnce,
            Self::ExactlyOnce(_) => QoS::ExactlyOnce,
        }
    }

    /// The packet identifier, for QoS 1 and 2.
    #[must_use]
    pub const fn packet_id(self) -> Option<PacketId> {
        match self {
            Self::AtMostOnce => None,
            Self::AtLeastOnce(id) | Self::ExactlyOnce(id) => Some(id),
        }
    }
}

/// Whether retained messages are sent when a subscription is made (MQTT 5.0 subscription option).
#[expect(clippy::exhaustive_enums, reason = "closed by the MQTT specification")]
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize, serde::Serialize))]
pub enum RetainHandling {
    /// 0: send retained messages at the time of the subscribe.
    #[default]
    SendAtSubscribe = 0,
    /// 1: send them only if the subscription does not exist yet.
    SendIfNew = 1,
    /// 2: do not send retained messages.
    DoNotSend = 2,
}

impl TryFrom<u8> for RetainHandling {
    type Error = u8;

    fn try_from(value: u8) -> Result<Self, Self::Error> {
        match value {
            0 => Ok(Self::SendAtSubscribe),
            1 => Ok(Self::SendIfNew),
            2 => Ok(Self::DoNotSend),
            other => Err(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qos_wire_values() {
        for q in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
            assert_eq!(QoS::try_from(q.as_u8()), Ok(q));
        }
        assert_eq!(QoS::try_from(3), Err(InvalidQoS(3)));
    }

    #[test]
    fn delivery_pairs_qos_and_id() {
        let id = PacketId::new(7).unwrap();
        assert_eq!(Delivery::AtMostOnce.packet_id(), None);
        assert_eq!(Delivery::ExactlyOnce(id).qos(), QoS::ExactlyOnce);
        assert_eq!(Delivery::AtLeastOnce(id).packet_id(), Some(id));
        assert_eq!(RetainHandling::try_from(3), Err(3));
    }
}
