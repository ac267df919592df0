//! The rules: one file per rule, each with a doc comment under fixed headings, metadata and
//! a check that reads the shared analysis (`Context`) and reports `Finding`s. `RULES` is the
//! one list of them; `rules/<ID>.md` pages and `planwise rules ID` come from it.

pub mod batching;
pub mod caching;
pub mod contention;
pub mod data_types;
pub mod engine;
pub mod index;
pub mod maintenance;
pub mod migration;
pub mod partitioning;
pub mod plan;
pub mod rewrite;
pub mod sharding;
pub mod spill;
pub mod statistics;

use crate::analysis::estimates::Misestimate;
use crate::analysis::facts::QueryFacts;
use crate::analysis::index::selection::Plan;
use crate::analysis::join_graph::JoinGraph;
use crate::analysis::migration::StatementContext;
use crate::findings::{Category, Finding, Severity};
use crate::model::catalog::{Catalog, QualifiedName, Table};
use crate::model::workload::Profile;
use std::collections::BTreeMap;

/// The headings every rule's doc comment has, in order.
pub const DOC_HEADINGS: [&str; 5] = [
    "## What it finds",
    "## Why it matters",
    "## Example",
    "## Instead",
    "## How the saving is estimated",
];

/// The headings of a migration rule's doc comment: its findings are judged by what they
/// risk, not by what they save.
pub const MIGRATION_DOC_HEADINGS: [&str; 5] = [
    "## What it finds",
    "## Why it matters",
    "## Example",
    "## Instead",
    "## How severity is decided",
];

/// Everything a rule may read: computed once, shared by all rules.
pub struct Context<'a> {
    pub profile: &'a Profile,
    pub facts: &'a BTreeMap<u64, QueryFacts>,
    pub catalog: Option<&'a Catalog>,
    /// The index advisor's choice, when a catalog and a cost model were available.
    pub index_plan: Option<&'a Plan>,
    /// Row counts given on the command line (`--table-rows`).
    pub table_rows: &'a BTreeMap<QualifiedName, f64>,
    /// The workload's joins, with the column types on each side.
    pub join_graph: &'a JoinGraph,
    /// Scans whose row estimates were far off in measured plans (`--analyze`).
    pub misestimates: &'a [Misestimate],
}

impl Context<'_> {
    /// The statements whose facts satisfy `keep`, most logged time first.
    pub fn statements_where(&self, keep: impl Fn(&QueryFacts) -> bool) -> Vec<u64> {
        self.profile
            .queries_by_total_time()
            .into_iter()
            .map(|(id, _)| id)
            .filter(|id| self.facts.get(id).is_some_and(&keep))
            .collect()
    }

    /// The table's row count, when the command line or statistics say.
    pub fn known_rows(&self, table: &Table) -> Option<f64> {
        self.table_rows
            .get(&table.name)
            .copied()
            .or_else(|| table.stats.as_ref().and_then(|s| s.rows))
    }
}

pub struct Rule {
    /// Stable and never reused (`IDX001`).
    pub id: &'static str,
    /// Kebab-case name of the problem.
    pub name: &'static str,
    /// Its family: the folder it lives in and the prefix of its id.
    pub category: Category,
    pub severity: Severity,
    /// The rule's source file; its `//!` comment is the rule's documentation.
    pub source: &'static str,
    pub check: Check,
}

