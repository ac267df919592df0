//! The index advisor's pure core without a database: candidates from query facts, the
//! offline cost model, and the workload-wide selection driven by that model. Every test
//! builds its catalog from DDL (through the schema loader), sets the statistics a live
//! server would have, and asserts what the advice means rather than exact figures.

use planwise::analysis::facts::{QueryFacts, extract_facts};
use planwise::analysis::index::candidates::{Candidate, generate, serves};
use planwise::analysis::index::cost::{CostModel, CostRequest};
use planwise::analysis::index::definition::{IndexDef, KeyPart, PartialCondition};
use planwise::analysis::index::evidence::LoggedEvidence;
use planwise::analysis::index::offline::OfflineModel;
use planwise::analysis::index::selection::{
    DEFAULT_MIN_SAVING_SHARE, Limits, Plan, RejectReason, WorkloadQuery, select,
};
use planwise::findings::Basis;
use planwise::model::catalog::{Catalog, ColumnStats, IndexMethod, QualifiedName, TableStats};
use planwise::model::ddl::loader::SchemaLoader;
use planwise::sql::parse::parse_sql;
use proptest::prelude::*;
use sqlparser::ast::Statement;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use std::collections::BTreeMap;
use std::collections::BTreeSet;

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

const SHOP_DDL: &str = "
CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id integer NOT NULL,
    status text NOT NULL,
    created_at timestamptz NOT NULL,
    total numeric(12,2) NOT NULL,
    note text
);
CREATE TABLE customers (
    id integer PRIMARY KEY,
    email text NOT NULL,
    name text NOT NULL
);
";

fn name(table: &str) -> QualifiedName {
    QualifiedName::new("public", table)
}

/// A catalog from DDL, through the same loader `--schema` uses.
fn catalog_from(ddl: &str) -> Catalog {
    let mut loader = SchemaLoader::default();
    loader.load_script(ddl, "schema.sql");
    let load = loader.finish();
    assert_eq!(load.failed, 0, "{:#?}", load.diagnostics);
    assert!(load.diagnostics.is_empty(), "{:#?}", load.diagnostics);
    load.catalog
}

/// Applies more DDL (a chosen `CREATE INDEX`) on top of a catalog.
fn apply_ddl(catalog: &Catalog, ddl: &str) -> Catalog {
    let mut loader = SchemaLoader::new(catalog.clone());
    loader.load_script(ddl, "chosen.sql");
    let load = loader.finish();
    assert_eq!(load.failed, 0, "{ddl}: {:#?}", load.diagnostics);
    assert!(
        load.diagnostics.is_empty(),
        "{ddl}: {:#?}",
        load.diagnostics
    );
    load.catalog
}

fn set_rows(catalog: &mut Catalog, table: &str, rows: f64) {
    let table = catalog.tables.get_mut(&name(table)).expect("table");
    table.stats = Some(TableStats {
        rows: Some(rows),
        ..TableStats::default()
    });
}

fn set_column(catalog: &mut Catalog, table: &str, column: &str, stats: ColumnStats) {
    let table = catalog.tables.get_mut(&name(table)).expect("table");
    table.column_mut(column).expect("column").stats = Some(stats);
}

fn distinct(n: f64) -> ColumnStats {
    ColumnStats {
        n_distinct: n,
        ..ColumnStats::default()
    }
}

/// `status` with the given share of 'pending' among its most common values.
fn status_with_pending(share: f64) -> ColumnStats {
    ColumnStats {
        n_distinct: 5.0,
        most_common: vec![
            ("done".to_string(), 1.0 - share - 0.001),
            ("pending".to_string(), share),
        ],
        ..ColumnStats::default()
    }
}

fn facts_of(catalog: &Catalog, sql: &str) -> QueryFacts {
    let statement = parse_sql(sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .remove(0);
    extract_facts(&statement, Some(catalog), &[], &BTreeMap::new())
}

/// Statements numbered 1, 2, … in the order given.
fn workload(catalog: &Catalog, statements: &[&str]) -> BTreeMap<u64, QueryFacts> {
    statements
        .iter()
        .enumerate()
        .map(|(i, sql)| (i as u64 + 1, facts_of(catalog, sql)))
        .collect()
}

fn no_rows() -> BTreeMap<QualifiedName, f64> {
    BTreeMap::new()
}

/// Candidates with every statement's constants fixed (each ran with one set of values),
/// so constants may define partial indexes.
fn candidates_for(
    facts: &BTreeMap<u64, QueryFacts>,
    catalog: &Catalog,
    rows: &BTreeMap<QualifiedName, f64>,
) -> Vec<Candidate> {
    let fixed: BTreeSet<u64> = facts.keys().copied().collect();
    generate(facts, catalog, rows, &fixed, &LoggedEvidence::default())
}

fn keys_of(def: &IndexDef) -> Vec<String> {
    def.keys
        .iter()
        .map(|k| {
            let mut text = k.expression.clone();
            if k.descending {
                text.push_str(" DESC");
            }
            text
        })
        .collect()
}

/// The plain (no INCLUDE, no predicate) candidate with exactly these keys, if any.
fn plain<'c>(candidates: &'c [Candidate], keys: &[&str]) -> Option<&'c Candidate> {
    candidates
        .iter()
        .find(|c| c.def.include.is_empty() && c.def.predicate.is_none() && keys_of(&c.def) == keys)
}

fn describe(candidates: &[Candidate]) -> Vec<String> {
    candidates.iter().map(|c| c.def.to_string()).collect()
}

/// The offline model's cost of statement `id` with `indexes` added.
fn cost(model: &mut OfflineModel<'_>, id: u64, indexes: &[&IndexDef]) -> f64 {
    model.costs(&[CostRequest {
        query: id,
        indexes: indexes.to_vec(),
    }])[0]
        .unwrap_or_else(|| panic!("statement {id} not costed"))
}

fn size(model: &mut OfflineModel<'_>, def: &IndexDef) -> f64 {
    model.sizes(&[def])[0]
}

fn btree(table: &str, keys: &[&str]) -> IndexDef {
    IndexDef::btree(&name(table), keys)
}

fn queries_of<'f>(facts: &'f BTreeMap<u64, QueryFacts>, calls: &[f64]) -> Vec<WorkloadQuery<'f>> {
    facts
        .iter()
        .zip(calls)
        .map(|((id, facts), calls)| WorkloadQuery {
            id: *id,
            calls: *calls,
            logged_ms: None,
            facts,
        })
        .collect()
}

fn run_select(
    catalog: &Catalog,
    facts: &BTreeMap<u64, QueryFacts>,
    rows: &BTreeMap<QualifiedName, f64>,
    calls: &[f64],
    candidates: Vec<IndexDef>,
    limits: Limits,
) -> Plan {
    let mut model = OfflineModel::new(catalog, facts, rows);
    let queries = queries_of(facts, calls);
    select(&mut model, &queries, candidates, catalog, limits)
}

fn chosen_defs(plan: &Plan) -> Vec<String> {
    plan.chosen.iter().map(|c| c.def.to_string()).collect()
}

/// A large shop: 1,000,000 orders, 100,000 customers, with the statistics `pg_stats` would
/// give ('pending' is 1 % of the orders).
fn large_shop() -> Catalog {
    let mut catalog = catalog_from(SHOP_DDL);
    set_rows(&mut catalog, "orders", 1_000_000.0);
    set_rows(&mut catalog, "customers", 100_000.0);
    set_column(&mut catalog, "orders", "customer_id", distinct(100_000.0));
    set_column(&mut catalog, "orders", "status", status_with_pending(0.01));
    set_column(&mut catalog, "orders", "id", distinct(-1.0));
    set_column(&mut catalog, "customers", "email", distinct(-1.0));
    catalog
}

// ---------------------------------------------------------------------------------------
// 1. Candidates
// ---------------------------------------------------------------------------------------

const THREE_PREDICATES: &str =
    "SELECT * FROM orders WHERE status = $1 AND customer_id = $2 AND created_at > $3";

fn three_predicate_catalog(customer_distinct: f64, status_distinct: f64) -> Catalog {
    let mut catalog = catalog_from(SHOP_DDL);
    set_rows(&mut catalog, "orders", 1_000_000.0);
    set_column(
        &mut catalog,
        "orders",
        "customer_id",
        distinct(customer_distinct),
    );
    set_column(&mut catalog, "orders", "status", distinct(status_distinct));
    catalog
}

