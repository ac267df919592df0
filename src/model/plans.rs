//! `auto_explain` plans as the model keeps them: a small typed tree per plan, with only the
//! figures the plan rules read (rows planned and actual, loops, filters, sorts and hashes
//! that went to disk, heap fetches, workers, JIT time).
//!
//! Memory stays bounded: a statement keeps its [`KEPT_PLANS`] slowest plans, not every plan
//! the log holds; the count of all of them is `QueryEvents::plans`.

use serde::{Deserialize, Serialize};

/// Plans kept per statement: the slowest, which are the ones worth reading.
pub const KEPT_PLANS: usize = 3;

/// One plan `auto_explain` logged.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct LoggedPlan {
    /// The `duration:` of the plan's line: the statement's executor time.
    pub duration_us: u64,
    /// Whether it carries actual figures (`auto_explain.log_analyze`).
    pub analyzed: bool,
    /// JIT compilation time, when the plan was compiled (`JIT: … Total N ms`).
    pub jit_us: Option<u64>,
    /// The nodes in pre-order: the root first, each node followed by its subtree.
    pub nodes: Vec<PlanNode>,
}

/// What a node is, as far as the rules care; the printed name is in `PlanNode::name`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    SeqScan,
    IndexScan,
    IndexOnlyScan,
    BitmapHeapScan,
    BitmapIndexScan,
    NestedLoop,
    HashJoin,
    MergeJoin,
    Hash,
    Sort,
    IncrementalSort,
    Aggregate,
    Gather,
    GatherMerge,
    Memoize,
    Materialize,
    #[default]
    Other,
}

impl NodeKind {
    /// The kind of a node type as EXPLAIN's JSON names it (`Node Type`), or as the text
    /// format prints it once the join type and `Parallel`/`Partial` are taken off.
    pub fn of(node_type: &str) -> NodeKind {
        match node_type {
            "Seq Scan" => NodeKind::SeqScan,
            "Index Scan" => NodeKind::IndexScan,
            "Index Only Scan" => NodeKind::IndexOnlyScan,
            "Bitmap Heap Scan" => NodeKind::BitmapHeapScan,
            "Bitmap Index Scan" => NodeKind::BitmapIndexScan,
            "Nested Loop" => NodeKind::NestedLoop,
            "Hash Join" => NodeKind::HashJoin,
            "Merge Join" => NodeKind::MergeJoin,
            "Hash" => NodeKind::Hash,
            "Sort" => NodeKind::Sort,
            "Incremental Sort" => NodeKind::IncrementalSort,
            "Aggregate" | "HashAggregate" | "GroupAggregate" | "MixedAggregate" => {
                NodeKind::Aggregate
            }
            "Gather" => NodeKind::Gather,
            "Gather Merge" => NodeKind::GatherMerge,
            "Memoize" => NodeKind::Memoize,
            "Materialize" => NodeKind::Materialize,
            _ => NodeKind::Other,
        }
    }

    pub fn is_scan(self) -> bool {
        matches!(
            self,
            NodeKind::SeqScan
                | NodeKind::IndexScan
                | NodeKind::IndexOnlyScan
                | NodeKind::BitmapHeapScan
                | NodeKind::BitmapIndexScan
        )
    }
}

/// One plan node.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct PlanNode {
    /// 0 for the root, its children 1, …
    pub depth: u16,
    pub kind: NodeKind,
    /// The node as printed (`HashAggregate`, `Parallel Seq Scan`, `Aggregate`).
    pub name: String,
    pub relation: Option<String>,
    pub index: Option<String>,
    /// The planner's estimate of rows per loop.
    pub plan_rows: u64,
    /// What ran: `None` without ANALYZE, and for a node never executed.
    pub actual: Option<Actual>,
    /// The node's `Filter:` condition, as printed.
    pub filter: Option<String>,
    /// `Rows Removed by Filter`, per loop as printed ([`PlanNode::rows_removed_total`]).
    pub rows_removed_by_filter: u64,
    /// A sort's method and space (`Sort Method: external merge  Disk: 152kB`).
    pub sort: Option<SortSpace>,
    /// A hash's batches, and the batches it was planned with (`Batches: 8 (originally 1)`).
    pub hash_batches: Option<HashBatches>,
    /// A hash aggregate's disk use in kB (`Disk Usage: 1024kB`).
    pub disk_kb: u64,
    /// An index-only scan's `Heap Fetches`.
    pub heap_fetches: Option<u64>,
    /// A Gather's `Workers Planned` and `Workers Launched`.
    pub workers: Option<Workers>,
}

