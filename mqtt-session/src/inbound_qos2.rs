//! Inbound QoS 1/2 bookkeeping (the peer's packet-identifier space): QoS 2 identifiers held
//! from PUBREC until PUBREL so a duplicate PUBLISH is acknowledged but not delivered twice
//! [MQTT-4.3.3-9] [MQTT-4.3.3-10], and manual acknowledgments released in arrival order
//! [MQTT-4.6.0-2] [MQTT-4.6.0-3]. Shared by the client and the server sessions.

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::vec::Vec;

use mqtt_codec::{PacketId, QoS};

/// Where an inbound QoS 2 message stands.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum Qos2State {
    /// Delivered to the application; the manual acknowledgment (PUBREC) is not sent yet.
    AwaitingAck,
    /// PUBREC sent; waiting for PUBREL. A duplicate PUBLISH gets PUBREC again.
    Received,
}

/// What to do with an inbound QoS 2 PUBLISH.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) enum Qos2Verdict {
    /// A new message: deliver it (and send PUBREC now when acknowledgments are automatic).
    Deliver,
    /// A duplicate whose PUBREC was sent: send PUBREC again, do not deliver.
    ResendPubRec,
    /// A duplicate the application has not acknowledged yet: nothing to do.
    Ignore,
}

/// The result of a PUBREL.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) enum PubRelVerdict {
    /// The identifier was held: it is released now; send PUBCOMP.
    Released,
    /// Not held (already released, or unknown after a restart): send PUBCOMP anyway (with
    /// 0x92 Packet Identifier not found in 5.0).
    NotFound,
    /// PUBREL before our PUBREC: the peer broke the protocol.
    BeforePubRec,
}

/// Inbound QoS 1/2 state of one session.
#[derive(Clone, Debug, Default)]
pub(crate) struct Inbound {
    qos2: BTreeMap<u16, Qos2State>,
    qos1_unacked: BTreeSet<u16>,
    /// Manual acknowledgments in arrival order; `true` once the application acknowledged.
    ack_order: VecDeque<(PacketId, QoS, bool)>,
}

impl Inbound {
    /// Unacknowledged inbound QoS 1/2 messages, as the peer's Receive Maximum counts them.
    pub(crate) fn unacked(&self) -> usize {
        self.qos2.len() + self.qos1_unacked.len()
    }

    /// Whether `id` names a QoS 1/2 exchange already known (so a PUBLISH with it is not new).
    pub(crate) fn is_known(&self, id: PacketId, qos: QoS) -> bool {
        match qos {
            QoS::AtMostOnce => false,
            QoS::AtLeastOnce => self.qos1_unacked.contains(&id.get()),
            QoS::ExactlyOnce => self.qos2.contains_key(&id.get()),
        }
    }

    /// A QoS 1 PUBLISH arrived. Returns whether to deliver it: always with automatic
    /// acknowledgments (QoS 1 may duplicate), once while its manual acknowledgment is pending.
    pub(crate) fn on_qos1(&mut self, id: PacketId, auto_ack: bool) -> bool {
        if auto_ack {
            return true;
        }
        if !self.qos1_unacked.insert(id.get()) {
            return false;
        }
        self.ack_order.push_back((id, QoS::AtLeastOnce, false));
        true
    }

    /// A QoS 2 PUBLISH arrived.
    pub(crate) fn on_qos2(&mut self, id: PacketId, auto_ack: bool) -> Qos2Verdict {
        match self.qos2.get(&id.get()) {
            Some(Qos2State::Received) => Qos2Verdict::ResendPubRec,
            Some(Qos2State::AwaitingAck) => Qos2Verdict::Ignore,
            None => {
                if auto_ack {
                    self.qos2.insert(id.get(), Qos2State::Received);
                } else {
                    self.qos2.insert(id.get(), Qos2State::AwaitingAck);
                    self.ack_order.push_back((id, QoS::ExactlyOnce, false));
                }
                Qos2Verdict::Deliver
            }
        }
    }

