//! The auto_explain plans of a real PostgreSQL 15 run (fixtures/logs/plans.*, made by
//! scripts/make-event-fixtures.sh, text and JSON `log_format`, with and without ANALYZE
//! and TIMING, nested statements): what planwise reads from the stderr, csvlog and jsonlog
//! files must be what scripts/count_events.py counted in them (plans-facts.json) — plans per
//! statement, calls not doubled by the plans' durations, the figures of the trees — whatever
//! the format, the blocks the log is cut into, or the hosted platform it is rendered for.

mod common;

use common::render::{Rendering, read_csvlog};
use common::{assert_same, fixture, json_report, options, read, read_with, rendered_profiles};
use planwise::model::plans::{KEPT_PLANS, LoggedPlan, NodeKind};
use planwise::model::workload::Profile;
use planwise::sql::fingerprint::Fingerprinter;
use serde_json::Value;
use std::collections::BTreeMap;

const FILES: [&str; 3] = ["plans.log", "plans.csv", "plans.json"];

fn facts() -> Value {
    let text = std::fs::read_to_string(fixture("plans-facts.json")).unwrap();
    serde_json::from_str::<Value>(&text).unwrap()["log"].clone()
}

fn id(statement: &str) -> u64 {
    Fingerprinter::new().fingerprint(statement.as_bytes()).id
}

/// The facts per fingerprint: (plans, statement lines).
fn facts_by_fingerprint(facts: &Value) -> BTreeMap<u64, (u64, u64)> {
    let mut expected: BTreeMap<u64, (u64, u64)> = BTreeMap::new();
    for (statement, counts) in facts["by_statement"].as_object().unwrap() {
        let entry = expected.entry(id(statement)).or_default();
        entry.0 += counts["plans"].as_u64().unwrap();
        entry.1 += counts["executions"].as_u64().unwrap();
    }
    expected
}

/// A profile's (plans, calls) per fingerprint.
fn read_by_fingerprint(profile: &Profile) -> BTreeMap<u64, (u64, u64)> {
    profile
        .queries
        .iter()
        .map(|(id, stats)| (*id, (stats.events().plans, stats.calls)))
        .filter(|(_, counts)| *counts != (0, 0))
        .collect()
}

#[test]
fn every_plan_is_counted_and_attributed_to_its_statement() {
    let facts = facts();
    let expected = facts_by_fingerprint(&facts);
    let total = facts["totals"]["plans"].as_u64().unwrap();
    for file in FILES {
        let profile = read(file);
        assert_eq!(profile.events.plans, total, "{file}");
        // Calls are the statement lines: a plan's duration does not add a call.
        assert_eq!(read_by_fingerprint(&profile), expected, "{file}");
        let report = json_report(&profile);
        assert_eq!(report["events"]["plans"], total, "{file}");
        assert_eq!(report["summary"]["lines_skipped"], 0, "{file}");
        for stats in profile.queries.values() {
            let kept = &stats.events().slowest_plans;
            assert!(kept.len() <= KEPT_PLANS && kept.len() as u64 <= stats.events().plans);
            assert!(
                kept.windows(2)
                    .all(|w| w[0].duration_us >= w[1].duration_us)
            );
        }
    }
    // What the driver ran: a plan per statement it executed (SET is not planned), two per
    // browse transaction (two lookups) and per call of the function (its statement too).
    let driver = std::fs::read_to_string(fixture("plans-facts.json")).unwrap();
    let driver = &serde_json::from_str::<Value>(&driver).unwrap()["driver"];
    let executions: u64 = driver
        .as_object()
        .unwrap()
        .iter()
        .filter(|(action, _)| action.ends_with("_executions"))
        .map(|(action, n)| {
            let per_run = match action.as_str() {
                "browse_executions" | "nested_executions" => 2,
                _ => 1,
            };
            per_run * n.as_u64().unwrap()
        })
        .sum();
    assert_eq!(total, executions);
    let nested = expected[&id("(SELECT count(*) FROM orders WHERE user_id = p_user)")];
    assert_eq!(nested, (2, 0));
}

/// The statement's facts and its kept plans in `file`.
fn plans_of(file: &str, statement: &str) -> (Value, Vec<LoggedPlan>) {
    let facts = facts();
    let (_, facts) = facts["by_statement"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(s, _)| s.starts_with(statement))
        .unwrap();
    let profile = read(file);
    let kept = profile.queries[&id(statement)]
        .events()
        .slowest_plans
        .clone();
    (facts.clone(), kept)
}

