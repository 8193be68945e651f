//! libFuzzer entry point: see [`mqtt_fuzz::decode_chunked`].
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mqtt_fuzz::decode_chunked(data));