    /// Whether a manual acknowledgment for (`id`, `qos`) is pending.
    pub(crate) fn is_ack_pending(&self, id: PacketId, qos: QoS) -> bool {
        self.ack_order
            .iter()
            .any(|&(i, q, done)| i == id && q == qos && !done)
    }

    /// The application acknowledged (`id`, `qos`). Returns the acknowledgments that may go out
    /// now, in arrival order (possibly none, when an earlier message is still unacknowledged).
    /// The caller checked [`Inbound::is_ack_pending`].
    pub(crate) fn ack(&mut self, id: PacketId, qos: QoS) -> Vec<(PacketId, QoS)> {
        if let Some(entry) = self
            .ack_order
            .iter_mut()
            .find(|(i, q, done)| *i == id && *q == qos && !*done)
        {
            entry.2 = true;
        }
        let mut ready = Vec::new();
        while let Some(&(i, q, true)) = self.ack_order.front() {
            self.ack_order.pop_front();
            match q {
                QoS::AtLeastOnce => {
                    self.qos1_unacked.remove(&i.get());
                }
                QoS::ExactlyOnce => {
                    self.qos2.insert(i.get(), Qos2State::Received);
                }
                QoS::AtMostOnce => {}
            }
            ready.push((i, q));
        }
        ready
    }

    /// A PUBREL arrived.
    pub(crate) fn on_pubrel(&mut self, id: PacketId) -> PubRelVerdict {
        match self.qos2.get(&id.get()) {
            Some(Qos2State::Received) => {
                self.qos2.remove(&id.get());
                PubRelVerdict::Released
            }
            Some(Qos2State::AwaitingAck) => PubRelVerdict::BeforePubRec,
            None => PubRelVerdict::NotFound,
        }
    }

    /// QoS 2 identifiers held (for export), ascending.
    pub(crate) fn qos2_ids(&self) -> impl Iterator<Item = PacketId> + '_ {
        self.qos2.keys().filter_map(|&v| PacketId::new(v))
    }

    /// Restores a held QoS 2 identifier (PUBREC considered sent).
    pub(crate) fn restore_qos2(&mut self, id: PacketId) {
        self.qos2.insert(id.get(), Qos2State::Received);
    }

    /// Forgets everything (the session ended).
    pub(crate) fn clear(&mut self) {
        self.qos2.clear();
        self.qos1_unacked.clear();
        self.ack_order.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(v: u16) -> PacketId {
        PacketId::new(v).unwrap()
    }

    #[test]
    fn qos2_id_held_until_pubrel() {
        let mut i = Inbound::default();
        assert_eq!(i.on_qos2(id(7), true), Qos2Verdict::Deliver);
        assert_eq!(i.on_qos2(id(7), true), Qos2Verdict::ResendPubRec);
        assert_eq!(i.unacked(), 1);
        assert_eq!(i.on_pubrel(id(7)), PubRelVerdict::Released);
        assert_eq!(i.on_pubrel(id(7)), PubRelVerdict::NotFound);
        assert_eq!(
            i.on_qos2(id(7), true),
            Qos2Verdict::Deliver,
            "a new message"
        );
    }

    #[test]
    fn manual_acks_leave_in_arrival_order() {
        let mut i = Inbound::default();
        assert!(i.on_qos1(id(1), false));
        assert_eq!(i.on_qos2(id(2), false), Qos2Verdict::Deliver);
        assert!(!i.on_qos1(id(1), false), "duplicate while pending");
        assert_eq!(i.on_pubrel(id(2)), PubRelVerdict::BeforePubRec);
        assert!(
            i.ack(id(2), QoS::ExactlyOnce).is_empty(),
            "1 is still pending"
        );
        assert_eq!(
            i.ack(id(1), QoS::AtLeastOnce),
            [(id(1), QoS::AtLeastOnce), (id(2), QoS::ExactlyOnce)]
        );
        assert!(!i.is_ack_pending(id(1), QoS::AtLeastOnce));
        assert_eq!(i.on_qos2(id(2), false), Qos2Verdict::ResendPubRec);
    }
}
