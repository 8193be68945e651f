//! Differential test: `mqttrs` 0.4 (3.1.1 only) against our decoder, on the valid and invalid bytes
//! of `benches::differential::cases`. Our decoder must follow the spec on every case; the peer's
//! departures from it are listed below, exactly (a divergence that appears or disappears fails the
//! test). Each entry: (case, how the peer departs, the normative statement or section that decides
//! it); our decoder follows the rule in each case.

use benches::codec::mqttrs::Mqttrs;
use benches::differential::{Kind, check};

/// Where `Mqttrs` departs from the spec.
const MQTTRS: &[(&str, Kind, &str)] = &[
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
        "v311-puback-trailing-byte",
        Kind::Accepts,
        "3.4.1 (Remaining Length 2)",
    ), // accepts it
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
        "v311-subscribe-filter-hash-not-last",
        Kind::Accepts,
        "MQTT-4.7.1-2",
    ), // accepts it
    (
        "v311-subscribe-filter-plus-in-level",
        Kind::Accepts,
        "MQTT-4.7.1-3",
    ), // accepts it
    ("v311-connect-reserved-flag", Kind::Accepts, "MQTT-3.1.2-3"), // accepts it
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
fn mqttrs_against_ours() {
    check::<Mqttrs>(MQTTRS);
}
