//! Session errors: [`UsageError`] for caller misuse (nothing changes).

/// The caller asked for something the session cannot do now; the session is unchanged.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq, thiserror::Error)]
pub enum UsageError {
    /// Every packet identifier (1..=65,535) is in use by an unacknowledged exchange.
    #[error("all 65535 packet identifiers are in use")]
    PacketIdsExhausted,
}
