//! `ALTER TABLE`: adding, dropping, changing and renaming columns and constraints, and
//! following each change into the indexes, keys and expressions that depend on it.

use super::constraints::pending_constraint;
use super::expressions::{
    canonical_expression, expression_mentions, index_uses_column, rename_in_expression,
    string_literal,
};
use super::identifiers::{display_object_name, identifier, last_identifier, typed_literal};
use super::naming::constraint_names;
use super::partitions::bounds_text;
use super::renames::rename_target;
use super::sql_types::format_type;
use super::{DdlApplier, Effect, ProblemKind, Recursion};
use crate::model::catalog::{KeyConstraint, QualifiedName};
use sqlparser::ast::{
    AlterColumnOperation, AlterTable, AlterTableOperation, ColumnDef, Ident, TableConstraint,
};

impl DdlApplier {
    pub(super) fn alter_table(&mut self, alter: &AlterTable) -> Effect {
        if !alter.operations.iter().any(changes_catalog) || self.is_temporary(&alter.name) {
            return Effect::Ignored;
        }
        let Some(mut table) = self.lookup_table(&alter.name) else {
            // ALTER TABLE … RENAME TO renames any relation in PostgreSQL.
            if let [AlterTableOperation::RenameTable { table_name }] = alter.operations.as_slice()
                && let Some(kind) = self.relation_kind(&alter.name)
            {
                let new_name = last_identifier(rename_target(table_name));
                self.rename_kind(kind, &alter.name, alter.if_exists, &new_name);
                return Effect::Applied;
            }
            if !alter.if_exists {
                self.missing(format!(
                    "relation \"{}\" does not exist",
                    display_object_name(&alter.name)
                ));
            }
            return Effect::Applied;
        };
        let recursion = if alter.only {
            Recursion::Only
        } else {
            Recursion::Recurse
        };
        for operation in &alter.operations {
            if let Some(renamed) = self.alter_table_operation(&table, operation, recursion) {
                table = renamed;
            }
        }
        Effect::Applied
    }

    /// Applies one `ALTER TABLE` action; returns the table's new name if it was renamed.
    fn alter_table_operation(
        &mut self,
        table: &QualifiedName,
        operation: &AlterTableOperation,
        recursion: Recursion,
    ) -> Option<QualifiedName> {
        match operation {
            AlterTableOperation::AddColumn {
                if_not_exists,
                column_def,
                ..
            } => self.add_column(table, column_def, *if_not_exists, recursion),
            AlterTableOperation::DropColumn {
                column_names,
                if_exists,
                drop_behavior,
                ..
            } => {
                let cascade = matches!(drop_behavior, Some(sqlparser::ast::DropBehavior::Cascade));
                for column in column_names {
                    self.drop_column(table, &identifier(column), *if_exists, cascade, recursion);
                }
            }
            AlterTableOperation::AlterColumn { column_name, op } => {
                self.alter_column(table, &identifier(column_name), op, recursion)
            }
            AlterTableOperation::RenameColumn {
                old_column_name,
                new_column_name,
            } => self.rename_column(
                table,
                &identifier(old_column_name),
                &identifier(new_column_name),
                recursion,
            ),
            AlterTableOperation::RenameTable { table_name } => {
                let new_name = last_identifier(rename_target(table_name));
                return self.rename_table(table, &new_name);
            }
            AlterTableOperation::AddConstraint {
                constraint,
                not_valid,
            } => self.add_table_constraint(table, constraint, *not_valid, recursion),
            AlterTableOperation::DropConstraint {
                if_exists, name, ..
            } => self.drop_constraint(table, &identifier(name), *if_exists, recursion),
            AlterTableOperation::ValidateConstraint { name } => {
                self.validate_constraint(table, &identifier(name))
            }
            AlterTableOperation::RenameConstraint { old_name, new_name } => {
                self.rename_constraint(table, &identifier(old_name), &identifier(new_name))
            }
            AlterTableOperation::AttachPartitionOf {
                partition,
                for_values,
            } => {
                if let Some(child) = self.existing_table(partition) {
                    self.attach_partition(table, &child, bounds_text(for_values));
                }
            }
            AlterTableOperation::DetachPartitionOf { partition, .. } => {
                if let Some(child) = self.existing_table(partition)
                    && let Some(child) = self.catalog.tables.get_mut(&child)
                {
                    child.partition_of = None;
                }
            }
            AlterTableOperation::SetLogged | AlterTableOperation::SetUnlogged => {
                let unlogged = matches!(operation, AlterTableOperation::SetUnlogged);
                if let Some(table) = self.catalog.tables.get_mut(table) {
                    table.unlogged = unlogged;
                }
            }
            _ => {}
        }
        None
    }