#[test]
fn the_trees_hold_the_figures_the_server_printed() {
    for file in FILES {
        let (facts, kept) = plans_of(
            file,
            "SELECT id, order_id, product_id, price FROM order_items ORDER BY price DESC, id",
        );
        let disk: Vec<u64> = facts["figures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["sort_disk_kb"].as_u64().unwrap())
            .collect();
        for plan in &kept {
            let sort = plan.nodes[0].sort.as_ref().unwrap();
            assert!(sort.disk && disk.contains(&sort.kb), "{file}: {sort:?}");
            assert!(plan.analyzed);
        }
        let (facts, kept) = plans_of(file, "SELECT count(*) FROM order_items WHERE qty = 3");
        let workers = kept[0].nodes.iter().find_map(|n| n.workers).unwrap();
        assert_eq!(
            serde_json::json!([workers.planned, workers.launched]),
            facts["figures"][0]["workers"]
        );
        let (facts, kept) = plans_of(file, "SELECT id FROM products WHERE id > 10");
        let fetches = kept[0].nodes[0].heap_fetches;
        assert_eq!(fetches, facts["figures"][0]["heap_fetches"].as_u64());
        let (_, kept) = plans_of(file, "SELECT status, count(*) FROM orders GROUP BY status");
        // JIT's own timing may pass the plan's duration by a few µs.
        assert!(kept.iter().all(|plan| plan.jit_us.is_some_and(|us| us > 0)));
    }
}

/// One node's depth, kind, relation, index and rows planned.
type NodeShape = (u16, NodeKind, Option<String>, Option<String>, u64);

/// A plan's shape: its nodes'.
fn shape(plan: &LoggedPlan) -> Vec<NodeShape> {
    plan.nodes
        .iter()
        .map(|n| {
            let relation = n.relation.clone();
            (n.depth, n.kind, relation, n.index.clone(), n.plan_rows)
        })
        .collect()
}

#[test]
fn text_and_json_plans_of_a_statement_read_the_same() {
    let profile = read("plans.log");
    let mut compared = 0;
    for (id, stats) in &profile.queries {
        let kept = &stats.events().slowest_plans;
        // The same statement in both formats gives the same tree.
        for pair in kept.windows(2) {
            assert_eq!(
                shape(&pair[0]),
                shape(&pair[1]),
                "{id:x}: {}",
                stats.normalized
            );
            compared += 1;
        }
    }
    assert!(compared >= 8, "{compared}");
}

#[test]
fn without_analyze_a_plan_has_no_actual_figures() {
    // The plans of the part without ANALYZE, alone: the kept plans are the slowest, which
    // need not be these.
    let entries: Vec<_> = read_csvlog(&fixture("plans.csv"))
        .into_iter()
        .filter(|e| e.message.contains("  plan:\n{") && !e.message.contains("\"Actual Loops\""))
        .collect();
    assert_eq!(entries.len(), 2);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(Rendering::ALL[0].file_name());
    std::fs::write(&path, Rendering::ALL[0].render(&entries)).unwrap();
    let profile = read_with(std::slice::from_ref(&path), &options(1 << 20, 1));
    assert_eq!(profile.events.plans, 2);
    let plans: Vec<&LoggedPlan> = profile
        .queries
        .values()
        .flat_map(|stats| &stats.events().slowest_plans)
        .collect();
    assert_eq!(plans.len(), 2);
    for plan in plans {
        assert!(!plan.analyzed && plan.nodes.iter().all(|n| n.actual.is_none()));
        assert!(plan.nodes[0].plan_rows > 0);
    }
}

#[test]
fn cutting_the_log_into_blocks_changes_no_plan() {
    for file in FILES {
        let whole = read_with(&[fixture(file)], &options(1 << 30, 1));
        for block_size in [1024, 4096, 30_000] {
            let cut = read_with(&[fixture(file)], &options(block_size, 2));
            assert_eq!(cut.events, whole.events, "{file} in blocks of {block_size}");
            for (id, stats) in &whole.queries {
                assert_eq!(
                    cut.queries[id].events(),
                    stats.events(),
                    "{file} in blocks of {block_size}"
                );
            }
        }
    }
}

#[test]
fn hosted_renderings_of_the_run_read_the_same_plans() {
    let entries = read_csvlog(&fixture("plans.csv"));
    let plans = |profile: &Profile| -> Value {
        let by: BTreeMap<String, (u64, usize)> = profile
            .queries
            .iter()
            .map(|(id, s)| {
                (
                    format!("{id:x}"),
                    (s.events().plans, s.events().slowest_plans.len()),
                )
            })
            .collect();
        serde_json::json!({"plans": profile.events.plans, "by": by})
    };
    let stderr = plans(&read("plans.log"));
    for (rendering, profile) in rendered_profiles(&entries) {
        assert_same(
            &stderr,
            &plans(&profile),
            &format!("{rendering:?} vs stderr"),
        );
    }
}
