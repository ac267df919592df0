//! Applying DDL scripts to one catalog: each file split into statements, the ones that may
//! change the catalog parsed once and applied in order by [`DdlApplier`], what sqlparser
//! cannot read recovered by its words or reported with its file and line, and the rest goes
//! on. Pure: `input::schema` finds and reads the files.

use super::recovery::{
    AlterSequence, Recovery, alter_domain, alter_sequence, may_change_catalog, rename_index,
    rewrite_for_sqlparser,
};
use super::words::Words;
use super::{DdlApplier, DomainChange, Effect, Outcome, RelationKind};
use crate::model::catalog::Catalog;
use crate::model::diagnostics::{Diagnostics, Example, Kind};
use crate::sql::parse::{ParseError, parse_sql};
use crate::sql::split::split_script;
use serde::Serialize;
use sqlparser::ast::Statement;
use std::collections::BTreeMap;

/// The catalog a set of schema files describes, and how much of them was understood.
#[derive(Debug, Clone, Default)]
pub struct SchemaLoad {
    pub catalog: Catalog,
    /// Unparsed statements and DDL that could not apply, with file and line.
    pub diagnostics: Diagnostics,
    pub files: u64,
    /// Statements read.
    pub statements: u64,
    /// DDL the catalog follows, applied.
    pub applied: u64,
    /// Statements that do not change the catalog (`search_path` settings among them, though
    /// they are followed).
    pub ignored: u64,
    /// Statements sqlparser could not parse (reported in the diagnostics).
    pub failed: u64,
    /// Every statement not applied — not modelled or not understood — with its place.
    pub skipped: Vec<SkippedStatement>,
}

/// Why a statement read was not applied to the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Skip {
    /// Read, and nothing the catalog models.
    NotModelled,
    /// Not understood (in the diagnostics too, with the reason).
    Unparsed,
}

/// A statement left out of the catalog, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedStatement {
    pub file: String,
    pub line: u64,
    /// Its leading keywords ([`Words::head`]): what kind of statement it is.
    pub head: String,
    pub skip: Skip,
}

/// A file and line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Place {
    pub file: String,
    pub line: u64,
}

/// The statements of one kind left out for one reason, every one with its place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedGroup {
    pub reason: Skip,
    /// The statements' leading keywords (`COMMENT ON FUNCTION`).
    pub statement: String,
    pub count: u64,
    pub at: Vec<Place>,
}

/// The skipped statements grouped by reason and kind: not understood first, then the
/// largest groups.
pub fn group_skipped(skipped: &[SkippedStatement]) -> Vec<SkippedGroup> {
    let mut groups: BTreeMap<(Skip, &str), Vec<Place>> = BTreeMap::new();
    for statement in skipped {
        groups
            .entry((statement.skip, &statement.head))
            .or_default()
            .push(Place {
                file: statement.file.clone(),
                line: statement.line,
            });
    }
    let mut groups: Vec<SkippedGroup> = groups
        .into_iter()
        .map(|((reason, statement), at)| SkippedGroup {
            reason,
            statement: statement.to_string(),
            count: at.len() as u64,
            at,
        })
        .collect();
    groups.sort_by(|a, b| {
        (b.reason, b.count)
            .cmp(&(a.reason, a.count))
            .then_with(|| a.statement.cmp(&b.statement))
    });
    groups
}

/// What became of a schema's statements, for the report: nothing read is left uncounted,
/// and what was not applied is listed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SchemaCounts {
    pub files: u64,
    pub statements: u64,
    /// Applied to the catalog.
    pub applied: u64,
    /// Read and left out: data, grants, comments, functions, settings, … (nothing the
    /// advice reads).
    pub not_modelled: u64,
    /// Not understood; each is in the diagnostics with file and line.
    pub unparsed: u64,
    /// The statements not applied, by reason and kind, each with file and line.
    pub skipped: Vec<SkippedGroup>,
}

