//! The `server_session` target: [`ServerSession`]s (one per connection, a session handed from
//! one to the next) driven by op sequences, against a wire-level model of what the client sees
//! (see [`crate::server_session`]).

use std::collections::{BTreeMap, BTreeSet};

use core::num::{NonZeroU16, NonZeroU32};
use core::time::Duration;

use arbitrary::{Result, Unstructured};
use bytes::{Bytes, BytesMut};
use mqtt_codec::{
    Auth, AuthProperties, BinaryData, ConnAckProperties, Connect, Decoder, Delivery, Disconnect,
    Encoder, Limits, MqttString, Packet, PacketId, ProtocolVersion, PubAck, PubComp, PubRec,
    PubRel, Publish, PublishTopic, QoS, ReasonCode, Subscribe, Subscription, SubscriptionId,
    SubscriptionOptions, Unsubscribe, Will,
};
use mqtt_session::{
    Instant, Message, OutboundStage, Outgoing, PeerLimits, ServerConfig, ServerEvent,
    ServerSession, SessionError, SessionState,
};

use crate::VERSIONS;
use crate::session::{
    MAX_OPS, chunks, decode_all, filter, frame_len, moved, name, packet_id, qos, reason,
    skip_as_known, small_nonzero, time_step,
};

/// The Authentication Method the fuzzing client uses for enhanced authentication.
const AUTH_METHOD: &str = "m";

/// Runs one input (see [`crate::server_session`]).
pub(crate) fn run(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(config) = config(&mut u) else {
        return;
    };
    let mut fuzz = Fuzz::new(config);
    for _ in 0..MAX_OPS {
        if u.is_empty() || fuzz.stop {
            break;
        }
        if fuzz.step(&mut u).is_err() {
            break;
        }
    }
}

/// A server configuration: capabilities announced in CONNACK, keep-alive, CONNECT timeout.
fn config(u: &mut Unstructured<'_>) -> Result<ServerConfig> {
    let mut c = ServerConfig::new();
    let mut caps = PeerLimits::default();
    if u.arbitrary()? {
        caps.receive_maximum = small_nonzero(u)?;
    }
    if u.ratio(1, 4)? {
        caps.maximum_qos = *u.choose(&[QoS::AtMostOnce, QoS::AtLeastOnce])?;
    }
    caps.retain_available = u.ratio(7, 8)?;
    if u.ratio(1, 4)? {
        caps.maximum_packet_size = NonZeroU32::new(u.int_in_range(1..=300)?);
    }
    caps.topic_alias_maximum = u.int_in_range(0..=3)?;
    caps.wildcard_subscription_available = u.ratio(7, 8)?;
    caps.shared_subscription_available = u.ratio(7, 8)?;
    caps.subscription_identifiers_available = u.ratio(7, 8)?;
    c.capabilities = caps;
    if u.ratio(1, 4)? {
        c.server_keep_alive = Some(*u.choose(&[0, 1, 10, 100])?);
    }
    c.connect_timeout = Duration::from_millis(u.int_in_range(1..=40_000)?);
    Ok(c)
}

/// An outbound QoS 1/2 PUBLISH the client saw and has not acknowledged.
#[derive(Clone, Copy, Debug)]
struct Pending {
    qos: QoS,
    /// PUBREC (success) arrived: PUBREL is due, never the PUBLISH again.
    released: bool,
}

/// A QoS 1/2 message delivered while the CONNECT decision was pending.
#[derive(Debug)]
struct Held {
    /// Its PUBLISH as `accept` must queue it (but for the packet id and the expiry left).
    publish: Publish,
    /// The QoS it must go out with: min(message, subscription).
    qos: QoS,
    /// When its Message Expiry Interval runs out (it is never numbered then).
    expires_at: Option<Instant>,
}

impl Held {
    /// Whether `p` is this message (numbered). The expiry left is not compared, but whether
    /// there is one is: it makes the packet larger, so of two messages otherwise equal one may
    /// fit the client and the other not.
    fn is(&self, p: &Publish) -> bool {
        p.topic == self.publish.topic
            && p.payload == self.publish.payload
            && p.retain == self.publish.retain
            && p.subscription_ids == self.publish.subscription_ids
            && p.properties.message_expiry_interval.is_some() == self.expires_at.is_some()
    }
}

/// What the client knows of one network connection.
#[derive(Debug)]
struct Conn {
    /// Follows what the session consumed (a server's decoder: the version comes from CONNECT).
    mirror: Decoder,
    /// The client's decoder for what the session sends, once the version is known.
    from_server: Option<Decoder>,
    /// Bytes on their way to the session that it has not consumed.
    to_server: BytesMut,
    version: Option<ProtocolVersion>,
    /// The CONNECT the session read.
    connect: Option<Connect>,
    /// `ConnectRequested` was reported and no decision made yet.
    deciding: bool,
    connack_sent: bool,
    /// CONNACK accepted the connection (reason 0x00).
    accepted: bool,
    /// It had Session Present = 1 and its resends are being checked.
    resuming: bool,
    /// It had Session Present = 1: PUBLISHes from earlier connections may be resent (DUP = 1)
    /// for as long as it lasts, since those the window had no room for go out as it frees.
    resumed: bool,
    /// The last `accept` was given a stored state.
    accept_with_state: bool,
    sent_here: BTreeSet<u16>,
    pubrel_here: BTreeSet<u16>,
    disconnect_sent: bool,
    closed: bool,
    /// The session sent something on this connection.
    sent_any: bool,
    /// QoS 1/2 messages delivered while the CONNECT decision was pending (held without a
    /// packet id until `accept`), in order.
    held: Vec<Held>,
}