    fn add_column(
        &mut self,
        table: &QualifiedName,
        def: &ColumnDef,
        if_not_exists: bool,
        recursion: Recursion,
    ) {
        let name = identifier(&def.name);
        if self.has_column(table, &name) {
            if !if_not_exists {
                self.problem(
                    ProblemKind::DuplicateObject,
                    format!("column \"{name}\" of relation \"{table}\" already exists"),
                );
            }
            return;
        }
        let mut pending = Vec::new();
        self.define_column(table, def, &mut pending);
        // Partitions get the same column; its constraints reach them through the parent's.
        if let Some(column) = self.columns_of(table).into_iter().find(|c| c.name == name) {
            for member in self.family(table, recursion).into_iter().skip(1) {
                if let Some(partition) = self.catalog.tables.get_mut(&member)
                    && partition.column(&name).is_none()
                {
                    partition.columns.push(column.clone());
                }
            }
        }
        self.add_constraints(table, pending, recursion, false);
    }

    fn drop_column(
        &mut self,
        table: &QualifiedName,
        column: &str,
        if_exists: bool,
        cascade: bool,
        recursion: Recursion,
    ) {
        if !self.has_column(table, column) {
            if !if_exists {
                self.missing(format!(
                    "column \"{column}\" of relation \"{table}\" does not exist"
                ));
            }
            return;
        }
        for member in self.family(table, recursion) {
            self.drop_column_of(&member, column, cascade);
        }
    }

    /// Drops a column with what PostgreSQL drops with it: indexes and constraints of its
    /// table that use it, the sequence it owns, and (CASCADE) foreign keys pointing at it.
    fn drop_column_of(&mut self, table_name: &QualifiedName, column: &str, cascade: bool) {
        let Some(table) = self.catalog.tables.get_mut(table_name) else {
            return;
        };
        table.columns.retain(|c| c.name != column);
        let uses = |columns: &[String]| columns.iter().any(|c| c == column);
        if table.primary_key.as_ref().is_some_and(|k| uses(&k.columns)) {
            table.primary_key = None;
        }
        table.unique_constraints.retain(|k| !uses(&k.columns));
        table.foreign_keys.retain(|f| !uses(&f.columns));
        table
            .checks
            .retain(|c| !expression_mentions(&c.expression, column));
        self.catalog
            .indexes
            .retain(|_, index| &index.table != table_name || !index_uses_column(index, column));
        self.catalog
            .sequences
            .retain(|_, s| s.owned_by.as_ref() != Some(&(table_name.clone(), column.to_string())));
        let dependents = self.drop_foreign_keys_to(table_name, Some(column));
        if dependents > 0 && !cascade {
            self.problem(
                ProblemKind::Dependency,
                format!(
                    "column \"{column}\" of \"{table_name}\" is referenced by {dependents} foreign key(s); dropped them too (PostgreSQL needs CASCADE)"
                ),
            );
        }
    }

    /// Removes the foreign keys of other tables that point at `table` (at `column` only, if
    /// given); returns how many.
    pub(super) fn drop_foreign_keys_to(
        &mut self,
        table: &QualifiedName,
        column: Option<&str>,
    ) -> usize {
        let mut dropped = 0;
        for other in self.catalog.tables.values_mut() {
            if &other.name == table {
                continue;
            }
            let before = other.foreign_keys.len();
            other.foreign_keys.retain(|f| {
                &f.references != table
                    || column.is_some_and(|c| !f.referenced_columns.iter().any(|r| r == c))
            });
            dropped += before - other.foreign_keys.len();
        }
        dropped
    }

