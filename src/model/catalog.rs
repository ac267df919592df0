//! The catalog: what the database is made of — tables, columns, keys, indexes, partitions —
//! and, when a live database was read, its statistics. Built from DDL (`model::ddl::loader`) or
//! from a live server (`db::catalog`); both fill the same plain data so every rule works
//! offline too.
//!
//! Names are stored as PostgreSQL stores them: unquoted identifiers folded to lower case,
//! quoted ones as written. Types are spelled as `format_type()` prints them (`integer`,
//! `character varying(255)`, `timestamp with time zone`), so DDL and live catalogs compare.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// `schema.name`; written as that one string in JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QualifiedName {
    pub schema: String,
    pub name: String,
}

impl QualifiedName {
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        QualifiedName {
            schema: schema.into(),
            name: name.into(),
        }
    }
}

impl Serialize for QualifiedName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for QualifiedName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let (schema, name) = text
            .split_once('.')
            .ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not schema.name")))?;
        Ok(QualifiedName::new(schema, name))
    }
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Catalog {
    #[serde(with = "super::entries")]
    pub tables: BTreeMap<QualifiedName, Table>,
    /// Indexes by their own (schema-qualified) name.
    #[serde(with = "super::entries")]
    pub indexes: BTreeMap<QualifiedName, Index>,
    #[serde(with = "super::entries")]
    pub views: BTreeMap<QualifiedName, View>,
    #[serde(with = "super::entries")]
    pub sequences: BTreeMap<QualifiedName, Sequence>,
    /// Domains by name (`CREATE DOMAIN`): what a column of one is checked against.
    #[serde(default, with = "super::entries")]
    pub domains: BTreeMap<QualifiedName, Domain>,
    /// Set when the catalog was read from a live server.
    pub server: Option<ServerInfo>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Table {
    pub name: QualifiedName,
    pub columns: Vec<Column>,
    pub primary_key: Option<KeyConstraint>,
    pub unique_constraints: Vec<KeyConstraint>,
    pub foreign_keys: Vec<ForeignKey>,
    pub checks: Vec<CheckConstraint>,
    /// `PARTITION BY …` of a partitioned table.
    pub partitioning: Option<Partitioning>,
    /// The parent of a partition, and its bounds as written.
    pub partition_of: Option<PartitionOf>,
    pub unlogged: bool,
    /// Live statistics, when read from a server.
    pub stats: Option<TableStats>,
}

impl Catalog {
    /// Each table's indexes. The catalog keeps indexes by their own name: looking up one
    /// table's among all of them, table after table, is quadratic in the tables (a
    /// 100,000-table schema never finished).
    pub fn indexes_by_table(&self) -> BTreeMap<&QualifiedName, Vec<&Index>> {
        let mut by_table: BTreeMap<&QualifiedName, Vec<&Index>> = BTreeMap::new();
        for index in self.indexes.values() {
            by_table.entry(&index.table).or_default().push(index);
        }
        by_table
    }

    /// The tables whose foreign keys lead to `table`, directly or through other tables.
    pub fn referencing_tables(&self, table: &QualifiedName) -> BTreeSet<QualifiedName> {
        let mut reached: BTreeSet<QualifiedName> = BTreeSet::new();
        let mut frontier = vec![table.clone()];
        while let Some(referenced) = frontier.pop() {
            for (name, candidate) in &self.tables {
                let references = candidate
                    .foreign_keys
                    .iter()
                    .any(|fk| fk.references == referenced);
                if references && name != table && reached.insert(name.clone()) {
                    frontier.push(name.clone());
                }
            }
        }
        reached
    }

    /// Whether a table or view of that name exists in any schema.
    pub fn has_relation_named(&self, name: &str) -> bool {
        self.tables
            .keys()
            .chain(self.views.keys())
            .any(|n| n.name == name)
    }
}

/// A domain: a base type with constraints every value of its columns must meet.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Domain {
    /// As `format_type()` prints it.
    pub base_type: String,
    /// Its CHECK constraints, over `VALUE`.
    pub checks: Vec<DomainCheck>,
    /// `NOT NULL` (on PostgreSQL 15 a property of the type, not a named constraint).
    #[serde(default)]
    pub not_null: bool,
}

/// A CHECK constraint of a domain.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DomainCheck {
    /// As written, or as PostgreSQL names it (`<domain>_check`).
    pub name: String,
    pub expression: String,
}

impl Domain {
    /// Whether a value must be checked to be one of its values: it has a constraint.
    pub fn has_constraints(&self) -> bool {
        !self.checks.is_empty() || self.not_null
    }
}

impl Catalog {
    /// The domain a column type names (`email_address`, `billing.email_address`), if it
    /// names one.
    pub fn domain_of_type(&self, data_type: &str) -> Option<&Domain> {
        self.domains
            .iter()
            .find(|(name, _)| {
                data_type == name.name || data_type == format!("{}.{}", name.schema, name.name)
            })
            .map(|(_, domain)| domain)
    }

