//! What a DDL statement does to the tables it touches: the lock it takes (PostgreSQL's
//! lock levels, from the `ALTER TABLE` / `CREATE INDEX` documentation) and the work it does
//! while holding it — nothing but a catalog change, a scan to validate, a rewrite of the
//! table and its indexes, or an index build. The migration rules read this to judge how
//! long a statement blocks whom.

use super::StatementContext;
use crate::model::catalog::QualifiedName;
use crate::model::ddl::identifier;
use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, ColumnDef, ColumnOption, Expr, ObjectType,
    Statement, TableConstraint,
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
/// existing table (creating a table, data, settings).
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
            add(
                context.table_name(&create.table_name),
                lock,
                Work::IndexBuild,
            );
        }
        Some(Statement::Drop {
            object_type: ObjectType::Index,
            names,
            ..
        }) if !context.words_include("CONCURRENTLY") => {
            for name in names {
                add(
                    context.table_of_index(name),
                    Lock::AccessExclusive,
                    Work::Catalog,
                );
            }
        }
        Some(Statement::Drop {
            object_type: ObjectType::Table,
            names,
            ..
        }) => {
            for name in names {
                add(
                    context.table_name(name),
                    Lock::AccessExclusive,
                    Work::Catalog,
                );
            }
        }
        Some(Statement::Truncate(truncate)) => {
            for target in &truncate.table_names {
                add(
                    context.table_name(&target.name),
                    Lock::AccessExclusive,
                    Work::Catalog,
                );
            }
        }
        Some(Statement::AlterTable(alter)) => {
            let table = context.table_name(&alter.name);
            for operation in &alter.operations {
                let (lock, work) = alter_table_lock(context, table.as_ref(), operation);
                if let AlterTableOperation::AddConstraint {
                    constraint: TableConstraint::ForeignKey(fk),
                    ..
                } = operation
                {
                    add(context.table_name(&fk.foreign_table), lock, Work::Catalog);
                }
                add(table.clone(), lock, work);
            }
        }
        // A backfill in a migration: it writes (or reads) as many rows as it matches.
        _ if context.starts_with(&["UPDATE"]) => {
            if let Some(name) = context.object_after(&["UPDATE"]) {
                add(context.table_name(&name), Lock::RowExclusive, Work::Scan);
            }
        }
        _ if context.starts_with(&["DELETE", "FROM"]) => {
            if let Some(name) = context.object_after(&["DELETE", "FROM"]) {
                add(context.table_name(&name), Lock::RowExclusive, Work::Scan);
            }
        }
        _ if context.starts_with(&["REINDEX"]) && !context.words_include("CONCURRENTLY") => {
            // REINDEX TABLE t / REINDEX INDEX i: ACCESS EXCLUSIVE on the index, SHARE on the
            // table, for the length of a build.
            if let Some(name) = context.object_after(&["TABLE"]) {
                add(context.table_name(&name), Lock::Share, Work::IndexBuild);
            } else if let Some(name) = context.object_after(&["INDEX"]) {
                add(context.table_of_index(&name), Lock::Share, Work::IndexBuild);
            }
        }
        _ => {}
    }
    // The strongest lock per table, the most work with it.
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

fn alter_table_lock(
    context: &StatementContext<'_>,
    table: Option<&QualifiedName>,
    operation: &AlterTableOperation,
) -> (Lock, Work) {
    match operation {
        AlterTableOperation::AddColumn { column_def, .. } => {
            let work = if column_rewrites_table(column_def, context.environment.pg_version) {
                Work::Rewrite
            } else {
                Work::Catalog
            };
            (Lock::AccessExclusive, work)
        }
        AlterTableOperation::AddConstraint {
            constraint,
            not_valid,
        } => match constraint {
            TableConstraint::ForeignKey(_) => (
                Lock::ShareRowExclusive,
                if *not_valid {
                    Work::Catalog
                } else {
                    Work::Scan
                },
            ),
            TableConstraint::Check(_) => (
                Lock::AccessExclusive,
                if *not_valid {
                    Work::Catalog
                } else {
                    Work::Scan
                },
            ),
            TableConstraint::PrimaryKey(_) | TableConstraint::Unique(_) => {
                (Lock::AccessExclusive, Work::IndexBuild)
            }
            _ => (Lock::AccessExclusive, Work::Catalog),
        },
        AlterTableOperation::ValidateConstraint { .. } => (Lock::ShareUpdateExclusive, Work::Scan),
        AlterTableOperation::AlterColumn { column_name, op } => match op {
            AlterColumnOperation::SetNotNull => {
                let proven = table
                    .is_some_and(|t| context.has_valid_not_null_check(t, &identifier(column_name)));
                let work = if proven { Work::Catalog } else { Work::Scan };
                (Lock::AccessExclusive, work)
            }
            AlterColumnOperation::SetDataType {
                data_type, using, ..
            } => {
                let old = table
                    .and_then(|t| context.catalog.tables.get(t))
                    .and_then(|t| t.column(&identifier(column_name)))
                    .map(|c| c.data_type.clone());
                let new = crate::model::ddl::format_type(data_type);
                let work = match old {
                    Some(old) if using.is_none() && type_change_is_free(&old, &new) => {
                        Work::Catalog
                    }
                    _ => Work::Rewrite,
                };
                (Lock::AccessExclusive, work)
            }
            _ => (Lock::AccessExclusive, Work::Catalog),
        },
        AlterTableOperation::SetOptionsParens { .. } | AlterTableOperation::ResetOptions { .. } => {
            (Lock::ShareUpdateExclusive, Work::Catalog)
        }
        AlterTableOperation::SetLogged | AlterTableOperation::SetUnlogged => {
            (Lock::AccessExclusive, Work::Rewrite)
        }
        _ => (Lock::AccessExclusive, Work::Catalog),
    }
}

/// Functions whose value differs per row: as a column default they make `ADD COLUMN`
/// compute and write a value for every row.
const VOLATILE_FUNCTIONS: &[&str] = &[
    "clock_timestamp",
    "gen_random_uuid",
    "nextval",
    "random",
    "statement_timestamp",
    "timeofday",
    "txid_current",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
];

/// Whether adding this column rewrites the table: a stored generated column always does;
/// a default does when it is volatile, or on PostgreSQL 10 and older when it is anything
/// but NULL; `serial` types bring a `nextval` default.
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
            ColumnOption::Generated {
                generation_expr: Some(_),
                ..
            } => true,
            _ => false,
        })
}

/// Whether an expression calls a volatile function.
pub fn is_volatile(expr: &Expr) -> bool {
    let text = expr.to_string().to_ascii_lowercase();
    VOLATILE_FUNCTIONS
        .iter()
        .any(|function| text.contains(&format!("{function}(")))
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
