//! Wiring for index advice (`analyze`) and `whatif`: which statements can be costed, which
//! cost model answers (HypoPG on `--db` when it has it, else the offline model), and what
//! could not be costed, reported as diagnostics.

use crate::analysis::facts::{QueryFacts, StatementKind};
use crate::analysis::index::candidates::generate;
use crate::analysis::index::cost::{AfterCut, CostModel, CutShort};
use crate::analysis::index::definition::IndexDef;
use crate::analysis::index::evidence::LoggedEvidence;
use crate::analysis::index::offline::OfflineModel;
use crate::analysis::index::selection::{Limits, Plan, WorkloadQuery, select};
use crate::analysis::index::whatif::{Comparison, compare_workload};
use crate::cli::{CostArgs, CostModelChoice, IndexArgs, InputArgs, WhatifArgs};
use crate::db::explain::Explainable;
use crate::db::whatif::HypoPg;
use crate::model::catalog::{Catalog, QualifiedName};
use crate::model::ddl::DdlApplier;
use crate::model::diagnostics::{Diagnostics, Kind};
use crate::model::workload::{Profile, QueryStats, ValueSets};
use crate::sql::fingerprint::format_id;
use crate::sql::parameters::parse_logged_parameters;
use crate::sql::parse::parse_sql;
use crate::sql::reorder::table_first_variants;
use sqlparser::ast::Statement;
use std::collections::BTreeMap;

/// The workload's statements that have facts and ran.
pub(super) type Statements<'a> = Vec<(u64, &'a QueryFacts, &'a QueryStats)>;

fn statements<'a>(profile: &'a Profile, facts: &'a BTreeMap<u64, QueryFacts>) -> Statements<'a> {
    facts
        .iter()
        .filter(|(_, f)| f.kind != StatementKind::Other)
        .filter_map(|(id, f)| Some((*id, f, profile.queries.get(id)?)))
        .collect()
}

fn workload<'a>(statements: &Statements<'a>) -> Vec<WorkloadQuery<'a>> {
    statements
        .iter()
        .map(|(id, facts, stats)| WorkloadQuery {
            id: *id,
            calls: stats.calls.max(1) as f64,
            logged_ms: logged_ms(stats),
            facts,
        })
        .collect()
}

/// The time the log measured for all of a statement's calls: its timed calls' total, scaled
/// to the calls that were not timed (sampled logging) by their mean.
fn logged_ms(stats: &QueryStats) -> Option<f64> {
    (stats.timed_calls > 0)
        .then(|| stats.total_us as f64 / 1000.0 * stats.calls as f64 / stats.timed_calls as f64)
}

/// The cost model the arguments ask for and the inputs allow.
enum Model<'a> {
    Live(Box<HypoPg>),
    Offline(OfflineModel<'a>),
}

impl Model<'_> {
    fn as_dyn(&mut self) -> &mut dyn CostModel {
        match self {
            Model::Live(model) => model.as_mut(),
            Model::Offline(model) => model,
        }
    }
}

fn choose_model<'a>(
    input: &InputArgs,
    cost: &'a CostArgs,
    catalog: &'a Catalog,
    facts: &'a BTreeMap<u64, QueryFacts>,
    statements: &Statements<'_>,
    problems: &mut Diagnostics,
) -> Option<Model<'a>> {
    let wants_live = cost.cost_model != CostModelChoice::Offline;
    if let (Some(url), true, true) = (&input.db, wants_live, catalog.server.is_some()) {
        match HypoPg::open(
            url,
            cost.whatif_connections,
            explainable(statements, catalog),
            cost.trust_functions,
        ) {
            Ok(model) => return Some(Model::Live(Box::new(model))),
            Err(error) => problems.note(Kind::WhatifUnavailable, "--db", error.to_string()),
        }
    }
    if cost.cost_model == CostModelChoice::Whatif {
        problems.note(
            Kind::WhatifUnavailable,
            "--cost-model",
            "what-if costing needs --db with HypoPG installed",
        );
        return None;
    }
    Some(Model::Offline(OfflineModel::new(
        catalog,
        facts,
        &cost.table_rows,
    )))
}

