//! `planwise.toml`: which rules run and at what severity, and the settings of `planwise
//! check`. Parsing and rule selection are pure; finding the file (walking up from the
//! current directory) is the app's job.
//!
//! ```toml
//! [rules]
//! select = ["MIG", "IDX001"]          # ids, id prefixes, names or ALL; default: every rule
//! extend_select = ["STAT001"]         # on top of `select` (also spelt `extend-select`)
//! ignore = ["missing-lock-timeout"]
//! severity = { MIG001 = "error" }
//!
//! [[suppress]]                       # a workload finding `analyze` leaves out
//! rule = "IDX005"                     # id, id prefix, name or ALL
//! table = "public.audit_*"            # and/or: fingerprint = "…", statement = "select * from pg_*"
//! reason = "kept for the monthly export"
//!
//! [check]
//! pg_version = 15
//! assume_in_transaction = true
//! fail_on = "warning"
//! small_table_rows = 10000
//! large_table_rows = 1000000
//! busy_table_calls_per_second = 100
//! ```

use crate::analysis::migration::impact::Thresholds;
use crate::findings::{Finding, Severity};
use crate::rules::engine::RuleSelection;
use crate::rules::{RULES, Rule};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub rules: RulesConfig,
    pub check: CheckConfig,
    /// `[[suppress]]`: workload findings left out (and counted).
    #[serde(rename = "suppress")]
    pub suppressions: Vec<Suppression>,
    /// `--select`, `--extend-select` and `--ignore`: a selection over the file's.
    #[serde(skip)]
    pub command_line: RuleLayer,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RulesConfig {
    /// Rules that run (ids, id prefixes like `MIG`, names, or `ALL`); empty means all.
    pub select: Vec<String>,
    /// Rules that run on top of `select`.
    #[serde(alias = "extend-select")]
    pub extend_select: Vec<String>,
    /// Rules that do not run.
    pub ignore: Vec<String>,
    /// A severity per rule (id or name), over the rule's own.
    pub severity: BTreeMap<String, Severity>,
}

/// One layer of rule selection — `planwise.toml`, then the command line — resolved as ruff
/// resolves its own: a layer's `select`, when given, replaces what the layers before chose,
/// `extend_select` adds to it and `ignore` takes away; within a layer the most specific
/// pattern naming a rule decides for it (a name or full id over a prefix over `ALL`), and
/// `ignore` wins a tie. So `select = ["MIG"], ignore = ["MIG011"]` runs every MIG rule but
/// MIG011, and `--ignore MIG --select MIG011` runs MIG011 alone.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleLayer {
    pub select: Option<Vec<String>>,
    pub extend_select: Vec<String>,
    pub ignore: Vec<String>,
}

impl RuleLayer {
    /// Whether the layer turns `rule` on or off; `None` when none of its patterns names it.
    fn decision(&self, rule: &Rule) -> Option<bool> {
        let most_specific = |patterns: &[String]| {
            patterns
                .iter()
                .filter(|pattern| matches(pattern, rule))
                .map(|pattern| specificity(pattern, rule))
                .max()
        };
        let selects = self.select.as_deref().unwrap_or_default();
        let on = most_specific(selects).max(most_specific(&self.extend_select));
        match (on, most_specific(&self.ignore)) {
            (Some(on), Some(off)) => Some(on > off),
            (on, off) => on.map(|_| true).or(off.map(|_| false)),
        }
    }

    /// Whether `rule` runs after this layer, given whether it ran after the ones before.
    fn applied(&self, rule: &Rule, before: bool) -> bool {
        match self.decision(rule) {
            Some(decision) => decision,
            None => self.select.is_none() && before,
        }
    }

    /// Every pattern of the layer.
    pub fn patterns(&self) -> impl Iterator<Item = &String> {
        self.select
            .iter()
            .flatten()
            .chain(&self.extend_select)
            .chain(&self.ignore)
    }
}

/// One `[[suppress]]` entry: the findings of `rule` about a table, or about statements
/// (by fingerprint or by a pattern of their normalized text) are left out of `analyze`'s
/// report and counted in its summary. What is given must all match; a finding about
/// several statements is left out only when every one of them matches, since the change
/// it recommends still serves the others.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    /// A rule id, id prefix, name or `ALL`.
    pub rule: String,
    /// `schema.table` (`public.` when no schema is named), `*` and `?` matching any text.
    pub table: Option<String>,
    /// A statement's fingerprint, as the reports print it.
    pub fingerprint: Option<String>,
    /// A pattern of the normalized statement (constants as `$1`), `*` and `?` matching any
    /// text, case-insensitive: `select * from pg_*` (the `*` after `select` matches itself).
    pub statement: Option<String>,
    /// Why: for the people who read the file, never interpreted.
    pub reason: Option<String>,
}

