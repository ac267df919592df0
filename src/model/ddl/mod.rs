//! Applying DDL to the catalog: the pure half of `--schema`. `input::schema` finds and reads
//! the files, [`loader`] splits and parses them; this turns each parsed statement (sqlparser's
//! AST) into changes of a [`Catalog`], with no I/O.
//!
//! It does what PostgreSQL itself does with the same statements, so that a catalog built from
//! DDL compares with one read from a live server: unnamed indexes, constraints and serial
//! sequences get the names PostgreSQL would choose (`ChooseRelationName`, truncation to 63
//! bytes, `1`, `2`, … on a clash); `serial` becomes an integer column with a `nextval` default
//! and an owned sequence; PRIMARY KEY / UNIQUE / EXCLUDE are backed by an index; indexes,
//! foreign keys and checks of a partitioned table reach its partitions; `CREATE TABLE … AS`
//! gets its columns from the query.
//!
//! Spelling is canonical, the way PostgreSQL prints things with the default search_path:
//! types as `format_type()` does (`integer`, `character varying(255)`), identifiers folded and
//! quoted only where needed, names in `public` unqualified, casts as `::`. Expressions (defaults,
//! checks, index keys, predicates) keep their structure as written: PostgreSQL's own deparser
//! adds parentheses and casts that only type analysis could reproduce.
//!
//! DDL that cannot apply — an unknown table, a name already taken — is a [`DdlProblem`] for
//! the caller to report; nothing here panics on input.
//!
//! This module is the entry point ([`DdlApplier`]) and the dispatch over statement kinds; each
//! kind of statement is applied in a submodule of its own, and the spelling rules (identifiers,
//! types, expressions, chosen names) sit in theirs.

mod alter;
mod constraints;
mod domains;
mod drop;
mod expressions;
mod identifiers;
mod indexes;
pub mod loader;
mod naming;
mod partitions;
mod recovery;
mod renames;
mod search_path;
mod sql_types;
mod tables;
#[cfg(test)]
mod test_support;
mod views_sequences;
pub mod words;

pub use domains::DomainChange;
pub use expressions::canonical_expression;
pub use identifiers::{folded_identifier, identifier, quote_identifier, quote_literal};
pub use indexes::created_index;
pub use recovery::{
    alter_table_is_catalog_neutral, alter_table_without_neutral_actions, is_irrelevant_action,
};
pub use sql_types::format_type;

use super::catalog::{Catalog, Column, QualifiedName};
use crate::model::diagnostics::Kind;
use identifiers::{display_object_name, last_identifier, part_identifier};
use search_path::{default_search_path, search_path_of_set_config};
use sqlparser::ast::{AlterIndexOperation, AlterViewOperation, Ident, ObjectName, Statement};
use std::collections::{BTreeMap, BTreeSet};

/// PostgreSQL truncates identifiers to `NAMEDATALEN - 1` bytes.
pub const MAX_IDENTIFIER_BYTES: usize = 63;
const PUBLIC: &str = "public";

/// What applying one statement did to the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// DDL the catalog models, applied as far as it could be (see the problems).
    Applied,
    /// A statement that does not change what the catalog models: grants, comments,
    /// functions, data, `OWNER TO`, session settings (a `search_path` is followed all the
    /// same), …
    Ignored,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// DDL about a table, column, index, constraint … that does not exist.
    MissingObject,
    /// Creating something under a name already taken.
    DuplicateObject,
    /// Dropping something others depend on without CASCADE; PostgreSQL would refuse, the
    /// catalog drops the dependents too and says so.
    Dependency,
    /// DDL the catalog can only partly follow: a `CREATE TABLE … AS` column whose type only
    /// type analysis could tell, an unknown partition strategy.
    Unsupported,
}