/// The index advisor: candidates from the facts, the workload-wide choice.
pub fn advise(
    input: &InputArgs,
    args: &IndexArgs,
    profile: &mut Profile,
    facts: &BTreeMap<u64, QueryFacts>,
    catalog: &Catalog,
) -> Option<Plan> {
    let mut problems = Diagnostics::default();
    let plan = {
        let mut statements = statements(profile, facts);
        // The statements that take the most logged time (else run most often) first; the
        // advice considers the top ones, and those the logged plans show need an index.
        statements.sort_by(|a, b| {
            (b.2.total_us, b.2.calls)
                .cmp(&(a.2.total_us, a.2.calls))
                .then(a.0.cmp(&b.0))
        });
        let evidence = LoggedEvidence::of(profile, facts, catalog);
        let all = statements.len();
        let statements = top_and_evidenced(statements, args.advise_top, &evidence);
        let left_out = all - statements.len();
        let considered: BTreeMap<u64, QueryFacts> = statements
            .iter()
            .map(|(id, facts, _)| (*id, (*facts).clone()))
            .collect();
        let facts = &considered;
        let queries = workload(&statements);
        if queries.is_empty() {
            return None;
        }
        let fixed_values = statements
            .iter()
            .filter(|(_, _, stats)| matches!(stats.values, ValueSets::One(_)))
            .map(|(id, _, _)| *id)
            .collect();
        let candidates: Vec<IndexDef> = generate(
            facts,
            catalog,
            &args.cost.table_rows,
            &fixed_values,
            &evidence,
        )
        .into_iter()
        .map(|c| c.def)
        .collect();
        let limits = Limits {
            budget_bytes: args.budget,
            max_indexes: args.max_indexes,
            min_saving_share: args.min_saving / 100.0,
        };
        let mut model = choose_model(
            input,
            &args.cost,
            catalog,
            facts,
            &statements,
            &mut problems,
        );
        let plan = model
            .as_mut()
            .map(|m| select(m.as_dyn(), &queries, candidates.clone(), catalog, limits));
        note_failures(model.as_ref(), profile, &mut problems);
        let Some(mut plan) = plan else {
            report(profile, problems);
            return None;
        };
        if let Some(cut) = model.as_ref().and_then(|m| cut_short(m, &args.cost)) {
            match cut.instead {
                AfterCut::OfflineModel => {
                    let mut offline = OfflineModel::new(catalog, facts, &args.cost.table_rows);
                    plan = select(&mut offline, &queries, candidates, catalog, limits);
                }
                AfterCut::Partial => plan.uncosted = uncosted_after(model.as_ref(), plan.uncosted),
            }
            problems.note(Kind::WhatifCutShort, "--db", cut.describe());
            plan.cut_short = Some(cut);
        }
        Some(Plan {
            left_out,
            evidence,
            ..plan
        })
    };
    report(profile, problems);
    plan
}

/// The first `top` statements, and beyond them those whose logged plan read a table to throw
/// most of it away: the log's own evidence that an index is missing is never left out.
fn top_and_evidenced<'a>(
    statements: Statements<'a>,
    top: usize,
    evidence: &LoggedEvidence,
) -> Statements<'a> {
    statements
        .into_iter()
        .enumerate()
        .filter(|(rank, (id, _, _))| *rank < top || evidence.filtering_scans.contains_key(id))
        .map(|(_, statement)| statement)
        .collect()
}

