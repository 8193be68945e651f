//! The `client_session` target: a [`ClientSession`] driven by op sequences, against a wire-level
//! model of what a server sees (see [`crate::client_session`]).

use std::collections::{BTreeMap, BTreeSet};

use core::num::{NonZeroU16, NonZeroU32};
use core::time::Duration;

use arbitrary::{Result, Unstructured};
use bytes::{Bytes, BytesMut};
use mqtt_codec::{
    Auth, AuthProperties, BinaryData, ConnAck, ConnAckProperties, Decoder, Delivery, Disconnect,
    Encoder, Limits, MqttString, Packet, PacketId, PacketType, ProtocolVersion, PubAck, PubComp,
    PubRec, PubRel, Publish, PublishTopic, QoS, ReasonCode, RetainHandling, SubAck,
    SubscribeProperties, Subscription, SubscriptionId, UnsubAck,
};
use mqtt_session::{
    AckToken, ClientConfig, ClientEvent, ClientSession, CloseReason, Instant, Message,
    SessionError, SessionState, UsageError,
};

use crate::VERSIONS;
use crate::session::{
    MAX_OPS, chunks, decode_all, filter, frame_len, moved, name, packet_id, qos, reason,
    skip_as_known, small_nonzero, time_step,
};

/// The Authentication Method of configurations with enhanced authentication.
const AUTH_METHOD: &str = "m";

/// Runs one input (see [`crate::client_session`]).
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

/// A client configuration: version, identifier, keep-alive, acknowledgments, 5.0 limits.
fn config(u: &mut Unstructured<'_>) -> Result<ClientConfig> {
    let version = *u.choose(&VERSIONS)?;
    let id = *u.choose(&["c", "client-1", "", "a-client-identifier-longer-than-23"])?;
    let mut c = ClientConfig::new(version, MqttString::new(id).expect("a valid string"));
    c.clean_start = u.arbitrary()?;
    let any = u.arbitrary()?;
    c.keep_alive_secs = *u.choose(&[0, 1, 5, 60, any])?;
    c.auto_ack = u.ratio(2, 3)?;
    c.response_timeout = Duration::from_millis(u.int_in_range(1..=40_000)?);
    if version.is_v5() || u.ratio(1, 16)? {
        let p = &mut c.properties;
        if u.arbitrary()? {
            p.receive_maximum = Some(small_nonzero(u)?);
        }
        if u.arbitrary()? {
            p.topic_alias_maximum = Some(u.int_in_range(0..=4)?);
        }
        if u.arbitrary()? {
            p.session_expiry_interval = Some(*u.choose(&[0, 60, u32::MAX])?);
        }
        if u.ratio(1, 4)? {
            p.maximum_packet_size = NonZeroU32::new(u.int_in_range(1..=400)?);
        }
        if u.ratio(1, 4)? {
            p.authentication_method = Some(MqttString::from_static(AUTH_METHOD));
        }
    }
    if u.ratio(1, 4)? {
        let mut will = Message::new(name(u)?, &b"gone"[..], qos(u)?);
        will.retain = u.arbitrary()?;
        c.will = Some(will);
        if version.is_v5() && u.arbitrary()? {
            c.will_delay_secs = Some(u.int_in_range(0..=10)?);
        }
    }
    if u.ratio(1, 8)? {
        c.username = Some(MqttString::from_static("user"));
    }
    if u.ratio(1, 8)? {
        c.password = BinaryData::copy_from_slice(b"pw").ok();
    }
    Ok(c)
}

/// An outbound QoS 1/2 PUBLISH the server saw and has not acknowledged.
#[derive(Clone, Copy, Debug)]
struct Pending {
    qos: QoS,
    /// PUBREC (success) arrived: the client must send PUBREL, never the PUBLISH again.
    released: bool,
}

/// A SUBSCRIBE / UNSUBSCRIBE the server saw and has not acknowledged: kind and filter count.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum Request {
    Subscribe(usize),
    Unsubscribe(usize),
}

/// What the server knows of one network connection.
#[derive(Debug)]
struct Conn {
    /// The server's decoder for what the client sends.
    from_client: Decoder,
    /// Bytes on their way to the client that it has not consumed.
    to_client: BytesMut,
    /// Decodes what the client consumed, to follow what it processed.
    mirror: Decoder,
    connect_seen: bool,
    clean_start_sent: bool,
    awaiting_connack: bool,
    /// A CONNACK accepted the connection.
    connected: bool,
    /// The server's limits from that CONNACK.
    receive_maximum: u16,
    maximum_qos: QoS,
    retain_available: bool,
    maximum_packet_size: Option<NonZeroU32>,
    topic_alias_maximum: u16,
    /// The accepted CONNACK had Session Present = 1 and its resends are being checked.
    resuming: bool,
    /// It had Session Present = 1: PUBLISHes from earlier connections may be resent (DUP = 1)
    /// for as long as it lasts, since those the window had no room for go out as it frees.
    resumed: bool,
    /// Outbound QoS 1/2 ids whose PUBLISH went out on this connection, unacknowledged.
    sent_here: BTreeSet<u16>,
    /// PUBREL went out on this connection for these ids.
    pubrel_here: BTreeSet<u16>,
    disconnect_sent: bool,
    /// The client reported `Closed` for this connection.
    closed: bool,
}

