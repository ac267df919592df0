//! How the rules about changes that break running queries — a column or table dropped or
//! renamed — report: by what the logged workload shows still using the object. With logs,
//! an error naming the statements that use it, or info when none does; without logs, a
//! warning, since nothing says whether it is still in use.

use crate::analysis::migration::StatementContext;
use crate::analysis::migration::usage::{QueryUse, describe};
use crate::findings::{Finding, Severity};
use crate::model::catalog::QualifiedName;
use crate::rules::Rule;
use crate::sql::fingerprint::format_id;

/// A change that makes statements using an object fail.
pub(super) struct Breakage {
    /// What the statement does, to open the message: `DROP COLUMN public.orders.note`.
    pub change: String,
    /// The error statements still using the object get afterwards.
    pub failure: String,
    /// What to do before the change, for the message: `deploy the code that stops using it
    /// first`.
    pub advice: &'static str,
    pub table: QualifiedName,
    pub columns: Vec<String>,
}

/// The finding for `breakage`; `uses` is `None` without logs, else the logged statements
/// that use the object, most calls first.
pub(super) fn in_use_finding(
    context: &StatementContext<'_>,
    rule: &'static Rule,
    breakage: Breakage,
    uses: Option<&[QueryUse]>,
) -> Finding {
    let Breakage {
        change,
        failure,
        advice,
        table,
        columns,
    } = breakage;
    let (severity, message, queries) = match uses {
        Some([]) => (
            Severity::Info,
            format!(
                "{change}: no logged statement uses it; code the logs did not capture (jobs, \
                 reports, other services) would fail with `{failure}`"
            ),
            Vec::new(),
        ),
        Some(uses) => {
            let uses: Vec<&QueryUse> = uses.iter().collect();
            (
                Severity::Error,
                format!(
                    "{change}, but the logs show it in use — {}: {} with `{failure}` once it \
                     commits; {advice}",
                    describe(&uses),
                    if uses.len() == 1 {
                        "it fails"
                    } else {
                        "they fail"
                    },
                ),
                uses.iter().map(|u| format_id(u.fingerprint)).collect(),
            )
        }
        None => (
            Severity::Warning,
            format!(
                "{change}: queries still using it fail with `{failure}` once it commits; \
                 {advice} (--log names the statements that use it)"
            ),
            Vec::new(),
        ),
    };
    Finding {
        severity,
        message,
        table: Some(table),
        columns,
        queries,
        ..rule.finding_at(context)
    }
}
