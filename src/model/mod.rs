//! The model: what the inputs are turned into before any analysis — the workload profile
//! of fingerprinted queries (with its sessions and loops) and what was skipped on the way.

pub mod catalog;
pub mod ddl;
pub mod diagnostics;
pub mod distinct;
mod entries;
pub mod events;
pub mod latency;
pub mod plans;
pub mod server_setup;
pub mod session;
pub mod tally;
pub mod time;
pub mod workload;
