//! Partitioning rules: they weigh a table's size (`--table-rows`, live statistics) against
//! how the logged statements filter it (query facts). PART001 proposes partitioning a large
//! table by the column nearly every statement narrows it by; PART002 reports a partitioned
//! table whose statements do not narrow it by its partition key.

pub mod partition_large_table;
pub mod partition_not_pruned;

use crate::analysis::facts::{Access, Operand, Predicate, QueryFacts};
use crate::findings::shorten;
use crate::model::catalog::Table;
use crate::rules::Context;
use crate::sql::fingerprint::format_id;

/// A share of the calls that read a table from which its statements "mostly" do something.
const MOSTLY: f64 = 0.6;

/// One logged statement that reads, updates or deletes from a table. Inserts are left out:
/// a row goes to one partition whatever the statements filter by.
struct Reader<'a> {
    fingerprint: u64,
    facts: &'a QueryFacts,
    calls: u64,
    normalized: &'a str,
}

impl Reader<'_> {
    /// The predicates on the table's plain columns (a function or cast around the column
    /// hides it from partition pruning as from an index).
    fn predicates_on<'s>(&'s self, table: &'s Table) -> impl Iterator<Item = &'s Predicate> {
        self.facts
            .predicates
            .iter()
            .filter(move |p| p.column.table == table.name && p.wrapped_in.is_none())
    }
}

/// The statements that read the table, most calls first.
fn readers<'a>(context: &Context<'a>, table: &Table) -> Vec<Reader<'a>> {
    let mut readers: Vec<Reader<'a>> = context
        .profile
        .queries
        .iter()
        .filter_map(|(id, stats)| {
            let facts = context.facts.get(id)?;
            let reads = facts
                .tables
                .iter()
                .any(|used| used.table == table.name && used.access != Access::Insert);
            reads.then_some(Reader {
                fingerprint: *id,
                facts,
                calls: stats.calls,
                normalized: &stats.normalized,
            })
        })
        .collect();
    readers.sort_by(|a, b| {
        b.calls
            .cmp(&a.calls)
            .then(a.fingerprint.cmp(&b.fingerprint))
    });
    readers
}

fn total_calls(readers: &[&Reader<'_>]) -> u64 {
    readers.iter().map(|r| r.calls).sum()
}

fn fingerprints(readers: &[&Reader<'_>]) -> Vec<String> {
    readers.iter().map(|r| format_id(r.fingerprint)).collect()
}

/// The value compared with, when the statement or its logged parameters give it as text.
fn operand_text(operand: &Operand) -> Option<&str> {
    match operand {
        Operand::Constant(text) => Some(typed_literal(text)),
        Operand::Parameter {
            value: Some(text), ..
        } => Some(text),
        _ => None,
    }
}

/// The string of a typed literal (`TIMESTAMPTZ '2024-06-01'` → `2024-06-01`); other
/// constants as they are.
fn typed_literal(text: &str) -> &str {
    match (text.find('\''), text.rfind('\'')) {
        (Some(open), Some(close)) if close > open => &text[open + 1..close],
        _ => text,
    }
}

/// `1 of 1 statement`, `3 of 4 statements`.
fn some_of(some: usize, all: usize) -> String {
    format!(
        "{some} of {all} statement{}",
        if all == 1 { "" } else { "s" }
    )
}

/// The first `max` statements with their calls, for a message.
fn named(readers: &[&Reader<'_>], max: usize) -> String {
    let mut names: Vec<String> = readers
        .iter()
        .take(max)
        .map(|r| {
            let calls = if r.calls == 1 { "call" } else { "calls" };
            format!("`{}` ({} {calls})", shorten(r.normalized, 90), r.calls)
        })
        .collect();
    if readers.len() > max {
        names.push(format!("{} more", readers.len() - max));
    }
    names.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_literals_give_their_string() {
        assert_eq!(typed_literal("TIMESTAMPTZ '2024-06-01'"), "2024-06-01");
        assert_eq!(typed_literal("2024-06-01"), "2024-06-01");
        assert_eq!(typed_literal("42"), "42");
    }
}
