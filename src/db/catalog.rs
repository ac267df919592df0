//! The catalog read from a live server: the same `model::catalog::Catalog` the DDL loader
//! fills, plus what only the server knows (row counts, sizes, pg_stats, index and table
//! activity, version and planner settings). Sits beside `pgss` in the input stage; the
//! analysis downstream never knows which of the two sources filled the catalog.
//!
//! Each query is its own `.sql` file. They run pipelined on the session's one connection
//! inside a single read-only REPEATABLE READ transaction, so every query sees the same
//! snapshot of the catalog. Rows are read defensively: a NULL or odd value skips a field or
//! the row, never panics — a catalog is read from servers planwise has never seen.

use super::{DbError, Session};
use crate::model::catalog::{
    Catalog, CheckConstraint, Column, ColumnStats, ForeignKey, Index, IndexKey, IndexMethod,
    IndexStats, KeyConstraint, PartitionOf, PartitionStrategy, Partitioning, QualifiedName,
    Sequence, ServerInfo, Table, TableStats, View,
};
use serde::Deserialize;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

const SERVER: &str = include_str!("sql/catalog_server.sql");
const SETTINGS: &str = include_str!("sql/catalog_settings.sql");
const TABLES: &str = include_str!("sql/catalog_tables.sql");
const COLUMNS: &str = include_str!("sql/catalog_columns.sql");
const CONSTRAINTS: &str = include_str!("sql/catalog_constraints.sql");
const INDEXES: &str = include_str!("sql/catalog_indexes.sql");
const VIEWS: &str = include_str!("sql/catalog_views.sql");
const SEQUENCES: &str = include_str!("sql/catalog_sequences.sql");
const LOCKED: &str = include_str!("sql/catalog_locked.sql");

/// One snapshot for all the queries; UTC and ISO dates so that timestamps in partition
/// bounds, defaults and statistics print the same whatever the server's or role's settings.
const BEGIN: [&str; 3] = [
    "START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
    "SET LOCAL TimeZone = 'UTC'",
    "SET LOCAL DateStyle = 'ISO, YMD'",
];

/// A relation another session holds (or waits for) an ACCESS EXCLUSIVE lock on: left out of
/// the catalog, since reading its size or definition would wait behind that lock.
#[derive(Debug, Clone, PartialEq)]
pub struct Locked {
    pub relation: QualifiedName,
    pub pid: i32,
}

/// The catalog as read, and the relations left out of it because they were locked.
#[derive(Debug)]
pub struct LiveCatalog {
    pub catalog: Catalog,
    pub locked: Vec<Locked>,
}

/// Reads the user's schemas (not pg_catalog, information_schema, pg_toast, nor what
/// extensions own) and their live statistics.
pub async fn read_catalog(session: &Session) -> Result<LiveCatalog, DbError> {
    let read = async {
        for statement in BEGIN {
            session.execute(statement, &[]).await?;
        }
        let locked = session.query(LOCKED, &[]).await?;
        let locked_oids: Vec<u32> = locked
            .iter()
            .filter_map(|row| row.try_get("oid").ok())
            .collect();
        let only_unlocked: [&(dyn ToSql + Sync); 1] = [&locked_oids];
        let plain = |sql: &'static str| session.query(sql, &[]);
        let unlocked = |sql: &'static str| session.query(sql, &only_unlocked);
        // Futures polled together on one client are pipelined by tokio-postgres: one round
        // trip's latency for all eight, not eight.
        let rows = tokio::try_join!(
            plain(SERVER),
            plain(SETTINGS),
            unlocked(TABLES),
            unlocked(COLUMNS),
            unlocked(CONSTRAINTS),
            unlocked(INDEXES),
            unlocked(VIEWS),
            plain(SEQUENCES),
        )?;
        Ok::<_, DbError>((locked, rows))
    }
    .await;
    // Ended whatever happened, so that a failed read leaves the session usable.
    let end = session.execute("ROLLBACK", &[]).await;
    let (locked, (server, settings, tables, columns, constraints, indexes, views, sequences)) =
        read?;
    end?;
    let locked = locked
        .iter()
        .filter_map(|row| {
            Some(Locked {
                relation: row.name("schema", "name")?,
                pid: row.try_get("pid").ok()?,
            })
        })
        .collect();

    let mut catalog = Catalog {
        server: Some(server_info(&server, &settings)),
        ..Catalog::default()
    };
    for table in tables.iter().filter_map(table) {
        catalog.tables.insert(table.name.clone(), table);
    }
    for (table, column) in columns.iter().filter_map(column) {
        if let Some(table) = catalog.tables.get_mut(&table) {
            table.columns.push(column);
        }
    }
    for (table, constraint) in constraints.iter().filter_map(constraint) {
        if let Some(table) = catalog.tables.get_mut(&table) {
            constraint.add_to(table);
        }
    }
    for index in indexes.iter().filter_map(index) {
        catalog.indexes.insert(index.name.clone(), index);
    }
    for view in views.iter().filter_map(view) {
        catalog.views.insert(view.name.clone(), view);
    }
    for sequence in sequences.iter().filter_map(sequence) {
        catalog.sequences.insert(sequence.name.clone(), sequence);
    }
    Ok(LiveCatalog { catalog, locked })
}

