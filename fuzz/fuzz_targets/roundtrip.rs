//! libFuzzer entry point: see [`mqtt_fuzz::roundtrip`].
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mqtt_fuzz::roundtrip(data));
