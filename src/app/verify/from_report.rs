//! `verify --from report.json`: the recommendations of a saved `analyze --format json`
//! report, measured on a scratch copy where the log is not at hand. The statements come
//! from the report (each with the values of its slowest logged call), the schema from the
//! scratch copy itself.

use super::super::{AnalyzeRun, LiveRead, read_live};
use crate::analysis::index::definition::IndexDef;
use crate::analysis::index::selection::{Chosen, Served};
use crate::analysis::join_graph::JoinGraph;
use crate::analysis::statements::analyze_statements;
use crate::cli::InputArgs;
use crate::findings::saved::{SavedFinding, SavedReport, parse_fingerprint};
use crate::findings::{Category, Finding};
use crate::model::catalog::Catalog;
use crate::model::ddl::loader::SchemaLoader;
use crate::model::diagnostics::{Diagnostics, Kind};
use crate::rules;
use anyhow::Context;
use std::path::Path;

/// The report's findings as this build's, and the indexes it recommends in its order.
pub(super) fn read(path: &Path, input: &InputArgs) -> anyhow::Result<(AnalyzeRun, Vec<Chosen>)> {
    let source = path.display().to_string();
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {source}"))?;
    let report =
        SavedReport::parse(&text).map_err(|reason| anyhow::anyhow!("{source}: {reason}"))?;
    let (mut profile, unreadable) = report.profile();
    for fingerprint in unreadable {
        let reason =
            format!("query `{fingerprint}` left out: its fingerprint is not 16 hex digits");
        profile
            .diagnostics
            .note(Kind::ReportEntryLeftOut, &source, reason);
    }
    let live = read_live(input, LiveRead::Catalog, false)?;
    live.problems.report(&mut profile);
    let catalog = live
        .catalog
        .context("verify --from needs the scratch copy's catalog")?;
    let statements = analyze_statements(&profile, Some(&catalog), &catalog.search_path());
    statements.report_failures(&mut profile.diagnostics);
    let saved = report.findings.unwrap_or_default();
    let mut findings = known_findings(saved, &source, &mut profile.diagnostics);
    let chosen = recommended_indexes(&mut findings, &catalog, &source, &mut profile.diagnostics);
    let join_graph = JoinGraph::build(&statements.facts, &profile, Some(&catalog));
    let run = AnalyzeRun {
        profile,
        catalog: Some(catalog),
        schema_counts: None,
        statements,
        join_graph,
        index_plan: None,
        findings,
        suppressed: 0,
    };
    Ok((run, chosen))
}

/// The saved findings whose rule this build has; the others are noted and left out.
fn known_findings(
    saved: Vec<SavedFinding>,
    source: &str,
    diagnostics: &mut Diagnostics,
) -> Vec<Finding> {
    saved
        .into_iter()
        .filter_map(|saved| {
            let Some(rule) = rules::find(&saved.rule) else {
                let reason = format!("a finding of rule {} left out: no such rule", saved.rule);
                diagnostics.note(Kind::ReportEntryLeftOut, source, reason);
                return None;
            };
            Some(Finding {
                severity: saved.severity,
                message: saved.message,
                table: saved.table,
                columns: saved.columns,
                sql: saved.sql,
                estimated_saving: saved.estimated_saving,
                queries: saved.queries,
                index: saved.index,
                ..rule.finding()
            })
        })
        .collect()
}

/// Each index a finding creates, in the report's order, read from its `CREATE INDEX` on
/// the scratch copy's catalog, with the statements the report says it serves. The finding
/// then names the index as this build writes it, which is how its measures find it.
fn recommended_indexes(
    findings: &mut [Finding],
    catalog: &Catalog,
    source: &str,
    diagnostics: &mut Diagnostics,
) -> Vec<Chosen> {
    let mut chosen = Vec::new();
    for finding in findings
        .iter_mut()
        .filter(|f| f.category == Category::Index)
    {
        let (Some(sql), Some(evidence)) = (&finding.sql, &mut finding.index) else {
            continue;
        };
        let Some(def) = index_created_by(sql, catalog) else {
            let reason =
                format!("`{sql}` left out: not one CREATE INDEX on a table of the scratch copy");
            diagnostics.note(Kind::ReportEntryLeftOut, source, reason);
            continue;
        };
        let served = evidence
            .served
            .iter()
            .filter_map(|served| {
                Some(Served {
                    query: parse_fingerprint(&served.fingerprint)?,
                    calls: served.calls as f64,
                    weight: served.calls as f64,
                    before: served.cost_before,
                    after: served.cost_after,
                })
            })
            .collect();
        evidence.index = def.to_string();
        let saving = finding.estimated_saving.as_ref();
        chosen.push(Chosen {
            def,
            size_bytes: evidence.size_bytes,
            write_overhead: saving.map_or(0.0, |s| s.write_overhead),
            saving: saving.map_or(0.0, |s| s.cost_units),
            saving_alone: saving.map_or(0.0, |s| s.cost_units),
            cumulative_saving: 0.0,
            served,
        });
    }
    chosen
}

/// The index `sql` creates, as the catalog with it applied holds it: `None` unless it is
/// one statement creating one index on a table of the catalog. Only the definition is
/// kept: what `verify` builds is its own `CREATE INDEX`, never the report's text.
fn index_created_by(sql: &str, catalog: &Catalog) -> Option<IndexDef> {
    let mut loader = SchemaLoader::new(catalog.clone());
    loader.load_script(sql, "report");
    let after = loader.finish();
    if (after.statements, after.applied) != (1, 1) {
        return None;
    }
    let mut created = after
        .catalog
        .indexes
        .iter()
        .filter(|(name, _)| !catalog.indexes.contains_key(*name));
    let (_, index) = created.next()?;
    if created.next().is_some() {
        return None;
    }
    IndexDef::of_existing(index)
}
