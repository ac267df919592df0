//! ## What it finds
//! A B-tree index (possibly with `INCLUDE` columns) that the index advisor chose for the
//! workload: the statements it serves would be planned markedly cheaper with it, enough to
//! pay for its upkeep under the logged writes and to earn its place in the storage budget.
//!
//! ## Why it matters
//! A statement that filters, joins or sorts on unindexed columns reads the whole table; as
//! the table grows, so does every call. One well-ordered composite index often serves many
//! statements at once.
//!
//! ## Example
//! ```sql
//! SELECT * FROM orders WHERE customer_id = $1 AND created_at > $2 ORDER BY created_at;
//! ```
//!
//! ## Instead
//! ```sql
//! CREATE INDEX CONCURRENTLY orders_customer_id_created_at_idx
//!     ON public.orders USING btree (customer_id, created_at);
//! ```
//! Equality columns come first (most selective first), then the range or sort column.
//! `INCLUDE` columns let the index answer the statement alone (index-only scan) — only where
//! such a scan really skips the heap: not on a table whose statistics show under half its
//! pages all-visible, nor on one the log writes continuously (at least one row a minute and
//! 1 % of its rows a day, over a log of an hour or more) unless the statistics show 90 % of
//! its pages all-visible all the same; the finding then says so with both figures and their
//! basis (`not covering: the log writes 12,000 rows a day into public.events (logged), 38 %
//! of its pages all-visible (statistics)`). Wide columns (`json`, `jsonb`, long `text`) are
//! never included. A statement whose `auto_explain` plan read the table to throw most of it
//! away (PLAN002) is always advised on, and the finding cites that plan. On a table
//! nothing writes (no logged write; its statistics count no update or delete and no insert
//! since its last vacuum) the index is built with `WITH (fillfactor = 100)`: PostgreSQL's
//! default of 90 leaves a tenth of each leaf page for inserts that will not come.
//!
//! ## How the saving is estimated
//! The workload's statements are planned with and without the index (HypoPG's hypothetical
//! indexes on a live server, else the offline cost model); the saving is Σ weight × cost
//! saved with the other chosen indexes in place, minus the cost of maintaining the index
//! for the logged INSERT/UPDATE/DELETE statements. A statement the log timed weighs its
//! logged time, so the saving is the share of that time the plan saves; an untimed one
//! weighs its calls. The time per day scales each served statement's logged time by the
//! share of its cost saved.

use crate::analysis::index::definition::{IndexDef, IndexMethod};
use crate::findings::{Category, Finding, Severity};
use crate::rules::{Check, Context, Rule};

pub static RULE: Rule = Rule {
    id: "IDX001",
    name: "missing-index",
    category: Category::Index,
    severity: Severity::Warning,
    source: include_str!("missing_index.rs"),
    check: Check::Workload(check),
};

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    super::recommendations(context, &RULE, is_plain, out);
}

fn is_plain(def: &IndexDef) -> bool {
    def.method == IndexMethod::Btree
        && def.predicate.is_none()
        && def.keys.iter().all(|k| k.is_column)
}
