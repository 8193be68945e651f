//! Differential test: `ntex-mqtt` 9.0 (`v3::codec` and `v5::codec`) against our decoder, on the
//! valid and invalid bytes of `benches::differential::cases`. Our decoder must follow the spec on
//! every case; the peer's departures from it are listed below, exactly (a divergence that appears
//! or disappears fails the test). Each entry: (case, how the peer departs, the normative statement
//! or section that decides it); our decoder follows the rule in each case.

use benches::codec::ntex_mqtt::{NtexV3, NtexV5};
use benches::differential::{Kind, check};

/// Where `NtexV3` departs from the spec.
const NTEX_V3: &[(&str, Kind, &str)] = &[
    ("v311-publish-topic-nul", Kind::Accepts, "MQTT-1.5.3-2"), // accepts it
    (
        "v311-publish-topic-plus-wildcard",
        Kind::Accepts,
        "MQTT-3.3.2-2",
    ), // accepts it
    (
        "v311-publish-topic-hash-wildcard",
        Kind::Accepts,
        "MQTT-3.3.2-2",
    ), // accepts it
    ("v311-publish-topic-empty", Kind::Accepts, "MQTT-4.7.3-1"), // accepts it
    (
        "v311-publish-topic-past-end",
        Kind::Incomplete,
        "1.5.3 (string longer than the packet)",
    ), // asks for more bytes on a complete frame
    (
        "v311-pingreq-trailing-byte",
        Kind::Accepts,
        "3.12.1 (Remaining Length 0)",
    ), // accepts it
    (
        "v311-disconnect-trailing-byte",
        Kind::Accepts,
        "3.14.1 (Remaining Length 0)",
    ), // accepts it
    ("v311-subscribe-no-filter", Kind::Accepts, "MQTT-3.8.3-3"), // accepts it
    (
        "v311-subscribe-options-reserved-bits",
        Kind::Accepts,
        "MQTT-3.8.3-4",
    ), // accepts it
    (
        "v311-subscribe-filter-hash-not-last",
        Kind::Accepts,
        "MQTT-4.7.1-2",
    ), // accepts it
    (
        "v311-subscribe-filter-plus-in-level",
        Kind::Accepts,
        "MQTT-4.7.1-3",
    ), // accepts it
    (
        "v311-connect-password-without-username",
        Kind::Accepts,
        "MQTT-3.1.2-22",
    ), // accepts it
    (
        "v311-connect-will-qos-without-will",
        Kind::Accepts,
        "MQTT-3.1.2-13",
    ), // accepts it
    (
        "v311-connect-will-retain-without-will",
        Kind::Accepts,
        "MQTT-3.1.2-15",
    ), // accepts it
];

#[test]
fn ntex_v3_against_ours() {
    check::<NtexV3>(NTEX_V3);
}

/// Where `NtexV5` departs from the spec.
const NTEX_V5: &[(&str, Kind, &str)] = &[
    (
        "v5-publish-empty-topic-without-alias",
        Kind::Accepts,
        "3.3.2.1 (zero-length topic needs a Topic Alias)",
    ), // accepts it
    (
        "v5-publish-property-length-overlong",
        Kind::Accepts,
        "MQTT-1.5.5-1",
    ), // accepts it
    (
        "v5-publish-property-length-past-end",
        Kind::Incomplete,
        "2.2.2.1 (properties longer than the packet)",
    ), // asks for more bytes on a complete frame
    ("v5-publish-topic-wildcard", Kind::Accepts, "MQTT-3.3.2-2"), // accepts it
    (
        "v5-subscribe-options-reserved-bits",
        Kind::Accepts,
        "3.8.3.1 (reserved bits 6-7 must be 0: Malformed)",
    ), // accepts it
];

#[test]
fn ntex_v5_against_ours() {
    check::<NtexV5>(NTEX_V5);
}