impl Conn {
    fn new() -> Self {
        Self {
            mirror: Decoder::awaiting_connect(Limits::default()),
            from_server: None,
            to_server: BytesMut::new(),
            version: None,
            connect: None,
            deciding: false,
            connack_sent: false,
            accepted: false,
            resuming: false,
            resumed: false,
            accept_with_state: false,
            sent_here: BTreeSet::new(),
            pubrel_here: BTreeSet::new(),
            disconnect_sent: false,
            closed: false,
            sent_any: false,
            held: Vec::new(),
        }
    }

    /// The client's Receive Maximum, Maximum Packet Size and Topic Alias Maximum.
    fn client_limits(&self) -> (u16, Option<NonZeroU32>, u16) {
        match &self.connect {
            Some(c) if c.protocol.is_v5() => (
                c.properties
                    .receive_maximum
                    .map_or(u16::MAX, NonZeroU16::get),
                c.properties.maximum_packet_size,
                c.properties.topic_alias_maximum.unwrap_or(0),
            ),
            _ => (u16::MAX, None, 0),
        }
    }
}

/// What one drain produced.
#[derive(Debug, Default)]
struct Drained {
    packets: Vec<Packet>,
    events: Vec<ServerEvent>,
}

impl Drained {
    fn is_empty(&self) -> bool {
        self.packets.is_empty() && self.events.is_empty()
    }
}

/// The session under test and the model of what its client saw.
#[derive(Debug)]
struct Fuzz {
    config: ServerConfig,
    session: ServerSession,
    conn: Conn,
    now: Instant,
    latest: Instant,
    /// The version the fuzzing client speaks on this connection.
    version: ProtocolVersion,
    pending: BTreeMap<u16, Pending>,
    /// QoS each `deliver` id must go out with.
    expected_qos: BTreeMap<u16, QoS>,
    /// SUBSCRIBE / UNSUBSCRIBE waiting for `grant`: filter count.
    requests: BTreeMap<u16, usize>,
    acked: BTreeSet<u16>,
    /// The state the previous connection's session left for this one.
    stored: Option<SessionState>,
    /// `accept` succeeded (resuming the stored state or not): the next drain checks how the
    /// held messages were numbered.
    numbering: Option<bool>,
    stop: bool,
}

impl Fuzz {
    fn new(config: ServerConfig) -> Self {
        Self {
            session: ServerSession::new(config, Instant::ZERO),
            config,
            conn: Conn::new(),
            now: Instant::ZERO,
            latest: Instant::ZERO,
            version: ProtocolVersion::V5,
            pending: BTreeMap::new(),
            expected_qos: BTreeMap::new(),
            requests: BTreeMap::new(),
            acked: BTreeSet::new(),
            stored: None,
            numbering: None,
            stop: false,
        }
    }

