//! ## What it finds
//! A statement the server cancelled before it finished: by `statement_timeout`, or at the
//! client's request (a driver's query timeout, `pg_cancel_backend`), as the log reports them
//! (`ERROR:  canceling statement due to statement timeout` / `… due to user request`,
//! SQLSTATE 57014, with the statement). One finding per statement, the most cancelled
//! first. Cancellations by `lock_timeout` are LOCK001's: they are waits.
//!
//! ## Why it matters
//! A cancelled statement did all its work up to the timeout for nothing: its result is
//! lost, its transaction is aborted, and the application usually retries it — paying again,
//! and cancelled again while nothing changes. A log does not time a cancelled statement,
//! so its cost is easy to miss among the ones that finished.
//!
//! ## Example
//! ```sql
//! SET statement_timeout = '100ms';
//! SELECT count(*) FROM order_items a CROSS JOIN order_items b;  -- cancelled every time
//! ```
//!
//! ## Instead
//! Make the statement fit its timeout: look at its plan (`EXPLAIN (ANALYZE, BUFFERS)`, or
//! `planwise analyze --db … --analyze`) for the index or rewrite it lacks, or give it less to
//! do (a `LIMIT`, a narrower range, a summary table kept up to date). If it is a report that
//! may take long, run it with a timeout of its own, on a replica if it can:
//! ```sql
//! BEGIN;
//! SET LOCAL statement_timeout = '5min';
//! SELECT …;
//! COMMIT;
//! ```
//!
//! ## How the saving is estimated
//! Not in cost units: the finding has no `estimated_saving`. It counts the cancellations the
//! log reports for the statement, beside its logged calls that finished.

use crate::findings::{Category, Finding, Severity, shorten};
use crate::model::workload::QueryStats;
use crate::rules::Context;
use crate::rules::{Check, Rule};
use crate::sql::fingerprint::format_id;
use crate::units::thousands;
use std::cmp::Reverse;

pub static RULE: Rule = Rule {
    id: "LOCK003",
    name: "statement-timeout-victim",
    category: Category::Contention,
    severity: Severity::Warning,
    source: include_str!("statement_timeout_victim.rs"),
    check: Check::Workload(check),
};

/// Cancellations by `statement_timeout` and at the client's request.
fn cancelled(stats: &QueryStats) -> u64 {
    let cancellations = stats.events().cancellations;
    cancellations.statement_timeout + cancellations.user_request
}

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    let mut victims: Vec<(u64, &QueryStats)> = context
        .profile
        .queries
        .iter()
        .filter(|(_, stats)| cancelled(stats) > 0)
        .map(|(id, stats)| (*id, stats))
        .collect();
    victims.sort_by_key(|(id, stats)| (Reverse(cancelled(stats)), *id));
    for (fingerprint, stats) in victims {
        out.push(finding(fingerprint, stats));
    }
}

fn times(count: u64) -> String {
    match count {
        1 => "once".to_string(),
        n => format!("{} times", thousands(n as f64)),
    }
}

fn finding(fingerprint: u64, stats: &QueryStats) -> Finding {
    let cancellations = stats.events().cancellations;
    let mut causes = Vec::new();
    if cancellations.statement_timeout > 0 {
        causes.push(format!(
            "by statement_timeout {}",
            times(cancellations.statement_timeout)
        ));
    }
    if cancellations.user_request > 0 {
        causes.push(format!(
            "at the client's request {}",
            times(cancellations.user_request)
        ));
    }
    let finished = match stats.calls {
        0 => "no call of it finished in the log".to_string(),
        1 => "1 logged call finished".to_string(),
        calls => format!("{} logged calls finished", thousands(calls as f64)),
    };
    Finding {
        message: format!(
            "`{}` was cancelled {}; {finished}",
            shorten(&stats.normalized, 80),
            causes.join(" and "),
        ),
        queries: vec![format_id(fingerprint)],
        ..RULE.finding()
    }
}
