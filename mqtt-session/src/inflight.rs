//! Outbound QoS 1/2 messages: the in-flight window (sent, unacknowledged, in send order) and
//! the queue behind it (waiting for room under the peer's Receive Maximum, in publish order),
//! with the two ways messages go out: [`Outbound::fill`] (queued messages into the window) and
//! [`Outbound::resend`] (the window again, on a resumed session). Shared by the client and the
//! server sessions; what differs between them is in [`Link`] and in how they report [`Gone`].

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use mqtt_codec::{Delivery, EncodeError, PacketId, PacketType, PubRel, Publish, QoS};

use crate::error::UsageError;
use crate::expiry;
use crate::flow_control::SendWindow;
use crate::outbox::Outbox;
use crate::state::OutboundStage;
use crate::time::Instant;
use crate::topic_alias::OutboundAliases;

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

    /// Queues its PUBLISH on `link`: DUP, the expiry time left, an alias when one fits.
    pub(crate) fn send(&mut self, link: &mut Link<'_>, dup: bool) -> Result<(), EncodeError> {
        let expiry = self
            .expires_at
            .map(|at| expiry::remaining_secs(at, link.now));
        let dup = dup && self.publish.qos() != QoS::AtMostOnce;
        link.outbox
            .push_publish(&mut self.publish, dup, expiry, link.aliases)
    }
}

/// The connection messages go out on, and the rules that differ between the sessions.
#[derive(Debug)]
pub(crate) struct Link<'a> {
    pub(crate) outbox: &'a mut Outbox,
    pub(crate) aliases: &'a mut OutboundAliases,
    pub(crate) now: Instant,
    /// The peer's Receive Maximum.
    pub(crate) window: SendWindow,
    /// A resend too large for the peer closes the connection, keeping the message for the
    /// next one (the client: the exchange must complete [MQTT-4.4.0-1]), instead of being
    /// given up (the server: discarded as if delivered [MQTT-3.1.2-25]).
    pub(crate) close_on_large_resend: bool,
}

/// A message that left the outbound state without going out. Its packet identifier is still
/// taken: the session frees it and reports the message.
#[derive(Debug)]
pub(crate) enum Gone {
    /// Never sent, and its Message Expiry Interval passed.
    Expired(PacketId),
    /// This connection cannot carry it (the peer's limits, or its size).
    Refused {
        id: PacketId,
        reason: UsageError,
        /// It went out on an earlier connection (its exchange had started).
        was_sent: bool,
    },
}

/// Which way outbound messages go out (see [`Outbound::send`]).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) enum Pass {
    /// Queued messages into the window: [`Outbound::fill`].
    Fill,
    /// The window again, on a resumed session: [`Outbound::resend`].
    Resend,
}