impl Conn {
    fn new(version: ProtocolVersion) -> Self {
        Self {
            from_client: Decoder::awaiting_connect(Limits::default()),
            to_client: BytesMut::new(),
            mirror: Decoder::client(version, Limits::default()),
            connect_seen: false,
            clean_start_sent: false,
            awaiting_connack: false,
            connected: false,
            receive_maximum: u16::MAX,
            maximum_qos: QoS::ExactlyOnce,
            retain_available: true,
            maximum_packet_size: None,
            topic_alias_maximum: 0,
            resuming: false,
            resumed: false,
            sent_here: BTreeSet::new(),
            pubrel_here: BTreeSet::new(),
            disconnect_sent: false,
            closed: false,
        }
    }
}

/// What one drain produced.
#[derive(Debug, Default)]
struct Drained {
    packets: Vec<Packet>,
    events: Vec<ClientEvent>,
}

impl Drained {
    fn is_empty(&self) -> bool {
        self.packets.is_empty() && self.events.is_empty()
    }
}

/// The session under test and the model of what its server saw.
#[derive(Debug)]
struct Fuzz {
    client: ClientSession,
    version: ProtocolVersion,
    /// The `now` the driver passes (may run backwards).
    now: Instant,
    /// The latest `now` passed to the session: its clock.
    latest: Instant,
    conn: Option<Conn>,
    pending: BTreeMap<u16, Pending>,
    requests: BTreeMap<u16, Request>,
    /// Outbound ids acknowledged by the packet just processed.
    acked: BTreeSet<u16>,
    tokens: Vec<AckToken>,
    /// Built by `resume` and no CONNACK accepted since: CONNECT must ask to resume.
    resumed: bool,
    /// A CONNACK accepted some connection of this session.
    ever_accepted: bool,
    /// The reason code of the last `disconnect` command (what its DISCONNECT carries in 5.0).
    local_reason: ReasonCode,
    /// A known open bug was hit while skipping them: stop.
    stop: bool,
}

impl Fuzz {
    fn new(config: ClientConfig) -> Self {
        let version = config.version;
        Self {
            client: ClientSession::new(config, Instant::ZERO),
            version,
            now: Instant::ZERO,
            latest: Instant::ZERO,
            conn: None,
            pending: BTreeMap::new(),
            requests: BTreeMap::new(),
            acked: BTreeSet::new(),
            tokens: Vec::new(),
            resumed: false,
            ever_accepted: false,
            local_reason: ReasonCode::SUCCESS,
            stop: false,
        }
    }

    /// Sets the driver's clock (the session sees it with the next call).
    fn set_now(&mut self, now: Instant) {
        self.now = now;
    }

    /// Whether the model thinks a connection is open (CONNECT sent, no `Closed`).
    fn open(&self) -> bool {
        self.conn.as_ref().is_some_and(|c| !c.closed)
    }

    /// Whether the model thinks a CONNACK accepted the open connection.
    fn connected(&self) -> bool {
        self.conn.as_ref().is_some_and(|c| c.connected && !c.closed)
    }

    fn plausible_ids(&self) -> Vec<u16> {
        self.pending
            .keys()
            .chain(self.requests.keys())
            .copied()
            .collect()
    }

