//! Small building blocks shared by the conformance files.

use mqtt_session::codec::{Delivery, Packet, PacketId, ProtocolVersion, PubAck, PubRec, QoS};
use mqtt_session::{ClientConfig, ClientEvent};

use super::harness::{Pair, config, msg, publishes};

/// A connected pair whose session outlives connections (so reconnects resume).
pub fn persistent(version: ProtocolVersion) -> Pair {
    let mut c: ClientConfig = config(version);
    if version.is_v5() {
        c.properties.session_expiry_interval = Some(600);
    } else {
        c.clean_start = false;
    }
    let mut p = Pair::new(c);
    p.connect(false);
    p.take_events();
    p
}

/// Publishes `n` messages of `qos`; returns their identifiers.
pub fn publish_n(p: &mut Pair, n: usize, qos: QoS) -> Vec<PacketId> {
    (0..n)
        .map(|_| p.publish(msg("t", b"m", qos)).unwrap_or(PacketId::MAX))
        .collect()
}

/// Identifiers of the PUBLISHes in `packets`, with their DUP flags.
pub fn published(packets: &[Packet]) -> Vec<(Delivery, bool)> {
    publishes(packets)
        .iter()
        .map(|p| (p.delivery, p.dup))
        .collect()
}

/// Acknowledges QoS 1 `ids` from the server.
pub fn puback_all(p: &mut Pair, ids: &[PacketId]) {
    for id in ids {
        p.send(Packet::PubAck(PubAck::new(*id)));
    }
}

/// Sends PUBREC for `ids` from the server.
pub fn pubrec_all(p: &mut Pair, ids: &[PacketId]) {
    for id in ids {
        p.send(Packet::PubRec(PubRec::new(*id)));
    }
}

/// Whether `events` ends the connection.
pub fn closed(events: &[ClientEvent]) -> bool {
    events.iter().any(|e| matches!(e, ClientEvent::Closed(_)))
}
