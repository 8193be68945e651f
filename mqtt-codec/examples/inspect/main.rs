//! `inspect`: decodes MQTT packets from hex and prints each byte stream as one line of JSON.
//!
//! ```text
//! cargo run -p mqtt-codec --example inspect -- [--protocol 3.1|3.1.1|5.0] [HEX ...]
//! ```
//!
//! Each HEX argument, or each non-empty line of standard input when there is none, is one
//! independent byte stream: hex digits, with optional white space between bytes and an optional
//! `0x` before each group. Quote a spaced stream (`"30 02 00 00"`), or it becomes several.
//!
//! The protocol version comes from `--protocol`; without it, from a CONNECT at the start of the
//! stream (its protocol name and level); otherwise 3.1.1. Decoding uses
//! [`Decoder::new`] with the default [`Limits`]: the direction-independent rules, so packets of
//! both sides may be mixed in one stream.
//!
//! Output, one line per stream:
//!
//! - `{"packets": [...]}`: every packet with its `"type"` (`"PUBLISH"`) and fields. Packet
//!   identifiers, QoS and intervals are numbers; optional fields are `null` when absent; binary
//!   data is lowercase hex, and a payload that is valid UTF-8 is also shown as `payload_utf8`;
//!   reason codes are `{"code": 135, "name": "Not authorized"}`. Fields that exist only in
//!   MQTT 5.0 (properties, topic alias, most reason codes, subscription options beyond QoS)
//!   appear only in 5.0 streams; `"properties"` lists only the properties present, by their
//!   spec names in snake_case, user properties as `[name, value]` pairs.
//! - `{"error": "...", "reason_code": N}`: the stream is not valid MQTT. The message names the
//!   broken rule (`[MQTT-3.3.1-4]`) and `reason_code` is the 5.0 reason code a peer would get;
//!   a stream ending inside a packet says how many bytes are missing. Text that is not hex is
//!   an error with `"reason_code": null`.
//!
//! Exit status: 0 when every stream decoded, 1 when any did not, 2 for a usage error.

mod hex;
mod json;
mod render;
#[cfg(test)]
mod tests;

use std::ffi::OsString;
use std::io::{self, BufRead, IsTerminal, Write};
use std::process::ExitCode;

use mqtt_codec::bytes::BytesMut;
use mqtt_codec::{DecodeError, Decoder, Limits, Packet, PacketType, ProtocolVersion};

use crate::json::{Json, Object};

/// The usage text, printed for `--help` and after a usage error.
const USAGE: &str = "\
usage: inspect [--protocol 3.1|3.1.1|5.0] [HEX ...]

