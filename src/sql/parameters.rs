//! The parameter values a log records for an extended-protocol statement.

use std::collections::BTreeMap;

/// Parses `$1 = '215', $2 = 'it''s', $3 = NULL` (the log's `DETAIL: parameters:`).
pub fn parse_logged_parameters(text: &str) -> BTreeMap<u32, String> {
    let mut values = BTreeMap::new();
    let mut rest = text.trim();
    while let Some(after_dollar) = rest.strip_prefix('$') {
        let digits = after_dollar.bytes().take_while(u8::is_ascii_digit).count();
        let Ok(index) = after_dollar[..digits].parse::<u32>() else {
            break;
        };
        let Some(after_equals) = after_dollar[digits..].trim_start().strip_prefix('=') else {
            break;
        };
        let after_equals = after_equals.trim_start();
        let (value, remaining) = if let Some(quoted) = after_equals.strip_prefix('\'') {
            let mut value = String::new();
            let mut chars = quoted.char_indices().peekable();
            let mut end = quoted.len();
            while let Some((at, c)) = chars.next() {
                if c == '\'' {
                    if chars.peek().map(|(_, next)| *next) == Some('\'') {
                        value.push('\'');
                        chars.next();
                    } else {
                        end = at + 1;
                        break;
                    }
                } else {
                    value.push(c);
                }
            }
            (value, &quoted[end.min(quoted.len())..])
        } else {
            let end = after_equals.find(',').unwrap_or(after_equals.len());
            (after_equals[..end].trim().to_string(), &after_equals[end..])
        };
        values.insert(index, value);
        rest = remaining.trim_start().trim_start_matches(',').trim_start();
    }
    values
}
