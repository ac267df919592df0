//! Lexing arbitrary bytes: tokens are non-empty, contiguous, and cover the input exactly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planwise::sql::lexer::Lexer;

fuzz_target!(|data: &[u8]| {
    let mut end = 0usize;
    for (count, token) in Lexer::new(data).enumerate() {
        assert!(count < data.len(), "more tokens than bytes");
        assert_eq!(token.start, end, "gap or overlap before {token:?}");
        assert!(token.end > token.start, "empty token {token:?}");
        assert!(token.end <= data.len(), "token past the input {token:?}");
        end = token.end;
    }
    assert_eq!(end, data.len(), "tokens do not cover the input");
});
