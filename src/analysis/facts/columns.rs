//! The columns a statement uses, per table, and how often each name is mentioned. A name is
//! counted for every table of the statement that has a column so named: an over-count only
//! makes an index-only scan look harder to get, never easier.

use super::QueryFacts;
use super::extract::ident;
use crate::model::catalog::{Catalog, QualifiedName};
use sqlparser::ast::{Expr, Visit, visit_expressions};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;

/// How many times each column name occurs in a statement or expression, qualified or not.
pub(super) fn column_mentions<V: Visit>(node: &V) -> BTreeMap<String, usize> {
    let mut mentions = BTreeMap::new();
    let _ = visit_expressions(node, |expression| {
        let name = match expression {
            Expr::Identifier(name) => Some(name),
            Expr::CompoundIdentifier(parts) => parts.last(),
            _ => None,
        };
        if let Some(name) = name {
            *mentions.entry(ident(name)).or_default() += 1;
        }
        ControlFlow::<()>::Continue(())
    });
    mentions
}

pub(super) fn columns_used(
    facts: &QueryFacts,
    catalog: Option<&Catalog>,
) -> BTreeMap<QualifiedName, BTreeSet<String>> {
    let mut used: BTreeMap<QualifiedName, BTreeSet<String>> = BTreeMap::new();
    // Without a catalog only the references the walk resolved are known.
    for column in resolved_references(facts) {
        used.entry(column.table.clone())
            .or_default()
            .insert(column.column.clone());
    }
    let Some(catalog) = catalog else {
        return used;
    };
    for table_use in &facts.tables {
        let Some(table) = catalog.tables.get(&table_use.table) else {
            continue;
        };
        let all = facts.select_star.contains(&table.name);
        let entry = used.entry(table.name.clone()).or_default();
        for column in &table.columns {
            if all || facts.column_mentions.contains_key(&column.name) {
                entry.insert(column.name.clone());
            }
        }
    }
    used
}

fn resolved_references(facts: &QueryFacts) -> impl Iterator<Item = &super::ColumnRef> {
    facts
        .predicates
        .iter()
        .map(|p| &p.column)
        .chain(facts.joins.iter().flat_map(|j| [&j.left, &j.right]))
        .chain(facts.order_by.iter().filter_map(|k| k.column.as_ref()))
        .chain(&facts.group_by)
        .chain(&facts.projection)
        .chain(&facts.written_columns)
}
