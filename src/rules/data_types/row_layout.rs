//! How wide a table row and a btree entry are on disk, value by value with PostgreSQL's
//! alignment: what a narrower type really saves once padding is counted, rather than the
//! difference of the types' widths (DT008). Heap tuple headers and index tuple headers are
//! whole multiples of 8 bytes, so only the data part decides how many bytes a change saves.

use crate::model::catalog::Column;

/// Every tuple is padded to this (MAXALIGN on the 64-bit platforms PostgreSQL runs on).
const MAXALIGN: f64 = 8.0;

/// Varlena values up to this size take a 1-byte header and are stored unaligned.
const SHORT_VARLENA_MAX: f64 = 126.0;

/// How one value is stored: its width and the boundary it starts on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Slot {
    pub bytes: f64,
    pub align: f64,
    /// Every value has this width (not a varlena whose width varies row to row).
    pub fixed: bool,
}

impl Slot {
    const fn fixed(bytes: f64, align: f64) -> Slot {
        Slot {
            bytes,
            align,
            fixed: true,
        }
    }
}

/// The slot of a fixed-width type, as `format_type()` spells it (`typlen` / `typalign`).
pub(super) fn fixed_slot(data_type: &str) -> Option<Slot> {
    let slot = match data_type {
        "boolean" | "\"char\"" => Slot::fixed(1.0, 1.0),
        "smallint" => Slot::fixed(2.0, 2.0),
        "integer" | "real" | "date" | "oid" => Slot::fixed(4.0, 4.0),
        "bigint" | "double precision" | "money" => Slot::fixed(8.0, 8.0),
        "uuid" => Slot::fixed(16.0, 1.0),
        "interval" => Slot::fixed(16.0, 8.0),
        "macaddr" => Slot::fixed(6.0, 4.0),
        "macaddr8" => Slot::fixed(8.0, 4.0),
        t if t.starts_with("timestamp") => Slot::fixed(8.0, 8.0),
        t if t.starts_with("time") && t.ends_with("with time zone") => Slot::fixed(12.0, 8.0),
        t if t.starts_with("time") => Slot::fixed(8.0, 8.0),
        _ => return None,
    };
    Some(slot)
}

/// Types stored as varlena: their width is the statistics' average.
fn is_varlena(data_type: &str) -> bool {
    let base = data_type.split('(').next().unwrap_or(data_type);
    data_type.ends_with("[]")
        || matches!(
            base,
            "text"
                | "character varying"
                | "character"
                | "numeric"
                | "bytea"
                | "json"
                | "jsonb"
                | "xml"
                | "inet"
                | "cidr"
                | "tsvector"
                | "tsquery"
                | "bit"
                | "bit varying"
        )
}

/// The column's slot in a typical row: fixed-width types by their type, varlenas by the
/// statistics' average width; `None` for a type not known here (an enum, a domain, a
/// composite) or a varlena without statistics.
pub(super) fn slot(column: &Column) -> Option<Slot> {
    if let Some(slot) = fixed_slot(&column.data_type) {
        return Some(slot);
    }
    if !is_varlena(&column.data_type) {
        return None;
    }
    let bytes = f64::from(column.stats.as_ref()?.avg_width);
    Some(Slot {
        bytes,
        // Longer values keep a 4-byte header and the type's (int) alignment.
        align: if bytes <= SHORT_VARLENA_MAX { 1.0 } else { 4.0 },
        fixed: false,
    })
}

/// Whether a typical row holds the column: one mostly NULL takes no space in it.
pub(super) fn usually_set(column: &Column) -> bool {
    column
        .stats
        .as_ref()
        .is_none_or(|stats| stats.null_frac <= 0.5)
}

fn align_up(at: f64, align: f64) -> f64 {
    (at / align).ceil() * align
}

/// The width of values laid out one after the other, each at its alignment, padded to
/// MAXALIGN as the tuple is.
pub(super) fn padded_width(slots: &[Slot]) -> f64 {
    let end = slots
        .iter()
        .fold(0.0, |at, slot| align_up(at, slot.align) + slot.bytes);
    align_up(end, MAXALIGN)
}

