//! ## What it finds
//! A sequential scan in a plan `auto_explain` logged that read a table to throw most of it
//! away: its filter removed 90 % or more of the rows it read, and at least 1,000 in an
//! execution. The finding names the filter and the columns the statement filters that table
//! on — the evidence an index needs — and the index that would read only the rows kept.
//!
//! ## Why it matters
//! The scan reads every page of the table, each time the statement runs, to return a few
//! rows: its time grows with the table, not with the result, and it pushes other data out
//! of the cache. When the filter is selective, an index on its columns reads only the rows
//! kept. The logged plan shows what ran in production, with production's data.
//!
//! ## Example
//! ```sql
//! -- auto_explain logged: Seq Scan on orders (actual rows=25 loops=1)
//! --   Filter: (user_id = 5)
//! --   Rows Removed by Filter: 1338
//! SELECT id, status, total FROM orders WHERE user_id = $1;
//! ```
//!
//! ## Instead
//! ```sql
//! CREATE INDEX CONCURRENTLY ON public.orders (user_id);
//! ```
//! `planwise analyze --db …` weighs the index against the workload's writes and the other
//! candidates (IDX001) before you build it.
//!
//! ## How the saving is estimated
//! Not estimated from the plan: the finding gives the rows read and removed per execution.
//! The index advisor prices the index from the schema and statistics; it always considers
//! such a statement (beyond `--advise-top`) with an index on these columns among its
//! candidates, and the index finding that serves it cites the logged plan.

use super::{in_plans, planned, statement};
use crate::analysis::index::evidence::filtering_scans;
use crate::findings::{Category, Finding, Severity};
use crate::model::ddl::quote_identifier;
use crate::rules::{Check, Context, Rule};
use crate::sql::fingerprint::format_id;
use crate::units::thousands;

pub static RULE: Rule = Rule {
    id: "PLAN002",
    name: "filtering-seq-scan",
    category: Category::Plan,
    severity: Severity::Warning,
    source: include_str!("filtering_seq_scan.rs"),
    check: Check::Workload(check),
};

/// One finding per table a logged plan of a statement scanned to throw most of it away
/// (the scan that removed the most: `analysis::index::evidence`, which also gives the
/// index advisor the evidence).
fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    for (fingerprint, stats) in planned(context) {
        let (scans, plans) = filtering_scans(stats, context.facts.get(&fingerprint));
        for scan in scans {
            let list: Vec<String> = scan.columns.iter().map(|c| quote_identifier(c)).collect();
            let index = match list.as_slice() {
                [] => String::new(),
                list => format!(
                    ": an index on {} ({}) would read only the rows kept",
                    scan.table,
                    list.join(", ")
                ),
            };
            out.push(Finding {
                message: format!(
                    "`{}` on {} read {} rows to keep {} ({:.0} % removed by `{}`) in `{}`, {}{index}",
                    scan.node,
                    scan.table,
                    thousands(scan.read as f64),
                    thousands(scan.kept() as f64),
                    100.0 * scan.removed as f64 / scan.read as f64,
                    scan.filter,
                    statement(stats),
                    in_plans(plans, stats),
                ),
                sql: (!list.is_empty()).then(|| {
                    format!(
                        "CREATE INDEX CONCURRENTLY ON {} ({});",
                        scan.table,
                        list.join(", ")
                    )
                }),
                table: Some(scan.table),
                columns: scan.columns,
                queries: vec![format_id(fingerprint)],
                ..RULE.finding()
            });
        }
    }
}
