//! `LinePrefix::compile` on an arbitrary `log_line_prefix` (the first line of the input),
//! then `parse` on every further line. Never panics; whatever it returns borrows from the
//! line (fields and the rest are slices of it, the rest being its tail).
#![no_main]

use libfuzzer_sys::fuzz_target;
use planwise::input::prefix::{LinePrefix, split_severity};
use planwise::input::stderr::starts_entry;

fn inside(line: &[u8], part: &[u8]) -> bool {
    let (base, at) = (line.as_ptr() as usize, part.as_ptr() as usize);
    at >= base && at + part.len() <= base + line.len()
}

fuzz_target!(|data: &[u8]| {
    let (source, lines) = match data.iter().position(|&b| b == b'\n') {
        Some(n) => (&data[..n], &data[n + 1..]),
        None => (data, &b""[..]),
    };
    let source = String::from_utf8_lossy(source);
    let prefix = LinePrefix::compile(&source);
    assert_eq!(prefix.source(), source);
    for line in lines.split(|&b| b == b'\n') {
        let _ = starts_entry(&prefix, line);
        let Some((fields, rest)) = prefix.parse(line) else {
            continue;
        };
        assert!(inside(line, rest) && line.ends_with(rest), "rest is not the line's tail");
        for field in [
            fields.timestamp,
            fields.pid,
            fields.session_id,
            fields.user,
            fields.database,
            fields.application,
            fields.sqlstate,
        ]
        .into_iter()
        .flatten()
        {
            assert!(inside(line, field), "field is not a slice of the line");
        }
        if let Some((severity, message)) = split_severity(rest) {
            assert!(inside(rest, severity) && inside(rest, message));
        }
    }
});