    fn alter_column(
        &mut self,
        table: &QualifiedName,
        column: &str,
        operation: &AlterColumnOperation,
        recursion: Recursion,
    ) {
        if !self.has_column(table, column) {
            self.missing(format!(
                "column \"{column}\" of relation \"{table}\" does not exist"
            ));
            return;
        }
        if let AlterColumnOperation::AddGenerated { .. } = operation {
            // Identity is not inherited by partitions; the sequence belongs to this column.
            if let Some(target) = self
                .catalog
                .tables
                .get_mut(table)
                .and_then(|t| t.column_mut(column))
            {
                target.identity = true;
                target.nullable = false;
            }
            self.create_owned_sequence(table, column);
            return;
        }
        let data_type = match operation {
            AlterColumnOperation::SetDataType { data_type, .. } => Some(format_type(data_type)),
            _ => None,
        };
        for member in self.family(table, recursion) {
            let Some(target) = self
                .catalog
                .tables
                .get_mut(&member)
                .and_then(|t| t.column_mut(column))
            else {
                continue;
            };
            match operation {
                AlterColumnOperation::SetNotNull => target.nullable = false,
                AlterColumnOperation::DropNotNull => target.nullable = true,
                AlterColumnOperation::SetDefault { value } => {
                    target.default = Some(match string_literal(value) {
                        Some(literal) => typed_literal(literal, &target.data_type),
                        None => canonical_expression(value),
                    })
                }
                AlterColumnOperation::DropDefault => target.default = None,
                AlterColumnOperation::SetDataType { .. } => {
                    target.data_type = data_type.clone().unwrap_or_default()
                }
                _ => {}
            }
        }
    }

    fn rename_column(&mut self, table: &QualifiedName, old: &str, new: &str, recursion: Recursion) {
        if !self.has_column(table, old) {
            self.missing(format!(
                "column \"{old}\" of relation \"{table}\" does not exist"
            ));
            return;
        }
        for member in self.family(table, recursion) {
            self.rename_column_of(&member, old, new);
        }
    }

    /// Renames a column everywhere the catalog names it: its table's keys, checks,
    /// generated expressions and partition key, its indexes, foreign keys pointing at it,
    /// the sequence it owns.
    fn rename_column_of(&mut self, table_name: &QualifiedName, old: &str, new: &str) {
        let rename = |names: &mut Vec<String>| {
            for name in names.iter_mut().filter(|n| n.as_str() == old) {
                *name = new.to_string();
            }
        };
        let Some(table) = self.catalog.tables.get_mut(table_name) else {
            return;
        };
        for column in &mut table.columns {
            if column.name == old {
                column.name = new.to_string();
            }
            if let Some(generated) = &mut column.generated {
                *generated = rename_in_expression(generated, old, new);
            }
        }
        if let Some(key) = &mut table.primary_key {
            rename(&mut key.columns);
        }
        for key in &mut table.unique_constraints {
            rename(&mut key.columns);
        }
        for foreign_key in &mut table.foreign_keys {
            rename(&mut foreign_key.columns);
        }
        for check in &mut table.checks {
            check.expression = rename_in_expression(&check.expression, old, new);
        }
        if let Some(partitioning) = &mut table.partitioning {
            for key in &mut partitioning.key {
                *key = if key == old {
                    new.to_string()
                } else {
                    rename_in_expression(key, old, new)
                };
            }
        }
        for other in self.catalog.tables.values_mut() {
            for foreign_key in &mut other.foreign_keys {
                if &foreign_key.references == table_name {
                    rename(&mut foreign_key.referenced_columns);
                }
            }
        }
        for index in self.catalog.indexes.values_mut() {
            if &index.table != table_name {
                continue;
            }
            for key in &mut index.keys {
                if key.is_column {
                    if key.expression == old {
                        key.expression = new.to_string();
                    }
                } else {
                    key.expression = rename_in_expression(&key.expression, old, new);
                }
            }
            rename(&mut index.include);
            if let Some(predicate) = &mut index.predicate {
                *predicate = rename_in_expression(predicate, old, new);
            }
        }
        for sequence in self.catalog.sequences.values_mut() {
            if let Some((owner, column)) = &mut sequence.owned_by
                && owner == table_name
                && column == old
            {
                *column = new.to_string();
            }
        }
    }

