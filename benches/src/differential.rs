//! Differential testing: the same bytes, valid and invalid, through our decoder and a peer's.
//!
//! Each [`Case`] says what the specification requires (accept, with the expected fields, or
//! reject) and the normative statement (or section, where the spec has no numbered statement)
//! that decides it. [`check`] fails if our decoder does not follow the spec on any case, or if the
//! divergences found for a peer differ from the list the test gives: a divergence that appears or
//! disappears must be looked at.

use std::fmt::Write as _;

use crate::codec::ours::Ours;
use crate::codec::{Decode, Failure, catch, decode_frames};
use crate::frame::{ConnectFrame, Frame, Props, PublishFrame, put_str, put_varint};

/// What the specification requires of a receiver.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Expect {
    /// A valid packet: decode it to these frames.
    Accept(Vec<Frame>),
    /// A packet the receiver must treat as malformed or a protocol error.
    Reject,
}

/// One input.
#[derive(Clone, Debug)]
pub struct Case {
    /// Short, unique name.
    pub name: &'static str,
    /// MQTT 5.0 (else 3.1.1).
    pub v5: bool,
    /// The bytes: one complete frame.
    pub bytes: Vec<u8>,
    /// What the spec requires.
    pub expect: Expect,
    /// The normative statement (or section) that decides the case.
    pub rule: &'static str,
}

/// What a decoder did with a case.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Outcome {
    /// Decoded to these frames.
    Accepted(Vec<Frame>),
    /// Refused, with the decoder's error.
    Rejected(String),
    /// Asked for more bytes although the frame is complete.
    Incomplete,
    /// Panicked (caught).
    Panicked(String),
}

/// How a peer departs from the spec on a case.
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub enum Kind {
    /// Accepts a packet the spec requires to be rejected.
    Accepts,
    /// Rejects a valid packet.
    Rejects,
    /// Accepts a valid packet but reports different fields.
    Fields,
    /// Waits for more bytes on a complete frame.
    Incomplete,
    /// Panics.
    Panics,
}

/// Runs `D` on one case (`None` if `D` does not speak the case's version).
#[must_use]
pub fn outcome<D: Decode>(case: &Case) -> Option<Outcome> {
    D::new(case.v5)?;
    Some(match catch(|| decode_frames::<D>(case.v5, &case.bytes)) {
        Err(panic) => Outcome::Panicked(panic),
        Ok(Ok(frames)) => Outcome::Accepted(frames),
        Ok(Err(Failure::Incomplete { .. })) => Outcome::Incomplete,
        Ok(Err(Failure::Error(e))) => Outcome::Rejected(e),
    })
}

/// How `got` departs from what `case` requires, if it does.
#[must_use]
pub fn departure(case: &Case, got: &Outcome) -> Option<Kind> {
    match (&case.expect, got) {
        (_, Outcome::Panicked(_)) => Some(Kind::Panics),
        (_, Outcome::Incomplete) => Some(Kind::Incomplete),
        (Expect::Accept(want), Outcome::Accepted(frames)) => {
            (frames != want).then_some(Kind::Fields)
        }
        (Expect::Accept(_), Outcome::Rejected(_)) => Some(Kind::Rejects),
        (Expect::Reject, Outcome::Accepted(_)) => Some(Kind::Accepts),
        (Expect::Reject, Outcome::Rejected(_)) => None,
    }
}

/// Asserts that our decoder follows the spec on every case, and that `D`'s divergences are
/// exactly `listed`: (case name, how the peer departs, the rule that decides it).
///
/// # Panics
/// With the full, ready-to-paste list when anything differs.
pub fn check<D: Decode>(listed: &[(&str, Kind, &str)]) {
    let cases = cases();
    let mut ours_wrong = String::new();
    let mut found = Vec::new();
    let mut report = String::new();
    for case in &cases {
        let ours = outcome::<Ours>(case).expect("ours speaks every version");
        if let Some(kind) = departure(case, &ours) {
            let _ = writeln!(
                ours_wrong,
                "  {} ({}): ours {kind:?}: {ours:?}",
                case.name, case.rule
            );
        }
        let Some(peer) = outcome::<D>(case) else {
            continue;
        };
        if let Some(kind) = departure(case, &peer) {
            found.push((case.name, kind, case.rule));
            let _ = writeln!(
                report,
                "        ({:?}, Kind::{kind:?}, {:?}), // {}",
                case.name,
                case.rule,
                short(&peer)
            );
        }
    }
    assert!(
        ours_wrong.is_empty(),
        "our decoder departs from the spec:\n{ours_wrong}"
    );
    let mut want: Vec<(&str, Kind, &str)> = listed.to_vec();
    want.sort_unstable();
    found.sort_unstable();
    assert!(
        want == found,
        "the divergences of {} changed; found (case, kind, rule):\n{report}",
        D::NAME
    );
}

