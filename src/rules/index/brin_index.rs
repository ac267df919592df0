//! ## What it finds
//! A BRIN index the index advisor chose: statements filter a large table by a range of a
//! column whose values follow the rows' physical order (statistics: correlation ≥ 0.9 —
//! typically the creation time of an append-only table). Large means 100,000 rows today, or
//! within 90 days at the table's insert rate (the statistics' window of a day or more since
//! its last vacuum, else the inserts the log dated over an hour or more) when the log only
//! ever inserts into it and every logged statement reading it filters that column by a
//! range; the finding then gives the figures (`60,000 rows today, about 837,600 within 90
//! days at 8,640 inserts a day (logged, …)`).
//!
//! ## Why it matters
//! A B-tree on such a column is as large as the column itself and costly to keep on every
//! insert; a BRIN index stores one summary per block range — kilobytes for millions of rows
//! — and lets a range scan skip every block outside the range.
//!
//! ## Example
//! ```sql
//! SELECT count(*) FROM events WHERE created_at >= now() - interval '1 day';
//! ```
//!
//! ## Instead
//! ```sql
//! CREATE INDEX CONCURRENTLY events_created_at_idx ON public.events USING brin (created_at);
//! ```
//! It stays useful only while rows keep arriving in the column's order (no bulk updates of
//! old rows, no out-of-order loads).
//!
//! ## How the saving is estimated
//! As for IDX001: the statements are planned with and without the hypothetical BRIN index
//! (HypoPG simulates BRIN); the offline model does not propose BRIN.

use crate::analysis::index::definition::{IndexDef, IndexMethod};
use crate::findings::{Category, Finding, Severity};
use crate::rules::{Check, Context, Rule};

pub static RULE: Rule = Rule {
    id: "IDX007",
    name: "brin-index",
    category: Category::Index,
    severity: Severity::Warning,
    source: include_str!("brin_index.rs"),
    check: Check::Workload(check),
};

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    super::recommendations(context, &RULE, is_brin, out);
}

fn is_brin(def: &IndexDef) -> bool {
    def.method == IndexMethod::Brin
}