Decodes MQTT packets and prints one JSON line per byte stream: {\"packets\": [...]} or
{\"error\": \"...\", \"reason_code\": N}. Each HEX argument is a stream (quote it if it has
spaces; `0x` prefixes are allowed); with no HEX argument, each non-empty line of standard
input is one. Without --protocol the version comes from a leading CONNECT, else 3.1.1.

Exit status: 0 if every stream decoded, 1 if one did not, 2 for a usage error.";

/// What the command line asks for.
#[derive(Debug, Eq, PartialEq)]
enum Command {
    /// Print the usage text.
    Help,
    /// Inspect streams.
    Inspect {
        /// The version from `--protocol`, if given.
        protocol: Option<ProtocolVersion>,
        /// The HEX arguments; empty means read standard input.
        streams: Vec<String>,
    },
}

/// Why a stream could not be decoded to the end.
#[derive(Debug, Eq, PartialEq)]
struct Failure {
    /// What was wrong, for people.
    message: String,
    /// The MQTT 5.0 reason code a peer would receive, if the bytes were MQTT at all.
    reason_code: Option<u8>,
}

impl From<DecodeError> for Failure {
    fn from(e: DecodeError) -> Self {
        Self {
            message: e.to_string(),
            reason_code: Some(e.reason_code().0),
        }
    }
}

/// The packets of a stream that decoded to the end.
#[derive(Debug)]
struct Decoded {
    /// The version the stream was decoded with.
    version: ProtocolVersion,
    /// The packets, in order.
    packets: Vec<Packet>,
}

fn main() -> ExitCode {
    let command = match parse_args(std::env::args_os().skip(1)) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("inspect: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = match command {
        Command::Help => writeln!(io::stdout(), "{USAGE}").map(|()| true),
        Command::Inspect { protocol, streams } => run(protocol, &streams),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        // The reader went away (`| head`): stop quietly.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("inspect: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Reads the command line (program name excluded).
///
/// # Errors
/// The usage error to report: an unknown flag, a missing or unknown `--protocol` value.
fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    let mut protocol = None;
    let mut streams = Vec::new();
    let mut args = args.into_iter().map(|a| a.to_string_lossy().into_owned());
    let mut options_done = false;
    while let Some(arg) = args.next() {
        if options_done || !arg.starts_with('-') {
            streams.push(arg);
            continue;
        }
        let value = match arg.split_once('=') {
            Some(("--protocol", value)) => value.to_owned(),
            _ if arg == "--protocol" => args.next().ok_or("--protocol needs a value")?,
            _ if arg == "--help" || arg == "-h" => return Ok(Command::Help),
            _ if arg == "--" => {
                options_done = true;
                continue;
            }
            _ => return Err(format!("unknown option {arg:?}")),
        };
        if protocol.is_some() {
            return Err("--protocol given twice".to_owned());
        }
        protocol = Some(parse_protocol(&value)?);
    }
    Ok(Command::Inspect { protocol, streams })
}

/// The version named `3.1`, `3.1.1` or `5.0`.
///
/// # Errors
/// A usage error for any other text.
fn parse_protocol(value: &str) -> Result<ProtocolVersion, String> {
    match value {
        "3.1" => Ok(ProtocolVersion::V3_1),
        "3.1.1" => Ok(ProtocolVersion::V3_1_1),
        "5.0" => Ok(ProtocolVersion::V5),
        _ => Err(format!(
            "unknown protocol version {value:?}: use 3.1, 3.1.1 or 5.0"
        )),
    }
}

/// Inspects the HEX arguments, or the lines of standard input when there are none, printing
/// one JSON line each. `Ok(true)` when every stream decoded.
///
/// # Errors
/// Reading standard input or writing standard output failed.
fn run(protocol: Option<ProtocolVersion>, streams: &[String]) -> io::Result<bool> {
    let mut out = io::stdout().lock();
    let mut all_ok = true;
    if streams.is_empty() {
        let stdin = io::stdin().lock();
        if stdin.is_terminal() {
            eprintln!("inspect: reading one hex stream per line; end with Ctrl-D (see --help)");
        }
        for line in stdin.split(b'\n') {
            let line = String::from_utf8_lossy(&line?).into_owned();
            if line.trim().is_empty() {
                continue;
            }
            let (json, ok) = inspect_text(&line, protocol);
            all_ok &= ok;
            writeln!(out, "{json}")?;
        }
    } else {
        for stream in streams {
            let (json, ok) = inspect_text(stream, protocol);
            all_ok &= ok;
            writeln!(out, "{json}")?;
        }
    }
    out.flush()?;
    Ok(all_ok)
}

/// The JSON line for one stream of hex text, and whether it decoded.
fn inspect_text(text: &str, protocol: Option<ProtocolVersion>) -> (Json, bool) {
    let result = hex::parse(text)
        .map_err(|e| Failure {
            message: e.to_string(),
            reason_code: None,
        })
        .and_then(|bytes| inspect(&bytes, protocol));
    match result {
        Ok(decoded) => {
            let packets: Vec<Json> = decoded
                .packets
                .iter()
                .map(|p| render::packet(p, decoded.version))
                .collect();
            (Object::new().with("packets", packets).into(), true)
        }
        Err(f) => {
            let error = Object::new()
                .with("error", f.message)
                .with("reason_code", f.reason_code);
            (error.into(), false)
        }
    }
}

/// Decodes every packet of one byte stream.
///
/// Without `protocol`, a CONNECT first in the stream sets the version for the packets after
/// it (the CONNECT itself is always read by the version it announces); otherwise 3.1.1.
///
/// # Errors
/// The first [`DecodeError`], or a [`Failure`] saying how many bytes the last packet lacks.
fn inspect(bytes: &[u8], protocol: Option<ProtocolVersion>) -> Result<Decoded, Failure> {
    let mut version = protocol.unwrap_or(ProtocolVersion::V3_1_1);
    let mut decoder = Decoder::new(version, Limits::default());
    let mut rx = BytesMut::from(bytes);
    let mut packets = Vec::new();
    loop {
        match decoder.decode(&mut rx)? {
            Some(packet) => {
                if let (None, true, Packet::Connect(connect)) =
                    (protocol, packets.is_empty(), &packet)
                {
                    version = connect.protocol;
                    decoder = Decoder::new(version, Limits::default());
                }
                packets.push(packet);
            }
            None if rx.is_empty() => return Ok(Decoded { version, packets }),
            None => return Err(truncated(&rx)),
        }
    }
}

/// The failure for a stream that ends inside a packet: `rest` is the incomplete packet, whose
/// fixed header the decoder has already checked as far as it goes.
fn truncated(rest: &[u8]) -> Failure {
    let name = rest
        .first()
        .and_then(|first| PacketType::from_nibble(first >> 4))
        .map_or("packet", PacketType::name);
    let message = match remaining_length(rest.get(1..).unwrap_or_default()) {
        Some((remaining, len)) => {
            let total = remaining.saturating_add(1 + len);
            let missing = total.saturating_sub(rest.len());
            let bytes = if missing == 1 { "byte" } else { "bytes" };
            format!(
                "input ends inside a {name}: {missing} {bytes} missing ({present} of {total} \
                 present)",
                present = rest.len(),
            )
        }
        None => format!(
            "input ends inside the fixed header of a {name}: its remaining length needs at \
             least 1 more byte"
        ),
    };
    // What `decode_frame` reports for a short frame: a Malformed Packet.
    let reason_code = DecodeError::UnexpectedEnd { field: "packet" }
        .reason_code()
        .0;
    Failure {
        message,
        reason_code: Some(reason_code),
    }
}

/// The Remaining Length at the start of `bytes` and how many bytes encode it; `None` if
/// `bytes` end first. The decoder has already refused malformed encodings.
fn remaining_length(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut value = 0_usize;
    for (i, &byte) in bytes.iter().take(4).enumerate() {
        value |= usize::from(byte & 0x7F) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}
