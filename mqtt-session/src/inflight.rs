//! Outbound QoS 1/2 messages: the in-flight window (sent, unacknowledged, in send order) and
//! the queue behind it (waiting for room under the peer's Receive Maximum, in publish order).
//! Shared by the client and the server sessions.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use mqtt_codec::{Delivery, PacketId, Publish, QoS};

use crate::state::OutboundStage;
use crate::time::Instant;

/// One outbound QoS 1/2 message. `publish.topic` is always a name (aliases are applied per
/// connection, when the packet goes out) and `publish.delivery` carries its packet identifier.
#[derive(Clone, Debug)]
pub(crate) struct OutEntry {
    pub(crate) publish: Publish,
    pub(crate) stage: OutboundStage,
    pub(crate) expires_at: Option<Instant>,
}

impl OutEntry {
    pub(crate) fn id(&self) -> Option<PacketId> {
        self.publish.delivery.packet_id()
    }
}

/// The in-flight window and the queue behind it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Outbound {
    in_flight: VecDeque<OutEntry>,
    queued: VecDeque<OutEntry>,
}

impl Outbound {
    /// Adds a message behind the queue.
    pub(crate) fn enqueue(&mut self, entry: OutEntry) {
        self.queued.push_back(entry);
    }

    /// Puts messages back at the front of the queue, keeping their order (in-flight messages
    /// a new connection's window has no room for yet).
    pub(crate) fn requeue_front(&mut self, entries: Vec<OutEntry>) {
        for e in entries.into_iter().rev() {
            self.queued.push_front(e);
        }
    }

    /// Removes the queued messages that were sent on an earlier connection (requeued, past
    /// [`OutboundStage::Queued`], because a resumed connection's window had no room for them),
    /// keeping the order of the rest. Used when the server did not keep the session: their fate
    /// is unknown.
    pub(crate) fn take_previously_sent(&mut self) -> Vec<OutEntry> {
        let (sent, fresh): (VecDeque<OutEntry>, VecDeque<OutEntry>) = self
            .queued
            .drain(..)
            .partition(|e| e.stage != OutboundStage::Queued);
        self.queued = fresh;
        sent.into_iter().collect()
    }

    /// Moves a deferred resend (a message sent on an earlier connection and queued because the
    /// resumed connection's window had no room yet) back into the window when the peer
    /// acknowledges it: the peer received it on that earlier connection, so its exchange goes
    /// on from the acknowledgment instead of being resent later.
    pub(crate) fn promote_deferred(&mut self, id: PacketId) {
        let pos = self
            .queued
            .iter()
            .position(|e| e.id() == Some(id) && e.stage != OutboundStage::Queued);
        if let Some(e) = pos.and_then(|pos| self.queued.remove(pos)) {
            self.in_flight.push_back(e);
        }
    }

    /// Takes the first queued message, to send it.
    pub(crate) fn pop_queued(&mut self) -> Option<OutEntry> {
        self.queued.pop_front()
    }

    /// Records a message as sent (back of the window, so send order is kept).
    pub(crate) fn push_in_flight(&mut self, entry: OutEntry) {
        self.in_flight.push_back(entry);
    }

    /// The in-flight message with `id`.
    pub(crate) fn in_flight_mut(&mut self, id: PacketId) -> Option<&mut OutEntry> {
        self.in_flight.iter_mut().find(|e| e.id() == Some(id))
    }

    /// Removes the in-flight message with `id` (its exchange is complete).
    pub(crate) fn complete(&mut self, id: PacketId) -> Option<OutEntry> {
        let pos = self.in_flight.iter().position(|e| e.id() == Some(id))?;
        self.in_flight.remove(pos)
    }

    /// How many messages are in flight.
    pub(crate) fn in_flight_len(&self) -> usize {
        self.in_flight.len()
    }

    /// How many messages wait behind the window.
    pub(crate) fn queued_len(&self) -> usize {
        self.queued.len()
    }

    /// In-flight messages, in send order.
    pub(crate) fn in_flight(&self) -> impl Iterator<Item = &OutEntry> {
        self.in_flight.iter()
    }

    /// Queued messages, in publish order.
    pub(crate) fn queued(&self) -> impl Iterator<Item = &OutEntry> {
        self.queued.iter()
    }

    /// Takes every in-flight message (the session that knew them is gone).
    pub(crate) fn take_in_flight(&mut self) -> VecDeque<OutEntry> {
        core::mem::take(&mut self.in_flight)
    }

    /// Removes queued messages that expired at `now`; returns their identifiers in order.
    /// Releases spare capacity.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.in_flight.shrink_to_fit();
        self.queued.shrink_to_fit();
    }

    pub(crate) fn remove_expired(&mut self, now: Instant) -> Vec<PacketId> {
        let mut expired = Vec::new();
        self.queued.retain(|e| {
            // Only never-sent messages expire here (deferred resends keep their exchange).
            let gone =
                e.stage == OutboundStage::Queued && crate::expiry::is_expired(e.expires_at, now);
            if gone {
                expired.extend(e.id());
            }
            !gone
        });
        expired
    }

    /// The earliest expiry among queued messages.
    pub(crate) fn next_expiry(&self) -> Option<Instant> {
        self.queued
            .iter()
            .filter(|e| e.stage == OutboundStage::Queued)
            .filter_map(|e| e.expires_at)
            .min()
    }
}

/// The delivery of a QoS 1/2 message numbered `id` (QoS 0 is sent as 1: only called for messages
/// that were QoS 1/2).
pub(crate) fn delivery(qos: QoS, id: PacketId) -> Delivery {
    match qos {
        QoS::ExactlyOnce => Delivery::ExactlyOnce(id),
        QoS::AtLeastOnce | QoS::AtMostOnce => Delivery::AtLeastOnce(id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqtt_codec::Delivery;
    use mqtt_codec::topic::TopicName;

    fn entry(id: u16, expires: Option<u64>) -> OutEntry {
        let mut p = Publish::new(TopicName::new("t").unwrap(), &b"x"[..]);
        p.delivery = Delivery::AtLeastOnce(PacketId::new(id).unwrap());
        OutEntry {
            publish: p,
            stage: OutboundStage::Queued,
            expires_at: expires.map(Instant::from_secs),
        }
    }

    #[test]
    fn window_keeps_order_and_completes_by_id() {
        let mut o = Outbound::default();
        for id in 1..=3 {
            o.push_in_flight(entry(id, None));
        }
        assert!(o.complete(PacketId::new(2).unwrap()).is_some());
        assert!(o.complete(PacketId::new(2).unwrap()).is_none());
        let ids: Vec<u16> = o
            .in_flight()
            .filter_map(|e| e.id())
            .map(PacketId::get)
            .collect();
        assert_eq!(ids, [1, 3]);
    }

    #[test]
    fn expired_queued_messages_are_removed_in_order() {
        let mut o = Outbound::default();
        o.enqueue(entry(1, Some(5)));
        o.enqueue(entry(2, None));
        o.enqueue(entry(3, Some(4)));
        assert_eq!(o.next_expiry(), Some(Instant::from_secs(4)));
        let gone: Vec<u16> = o
            .remove_expired(Instant::from_secs(5))
            .into_iter()
            .map(PacketId::get)
            .collect();
        assert_eq!(gone, [1, 3]);
        assert_eq!(o.queued_len(), 1);
    }
}
