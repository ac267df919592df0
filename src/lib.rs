//! planwise: reads what a PostgreSQL database runs and recommends what to change.
//!
//! Data flows one way: `input` (logs, exports, workloads) → `model` (the workload profile)
//! → `analysis` → `report`. Only `input` and the binary touch files; the rest is pure.

pub mod analysis;
pub mod app;
pub mod cli;
pub mod config;
pub mod db;
pub mod findings;
pub mod input;
pub mod model;
pub mod report;
pub mod rules;
pub mod sql;
pub mod units;