impl ProblemKind {
    /// The diagnostics kind a problem is counted under.
    pub fn diagnostic_kind(self) -> Kind {
        match self {
            ProblemKind::MissingObject => Kind::DdlMissingObject,
            ProblemKind::DuplicateObject => Kind::DdlDuplicateObject,
            ProblemKind::Dependency => Kind::DdlDependency,
            ProblemKind::Unsupported => Kind::DdlUnsupported,
        }
    }
}

/// Why (part of) a statement could not apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DdlProblem {
    pub kind: ProblemKind,
    pub message: String,
}

/// What one statement did, and what kept it from applying fully.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub effect: Effect,
    pub problems: Vec<DdlProblem>,
}

/// The relation kinds a hand-parsed statement can name (see [`DdlApplier::rename_relation`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationKind {
    Table,
    Index,
    View,
    Sequence,
}

/// Whether an `ALTER TABLE` / `CREATE INDEX` reaches the partitions of a partitioned table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Recursion {
    Recurse,
    /// Written with `ONLY`.
    Only,
}

/// Applies statements in order to a catalog, keeping the session state DDL depends on (the
/// search_path) the way one psql session would.
#[derive(Debug, Clone)]
pub struct DdlApplier {
    catalog: Catalog,
    /// Schemas known to exist: `public`, created ones, and those of the objects seen.
    schemas: BTreeSet<String>,
    search_path: Vec<String>,
    /// Temporary tables of the session: not part of the schema, but later statements may
    /// name them (and must not be reported for it).
    temporary: BTreeSet<String>,
    /// The relations each view reads, as written (`(schema, name)`), kept from its CREATE
    /// VIEW so that dropping a table need not parse every view again.
    view_reads: BTreeMap<QualifiedName, Vec<(Option<String>, String)>>,
    problems: Vec<DdlProblem>,
}

impl Default for DdlApplier {
    fn default() -> Self {
        DdlApplier::new(Catalog::default())
    }
}