/// Typed, forgiving access to a row: `None` for a NULL, a missing column or a type that
/// does not decode.
trait Field {
    fn text(&self, name: &str) -> Option<String>;
    fn int(&self, name: &str) -> Option<i64>;
    fn float(&self, name: &str) -> Option<f64>;
    fn flag(&self, name: &str) -> Option<bool>;
    fn texts(&self, name: &str) -> Option<Vec<String>>;
    fn name(&self, schema: &str, name: &str) -> Option<QualifiedName> {
        Some(QualifiedName::new(self.text(schema)?, self.text(name)?))
    }
}

impl Field for Row {
    fn text(&self, name: &str) -> Option<String> {
        self.try_get::<_, Option<String>>(name).ok().flatten()
    }
    fn int(&self, name: &str) -> Option<i64> {
        self.try_get::<_, Option<i64>>(name).ok().flatten()
    }
    fn float(&self, name: &str) -> Option<f64> {
        self.try_get::<_, Option<f64>>(name).ok().flatten()
    }
    fn flag(&self, name: &str) -> Option<bool> {
        self.try_get::<_, Option<bool>>(name).ok().flatten()
    }
    /// A text array without its NULL elements.
    fn texts(&self, name: &str) -> Option<Vec<String>> {
        let values = self
            .try_get::<_, Option<Vec<Option<String>>>>(name)
            .ok()
            .flatten()?;
        Some(values.into_iter().flatten().collect())
    }
}

fn server_info(server: &[Row], settings: &[Row]) -> ServerInfo {
    let server = server.first();
    ServerInfo {
        version_num: server
            .and_then(|row| row.try_get::<_, Option<i32>>("version_num").ok().flatten())
            .unwrap_or_default(),
        version: server
            .and_then(|row| row.text("version"))
            .unwrap_or_default(),
        settings: settings
            .iter()
            .filter_map(|row| Some((row.text("name")?, row.text("value")?)))
            .collect(),
        counters_age_seconds: server.and_then(|row| {
            row.try_get::<_, Option<f64>>("counters_age_seconds")
                .ok()
                .flatten()
        }),
        in_recovery: server
            .and_then(|row| row.try_get::<_, Option<bool>>("in_recovery").ok().flatten())
            .unwrap_or(false),
    }
}

fn table(row: &Row) -> Option<Table> {
    let partition_of = match (
        row.name("parent_schema", "parent_name"),
        row.text("partition_bounds"),
    ) {
        (Some(parent), Some(bounds)) => Some(PartitionOf { parent, bounds }),
        _ => None,
    };
    let count = |name: &str| row.int(name).unwrap_or(0);
    Some(Table {
        name: row.name("schema", "name")?,
        partitioning: partitioning(row),
        partition_of,
        unlogged: row.flag("unlogged").unwrap_or(false),
        stats: Some(TableStats {
            // -1 means never analysed on PG 14+ (0 did, before): unknown either way.
            rows: row.float("reltuples").filter(|rows| *rows >= 0.0),
            // Partitioned tables have no storage and report -1.
            pages: count("relpages").max(0),
            all_visible_pages: row.int("relallvisible"),
            table_bytes: count("table_bytes"),
            total_bytes: count("total_bytes"),
            seq_scans: count("seq_scan"),
            index_scans: count("idx_scan"),
            inserts: count("n_tup_ins"),
            updates: count("n_tup_upd"),
            hot_updates: count("n_tup_hot_upd"),
            deletes: count("n_tup_del"),
            live_rows: count("n_live_tup"),
            dead_rows: count("n_dead_tup"),
            modified_since_analyze: count("n_mod_since_analyze"),
            last_analyze: row.text("last_analyze"),
            inserts_since_vacuum: count("n_ins_since_vacuum"),
            seconds_since_vacuum: row.float("seconds_since_vacuum"),
            extended_statistics: row
                .texts("extended_statistics")
                .unwrap_or_default()
                .iter()
                .filter_map(|columns| serde_json::from_str(columns).ok())
                .collect(),
        }),
        ..Table::default()
    })
}

