//! Maintenance rules: they read what the server logs about its own upkeep and its sessions —
//! autovacuum runs, checkpoints, connections and disconnections (`Events`).

pub mod autovacuum_frequency;
pub mod connection_churn;
pub mod wal_checkpoints;
