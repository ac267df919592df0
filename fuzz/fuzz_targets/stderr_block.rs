//! The stderr block parser, as `ingest` drives it: the text is decoded lossily, records go
//! to a `RecordSink`, and the profile is finished afterwards.
//!
//! Input: the first line is the `log_line_prefix`; an empty first line (or `auto`) means
//! "detect it from the block" like planwise does without `--log-line-prefix` (falling back
//! to PostgreSQL's default when detection fails). The rest is the block.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planwise::input::prefix::LinePrefix;
use planwise::input::record::RecordSink;
use planwise::input::stderr;

fuzz_target!(|data: &[u8]| {
    let (source, block) = match data.iter().position(|&b| b == b'\n') {
        Some(n) => (&data[..n], &data[n + 1..]),
        None => return,
    };
    let prefix = match source {
        b"" | b"auto" => {
            LinePrefix::detect(block).unwrap_or_else(|_| LinePrefix::compile("%m [%p] "))
        }
        _ => LinePrefix::compile(&String::from_utf8_lossy(source)),
    };
    let text = String::from_utf8_lossy(block);
    for line in text.split('\n') {
        let _ = stderr::starts_entry(&prefix, line.as_bytes());
    }
    let mut sink = RecordSink::new("fuzz");
    stderr::parse_block(&text, 1, &prefix, &mut sink);
    sink.profile.finish();
});