    fn step(&mut self, u: &mut Unstructured<'_>) -> Result<()> {
        let now = self.now;
        let op = u.int_in_range(0..=15u8)?;
        if crate::session::tracing() {
            eprintln!("op {op} at {now:?} (clock {:?})", self.latest);
        }
        match op {
            0..=3 => {
                let mut bytes = BytesMut::new();
                for _ in 0..u.int_in_range(1..=3)? {
                    let packet = self.client_packet(u)?;
                    let _ = Encoder::client(self.version).encode(&packet, &mut bytes);
                }
                let sizes = chunks(u, bytes.len())?;
                self.feed(&bytes, &sizes);
            }
            4 => {
                let len = u.int_in_range(0..=48)?;
                let bytes: Vec<u8> = (0..len).map(|_| u.arbitrary()).collect::<Result<_>>()?;
                let sizes = chunks(u, bytes.len())?;
                self.feed(&bytes, &sizes);
            }
            5 => {
                let mut props = ConnAckProperties::default();
                if u.ratio(1, 4)? {
                    props.assigned_client_identifier = Some(MqttString::from_static("assigned"));
                }
                if u.ratio(1, 4)? {
                    props.session_expiry_interval = Some(*u.choose(&[0, 5, 100, u32::MAX])?);
                }
                if u.ratio(1, 4)? {
                    props.reason_string = Some(MqttString::from_static("welcome"));
                }
                let state = if u.ratio(3, 4)? {
                    self.stored.clone()
                } else {
                    None
                };
                let deciding = self.conn.deciding && !self.conn.closed;
                self.conn.accept_with_state = state.is_some();
                let resumes =
                    state.is_some() && self.conn.connect.as_ref().is_some_and(|c| !c.clean_start);
                let result = self.session.accept(now, props, state);
                if result.is_ok() {
                    assert!(deciding, "accept without a CONNECT waiting");
                    self.conn.deciding = false;
                    self.numbering = Some(resumes);
                } else {
                    assert!(
                        !deciding || matches!(result, Err(mqtt_session::UsageError::Encode(_))),
                        "accept refused: {result:?}"
                    );
                }
                self.drain();
            }
            6 => {
                let code = if self.version.is_v5() {
                    reason(
                        u,
                        &[
                            ReasonCode::NOT_AUTHORIZED,
                            ReasonCode::BAD_USER_NAME_OR_PASSWORD,
                        ],
                    )?
                } else {
                    ReasonCode(u.int_in_range(1..=6)?)
                };
                let deciding = self.conn.deciding && !self.conn.closed;
                let result = self.session.refuse(now, code);
                if result.is_ok() {
                    assert!(deciding, "refuse without a CONNECT waiting");
                    self.conn.deciding = false;
                }
                self.drain();
            }
            7 | 8 => {
                let out = self.outgoing(u)?;
                let expected = out.message.qos.min(out.options.qos);
                let suppressed = out.options.no_local && out.from_self;
                let deciding = self.conn.deciding && !self.conn.closed;
                let held = self.held(&out);
                let result = self.session.deliver(now, out);
                if deciding {
                    // Before `accept` the session to resume is unknown: held, no id yet.
                    assert_eq!(
                        result,
                        Ok(None),
                        "deliver while the CONNECT decision is pending"
                    );
                    if !suppressed && expected != QoS::AtMostOnce {
                        self.conn.held.push(held);
                    }
                }
                match result {
                    Ok(Some(id)) => {
                        assert!(!suppressed, "a no_local message from itself got id {id:?}");
                        assert_ne!(expected, QoS::AtMostOnce, "QoS 0 delivery got id {id:?}");
                        assert!(
                            !self.conn.accepted || !self.pending.contains_key(&id.get()),
                            "deliver allocated id {} in flight",
                            id.get()
                        );
                        self.expected_qos.insert(id.get(), expected);
                    }
                    Ok(None) => {}
                    Err(e) => assert!(!e.to_string().is_empty()),
                }
                self.drain();
            }
            9 => {
                let ids: Vec<u16> = self.requests.keys().copied().collect();
                let id = packet_id(u, &ids)?;
                let n = match self.requests.get(&id.get()) {
                    Some(n) if u.ratio(7, 8)? => *n,
                    _ => u.int_in_range(0..=3)?,
                };
                let codes = (0..n)
                    .map(|_| {
                        reason(
                            u,
                            &[
                                ReasonCode::SUCCESS,
                                ReasonCode::GRANTED_QOS_1,
                                ReasonCode::GRANTED_QOS_2,
                                ReasonCode(0x80),
                                ReasonCode::NO_SUBSCRIPTION_EXISTED,
                            ],
                        )
                    })
                    .collect::<Result<Vec<_>>>()?;
                if self.session.grant(now, id, codes).is_ok() {
                    self.requests.remove(&id.get());
                }
                self.drain();
            }
            10 => {
                let code = reason(
                    u,
                    &[
                        ReasonCode::SERVER_SHUTTING_DOWN,
                        ReasonCode::ADMINISTRATIVE_ACTION,
                        ReasonCode::SUCCESS,
                    ],
                )?;
                let was_open = !self.conn.closed;
                let result = self.session.disconnect(now, code);
                if result.is_ok() {
                    assert!(was_open, "disconnect accepted on a closed connection");
                }
                self.drain();
            }
            11 => {
                let kind = u.int_in_range(0..=3u8)?;
                let step = time_step(u)?;
                self.timeout(kind, step);
            }
            12 => {
                let step = time_step(u)?;
                let back = u.ratio(1, 4)?;
                self.now = moved(self.now, step, back);
                if u.arbitrary()? {
                    let was_open = !self.conn.closed;
                    self.session.handle_disconnected(self.now);
                    let d = self.drain();
                    if !self.stop {
                        let closed = d
                            .events
                            .iter()
                            .filter(|e| matches!(e, ServerEvent::Closed(_)))
                            .count();
                        assert_eq!(closed, usize::from(was_open), "handle_disconnected: {d:?}");
                    }
                } else {
                    self.drain();
                }
            }
            13 => {
                let take_over = u.arbitrary()?;
                let resume = u.arbitrary()?;
                self.new_connection(take_over, resume);
            }
            14 => {
                let data = if u.arbitrary()? {
                    BinaryData::copy_from_slice(b"d").ok()
                } else {
                    None
                };
                let _ = if u.arbitrary()? {
                    self.session.auth_continue(now, data)
                } else {
                    self.session.auth_success(now, data)
                };
                self.drain();
            }
            _ => {
                let state = self.session.export_state();
                let mut buf = BytesMut::new();
                if state.encode(&mut buf).is_ok() {
                    let back = SessionState::decode(&buf).unwrap_or_else(|e| {
                        panic!("an encoded state does not decode: {e}; {state:?}")
                    });
                    let literal_share = state.subscriptions.iter().any(|s| {
                        let f = &s.subscription.filter;
                        f.filter().starts_with("$share/") && f.share_group().is_none()
                    });
                    if back != state
                        && literal_share
                        && skip_as_known("state-codec-v3-share-filter-becomes-shared")
                    {
                        self.stop = true;
                        return Ok(());
                    }
                    assert_eq!(back, state, "SessionState encode/decode round trip");
                }
                self.drain();
            }
        }
        Ok(())
    }

    /// `out` as the session must hold it if the CONNECT decision is pending.
    fn held(&self, out: &Outgoing) -> Held {
        let v5 = self
            .conn
            .connect
            .as_ref()
            .is_some_and(|c| c.protocol.is_v5());
        let mut publish = Publish::new(out.message.topic.clone(), out.message.payload.clone());
        publish.retain =
            out.message.retain && (out.options.retain_as_published || out.retained_on_subscribe);
        if v5 {
            publish.subscription_ids = out.subscription_ids.clone();
        }
        let interval = out
            .message
            .properties
            .message_expiry_interval
            .filter(|_| v5);
        let clock = self.latest.max(self.now);
        Held {
            publish,
            qos: out.message.qos.min(out.options.qos),
            expires_at: interval.map(|s| clock + Duration::from_secs(u64::from(s))),
        }
    }