    /// One op.
    fn step(&mut self, u: &mut Unstructured<'_>) -> Result<()> {
        let now = self.now;
        let op = u.int_in_range(0..=15u8)?;
        if crate::session::tracing() {
            eprintln!("op {op} at {now:?} (clock {:?})", self.latest);
        }
        match op {
            0 => self.connect(),
            1..=4 => {
                let mut bytes = BytesMut::new();
                for _ in 0..u.int_in_range(1..=3)? {
                    let packet = self.server_packet(u)?;
                    // Packets a server may not send are skipped: raw bytes cover those.
                    let _ = Encoder::server(self.version).encode(&packet, &mut bytes);
                }
                let sizes = chunks(u, bytes.len())?;
                self.feed(&bytes, &sizes);
            }
            5 => {
                let len = u.int_in_range(0..=48)?;
                let bytes: Vec<u8> = (0..len).map(|_| u.arbitrary()).collect::<Result<_>>()?;
                let sizes = chunks(u, bytes.len())?;
                self.feed(&bytes, &sizes);
            }
            6 | 7 => {
                let msg = self.message(u)?;
                let qos = msg.qos;
                let result = self.client.publish(now, msg);
                match result {
                    Ok(Some(id)) => {
                        assert_ne!(qos, QoS::AtMostOnce, "QoS 0 got packet id {id:?}");
                        self.check_fresh_id(id, "publish");
                    }
                    Ok(None) => {
                        assert_eq!(qos, QoS::AtMostOnce, "QoS {qos:?} publish without an id");
                        assert!(
                            self.connected(),
                            "QoS 0 publish accepted while not connected"
                        );
                    }
                    Err(e) => self.check_usage_error(&e),
                }
                self.drain();
            }
            8 => {
                let mut subs = Vec::new();
                for _ in 0..u.int_in_range(0..=3)? {
                    let mut s = Subscription::new(filter(u, self.version)?, qos(u)?);
                    if self.version.is_v5() && u.ratio(1, 4)? {
                        s.options.no_local = u.arbitrary()?;
                        s.options.retain_as_published = u.arbitrary()?;
                        s.options.retain_handling = *u.choose(&[
                            RetainHandling::SendAtSubscribe,
                            RetainHandling::SendIfNew,
                            RetainHandling::DoNotSend,
                        ])?;
                    }
                    subs.push(s);
                }
                let mut props = SubscribeProperties::default();
                if self.version.is_v5() && u.ratio(1, 4)? {
                    props.subscription_identifier = SubscriptionId::new(u.int_in_range(1..=3)?);
                }
                let result = self.client.subscribe_with(now, subs, props);
                self.check_request_result(result, "subscribe");
            }
            9 => {
                let mut filters = Vec::new();
                for _ in 0..u.int_in_range(0..=2)? {
                    filters.push(filter(u, self.version)?);
                }
                let result = self.client.unsubscribe(now, &filters);
                self.check_request_result(result, "unsubscribe");
            }
            10 => {
                if !self.tokens.is_empty() {
                    let i = u.choose_index(self.tokens.len())?;
                    let token = if u.ratio(3, 4)? {
                        self.tokens.remove(i)
                    } else {
                        self.tokens.get(i).copied().expect("index in range")
                    };
                    let _ = self.client.ack(now, token);
                    self.drain();
                }
            }
            11 => {
                let code = reason(
                    u,
                    &[
                        ReasonCode::SUCCESS,
                        ReasonCode::DISCONNECT_WITH_WILL_MESSAGE,
                        ReasonCode::UNSPECIFIED_ERROR,
                    ],
                )?;
                let was_open = self.open();
                self.local_reason = code;
                let result = self.client.disconnect(now, code);
                if result.is_ok() {
                    assert!(was_open, "disconnect accepted without an open connection");
                } else {
                    assert!(
                        !was_open || matches!(result, Err(UsageError::Encode(_))),
                        "disconnect refused on an open connection: {result:?}"
                    );
                }
                let d = self.drain();
                if result.is_ok() && !self.stop {
                    assert!(
                        d.events
                            .iter()
                            .any(|e| *e == ClientEvent::Closed(CloseReason::Local)),
                        "disconnect without Closed(Local): {:?}",
                        d.events
                    );
                }
            }
            12 => {
                let kind = u.int_in_range(0..=3u8)?;
                let step = time_step(u)?;
                self.timeout(kind, step);
            }
            13 => {
                let step = time_step(u)?;
                let back = u.ratio(1, 4)?;
                self.set_now(moved(self.now, step, back));
                if u.arbitrary()? {
                    self.disconnected();
                } else {
                    self.drain();
                }
            }
            14 => self.resume(),
            _ => {
                let data = if u.arbitrary()? {
                    BinaryData::copy_from_slice(b"d").ok()
                } else {
                    None
                };
                let _ = if u.arbitrary()? {
                    self.client.auth(now, data)
                } else {
                    self.client.reauthenticate(now, data)
                };
                self.drain();
            }
        }
        Ok(())
    }

    /// An application message to publish.
    fn message(&self, u: &mut Unstructured<'_>) -> Result<Message> {
        let payload_len = if u.ratio(1, 8)? {
            u.int_in_range(0..=300)?
        } else {
            u.int_in_range(0..=8)?
        };
        let mut msg = Message::new(name(u)?, Bytes::from(vec![b'p'; payload_len]), qos(u)?);
        msg.retain = u.ratio(1, 4)?;
        if self.version.is_v5() && u.ratio(1, 4)? {
            msg.properties.message_expiry_interval = Some(*u.choose(&[0, 1, 5, 100])?);
        }
        Ok(msg)
    }

