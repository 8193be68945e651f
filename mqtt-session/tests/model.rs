//! Model test: random sequences of publishes (QoS 0/1/2), server acknowledgments, inbound QoS 2
//! messages and duplicates, connection loss, reconnects with and without session present and
//! time jumps, checked against a small reference model: no QoS 1/2 message is lost while the
//! session lives, no QoS 2 message is delivered twice, in-flight never exceeds the server's
//! Receive Maximum, and no packet identifier is used twice at once.

pub mod support;

use std::collections::{BTreeMap, BTreeSet};

use core::num::NonZeroU16;
use core::time::Duration;

use mqtt_session::codec::{
    ConnAck, Delivery, Packet, PacketId, ProtocolVersion, PubAck, PubComp, PubRec, PubRel, Publish,
    QoS, ReasonCode,
};
use mqtt_session::{ClientEvent, Message};
use proptest::prelude::*;
use support::harness::{Pair, config, name};

#[derive(Clone, Debug)]
enum Op {
    Publish(u8),
    ServerAck(usize),
    ServerPublish2,
    ServerDup,
    ServerRelease,
    Drop,
    Reconnect(bool),
    Advance(u16),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..3).prop_map(Op::Publish),
        4 => any::<usize>().prop_map(Op::ServerAck),
        1 => Just(Op::ServerPublish2),
        1 => Just(Op::ServerDup),
        1 => Just(Op::ServerRelease),
        1 => Just(Op::Drop),
        1 => any::<bool>().prop_map(Op::Reconnect),
        1 => (0u16..200).prop_map(Op::Advance),
    ]
}

/// Where an outbound exchange stands on the scripted server.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Stage {
    Qos1,
    Qos2Publish,
    Qos2AwaitRel,
    Qos2Released,
}

struct World {
    pair: Pair,
    receive_maximum: u16,
    connected: bool,
    /// Server: client exchanges not completed, by packet identifier.
    outstanding: BTreeMap<u16, Stage>,
    /// Server: inbound QoS 2 messages not released (id -> payload number).
    server_qos2: BTreeMap<u16, u32>,
    next_server_id: u16,
    next_payload: u32,
    /// Model: published QoS 1/2 messages not completed (packet id -> payload number).
    pending: BTreeMap<u16, u32>,
    /// Model: QoS 2 payloads delivered to the application.
    delivered_qos2: BTreeSet<u32>,
    lost_allowed: bool,
}

#[expect(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "the model: a broken invariant fails the test"
)]
impl World {
    fn new(receive_maximum: u16) -> Self {
        let mut c = config(ProtocolVersion::V5);
        c.properties.session_expiry_interval = Some(3600);
        c.keep_alive_secs = 30;
        Self {
            pair: Pair::new(c),
            receive_maximum,
            connected: false,
            outstanding: BTreeMap::new(),
            server_qos2: BTreeMap::new(),
            next_server_id: 1,
            next_payload: 0,
            pending: BTreeMap::new(),
            delivered_qos2: BTreeSet::new(),
            lost_allowed: false,
        }
    }

    fn connect(&mut self, want_session: bool) {
        if self.connected {
            self.drop_connection();
        }
        self.pair.client.handle_connected(self.pair.now).unwrap();
        self.pair.flush();
        let sent = self.pair.sent();
        let Some(Packet::Connect(c)) = sent.first() else {
            panic!("{sent:?}")
        };
        let present = want_session && !c.clean_start;
        if !present {
            self.outstanding.clear();
            self.server_qos2.clear();
        }
        let mut ack = ConnAck::new(present, ReasonCode::SUCCESS);
        ack.properties.receive_maximum = NonZeroU16::new(self.receive_maximum);
        self.lost_allowed = !present;
        self.pair.send(Packet::ConnAck(ack));
        self.connected = true;
        self.process();
        self.lost_allowed = false;
        if present {
            // The server resends unreleased inbound QoS 2 messages.
            for (&id, &n) in &self.server_qos2.clone() {
                self.server_send_qos2(id, n, true);
            }
        }
    }

    fn drop_connection(&mut self) {
        self.pair.drop_connection();
        self.connected = false;
        self.process();
    }

    fn server_send_qos2(&mut self, id: u16, n: u32, dup: bool) {
        let mut p = Publish::new(name("in"), n.to_be_bytes().to_vec());
        p.delivery = Delivery::ExactlyOnce(PacketId::new(id).unwrap());
        p.dup = dup;
        self.pair.send(Packet::Publish(p));
        self.process();
    }

