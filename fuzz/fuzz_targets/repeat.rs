//! The input format of the deep-SQL targets: two bytes of repeat count (little-endian),
//! then `prefix \0 unit \0 suffix`, read as `prefix + unit × count + suffix` (at most 1 MB).
//! A few bytes then reach the chains and nestings thousands of levels deep that libFuzzer's
//! inputs are too short to spell out (`SELECT ` / `1 + ` / `1`, or `(` repeated).

/// The SQL an input stands for; text without `\0` is taken as it is.
pub fn expand(data: &[u8]) -> String {
    let (count, text) = match data {
        [low, high, rest @ ..] => (usize::from(u16::from_le_bytes([*low, *high])), rest),
        _ => (0, data),
    };
    let text = String::from_utf8_lossy(text);
    let mut parts = text.splitn(3, '\0');
    let prefix = parts.next().unwrap_or_default();
    let (Some(unit), suffix) = (parts.next(), parts.next()) else {
        return text.into_owned();
    };
    // 40,000 units of a few tokens each reach past what planwise reads (8,000); a statement
    // of up to 1 MB keeps each run fast (and within libFuzzer's memory limit).
    let count = count.min(40_000).min((1 << 20) / unit.len().max(1));
    let mut sql = String::with_capacity(prefix.len() + unit.len() * count + 64);
    sql.push_str(prefix);
    for _ in 0..count {
        sql.push_str(unit);
    }
    sql.push_str(suffix.unwrap_or_default());
    sql
}
