//! ## What it finds
//! A sort, hash or hash aggregate in a plan `auto_explain` logged that did not fit in
//! `work_mem` and went to disk: `Sort Method: external merge  Disk: 152kB`, a hash join in
//! more than one batch, a hash aggregate with `Disk Usage`. The finding names the node and
//! the `work_mem` that would have held it, from the sizes the plan reports.
//!
//! ## Why it matters
//! A node on disk writes its rows to temporary files and reads them back, in several passes
//! when they are many: the statement waits on that I/O, and the files compete with the
//! tables for the disk and the page cache. SPILL001 sees the same from the temporary files
//! the server logs (`log_temp_files`); the plan says which node spilled, and by how much.
//!
//! ## Example
//! ```sql
//! -- work_mem = 64kB; auto_explain logged:
//! -- Sort (actual rows=4089 loops=1)
//! --   Sort Key: price DESC, id
//! --   Sort Method: external merge  Disk: 152kB
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
//! ```
//! An index that returns the rows in the order asked avoids the sort altogether.
//!
//! ## How the saving is estimated
//! Not in cost units: the finding has no `estimated_saving`. The `work_mem` suggested is, as
//! SPILL001's, three times the space on disk rounded up to a power of two in MB (rows take
//! more room in memory than on disk: PostgreSQL 15 needed 352 kB in memory for a sort that
//! wrote 152 kB). A hash join in N batches needs about N times its batch's peak memory, of
//! which `hash_mem_multiplier` (2 by default) times `work_mem` is allowed: half of it.

use super::{in_plans, kilobytes, nodes_where, planned, statement};
use crate::findings::{Category, Finding, Severity};
use crate::model::plans::{NodeKind, PlanNode};
use crate::rules::spill::temp_file_spill::work_mem_mb_for;
use crate::rules::{Check, Context, Rule};
use crate::sql::fingerprint::format_id;

pub static RULE: Rule = Rule {
    id: "PLAN003",
    name: "plan-spill-to-disk",
    category: Category::Plan,
    severity: Severity::Warning,
    source: include_str!("plan_spill_to_disk.rs"),
    check: Check::Workload(check),
};

/// `hash_mem_multiplier`'s default on PostgreSQL 15: hash nodes may use twice `work_mem`.
const HASH_MEM_MULTIPLIER: u64 = 2;

/// What a node put on disk, said for a message, and the `work_mem` (MB) that holds it.
fn spill(node: &PlanNode) -> Option<(String, u64)> {
    if let Some(sort) = node.sort.as_ref().filter(|sort| sort.disk) {
        let said = format!("{} on disk ({})", sort.method, kilobytes(sort.kb));
        return Some((said, work_mem_mb_for(sort.kb * 1024)));
    }
    if let Some(hash) = node.hash_batches.filter(|hash| hash.batches > 1) {
        let needed_kb = hash.memory_kb * hash.batches / HASH_MEM_MULTIPLIER;
        let said = format!(
            "{} batches (planned {}) of up to {} each",
            hash.batches,
            hash.original,
            kilobytes(hash.memory_kb)
        );
        return Some((
            said,
            (needed_kb * 1024)
                .div_ceil(1 << 20)
                .max(1)
                .next_power_of_two(),
        ));
    }
    (node.kind == NodeKind::Aggregate && node.disk_kb > 0).then(|| {
        let said = format!("{} on disk", kilobytes(node.disk_kb));
        (said, work_mem_mb_for(node.disk_kb * 1024))
    })
}

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    for (fingerprint, stats) in planned(context) {
        let (spills, plans) = nodes_where(stats, |_, _, node| Some((node, spill(node)?)));
        // The node that needs the most memory says what the statement needs.
        let Some((node, (said, work_mem_mb))) = spills
            .into_iter()
            .max_by_key(|(node, (_, mb))| (*mb, std::cmp::Reverse(node.depth)))
        else {
            continue;
        };
        out.push(Finding {
            message: format!(
                "`{}` in `{}` went to disk, {said}, {}: `work_mem = '{work_mem_mb}MB'` would keep it in memory (SET LOCAL for this statement, or for its role)",
                node.name,
                statement(stats),
                in_plans(plans, stats),
            ),
            sql: Some(format!("SET LOCAL work_mem = '{work_mem_mb}MB';")),
            queries: vec![format_id(fingerprint)],
            ..RULE.finding()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::plans::{HashBatches, SortSpace};

    #[test]
    fn sizes_work_mem_from_what_went_to_disk() {
        let sort = |disk, kb| PlanNode {
            kind: NodeKind::Sort,
            sort: Some(SortSpace {
                method: "external merge".into(),
                disk,
                kb,
            }),
            ..PlanNode::default()
        };
        assert_eq!(spill(&sort(true, 152)).map(|s| s.1), Some(1));
        assert_eq!(spill(&sort(true, 2000)).map(|s| s.1), Some(8));
        assert_eq!(spill(&sort(false, 20_000)), None, "in memory");
        let hash = |batches| PlanNode {
            kind: NodeKind::Hash,
            hash_batches: Some(HashBatches {
                batches,
                original: 1,
                memory_kb: 4000,
            }),
            ..PlanNode::default()
        };
        assert_eq!(spill(&hash(8)).map(|s| s.1), Some(16));
        assert_eq!(spill(&hash(1)), None);
        let aggregate = PlanNode {
            kind: NodeKind::Aggregate,
            disk_kb: 1024,
            ..PlanNode::default()
        };
        assert_eq!(spill(&aggregate).map(|s| s.1), Some(4));
    }
}
