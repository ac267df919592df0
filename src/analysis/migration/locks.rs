//! What a DDL statement does to the tables it touches: the lock it takes (PostgreSQL's
//! lock levels, from the `ALTER TABLE` / `CREATE INDEX` documentation) and the work it does
//! while holding it — nothing but a catalog change, a scan to validate, a rewrite of the
//! table and its indexes, or an index build. The migration rules read this to judge how
//! long a statement blocks whom.

use super::StatementContext;
use crate::model::catalog::QualifiedName;
use crate::model::ddl::identifier;
use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, ColumnDef, ColumnOption, DataType, Expr, ObjectName,
    ObjectType, Statement, TableConstraint,
};

/// Table lock levels, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Lock {
    /// `INSERT`, `UPDATE`, `DELETE`: only schema changes wait.
    RowExclusive,
    /// `VALIDATE CONSTRAINT`, `CREATE INDEX CONCURRENTLY`: reads and writes go on.
    ShareUpdateExclusive,
    /// `CREATE INDEX`: reads go on, writes wait.
    Share,
    /// `ADD FOREIGN KEY` (on both tables): reads go on, writes wait.
    ShareRowExclusive,
    /// Most `ALTER TABLE` forms, `DROP`, `TRUNCATE`: everything waits, reads too.
    AccessExclusive,
}

impl Lock {
    pub fn as_str(self) -> &'static str {
        match self {
            Lock::RowExclusive => "ROW EXCLUSIVE",
            Lock::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            Lock::Share => "SHARE",
            Lock::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            Lock::AccessExclusive => "ACCESS EXCLUSIVE",
        }
    }

    /// Whether writes to the table wait while it is held.
    pub fn blocks_writes(self) -> bool {
        self >= Lock::Share
    }

    /// What waits while it is held, for messages.
    pub fn blocks(self) -> &'static str {
        match self {
            Lock::RowExclusive | Lock::ShareUpdateExclusive => "other schema changes",
            Lock::Share | Lock::ShareRowExclusive => "writes",
            Lock::AccessExclusive => "reads and writes",
        }
    }
}

/// The work done under the lock, cheapest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Work {
    /// A catalog change: instant once the lock is granted.
    Catalog,
    /// A full scan to validate a constraint.
    Scan,
    /// An index build (a scan and a sort).
    IndexBuild,
    /// The table and all its indexes written anew.
    Rewrite,
}

impl Work {
    /// Bytes of table per second the work gets through, roughly, on current hardware: what
    /// turns a table's size into the time a lock is held.
    pub fn bytes_per_second(self) -> f64 {
        match self {
            Work::Catalog => f64::INFINITY,
            Work::Scan => 400e6,
            Work::IndexBuild => 60e6,
            Work::Rewrite => 40e6,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Work::Catalog => "a catalog change",
            Work::Scan => "a validation scan",
            Work::IndexBuild => "an index build",
            Work::Rewrite => "a table rewrite",
        }
    }
}

/// One table a statement locks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableLock {
    pub table: QualifiedName,
    pub lock: Lock,
    pub work: Work,
}

/// The tables a statement locks, strongest lock first; empty for statements that lock no
/// existing table (creating a table, data, settings). A table the schema does not have is
/// taken to exist (see [`StatementContext::assumed_table`]); an index it does not have is on
/// a table nobody can name, and left out.
pub fn table_locks(context: &StatementContext<'_>) -> Vec<TableLock> {
    let mut locks = Vec::new();
    let mut add = |table: Option<QualifiedName>, lock: Lock, work: Work| {
        if let Some(table) = table {
            locks.push(TableLock { table, lock, work });
        }
    };
    match context.ast {
        Some(Statement::CreateIndex(create)) => {
            let lock = if create.concurrently {
                Lock::ShareUpdateExclusive
            } else {
                Lock::Share
            };
            let table = context.assumed_table(&create.table_name);
            add(table, lock, Work::IndexBuild);
        }
        Some(Statement::Drop {
            object_type: ObjectType::Index,
            names,
            ..
        }) if !context.words_include("CONCURRENTLY") => {
            for name in names {
                let table = context.table_of_index(name);
                add(table, Lock::AccessExclusive, Work::Catalog);
            }
        }
        Some(Statement::Drop {
            object_type: ObjectType::Table,
            names,
            ..
        }) => {
            for name in names {
                add(
                    context.assumed_table(name),
                    Lock::AccessExclusive,
                    Work::Catalog,
                );
            }
        }
        Some(Statement::Truncate(truncate)) => {
            for target in &truncate.table_names {
                let table = context.assumed_table(&target.name);
                add(table, Lock::AccessExclusive, Work::Catalog);
            }
        }
        Some(Statement::AlterTable(alter)) => {
            let table = context.assumed_table(&alter.name);
            for operation in &alter.operations {
                let (lock, work) = alter_table_lock(context, table.as_ref(), operation);
                if let Some(parent) = referenced_table(operation) {
                    let parent = context.assumed_table(parent);
                    add(parent, Lock::ShareRowExclusive, Work::Catalog);
                }
                add(table.clone(), lock, work);
            }
        }
        _ => {
            if let Some((table, lock, work)) = lock_by_words(context) {
                add(table, lock, work);
            }
        }
    }
    strongest_per_table(locks)
}

