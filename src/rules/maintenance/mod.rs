//! Maintenance rules: they read what the server logs about its own upkeep and its sessions —
//! autovacuum runs, checkpoints, connections and disconnections (`Events`).

pub mod connection_churn;
