//! Fingerprinting arbitrary bytes: never panics, and is deterministic even when the
//! `Fingerprinter` (which reuses its buffers) has processed other input before.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planwise::sql::fingerprint::Fingerprinter;

fuzz_target!(|data: &[u8]| {
    let mut fresh = Fingerprinter::new();
    let first = fresh.fingerprint(data);
    let (id, values_hash, normalized) = (first.id, first.values_hash, first.normalized.to_vec());

    // Reuse one fingerprinter across inputs, as RecordSink does: state must not leak.
    let mut reused = Fingerprinter::new();
    let _ = reused.fingerprint(b"insert into t values (1, 'a'), (2, 'b') returning id");
    let _ = reused.fingerprint(&data[data.len() / 2..]);
    let again = reused.fingerprint(data);
    assert_eq!(again.id, id, "reused fingerprinter gave another id");
    assert_eq!(again.values_hash, values_hash);
    assert_eq!(again.normalized, normalized.as_slice());

    // Also fingerprint the normalized text (no assertion here: see fingerprint_idempotent).
    let _ = reused.fingerprint(&normalized);
});
