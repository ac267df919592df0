//! What a DDL statement does to the tables it touches: the lock it takes (PostgreSQL's
//! lock levels, from the `ALTER TABLE` / `CREATE INDEX` documentation) and the work it does
//! while holding it — nothing but a catalog change, a scan to validate, a rewrite of the
//! table and its indexes, or an index build. The migration rules read this to judge how
//! long a statement blocks whom.

use super::StatementContext;
use super::volatility::{Volatility, expression_volatility};
use super::word_locks::{locks_by_words, neutral_action_locks};
use crate::findings::LockMode;
use crate::model::catalog::{Catalog, QualifiedName};
use crate::model::ddl::identifier;
use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, CascadeOption, ColumnDef, ColumnOption, CreateTable,
    DataType, DetachPartitionMode, Expr, ObjectType, Statement, TableConstraint,
};

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
    pub lock: LockMode,
    pub work: Work,
}

/// The tables a statement locks, strongest lock first; empty for statements that lock no
/// existing table (data, settings). A table the schema does not have is taken to exist (see
/// [`StatementContext::assumed_table`]); an index it does not have is on a table nobody can
/// name, and left out.
pub fn table_locks(context: &StatementContext<'_>) -> Vec<TableLock> {
    let mut locks = Vec::new();
    let mut add = |table: Option<QualifiedName>, lock: LockMode, work: Work| {
        if let Some(table) = table {
            locks.push(TableLock { table, lock, work });
        }
    };
    match context.ast {
        Some(Statement::CreateIndex(create)) => {
            let lock = if create.concurrently {
                LockMode::ShareUpdateExclusive
            } else {
                LockMode::Share
            };
            let table = context.assumed_table(&create.table_name);
            add(table, lock, Work::IndexBuild);
        }
        Some(Statement::CreateTable(create)) => {
            for (table, lock) in created_table_locks(context, create) {
                add(Some(table), lock, Work::Catalog);
            }
        }
        Some(Statement::Drop {
            object_type: ObjectType::Index,
            names,
            ..
        }) if !context.words_include("CONCURRENTLY") => {
            for name in names {
                let table = context.table_of_index(name);
                add(table, LockMode::AccessExclusive, Work::Catalog);
            }
        }
        Some(Statement::Drop {
            object_type: ObjectType::Table,
            names,
            ..
        }) => {
            for table in names.iter().filter_map(|name| context.assumed_table(name)) {
                // Its foreign keys' triggers go from the tables they reference too.
                for referenced in referenced_tables(context, &table) {
                    add(Some(referenced), LockMode::AccessExclusive, Work::Catalog);
                }
                add(Some(table), LockMode::AccessExclusive, Work::Catalog);
            }
        }
        Some(Statement::Truncate(truncate)) => {
            let cascade = truncate.cascade == Some(CascadeOption::Cascade);
            for target in &truncate.table_names {
                let table = context.assumed_table(&target.name);
                if let Some(table) = table.as_ref().filter(|_| cascade) {
                    for reached in context.catalog.referencing_tables(table) {
                        add(Some(reached), LockMode::AccessExclusive, Work::Catalog);
                    }
                }
                add(table, LockMode::AccessExclusive, Work::Catalog);
            }
        }
        Some(Statement::AlterTable(alter)) => {
            let table = context.assumed_table(&alter.name);
            for operation in &alter.operations {
                let (lock, work) = alter_table_lock(context, table.as_ref(), operation);
                for (other, lock) in other_tables_locked(context, table.as_ref(), operation) {
                    add(Some(other), lock, Work::Catalog);
                }
                add(table.clone(), lock, work);
            }
            if context.without_neutral_actions {
                for (table, lock, work) in neutral_action_locks(context) {
                    add(table, lock, work);
                }
            }
        }
        _ => {
            for (table, lock, work) in locks_by_words(context) {
                add(table, lock, work);
            }
        }
    }
    strongest_per_table(locks)
}

