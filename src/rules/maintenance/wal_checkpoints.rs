//! ## What it finds
//! Checkpoints started by WAL volume rather than by time: the log shows `checkpoint
//! starting: wal` (`log_checkpoints`) at least twice and at least as often as `checkpoint
//! starting: time`, or the server's own warning `checkpoints are occurring too frequently
//! (N seconds apart)`. The finding gives a `max_wal_size` sized from the WAL the logged
//! checkpoints report (`distance=… kB`).
//!
//! ## Why it matters
//! A checkpoint writes every dirty page of shared buffers to disk. PostgreSQL starts one
//! every `checkpoint_timeout`, or earlier, once the WAL written since the last one reaches
//! about `max_wal_size / (1 + checkpoint_completion_target)`. Checkpoints that come early
//! write the same hot pages again and again, and after each one the first change of every
//! page logs the whole page into the WAL (`full_page_writes`), so the WAL grows and the
//! next checkpoint comes sooner still.
//!
//! ## Example
//! ```sql
//! -- max_wal_size = '32MB'; a bulk load, then the server logs
//! -- LOG:  checkpoints are occurring too frequently (7 seconds apart)
//! -- HINT:  Consider increasing the configuration parameter "max_wal_size".
//! -- LOG:  checkpoint starting: wal
//! INSERT INTO wal_filler SELECT g, repeat('x', 400) FROM generate_series(1, 120000) g;
//! ```
//!
//! ## Instead
//! Give the WAL room for a checkpoint per `checkpoint_timeout` (a reload is enough, no
//! restart); `pg_wal` may then take up to about that much disk:
//! ```sql
//! ALTER SYSTEM SET max_wal_size = '4GB';
//! SELECT pg_reload_conf();
//! ```
//!
//! ## How the saving is estimated
//! Not in cost units: the finding has no `estimated_saving`. The WAL rate is the larger of
//! two figures from the log: the `distance` of every completed checkpoint summed over the
//! time the log's statements span (the mean rate), and, when the server warned, the largest
//! `distance` over the mean of the warnings' `N seconds apart` (a burst's rate). The
//! suggested `max_wal_size` is that rate times `checkpoint_timeout` times `1 +
//! checkpoint_completion_target` — the log tells neither setting, so their defaults are
//! assumed (5 min, 0.9) — and at least twice what the largest logged distance implies the
//! current setting is, rounded up to a power of two in MB.

use crate::findings::{Category, Finding, Severity};
use crate::model::events::Checkpoints;
use crate::rules::Context;
use crate::rules::{Check, Rule};
use crate::units::thousands;

pub static RULE: Rule = Rule {
    id: "MAINT003",
    name: "wal-checkpoints",
    category: Category::Maintenance,
    severity: Severity::Warning,
    source: include_str!("wal_checkpoints.rs"),
    check: Check::Workload(check),
};

/// The defaults of the settings the log does not tell (PostgreSQL 14 and later).
pub const CHECKPOINT_TIMEOUT_S: f64 = 300.0;
pub const CHECKPOINT_COMPLETION_TARGET: f64 = 0.9;
/// WAL checkpoints fewer than this may be a one-off load.
const MIN_WAL_CHECKPOINTS: u64 = 2;

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    let checkpoints = &context.profile.events.checkpoints;
    let by_wal = checkpoints.wal >= MIN_WAL_CHECKPOINTS && checkpoints.wal >= checkpoints.timed;
    if !by_wal && checkpoints.too_frequent == 0 {
        return;
    }
    let span_s = context.profile.summary.span_us().map(|us| us as f64 / 1e6);
    let Some(rate) = wal_rate(checkpoints, span_s) else {
        return;
    };
    let max_wal_size_mb = suggested_max_wal_size_mb(checkpoints, rate.kb_per_s);
    let message = format!(
        "{} of {} checkpoint{} started by WAL volume (`checkpoint starting: wal`){}; the largest distance between two checkpoints was {} MB and WAL was written at {:.1} MB/s ({}): a checkpoint per checkpoint_timeout (5 min, the default: the log does not say) needs `max_wal_size` ≥ {:.1} MB/s × 300 s × (1 + checkpoint_completion_target 0.9) → '{}'",
        thousands(checkpoints.wal as f64),
        thousands(checkpoints.starts() as f64),
        if checkpoints.starts() == 1 { "" } else { "s" },
        warnings(checkpoints),
        thousands(checkpoints.largest_distance_kb as f64 / 1024.0),
        rate.kb_per_s / 1024.0,
        rate.basis,
        rate.kb_per_s / 1024.0,
        size_setting(max_wal_size_mb),
    );
    out.push(Finding {
        message,
        sql: Some(format!(
            "ALTER SYSTEM SET max_wal_size = '{}';\nSELECT pg_reload_conf();",
            size_setting(max_wal_size_mb)
        )),
        ..RULE.finding()
    });
}

