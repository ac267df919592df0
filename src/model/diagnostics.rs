//! What was skipped and why: counted per kind, with the first few examples (file, line,
//! reason) kept so a report can point at them. Bad input is never fatal.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// How many examples each kind keeps.
const EXAMPLES_PER_KIND: usize = 5;

/// Declares the kinds with their JSON names, in one list that cannot fall out of step.
macro_rules! kinds {
    ($($(#[doc = $doc:literal])* $kind:ident => $name:literal,)*) => {
        /// Why something was skipped, left out or went without: the `kind` of a diagnostic.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Kind {
            $($(#[doc = $doc])* $kind,)*
        }

        impl Kind {
            pub const ALL: &[Kind] = &[$(Kind::$kind,)*];

            /// Its name in JSON and in messages.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Kind::$kind => $name,)*
                }
            }
        }
    };
}

kinds! {
    // Reading inputs.
    /// A log line that is not in the log's format (or whose prefix does not match).
    UnrecognizedLine => "unrecognized_line",
    /// A log line that is not UTF-8: read with the bad bytes replaced.
    InvalidUtf8 => "invalid_utf8",
    /// A continuation line with no entry before it to continue.
    OrphanContinuation => "orphan_continuation",
    /// A csvlog record that does not have csvlog's fields.
    BadCsvRecord => "bad_csv_record",
    /// A JSON log line that is not the format's object.
    BadJsonRecord => "bad_json_record",
    /// A line of a JSON log that is not a JSON object.
    NotJsonObject => "not_json_object",
    /// A `duration:` the reader cannot read.
    BadDuration => "bad_duration",
    /// A line of another program in a shared log (syslog, journald, a platform export).
    OtherProgram => "other_program",
    /// A compressed input cut short or corrupt: read up to the damage.
    DamagedInput => "damaged_input",
    /// An input that holds no statement, beside others that do.
    NoStatements => "no_statements",
    /// A `.sql` statement with template placeholders (`{{ }}`, `${ }`), not SQL.
    TemplatedSql => "templated_sql",
    /// A statement planwise itself sent (it carries `/* planwise */`).
    OwnStatementLeftOut => "own_statement_left_out",
    /// An `EXPLAIN` read back from pg_stat_statements: not the application's workload.
    ExplainLeftOut => "explain_left_out",
    /// A statement (logged, or of a migration) that sqlparser cannot parse: the analysis or
    /// the checks that need its syntax tree skip it, the others still run.
    UnparsedStatement => "unparsed_statement",
    // Reading schemas.
    /// A schema statement that sqlparser cannot parse.
    UnparsedDdl => "unparsed_ddl",
    /// `COPY … FROM stdin` data without its closing `\.`.
    UnterminatedCopy => "unterminated_copy",
    /// DDL about an object that does not exist.
    DdlMissingObject => "ddl_missing_object",
    /// DDL creating an object under a name already taken.
    DdlDuplicateObject => "ddl_duplicate_object",
    /// A drop that others depend on, without CASCADE.
    DdlDependency => "ddl_dependency",
    /// DDL the catalog can only partly follow.
    DdlUnsupported => "ddl_unsupported",
    /// A migration's table that the schema does not have (an existing table of unknown size).
    TableNotInSchema => "table_not_in_schema",
    /// A rule named in `planwise.toml`, a flag or a suppression comment that does not exist.
    UnknownRule => "unknown_rule",
    // The live database.
    /// `--db` could not be reached: the run went on without it.
    DatabaseUnreachable => "database_unreachable",
    /// The connection was lost during the run.
    DatabaseLost => "database_lost",
    /// pg_stat_statements could not be read.
    PgStatStatementsUnavailable => "pg_stat_statements_unavailable",
    /// A relation locked by another session, left out of the catalog.
    CatalogRelationLocked => "catalog_relation_locked",
    /// The catalog could not be read.
    CatalogUnavailable => "catalog_unavailable",
    /// What-if costing (HypoPG) could not start.
    WhatifUnavailable => "whatif_unavailable",
    /// What-if costing stopped before the end (time, or a lost server).
    WhatifCutShort => "whatif_cut_short",
    /// A statement the server could not plan.
    WhatifFailed => "whatif_failed",
    /// A statement the safety gate would not let the server plan.
    WhatifRefused => "whatif_refused",
    /// `--analyze` could not start.
    MeasureUnavailable => "measure_unavailable",
    /// A statement whose measured plan failed.
    MeasureFailed => "measure_failed",
    /// A statement the safety gate would not run.
    MeasureRefused => "measure_refused",
    /// `verify`: an index left behind by an interrupted run, dropped before this one.
    VerifyLeftoverDropped => "verify_leftover_dropped",
    /// `verify`: a statement that could not be timed, or an index that could not be built.
    VerifyFailed => "verify_failed",
    /// `verify`: a statement the safety gate would not run.
    VerifyRefused => "verify_refused",
    /// `verify --from`: a finding or statement of the saved report left out (a rule this
    /// build does not know, an index the scratch copy cannot have, an unreadable fingerprint).
    ReportEntryLeftOut => "report_entry_left_out",
}

impl Kind {
    /// A statement planwise could not read, of a workload, a migration or a schema.
    pub fn is_unparsed(self) -> bool {
        matches!(self, Kind::UnparsedStatement | Kind::UnparsedDdl)
    }

    fn named(name: &str) -> Option<Kind> {
        // Profile version 3 called a logged statement sqlparser could not read this.
        let name = if name == "unparseable_statement" {
            Kind::UnparsedStatement.as_str()
        } else {
            name
        };
        Kind::ALL.iter().copied().find(|kind| kind.as_str() == name)
    }
}

/// Kinds are listed by name, as they read.
impl Ord for Kind {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for Kind {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Serialize for Kind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Kind::named(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown diagnostic kind `{name}`")))
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Diagnostics {
    pub kinds: BTreeMap<Kind, Occurrences>,
}

/// How often one kind happened, and the first few examples.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Occurrences {
    pub count: u64,
    pub examples: Vec<Example>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Example {
    pub file: String,
    pub line: u64,
    pub reason: String,
}

impl Diagnostics {
    /// Counts one occurrence of `kind`; `example` is only built while examples are wanted.
    pub fn report(&mut self, kind: Kind, example: impl FnOnce() -> Example) {
        let entry = self.kinds.entry(kind).or_default();
        entry.count += 1;
        if entry.examples.len() < EXAMPLES_PER_KIND {
            entry.examples.push(example());
        }
    }

    /// Counts one occurrence of `kind` about something that has no line: a flag, a
    /// connection, a statement known by its location or fingerprint.
    pub fn note(&mut self, kind: Kind, file: impl Into<String>, reason: impl Into<String>) {
        self.report(kind, || Example {
            file: file.into(),
            line: 0,
            reason: reason.into(),
        });
    }

    /// The reasons given for `kind`, as far as examples were kept.
    pub fn reasons(&self, kind: Kind) -> impl Iterator<Item = &str> {
        self.kinds
            .get(&kind)
            .into_iter()
            .flat_map(|occurrences| &occurrences.examples)
            .map(|example| example.reason.as_str())
    }

    pub fn merge(&mut self, other: Diagnostics) {
        for (kind, theirs) in other.kinds {
            let ours = self.kinds.entry(kind).or_default();
            ours.count += theirs.count;
            let room = EXAMPLES_PER_KIND.saturating_sub(ours.examples.len());
            ours.examples.extend(theirs.examples.into_iter().take(room));
        }
    }

    pub fn total(&self) -> u64 {
        self.kinds.values().map(|kind| kind.count).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_have_unique_snake_case_names_that_read_back() {
        let mut names = std::collections::BTreeSet::new();
        for kind in Kind::ALL {
            let name = kind.as_str();
            assert!(names.insert(name), "{name} is used twice");
            assert!(
                name.split('_').all(|w| !w.is_empty()
                    && w.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())),
                "{name} is not snake_case"
            );
            let json = serde_json::to_string(kind).unwrap();
            assert_eq!(json, format!("\"{name}\""));
            assert_eq!(serde_json::from_str::<Kind>(&json).unwrap(), *kind);
        }
    }

    #[test]
    fn a_profile_of_version_3_reads_its_old_kind_name_and_no_unknown_one() {
        let old: Kind = serde_json::from_str("\"unparseable_statement\"").unwrap();
        assert_eq!(old, Kind::UnparsedStatement);
        let unknown = serde_json::from_str::<Kind>("\"no_such_kind\"").unwrap_err();
        assert!(unknown.to_string().contains("no_such_kind"), "{unknown}");
    }

    #[test]
    fn kinds_are_listed_by_name() {
        let mut diagnostics = Diagnostics::default();
        for kind in [Kind::WhatifFailed, Kind::BadCsvRecord, Kind::UnknownRule] {
            diagnostics.note(kind, "f", "r");
        }
        let listed: Vec<&str> = diagnostics.kinds.keys().map(|k| k.as_str()).collect();
        assert_eq!(listed, ["bad_csv_record", "unknown_rule", "whatif_failed"]);
    }
}
