//! Memory of idle sessions, measured with the counting allocator: the size of an idle
//! `ClientSession` and of an idle `ServerSession` after CONNECT (stack size + heap), against
//! the 1 KiB-per-server-session target. Also: an idle session allocates nothing on timer work.

#![expect(clippy::unwrap_used, reason = "fixtures: a broken one fails the test")]

use mqtt_session::codec::bytes::BytesMut;
use mqtt_session::codec::{
    ConnAckProperties, Connect, Encoder, MqttString, Packet, ProtocolVersion,
};
use mqtt_session::{
    ClientConfig, ClientSession, Instant, ServerConfig, ServerEvent, ServerSession,
};

#[global_allocator]
static A: mqtt_testkit::CountingAllocator = mqtt_testkit::CountingAllocator;

fn connect_frame(v: ProtocolVersion) -> BytesMut {
    let mut c = Connect::new(v, MqttString::new("device-000001").unwrap());
    c.keep_alive_secs = 60;
    if v.is_v5() {
        c.properties.session_expiry_interval = Some(3600);
    }
    let mut buf = BytesMut::new();
    Encoder::client(v)
        .encode(&Packet::from(c), &mut buf)
        .unwrap();
    buf
}

/// A server session after CONNECT, accepted, drained and shrunk; returns it, the heap bytes
/// allocated on the way, and the bytes still live (allocated and not freed) afterwards: what the
/// idle session holds, plus the receive buffer's one-time shared-storage header (counted
/// against the session, to be conservative).
fn idle_server(v: ProtocolVersion) -> (ServerSession, u64, i64) {
    let mut rx = connect_frame(v);
    let (count, s) = mqtt_testkit::count_allocations(|| {
        // The caller's send buffer lives and dies inside the count: `poll_transmit` may
        // exchange it with the session's own.
        let mut tx = BytesMut::with_capacity(256);
        let now = Instant::ZERO;
        let mut s = ServerSession::new(ServerConfig::new(), now);
        s.handle_bytes(now, &mut rx).unwrap();
        let Some(ServerEvent::ConnectRequested(c)) = s.poll_event() else {
            unreachable!("CONNECT reported")
        };
        drop(c);
        s.accept(now, ConnAckProperties::default(), None).unwrap();
        while s.poll_transmit(now, &mut tx) > 0 {}
        while s.poll_event().is_some() {}
        s.shrink_to_fit();
        drop(tx);
        s
    });
    (s, count.bytes, count.live_bytes())
}

#[test]
fn idle_server_session_fits_the_target() {
    let stack = size_of::<ServerSession>();
    for v in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        let (mut s, heap_allocated, live) = idle_server(v);
        assert!(s.is_connected());
        // After shrink_to_fit and without a Will, nothing the session holds lives on the heap
        // (empty maps and queues do not allocate); the bytes allocated on the way were the
        // event and packet queues (freed by shrink_to_fit) and the decoded CONNECT (dropped).
        eprintln!(
            "idle ServerSession {v:?}: size_of = {stack} B, heap allocated while connecting = \
             {heap_allocated} B, still live afterwards = {live} B"
        );
        let total = i64::try_from(stack).unwrap() + live;
        assert!(
            total <= 1024,
            "idle server session: {stack} B + {live} B heap > 1 KiB"
        );
        // Idle timer work allocates nothing.
        let (count, ()) = mqtt_testkit::count_allocations(|| {
            let _ = s.poll_timeout();
            s.handle_timeout(Instant::from_secs(1));
            let _ = s.poll_event();
        });
        assert_eq!(count.allocations, 0);
    }
    // Target: size_of + retained heap <= 1 KiB, measured above for both versions.
    assert!(stack <= 1024, "ServerSession is {stack} bytes");
}

#[test]
fn idle_client_session_size() {
    let stack = size_of::<ClientSession>();
    let config = ClientConfig::new(
        ProtocolVersion::V5,
        MqttString::new("device-000001").unwrap(),
    );
    let (count, c) = mqtt_testkit::count_allocations(|| ClientSession::new(config, Instant::ZERO));
    eprintln!(
        "idle ClientSession: size_of = {stack} B, heap allocated by new = {} B",
        count.bytes
    );
    assert!(!c.is_connected());
    assert_eq!(
        count.allocations, 0,
        "a new client session does not allocate"
    );
}
