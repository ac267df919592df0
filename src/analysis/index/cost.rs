//! The one interface the selection asks costs through: "what would each of these statements
//! cost if these indexes existed?" — answered by HypoPG on a live server (`db::whatif`) or
//! by the offline model (`offline`).

use super::definition::IndexDef;
use crate::findings::Basis;
use serde::Serialize;

/// What-if costing the server stopped answering in the middle of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CutShort {
    /// What happened, and to which server.
    pub reason: String,
    /// Statements whose what-if costing failed once the server was gone.
    pub statements_uncosted: usize,
    /// What the figures rest on instead.
    pub instead: AfterCut,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AfterCut {
    /// Everything was costed again by the offline model (the basis says `offline_model`).
    OfflineModel,
    /// Only what was costed before the cut counts: the advice is partial.
    Partial,
}

impl CutShort {
    /// One sentence for people.
    pub fn describe(&self) -> String {
        let count = self.statements_uncosted;
        let statements = if count == 1 {
            "statement"
        } else {
            "statements"
        };
        match self.instead {
            AfterCut::OfflineModel => format!(
                "what-if costing was cut short ({}): {count} {statements} could not be costed on the server, so the advice comes from the offline cost model",
                self.reason
            ),
            AfterCut::Partial => format!(
                "partial advice: what-if costing was cut short ({}) and {count} {statements} could not be costed",
                self.reason
            ),
        }
    }
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
