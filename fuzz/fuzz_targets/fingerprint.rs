//! Fingerprinting arbitrary bytes: never panics, and is deterministic even when the
//! `Fingerprinter` (which reuses its buffers and remembers statements by text, skeleton and
//! template) has processed other input before.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planwise::sql::fingerprint::Fingerprinter;

fuzz_target!(|data: &[u8]| {
    let mut fresh = Fingerprinter::new();
    let first = fresh.fingerprint(data);
    let (id, values_hash, offset, normalized) =
        (first.id, first.values_hash, first.offset, first.normalized.to_vec());

    // Reuse one fingerprinter across inputs, as RecordSink does: state must not leak.
    let mut reused = Fingerprinter::new();
    let _ = reused.fingerprint(b"insert into t values (1, 'a'), (2, 'b') returning id");
    let _ = reused.fingerprint(&data[data.len() / 2..]);
    let again = reused.fingerprint(data);
    assert_eq!(again.id, id, "reused fingerprinter gave another id");
    assert_eq!(again.values_hash, values_hash);
    assert_eq!(again.normalized, normalized.as_slice());

    // After the same bytes with other digits (so its template, when it has one, is known).
    let other_digits: Vec<u8> = data
        .iter()
        .map(|&b| if b.is_ascii_digit() { b'0' + (b - b'0' + 1) % 10 } else { b })
        .collect();
    let mut warmed = Fingerprinter::new();
    let _ = warmed.fingerprint(&other_digits);
    let remembered = warmed.fingerprint(data);
    assert_eq!(remembered.id, id, "a remembered template gave another id");
    assert_eq!(remembered.values_hash, values_hash);
    assert_eq!(remembered.offset, offset);
    assert_eq!(remembered.normalized, normalized.as_slice());

    // Also fingerprint the normalized text (no assertion here: see fingerprint_idempotent).
    let _ = reused.fingerprint(&normalized);
});
