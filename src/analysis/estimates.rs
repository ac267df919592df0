//! Row estimates against the rows really produced, node by node, in a measured plan
//! (`EXPLAIN (ANALYZE, FORMAT JSON)`): the planner's misestimates that `ANALYZE` or extended
//! statistics can fix.

use serde_json::Value;

/// A factor between estimated and actual rows from which a node is misestimated.
pub const MISESTIMATE_FACTOR: f64 = 10.0;
/// Rows (the larger of estimated and actual, over all loops) below which a misestimate does
/// not matter: no plan choice turns on a handful of rows.
pub const MISESTIMATE_MIN_ROWS: f64 = 100.0;

/// A scan whose estimate was off by at least `MISESTIMATE_FACTOR`.
#[derive(Debug, Clone, PartialEq)]
pub struct Misestimate {
    pub query: u64,
    /// `Seq Scan`, `Index Scan`, …
    pub node: String,
    /// The table scanned, as the plan names it (unqualified).
    pub relation: String,
    /// Rows per loop, as planned and as counted.
    pub estimated: f64,
    pub actual: f64,
    pub loops: f64,
    /// The node's conditions as the plan prints them (`Index Cond`, `Filter`, …).
    pub conditions: Vec<String>,
}

impl Misestimate {
    /// How many times more (or fewer) rows came than were expected, at least 1.
    pub fn factor(&self) -> f64 {
        let (low, high) = if self.estimated < self.actual {
            (self.estimated, self.actual)
        } else {
            (self.actual, self.estimated)
        };
        high / low.max(1.0)
    }

    /// More rows came than the planner expected.
    pub fn underestimated(&self) -> bool {
        self.actual > self.estimated
    }
}

/// The misestimated scans of a measured plan (the JSON `EXPLAIN` returns). Joins and
/// aggregates are left out: their estimates follow from their inputs', and extended
/// statistics (PostgreSQL 15) fix only estimates within one table.
pub fn misestimates(query: u64, plan: &Value) -> Vec<Misestimate> {
    let mut found = Vec::new();
    if let Some(root) = plan.pointer("/0/Plan") {
        walk(query, root, &mut found);
    }
    found
}

fn walk(query: u64, node: &Value, found: &mut Vec<Misestimate>) {
    if let Some(misestimate) = scan_misestimate(query, node) {
        found.push(misestimate);
    }
    for child in node["Plans"].as_array().into_iter().flatten() {
        walk(query, child, found);
    }
}

fn scan_misestimate(query: u64, node: &Value) -> Option<Misestimate> {
    let relation = node["Relation Name"].as_str()?;
    let estimated = node["Plan Rows"].as_f64()?;
    let actual = node["Actual Rows"].as_f64()?;
    let loops = node["Actual Loops"].as_f64()?;
    if loops == 0.0 {
        // Never run: nothing was counted.
        return None;
    }
    let misestimate = Misestimate {
        query,
        node: node["Node Type"].as_str().unwrap_or("Scan").to_string(),
        relation: relation.to_string(),
        estimated,
        actual,
        loops,
        conditions: ["Index Cond", "Recheck Cond", "Filter"]
            .iter()
            .filter_map(|key| node[*key].as_str())
            .map(str::to_string)
            .collect(),
    };
    let rows = estimated.max(actual) * loops;
    (misestimate.factor() >= MISESTIMATE_FACTOR && rows >= MISESTIMATE_MIN_ROWS)
        .then_some(misestimate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The shape PostgreSQL 15 returns for `EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON)` of a
    /// join whose outer scan filters two correlated columns.
    fn plan(estimated: f64, actual: f64) -> Value {
        json!([{
            "Plan": {
                "Node Type": "Nested Loop", "Plan Rows": estimated, "Actual Rows": actual,
                "Actual Loops": 1,
                "Plans": [
                    {"Node Type": "Seq Scan", "Relation Name": "addresses", "Alias": "a",
                     "Plan Rows": estimated, "Actual Rows": actual, "Actual Loops": 1,
                     "Filter": "((city = 7) AND (zip = 7))"},
                    {"Node Type": "Index Scan", "Relation Name": "people", "Alias": "p",
                     "Index Name": "people_pkey", "Plan Rows": 1, "Actual Rows": 1,
                     "Actual Loops": actual, "Index Cond": "(id = a.owner_id)"},
                    {"Node Type": "Seq Scan", "Relation Name": "unused", "Plan Rows": 5000,
                     "Actual Rows": 0, "Actual Loops": 0}
                ]
            },
            "Planning Time": 0.1, "Execution Time": 2.0
        }])
    }

    #[test]
    fn a_scan_off_by_ten_times_or_more_is_a_misestimate() {
        let found = misestimates(7, &plan(2.0, 200.0));
        assert_eq!(found.len(), 1, "{found:#?}");
        let scan = &found[0];
        assert_eq!((scan.query, scan.relation.as_str()), (7, "addresses"));
        assert_eq!(scan.node, "Seq Scan");
        assert_eq!(scan.conditions, ["((city = 7) AND (zip = 7))"]);
        assert_eq!(scan.factor(), 100.0);
        assert!(scan.underestimated());
    }

    #[test]
    fn close_estimates_few_rows_and_nodes_never_run_are_not() {
        assert!(misestimates(1, &plan(100.0, 900.0)).is_empty());
        // 50 times off, but 50 rows cannot change a plan.
        assert!(misestimates(1, &plan(1.0, 50.0)).is_empty());
        assert!(misestimates(1, &json!({"no": "plan"})).is_empty());
    }

    #[test]
    fn overestimates_count_and_a_zero_estimate_is_not_a_division_by_zero() {
        let over = misestimates(1, &plan(5000.0, 3.0));
        assert_eq!(over.len(), 1);
        assert!(!over[0].underestimated());
        let zero = Misestimate {
            estimated: 0.0,
            ..over[0].clone()
        };
        assert_eq!(zero.factor(), 3.0);
    }
}
