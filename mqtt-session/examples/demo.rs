//! A client session and a scripted in-memory server exchanging QoS 0/1/2 messages, with a
//! dropped connection and a resume, printing a trace of packets and events.
//!
//! Run it with `cargo run -p mqtt-session --example demo`.

use core::error::Error;

use mqtt_session::codec::bytes::BytesMut;
use mqtt_session::codec::topic::TopicName;
use mqtt_session::codec::{
    ConnAck, Decoder, Delivery, Encoder, Limits, MqttString, Packet, PacketId, ProtocolVersion,
    PubAck, PubComp, PubRec, PubRel, Publish, QoS, ReasonCode,
};
use mqtt_session::{ClientConfig, ClientSession, Instant, Message};

/// The server's end of an in-memory link.
struct Peer {
    decoder: Decoder,
    encoder: Encoder,
    rx: BytesMut,
}

impl Peer {
    fn new() -> Self {
        Self {
            decoder: Decoder::awaiting_connect(Limits::default()),
            encoder: Encoder::server(ProtocolVersion::V5),
            rx: BytesMut::new(),
        }
    }
}

/// Moves the client's bytes to the peer and prints every packet and event.
fn pump(
    client: &mut ClientSession,
    peer: &mut Peer,
    now: Instant,
) -> Result<Vec<Packet>, Box<dyn Error>> {
    let mut tx = BytesMut::new();
    let _ = client.poll_transmit(now, &mut tx);
    peer.rx.extend_from_slice(&tx);
    let mut got = Vec::new();
    while let Some(p) = peer.decoder.decode(&mut peer.rx)? {
        println!(
            "{:>6} ms  client -> server  {}",
            now.as_micros() / 1000,
            short(&p)
        );
        got.push(p);
    }
    while let Some(e) = client.poll_event() {
        println!("{:>6} ms  event             {e:?}", now.as_micros() / 1000);
    }
    Ok(got)
}

/// The server sends `p`.
fn send(
    client: &mut ClientSession,
    peer: &mut Peer,
    now: Instant,
    p: &Packet,
) -> Result<(), Box<dyn Error>> {
    println!(
        "{:>6} ms  server -> client  {}",
        now.as_micros() / 1000,
        short(p)
    );
    let mut wire = BytesMut::new();
    peer.encoder.encode(p, &mut wire)?;
    client.handle_bytes(now, &mut wire)?;
    Ok(())
}

fn short(p: &Packet) -> String {
    match p {
        Packet::Connect(c) => format!(
            "CONNECT clean_start={} keep_alive={}s",
            c.clean_start, c.keep_alive_secs
        ),
        Packet::ConnAck(c) => format!(
            "CONNACK session_present={} {}",
            c.session_present, c.reason_code
        ),
        Packet::Publish(p) => format!(
            "PUBLISH {:?} dup={} topic={:?} payload={:?}",
            p.delivery,
            p.dup,
            p.topic.name().map(TopicName::as_str),
            String::from_utf8_lossy(&p.payload)
        ),
        Packet::PubAck(a) => format!("PUBACK {}", a.packet_id),
        Packet::PubRec(a) => format!("PUBREC {}", a.packet_id),
        Packet::PubRel(a) => format!("PUBREL {}", a.packet_id),
        Packet::PubComp(a) => format!("PUBCOMP {}", a.packet_id),
        other => format!("{:?}", other.packet_type()),
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut config = ClientConfig::new(ProtocolVersion::V5, MqttString::new("demo-client")?);
    config.properties.session_expiry_interval = Some(300); // the session outlives connections
    config.keep_alive_secs = 10;
    let mut now = Instant::ZERO;
    let mut client = ClientSession::new(config, now);
    let mut peer = Peer::new();
    let topic = TopicName::new("demo/temperature")?;

    println!("== connect");
    client.handle_connected(now)?;
    pump(&mut client, &mut peer, now)?;
    send(
        &mut client,
        &mut peer,
        now,
        &Packet::ConnAck(ConnAck::new(false, ReasonCode::SUCCESS)),
    )?;
    pump(&mut client, &mut peer, now)?;

    println!("== publish QoS 0, 1 and 2");
    client.publish(
        now,
        Message::new(topic.clone(), &b"20.1"[..], QoS::AtMostOnce),
    )?;
    let q1 = client.publish(
        now,
        Message::new(topic.clone(), &b"20.2"[..], QoS::AtLeastOnce),
    )?;
    let q2 = client.publish(
        now,
        Message::new(topic.clone(), &b"20.3"[..], QoS::ExactlyOnce),
    )?;
    pump(&mut client, &mut peer, now)?;
    if let Some(id) = q1 {
        send(
            &mut client,
            &mut peer,
            now,
            &Packet::PubAck(PubAck::new(id)),
        )?;
    }
    if let Some(id) = q2 {
        send(
            &mut client,
            &mut peer,
            now,
            &Packet::PubRec(PubRec::new(id)),
        )?;
    }
    pump(&mut client, &mut peer, now)?;

    println!("== the server publishes QoS 2 (and a duplicate)");
    let mut inbound = Publish::new(TopicName::new("demo/commands")?, &b"reboot"[..]);
    inbound.delivery = Delivery::ExactlyOnce(PacketId::new(7).ok_or("id")?);
    send(
        &mut client,
        &mut peer,
        now,
        &Packet::Publish(inbound.clone()),
    )?;
    inbound.dup = true;
    send(&mut client, &mut peer, now, &Packet::Publish(inbound))?;
    pump(&mut client, &mut peer, now)?;

    println!("== a QoS 1 publish, then the connection drops");
    now = Instant::from_secs(3);
    let lost_ack = client.publish(now, Message::new(topic, &b"20.4"[..], QoS::AtLeastOnce))?;
    pump(&mut client, &mut peer, now)?;
    client.handle_disconnected(now);
    pump(&mut client, &mut peer, now)?;

    println!("== reconnect: the server kept the session");
    now = Instant::from_secs(8);
    peer = Peer::new();
    client.handle_connected(now)?;
    pump(&mut client, &mut peer, now)?;
    send(
        &mut client,
        &mut peer,
        now,
        &Packet::ConnAck(ConnAck::new(true, ReasonCode::SUCCESS)),
    )?;
    let resent = pump(&mut client, &mut peer, now)?;
    println!(
        "           ({} packets resent: PUBREL for the QoS 2 past PUBREC, PUBLISH dup=1 for the rest)",
        resent.len()
    );
    if let Some(id) = q2 {
        send(
            &mut client,
            &mut peer,
            now,
            &Packet::PubComp(PubComp::new(id)),
        )?;
    }
    if let Some(id) = lost_ack {
        send(
            &mut client,
            &mut peer,
            now,
            &Packet::PubAck(PubAck::new(id)),
        )?;
    }
    send(
        &mut client,
        &mut peer,
        now,
        &Packet::PubRel(PubRel::new(PacketId::new(7).ok_or("id")?)),
    )?;
    pump(&mut client, &mut peer, now)?;

    println!("== idle: the clock jumps to the keep-alive deadline");
    if let Some(deadline) = client.poll_timeout() {
        now = deadline;
        client.handle_timeout(now);
    }
    pump(&mut client, &mut peer, now)?;
    send(&mut client, &mut peer, now, &Packet::PingResp)?;

    println!("== disconnect");
    client.disconnect(now, ReasonCode::SUCCESS)?;
    pump(&mut client, &mut peer, now)?;
    Ok(())
}
