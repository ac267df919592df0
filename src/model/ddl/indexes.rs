//! `CREATE INDEX`, and the parts of an index as `pg_get_indexdef` prints them: key columns
//! and expressions, the access method.

use super::expressions::{canonical_expression, strip_parens};
use super::identifiers::{display_object_name, identifier, last_identifier, split_object_name};
use super::naming::{figure_column_name, unique_column_names};
use super::{DdlApplier, Effect, ProblemKind, Recursion};
use crate::model::catalog::{Index, IndexKey, IndexMethod, QualifiedName};
use sqlparser::ast::{CreateIndex, Expr, FunctionArguments, IndexColumn, IndexType, OrderBySort};

impl DdlApplier {
    pub(super) fn create_index(&mut self, create: &CreateIndex, recursion: Recursion) -> Effect {
        // Indexes go on tables and materialized views.
        let target = self.lookup(&create.table_name, |q| {
            self.catalog.tables.contains_key(q)
                || self.catalog.views.get(q).is_some_and(|v| v.materialized)
        });
        let Some(table) = target else {
            if self.is_temporary(&create.table_name) {
                return Effect::Ignored;
            }
            self.missing(format!(
                "relation \"{}\" does not exist",
                display_object_name(&create.table_name)
            ));
            return Effect::Applied;
        };
        let index = created_index(create, &table);
        let name = match &create.name {
            // An index lives in its table's schema; PostgreSQL rejects any other.
            Some(name) => last_identifier(name),
            None => {
                let columns: Vec<String> = create
                    .columns
                    .iter()
                    .map(|c| figure_column_name(&c.column.expr))
                    .chain(index.include.iter().cloned())
                    .collect();
                self.choose_index_name(&table, &index, &unique_column_names(columns))
            }
        };
        let name = QualifiedName::new(table.schema.clone(), name);
        if self.relation_exists(&name) {
            if !create.if_not_exists {
                self.problem(
                    ProblemKind::DuplicateObject,
                    format!("relation \"{name}\" already exists"),
                );
            }
            return Effect::Applied;
        }
        let index = Index { name, ..index };
        self.catalog
            .indexes
            .insert(index.name.clone(), index.clone());
        if recursion == Recursion::Recurse {
            for partition in self.partitions(&table) {
                self.clone_index(&index, &partition);
            }
        }
        Effect::Applied
    }
}

/// The index a `CREATE INDEX` builds on `table`, spelled as the catalog keeps it; its name
/// is left for the caller to choose.
pub fn created_index(create: &CreateIndex, table: &QualifiedName) -> Index {
    Index {
        name: QualifiedName::default(),
        table: table.clone(),
        method: create
            .using
            .as_ref()
            .map_or(IndexMethod::Btree, index_method),
        keys: create.columns.iter().map(index_key).collect(),
        include: create.include.iter().map(identifier).collect(),
        predicate: create.predicate.as_ref().map(canonical_expression),
        unique: create.unique,
        primary: false,
        constraint: false,
        stats: None,
    }
}

pub(super) fn column_key(column: &str) -> IndexKey {
    IndexKey {
        expression: column.to_string(),
        is_column: true,
        descending: false,
        nulls_first: None,
        opclass: None,
    }
}

pub(super) fn index_key(column: &IndexColumn) -> IndexKey {
    // `(col)` is a plain column to PostgreSQL too.
    let (expression, is_column) = match strip_parens(&column.column.expr) {
        Expr::Identifier(ident) => (identifier(ident), true),
        other => (key_expression(other), false),
    };
    let descending = matches!(column.column.options.sort, Some(OrderBySort::Desc));
    IndexKey {
        expression,
        is_column,
        descending,
        // NULLS LAST ascending and NULLS FIRST descending are the defaults; like
        // pg_get_indexdef, only the other choice is kept.
        nulls_first: column
            .column
            .options
            .nulls_first
            .filter(|&first| first != descending),
        opclass: column.operator_class.as_ref().map(|name| {
            let (_, opclass) = split_object_name(name);
            opclass
        }),
    }
}

/// An index or partition key expression as `pg_get_indexdef` prints it: a function call as
/// it is, anything else in the parentheses the syntax requires.
pub(super) fn key_expression(expr: &Expr) -> String {
    let text = canonical_expression(expr);
    match expr {
        Expr::Function(function) if !matches!(function.args, FunctionArguments::None) => text,
        _ => format!("({text})"),
    }
}

pub(super) fn index_method(method: &IndexType) -> IndexMethod {
    match method {
        IndexType::BTree => IndexMethod::Btree,
        IndexType::Hash => IndexMethod::Hash,
        IndexType::GIN => IndexMethod::Gin,
        IndexType::GiST => IndexMethod::Gist,
        IndexType::SPGiST => IndexMethod::Spgist,
        IndexType::BRIN => IndexMethod::Brin,
        IndexType::Bloom => IndexMethod::Other("bloom".into()),
        IndexType::Custom(name) => IndexMethod::from(identifier(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ddl::test_support::*;
    use crate::sql::parse::parse_sql;

    #[test]
    fn create_index_on_only_stays_on_the_partitioned_table() {
        let mut applier = DdlApplier::default();
        apply(
            &mut applier,
            "CREATE TABLE p (id int) PARTITION BY LIST (id);
             CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1)",
        );
        let statement = &parse_sql("CREATE INDEX p_id_idx ON p (id)").unwrap()[0];
        assert!(applier.apply_on_only(statement).problems.is_empty());
        assert_eq!(index_names(applier.catalog()), ["p_id_idx"]);
    }
}
