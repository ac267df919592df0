//! `CREATE VIEW`, `CREATE SEQUENCE` and `CREATE SCHEMA`, and which views
//! read a relation.

use super::expressions::{canonical_query, relations_read};
use super::identifiers::{identifier, last_identifier};
use super::{DdlApplier, Effect, PUBLIC, ProblemKind};
use crate::model::catalog::{QualifiedName, Sequence, View};
use crate::sql::parse::parse_sql;
use sqlparser::ast::{CreateView, ObjectName, SchemaName, SequenceOptions, Statement};

impl DdlApplier {
    pub(super) fn create_view(&mut self, create: &CreateView) -> Effect {
        let name = self.creation_name(&create.name);
        let exists = self.relation_exists(&name);
        let replaceable = self.catalog.views.contains_key(&name) && create.or_replace;
        if exists && !replaceable {
            if !create.if_not_exists {
                self.problem(
                    ProblemKind::DuplicateObject,
                    format!("relation \"{name}\" already exists"),
                );
            }
            return Effect::Applied;
        }
        self.schemas.insert(name.schema.clone());
        let view = View {
            name: name.clone(),
            materialized: create.materialized,
            query: canonical_query(&create.query),
        };
        self.view_reads
            .insert(name.clone(), relations_read(&create.query));
        self.catalog.views.insert(name, view);
        Effect::Applied
    }

    /// The views whose query reads `relation` (by its qualified or bare name).
    pub(super) fn views_reading(&mut self, relation: &QualifiedName) -> Vec<QualifiedName> {
        // Views of the catalog the applier started from are read once, when first needed.
        let unread: Vec<(QualifiedName, String)> = self
            .catalog
            .views
            .values()
            .filter(|view| !self.view_reads.contains_key(&view.name))
            .map(|view| (view.name.clone(), view.query.clone()))
            .collect();
        for (view, query) in unread {
            let reads = match parse_sql(&query).as_deref() {
                Ok([Statement::Query(query)]) => relations_read(query),
                _ => Vec::new(),
            };
            self.view_reads.insert(view, reads);
        }
        self.view_reads
            .iter()
            .filter(|(view, _)| self.catalog.views.contains_key(view))
            .filter(|(_, reads)| {
                reads.iter().any(|(schema, name)| {
                    name == &relation.name && schema.as_ref().is_none_or(|s| s == &relation.schema)
                })
            })
            .map(|(view, _)| view.clone())
            .collect()
    }

    pub(super) fn create_sequence(
        &mut self,
        temporary: bool,
        if_not_exists: bool,
        name: &ObjectName,
        options: &[SequenceOptions],
    ) -> Effect {
        if temporary {
            return Effect::Ignored;
        }
        let name = self.creation_name(name);
        if self.relation_exists(&name) {
            if !if_not_exists {
                self.problem(
                    ProblemKind::DuplicateObject,
                    format!("relation \"{name}\" already exists"),
                );
            }
            return Effect::Applied;
        }
        self.schemas.insert(name.schema.clone());
        let owned_by = options.iter().find_map(|option| match option {
            SequenceOptions::OwnedBy(Some(owner)) => Some(owner),
            _ => None,
        });
        let owned_by = owned_by.and_then(|owner| self.owner_column(owner));
        self.catalog
            .sequences
            .insert(name.clone(), Sequence { name, owned_by });
        Effect::Applied
    }

    pub(super) fn create_schema(
        &mut self,
        schema_name: &SchemaName,
        if_not_exists: bool,
    ) -> Effect {
        let name = match schema_name {
            SchemaName::Simple(name) | SchemaName::NamedAuthorization(name, _) => {
                last_identifier(name)
            }
            // `CREATE SCHEMA AUTHORIZATION role` names the schema after the role.
            SchemaName::UnnamedAuthorization(role) => identifier(role),
        };
        if !self.schemas.insert(name.clone()) && !if_not_exists && name != PUBLIC {
            self.problem(
                ProblemKind::DuplicateObject,
                format!("schema \"{name}\" already exists"),
            );
        }
        Effect::Applied
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ddl::test_support::*;

    #[test]
    fn views_are_created_replaced_renamed_and_dropped() {
        let mut applier = DdlApplier::default();
        let problems = apply(
            &mut applier,
            "CREATE TABLE t (a int);
             CREATE VIEW v AS SELECT a FROM t;
             CREATE OR REPLACE VIEW v AS SELECT a, 1 AS one FROM t;
             CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM v;
             CREATE UNIQUE INDEX ON m (count);
             ALTER MATERIALIZED VIEW m RENAME TO m2;
             DROP VIEW v",
        );
        // m2 reads v: PostgreSQL would want CASCADE.
        assert_eq!(kinds(&problems), [ProblemKind::Dependency]);
        let catalog = applier.catalog();
        assert!(catalog.views.is_empty());
        assert!(
            catalog.indexes.is_empty(),
            "the materialized view's index went with it"
        );
    }
}