/// The lock of a statement known by its first words rather than its parsed form: a backfill
/// in a migration (`UPDATE`, `DELETE`, as many rows as it matches) or a `REINDEX`.
fn lock_by_words(context: &StatementContext<'_>) -> Option<(Option<QualifiedName>, Lock, Work)> {
    if context.starts_with(&["UPDATE"]) {
        let name = context.object_after(&["UPDATE"])?;
        return Some((context.assumed_table(&name), Lock::RowExclusive, Work::Scan));
    }
    if context.starts_with(&["DELETE", "FROM"]) {
        let name = context.object_after(&["DELETE", "FROM"])?;
        return Some((context.assumed_table(&name), Lock::RowExclusive, Work::Scan));
    }
    if context.starts_with(&["REINDEX"]) && !context.words_include("CONCURRENTLY") {
        // REINDEX TABLE t / REINDEX INDEX i: ACCESS EXCLUSIVE on the index, SHARE on the
        // table, for the length of a build.
        let table = if let Some(name) = context.object_after(&["TABLE"]) {
            context.assumed_table(&name)
        } else {
            context.table_of_index(&context.object_after(&["INDEX"])?)
        };
        return Some((table, Lock::Share, Work::IndexBuild));
    }
    None
}

/// One lock per table, the strongest (with the most work), strongest first: what the
/// statement holds on each table until its transaction ends.
fn strongest_per_table(mut locks: Vec<TableLock>) -> Vec<TableLock> {
    locks.sort_by(|a, b| {
        a.table
            .cmp(&b.table)
            .then(b.lock.cmp(&a.lock))
            .then(b.work.cmp(&a.work))
    });
    locks.dedup_by(|later, first| later.table == first.table);
    locks.sort_by(|a, b| b.lock.cmp(&a.lock).then(b.work.cmp(&a.work)));
    locks
}

/// The table a new foreign key points to (its rows are locked against changes while the
/// key is added).
fn referenced_table(operation: &AlterTableOperation) -> Option<&ObjectName> {
    match operation {
        AlterTableOperation::AddConstraint {
            constraint: TableConstraint::ForeignKey(fk),
            ..
        } => Some(&fk.foreign_table),
        AlterTableOperation::AddColumn { column_def, .. } => {
            column_def.options.iter().find_map(|o| match &o.option {
                ColumnOption::ForeignKey(fk) => Some(&fk.foreign_table),
                _ => None,
            })
        }
        _ => None,
    }
}

