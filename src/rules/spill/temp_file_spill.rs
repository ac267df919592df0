//! ## What it finds
//! A statement that wrote temporary files: a sort, hash, or materialized result that did not
//! fit in `work_mem` and spilled to disk, as the server logged it (`log_temp_files`). The
//! finding gives how many files, their bytes and the largest, per call, and the `work_mem`
//! that would have kept it in memory.
//!
//! ## Why it matters
//! A spilled sort or hash writes its rows to disk and reads them back, in several passes
//! when they are many: the statement waits on that I/O, and the files compete with the
//! tables for the disk and the page cache. A statement that spills in every call pays it
//! every time.
//!
//! ## Example
//! ```sql
//! -- work_mem = 64kB; after every call the server logs
//! -- LOG:  temporary file: path "base/pgsql_tmp/pgsql_tmp15258.0", size 155648
//! SELECT id, order_id, product_id, price FROM order_items ORDER BY price DESC, id;
//! ```
//!
//! ## Instead
//! Give this statement the memory, not every session: in the transaction that runs it, or
//! for the role that runs it.
//! ```sql
//! BEGIN;
//! SET LOCAL work_mem = '1MB';
//! SELECT id, order_id, product_id, price FROM order_items ORDER BY price DESC, id;
//! COMMIT;
//! -- or: ALTER ROLE reporting SET work_mem = '1MB';
//! ```
//! An index that returns the rows in the order asked (`order_items (price DESC, id)`)
//! avoids the sort altogether; a `LIMIT` or fewer columns make it smaller.
//!
//! ## How the saving is estimated
//! Not in cost units: the finding has no `estimated_saving`. The `work_mem` suggested is
//! three times the largest temporary file, rounded up to a power of two in MB: rows take
//! more room in memory than in a temporary file (on PostgreSQL 15, a sort that wrote a
//! 152 kB file needed 352 kB to run in memory, 2.3 times; a hash aggregate that wrote
//! 216 kB needed 265 kB). A statement's sort and hash nodes may each use that much, so the
//! finding also gives what the setting costs at the logged concurrency: for every session,
//! the suggested `work_mem` times the statements running at once on average, rounded up
//! (Little's law: the logged statement time divided by the time the log spans); for this
//! statement alone, the suggested `work_mem` per call of it running.

use crate::findings::{Category, Finding, Severity, shorten};
use crate::model::workload::{QueryStats, Summary};
use crate::rules::Context;
use crate::rules::{Check, Rule};
use crate::sql::fingerprint::format_id;
use crate::units::{human_bytes, thousands};

pub static RULE: Rule = Rule {
    id: "SPILL001",
    name: "temp-file-spill",
    category: Category::Spill,
    severity: Severity::Warning,
    source: include_str!("temp_file_spill.rs"),
    check: Check::Workload(check),
};

/// Memory a spilled node needs per byte of its largest temporary file (measured 2.3 for a
/// sort, 1.2 for a hash aggregate: see the doc).
const MEMORY_PER_FILE_BYTE: u64 = 3;
const MB: u64 = 1 << 20;

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    let mut spilled: Vec<(u64, &QueryStats)> = context
        .profile
        .queries
        .iter()
        .filter(|(_, stats)| !stats.events().temp_files.is_empty())
        .map(|(id, stats)| (*id, stats))
        .collect();
    spilled.sort_by_key(|(id, stats)| (std::cmp::Reverse(stats.events().temp_files.bytes), *id));
    for (fingerprint, stats) in spilled {
        out.push(finding(fingerprint, stats, &context.profile.summary));
    }
}

/// The `work_mem` (in MB, a power of two) that holds a node whose largest file had `bytes`.
pub fn work_mem_mb_for(largest_file_bytes: u64) -> u64 {
    (largest_file_bytes * MEMORY_PER_FILE_BYTE)
        .div_ceil(MB)
        .max(1)
        .next_power_of_two()
}

fn finding(fingerprint: u64, stats: &QueryStats, summary: &Summary) -> Finding {
    let files = stats.events().temp_files;
    let work_mem_mb = work_mem_mb_for(files.largest);
    let per_call = match stats.calls {
        0 => String::new(),
        calls => format!(
            " in {} call{}",
            thousands(calls as f64),
            if calls == 1 { "" } else { "s" }
        ),
    };
    let mut message = format!(
        "`{}` wrote {} temporary file{} ({}, the largest {}){per_call}: `work_mem = '{work_mem_mb}MB'` would keep it in memory",
        shorten(&stats.normalized, 80),
        thousands(files.count as f64),
        if files.count == 1 { "" } else { "s" },
        human_bytes(files.bytes as i64),
        human_bytes(files.largest as i64),
    );
    if let Some(running) = summary.mean_concurrency() {
        let sessions = running.ceil().max(1.0) as u64;
        message.push_str(&format!(
            "; set for every session it may take {}MB per sort or hash node at the {running:.2} statements running at once on average (logged time ÷ time span), set for this statement alone (SET LOCAL) {work_mem_mb}MB per call running",
            work_mem_mb * sessions,
        ));
    }
    Finding {
        message,
        sql: Some(format!("SET LOCAL work_mem = '{work_mem_mb}MB';")),
        queries: vec![format_id(fingerprint)],
        ..RULE.finding()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_three_times_the_largest_file_in_whole_megabytes() {
        assert_eq!(work_mem_mb_for(155_648), 1);
        assert_eq!(work_mem_mb_for(400_000), 2);
        assert_eq!(work_mem_mb_for(1_680_000), 8);
        assert_eq!(work_mem_mb_for(0), 1);
    }
}
