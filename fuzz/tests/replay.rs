//! Replays every file in `corpus/<target>/` and `regressions/<target>/` through the matching
//! `mqtt_fuzz::<target>` function, so seeds and minimised crashes run in `cargo test`.
//!
//! A regression whose name starts with `open-` records a library bug that is not fixed yet: it
//! must still fail (so CI stays green while the bug is open); once it passes, the test says so
//! and the file is renamed without the prefix, to keep guarding the fix. Corpus files are
//! replayed like a fuzzing run, skipping inputs that hit a known open bug (the fuzzer's own
//! corpus collects such inputs); regressions are replayed without skipping.

use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != ".gitkeep"))
        .collect();
    files.sort();
    files
}

/// Runs one file; inputs hitting known open library bugs are skipped when `skip_known`.
fn passes(target: fn(&[u8]), file: &Path, skip_known: bool) -> bool {
    let data = fs::read(file).expect("readable input");
    mqtt_fuzz::skipping_known_bugs(skip_known, || {
        panic::catch_unwind(AssertUnwindSafe(|| target(&data))).is_ok()
    })
}

fn replay(name: &str, target: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = files(&root.join("corpus").join(name));
    let seeds = corpus
        .iter()
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("seed-"))
        })
        .count();
    assert!(seeds > 0, "no seed-* files in fuzz/corpus/{name}/");
    let regressions = files(&root.join("regressions").join(name));

    let mut problems = Vec::new();
    for file in &corpus {
        if !passes(target, file, true) {
            problems.push(format!("fails: {}", file.display()));
        }
    }
    for file in &regressions {
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        match (passes(target, file, false), name.starts_with("open-")) {
            (true, false) | (false, true) => {}
            (false, false) => problems.push(format!("fails: {}", file.display())),
            (true, true) => problems.push(format!(
                "passes now, drop the `open-` prefix to keep it as a regression: {}",
                file.display()
            )),
        }
    }
    eprintln!(
        "{name}: {} corpus files ({seeds} seeds), {} regressions",
        corpus.len(),
        regressions.len()
    );
    assert!(problems.is_empty(), "{name}:\n{}", problems.join("\n"));
}

#[test]
fn decode() {
    replay("decode", mqtt_fuzz::decode);
}

#[test]
fn decode_chunked() {
    replay("decode_chunked", mqtt_fuzz::decode_chunked);
}

#[test]
fn roundtrip() {
    replay("roundtrip", mqtt_fuzz::roundtrip);
}

#[test]
fn topic() {
    replay("topic", mqtt_fuzz::topic);
}

#[test]
fn client_session() {
    replay("client_session", mqtt_fuzz::client_session);
}

#[test]
fn server_session() {
    replay("server_session", mqtt_fuzz::server_session);
}
