//! The columns a migration statement declares a type for — in `CREATE TABLE`, `ADD COLUMN`
//! or `ALTER COLUMN … TYPE` — for the rules about the types new columns get; and the
//! statement written again with the types those rules suggest, for their `sql`.

use crate::analysis::migration::StatementContext;
use crate::model::catalog::QualifiedName;
use crate::model::ddl::{format_type, identifier};
use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, ColumnDef, ColumnOptionDef, DataType, Ident,
    Statement, TableConstraint,
};

/// A column a statement gives a type to.
pub(super) struct DeclaredColumn<'a> {
    pub name: String,
    /// As PostgreSQL prints it (`timestamp without time zone`, `integer` for `serial`).
    pub data_type: String,
    /// Its definition; `None` for `ALTER COLUMN … TYPE`, which only changes the type.
    pub definition: Option<&'a ColumnDef>,
}

/// The columns one statement declares, all on one table.
pub(super) struct Declarations<'a> {
    pub table: QualifiedName,
    pub columns: Vec<DeclaredColumn<'a>>,
    /// The table constraints of a `CREATE TABLE`: keys declared apart from their columns.
    pub constraints: &'a [TableConstraint],
    statement: &'a Statement,
}

/// What the statement declares; `None` when it declares no column (temporary tables are
/// left out: they live for a session).
pub(super) fn declarations<'a>(context: &StatementContext<'a>) -> Option<Declarations<'a>> {
    let statement = context.ast?;
    match statement {
        Statement::CreateTable(create) if !create.temporary => Some(Declarations {
            table: context.declared_table_name(&create.name),
            columns: create.columns.iter().map(declared).collect(),
            constraints: &create.constraints,
            statement,
        }),
        Statement::AlterTable(alter) => {
            let table = context.declared_table_name(&alter.name);
            let existing = context.catalog.tables.get(&table);
            let mut columns = Vec::new();
            for operation in &alter.operations {
                match operation {
                    AlterTableOperation::AddColumn { column_def, .. } => {
                        columns.push(declared(column_def));
                    }
                    AlterTableOperation::AlterColumn {
                        column_name,
                        op: AlterColumnOperation::SetDataType { data_type, .. },
                    } => {
                        let name = identifier(column_name);
                        let data_type = format_type(data_type);
                        // Setting the type a column already has declares nothing new.
                        let unchanged = existing
                            .and_then(|t| t.column(&name))
                            .is_some_and(|c| c.data_type == data_type);
                        if !unchanged {
                            columns.push(DeclaredColumn {
                                name,
                                data_type,
                                definition: None,
                            });
                        }
                    }
                    _ => {}
                }
            }
            Some(Declarations {
                table,
                columns,
                constraints: &[],
                statement,
            })
        }
        _ => None,
    }
}

fn declared(definition: &ColumnDef) -> DeclaredColumn<'_> {
    DeclaredColumn {
        name: identifier(&definition.name),
        data_type: format_type(&definition.data_type),
        definition: Some(definition),
    }
}

impl Declarations<'_> {
    /// The statement again with `retype` applied to each of `columns` (given its name, its
    /// type, and its options where the statement defines the column): the SQL a rule
    /// suggests.
    pub fn rewritten(
        &self,
        columns: &[String],
        mut retype: impl FnMut(&str, &mut DataType, Option<&mut Vec<ColumnOptionDef>>),
    ) -> String {
        let mut statement = self.statement.clone();
        let chosen = |name: &Ident| Some(identifier(name)).filter(|name| columns.contains(name));
        match &mut statement {
            Statement::CreateTable(create) => {
                for def in &mut create.columns {
                    if let Some(name) = chosen(&def.name) {
                        retype(&name, &mut def.data_type, Some(&mut def.options));
                    }
                }
            }
            Statement::AlterTable(alter) => {
                for operation in &mut alter.operations {
                    match operation {
                        AlterTableOperation::AddColumn { column_def, .. } => {
                            if let Some(name) = chosen(&column_def.name) {
                                let options = Some(&mut column_def.options);
                                retype(&name, &mut column_def.data_type, options);
                            }
                        }
                        AlterTableOperation::AlterColumn {
                            column_name,
                            op: AlterColumnOperation::SetDataType { data_type, .. },
                        } => {
                            if let Some(name) = chosen(column_name) {
                                retype(&name, data_type, None);
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        format!("{statement};")
    }

    /// The names of the declared columns whose type `wanted` picks, in the statement's order.
    pub fn typed(&self, wanted: impl Fn(&str) -> bool) -> Vec<String> {
        self.columns
            .iter()
            .filter(|c| wanted(&c.data_type))
            .map(|c| c.name.clone())
            .collect()
    }

    /// `column public.events.at`, `columns public.events.a, public.events.b`, for messages.
    pub fn describe(&self, columns: &[String]) -> String {
        let names: Vec<String> = columns
            .iter()
            .map(|c| format!("{}.{c}", self.table))
            .collect();
        format!(
            "column{} {}",
            if names.len() == 1 { "" } else { "s" },
            names.join(", ")
        )
    }
}
