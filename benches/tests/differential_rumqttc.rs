//! Differential test: `rumqttc` 0.25 (`mqttbytes::v4` for 3.1.1, `v5::mqttbytes::v5` for 5.0)
//! against our decoder, on the valid and invalid bytes of `benches::differential::cases`. Our
//! decoder must follow the spec on every case; the peer's departures from it are listed below,
//! exactly (a divergence that appears or disappears fails the test). Each entry: (case, how the
//! peer departs, the normative statement or section that decides it); our decoder follows the rule
//! in each case.

use benches::codec::rumqttc::{RumqttcV4, RumqttcV5};
use benches::differential::{Kind, check};

/// Where `RumqttcV4` departs from the spec.
const RUMQTTC_V4: &[(&str, Kind, &str)] = &[
    (
        "v311-connect-binary-password",
        Kind::Rejects,
        "3.1.3.5 (password is binary data)",
    ), // rejects it: "TopicNotUtf8"
    ("v311-puback-reserved-flags", Kind::Accepts, "MQTT-2.2.2-2"), // accepts it
    (
        "v311-pubrel-reserved-flags-0000",
        Kind::Accepts,
        "MQTT-3.6.1-1",
    ), // accepts it
    (
        "v311-subscribe-reserved-flags-0000",
        Kind::Accepts,
        "MQTT-3.8.1-1",
    ), // accepts it
    ("v311-pingreq-reserved-flags", Kind::Accepts, "MQTT-2.2.2-2"), // accepts it
    (
        "v311-disconnect-reserved-flags",
        Kind::Accepts,
        "MQTT-3.14.1-1",
    ), // accepts it
    ("v311-subscribe-packet-id-0", Kind::Accepts, "MQTT-2.3.1-1"), // accepts it
    ("v311-publish-topic-nul", Kind::Accepts, "MQTT-1.5.3-2"),     // accepts it
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
    ("v311-publish-topic-empty", Kind::Accepts, "MQTT-4.7.3-1"),   // accepts it
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
    ("v311-connect-reserved-flag", Kind::Accepts, "MQTT-3.1.2-3"), // accepts it
    (
        "v311-connect-password-without-username",
        Kind::Accepts,
        "MQTT-3.1.2-22",
    ), // accepts it
];

#[test]
fn rumqttc_v4_against_ours() {
    check::<RumqttcV4>(RUMQTTC_V4);
}

/// Where `RumqttcV5` departs from the spec.
const RUMQTTC_V5: &[(&str, Kind, &str)] = &[
    (
        "v5-publish-duplicate-message-expiry",
        Kind::Accepts,
        "3.3.2.3.3 (Protocol Error to include it more than once)",
    ), // accepts it
    (
        "v5-publish-duplicate-content-type",
        Kind::Accepts,
        "3.3.2.3.9 (Protocol Error to include it more than once)",
    ), // accepts it
    ("v5-publish-topic-alias-0", Kind::Accepts, "MQTT-3.3.2-8"), // accepts it
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
    ("v5-publish-topic-wildcard", Kind::Accepts, "MQTT-3.3.2-2"), // accepts it
    (
        "v5-publish-topic-invalid-utf8",
        Kind::Accepts,
        "MQTT-1.5.4-1",
    ), // accepts it
    (
        "v5-pubrel-reserved-flags-0000",
        Kind::Accepts,
        "MQTT-2.1.3-1",
    ), // accepts it
    (
        "v5-subscribe-options-reserved-bits",
        Kind::Accepts,
        "3.8.3.1 (reserved bits 6-7 must be 0: Malformed)",
    ), // accepts it
];

#[test]
fn rumqttc_v5_against_ours() {
    check::<RumqttcV5>(RUMQTTC_V5);
}
