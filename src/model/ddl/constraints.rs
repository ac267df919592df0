//! Constraints added by `CREATE TABLE` and `ALTER TABLE … ADD`: primary keys, unique and
//! exclusion constraints with their backing index, foreign keys and checks, each reaching the
//! partitions of a partitioned table.

use super::expressions::{canonical_expression, referenced_identifiers};
use super::identifiers::{display_object_name, identifier};
use super::indexes::index_key;
use super::naming::{key_column_names, name_addition};
use super::{DdlApplier, DdlProblem, ProblemKind, Recursion};
use crate::model::catalog::{
    CheckConstraint, ForeignKey, Index, IndexKey, IndexMethod, KeyConstraint, QualifiedName,
};
use sqlparser::ast::{
    Expr, ForeignKeyConstraint, Ident, IndexColumn, ReferentialAction, TableConstraint,
};
use std::collections::BTreeSet;

impl DdlApplier {
    /// Adds constraints in the order PostgreSQL names them: checks as they come, then the
    /// primary key, the other index-backed keys, and the foreign keys last.
    pub(super) fn add_constraints(
        &mut self,
        table: &QualifiedName,
        pending: Vec<PendingConstraint>,
        recursion: Recursion,
        in_create_table: bool,
    ) {
        let (checks, rest): (Vec<_>, Vec<_>) = pending
            .into_iter()
            .partition(|p| matches!(p, PendingConstraint::Check { .. }));
        let (keys, foreign): (Vec<_>, Vec<_>) = rest
            .into_iter()
            .partition(|p| matches!(p, PendingConstraint::Key(_)));
        let mut keys: Vec<KeySpec> = keys
            .into_iter()
            .filter_map(|p| match p {
                PendingConstraint::Key(key) => Some(key),
                _ => None,
            })
            .collect();
        keys.sort_by_key(|key| key.kind != KeyKind::Primary);
        if in_create_table {
            // CREATE TABLE builds one index for keys written twice (`a int UNIQUE, UNIQUE (a)`,
            // `PRIMARY KEY UNIQUE`); ALTER TABLE would build two.
            let mut seen: Vec<(Vec<IndexKey>, Vec<String>)> = Vec::new();
            keys.retain(|key| {
                let signature = (key.keys.clone(), key.include.clone());
                let duplicate = key.kind != KeyKind::Exclusion && seen.contains(&signature);
                if key.kind != KeyKind::Exclusion {
                    seen.push(signature);
                }
                !duplicate
            });
        }
        for check in checks {
            if let PendingConstraint::Check {
                name,
                expr,
                not_valid,
            } = check
            {
                self.add_check(table, name, expr, not_valid, recursion);
            }
        }
        for key in keys {
            self.add_key(table, key, recursion);
        }
        for foreign in foreign {
            if let PendingConstraint::Foreign {
                name,
                columns,
                constraint,
                not_valid,
            } = foreign
            {
                self.add_foreign_key(table, name, columns, constraint, not_valid, recursion);
            }
        }
    }

    fn add_check(
        &mut self,
        table_name: &QualifiedName,
        name: Option<String>,
        expr: &Expr,
        not_valid: bool,
        recursion: Recursion,
    ) {
        let Some(table) = self.catalog.tables.get(table_name) else {
            return;
        };
        let name = name.unwrap_or_else(|| {
            // "tab_col_check" when the check reads one column, else "tab_check".
            let columns: BTreeSet<String> = referenced_identifiers(expr)
                .into_iter()
                .filter(|c| table.column(c).is_some())
                .collect();
            let column = (columns.len() == 1)
                .then(|| columns.into_iter().next())
                .flatten();
            self.choose_constraint_name(
                &table_name.schema,
                &table_name.name,
                column.as_deref(),
                "check",
            )
        });
        let check = CheckConstraint {
            name: Some(name),
            expression: canonical_expression(expr),
            not_valid,
        };
        for member in self.family(table_name, recursion) {
            if let Some(table) = self.catalog.tables.get_mut(&member)
                && !table.checks.iter().any(|c| c.name == check.name)
            {
                table.checks.push(check.clone());
            }
        }
    }