#[test]
fn composite_candidate_puts_equalities_first_most_selective_first_then_the_range() {
    let catalog = three_predicate_catalog(10_000.0, 5.0);
    let facts = workload(&catalog, &[THREE_PREDICATES]);
    let candidates = candidates_for(&facts, &catalog, &no_rows());
    let all = describe(&candidates);
    assert!(
        plain(&candidates, &["customer_id", "status", "created_at"]).is_some(),
        "{all:#?}"
    );
    assert!(
        plain(&candidates, &["customer_id", "status"]).is_some(),
        "{all:#?}"
    );
    // No composite starts with the less selective equality or puts the range first.
    for candidate in &candidates {
        let keys = keys_of(&candidate.def);
        if keys.len() > 1 {
            assert_eq!(keys[0], "customer_id", "{}", candidate.def);
            assert!(
                !keys[..keys.len() - 1].contains(&"created_at".to_string()),
                "the range column must come last: {}",
                candidate.def
            );
        }
    }
    // Each candidate records the statement it serves.
    assert!(candidates.iter().all(|c| c.queries.contains(&1)));

    // The statistics decide the order: flip them and the composite flips.
    let flipped = three_predicate_catalog(5.0, 10_000.0);
    let facts = workload(&flipped, &[THREE_PREDICATES]);
    let candidates = candidates_for(&facts, &flipped, &no_rows());
    assert!(
        plain(&candidates, &["status", "customer_id", "created_at"]).is_some(),
        "{:#?}",
        describe(&candidates)
    );
    assert!(plain(&candidates, &["customer_id", "status", "created_at"]).is_none());

    // Negative n_distinct is a share of the rows: -0.5 of 1M rows beats 10,000 distinct.
    let mut negative = three_predicate_catalog(10_000.0, -0.5);
    set_rows(&mut negative, "orders", 1_000_000.0);
    let facts = workload(&negative, &[THREE_PREDICATES]);
    let candidates = candidates_for(&facts, &negative, &no_rows());
    assert!(
        plain(&candidates, &["status", "customer_id", "created_at"]).is_some(),
        "{:#?}",
        describe(&candidates)
    );
}

#[test]
fn an_existing_index_drops_the_candidates_it_serves_as_a_left_prefix() {
    let mut catalog = three_predicate_catalog(10_000.0, 5.0);
    catalog = apply_ddl(
        &catalog,
        "CREATE INDEX orders_cust_status_created ON orders (customer_id, status, created_at);",
    );
    let facts = workload(&catalog, &[THREE_PREDICATES]);
    let candidates = candidates_for(&facts, &catalog, &no_rows());
    let all = describe(&candidates);
    for served in [
        &["customer_id"][..],
        &["customer_id", "status"],
        &["customer_id", "status", "created_at"],
    ] {
        assert!(
            plain(&candidates, served).is_none(),
            "{served:?} is a left prefix of the existing index: {all:#?}"
        );
    }
    assert!(plain(&candidates, &["status"]).is_some(), "{all:#?}");
    assert!(plain(&candidates, &["created_at"]).is_some(), "{all:#?}");

    // `serves` itself: prefix yes, other leading column no, other table no, partial no.
    let existing = btree("orders", &["customer_id", "status", "created_at"]);
    assert!(serves(&existing, &btree("orders", &["customer_id"])));
    assert!(serves(
        &existing,
        &btree("orders", &["customer_id", "status"])
    ));
    assert!(!serves(&existing, &btree("orders", &["status"])));
    assert!(!serves(
        &existing,
        &btree("orders", &["status", "customer_id"])
    ));
    assert!(!serves(&existing, &btree("customers", &["customer_id"])));
    assert!(!serves(
        &existing,
        &btree("orders", &["customer_id", "status", "created_at", "id"])
    ));
    let partial = IndexDef {
        predicate: Some(PartialCondition::parse("status = 'pending'")),
        ..btree("orders", &["customer_id"])
    };
    assert!(!serves(&existing, &partial));
    // INCLUDE: served when the existing index's keys hold the included column.
    let include_status = IndexDef {
        include: vec!["status".into()],
        ..btree("orders", &["customer_id"])
    };
    assert!(serves(&existing, &include_status));
    let include_total = IndexDef {
        include: vec!["total".into()],
        ..btree("orders", &["customer_id"])
    };
    assert!(!serves(&existing, &include_total));
}

#[test]
fn lower_of_a_column_gives_an_expression_candidate() {
    let mut catalog = catalog_from(SHOP_DDL);
    set_rows(&mut catalog, "customers", 100_000.0);
    let facts = workload(
        &catalog,
        &["SELECT id, name FROM customers WHERE lower(email) = $1"],
    );
    let candidates = candidates_for(&facts, &catalog, &no_rows());
    let expression: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| c.def.keys.iter().any(|k| !k.is_column))
        .collect();
    assert_eq!(expression.len(), 1, "{:#?}", describe(&candidates));
    let def = &expression[0].def;
    assert_eq!(def.table, name("customers"));
    assert_eq!(def.keys, vec![KeyPart::expression("lower(email)".into())]);
    assert!(
        def.create_sql(false).contains("(lower(email))"),
        "{}",
        def.create_sql(false)
    );
    // A plain index on email would not serve `lower(email) = …`: none is proposed.
    assert!(
        plain(&candidates, &["email"]).is_none(),
        "{:#?}",
        describe(&candidates)
    );
}

const PENDING_FOR_CUSTOMER: &str =
    "SELECT id, total FROM orders WHERE status = 'pending' AND customer_id = $1";

/// A million orders of 100,000 customers, `share` of them pending.
fn pending_orders(share: f64) -> Catalog {
    let mut catalog = catalog_from(SHOP_DDL);
    set_rows(&mut catalog, "orders", 1_000_000.0);
    set_column(&mut catalog, "orders", "customer_id", distinct(100_000.0));
    set_column(&mut catalog, "orders", "status", status_with_pending(share));
    catalog
}

fn partial_candidates(share: f64) -> Vec<Candidate> {
    let catalog = pending_orders(share);
    let facts = workload(&catalog, &[PENDING_FOR_CUSTOMER]);
    candidates_for(&facts, &catalog, &no_rows())
}

/// A polling query (IDX002's own example): the first ten pending orders by age. The partial
/// index holds only the pending ones, in order: under LIMIT it reads ten entries, like the
/// full (status, created_at) index, from a far smaller index. Its condition was counted
/// twice under LIMIT (the statement's rows already count it), which priced it 4× dearer.
#[test]
fn under_limit_a_partial_index_costs_no_more_than_the_full_one() {
    let catalog = pending_orders(0.02);
    let facts = workload(
        &catalog,
        &["SELECT id FROM orders WHERE status = 'pending' ORDER BY created_at LIMIT 10"],
    );
    let rows = no_rows();
    let mut model = OfflineModel::new(&catalog, &facts, &rows);
    let partial = IndexDef {
        predicate: Some(PartialCondition::parse("status = 'pending'")),
        ..btree("orders", &["created_at"])
    };
    let full = btree("orders", &["status", "created_at"]);
    let (with_partial, with_full) = (
        cost(&mut model, 1, &[&partial]),
        cost(&mut model, 1, &[&full]),
    );
    assert!(with_partial <= with_full, "{with_partial} vs {with_full}");
    assert!(size(&mut model, &partial) < size(&mut model, &full) / 10.0);
}

#[test]
fn indexes_on_a_table_nothing_writes_are_built_full() {
    let mut catalog = catalog_from(SHOP_DDL);
    set_rows(&mut catalog, "orders", 1_000_000.0);
    let stats = catalog
        .tables
        .get_mut(&name("orders"))
        .and_then(|t| t.stats.as_mut())
        .expect("stats");
    stats.seconds_since_vacuum = Some(3600.0);
    let lookup = "SELECT id, total FROM orders WHERE customer_id = $1";
    let fillfactors = |catalog: &Catalog, statements: &[&str]| -> Vec<Option<u8>> {
        let facts = workload(catalog, statements);
        candidates_for(&facts, catalog, &no_rows())
            .into_iter()
            .filter(|c| c.def.table == name("orders"))
            .map(|c| c.def.fillfactor)
            .collect()
    };
    let full = fillfactors(&catalog, &[lookup]);
    assert!(
        !full.is_empty() && full.iter().all(|f| *f == Some(100)),
        "{full:?}"
    );
    let first = candidates_for(&workload(&catalog, &[lookup]), &catalog, &no_rows())[0]
        .def
        .clone();
    let sql = first.create_sql(true);
    assert!(sql.contains(" WITH (fillfactor = 100)"), "{sql}");
    // The DDL parses and, applied to the schema, serves the statement: not proposed again.
    let mut with_index = catalog_from(&format!("{SHOP_DDL}\n{sql};"));
    with_index.tables.get_mut(&name("orders")).unwrap().stats =
        catalog.tables[&name("orders")].stats.clone();
    let again = candidates_for(&workload(&with_index, &[lookup]), &with_index, &no_rows());
    assert!(
        !again
            .iter()
            .any(|c| c.def.keys == first.keys && c.def.include == first.include),
        "{:#?}",
        describe(&again)
    );
    // A logged write, an update in its statistics or rows inserted since its last vacuum:
    // the table is written, PostgreSQL's default stays.
    let written = fillfactors(
        &catalog,
        &[lookup, "UPDATE orders SET status = 'done' WHERE id = $1"],
    );
    assert!(written.iter().all(Option::is_none), "{written:?}");
    for change in [
        |s: &mut TableStats| s.updates = 1,
        |s: &mut TableStats| s.inserts_since_vacuum = 10,
        |s: &mut TableStats| s.seconds_since_vacuum = None,
    ] {
        let mut changed = catalog.clone();
        change(
            changed
                .tables
                .get_mut(&name("orders"))
                .and_then(|t| t.stats.as_mut())
                .unwrap(),
        );
        let defaults = fillfactors(&changed, &[lookup]);
        assert!(defaults.iter().all(Option::is_none), "{defaults:?}");
    }
}