/// `planwise whatif`: the workload's cost without and with the proposed indexes.
pub fn compare(
    args: &WhatifArgs,
    profile: &mut Profile,
    facts: &BTreeMap<u64, QueryFacts>,
    catalog: &Catalog,
) -> anyhow::Result<Comparison> {
    let proposed = proposed_indexes(&args.indexes, catalog)?;
    let mut problems = Diagnostics::default();
    let comparison = {
        let statements = statements(profile, facts);
        let queries = workload(&statements);
        let mut model = choose_model(
            &args.input,
            &args.cost,
            catalog,
            facts,
            &statements,
            &mut problems,
        )
        .ok_or_else(|| anyhow::anyhow!("no cost model: what-if needs --db with HypoPG"))?;
        let mut comparison =
            compare_workload(model.as_dyn(), &queries, &proposed, &profile.queries);
        note_failures(Some(&model), profile, &mut problems);
        unsized_index(&comparison, &model)?;
        if let Some(cut) = cut_short(&model, &args.cost) {
            match cut.instead {
                AfterCut::OfflineModel => {
                    let mut offline = OfflineModel::new(catalog, facts, &args.cost.table_rows);
                    comparison =
                        compare_workload(&mut offline, &queries, &proposed, &profile.queries);
                }
                AfterCut::Partial => {
                    let ids = uncosted_after(Some(&model), Vec::new());
                    comparison.uncosted.extend(ids.into_iter().map(format_id));
                    comparison.uncosted.sort();
                    comparison.uncosted.dedup();
                }
            }
            problems.note(Kind::WhatifCutShort, "--db", cut.describe());
            comparison.cut_short = Some(cut);
        }
        comparison
    };
    report(profile, problems);
    Ok(comparison)
}

/// Each `--index` must be one `CREATE INDEX` on a table of the catalog.
fn proposed_indexes(texts: &[String], catalog: &Catalog) -> anyhow::Result<Vec<IndexDef>> {
    let mut defs = Vec::new();
    for text in texts {
        let statements = parse_sql(text).map_err(|e| anyhow::anyhow!("--index `{text}`: {e}"))?;
        let [statement @ Statement::CreateIndex(_)] = statements.as_slice() else {
            anyhow::bail!("--index `{text}`: give exactly one CREATE INDEX statement");
        };
        let mut applier = DdlApplier::new(catalog.clone());
        let outcome = applier.apply(statement);
        if let Some(problem) = outcome.problems.first() {
            anyhow::bail!("--index `{text}`: {}", problem.message);
        }
        let added: Vec<IndexDef> = applier
            .catalog()
            .indexes
            .iter()
            .filter(|(name, _)| !catalog.indexes.contains_key(name))
            .filter_map(|(_, index)| IndexDef::of_existing(index))
            .collect();
        match added.as_slice() {
            [def] => defs.push(def.clone()),
            _ => anyhow::bail!(
                "--index `{text}`: not a CREATE INDEX on a table of the schema (with a method \
                 planwise models: btree, gin, brin)"
            ),
        }
    }
    Ok(defs)
}

/// A proposed index the model could not size cannot be compared: HypoPG refused it (a
/// volatile function in its condition, a method it cannot simulate) and says why.
fn unsized_index(comparison: &Comparison, model: &Model<'_>) -> anyhow::Result<()> {
    let Some(index) = comparison
        .indexes
        .iter()
        .find(|i| !i.size_bytes.is_finite())
    else {
        return Ok(());
    };
    let reason = match model {
        Model::Live(model) => model.size_failures.get(&index.index).cloned(),
        Model::Offline(_) => None,
    };
    anyhow::bail!(
        "--index `{}`: cannot be simulated: {}",
        index.index,
        reason.unwrap_or_else(|| "its size cannot be estimated".into())
    )
}

/// The errors of the live model's sessions whose server stopped answering.
fn lost_errors(model: Option<&Model<'_>>) -> Vec<String> {
    match model {
        Some(Model::Live(model)) => model.lost().iter().map(ToString::to_string).collect(),
        _ => Vec::new(),
    }
}

/// When the live model lost its server: how much went uncosted, and what the advice rests
/// on instead (the offline model, unless `--cost-model whatif` forbids it).
fn cut_short(model: &Model<'_>, cost: &CostArgs) -> Option<CutShort> {
    let Model::Live(live) = model else {
        return None;
    };
    let lost = lost_errors(Some(model));
    let reason = lost.first()?.clone();
    Some(CutShort {
        reason,
        statements_uncosted: live.failures.values().filter(|r| lost.contains(r)).count(),
        instead: match cost.cost_model {
            CostModelChoice::Whatif => AfterCut::Partial,
            CostModelChoice::Auto | CostModelChoice::Offline => AfterCut::OfflineModel,
        },
    })
}