/// The lock one `ALTER TABLE` action takes on its table, and the work done under it.
fn alter_table_lock(
    context: &StatementContext<'_>,
    table: Option<&QualifiedName>,
    operation: &AlterTableOperation,
) -> (Lock, Work) {
    match operation {
        AlterTableOperation::AddColumn { column_def, .. } => {
            (Lock::AccessExclusive, add_column_work(context, column_def))
        }
        AlterTableOperation::AddConstraint {
            constraint,
            not_valid,
        } => {
            // NOT VALID skips the scan that checks the existing rows.
            let validation = if *not_valid {
                Work::Catalog
            } else {
                Work::Scan
            };
            match constraint {
                TableConstraint::ForeignKey(_) => (Lock::ShareRowExclusive, validation),
                TableConstraint::Check(_) => (Lock::AccessExclusive, validation),
                TableConstraint::PrimaryKey(_) | TableConstraint::Unique(_) => {
                    (Lock::AccessExclusive, Work::IndexBuild)
                }
                _ => (Lock::AccessExclusive, Work::Catalog),
            }
        }
        AlterTableOperation::ValidateConstraint { .. } => (Lock::ShareUpdateExclusive, Work::Scan),
        AlterTableOperation::AlterColumn { column_name, op } => {
            let column = identifier(column_name);
            let work = match op {
                AlterColumnOperation::SetNotNull => {
                    let proven =
                        table.is_some_and(|t| context.has_valid_not_null_check(t, &column));
                    if proven { Work::Catalog } else { Work::Scan }
                }
                AlterColumnOperation::SetDataType {
                    data_type, using, ..
                } => type_change_work(context, table, &column, data_type, using.is_some()),
                _ => Work::Catalog,
            };
            (Lock::AccessExclusive, work)
        }
        AlterTableOperation::SetOptionsParens { .. } | AlterTableOperation::ResetOptions { .. } => {
            (Lock::ShareUpdateExclusive, Work::Catalog)
        }
        AlterTableOperation::SetLogged | AlterTableOperation::SetUnlogged => {
            (Lock::AccessExclusive, Work::Rewrite)
        }
        _ => (Lock::AccessExclusive, Work::Catalog),
    }
}

/// The work of adding a column: a rewrite when its values must be written into every row,
/// else what its constraints need (a validation scan, an index build) or nothing.
fn add_column_work(context: &StatementContext<'_>, column_def: &ColumnDef) -> Work {
    if column_rewrites_table(column_def, context.environment.pg_version) {
        return Work::Rewrite;
    }
    column_def
        .options
        .iter()
        .map(|o| match o.option {
            ColumnOption::ForeignKey(_) => Work::Scan,
            ColumnOption::PrimaryKey(_) | ColumnOption::Unique(_) => Work::IndexBuild,
            _ => Work::Catalog,
        })
        .max()
        .unwrap_or(Work::Catalog)
}

/// The work of changing a column's type: none for a change PostgreSQL makes in the catalog
/// (see [`type_change_is_free`]), else a rewrite (always with `USING`, or when the old type
/// is not known).
fn type_change_work(
    context: &StatementContext<'_>,
    table: Option<&QualifiedName>,
    column: &str,
    data_type: &DataType,
    with_using: bool,
) -> Work {
    let old = table
        .and_then(|t| context.catalog.tables.get(t))
        .and_then(|t| t.column(column))
        .map(|c| c.data_type.as_str());
    let new = crate::model::ddl::format_type(data_type);
    match old {
        Some(old) if !with_using && type_change_is_free(old, &new) => Work::Catalog,
        _ => Work::Rewrite,
    }
}

/// Functions that are the same for every row of one statement (immutable or stable): a
/// default calling only these is evaluated once and stored in the catalog. Any other call —
/// `gen_random_uuid()`, `clock_timestamp()`, `nextval()`, a function of the schema's own
/// (VOLATILE unless declared otherwise) — is computed per row, which rewrites the table.
const ONCE_PER_STATEMENT_FUNCTIONS: &[&str] = &[
    "now",
    "current_timestamp",
    "current_date",
    "current_time",
    "localtime",
    "localtimestamp",
    "transaction_timestamp",
    "current_user",
    "current_setting",
    "session_user",
    "lower",
    "upper",
    "coalesce",
    "to_jsonb",
    "to_json",
    "jsonb_build_object",
    "json_build_object",
    "array",
    "make_interval",
    "interval",
    "timezone",
    "date_trunc",
];

/// Whether adding this column rewrites the table: a stored generated or identity column
/// always does (every row gets its value); a default does when it calls a volatile
/// function, or on PostgreSQL 10 and older when it is anything but NULL; `serial` types
/// bring a `nextval` default.
pub fn column_rewrites_table(column: &ColumnDef, pg_version: u32) -> bool {
    let serial = matches!(
        column.data_type.to_string().to_ascii_lowercase().as_str(),
        "serial" | "bigserial" | "smallserial" | "serial4" | "serial8" | "serial2"
    );
    serial
        || column.options.iter().any(|option| match &option.option {
            ColumnOption::Default(expr) => {
                !matches!(expr, Expr::Value(v) if v.to_string().eq_ignore_ascii_case("NULL"))
                    && (pg_version < 11 || is_volatile(expr))
            }
            ColumnOption::Generated { .. } | ColumnOption::Identity(_) => true,
            _ => false,
        })
}