/// Bytes saved per tuple when `slots[changed]` becomes `narrower`, when every other value
/// has a fixed width: exact for a fixed-width column, and for a varlena the saving of a
/// tuple whose value has the average width. `None` when another varlena's varying width
/// moves the padding from row to row.
pub(super) fn saving(slots: &[Slot], changed: usize, narrower: Slot) -> Option<f64> {
    let others_fixed = slots
        .iter()
        .enumerate()
        .all(|(at, slot)| at == changed || slot.fixed);
    if !others_fixed {
        return None;
    }
    let mut after = slots.to_vec();
    *after.get_mut(changed)? = narrower;
    Some(padded_width(slots) - padded_width(&after))
}

/// What a value of `width` bytes saves for sure as `narrower`, whatever its neighbours:
/// the difference less the most padding the narrower type's alignment can add.
pub(super) fn least_saving(width: f64, narrower: Slot) -> f64 {
    width - narrower.bytes - (narrower.align - 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BIGINT: Slot = Slot::fixed(8.0, 8.0);
    const INTEGER: Slot = Slot::fixed(4.0, 4.0);

    #[test]
    fn alignment_eats_a_lone_narrowing() {
        // (bigint, bigint, bigint): the one integer is padded back to 8.
        assert_eq!(saving(&[BIGINT, BIGINT, BIGINT], 2, INTEGER), Some(0.0));
        assert_eq!(saving(&[BIGINT, BIGINT, BIGINT], 1, INTEGER), Some(0.0));
        // A one-column btree entry is 8 + 8 either way.
        assert_eq!(saving(&[BIGINT], 0, INTEGER), Some(0.0));
    }

    #[test]
    fn a_narrowing_that_pairs_with_another_four_bytes_is_real() {
        // (bigint, integer, bigint) → (bigint, integer, integer): 24 → 16.
        assert_eq!(saving(&[BIGINT, INTEGER, BIGINT], 2, INTEGER), Some(8.0));
        // A two-column btree entry: 16 → 8 bytes of data.
        assert_eq!(saving(&[BIGINT, INTEGER], 0, INTEGER), Some(8.0));
    }

    #[test]
    fn another_varying_width_leaves_only_the_least_saving() {
        let text = Slot {
            bytes: 20.0,
            align: 1.0,
            fixed: false,
        };
        assert_eq!(saving(&[BIGINT, text, BIGINT], 2, INTEGER), None);
        // A 9-byte numeric in a one-column btree entry: 8 + 9 is padded to 24, 8 + 8 is 16.
        let numeric = Slot {
            bytes: 9.0,
            align: 1.0,
            fixed: false,
        };
        assert_eq!(saving(&[numeric], 0, BIGINT), Some(8.0));
        // Among varlenas, a 5-byte numeric may gain 3 bytes of padding as an integer.
        assert_eq!(least_saving(5.0, INTEGER), -2.0);
        assert_eq!(least_saving(12.0, INTEGER), 5.0);
    }

    #[test]
    fn padding_follows_each_alignment() {
        let boolean = Slot::fixed(1.0, 1.0);
        assert_eq!(padded_width(&[boolean, BIGINT]), 16.0);
        assert_eq!(padded_width(&[boolean, INTEGER, INTEGER]), 16.0);
        assert_eq!(padded_width(&[INTEGER, boolean]), 8.0);
        assert_eq!(padded_width(&[]), 0.0);
    }

    #[test]
    fn slots_of_known_types() {
        assert_eq!(fixed_slot("timestamp(3) with time zone"), Some(BIGINT));
        assert_eq!(
            fixed_slot("time with time zone"),
            Some(Slot::fixed(12.0, 8.0))
        );
        assert_eq!(fixed_slot("numeric"), None);
        assert!(is_varlena("numeric(12,2)"));
        assert!(is_varlena("integer[]"));
        assert!(!is_varlena("mood"));
    }
}
