//! What a column's type (as `format_type()` prints it) says to the data-type rules: the
//! predicates that `analyze` (DT004, DT005, DT006, DT009, on the schema) and `check` (MIG020,
//! MIG021, MIG022, on the columns a migration declares) share, so the twins cannot drift.

/// `timestamp(3) without time zone` → `timestamp(3) with time zone`; `None` for other types
/// (arrays included: their change is not the same cast).
pub fn with_time_zone(data_type: &str) -> Option<String> {
    let precision = data_type
        .strip_prefix("timestamp")?
        .strip_suffix(" without time zone")?;
    (precision.is_empty() || precision.starts_with('('))
        .then(|| format!("timestamp{precision} with time zone"))
}

/// `json`, which jsonb serves better (not arrays of it).
pub fn is_json(data_type: &str) -> bool {
    data_type == "json"
}

/// Values too wide to copy into an index's `INCLUDE`: documents and binaries (`json`,
/// `jsonb`, `xml`, `bytea`, `tsvector`), arrays, and text whose statistics say it averages
/// over `MAX_NARROW_TEXT_BYTES`. Text without statistics is given the benefit of the doubt.
pub fn is_wide(data_type: &str, average_bytes: Option<i32>) -> bool {
    const MAX_NARROW_TEXT_BYTES: i32 = 64;
    matches!(data_type, "json" | "jsonb" | "xml" | "bytea" | "tsvector")
        || data_type.ends_with("[]")
        || average_bytes.is_some_and(|bytes| bytes > MAX_NARROW_TEXT_BYTES)
}

/// `character(12)` → 12; `None` for other types and arrays.
pub fn padded_length(data_type: &str) -> Option<u32> {
    data_type
        .strip_prefix("character(")?
        .strip_suffix(')')?
        .parse()
        .ok()
}

/// The integer types, narrowest first, with their largest value.
const INTEGER_WIDTHS: [(&str, i64); 3] = [
    ("smallint", i16::MAX as i64),
    ("integer", i32::MAX as i64),
    ("bigint", i64::MAX),
];

/// The largest value a column of type `referencing` holds, when it is an integer type
/// narrower than the integer key `referenced` it refers to: keys past it cannot be
/// referenced. `None` when the types are not integers or `referencing` is as wide.
pub fn narrower_integer(referencing: &str, referenced: &str) -> Option<i64> {
    let width = |name: &str| INTEGER_WIDTHS.iter().position(|(t, _)| *t == name);
    let (narrow, wide) = (width(referencing)?, width(referenced)?);
    (narrow < wide).then_some(INTEGER_WIDTHS[narrow].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_narrower_integer_cannot_hold_every_key() {
        assert_eq!(narrower_integer("integer", "bigint"), Some(2_147_483_647));
        assert_eq!(narrower_integer("smallint", "integer"), Some(32_767));
        assert_eq!(narrower_integer("bigint", "integer"), None);
        assert_eq!(narrower_integer("integer", "integer"), None);
        assert_eq!(narrower_integer("integer", "numeric"), None);
        assert_eq!(narrower_integer("integer[]", "bigint"), None);
    }

    #[test]
    fn the_zoned_type_keeps_the_precision() {
        assert_eq!(
            with_time_zone("timestamp without time zone").as_deref(),
            Some("timestamp with time zone")
        );
        assert_eq!(
            with_time_zone("timestamp(3) without time zone").as_deref(),
            Some("timestamp(3) with time zone")
        );
        assert_eq!(with_time_zone("timestamp without time zone[]"), None);
        assert_eq!(with_time_zone("timestamp with time zone"), None);
        assert_eq!(with_time_zone("time without time zone"), None);
    }

    #[test]
    fn only_fixed_length_character_pads() {
        assert_eq!(padded_length("character(12)"), Some(12));
        assert_eq!(padded_length("character(1)"), Some(1));
        assert_eq!(padded_length("character(12)[]"), None);
        assert_eq!(padded_length("character varying(12)"), None);
        assert_eq!(padded_length("text"), None);
        assert!(is_json("json") && !is_json("jsonb") && !is_json("json[]"));
    }

    #[test]
    fn documents_arrays_and_long_text_are_wide() {
        for wide in ["jsonb", "json", "bytea", "integer[]"] {
            assert!(is_wide(wide, None), "{wide}");
        }
        assert!(is_wide("text", Some(300)));
        assert!(!is_wide("text", Some(20)) && !is_wide("text", None));
        assert!(!is_wide("bigint", Some(8)));
    }
}
