//! Differential test: `mqtt-proto` 0.4 (`v3` and `v5`) against our decoder, on the valid and
//! invalid bytes of `benches::differential::cases`. Our decoder must follow the spec on every case;
//! the peer's departures from it are listed below, exactly (a divergence that appears or disappears
//! fails the test). Each entry: (case, how the peer departs, the normative statement or section
//! that decides it); our decoder follows the rule in each case.

use benches::codec::mqtt_proto::{MqttProtoV3, MqttProtoV5};
use benches::differential::{Kind, check};

/// Where `MqttProtoV3` departs from the spec.
const MQTT_PROTO_V3: &[(&str, Kind, &str)] = &[
    ("v311-publish-topic-empty", Kind::Accepts, "MQTT-4.7.3-1"), // accepts it
    (
        "v311-publish-topic-past-end",
        Kind::Incomplete,
        "1.5.3 (string longer than the packet)",
    ), // asks for more bytes on a complete frame
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
        "v311-connect-password-without-username",
        Kind::Accepts,
        "MQTT-3.1.2-22",
    ), // accepts it
    (
        "v311-connect-will-retain-without-will",
        Kind::Accepts,
        "MQTT-3.1.2-15",
    ), // accepts it
];

#[test]
fn mqtt_proto_v3_against_ours() {
    check::<MqttProtoV3>(MQTT_PROTO_V3);
}

/// Where `MqttProtoV5` departs from the spec.
const MQTT_PROTO_V5: &[(&str, Kind, &str)] = &[
    ("v5-publish-topic-alias-0", Kind::Accepts, "MQTT-3.3.2-8"), // accepts it
    (
        "v5-publish-empty-topic-without-alias",
        Kind::Accepts,
        "3.3.2.1 (zero-length topic needs a Topic Alias)",
    ), // accepts it
    (
        "v5-publish-property-length-overlong",
        Kind::Incomplete,
        "MQTT-1.5.5-1",
    ), // asks for more bytes on a complete frame
    (
        "v5-publish-property-length-past-end",
        Kind::Incomplete,
        "2.2.2.1 (properties longer than the packet)",
    ), // asks for more bytes on a complete frame
];

#[test]
fn mqtt_proto_v5_against_ours() {
    check::<MqttProtoV5>(MQTT_PROTO_V5);
}