    fn add_key(&mut self, table_name: &QualifiedName, key: KeySpec, recursion: Recursion) {
        let Some(table) = self.catalog.tables.get(table_name) else {
            return;
        };
        if key.kind == KeyKind::Primary && table.primary_key.is_some() {
            self.problem(
                ProblemKind::DuplicateObject,
                format!("multiple primary keys for table \"{table_name}\" are not allowed"),
            );
            return;
        }
        for missing in key
            .keys
            .iter()
            .filter(|k| k.is_column)
            .map(|k| &k.expression)
            .chain(&key.include)
            .filter(|c| table.column(c).is_none())
        {
            self.problems.push(DdlProblem {
                kind: ProblemKind::MissingObject,
                message: format!(
                    "column \"{missing}\" named in key does not exist in \"{table_name}\""
                ),
            });
        }
        let index = Index {
            name: QualifiedName::default(),
            table: table_name.clone(),
            method: key.method,
            keys: key.keys,
            include: key.include,
            predicate: key.predicate,
            unique: key.kind != KeyKind::Exclusion,
            primary: key.kind == KeyKind::Primary,
            constraint: true,
            stats: None,
        };
        let name = match key.name {
            Some(name) => name,
            None => self.choose_index_name(table_name, &index, &key_column_names(&index)),
        };
        let name = QualifiedName::new(table_name.schema.clone(), name);
        if self.relation_exists(&name) {
            self.problem(
                ProblemKind::DuplicateObject,
                format!("relation \"{name}\" already exists"),
            );
            return;
        }
        let index = Index { name, ..index };
        self.insert_constraint_index(index.clone());
        if recursion == Recursion::Recurse {
            for partition in self.partitions(table_name) {
                self.clone_index(&index, &partition);
            }
        }
    }

    /// Inserts an index backing a key constraint, and the constraint on its table.
    pub(super) fn insert_constraint_index(&mut self, index: Index) {
        if let Some(table) = self.catalog.tables.get_mut(&index.table) {
            if index.primary {
                for key in index.leading_columns() {
                    if let Some(column) = table.columns.iter_mut().find(|c| c.name == key) {
                        column.nullable = false;
                    }
                }
            }
            let constraint = KeyConstraint {
                name: Some(index.name.name.clone()),
                columns: index.keys.iter().map(|k| k.expression.clone()).collect(),
            };
            if index.primary {
                table.primary_key = Some(constraint);
            } else if index.unique {
                table.unique_constraints.push(constraint);
            }
        }
        self.catalog.indexes.insert(index.name.clone(), index);
    }

    /// `ChooseIndexName`: `<table>_pkey`, `<table>_<columns>_key|_excl|_idx`.
    pub(super) fn choose_index_name(
        &self,
        table: &QualifiedName,
        index: &Index,
        columns: &[String],
    ) -> String {
        let addition = name_addition(columns);
        let (name2, label, is_constraint) = if index.primary {
            (None, "pkey", true)
        } else if index.constraint && !index.unique {
            (Some(addition.as_str()), "excl", true)
        } else if index.constraint {
            (Some(addition.as_str()), "key", true)
        } else {
            (Some(addition.as_str()), "idx", false)
        };
        self.choose_relation_name(&table.schema, &table.name, name2, label, is_constraint)
    }