/// A packet the protocol requires does not fit the peer's Maximum Packet Size: the session
/// closes the connection; every message kept its place and stage.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TooLarge {
    pub(crate) packet: PacketType,
    pub(crate) size: u64,
    pub(crate) max: u32,
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

    /// Whether a new message would go out at once: nothing waits ahead of it and `window` has
    /// room.
    pub(crate) fn can_send_now(&self, window: SendWindow) -> bool {
        self.queued.is_empty() && window.has_room(self.in_flight.len())
    }

    /// Sends a new message at once (see [`Outbound::can_send_now`]) and puts it in flight,
    /// without a trip through the queue.
    ///
    /// # Errors
    /// The encoder's [`EncodeError`]: nothing was sent nor kept.
    pub(crate) fn send_now(
        &mut self,
        mut entry: OutEntry,
        link: &mut Link<'_>,
    ) -> Result<(), EncodeError> {
        debug_assert!(
            self.can_send_now(link.window),
            "invariant: checked by the caller"
        );
        entry.send(link, false)?;
        entry.stage = OutboundStage::Sent;
        self.in_flight.push_back(entry);
        Ok(())
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

    /// Records a message as sent (back of the window, so send order is kept).
    pub(crate) fn push_in_flight(&mut self, entry: OutEntry) {
        self.in_flight.push_back(entry);
    }

    /// The in-flight message with `id`.
    pub(crate) fn in_flight_mut(&mut self, id: PacketId) -> Option<&mut OutEntry> {
        self.in_flight.iter_mut().find(|e| e.id() == Some(id))
    }

    /// Removes the in-flight message with `id` (its exchange is complete); whether there was
    /// one. Acknowledgments come in send order [MQTT-4.6.0-2], so it is usually the first.
    pub(crate) fn complete(&mut self, id: PacketId) -> bool {
        let Some(pos) = self.in_flight.iter().position(|e| e.id() == Some(id)) else {
            return false;
        };
        if pos == 0 {
            self.in_flight.pop_front();
        } else {
            self.in_flight.remove(pos);
        }
        true
    }

    /// [`Outbound::fill`] or [`Outbound::resend`], as `pass` says.
    ///
    /// # Errors
    /// As theirs.
    pub(crate) fn send(
        &mut self,
        pass: Pass,
        link: &mut Link<'_>,
        check: impl Fn(&Publish) -> Result<(), UsageError>,
        gone: impl FnMut(Gone),
    ) -> Result<(), TooLarge> {
        match pass {
            Pass::Fill => self.fill(link, check, gone),
            Pass::Resend => self.resend(link, check, gone),
        }
    }

    /// Moves queued messages into flight, in order, while the peer's Receive Maximum leaves
    /// room [MQTT-3.3.4-9]. A message sent on an earlier connection and deferred by the window
    /// goes out as a resend (DUP = 1). `check` applies the peer's limits other than size.
    ///
    /// # Errors
    /// [`TooLarge`] for a resend with [`Link::close_on_large_resend`]: it is back at the front
    /// of the queue and nothing more is sent.
    pub(crate) fn fill(
        &mut self,
        link: &mut Link<'_>,
        check: impl Fn(&Publish) -> Result<(), UsageError>,
        mut gone: impl FnMut(Gone),
    ) -> Result<(), TooLarge> {
        while link.window.has_room(self.in_flight.len()) {
            let Some(mut entry) = self.queued.pop_front() else {
                return Ok(());
            };
            let Some(id) = entry.id() else { continue };
            let was_sent = entry.stage != OutboundStage::Queued;
            if !was_sent && expiry::is_expired(entry.expires_at, link.now) {
                gone(Gone::Expired(id));
                continue;
            }
            let sent = check(&entry.publish)
                .and_then(|()| entry.send(link, was_sent).map_err(UsageError::Encode));
            match sent {
                Ok(()) => {
                    entry.stage = OutboundStage::Sent;
                    self.in_flight.push_back(entry);
                }
                Err(UsageError::Encode(EncodeError::PacketTooLarge { size, max }))
                    if was_sent && link.close_on_large_resend =>
                {
                    self.queued.push_front(entry);
                    return Err(TooLarge {
                        packet: PacketType::Publish,
                        size,
                        max,
                    });
                }
                Err(reason) => gone(Gone::Refused {
                    id,
                    reason,
                    was_sent,
                }),
            }
        }
        Ok(())
    }

    /// Resumes the in-flight exchanges in their original order: the PUBLISH again with
    /// DUP = 1 until PUBREC, the PUBREL after it (never the PUBLISH again) [MQTT-4.4.0-1]
    /// [MQTT-4.4.0-2]. PUBRELs always go out and count in the window; PUBLISHes beyond the
    /// peer's Receive Maximum [MQTT-3.3.4-9] go back to the front of the queue (keeping their
    /// identifiers and order) and are resent by [`Outbound::fill`] as acknowledgments free the
    /// window. A PUBLISH `check` or the encoder refuses leaves with [`Gone::Refused`].
    ///
    /// # Errors
    /// [`TooLarge`] for a PUBREL, or a PUBLISH with [`Link::close_on_large_resend`], over the
    /// peer's Maximum Packet Size: nothing more is sent and every message keeps its place, so
    /// the next connection resends everything in the original order.
    pub(crate) fn resend(
        &mut self,
        link: &mut Link<'_>,
        check: impl Fn(&Publish) -> Result<(), UsageError>,
        mut gone: impl FnMut(Gone),
    ) -> Result<(), TooLarge> {
        let mut used = 0usize;
        let mut deferred = Vec::new();
        let mut i = 0;
        while let Some(entry) = self.in_flight.get_mut(i) {
            let Some(id) = entry.id() else {
                i += 1;
                continue;
            };
            let sent = match entry.stage {
                OutboundStage::Released => {
                    used += 1;
                    link.outbox
                        .push(&PubRel::new(id))
                        .map_err(|e| (PacketType::PubRel, e))
                }
                OutboundStage::Sent | OutboundStage::Queued => {
                    if let Err(reason) = check(&entry.publish) {
                        self.in_flight.remove(i);
                        gone(Gone::Refused {
                            id,
                            reason,
                            was_sent: true,
                        });
                        continue;
                    }
                    if !link.window.has_room(used) {
                        deferred.push(i);
                        i += 1;
                        continue;
                    }
                    used += 1;
                    entry
                        .send(link, true)
                        .map(|()| entry.stage = OutboundStage::Sent)
                        .map_err(|e| (PacketType::Publish, e))
                }
            };
            match sent {
                Ok(()) => i += 1,
                Err((packet, EncodeError::PacketTooLarge { size, max }))
                    if packet == PacketType::PubRel || link.close_on_large_resend =>
                {
                    return Err(TooLarge { packet, size, max });
                }
                Err((_, e)) => {
                    self.in_flight.remove(i);
                    gone(Gone::Refused {
                        id,
                        reason: UsageError::Encode(e),
                        was_sent: true,
                    });
                }
            }
        }
        // Those the window has no room for wait at the front of the queue, in order.
        for &i in deferred.iter().rev() {
            if let Some(e) = self.in_flight.remove(i) {
                self.queued.push_front(e);
            }
        }
        Ok(())
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
            let gone = e.stage == OutboundStage::Queued && expiry::is_expired(e.expires_at, now);
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
        assert!(o.complete(PacketId::new(2).unwrap()));
        assert!(!o.complete(PacketId::new(2).unwrap()));
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