    /// A packet a server could send: mostly plausible for the session's state.
    fn server_packet(&self, u: &mut Unstructured<'_>) -> Result<Packet> {
        let v5 = self.version.is_v5();
        let pending: Vec<u16> = self.pending.keys().copied().collect();
        let ids = self.plausible_ids();
        Ok(match u.int_in_range(0..=12u8)? {
            0 | 1 => {
                let refused = u.ratio(1, 8)?;
                let code = if !refused {
                    ReasonCode::SUCCESS
                } else if v5 {
                    reason(u, &[ReasonCode::NOT_AUTHORIZED, ReasonCode::SERVER_BUSY])?
                } else {
                    ReasonCode(u.int_in_range(1..=6)?)
                };
                let session_present =
                    !refused && self.version != ProtocolVersion::V3_1 && { u.arbitrary()? };
                let mut c = ConnAck::new(session_present, code);
                if v5 {
                    c.properties = connack_properties(u)?;
                }
                Packet::ConnAck(c)
            }
            2..=4 => {
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
                if v5 && u.ratio(1, 4)? {
                    let alias = NonZeroU16::new(u.int_in_range(1..=5)?).unwrap_or(NonZeroU16::MIN);
                    p.topic = match (p.topic.clone(), u.arbitrary()?) {
                        (PublishTopic::Name(n), true) => PublishTopic::NameAndAlias(n, alias),
                        _ => PublishTopic::Alias(alias),
                    };
                }
                Packet::Publish(p)
            }
            5 => {
                let id = packet_id(u, &pending)?;
                let code = if v5 {
                    reason(u, &[ReasonCode::SUCCESS, ReasonCode::QUOTA_EXCEEDED])?
                } else {
                    ReasonCode::SUCCESS
                };
                Packet::PubAck(PubAck::with_reason(id, code))
            }
            6 => {
                let id = packet_id(u, &pending)?;
                let code = if v5 {
                    reason(u, &[ReasonCode::SUCCESS, ReasonCode::QUOTA_EXCEEDED])?
                } else {
                    ReasonCode::SUCCESS
                };
                Packet::PubRec(PubRec::with_reason(id, code))
            }
            7 => Packet::PubRel(PubRel::new(packet_id(u, &[1, 2, 3])?)),
            8 => Packet::PubComp(PubComp::new(packet_id(u, &pending)?)),
            9 => {
                let id = packet_id(u, &ids)?;
                let n = match self.requests.get(&id.get()) {
                    Some(Request::Subscribe(n)) if u.ratio(7, 8)? => *n,
                    _ => u.int_in_range(1..=3)?,
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
                            ],
                        )
                    })
                    .collect::<Result<_>>()?;
                Packet::SubAck(SubAck::new(id, codes))
            }
            10 => {
                let id = packet_id(u, &ids)?;
                let codes = if v5 {
                    let n = match self.requests.get(&id.get()) {
                        Some(Request::Unsubscribe(n)) if u.ratio(7, 8)? => *n,
                        _ => u.int_in_range(1..=3)?,
                    };
                    vec![ReasonCode::SUCCESS; n]
                } else {
                    Vec::new()
                };
                Packet::UnsubAck(UnsubAck::new(id, codes))
            }
            11 => {
                if v5 && u.ratio(1, 3)? {
                    Packet::Disconnect(Disconnect::with_reason(reason(
                        u,
                        &[ReasonCode::SERVER_SHUTTING_DOWN, ReasonCode::SUCCESS],
                    )?))
                } else if v5 && u.arbitrary()? {
                    let code = reason(
                        u,
                        &[
                            ReasonCode::CONTINUE_AUTHENTICATION,
                            ReasonCode::SUCCESS,
                            ReasonCode::RE_AUTHENTICATE,
                        ],
                    )?;
                    let mut a = Auth::new(code);
                    let mut props = AuthProperties::default();
                    props.authentication_method =
                        Some(MqttString::from_static(if u.ratio(7, 8)? {
                            AUTH_METHOD
                        } else {
                            "other"
                        }));
                    a.properties = props;
                    Packet::Auth(a)
                } else {
                    Packet::PingResp
                }
            }
            _ => Packet::PingResp,
        })
    }

    // ----- inputs -----

    /// `handle_connected`.
    fn connect(&mut self) {
        let was_open = self.open();
        match self.client.handle_connected(self.now) {
            Ok(()) => {
                assert!(!was_open, "handle_connected accepted on an open connection");
                if let Some(old) = &self.conn {
                    assert!(old.closed, "a connection ended without Closed");
                }
                self.conn = Some(Conn::new(self.version));
            }
            Err(UsageError::AlreadyConnected) => {
                assert!(was_open, "AlreadyConnected without an open connection");
            }
            Err(e) => self.check_usage_error(&e),
        }
        self.drain();
    }

    /// `handle_disconnected`.
    fn disconnected(&mut self) {
        let was_open = self.open();
        self.client.handle_disconnected(self.now);
        let d = self.drain();
        if self.stop {
            return;
        }
        let closed = d
            .events
            .iter()
            .filter(|e| matches!(e, ClientEvent::Closed(_)))
            .count();
        assert_eq!(
            closed,
            usize::from(was_open),
            "handle_disconnected: Closed events {:?}",
            d.events
        );
        self.conn = None;
        assert!(!self.client.is_connected());
    }

    /// `export_state`, the state's binary form, and `resume` (a restart: the transport is gone).
    fn resume(&mut self) {
        let state = self.client.export_state();
        let mut buf = BytesMut::new();
        if state.encode(&mut buf).is_ok() {
            let back = SessionState::decode(&buf)
                .unwrap_or_else(|e| panic!("an encoded state does not decode: {e}; {state:?}"));
            assert_eq!(back, state, "SessionState encode/decode round trip");
        }
        let ids: BTreeSet<u16> = state
            .outbound
            .iter()
            .filter_map(|m| m.publish.delivery.packet_id())
            .map(PacketId::get)
            .collect();
        for id in self.pending.keys() {
            assert!(
                ids.contains(id),
                "export_state lost unacknowledged PUBLISH {id}: {state:?}"
            );
        }
        let config = self.client.config().clone();
        self.client = ClientSession::resume(config, state, self.now);
        // A new session: its clock starts at the `now` it was built with.
        self.latest = self.now;
        self.conn = None;
        self.requests.clear();
        self.resumed = true;
        self.drain();
    }

    /// `handle_timeout` at a time picked by `kind`: the deadline, before it, backwards, ahead.
    fn timeout(&mut self, kind: u8, step: Duration) {
        let deadline = self.client.poll_timeout();
        let t = match (kind, deadline) {
            (0, Some(d)) => d,
            (1, Some(d)) if d > self.latest => {
                let gap = d - self.latest;
                moved(d, gap.min(step).max(Duration::from_micros(1)), true)
            }
            (2, _) => moved(self.now, step, true),
            _ => moved(self.now, step, false),
        };
        self.set_now(t);
        let clock = self.latest.max(t);
        let early = deadline.is_none_or(|d| clock < d);
        if crate::session::tracing() {
            eprintln!(
                "  handle_timeout({t:?}), deadline {deadline:?}, connected {}",
                self.client.is_connected()
            );
        }
        self.client.handle_timeout(t);
        self.latest = clock;
        let d = self.drain();
        if self.stop {
            return;
        }
        if early {
            assert!(
                d.is_empty(),
                "handle_timeout({t:?}) before the deadline {deadline:?} (clock {:?}) did {d:?}",
                self.latest
            );
        }
        self.client.handle_timeout(t);
        let again = self.drain();
        if self.stop {
            return;
        }
        assert!(
            again.is_empty(),
            "handle_timeout({t:?}) is not idempotent: {again:?}"
        );
        if let Some(next) = self.client.poll_timeout() {
            assert!(
                next > self.latest,
                "poll_timeout() = {next:?} right after handle_timeout at {:?}",
                self.latest
            );
        }
    }

    /// Feeds bytes in chunks; each `handle_bytes` call gets at most one whole frame, and what
    /// the session sends in response is drained before the next.
    fn feed(&mut self, bytes: &[u8], sizes: &[usize]) {
        let now = self.now;
        if self.conn.is_none() {
            let mut rx = BytesMut::from(bytes);
            let result = self.client.handle_bytes(now, &mut rx);
            assert_eq!(
                result,
                Err(SessionError::Closed),
                "handle_bytes without a connection"
            );
            assert_eq!(
                rx.len(),
                bytes.len(),
                "handle_bytes without a connection read"
            );
            self.drain();
            return;
        }
        let mut offset = 0;
        for &size in sizes {
            if self.stop {
                return;
            }
            let end = (offset + size).min(bytes.len());
            let piece = bytes.get(offset..end).unwrap_or_default();
            offset = end;
            let Some(conn) = &mut self.conn else { return };
            conn.to_client.extend_from_slice(piece);
            loop {
                let Some(conn) = &mut self.conn else { return };
                let available = conn.to_client.len();
                let take = frame_len(&conn.to_client).map_or(available, |n| n.min(available));
                let mut rx = conn.to_client.split_to(take);
                let given = rx.clone();
                let was_open = !conn.closed;
                let result = self.client.handle_bytes(now, &mut rx);
                let consumed = given.len() - rx.len();
                rx.unsplit(core::mem::take(&mut conn.to_client));
                conn.to_client = rx;
                if !was_open {
                    assert_eq!(
                        result,
                        Err(SessionError::Closed),
                        "handle_bytes after Closed"
                    );
                }
                if let Err(SessionError::Closed) = result {
                    assert!(!was_open, "handle_bytes refused an open connection");
                }
                let mut due = None;
                if consumed > 0 {
                    let frame = given.get(..consumed).unwrap_or_default();
                    let packets = decode_all(&mut conn.mirror, frame, "fuzzer (mirror)");
                    assert_eq!(packets.len(), 1, "one frame per call, got {packets:?}");
                    for (p, _) in packets {
                        if crate::session::tracing() {
                            eprintln!("  received {p:?}");
                        }
                        due = self.answer_due(&p);
                        self.received(p);
                    }
                }
                let d = self.drain();
                if let Some(due) = due
                    && !self.stop
                {
                    check_answered(due, &d);
                }
                if consumed == 0 || result.is_err() || self.stop {
                    break;
                }
            }
        }
    }

    /// The answer the protocol requires to `p` from the server on an accepted connection, as
    /// the reference and the IDs saying so, when it is certain: PUBACK to a QoS 1 PUBLISH with
    /// automatic acknowledgments [MQTT-4.3.2-4], PUBREL to a success PUBREC [MQTT-4.3.3-4],
    /// PUBCOMP to PUBREL [MQTT-4.3.3-11].
    fn answer_due(&self, p: &Packet) -> Option<(PacketType, PacketId, &'static str)> {
        if !self.connected() {
            return None;
        }
        match p {
            Packet::Publish(publish) if self.client.config().auto_ack => match publish.delivery {
                Delivery::AtLeastOnce(id) => Some((PacketType::PubAck, id, "[MQTT-4.3.2-4]")),
                _ => None,
            },
            Packet::PubRec(r) if !r.reason_code.is_error() => {
                Some((PacketType::PubRel, r.packet_id, "[MQTT-4.3.3-4]"))
            }
            Packet::PubRel(r) => Some((PacketType::PubComp, r.packet_id, "[MQTT-4.3.3-11]")),
            _ => None,
        }
    }

    /// The session processed `p` from the server: follow its effect on the server's view.
    fn received(&mut self, p: Packet) {
        let v5 = self.version.is_v5();
        let Some(conn) = &mut self.conn else { return };
        self.acked.clear();
        if let Packet::ConnAck(c) = &p {
            if conn.awaiting_connack {
                conn.awaiting_connack = false;
                if c.reason_code == ReasonCode::SUCCESS
                    && !(c.session_present && conn.clean_start_sent)
                {
                    conn.connected = true;
                    self.ever_accepted = true;
                    self.resumed = false;
                    if v5 {
                        let props: &ConnAckProperties = &c.properties;
                        conn.receive_maximum = props.receive_maximum.map_or(u16::MAX, |m| m.get());
                        conn.maximum_qos = props.maximum_qos.unwrap_or(QoS::ExactlyOnce);
                        conn.retain_available = props.retain_available.unwrap_or(true);
                        conn.maximum_packet_size = props.maximum_packet_size;
                        conn.topic_alias_maximum = props.topic_alias_maximum.unwrap_or(0);
                    }
                    if c.session_present {
                        conn.resuming = true;
                        conn.resumed = true;
                    } else {
                        self.pending.clear();
                    }
                }
            }
            return;
        }
        if !conn.connected {
            return;
        }
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
            Packet::SubAck(s)
                if self.requests.get(&s.packet_id.get())
                    == Some(&Request::Subscribe(s.reason_codes.len())) =>
            {
                self.requests.remove(&s.packet_id.get());
            }
            Packet::UnsubAck(a) => {
                if let Some(Request::Unsubscribe(n)) = self.requests.get(&a.packet_id.get())
                    && (!v5 || *n == a.reason_codes.len())
                {
                    self.requests.remove(&a.packet_id.get());
                }
            }
            _ => {}
        }
    }

    // ----- outputs -----

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
            let n = self.client.poll_transmit(self.now, &mut tx);
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
        let mut out = Drained::default();
        if crate::session::tracing() && !bytes.is_empty() {
            eprintln!("  sent {} bytes", bytes.len());
        }
        if !bytes.is_empty() {
            let Some(conn) = &mut self.conn else {
                panic!("sent {bytes:02x?} without a connection");
            };
            assert!(
                !conn.closed,
                "sent {bytes:02x?} after Closed, before handle_connected"
            );
            for (p, len) in decode_all(&mut conn.from_client, &bytes, "client") {
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
        while let Some(e) = self.client.poll_event() {
            if crate::session::tracing() {
                eprintln!("  event {e:?}");
            }
            self.event(&e, &out.packets);
            out.events.push(e);
        }
        self.check_resends();
        self.check_ids_in_use();
        assert_eq!(
            self.client.is_connected(),
            self.connected(),
            "is_connected disagrees with the CONNACK the session processed"
        );
        out
    }

    /// The session sent `p` (`len` bytes on the wire).
    fn sent(&mut self, p: &Packet, len: usize) {
        let v5 = self.version.is_v5();
        let Some(conn) = &mut self.conn else { return };
        assert!(
            !conn.disconnect_sent,
            "[MQTT-3.14.4-1] {p:?} sent after DISCONNECT"
        );
        if let Some(max) = conn.maximum_packet_size {
            assert!(
                len as u64 <= u64::from(max.get()),
                "[MQTT-3.2.2-15] a {len}-byte packet over the server's Maximum Packet Size {max}: {p:?}"
            );
        }
        match p {
            Packet::Connect(c) => {
                assert!(!conn.connect_seen, "[MQTT-3.1.0-2] a second CONNECT");
                conn.connect_seen = true;
                conn.clean_start_sent = c.clean_start;
                conn.awaiting_connack = true;
                let config = self.client.config();
                let outlives = if v5 {
                    config.properties.session_expiry_interval.unwrap_or(0) > 0
                } else {
                    !config.clean_start
                };
                let expected = if self.resumed {
                    false
                } else if self.ever_accepted {
                    !outlives
                } else {
                    config.clean_start
                };
                assert_eq!(
                    c.clean_start, expected,
                    "Clean Start (resumed {}, accepted before {}) differs from the documented rule",
                    self.resumed, self.ever_accepted
                );
            }
            Packet::Publish(publish) => {
                // A resend after Session Present = 1 (checked below) that breaks a limit of
                // the new CONNACK is a known open bug while it is listed.
                let resend = publish
                    .delivery
                    .packet_id()
                    .is_some_and(|id| self.pending.contains_key(&id.get()));
                let mut broken = None;
                if publish.qos() > conn.maximum_qos {
                    broken = Some((
                        "resend-over-maximum-qos",
                        format!(
                            "[MQTT-3.2.2-11] PUBLISH at {:?} above the server's Maximum QoS {:?}",
                            publish.qos(),
                            conn.maximum_qos
                        ),
                    ));
                } else if publish.retain && !conn.retain_available {
                    broken = Some((
                        "resend-retain-not-available",
                        "[MQTT-3.2.2-14] PUBLISH with RETAIN while Retain Available = 0".to_owned(),
                    ));
                }
                if let Some((known, why)) = broken {
                    if resend && skip_as_known(known) {
                        self.stop = true;
                        return;
                    }
                    panic!("{why} (a resend: {resend}): {publish:?}");
                }
                if let Some(alias) = publish.topic.alias() {
                    assert!(
                        alias.get() <= conn.topic_alias_maximum,
                        "[MQTT-3.2.2-17] topic alias {alias} over the server's maximum {}",
                        conn.topic_alias_maximum
                    );
                }
                let Some(id) = publish.delivery.packet_id() else {
                    return;
                };
                let key = id.get();
                assert!(
                    !self.requests.contains_key(&key),
                    "PUBLISH {key} reuses the id of a SUBSCRIBE/UNSUBSCRIBE in flight"
                );
                match self.pending.get(&key) {
                    Some(e) => {
                        // Only a resend on a new connection after Session Present = 1.
                        assert!(
                            conn.resumed && !conn.sent_here.contains(&key),
                            "PUBLISH {key} reuses the id of an unacknowledged PUBLISH"
                        );
                        assert!(publish.dup, "[MQTT-3.3.1-1] a resent PUBLISH without DUP");
                        assert_eq!(e.qos, publish.qos(), "resent with another QoS");
                        assert!(
                            !e.released,
                            "[MQTT-4.3.3-5] PUBLISH {key} resent after PUBREC (PUBREL is due)"
                        );
                    }
                    None => {
                        assert!(!publish.dup, "[MQTT-3.3.1-1] a first PUBLISH with DUP = 1");
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
                let maximum = usize::from(conn.receive_maximum);
                if in_flight > maximum {
                    if resend && skip_as_known("resend-over-receive-maximum") {
                        self.stop = true;
                        return;
                    }
                    panic!(
                        "[MQTT-3.3.4-9] {in_flight} unacknowledged QoS 1/2 PUBLISHes sent on this \
                         connection, over the server's Receive Maximum {maximum} (PUBLISH {key}, \
                         DUP {})",
                        publish.dup
                    );
                }
            }
            Packet::Subscribe(s) => {
                self.check_request_id(s.packet_id);
                self.requests
                    .insert(s.packet_id.get(), Request::Subscribe(s.subscriptions.len()));
            }
            Packet::Unsubscribe(s) => {
                self.check_request_id(s.packet_id);
                self.requests
                    .insert(s.packet_id.get(), Request::Unsubscribe(s.filters.len()));
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

    /// A SUBSCRIBE / UNSUBSCRIBE id must not be in use.
    fn check_request_id(&self, id: PacketId) {
        let key = id.get();
        assert!(
            !self.pending.contains_key(&key) && !self.requests.contains_key(&key),
            "SUBSCRIBE/UNSUBSCRIBE {key} reuses an id in flight"
        );
    }

    /// The session reported `e`; `sent` went out in the same drain.
    fn event(&mut self, e: &ClientEvent, sent: &[Packet]) {
        match e {
            ClientEvent::Closed(reason) => {
                let Some(conn) = &mut self.conn else {
                    panic!("Closed({reason:?}) without a connection");
                };
                assert!(
                    !conn.closed,
                    "a second Closed for one connection: {reason:?}"
                );
                conn.closed = true;
                self.requests.clear();
                if let CloseReason::PacketTooLarge { packet, size, max } = reason {
                    // Only for a packet the protocol requires, really over the CONNACK's limit;
                    // DISCONNECT 0x95 goes last when it fits, else nothing closes it.
                    assert!(
                        matches!(
                            packet,
                            PacketType::Publish
                                | PacketType::PubAck
                                | PacketType::PubRec
                                | PacketType::PubRel
                                | PacketType::PubComp
                                | PacketType::PingReq
                        ),
                        "Closed({reason:?}) for a packet that is not required"
                    );
                    assert!(self.version.is_v5(), "Closed({reason:?}) in 3.x");
                    assert_eq!(
                        conn.maximum_packet_size.map(NonZeroU32::get),
                        Some(*max),
                        "Closed({reason:?}): not the CONNACK's Maximum Packet Size"
                    );
                    assert!(
                        *size > u64::from(*max),
                        "Closed({reason:?}) for a packet that fits"
                    );
                    let disconnect =
                        Packet::Disconnect(Disconnect::with_reason(ReasonCode::PACKET_TOO_LARGE));
                    let small = Encoder::new(self.version)
                        .encoded_len(&disconnect)
                        .unwrap_or(usize::MAX);
                    if small as u64 <= u64::from(*max) {
                        assert_eq!(
                            sent.last(),
                            Some(&disconnect),
                            "Closed({reason:?}): DISCONNECT 0x95 fits and must go last"
                        );
                    } else {
                        assert!(
                            !sent.iter().any(|p| matches!(p, Packet::Disconnect(_))),
                            "Closed({reason:?}): a DISCONNECT over the Maximum Packet Size"
                        );
                    }
                    return;
                }
                let v5 = self.version.is_v5();
                let expected = match reason {
                    CloseReason::ProtocolError(err) if v5 => {
                        Disconnect::with_reason(err.reason_code())
                    }
                    CloseReason::Local if v5 => Disconnect::with_reason(self.local_reason),
                    CloseReason::Local => Disconnect::new(),
                    _ => return,
                };
                let Some(last) = sent.last() else {
                    // Too large for the server's Maximum Packet Size is the only excuse (that
                    // DISCONNECT, with its reason code: 0x00 takes 2 bytes, others 3).
                    let small = Encoder::new(self.version)
                        .encoded_len(&Packet::Disconnect(expected))
                        .unwrap_or(0);
                    assert!(
                        conn.maximum_packet_size
                            .is_some_and(|m| (small as u64) > u64::from(m.get())),
                        "Closed({reason:?}) without DISCONNECT"
                    );
                    return;
                };
                match last {
                    Packet::Disconnect(d) => assert_eq!(
                        d.reason_code, expected.reason_code,
                        "Closed({reason:?}): DISCONNECT reason code"
                    ),
                    other => panic!("Closed({reason:?}) but the last packet was {other:?}"),
                }
            }
            ClientEvent::Connected { .. } => assert!(
                self.connected(),
                "Connected without an accepted CONNACK: {e:?}"
            ),
            ClientEvent::Received(m) => {
                if let Some(token) = m.ack {
                    assert!(!self.client.config().auto_ack, "AckToken with auto_ack");
                    assert_ne!(m.qos(), QoS::AtMostOnce, "AckToken for QoS 0");
                    self.tokens.push(token);
                    if self.tokens.len() > 32 {
                        self.tokens.remove(0);
                    }
                }
                assert!(m.topic().is_some(), "Received without a topic name");
            }
            ClientEvent::Lost(id) => {
                // The session gave the exchange up (the server dropped the session, or a resend
                // no longer fits the new connection's limits): its id is free again.
                self.pending.remove(&id.get());
                self.requests.remove(&id.get());
                if let Some(conn) = &mut self.conn {
                    conn.sent_here.remove(&id.get());
                }
            }
            ClientEvent::Expired(id) | ClientEvent::Dropped { id, .. } => assert!(
                !self.pending.contains_key(&id.get()),
                "{e:?} for a PUBLISH the server has (only queued ones expire or are dropped)"
            ),
            ClientEvent::Delivered(id) | ClientEvent::Rejected { id, .. } => assert!(
                self.acked.contains(&id.get()),
                "{e:?} without the server acknowledging it"
            ),
            _ => {}
        }
    }

    /// After Session Present = 1, every unacknowledged PUBLISH is resent (DUP) and every PUBREL
    /// due is resent [MQTT-4.4.0-1], as far as the Receive Maximum allows.
    fn check_resends(&mut self) {
        let Some(conn) = &mut self.conn else { return };
        if !conn.resuming || conn.closed {
            return;
        }
        conn.resuming = false;
        for (id, e) in &self.pending {
            if e.released {
                assert!(
                    conn.pubrel_here.contains(id),
                    "[MQTT-4.4.0-1] PUBREL {id} not resent after Session Present = 1"
                );
            } else if !conn.sent_here.contains(id) {
                // PUBRELs count toward the window too (a QoS 2 message is outstanding until
                // PUBCOMP), so resent PUBRELs may leave no room for this PUBLISH yet.
                assert!(
                    conn.sent_here.len() + conn.pubrel_here.len()
                        >= usize::from(conn.receive_maximum)
                        || !self
                            .client
                            .is_packet_id_in_use(PacketId::new(*id).expect("nonzero")),
                    "[MQTT-4.4.0-1] PUBLISH {id} not resent after Session Present = 1"
                );
            }
        }
    }

    /// Every id the server has in flight is in use in the session.
    fn check_ids_in_use(&self) {
        for id in self.pending.keys().chain(self.requests.keys()) {
            let pid = PacketId::new(*id).expect("nonzero");
            assert!(
                self.client.is_packet_id_in_use(pid),
                "packet id {id} is free in the session but unacknowledged at the server"
            );
        }
    }

    /// A new id from `publish` / `subscribe` is not in flight.
    fn check_fresh_id(&self, id: PacketId, what: &str) {
        assert!(
            !self.pending.contains_key(&id.get()) && !self.requests.contains_key(&id.get()),
            "{what} allocated packet id {} already in flight",
            id.get()
        );
    }

    fn check_request_result(
        &mut self,
        result: core::result::Result<PacketId, UsageError>,
        what: &str,
    ) {
        match result {
            Ok(id) => {
                assert!(self.connected(), "{what} accepted while not connected");
                self.check_fresh_id(id, what);
            }
            Err(e) => self.check_usage_error(&e),
        }
        self.drain();
    }

    /// A usage error: it has a message.
    fn check_usage_error(&self, e: &UsageError) {
        assert!(!e.to_string().is_empty());
    }
}

/// A packet the protocol requires went out in `d`, or the connection closed (then explicitly,
/// with its reason: never a silent drop, e.g. of a packet over the Maximum Packet Size).
fn check_answered(due: (PacketType, PacketId, &str), d: &Drained) {
    let (kind, id, rule) = due;
    let sent = d.packets.iter().any(|p| {
        p.packet_type() == kind
            && match p {
                Packet::PubAck(a) => a.packet_id == id,
                Packet::PubRel(r) => r.packet_id == id,
                Packet::PubComp(c) => c.packet_id == id,
                _ => false,
            }
    });
    let closed = d.events.iter().any(|e| matches!(e, ClientEvent::Closed(_)));
    assert!(
        sent || closed,
        "{rule} {kind} {} neither sent nor the connection closed: {d:?}",
        id.get()
    );
}

/// CONNACK properties with limits that matter to a client.
fn connack_properties(u: &mut Unstructured<'_>) -> Result<ConnAckProperties> {
    let mut p = ConnAckProperties::default();
    if u.arbitrary()? {
        p.receive_maximum = Some(small_nonzero(u)?);
    }
    if u.ratio(1, 4)? {
        p.maximum_qos = Some(*u.choose(&[QoS::AtMostOnce, QoS::AtLeastOnce])?);
    }
    if u.ratio(1, 4)? {
        p.retain_available = Some(u.arbitrary()?);
    }
    if u.ratio(1, 4)? {
        p.maximum_packet_size = NonZeroU32::new(u.int_in_range(1..=200)?);
    }
    if u.ratio(1, 3)? {
        p.topic_alias_maximum = Some(u.int_in_range(0..=3)?);
    }
    if u.ratio(1, 8)? {
        p.assigned_client_identifier = Some(MqttString::from_static("assigned"));
    }
    if u.ratio(1, 4)? {
        p.server_keep_alive = Some(*u.choose(&[0, 1, 10, 1000])?);
    }
    if u.ratio(1, 8)? {
        p.wildcard_subscription_available = Some(u.arbitrary()?);
        p.shared_subscription_available = Some(u.arbitrary()?);
        p.subscription_identifiers_available = Some(u.arbitrary()?);
    }
    if u.ratio(1, 8)? {
        p.authentication_method = Some(MqttString::from_static(AUTH_METHOD));
    }
    Ok(p)
}