fn short(o: &Outcome) -> String {
    let mut s = format!("{o:?}");
    if s.len() > 120 {
        let mut end = 120;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push('…');
    }
    s
}

/// A frame from its first byte and body.
fn raw(first: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![first];
    put_varint(&mut out, body.len());
    out.extend_from_slice(body);
    out
}

/// A PUBLISH body: topic bytes, packet id, v5 property block, payload.
fn publish_body(topic: &[u8], id: Option<u16>, props: Option<&[u8]>, payload: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&u16::try_from(topic.len()).expect("short").to_be_bytes());
    b.extend_from_slice(topic);
    if let Some(id) = id {
        b.extend_from_slice(&id.to_be_bytes());
    }
    if let Some(p) = props {
        put_varint(&mut b, p.len());
        b.extend_from_slice(p);
    }
    b.extend_from_slice(payload);
    b
}

fn valid(name: &'static str, v5: bool, frame: Frame, rule: &'static str) -> Case {
    let mut bytes = Vec::new();
    frame.write(v5, &mut bytes);
    Case {
        name,
        v5,
        bytes,
        expect: Expect::Accept(vec![frame]),
        rule,
    }
}

fn invalid(name: &'static str, v5: bool, bytes: Vec<u8>, rule: &'static str) -> Case {
    Case {
        name,
        v5,
        bytes,
        expect: Expect::Reject,
        rule,
    }
}

fn pubframe(qos: u8, topic: &str, id: u16, payload: &[u8]) -> PublishFrame {
    PublishFrame {
        dup: false,
        qos,
        retain: false,
        topic: topic.to_owned(),
        packet_id: id,
        payload: payload.to_vec(),
        props: Props::default(),
    }
}

/// A 3.1.1 CONNECT body with `flags`, client id `c`, then `rest` (payload fields).
fn connect_body(name: &[u8], level: u8, flags: u8, rest: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&u16::try_from(name.len()).expect("short").to_be_bytes());
    b.extend_from_slice(name);
    b.push(level);
    b.push(flags);
    b.extend_from_slice(&60u16.to_be_bytes());
    put_str(&mut b, "c");
    b.extend_from_slice(rest);
    b
}