    fn add_table_constraint(
        &mut self,
        table: &QualifiedName,
        constraint: &TableConstraint,
        not_valid: bool,
        recursion: Recursion,
    ) {
        match constraint {
            TableConstraint::PrimaryKeyUsingIndex(using)
            | TableConstraint::UniqueUsingIndex(using) => {
                let primary = matches!(constraint, TableConstraint::PrimaryKeyUsingIndex(_));
                self.key_using_index(table, primary, using.name.as_ref(), &using.index_name);
            }
            other => {
                let pending = pending_constraint(other, not_valid).into_iter().collect();
                self.add_constraints(table, pending, recursion, false);
            }
        }
    }

    /// `ADD PRIMARY KEY | UNIQUE USING INDEX i`: the index becomes the constraint's, renamed
    /// to the constraint's name if one is given.
    fn key_using_index(
        &mut self,
        table: &QualifiedName,
        primary: bool,
        constraint_name: Option<&Ident>,
        index_name: &Ident,
    ) {
        let index_key = QualifiedName::new(table.schema.clone(), identifier(index_name));
        let Some(mut index) = self.catalog.indexes.remove(&index_key) else {
            self.missing(format!("index \"{index_key}\" does not exist"));
            return;
        };
        if let Some(name) = constraint_name {
            index.name.name = identifier(name);
        }
        index.primary = primary;
        index.constraint = true;
        index.unique = true;
        self.insert_constraint_index(index);
    }

    fn drop_constraint(
        &mut self,
        table_name: &QualifiedName,
        name: &str,
        if_exists: bool,
        recursion: Recursion,
    ) {
        let Some(table) = self.catalog.tables.get_mut(table_name) else {
            return;
        };
        let named = |key: &KeyConstraint| key.name.as_deref() == Some(name);
        let mut dropped_key: Option<(bool, Vec<String>)> = None;
        if let Some(key) = table.primary_key.take_if(|key| named(key)) {
            dropped_key = Some((true, key.columns));
        }
        if let Some(position) = table.unique_constraints.iter().position(named) {
            dropped_key = Some((false, table.unique_constraints.remove(position).columns));
        }
        let before = table.foreign_keys.len() + table.checks.len();
        table
            .foreign_keys
            .retain(|f| f.name.as_deref() != Some(name));
        table.checks.retain(|c| c.name.as_deref() != Some(name));
        let dropped_other = before != table.foreign_keys.len() + table.checks.len();
        if dropped_key.is_none() && !dropped_other {
            let index = QualifiedName::new(table_name.schema.clone(), name);
            if self.is_exclusion_constraint(table_name, &index) {
                self.catalog.indexes.remove(&index);
            } else if !if_exists {
                self.missing(format!(
                    "constraint \"{name}\" of relation \"{table_name}\" does not exist"
                ));
            }
            return;
        }
        let index = QualifiedName::new(table_name.schema.clone(), name);
        self.catalog.indexes.remove(&index);
        let partitions = self.family(table_name, recursion).into_iter().skip(1);
        for partition in partitions.collect::<Vec<_>>() {
            // Copies of checks and foreign keys keep the parent's name; copies of keys have
            // names of their own and are found by their columns.
            let Some(table) = self.catalog.tables.get_mut(&partition) else {
                continue;
            };
            table
                .foreign_keys
                .retain(|f| f.name.as_deref() != Some(name));
            table.checks.retain(|c| c.name.as_deref() != Some(name));
            let Some((primary, columns)) = &dropped_key else {
                continue;
            };
            let copy = if *primary {
                table.primary_key.take_if(|k| &k.columns == columns)
            } else {
                let position = table
                    .unique_constraints
                    .iter()
                    .position(|k| &k.columns == columns);
                position.map(|p| table.unique_constraints.remove(p))
            };
            if let Some(name) = copy.and_then(|k| k.name) {
                self.catalog
                    .indexes
                    .remove(&QualifiedName::new(partition.schema.clone(), name));
            }
        }
    }