impl Suppression {
    /// Whether it leaves out `finding` of `rule`, given the normalized text of each
    /// statement by fingerprint.
    pub fn covers(
        &self,
        rule: &Rule,
        finding: &Finding,
        statement_text: &dyn Fn(&str) -> Option<String>,
    ) -> bool {
        if !matches(&self.rule, rule) {
            return false;
        }
        if let Some(table) = &self.table {
            let Some(found) = &finding.table else {
                return false;
            };
            if !pattern(&qualified(table)).matches(&found.to_string().to_lowercase()) {
                return false;
            }
        }
        if self.fingerprint.is_none() && self.statement.is_none() {
            return true;
        }
        let statement = self.statement.as_deref().map(pattern);
        !finding.queries.is_empty()
            && finding.queries.iter().all(|fingerprint| {
                self.fingerprint
                    .as_ref()
                    .is_none_or(|f| f.eq_ignore_ascii_case(fingerprint))
                    && statement.as_ref().is_none_or(|p| {
                        statement_text(fingerprint)
                            .is_some_and(|text| p.matches(&text.to_lowercase()))
                    })
            })
    }

    fn validate(&self) -> Result<(), String> {
        if self.table.is_none() && self.fingerprint.is_none() && self.statement.is_none() {
            return Err(format!(
                "a [[suppress]] of `{}` names no table, fingerprint or statement (to turn the \
                 rule off everywhere, list it in [rules] ignore)",
                self.rule
            ));
        }
        for text in self.table.iter().chain(&self.statement) {
            glob::Pattern::new(text).map_err(|e| format!("[[suppress]] `{text}`: {e}"))?;
        }
        Ok(())
    }
}

/// A table as `schema.table`, lower-cased: unqualified names are in `public`.
fn qualified(table: &str) -> String {
    let table = table.to_lowercase();
    if table.contains('.') {
        table
    } else {
        format!("public.{table}")
    }
}

/// A pattern of the file, lower-cased (validated when the file was read).
fn pattern(text: &str) -> glob::Pattern {
    glob::Pattern::new(&text.to_lowercase()).unwrap_or_default()
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CheckConfig {
    pub pg_version: Option<u32>,
    pub assume_in_transaction: Option<bool>,
    pub fail_on: Option<Severity>,
    pub small_table_rows: Option<f64>,
    pub large_table_rows: Option<f64>,
    pub busy_table_calls_per_second: Option<f64>,
}

/// The PostgreSQL major versions `pg_version` may name.
const PG_VERSIONS: std::ops::RangeInclusive<u32> = 9..=99;

impl CheckConfig {
    /// Settings that parse but cannot mean what was meant: a threshold below zero, the small
    /// table above the large one, a server version that never was.
    fn validate(&self) -> Result<(), String> {
        if let Some(version) = self.pg_version
            && !PG_VERSIONS.contains(&version)
        {
            return Err(format!(
                "check.pg_version = {version} is not a PostgreSQL major version (e.g. 15)"
            ));
        }
        let thresholds = [
            ("small_table_rows", self.small_table_rows),
            ("large_table_rows", self.large_table_rows),
            (
                "busy_table_calls_per_second",
                self.busy_table_calls_per_second,
            ),
        ];
        for (key, value) in thresholds {
            if let Some(value) = value
                && !(value.is_finite() && value >= 0.0)
            {
                return Err(format!("check.{key} = {value} must be a number ≥ 0"));
            }
        }
        let defaults = Thresholds::default();
        let small = self.small_table_rows.unwrap_or(defaults.small_table_rows);
        let large = self.large_table_rows.unwrap_or(defaults.large_table_rows);
        if small > large {
            return Err(format!(
                "check.small_table_rows ({small}) is above check.large_table_rows ({large})"
            ));
        }
        Ok(())
    }
}

impl Config {
    pub fn parse(text: &str) -> Result<Self, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        config.check.validate()?;
        for suppression in &config.suppressions {
            suppression.validate()?;
        }
        Ok(config)
    }

    /// Rule patterns of the file that name no rule: worth a warning, since a typo silently
    /// selects or ignores nothing.
    pub fn unknown_rules(&self) -> Vec<String> {
        self.file_layer()
            .patterns()
            .chain(self.rules.severity.keys())
            .chain(self.suppressions.iter().map(|s| &s.rule))
            .filter(|pattern| !names_a_rule(pattern))
            .cloned()
            .collect()
    }

    /// The file's selection as a layer; an empty `select` means every rule, as it always has.
    fn file_layer(&self) -> RuleLayer {
        RuleLayer {
            select: Some(self.rules.select.clone()).filter(|select| !select.is_empty()),
            extend_select: self.rules.extend_select.clone(),
            ignore: self.rules.ignore.clone(),
        }
    }

    pub fn thresholds(&self) -> Thresholds {
        let defaults = Thresholds::default();
        Thresholds {
            small_table_rows: self
                .check
                .small_table_rows
                .unwrap_or(defaults.small_table_rows),
            large_table_rows: self
                .check
                .large_table_rows
                .unwrap_or(defaults.large_table_rows),
            busy_table_calls_per_second: self
                .check
                .busy_table_calls_per_second
                .unwrap_or(defaults.busy_table_calls_per_second),
        }
    }
}

