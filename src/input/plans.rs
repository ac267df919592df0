//! `auto_explain` plans in the log: the message `duration: N ms  plan:` followed by the
//! plan in the text or JSON `auto_explain.log_format`, with or without ANALYZE, BUFFERS and
//! TIMING. Every log format carries the same message, so this is the one place it is read
//! into the model's compact tree (`model::plans`).
//!
//! The plan names its statement (`Query Text:`); `record` attaches it to that statement's
//! fingerprint. The plan's duration is not a call: with `log_min_duration_statement` on,
//! the server logs the same execution's `duration: … statement:` line too.

use super::record::parse_millis_as_micros;
use crate::model::plans::{
    Actual, HashBatches, LoggedPlan, NodeKind, PlanNode, SortSpace, Workers,
};
use serde_json::Value;
use std::borrow::Cow;

/// A logged plan's statement, and its tree still unread: the statement is read first, so
/// that a plan its statement does not keep (`QueryEvents::keeps`) costs no tree.
#[derive(Debug, PartialEq, Eq)]
pub struct Logged<'a> {
    pub query: Cow<'a, str>,
    body: Body<'a>,
}

#[derive(Debug, PartialEq, Eq)]
enum Body<'a> {
    /// The text format's tree, from its root node's line.
    Text(&'a str),
    /// The whole JSON document.
    Json(&'a str),
}

/// The plan after `duration: N ms  plan:` (`text` starts on the line after it); `None`
/// when it is in neither format planwise reads (YAML, XML) or is cut short.
pub fn statement(text: &str) -> Option<Logged<'_>> {
    let text = text.trim_start_matches('\n');
    match text.as_bytes().first()? {
        b'{' => {
            let only: QueryOnly = serde_json::from_str(text).ok()?;
            Some(Logged {
                query: only.query,
                body: Body::Json(text),
            })
        }
        _ => text_statement(text),
    }
}

impl Logged<'_> {
    /// The plan's tree; `duration_us` is its line's duration.
    pub fn tree(&self, duration_us: u64) -> Option<LoggedPlan> {
        let mut plan = match self.body {
            Body::Text(tree) => text_tree(tree)?,
            Body::Json(document) => json_tree(document)?,
        };
        plan.duration_us = duration_us;
        Some(plan)
    }
}

/// The statement of a JSON plan, the rest skipped unread.
#[derive(serde::Deserialize)]
struct QueryOnly<'a> {
    #[serde(rename = "Query Text", borrow)]
    query: Cow<'a, str>,
}

// ---- the text format ----

/// `Query Text: …` (maybe several lines), then the root node, `->` children indented
/// under their parent, each node's details indented under it, and plan-wide sections
/// (`JIT:`, `Trigger …`, `Settings: …`) at the left margin after the tree.
fn text_statement(text: &str) -> Option<Logged<'_>> {
    let rest = text.strip_prefix("Query Text: ")?;
    // The statement may span lines: the plan starts at the first line with a node's costs
    // (auto_explain always prints them).
    let mut start = 0;
    let plan_start = loop {
        let end = memchr::memchr(b'\n', &rest.as_bytes()[start..]).map(|at| start + at);
        let line = &rest[start..end.unwrap_or(rest.len())];
        if start > 0 && line.contains("  (cost=") {
            break start;
        }
        start = end? + 1;
    };
    Some(Logged {
        query: Cow::Borrowed(rest[..plan_start - 1].trim_end()),
        body: Body::Text(&rest[plan_start..]),
    })
}

fn text_tree(text: &str) -> Option<LoggedPlan> {
    let mut plan = LoggedPlan::default();
    // Columns of the `->` of the nodes on the path to the current one (0: the root).
    let mut path: Vec<usize> = Vec::new();
    let mut in_jit = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let column = line.len() - trimmed.len();
        let header = match trimmed.strip_prefix("->  ") {
            Some(header) => Some(header),
            None if plan.nodes.is_empty() => Some(trimmed),
            None => None,
        };
        if let Some(header) = header {
            while path
                .last()
                .is_some_and(|&at| at >= column && !plan.nodes.is_empty())
            {
                path.pop();
            }
            let mut node = node_line(header)?;
            node.depth = u16::try_from(path.len()).ok()?;
            plan.analyzed |= node.actual.is_some() || header.ends_with("(never executed)");
            plan.nodes.push(node);
            path.push(column);
            continue;
        }
        if column == 0 {
            in_jit = trimmed == "JIT:";
        } else if in_jit {
            if let Some(timing) = trimmed.strip_prefix("Timing: ") {
                plan.jit_us = jit_total(timing);
            }
        } else if let Some(node) = plan.nodes.last_mut() {
            node_detail(node, trimmed);
        }
    }
    (!plan.nodes.is_empty()).then_some(plan)
}