/// What a rule reads.
#[derive(Clone, Copy)]
pub enum Check {
    /// The analysed workload and schema (`planwise analyze`).
    Workload(fn(&Context<'_>, &mut Vec<Finding>)),
    /// One statement of a migration and the schema it applies to (`planwise check`).
    Migration(fn(&StatementContext<'_>, &mut Vec<Finding>)),
}

impl Rule {
    /// The headings its doc comment must have, in order.
    pub fn headings(&self) -> &'static [&'static str; 5] {
        match self.check {
            Check::Workload(_) => &DOC_HEADINGS,
            Check::Migration(_) => &MIGRATION_DOC_HEADINGS,
        }
    }

    /// The documentation: the `//!` lines of the rule's file.
    pub fn doc(&self) -> String {
        let mut doc = String::new();
        for line in self.source.lines() {
            let Some(text) = line.strip_prefix("//!") else {
                break;
            };
            doc.push_str(text.strip_prefix(' ').unwrap_or(text));
            doc.push('\n');
        }
        doc
    }

    /// A finding of this rule at its default severity, the rest left for the caller.
    pub fn finding(&'static self) -> Finding {
        Finding {
            rule: self.id,
            name: self.name,
            category: self.category,
            severity: self.severity,
            message: String::new(),
            table: None,
            columns: Vec::new(),
            sql: None,
            estimated_saving: None,
            queries: Vec::new(),
            index: None,
            location: None,
            claims: Vec::new(),
        }
    }

    /// A finding of this rule located at the statement a migration rule reads.
    pub fn finding_at(&'static self, context: &StatementContext<'_>) -> Finding {
        Finding {
            location: Some(context.location()),
            ..self.finding()
        }
    }

    /// The rule's page under `rules/`.
    pub fn page(&self) -> String {
        format!(
            "# {} {}\n\nCategory: `{}` · default severity: `{}`\n\n{}",
            self.id,
            self.name,
            self.category.as_str(),
            self.severity.as_str(),
            self.doc()
        )
    }
}

/// Every rule, in id order.
pub static RULES: &[&Rule] = &[
    &batching::n_plus_one::RULE,
    &batching::single_row_inserts::RULE,
    &batching::repeated_queries::RULE,
    &caching::cacheable_hot_query::RULE,
    &data_types::join_type_mismatch::RULE,
    &data_types::float_money::RULE,
    &data_types::uuid_as_text::RULE,
    &data_types::timestamp_without_zone::RULE,
    &data_types::json_not_jsonb::RULE,
    &data_types::char_padding::RULE,
    &data_types::int_key_overflow::RULE,
    &data_types::oversized_type::RULE,
    &data_types::narrow_foreign_key::RULE,
    &index::missing_index::RULE,
    &index::partial_index::RULE,
    &index::expression_index::RULE,
    &index::redundant_index::RULE,
    &index::unused_index::RULE,
    &index::fk_index::RULE,
    &index::brin_index::RULE,
    &index::trigram_index::RULE,
    &contention::lock_wait_hot_spot::RULE,
    &contention::deadlock::RULE,
    &contention::statement_timeout_victim::RULE,
    &maintenance::connection_churn::RULE,
    &maintenance::autovacuum_frequency::RULE,
    &maintenance::wal_checkpoints::RULE,
    &migration::non_concurrent_index::RULE,
    &migration::non_concurrent_index_drop::RULE,
    &migration::non_concurrent_reindex::RULE,
    &migration::concurrently_in_transaction::RULE,
    &migration::constraint_without_not_valid::RULE,
    &migration::set_not_null_scan::RULE,
    &migration::required_column_without_default::RULE,
    &migration::rewriting_add_column::RULE,
    &migration::rewriting_type_change::RULE,
    &migration::key_without_index::RULE,
    &migration::missing_lock_timeout::RULE,
    &migration::work_under_exclusive_lock::RULE,
    &migration::transaction_nesting::RULE,
    &migration::truncate_cascade::RULE,
    &migration::drop_column_in_use::RULE,
    &migration::rename_column_in_use::RULE,
    &migration::drop_table_in_use::RULE,
    &migration::rename_table_in_use::RULE,
    &migration::int_key::RULE,
    &migration::timestamp_without_time_zone_column::RULE,
    &migration::json_column::RULE,
    &migration::char_column::RULE,
    &migration::varchar_length::RULE,
    &migration::identifier_too_long::RULE,
    &migration::drops_used_index::RULE,
    &migration::foreign_key_without_index::RULE,
    &migration::duplicate_index::RULE,
    &migration::index_unused_by_workload::RULE,
    &migration::constraint_will_fail::RULE,
    &migration::dynamic_sql_not_checked::RULE,
    &partitioning::partition_large_table::RULE,
    &partitioning::partition_not_pruned::RULE,
    &plan::logged_row_misestimate::RULE,
    &plan::filtering_seq_scan::RULE,
    &plan::plan_spill_to_disk::RULE,
    &plan::nested_loop_many_loops::RULE,
    &plan::heap_fetches::RULE,
    &plan::jit_dominates::RULE,
    &plan::workers_not_launched::RULE,
    &rewrite::offset_pagination::RULE,
    &rewrite::not_in_subquery::RULE,
    &rewrite::select_star::RULE,
    &rewrite::non_sargable::RULE,
    &rewrite::or_across_columns::RULE,
    &rewrite::count_page_total::RULE,
    &rewrite::correlated_subquery::RULE,
    &sharding::distribution_key::RULE,
    &spill::temp_file_spill::RULE,
    &statistics::stale_statistics::RULE,
    &statistics::row_misestimate::RULE,
    &statistics::cost_far_below_logged_time::RULE,
];

pub fn find(id_or_name: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.id.eq_ignore_ascii_case(id_or_name) || r.name == id_or_name)
}

/// The `rules/README.md` index: a table of every rule.
pub fn index_page() -> String {
    format!(
        "# Rules\n\nGenerated from the rules' doc comments (`src/rules/`); \
         `planwise rules ID` prints a page.\n\n{}",
        rules_table("")
    )
}

/// The Markdown table of every rule, each id linking to `{pages}ID.md`.
pub fn rules_table(pages: &str) -> String {
    let mut table = String::from("| id | name | category | severity |\n|---|---|---|---|\n");
    for rule in RULES {
        table.push_str(&format!(
            "| [{id}]({pages}{id}.md) | {} | `{}` | {} |\n",
            rule.name,
            rule.category.as_str(),
            rule.severity.as_str(),
            id = rule.id
        ));
    }
    table
}
