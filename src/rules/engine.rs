//! The rule engine: the one place rules are run, for `planwise analyze` (the workload
//! rules, on the shared analysis) and `planwise check` (the migration rules, on each
//! statement as `analysis::migration` walks the files). Both go through the same selection
//! (`planwise.toml` and `--select`/`--ignore`), the same severity overrides and, where the
//! input has them, the same suppression comments; every finding is admitted with the rule
//! that made it in hand, so no rule is looked up again by its id.

use super::{Check, Context, RULES, Rule};
use crate::analysis::migration::script::{MigrationFile, MigrationStatement, names_rule};
use crate::analysis::migration::{
    Environment, FileEndCheck, MigrationScript, MigrationWalk, StatementChecks, StatementContext,
    walk_migrations,
};
use crate::findings::{Finding, Severity};
use crate::model::catalog::{Catalog, QualifiedName};
use crate::model::diagnostics::{Diagnostics, Example, Kind};
use std::collections::BTreeSet;

/// Which rules run, at which severity (from `planwise.toml` and the command line).
pub trait RuleSelection {
    /// `None` when the rule is off; else the severity it reports at (`found`, the severity
    /// the rule gave, or the configured one).
    fn severity(&self, rule: &Rule, found: Severity) -> Option<Severity>;

    /// Whether a workload finding of `rule` is suppressed (`[[suppress]]` in planwise.toml),
    /// given the normalized text of a statement by fingerprint.
    fn suppressed(
        &self,
        _rule: &Rule,
        _finding: &Finding,
        _statement_text: &dyn Fn(&str) -> Option<String>,
    ) -> bool {
        false
    }
}

/// Every rule on, at its own severity.
pub struct AllRules;

impl RuleSelection for AllRules {
    fn severity(&self, _: &Rule, found: Severity) -> Option<Severity> {
        Some(found)
    }
}

/// The finding as the selection admits it: `None` when its rule is off, else at the
/// configured severity.
fn admit(selection: &dyn RuleSelection, rule: &Rule, mut finding: Finding) -> Option<Finding> {
    finding.severity = selection.severity(rule, finding.severity)?;
    Some(finding)
}

/// What the workload rules found.
#[derive(Debug, Default)]
pub struct WorkloadFindings {
    pub findings: Vec<Finding>,
    /// Findings left out by `[[suppress]]` entries.
    pub suppressed: u64,
}

/// Runs the selected workload rules; findings sorted by severity, then saving, then rule
/// and table, those the selection suppresses left out and counted.
pub fn run(context: &Context<'_>, selection: &dyn RuleSelection) -> WorkloadFindings {
    let statement_text = |fingerprint: &str| {
        let id = u64::from_str_radix(fingerprint, 16).ok()?;
        Some(context.profile.queries.get(&id)?.normalized.clone())
    };
    let mut findings = Vec::new();
    let mut suppressed = 0;
    let mut found = Vec::new();
    for rule in RULES {
        let Check::Workload(check) = rule.check else {
            continue;
        };
        // A rule that is off is not run: workload rules have no effect but their findings.
        if selection.severity(rule, rule.severity).is_none() {
            continue;
        }
        check(context, &mut found);
        for finding in found.drain(..) {
            if selection.suppressed(rule, &finding, &statement_text) {
                suppressed += 1;
            } else {
                findings.extend(admit(selection, rule, finding));
            }
        }
    }
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| saving(b).total_cmp(&saving(a)))
            .then_with(|| a.rule.cmp(b.rule))
            .then_with(|| a.table.cmp(&b.table))
            .then_with(|| a.sql.cmp(&b.sql))
    });
    WorkloadFindings {
        findings,
        suppressed,
    }
}

fn saving(finding: &Finding) -> f64 {
    finding
        .estimated_saving
        .as_ref()
        .map_or(0.0, |s| s.cost_units)
}

/// What checking a set of migrations found.
#[derive(Debug, Default)]
pub struct CheckOutcome {
    pub findings: Vec<Finding>,
    pub diagnostics: Diagnostics,
    pub files: u64,
    pub statements: u64,
    /// Findings left out by suppression comments.
    pub suppressed: u64,
    /// The tables neither the schema nor the migrations created, checked as existing tables
    /// of unknown size and traffic.
    pub assumed_tables: BTreeSet<QualifiedName>,
    /// Every statement not understood, with its place and kind.
    pub unparsed: Vec<crate::model::ddl::loader::SkippedStatement>,
    /// The schema after the migrations.
    pub schema: crate::model::ddl::loader::SchemaLoad,
}

