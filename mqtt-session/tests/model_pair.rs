//! End-to-end model test: a real client session against a real server session (tests/support/
//! pair.rs) under generated operations — publishes both ways at QoS 0/1/2 (some with a Message
//! Expiry Interval), connection drops (some losing bytes in flight), normal disconnects,
//! reconnects resuming through the binary `SessionState` encoding (some with messages routed
//! while the broker decides on the CONNECT), broker restarts (the stored session restored with
//! `ServerSession::offline`), and time jumps past keep alives, Will delays and session expiry. Checked after every step and at the end: no QoS 2
//! duplicate, in-flight <= Receive Maximum both ways, Wills released exactly when the rules say,
//! and no QoS 1/2 message lost while its session lives.

#![expect(
    clippy::expect_used,
    clippy::panic,
    reason = "model harness: a broken fixture fails the test"
)]

pub mod support;

use core::num::NonZeroU16;
use core::sync::atomic::{AtomicUsize, Ordering};
use core::time::Duration;
use std::collections::BTreeMap;

use mqtt_session::codec::bytes::Bytes;
use mqtt_session::codec::{ProtocolVersion, QoS, ReasonCode};
use mqtt_session::{
    ClientEvent, Instant, Message, ServerConfig, ServerEvent, ServerSession, SessionState,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use support::harness::{msg, name};
use support::pair::{Link, persistent_config};

const SESSION_EXPIRY: u32 = 120;
const WILL_DELAY: u32 = 20;
const CLIENT_RECEIVE_MAX: u16 = 3;
const SERVER_RECEIVE_MAX: u16 = 2;

#[derive(Clone, Copy, Debug)]
enum Op {
    /// The client publishes at this QoS (with a Message Expiry Interval when set).
    ClientPublish(u8, Option<u32>),
    /// The broker routes a message to the client.
    ServerDeliver(u8, Option<u32>),
    /// The transport breaks.
    Drop,
    /// A publish whose bytes to the client are lost, then the transport breaks.
    LoseAndDrop(u8),
    /// The client disconnects (DISCONNECT 0x00, or 0x04 "with Will" when set), then the
    /// transport closes.
    Disconnect(bool),
    /// The client reconnects (when disconnected); the broker routes this many messages at this
    /// QoS to it while deciding on the CONNECT.
    Reconnect(u8, u8),
    /// Time jumps by this many seconds.
    Advance(u16),
    /// The broker restarts while the client is away: the session of the ended connection is
    /// stored as bytes and comes back as `ServerSession::offline` (timers and queue running).
    Restart,
}

fn op() -> impl Strategy<Value = Op> {
    let expiry = proptest::option::weighted(0.2, 1u32..60);
    prop_oneof![
        4 => (0u8..3, expiry.clone()).prop_map(|(q, e)| Op::ClientPublish(q, e)),
        4 => (0u8..3, expiry).prop_map(|(q, e)| Op::ServerDeliver(q, e)),
        1 => Just(Op::Drop),
        1 => (1u8..3).prop_map(Op::LoseAndDrop),
        1 => any::<bool>().prop_map(Op::Disconnect),
        2 => (0u8..3, 0u8..3).prop_map(|(n, q)| Op::Reconnect(n, q)),
        2 => prop_oneof![0u16..5, 5u16..60, 60u16..400].prop_map(Op::Advance),
        1 => Just(Op::Restart),
    ]
}

fn qos(q: u8) -> QoS {
    match q {
        0 => QoS::AtMostOnce,
        1 => QoS::AtLeastOnce,
        _ => QoS::ExactlyOnce,
    }
}

/// A message the model tracks.
#[derive(Clone, Copy, Debug)]
struct Sent {
    qos: QoS,
    /// The session epoch it was published in.
    epoch: u32,
    may_expire: bool,
}

/// The reference model and its checks.
struct Model {
    v5: bool,
    next: u32,
    epoch: u32,
    ever_connected: bool,
    /// payload -> what was sent, per direction.
    up: BTreeMap<Vec<u8>, Sent>,
    down: BTreeMap<Vec<u8>, Sent>,
    /// payload -> times received, per direction.
    got_up: BTreeMap<Vec<u8>, u32>,
    got_down: BTreeMap<Vec<u8>, u32>,
    /// When the pending Will is due (after an abnormal close), if any.
    will_due: Option<Instant>,
    wills_expected: usize,
    wills_seen: usize,
}

static CASES: AtomicUsize = AtomicUsize::new(0);
static OPS: AtomicUsize = AtomicUsize::new(0);
static MESSAGES: AtomicUsize = AtomicUsize::new(0);
static RESUMES: AtomicUsize = AtomicUsize::new(0);
static WILLS: AtomicUsize = AtomicUsize::new(0);
static EXPIRIES: AtomicUsize = AtomicUsize::new(0);
static RESTARTS: AtomicUsize = AtomicUsize::new(0);

impl Model {
    fn payload(&mut self, dir: u8) -> Vec<u8> {
        self.next += 1;
        let mut p = vec![dir];
        p.extend_from_slice(&self.next.to_be_bytes());
        p
    }

    fn message(&mut self, dir: u8, q: u8, expiry: Option<u32>) -> (Message, Vec<u8>) {
        let payload = self.payload(dir);
        let mut m = Message::new(name("m/t"), Bytes::from(payload.clone()), qos(q));
        if self.v5 {
            m.properties.message_expiry_interval = expiry;
        }
        (m, payload)
    }

    fn track(&mut self, up: bool, payload: Vec<u8>, q: u8, expiry: Option<u32>) {
        let s = Sent {
            qos: qos(q),
            epoch: self.epoch,
            may_expire: expiry.is_some() && self.v5,
        };
        if up {
            self.up.insert(payload, s);
        } else {
            self.down.insert(payload, s);
        }
    }

    /// Folds new events into the model and checks the per-step invariants.
    fn observe(&mut self, l: &mut Link) -> Result<(), TestCaseError> {
        for e in l.take_client_events() {
            match e {
                ClientEvent::Received(m) => {
                    *self.got_down.entry(m.publish.payload.to_vec()).or_default() += 1;
                }
                ClientEvent::Connected { session_present } => {
                    if self.ever_connected && !session_present {
                        self.epoch += 1;
                    }
                    self.ever_connected = true;
                }
                _ => {}
            }
        }
        for e in l.take_server_events() {
            match e {
                ServerEvent::Published(p) => {
                    *self.got_up.entry(p.payload.to_vec()).or_default() += 1;
                }
                ServerEvent::WillReleased(_) => self.wills_seen += 1,
                ServerEvent::SessionExpired => {
                    EXPIRIES.fetch_add(1, Ordering::Relaxed);
                }
                _ => {}
            }
        }
        if let Some(due) = self.will_due {
            if l.now >= due {
                self.will_due = None;
                self.wills_expected += 1;
            }
        }
        prop_assert_eq!(self.wills_seen, self.wills_expected, "wills at {:?}", l.now);
        for (dir, sent, got) in [
            ("up", &self.up, &self.got_up),
            ("down", &self.down, &self.got_down),
        ] {
            for (p, n) in got {
                let s = sent.get(p);
                prop_assert!(s.is_some(), "{} received an unknown message", dir);
                if s.is_some_and(|s| s.qos == QoS::ExactlyOnce) {
                    prop_assert!(*n <= 1, "{} QoS 2 duplicate {:?}", dir, p);
                }
            }
        }
        prop_assert!(l.server.in_flight() <= usize::from(CLIENT_RECEIVE_MAX));
        if self.v5 {
            prop_assert!(l.client.in_flight() <= usize::from(SERVER_RECEIVE_MAX));
            prop_assert!(l.server.inbound_unreleased() <= usize::from(SERVER_RECEIVE_MAX));
        }
        Ok(())
    }

    /// The connection ended without a normal DISCONNECT at `now`: the Will is due at the
    /// earlier of the delay and the session's end.
    fn abnormal_close(&mut self, now: Instant) {
        let delay = if self.v5 {
            WILL_DELAY.min(SESSION_EXPIRY)
        } else {
            0
        };
        self.will_due = Some(now + Duration::from_secs(u64::from(delay)));
    }

    /// At the end, with the session alive and connected: every QoS 1/2 message of the current
    /// epoch that could not expire arrived.
    fn check_nothing_lost(&self) -> Result<(), TestCaseError> {
        for (dir, sent, got) in [
            ("up", &self.up, &self.got_up),
            ("down", &self.down, &self.got_down),
        ] {
            for (p, s) in sent {
                let required = s.qos != QoS::AtMostOnce && s.epoch == self.epoch && !s.may_expire;
                if required {
                    prop_assert!(got.contains_key(p), "{} lost {:?} ({:?})", dir, p, s);
                }
            }
        }
        Ok(())
    }
}

fn run_case(v5: bool, ops: &[Op]) -> Result<(), TestCaseError> {
    let version = if v5 {
        ProtocolVersion::V5
    } else {
        ProtocolVersion::V3_1_1
    };
    let mut c = persistent_config(version, SESSION_EXPIRY);
    c.keep_alive_secs = 30;
    c.will = Some(msg("will", b"w", QoS::AtLeastOnce));
    if v5 {
        c.will_delay_secs = Some(WILL_DELAY);
        c.properties.receive_maximum = NonZeroU16::new(CLIENT_RECEIVE_MAX);
    }
    let mut sc = ServerConfig::new();
    sc.capabilities.receive_maximum = NonZeroU16::new(SERVER_RECEIVE_MAX).expect("non-zero");
    let mut l = Link::new(c, sc);
    let mut m = Model {
        v5,
        next: 0,
        epoch: 0,
        ever_connected: false,
        up: BTreeMap::new(),
        down: BTreeMap::new(),
        got_up: BTreeMap::new(),
        got_down: BTreeMap::new(),
        will_due: None,
        wills_expected: 0,
        wills_seen: 0,
    };
    l.connect();
    m.observe(&mut l)?;
    for &op in ops {
        match op {
            Op::ClientPublish(q, e) => {
                let (msg, p) = m.message(0, q, e);
                if q == 0 && !l.client.is_connected() {
                    continue;
                }
                l.client.publish(l.now, msg).expect("publish");
                m.track(true, p, q, e);
                l.run();
            }
            Op::ServerDeliver(q, e) => {
                let (msg, p) = m.message(1, q, e);
                let out = mqtt_session::Outgoing::new(
                    msg,
                    mqtt_session::codec::SubscriptionOptions::new(QoS::ExactlyOnce),
                );
                let target = if l.server.is_connected() {
                    Some(&mut l.server)
                } else {
                    l.parked.as_mut()
                };
                let Some(target) = target else { continue };
                if target.deliver(l.now, out).is_ok() {
                    m.track(false, p, q, e);
                }
                l.run();
            }
            Op::Drop | Op::LoseAndDrop(_) => {
                if !l.client.is_connected() {
                    continue;
                }
                if let Op::LoseAndDrop(q) = op {
                    l.drop_to_client = true;
                    let (msg, p) = m.message(0, q, None);
                    l.client.publish(l.now, msg).expect("publish");
                    m.track(true, p, q, None);
                    l.run();
                    l.drop_to_client = false;
                }
                l.drop_connection();
                m.abnormal_close(l.now);
            }
            Op::Disconnect(with_will) => {
                if !l.client.is_connected() {
                    continue;
                }
                let with_will = with_will && v5;
                let code = if with_will {
                    ReasonCode::DISCONNECT_WITH_WILL_MESSAGE
                } else {
                    ReasonCode::SUCCESS
                };
                l.client.disconnect(l.now, code).expect("disconnect");
                l.run();
                l.drop_connection();
                if with_will {
                    // 0x04: the Will follows the normal rules [MQTT-3.1.2-8].
                    m.abnormal_close(l.now);
                }
            }
            Op::Reconnect(held, q) => {
                if l.client.is_connected() {
                    continue;
                }
                let mut routed = Vec::new();
                for _ in 0..held {
                    let (msg, p) = m.message(1, q, None);
                    let options = mqtt_session::codec::SubscriptionOptions::new(QoS::ExactlyOnce);
                    l.before_accept
                        .push(mqtt_session::Outgoing::new(msg, options));
                    m.track(false, p.clone(), q, None);
                    routed.push(p);
                }
                // A reconnection before the Will is due cancels it [MQTT-3.1.3-9].
                m.will_due = None;
                l.connect();
                // The held messages belong to the session the CONNECT was accepted into
                // (resumed or new): they are tracked in its epoch.
                m.observe(&mut l)?;
                for p in &routed {
                    if let Some(s) = m.down.get_mut(p) {
                        s.epoch = m.epoch;
                    }
                }
            }
            Op::Advance(s) => l.advance(Duration::from_secs(u64::from(s))),
            Op::Restart => {
                let Some(parked) = l.parked.take() else {
                    continue;
                };
                let bytes = parked.export_state().to_bytes().expect("encode the state");
                let state = SessionState::decode(&bytes).expect("decode the state");
                l.parked = Some(ServerSession::offline(sc, version, state, l.now));
                RESTARTS.fetch_add(1, Ordering::Relaxed);
                l.run();
            }
        }
        m.observe(&mut l)?;
    }
    // Settle: reconnect and let everything finish.
    if !l.client.is_connected() {
        m.will_due = None;
        l.connect();
    }
    l.advance(Duration::from_secs(1));
    m.observe(&mut l)?;
    m.check_nothing_lost()?;
    OPS.fetch_add(ops.len(), Ordering::Relaxed);
    MESSAGES.fetch_add(m.up.len() + m.down.len(), Ordering::Relaxed);
    RESUMES.fetch_add(l.resumes, Ordering::Relaxed);
    WILLS.fetch_add(m.wills_seen, Ordering::Relaxed);
    CASES.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

fn run(v5: bool) {
    let mut runner = TestRunner::new(Config {
        cases: 512,
        ..Config::default()
    });
    let result = runner.run(&proptest::collection::vec(op(), 1..40), |ops| {
        run_case(v5, &ops)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn model_pair_v5() {
    run(true);
    eprintln!(
        "model_pair totals so far: {} cases, {} ops, {} messages, {} resumes, {} wills, {} session expiries, {} restarts",
        CASES.load(Ordering::Relaxed),
        OPS.load(Ordering::Relaxed),
        MESSAGES.load(Ordering::Relaxed),
        RESUMES.load(Ordering::Relaxed),
        WILLS.load(Ordering::Relaxed),
        EXPIRIES.load(Ordering::Relaxed),
        RESTARTS.load(Ordering::Relaxed),
    );
}

#[test]
fn model_pair_v311() {
    run(false);
}
