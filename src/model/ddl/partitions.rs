//! Partitioned tables: the partition key of `PARTITION BY`, a table's partitions, and
//! attaching a partition, which copies the parent's indexes, keys and foreign keys to it.

use super::expressions::{canonicalize, function_arguments, strip_parens};
use super::identifiers::{identifier, last_identifier};
use super::indexes::key_expression;
use super::naming::key_column_names;
use super::{DdlApplier, ProblemKind, Recursion};
use crate::model::catalog::{Index, PartitionOf, PartitionStrategy, Partitioning, QualifiedName};
use sqlparser::ast::{Expr, ForValues};
use std::ops::ControlFlow;

impl DdlApplier {
    pub(super) fn partitioning(&mut self, partition_by: &Expr) -> Option<Partitioning> {
        let Expr::Function(function) = partition_by else {
            self.unknown_partitioning(partition_by);
            return None;
        };
        let strategy = match last_identifier(&function.name).as_str() {
            "range" => PartitionStrategy::Range,
            "list" => PartitionStrategy::List,
            "hash" => PartitionStrategy::Hash,
            _ => {
                self.unknown_partitioning(partition_by);
                return None;
            }
        };
        let key = function_arguments(&function.args)
            .map(|expr| match strip_parens(expr) {
                Expr::Identifier(ident) => identifier(ident),
                other => key_expression(other),
            })
            .collect();
        Some(Partitioning { strategy, key })
    }

    fn unknown_partitioning(&mut self, partition_by: &Expr) {
        self.problem(
            ProblemKind::Unsupported,
            format!("PARTITION BY {partition_by}: not a RANGE, LIST or HASH partitioning"),
        );
    }

    /// The direct partitions of a table. Only a partitioned table has any (PostgreSQL
    /// refuses the others), and asking costs a walk over every table: each ALTER TABLE and
    /// CREATE INDEX asks, so the walk is skipped where it cannot find anything.
    pub(super) fn partitions(&self, parent: &QualifiedName) -> Vec<QualifiedName> {
        let partitioned = self
            .catalog
            .tables
            .get(parent)
            .map(|t| t.partitioning.is_some());
        if partitioned == Some(false) {
            return Vec::new();
        }
        self.catalog
            .tables
            .values()
            .filter(|t| t.partition_of.as_ref().is_some_and(|p| &p.parent == parent))
            .map(|t| t.name.clone())
            .collect()
    }

    /// The table and, unless `ONLY`, its partitions at every level.
    pub(super) fn family(&self, table: &QualifiedName, recursion: Recursion) -> Vec<QualifiedName> {
        let mut family = vec![table.clone()];
        if recursion == Recursion::Recurse {
            let mut next = 0;
            while next < family.len() {
                for child in self.partitions(&family[next]) {
                    if !family.contains(&child) {
                        family.push(child);
                    }
                }
                next += 1;
            }
        }
        family
    }

    /// Makes `child` a partition of `parent`: it gets the parent's indexes (unless it has an
    /// equivalent one already, which PostgreSQL attaches instead), foreign keys and checks.
    pub(super) fn attach_partition(
        &mut self,
        parent: &QualifiedName,
        child: &QualifiedName,
        bounds: String,
    ) {
        if self.family(child, Recursion::Recurse).contains(parent) {
            self.problem(
                ProblemKind::Unsupported,
                format!("\"{child}\" cannot become a partition of itself or of its own partition \"{parent}\""),
            );
            return;
        }
        let Some(table) = self.catalog.tables.get_mut(child) else {
            return;
        };
        table.partition_of = Some(PartitionOf {
            parent: parent.clone(),
            bounds,
        });
        let indexes: Vec<Index> = self
            .catalog
            .indexes
            .values()
            .filter(|i| &i.table == parent)
            .cloned()
            .collect();
        for index in &indexes {
            self.clone_index(index, child);
        }
        let Some(parent_table) = self.catalog.tables.get(parent) else {
            return;
        };
        let (foreign_keys, checks) = (
            parent_table.foreign_keys.clone(),
            parent_table.checks.clone(),
        );
        for member in self.family(child, Recursion::Recurse) {
            if let Some(table) = self.catalog.tables.get_mut(&member) {
                for foreign_key in &foreign_keys {
                    if !table
                        .foreign_keys
                        .iter()
                        .any(|f| f.name == foreign_key.name)
                    {
                        table.foreign_keys.push(foreign_key.clone());
                    }
                }
                for check in &checks {
                    if !table.checks.iter().any(|c| c.name == check.name) {
                        table.checks.push(check.clone());
                    }
                }
            }
        }
    }