/// Checks the scripts in order, each applied on top of the ones before, starting from
/// `base`; findings sorted by place, then rule, then message.
pub fn check_migrations(
    scripts: &[MigrationScript],
    base: Catalog,
    environment: &Environment<'_>,
    selection: &dyn RuleSelection,
) -> CheckOutcome {
    let mut engine = MigrationEngine {
        selection,
        diagnostics: Diagnostics::default(),
        findings: Vec::new(),
        suppressed: 0,
        file_ignored: Vec::new(),
        file_end: Vec::new(),
    };
    let MigrationWalk {
        mut diagnostics,
        files,
        statements,
        assumed_tables,
        unparsed,
        schema,
    } = walk_migrations(scripts, base, environment, &mut engine);
    diagnostics.merge(engine.diagnostics);
    let mut findings = engine.findings;
    findings.sort_by(|a, b| {
        a.location
            .cmp(&b.location)
            .then_with(|| a.rule.cmp(b.rule))
            .then_with(|| a.message.cmp(&b.message))
    });
    CheckOutcome {
        findings,
        diagnostics,
        files,
        statements,
        suppressed: engine.suppressed,
        assumed_tables,
        unparsed,
        schema,
    }
}

/// The migration rules run on each statement of a walk.
struct MigrationEngine<'s> {
    selection: &'s dyn RuleSelection,
    /// Suppression comments naming no rule.
    diagnostics: Diagnostics,
    findings: Vec<Finding>,
    suppressed: u64,
    /// The current file's `planwise-ignore-file` rules.
    file_ignored: Vec<String>,
    /// The decisions rules left for the end of the current file, each with its rule and
    /// whether the statement's comments suppress that rule.
    file_end: Vec<(&'static Rule, bool, FileEndCheck)>,
}

impl MigrationEngine<'_> {
    /// Adds a finding of `rule`, unless suppressed or turned off.
    fn report(&mut self, rule: &Rule, suppressed: bool, finding: Finding) {
        if suppressed {
            self.suppressed += 1;
        } else if let Some(finding) = admit(self.selection, rule, finding) {
            self.findings.push(finding);
        }
    }

    /// Whether a suppression comment of the file or of the statement names `rule`.
    fn is_suppressed(&self, statement: &MigrationStatement<'_>, rule: &Rule) -> bool {
        names_rule(&self.file_ignored, rule.id, rule.name)
            || names_rule(&statement.ignored, rule.id, rule.name)
    }
}

impl StatementChecks for MigrationEngine<'_> {
    fn start_file(&mut self, script: &MigrationScript, file: &MigrationFile<'_>) {
        for (line, rule) in &file.suppressions {
            if super::find(rule).is_none() {
                self.diagnostics.report(Kind::UnknownRule, || Example {
                    file: script.file.clone(),
                    line: *line as u64,
                    reason: format!(
                        "`planwise-ignore {rule}` names no rule (planwise rules lists them)"
                    ),
                });
            }
        }
        self.file_ignored = file.ignored.clone();
    }

    fn statement(&mut self, context: &StatementContext<'_>) {
        let mut found = Vec::new();
        for rule in RULES {
            let Check::Migration(check) = rule.check else {
                continue;
            };
            // Every rule runs, selected or not: what a rule asks of the context (the tables
            // it takes to exist) is reported whichever rules are on.
            check(context, &mut found);
            let left = context.take_file_end_checks();
            if found.is_empty() && left.is_empty() {
                continue;
            }
            let suppressed = self.is_suppressed(context.statement, rule);
            for finding in found.drain(..) {
                self.report(rule, suppressed, finding);
            }
            self.file_end
                .extend(left.into_iter().map(|check| (*rule, suppressed, check)));
        }
    }

    fn end_file(&mut self, catalog: &Catalog) {
        for (rule, suppressed, check) in std::mem::take(&mut self.file_end) {
            if let Some(finding) = check(catalog) {
                self.report(rule, suppressed, finding);
            }
        }
    }
}