#[test]
fn a_rare_constant_gives_a_partial_candidate_and_a_common_one_does_not() {
    let rare = partial_candidates(0.01);
    let partial: Vec<&Candidate> = rare.iter().filter(|c| c.def.predicate.is_some()).collect();
    assert!(!partial.is_empty(), "{:#?}", describe(&rare));
    for candidate in &partial {
        assert_eq!(
            candidate
                .def
                .predicate
                .as_ref()
                .map(ToString::to_string)
                .as_deref(),
            Some("status = 'pending'")
        );
        // The partial index is keyed on what else the statement filters by, not on the
        // column its predicate already fixes.
        assert_eq!(keys_of(&candidate.def), vec!["customer_id"]);
    }

    let common = partial_candidates(0.6);
    assert!(
        common.iter().all(|c| c.def.predicate.is_none()),
        "{:#?}",
        describe(&common)
    );
    // The statement's constant conditions together define a partial index while they keep
    // at most half the rows; just above, none is proposed.
    assert!(
        partial_candidates(0.5)
            .iter()
            .any(|c| c.def.predicate.is_some())
    );
    assert!(
        partial_candidates(0.51)
            .iter()
            .all(|c| c.def.predicate.is_none())
    );
}

#[test]
fn a_partial_covering_index_leaves_out_a_column_only_its_condition_mentions() {
    let catalog = pending_orders(0.01);
    let facts = workload(
        &catalog,
        &[
            PENDING_FOR_CUSTOMER,
            "SELECT id, status FROM orders WHERE status = 'pending' AND customer_id = $1",
        ],
    );
    let candidates = candidates_for(&facts, &catalog, &no_rows());
    let covering_partial = |query: u64| {
        candidates
            .iter()
            .find(|c| {
                c.queries.contains(&query) && c.def.predicate.is_some() && !c.def.include.is_empty()
            })
            .unwrap_or_else(|| panic!("{:#?}", describe(&candidates)))
    };
    // The planner drops `status = 'pending'` from a scan of an index defined by it, so
    // it never needs the status of a row: an index-only scan works without it.
    let without = &covering_partial(1).def;
    assert_eq!(without.include, vec!["id", "total"]);
    let rows = no_rows();
    let mut model = OfflineModel::new(&catalog, &facts, &rows);
    let plain = IndexDef {
        include: Vec::new(),
        ..without.clone()
    };
    assert!(cost(&mut model, 1, &[without]) < cost(&mut model, 1, &[&plain]));
    // Returned, the column must be in the index.
    assert_eq!(covering_partial(2).def.include, vec!["id", "status"]);
}

#[test]
fn a_constant_range_on_a_category_column_defines_a_partial_index_the_model_recognises() {
    let mut catalog = catalog_from(SHOP_DDL);
    set_rows(&mut catalog, "orders", 1_000_000.0);
    let totals = (0..=10)
        .map(|i| (format!("0.{i:02}"), 1.0 / 11.0))
        .collect();
    set_column(
        &mut catalog,
        "orders",
        "total",
        ColumnStats {
            n_distinct: 11.0,
            most_common: totals,
            ..ColumnStats::default()
        },
    );
    let facts = workload(
        &catalog,
        &[
            "SELECT sum(total) FROM orders WHERE total BETWEEN .06 - 0.01 AND .06 + 0.01 \
           AND created_at >= '2024-01-01'",
        ],
    );
    let candidates = candidates_for(&facts, &catalog, &no_rows());
    let partial = candidates
        .iter()
        .find(|c| c.def.predicate.is_some() && !c.def.include.is_empty())
        .unwrap_or_else(|| panic!("{:#?}", describe(&candidates)));
    // The folded constants, so the planner can match the statement's own condition.
    assert_eq!(
        partial
            .def
            .predicate
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("total BETWEEN 0.05 AND 0.07")
    );
    assert_eq!(keys_of(&partial.def), vec!["created_at"]);
    // The model sees the condition hold (`BETWEEN … AND …` is one part of it): the partial
    // index-only scan reads fewer entries than the same index over every row.
    let rows = no_rows();
    let mut model = OfflineModel::new(&catalog, &facts, &rows);
    let whole = IndexDef {
        predicate: None,
        ..partial.def.clone()
    };
    assert!(cost(&mut model, 1, &[&partial.def]) < cost(&mut model, 1, &[&whole]));
}

#[test]
fn a_constant_defines_a_partial_index_only_when_every_call_used_it() {
    let mut catalog = pending_orders(0.01);
    set_column(
        &mut catalog,
        "orders",
        "note",
        ColumnStats {
            null_frac: 0.02,
            n_distinct: -0.5,
            ..ColumnStats::default()
        },
    );
    let facts = workload(
        &catalog,
        &[
            PENDING_FOR_CUSTOMER,
            "SELECT id FROM orders WHERE note IS NULL AND customer_id = $1",
        ],
    );
    // Statement 1 ran with several values: its 'pending' is one sample's, not the rule.
    let candidates = generate(
        &facts,
        &catalog,
        &no_rows(),
        &BTreeSet::new(),
        &LoggedEvidence::default(),
    );
    let partial: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| c.def.predicate.is_some())
        .collect();
    // `IS NULL` is written as such in every call: its partial indexes (plain and with
    // INCLUDE) stay, for statement 2 only.
    assert!(!partial.is_empty(), "{:#?}", describe(&candidates));
    for candidate in &partial {
        assert_eq!(
            candidate
                .def
                .predicate
                .as_ref()
                .map(ToString::to_string)
                .as_deref(),
            Some("note IS NULL")
        );
        assert_eq!(candidate.queries, BTreeSet::from([2]));
    }
    // Fixed values: the 'pending' partial indexes appear, for statement 1 only.
    let candidates = generate(
        &facts,
        &catalog,
        &no_rows(),
        &BTreeSet::from([1]),
        &LoggedEvidence::default(),
    );
    let pending: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| {
            c.def.predicate.as_ref().map(ToString::to_string).as_deref()
                == Some("status = 'pending'")
        })
        .collect();
    assert!(!pending.is_empty(), "{:#?}", describe(&candidates));
    assert!(pending.iter().all(|c| c.queries == BTreeSet::from([1])));
}

#[test]
fn a_constant_the_statistics_do_not_know_gives_no_partial_candidate() {
    let mut catalog = catalog_from(SHOP_DDL);
    set_rows(&mut catalog, "orders", 1_000_000.0);
    set_column(&mut catalog, "orders", "status", status_with_pending(0.01));
    let facts = workload(
        &catalog,
        &["SELECT id FROM orders WHERE status = 'archived' AND customer_id = $1"],
    );
    let candidates = candidates_for(&facts, &catalog, &no_rows());
    assert!(
        candidates.iter().all(|c| c.def.predicate.is_none()),
        "{:#?}",
        describe(&candidates)
    );
}

const CUSTOMER_TOTALS: &str = "SELECT id, total FROM orders WHERE customer_id = $1";

fn covering_candidates(
    stats_rows: Option<f64>,
    given_rows: Option<f64>,
) -> (Vec<Candidate>, Vec<Candidate>) {
    let mut catalog = catalog_from(SHOP_DDL);
    if let Some(rows) = stats_rows {
        set_rows(&mut catalog, "orders", rows);
    }
    let mut rows = no_rows();
    if let Some(given) = given_rows {
        rows.insert(name("orders"), given);
    }
    let facts = workload(&catalog, &[CUSTOMER_TOTALS]);
    candidates_for(&facts, &catalog, &rows)
        .into_iter()
        .partition(|c| !c.def.include.is_empty())
}

#[test]
fn include_candidates_only_on_tables_known_to_have_ten_thousand_rows() {
    // From the statistics.
    let (covering, plain_ones) = covering_candidates(Some(10_000.0), None);
    assert_eq!(covering.len(), 1, "{:#?}", describe(&covering));
    assert_eq!(keys_of(&covering[0].def), vec!["customer_id"]);
    let mut include = covering[0].def.include.clone();
    include.sort();
    assert_eq!(include, vec!["id", "total"]);
    assert!(plain(&plain_ones, &["customer_id"]).is_some());

    let (covering, plain_ones) = covering_candidates(Some(9_999.0), None);
    assert!(covering.is_empty(), "{:#?}", describe(&covering));
    assert!(plain(&plain_ones, &["customer_id"]).is_some());

    // Unknown size: no INCLUDE variant.
    let (covering, _) = covering_candidates(None, None);
    assert!(covering.is_empty(), "{:#?}", describe(&covering));

    // From the rows map (`--table-rows`), which overrides the statistics.
    let (covering, _) = covering_candidates(None, Some(50_000.0));
    assert_eq!(covering.len(), 1, "{:#?}", describe(&covering));
    let (covering, _) = covering_candidates(Some(1_000_000.0), Some(500.0));
    assert!(covering.is_empty(), "{:#?}", describe(&covering));
}

