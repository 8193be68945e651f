//! Packets on their way out, shared by the client and the server sessions. A packet is encoded
//! when it is queued, straight from where the session keeps it (an in-flight PUBLISH is written
//! from its window entry, never copied into a `Packet`), into one buffer that
//! `poll_transmit` hands to the caller.

use core::mem;

use mqtt_codec::bytes::BytesMut;
use mqtt_codec::{Decoder, Encodable, EncodeError, Encoder, Limits, Packet, Publish, PublishTopic};

use crate::topic_alias::OutboundAliases;

/// The encoded packets waiting for `poll_transmit`, in queue order.
#[derive(Debug)]
pub(crate) struct Outbox {
    encoder: Encoder,
    bytes: BytesMut,
}

impl Outbox {
    /// An empty outbox encoding with `encoder`.
    pub(crate) fn new(encoder: Encoder) -> Self {
        Self {
            encoder,
            bytes: BytesMut::new(),
        }
    }

    /// The encoder (version, direction, the peer's Maximum Packet Size).
    pub(crate) const fn encoder(&self) -> &Encoder {
        &self.encoder
    }

    /// Replaces the encoder (the version became known, or the peer announced its Maximum
    /// Packet Size). What is queued stays as it was encoded.
    pub(crate) fn set_encoder(&mut self, encoder: Encoder) {
        self.encoder = encoder;
    }

    /// Queues `packet` behind what is queued.
    ///
    /// # Errors
    /// The encoder's [`EncodeError`] (too large for the peer, not in this version, ...):
    /// nothing is queued then.
    pub(crate) fn push<P: Encodable + ?Sized>(&mut self, packet: &P) -> Result<(), EncodeError> {
        self.encoder.encode(packet, &mut self.bytes).map(drop)
    }

    /// Queues the PUBLISH of an outbound message as this connection sends it: with `dup`, the
    /// Message Expiry Interval `expiry_secs` (the time left) when given, and a topic alias when
    /// `aliases` has one for its topic or assigns one and the packet still fits (the alias is
    /// then recorded). `publish` is written in place and left as it was (its topic is a name).
    ///
    /// # Errors
    /// The encoder's [`EncodeError`] for the PUBLISH with its topic as a name; nothing is
    /// queued then.
    pub(crate) fn push_publish(
        &mut self,
        publish: &mut Publish,
        dup: bool,
        expiry_secs: Option<u32>,
        aliases: &mut OutboundAliases,
    ) -> Result<(), EncodeError> {
        let saved_dup = mem::replace(&mut publish.dup, dup);
        let saved_expiry =
            expiry_secs.map(|secs| publish.properties.message_expiry_interval.replace(secs));
        let result = self.push_with_alias(publish, aliases);
        publish.dup = saved_dup;
        if let Some(expiry) = saved_expiry {
            publish.properties.message_expiry_interval = expiry;
        }
        result
    }

    /// Discards everything queued.
    pub(crate) fn clear(&mut self) {
        self.bytes.clear();
    }

    /// Releases spare capacity.
    pub(crate) fn shrink_to_fit(&mut self) {
        if self.bytes.is_empty() {
            self.bytes = BytesMut::new();
        }
    }

    /// Moves everything queued to the back of `tx`; returns the number of bytes. When `tx` is
    /// empty the two buffers are exchanged instead of copied (`tx` gets the session's buffer,
    /// the session keeps `tx`'s capacity for the next packets).
    pub(crate) fn transmit(&mut self, tx: &mut BytesMut) -> usize {
        let n = self.bytes.len();
        if n == 0 {
            return 0;
        }
        if tx.is_empty() {
            mem::swap(tx, &mut self.bytes);
        } else {
            tx.extend_from_slice(&self.bytes);
            self.bytes.clear();
        }
        n
    }

    /// The first queued packet, decoded back, for callers that encode themselves.
    pub(crate) fn pop_packet(&mut self) -> Option<Packet> {
        if self.bytes.is_empty() {
            return None;
        }
        let mut limits = Limits::default().with_max_packet_size(Limits::PROTOCOL_MAX_PACKET_SIZE);
        limits.max_user_properties = u16::MAX;
        limits.max_topic_filters = u16::MAX;
        match Decoder::new(self.encoder.version(), limits).decode(&mut self.bytes) {
            Ok(Some(packet)) => Some(packet),
            other => {
                debug_assert!(
                    false,
                    "invariant: the outbox holds whole packets its encoder wrote: {other:?}"
                );
                self.bytes.clear();
                None
            }
        }
    }

    /// Encodes `publish` (topic a name) with an alias when the policy gives one that fits.
    fn push_with_alias(
        &mut self,
        publish: &mut Publish,
        aliases: &mut OutboundAliases,
    ) -> Result<(), EncodeError> {
        let Some((alias, is_new)) = publish.topic.name().and_then(|n| aliases.alias_for(n)) else {
            return self.push(&*publish);
        };
        let topic = mem::replace(&mut publish.topic, PublishTopic::Alias(alias));
        let PublishTopic::Name(name) = topic else {
            publish.topic = topic;
            return self.push(&*publish);
        };
        if is_new {
            // The first PUBLISH of the topic sets the alias up (once per topic: the clone is
            // rare).
            publish.topic = PublishTopic::NameAndAlias(name.clone(), alias);
        }
        let with_alias = self.push(&*publish);
        if is_new && with_alias.is_ok() {
            aliases.commit(&name, alias);
        }
        publish.topic = PublishTopic::Name(name);
        match with_alias {
            Ok(()) => Ok(()),
            // The alias property made it too large: the name alone may still fit.
            Err(_) if is_new => self.push(&*publish),
            Err(e) => Err(e),
        }
    }
}
