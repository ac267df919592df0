//! The one interface the selection asks costs through: "what would each of these statements
//! cost if these indexes existed?" — answered by HypoPG on a live server (`db::whatif`) or
//! by the offline model (`offline`).

use super::definition::IndexDef;
use serde::Serialize;

/// Where an estimate comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The server's planner, with hypothetical indexes (HypoPG).
    WhatIf,
    /// planwise's own model of PostgreSQL's costs, from the schema and statistics.
    OfflineModel,
}

/// One question: the cost of statement `query` with `indexes` added to the real ones.
#[derive(Debug, Clone)]
pub struct CostRequest<'a> {
    pub query: u64,
    pub indexes: Vec<&'a IndexDef>,
}

pub trait CostModel {
    fn basis(&self) -> Basis;

    /// The planner's total cost for each request, in order; `None` where the statement
    /// cannot be costed (the reason is the model's to report).
    fn costs(&mut self, requests: &[CostRequest<'_>]) -> Vec<Option<f64>>;

    /// Estimated size in bytes of each index.
    fn sizes(&mut self, indexes: &[&IndexDef]) -> Vec<f64>;
}