/// `PARTITION BY …`; `None` for a plain table, and for a strategy this planwise does not
/// know (the table is still described, only not its partitioning).
fn partitioning(row: &Row) -> Option<Partitioning> {
    let strategy = match row.text("partition_strategy")?.as_str() {
        "r" => PartitionStrategy::Range,
        "l" => PartitionStrategy::List,
        "h" => PartitionStrategy::Hash,
        _ => return None,
    };
    Some(Partitioning {
        strategy,
        key: partition_key(&row.text("partition_key")?),
    })
}

/// The key of `pg_get_partkeydef`'s `RANGE (a, lower(b), (c % 3))`: the text between the
/// outer parentheses, cut at the commas that are not inside parentheses or quotes. A key
/// that is one quoted column name is given as stored (`"Region"` → `Region`), like every
/// other name of the catalog.
fn partition_key(definition: &str) -> Vec<String> {
    let inner = match (definition.find('('), definition.rfind(')')) {
        (Some(open), Some(close)) if open < close => &definition[open + 1..close],
        _ => return Vec::new(),
    };
    let mut keys = Vec::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (at, c) in inner.char_indices() {
        match (quote, c) {
            // A doubled quote inside quotes closes and reopens: the same state either way.
            (Some(open), c) if c == open => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth = depth.saturating_sub(1),
            (None, ',') if depth == 0 => {
                keys.push(inner[start..at].trim().to_string());
                start = at + 1;
            }
            _ => {}
        }
    }
    keys.push(inner[start..].trim().to_string());
    keys.retain(|key| !key.is_empty());
    keys.into_iter().map(unquoted).collect()
}

/// `"Mixed ""Case"""` → `Mixed "Case"`; anything else as it is.
fn unquoted(key: String) -> String {
    match key.strip_prefix('"').and_then(|k| k.strip_suffix('"')) {
        Some(inner) if !inner.replace("\"\"", "").contains('"') => inner.replace("\"\"", "\""),
        _ => key,
    }
}

fn column(row: &Row) -> Option<(QualifiedName, Column)> {
    let stats = match (row.float("null_frac"), row.float("n_distinct")) {
        (Some(null_frac), Some(n_distinct)) => {
            let values = row.texts("most_common_vals").unwrap_or_default();
            let frequencies: Vec<f64> = row
                .try_get::<_, Option<Vec<Option<f64>>>>("most_common_freqs")
                .ok()
                .flatten()
                .unwrap_or_default()
                .into_iter()
                .flatten()
                .collect();
            // Read back as text[], the values of a type whose arrays are not delimited by
            // commas (box uses ';') do not split one by one: better none than mispaired.
            let most_common = if values.len() == frequencies.len() {
                values.into_iter().zip(frequencies).collect()
            } else {
                Vec::new()
            };
            Some(ColumnStats {
                null_frac,
                n_distinct,
                avg_width: row
                    .try_get::<_, Option<i32>>("avg_width")
                    .ok()
                    .flatten()
                    .unwrap_or(0),
                correlation: row.float("correlation"),
                most_common,
                histogram_bounds: row.texts("histogram_bounds").unwrap_or_default(),
            })
        }
        _ => None,
    };
    let column = Column {
        name: row.text("name")?,
        data_type: row.text("data_type")?,
        nullable: row.flag("nullable").unwrap_or(true),
        default: row.text("default_expr"),
        identity: row.flag("identity").unwrap_or(false),
        generated: row.text("generated"),
        stats,
    };
    Some((row.name("schema", "table_name")?, column))
}

/// A constraint on its way to its table.
enum Constraint {
    Primary(KeyConstraint),
    Unique(KeyConstraint),
    Foreign(ForeignKey),
    Check(CheckConstraint),
}

impl Constraint {
    fn add_to(self, table: &mut Table) {
        match self {
            Constraint::Primary(key) => table.primary_key = Some(key),
            Constraint::Unique(key) => table.unique_constraints.push(key),
            Constraint::Foreign(key) => table.foreign_keys.push(key),
            Constraint::Check(check) => table.checks.push(check),
        }
    }
}

