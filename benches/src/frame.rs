//! The implementation-neutral packet model the checks compare against, and an independent
//! reference writer for it (so no implementation under test produces its own inputs).

/// The MQTT 5.0 PUBLISH properties the workloads use (empty in 3.1.1).
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct Props {
    /// Message Expiry Interval (0x02), seconds.
    pub message_expiry: Option<u32>,
    /// Content Type (0x03).
    pub content_type: Option<String>,
    /// User Properties (0x26), in order.
    pub user: Vec<(String, String)>,
}

/// A PUBLISH, as every decoder must report it.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct PublishFrame {
    /// DUP flag.
    pub dup: bool,
    /// QoS 0, 1 or 2.
    pub qos: u8,
    /// RETAIN flag.
    pub retain: bool,
    /// Topic name.
    pub topic: String,
    /// Packet identifier (0 at QoS 0).
    pub packet_id: u16,
    /// Payload bytes.
    pub payload: Vec<u8>,
    /// 5.0 properties.
    pub props: Props,
}

/// A CONNECT, as every decoder must report it (no will in the workloads).
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ConnectFrame {
    /// Client identifier.
    pub client_id: String,
    /// Keep alive, seconds.
    pub keep_alive: u16,
    /// CleanSession / Clean Start.
    pub clean_session: bool,
    /// User name.
    pub username: Option<String>,
    /// Password.
    pub password: Option<Vec<u8>>,
}

/// One decoded packet, reduced to the fields the workloads and differential cases check.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Frame {
    /// CONNECT.
    Connect(ConnectFrame),
    /// SUBSCRIBE: packet id and (filter, requested QoS) pairs.
    Subscribe {
        /// Packet identifier.
        packet_id: u16,
        /// Topic filters with their requested QoS.
        filters: Vec<(String, u8)>,
    },
    /// PUBLISH.
    Publish(PublishFrame),
    /// PUBACK with its packet id.
    PubAck(u16),
    /// PUBREC with its packet id.
    PubRec(u16),
    /// PUBREL with its packet id.
    PubRel(u16),
    /// PUBCOMP with its packet id.
    PubComp(u16),
    /// PINGREQ.
    PingReq,
    /// DISCONNECT.
    Disconnect,
    /// Any other packet: only its type is compared.
    Other(u8),
}

impl Frame {
    /// The MQTT control packet type (high nibble of the first byte).
    #[must_use]
    pub fn packet_type(&self) -> u8 {
        match self {
            Self::Connect(_) => 1,
            Self::Publish(_) => 3,
            Self::PubAck(_) => 4,
            Self::PubRec(_) => 5,
            Self::PubRel(_) => 6,
            Self::PubComp(_) => 7,
            Self::Subscribe { .. } => 8,
            Self::PingReq => 12,
            Self::Disconnect => 14,
            Self::Other(t) => *t,
        }
    }

    /// Appends the packet in wire format (`v5` selects MQTT 5.0, else 3.1.1) to `out`. This is a
    /// deliberately naive writer, independent of every implementation under test.
    pub fn write(&self, v5: bool, out: &mut Vec<u8>) {
        let mut body = Vec::new();
        let first = match self {
            Self::Connect(c) => {
                put_str(&mut body, "MQTT");
                body.push(if v5 { 5 } else { 4 });
                let mut flags = 0u8;
                if c.clean_session {
                    flags |= 0x02;
                }
                if c.username.is_some() {
                    flags |= 0x80;
                }
                if c.password.is_some() {
                    flags |= 0x40;
                }
                body.push(flags);
                body.extend_from_slice(&c.keep_alive.to_be_bytes());
                if v5 {
                    body.push(0);
                }
                put_str(&mut body, &c.client_id);
                if let Some(u) = &c.username {
                    put_str(&mut body, u);
                }
                if let Some(p) = &c.password {
                    put_bin(&mut body, p);
                }
                0x10
            }
            Self::Subscribe { packet_id, filters } => {
                body.extend_from_slice(&packet_id.to_be_bytes());
                if v5 {
                    body.push(0);
                }
                for (f, qos) in filters {
                    put_str(&mut body, f);
                    body.push(*qos);
                }
                0x82
            }
            Self::Publish(p) => {
                put_str(&mut body, &p.topic);
                if p.qos > 0 {
                    body.extend_from_slice(&p.packet_id.to_be_bytes());
                }
                if v5 {
                    let mut props = Vec::new();
                    if let Some(e) = p.props.message_expiry {
                        props.push(0x02);
                        props.extend_from_slice(&e.to_be_bytes());
                    }
                    if let Some(ct) = &p.props.content_type {
                        props.push(0x03);
                        put_str(&mut props, ct);
                    }
                    for (k, v) in &p.props.user {
                        props.push(0x26);
                        put_str(&mut props, k);
                        put_str(&mut props, v);
                    }
                    put_varint(&mut body, props.len());
                    body.extend_from_slice(&props);
                }
                body.extend_from_slice(&p.payload);
                0x30 | (u8::from(p.dup) << 3) | (p.qos << 1) | u8::from(p.retain)
            }
            Self::PubAck(id) | Self::PubRec(id) | Self::PubRel(id) | Self::PubComp(id) => {
                // 5.0 allows the short form (reason code and properties omitted) for success.
                body.extend_from_slice(&id.to_be_bytes());
                match self {
                    Self::PubAck(_) => 0x40,
                    Self::PubRec(_) => 0x50,
                    Self::PubRel(_) => 0x62,
                    _ => 0x70,
                }
            }
            Self::PingReq => 0xC0,
            Self::Disconnect => 0xE0,
            Self::Other(t) => t << 4,
        };
        out.push(first);
        put_varint(out, body.len());
        out.extend_from_slice(&body);
    }
}

/// Appends a Variable Byte Integer.
pub fn put_varint(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n % 128) as u8;
        n /= 128;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Appends a length-prefixed UTF-8 string.
pub fn put_str(out: &mut Vec<u8>, s: &str) {
    put_bin(out, s.as_bytes());
}

/// Appends length-prefixed binary data.
pub fn put_bin(out: &mut Vec<u8>, b: &[u8]) {
    let len = u16::try_from(b.len()).expect("workload strings fit a u16 length");
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(b);
}

/// The length of the frame at the front of `buf` (fixed header included), if its fixed header is
/// complete and well-formed. Used to step through streams for the peers whose decode functions do
/// not say how many bytes they consumed (`mqttrs`, `mqtt-proto`).
#[must_use]
pub fn frame_len(buf: &[u8]) -> Option<usize> {
    let mut len = 0usize;
    for (i, &b) in buf.iter().skip(1).take(4).enumerate() {
        len |= usize::from(b & 0x7F) << (7 * i);
        if b & 0x80 == 0 {
            return Some(1 + i + 1 + len);
        }
    }
    None
}