    /// The type a column type stands for once its domains are set aside: the domain's base
    /// type, else the type itself.
    pub fn base_type<'a>(&'a self, data_type: &'a str) -> &'a str {
        self.domain_of_type(data_type)
            .map_or(data_type, |domain| domain.base_type.as_str())
    }
}

impl Catalog {
    /// The schemas unqualified names resolve through: the server's `search_path` when the
    /// catalog was read live (`"$user"` and missing schemas dropped), else `public`.
    pub fn search_path(&self) -> Vec<String> {
        let setting = self
            .server
            .as_ref()
            .and_then(|s| s.settings.get("search_path"));
        let schemas: Vec<String> = setting
            .map(|path| {
                path.split(',')
                    .map(|schema| schema.trim().trim_matches('"').to_string())
                    .filter(|schema| schema != "$user" && !schema.is_empty())
                    .filter(|schema| {
                        self.tables
                            .keys()
                            .chain(self.views.keys())
                            .any(|n| &n.schema == schema)
                    })
                    .collect()
            })
            .unwrap_or_default();
        if schemas.is_empty() {
            vec!["public".to_string()]
        } else {
            schemas
        }
    }
}

impl QualifiedName {
    /// pg_catalog and information_schema: the server's own relations.
    pub fn is_system(&self) -> bool {
        self.schema == "pg_catalog" || self.schema == "information_schema"
    }
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| c.name == name)
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Column {
    pub name: String,
    /// As `format_type()` prints it.
    pub data_type: String,
    pub nullable: bool,
    /// The default expression as written (`nextval('…'::regclass)` for serials).
    pub default: Option<String>,
    /// `GENERATED … AS IDENTITY`.
    pub identity: bool,
    /// `GENERATED ALWAYS AS (…) STORED`: the expression.
    pub generated: Option<String>,
    pub stats: Option<ColumnStats>,
}

