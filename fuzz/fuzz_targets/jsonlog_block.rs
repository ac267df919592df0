//! The jsonlog block parser, as `ingest` drives it (lossy text, then `finish`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use planwise::input::jsonlog;
use planwise::input::record::RecordSink;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut sink = RecordSink::new("fuzz");
    jsonlog::parse_block(&text, 1, &mut sink);
    sink.profile.finish();
});