/// `Index Scan using i on t x  (cost=0.28..8.84 rows=1 width=11) (actual time=0.026..0.037
/// rows=25 loops=1)`, `(actual rows=25 loops=1)` without TIMING, or `(never executed)`.
fn node_line(header: &str) -> Option<PlanNode> {
    let (name_part, figures) = header.split_once("  (cost=")?;
    let (costs, actual) = figures.split_once(')')?;
    let mut node = named_node(name_part);
    node.plan_rows = field(costs, "rows=")?;
    let actual = actual.trim_start();
    if let Some(actual) = actual.strip_prefix("(actual ") {
        node.actual = Some(Actual {
            rows: field(actual, "rows=")?,
            loops: field(actual, "loops=")?,
            total_us: actual
                .strip_prefix("time=")
                .and_then(|time| time.split_once("..")?.1.split(' ').next())
                .and_then(parse_millis_as_micros),
        });
    }
    Some(node)
}

/// A node from its printed name: `Parallel Seq Scan on t x`, `Hash Left Join`,
/// `Index Only Scan Backward using i on t`, `Bitmap Index Scan on i`, `Finalize
/// HashAggregate`.
fn named_node(name_part: &str) -> PlanNode {
    let (head, index, target) = match name_part.split_once(" using ") {
        Some((head, rest)) => match rest.split_once(" on ") {
            Some((index, relation)) => (head, Some(index), Some(relation)),
            None => (head, Some(rest), None),
        },
        None => match name_part.split_once(" on ") {
            Some((head, target)) => (head, None, Some(target)),
            None => (name_part, None, None),
        },
    };
    let base = head
        .trim_start_matches("Parallel ")
        .trim_start_matches("Partial ")
        .trim_start_matches("Finalize ")
        .trim_end_matches(" Backward");
    let kind = NodeKind::of(base);
    let kind = match kind {
        NodeKind::Other if base.starts_with("Nested Loop") => NodeKind::NestedLoop,
        NodeKind::Other if base.starts_with("Hash ") && base.ends_with(" Join") => {
            NodeKind::HashJoin
        }
        NodeKind::Other if base.starts_with("Merge ") && base.ends_with(" Join") => {
            NodeKind::MergeJoin
        }
        kind => kind,
    };
    let target = target.map(first_identifier);
    let (relation, index) = match kind {
        NodeKind::BitmapIndexScan => (None, target),
        _ => (target, index.map(first_identifier)),
    };
    PlanNode {
        kind,
        name: head.to_string(),
        relation,
        index,
        ..PlanNode::default()
    }
}

/// The relation of `orders o` or `"Order Lines" l`: the first identifier, unquoted.
fn first_identifier(text: &str) -> String {
    match text.strip_prefix('"') {
        Some(quoted) => quoted.split('"').next().unwrap_or(quoted).to_string(),
        None => text.split(' ').next().unwrap_or(text).to_string(),
    }
}

/// The number after `name` in `rows=25 loops=1` (a fraction, from newer servers, rounded).
fn field(text: &str, name: &str) -> Option<u64> {
    let (_, after) = text.split_once(name)?;
    let number = after.split([' ', ')']).next()?;
    number
        .parse::<u64>()
        .ok()
        .or_else(|| number.parse::<f64>().ok().map(|n| n.round() as u64))
}

/// A detail line of the node above it.
fn node_detail(node: &mut PlanNode, line: &str) {
    // A parallel sort's workers print their own `Worker N:  Sort Method: …`.
    let line = match line.strip_prefix("Worker ") {
        Some(rest) => rest.split_once(":  ").map_or(line, |(_, detail)| detail),
        None => line,
    };
    let Some((key, value)) = line.split_once(": ") else {
        return;
    };
    let number = || value.trim().parse::<u64>().ok();
    match key {
        "Filter" => node.filter = Some(value.to_string()),
        "Rows Removed by Filter" => node.rows_removed_by_filter = number().unwrap_or(0),
        "Heap Fetches" => node.heap_fetches = number(),
        "Workers Planned" => node.workers.get_or_insert_default().planned = number().unwrap_or(0),
        "Workers Launched" => node.workers.get_or_insert_default().launched = number().unwrap_or(0),
        "Sort Method" => sort_method(node, value),
        "Buckets" => node.hash_batches = hash_buckets(value),
        // A hash aggregate: `Batches: 5  Memory Usage: 4145kB  Disk Usage: 1024kB`.
        "Batches" => {
            node.disk_kb = node
                .disk_kb
                .max(kb_after(value, "Disk Usage: ").unwrap_or(0))
        }
        _ => {}
    }
}