fn warnings(checkpoints: &Checkpoints) -> String {
    match checkpoints.too_frequent {
        0 => String::new(),
        n => format!(
            ", and the server warned {} that checkpoints occurred too frequently ({:.0} s apart on average)",
            match n {
                1 => "once".to_string(),
                2 => "twice".to_string(),
                n => format!("{} times", thousands(n as f64)),
            },
            checkpoints.too_frequent_seconds as f64 / n as f64
        ),
    }
}

/// WAL written per second, and what the figure rests on.
struct WalRate {
    kb_per_s: f64,
    basis: &'static str,
}

/// The larger of the mean rate over the log and the rate of the bursts the warnings show.
fn wal_rate(checkpoints: &Checkpoints, span_s: Option<f64>) -> Option<WalRate> {
    let mean = span_s.filter(|span| *span > 0.0).map(|span| WalRate {
        kb_per_s: checkpoints.distance_kb as f64 / span,
        basis: "the checkpoints' distances over the time the log spans",
    });
    let burst = (checkpoints.too_frequent > 0).then(|| {
        let apart = checkpoints.too_frequent_seconds as f64 / checkpoints.too_frequent as f64;
        WalRate {
            kb_per_s: checkpoints.largest_distance_kb as f64 / apart.max(1.0),
            basis: "the largest distance over the warnings' mean interval",
        }
    });
    [mean, burst]
        .into_iter()
        .flatten()
        .filter(|rate| rate.kb_per_s > 0.0)
        .max_by(|a, b| a.kb_per_s.total_cmp(&b.kb_per_s))
}

/// `max_wal_size` in MB (a power of two) for a checkpoint per `checkpoint_timeout` at
/// `kb_per_s`, and at least twice the setting the largest logged distance implies: a WAL
/// checkpoint starts at about `max_wal_size / (1 + checkpoint_completion_target)`.
pub fn suggested_max_wal_size_mb(checkpoints: &Checkpoints, kb_per_s: f64) -> u64 {
    let factor = 1.0 + CHECKPOINT_COMPLETION_TARGET;
    let for_timeout_kb = kb_per_s * CHECKPOINT_TIMEOUT_S * factor;
    let twice_current_kb = 2.0 * checkpoints.largest_distance_kb as f64 * factor;
    let mb = (for_timeout_kb.max(twice_current_kb) / 1024.0).ceil() as u64;
    mb.max(1).next_power_of_two()
}

/// `4096` → `4GB`, `512` → `512MB`: as `ALTER SYSTEM` takes it.
fn size_setting(mb: u64) -> String {
    if mb >= 1024 && mb.is_multiple_of(1024) {
        format!("{}GB", mb / 1024)
    } else {
        format!("{mb}MB")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_the_wal_for_a_checkpoint_per_timeout() {
        let checkpoints = Checkpoints {
            largest_distance_kb: 35_150,
            ..Checkpoints::default()
        };
        // 5 MB/s for 300 s, times 1.9: 2,862 MB → 4GB.
        assert_eq!(suggested_max_wal_size_mb(&checkpoints, 5_021.0), 4096);
        // A slow rate: twice the 65 MB the largest distance implies, 130 MB → 256MB.
        assert_eq!(suggested_max_wal_size_mb(&checkpoints, 10.0), 256);
        assert_eq!(size_setting(4096), "4GB");
        assert_eq!(size_setting(256), "256MB");
    }
}
