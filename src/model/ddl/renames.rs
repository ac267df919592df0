//! Renaming tables, indexes, views and sequences (`ALTER … RENAME TO`), with what refers to
//! them by name: indexes, foreign keys, owned sequences, view dependencies.

use super::identifiers::{display_object_name, quote_literal, regclass_text};
use super::{DdlApplier, ProblemKind, RelationKind};
use crate::model::catalog::QualifiedName;
use sqlparser::ast::{ObjectName, RenameTableNameKind};

impl DdlApplier {
    pub(super) fn relation_kind(&self, name: &ObjectName) -> Option<RelationKind> {
        let kinds = [
            RelationKind::Table,
            RelationKind::Index,
            RelationKind::View,
            RelationKind::Sequence,
        ];
        kinds
            .into_iter()
            .find(|&kind| self.lookup_kind(kind, name).is_some())
    }

    pub(super) fn lookup_kind(
        &self,
        kind: RelationKind,
        name: &ObjectName,
    ) -> Option<QualifiedName> {
        self.lookup(name, |q| match kind {
            RelationKind::Table => self.catalog.tables.contains_key(q),
            RelationKind::Index => self.catalog.indexes.contains_key(q),
            RelationKind::View => self.catalog.views.contains_key(q),
            RelationKind::Sequence => self.catalog.sequences.contains_key(q),
        })
    }

    pub(super) fn rename_kind(
        &mut self,
        kind: RelationKind,
        name: &ObjectName,
        if_exists: bool,
        new: &str,
    ) {
        let Some(old) = self.lookup_kind(kind, name) else {
            if !if_exists {
                let what = match kind {
                    RelationKind::Table => "relation",
                    RelationKind::Index => "index",
                    RelationKind::View => "view",
                    RelationKind::Sequence => "sequence",
                };
                self.missing(format!(
                    "{what} \"{}\" does not exist",
                    display_object_name(name)
                ));
            }
            return;
        };
        let renamed = QualifiedName::new(old.schema.clone(), new);
        if self.relation_exists(&renamed) {
            self.problem(
                ProblemKind::DuplicateObject,
                format!("relation \"{renamed}\" already exists"),
            );
            return;
        }
        match kind {
            RelationKind::Table => {
                self.rename_table(&old, new);
            }
            RelationKind::Index => self.rename_index(&old, renamed),
            RelationKind::View => {
                if let Some(mut view) = self.catalog.views.remove(&old) {
                    view.name = renamed.clone();
                    self.catalog.views.insert(renamed.clone(), view);
                }
                if let Some(reads) = self.view_reads.remove(&old) {
                    self.view_reads.insert(renamed.clone(), reads);
                }
                self.retarget_indexes(&old, &renamed);
            }
            RelationKind::Sequence => {
                if let Some(mut sequence) = self.catalog.sequences.remove(&old) {
                    sequence.name = renamed.clone();
                    self.catalog.sequences.insert(renamed.clone(), sequence);
                }
                // Defaults hold the sequence itself, so PostgreSQL prints its new name.
                let (from, to) = (
                    format!("{}::regclass", quote_literal(&regclass_text(&old))),
                    format!("{}::regclass", quote_literal(&regclass_text(&renamed))),
                );
                for column in self
                    .catalog
                    .tables
                    .values_mut()
                    .flat_map(|t| &mut t.columns)
                {
                    if let Some(default) = &mut column.default
                        && default.contains(&from)
                    {
                        *default = default.replace(&from, &to);
                    }
                }
            }
        }
    }

    fn rename_index(&mut self, old: &QualifiedName, renamed: QualifiedName) {
        let Some(mut index) = self.catalog.indexes.remove(old) else {
            return;
        };
        index.name = renamed.clone();
        if index.constraint {
            // Renaming a constraint's index renames the constraint.
            if let Some(table) = self.catalog.tables.get_mut(&index.table) {
                for key in table
                    .primary_key
                    .iter_mut()
                    .chain(table.unique_constraints.iter_mut())
                {
                    if key.name.as_deref() == Some(old.name.as_str()) {
                        key.name = Some(renamed.name.clone());
                    }
                }
            }
        }
        self.catalog.indexes.insert(renamed, index);
    }

    pub(super) fn rename_table(&mut self, old: &QualifiedName, new: &str) -> Option<QualifiedName> {
        let renamed = QualifiedName::new(old.schema.clone(), new);
        if self.relation_exists(&renamed) {
            self.problem(
                ProblemKind::DuplicateObject,
                format!("relation \"{renamed}\" already exists"),
            );
            return None;
        }
        let mut table = self.catalog.tables.remove(old)?;
        table.name = renamed.clone();
        self.catalog.tables.insert(renamed.clone(), table);
        for other in self.catalog.tables.values_mut() {
            for foreign_key in &mut other.foreign_keys {
                if &foreign_key.references == old {
                    foreign_key.references = renamed.clone();
                }
            }
            if let Some(partition_of) = &mut other.partition_of
                && &partition_of.parent == old
            {
                partition_of.parent = renamed.clone();
            }
        }
        for sequence in self.catalog.sequences.values_mut() {
            if let Some((owner, _)) = &mut sequence.owned_by
                && owner == old
            {
                *owner = renamed.clone();
            }
        }
        // Index and sequence names stay: PostgreSQL does not rename them with the table.
        self.retarget_indexes(old, &renamed);
        Some(renamed)
    }

    fn retarget_indexes(&mut self, old: &QualifiedName, renamed: &QualifiedName) {
        for index in self.catalog.indexes.values_mut() {
            if &index.table == old {
                index.table = renamed.clone();
            }
        }
    }
}

pub(super) fn rename_target(kind: &RenameTableNameKind) -> &ObjectName {
    match kind {
        RenameTableNameKind::As(name) | RenameTableNameKind::To(name) => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ddl::test_support::*;
    use sqlparser::ast::Ident;

    #[test]
    fn renames_follow_postgresql() {
        let catalog = catalog(
            "CREATE TABLE s (id serial PRIMARY KEY, x int);
             CREATE TABLE r (s_id int REFERENCES s);
             ALTER TABLE s RENAME TO s2;
             ALTER TABLE s2 RENAME CONSTRAINT s_pkey TO s_key_renamed;
             ALTER INDEX s_key_renamed RENAME TO s_again;
             ALTER TABLE s2 RENAME TO s3",
        );
        // Index and sequence names stay with a renamed table; renaming a key's constraint
        // renames its index and the other way round.
        assert_eq!(index_names(&catalog), ["s_again"]);
        assert_eq!(catalog.indexes[&name("s_again")].table, name("s3"));
        assert_eq!(
            table(&catalog, "s3")
                .primary_key
                .as_ref()
                .unwrap()
                .name
                .as_deref(),
            Some("s_again")
        );
        assert_eq!(table(&catalog, "r").foreign_keys[0].references, name("s3"));
        assert_eq!(
            catalog.sequences[&name("s_id_seq")].owned_by,
            Some((name("s3"), "id".to_string()))
        );

        let mut applier = DdlApplier::new(catalog);
        let sequence = ObjectName::from(vec![Ident::new("s_id_seq")]);
        let outcome = applier.rename_relation(
            RelationKind::Sequence,
            &sequence,
            false,
            &Ident::new("s_renamed_seq"),
        );
        assert!(outcome.problems.is_empty());
        // A default holds the sequence itself, so it shows the new name.
        assert_eq!(
            column(applier.catalog(), "s3", "id").default.as_deref(),
            Some("nextval('s_renamed_seq'::regclass)")
        );
    }
}