/// `external merge  Disk: 152kB` / `quicksort  Memory: 25kB`; the largest of a node's
/// workers is kept.
fn sort_method(node: &mut PlanNode, value: &str) {
    let (method, space) = value.split_once("  ").unwrap_or((value, ""));
    let (disk, kb) = match kb_after(space, "Disk: ") {
        Some(kb) => (true, kb),
        None => (false, kb_after(space, "Memory: ").unwrap_or(0)),
    };
    let sort = SortSpace {
        method: method.to_string(),
        disk,
        kb,
    };
    match &node.sort {
        Some(kept) if (kept.disk, kept.kb) >= (sort.disk, sort.kb) => {}
        _ => node.sort = Some(sort),
    }
}

/// `1024  Batches: 1  Memory Usage: 40kB` or `4096 (originally 1024)  Batches: 8
/// (originally 1)  Memory Usage: 40kB`.
fn hash_buckets(value: &str) -> Option<HashBatches> {
    let (_, batches) = value.split_once("Batches: ")?;
    let (now, after) = batches.split_once(' ').unwrap_or((batches, ""));
    let batches_now = now.parse().ok()?;
    let original = after
        .strip_prefix("(originally ")
        .and_then(|rest| rest.split(')').next()?.parse().ok())
        .unwrap_or(batches_now);
    Some(HashBatches {
        batches: batches_now,
        original,
        memory_kb: kb_after(value, "Memory Usage: ").unwrap_or(0),
    })
}

/// The kB figure after `label` (`Disk: 152kB`).
fn kb_after(text: &str, label: &str) -> Option<u64> {
    let (_, rest) = text.split_once(label)?;
    rest.split("kB").next()?.trim().parse().ok()
}

/// `Generation 0.580 ms, Inlining …, Total 270.766 ms` → the total in µs.
fn jit_total(timing: &str) -> Option<u64> {
    let (_, total) = timing.rsplit_once("Total ")?;
    parse_millis_as_micros(total.strip_suffix(" ms")?)
}

// ---- the JSON format ----

fn json_tree(document: &str) -> Option<LoggedPlan> {
    let value: Value = serde_json::from_str(document).ok()?;
    let mut plan = LoggedPlan {
        jit_us: value
            .pointer("/JIT/Timing/Total")
            .and_then(Value::as_f64)
            .map(|ms| (ms * 1000.0).round() as u64),
        ..LoggedPlan::default()
    };
    json_node(value.get("Plan")?, 0, &mut plan)?;
    Some(plan)
}

fn json_node(value: &Value, depth: u16, plan: &mut LoggedPlan) -> Option<()> {
    let number = |key: &str| {
        value
            .get(key)
            .and_then(Value::as_f64)
            .map(|n| n.round() as u64)
    };
    let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_string);
    let node_type = value.get("Node Type")?.as_str()?;
    let parallel = value.get("Parallel Aware").and_then(Value::as_bool) == Some(true);
    let kind = NodeKind::of(node_type);
    let actual = number("Actual Loops")
        .filter(|&loops| loops > 0)
        .map(|loops| Actual {
            rows: number("Actual Rows").unwrap_or(0),
            loops,
            total_us: value
                .get("Actual Total Time")
                .and_then(Value::as_f64)
                .map(|ms| (ms * 1000.0).round() as u64),
        });
    plan.analyzed |= value.get("Actual Loops").is_some();
    let batches = number("Hash Batches");
    let node = PlanNode {
        depth,
        kind,
        name: if parallel {
            format!("Parallel {node_type}")
        } else {
            node_type.to_string()
        },
        relation: text("Relation Name"),
        index: text("Index Name"),
        plan_rows: number("Plan Rows").unwrap_or(0),
        actual,
        filter: text("Filter"),
        rows_removed_by_filter: number("Rows Removed by Filter").unwrap_or(0),
        sort: text("Sort Method").map(|method| SortSpace {
            method,
            disk: value.get("Sort Space Type").and_then(Value::as_str) == Some("Disk"),
            kb: number("Sort Space Used").unwrap_or(0),
        }),
        hash_batches: batches.map(|batches| HashBatches {
            batches,
            original: number("Original Hash Batches").unwrap_or(batches),
            memory_kb: number("Peak Memory Usage").unwrap_or(0),
        }),
        disk_kb: if kind == NodeKind::Aggregate {
            number("Disk Usage").unwrap_or(0)
        } else {
            0
        },
        heap_fetches: number("Heap Fetches"),
        workers: number("Workers Planned").map(|planned| Workers {
            planned,
            launched: number("Workers Launched").unwrap_or(0),
        }),
    };
    plan.nodes.push(node);
    for child in value
        .get("Plans")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        json_node(child, depth + 1, plan)?;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plan and the statement it is the plan of.
    #[derive(Debug, PartialEq, Eq)]
    struct ReadPlan<'a> {
        query: Cow<'a, str>,
        plan: LoggedPlan,
    }

    fn read(text: &str, duration_us: u64) -> Option<ReadPlan<'_>> {
        let logged = statement(text)?;
        let plan = logged.tree(duration_us)?;
        Some(ReadPlan {
            query: logged.query,
            plan,
        })
    }

    /// What PostgreSQL 15's auto_explain logged (text format, ANALYZE and BUFFERS).
    const NESTED_LOOP: &str = "\nQuery Text: SELECT i.id, p.name FROM order_items i\n  JOIN products p ON p.id = i.product_id WHERE i.qty = 2;