    /// After `accept` (before the packets it queued are checked): the messages held while
    /// deciding now have ids, behind the resumed session's. Finds them in the session's state
    /// (in order; one that expired while held, or did not fit the client, is gone) and records
    /// the QoS each must go out with. A stored message `accept` gave up (`dropped`) may have
    /// left its id to a held one. Without a resumed session the old ids mean nothing any more.
    fn number_held(&mut self, resumes: bool, dropped: &BTreeSet<u16>) {
        let stored: BTreeSet<u16> = if resumes {
            self.stored
                .iter()
                .flat_map(|s| &s.outbound)
                .filter_map(|m| m.publish.delivery.packet_id())
                .map(PacketId::get)
                .filter(|id| !dropped.contains(id))
                .collect()
        } else {
            self.expected_qos.clear();
            BTreeSet::new()
        };
        let clock = self.latest.max(self.now);
        let held = core::mem::take(&mut self.conn.held);
        let mut held = held
            .iter()
            .filter(|h| h.expires_at.is_none_or(|at| clock < at));
        for m in self.session.export_state().outbound {
            let Some(id) = m.publish.delivery.packet_id() else {
                panic!("a QoS 0 message in the session state: {m:?}");
            };
            if stored.contains(&id.get()) {
                continue;
            }
            // (One that did not fit the client is skipped; equal ones share its fate.)
            let Some(h) = held.by_ref().find(|h| h.is(&m.publish)) else {
                panic!("accept queued a message nobody delivered: {m:?}");
            };
            assert_eq!(
                m.publish.qos(),
                h.qos,
                "a held message numbered with another QoS"
            );
            assert!(
                self.expected_qos.insert(id.get(), h.qos).is_none(),
                "a held message numbered {} like a stored one",
                id.get()
            );
        }
    }

    /// A packet a client could send.
    fn client_packet(&mut self, u: &mut Unstructured<'_>) -> Result<Packet> {
        let pending: Vec<u16> = self.pending.keys().copied().collect();
        Ok(match u.int_in_range(0..=11u8)? {
            0 | 1 => {
                let version = *u.choose(&VERSIONS)?;
                self.version = version;
                let id = *u.choose(&["c", "client-1", ""])?;
                let mut c = Connect::new(version, MqttString::new(id).expect("a valid string"));
                c.clean_start = u.arbitrary()?;
                c.keep_alive_secs = *u.choose(&[0, 1, 5, 60])?;
                if version.is_v5() {
                    let p = &mut c.properties;
                    if u.arbitrary()? {
                        p.receive_maximum = Some(small_nonzero(u)?);
                    }
                    if u.ratio(1, 4)? {
                        p.maximum_packet_size = NonZeroU32::new(u.int_in_range(1..=300)?);
                    }
                    if u.arbitrary()? {
                        p.topic_alias_maximum = Some(u.int_in_range(0..=3)?);
                    }
                    if u.arbitrary()? {
                        p.session_expiry_interval = Some(*u.choose(&[0, 5, 100, u32::MAX])?);
                    }
                    if u.ratio(1, 8)? {
                        p.request_problem_information = Some(u.arbitrary()?);
                    }
                    if u.ratio(1, 8)? {
                        p.authentication_method = Some(MqttString::from_static(AUTH_METHOD));
                    }
                }
                if u.ratio(1, 4)? {
                    let mut will = Will::new(name(u)?, &b"gone"[..]);
                    will.qos = qos(u)?;
                    if version.is_v5() && u.arbitrary()? {
                        will.properties.will_delay_interval = Some(u.int_in_range(0..=10)?);
                    }
                    c.will = Some(will);
                }
                Packet::from(c)
            }
            2 | 3 => {
                let q = qos(u)?;
                let id = packet_id(u, &[1, 2, 3])?;
                let mut p = Publish::new(name(u)?, Bytes::from_static(b"m"));
                p.delivery = match q {
                    QoS::AtMostOnce => Delivery::AtMostOnce,
                    QoS::AtLeastOnce => Delivery::AtLeastOnce(id),
                    QoS::ExactlyOnce => Delivery::ExactlyOnce(id),
                };
                p.dup = q != QoS::AtMostOnce && u.ratio(1, 4)?;
                p.retain = u.ratio(1, 8)?;
                if self.version.is_v5() && u.ratio(1, 4)? {
                    let alias = NonZeroU16::new(u.int_in_range(1..=4)?).unwrap_or(NonZeroU16::MIN);
                    p.topic = match (p.topic.clone(), u.arbitrary()?) {
                        (PublishTopic::Name(n), true) => PublishTopic::NameAndAlias(n, alias),
                        _ => PublishTopic::Alias(alias),
                    };
                }
                Packet::Publish(p)
            }
            4 => {
                let code = if self.version.is_v5() {
                    reason(u, &[ReasonCode::SUCCESS, ReasonCode::QUOTA_EXCEEDED])?
                } else {
                    ReasonCode::SUCCESS
                };
                Packet::PubAck(PubAck::with_reason(packet_id(u, &pending)?, code))
            }
            5 => {
                let code = if self.version.is_v5() {
                    reason(u, &[ReasonCode::SUCCESS, ReasonCode::QUOTA_EXCEEDED])?
                } else {
                    ReasonCode::SUCCESS
                };
                Packet::PubRec(PubRec::with_reason(packet_id(u, &pending)?, code))
            }
            6 => Packet::PubRel(PubRel::new(packet_id(u, &[1, 2, 3])?)),
            7 => Packet::PubComp(PubComp::new(packet_id(u, &pending)?)),
            8 => {
                let mut subs = Vec::new();
                for _ in 0..u.int_in_range(1..=3)? {
                    let mut options = SubscriptionOptions::new(qos(u)?);
                    if self.version.is_v5() {
                        options.no_local = u.ratio(1, 4)?;
                        options.retain_as_published = u.ratio(1, 4)?;
                    }
                    let mut s = Subscription::new(filter(u, self.version)?, QoS::AtMostOnce);
                    s.options = options;
                    subs.push(s);
                }
                let mut s = Subscribe::new(packet_id(u, &[1, 2, 3])?, subs);
                if self.version.is_v5() && u.ratio(1, 4)? {
                    s.properties.subscription_identifier =
                        SubscriptionId::new(u.int_in_range(1..=3)?);
                }
                Packet::Subscribe(s)
            }
            9 => Packet::Unsubscribe(Unsubscribe::new(
                packet_id(u, &[1, 2, 3])?,
                vec![filter(u, self.version)?],
            )),
            10 => {
                if self.version.is_v5() && u.ratio(1, 4)? {
                    let mut a = Auth::new(*u.choose(&[
                        ReasonCode::CONTINUE_AUTHENTICATION,
                        ReasonCode::RE_AUTHENTICATE,
                    ])?);
                    let mut props = AuthProperties::default();
                    props.authentication_method = Some(MqttString::from_static(AUTH_METHOD));
                    a.properties = props;
                    Packet::Auth(a)
                } else if u.arbitrary()? {
                    let mut d = Disconnect::with_reason(reason(
                        u,
                        &[
                            ReasonCode::SUCCESS,
                            ReasonCode::DISCONNECT_WITH_WILL_MESSAGE,
                        ],
                    )?);
                    if self.version.is_v5() && u.ratio(1, 4)? {
                        d.properties.session_expiry_interval = Some(u.int_in_range(0..=10)?);
                    }
                    if !self.version.is_v5() {
                        d = Disconnect::new();
                    }
                    Packet::Disconnect(d)
                } else {
                    Packet::PingReq
                }
            }
            _ => Packet::PingReq,
        })
    }