fn constraint(row: &Row) -> Option<(QualifiedName, Constraint)> {
    let name = row.text("name");
    let columns = row.texts("columns")?;
    let not_valid = row.flag("not_valid").unwrap_or(false);
    let constraint = match row.text("kind")?.as_str() {
        "p" => Constraint::Primary(KeyConstraint { name, columns }),
        "u" => Constraint::Unique(KeyConstraint { name, columns }),
        "f" => {
            let set_columns = row.texts("on_delete_columns").unwrap_or_default();
            let on_delete = row.text("on_delete").map(|action| {
                if set_columns.is_empty() {
                    action
                } else {
                    format!("{action} ({})", set_columns.join(", "))
                }
            });
            Constraint::Foreign(ForeignKey {
                name,
                columns,
                references: row.name("referenced_schema", "referenced_table")?,
                referenced_columns: row.texts("referenced_columns")?,
                on_delete,
                not_valid,
            })
        }
        "c" => Constraint::Check(CheckConstraint {
            name,
            expression: row.text("check_expr")?,
            not_valid,
        }),
        _ => return None,
    };
    Some((row.name("schema", "table_name")?, constraint))
}

/// One entry of `catalog_indexes.sql`'s `columns`.
#[derive(Deserialize)]
struct IndexColumn {
    expression: String,
    is_column: bool,
    is_key: bool,
    descending: bool,
    nulls_first: bool,
    opclass: Option<String>,
}

fn index(row: &Row) -> Option<Index> {
    let columns: Vec<IndexColumn> = serde_json::from_value(
        row.try_get::<_, Option<serde_json::Value>>("columns")
            .ok()
            .flatten()?,
    )
    .ok()?;
    let mut keys = Vec::new();
    let mut include = Vec::new();
    for column in columns {
        if column.is_key {
            keys.push(IndexKey {
                // NULLS FIRST is the default of DESC, NULLS LAST of ASC: only a departure
                // from the default is recorded, as it would have to be written.
                nulls_first: (column.nulls_first != column.descending)
                    .then_some(column.nulls_first),
                expression: column.expression,
                is_column: column.is_column,
                descending: column.descending,
                opclass: column.opclass,
            });
        } else {
            include.push(column.expression);
        }
    }
    let count = |name: &str| row.int(name).unwrap_or(0);
    Some(Index {
        name: row.name("schema", "name")?,
        table: row.name("table_schema", "table_name")?,
        method: IndexMethod::from(row.text("method")?),
        keys,
        include,
        predicate: row.text("predicate"),
        unique: row.flag("is_unique").unwrap_or(false),
        primary: row.flag("is_primary").unwrap_or(false),
        constraint: row.flag("backs_constraint").unwrap_or(false),
        // Partitioned indexes have no storage and no counters of their own: zeros.
        stats: Some(IndexStats {
            scans: count("idx_scan"),
            tuples_read: count("idx_tup_read"),
            tuples_fetched: count("idx_tup_fetch"),
            bytes: count("bytes"),
        }),
    })
}

fn view(row: &Row) -> Option<View> {
    Some(View {
        name: row.name("schema", "name")?,
        materialized: row.flag("materialized").unwrap_or(false),
        // pg_get_viewdef indents the query and ends it with `;`.
        query: row
            .text("query")?
            .trim()
            .trim_end_matches(';')
            .trim_end()
            .to_string(),
    })
}

fn sequence(row: &Row) -> Option<Sequence> {
    let owned_by = match (
        row.name("owner_schema", "owner_table"),
        row.text("owner_column"),
    ) {
        (Some(table), Some(column)) => Some((table, column)),
        _ => None,
    };
    Some(Sequence {
        name: row.name("schema", "name")?,
        owned_by,
    })
}

#[cfg(test)]
mod tests {
    use super::partition_key;

    #[test]
    fn partition_keys_split_at_top_level_commas_only() {
        assert_eq!(partition_key("RANGE (at)"), ["at"]);
        assert_eq!(
            partition_key("RANGE (lower(name), ((length(name) % 3)))"),
            ["lower(name)", "((length(name) % 3))"]
        );
        assert_eq!(
            partition_key("LIST (\"Region, \"\"Zone\"\"\", (coalesce(a, ','::text)))"),
            ["Region, \"Zone\"", "(coalesce(a, ','::text))"]
        );
        assert_eq!(
            partition_key("LIST ((\"a\" || \"b\"))"),
            ["(\"a\" || \"b\")"]
        );
        assert_eq!(partition_key("HASH (a, b)"), ["a", "b"]);
        assert!(partition_key("garbage").is_empty());
    }
}
