//! Property: fingerprinting the normalized text again gives the same fingerprint.
//!
//! Inputs that broke it (both fixed in 7d97460) are kept in `regressions/`:
//! `;;` (a kept trailing `;` dropped on the second pass) and `u:\n::` (`:` then `::`
//! emitted as `:::`, which lexes back as `::` `:`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use planwise::sql::fingerprint::Fingerprinter;

fuzz_target!(|data: &[u8]| {
    let mut fingerprinter = Fingerprinter::new();
    let first = fingerprinter.fingerprint(data);
    let (id, normalized) = (first.id, first.normalized.to_vec());
    let second = fingerprinter.fingerprint(&normalized);
    if second.id != id {
        panic!(
            "fingerprint not idempotent\n  input:       {:?}\n  normalized:  {:?}\n  normalized²: {:?}",
            String::from_utf8_lossy(data),
            String::from_utf8_lossy(&normalized),
            String::from_utf8_lossy(second.normalized),
        );
    }
});