/// Whether an expression calls a function that may return a different value per row.
pub fn is_volatile(expr: &Expr) -> bool {
    let text = expr.to_string().to_ascii_lowercase();
    let mut volatile = false;
    for (at, _) in text.match_indices('(') {
        let name: String = text[..at]
            .trim_end()
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let name = name.rsplit('.').next().unwrap_or("");
        if !name.is_empty() && !ONCE_PER_STATEMENT_FUNCTIONS.contains(&name) {
            volatile = true;
        }
    }
    volatile
}

/// Type changes PostgreSQL makes without rewriting the table: to `text` or a longer
/// `varchar` from `varchar`/`text`, `varchar(n)` to unlimited, `numeric(p,s)` to a larger
/// precision with the same scale, `numeric(p,s)` to unconstrained `numeric`, `cidr` to
/// `inet`, `varbit(n)` longer. (Indexes may still be rebuilt where the collation or opclass
/// changes; these keep them.)
pub fn type_change_is_free(old: &str, new: &str) -> bool {
    if old == new {
        return true;
    }
    let varchar = |t: &str| -> Option<Option<u64>> {
        if t == "text" || t == "character varying" {
            return Some(None);
        }
        t.strip_prefix("character varying(")
            .and_then(|n| n.strip_suffix(')'))
            .and_then(|n| n.parse().ok())
            .map(Some)
    };
    if let (Some(from), Some(to)) = (varchar(old), varchar(new)) {
        return match (from, to) {
            (_, None) => true,
            (Some(from), Some(to)) => to >= from,
            (None, Some(_)) => false,
        };
    }
    let numeric = |t: &str| -> Option<Option<(u64, u64)>> {
        if t == "numeric" {
            return Some(None);
        }
        let inner = t.strip_prefix("numeric(")?.strip_suffix(')')?;
        let (precision, scale) = inner.split_once(',').unwrap_or((inner, "0"));
        Some(Some((
            precision.trim().parse().ok()?,
            scale.trim().parse().ok()?,
        )))
    };
    if let (Some(from), Some(to)) = (numeric(old), numeric(new)) {
        return match (from, to) {
            (_, None) => true,
            (Some((p, s)), Some((p2, s2))) => s == s2 && p2 >= p,
            (None, Some(_)) => false,
        };
    }
    matches!((old, new), ("cidr", "inet"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volatile_defaults_are_the_calls_not_known_to_be_stable() {
        let volatile = |sql: &str| is_volatile(&crate::sql::parse::parse_expression(sql).unwrap());
        assert!(volatile("gen_random_uuid()"));
        assert!(volatile("clock_timestamp()"));
        assert!(volatile("public.generate_unique_changeme()"));
        assert!(volatile("nextval('orders_id_seq'::regclass)"));
        assert!(!volatile("now()"));
        assert!(!volatile("'EUR'"));
        assert!(!volatile("(0)"));
        assert!(!volatile("CURRENT_TIMESTAMP"));
        assert!(!volatile("'{}'::jsonb"));
    }

    #[test]
    fn free_type_changes_are_the_binary_compatible_ones() {
        for (old, new) in [
            ("character varying(50)", "text"),
            ("character varying(50)", "character varying(100)"),
            ("text", "character varying"),
            ("numeric(10,2)", "numeric(12,2)"),
            ("numeric(10,2)", "numeric"),
            ("cidr", "inet"),
        ] {
            assert!(type_change_is_free(old, new), "{old} -> {new}");
        }
        for (old, new) in [
            ("integer", "bigint"),
            ("character varying(100)", "character varying(50)"),
            ("text", "character varying(10)"),
            ("numeric(10,2)", "numeric(12,3)"),
            ("timestamp without time zone", "timestamp with time zone"),
            ("text", "uuid"),
        ] {
            assert!(!type_change_is_free(old, new), "{old} -> {new}");
        }
    }
}