impl Column {
    /// How often `value` occurs, when it is among the most common values. `character(n)`
    /// values are padded with spaces (so are its statistics) and compare as if they were not.
    pub fn common_value_frequency(&self, value: &str) -> Option<f64> {
        let padded = self.data_type.starts_with("character(") || self.data_type == "character";
        let unpadded = |text: &str| {
            if padded {
                text.trim_end_matches(' ').len()
            } else {
                text.len()
            }
        };
        let value = &value[..unpadded(value)];
        self.stats
            .as_ref()?
            .most_common
            .iter()
            .find(|(common, _)| common[..unpadded(common)] == *value)
            .map(|(_, frequency)| *frequency)
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct KeyConstraint {
    pub name: Option<String>,
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ForeignKey {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub references: QualifiedName,
    pub referenced_columns: Vec<String>,
    /// `CASCADE`, `SET NULL`, … as written; `None` for the default (NO ACTION).
    pub on_delete: Option<String>,
    /// Added `NOT VALID` and not validated since.
    pub not_valid: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct CheckConstraint {
    pub name: Option<String>,
    pub expression: String,
    pub not_valid: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PartitionStrategy {
    Range,
    List,
    Hash,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Partitioning {
    pub strategy: PartitionStrategy,
    /// Key columns or expressions, as written.
    pub key: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PartitionOf {
    pub parent: QualifiedName,
    /// `FOR VALUES …` as written, or `DEFAULT`.
    pub bounds: String,
}

/// An index's access method (`pg_am.amname`), the ones planwise reasons about by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum IndexMethod {
    #[default]
    Btree,
    Hash,
    Gist,
    Spgist,
    Gin,
    Brin,
    /// Any other: `bloom`, an extension's.
    Other(String),
}

impl IndexMethod {
    /// The name `USING` takes.
    pub fn as_str(&self) -> &str {
        match self {
            IndexMethod::Btree => "btree",
            IndexMethod::Hash => "hash",
            IndexMethod::Gist => "gist",
            IndexMethod::Spgist => "spgist",
            IndexMethod::Gin => "gin",
            IndexMethod::Brin => "brin",
            IndexMethod::Other(name) => name,
        }
    }
}

impl From<String> for IndexMethod {
    fn from(name: String) -> Self {
        match name.as_str() {
            "btree" => IndexMethod::Btree,
            "hash" => IndexMethod::Hash,
            "gist" => IndexMethod::Gist,
            "spgist" => IndexMethod::Spgist,
            "gin" => IndexMethod::Gin,
            "brin" => IndexMethod::Brin,
            _ => IndexMethod::Other(name),
        }
    }
}

impl From<IndexMethod> for String {
    fn from(method: IndexMethod) -> Self {
        method.as_str().to_string()
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Index {
    pub name: QualifiedName,
    pub table: QualifiedName,
    pub method: IndexMethod,
    pub keys: Vec<IndexKey>,
    /// `INCLUDE (…)` columns.
    pub include: Vec<String>,
    /// The partial index's `WHERE`, as written.
    pub predicate: Option<String>,
    pub unique: bool,
    /// Backs the table's primary key.
    pub primary: bool,
    /// Backs a PRIMARY KEY / UNIQUE / EXCLUDE constraint (rather than `CREATE INDEX`).
    pub constraint: bool,
    pub stats: Option<IndexStats>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct IndexKey {
    /// A column name, or an expression as written.
    pub expression: String,
    /// Whether `expression` is a plain column of the table.
    pub is_column: bool,
    pub descending: bool,
    pub nulls_first: Option<bool>,
    pub opclass: Option<String>,
}

impl Index {
    /// The plain key columns, in order, up to the first expression.
    pub fn leading_columns(&self) -> impl Iterator<Item = &str> {
        self.keys
            .iter()
            .take_while(|k| k.is_column)
            .map(|k| k.expression.as_str())
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct View {
    pub name: QualifiedName,
    pub materialized: bool,
    /// The defining query, as written.
    pub query: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Sequence {
    pub name: QualifiedName,
    /// `table.column` that owns it (serial / identity / `OWNED BY`).
    pub owned_by: Option<(QualifiedName, String)>,
}

/// What only a live server knows about a table.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct TableStats {
    /// `pg_class.reltuples` (-1 on PG 14+ when never analysed, kept as `None`).
    pub rows: Option<f64>,
    pub pages: i64,
    pub table_bytes: i64,
    pub total_bytes: i64,
    pub seq_scans: i64,
    pub index_scans: i64,
    pub inserts: i64,
    pub updates: i64,
    pub hot_updates: i64,
    pub deletes: i64,
    pub live_rows: i64,
    pub dead_rows: i64,
    pub modified_since_analyze: i64,
    /// `YYYY-MM-DD HH:MM:SS` of the last (auto)analyze, if any.
    pub last_analyze: Option<String>,
    /// Rows inserted since the last (auto)vacuum (`n_ins_since_vacuum`): with the time since
    /// that vacuum, the table's growth rate. The two live in one statistics entry and are
    /// reset together, so they always describe the same window.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub inserts_since_vacuum: i64,
    /// Seconds from the last (auto)vacuum to the reading of the catalog; `None` when the
    /// table was not vacuumed since its statistics were last reset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds_since_vacuum: Option<f64>,
    /// `pg_class.relallvisible`: pages the visibility map marks all-visible, where an
    /// index-only scan need not visit the heap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_visible_pages: Option<i64>,
    /// The columns of each extended statistics object (`CREATE STATISTICS`) on the table.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extended_statistics: Vec<Vec<String>>,
}

impl TableStats {
    /// The share of its pages an index-only scan can answer without the heap, when the
    /// server said (`relallvisible / relpages`).
    pub fn all_visible_share(&self) -> Option<f64> {
        let visible = self.all_visible_pages?;
        (self.pages > 0).then(|| (visible as f64 / self.pages as f64).min(1.0))
    }
}

fn is_zero(count: &i64) -> bool {
    *count == 0
}

/// `pg_stats` for one column.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ColumnStats {
    pub null_frac: f64,
    /// Positive: distinct values; negative: minus the fraction of rows (PostgreSQL's form).
    pub n_distinct: f64,
    pub avg_width: i32,
    pub correlation: Option<f64>,
    /// Most common values (as text) and their frequencies.
    pub most_common: Vec<(String, f64)>,
    /// Histogram bounds, as text.
    pub histogram_bounds: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct IndexStats {
    pub scans: i64,
    pub tuples_read: i64,
    pub tuples_fetched: i64,
    pub bytes: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ServerInfo {
    /// `server_version_num`, e.g. 150020.
    pub version_num: i32,
    pub version: String,
    /// Planner settings that costing depends on (`random_page_cost`, `work_mem`, …).
    pub settings: BTreeMap<String, String>,
    /// How long the statistics counters (`idx_scan`, …) have been counting, in seconds: since
    /// the later of their last reset and the server's start. Unknown in older saved catalogs.
    #[serde(default)]
    pub counters_age_seconds: Option<f64>,
    /// A replica: its counters see only the replica's own reads.
    #[serde(default)]
    pub in_recovery: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_character_column_s_common_values_match_without_their_padding() {
        let column = |data_type: &str| Column {
            name: "mode".into(),
            data_type: data_type.into(),
            stats: Some(ColumnStats {
                most_common: vec![("AIR       ".into(), 0.14), ("MAIL".into(), 0.15)],
                ..ColumnStats::default()
            }),
            ..Column::default()
        };
        let padded = column("character(10)");
        assert_eq!(padded.common_value_frequency("AIR"), Some(0.14));
        assert_eq!(padded.common_value_frequency("MAIL  "), Some(0.15));
        assert_eq!(padded.common_value_frequency("AI"), None);
        // In a text column trailing spaces are part of the value.
        let text = column("text");
        assert_eq!(text.common_value_frequency("AIR"), None);
        assert_eq!(text.common_value_frequency("AIR       "), Some(0.14));
    }
}