impl SchemaLoad {
    pub fn counts(&self) -> SchemaCounts {
        SchemaCounts {
            files: self.files,
            statements: self.statements,
            applied: self.applied,
            not_modelled: self.ignored,
            unparsed: self.failed,
            skipped: group_skipped(&self.skipped),
        }
    }

    /// The share of statements understood: applied or known not to matter.
    pub fn understood(&self) -> f64 {
        if self.statements == 0 {
            1.0
        } else {
            (self.applied + self.ignored) as f64 / self.statements as f64
        }
    }
}

/// What became of one statement given to [`SchemaLoader::load_parsed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementLoad {
    /// DDL the catalog follows, applied.
    Applied,
    /// Nothing the catalog models (or nothing at all: an empty statement).
    Ignored,
    /// sqlparser could not read it; reported in the diagnostics as `unparsed_ddl`.
    Unparsed,
}

/// Applies scripts in order to one catalog; the pure part of `input::schema::load_schema`.
#[derive(Debug, Clone, Default)]
pub struct SchemaLoader {
    applier: DdlApplier,
    load: SchemaLoad,
}

impl SchemaLoader {
    /// Starts from an existing catalog (to apply migrations on top of a schema).
    pub fn new(catalog: Catalog) -> Self {
        SchemaLoader {
            applier: DdlApplier::new(catalog),
            load: SchemaLoad::default(),
        }
    }

    /// One file's statements. Each file is a session of its own (its `SET search_path`
    /// ends with it), as migration tools run them.
    pub fn load_script(&mut self, script: &str, file: &str) {
        self.start_file();
        let script = split_script(up_migration(script));
        for copy in &script.unterminated_copies {
            self.load
                .diagnostics
                .report(Kind::UnterminatedCopy, || Example {
                    file: file.to_string(),
                    line: copy.line as u64,
                    reason: format!(
                        "COPY … FROM stdin without the `\\.` line that ends its data; statements \
                     read again from line {}",
                        copy.resumed_at
                    ),
                });
        }
        for statement in script.statements {
            self.load_statement(statement.text, statement.line, file);
        }
    }

    pub fn finish(self) -> SchemaLoad {
        SchemaLoad {
            catalog: self.applier.into_catalog(),
            ..self.load
        }
    }

    fn load_statement(&mut self, text: &str, line: usize, file: &str) {
        self.load_parsed(&Words::new(text), line, file, None);
    }

    /// The catalog as the statements applied so far left it.
    pub fn catalog(&self) -> &Catalog {
        self.applier.catalog()
    }

    /// Name resolution through the session's search_path, as the next statement sees it.
    pub fn applier(&self) -> &DdlApplier {
        &self.applier
    }

    /// Starts a file of its own: a new session (see [`load_script`](Self::load_script)).
    pub fn start_file(&mut self) {
        self.load.files += 1;
        self.applier.reset_session();
    }

    /// Applies one statement of the current file. `parsed` is sqlparser's reading when the
    /// caller has it already; without it the statement is parsed here, if it may change the
    /// catalog at all.
    pub fn load_parsed(
        &mut self,
        words: &Words<'_>,
        line: usize,
        file: &str,
        parsed: Option<&Result<Vec<Statement>, ParseError>>,
    ) -> StatementLoad {
        let text = words.text;
        if words.is_empty() {
            return StatementLoad::Ignored;
        }
        self.load.statements += 1;
        if !may_change_catalog(words, text) {
            self.load.ignored += 1;
            self.skipped(words, line, file, Skip::NotModelled);
            return StatementLoad::Ignored;
        }
        let parsed_here;
        let parsed = match parsed {
            Some(parsed) => parsed,
            None => {
                parsed_here = parse_sql(text);
                &parsed_here
            }
        };
        let effect = match parsed {
            Ok(statements) => {
                let mut effect = Effect::Ignored;
                for statement in statements {
                    let outcome = self.applier.apply(statement);
                    effect = merge(effect, self.record(outcome, line, file));
                }
                Some(effect)
            }
            Err(error) => match self.recover(words, line, file) {
                Some(effect) => Some(effect),
                None => {
                    let (offset, reason) = locate(&error.to_string());
                    self.load.diagnostics.report(Kind::UnparsedDdl, || Example {
                        file: file.to_string(),
                        line: (line + offset) as u64,
                        reason: format!("{reason}: `{}`", excerpt(text, offset)),
                    });
                    None
                }
            },
        };
        match effect {
            Some(Effect::Applied) => {
                self.load.applied += 1;
                StatementLoad::Applied
            }
            Some(Effect::Ignored) => {
                self.load.ignored += 1;
                self.skipped(words, line, file, Skip::NotModelled);
                StatementLoad::Ignored
            }
            None => {
                self.load.failed += 1;
                self.skipped(words, line, file, Skip::Unparsed);
                StatementLoad::Unparsed
            }
        }
    }