    /// A routed message.
    fn outgoing(&self, u: &mut Unstructured<'_>) -> Result<Outgoing> {
        let len = if u.ratio(1, 8)? {
            u.int_in_range(0..=300)?
        } else {
            u.int_in_range(0..=8)?
        };
        let mut msg = Message::new(name(u)?, Bytes::from(vec![b'p'; len]), qos(u)?);
        msg.retain = u.ratio(1, 4)?;
        if u.ratio(1, 4)? {
            msg.properties.message_expiry_interval = Some(*u.choose(&[0, 1, 5, 100])?);
        }
        let mut options = SubscriptionOptions::new(qos(u)?);
        options.no_local = u.ratio(1, 8)?;
        options.retain_as_published = u.ratio(1, 4)?;
        let mut out = Outgoing::new(msg, options);
        out.from_self = u.ratio(1, 4)?;
        out.retained_on_subscribe = u.ratio(1, 8)?;
        if u.ratio(1, 4)? {
            out.subscription_ids = [SubscriptionId::new(u.int_in_range(1..=3)?).expect("nonzero")]
                .into_iter()
                .collect();
        }
        Ok(out)
    }

    /// A new network connection: the old session is taken over (or just dropped, its state
    /// exported first), and a new `ServerSession` waits for CONNECT.
    fn new_connection(&mut self, take_over: bool, resume: bool) {
        let state = if take_over {
            let state = self.session.take_over(self.now, resume);
            if !resume {
                assert!(state.is_none(), "take_over without resume returned a state");
            }
            self.drain();
            if self.stop {
                return;
            }
            assert!(
                self.conn.closed || self.conn.connect.is_none(),
                "take_over left the connection open"
            );
            state
        } else {
            Some(self.session.export_state())
        };
        // What the client has unacknowledged is what the stored session has in flight.
        self.pending = state
            .iter()
            .flat_map(|s| &s.outbound)
            .filter(|m| m.stage != OutboundStage::Queued)
            .filter_map(|m| {
                let id = m.publish.delivery.packet_id()?;
                Some((
                    id.get(),
                    Pending {
                        qos: m.publish.qos(),
                        released: m.stage == OutboundStage::Released,
                    },
                ))
            })
            .collect();
        // Ids the previous session no longer has (expired, dropped, session ended) are free.
        let kept: BTreeSet<u16> = state
            .iter()
            .flat_map(|s| &s.outbound)
            .filter_map(|m| m.publish.delivery.packet_id())
            .map(PacketId::get)
            .collect();
        self.expected_qos.retain(|id, _| kept.contains(id));
        self.stored = state;
        self.session = ServerSession::new(self.config, self.now);
        self.latest = self.now;
        self.conn = Conn::new();
        self.requests.clear();
        self.drain();
    }