/// `uncosted` and the statements whose costing failed because the server was lost, sorted.
fn uncosted_after(model: Option<&Model<'_>>, mut uncosted: Vec<u64>) -> Vec<u64> {
    let lost = lost_errors(model);
    if let Some(Model::Live(model)) = model {
        let failed = model.failures.iter().filter(|(_, r)| lost.contains(r));
        uncosted.extend(failed.map(|(id, _)| *id));
    }
    uncosted.sort_unstable();
    uncosted.dedup();
    uncosted
}

/// Each statement the live model could not cost, as a diagnostic; those lost with the
/// server are counted once instead (`whatif_cut_short`); those the safety gate refused are
/// `whatif_refused`.
fn note_failures(model: Option<&Model<'_>>, profile: &Profile, problems: &mut Diagnostics) {
    let lost = lost_errors(model);
    let Some(Model::Live(model)) = model else {
        return;
    };
    for (id, reason) in &model.refused {
        let reason = format!("not planned: {reason}");
        problems.note(Kind::WhatifRefused, location_of(profile, *id), reason);
    }
    for (id, reason) in model.failures.iter().filter(|(_, r)| !lost.contains(r)) {
        problems.note(
            Kind::WhatifFailed,
            location_of(profile, *id),
            reason.as_str(),
        );
    }
}

/// Where the statement's sample was read, else its fingerprint.
fn location_of(profile: &Profile, id: u64) -> String {
    profile
        .queries
        .get(&id)
        .and_then(|s| s.sample.as_ref())
        .and_then(|s| s.location.clone())
        .unwrap_or_else(|| format_id(id))
}

/// Says on stderr what changed the run's costing, and adds the problems to its diagnostics.
fn report(profile: &mut Profile, problems: Diagnostics) {
    for reason in problems.reasons(Kind::WhatifUnavailable) {
        eprintln!("planwise: {reason}; what-if costing is not available");
    }
    for reason in problems.reasons(Kind::WhatifCutShort) {
        eprintln!("planwise: {reason}");
    }
    profile.diagnostics.merge(problems);
}

/// The statements the what-if model may plan: each fingerprint's sample with its values.
pub(super) fn explainable(statements: &Statements<'_>, catalog: &Catalog) -> Vec<Explainable> {
    statements
        .iter()
        .map(|(id, facts, stats)| {
            let sample = stats.sample.as_ref();
            let text = sample.map_or(&stats.normalized, |s| &s.statement);
            Explainable {
                id: *id,
                text: text.clone(),
                parameters: sample
                    .and_then(|s| s.parameters.as_deref())
                    .map(parse_logged_parameters)
                    .unwrap_or_default(),
                partial_indexes_on: match facts.tables.as_slice() {
                    [only] => Some(only.table.clone()),
                    _ => facts.first_relation.clone(),
                }
                .filter(|_| known_tables_only(facts, catalog)),
                with_first: other_tables_first(facts, catalog, text),
            }
        })
        .collect()
}

/// Every relation the statement reads is a table of the catalog (no view, nothing unknown).
fn known_tables_only(facts: &QueryFacts, catalog: &Catalog) -> bool {
    !facts.reads_unknown_relation
        && facts
            .tables
            .iter()
            .all(|t| catalog.tables.contains_key(&t.table))
}

/// The statement with each other table it reads once moved first in FROM, when its first
/// relation is sure (one query block, tables only).
fn other_tables_first(
    facts: &QueryFacts,
    catalog: &Catalog,
    text: &str,
) -> BTreeMap<QualifiedName, String> {
    if facts.first_relation.is_none() || !known_tables_only(facts, catalog) {
        return BTreeMap::new();
    }
    let once =
        |table: &QualifiedName| facts.tables.iter().filter(|t| t.table == *table).count() == 1;
    table_first_variants(text)
        .into_iter()
        .filter_map(|(position, text)| {
            let table = &facts.tables.get(position)?.table;
            once(table).then(|| (table.clone(), text))
        })
        .collect()
}