    fn validate_constraint(&mut self, table_name: &QualifiedName, name: &str) {
        let mut found = false;
        for member in self.family(table_name, Recursion::Recurse) {
            let Some(table) = self.catalog.tables.get_mut(&member) else {
                continue;
            };
            for foreign_key in &mut table.foreign_keys {
                if foreign_key.name.as_deref() == Some(name) {
                    foreign_key.not_valid = false;
                    found = true;
                }
            }
            for check in &mut table.checks {
                if check.name.as_deref() == Some(name) {
                    check.not_valid = false;
                    found = true;
                }
            }
        }
        let is_key = self
            .catalog
            .tables
            .get(table_name)
            .is_some_and(|table| constraint_names(table).any(|n| n == name));
        if !found && !is_key {
            self.missing(format!(
                "constraint \"{name}\" of relation \"{table_name}\" does not exist"
            ));
        }
    }

    /// An EXCLUDE constraint of the table is its index: the catalog keeps no other trace.
    fn is_exclusion_constraint(&self, table: &QualifiedName, index: &QualifiedName) -> bool {
        self.catalog
            .indexes
            .get(index)
            .is_some_and(|i| i.constraint && !i.unique && &i.table == table)
    }

    fn rename_constraint(&mut self, table_name: &QualifiedName, old: &str, new: &str) {
        let Some(table) = self.catalog.tables.get_mut(table_name) else {
            return;
        };
        let mut is_key = false;
        let mut found = false;
        for key in table
            .primary_key
            .iter_mut()
            .chain(table.unique_constraints.iter_mut())
        {
            if key.name.as_deref() == Some(old) {
                key.name = Some(new.to_string());
                is_key = true;
            }
        }
        for name in table
            .foreign_keys
            .iter_mut()
            .map(|f| &mut f.name)
            .chain(table.checks.iter_mut().map(|c| &mut c.name))
        {
            if name.as_deref() == Some(old) {
                *name = Some(new.to_string());
                found = true;
            }
        }
        // An EXCLUDE constraint is its index: the catalog keeps no other trace of it.
        let old_index = QualifiedName::new(table_name.schema.clone(), old);
        let is_exclusion =
            !is_key && !found && self.is_exclusion_constraint(table_name, &old_index);
        if is_key || is_exclusion {
            // The index backing a key always has the constraint's name.
            if let Some(mut index) = self.catalog.indexes.remove(&old_index) {
                index.name.name = new.to_string();
                self.catalog.indexes.insert(index.name.clone(), index);
            }
        } else if !found {
            self.missing(format!(
                "constraint \"{old}\" of relation \"{table_name}\" does not exist"
            ));
        }
    }
}