/// Every case, 3.1.1 then 5.0.
#[must_use]
pub fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    let t = b"a/b";
    // ---- MQTT 3.1.1, valid.
    v.push(valid(
        "v311-publish-qos0",
        false,
        Frame::Publish(pubframe(0, "a/b", 0, b"hi")),
        "3.3",
    ));
    v.push(valid(
        "v311-publish-qos1",
        false,
        Frame::Publish(pubframe(1, "a/b", 7, b"hi")),
        "3.3",
    ));
    let mut p = pubframe(2, "a/b", 65_535, b"");
    p.dup = true;
    p.retain = true;
    v.push(valid(
        "v311-publish-qos2-dup-retain-empty",
        false,
        Frame::Publish(p),
        "3.3",
    ));
    v.push(valid(
        "v311-publish-200B-payload",
        false,
        Frame::Publish(pubframe(1, "s/1/t", 9, &[0x5A; 200])),
        "2.2.3 (two-byte Remaining Length)",
    ));
    v.push(valid(
        "v311-publish-topic-bom-kept",
        false,
        Frame::Publish(pubframe(0, "\u{FEFF}a/b", 0, b"x")),
        "MQTT-1.5.3-3",
    ));
    v.push(valid(
        "v311-publish-binary-payload",
        false,
        Frame::Publish(pubframe(0, "a/b", 0, &[0xFF, 0x00, 0xC0, 0x80])),
        "3.3.3 (payload is application bytes)",
    ));
    v.push(valid(
        "v311-connect-user-password",
        false,
        Frame::Connect(ConnectFrame {
            client_id: "client-1".to_owned(),
            keep_alive: 30,
            clean_session: true,
            username: Some("user".to_owned()),
            password: Some(b"secret".to_vec()),
        }),
        "3.1",
    ));
    v.push(valid(
        "v311-connect-binary-password",
        false,
        Frame::Connect(ConnectFrame {
            client_id: "client-1".to_owned(),
            keep_alive: 30,
            clean_session: false,
            username: Some("user".to_owned()),
            password: Some(vec![0xFF, 0xFE, 0x00]),
        }),
        "3.1.3.5 (password is binary data)",
    ));
    v.push(valid(
        "v311-subscribe-two-filters",
        false,
        Frame::Subscribe {
            packet_id: 3,
            filters: vec![("a/+/c".to_owned(), 1), ("d/#".to_owned(), 2)],
        },
        "3.8",
    ));
    v.push(valid("v311-puback", false, Frame::PubAck(1), "3.4"));
    v.push(valid("v311-pubrec", false, Frame::PubRec(2), "3.5"));
    v.push(valid("v311-pubrel", false, Frame::PubRel(3), "3.6"));
    v.push(valid("v311-pubcomp", false, Frame::PubComp(4), "3.7"));
    v.push(valid("v311-pingreq", false, Frame::PingReq, "3.12"));
    v.push(valid("v311-disconnect", false, Frame::Disconnect, "3.14"));
    // ---- MQTT 3.1.1, invalid.
    v.push(invalid(
        "v311-publish-qos3",
        false,
        raw(0x36, &publish_body(t, Some(1), None, b"x")),
        "MQTT-3.3.1-4",
    ));
    v.push(invalid(
        "v311-puback-reserved-flags",
        false,
        raw(0x41, &[0, 1]),
        "MQTT-2.2.2-2",
    ));
    v.push(invalid(
        "v311-pubrel-reserved-flags-0000",
        false,
        raw(0x60, &[0, 1]),
        "MQTT-3.6.1-1",
    ));
    v.push(invalid(
        "v311-subscribe-reserved-flags-0000",
        false,
        raw(0x80, &[0, 1, 0, 1, b'a', 0]),
        "MQTT-3.8.1-1",
    ));
    v.push(invalid(
        "v311-pingreq-reserved-flags",
        false,
        raw(0xC1, &[]),
        "MQTT-2.2.2-2",
    ));
    v.push(invalid(
        "v311-disconnect-reserved-flags",
        false,
        raw(0xE2, &[]),
        "MQTT-3.14.1-1",
    ));
    v.push(invalid(
        "v311-packet-type-0",
        false,
        raw(0x00, &[]),
        "2.2.1 (type 0 reserved)",
    ));
    v.push(invalid(
        "v311-packet-type-15",
        false,
        raw(0xF0, &[]),
        "2.2.1 (type 15 reserved)",
    ));
    v.push(invalid(
        "v311-publish-qos1-packet-id-0",
        false,
        raw(0x32, &publish_body(t, Some(0), None, b"x")),
        "MQTT-2.3.1-1",
    ));
    v.push(invalid(
        "v311-subscribe-packet-id-0",
        false,
        raw(0x82, &[0, 0, 0, 1, b'a', 0]),
        "MQTT-2.3.1-1",
    ));
    v.push(invalid(
        "v311-publish-topic-invalid-utf8",
        false,
        raw(0x30, &publish_body(b"a/\xFF", None, None, b"x")),
        "MQTT-1.5.3-1",
    ));
    v.push(invalid(
        "v311-publish-topic-surrogate",
        false,
        raw(0x30, &publish_body(b"a/\xED\xA0\x80", None, None, b"x")),
        "MQTT-1.5.3-1",
    ));
    v.push(invalid(
        "v311-publish-topic-nul",
        false,
        raw(0x30, &publish_body(b"a/\x00", None, None, b"x")),
        "MQTT-1.5.3-2",
    ));
    v.push(invalid(
        "v311-publish-topic-plus-wildcard",
        false,
        raw(0x30, &publish_body(b"a/+/c", None, None, b"x")),
        "MQTT-3.3.2-2",
    ));
    v.push(invalid(
        "v311-publish-topic-hash-wildcard",
        false,
        raw(0x30, &publish_body(b"a/#", None, None, b"x")),
        "MQTT-3.3.2-2",
    ));
    v.push(invalid(
        "v311-publish-topic-empty",
        false,
        raw(0x30, &publish_body(b"", None, None, b"x")),
        "MQTT-4.7.3-1",
    ));
    v.push(invalid(
        "v311-publish-topic-past-end",
        false,
        raw(0x30, &[0, 9, b'a', b'/', b'b']),
        "1.5.3 (string longer than the packet)",
    ));
    v.push(invalid(
        "v311-remaining-length-5-bytes",
        false,
        vec![0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],
        "2.2.3 (at most four bytes)",
    ));
    v.push(invalid(
        "v311-puback-trailing-byte",
        false,
        raw(0x40, &[0, 1, 0]),
        "3.4.1 (Remaining Length 2)",
    ));
    v.push(invalid(
        "v311-pingreq-trailing-byte",
        false,
        raw(0xC0, &[0]),
        "3.12.1 (Remaining Length 0)",
    ));
    v.push(invalid(
        "v311-disconnect-trailing-byte",
        false,
        raw(0xE0, &[0]),
        "3.14.1 (Remaining Length 0)",
    ));
    v.push(invalid(
        "v311-subscribe-no-filter",
        false,
        raw(0x82, &[0, 1]),
        "MQTT-3.8.3-3",
    ));
    v.push(invalid(
        "v311-subscribe-qos3",
        false,
        raw(0x82, &[0, 1, 0, 1, b'a', 3]),
        "MQTT-3.8.3-4",
    ));
    v.push(invalid(
        "v311-subscribe-options-reserved-bits",
        false,
        raw(0x82, &[0, 1, 0, 1, b'a', 0x04]),
        "MQTT-3.8.3-4",
    ));
    v.push(invalid(
        "v311-subscribe-filter-hash-not-last",
        false,
        raw(0x82, &[0, 1, 0, 5, b'a', b'/', b'#', b'/', b'b', 0]),
        "MQTT-4.7.1-2",
    ));
    v.push(invalid(
        "v311-subscribe-filter-plus-in-level",
        false,
        raw(0x82, &[0, 1, 0, 3, b'a', b'+', b'b', 0]),
        "MQTT-4.7.1-3",
    ));
    v.push(invalid(
        "v311-subscribe-filter-invalid-utf8",
        false,
        raw(0x82, &[0, 1, 0, 2, b'a', 0xC0, 0]),
        "MQTT-3.8.3-1",
    ));
    v.push(invalid(
        "v311-connect-reserved-flag",
        false,
        raw(0x10, &connect_body(b"MQTT", 4, 0x03, &[])),
        "MQTT-3.1.2-3",
    ));
    v.push(invalid(
        "v311-connect-password-without-username",
        false,
        raw(0x10, &connect_body(b"MQTT", 4, 0x42, &[0, 1, b'p'])),
        "MQTT-3.1.2-22",
    ));
    v.push(invalid(
        "v311-connect-will-qos-without-will",
        false,
        raw(0x10, &connect_body(b"MQTT", 4, 0x0A, &[])),
        "MQTT-3.1.2-13",
    ));
    v.push(invalid(
        "v311-connect-will-retain-without-will",
        false,
        raw(0x10, &connect_body(b"MQTT", 4, 0x22, &[])),
        "MQTT-3.1.2-15",
    ));
    v.push(invalid(
        "v311-connect-protocol-name",
        false,
        raw(0x10, &connect_body(b"MQTX", 4, 0x02, &[])),
        "MQTT-3.1.2-1",
    ));
    let mut bad_id = connect_body(b"MQTT", 4, 0x02, &[]);
    let at = bad_id.len() - 1;
    bad_id[at] = 0xFF;
    v.push(invalid(
        "v311-connect-client-id-invalid-utf8",
        false,
        raw(0x10, &bad_id),
        "MQTT-3.1.3-4",
    ));

    // ---- MQTT 5.0, valid.
    let mut p = pubframe(1, "sensors/1/t", 42, b"{}");
    p.props = Props {
        message_expiry: Some(3_600),
        content_type: Some("application/json".to_owned()),
        user: vec![
            ("k".to_owned(), "v".to_owned()),
            ("k".to_owned(), "w".to_owned()),
        ],
    };
    v.push(valid(
        "v5-publish-qos1-properties",
        true,
        Frame::Publish(p),
        "3.3",
    ));
    v.push(valid(
        "v5-publish-qos0-no-properties",
        true,
        Frame::Publish(pubframe(0, "a/b", 0, b"x")),
        "3.3",
    ));
    v.push(valid(
        "v5-puback-short-form",
        true,
        Frame::PubAck(5),
        "3.4.2.1 (reason and properties omitted)",
    ));
    v.push(valid(
        "v5-subscribe",
        true,
        Frame::Subscribe {
            packet_id: 9,
            filters: vec![("a/+".to_owned(), 1)],
        },
        "3.8",
    ));
    v.push(valid(
        "v5-connect",
        true,
        Frame::Connect(ConnectFrame {
            client_id: "c5".to_owned(),
            keep_alive: 10,
            clean_session: true,
            username: None,
            password: None,
        }),
        "3.1",
    ));
    v.push(valid("v5-pingreq", true, Frame::PingReq, "3.12"));
    // ---- MQTT 5.0, invalid.
    v.push(invalid(
        "v5-publish-qos3",
        true,
        raw(0x36, &publish_body(t, Some(1), Some(&[]), b"x")),
        "MQTT-3.3.1-4",
    ));
    v.push(invalid(
        "v5-publish-duplicate-message-expiry",
        true,
        raw(
            0x30,
            &publish_body(t, None, Some(&[0x02, 0, 0, 0, 1, 0x02, 0, 0, 0, 2]), b"x"),
        ),
        "3.3.2.3.3 (Protocol Error to include it more than once)",
    ));
    v.push(invalid(
        "v5-publish-duplicate-content-type",
        true,
        raw(
            0x30,
            &publish_body(t, None, Some(&[0x03, 0, 1, b'a', 0x03, 0, 1, b'b']), b"x"),
        ),
        "3.3.2.3.9 (Protocol Error to include it more than once)",
    ));
    v.push(invalid(
        "v5-publish-topic-alias-0",
        true,
        raw(0x30, &publish_body(t, None, Some(&[0x23, 0, 0]), b"x")),
        "MQTT-3.3.2-8",
    ));
    v.push(invalid(
        "v5-publish-empty-topic-without-alias",
        true,
        raw(0x30, &publish_body(b"", None, Some(&[]), b"x")),
        "3.3.2.1 (zero-length topic needs a Topic Alias)",
    ));
    v.push(invalid(
        "v5-publish-property-not-allowed",
        true,
        raw(
            0x30,
            &publish_body(t, None, Some(&[0x11, 0, 0, 0, 1]), b"x"),
        ),
        "2.2.2.2 (Session Expiry Interval is not a PUBLISH property)",
    ));
    v.push(invalid(
        "v5-publish-user-property-invalid-utf8",
        true,
        raw(
            0x30,
            &publish_body(t, None, Some(&[0x26, 0, 1, 0xFF, 0, 1, b'v']), b"x"),
        ),
        "MQTT-1.5.7-1",
    ));
    v.push(invalid(
        "v5-publish-property-length-overlong",
        true,
        raw(0x30, &[0, 3, b'a', b'/', b'b', 0x80, 0x00, b'x']),
        "MQTT-1.5.5-1",
    ));
    v.push(invalid(
        "v5-publish-property-length-past-end",
        true,
        raw(0x30, &[0, 3, b'a', b'/', b'b', 0x09, 0x02, 0, 0]),
        "2.2.2.1 (properties longer than the packet)",
    ));
    v.push(invalid(
        "v5-publish-topic-wildcard",
        true,
        raw(0x30, &publish_body(b"a/+", None, Some(&[]), b"x")),
        "MQTT-3.3.2-2",
    ));
    v.push(invalid(
        "v5-publish-topic-invalid-utf8",
        true,
        raw(0x30, &publish_body(b"a/\xFF", None, Some(&[]), b"x")),
        "MQTT-1.5.4-1",
    ));
    v.push(invalid(
        "v5-puback-invalid-reason-code",
        true,
        raw(0x40, &[0, 1, 0x05]),
        "MQTT-3.4.2-1",
    ));
    v.push(invalid(
        "v5-publish-qos1-packet-id-0",
        true,
        raw(0x32, &publish_body(t, Some(0), Some(&[]), b"x")),
        "MQTT-2.2.1-3",
    ));
    v.push(invalid(
        "v5-pubrel-reserved-flags-0000",
        true,
        raw(0x60, &[0, 1]),
        "MQTT-2.1.3-1",
    ));
    v.push(invalid(
        "v5-remaining-length-5-bytes",
        true,
        vec![0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],
        "MQTT-1.5.5-1",
    ));
    v.push(invalid(
        "v5-subscribe-options-reserved-bits",
        true,
        raw(0x82, &[0, 1, 0, 0, 1, b'a', 0xC0]),
        "3.8.3.1 (reserved bits 6-7 must be 0: Malformed)",
    ));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_names_are_unique() {
        let cases = cases();
        let mut names: Vec<&str> = cases.iter().map(|c| c.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), cases.len());
    }
}