/// What `CREATE TABLE` locks of the tables that exist: SHARE ROW EXCLUSIVE on each table its
/// foreign keys reference (their triggers are added there), ACCESS EXCLUSIVE on the parent
/// of a new partition.
fn created_table_locks(
    context: &StatementContext<'_>,
    create: &CreateTable,
) -> Vec<(QualifiedName, LockMode)> {
    let created = context.declared_table_name(&create.name);
    let column_keys = create.columns.iter().flat_map(|column| {
        column.options.iter().filter_map(|o| match &o.option {
            ColumnOption::ForeignKey(fk) => Some(&fk.foreign_table),
            _ => None,
        })
    });
    let table_keys = create.constraints.iter().filter_map(|c| match c {
        TableConstraint::ForeignKey(fk) => Some(&fk.foreign_table),
        _ => None,
    });
    let mut locks: Vec<(QualifiedName, LockMode)> = column_keys
        .chain(table_keys)
        .filter_map(|name| context.table_name(name))
        .filter(|table| *table != created)
        .map(|table| (table, LockMode::ShareRowExclusive))
        .collect();
    let parent = create
        .partition_of
        .as_ref()
        .and_then(|p| context.table_name(p));
    locks.extend(parent.map(|parent| (parent, LockMode::AccessExclusive)));
    locks
}

/// The tables `table`'s foreign keys reference, other than itself.
fn referenced_tables(context: &StatementContext<'_>, table: &QualifiedName) -> Vec<QualifiedName> {
    let keys = context.catalog.tables.get(table).map(|t| &t.foreign_keys);
    keys.into_iter()
        .flatten()
        .map(|fk| fk.references.clone())
        .filter(|referenced| referenced != table)
        .collect()
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

/// The tables other than its own an `ALTER TABLE` action locks: the one a new foreign key
/// references (SHARE ROW EXCLUSIVE: its rows may not change while the key is checked), the
/// one a dropped foreign key referenced (ACCESS EXCLUSIVE: its triggers go), a partition
/// attached or detached (ACCESS EXCLUSIVE).
fn other_tables_locked(
    context: &StatementContext<'_>,
    table: Option<&QualifiedName>,
    operation: &AlterTableOperation,
) -> Vec<(QualifiedName, LockMode)> {
    let (name, lock) = match operation {
        AlterTableOperation::AddConstraint {
            constraint: TableConstraint::ForeignKey(fk),
            ..
        } => (&fk.foreign_table, LockMode::ShareRowExclusive),
        AlterTableOperation::AddColumn { column_def, .. } => {
            let key = column_def.options.iter().find_map(|o| match &o.option {
                ColumnOption::ForeignKey(fk) => Some(&fk.foreign_table),
                _ => None,
            });
            let Some(key) = key else { return Vec::new() };
            (key, LockMode::ShareRowExclusive)
        }
        AlterTableOperation::AttachPartitionOf { partition, .. }
        | AlterTableOperation::DetachPartitionOf { partition, .. } => {
            (partition, LockMode::AccessExclusive)
        }
        AlterTableOperation::DropConstraint { name, .. } => {
            let dropped = identifier(name);
            let table = table.and_then(|t| context.catalog.tables.get(t));
            let references = table
                .and_then(|t| {
                    t.foreign_keys
                        .iter()
                        .find(|fk| fk.name.as_deref() == Some(dropped.as_str()))
                })
                .map(|fk| fk.references.clone())
                .filter(|referenced| Some(referenced) != table.map(|t| &t.name));
            return references
                .map(|referenced| (referenced, LockMode::AccessExclusive))
                .into_iter()
                .collect();
        }
        _ => return Vec::new(),
    };
    context
        .assumed_table(name)
        .map(|other| (other, lock))
        .into_iter()
        .collect()
}

/// The lock one `ALTER TABLE` action takes on its table, and the work done under it.
fn alter_table_lock(
    context: &StatementContext<'_>,
    table: Option<&QualifiedName>,
    operation: &AlterTableOperation,
) -> (LockMode, Work) {
    match operation {
        AlterTableOperation::AddColumn { column_def, .. } => (
            LockMode::AccessExclusive,
            add_column_work(context, column_def),
        ),
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
                TableConstraint::ForeignKey(_) => (LockMode::ShareRowExclusive, validation),
                TableConstraint::Check(_) => (LockMode::AccessExclusive, validation),
                TableConstraint::PrimaryKey(_) | TableConstraint::Unique(_) => {
                    (LockMode::AccessExclusive, Work::IndexBuild)
                }
                _ => (LockMode::AccessExclusive, Work::Catalog),
            }
        }
        AlterTableOperation::ValidateConstraint { .. } => {
            (LockMode::ShareUpdateExclusive, Work::Scan)
        }
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
            (LockMode::AccessExclusive, work)
        }
        AlterTableOperation::SetOptionsParens { .. } | AlterTableOperation::ResetOptions { .. } => {
            (LockMode::ShareUpdateExclusive, Work::Catalog)
        }
        AlterTableOperation::SetLogged | AlterTableOperation::SetUnlogged => {
            (LockMode::AccessExclusive, Work::Rewrite)
        }
        AlterTableOperation::EnableTrigger { .. }
        | AlterTableOperation::DisableTrigger { .. }
        | AlterTableOperation::EnableAlwaysTrigger { .. }
        | AlterTableOperation::EnableReplicaTrigger { .. } => {
            (LockMode::ShareRowExclusive, Work::Catalog)
        }
        // The partition's rows are checked against its bounds, unless a CHECK proves them.
        AlterTableOperation::AttachPartitionOf { .. } => {
            (LockMode::ShareUpdateExclusive, Work::Catalog)
        }
        AlterTableOperation::DetachPartitionOf {
            mode: Some(DetachPartitionMode::Concurrently),
            ..
        } => (LockMode::ShareUpdateExclusive, Work::Catalog),
        _ => (LockMode::AccessExclusive, Work::Catalog),
    }
}