#[test]
fn select_star_on_a_wide_table_gets_no_include_candidate() {
    // Nine columns: more than an index-only scan is worth covering.
    let mut catalog = catalog_from(
        "CREATE TABLE wide (c1 int, c2 int, c3 int, c4 int, c5 int, c6 int, c7 int, c8 int,
         c9 int);",
    );
    set_rows(&mut catalog, "wide", 1_000_000.0);
    let facts = workload(&catalog, &["SELECT * FROM wide WHERE c1 = $1"]);
    let candidates = candidates_for(&facts, &catalog, &no_rows());
    assert!(plain(&candidates, &["c1"]).is_some());
    assert!(
        candidates.iter().all(|c| c.def.include.is_empty()),
        "{:#?}",
        describe(&candidates)
    );
}

/// Issue #17 point 7: `INCLUDE` pays only when index-only scans really skip the heap and
/// the copied columns are narrow.
#[test]
fn include_candidates_leave_out_wide_payloads_and_tables_the_visibility_map_lags() {
    let mut catalog = catalog_from(
        "CREATE TABLE events (id bigint PRIMARY KEY, account_id int, kind text,
         payload jsonb);",
    );
    set_rows(&mut catalog, "events", 1_000_000.0);
    let facts = workload(
        &catalog,
        &[
            "SELECT id, payload FROM events WHERE account_id = $1",
            "SELECT id, kind FROM events WHERE account_id = $1 AND kind = 'x'",
        ],
    );
    let include_lists = |catalog: &Catalog| -> Vec<Vec<String>> {
        candidates_for(&facts, catalog, &no_rows())
            .into_iter()
            .map(|c| c.def.include)
            .filter(|include| !include.is_empty())
            .collect()
    };
    // The JSON payload is never copied into an index; the narrow kind is.
    let lists = include_lists(&catalog);
    assert!(
        lists.iter().all(|l| !l.contains(&"payload".to_string())),
        "{lists:?}"
    );
    assert!(
        lists.iter().any(|l| l.contains(&"kind".to_string())),
        "{lists:?}"
    );

    // A table whose pages are mostly not all-visible (written continuously): no INCLUDE.
    let table = catalog.tables.get_mut(&name("events")).unwrap();
    let stats = table.stats.as_mut().unwrap();
    stats.pages = 10_000;
    stats.all_visible_pages = Some(2_000);
    assert!(
        include_lists(&catalog).is_empty(),
        "{:?}",
        include_lists(&catalog)
    );
    let stats = catalog
        .tables
        .get_mut(&name("events"))
        .unwrap()
        .stats
        .as_mut()
        .unwrap();
    stats.all_visible_pages = Some(9_000);
    assert!(!include_lists(&catalog).is_empty());
}

/// The offline model charges an index-only scan for the heap pages not all-visible, as
/// PostgreSQL's `cost_index` does.
#[test]
fn an_index_only_scan_costs_more_where_fewer_pages_are_all_visible() {
    let mut catalog = catalog_from(SHOP_DDL);
    set_rows(&mut catalog, "orders", 1_000_000.0);
    let facts = workload(&catalog, &[CUSTOMER_TOTALS]);
    let covering = IndexDef {
        include: vec!["id".into(), "total".into()],
        ..btree("orders", &["customer_id"])
    };
    let cost_at = |visible: Option<i64>| {
        let mut catalog = catalog.clone();
        let stats = catalog
            .tables
            .get_mut(&name("orders"))
            .unwrap()
            .stats
            .as_mut()
            .unwrap();
        stats.pages = 10_000;
        stats.all_visible_pages = visible;
        let rows = no_rows();
        let mut model = OfflineModel::new(&catalog, &facts, &rows);
        cost(&mut model, 1, &[&covering])
    };
    let (unknown, all, half) = (cost_at(None), cost_at(Some(10_000)), cost_at(Some(5_000)));
    assert_eq!(unknown, all, "unknown visibility is read as all-visible");
    assert!(half > all, "{half} vs {all}");
}

// Regression: at 18a3e00 `serves` ignored key direction and dropped this candidate.
#[test]
fn an_index_in_the_wrong_mixed_direction_does_not_serve_a_sort_candidate() {
    let mut catalog = large_shop();
    set_column(&mut catalog, "orders", "status", distinct(5.0));
    let sql = "SELECT * FROM orders WHERE status = $1 ORDER BY customer_id, created_at DESC \
               LIMIT 10";
    let facts = workload(&catalog, &[sql]);
    let fresh = candidates_for(&facts, &catalog, &no_rows());
    assert!(
        plain(&fresh, &["status", "customer_id", "created_at DESC"]).is_some(),
        "{:#?}",
        describe(&fresh)
    );
    let with_index = apply_ddl(
        &catalog,
        "CREATE INDEX orders_status_customer_created ON orders (status, customer_id, created_at);",
    );
    let candidates = candidates_for(&facts, &with_index, &no_rows());
    // The offline model itself says the existing index cannot give that order cheaply...
    let rows = no_rows();
    let mut model = OfflineModel::new(&with_index, &facts, &rows);
    let wanted = plain(&fresh, &["status", "customer_id", "created_at DESC"])
        .unwrap()
        .def
        .clone();
    assert!(cost(&mut model, 1, &[&wanted]) < cost(&mut model, 1, &[]));
    // ...so the candidate must survive.
    assert!(
        plain(&candidates, &["status", "customer_id", "created_at DESC"]).is_some(),
        "{:#?}",
        describe(&candidates)
    );
}

// ---------------------------------------------------------------------------------------
// 2. The offline cost model
// ---------------------------------------------------------------------------------------

#[test]
fn an_index_on_a_selective_equality_makes_the_lookup_far_cheaper() {
    let catalog = large_shop();
    let facts = workload(&catalog, &["SELECT * FROM orders WHERE customer_id = $1"]);
    let rows = no_rows();
    let mut model = OfflineModel::new(&catalog, &facts, &rows);
    assert_eq!(model.basis(), Basis::OfflineModel);
    let index = btree("orders", &["customer_id"]);
    let without = cost(&mut model, 1, &[]);
    let with = cost(&mut model, 1, &[&index]);
    assert!(without > 0.0 && with > 0.0);
    assert!(
        with / without < 0.1,
        "with {with} / without {without} should be < 0.1"
    );
    // An index on another column changes nothing; one on another table neither.
    let other = btree("orders", &["created_at"]);
    assert_eq!(cost(&mut model, 1, &[&other]), without);
    let elsewhere = btree("customers", &["email"]);
    assert_eq!(cost(&mut model, 1, &[&elsewhere]), without);
    // An uncosted statement id gives None, not a panic.
    let answer = model.costs(&[CostRequest {
        query: 999,
        indexes: vec![],
    }]);
    assert_eq!(answer, vec![None]);
}

#[test]
fn an_unselective_equality_does_not_benefit_as_much() {
    // Five distinct values in 1M rows: an index scan would fetch 200,000 rows at random.
    let mut catalog = large_shop();
    set_column(&mut catalog, "orders", "status", distinct(5.0));
    let facts = workload(
        &catalog,
        &[
            "SELECT * FROM orders WHERE status = $1",
            "SELECT * FROM orders WHERE customer_id = $1",
        ],
    );
    let rows = no_rows();
    let mut model = OfflineModel::new(&catalog, &facts, &rows);
    let status = btree("orders", &["status"]);
    let customer = btree("orders", &["customer_id"]);
    let status_ratio = cost(&mut model, 1, &[&status]) / cost(&mut model, 1, &[]);
    let customer_ratio = cost(&mut model, 2, &[&customer]) / cost(&mut model, 2, &[]);
    assert!(
        status_ratio > 0.5,
        "an index on a 5-value column should not pay: {status_ratio}"
    );
    assert!(customer_ratio < status_ratio);
}

const SMALL_WORKLOAD: &[&str] = &[
    "SELECT * FROM orders WHERE status = $1 AND customer_id = $2 AND created_at > $3",
    "SELECT id, total FROM orders WHERE customer_id = $1",
    "SELECT id, total FROM orders WHERE status = 'pending' AND customer_id = $1",
    "SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 10",
    "SELECT id, name FROM customers WHERE lower(email) = $1",
    "SELECT c.name, o.total FROM customers c JOIN orders o ON o.customer_id = c.id \
     WHERE c.email = $1",
    "SELECT status, count(*) FROM orders WHERE created_at >= $1 GROUP BY status",
    "UPDATE orders SET status = $1 WHERE id = $2",
    "DELETE FROM orders WHERE created_at < $1",
];

