//! Every implementation the benches time gives the right answer on every workload: decoded
//! fields, encoded bytes and match counts (the same checks the benches run before timing).

use benches::checks;
use benches::codec::mqtt_proto::{MqttProtoEncoder, MqttProtoV3, MqttProtoV5};
use benches::codec::mqtt_protocol_core::{MqttProtocolCore, MqttProtocolCoreEncoder};
use benches::codec::mqttrs::{Mqttrs, MqttrsEncoder};
use benches::codec::ntex_mqtt::{NtexEncoder, NtexV3, NtexV5};
use benches::codec::ours::{Ours, OursEncoder};
use benches::codec::rumqttc::{RumqttcEncoder, RumqttcV4, RumqttcV5};
use benches::codec::{Decode, decode_frames};
use benches::topic::{
    Linear, NtexTopicFilter, OursStr, OursTrie, OursTyped, Quill, RumqttcMatches, TopicEngine, Trie,
};
use benches::workloads::{self, CodecWorkload, LARGE_PAYLOAD};

fn decoders_agree(w: &CodecWorkload) {
    let mut errors = Vec::new();
    let mut ran = 0;
    macro_rules! each {
        ($($d:ty),*) => {$(
            if <$d as Decode>::new(w.v5).is_some() {
                ran += 1;
                if let Err(e) = checks::decode::<$d>(w) {
                    errors.push(e);
                }
            }
        )*};
    }
    each!(
        Ours,
        RumqttcV4,
        RumqttcV5,
        Mqttrs,
        MqttProtocolCore,
        MqttProtoV3,
        MqttProtoV5,
        NtexV3,
        NtexV5
    );
    assert!(ran >= 4, "{}: only {ran} decoders", w.name);
    assert!(errors.is_empty(), "{}:\n{}", w.name, errors.join("\n"));
}

#[test]
fn w1_publish_v311_qos0() {
    decoders_agree(&workloads::publish_v311_qos0());
}

#[test]
fn w2_publish_v5_qos1() {
    decoders_agree(&workloads::publish_v5_qos1());
}

#[test]
fn w4_mixed_v311() {
    decoders_agree(&workloads::mixed_v311());
}

#[test]
fn w5_large_publish() {
    decoders_agree(&workloads::large_publish(LARGE_PAYLOAD));
    decoders_agree(&workloads::large_publish(64));
    let w = workloads::large_publish(LARGE_PAYLOAD);
    assert_eq!(workloads::header_scan(&w.wire), w.packets());
}

#[test]
fn w3_encoders_write_the_reference_bytes() {
    let w = workloads::encode_v311_qos1();
    let results = [
        checks::encode::<OursEncoder>(&w),
        checks::encode::<RumqttcEncoder>(&w),
        checks::encode::<MqttrsEncoder>(&w),
        checks::encode::<MqttProtocolCoreEncoder>(&w),
        checks::encode::<MqttProtoEncoder>(&w),
        checks::encode::<NtexEncoder>(&w),
    ];
    let errors: Vec<String> = results.into_iter().filter_map(Result::err).collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    // And what ours encodes decodes back to the frames.
    let frames = decode_frames::<Ours>(false, &w.wire).expect("decodes");
    assert_eq!(frames, w.frames);
}

#[test]
fn w6_topic_matchers_count_right() {
    let w = workloads::topic_workload(10_000);
    let names = &w.names[..200];
    let want = checks::reference_counts(&w, names);
    assert!(
        want.iter().sum::<usize>() > 0,
        "the sample matches something"
    );
    let mut errors = Vec::new();
    for r in [
        checks::linear::<OursStr>(&w, names, &want),
        checks::linear::<OursTyped>(&w, names, &want),
        checks::linear::<RumqttcMatches>(&w, names, &want),
        checks::linear::<NtexTopicFilter>(&w, names, &want),
    ] {
        errors.extend(r.err());
    }
    let ours = checks::trie_counts::<OursTrie>(&OursTrie::build(&w.filters), &w.names);
    errors.extend(checks::trie::<OursTrie>(&ours, &w.names, &want, None).err());
    let engine = checks::trie_counts::<TopicEngine>(&TopicEngine::build(&w.filters), &w.names);
    errors.extend(checks::trie::<TopicEngine>(&engine, &w.names, &want, Some(&ours)).err());
    let quill = checks::trie_counts::<Quill>(&Quill::build(&w.filters), &w.names);
    errors.extend(checks::trie::<Quill>(&quill, &w.names, &want, Some(&ours)).err());
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let _ = (<OursStr as Linear>::NAME, <OursTrie as Trie>::NAME);
}