/// The work of adding a column: a rewrite when its values must be written into every row,
/// else what its constraints need (a validation scan, an index build) or nothing.
fn add_column_work(context: &StatementContext<'_>, column_def: &ColumnDef) -> Work {
    if column_rewrites_table(column_def, context) {
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
/// (see [`type_change_rewrites`]), else a rewrite (also when the old type is not known).
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
        Some(old) if !type_change_rewrites(context.catalog, old, &new, with_using) => Work::Catalog,
        _ => Work::Rewrite,
    }
}

/// Whether changing a column from type `old` to `new` rewrites the table: always with
/// `USING`, and to a domain with a constraint (every value is checked anew); else the
/// domains stand for their base types, and the change is free when those are
/// binary-compatible (see [`type_change_is_free`]).
pub fn type_change_rewrites(catalog: &Catalog, old: &str, new: &str, with_using: bool) -> bool {
    let checked_domain = catalog
        .domain_of_type(new)
        .is_some_and(|domain| domain.has_constraints());
    with_using
        || (checked_domain && old != new)
        || !type_change_is_free(catalog.base_type(old), catalog.base_type(new))
}

/// Whether adding this column rewrites the table: a stored generated or identity column
/// always does (every row gets its value); so does a column of a domain with a constraint
/// (each row's value, NULL or the default, is checked); a default does when it calls a
/// volatile function (see [`expression_volatility`]), or on PostgreSQL 10 and older when it
/// is anything but NULL; `serial` types bring a `nextval` default.
pub fn column_rewrites_table(column: &ColumnDef, context: &StatementContext<'_>) -> bool {
    let pg_version = context.environment.pg_version;
    let data_type = column.data_type.to_string().to_ascii_lowercase();
    let serial = matches!(
        data_type.as_str(),
        "serial" | "bigserial" | "smallserial" | "serial4" | "serial8" | "serial2"
    );
    let checked_domain = context
        .catalog
        .domain_of_type(&crate::model::ddl::format_type(&column.data_type))
        .is_some_and(|domain| domain.has_constraints());
    serial
        || checked_domain
        || column.options.iter().any(|option| match &option.option {
            ColumnOption::Default(expr) => {
                !matches!(expr, Expr::Value(v) if v.to_string().eq_ignore_ascii_case("NULL"))
                    && (pg_version < 11 || expression_volatility(expr) == Volatility::Volatile)
            }
            ColumnOption::Generated { .. } | ColumnOption::Identity(_) => true,
            _ => false,
        })
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
