//! Differential test: `mqtt-protocol-core` 0.7 (3.1.1 and 5.0) against our decoder, on the valid
//! and invalid bytes of `benches::differential::cases`. Our decoder must follow the spec on every
//! case; the peer's departures from it are listed below, exactly (a divergence that appears or
//! disappears fails the test). Each entry: (case, how the peer departs, the normative statement or
//! section that decides it); our decoder follows the rule in each case.

use benches::codec::mqtt_protocol_core::MqttProtocolCore;
use benches::differential::{Kind, check};

/// Where `MqttProtocolCore` departs from the spec.
const MQTT_PROTOCOL_CORE: &[(&str, Kind, &str)] = &[
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
    (
        "v311-publish-qos1-packet-id-0",
        Kind::Accepts,
        "MQTT-2.3.1-1",
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
        "v311-connect-will-qos-without-will",
        Kind::Accepts,
        "MQTT-3.1.2-13",
    ), // accepts it
    (
        "v311-connect-will-retain-without-will",
        Kind::Accepts,
        "MQTT-3.1.2-15",
    ), // accepts it
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
    ("v5-publish-topic-wildcard", Kind::Accepts, "MQTT-3.3.2-2"),  // accepts it
    ("v5-publish-qos1-packet-id-0", Kind::Accepts, "MQTT-2.2.1-3"), // accepts it
    (
        "v5-pubrel-reserved-flags-0000",
        Kind::Accepts,
        "MQTT-2.1.3-1",
    ), // accepts it
];

#[test]
fn mqtt_protocol_core_against_ours() {
    check::<MqttProtocolCore>(MQTT_PROTOCOL_CORE);
}
