//! ## What it finds
//! A partial index the index advisor chose: the statements filter on a constant that
//! statistics say selects a small share of the table (`status = 'pending'`,
//! `deleted_at IS NULL` when few rows are live, `discount BETWEEN 0.05 AND 0.07` on a
//! column of few values), so an index of only those rows serves them.
//!
//! ## Why it matters
//! A full index on a low-cardinality column is large and rarely chosen by the planner; an
//! index restricted to the rare rows is small, cheap to maintain, and exactly what the
//! queue-style or soft-delete queries need.
//!
//! ## Example
//! ```sql
//! SELECT * FROM jobs WHERE status = 'pending' ORDER BY created_at LIMIT 10;
//! ```
//!
//! ## Instead
//! ```sql
//! CREATE INDEX CONCURRENTLY jobs_created_at_partial_idx
//!     ON public.jobs USING btree (created_at) WHERE status = 'pending';
//! ```
//! The statement must repeat the index's condition (with the constant, not a parameter
//! whose value the planner cannot see at plan time) for the planner to use it.
//!
//! ## How the saving is estimated
//! As for IDX001: the statements are planned with and without the hypothetical partial
//! index; the share of rows comes from `pg_stats` (most common values and null fraction).

use crate::analysis::index::definition::{IndexDef, IndexMethod};
use crate::findings::{Category, Finding, Severity};
use crate::rules::{Check, Context, Rule};

pub static RULE: Rule = Rule {
    id: "IDX002",
    name: "partial-index",
    category: Category::Index,
    severity: Severity::Warning,
    source: include_str!("partial_index.rs"),
    check: Check::Workload(check),
};

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    super::recommendations(context, &RULE, is_partial, out);
}

fn is_partial(def: &IndexDef) -> bool {
    def.method == IndexMethod::Btree && def.predicate.is_some()
}