impl PlanNode {
    /// Rows removed by the filter over all loops: EXPLAIN prints the average per loop.
    pub fn rows_removed_total(&self) -> u64 {
        let loops = self.actual.map_or(1, |actual| actual.loops.max(1));
        self.rows_removed_by_filter.saturating_mul(loops)
    }
}

/// The actual figures of a node that ran.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Actual {
    /// Rows per loop (the average, rounded, as printed).
    pub rows: u64,
    pub loops: u64,
    /// Time per loop to the last row, in µs (`None` with `log_timing = off`).
    pub total_us: Option<u64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct SortSpace {
    /// `quicksort`, `top-N heapsort`, `external merge`, `external sort`.
    pub method: String,
    /// Whether the space is on disk (`Disk:`) rather than in memory (`Memory:`).
    pub disk: bool,
    pub kb: u64,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct HashBatches {
    pub batches: u64,
    pub original: u64,
    /// Peak memory of the hash table in kB.
    pub memory_kb: u64,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Workers {
    pub planned: u64,
    pub launched: u64,
}

impl LoggedPlan {
    /// The nodes below `at` (its subtree, without it).
    pub fn subtree(&self, at: usize) -> &[PlanNode] {
        let depth = self.nodes[at].depth;
        let end = self.nodes[at + 1..]
            .iter()
            .position(|node| node.depth <= depth)
            .map_or(self.nodes.len(), |offset| at + 1 + offset);
        &self.nodes[at + 1..end]
    }

    /// The direct children of the node at `at`, by index.
    pub fn children(&self, at: usize) -> impl Iterator<Item = usize> + '_ {
        let depth = self.nodes[at].depth;
        let count = self.subtree(at).len();
        (at + 1..at + 1 + count).filter(move |&i| self.nodes[i].depth == depth + 1)
    }
}

/// Whether a plan that ran `duration_us` would be among `kept` (as slow as the last kept
/// is not enough: among plans as slow, the first seen are kept).
pub fn would_keep(kept: &[LoggedPlan], duration_us: u64) -> bool {
    kept.len() < KEPT_PLANS
        || kept
            .last()
            .is_some_and(|last| duration_us > last.duration_us)
}

/// Keeps the slowest plans of a statement, at most [`KEPT_PLANS`], slowest first; among
/// plans as slow, the ones seen first.
pub fn keep_slowest(kept: &mut Vec<LoggedPlan>, more: impl IntoIterator<Item = LoggedPlan>) {
    kept.extend(more);
    // A stable sort: equal durations keep the order they were seen in.
    kept.sort_by_key(|plan| std::cmp::Reverse(plan.duration_us));
    kept.truncate(KEPT_PLANS);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(depth: u16) -> PlanNode {
        PlanNode {
            depth,
            ..PlanNode::default()
        }
    }

    #[test]
    fn children_and_subtrees_follow_the_depths() {
        let plan = LoggedPlan {
            nodes: vec![node(0), node(1), node(2), node(2), node(1), node(2)],
            ..LoggedPlan::default()
        };
        assert_eq!(plan.children(0).collect::<Vec<_>>(), [1, 4]);
        assert_eq!(plan.children(1).collect::<Vec<_>>(), [2, 3]);
        assert_eq!(plan.subtree(1).len(), 2);
        assert_eq!(plan.subtree(5).len(), 0);
    }

    #[test]
    fn keeps_the_slowest_plans_first_seen_first() {
        let plan = |duration_us, analyzed| LoggedPlan {
            duration_us,
            analyzed,
            ..LoggedPlan::default()
        };
        let mut kept = vec![plan(5, false)];
        keep_slowest(&mut kept, [plan(1, false), plan(9, false), plan(5, true)]);
        keep_slowest(&mut kept, [plan(2, false)]);
        assert!(!would_keep(&kept, 5) && would_keep(&kept, 6));
        let kept: Vec<_> = kept.iter().map(|p| (p.duration_us, p.analyzed)).collect();
        assert_eq!(kept, [(9, false), (5, false), (5, true)]);
    }
}
