//! Analysis over the model: pure computations (no I/O) that advisors read — query facts per
//! distinct statement, and the join graph of the workload.

pub mod column_types;
pub mod doctor;
pub mod estimates;
pub mod facts;
pub mod growth;
pub mod index;
pub mod join_graph;
pub mod migration;
pub mod statements;
pub mod tenancy;
pub mod verification;
