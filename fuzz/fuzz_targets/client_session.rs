//! libFuzzer entry point: see [`mqtt_fuzz::client_session`].
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mqtt_fuzz::client_session(data));