Nested Loop  (cost=0.16..148.78 rows=1362 width=15) (actual time=0.092..2.291 rows=1362 loops=1)
  Buffers: shared hit=826
  ->  Seq Scan on order_items i  (cost=0.00..78.11 rows=1362 width=8) (actual time=0.011..0.738 rows=1362 loops=1)
        Filter: (qty = 2)
        Rows Removed by Filter: 2727
        Buffers: shared hit=27
  ->  Memoize  (cost=0.16..0.19 rows=1 width=15) (actual time=0.001..0.001 rows=1 loops=1362)
        Cache Key: i.product_id
        Hits: 1162  Misses: 200  Evictions: 0  Overflows: 0  Memory Usage: 23kB
        ->  Index Scan using products_pkey on products p  (cost=0.15..0.18 rows=1 width=15) (actual time=0.002..0.002 rows=1 loops=200)
              Index Cond: (id = i.product_id)
JIT:
  Functions: 5
  Options: Inlining true, Optimization true, Expressions true, Deforming true
  Timing: Generation 0.580 ms, Inlining 176.557 ms, Optimization 54.491 ms, Emission 39.137 ms, Total 270.766 ms";

    #[test]
    fn reads_a_text_plan_into_its_tree() {
        let read = read(NESTED_LOOP, 5248).unwrap();
        assert_eq!(
            read.query,
            "SELECT i.id, p.name FROM order_items i\n  JOIN products p ON p.id = i.product_id WHERE i.qty = 2;"
        );
        let plan = read.plan;
        assert_eq!((plan.duration_us, plan.analyzed), (5248, true));
        assert_eq!(plan.jit_us, Some(270_766));
        let shape: Vec<_> = plan
            .nodes
            .iter()
            .map(|n| (n.depth, n.kind, n.relation.as_deref(), n.index.as_deref()))
            .collect();
        assert_eq!(
            shape,
            [
                (0, NodeKind::NestedLoop, None, None),
                (1, NodeKind::SeqScan, Some("order_items"), None),
                (1, NodeKind::Memoize, None, None),
                (
                    2,
                    NodeKind::IndexScan,
                    Some("products"),
                    Some("products_pkey")
                ),
            ]
        );
        let scan = &plan.nodes[1];
        assert_eq!(scan.filter.as_deref(), Some("(qty = 2)"));
        assert_eq!(scan.rows_removed_by_filter, 2727);
        assert_eq!(
            plan.nodes[2].actual,
            Some(Actual {
                rows: 1,
                loops: 1362,
                total_us: Some(1)
            })
        );
    }

    #[test]
    fn reads_sorts_hashes_workers_and_heap_fetches() {
        let text = "Query Text: SELECT 1
Finalize Aggregate  (cost=49.73..49.74 rows=1 width=8) (actual rows=1 loops=1)
  ->  Gather  (cost=49.72..49.73 rows=2 width=8) (actual rows=1 loops=1)
        Workers Planned: 2
        Workers Launched: 0
        ->  Sort  (cost=1.00..2.00 rows=4089 width=18) (never executed)
              Sort Method: external merge  Disk: 152kB
              Worker 0:  Sort Method: external merge  Disk: 208kB
              ->  Hash Left Join  (cost=1.00..2.00 rows=10 width=4) (actual rows=10 loops=1)
                    ->  Index Only Scan Backward using products_pkey on \"Products\" p  (cost=0.15..19.80 rows=380 width=4) (actual rows=190 loops=1)
                          Heap Fetches: 190
                    ->  Hash  (cost=1.00..2.00 rows=10 width=4) (actual rows=10 loops=1)
                          Buckets: 4096 (originally 1024)  Batches: 8 (originally 1)  Memory Usage: 40kB
                          ->  Bitmap Index Scan on orders_pkey  (cost=1.00..2.00 rows=10 width=4) (actual rows=10 loops=1)
  ->  HashAggregate  (cost=1.00..2.00 rows=10 width=4) (actual rows=10 loops=1)
        Batches: 5  Memory Usage: 4145kB  Disk Usage: 1024kB";
        let plan = read(text, 1).unwrap().plan;
        let kinds: Vec<_> = plan.nodes.iter().map(|n| (n.depth, n.kind)).collect();
        assert_eq!(
            kinds,
            [
                (0, NodeKind::Aggregate),
                (1, NodeKind::Gather),
                (2, NodeKind::Sort),
                (3, NodeKind::HashJoin),
                (4, NodeKind::IndexOnlyScan),
                (4, NodeKind::Hash),
                (5, NodeKind::BitmapIndexScan),
                (1, NodeKind::Aggregate),
            ]
        );
        assert_eq!(
            plan.nodes[1].workers,
            Some(Workers {
                planned: 2,
                launched: 0
            })
        );
        assert_eq!(plan.nodes[2].actual, None);
        let sort = plan.nodes[2].sort.as_ref().unwrap();
        assert_eq!(
            (sort.method.as_str(), sort.disk, sort.kb),
            ("external merge", true, 208)
        );
        assert_eq!(plan.nodes[4].heap_fetches, Some(190));
        assert_eq!(plan.nodes[4].relation.as_deref(), Some("Products"));
        assert_eq!(
            plan.nodes[5].hash_batches,
            Some(HashBatches {
                batches: 8,
                original: 1,
                memory_kb: 40
            })
        );
        assert_eq!(plan.nodes[6].index.as_deref(), Some("orders_pkey"));
        assert_eq!(plan.nodes[7].disk_kb, 1024);
        assert_eq!(plan.jit_us, None);
    }

    #[test]
    fn reads_a_json_plan_as_the_text_one() {
        let json = r#"
{
  "Query Text": "SELECT count(*) FROM order_items WHERE qty = 3;",
  "Plan": {
    "Node Type": "Aggregate", "Strategy": "Plain", "Partial Mode": "Finalize",
    "Parallel Aware": false, "Plan Rows": 1, "Actual Total Time": 1.144,
    "Actual Rows": 1, "Actual Loops": 1,
    "Plans": [
      {
        "Node Type": "Gather", "Parallel Aware": false, "Plan Rows": 2,
        "Actual Rows": 1, "Actual Loops": 1, "Workers Planned": 2, "Workers Launched": 0,
        "Plans": [
          {
            "Node Type": "Seq Scan", "Parallel Aware": true, "Relation Name": "order_items",
            "Alias": "order_items", "Plan Rows": 568, "Actual Total Time": 0.551,
            "Actual Rows": 1364, "Actual Loops": 1, "Filter": "(qty = 3)",
            "Rows Removed by Filter": 2725
          }
        ]
      }
    ]
  },
  "JIT": {"Functions": 5, "Timing": {"Generation": 0.374, "Total": 117.921}}
}"#;
        let read = read(json, 1150).unwrap();
        assert_eq!(
            read.query,
            "SELECT count(*) FROM order_items WHERE qty = 3;"
        );
        let plan = read.plan;
        assert_eq!(plan.jit_us, Some(117_921));
        assert!(plan.analyzed);
        let scan = &plan.nodes[2];
        assert_eq!(
            (scan.depth, scan.kind, scan.name.as_str()),
            (2, NodeKind::SeqScan, "Parallel Seq Scan")
        );
        assert_eq!((scan.plan_rows, scan.rows_removed_by_filter), (568, 2725));
        assert_eq!(
            scan.actual,
            Some(Actual {
                rows: 1364,
                loops: 1,
                total_us: Some(551)
            })
        );
        assert_eq!(
            plan.nodes[1].workers,
            Some(Workers {
                planned: 2,
                launched: 0
            })
        );
    }

    #[test]
    fn other_formats_and_cut_plans_are_not_read() {
        assert_eq!(
            read("\nQuery Text: SELECT 1\nPlan: \n  Node Type: \"Result\"", 1),
            None
        );
        assert_eq!(
            read(
                "\n<explain xmlns=\"http://www.postgresql.org/2009/explain\">",
                1
            ),
            None
        );
        assert_eq!(read("\n{\n  \"Query Text\": \"SELECT 1\",", 1), None);
        assert_eq!(read("\nQuery Text: SELECT 1", 1), None);
    }
}
