//! The csvlog block parser, as `ingest` drives it (lossy text, then `finish`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use planwise::input::csvlog;
use planwise::input::record::RecordSink;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for line in data.split(|&b| b == b'\n') {
        let _ = csvlog::starts_entry(line);
    }
    let mut sink = RecordSink::new("fuzz");
    csvlog::parse_block(&text, 1, &mut sink);
    sink.profile.finish();
});