    /// `handle_timeout` at the deadline, before it, backwards, or ahead.
    fn timeout(&mut self, kind: u8, step: Duration) {
        let deadline = self.session.poll_timeout();
        let t = match (kind, deadline) {
            (0, Some(d)) => d,
            (1, Some(d)) if d > self.latest => {
                let gap = d - self.latest;
                moved(d, gap.min(step).max(Duration::from_micros(1)), true)
            }
            (2, _) => moved(self.now, step, true),
            _ => moved(self.now, step, false),
        };
        self.now = t;
        let clock = self.latest.max(t);
        let early = deadline.is_none_or(|d| clock < d);
        self.session.handle_timeout(t);
        self.latest = clock;
        let d = self.drain();
        if self.stop {
            return;
        }
        if early && !d.is_empty() {
            let only_expiry = d.packets.is_empty()
                && d.events
                    .iter()
                    .all(|e| matches!(e, ServerEvent::Expired(_)));
            if self.conn.deciding
                && only_expiry
                && skip_as_known("server-poll-timeout-misses-expiry-while-deciding")
            {
                self.stop = true;
                return;
            }
            assert!(
                d.is_empty(),
                "handle_timeout({t:?}) before the deadline {deadline:?} (clock {clock:?}) did {d:?}"
            );
        }
        self.session.handle_timeout(t);
        let again = self.drain();
        if self.stop {
            return;
        }
        assert!(
            again.is_empty(),
            "handle_timeout({t:?}) is not idempotent: {again:?}"
        );
        if let Some(next) = self.session.poll_timeout() {
            assert!(
                next > clock,
                "poll_timeout() = {next:?} right after handle_timeout at {clock:?}"
            );
        }
    }

    /// Feeds bytes in chunks, at most one whole frame per `handle_bytes` call. While a CONNECT
    /// decision is pending the bytes wait (the session would hold one packet back and handle
    /// it in `accept`, which the wire model cannot place).
    fn feed(&mut self, bytes: &[u8], sizes: &[usize]) {
        let now = self.now;
        let mut offset = 0;
        for &size in sizes {
            if self.stop {
                return;
            }
            let end = (offset + size).min(bytes.len());
            self.conn
                .to_server
                .extend_from_slice(bytes.get(offset..end).unwrap_or_default());
            offset = end;
            loop {
                if self.conn.deciding && !self.conn.closed {
                    break;
                }
                let available = self.conn.to_server.len();
                let take = frame_len(&self.conn.to_server).map_or(available, |n| n.min(available));
                let mut rx = self.conn.to_server.split_to(take);
                let given = rx.clone();
                let was_open = !self.conn.closed;
                let had_connect = self.conn.connect.is_some();
                let result = self.session.handle_bytes(now, &mut rx);
                let consumed = given.len() - rx.len();
                rx.unsplit(core::mem::take(&mut self.conn.to_server));
                self.conn.to_server = rx;
                if !was_open {
                    assert_eq!(
                        result,
                        Err(SessionError::Closed),
                        "handle_bytes after Closed"
                    );
                    assert_eq!(consumed, 0, "handle_bytes after Closed read bytes");
                }
                if consumed > 0 {
                    let frame = given.get(..consumed).unwrap_or_default();
                    let packets = decode_all(&mut self.conn.mirror, frame, "fuzzer (mirror)");
                    assert_eq!(packets.len(), 1, "one frame per call, got {packets:?}");
                    for (p, _) in packets {
                        if crate::session::tracing() {
                            eprintln!("  received {p:?}");
                        }
                        self.received(p);
                    }
                }
                let first_connect = consumed > 0 && !had_connect && self.conn.connect.is_some();
                self.drain();
                if first_connect && !self.stop && !self.conn.deciding && !self.conn.closed {
                    // The CONNECT went unanswered: no ConnectRequested, no refusal, no Closed.
                    let tiny = self.conn.client_limits().1.is_some_and(|m| m.get() < 5);
                    if tiny && skip_as_known("server-refusal-connack-too-large-hangs") {
                        self.stop = true;
                        return;
                    }
                    panic!(
                        "a CONNECT was read but neither reported nor refused: {:?}",
                        self.conn.connect
                    );
                }
                if consumed == 0 || result.is_err() || self.stop {
                    break;
                }
            }
        }
    }

    /// The session processed `p` from the client.
    fn received(&mut self, p: Packet) {
        self.acked.clear();
        if let Packet::Connect(c) = &p
            && self.conn.connect.is_none()
        {
            self.conn.version = Some(c.protocol);
            self.conn.from_server = Some(Decoder::client(c.protocol, Limits::default()));
            self.conn.connect = Some(Connect::clone(c));
            return;
        }
        if !self.conn.accepted {
            return;
        }
        let conn = &mut self.conn;
        let mut done = |id: PacketId, pending: &mut BTreeMap<u16, Pending>| {
            pending.remove(&id.get());
            conn.sent_here.remove(&id.get());
            self.acked.insert(id.get());
        };
        match &p {
            Packet::PubAck(a) => {
                if let Some(e) = self.pending.get(&a.packet_id.get())
                    && e.qos == QoS::AtLeastOnce
                {
                    done(a.packet_id, &mut self.pending);
                }
            }
            Packet::PubRec(r) => {
                if let Some(e) = self.pending.get_mut(&r.packet_id.get())
                    && e.qos == QoS::ExactlyOnce
                {
                    if r.reason_code.is_error() {
                        done(r.packet_id, &mut self.pending);
                    } else {
                        e.released = true;
                    }
                }
            }
            Packet::PubComp(c) => {
                if let Some(e) = self.pending.get(&c.packet_id.get())
                    && e.released
                {
                    done(c.packet_id, &mut self.pending);
                }
            }
            _ => {}
        }
    }