/// Whether an `ALTER TABLE` action changes what the catalog models.
fn changes_catalog(operation: &AlterTableOperation) -> bool {
    match operation {
        AlterTableOperation::AlterColumn { op, .. } => matches!(
            op,
            AlterColumnOperation::SetNotNull
                | AlterColumnOperation::DropNotNull
                | AlterColumnOperation::SetDefault { .. }
                | AlterColumnOperation::DropDefault
                | AlterColumnOperation::SetDataType { .. }
                | AlterColumnOperation::AddGenerated { .. }
        ),
        AlterTableOperation::AddColumn { .. }
        | AlterTableOperation::DropColumn { .. }
        | AlterTableOperation::RenameColumn { .. }
        | AlterTableOperation::RenameTable { .. }
        | AlterTableOperation::AddConstraint { .. }
        | AlterTableOperation::DropConstraint { .. }
        | AlterTableOperation::ValidateConstraint { .. }
        | AlterTableOperation::RenameConstraint { .. }
        | AlterTableOperation::AttachPartitionOf { .. }
        | AlterTableOperation::DetachPartitionOf { .. }
        | AlterTableOperation::SetLogged
        | AlterTableOperation::SetUnlogged => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ddl::test_support::*;

    #[test]
    fn exclusion_constraints_are_renamed_and_dropped_by_their_name() {
        let mut applier = DdlApplier::default();
        let problems = apply(
            &mut applier,
            "CREATE TABLE booking (room int, during tsrange,
                 CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&));
             ALTER TABLE booking RENAME CONSTRAINT no_overlap TO booking_no_overlap;
             ALTER TABLE booking ADD CONSTRAINT other EXCLUDE USING gist (during WITH &&);
             ALTER TABLE booking DROP CONSTRAINT other",
        );
        assert!(problems.is_empty(), "{problems:?}");
        let indexes: Vec<_> = applier
            .catalog()
            .indexes
            .keys()
            .map(|n| n.name.as_str())
            .collect();
        assert_eq!(indexes, ["booking_no_overlap"]);
    }

    #[test]
    fn alter_table_follows_columns_through_their_changes() {
        let mut applier = DdlApplier::default();
        let problems = apply(
            &mut applier,
            "CREATE TABLE v1 (id int PRIMARY KEY, note text);
             CREATE TABLE v2 (id int REFERENCES v1, qty int, CHECK (qty > 0));
             CREATE INDEX ON v2 (qty) WHERE qty > 1;
             ALTER TABLE v2 RENAME COLUMN id TO v1_id;
             ALTER TABLE v1 RENAME COLUMN id TO key;
             ALTER TABLE v2 RENAME COLUMN qty TO quantity;
             ALTER TABLE v2 ADD COLUMN status text NOT NULL DEFAULT 'new',
                 ALTER COLUMN quantity SET NOT NULL, ALTER COLUMN quantity TYPE bigint;
             ALTER TABLE v2 ALTER COLUMN status DROP NOT NULL, ALTER COLUMN status SET DEFAULT 'old';
             ALTER TABLE v1 DROP COLUMN note;
             ALTER TABLE v2 ADD CONSTRAINT big CHECK (quantity < 1000) NOT VALID;
             ALTER TABLE v2 VALIDATE CONSTRAINT big",
        );
        assert!(problems.is_empty(), "{problems:?}");
        let catalog = applier.into_catalog();
        let foreign = &table(&catalog, "v2").foreign_keys[0];
        assert_eq!(
            (
                foreign.columns.as_slice(),
                foreign.referenced_columns.as_slice()
            ),
            (&["v1_id".to_string()][..], &["key".to_string()][..])
        );
        assert_eq!(
            table(&catalog, "v1").primary_key.as_ref().unwrap().columns,
            ["key"]
        );
        assert_eq!(catalog.indexes[&name("v1_pkey")].keys[0].expression, "key");
        let index = &catalog.indexes[&name("v2_qty_idx")];
        assert_eq!(index.keys[0].expression, "quantity");
        assert_eq!(index.predicate.as_deref(), Some("quantity > 1"));
        let checks = &table(&catalog, "v2").checks;
        assert_eq!(checks[0].expression, "quantity > 0");
        assert!(!checks[1].not_valid, "validated");
        let quantity = column(&catalog, "v2", "quantity");
        assert_eq!(
            (quantity.data_type.as_str(), quantity.nullable),
            ("bigint", false)
        );
        let status = column(&catalog, "v2", "status");
        assert!(status.nullable);
        assert_eq!(status.default.as_deref(), Some("'old'::text"));
        assert!(table(&catalog, "v1").column("note").is_none());
    }

    #[test]
    fn dropping_a_column_drops_the_indexes_and_keys_that_use_it() {
        let catalog = catalog(
            "CREATE TABLE s (id serial, x int UNIQUE, y int);
             CREATE INDEX ON s (x);
             CREATE INDEX s_expr ON s ((x + 1));
             CREATE INDEX s_pred ON s (id) WHERE x > 0;
             CREATE INDEX s_y ON s (y);
             ALTER TABLE s DROP COLUMN x;
             ALTER TABLE s DROP COLUMN id",
        );
        assert_eq!(index_names(&catalog), ["s_y"]);
        assert!(table(&catalog, "s").unique_constraints.is_empty());
        assert!(
            catalog.sequences.is_empty(),
            "the serial's sequence goes with it"
        );
    }
}