    fn add_foreign_key(
        &mut self,
        table_name: &QualifiedName,
        name: Option<String>,
        columns: Vec<String>,
        constraint: &ForeignKeyConstraint,
        not_valid: bool,
        recursion: Recursion,
    ) {
        if !self.catalog.tables.contains_key(table_name) {
            return;
        }
        let references = match self.lookup_table(&constraint.foreign_table) {
            Some(found) => found,
            None => {
                self.missing(format!(
                    "relation \"{}\" referenced by a foreign key of \"{table_name}\" does not exist",
                    display_object_name(&constraint.foreign_table)
                ));
                self.creation_name(&constraint.foreign_table)
            }
        };
        let referenced_columns = if constraint.referred_columns.is_empty() {
            // REFERENCES t without columns means t's primary key.
            self.catalog
                .tables
                .get(&references)
                .and_then(|t| t.primary_key.as_ref())
                .map(|k| k.columns.clone())
                .unwrap_or_default()
        } else {
            constraint.referred_columns.iter().map(identifier).collect()
        };
        let name = name.unwrap_or_else(|| {
            self.choose_constraint_name(
                &table_name.schema,
                &table_name.name,
                Some(&name_addition(&columns)),
                "fkey",
            )
        });
        let foreign_key = ForeignKey {
            name: Some(name),
            columns,
            references,
            referenced_columns,
            on_delete: constraint.on_delete.and_then(referential_action),
            not_valid,
        };
        // A foreign key of a partitioned table is one of each partition too, same name.
        for member in self.family(table_name, recursion) {
            if let Some(table) = self.catalog.tables.get_mut(&member)
                && !table
                    .foreign_keys
                    .iter()
                    .any(|f| f.name == foreign_key.name)
            {
                table.foreign_keys.push(foreign_key.clone());
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyKind {
    Primary,
    Unique,
    Exclusion,
}

/// An index-backed constraint before it is named.
#[derive(Debug, Clone)]
pub(super) struct KeySpec {
    pub(super) kind: KeyKind,
    pub(super) name: Option<String>,
    pub(super) keys: Vec<IndexKey>,
    pub(super) include: Vec<String>,
    pub(super) method: IndexMethod,
    pub(super) predicate: Option<String>,
}

/// A constraint read from a statement, added once its table has all its columns.
pub(super) enum PendingConstraint<'a> {
    Key(KeySpec),
    Foreign {
        name: Option<String>,
        columns: Vec<String>,
        constraint: &'a ForeignKeyConstraint,
        not_valid: bool,
    },
    Check {
        name: Option<String>,
        expr: &'a Expr,
        not_valid: bool,
    },
}

pub(super) fn pending_constraint(
    constraint: &TableConstraint,
    not_valid: bool,
) -> Option<PendingConstraint<'_>> {
    let key = |kind, name: &Option<Ident>, columns: &[IndexColumn], include: &[Ident]| {
        PendingConstraint::Key(KeySpec {
            kind,
            name: name.as_ref().map(identifier),
            keys: columns.iter().map(index_key).collect(),
            include: include.iter().map(identifier).collect(),
            method: IndexMethod::Btree,
            predicate: None,
        })
    };
    Some(match constraint {
        TableConstraint::PrimaryKey(k) => key(KeyKind::Primary, &k.name, &k.columns, &k.include),
        TableConstraint::Unique(k) => key(KeyKind::Unique, &k.name, &k.columns, &k.include),
        TableConstraint::ForeignKey(foreign) => PendingConstraint::Foreign {
            name: foreign.name.as_ref().map(identifier),
            columns: foreign.columns.iter().map(identifier).collect(),
            constraint: foreign,
            not_valid,
        },
        TableConstraint::Check(check) => PendingConstraint::Check {
            name: check.name.as_ref().map(identifier),
            expr: &check.expr,
            not_valid,
        },
        TableConstraint::Exclude(exclude) => PendingConstraint::Key(KeySpec {
            kind: KeyKind::Exclusion,
            name: exclude.name.as_ref().map(identifier),
            keys: exclude
                .elements
                .iter()
                .map(|e| index_key(&e.column))
                .collect(),
            include: exclude.include.iter().map(identifier).collect(),
            method: exclude
                .index_method
                .as_ref()
                .map_or(IndexMethod::Btree, |name| {
                    IndexMethod::from(identifier(name))
                }),
            predicate: exclude.where_clause.as_deref().map(canonical_expression),
        }),
        // MySQL's INDEX / FULLTEXT table elements; not PostgreSQL.
        _ => return None,
    })
}

fn referential_action(action: ReferentialAction) -> Option<String> {
    // NO ACTION is the default, kept as `None`.
    (action != ReferentialAction::NoAction).then(|| action.to_string())
}

#[cfg(test)]
mod tests {
    use crate::model::ddl::test_support::*;

    #[test]
    fn keys_are_backed_by_indexes_and_make_their_columns_not_null() {
        let catalog = catalog(
            "CREATE TABLE inc (a int, b int, c int, PRIMARY KEY (a) INCLUDE (b), UNIQUE (c));
             CREATE TABLE ex (r int4range, EXCLUDE USING gist (r WITH &&))",
        );
        let primary = &catalog.indexes[&name("inc_pkey")];
        assert!(primary.primary && primary.unique && primary.constraint);
        assert_eq!(primary.include, ["b"]);
        assert!(!column(&catalog, "inc", "a").nullable);
        let unique = &catalog.indexes[&name("inc_c_key")];
        assert!(unique.unique && unique.constraint && !unique.primary);
        assert!(column(&catalog, "inc", "c").nullable);
        assert_eq!(
            table(&catalog, "inc")
                .primary_key
                .as_ref()
                .unwrap()
                .name
                .as_deref(),
            Some("inc_pkey")
        );
        let exclusion = &catalog.indexes[&name("ex_r_excl")];
        assert!(exclusion.constraint && !exclusion.unique);
        assert_eq!(exclusion.method, crate::model::catalog::IndexMethod::Gist);
    }

    #[test]
    fn a_key_written_twice_is_one_index_in_create_table_and_two_in_alter_table() {
        let catalog = catalog(
            "CREATE TABLE d (a int UNIQUE, b int, UNIQUE (a), c int PRIMARY KEY UNIQUE);
             ALTER TABLE d ADD UNIQUE (b);
             ALTER TABLE d ADD UNIQUE (b)",
        );
        assert_eq!(
            index_names(&catalog),
            ["d_a_key", "d_b_key", "d_b_key1", "d_pkey"]
        );
    }

    #[test]
    fn check_names_skip_the_ones_taken() {
        let catalog = catalog(
            "CREATE TABLE n (a int CHECK (a > 0), b int, CONSTRAINT n_a_check1 CHECK (b > 0),
                 CHECK (a < 100))",
        );
        let mut names: Vec<&str> = table(&catalog, "n")
            .checks
            .iter()
            .filter_map(|c| c.name.as_deref())
            .collect();
        names.sort();
        assert_eq!(names, ["n_a_check", "n_a_check1", "n_a_check2"]);
    }
}