    /// Drains `poll_transmit` and `poll_event`, checking what went out and what was reported.
    fn drain(&mut self) -> Drained {
        if self.stop {
            return Drained::default();
        }
        self.latest = self.latest.max(self.now);
        let mut tx = BytesMut::from(&b"\xA5"[..]);
        let mut total = 0;
        loop {
            let before = tx.len();
            let n = self.session.poll_transmit(self.now, &mut tx);
            assert_eq!(tx.len() - before, n, "poll_transmit miscounted");
            if n == 0 {
                break;
            }
            total += n;
        }
        assert_eq!(
            tx.first(),
            Some(&0xA5),
            "poll_transmit overwrote the buffer"
        );
        let bytes = tx.get(1..).unwrap_or_default().to_vec();
        assert_eq!(bytes.len(), total);
        let events: Vec<ServerEvent> = core::iter::from_fn(|| self.session.poll_event()).collect();
        // A message given up is never sent, so its id is free for the packets of this drain
        // already (`accept` may drop a resend, then number a held message with its id).
        let mut dropped = BTreeSet::new();
        for e in &events {
            if let ServerEvent::Dropped { id: Some(id), .. } = e {
                self.pending.remove(&id.get());
                self.conn.sent_here.remove(&id.get());
                dropped.insert(id.get());
            }
        }
        if let Some(resumes) = self.numbering.take() {
            self.number_held(resumes, &dropped);
        }
        let mut out = Drained::default();
        if !bytes.is_empty() {
            assert!(
                !self.conn.closed,
                "sent {bytes:02x?} after Closed (a session serves one connection)"
            );
            let packets = match &mut self.conn.from_server {
                Some(decoder) => decode_all(decoder, &bytes, "server"),
                None => {
                    // No CONNECT read: only a refusal of an unreadable one (5.0 or 3.1.1 form).
                    let v5 = try_decode(ProtocolVersion::V5, &bytes);
                    let v311 = try_decode(ProtocolVersion::V3_1_1, &bytes);
                    let packets = v5.or(v311).unwrap_or_else(|| {
                        panic!("sent {bytes:02x?} before reading a CONNECT: not a CONNACK")
                    });
                    assert!(
                        // A refusal: 5.0 reason codes >= 0x80, 3.x return codes 1-5.
                        matches!(packets.as_slice(), [(Packet::ConnAck(c), _)] if c.reason_code != ReasonCode::SUCCESS),
                        "sent {packets:?} before reading a CONNECT"
                    );
                    packets
                }
            };
            for (p, len) in packets {
                if crate::session::tracing() {
                    eprintln!("  sent {p:?}");
                }
                self.sent(&p, len);
                out.packets.push(p);
                if self.stop {
                    return out;
                }
            }
        }
        for e in events {
            if crate::session::tracing() {
                eprintln!("  event {e:?}");
            }
            self.event(&e);
            out.events.push(e);
            if self.stop {
                return out;
            }
        }
        self.check_resends();
        out
    }

