//! Log timestamps: parsed once into milliseconds of wall-clock time, formatted back the
//! same way everywhere. The zone label the server printed is kept as written, not resolved
//! (offline, an abbreviation such as `CET` cannot be resolved reliably).

/// Milliseconds since 1970-01-01 00:00 of the wall-clock time the server printed.
pub type Millis = i64;

/// Parses `YYYY-MM-DD HH:MM:SS[.fff]` (the zone label that may follow is ignored).
pub fn parse_timestamp(text: &[u8]) -> Option<Millis> {
    Some(minute_of(text)? + within_minute(text)?)
}

/// [`parse_timestamp`] of the timestamps of a log's lines in turn, which nearly always
/// share their minute with the one before: only their seconds are read then.
#[derive(Debug, Default)]
pub struct LastMinute {
    head: [u8; 16],
    minute: Option<Millis>,
}

impl LastMinute {
    #[inline]
    pub fn parse(&mut self, text: &[u8]) -> Option<Millis> {
        let head = text.first_chunk::<16>()?;
        let minute = match self.minute {
            Some(minute) if *head == self.head => minute,
            _ => {
                let minute = minute_of(text)?;
                (self.head, self.minute) = (*head, Some(minute));
                minute
            }
        };
        Some(minute + within_minute(text)?)
    }
}

/// The start of the minute of a timestamp (its first 16 characters, `YYYY-MM-DD HH:MM`,
/// checked as `parse_timestamp` checks them).
fn minute_of(text: &[u8]) -> Option<Millis> {
    if text.len() < 19 || text[4] != b'-' || text[7] != b'-' || !matches!(text[10], b' ' | b'T') {
        return None;
    }
    let (year, month, day) = (
        digits(text, 0..4)?,
        digits(text, 5..7)?,
        digits(text, 8..10)?,
    );
    let (hour, minute) = (digits(text, 11..13)?, digits(text, 14..16)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 24 || minute > 59 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(((days * 24 + hour) * 60 + minute) * 60_000)
}

/// The milliseconds of a timestamp within its minute (`:SS[.fff]` after the minute).
fn within_minute(text: &[u8]) -> Option<Millis> {
    let second = digits(text, 17..19)?;
    if second > 60 {
        return None;
    }
    let mut millis = 0;
    if text.get(19) == Some(&b'.') {
        let fraction = text[20..].iter().take_while(|b| b.is_ascii_digit());
        for (&digit, scale) in fraction.zip([100, 10, 1]) {
            millis += i64::from(digit - b'0') * scale;
        }
    }
    Some(second * 1000 + millis)
}

/// The decimal number in `text[range]`, when it is all digits.
fn digits(text: &[u8], range: std::ops::Range<usize>) -> Option<i64> {
    text.get(range)?.iter().try_fold(0i64, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + i64::from(b - b'0'))
    })
}

/// Parses a date (`YYYY-MM-DD`, read as its midnight) or a timestamp as `parse_timestamp`
/// does: the values a query compares a time column with, and `pg_stats` bounds.
pub fn parse_date_or_timestamp(text: &str) -> Option<Millis> {
    let text = text.trim();
    match text.len() {
        10 => parse_timestamp(format!("{text} 00:00:00").as_bytes()),
        _ => parse_timestamp(text.as_bytes()),
    }
}

/// The zone label after a timestamp (`UTC`, `+03`, `CET`), if any.
pub fn zone_label(text: &str) -> Option<&str> {
    let rest = text.get(19..)?;
    let rest = rest.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    let label = rest.trim();
    (!label.is_empty()).then_some(label)
}

pub fn format_timestamp(millis: Millis) -> String {
    let days = millis.div_euclid(86_400_000);
    let in_day = millis.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}.{:03}",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000
    )
}

/// `YYYY-MM-DD` of the day `millis` falls in.
pub fn format_date(millis: Millis) -> String {
    let (year, month, day) = civil_from_days(millis.div_euclid(86_400_000));
    format!("{year:04}-{month:02}-{day:02}")
}

/// The (year, month, day) `millis` falls in.
pub fn civil_date(millis: Millis) -> (i64, i64, i64) {
    civil_from_days(millis.div_euclid(86_400_000))
}

/// The midnight that starts a day, as milliseconds.
pub fn date_millis(year: i64, month: i64, day: i64) -> Millis {
    days_from_civil(year, month, day) * 86_400_000
}

/// Howard Hinnant's algorithm: days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Timestamps read in turn by [`LastMinute`] read as each alone.
        #[test]
        fn the_last_minute_reads_each_timestamp_as_alone(
            texts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "2026-11-26T00:41:28.984000Z", "2026-11-26T00:41:59.5Z",
                    "2026-11-26 00:41:07 UTC", "2026-11-26T00:42:28Z", "2026-11-26T00:41",
                    "2026-11-26T00:41:6", "2026-13-26T00:41:28Z", "2026-11-26T00:41:61Z",
                    "2026-11-26 00:41:xx", "2025-11-26T00:41:28.1Z", "",
                ]),
                0..12,
            )
        ) {
            let mut last = LastMinute::default();
            for text in texts {
                proptest::prop_assert_eq!(
                    last.parse(text.as_bytes()),
                    parse_timestamp(text.as_bytes()),
                    "{}", text
                );
            }
        }
    }

    #[test]
    fn round_trips_through_text() {
        for text in [
            "2026-11-26 00:40:01.123",
            "1999-12-31 23:59:59.999",
            "2024-02-29 12:00:00.000",
        ] {
            assert_eq!(
                format_timestamp(parse_timestamp(text.as_bytes()).unwrap()),
                text
            );
        }
        assert_eq!(parse_timestamp(b"1970-01-01 00:00:01 UTC"), Some(1000));
        assert_eq!(zone_label("2026-11-26 00:40:01.123 UTC"), Some("UTC"));
        assert_eq!(parse_timestamp(b"2026-13-01 00:00:00"), None);
        assert_eq!(parse_timestamp(b"garbage"), None);
    }

    #[test]
    fn dates_read_as_midnight() {
        let june = parse_date_or_timestamp("2024-06-15").unwrap();
        assert_eq!(format_timestamp(june), "2024-06-15 00:00:00.000");
        assert_eq!(
            parse_date_or_timestamp(" 2024-06-15 10:00:00+00 "),
            Some(june + 10 * 3_600_000)
        );
        assert_eq!(parse_date_or_timestamp("now()"), None);
        assert_eq!(civil_date(june + 3_600_000), (2024, 6, 15));
        assert_eq!(date_millis(2024, 6, 15), june);
        assert_eq!(format_date(june + 3_600_000), "2024-06-15");
    }
}