    /// Handles what the client sent and emitted, checking the invariants.
    fn process(&mut self) {
        self.pair.flush();
        let packets = self.pair.sent();
        for packet in packets {
            match packet {
                Packet::Publish(p) => {
                    let Some(id) = p.delivery.packet_id() else {
                        continue;
                    };
                    let known = self.outstanding.get(&id.get()).copied();
                    if p.dup {
                        assert!(
                            matches!(
                                known,
                                None | Some(Stage::Qos1 | Stage::Qos2Publish | Stage::Qos2AwaitRel)
                            ),
                            "PUBLISH resent after PUBREL: {known:?}"
                        );
                    } else {
                        assert!(known.is_none(), "packet id {id} reused while in flight");
                    }
                    let stage = if p.qos() == QoS::AtLeastOnce {
                        Stage::Qos1
                    } else {
                        Stage::Qos2Publish
                    };
                    self.outstanding.entry(id.get()).or_insert(stage);
                }
                Packet::PubRel(r) => {
                    self.outstanding
                        .insert(r.packet_id.get(), Stage::Qos2Released);
                }
                Packet::PubComp(c) => {
                    self.server_qos2.remove(&c.packet_id.get());
                }
                Packet::PingReq => self.pair.send(Packet::PingResp),
                _ => {}
            }
        }
        assert!(self.pair.client.in_flight() <= usize::from(self.receive_maximum));
        if self.connected {
            // What the server sees unacknowledged never exceeds its Receive Maximum.
            assert!(self.outstanding.len() <= usize::from(self.receive_maximum));
        }
        for e in self.pair.take_events() {
            match e {
                ClientEvent::Delivered(id) | ClientEvent::Rejected { id, .. } => {
                    assert!(
                        self.pending.remove(&id.get()).is_some(),
                        "unknown completion {id}"
                    );
                }
                ClientEvent::Lost(id) => {
                    assert!(
                        self.lost_allowed,
                        "message {id} lost while the session lives"
                    );
                    self.pending.remove(&id.get());
                }
                ClientEvent::Received(m) if m.qos() == QoS::ExactlyOnce => {
                    let n = u32::from_be_bytes(m.publish.payload[..4].try_into().unwrap());
                    assert!(
                        self.delivered_qos2.insert(n),
                        "QoS 2 message {n} delivered twice"
                    );
                }
                ClientEvent::Closed(_) => self.connected = false,
                ClientEvent::Expired(_) | ClientEvent::Dropped { .. } => {
                    panic!("unexpected {e:?}")
                }
                _ => {}
            }
        }
        if !self.pair.client.is_connected() && self.connected {
            self.connected = false;
        }
        let ids: Vec<_> = self.pending.keys().collect();
        let unique: BTreeSet<_> = ids.iter().collect();
        assert_eq!(ids.len(), unique.len());
    }

    fn apply(&mut self, op: Op) {
        match op {
            Op::Publish(q) => {
                let qos = QoS::try_from(q).unwrap();
                let n = self.next_payload;
                self.next_payload += 1;
                let m = Message::new(name("out"), n.to_be_bytes().to_vec(), qos);
                match self.pair.client.publish(self.pair.now, m) {
                    Ok(Some(id)) => {
                        assert!(self.pending.insert(id.get(), n).is_none(), "id {id} reused");
                    }
                    Ok(None) => assert!(self.connected && qos == QoS::AtMostOnce),
                    Err(e) => assert!(
                        !self.pair.client.is_connected() && qos == QoS::AtMostOnce,
                        "{e}"
                    ),
                }
                self.process();
            }
            Op::ServerAck(i) if self.connected && !self.outstanding.is_empty() => {
                let (&id, &stage) = self
                    .outstanding
                    .iter()
                    .nth(i % self.outstanding.len())
                    .unwrap();
                let pid = PacketId::new(id).unwrap();
                match stage {
                    Stage::Qos1 => {
                        self.outstanding.remove(&id);
                        self.pair.send(Packet::PubAck(PubAck::new(pid)));
                    }
                    Stage::Qos2Publish | Stage::Qos2AwaitRel => {
                        self.outstanding.insert(id, Stage::Qos2AwaitRel);
                        self.pair.send(Packet::PubRec(PubRec::new(pid)));
                    }
                    Stage::Qos2Released => {
                        self.outstanding.remove(&id);
                        self.pair.send(Packet::PubComp(PubComp::new(pid)));
                    }
                }
                self.process();
            }
            Op::ServerPublish2 if self.connected && self.server_qos2.len() < 8 => {
                let id = self.next_server_id;
                self.next_server_id = self.next_server_id % 50 + 1;
                if self.server_qos2.contains_key(&id) {
                    return;
                }
                let n = self.next_payload;
                self.next_payload += 1;
                self.server_qos2.insert(id, n);
                self.server_send_qos2(id, n, false);
            }
            Op::ServerDup if self.connected => {
                if let Some((&id, &n)) = self.server_qos2.iter().next() {
                    self.server_send_qos2(id, n, true);
                }
            }
            Op::ServerRelease if self.connected => {
                if let Some(&id) = self.server_qos2.keys().next() {
                    self.pair
                        .send(Packet::PubRel(PubRel::new(PacketId::new(id).unwrap())));
                    self.process();
                }
            }
            Op::Drop if self.connected => self.drop_connection(),
            Op::Reconnect(present) => self.connect(present),
            Op::Advance(secs) => {
                self.pair.advance(Duration::from_secs(u64::from(secs)));
                self.process();
            }
            _ => {}
        }
    }

    /// Resume the session and acknowledge everything: every message must complete.
    fn finish(&mut self) {
        self.connect(true);
        for _ in 0..10_000 {
            if self.outstanding.is_empty() && self.pair.client.queued() == 0 {
                break;
            }
            self.apply(Op::ServerAck(0));
        }
        assert!(
            self.pending.is_empty(),
            "messages never completed: {:?}",
            self.pending
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn client_session_matches_model(
        receive_maximum in 1u16..5,
        ops in proptest::collection::vec(op(), 1..80),
    ) {
        let mut w = World::new(receive_maximum);
        w.connect(false);
        for op in ops {
            w.apply(op);
        }
        w.finish();
    }
}