#[test]
fn adding_a_candidate_never_raises_a_statement_s_cost() {
    let catalog = large_shop();
    let facts = workload(&catalog, SMALL_WORKLOAD);
    let rows = no_rows();
    let candidates = candidates_for(&facts, &catalog, &rows);
    assert!(candidates.len() > 10, "{:#?}", describe(&candidates));
    let mut model = OfflineModel::new(&catalog, &facts, &rows);
    let ids: Vec<u64> = facts.keys().copied().collect();
    for &id in &ids {
        let base = cost(&mut model, id, &[]);
        assert!(base.is_finite() && base > 0.0, "statement {id}: {base}");
        for (i, first) in candidates.iter().enumerate() {
            let one = cost(&mut model, id, &[&first.def]);
            assert!(
                one <= base,
                "statement {id}: {} raises {base} to {one}",
                first.def
            );
            // And a second index on top of the first never raises it either.
            for second in &candidates[i + 1..] {
                let two = cost(&mut model, id, &[&first.def, &second.def]);
                assert!(
                    two <= one,
                    "statement {id}: {} on top of {} raises {one} to {two}",
                    second.def,
                    first.def
                );
            }
        }
    }
    // Every candidate helps the statement it was proposed for, except where the model
    // has nothing to gain (at least most of them must).
    let helpful = candidates
        .iter()
        .filter(|c| {
            c.queries
                .iter()
                .any(|&q| cost(&mut model, q, &[&c.def]) < cost(&mut model, q, &[]))
        })
        .count();
    assert!(
        helpful * 2 > candidates.len(),
        "{helpful} of {} candidates help their statement",
        candidates.len()
    );
}

#[test]
fn a_covering_index_is_cheaper_than_the_same_keys_without_include() {
    let catalog = large_shop();
    let facts = workload(&catalog, &[CUSTOMER_TOTALS]);
    let rows = no_rows();
    let mut model = OfflineModel::new(&catalog, &facts, &rows);
    let keys_only = btree("orders", &["customer_id"]);
    let covering = IndexDef {
        include: vec!["id".into(), "total".into()],
        ..keys_only.clone()
    };
    let partly = IndexDef {
        include: vec!["id".into()],
        ..keys_only.clone()
    };
    let keys_cost = cost(&mut model, 1, &[&keys_only]);
    let covering_cost = cost(&mut model, 1, &[&covering]);
    let partly_cost = cost(&mut model, 1, &[&partly]);
    assert!(
        covering_cost < keys_cost,
        "covering {covering_cost} vs keys only {keys_cost}"
    );
    // Covering only some of the columns gives no index-only scan: no cheaper than the keys
    // (the wider entries may even cost a little more).
    assert!(partly_cost >= keys_cost, "{partly_cost} vs {keys_cost}");
}

#[test]
fn an_index_in_the_order_by_direction_stops_early_at_the_limit() {
    let mut catalog = large_shop();
    // 1,000 orders per customer: sorting them and taking 10 is what the index avoids.
    set_column(&mut catalog, "orders", "customer_id", distinct(1_000.0));
    let facts = workload(
        &catalog,
        &["SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 10"],
    );
    let rows = no_rows();
    let mut model = OfflineModel::new(&catalog, &facts, &rows);
    let customer = btree("orders", &["customer_id"]);
    let mut ordered = btree("orders", &["customer_id", "created_at"]);
    ordered.keys[1].descending = true;
    let ascending = btree("orders", &["customer_id", "created_at"]);
    let created_first = btree("orders", &["created_at", "customer_id"]);
    let none = cost(&mut model, 1, &[]);
    let by_customer = cost(&mut model, 1, &[&customer]);
    let by_order = cost(&mut model, 1, &[&ordered]);
    assert!(by_customer < none);
    assert!(
        by_order < by_customer,
        "(customer_id, created_at DESC) {by_order} vs (customer_id) {by_customer}"
    );
    assert!(
        by_order * 10.0 < by_customer,
        "stopping after 10 of 1,000 rows should save most of the cost: {by_order} vs \
         {by_customer}"
    );
    // A backward scan of the ascending index gives the same order at the same cost.
    assert_eq!(cost(&mut model, 1, &[&ascending]), by_order);
    // With created_at first the equality is not a prefix: no cheaper than the ordered one.
    assert!(cost(&mut model, 1, &[&created_first]) >= by_order);
}

#[test]
fn index_size_grows_with_rows_and_include_and_a_partial_index_is_smaller() {
    let catalog = large_shop();
    let facts = workload(&catalog, &[PENDING_FOR_CUSTOMER]);
    let small_rows: BTreeMap<QualifiedName, f64> = [(name("orders"), 10_000.0)].into();
    let large_rows = no_rows();
    let keys = btree("orders", &["customer_id"]);
    let small = size(&mut OfflineModel::new(&catalog, &facts, &small_rows), &keys);
    let mut model = OfflineModel::new(&catalog, &facts, &large_rows);
    let large = size(&mut model, &keys);
    assert!(small > 0.0 && small.is_finite());
    assert!(
        large > 10.0 * small,
        "100x the rows: {large} vs {small} bytes"
    );
    // Roughly: 1M entries of at least 16 bytes.
    assert!(large > 16.0 * 1_000_000.0, "{large}");
    assert!(large < 100.0 * 1_000_000.0, "{large}");

    let with_total = IndexDef {
        include: vec!["total".into()],
        ..keys.clone()
    };
    let with_two = IndexDef {
        include: vec!["total".into(), "created_at".into()],
        ..keys.clone()
    };
    let wider_key = btree("orders", &["customer_id", "created_at"]);
    let include_one = size(&mut model, &with_total);
    let include_two = size(&mut model, &with_two);
    assert!(include_one > large, "{include_one} vs {large}");
    assert!(include_two > include_one, "{include_two} vs {include_one}");
    assert!(size(&mut model, &wider_key) > large);

    // 'pending' is 1 % of the rows: the partial index holds about 1 % of the entries.
    let partial = IndexDef {
        predicate: Some(PartialCondition::parse("status = 'pending'")),
        ..keys.clone()
    };
    let partial_size = size(&mut model, &partial);
    assert!(
        partial_size < 0.05 * large,
        "partial {partial_size} vs full {large}"
    );
    assert!(partial_size > 0.0);

    // Sizes are those the selection sees for the candidates, too.
    let candidates = candidates_for(&facts, &catalog, &large_rows);
    let generated_partial = candidates
        .iter()
        .find(|c| c.def.predicate.is_some())
        .expect("a partial candidate");
    assert_eq!(size(&mut model, &generated_partial.def), partial_size);
}

// ---------------------------------------------------------------------------------------
// 3. Selection with the offline model
// ---------------------------------------------------------------------------------------

const SELECTION_WORKLOAD: &[&str] = &[
    "SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 10",
    "SELECT id, total FROM orders WHERE status = 'pending' AND customer_id = $1",
    "SELECT id, name FROM customers WHERE lower(email) = $1",
    "SELECT * FROM orders WHERE status = $1 AND customer_id = $2 AND created_at > $3",
    "SELECT id, name FROM customers WHERE name = $1",
];
const SELECTION_CALLS: &[f64] = &[5_000.0, 2_000.0, 3_000.0, 500.0, 100.0];

fn selection_setup() -> (Catalog, BTreeMap<u64, QueryFacts>) {
    let mut catalog = large_shop();
    set_column(&mut catalog, "customers", "name", distinct(-0.9));
    let facts = workload(&catalog, SELECTION_WORKLOAD);
    (catalog, facts)
}

fn candidate_defs(
    facts: &BTreeMap<u64, QueryFacts>,
    catalog: &Catalog,
    rows: &BTreeMap<QualifiedName, f64>,
) -> Vec<IndexDef> {
    candidates_for(facts, catalog, rows)
        .into_iter()
        .map(|c| c.def)
        .collect()
}

