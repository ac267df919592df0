//! Findings: what every rule reports, in one shape — the JSON contract of `findings` in
//! `planwise analyze --format json` (documented in the README).

use crate::model::catalog::QualifiedName;
use serde::{Deserialize, Serialize};

pub mod saved;

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
    /// What `auto_explain` plans in the log show: misestimates, filtering scans, spills.
    Plan,
    Rewrite,
    Sharding,
    /// Sorts and hashes that overflowed `work_mem` into temporary files.
    Spill,
    Statistics,
}

impl Category {
    pub const ALL: [Category; 13] = [
        Category::Batching,
        Category::Caching,
        Category::Contention,
        Category::DataTypes,
        Category::Index,
        Category::Maintenance,
        Category::Migration,
        Category::Partitioning,
        Category::Plan,
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
            Category::Plan => "plan",
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
            Category::Plan => "PLAN",
            Category::Rewrite => "RW",
            Category::Sharding => "SHARD",
            Category::Spill => "SPILL",
            Category::Statistics => "STAT",
        }
    }
}

/// Where an estimate comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The server's planner, with hypothetical indexes (HypoPG).
    WhatIf,
    /// planwise's own model of PostgreSQL's costs, from the schema and statistics.
    OfflineModel,
}

/// What the statements behind a saving weigh by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
    /// What the finding states PostgreSQL does (`planwise check`): the locks, rewrites and
    /// failures its message speaks of, typed so that `tests/migration_judge.rs` can hold
    /// them against the server.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<Claim>,
}

/// PostgreSQL's table lock modes, weakest first (the table in "Explicit Locking" of its
/// documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LockMode {
    /// `SELECT`: only `DROP` and most `ALTER TABLE` forms wait.
    AccessShare,
    /// `SELECT … FOR UPDATE`.
    RowShare,
    /// `INSERT`, `UPDATE`, `DELETE`: only schema changes wait.
    RowExclusive,
    /// `VALIDATE CONSTRAINT`, `CREATE INDEX CONCURRENTLY`: reads and writes go on.
    ShareUpdateExclusive,
    /// `CREATE INDEX`, `ALTER DOMAIN … ADD CONSTRAINT` on the tables using the domain: reads
    /// go on, writes wait.
    Share,
    /// `ADD FOREIGN KEY` (on both tables), `CREATE TRIGGER`: reads go on, writes wait.
    ShareRowExclusive,
    /// `REFRESH MATERIALIZED VIEW CONCURRENTLY`: reads go on, writes wait.
    Exclusive,
    /// Most `ALTER TABLE` forms, `DROP`, `TRUNCATE`: everything waits, reads too.
    AccessExclusive,
}

impl LockMode {
    pub const ALL: [LockMode; 8] = [
        LockMode::AccessShare,
        LockMode::RowShare,
        LockMode::RowExclusive,
        LockMode::ShareUpdateExclusive,
        LockMode::Share,
        LockMode::ShareRowExclusive,
        LockMode::Exclusive,
        LockMode::AccessExclusive,
    ];

    /// As the documentation and `LOCK TABLE` write it: `ACCESS EXCLUSIVE`.
    pub fn as_str(self) -> &'static str {
        match self {
            LockMode::AccessShare => "ACCESS SHARE",
            LockMode::RowShare => "ROW SHARE",
            LockMode::RowExclusive => "ROW EXCLUSIVE",
            LockMode::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            LockMode::Share => "SHARE",
            LockMode::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            LockMode::Exclusive => "EXCLUSIVE",
            LockMode::AccessExclusive => "ACCESS EXCLUSIVE",
        }
    }

    /// As `pg_locks.mode` names it: `AccessExclusiveLock`.
    pub fn pg_locks_name(self) -> &'static str {
        match self {
            LockMode::AccessShare => "AccessShareLock",
            LockMode::RowShare => "RowShareLock",
            LockMode::RowExclusive => "RowExclusiveLock",
            LockMode::ShareUpdateExclusive => "ShareUpdateExclusiveLock",
            LockMode::Share => "ShareLock",
            LockMode::ShareRowExclusive => "ShareRowExclusiveLock",
            LockMode::Exclusive => "ExclusiveLock",
            LockMode::AccessExclusive => "AccessExclusiveLock",
        }
    }

    /// The mode `pg_locks.mode` names.
    pub fn from_pg_locks(name: &str) -> Option<LockMode> {
        LockMode::ALL
            .into_iter()
            .find(|mode| mode.pg_locks_name() == name)
    }

    /// Whether writes to the table wait while it is held.
    pub fn blocks_writes(self) -> bool {
        self >= LockMode::Share
    }

    /// What waits while it is held, for messages.
    pub fn blocks(self) -> &'static str {
        match self {
            LockMode::AccessShare | LockMode::RowShare => "only schema changes",
            LockMode::RowExclusive | LockMode::ShareUpdateExclusive => "other schema changes",
            LockMode::Share | LockMode::ShareRowExclusive | LockMode::Exclusive => "writes",
            LockMode::AccessExclusive => "reads and writes",
        }
    }

    /// `an ACCESS EXCLUSIVE lock`, `a SHARE lock`.
    pub fn with_article(self) -> String {
        let article = if self == LockMode::AccessExclusive {
            "an"
        } else {
            "a"
        };
        format!("{article} {} lock", self.as_str())
    }
}

impl Serialize for LockMode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for LockMode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        LockMode::ALL
            .into_iter()
            .find(|mode| mode.as_str() == text)
            .ok_or_else(|| serde::de::Error::custom(format!("no lock mode {text}")))
    }
}

/// One thing a migration finding states PostgreSQL does when the statement runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Claim {
    /// The statement takes `lock` on `table` (the strongest it takes there), and writes the
    /// table anew (a new file node) or not.
    TakesLock {
        table: QualifiedName,
        lock: LockMode,
        rewrites: bool,
    },
    /// When the statement runs, its transaction already holds `lock` on `table`, taken by an
    /// earlier statement, and keeps it until it ends.
    HoldsLock {
        table: QualifiedName,
        lock: LockMode,
    },
    /// The statement fails as soon as `table` has a row (and succeeds while it is empty).
    FailsWithRows { table: QualifiedName },
    /// The statement cannot run inside a transaction block.
    FailsInTransaction,
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
#[derive(Debug, Clone, Serialize, Deserialize)]
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

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IndexEvidence {
    /// The index as planwise writes it: `orders(user_id, created_at DESC)`.
    pub index: String,
    pub size_bytes: f64,
    /// Its place among the recommended indexes, by saving (1: the first to create).
    pub rank: usize,
    /// What it and the indexes ranked before it save together, as a share of the
    /// workload's cost: the running total of the advice taken in order.
    pub cumulative_share_of_workload: f64,
    /// The statements it serves, most saving first (at most five).
    pub served: Vec<ServedQuery>,
    /// The best alternatives left out, and why.
    pub rejected_alternatives: Vec<RejectedAlternative>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServedQuery {
    pub fingerprint: String,
    pub calls: u64,
    pub cost_before: f64,
    pub cost_after: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
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
