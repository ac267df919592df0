//! ## What it finds
//! A partitioned table (`PARTITION BY …`) whose logged statements mostly (60 % or more of
//! the calls that read, update or delete from it) do not filter on its partition key, so
//! that none of its partitions can be skipped. For RANGE and LIST partitioning a statement
//! prunes when it compares the key's first column (`=`, `<`, `>=`, `BETWEEN`, `IN`,
//! `= ANY`, `IS NULL`); for HASH, when it compares every key column by equality. A
//! partition key that is an expression is not judged.
//!
//! ## Why it matters
//! Partitioning pays only when statements name the partitions they need. A statement that
//! does not filter on the key is planned and run against every partition: one index scan
//! (or sequential scan) per partition, planning time that grows with their number, and
//! locks on all of them — slower than the same table unpartitioned.
//!
//! ## Example
//! ```sql
//! -- measurements is PARTITION BY RANGE (logdate)
//! SELECT * FROM measurements WHERE device_id = 42 ORDER BY logdate DESC LIMIT 10;
//! ```
//!
//! ## Instead
//! ```sql
//! SELECT * FROM measurements
//! WHERE device_id = 42 AND logdate >= current_date - 7
//! ORDER BY logdate DESC LIMIT 10;
//! ```
//! Give the statements a bound on the key the application knows (the last week, the
//! tenant), or, if they never can, partition by the column they do filter on.
//!
//! ## How the saving is estimated
//! Not estimated: what a statement would save depends on the bound it could be given. The
//! finding names the statements and the share of the table's calls they make.

use super::{MOSTLY, Reader, fingerprints, named, readers, some_of, total_calls};
use crate::analysis::facts::{Operand, Operator};
use crate::findings::{Category, Finding, Severity};
use crate::model::catalog::{Catalog, PartitionStrategy, Table};
use crate::rules::{Check, Context, Rule};
use crate::units::thousands;
use std::collections::BTreeMap;

pub static RULE: Rule = Rule {
    id: "PART002",
    name: "partition-not-pruned",
    category: Category::Partitioning,
    severity: Severity::Warning,
    source: include_str!("partition_not_pruned.rs"),
    check: Check::Workload(check),
};

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(catalog) = context.catalog else {
        return;
    };
    for table in catalog.tables.values() {
        let Some(partitioning) = &table.partitioning else {
            continue;
        };
        let Some(key) = key_columns(table, &partitioning.key) else {
            continue;
        };
        let readers = readers(context, table);
        let all: Vec<&Reader<'_>> = readers.iter().collect();
        let unpruned: Vec<&Reader<'_>> = all
            .iter()
            .copied()
            .filter(|r| !prunes(r, table, partitioning.strategy, &key))
            .collect();
        let share = total_calls(&unpruned) as f64 / total_calls(&all).max(1) as f64;
        if unpruned.is_empty() || share < MOSTLY {
            continue;
        }
        let instead = match filtered_instead(table, &unpruned, &key) {
            Some(column) => format!(
                ", or partition by the column they do filter on ({column}) if they never can"
            ),
            None => String::new(),
        };
        out.push(Finding {
            message: format!(
                "{} is partitioned by {} ({}) into {}, but {} reading it ({:.0} % of their {} \
                 calls) do not filter on {}, so each reads every partition: {}. Give them a \
                 bound on the key the application knows{instead}.",
                table.name,
                strategy_name(partitioning.strategy),
                key.join(", "),
                partition_count(catalog, table),
                some_of(unpruned.len(), all.len()),
                share * 100.0,
                thousands(total_calls(&all) as f64),
                key.join(", "),
                named(&unpruned, 5)
            ),
            table: Some(table.name.clone()),
            columns: key.clone(),
            queries: fingerprints(&unpruned),
            ..RULE.finding()
        });
    }
}

/// The partition key's columns, when every part of it is a plain column of the table.
fn key_columns(table: &Table, key: &[String]) -> Option<Vec<String>> {
    key.iter()
        .map(|part| {
            let part = part.trim();
            let name = match part.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
                Some(quoted) => quoted.replace("\"\"", "\""),
                None => part.to_lowercase(),
            };
            table.column(&name).map(|column| column.name.clone())
        })
        .collect::<Option<Vec<String>>>()
        .filter(|columns| !columns.is_empty())
}

/// Whether the statement narrows the table to some of its partitions.
fn prunes(reader: &Reader<'_>, table: &Table, strategy: PartitionStrategy, key: &[String]) -> bool {
    let compares = |column: &str, equality_only: bool| {
        reader.predicates_on(table).any(|p| {
            p.column.column == column
                && match p.operator {
                    Operator::Eq | Operator::In { .. } | Operator::Any => true,
                    Operator::IsNull => !equality_only,
                    Operator::Lt
                    | Operator::LtEq
                    | Operator::Gt
                    | Operator::GtEq
                    | Operator::Between => strategy == PartitionStrategy::Range,
                    _ => false,
                }
        })
    };
    match strategy {
        PartitionStrategy::Hash => key.iter().all(|column| compares(column, true)),
        PartitionStrategy::Range | PartitionStrategy::List => {
            key.first().is_some_and(|column| compares(column, false))
        }
    }
}

/// The column the unpruned statements compare most often (by calls), other than the key.
fn filtered_instead(table: &Table, unpruned: &[&Reader<'_>], key: &[String]) -> Option<String> {
    let mut calls: BTreeMap<&str, u64> = BTreeMap::new();
    for reader in unpruned {
        let mut columns: Vec<&str> = reader
            .predicates_on(table)
            .filter(|p| !matches!(p.value, Operand::Column(_) | Operand::Subquery))
            .map(|p| p.column.column.as_str())
            .filter(|column| !key.iter().any(|k| k == column))
            .collect();
        columns.sort();
        columns.dedup();
        for column in columns {
            *calls.entry(column).or_default() += reader.calls;
        }
    }
    let total = total_calls(unpruned);
    calls
        .into_iter()
        .filter(|(_, calls)| *calls as f64 >= total as f64 * MOSTLY)
        .max_by(|(a, a_calls), (b, b_calls)| a_calls.cmp(b_calls).then_with(|| b.cmp(a)))
        .map(|(column, _)| column.to_string())
}

fn strategy_name(strategy: PartitionStrategy) -> &'static str {
    match strategy {
        PartitionStrategy::Range => "RANGE",
        PartitionStrategy::List => "LIST",
        PartitionStrategy::Hash => "HASH",
    }
}

/// `12 partitions`, or `its partitions` when the schema does not list them.
fn partition_count(catalog: &Catalog, table: &Table) -> String {
    let count = catalog
        .tables
        .values()
        .filter(|t| {
            t.partition_of
                .as_ref()
                .is_some_and(|p| p.parent == table.name)
        })
        .count();
    match count {
        0 => "its partitions".into(),
        1 => "1 partition".into(),
        n => format!("{n} partitions"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::catalog::{Column, QualifiedName};

    #[test]
    fn only_plain_columns_make_a_key() {
        let table = Table {
            name: QualifiedName::new("public", "m"),
            columns: ["logdate", "Device"]
                .map(|name| Column {
                    name: name.into(),
                    ..Column::default()
                })
                .to_vec(),
            ..Table::default()
        };
        let key = |parts: &[&str]| {
            key_columns(
                &table,
                &parts.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            )
        };
        assert_eq!(key(&["LogDate"]), Some(vec!["logdate".to_string()]));
        assert_eq!(key(&["\"Device\""]), Some(vec!["Device".to_string()]));
        assert_eq!(key(&["date_trunc('day', logdate)"]), None);
        assert_eq!(key(&[]), None);
    }
}