impl RuleSelection for Config {
    fn severity(&self, rule: &Rule, found: Severity) -> Option<Severity> {
        let from_file = self.file_layer().applied(rule, true);
        if !self.command_line.applied(rule, from_file) {
            return None;
        }
        let configured = self
            .rules
            .severity
            .iter()
            .find(|(pattern, _)| matches(pattern, rule))
            .map(|(_, severity)| *severity);
        Some(configured.unwrap_or(found))
    }

    fn suppressed(
        &self,
        rule: &Rule,
        finding: &Finding,
        statement_text: &dyn Fn(&str) -> Option<String>,
    ) -> bool {
        self.suppressions
            .iter()
            .any(|s| s.covers(rule, finding, statement_text))
    }
}

/// A pattern names a rule by its id, its name, a prefix of its id (`MIG`, `MIG00`), or
/// `ALL`.
fn matches(pattern: &str, rule: &Rule) -> bool {
    pattern.eq_ignore_ascii_case("ALL")
        || pattern.eq_ignore_ascii_case(rule.name)
        || (!pattern.is_empty()
            && rule.id.len() >= pattern.len()
            && rule.id[..pattern.len()].eq_ignore_ascii_case(pattern))
}

/// How precisely a matching pattern names the rule: `ALL`, then id prefixes by length, then
/// the full id or the name.
fn specificity(pattern: &str, rule: &Rule) -> usize {
    if pattern.eq_ignore_ascii_case("ALL") {
        0
    } else if pattern.eq_ignore_ascii_case(rule.name) {
        rule.id.len()
    } else {
        pattern.len()
    }
}

/// Whether a pattern names at least one rule.
pub fn names_a_rule(pattern: &str) -> bool {
    RULES.iter().any(|rule| matches(pattern, rule))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: &str) -> &'static Rule {
        crate::rules::find(id).unwrap()
    }

    #[test]
    fn rules_are_selected_by_id_prefix_or_name() {
        let config = Config::parse(
            r#"
            [rules]
            select = ["MIG"]
            ignore = ["missing-lock-timeout"]
            severity = { MIG001 = "error" }
            "#,
        )
        .unwrap();
        assert_eq!(
            config.severity(rule("MIG001"), Severity::Warning),
            Some(Severity::Error)
        );
        assert_eq!(
            config.severity(rule("MIG002"), Severity::Info),
            Some(Severity::Info)
        );
        assert_eq!(config.severity(rule("MIG011"), Severity::Warning), None);
        assert_eq!(config.severity(rule("IDX001"), Severity::Warning), None);
        assert!(config.unknown_rules().is_empty());
    }

    #[test]
    fn settings_that_cannot_be_meant_are_refused_with_their_key() {
        for (text, key) in [
            ("pg_version = 0", "check.pg_version"),
            ("pg_version = 150", "check.pg_version"),
            ("small_table_rows = -1", "check.small_table_rows"),
            ("large_table_rows = nan", "check.large_table_rows"),
            (
                "busy_table_calls_per_second = -5",
                "check.busy_table_calls_per_second",
            ),
            ("small_table_rows = 2e6", "check.small_table_rows"),
            (
                "small_table_rows = 10\nlarge_table_rows = 5",
                "check.large_table_rows",
            ),
        ] {
            let error = Config::parse(&format!("[check]\n{text}")).unwrap_err();
            assert!(error.contains(key), "{text}: {error}");
        }
        let fine = "[check]\npg_version = 12\nsmall_table_rows = 0\nlarge_table_rows = 0";
        assert!(Config::parse(fine).is_ok());
    }

    #[test]
    fn the_command_line_selects_over_the_file_the_most_specific_pattern_winning() {
        let mut config = Config::parse(
            "[rules]\nselect = [\"MIG\"]\nextend-select = [\"STAT001\"]\nignore = [\"MIG011\"]",
        )
        .unwrap();
        let runs = |config: &Config, id: &str| config.severity(rule(id), Severity::Info).is_some();
        assert!(runs(&config, "MIG001") && runs(&config, "STAT001"));
        assert!(!runs(&config, "MIG011") && !runs(&config, "IDX001"));
        // --extend-select brings back what the file ignored; --ignore adds to its ignores.
        config.command_line = RuleLayer {
            select: None,
            extend_select: vec!["missing-lock-timeout".into()],
            ignore: vec!["MIG001".into()],
        };
        assert!(runs(&config, "MIG011") && !runs(&config, "MIG001"));
        assert!(runs(&config, "MIG002"));
        // --select replaces the file's selection; a full id beats a prefix, ALL loses to both.
        config.command_line = RuleLayer {
            select: Some(vec!["ALL".into(), "MIG001".into()]),
            extend_select: Vec::new(),
            ignore: vec!["MIG".into()],
        };
        assert!(runs(&config, "MIG001") && runs(&config, "IDX001"));
        assert!(!runs(&config, "MIG002") && !runs(&config, "MIG011"));
    }

    #[test]
    fn typos_are_reported_not_ignored() {
        let config = Config::parse("[rules]\nignore = [\"MIG9\", \"no-such-rule\"]").unwrap();
        assert_eq!(config.unknown_rules(), ["MIG9", "no-such-rule"]);
        assert!(Config::parse("[check]\nfail_one = \"error\"").is_err());
    }
}
