//! Topic aliases (MQTT 5.0 §3.3.2.3.4), per connection and per direction; never carried over to
//! a new connection [MQTT-3.3.2-7].
//!
//! **Outbound policy** (what we send): first come, first served, no eviction. The first
//! `topic_alias_maximum` distinct topic names sent on a connection get aliases 1, 2, ...; the
//! first PUBLISH of such a topic carries the name and the alias, later ones the alias alone
//! (an empty topic name). Topics beyond the maximum always go by name. This never reassigns an
//! alias, so a lost or reordered packet cannot make the peer map a topic wrongly.

use alloc::collections::BTreeMap;
use core::num::NonZeroU16;

use mqtt_codec::PublishTopic;
use mqtt_codec::bytes::Bytes;
use mqtt_codec::topic::TopicName;

use crate::error::SessionError;

/// Aliases the peer set up for what it sends us.
#[derive(Clone, Debug, Default)]
pub(crate) struct InboundAliases {
    maximum: u16,
    map: BTreeMap<u16, TopicName>,
}

impl InboundAliases {
    /// A fresh table accepting aliases 1..=`maximum` (our Topic Alias Maximum).
    pub(crate) fn new(maximum: u16) -> Self {
        Self {
            maximum,
            map: BTreeMap::new(),
        }
    }

    /// Resolves a received topic to a name in place (a name stays as it is), recording a new
    /// mapping.
    ///
    /// # Errors
    /// [`SessionError::TopicAliasOutOfRange`] for an alias above our maximum [MQTT-3.3.2-10];
    /// [`SessionError::TopicAliasUnknown`] for an alias alone that was never mapped. `topic`
    /// is unchanged then.
    pub(crate) fn resolve(&mut self, topic: &mut PublishTopic) -> Result<(), SessionError> {
        let name = match topic {
            PublishTopic::Name(_) => return Ok(()),
            PublishTopic::Alias(alias) => {
                self.check(*alias)?;
                self.map
                    .get(&alias.get())
                    .cloned()
                    .ok_or(SessionError::TopicAliasUnknown { alias: alias.get() })?
            }
            PublishTopic::NameAndAlias(name, alias) => {
                self.check(*alias)?;
                self.map.insert(alias.get(), name.clone());
                name.clone()
            }
        };
        *topic = PublishTopic::Name(name);
        Ok(())
    }

    fn check(&self, alias: NonZeroU16) -> Result<(), SessionError> {
        if alias.get() > self.maximum {
            return Err(SessionError::TopicAliasOutOfRange {
                alias: alias.get(),
                maximum: self.maximum,
            });
        }
        Ok(())
    }
}

/// Aliases we assign for what we send (policy in the module docs).
#[derive(Clone, Debug, Default)]
pub(crate) struct OutboundAliases {
    maximum: u16,
    map: BTreeMap<Bytes, NonZeroU16>,
}

impl OutboundAliases {
    /// A fresh table for a peer whose Topic Alias Maximum is `maximum`.
    pub(crate) fn new(maximum: u16) -> Self {
        Self {
            maximum,
            map: BTreeMap::new(),
        }
    }

    /// The alias to send `name` with, and whether it is new (then the PUBLISH carries the
    /// name too, and the caller confirms the mapping with [`OutboundAliases::commit`] once the
    /// packet is queued); `None`: send the name alone.
    pub(crate) fn alias_for(&self, name: &TopicName) -> Option<(NonZeroU16, bool)> {
        if self.maximum == 0 {
            return None;
        }
        if let Some(alias) = self.map.get(name.as_bytes()) {
            return Some((*alias, false));
        }
        u16::try_from(self.map.len())
            .ok()
            .and_then(|n| n.checked_add(1))
            .filter(|&n| n <= self.maximum)
            .and_then(NonZeroU16::new)
            .map(|alias| (alias, true))
    }

    /// Records that `name` goes by `alias` from now on.
    pub(crate) fn commit(&mut self, name: &TopicName, alias: NonZeroU16) {
        self.map.insert(name.to_bytes(), alias);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> TopicName {
        TopicName::new(s).unwrap()
    }

    fn alias(v: u16) -> NonZeroU16 {
        NonZeroU16::new(v).unwrap()
    }

    #[test]
    fn inbound_aliases_resolve_and_reject() {
        let mut a = InboundAliases::new(2);
        let resolve = |a: &mut InboundAliases, mut t: PublishTopic| a.resolve(&mut t).map(|()| t);
        assert_eq!(
            resolve(&mut a, PublishTopic::Alias(alias(1))),
            Err(SessionError::TopicAliasUnknown { alias: 1 })
        );
        assert_eq!(
            resolve(&mut a, PublishTopic::NameAndAlias(name("a"), alias(1))),
            Ok(PublishTopic::Name(name("a")))
        );
        assert_eq!(
            resolve(&mut a, PublishTopic::Alias(alias(1))),
            Ok(PublishTopic::Name(name("a")))
        );
        assert_eq!(
            resolve(&mut a, PublishTopic::Name(name("b"))),
            Ok(PublishTopic::Name(name("b")))
        );
        assert!(matches!(
            resolve(&mut a, PublishTopic::Alias(alias(3))),
            Err(SessionError::TopicAliasOutOfRange {
                alias: 3,
                maximum: 2
            })
        ));
    }

    #[test]
    fn outbound_first_come_first_served() {
        let mut a = OutboundAliases::new(1);
        assert_eq!(a.alias_for(&name("x")), Some((alias(1), true)));
        // Not committed (the packet was not queued): still new.
        assert_eq!(a.alias_for(&name("x")), Some((alias(1), true)));
        a.commit(&name("x"), alias(1));
        assert_eq!(a.alias_for(&name("x")), Some((alias(1), false)));
        assert_eq!(a.alias_for(&name("y")), None, "the maximum is reached");
        let none = OutboundAliases::new(0);
        assert_eq!(none.alias_for(&name("x")), None);
    }
}
