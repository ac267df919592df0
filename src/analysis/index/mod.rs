//! Index advice: candidates from the query facts, costs from one interface (HypoPG on a
//! live server, or the offline model), and the workload-wide choice of what to create.

pub mod candidates;
pub mod cost;
pub mod definition;
pub mod evidence;
pub mod offline;
pub mod selection;
pub mod whatif;