#[test]
fn unconstrained_selection_chooses_several_indexes_and_lowers_the_total() {
    let (catalog, facts) = selection_setup();
    let rows = no_rows();
    let candidates = candidate_defs(&facts, &catalog, &rows);
    let plan = run_select(
        &catalog,
        &facts,
        &rows,
        SELECTION_CALLS,
        candidates.clone(),
        Limits::default(),
    );
    assert_eq!(plan.basis, Basis::OfflineModel);
    assert!(plan.uncosted.is_empty());
    assert!(plan.chosen.len() >= 2, "{:#?}", chosen_defs(&plan));
    assert!(plan.total < plan.baseline * 0.5, "{plan:#?}");
    assert!(
        plan.total <= plan.greedy && plan.greedy <= plan.baseline,
        "total {} greedy {} baseline {}",
        plan.total,
        plan.greedy,
        plan.baseline
    );
    for chosen in &plan.chosen {
        assert!(candidates.contains(&chosen.def));
        assert!(chosen.saving > 0.0, "{}: {}", chosen.def, chosen.saving);
        assert!(!chosen.served.is_empty(), "{}", chosen.def);
        for served in &chosen.served {
            assert!(served.after < served.before);
            assert!(SELECTION_WORKLOAD.len() as u64 >= served.query);
        }
    }
    // The expression lookup on customers is served by the expression index.
    assert!(
        plan.chosen
            .iter()
            .any(|c| c.def.keys == vec![KeyPart::expression("lower(email)".into())]),
        "{:#?}",
        chosen_defs(&plan)
    );
    // No rejection is silent, and none of them is a chosen index.
    for rejected in &plan.rejected {
        assert!(!plan.chosen.iter().any(|c| c.def == rejected.def));
    }
    // Chosen indexes have distinct names (their DDL would collide otherwise).
    let mut names: Vec<String> = plan.chosen.iter().map(|c| c.def.name()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), plan.chosen.len(), "{:#?}", chosen_defs(&plan));
}

#[test]
fn a_budget_smaller_than_every_candidate_chooses_nothing() {
    let (catalog, facts) = selection_setup();
    let rows = no_rows();
    let candidates = candidate_defs(&facts, &catalog, &rows);
    let smallest = {
        let mut model = OfflineModel::new(&catalog, &facts, &rows);
        let refs: Vec<&IndexDef> = candidates.iter().collect();
        model.sizes(&refs).into_iter().fold(f64::INFINITY, f64::min)
    };
    assert!(smallest.is_finite() && smallest > 1.0);
    let plan = run_select(
        &catalog,
        &facts,
        &rows,
        SELECTION_CALLS,
        candidates,
        Limits {
            budget_bytes: Some(smallest - 1.0),
            max_indexes: None,
            ..Limits::default()
        },
    );
    assert!(plan.chosen.is_empty(), "{:#?}", chosen_defs(&plan));
    assert_eq!(plan.total, plan.baseline);
    assert!(!plan.rejected.is_empty());
    assert!(
        plan.rejected
            .iter()
            .any(|r| r.reason == RejectReason::OverBudget),
        "{:#?}",
        plan.rejected
    );

    // A budget of exactly the smallest size lets at most that much in.
    let candidates = candidate_defs(&facts, &catalog, &rows);
    let plan = run_select(
        &catalog,
        &facts,
        &rows,
        SELECTION_CALLS,
        candidates,
        Limits {
            budget_bytes: Some(smallest),
            max_indexes: None,
            ..Limits::default()
        },
    );
    let used: f64 = plan.chosen.iter().map(|c| c.size_bytes).sum();
    assert!(used <= smallest);
}

#[test]
fn max_indexes_one_chooses_exactly_one() {
    let (catalog, facts) = selection_setup();
    let rows = no_rows();
    let candidates = candidate_defs(&facts, &catalog, &rows);
    let free = run_select(
        &catalog,
        &facts,
        &rows,
        SELECTION_CALLS,
        candidates.clone(),
        Limits::default(),
    );
    assert!(free.chosen.len() >= 2);
    let one = run_select(
        &catalog,
        &facts,
        &rows,
        SELECTION_CALLS,
        candidates,
        Limits {
            budget_bytes: None,
            max_indexes: Some(1),
            ..Limits::default()
        },
    );
    assert_eq!(one.chosen.len(), 1, "{:#?}", chosen_defs(&one));
    assert!(one.total < one.baseline);
    // One index does less than several.
    assert!(one.total >= free.total, "{} vs {}", one.total, free.total);
    // Zero means none.
    let candidates = candidate_defs(&facts, &catalog, &rows);
    let zero = run_select(
        &catalog,
        &facts,
        &rows,
        SELECTION_CALLS,
        candidates,
        Limits {
            budget_bytes: None,
            max_indexes: Some(0),
            ..Limits::default()
        },
    );
    assert!(zero.chosen.is_empty());
}

#[test]
fn two_candidates_serving_one_statement_are_not_both_chosen() {
    let mut catalog = catalog_from("CREATE TABLE t (id bigint PRIMARY KEY, a int, b int, c text);");
    set_rows(&mut catalog, "t", 1_000_000.0);
    set_column(&mut catalog, "t", "a", distinct(1_000.0));
    set_column(&mut catalog, "t", "b", distinct(100.0));
    let facts = workload(&catalog, &["SELECT * FROM t WHERE a = $1 AND b = $2"]);
    let rows = no_rows();
    let a = btree("t", &["a"]);
    let ab = btree("t", &["a", "b"]);
    for candidates in [vec![a.clone(), ab.clone()], vec![ab.clone(), a.clone()]] {
        let plan = run_select(
            &catalog,
            &facts,
            &rows,
            &[1_000.0],
            candidates,
            Limits::default(),
        );
        assert_eq!(plan.chosen.len(), 1, "{:#?}", chosen_defs(&plan));
        assert_eq!(plan.chosen[0].def, ab, "the more selective one");
        let left_out = plan
            .rejected
            .iter()
            .find(|r| r.def == a)
            .expect("(a) is reported");
        assert!(
            matches!(left_out.reason, RejectReason::ServedByChosen { .. }),
            "{:?}",
            left_out.reason
        );
        assert!(left_out.saving_alone > 0.0);
    }
}

/// Updates of the column a partial index's condition names are its upkeep (and cost HOT),
/// as `an_update_of_a_partial_index_condition_column_is_not_hot` sees on the server.
#[test]
fn updates_of_a_partial_index_condition_column_are_its_upkeep() {
    let catalog = pending_orders(0.02);
    let statements = [
        "SELECT id FROM orders WHERE status = 'pending' ORDER BY created_at LIMIT 10",
        "UPDATE orders SET status = 'done' WHERE id = $1",
    ];
    let facts = workload(&catalog, &statements);
    let partial = IndexDef {
        predicate: Some(PartialCondition::parse("status = 'pending'")),
        ..btree("orders", &["created_at"])
    };
    let plan = run_select(
        &catalog,
        &facts,
        &no_rows(),
        &[1_000.0, 1_000.0],
        vec![partial],
        Limits::default(),
    );
    assert_eq!(plan.chosen.len(), 1, "{plan:#?}");
    assert!(plan.chosen[0].write_overhead > 0.0, "{plan:#?}");
}

#[test]
fn heavy_writes_outweigh_a_low_benefit_index() {
    let mut catalog = large_shop();
    set_column(&mut catalog, "orders", "created_at", distinct(-0.9));
    let statements = [
        "SELECT id FROM orders WHERE created_at = $1",
        "INSERT INTO orders (id, customer_id, status, created_at, total) VALUES ($1, $2, $3, $4, $5)",
    ];
    let facts = workload(&catalog, &statements);
    let rows = no_rows();
    let index = btree("orders", &["created_at"]);

    // Read alone, the index pays.
    let quiet = run_select(
        &catalog,
        &facts,
        &rows,
        &[5.0, 1.0],
        vec![index.clone()],
        Limits::default(),
    );
    assert_eq!(quiet.chosen.len(), 1, "{quiet:#?}");
    assert!(quiet.chosen[0].write_overhead > 0.0);

    // A million logged inserts cost more to index than five lookups save.
    let busy = run_select(
        &catalog,
        &facts,
        &rows,
        &[5.0, 1_000_000.0],
        vec![index.clone()],
        Limits::default(),
    );
    assert!(busy.chosen.is_empty(), "{:#?}", chosen_defs(&busy));
    let rejected = busy
        .rejected
        .iter()
        .find(|r| r.def == index)
        .expect("the index is reported");
    match &rejected.reason {
        RejectReason::WritesOutweigh { write_overhead } => {
            assert!(*write_overhead >= 1_000_000.0, "{write_overhead}");
        }
        other => panic!("expected WritesOutweigh, got {other:?}"),
    }
    assert!(rejected.saving_alone < 0.0);
    assert_eq!(busy.total, busy.baseline);
}

#[test]
fn an_update_of_an_indexed_column_counts_against_the_index() {
    let mut catalog = large_shop();
    set_column(&mut catalog, "orders", "created_at", distinct(-0.9));
    let facts = workload(
        &catalog,
        &[
            "SELECT id FROM orders WHERE created_at = $1",
            "UPDATE orders SET created_at = $1 WHERE id = $2",
            "UPDATE orders SET note = $1 WHERE id = $2",
        ],
    );
    let rows = no_rows();
    let index = btree("orders", &["created_at"]);
    let plan = run_select(
        &catalog,
        &facts,
        &rows,
        &[5.0, 1_000_000.0, 1_000_000.0],
        vec![index.clone()],
        Limits::default(),
    );
    assert!(plan.chosen.is_empty(), "{:#?}", chosen_defs(&plan));
    let rejected = plan.rejected.iter().find(|r| r.def == index).unwrap();
    match &rejected.reason {
        // The first UPDATE writes the index; the second (note) does not.
        RejectReason::WritesOutweigh { write_overhead } => assert!(
            *write_overhead >= 1_000_000.0 && *write_overhead < 2.0 * 4.0 * 1_000_000.0 * 2.0,
            "{write_overhead}"
        ),
        other => panic!("expected WritesOutweigh, got {other:?}"),
    }
}

