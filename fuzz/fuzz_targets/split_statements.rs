//! Statement splitting: never panics; each statement is a slice of the input (checked by
//! address, which is stronger than `contains`) and lines are in range and non-decreasing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planwise::sql::split::split_statements;

fuzz_target!(|data: &[u8]| {
    let Ok(script) = std::str::from_utf8(data) else {
        return;
    };
    let base = script.as_ptr() as usize;
    let lines = script.bytes().filter(|&b| b == b'\n').count() + 1;
    let mut previous_end = 0usize;
    let mut previous_line = 1usize;
    for statement in split_statements(script) {
        let start = statement.text.as_ptr() as usize;
        assert!(
            start >= base && start + statement.text.len() <= base + script.len(),
            "statement {:?} is not a slice of the input",
            statement.text
        );
        let offset = start - base;
        assert_eq!(&script[offset..offset + statement.text.len()], statement.text);
        assert!(script.contains(statement.text));
        assert!(offset >= previous_end, "statements overlap or go backwards");
        previous_end = offset + statement.text.len();
        assert!(
            (1..=lines).contains(&statement.line) && statement.line >= previous_line,
            "line {} out of order/range",
            statement.line
        );
        previous_line = statement.line;
    }
});
