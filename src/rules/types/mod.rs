//! Data-type rules: column types that cost the workload (joins across types).

pub mod join_type_mismatch;
