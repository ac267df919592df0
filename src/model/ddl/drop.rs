//! `DROP TABLE | INDEX | VIEW | SEQUENCE | SCHEMA`, with what depends on the dropped object:
//! its indexes, foreign keys pointing at it, owned sequences, views (with `CASCADE`).

use super::identifiers::{display_object_name, last_identifier};
use super::{DdlApplier, Effect, ProblemKind, Recursion, RelationKind};
use crate::model::catalog::QualifiedName;
use sqlparser::ast::{ObjectName, ObjectType};

impl DdlApplier {
    pub(super) fn drop(
        &mut self,
        object_type: ObjectType,
        names: &[ObjectName],
        if_exists: bool,
        cascade: bool,
    ) -> Effect {
        let kind = match object_type {
            ObjectType::Table => RelationKind::Table,
            ObjectType::Index => RelationKind::Index,
            ObjectType::View | ObjectType::MaterializedView => RelationKind::View,
            ObjectType::Sequence => RelationKind::Sequence,
            ObjectType::Schema => {
                for name in names {
                    self.drop_schema(name, if_exists, cascade);
                }
                return Effect::Applied;
            }
            _ => return Effect::Ignored,
        };
        let mut effect = Effect::Ignored;
        for name in names {
            if kind == RelationKind::Table && self.is_temporary(name) {
                continue;
            }
            effect = Effect::Applied;
            let Some(found) = self.lookup_kind(kind, name) else {
                if !if_exists {
                    self.missing(format!(
                        "{} \"{}\" does not exist",
                        object_type.to_string().to_lowercase(),
                        display_object_name(name)
                    ));
                }
                continue;
            };
            match kind {
                RelationKind::Table => self.drop_table(&found, cascade),
                RelationKind::Index => self.drop_index(&found),
                RelationKind::View => self.drop_view(&found, cascade),
                RelationKind::Sequence => {
                    self.catalog.sequences.remove(&found);
                }
            }
        }
        effect
    }

    /// Drops a table with its partitions, indexes and owned sequences; foreign keys and views
    /// that depend on it go too (PostgreSQL asks for CASCADE for those).
    fn drop_table(&mut self, name: &QualifiedName, cascade: bool) {
        for partition in self.family(name, Recursion::Recurse).into_iter().rev() {
            self.catalog.tables.remove(&partition);
            self.catalog.indexes.retain(|_, i| i.table != partition);
            self.catalog
                .sequences
                .retain(|_, s| s.owned_by.as_ref().is_none_or(|(t, _)| t != &partition));
        }
        let foreign_keys = self.drop_foreign_keys_to(name, None);
        let views = self.views_reading(name);
        for view in &views {
            self.drop_view(view, true);
        }
        if !cascade && foreign_keys + views.len() > 0 {
            self.problem(
                ProblemKind::Dependency,
                format!(
                    "\"{name}\" is used by {foreign_keys} foreign key(s) and {} view(s); dropped them too (PostgreSQL needs CASCADE)",
                    views.len()
                ),
            );
        }
    }

    fn drop_index(&mut self, name: &QualifiedName) {
        if self.catalog.indexes.get(name).is_some_and(|i| i.constraint) {
            self.problem(
                ProblemKind::Dependency,
                format!("index \"{name}\" backs a constraint; drop the constraint instead"),
            );
            return;
        }
        self.catalog.indexes.remove(name);
    }

    fn drop_view(&mut self, name: &QualifiedName, cascade: bool) {
        self.catalog.views.remove(name);
        self.view_reads.remove(name);
        self.catalog.indexes.retain(|_, i| &i.table != name);
        let dependents = self.views_reading(name);
        if !dependents.is_empty() && !cascade {
            self.problem(
                ProblemKind::Dependency,
                format!(
                    "view \"{name}\" is used by {} view(s); dropped them too (PostgreSQL needs CASCADE)",
                    dependents.len()
                ),
            );
        }
        for view in dependents {
            self.drop_view(&view, true);
        }
    }

    fn drop_schema(&mut self, name: &ObjectName, if_exists: bool, cascade: bool) {
        let schema = last_identifier(name);
        if !self.schemas.remove(&schema) {
            if !if_exists {
                self.missing(format!("schema \"{schema}\" does not exist"));
            }
            return;
        }
        let in_schema = |q: &QualifiedName| q.schema == schema;
        let objects = self.catalog.tables.keys().filter(|q| in_schema(q)).count()
            + self.catalog.views.keys().filter(|q| in_schema(q)).count()
            + self
                .catalog
                .sequences
                .keys()
                .filter(|q| in_schema(q))
                .count();
        if objects > 0 && !cascade {
            self.problem(
                ProblemKind::Dependency,
                format!("schema \"{schema}\" holds {objects} object(s); dropped them too (PostgreSQL needs CASCADE)"),
            );
        }
        let tables: Vec<QualifiedName> = self
            .catalog
            .tables
            .keys()
            .filter(|q| in_schema(q))
            .cloned()
            .collect();
        for table in tables {
            self.drop_table(&table, true);
        }
        self.catalog.indexes.retain(|q, _| !in_schema(q));
        self.catalog.views.retain(|q, _| !in_schema(q));
        self.view_reads.retain(|q, _| !in_schema(q));
        self.catalog.sequences.retain(|q, _| !in_schema(q));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ddl::test_support::*;

    #[test]
    fn dropping_a_table_drops_what_depends_on_it() {
        let mut applier = DdlApplier::default();
        let problems = apply(
            &mut applier,
            "CREATE TABLE u (id serial PRIMARY KEY, v int);
             CREATE INDEX ON u (v);
             CREATE TABLE ref (uid int REFERENCES u);
             CREATE VIEW uv AS SELECT * FROM u;
             DROP TABLE u CASCADE",
        );
        assert!(problems.is_empty(), "{problems:?}");
        let catalog = applier.catalog();
        assert!(catalog.indexes.is_empty() && catalog.sequences.is_empty());
        assert!(catalog.views.is_empty());
        assert!(table(catalog, "ref").foreign_keys.is_empty());

        // Without CASCADE PostgreSQL refuses; the catalog drops them and says so.
        let problems = apply(
            &mut applier,
            "CREATE TABLE u (id int PRIMARY KEY);
             ALTER TABLE ref ADD FOREIGN KEY (uid) REFERENCES u;
             DROP TABLE u",
        );
        assert_eq!(kinds(&problems), [ProblemKind::Dependency]);
        assert!(table(applier.catalog(), "ref").foreign_keys.is_empty());
    }

    #[test]
    fn an_index_backing_a_constraint_is_not_dropped_on_its_own() {
        let mut applier = DdlApplier::default();
        let problems = apply(
            &mut applier,
            "CREATE TABLE u (id int PRIMARY KEY); DROP INDEX u_pkey",
        );
        assert_eq!(kinds(&problems), [ProblemKind::Dependency]);
        assert_eq!(index_names(applier.catalog()), ["u_pkey"]);
        let problems = apply(&mut applier, "ALTER TABLE u DROP CONSTRAINT u_pkey");
        assert!(problems.is_empty());
        assert!(applier.catalog().indexes.is_empty());
        assert!(table(applier.catalog(), "u").primary_key.is_none());
    }
}