    fn skipped(&mut self, words: &Words<'_>, line: usize, file: &str, skip: Skip) {
        self.load.skipped.push(SkippedStatement {
            file: file.to_string(),
            line: line as u64,
            head: words.head(),
            skip,
        });
    }

    fn record(&mut self, outcome: Outcome, line: usize, file: &str) -> Effect {
        for problem in outcome.problems {
            self.load
                .diagnostics
                .report(problem.kind.diagnostic_kind(), || Example {
                    file: file.to_string(),
                    line: line as u64,
                    reason: problem.message,
                });
        }
        outcome.effect
    }

    /// Statements sqlparser rejects but that are common in real schemas: pg_dump's
    /// `ALTER SEQUENCE … OWNED BY`, `CREATE INDEX … ON ONLY`, identity sequence options,
    /// materialized views `WITH NO DATA`, and a few forms of `ALTER INDEX` / `DROP INDEX`.
    /// They are read by hand, or parsed again without the words sqlparser does not know;
    /// `None` when nothing fits.
    fn recover(&mut self, words: &Words, line: usize, file: &str) -> Option<Effect> {
        let outcome = if words.starts_with(&["ALTER", "SEQUENCE"]) {
            match alter_sequence(words) {
                Some(AlterSequence::OwnedBy { sequence, owner }) => {
                    self.applier.set_sequence_owner(&sequence, owner.as_ref())
                }
                Some(AlterSequence::Rename {
                    sequence,
                    if_exists,
                    new_name,
                }) => self.applier.rename_relation(
                    RelationKind::Sequence,
                    &sequence,
                    if_exists,
                    &new_name,
                ),
                // RESTART, INCREMENT, CACHE, …: nothing the catalog keeps.
                None => return Some(Effect::Ignored),
            }
        } else if words.starts_with(&["ALTER", "DOMAIN"]) {
            let (domain, change) = alter_domain(words)?;
            self.applier.alter_domain(&domain, change)
        } else if words.starts_with(&["ALTER", "INDEX"]) {
            match rename_index(words) {
                Some((index, if_exists, new_name)) => {
                    self.applier
                        .rename_relation(RelationKind::Index, &index, if_exists, &new_name)
                }
                // ATTACH PARTITION (pg_dump links each partition's index to its parent's,
                // which the catalog does not model), SET (…), SET TABLESPACE, ALTER COLUMN …
                // SET STATISTICS.
                None => return Some(Effect::Ignored),
            }
        } else {
            let rewrite = match rewrite_for_sqlparser(words)? {
                Recovery::Rewrite(rewrite) => rewrite,
                Recovery::Irrelevant => return Some(Effect::Ignored),
            };
            let statements = parse_sql(&rewrite.text).ok()?;
            let mut effect = Effect::Ignored;
            for statement in &statements {
                let outcome = if rewrite.on_only {
                    self.applier.apply_on_only(statement)
                } else {
                    self.applier.apply(statement)
                };
                effect = merge(effect, self.record(outcome, line, file));
                if let (true, Statement::CreateDomain(create)) =
                    (rewrite.domain_not_null, statement)
                {
                    let not_null = DomainChange::NotNull(true);
                    let outcome = self.applier.alter_domain(&create.name, not_null);
                    self.record(outcome, line, file);
                }
            }
            return Some(effect);
        };
        Some(self.record(outcome, line, file))
    }
}

