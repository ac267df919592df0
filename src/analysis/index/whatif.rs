//! `planwise whatif`: the workload's estimated cost without and with a set of proposed
//! indexes, per statement and in total — the advisor's machinery, for a DBA's own idea.

use super::cost::{CostModel, CostRequest, CutShort};
use super::definition::IndexDef;
use super::selection::WorkloadQuery;
use crate::findings::Basis;
use crate::model::workload::QueryStats;
use crate::sql::fingerprint::format_id;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Serialize)]
pub struct Comparison {
    pub basis: Basis,
    pub indexes: Vec<ProposedIndex>,
    /// Σ calls × cost.
    pub total_before: f64,
    pub total_after: f64,
    /// Largest saving first.
    pub queries: Vec<QueryComparison>,
    /// Fingerprints that could not be costed.
    pub uncosted: Vec<String>,
    /// Set when the what-if costing lost its server on the way.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cut_short: Option<CutShort>,
}

#[derive(Debug, Serialize)]
pub struct ProposedIndex {
    pub index: String,
    pub size_bytes: f64,
}

#[derive(Debug, Serialize)]
pub struct QueryComparison {
    pub fingerprint: String,
    pub normalized: String,
    pub calls: u64,
    /// Per execution.
    pub cost_before: f64,
    pub cost_after: f64,
}

pub fn compare_workload(
    model: &mut dyn CostModel,
    queries: &[WorkloadQuery<'_>],
    proposed: &[IndexDef],
    stats: &BTreeMap<u64, QueryStats>,
) -> Comparison {
    let ask = |with: bool| -> Vec<CostRequest<'_>> {
        queries
            .iter()
            .map(|q| CostRequest {
                query: q.id,
                indexes: if with {
                    proposed
                        .iter()
                        .filter(|d| q.facts.tables.iter().any(|t| t.table == d.table))
                        .collect()
                } else {
                    Vec::new()
                },
            })
            .collect()
    };
    let before = model.costs(&ask(false));
    let after = model.costs(&ask(true));
    let sizes = model.sizes(&proposed.iter().collect::<Vec<_>>());
    let mut compared = Vec::new();
    let mut uncosted = Vec::new();
    for ((query, before), after) in queries.iter().zip(before).zip(after) {
        match (before, after) {
            (Some(before), Some(after)) => compared.push(QueryComparison {
                fingerprint: format_id(query.id),
                normalized: stats
                    .get(&query.id)
                    .map(|s| s.normalized.clone())
                    .unwrap_or_default(),
                calls: query.calls as u64,
                cost_before: before,
                cost_after: after,
            }),
            _ => uncosted.push(format_id(query.id)),
        }
    }
    compared.sort_by(|a, b| {
        let saving = |q: &QueryComparison| (q.cost_before - q.cost_after) * q.calls as f64;
        saving(b)
            .total_cmp(&saving(a))
            .then(a.fingerprint.cmp(&b.fingerprint))
    });
    let total = |pick: fn(&QueryComparison) -> f64| {
        compared
            .iter()
            .map(|q| pick(q) * q.calls as f64)
            .sum::<f64>()
            + 0.0
    };
    Comparison {
        basis: model.basis(),
        indexes: proposed
            .iter()
            .zip(sizes)
            .map(|(def, size_bytes)| ProposedIndex {
                index: def.to_string(),
                size_bytes,
            })
            .collect(),
        total_before: total(|q| q.cost_before),
        total_after: total(|q| q.cost_after),
        queries: compared,
        uncosted,
        cut_short: None,
    }
}