/// The least saving a chosen index must bring under the default limits.
fn min_gain(plan: &Plan) -> f64 {
    DEFAULT_MIN_SAVING_SHARE * plan.baseline
}

#[test]
fn every_chosen_index_saves_its_share_even_when_local_search_ends_above_greedy() {
    // Found by the property test: the greedy by saving-per-byte takes the small partial
    // index (c) WHERE d IS NULL first, then (c); with (c) in place the partial one saves
    // 0.07 % of the workload, under the 0.1 % an index must save by default, and local search drops
    // it. The total then ends *above* the greedy figure (by less than the threshold), so
    // `total <= greedy` is not an invariant of `select`; "each chosen index saves at least
    // min_saving_share of the baseline" is.
    let mut catalog = catalog_from(PROP_DDL);
    set_rows(&mut catalog, "t1", 4_297_036.0);
    set_column(&mut catalog, "t1", "c", distinct(77_016.0));
    set_column(
        &mut catalog,
        "t1",
        "d",
        ColumnStats {
            n_distinct: 1.0,
            null_frac: 0.01,
            ..ColumnStats::default()
        },
    );
    let facts = workload(
        &catalog,
        &[
            "SELECT id, d FROM t1 WHERE c = $1",
            "SELECT id, d FROM t1 WHERE c = $1 AND d IS NULL",
        ],
    );
    let rows = no_rows();
    let candidates = candidate_defs(&facts, &catalog, &rows);
    let partial = IndexDef {
        predicate: Some(PartialCondition::parse("d IS NULL")),
        ..btree("t1", &["c"])
    };
    assert!(candidates.contains(&partial), "{candidates:#?}");
    let plan = run_select(
        &catalog,
        &facts,
        &rows,
        &[6_607.0, 3_445.0],
        candidates,
        Limits {
            budget_bytes: Some(133_000_000.0),
            max_indexes: None,
            ..Limits::default()
        },
    );
    assert_eq!(chosen_defs(&plan), vec!["t1(c)"]);
    assert!(plan.total < plan.baseline * 0.01, "{plan:#?}");
    assert!(plan.greedy <= plan.baseline);
    assert!(
        plan.total - plan.greedy <= min_gain(&plan),
        "local search may give back at most one index's worth below the threshold: total \
         {} greedy {} min gain {}",
        plan.total,
        plan.greedy,
        min_gain(&plan)
    );
    for chosen in &plan.chosen {
        assert!(chosen.saving >= min_gain(&plan), "{}", chosen.def);
    }
    let left_out = plan.rejected.iter().find(|r| r.def == partial).unwrap();
    match left_out.reason {
        RejectReason::ServedByChosen { remaining_saving } => {
            assert!(remaining_saving > 0.0 && remaining_saving < min_gain(&plan));
        }
        ref other => panic!("{other:?}"),
    }
}

#[test]
fn local_search_does_not_end_with_an_index_under_the_minimum_saving() {
    // Found by the property test. Configurations (objective = Σ calls × cost):
    //   G = {(c) INCLUDE (d, id), (c, a)}                  1,853,649 (the greedy start)
    //   S = {(c) INCLUDE (d, id), (c, a) INCLUDE (b, d, id)} 1,824,439 (swap (c, a) → better)
    //   D = {(c, a) INCLUDE (b, d, id)}                    1,992,170 (drop: +167,731 ≤ min)
    //   from D, the refill without (c, a) INCLUDE … finds G again (lower) → G → S → D → …
    // After 100 rounds it stops on S, whose (c) INCLUDE (d, id) saves 167,731 while the
    // minimum is 0.1 % of 272,081,626 = 272,082.
    let mut catalog = catalog_from(PROP_DDL);
    set_rows(&mut catalog, "t1", 971_677.0);
    set_column(
        &mut catalog,
        "t1",
        "c",
        ColumnStats {
            n_distinct: 72_589.0,
            null_frac: 0.01,
            ..ColumnStats::default()
        },
    );
    let facts = workload(
        &catalog,
        &[
            "SELECT id, d FROM t1 WHERE c IS NULL",
            "SELECT * FROM t1 WHERE c = $1 AND a = $2",
        ],
    );
    let rows = no_rows();
    let candidates = candidate_defs(&facts, &catalog, &rows);
    let plan = run_select(
        &catalog,
        &facts,
        &rows,
        &[4_193.0, 7_285.0],
        candidates,
        Limits::default(),
    );
    assert!(plan.total < plan.baseline * 0.01);
    for chosen in &plan.chosen {
        assert!(
            chosen.saving >= min_gain(&plan),
            "{} saves {} < the minimum {} (chosen: {:?})",
            chosen.def,
            chosen.saving,
            min_gain(&plan),
            chosen_defs(&plan)
        );
    }
}

#[test]
fn every_chosen_ddl_reparses_with_the_postgres_dialect() {
    let (catalog, facts) = selection_setup();
    let rows = no_rows();
    let candidates = candidate_defs(&facts, &catalog, &rows);
    let plan = run_select(
        &catalog,
        &facts,
        &rows,
        SELECTION_CALLS,
        candidates.clone(),
        Limits::default(),
    );
    assert!(!plan.chosen.is_empty());
    // Every candidate's DDL, chosen or not, and both spellings.
    for def in candidates.iter().chain(plan.chosen.iter().map(|c| &c.def)) {
        for concurrently in [true, false] {
            let sql = def.create_sql(concurrently);
            let parsed = Parser::parse_sql(&PostgreSqlDialect {}, &sql)
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            assert_eq!(parsed.len(), 1, "{sql}");
            let Statement::CreateIndex(create) = &parsed[0] else {
                panic!("not CREATE INDEX: {sql}");
            };
            assert_eq!(create.concurrently, concurrently, "{sql}");
            assert_eq!(create.columns.len(), def.keys.len(), "{sql}");
            assert_eq!(create.include.len(), def.include.len(), "{sql}");
            assert_eq!(create.predicate.is_some(), def.predicate.is_some(), "{sql}");
            assert!(
                create.name.as_ref().unwrap().to_string().len() <= 63,
                "{sql}"
            );
            assert!(
                create.table_name.to_string().ends_with("orders")
                    || create.table_name.to_string().ends_with("customers")
            );
        }
    }
}

#[test]
fn a_created_index_is_no_longer_a_candidate() {
    let (catalog, facts) = selection_setup();
    let rows = no_rows();
    let candidates = candidate_defs(&facts, &catalog, &rows);
    let plan = run_select(
        &catalog,
        &facts,
        &rows,
        SELECTION_CALLS,
        candidates,
        Limits::default(),
    );
    assert!(plan.chosen.len() >= 2);
    let mut applied = catalog.clone();
    for chosen in &plan.chosen {
        let before = applied.indexes.len();
        // Through the schema loader: what `--schema` would read after the migration.
        let one = apply_ddl(&catalog, &format!("{};", chosen.def.create_sql(true)));
        assert_eq!(one.indexes.len(), catalog.indexes.len() + 1);
        let regenerated = candidate_defs(&facts, &one, &rows);
        assert!(
            !regenerated.contains(&chosen.def),
            "{} is still proposed after `{}`",
            chosen.def,
            chosen.def.create_sql(true)
        );
        applied = apply_ddl(&applied, &format!("{};", chosen.def.create_sql(false)));
        assert_eq!(applied.indexes.len(), before + 1);
    }
    // With every chosen index in place, none is proposed or chosen again.
    let regenerated = candidate_defs(&facts, &applied, &rows);
    for chosen in &plan.chosen {
        assert!(!regenerated.contains(&chosen.def), "{}", chosen.def);
    }
    let again = run_select(
        &applied,
        &facts,
        &rows,
        SELECTION_CALLS,
        regenerated,
        Limits::default(),
    );
    for chosen in &again.chosen {
        assert!(
            !plan.chosen.iter().any(|c| c.def == chosen.def),
            "{}",
            chosen.def
        );
    }
    // The existing indexes are in the model's baseline: it is no higher than the total
    // the first plan reached.
    assert!(
        again.baseline <= plan.total * (1.0 + 1e-9),
        "{} vs {}",
        again.baseline,
        plan.total
    );

    // The same through the catalog model directly: an Index added by hand.
    let first = &plan.chosen[0].def;
    let mut by_hand = catalog.clone();
    let index_name = QualifiedName::new("public", first.name());
    by_hand.indexes.insert(
        index_name.clone(),
        planwise::model::catalog::Index {
            name: index_name,
            table: first.table.clone(),
            method: IndexMethod::Btree,
            keys: first
                .keys
                .iter()
                .map(|k| planwise::model::catalog::IndexKey {
                    expression: k.expression.clone(),
                    is_column: k.is_column,
                    descending: k.descending,
                    nulls_first: None,
                    opclass: k.opclass.clone(),
                })
                .collect(),
            include: first.include.clone(),
            predicate: first.predicate.as_ref().map(ToString::to_string),
            ..Default::default()
        },
    );
    assert!(!candidate_defs(&facts, &by_hand, &rows).contains(first));
}

