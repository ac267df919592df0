//! Figures as people read them (milliseconds, counts, sizes), for the messages rules write
//! and the reports that show them: below both, so a rule's message and a report column
//! print the same number the same way.

/// `12.345` → `"12.3"`, keeping three significant figures for small values.
pub fn format_ms(value: Option<f64>) -> String {
    match value {
        None => "-".to_string(),
        Some(v) if v >= 100.0 => format!("{v:.0}"),
        Some(v) if v >= 10.0 => format!("{v:.1}"),
        Some(v) if v >= 1.0 => format!("{v:.2}"),
        Some(v) => format!("{v:.3}"),
    }
}

/// `19022273.0` ms → `5.3 h`, `134.2` → `134 ms`: a duration in the unit people read it in.
pub fn human_duration(ms: f64) -> String {
    match ms {
        ms if ms >= 3_600_000.0 => format!("{:.1} h", ms / 3_600_000.0),
        ms if ms >= 60_000.0 => format!("{:.1} min", ms / 60_000.0),
        ms if ms >= 1_000.0 => format!("{:.1} s", ms / 1_000.0),
        ms => format!("{} ms", format_ms(Some(ms))),
    }
}

/// `40000000` → `40,000,000`: counts as people read them.
pub fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// `1.2 MB`, `47 kB`: sizes as people read them.
pub fn human_bytes(bytes: i64) -> String {
    let bytes = bytes as f64;
    match bytes {
        b if b >= 1e9 => format!("{:.1} GB", b / 1e9),
        b if b >= 1e6 => format!("{:.1} MB", b / 1e6),
        b if b >= 1e3 => format!("{:.0} kB", b / 1e3),
        b => format!("{b:.0} B"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_the_largest_unit_that_keeps_them_above_one() {
        assert_eq!(human_duration(19_022_273.0), "5.3 h");
        assert_eq!(human_duration(134.2), "134 ms");
        assert_eq!(human_duration(0.287), "0.287 ms");
        assert_eq!(human_duration(2_500.0), "2.5 s");
        assert_eq!(human_duration(90_000.0), "1.5 min");
        assert_eq!(thousands(19_022_273.0), "19,022,273");
    }
}