impl DdlApplier {
    /// Starts from `catalog` (empty, or the schema that migrations are applied on top of).
    pub fn new(catalog: Catalog) -> Self {
        let schemas = std::iter::once(PUBLIC.to_string())
            .chain(catalog.tables.keys().map(|n| n.schema.clone()))
            .chain(catalog.indexes.keys().map(|n| n.schema.clone()))
            .chain(catalog.views.keys().map(|n| n.schema.clone()))
            .chain(catalog.sequences.keys().map(|n| n.schema.clone()))
            .collect();
        DdlApplier {
            catalog,
            schemas,
            search_path: default_search_path(),
            temporary: BTreeSet::new(),
            view_reads: BTreeMap::new(),
            problems: Vec::new(),
        }
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The relation of that kind a name means here (search_path followed), if it exists.
    pub fn resolve(&self, kind: RelationKind, name: &ObjectName) -> Option<QualifiedName> {
        self.lookup_kind(kind, name)
    }

    /// The session's temporary tables are not part of the schema (nothing to lock).
    pub fn is_temporary_table(&self, name: &ObjectName) -> bool {
        self.is_temporary(name)
    }

    pub fn into_catalog(self) -> Catalog {
        self.catalog
    }

    /// Starts a new session: the search_path goes back to PostgreSQL's default. Each file of
    /// a migration folder runs in a session of its own.
    pub fn reset_session(&mut self) {
        self.search_path = default_search_path();
        self.temporary.clear();
    }

    pub fn apply(&mut self, statement: &Statement) -> Outcome {
        let effect = self.dispatch(statement, Recursion::Recurse);
        self.outcome(effect)
    }

    /// Applies a statement that was written with an `ONLY` sqlparser cannot read and that the
    /// caller removed — pg_dump's `CREATE INDEX … ON ONLY parent`: like [`apply`](Self::apply),
    /// but the index stays on the partitioned table itself (pg_dump creates and attaches each
    /// partition's index separately).
    pub fn apply_on_only(&mut self, statement: &Statement) -> Outcome {
        let effect = self.dispatch(statement, Recursion::Only);
        self.outcome(effect)
    }

    /// `ALTER SEQUENCE sequence OWNED BY table.column | NONE`, which sqlparser does not parse
    /// (pg_dump writes one per serial column).
    pub fn set_sequence_owner(
        &mut self,
        sequence: &ObjectName,
        owner: Option<&ObjectName>,
    ) -> Outcome {
        let found = self.lookup(sequence, |q| self.catalog.sequences.contains_key(q));
        let Some(sequence_name) = found else {
            self.missing(format!(
                "sequence \"{}\" does not exist",
                display_object_name(sequence)
            ));
            return self.outcome(Effect::Applied);
        };
        let owned_by = owner.and_then(|owner| self.owner_column(owner));
        if (owner.is_none() || owned_by.is_some())
            && let Some(sequence) = self.catalog.sequences.get_mut(&sequence_name)
        {
            sequence.owned_by = owned_by;
        }
        self.outcome(Effect::Applied)
    }

    /// `ALTER INDEX|SEQUENCE|VIEW|TABLE [IF EXISTS] name RENAME TO new_name`, for the forms
    /// sqlparser does not parse (`ALTER INDEX IF EXISTS`, `ALTER SEQUENCE … RENAME`).
    pub fn rename_relation(
        &mut self,
        kind: RelationKind,
        name: &ObjectName,
        if_exists: bool,
        new_name: &Ident,
    ) -> Outcome {
        self.rename_kind(kind, name, if_exists, &identifier(new_name));
        self.outcome(Effect::Applied)
    }

    fn outcome(&mut self, effect: Effect) -> Outcome {
        Outcome {
            effect,
            problems: std::mem::take(&mut self.problems),
        }
    }

    fn dispatch(&mut self, statement: &Statement, recursion: Recursion) -> Effect {
        match statement {
            Statement::CreateTable(create) => self.create_table(create),
            Statement::CreateIndex(create) => self.create_index(create, recursion),
            Statement::AlterTable(alter) => self.alter_table(alter),
            Statement::AlterIndex {
                name,
                operation: AlterIndexOperation::RenameIndex { index_name },
            } => {
                let new_name = last_identifier(index_name);
                self.rename_kind(RelationKind::Index, name, false, &new_name);
                Effect::Applied
            }
            Statement::Drop {
                object_type,
                if_exists,
                names,
                cascade,
                ..
            } => self.drop(*object_type, names, *if_exists, *cascade),
            Statement::CreateView(view) => self.create_view(view),
            Statement::AlterView(alter) => match &alter.operation {
                AlterViewOperation::RenameTo { new_name } => {
                    let new_name = last_identifier(new_name);
                    self.rename_kind(RelationKind::View, &alter.name, alter.if_exists, &new_name);
                    Effect::Applied
                }
                _ => Effect::Ignored,
            },
            Statement::CreateSequence {
                temporary,
                if_not_exists,
                name,
                sequence_options,
            } => self.create_sequence(*temporary, *if_not_exists, name, sequence_options),
            Statement::CreateDomain(create) => self.create_domain(create),
            Statement::CreateSchema {
                schema_name,
                if_not_exists,
                ..
            } => self.create_schema(schema_name, *if_not_exists),
            Statement::Set(set) => self.set(set),
            Statement::Query(query) => {
                if let Some(path) = search_path_of_set_config(query) {
                    self.search_path = path;
                }
                Effect::Ignored
            }
            _ => Effect::Ignored,
        }
    }

    fn problem(&mut self, kind: ProblemKind, message: String) {
        self.problems.push(DdlProblem { kind, message });
    }

    fn missing(&mut self, message: String) {
        self.problem(ProblemKind::MissingObject, message);
    }

    fn has_column(&self, table: &QualifiedName, column: &str) -> bool {
        self.catalog
            .tables
            .get(table)
            .is_some_and(|t| t.column(column).is_some())
    }

    fn columns_of(&self, table: &QualifiedName) -> Vec<Column> {
        self.catalog
            .tables
            .get(table)
            .map(|t| t.columns.clone())
            .unwrap_or_default()
    }

    /// Tables, indexes, views and sequences share one namespace per schema (`pg_class`).
    fn relation_exists(&self, name: &QualifiedName) -> bool {
        self.catalog.tables.contains_key(name)
            || self.catalog.indexes.contains_key(name)
            || self.catalog.views.contains_key(name)
            || self.catalog.sequences.contains_key(name)
    }

    fn owner_column(&mut self, owner: &ObjectName) -> Option<(QualifiedName, String)> {
        let parts = &owner.0;
        let (column, table_parts) = parts.split_last()?;
        let column = part_identifier(column);
        let table_name = ObjectName(table_parts.to_vec());
        let table = self.existing_table(&table_name)?;
        if !self.has_column(&table, &column) {
            self.missing(format!(
                "column \"{column}\" of relation \"{table}\" does not exist"
            ));
            return None;
        }
        Some((table, column))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ddl::test_support::*;
    use crate::sql::parse::parse_sql;

    #[test]
    fn ddl_about_missing_objects_is_reported() {
        let mut applier = DdlApplier::default();
        let problems = apply(
            &mut applier,
            "ALTER TABLE missing ADD COLUMN x int;
             CREATE INDEX ON missing (x);
             DROP TABLE missing;
             DROP TABLE IF EXISTS missing;
             ALTER TABLE IF EXISTS missing ADD COLUMN x int;
             CREATE TABLE t (a int REFERENCES nowhere);
             ALTER TABLE t ALTER COLUMN nope SET NOT NULL;
             ALTER TABLE t DROP COLUMN IF EXISTS nope;
             ALTER TABLE t DROP CONSTRAINT nope;
             ALTER INDEX nope RENAME TO still_nope",
        );
        assert_eq!(kinds(&problems), [ProblemKind::MissingObject; 7]);
        assert!(problems[0].message.contains("\"missing\""), "{problems:?}");
        // The table with the dangling reference is still there.
        assert!(applier.catalog().tables.contains_key(&name("t")));
        let missing_sequence = ObjectName::from(vec![Ident::new("nope_seq")]);
        let outcome = applier.set_sequence_owner(&missing_sequence, None);
        assert_eq!(kinds(&outcome.problems), [ProblemKind::MissingObject]);
    }

    #[test]
    fn duplicates_are_reported_unless_if_not_exists() {
        let mut applier = DdlApplier::default();
        let problems = apply(
            &mut applier,
            "CREATE TABLE t (a int);
             CREATE TABLE IF NOT EXISTS t (a int);
             CREATE TABLE t (b int);
             CREATE INDEX i ON t (a);
             CREATE INDEX IF NOT EXISTS i ON t (a);
             CREATE INDEX i ON t (a);
             CREATE SEQUENCE t;
             ALTER TABLE t ADD COLUMN a int;
             ALTER TABLE t ADD COLUMN IF NOT EXISTS a int",
        );
        assert_eq!(kinds(&problems), [ProblemKind::DuplicateObject; 4]);
        assert_eq!(table(applier.catalog(), "t").columns.len(), 1);
    }

    #[test]
    fn statements_the_catalog_does_not_model_are_ignored() {
        let mut applier = DdlApplier::default();
        for sql in [
            "SET statement_timeout = 0",
            "SELECT 1",
            "COMMENT ON TABLE t IS 'x'",
            "GRANT SELECT ON t TO PUBLIC",
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            "ALTER TABLE t OWNER TO app",
            "INSERT INTO t VALUES (1)",
            "BEGIN",
        ] {
            let statement = &parse_sql(sql).unwrap()[0];
            let outcome = applier.apply(statement);
            assert_eq!(outcome.effect, Effect::Ignored, "{sql}");
            assert!(outcome.problems.is_empty(), "{sql}");
        }
    }
}
