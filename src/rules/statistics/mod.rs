//! Statistics rules: they read the live statistics a catalog was read with (`--db`, or a
//! catalog saved with `--save-catalog`) and say nothing without them.

pub mod cost_far_below_logged_time;
pub mod row_misestimate;
pub mod stale_statistics;
