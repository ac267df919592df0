//! Findings: what every rule reports, in one shape — the JSON contract of `findings` in
//! `planwise analyze --format json` (documented in the README).

use crate::model::catalog::QualifiedName;
use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A rule's family: its folder under `src/rules/`, the prefix of its id and the `category`
/// of its findings, one value for the three so they cannot disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Batching,
    Caching,
    /// Lock waits, deadlocks and cancellations the log reports.
    Contention,
    DataTypes,
    Index,
    /// Autovacuum, checkpoints and connections, as the log reports them.
    Maintenance,
    Migration,
    Partitioning,
    Rewrite,
    Sharding,
    /// Sorts and hashes that overflowed `work_mem` into temporary files.
    Spill,
    Statistics,
}

impl Category {
    pub const ALL: [Category; 12] = [
        Category::Batching,
        Category::Caching,
        Category::Contention,
        Category::DataTypes,
        Category::Index,
        Category::Maintenance,
        Category::Migration,
        Category::Partitioning,
        Category::Rewrite,
        Category::Sharding,
        Category::Spill,
        Category::Statistics,
    ];

    /// The JSON name, which is also the rules' folder.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Batching => "batching",
            Category::Caching => "caching",
            Category::Contention => "contention",
            Category::DataTypes => "data_types",
            Category::Index => "index",
            Category::Maintenance => "maintenance",
            Category::Migration => "migration",
            Category::Partitioning => "partitioning",
            Category::Rewrite => "rewrite",
            Category::Sharding => "sharding",
            Category::Spill => "spill",
            Category::Statistics => "statistics",
        }
    }

    /// What every id of the family starts with (`IDX001`).
    pub fn id_prefix(self) -> &'static str {
        match self {
            Category::Batching => "BAT",
            Category::Caching => "CACHE",
            Category::Contention => "LOCK",
            Category::DataTypes => "DT",
            Category::Index => "IDX",
            Category::Maintenance => "MAINT",
            Category::Migration => "MIG",
            Category::Partitioning => "PART",
            Category::Rewrite => "RW",
            Category::Sharding => "SHARD",
            Category::Spill => "SPILL",
            Category::Statistics => "STAT",
        }
    }
}

/// Where an estimate comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The server's planner, with hypothetical indexes (HypoPG).
    WhatIf,
    /// planwise's own model of PostgreSQL's costs, from the schema and statistics.
    OfflineModel,
}

/// What the statements behind a saving weigh by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Weighting {
    /// Every statement was timed by the log: each weighs the time it took, and a plan's
    /// saving on it is that share of its logged time.
    LoggedTime,
    /// None was timed (a `.sql` workload): each weighs calls × estimated cost.
    EstimatedCost,
    /// Some statements were timed, some not.
    Mixed,
}

impl Weighting {
    /// What a share of the workload is a share of, for people.
    pub fn workload_measure(self) -> &'static str {
        match self {
            Weighting::LoggedTime => "logged time",
            Weighting::EstimatedCost => "estimated cost",
            Weighting::Mixed => "time (logged where timed, else estimated)",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The rule's stable id (`IDX001`).
    pub rule: &'static str,
    pub name: &'static str,
    pub category: Category,
    pub severity: Severity,
    pub message: String,
    /// Schema-qualified.
    pub table: Option<QualifiedName>,
    /// Key columns, in order.
    pub columns: Vec<String>,
    /// The DDL or rewrite to apply.
    pub sql: Option<String>,
    pub estimated_saving: Option<Saving>,
    /// Fingerprints of the statements concerned, most affected first.
    pub queries: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<IndexEvidence>,
    /// Where in a migration file (`planwise check`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// A statement of a migration file: where it starts, and its first line for people.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    pub file: String,
    /// 1-based.
    pub line: u64,
    /// 1-based, in characters.
    pub column: u64,
    pub end_line: u64,
    /// The statement's text, shortened.
    pub statement: String,
}

/// What applying a finding is estimated to save. Savings of different findings that serve
/// the same statements overlap and are never to be added up.
#[derive(Debug, Clone, Serialize)]
pub struct Saving {
    /// Planner cost units saved over the workload as logged (Σ weight × cost saved, the
    /// weight of a statement its calls or its logged time: see `weighted_by`), after the
    /// write overhead.
    pub cost_units: f64,
    /// That saving as a share of the workload's whole cost, where the workload was costed.
    pub share_of_workload: Option<f64>,
    /// Execution time saved per day, scaled from the logged durations and time span.
    pub ms_per_day: Option<f64>,
    /// Cost units per workload of keeping the index up to date.
    pub write_overhead: f64,
    pub basis: Basis,
    pub weighted_by: Weighting,
    pub confidence: Confidence,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndexEvidence {
    pub size_bytes: f64,
    /// The statements it serves, most saving first (at most five).
    pub served: Vec<ServedQuery>,
    /// The best alternatives left out, and why.
    pub rejected_alternatives: Vec<RejectedAlternative>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServedQuery {
    pub fingerprint: String,
    pub calls: u64,
    pub cost_before: f64,
    pub cost_after: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RejectedAlternative {
    pub index: String,
    pub size_bytes: f64,
    pub reason: String,
}

/// `text` cut to `max` characters, with `…` when cut: statements quoted in messages.
pub fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}
