//! ## What it finds
//! An index on an expression the index advisor chose: statements compare a function or cast
//! of a column (`lower(email) = …`, `created_at::date = …`), which a plain index on the
//! column cannot serve.
//!
//! ## Why it matters
//! Wrapping an indexed column in a function makes the predicate non-sargable: the planner
//! scans the table and evaluates the function on every row.
//!
//! ## Example
//! ```sql
//! SELECT id FROM users WHERE lower(email) = lower($1);
//! ```
//!
//! ## Instead
//! ```sql
//! CREATE INDEX CONCURRENTLY users_lower_email_idx ON public.users USING btree ((lower(email)));
//! ```
//! Or rewrite the predicate so the bare column is compared (see the query-rewrite rules),
//! when the semantics allow it.
//!
//! ## How the saving is estimated
//! As for IDX001: the statements are planned with and without the hypothetical expression
//! index, and its upkeep for the logged writes is subtracted.

use crate::analysis::index::definition::{IndexDef, IndexMethod};
use crate::findings::{Category, Finding, Severity};
use crate::rules::{Check, Context, Rule};

pub static RULE: Rule = Rule {
    id: "IDX003",
    name: "expression-index",
    category: Category::Index,
    severity: Severity::Warning,
    source: include_str!("expression_index.rs"),
    check: Check::Workload(check),
};

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    super::recommendations(context, &RULE, is_expression, out);
}

fn is_expression(def: &IndexDef) -> bool {
    def.method == IndexMethod::Btree
        && def.predicate.is_none()
        && def.keys.iter().any(|k| !k.is_column)
}