fn merge(a: Effect, b: Effect) -> Effect {
    if a == Effect::Applied || b == Effect::Applied {
        Effect::Applied
    } else {
        Effect::Ignored
    }
}

/// Only the "up" part of a dbmate-style migration (`-- migrate:up` / `-- migrate:down`).
pub fn up_migration(script: &str) -> &str {
    match script.find("\n-- migrate:down") {
        Some(down) if script.contains("-- migrate:up") => &script[..down],
        _ => script,
    }
}

/// sqlparser's "… at Line: L, Column: C" as the line's offset from the statement's first
/// line and the message without the position (the column kept).
fn locate(message: &str) -> (usize, String) {
    let message = message
        .strip_prefix("sql parser error: ")
        .unwrap_or(message);
    let Some(at) = message.rfind(" at Line: ") else {
        return (0, message.to_string());
    };
    let position = &message[at + " at Line: ".len()..];
    let (line, column) = position.split_once(", Column: ").unwrap_or((position, ""));
    match line.trim().parse::<usize>() {
        Ok(line) => (
            line.saturating_sub(1),
            format!("{} (column {})", &message[..at], column.trim()),
        ),
        Err(_) => (0, message.to_string()),
    }
}

/// The statement's line where sqlparser stopped, trimmed and cut short, for a diagnostic.
fn excerpt(text: &str, line: usize) -> String {
    const LENGTH: usize = 80;
    let line = text.lines().nth(line).unwrap_or(text).trim();
    if line.chars().count() <= LENGTH {
        line.to_string()
    } else {
        format!("{}…", line.chars().take(LENGTH).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::catalog::QualifiedName;
    use crate::model::ddl::recovery::{Recovery, rewrite_for_sqlparser};

    fn public(name: &str) -> QualifiedName {
        QualifiedName::new("public", name)
    }

    fn load(script: &str) -> SchemaLoad {
        let mut loader = SchemaLoader::default();
        loader.load_script(script, "test.sql");
        loader.finish()
    }

    fn rewritten(sql: &str) -> Option<String> {
        match rewrite_for_sqlparser(&Words::new(sql))? {
            Recovery::Rewrite(rewrite) => Some(
                rewrite
                    .text
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            Recovery::Irrelevant => Some("<irrelevant>".into()),
        }
    }

    #[test]
    fn statements_are_routed_by_their_first_words() {
        for sql in [
            "CREATE TABLE t (a int)",
            "CREATE UNLOGGED TABLE t (a int)",
            "create or replace view v as select 1",
            "CREATE UNIQUE INDEX i ON t (a)",
            "CREATE MATERIALIZED VIEW m AS SELECT 1",
            "ALTER TABLE t ADD COLUMN b int",
            "ALTER MATERIALIZED VIEW m RENAME TO n",
            "DROP SCHEMA s CASCADE",
            "SET search_path = a, public",
            "SET LOCAL search_path TO a",
            "SELECT pg_catalog.set_config('search_path', '', false)",
            "VACUUM_LIKE_SOMETHING_NEW x",
        ] {
            assert!(may_change_catalog(&Words::new(sql), sql), "{sql}");
        }
        for sql in [
            "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql",
            "CREATE OR REPLACE TRIGGER t AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()",
            "CREATE EXTENSION pg_trgm",
            "CREATE TYPE mood AS ENUM ('ok')",
            "CREATE FOREIGN TABLE f (a int) SERVER s",
            "ALTER FUNCTION f() OWNER TO app",
            "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO r",
            "DROP FUNCTION f",
            "SET statement_timeout = 0",
            "SELECT pg_catalog.setval('s', 1, true)",
            "INSERT INTO t VALUES (1)",
            "COPY t FROM stdin",
            "GRANT SELECT ON t TO r",
            "COMMENT ON TABLE t IS 'a' 'b'",
            "DO $$ BEGIN END $$",
        ] {
            assert!(!may_change_catalog(&Words::new(sql), sql), "{sql}");
        }
    }

    #[test]
    fn what_sqlparser_cannot_read_is_rewritten_to_what_it_can() {
        assert_eq!(
            rewritten("CREATE INDEX i ON ONLY public.p USING btree (a)").as_deref(),
            Some("CREATE INDEX i ON public.p USING btree (a)")
        );
        assert_eq!(
            rewritten("CREATE MATERIALIZED VIEW m AS SELECT 1 WITH NO DATA").as_deref(),
            Some("CREATE MATERIALIZED VIEW m AS SELECT 1")
        );
        assert_eq!(
            rewritten("CREATE TABLE t AS SELECT 1 WITH DATA").as_deref(),
            Some("CREATE TABLE t AS SELECT 1")
        );
        assert_eq!(
            rewritten(
                "ALTER TABLE public.r ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (\n SEQUENCE NAME public.r_id_seq START WITH 1 CACHE 1\n)"
            )
            .as_deref(),
            Some("ALTER TABLE public.r ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY")
        );
        assert_eq!(
            rewritten("DROP INDEX CONCURRENTLY IF EXISTS i").as_deref(),
            Some("DROP INDEX IF EXISTS i")
        );
        assert_eq!(
            rewritten("CREATE TABLE f (m int, h numeric GENERATED ALWAYS AS (m / 60.0) VIRTUAL)")
                .as_deref(),
            Some("CREATE TABLE f (m int, h numeric GENERATED ALWAYS AS (m / 60.0) STORED)")
        );
        assert_eq!(rewritten("CREATE TABLE t (a int"), None);
    }

    #[test]
    fn alter_table_actions_the_catalog_does_not_model_are_taken_out() {
        assert_eq!(
            rewritten("ALTER TABLE ONLY t ALTER COLUMN a SET STATISTICS 1000").as_deref(),
            Some("<irrelevant>")
        );
        assert_eq!(
            rewritten(
                "ALTER TABLE t ALTER CONSTRAINT f INITIALLY DEFERRED, CLUSTER ON i, ADD COLUMN b int, ALTER a SET (n_distinct = 5), DROP COLUMN c"
            )
            .as_deref(),
            Some("ALTER TABLE t ADD COLUMN b int , DROP COLUMN c")
        );
        let load = load(
            "CREATE TABLE t (a int);\nALTER TABLE t ALTER COLUMN a SET STATISTICS 500, ADD COLUMN b int;",
        );
        assert_eq!((load.applied, load.failed), (2, 0));
        assert!(
            load.catalog
                .tables
                .values()
                .next()
                .unwrap()
                .column("b")
                .is_some()
        );
    }

    #[test]
    fn alter_sequence_and_alter_index_are_read_by_hand() {
        let load = load(
            "CREATE TABLE public.\"T\" (\"Id\" integer NOT NULL);
             CREATE SEQUENCE public.\"T_Id_seq\" AS integer START WITH 1;
             ALTER SEQUENCE public.\"T_Id_seq\" OWNED BY public.\"T\".\"Id\";
             CREATE SEQUENCE loose;
             ALTER SEQUENCE loose OWNED BY NONE;
             ALTER SEQUENCE IF EXISTS loose RENAME TO free;
             ALTER SEQUENCE free RESTART WITH 5;
             CREATE INDEX t_id ON public.\"T\" (\"Id\");
             ALTER INDEX IF EXISTS t_id RENAME TO t_id_renamed;
             ALTER INDEX IF EXISTS nothing RENAME TO still_nothing;",
        );
        assert!(load.diagnostics.is_empty(), "{:#?}", load.diagnostics);
        assert_eq!(
            (load.applied + load.ignored, load.failed),
            (load.statements, 0)
        );
        let sequences = &load.catalog.sequences;
        let owned = &sequences[&public("T_Id_seq")];
        assert_eq!(owned.owned_by, Some((public("T"), "Id".to_string())));
        assert!(sequences.contains_key(&public("free")));
        assert!(load.catalog.indexes.contains_key(&public("t_id_renamed")));
    }

    #[test]
    fn unparsed_statements_are_reported_at_the_line_sqlparser_stopped() {
        let load = load(
            "CREATE TABLE a (id int);\n\nCREATE TABLE b (\n  id int,\n  x int WEIRD\n);\nCREATE TABLE c (id int);",
        );
        assert_eq!((load.statements, load.applied, load.failed), (3, 2, 1));
        let example = &load.diagnostics.kinds[&Kind::UnparsedDdl].examples[0];
        assert_eq!((example.file.as_str(), example.line), ("test.sql", 5));
        assert!(example.reason.contains("x int WEIRD"), "{example:?}");
        assert!(!example.reason.contains("Line:"), "{example:?}");
    }

    #[test]
    fn domains_follow_alter_domain_read_by_its_words() {
        let load = load(
            "CREATE DOMAIN positive AS int NOT NULL CHECK (VALUE > 0);\n\
             CREATE DOMAIN label AS text CONSTRAINT label_nn NOT NULL DEFAULT 'x' NULL;\n\
             ALTER DOMAIN positive ADD CONSTRAINT small CHECK (VALUE < 10) NOT VALID;\n\
             ALTER DOMAIN positive ADD CHECK (VALUE <> 5);\n\
             ALTER DOMAIN positive VALIDATE CONSTRAINT small;\n\
             ALTER DOMAIN positive DROP CONSTRAINT positive_check;\n\
             ALTER DOMAIN positive DROP NOT NULL;\n\
             ALTER DOMAIN label RENAME TO title;\n\
             ALTER DOMAIN title OWNER TO app;",
        );
        assert_eq!((load.statements, load.applied, load.failed), (9, 9, 0));
        assert!(load.diagnostics.kinds.is_empty(), "{:?}", load.diagnostics);
        let positive = &load.catalog.domains[&public("positive")];
        let checks: Vec<_> = positive
            .checks
            .iter()
            .map(|c| (c.name.as_str(), c.expression.as_str()))
            .collect();
        assert_eq!(
            checks,
            [("small", "VALUE < 10"), ("positive_check1", "VALUE <> 5")]
        );
        assert!(!positive.not_null);
        let title = &load.catalog.domains[&public("title")];
        assert!(title.not_null && title.checks.is_empty(), "{title:?}");
    }

    #[test]
    fn a_change_to_a_domain_that_cannot_be_read_is_reported_not_skipped() {
        let load = load(
            "CREATE DOMAIN positive AS int CHECK (VALUE > 0);\n\
             ALTER DOMAIN positive ADD CONSTRAINT small PRIMARY KEY;\n\
             COMMENT ON DOMAIN positive IS 'not the catalog''s business';",
        );
        assert_eq!((load.statements, load.failed, load.ignored), (3, 1, 1));
        let example = &load.diagnostics.kinds[&Kind::UnparsedDdl].examples[0];
        assert_eq!(example.line, 2);
        assert!(
            example.reason.contains("ALTER DOMAIN positive"),
            "{example:?}"
        );
    }

    #[test]
    fn only_the_up_part_of_a_dbmate_migration_applies() {
        let load =
            load("-- migrate:up\nCREATE TABLE t (a int);\n\n-- migrate:down\nDROP TABLE t;\n");
        assert_eq!(load.statements, 1);
        assert_eq!(load.catalog.tables.len(), 1);
    }

    #[test]
    fn parser_positions_become_lines_of_the_file() {
        assert_eq!(
            locate("sql parser error: Expected: ), found: x at Line: 3, Column: 7"),
            (2, "Expected: ), found: x (column 7)".to_string())
        );
        assert_eq!(locate("odd message"), (0, "odd message".to_string()));
    }
}