    /// Gives a partition, and the partitions below it, their copy of a partitioned table's
    /// index, named as PostgreSQL names the copy — unless the partition has an equivalent
    /// index already, which PostgreSQL attaches instead.
    pub(super) fn clone_index(&mut self, index: &Index, partition: &QualifiedName) {
        for member in self.family(partition, Recursion::Recurse) {
            let equivalent = self.catalog.indexes.values().any(|existing| {
                existing.table == member
                    && existing.method == index.method
                    && existing.keys == index.keys
                    && existing.include == index.include
                    && existing.predicate == index.predicate
                    && existing.unique == index.unique
            });
            if equivalent {
                continue;
            }
            let columns = key_column_names(index);
            let name = self.choose_index_name(&member, index, &columns);
            let copy = Index {
                name: QualifiedName::new(member.schema.clone(), name),
                table: member.clone(),
                stats: None,
                ..index.clone()
            };
            if copy.constraint {
                self.insert_constraint_index(copy);
            } else {
                self.catalog.indexes.insert(copy.name.clone(), copy);
            }
        }
    }
}

pub(super) fn bounds_text(bounds: &ForValues) -> String {
    let mut bounds = bounds.clone();
    let _ = sqlparser::ast::visit_expressions_mut(&mut bounds, |expr| {
        canonicalize(expr);
        ControlFlow::<()>::Continue(())
    });
    bounds.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ddl::test_support::*;

    #[test]
    fn partitions_get_the_indexes_keys_and_foreign_keys_of_their_parent() {
        let catalog = catalog(
            "CREATE TABLE users (id int PRIMARY KEY);
             CREATE TABLE p (id int, ts timestamptz, uid int REFERENCES users,
                 PRIMARY KEY (id, ts), UNIQUE (ts, id)) PARTITION BY RANGE (ts);
             CREATE INDEX ON p (ts);
             CREATE INDEX ON p (lower(id::text));
             CREATE TABLE p1 PARTITION OF p FOR VALUES FROM ('2024-01-01') TO ('2024-02-01');
             CREATE TABLE p2 (id int NOT NULL, ts timestamptz NOT NULL, uid int);
             ALTER TABLE p ATTACH PARTITION p2 FOR VALUES FROM ('2024-02-01') TO ('2024-03-01');
             CREATE TABLE pd PARTITION OF p DEFAULT;
             CREATE TABLE sp (id int, ts date) PARTITION BY RANGE (ts);
             CREATE TABLE sp1 PARTITION OF sp FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')
                 PARTITION BY LIST (id);
             CREATE TABLE sp1a PARTITION OF sp1 FOR VALUES IN (1);
             CREATE INDEX ON sp (id)",
        );
        let mut expected = vec![
            "p1_lower_idx",
            "p1_pkey",
            "p1_ts_id_key",
            "p1_ts_idx",
            "p2_lower_idx",
            "p2_pkey",
            "p2_ts_id_key",
            "p2_ts_idx",
            "p_lower_idx",
            "p_pkey",
            "p_ts_id_key",
            "p_ts_idx",
            "pd_lower_idx",
            "pd_pkey",
            "pd_ts_id_key",
            "pd_ts_idx",
            "sp1_id_idx",
            "sp1a_id_idx",
            "sp_id_idx",
            "users_pkey",
        ];
        expected.sort();
        assert_eq!(index_names(&catalog), expected);
        let p2 = table(&catalog, "p2");
        assert_eq!(
            p2.partition_of
                .as_ref()
                .map(|p| (&p.parent, p.bounds.as_str())),
            Some((
                &name("p"),
                "FOR VALUES FROM ('2024-02-01') TO ('2024-03-01')"
            ))
        );
        assert_eq!(
            p2.primary_key.as_ref().unwrap().name.as_deref(),
            Some("p2_pkey")
        );
        assert_eq!(p2.foreign_keys[0].name.as_deref(), Some("p_uid_fkey"));
        assert_eq!(
            table(&catalog, "pd").partition_of.as_ref().unwrap().bounds,
            "DEFAULT"
        );
        let partitioning = table(&catalog, "p").partitioning.as_ref().unwrap();
        assert_eq!(
            (partitioning.strategy, partitioning.key.as_slice()),
            (PartitionStrategy::Range, &["ts".to_string()][..])
        );
        assert_eq!(
            table(&catalog, "sp1")
                .partitioning
                .as_ref()
                .unwrap()
                .strategy,
            PartitionStrategy::List
        );
    }

    #[test]
    fn a_table_cannot_become_its_own_partition() {
        let mut applier = DdlApplier::default();
        let problems = apply(
            &mut applier,
            "CREATE TABLE p (id int) PARTITION BY LIST (id);
             CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1) PARTITION BY LIST (id);
             ALTER TABLE p ATTACH PARTITION p FOR VALUES IN (2);
             ALTER TABLE p1 ATTACH PARTITION p FOR VALUES IN (3);
             CREATE INDEX ON p (id)",
        );
        assert_eq!(kinds(&problems), [ProblemKind::Unsupported; 2]);
        assert_eq!(index_names(applier.catalog()), ["p1_id_idx", "p_id_idx"]);
    }
}