    /// The session sent `p` (`len` bytes).
    fn sent(&mut self, p: &Packet, len: usize) {
        let conn = &mut self.conn;
        assert!(
            !conn.disconnect_sent,
            "[MQTT-3.14.4-1] {p:?} sent after DISCONNECT"
        );
        let first = !conn.sent_any;
        conn.sent_any = true;
        if first && conn.connect.is_some() {
            assert!(
                matches!(p, Packet::ConnAck(_) | Packet::Auth(_)),
                "[MQTT-3.2.0-1] the first packet sent is {p:?}, not CONNACK"
            );
        }
        let (receive_maximum, max_size, alias_max) = conn.client_limits();
        if let Some(max) = max_size {
            assert!(
                len as u64 <= u64::from(max.get()),
                "[MQTT-3.1.2-24] a {len}-byte packet over the client's Maximum Packet Size {max}: {p:?}"
            );
        }
        match p {
            Packet::ConnAck(c) => {
                assert!(!conn.connack_sent, "a second CONNACK");
                conn.connack_sent = true;
                if c.reason_code == ReasonCode::SUCCESS {
                    conn.accepted = true;
                    // 3.1 has no Session Present flag: a stored session with Clean Session = 0
                    // is resumed all the same.
                    let resumed = match &conn.connect {
                        Some(connect) if connect.protocol == ProtocolVersion::V3_1 => {
                            conn.accept_with_state && !connect.clean_start
                        }
                        _ => c.session_present,
                    };
                    if resumed {
                        conn.resuming = true;
                        conn.resumed = true;
                    } else {
                        self.pending.clear();
                    }
                }
            }
            Packet::Publish(publish) => {
                assert!(
                    conn.accepted,
                    "[MQTT-3.2.0-1] PUBLISH before CONNACK accepted"
                );
                if let Some(alias) = publish.topic.alias() {
                    assert!(
                        alias.get() <= alias_max,
                        "[MQTT-3.1.2-26] topic alias {alias} over the client's maximum {alias_max}"
                    );
                }
                let Some(id) = publish.delivery.packet_id() else {
                    return;
                };
                let key = id.get();
                let resend = self.pending.contains_key(&key);
                match self.pending.get(&key) {
                    Some(e) => {
                        assert!(
                            conn.resumed && !conn.sent_here.contains(&key),
                            "PUBLISH {key} reuses the id of an unacknowledged PUBLISH"
                        );
                        assert!(publish.dup, "[MQTT-3.3.1-1] a resent PUBLISH without DUP");
                        assert_eq!(e.qos, publish.qos(), "resent with another QoS");
                        assert!(!e.released, "PUBLISH {key} resent after PUBREC");
                    }
                    None => {
                        assert!(!publish.dup, "[MQTT-3.3.1-1] a first PUBLISH with DUP = 1");
                        if let Some(q) = self.expected_qos.remove(&key) {
                            assert_eq!(
                                publish.qos(),
                                q,
                                "deliver: QoS is min(message, subscription)"
                            );
                        }
                        self.pending.insert(
                            key,
                            Pending {
                                qos: publish.qos(),
                                released: false,
                            },
                        );
                    }
                }
                conn.sent_here.insert(key);
                let in_flight = conn.sent_here.len();
                if in_flight > usize::from(receive_maximum) {
                    if resend && skip_as_known("server-resend-over-receive-maximum") {
                        self.stop = true;
                        return;
                    }
                    panic!(
                        "[MQTT-3.3.4-7] {in_flight} unacknowledged QoS 1/2 PUBLISHes sent on this \
                         connection, over the client's Receive Maximum {receive_maximum} \
                         (PUBLISH {key}, resend {resend})"
                    );
                }
            }
            Packet::PubRel(r) if r.reason_code == ReasonCode::PACKET_IDENTIFIER_NOT_FOUND => {
                // The answer to a PUBREC that matches no QoS 2 exchange (e.g. one for a QoS 1
                // message's id): it releases nothing.
            }
            Packet::PubRel(r) => {
                if let Some(e) = self.pending.get(&r.packet_id.get()) {
                    assert!(
                        e.qos == QoS::ExactlyOnce && e.released,
                        "PUBREL {} for a PUBLISH without PUBREC: {e:?}",
                        r.packet_id.get()
                    );
                }
                conn.pubrel_here.insert(r.packet_id.get());
            }
            Packet::Disconnect(_) => conn.disconnect_sent = true,
            _ => {}
        }
    }

    fn event(&mut self, e: &ServerEvent) {
        match e {
            ServerEvent::Closed(reason) => {
                assert!(!self.conn.closed, "a second Closed: {reason:?}");
                self.conn.closed = true;
                self.requests.clear();
            }
            ServerEvent::ConnectRequested(c) => {
                assert_eq!(
                    Some(&**c),
                    self.conn.connect.as_ref(),
                    "ConnectRequested differs from the CONNECT read"
                );
                self.conn.deciding = true;
            }
            ServerEvent::SubscribeRequested(s) => {
                self.requests
                    .insert(s.packet_id.get(), s.subscriptions.len());
            }
            ServerEvent::UnsubscribeRequested(s) => {
                self.requests.insert(s.packet_id.get(), s.filters.len());
            }
            ServerEvent::Published(p) => {
                assert!(
                    p.topic.name().is_some(),
                    "Published without a topic name: {p:?}"
                );
            }
            ServerEvent::Delivered(id) => assert!(
                self.acked.contains(&id.get()),
                "{e:?} without the client acknowledging it"
            ),
            // (`Dropped`: given up, the id is free again; applied before the drain's packets.)
            // (Before CONNACK the session is fresh: the stored session's ids are not its own.)
            ServerEvent::Expired(id) => {
                let clash = self.conn.accepted && self.pending.contains_key(&id.get());
                assert!(!clash, "{e:?} for a PUBLISH the client has");
            }
            _ => {}
        }
    }

    /// After Session Present = 1, unacknowledged PUBLISHes (as the window allows) and PUBRELs
    /// are resent [MQTT-4.4.0-1].
    fn check_resends(&mut self) {
        let conn = &mut self.conn;
        if !conn.resuming || conn.closed {
            return;
        }
        conn.resuming = false;
        let (receive_maximum, _, _) = conn.client_limits();
        for (id, e) in &self.pending {
            if e.released {
                assert!(
                    conn.pubrel_here.contains(id),
                    "[MQTT-4.4.0-1] PUBREL {id} not resent after Session Present = 1"
                );
            } else {
                // PUBRELs count toward the window too: a QoS 2 message is outstanding until
                // PUBCOMP, so resent PUBRELs may leave no room for this PUBLISH yet.
                assert!(
                    conn.sent_here.contains(id)
                        || conn.sent_here.len() + conn.pubrel_here.len()
                            >= usize::from(receive_maximum),
                    "[MQTT-4.4.0-1] PUBLISH {id} not resent after Session Present = 1"
                );
            }
        }
    }
}

/// Decodes `bytes` with a client's decoder of `version`, if it reads them whole.
fn try_decode(version: ProtocolVersion, bytes: &[u8]) -> Option<Vec<(Packet, usize)>> {
    let mut decoder = Decoder::client(version, Limits::default());
    let mut rx = BytesMut::from(bytes);
    let mut out = Vec::new();
    loop {
        let before = rx.len();
        match decoder.decode(&mut rx) {
            Ok(Some(p)) => out.push((p, before - rx.len())),
            Ok(None) if rx.is_empty() => return Some(out),
            _ => return None,
        }
    }
}