// ---------------------------------------------------------------------------------------
// 4. Properties over random small workloads
// ---------------------------------------------------------------------------------------

const PROP_DDL: &str = "
CREATE TABLE t1 (id bigint PRIMARY KEY, a int, b int, c int, d text);
CREATE TABLE t2 (id bigint PRIMARY KEY, a int, b int, c int, d text);
";
const PROP_COLUMNS: &[&str] = &["a", "b", "c", "d"];

#[derive(Debug, Clone)]
struct RandomPredicate {
    column: usize,
    operator: usize,
}

#[derive(Debug, Clone)]
enum RandomStatement {
    Select {
        table: usize,
        predicates: Vec<RandomPredicate>,
        star: bool,
        order: Option<(usize, bool)>,
        limit: Option<u32>,
        calls: f64,
    },
    Join {
        filter_column: usize,
        calls: f64,
    },
    Insert {
        table: usize,
        calls: f64,
    },
}

impl RandomStatement {
    fn sql(&self) -> String {
        match self {
            RandomStatement::Select {
                table,
                predicates,
                star,
                order,
                limit,
                ..
            } => {
                let operators = ["=", ">", "<", "=", "IS NULL"];
                let mut conditions = Vec::new();
                for (i, p) in predicates.iter().enumerate() {
                    let column = PROP_COLUMNS[p.column];
                    let operator = operators[p.operator];
                    if operator == "IS NULL" {
                        conditions.push(format!("{column} IS NULL"));
                    } else {
                        conditions.push(format!("{column} {operator} ${}", i + 1));
                    }
                }
                let mut sql = format!(
                    "SELECT {} FROM t{}",
                    if *star { "*" } else { "id, d" },
                    table + 1
                );
                if !conditions.is_empty() {
                    sql.push_str(&format!(" WHERE {}", conditions.join(" AND ")));
                }
                if let Some((column, descending)) = order {
                    sql.push_str(&format!(
                        " ORDER BY {}{}",
                        PROP_COLUMNS[*column],
                        if *descending { " DESC" } else { "" }
                    ));
                }
                if let Some(limit) = limit {
                    sql.push_str(&format!(" LIMIT {limit}"));
                }
                sql
            }
            RandomStatement::Join { filter_column, .. } => format!(
                "SELECT t1.id, t2.d FROM t1 JOIN t2 ON t2.a = t1.id WHERE t1.{} = $1",
                PROP_COLUMNS[*filter_column]
            ),
            RandomStatement::Insert { table, .. } => {
                format!("INSERT INTO t{} (id, a, b) VALUES ($1, $2, $3)", table + 1)
            }
        }
    }

    fn calls(&self) -> f64 {
        match self {
            RandomStatement::Select { calls, .. }
            | RandomStatement::Join { calls, .. }
            | RandomStatement::Insert { calls, .. } => *calls,
        }
    }
}

fn random_statement() -> impl Strategy<Value = RandomStatement> {
    let predicate = (0..PROP_COLUMNS.len(), 0..5usize)
        .prop_map(|(column, operator)| RandomPredicate { column, operator });
    let calls = prop_oneof![Just(1.0), 1.0..10_000.0f64];
    prop_oneof![
        6 => (
            0..2usize,
            prop::collection::vec(predicate, 0..4),
            any::<bool>(),
            prop::option::of((0..PROP_COLUMNS.len(), any::<bool>())),
            prop::option::of(1..100u32),
            calls.clone(),
        )
            .prop_map(|(table, predicates, star, order, limit, calls)| {
                RandomStatement::Select {
                    table,
                    predicates,
                    star,
                    order,
                    limit,
                    calls,
                }
            }),
        1 => (0..PROP_COLUMNS.len(), calls.clone())
            .prop_map(|(filter_column, calls)| RandomStatement::Join { filter_column, calls }),
        1 => (0..2usize, 1.0..100_000.0f64)
            .prop_map(|(table, calls)| RandomStatement::Insert { table, calls }),
    ]
}

#[derive(Debug, Clone)]
struct RandomTable {
    rows: f64,
    /// Rows given as `--table-rows` rather than statistics.
    given: bool,
    /// n_distinct per column (None: no statistics).
    distinct: Vec<Option<f64>>,
}

fn random_table() -> impl Strategy<Value = RandomTable> {
    (
        prop_oneof![Just(1.0), 10.0..5_000_000.0f64],
        any::<bool>(),
        prop::collection::vec(
            prop::option::of(prop_oneof![1.0..100_000.0f64, -1.0..-0.01f64]),
            PROP_COLUMNS.len(),
        ),
    )
        .prop_map(|(rows, given, distinct)| RandomTable {
            rows: rows.round(),
            given,
            distinct,
        })
}

fn random_limits() -> impl Strategy<Value = Limits> {
    (
        prop::option::of(0.0..200_000_000.0f64),
        prop::option::of(0..4usize),
        prop_oneof![Just(0.0), Just(DEFAULT_MIN_SAVING_SHARE), Just(0.005)],
    )
        .prop_map(|(budget_bytes, max_indexes, min_saving_share)| Limits {
            budget_bytes,
            max_indexes,
            min_saving_share,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_workloads_respect_the_limits_and_never_cost_more(
        tables in prop::collection::vec(random_table(), 2),
        statements in prop::collection::vec(random_statement(), 1..6),
        limits in random_limits(),
    ) {
        let mut catalog = catalog_from(PROP_DDL);
        let mut rows = no_rows();
        for (i, spec) in tables.iter().enumerate() {
            let table = format!("t{}", i + 1);
            if spec.given {
                rows.insert(name(&table), spec.rows);
            } else {
                set_rows(&mut catalog, &table, spec.rows);
            }
            for (column, n) in PROP_COLUMNS.iter().zip(&spec.distinct) {
                if let Some(n) = n {
                    set_column(&mut catalog, &table, column, ColumnStats {
                        n_distinct: *n,
                        null_frac: 0.01,
                        ..ColumnStats::default()
                    });
                }
            }
        }
        let sql: Vec<String> = statements.iter().map(RandomStatement::sql).collect();
        let calls: Vec<f64> = statements.iter().map(RandomStatement::calls).collect();
        let refs: Vec<&str> = sql.iter().map(String::as_str).collect();
        let facts = workload(&catalog, &refs);
        let candidates = candidate_defs(&facts, &catalog, &rows);
        let plan = run_select(&catalog, &facts, &rows, &calls, candidates.clone(), limits);

        let tolerance = 1e-9 * plan.baseline.abs().max(1.0);
        let least = limits.min_saving_share * plan.baseline;
        prop_assert!(plan.baseline.is_finite() && plan.total.is_finite(), "{plan:#?}");
        prop_assert!(
            plan.total <= plan.baseline + tolerance,
            "total {} > baseline {} for {sql:#?}", plan.total, plan.baseline
        );
        // Local search drops indexes that save under MIN_SAVING_SHARE, which may leave the
        // total above the greedy figure by at most that much per index dropped (see
        // `every_chosen_index_saves_its_share_even_when_local_search_ends_above_greedy`).
        prop_assert!(
            plan.total <= plan.greedy + candidates.len() as f64 * least + tolerance,
            "total {} > greedy {} for {sql:#?}", plan.total, plan.greedy
        );
        // (Each chosen index saving at least `least` would be an invariant too, but local
        // search can cycle: see `local_search_does_not_end_with_an_index_under_the_minimum_saving`.)
        prop_assert!(
            plan.greedy <= plan.baseline + tolerance,
            "greedy {} > baseline {} for {sql:#?}", plan.greedy, plan.baseline
        );
        let used: f64 = plan.chosen.iter().map(|c| c.size_bytes).sum();
        if let Some(budget) = limits.budget_bytes {
            prop_assert!(used <= budget, "{used} bytes chosen within {budget}");
        }
        if let Some(max) = limits.max_indexes {
            prop_assert!(plan.chosen.len() <= max, "{} chosen, max {max}", plan.chosen.len());
        }
        for (i, chosen) in plan.chosen.iter().enumerate() {
            prop_assert!(candidates.contains(&chosen.def), "{}", chosen.def);
            prop_assert!(
                !plan.chosen[..i].iter().any(|other| other.def == chosen.def),
                "{} chosen twice", chosen.def
            );
            prop_assert!(chosen.size_bytes > 0.0 && chosen.size_bytes.is_finite());
        }
        prop_assert!(plan.uncosted.is_empty(), "{:?}", plan.uncosted);
    }
}
