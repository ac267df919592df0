//! Applying DDL to the catalog: the pure half of `--schema`. `input::schema` reads the files,
//! splits and parses them; this turns each parsed statement (sqlparser's AST) into changes of a
//! [`Catalog`], with no I/O.
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

use super::catalog::{
    Catalog, CheckConstraint, Column, ForeignKey, Index, IndexKey, KeyConstraint, PartitionOf,
    PartitionStrategy, Partitioning, QualifiedName, Sequence, Table, View,
};
use crate::sql::parse::parse_sql;
use sqlparser::ast::{
    AlterColumnOperation, AlterIndexOperation, AlterTable, AlterTableOperation, AlterViewOperation,
    ArrayElemTypeDef, CastKind, CharacterLength, ColumnDef, ColumnOption, CreateIndex, CreateTable,
    CreateTableLikeDefaults, CreateTableLikeKind, CreateView, DataType, ExactNumberInfo, Expr,
    ForValues, ForeignKeyConstraint, FunctionArg, FunctionArgExpr, FunctionArguments,
    GeometricTypeKind, Ident, IndexColumn, IndexType, IntervalFields, ObjectName, ObjectNamePart,
    ObjectType, OrderBySort, Query, ReferentialAction, RenameTableNameKind, SchemaName, SelectItem,
    SelectItemQualifiedWildcardKind, SequenceOptions, Set, SetExpr, Statement, TableConstraint,
    TableFactor, TableWithJoins, TimezoneInfo, Value,
};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;

/// PostgreSQL truncates identifiers to `NAMEDATALEN - 1` bytes.
const MAX_IDENTIFIER_BYTES: usize = 63;
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
    pub fn diagnostic_kind(self) -> &'static str {
        match self {
            ProblemKind::MissingObject => "ddl_missing_object",
            ProblemKind::DuplicateObject => "ddl_duplicate_object",
            ProblemKind::Dependency => "ddl_dependency",
            ProblemKind::Unsupported => "ddl_unsupported",
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
#[derive(Debug)]
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

    // ----- names --------------------------------------------------------------------------

    fn problem(&mut self, kind: ProblemKind, message: String) {
        self.problems.push(DdlProblem { kind, message });
    }

    fn missing(&mut self, message: String) {
        self.problem(ProblemKind::MissingObject, message);
    }

    /// The schema unqualified names are created in: the first existing one on the path.
    fn creation_schema(&self) -> String {
        self.search_path
            .iter()
            .find(|schema| self.schemas.contains(*schema))
            .cloned()
            .unwrap_or_else(|| PUBLIC.to_string())
    }

    fn creation_name(&self, name: &ObjectName) -> QualifiedName {
        let (schema, name) = split_object_name(name);
        QualifiedName::new(schema.unwrap_or_else(|| self.creation_schema()), name)
    }

    /// Resolves a name the way PostgreSQL does: qualified as written, else the first schema
    /// of the search_path holding such an object (`public` when the path is empty, which
    /// pg_dump sets only to qualify every name anyway).
    fn lookup(
        &self,
        name: &ObjectName,
        exists: impl Fn(&QualifiedName) -> bool,
    ) -> Option<QualifiedName> {
        let (schema, name) = split_object_name(name);
        match schema {
            Some(schema) => Some(QualifiedName::new(schema, name)).filter(|q| exists(q)),
            None if self.search_path.is_empty() => {
                Some(QualifiedName::new(PUBLIC, name)).filter(|q| exists(q))
            }
            None => self
                .search_path
                .iter()
                .map(|schema| QualifiedName::new(schema.clone(), name.clone()))
                .find(|q| exists(q)),
        }
    }

    /// Whether an unqualified name is one of the session's temporary tables.
    fn is_temporary(&self, name: &ObjectName) -> bool {
        matches!(split_object_name(name), (None, name) if self.temporary.contains(&name))
    }

    fn lookup_table(&self, name: &ObjectName) -> Option<QualifiedName> {
        self.lookup(name, |q| self.catalog.tables.contains_key(q))
    }

    /// A table that must exist; its absence is reported.
    fn existing_table(&mut self, name: &ObjectName) -> Option<QualifiedName> {
        let found = self.lookup_table(name);
        if found.is_none() {
            self.missing(format!(
                "relation \"{}\" does not exist",
                display_object_name(name)
            ));
        }
        found
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

    fn constraint_name_exists(&self, schema: &str, name: &str) -> bool {
        self.catalog
            .tables
            .values()
            .filter(|table| table.name.schema == schema)
            .any(|table| constraint_names(table).any(|existing| existing == name))
    }

    /// PostgreSQL's `ChooseRelationName`: `name1_name2_label`, truncated to fit, with a
    /// counter on the label until no relation (nor, for constraints, constraint) has it.
    fn choose_relation_name(
        &self,
        schema: &str,
        name1: &str,
        name2: Option<&str>,
        label: &str,
        is_constraint: bool,
    ) -> String {
        self.choose_name(name1, name2, label, |candidate| {
            self.relation_exists(&QualifiedName::new(schema, candidate))
                || (is_constraint && self.constraint_name_exists(schema, candidate))
        })
    }

    /// PostgreSQL's `ChooseConstraintName` (checks and foreign keys): unique among the
    /// schema's constraints.
    fn choose_constraint_name(
        &self,
        schema: &str,
        name1: &str,
        name2: Option<&str>,
        label: &str,
    ) -> String {
        self.choose_name(name1, name2, label, |candidate| {
            self.constraint_name_exists(schema, candidate)
        })
    }

    fn choose_name(
        &self,
        name1: &str,
        name2: Option<&str>,
        label: &str,
        taken: impl Fn(&str) -> bool,
    ) -> String {
        let mut candidate = make_object_name(name1, name2, label);
        let mut pass = 0;
        while taken(&candidate) {
            pass += 1;
            candidate = make_object_name(name1, name2, &format!("{label}{pass}"));
        }
        candidate
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

    // ----- CREATE TABLE -------------------------------------------------------------------

    fn create_table(&mut self, create: &CreateTable) -> Effect {
        if create.temporary {
            // Temporary tables live for one session; they are never part of the schema.
            self.temporary.insert(last_identifier(&create.name));
            return Effect::Ignored;
        }
        let name = self.creation_name(&create.name);
        if self.relation_exists(&name) {
            if !create.if_not_exists {
                self.problem(
                    ProblemKind::DuplicateObject,
                    format!("relation \"{name}\" already exists"),
                );
            }
            return Effect::Applied;
        }
        self.schemas.insert(name.schema.clone());
        let mut table = Table {
            name: name.clone(),
            unlogged: create.unlogged,
            ..Table::default()
        };
        // Columns from a parent come first, as in PostgreSQL.
        let parent = match &create.partition_of {
            Some(parent) => self.existing_table(parent),
            None => None,
        };
        if let Some(parent) = &parent {
            table.columns = self.columns_of(parent);
        }
        for inherited in create.inherits.iter().flatten() {
            if let Some(parent) = self.existing_table(inherited) {
                for column in self.columns_of(&parent) {
                    if table.column(&column.name).is_none() {
                        table.columns.push(column);
                    }
                }
            }
        }
        if let Some(like) = &create.like {
            let like = match like {
                CreateTableLikeKind::Parenthesized(like) | CreateTableLikeKind::Plain(like) => like,
            };
            if let Some(source) = self.existing_table(&like.name) {
                let with_defaults = like.defaults == Some(CreateTableLikeDefaults::Including);
                for column in self.columns_of(&source) {
                    table.columns.push(Column {
                        default: column.default.filter(|_| with_defaults),
                        identity: false,
                        stats: None,
                        ..column
                    });
                }
            }
        }
        if let Some(query) = &create.query {
            table.columns = self.query_columns(query, &name);
        }
        if let Some(partition_by) = &create.partition_by {
            table.partitioning = self.partitioning(partition_by);
        }
        self.catalog.tables.insert(name.clone(), table);

        let mut pending = Vec::new();
        for def in &create.columns {
            self.define_column(&name, def, &mut pending);
        }
        pending.extend(
            create
                .constraints
                .iter()
                .filter_map(|c| pending_constraint(c, false)),
        );
        self.add_constraints(&name, pending, Recursion::Recurse, true);

        if let (Some(parent), Some(bounds)) = (parent, &create.for_values) {
            self.attach_partition(&parent, &name, bounds_text(bounds));
        }
        Effect::Applied
    }

    /// The columns of `CREATE TABLE name AS query`: named as PostgreSQL names them, typed
    /// where the query shows the type (a column of a known table or view, a cast, a constant,
    /// an aggregate of those), `unknown` where only type analysis could tell — which is
    /// reported.
    fn query_columns(&mut self, query: &Query, table: &QualifiedName) -> Vec<Column> {
        let columns: Vec<Column> = self
            .output_columns(query, 0)
            .into_iter()
            .map(|(name, data_type)| Column {
                name,
                data_type,
                nullable: true,
                ..Column::default()
            })
            .collect();
        let unknown: Vec<&str> = columns
            .iter()
            .filter(|c| c.data_type == UNKNOWN_TYPE)
            .map(|c| c.name.as_str())
            .collect();
        if !unknown.is_empty() {
            let message = format!(
                "the type of {} of \"{table}\" (CREATE TABLE … AS) is not known",
                unknown.join(", ")
            );
            self.problem(ProblemKind::Unsupported, message);
        }
        columns
    }

    /// `(name, type)` of each column a query returns (its first SELECT for set operations).
    /// `depth` counts the views and subqueries looked into, which a (recursive) view could
    /// otherwise make endless.
    fn output_columns(&self, query: &Query, depth: usize) -> Vec<(String, String)> {
        const MAX_DEPTH: usize = 16;
        if depth > MAX_DEPTH {
            return Vec::new();
        }
        let mut body = query.body.as_ref();
        let select = loop {
            match body {
                SetExpr::Select(select) => break select,
                SetExpr::SetOperation { left, .. } => body = left,
                SetExpr::Query(query) => body = &query.body,
                _ => return Vec::new(),
            }
        };
        let sources = self.query_sources(&select.from, depth + 1);
        let mut columns = Vec::new();
        for item in &select.projection {
            match item {
                SelectItem::UnnamedExpr(expr) => columns.push((
                    figure(expr).map_or_else(|| "?column?".to_string(), |(name, _)| name),
                    expression_type(expr, &sources),
                )),
                SelectItem::ExprWithAlias { expr, alias } => {
                    columns.push((identifier(alias), expression_type(expr, &sources)))
                }
                SelectItem::Wildcard(_) => {
                    columns.extend(sources.iter().flat_map(|s| s.columns.iter().cloned()))
                }
                SelectItem::QualifiedWildcard(
                    SelectItemQualifiedWildcardKind::ObjectName(name),
                    _,
                ) => {
                    let alias = last_identifier(name);
                    if let Some(source) = sources.iter().find(|s| s.alias == alias) {
                        columns.extend(source.columns.iter().cloned());
                    }
                }
                _ => {}
            }
        }
        columns
    }

    /// The tables and subqueries of a FROM clause, with their columns.
    fn query_sources(&self, from: &[TableWithJoins], depth: usize) -> Vec<QuerySource> {
        let factors = from
            .iter()
            .flat_map(|t| std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation)));
        let mut sources = Vec::new();
        for factor in factors {
            match factor {
                TableFactor::Table { name, alias, .. } => {
                    let alias = alias
                        .as_ref()
                        .map_or_else(|| last_identifier(name), |a| identifier(&a.name));
                    let table = self.lookup_table(name);
                    let view = self.lookup_kind(RelationKind::View, name);
                    if let Some(table) = table.and_then(|t| self.catalog.tables.get(&t)) {
                        let columns = table
                            .columns
                            .iter()
                            .map(|c| (c.name.clone(), c.data_type.clone()))
                            .collect();
                        sources.push(QuerySource { alias, columns });
                    } else if let Some(view) = view.and_then(|v| self.catalog.views.get(&v)) {
                        // A view's columns are its query's.
                        if let Ok([Statement::Query(query)]) = parse_sql(&view.query).as_deref() {
                            let columns = self.output_columns(query, depth);
                            sources.push(QuerySource { alias, columns });
                        }
                    }
                }
                TableFactor::Derived {
                    subquery, alias, ..
                } => {
                    let mut columns = self.output_columns(subquery, depth);
                    if let Some(alias) = alias {
                        for (column, name) in columns.iter_mut().zip(&alias.columns) {
                            column.0 = identifier(&name.name);
                        }
                    }
                    sources.push(QuerySource {
                        alias: alias
                            .as_ref()
                            .map(|a| identifier(&a.name))
                            .unwrap_or_default(),
                        columns,
                    });
                }
                _ => {}
            }
        }
        sources
    }

    fn partitioning(&mut self, partition_by: &Expr) -> Option<Partitioning> {
        let Expr::Function(function) = partition_by else {
            self.unknown_partitioning(partition_by);
            return None;
        };
        let strategy = match last_identifier(&function.name).as_str() {
            "range" => PartitionStrategy::Range,
            "list" => PartitionStrategy::List,
            "hash" => PartitionStrategy::Hash,
            _ => {
                self.unknown_partitioning(partition_by);
                return None;
            }
        };
        let key = function_arguments(&function.args)
            .map(|expr| match strip_parens(expr) {
                Expr::Identifier(ident) => identifier(ident),
                other => key_expression(other),
            })
            .collect();
        Some(Partitioning { strategy, key })
    }

    fn unknown_partitioning(&mut self, partition_by: &Expr) {
        self.problem(
            ProblemKind::Unsupported,
            format!("PARTITION BY {partition_by}: not a RANGE, LIST or HASH partitioning"),
        );
    }

    /// Adds one column definition to an existing table (or, for `PARTITION OF … (col WITH
    /// OPTIONS)`, applies its options to the inherited column). Serial and identity columns get
    /// their sequence; constraints written on the column are queued in `pending`.
    fn define_column<'a>(
        &mut self,
        table_name: &QualifiedName,
        def: &'a ColumnDef,
        pending: &mut Vec<PendingConstraint<'a>>,
    ) {
        let name = identifier(&def.name);
        let serial = serial_type(&def.data_type);
        let Some(table) = self.catalog.tables.get_mut(table_name) else {
            return;
        };
        let existing = table.columns.iter().position(|c| c.name == name);
        let mut column = match existing {
            Some(position) => table.columns[position].clone(),
            None => Column {
                name: name.clone(),
                data_type: String::new(),
                nullable: true,
                ..Column::default()
            },
        };
        if def.data_type != DataType::Unspecified {
            column.data_type = match serial {
                Some(serial) => serial.to_string(),
                None => format_type(&def.data_type),
            };
        }
        let key_on_column = || vec![column_key(&name)];
        let mut string_default: Option<&str> = None;
        for option in &def.options {
            let constraint_name = option.name.as_ref().map(identifier);
            match &option.option {
                ColumnOption::Null => column.nullable = true,
                ColumnOption::NotNull => column.nullable = false,
                ColumnOption::Default(expr) => {
                    string_default = string_literal(expr);
                    column.default = Some(canonical_expression(expr));
                }
                ColumnOption::PrimaryKey(key) => {
                    column.nullable = false;
                    pending.push(PendingConstraint::Key(KeySpec {
                        kind: KeyKind::Primary,
                        name: constraint_name.or_else(|| key.name.as_ref().map(identifier)),
                        keys: key_on_column(),
                        include: key.include.iter().map(identifier).collect(),
                        method: "btree".into(),
                        predicate: None,
                    }));
                }
                ColumnOption::Unique(key) => pending.push(PendingConstraint::Key(KeySpec {
                    kind: KeyKind::Unique,
                    name: constraint_name.or_else(|| key.name.as_ref().map(identifier)),
                    keys: key_on_column(),
                    include: key.include.iter().map(identifier).collect(),
                    method: "btree".into(),
                    predicate: None,
                })),
                ColumnOption::ForeignKey(foreign) => pending.push(PendingConstraint::Foreign {
                    name: constraint_name.or_else(|| foreign.name.as_ref().map(identifier)),
                    columns: vec![name.clone()],
                    constraint: foreign,
                    not_valid: false,
                }),
                ColumnOption::Check(check) => pending.push(PendingConstraint::Check {
                    name: constraint_name.or_else(|| check.name.as_ref().map(identifier)),
                    expr: &check.expr,
                    not_valid: false,
                }),
                ColumnOption::Generated {
                    generation_expr: Some(expr),
                    ..
                } => column.generated = Some(canonical_expression(expr)),
                ColumnOption::Generated {
                    generation_expr: None,
                    ..
                }
                | ColumnOption::Identity(_) => {
                    column.identity = true;
                    column.nullable = false;
                }
                // COLLATE, COMMENT, storage options: nothing the catalog keeps.
                _ => {}
            }
        }
        if let Some(literal) = string_default {
            column.default = Some(typed_literal(literal, &column.data_type));
        }
        if serial.is_some() {
            column.nullable = false;
        }
        let needs_sequence = serial.is_some() || (column.identity && existing.is_none());
        match existing {
            Some(position) => table.columns[position] = column,
            None => table.columns.push(column),
        }
        if needs_sequence {
            let sequence = self.create_owned_sequence(table_name, &name);
            if serial.is_some()
                && let Some(column) = self
                    .catalog
                    .tables
                    .get_mut(table_name)
                    .and_then(|t| t.column_mut(&name))
            {
                column.default = Some(format!(
                    "nextval({}::regclass)",
                    quote_literal(&regclass_text(&sequence))
                ));
            }
        }
    }

    /// The sequence of a serial or identity column: `<table>_<column>_seq`, owned by it.
    fn create_owned_sequence(&mut self, table: &QualifiedName, column: &str) -> QualifiedName {
        let name = QualifiedName::new(
            table.schema.clone(),
            self.choose_relation_name(&table.schema, &table.name, Some(column), "seq", false),
        );
        self.catalog.sequences.insert(
            name.clone(),
            Sequence {
                name: name.clone(),
                owned_by: Some((table.clone(), column.to_string())),
            },
        );
        name
    }

    // ----- constraints --------------------------------------------------------------------

    /// Adds constraints in the order PostgreSQL names them: checks as they come, then the
    /// primary key, the other index-backed keys, and the foreign keys last.
    fn add_constraints(
        &mut self,
        table: &QualifiedName,
        pending: Vec<PendingConstraint>,
        recursion: Recursion,
        in_create_table: bool,
    ) {
        let (checks, rest): (Vec<_>, Vec<_>) = pending
            .into_iter()
            .partition(|p| matches!(p, PendingConstraint::Check { .. }));
        let (keys, foreign): (Vec<_>, Vec<_>) = rest
            .into_iter()
            .partition(|p| matches!(p, PendingConstraint::Key(_)));
        let mut keys: Vec<KeySpec> = keys
            .into_iter()
            .filter_map(|p| match p {
                PendingConstraint::Key(key) => Some(key),
                _ => None,
            })
            .collect();
        keys.sort_by_key(|key| key.kind != KeyKind::Primary);
        if in_create_table {
            // CREATE TABLE builds one index for keys written twice (`a int UNIQUE, UNIQUE (a)`,
            // `PRIMARY KEY UNIQUE`); ALTER TABLE would build two.
            let mut seen: Vec<(Vec<IndexKey>, Vec<String>)> = Vec::new();
            keys.retain(|key| {
                let signature = (key.keys.clone(), key.include.clone());
                let duplicate = key.kind != KeyKind::Exclusion && seen.contains(&signature);
                if key.kind != KeyKind::Exclusion {
                    seen.push(signature);
                }
                !duplicate
            });
        }
        for check in checks {
            if let PendingConstraint::Check {
                name,
                expr,
                not_valid,
            } = check
            {
                self.add_check(table, name, expr, not_valid, recursion);
            }
        }
        for key in keys {
            self.add_key(table, key, recursion);
        }
        for foreign in foreign {
            if let PendingConstraint::Foreign {
                name,
                columns,
                constraint,
                not_valid,
            } = foreign
            {
                self.add_foreign_key(table, name, columns, constraint, not_valid, recursion);
            }
        }
    }

    fn add_check(
        &mut self,
        table_name: &QualifiedName,
        name: Option<String>,
        expr: &Expr,
        not_valid: bool,
        recursion: Recursion,
    ) {
        let Some(table) = self.catalog.tables.get(table_name) else {
            return;
        };
        let name = name.unwrap_or_else(|| {
            // "tab_col_check" when the check reads one column, else "tab_check".
            let columns: BTreeSet<String> = referenced_identifiers(expr)
                .into_iter()
                .filter(|c| table.column(c).is_some())
                .collect();
            let column = (columns.len() == 1)
                .then(|| columns.into_iter().next())
                .flatten();
            self.choose_constraint_name(
                &table_name.schema,
                &table_name.name,
                column.as_deref(),
                "check",
            )
        });
        let check = CheckConstraint {
            name: Some(name),
            expression: canonical_expression(expr),
            not_valid,
        };
        for member in self.family(table_name, recursion) {
            if let Some(table) = self.catalog.tables.get_mut(&member)
                && !table.checks.iter().any(|c| c.name == check.name)
            {
                table.checks.push(check.clone());
            }
        }
    }

    fn add_key(&mut self, table_name: &QualifiedName, key: KeySpec, recursion: Recursion) {
        let Some(table) = self.catalog.tables.get(table_name) else {
            return;
        };
        if key.kind == KeyKind::Primary && table.primary_key.is_some() {
            self.problem(
                ProblemKind::DuplicateObject,
                format!("multiple primary keys for table \"{table_name}\" are not allowed"),
            );
            return;
        }
        for missing in key
            .keys
            .iter()
            .filter(|k| k.is_column)
            .map(|k| &k.expression)
            .chain(&key.include)
            .filter(|c| table.column(c).is_none())
        {
            self.problems.push(DdlProblem {
                kind: ProblemKind::MissingObject,
                message: format!(
                    "column \"{missing}\" named in key does not exist in \"{table_name}\""
                ),
            });
        }
        let index = Index {
            name: QualifiedName::default(),
            table: table_name.clone(),
            method: key.method,
            keys: key.keys,
            include: key.include,
            predicate: key.predicate,
            unique: key.kind != KeyKind::Exclusion,
            primary: key.kind == KeyKind::Primary,
            constraint: true,
            stats: None,
        };
        let name = match key.name {
            Some(name) => name,
            None => self.choose_index_name(table_name, &index, &key_column_names(&index)),
        };
        let name = QualifiedName::new(table_name.schema.clone(), name);
        if self.relation_exists(&name) {
            self.problem(
                ProblemKind::DuplicateObject,
                format!("relation \"{name}\" already exists"),
            );
            return;
        }
        let index = Index { name, ..index };
        self.insert_constraint_index(index.clone());
        if recursion == Recursion::Recurse {
            for partition in self.partitions(table_name) {
                self.clone_index(&index, &partition);
            }
        }
    }

    /// Inserts an index backing a key constraint, and the constraint on its table.
    fn insert_constraint_index(&mut self, index: Index) {
        if let Some(table) = self.catalog.tables.get_mut(&index.table) {
            if index.primary {
                for key in index.leading_columns() {
                    if let Some(column) = table.columns.iter_mut().find(|c| c.name == key) {
                        column.nullable = false;
                    }
                }
            }
            let constraint = KeyConstraint {
                name: Some(index.name.name.clone()),
                columns: index.keys.iter().map(|k| k.expression.clone()).collect(),
            };
            if index.primary {
                table.primary_key = Some(constraint);
            } else if index.unique {
                table.unique_constraints.push(constraint);
            }
        }
        self.catalog.indexes.insert(index.name.clone(), index);
    }

    /// `ChooseIndexName`: `<table>_pkey`, `<table>_<columns>_key|_excl|_idx`.
    fn choose_index_name(
        &self,
        table: &QualifiedName,
        index: &Index,
        columns: &[String],
    ) -> String {
        let addition = name_addition(columns);
        let (name2, label, is_constraint) = if index.primary {
            (None, "pkey", true)
        } else if index.constraint && !index.unique {
            (Some(addition.as_str()), "excl", true)
        } else if index.constraint {
            (Some(addition.as_str()), "key", true)
        } else {
            (Some(addition.as_str()), "idx", false)
        };
        self.choose_relation_name(&table.schema, &table.name, name2, label, is_constraint)
    }

    fn add_foreign_key(
        &mut self,
        table_name: &QualifiedName,
        name: Option<String>,
        columns: Vec<String>,
        constraint: &ForeignKeyConstraint,
        not_valid: bool,
        recursion: Recursion,
    ) {
        if !self.catalog.tables.contains_key(table_name) {
            return;
        }
        let references = match self.lookup_table(&constraint.foreign_table) {
            Some(found) => found,
            None => {
                self.missing(format!(
                    "relation \"{}\" referenced by a foreign key of \"{table_name}\" does not exist",
                    display_object_name(&constraint.foreign_table)
                ));
                self.creation_name(&constraint.foreign_table)
            }
        };
        let referenced_columns = if constraint.referred_columns.is_empty() {
            // REFERENCES t without columns means t's primary key.
            self.catalog
                .tables
                .get(&references)
                .and_then(|t| t.primary_key.as_ref())
                .map(|k| k.columns.clone())
                .unwrap_or_default()
        } else {
            constraint.referred_columns.iter().map(identifier).collect()
        };
        let name = name.unwrap_or_else(|| {
            self.choose_constraint_name(
                &table_name.schema,
                &table_name.name,
                Some(&name_addition(&columns)),
                "fkey",
            )
        });
        let foreign_key = ForeignKey {
            name: Some(name),
            columns,
            references,
            referenced_columns,
            on_delete: constraint.on_delete.and_then(referential_action),
            not_valid,
        };
        // A foreign key of a partitioned table is one of each partition too, same name.
        for member in self.family(table_name, recursion) {
            if let Some(table) = self.catalog.tables.get_mut(&member)
                && !table
                    .foreign_keys
                    .iter()
                    .any(|f| f.name == foreign_key.name)
            {
                table.foreign_keys.push(foreign_key.clone());
            }
        }
    }

    // ----- partitions ---------------------------------------------------------------------

    /// The direct partitions of a table.
    fn partitions(&self, parent: &QualifiedName) -> Vec<QualifiedName> {
        self.catalog
            .tables
            .values()
            .filter(|t| t.partition_of.as_ref().is_some_and(|p| &p.parent == parent))
            .map(|t| t.name.clone())
            .collect()
    }

    /// The table and, unless `ONLY`, its partitions at every level.
    fn family(&self, table: &QualifiedName, recursion: Recursion) -> Vec<QualifiedName> {
        let mut family = vec![table.clone()];
        if recursion == Recursion::Recurse {
            let mut next = 0;
            while next < family.len() {
                for child in self.partitions(&family[next]) {
                    if !family.contains(&child) {
                        family.push(child);
                    }
                }
                next += 1;
            }
        }
        family
    }

    /// Makes `child` a partition of `parent`: it gets the parent's indexes (unless it has an
    /// equivalent one already, which PostgreSQL attaches instead), foreign keys and checks.
    fn attach_partition(&mut self, parent: &QualifiedName, child: &QualifiedName, bounds: String) {
        if self.family(child, Recursion::Recurse).contains(parent) {
            self.problem(
                ProblemKind::Unsupported,
                format!("\"{child}\" cannot become a partition of itself or of its own partition \"{parent}\""),
            );
            return;
        }
        let Some(table) = self.catalog.tables.get_mut(child) else {
            return;
        };
        table.partition_of = Some(PartitionOf {
            parent: parent.clone(),
            bounds,
        });
        let indexes: Vec<Index> = self
            .catalog
            .indexes
            .values()
            .filter(|i| &i.table == parent)
            .cloned()
            .collect();
        for index in &indexes {
            self.clone_index(index, child);
        }
        let Some(parent_table) = self.catalog.tables.get(parent) else {
            return;
        };
        let (foreign_keys, checks) = (
            parent_table.foreign_keys.clone(),
            parent_table.checks.clone(),
        );
        for member in self.family(child, Recursion::Recurse) {
            if let Some(table) = self.catalog.tables.get_mut(&member) {
                for foreign_key in &foreign_keys {
                    if !table
                        .foreign_keys
                        .iter()
                        .any(|f| f.name == foreign_key.name)
                    {
                        table.foreign_keys.push(foreign_key.clone());
                    }
                }
                for check in &checks {
                    if !table.checks.iter().any(|c| c.name == check.name) {
                        table.checks.push(check.clone());
                    }
                }
            }
        }
    }

    /// Gives a partition, and the partitions below it, their copy of a partitioned table's
    /// index, named as PostgreSQL names the copy — unless the partition has an equivalent
    /// index already, which PostgreSQL attaches instead.
    fn clone_index(&mut self, index: &Index, partition: &QualifiedName) {
        for member in self.family(partition, Recursion::Recurse) {
            let equivalent = self.catalog.indexes.values().any(|existing| {
                existing.table == member
                    && existing.method == index.method
                    && existing.keys == index.keys
                    && existing.include == index.include
                    && existing.predicate == index.predicate
                    && existing.unique == index.unique
            });
            if equivalent {
                continue;
            }
            let columns = key_column_names(index);
            let name = self.choose_index_name(&member, index, &columns);
            let copy = Index {
                name: QualifiedName::new(member.schema.clone(), name),
                table: member.clone(),
                stats: None,
                ..index.clone()
            };
            if copy.constraint {
                self.insert_constraint_index(copy);
            } else {
                self.catalog.indexes.insert(copy.name.clone(), copy);
            }
        }
    }

    // ----- CREATE INDEX -------------------------------------------------------------------

    fn create_index(&mut self, create: &CreateIndex, recursion: Recursion) -> Effect {
        // Indexes go on tables and materialized views.
        let target = self.lookup(&create.table_name, |q| {
            self.catalog.tables.contains_key(q)
                || self.catalog.views.get(q).is_some_and(|v| v.materialized)
        });
        let Some(table) = target else {
            if self.is_temporary(&create.table_name) {
                return Effect::Ignored;
            }
            self.missing(format!(
                "relation \"{}\" does not exist",
                display_object_name(&create.table_name)
            ));
            return Effect::Applied;
        };
        let keys: Vec<IndexKey> = create.columns.iter().map(index_key).collect();
        let include: Vec<String> = create.include.iter().map(identifier).collect();
        let index = Index {
            name: QualifiedName::default(),
            table: table.clone(),
            method: create
                .using
                .as_ref()
                .map_or_else(|| "btree".to_string(), index_method),
            keys,
            include,
            predicate: create.predicate.as_ref().map(canonical_expression),
            unique: create.unique,
            primary: false,
            constraint: false,
            stats: None,
        };
        let name = match &create.name {
            // An index lives in its table's schema; PostgreSQL rejects any other.
            Some(name) => last_identifier(name),
            None => {
                let columns: Vec<String> = create
                    .columns
                    .iter()
                    .map(|c| figure_column_name(&c.column.expr))
                    .chain(index.include.iter().cloned())
                    .collect();
                self.choose_index_name(&table, &index, &unique_column_names(columns))
            }
        };
        let name = QualifiedName::new(table.schema.clone(), name);
        if self.relation_exists(&name) {
            if !create.if_not_exists {
                self.problem(
                    ProblemKind::DuplicateObject,
                    format!("relation \"{name}\" already exists"),
                );
            }
            return Effect::Applied;
        }
        let index = Index { name, ..index };
        self.catalog
            .indexes
            .insert(index.name.clone(), index.clone());
        if recursion == Recursion::Recurse {
            for partition in self.partitions(&table) {
                self.clone_index(&index, &partition);
            }
        }
        Effect::Applied
    }

    // ----- ALTER TABLE --------------------------------------------------------------------

    fn alter_table(&mut self, alter: &AlterTable) -> Effect {
        if !alter.operations.iter().any(changes_catalog) || self.is_temporary(&alter.name) {
            return Effect::Ignored;
        }
        let Some(mut table) = self.lookup_table(&alter.name) else {
            // ALTER TABLE … RENAME TO renames any relation in PostgreSQL.
            if let [AlterTableOperation::RenameTable { table_name }] = alter.operations.as_slice()
                && let Some(kind) = self.relation_kind(&alter.name)
            {
                let new_name = last_identifier(rename_target(table_name));
                self.rename_kind(kind, &alter.name, alter.if_exists, &new_name);
                return Effect::Applied;
            }
            if !alter.if_exists {
                self.missing(format!(
                    "relation \"{}\" does not exist",
                    display_object_name(&alter.name)
                ));
            }
            return Effect::Applied;
        };
        let recursion = if alter.only {
            Recursion::Only
        } else {
            Recursion::Recurse
        };
        for operation in &alter.operations {
            if let Some(renamed) = self.alter_table_operation(&table, operation, recursion) {
                table = renamed;
            }
        }
        Effect::Applied
    }

    /// Applies one `ALTER TABLE` action; returns the table's new name if it was renamed.
    fn alter_table_operation(
        &mut self,
        table: &QualifiedName,
        operation: &AlterTableOperation,
        recursion: Recursion,
    ) -> Option<QualifiedName> {
        match operation {
            AlterTableOperation::AddColumn {
                if_not_exists,
                column_def,
                ..
            } => self.add_column(table, column_def, *if_not_exists, recursion),
            AlterTableOperation::DropColumn {
                column_names,
                if_exists,
                drop_behavior,
                ..
            } => {
                let cascade = matches!(drop_behavior, Some(sqlparser::ast::DropBehavior::Cascade));
                for column in column_names {
                    self.drop_column(table, &identifier(column), *if_exists, cascade, recursion);
                }
            }
            AlterTableOperation::AlterColumn { column_name, op } => {
                self.alter_column(table, &identifier(column_name), op, recursion)
            }
            AlterTableOperation::RenameColumn {
                old_column_name,
                new_column_name,
            } => self.rename_column(
                table,
                &identifier(old_column_name),
                &identifier(new_column_name),
                recursion,
            ),
            AlterTableOperation::RenameTable { table_name } => {
                let new_name = last_identifier(rename_target(table_name));
                return self.rename_table(table, &new_name);
            }
            AlterTableOperation::AddConstraint {
                constraint,
                not_valid,
            } => self.add_table_constraint(table, constraint, *not_valid, recursion),
            AlterTableOperation::DropConstraint {
                if_exists, name, ..
            } => self.drop_constraint(table, &identifier(name), *if_exists, recursion),
            AlterTableOperation::ValidateConstraint { name } => {
                self.validate_constraint(table, &identifier(name))
            }
            AlterTableOperation::RenameConstraint { old_name, new_name } => {
                self.rename_constraint(table, &identifier(old_name), &identifier(new_name))
            }
            AlterTableOperation::AttachPartitionOf {
                partition,
                for_values,
            } => {
                if let Some(child) = self.existing_table(partition) {
                    self.attach_partition(table, &child, bounds_text(for_values));
                }
            }
            AlterTableOperation::DetachPartitionOf { partition, .. } => {
                if let Some(child) = self.existing_table(partition)
                    && let Some(child) = self.catalog.tables.get_mut(&child)
                {
                    child.partition_of = None;
                }
            }
            AlterTableOperation::SetLogged | AlterTableOperation::SetUnlogged => {
                let unlogged = matches!(operation, AlterTableOperation::SetUnlogged);
                if let Some(table) = self.catalog.tables.get_mut(table) {
                    table.unlogged = unlogged;
                }
            }
            _ => {}
        }
        None
    }

    fn add_column(
        &mut self,
        table: &QualifiedName,
        def: &ColumnDef,
        if_not_exists: bool,
        recursion: Recursion,
    ) {
        let name = identifier(&def.name);
        if self.has_column(table, &name) {
            if !if_not_exists {
                self.problem(
                    ProblemKind::DuplicateObject,
                    format!("column \"{name}\" of relation \"{table}\" already exists"),
                );
            }
            return;
        }
        let mut pending = Vec::new();
        self.define_column(table, def, &mut pending);
        // Partitions get the same column; its constraints reach them through the parent's.
        if let Some(column) = self.columns_of(table).into_iter().find(|c| c.name == name) {
            for member in self.family(table, recursion).into_iter().skip(1) {
                if let Some(partition) = self.catalog.tables.get_mut(&member)
                    && partition.column(&name).is_none()
                {
                    partition.columns.push(column.clone());
                }
            }
        }
        self.add_constraints(table, pending, recursion, false);
    }

    fn drop_column(
        &mut self,
        table: &QualifiedName,
        column: &str,
        if_exists: bool,
        cascade: bool,
        recursion: Recursion,
    ) {
        if !self.has_column(table, column) {
            if !if_exists {
                self.missing(format!(
                    "column \"{column}\" of relation \"{table}\" does not exist"
                ));
            }
            return;
        }
        for member in self.family(table, recursion) {
            self.drop_column_of(&member, column, cascade);
        }
    }

    /// Drops a column with what PostgreSQL drops with it: indexes and constraints of its
    /// table that use it, the sequence it owns, and (CASCADE) foreign keys pointing at it.
    fn drop_column_of(&mut self, table_name: &QualifiedName, column: &str, cascade: bool) {
        let Some(table) = self.catalog.tables.get_mut(table_name) else {
            return;
        };
        table.columns.retain(|c| c.name != column);
        let uses = |columns: &[String]| columns.iter().any(|c| c == column);
        if table.primary_key.as_ref().is_some_and(|k| uses(&k.columns)) {
            table.primary_key = None;
        }
        table.unique_constraints.retain(|k| !uses(&k.columns));
        table.foreign_keys.retain(|f| !uses(&f.columns));
        table
            .checks
            .retain(|c| !expression_mentions(&c.expression, column));
        self.catalog
            .indexes
            .retain(|_, index| &index.table != table_name || !index_uses_column(index, column));
        self.catalog
            .sequences
            .retain(|_, s| s.owned_by.as_ref() != Some(&(table_name.clone(), column.to_string())));
        let dependents = self.drop_foreign_keys_to(table_name, Some(column));
        if dependents > 0 && !cascade {
            self.problem(
                ProblemKind::Dependency,
                format!(
                    "column \"{column}\" of \"{table_name}\" is referenced by {dependents} foreign key(s); dropped them too (PostgreSQL needs CASCADE)"
                ),
            );
        }
    }

    /// Removes the foreign keys of other tables that point at `table` (at `column` only, if
    /// given); returns how many.
    fn drop_foreign_keys_to(&mut self, table: &QualifiedName, column: Option<&str>) -> usize {
        let mut dropped = 0;
        for other in self.catalog.tables.values_mut() {
            if &other.name == table {
                continue;
            }
            let before = other.foreign_keys.len();
            other.foreign_keys.retain(|f| {
                &f.references != table
                    || column.is_some_and(|c| !f.referenced_columns.iter().any(|r| r == c))
            });
            dropped += before - other.foreign_keys.len();
        }
        dropped
    }

    fn alter_column(
        &mut self,
        table: &QualifiedName,
        column: &str,
        operation: &AlterColumnOperation,
        recursion: Recursion,
    ) {
        if !self.has_column(table, column) {
            self.missing(format!(
                "column \"{column}\" of relation \"{table}\" does not exist"
            ));
            return;
        }
        if let AlterColumnOperation::AddGenerated { .. } = operation {
            // Identity is not inherited by partitions; the sequence belongs to this column.
            if let Some(target) = self
                .catalog
                .tables
                .get_mut(table)
                .and_then(|t| t.column_mut(column))
            {
                target.identity = true;
                target.nullable = false;
            }
            self.create_owned_sequence(table, column);
            return;
        }
        let data_type = match operation {
            AlterColumnOperation::SetDataType { data_type, .. } => Some(format_type(data_type)),
            _ => None,
        };
        for member in self.family(table, recursion) {
            let Some(target) = self
                .catalog
                .tables
                .get_mut(&member)
                .and_then(|t| t.column_mut(column))
            else {
                continue;
            };
            match operation {
                AlterColumnOperation::SetNotNull => target.nullable = false,
                AlterColumnOperation::DropNotNull => target.nullable = true,
                AlterColumnOperation::SetDefault { value } => {
                    target.default = Some(match string_literal(value) {
                        Some(literal) => typed_literal(literal, &target.data_type),
                        None => canonical_expression(value),
                    })
                }
                AlterColumnOperation::DropDefault => target.default = None,
                AlterColumnOperation::SetDataType { .. } => {
                    target.data_type = data_type.clone().unwrap_or_default()
                }
                _ => {}
            }
        }
    }

    fn rename_column(&mut self, table: &QualifiedName, old: &str, new: &str, recursion: Recursion) {
        if !self.has_column(table, old) {
            self.missing(format!(
                "column \"{old}\" of relation \"{table}\" does not exist"
            ));
            return;
        }
        for member in self.family(table, recursion) {
            self.rename_column_of(&member, old, new);
        }
    }

    /// Renames a column everywhere the catalog names it: its table's keys, checks,
    /// generated expressions and partition key, its indexes, foreign keys pointing at it,
    /// the sequence it owns.
    fn rename_column_of(&mut self, table_name: &QualifiedName, old: &str, new: &str) {
        let rename = |names: &mut Vec<String>| {
            for name in names.iter_mut().filter(|n| n.as_str() == old) {
                *name = new.to_string();
            }
        };
        let Some(table) = self.catalog.tables.get_mut(table_name) else {
            return;
        };
        for column in &mut table.columns {
            if column.name == old {
                column.name = new.to_string();
            }
            if let Some(generated) = &mut column.generated {
                *generated = rename_in_expression(generated, old, new);
            }
        }
        if let Some(key) = &mut table.primary_key {
            rename(&mut key.columns);
        }
        for key in &mut table.unique_constraints {
            rename(&mut key.columns);
        }
        for foreign_key in &mut table.foreign_keys {
            rename(&mut foreign_key.columns);
        }
        for check in &mut table.checks {
            check.expression = rename_in_expression(&check.expression, old, new);
        }
        if let Some(partitioning) = &mut table.partitioning {
            for key in &mut partitioning.key {
                *key = if key == old {
                    new.to_string()
                } else {
                    rename_in_expression(key, old, new)
                };
            }
        }
        for other in self.catalog.tables.values_mut() {
            for foreign_key in &mut other.foreign_keys {
                if &foreign_key.references == table_name {
                    rename(&mut foreign_key.referenced_columns);
                }
            }
        }
        for index in self.catalog.indexes.values_mut() {
            if &index.table != table_name {
                continue;
            }
            for key in &mut index.keys {
                if key.is_column {
                    if key.expression == old {
                        key.expression = new.to_string();
                    }
                } else {
                    key.expression = rename_in_expression(&key.expression, old, new);
                }
            }
            rename(&mut index.include);
            if let Some(predicate) = &mut index.predicate {
                *predicate = rename_in_expression(predicate, old, new);
            }
        }
        for sequence in self.catalog.sequences.values_mut() {
            if let Some((owner, column)) = &mut sequence.owned_by
                && owner == table_name
                && column == old
            {
                *column = new.to_string();
            }
        }
    }

    fn add_table_constraint(
        &mut self,
        table: &QualifiedName,
        constraint: &TableConstraint,
        not_valid: bool,
        recursion: Recursion,
    ) {
        match constraint {
            TableConstraint::PrimaryKeyUsingIndex(using)
            | TableConstraint::UniqueUsingIndex(using) => {
                let primary = matches!(constraint, TableConstraint::PrimaryKeyUsingIndex(_));
                self.key_using_index(table, primary, using.name.as_ref(), &using.index_name);
            }
            other => {
                let pending = pending_constraint(other, not_valid).into_iter().collect();
                self.add_constraints(table, pending, recursion, false);
            }
        }
    }

    /// `ADD PRIMARY KEY | UNIQUE USING INDEX i`: the index becomes the constraint's, renamed
    /// to the constraint's name if one is given.
    fn key_using_index(
        &mut self,
        table: &QualifiedName,
        primary: bool,
        constraint_name: Option<&Ident>,
        index_name: &Ident,
    ) {
        let index_key = QualifiedName::new(table.schema.clone(), identifier(index_name));
        let Some(mut index) = self.catalog.indexes.remove(&index_key) else {
            self.missing(format!("index \"{index_key}\" does not exist"));
            return;
        };
        if let Some(name) = constraint_name {
            index.name.name = identifier(name);
        }
        index.primary = primary;
        index.constraint = true;
        index.unique = true;
        self.insert_constraint_index(index);
    }

    fn drop_constraint(
        &mut self,
        table_name: &QualifiedName,
        name: &str,
        if_exists: bool,
        recursion: Recursion,
    ) {
        let Some(table) = self.catalog.tables.get_mut(table_name) else {
            return;
        };
        let named = |key: &KeyConstraint| key.name.as_deref() == Some(name);
        let mut dropped_key: Option<(bool, Vec<String>)> = None;
        if let Some(key) = table.primary_key.take_if(|key| named(key)) {
            dropped_key = Some((true, key.columns));
        }
        if let Some(position) = table.unique_constraints.iter().position(named) {
            dropped_key = Some((false, table.unique_constraints.remove(position).columns));
        }
        let before = table.foreign_keys.len() + table.checks.len();
        table
            .foreign_keys
            .retain(|f| f.name.as_deref() != Some(name));
        table.checks.retain(|c| c.name.as_deref() != Some(name));
        let dropped_other = before != table.foreign_keys.len() + table.checks.len();
        if dropped_key.is_none() && !dropped_other {
            if !if_exists {
                self.missing(format!(
                    "constraint \"{name}\" of relation \"{table_name}\" does not exist"
                ));
            }
            return;
        }
        let index = QualifiedName::new(table_name.schema.clone(), name);
        self.catalog.indexes.remove(&index);
        let partitions = self.family(table_name, recursion).into_iter().skip(1);
        for partition in partitions.collect::<Vec<_>>() {
            // Copies of checks and foreign keys keep the parent's name; copies of keys have
            // names of their own and are found by their columns.
            let Some(table) = self.catalog.tables.get_mut(&partition) else {
                continue;
            };
            table
                .foreign_keys
                .retain(|f| f.name.as_deref() != Some(name));
            table.checks.retain(|c| c.name.as_deref() != Some(name));
            let Some((primary, columns)) = &dropped_key else {
                continue;
            };
            let copy = if *primary {
                table.primary_key.take_if(|k| &k.columns == columns)
            } else {
                let position = table
                    .unique_constraints
                    .iter()
                    .position(|k| &k.columns == columns);
                position.map(|p| table.unique_constraints.remove(p))
            };
            if let Some(name) = copy.and_then(|k| k.name) {
                self.catalog
                    .indexes
                    .remove(&QualifiedName::new(partition.schema.clone(), name));
            }
        }
    }

    fn validate_constraint(&mut self, table_name: &QualifiedName, name: &str) {
        let mut found = false;
        for member in self.family(table_name, Recursion::Recurse) {
            let Some(table) = self.catalog.tables.get_mut(&member) else {
                continue;
            };
            for foreign_key in &mut table.foreign_keys {
                if foreign_key.name.as_deref() == Some(name) {
                    foreign_key.not_valid = false;
                    found = true;
                }
            }
            for check in &mut table.checks {
                if check.name.as_deref() == Some(name) {
                    check.not_valid = false;
                    found = true;
                }
            }
        }
        let is_key = self
            .catalog
            .tables
            .get(table_name)
            .is_some_and(|table| constraint_names(table).any(|n| n == name));
        if !found && !is_key {
            self.missing(format!(
                "constraint \"{name}\" of relation \"{table_name}\" does not exist"
            ));
        }
    }

    fn rename_constraint(&mut self, table_name: &QualifiedName, old: &str, new: &str) {
        let Some(table) = self.catalog.tables.get_mut(table_name) else {
            return;
        };
        let mut is_key = false;
        let mut found = false;
        for key in table
            .primary_key
            .iter_mut()
            .chain(table.unique_constraints.iter_mut())
        {
            if key.name.as_deref() == Some(old) {
                key.name = Some(new.to_string());
                is_key = true;
            }
        }
        for name in table
            .foreign_keys
            .iter_mut()
            .map(|f| &mut f.name)
            .chain(table.checks.iter_mut().map(|c| &mut c.name))
        {
            if name.as_deref() == Some(old) {
                *name = Some(new.to_string());
                found = true;
            }
        }
        if is_key {
            // The index backing a key always has the constraint's name.
            let old_index = QualifiedName::new(table_name.schema.clone(), old);
            if let Some(mut index) = self.catalog.indexes.remove(&old_index) {
                index.name.name = new.to_string();
                self.catalog.indexes.insert(index.name.clone(), index);
            }
        } else if !found {
            self.missing(format!(
                "constraint \"{old}\" of relation \"{table_name}\" does not exist"
            ));
        }
    }

    // ----- renames ------------------------------------------------------------------------

    fn relation_kind(&self, name: &ObjectName) -> Option<RelationKind> {
        let kinds = [
            RelationKind::Table,
            RelationKind::Index,
            RelationKind::View,
            RelationKind::Sequence,
        ];
        kinds
            .into_iter()
            .find(|&kind| self.lookup_kind(kind, name).is_some())
    }

    fn lookup_kind(&self, kind: RelationKind, name: &ObjectName) -> Option<QualifiedName> {
        self.lookup(name, |q| match kind {
            RelationKind::Table => self.catalog.tables.contains_key(q),
            RelationKind::Index => self.catalog.indexes.contains_key(q),
            RelationKind::View => self.catalog.views.contains_key(q),
            RelationKind::Sequence => self.catalog.sequences.contains_key(q),
        })
    }

    fn rename_kind(&mut self, kind: RelationKind, name: &ObjectName, if_exists: bool, new: &str) {
        let Some(old) = self.lookup_kind(kind, name) else {
            if !if_exists {
                let what = match kind {
                    RelationKind::Table => "relation",
                    RelationKind::Index => "index",
                    RelationKind::View => "view",
                    RelationKind::Sequence => "sequence",
                };
                self.missing(format!(
                    "{what} \"{}\" does not exist",
                    display_object_name(name)
                ));
            }
            return;
        };
        let renamed = QualifiedName::new(old.schema.clone(), new);
        if self.relation_exists(&renamed) {
            self.problem(
                ProblemKind::DuplicateObject,
                format!("relation \"{renamed}\" already exists"),
            );
            return;
        }
        match kind {
            RelationKind::Table => {
                self.rename_table(&old, new);
            }
            RelationKind::Index => self.rename_index(&old, renamed),
            RelationKind::View => {
                if let Some(mut view) = self.catalog.views.remove(&old) {
                    view.name = renamed.clone();
                    self.catalog.views.insert(renamed.clone(), view);
                }
                if let Some(reads) = self.view_reads.remove(&old) {
                    self.view_reads.insert(renamed.clone(), reads);
                }
                self.retarget_indexes(&old, &renamed);
            }
            RelationKind::Sequence => {
                if let Some(mut sequence) = self.catalog.sequences.remove(&old) {
                    sequence.name = renamed.clone();
                    self.catalog.sequences.insert(renamed.clone(), sequence);
                }
                // Defaults hold the sequence itself, so PostgreSQL prints its new name.
                let (from, to) = (
                    format!("{}::regclass", quote_literal(&regclass_text(&old))),
                    format!("{}::regclass", quote_literal(&regclass_text(&renamed))),
                );
                for column in self
                    .catalog
                    .tables
                    .values_mut()
                    .flat_map(|t| &mut t.columns)
                {
                    if let Some(default) = &mut column.default
                        && default.contains(&from)
                    {
                        *default = default.replace(&from, &to);
                    }
                }
            }
        }
    }

    fn rename_index(&mut self, old: &QualifiedName, renamed: QualifiedName) {
        let Some(mut index) = self.catalog.indexes.remove(old) else {
            return;
        };
        index.name = renamed.clone();
        if index.constraint {
            // Renaming a constraint's index renames the constraint.
            if let Some(table) = self.catalog.tables.get_mut(&index.table) {
                for key in table
                    .primary_key
                    .iter_mut()
                    .chain(table.unique_constraints.iter_mut())
                {
                    if key.name.as_deref() == Some(old.name.as_str()) {
                        key.name = Some(renamed.name.clone());
                    }
                }
            }
        }
        self.catalog.indexes.insert(renamed, index);
    }

    fn rename_table(&mut self, old: &QualifiedName, new: &str) -> Option<QualifiedName> {
        let renamed = QualifiedName::new(old.schema.clone(), new);
        if self.relation_exists(&renamed) {
            self.problem(
                ProblemKind::DuplicateObject,
                format!("relation \"{renamed}\" already exists"),
            );
            return None;
        }
        let mut table = self.catalog.tables.remove(old)?;
        table.name = renamed.clone();
        self.catalog.tables.insert(renamed.clone(), table);
        for other in self.catalog.tables.values_mut() {
            for foreign_key in &mut other.foreign_keys {
                if &foreign_key.references == old {
                    foreign_key.references = renamed.clone();
                }
            }
            if let Some(partition_of) = &mut other.partition_of
                && &partition_of.parent == old
            {
                partition_of.parent = renamed.clone();
            }
        }
        for sequence in self.catalog.sequences.values_mut() {
            if let Some((owner, _)) = &mut sequence.owned_by
                && owner == old
            {
                *owner = renamed.clone();
            }
        }
        // Index and sequence names stay: PostgreSQL does not rename them with the table.
        self.retarget_indexes(old, &renamed);
        Some(renamed)
    }

    fn retarget_indexes(&mut self, old: &QualifiedName, renamed: &QualifiedName) {
        for index in self.catalog.indexes.values_mut() {
            if &index.table == old {
                index.table = renamed.clone();
            }
        }
    }

    // ----- DROP ---------------------------------------------------------------------------

    fn drop(
        &mut self,
        object_type: ObjectType,
        names: &[ObjectName],
        if_exists: bool,
        cascade: bool,
    ) -> Effect {
        let kind = match object_type {
            ObjectType::Table => RelationKind::Table,
            ObjectType::Index => RelationKind::Index,
            ObjectType::View | ObjectType::MaterializedView => RelationKind::View,
            ObjectType::Sequence => RelationKind::Sequence,
            ObjectType::Schema => {
                for name in names {
                    self.drop_schema(name, if_exists, cascade);
                }
                return Effect::Applied;
            }
            _ => return Effect::Ignored,
        };
        let mut effect = Effect::Ignored;
        for name in names {
            if kind == RelationKind::Table && self.is_temporary(name) {
                continue;
            }
            effect = Effect::Applied;
            let Some(found) = self.lookup_kind(kind, name) else {
                if !if_exists {
                    self.missing(format!(
                        "{} \"{}\" does not exist",
                        object_type.to_string().to_lowercase(),
                        display_object_name(name)
                    ));
                }
                continue;
            };
            match kind {
                RelationKind::Table => self.drop_table(&found, cascade),
                RelationKind::Index => self.drop_index(&found),
                RelationKind::View => self.drop_view(&found, cascade),
                RelationKind::Sequence => {
                    self.catalog.sequences.remove(&found);
                }
            }
        }
        effect
    }

    /// Drops a table with its partitions, indexes and owned sequences; foreign keys and views
    /// that depend on it go too (PostgreSQL asks for CASCADE for those).
    fn drop_table(&mut self, name: &QualifiedName, cascade: bool) {
        for partition in self.family(name, Recursion::Recurse).into_iter().rev() {
            self.catalog.tables.remove(&partition);
            self.catalog.indexes.retain(|_, i| i.table != partition);
            self.catalog
                .sequences
                .retain(|_, s| s.owned_by.as_ref().is_none_or(|(t, _)| t != &partition));
        }
        let foreign_keys = self.drop_foreign_keys_to(name, None);
        let views = self.views_reading(name);
        for view in &views {
            self.drop_view(view, true);
        }
        if !cascade && foreign_keys + views.len() > 0 {
            self.problem(
                ProblemKind::Dependency,
                format!(
                    "\"{name}\" is used by {foreign_keys} foreign key(s) and {} view(s); dropped them too (PostgreSQL needs CASCADE)",
                    views.len()
                ),
            );
        }
    }

    fn drop_index(&mut self, name: &QualifiedName) {
        if self.catalog.indexes.get(name).is_some_and(|i| i.constraint) {
            self.problem(
                ProblemKind::Dependency,
                format!("index \"{name}\" backs a constraint; drop the constraint instead"),
            );
            return;
        }
        self.catalog.indexes.remove(name);
    }

    fn drop_view(&mut self, name: &QualifiedName, cascade: bool) {
        self.catalog.views.remove(name);
        self.view_reads.remove(name);
        self.catalog.indexes.retain(|_, i| &i.table != name);
        let dependents = self.views_reading(name);
        if !dependents.is_empty() && !cascade {
            self.problem(
                ProblemKind::Dependency,
                format!(
                    "view \"{name}\" is used by {} view(s); dropped them too (PostgreSQL needs CASCADE)",
                    dependents.len()
                ),
            );
        }
        for view in dependents {
            self.drop_view(&view, true);
        }
    }

    fn drop_schema(&mut self, name: &ObjectName, if_exists: bool, cascade: bool) {
        let schema = last_identifier(name);
        if !self.schemas.remove(&schema) {
            if !if_exists {
                self.missing(format!("schema \"{schema}\" does not exist"));
            }
            return;
        }
        let in_schema = |q: &QualifiedName| q.schema == schema;
        let objects = self.catalog.tables.keys().filter(|q| in_schema(q)).count()
            + self.catalog.views.keys().filter(|q| in_schema(q)).count()
            + self
                .catalog
                .sequences
                .keys()
                .filter(|q| in_schema(q))
                .count();
        if objects > 0 && !cascade {
            self.problem(
                ProblemKind::Dependency,
                format!("schema \"{schema}\" holds {objects} object(s); dropped them too (PostgreSQL needs CASCADE)"),
            );
        }
        let tables: Vec<QualifiedName> = self
            .catalog
            .tables
            .keys()
            .filter(|q| in_schema(q))
            .cloned()
            .collect();
        for table in tables {
            self.drop_table(&table, true);
        }
        self.catalog.indexes.retain(|q, _| !in_schema(q));
        self.catalog.views.retain(|q, _| !in_schema(q));
        self.view_reads.retain(|q, _| !in_schema(q));
        self.catalog.sequences.retain(|q, _| !in_schema(q));
    }

    // ----- views, sequences, schemas, settings --------------------------------------------

    fn create_view(&mut self, create: &CreateView) -> Effect {
        let name = self.creation_name(&create.name);
        let exists = self.relation_exists(&name);
        let replaceable = self.catalog.views.contains_key(&name) && create.or_replace;
        if exists && !replaceable {
            if !create.if_not_exists {
                self.problem(
                    ProblemKind::DuplicateObject,
                    format!("relation \"{name}\" already exists"),
                );
            }
            return Effect::Applied;
        }
        self.schemas.insert(name.schema.clone());
        let view = View {
            name: name.clone(),
            materialized: create.materialized,
            query: canonical_query(&create.query),
        };
        self.view_reads
            .insert(name.clone(), relations_read(&create.query));
        self.catalog.views.insert(name, view);
        Effect::Applied
    }

    /// The views whose query reads `relation` (by its qualified or bare name).
    fn views_reading(&mut self, relation: &QualifiedName) -> Vec<QualifiedName> {
        // Views of the catalog the applier started from are read once, when first needed.
        let unread: Vec<(QualifiedName, String)> = self
            .catalog
            .views
            .values()
            .filter(|view| !self.view_reads.contains_key(&view.name))
            .map(|view| (view.name.clone(), view.query.clone()))
            .collect();
        for (view, query) in unread {
            let reads = match parse_sql(&query).as_deref() {
                Ok([Statement::Query(query)]) => relations_read(query),
                _ => Vec::new(),
            };
            self.view_reads.insert(view, reads);
        }
        self.view_reads
            .iter()
            .filter(|(view, _)| self.catalog.views.contains_key(view))
            .filter(|(_, reads)| {
                reads.iter().any(|(schema, name)| {
                    name == &relation.name && schema.as_ref().is_none_or(|s| s == &relation.schema)
                })
            })
            .map(|(view, _)| view.clone())
            .collect()
    }

    fn create_sequence(
        &mut self,
        temporary: bool,
        if_not_exists: bool,
        name: &ObjectName,
        options: &[SequenceOptions],
    ) -> Effect {
        if temporary {
            return Effect::Ignored;
        }
        let name = self.creation_name(name);
        if self.relation_exists(&name) {
            if !if_not_exists {
                self.problem(
                    ProblemKind::DuplicateObject,
                    format!("relation \"{name}\" already exists"),
                );
            }
            return Effect::Applied;
        }
        self.schemas.insert(name.schema.clone());
        let owned_by = options.iter().find_map(|option| match option {
            SequenceOptions::OwnedBy(Some(owner)) => Some(owner),
            _ => None,
        });
        let owned_by = owned_by.and_then(|owner| self.owner_column(owner));
        self.catalog
            .sequences
            .insert(name.clone(), Sequence { name, owned_by });
        Effect::Applied
    }

    fn create_schema(&mut self, schema_name: &SchemaName, if_not_exists: bool) -> Effect {
        let name = match schema_name {
            SchemaName::Simple(name) | SchemaName::NamedAuthorization(name, _) => {
                last_identifier(name)
            }
            // `CREATE SCHEMA AUTHORIZATION role` names the schema after the role.
            SchemaName::UnnamedAuthorization(role) => identifier(role),
        };
        if !self.schemas.insert(name.clone()) && !if_not_exists && name != PUBLIC {
            self.problem(
                ProblemKind::DuplicateObject,
                format!("schema \"{name}\" already exists"),
            );
        }
        Effect::Applied
    }

    fn set(&mut self, set: &Set) -> Effect {
        let Set::SingleAssignment {
            variable, values, ..
        } = set
        else {
            return Effect::Ignored;
        };
        if last_identifier(variable) != "search_path" {
            return Effect::Ignored;
        }
        let mut path = Vec::new();
        for value in values {
            match value {
                Expr::Identifier(ident)
                    if ident.quote_style.is_none()
                        && ident.value.eq_ignore_ascii_case("default") =>
                {
                    path = default_search_path();
                    break;
                }
                Expr::Identifier(ident) => path.push(identifier(ident)),
                Expr::Value(value) => {
                    if let Value::SingleQuotedString(text) = &value.value {
                        path.extend(parse_search_path(text))
                    }
                }
                _ => {}
            }
        }
        self.search_path = path;
        Effect::Ignored
    }
}

// ----- the columns of a query ----------------------------------------------------------------

/// What `format_type` calls a type it cannot tell.
const UNKNOWN_TYPE: &str = "unknown";

/// A table or subquery of a FROM clause, by the name the query uses for it.
struct QuerySource {
    alias: String,
    columns: Vec<(String, String)>,
}

/// The type of a query's output expression where it shows without type analysis.
fn expression_type(expr: &Expr, sources: &[QuerySource]) -> String {
    let column = |source: Option<&str>, name: &str| {
        sources
            .iter()
            .filter(|s| source.is_none_or(|alias| s.alias == alias))
            .find_map(|s| s.columns.iter().find(|(n, _)| n == name))
            .map(|(_, data_type)| data_type.clone())
    };
    let found = match expr {
        Expr::Nested(inner) => return expression_type(inner, sources),
        Expr::Identifier(ident) => column(None, &identifier(ident)),
        Expr::CompoundIdentifier(idents) => match idents.as_slice() {
            [.., table, name] => column(Some(&identifier(table)), &identifier(name)),
            _ => None,
        },
        Expr::Cast { data_type, .. } => Some(format_type(data_type)),
        Expr::Value(value) => match &value.value {
            Value::Number(number, _) if number.contains(['.', 'e', 'E']) => Some("numeric".into()),
            Value::Number(number, _) => Some(
                if number.parse::<i32>().is_ok() {
                    "integer"
                } else {
                    "bigint"
                }
                .into(),
            ),
            Value::SingleQuotedString(_) => Some("text".into()),
            Value::Boolean(_) => Some("boolean".into()),
            _ => None,
        },
        Expr::BinaryOp { op, .. } => {
            use sqlparser::ast::BinaryOperator as Op;
            matches!(
                op,
                Op::Eq | Op::NotEq | Op::Lt | Op::LtEq | Op::Gt | Op::GtEq | Op::And | Op::Or
            )
            .then(|| "boolean".into())
        }
        Expr::IsNull(_)
        | Expr::IsNotNull(_)
        | Expr::IsTrue(_)
        | Expr::IsFalse(_)
        | Expr::IsDistinctFrom(..)
        | Expr::IsNotDistinctFrom(..)
        | Expr::Exists { .. }
        | Expr::UnaryOp {
            op: sqlparser::ast::UnaryOperator::Not,
            ..
        } => Some("boolean".into()),
        Expr::Function(function) => match last_identifier(&function.name).as_str() {
            "count" => Some("bigint".into()),
            "now" => Some("timestamp with time zone".into()),
            // These return their (first) argument's type.
            "max" | "min" | "coalesce" | "greatest" | "least" | "any_value" => {
                function_arguments(&function.args)
                    .next()
                    .map(|argument| expression_type(argument, sources))
            }
            _ => None,
        },
        _ => None,
    };
    found.unwrap_or_else(|| UNKNOWN_TYPE.to_string())
}

// ----- constraints waiting to be added ------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Primary,
    Unique,
    Exclusion,
}

/// An index-backed constraint before it is named.
#[derive(Debug, Clone)]
struct KeySpec {
    kind: KeyKind,
    name: Option<String>,
    keys: Vec<IndexKey>,
    include: Vec<String>,
    method: String,
    predicate: Option<String>,
}

/// A constraint read from a statement, added once its table has all its columns.
enum PendingConstraint<'a> {
    Key(KeySpec),
    Foreign {
        name: Option<String>,
        columns: Vec<String>,
        constraint: &'a ForeignKeyConstraint,
        not_valid: bool,
    },
    Check {
        name: Option<String>,
        expr: &'a Expr,
        not_valid: bool,
    },
}

fn pending_constraint(
    constraint: &TableConstraint,
    not_valid: bool,
) -> Option<PendingConstraint<'_>> {
    let key = |kind, name: &Option<Ident>, columns: &[IndexColumn], include: &[Ident]| {
        PendingConstraint::Key(KeySpec {
            kind,
            name: name.as_ref().map(identifier),
            keys: columns.iter().map(index_key).collect(),
            include: include.iter().map(identifier).collect(),
            method: "btree".into(),
            predicate: None,
        })
    };
    Some(match constraint {
        TableConstraint::PrimaryKey(k) => key(KeyKind::Primary, &k.name, &k.columns, &k.include),
        TableConstraint::Unique(k) => key(KeyKind::Unique, &k.name, &k.columns, &k.include),
        TableConstraint::ForeignKey(foreign) => PendingConstraint::Foreign {
            name: foreign.name.as_ref().map(identifier),
            columns: foreign.columns.iter().map(identifier).collect(),
            constraint: foreign,
            not_valid,
        },
        TableConstraint::Check(check) => PendingConstraint::Check {
            name: check.name.as_ref().map(identifier),
            expr: &check.expr,
            not_valid,
        },
        TableConstraint::Exclude(exclude) => PendingConstraint::Key(KeySpec {
            kind: KeyKind::Exclusion,
            name: exclude.name.as_ref().map(identifier),
            keys: exclude
                .elements
                .iter()
                .map(|e| index_key(&e.column))
                .collect(),
            include: exclude.include.iter().map(identifier).collect(),
            method: exclude
                .index_method
                .as_ref()
                .map_or_else(|| "btree".to_string(), identifier),
            predicate: exclude.where_clause.as_deref().map(canonical_expression),
        }),
        // MySQL's INDEX / FULLTEXT table elements; not PostgreSQL.
        _ => return None,
    })
}

/// Whether an `ALTER TABLE` action changes what the catalog models.
fn changes_catalog(operation: &AlterTableOperation) -> bool {
    match operation {
        AlterTableOperation::AlterColumn { op, .. } => matches!(
            op,
            AlterColumnOperation::SetNotNull
                | AlterColumnOperation::DropNotNull
                | AlterColumnOperation::SetDefault { .. }
                | AlterColumnOperation::DropDefault
                | AlterColumnOperation::SetDataType { .. }
                | AlterColumnOperation::AddGenerated { .. }
        ),
        AlterTableOperation::AddColumn { .. }
        | AlterTableOperation::DropColumn { .. }
        | AlterTableOperation::RenameColumn { .. }
        | AlterTableOperation::RenameTable { .. }
        | AlterTableOperation::AddConstraint { .. }
        | AlterTableOperation::DropConstraint { .. }
        | AlterTableOperation::ValidateConstraint { .. }
        | AlterTableOperation::RenameConstraint { .. }
        | AlterTableOperation::AttachPartitionOf { .. }
        | AlterTableOperation::DetachPartitionOf { .. }
        | AlterTableOperation::SetLogged
        | AlterTableOperation::SetUnlogged => true,
        _ => false,
    }
}

fn rename_target(kind: &RenameTableNameKind) -> &ObjectName {
    match kind {
        RenameTableNameKind::As(name) | RenameTableNameKind::To(name) => name,
    }
}

fn referential_action(action: ReferentialAction) -> Option<String> {
    // NO ACTION is the default, kept as `None`.
    (action != ReferentialAction::NoAction).then(|| action.to_string())
}

fn bounds_text(bounds: &ForValues) -> String {
    let mut bounds = bounds.clone();
    let _ = sqlparser::ast::visit_expressions_mut(&mut bounds, |expr| {
        canonicalize(expr);
        ControlFlow::<()>::Continue(())
    });
    bounds.to_string()
}

fn constraint_names(table: &Table) -> impl Iterator<Item = &str> {
    table
        .primary_key
        .iter()
        .chain(&table.unique_constraints)
        .filter_map(|k| k.name.as_deref())
        .chain(table.foreign_keys.iter().filter_map(|f| f.name.as_deref()))
        .chain(table.checks.iter().filter_map(|c| c.name.as_deref()))
}

fn default_search_path() -> Vec<String> {
    vec!["$user".to_string(), PUBLIC.to_string()]
}

/// `SELECT pg_catalog.set_config('search_path', 'a, b', false)`, pg_dump's way of setting
/// the search_path.
fn search_path_of_set_config(query: &Query) -> Option<Vec<String>> {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return None;
    };
    let [SelectItem::UnnamedExpr(Expr::Function(function))] = select.projection.as_slice() else {
        return None;
    };
    if last_identifier(&function.name) != "set_config" {
        return None;
    }
    let mut arguments = function_arguments(&function.args);
    let setting = arguments.next().and_then(string_literal)?;
    let value = arguments.next().and_then(string_literal)?;
    setting
        .eq_ignore_ascii_case("search_path")
        .then(|| parse_search_path(value))
}

/// A search_path setting as text: comma-separated names, double quotes keep case.
fn parse_search_path(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut chars = text.chars().peekable();
    let push = |current: &mut String, was_quoted: &mut bool, names: &mut Vec<String>| {
        let name = if *was_quoted {
            std::mem::take(current)
        } else {
            std::mem::take(current).trim().to_ascii_lowercase()
        };
        if !name.is_empty() {
            names.push(name);
        }
        *was_quoted = false;
    };
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                current.push('"');
            }
            '"' => {
                quoted = !quoted;
                was_quoted = true;
            }
            ',' if !quoted => push(&mut current, &mut was_quoted, &mut names),
            c if !quoted && c.is_whitespace() => {}
            c => current.push(c),
        }
    }
    push(&mut current, &mut was_quoted, &mut names);
    names
}

// ----- names and identifiers ----------------------------------------------------------------

/// An identifier as PostgreSQL stores it: unquoted folded to lower case (ASCII only, as
/// PostgreSQL does), quoted as written; truncated to 63 bytes.
pub fn identifier(ident: &Ident) -> String {
    let value = if ident.quote_style.is_some() {
        ident.value.clone()
    } else {
        ident.value.to_ascii_lowercase()
    };
    truncate_identifier(value)
}

fn truncate_identifier(mut name: String) -> String {
    if name.len() > MAX_IDENTIFIER_BYTES {
        let end = floor_char_boundary(&name, MAX_IDENTIFIER_BYTES);
        name.truncate(end);
    }
    name
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

fn part_identifier(part: &ObjectNamePart) -> String {
    match part.as_ident() {
        Some(ident) => identifier(ident),
        None => truncate_identifier(part.to_string().to_ascii_lowercase()),
    }
}

fn last_identifier(name: &ObjectName) -> String {
    name.0.last().map(part_identifier).unwrap_or_default()
}

/// `(schema, name)` of a possibly qualified name; a database prefix is ignored.
fn split_object_name(name: &ObjectName) -> (Option<String>, String) {
    let parts: Vec<String> = name.0.iter().map(part_identifier).collect();
    match parts.as_slice() {
        [.., schema, name] => (Some(schema.clone()), name.clone()),
        [name] => (None, name.clone()),
        [] => (None, String::new()),
    }
}

fn display_object_name(name: &ObjectName) -> String {
    name.0
        .iter()
        .map(part_identifier)
        .collect::<Vec<_>>()
        .join(".")
}

/// PostgreSQL's keywords other than the unreserved ones (`pg_get_keywords()` of PostgreSQL
/// 15, categories R, C and T): `quote_identifier` quotes them.
const QUOTED_KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
];

fn needs_quotes(name: &str) -> bool {
    let mut bytes = name.bytes();
    let plain = bytes
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    !plain || QUOTED_KEYWORDS.binary_search(&name).is_ok()
}

/// PostgreSQL's `quote_identifier`: double quotes only where the name needs them.
pub fn quote_identifier(name: &str) -> String {
    if needs_quotes(name) {
        format!("\"{}\"", name.replace('"', "\"\""))
    } else {
        name.to_string()
    }
}

/// A string constant as a column default: PostgreSQL coerces it to the column's type when
/// the default is defined, and prints it back with that cast.
fn typed_literal(literal: &str, data_type: &str) -> String {
    format!("{}::{data_type}", quote_literal(literal))
}

fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// How a relation is named in a `'…'::regclass` constant: unqualified in `public`.
fn regclass_text(name: &QualifiedName) -> String {
    if name.schema == PUBLIC {
        quote_identifier(&name.name)
    } else {
        format!(
            "{}.{}",
            quote_identifier(&name.schema),
            quote_identifier(&name.name)
        )
    }
}

/// A qualified name written inside a string (`'public."Seq"'`), split and folded.
fn parse_qualified_text(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                current.push('"');
            }
            '"' => {
                quoted = !quoted;
                was_quoted = true;
            }
            '.' if !quoted => {
                parts.push(fold_part(std::mem::take(&mut current), was_quoted));
                was_quoted = false;
            }
            c => current.push(c),
        }
    }
    parts.push(fold_part(current, was_quoted));
    parts
}

fn fold_part(part: String, quoted: bool) -> String {
    if quoted {
        part
    } else {
        part.trim().to_ascii_lowercase()
    }
}

/// PostgreSQL's `makeObjectName`: `name1[_name2][_label]`, the longer of the names cut first
/// so that the whole fits in 63 bytes.
fn make_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let overhead = name2.map_or(0, |_| 1) + label.len() + 1;
    let available = MAX_IDENTIFIER_BYTES.saturating_sub(overhead);
    let (mut length1, mut length2) = (name1.len(), name2.map_or(0, str::len));
    while length1 + length2 > available {
        if length1 > length2 {
            length1 -= 1;
        } else {
            length2 -= 1;
        }
    }
    let mut name = name1[..floor_char_boundary(name1, length1)].to_string();
    if let Some(name2) = name2 {
        name.push('_');
        name.push_str(&name2[..floor_char_boundary(name2, length2)]);
    }
    name.push('_');
    name.push_str(label);
    name
}

/// PostgreSQL's `ChooseIndexNameAddition`: column names joined by `_`, stopping once long
/// enough to be truncated anyway.
fn name_addition(names: &[String]) -> String {
    let mut addition = String::new();
    for name in names {
        if !addition.is_empty() {
            addition.push('_');
        }
        addition.push_str(name);
        if addition.len() > MAX_IDENTIFIER_BYTES {
            break;
        }
    }
    addition
}

/// PostgreSQL's `ChooseIndexColumnNames`: a repeated name gets `1`, `2`, … appended.
fn unique_column_names(names: Vec<String>) -> Vec<String> {
    let mut unique: Vec<String> = Vec::with_capacity(names.len());
    for name in names {
        let mut candidate = name.clone();
        let mut counter = 1;
        while unique.contains(&candidate) {
            let suffix = counter.to_string();
            let keep =
                floor_char_boundary(&name, name.len().min(MAX_IDENTIFIER_BYTES - suffix.len()));
            candidate = format!("{}{suffix}", &name[..keep]);
            counter += 1;
        }
        unique.push(candidate);
    }
    unique
}

/// The names PostgreSQL gives an index's columns (keys then INCLUDE), from the catalog's
/// own spelling of them: used when an index is copied to a partition.
fn key_column_names(index: &Index) -> Vec<String> {
    let names = index
        .keys
        .iter()
        .map(|key| {
            if key.is_column {
                key.expression.clone()
            } else {
                reparse_expression(&key.expression)
                    .map_or_else(|| "expr".to_string(), |expr| figure_column_name(&expr))
            }
        })
        .chain(index.include.iter().cloned())
        .collect();
    unique_column_names(names)
}

/// PostgreSQL's `FigureIndexColname`: the column name an index gives an expression — a
/// function's name, a cast's column or type, `case`, … and `expr` when nothing fits.
fn figure_column_name(expr: &Expr) -> String {
    figure(expr).map_or_else(|| "expr".to_string(), |(name, _)| name)
}

/// The name and its strength (2 for a column or function, 1 for weaker guesses), as in
/// `FigureColnameInternal`.
fn figure(expr: &Expr) -> Option<(String, u8)> {
    match expr {
        Expr::Nested(inner) => figure(inner),
        Expr::Identifier(ident) => Some((identifier(ident), 2)),
        Expr::CompoundIdentifier(idents) => idents.last().map(|i| (identifier(i), 2)),
        Expr::Function(function) => Some((last_identifier(&function.name), 2)),
        Expr::Cast {
            expr, data_type, ..
        } => match figure(expr) {
            Some(found @ (_, 2)) => Some(found),
            _ => Some((internal_type_name(data_type), 1)),
        },
        Expr::Case { .. } => Some(("case".to_string(), 1)),
        Expr::Array(_) => Some(("array".to_string(), 1)),
        Expr::Tuple(_) => Some(("row".to_string(), 1)),
        Expr::Exists { .. } => Some(("exists".to_string(), 2)),
        _ => None,
    }
}

/// The `pg_type` name behind a type, which is what a cast contributes to an index column
/// name (`::integer` → `int4`).
fn internal_type_name(data_type: &DataType) -> String {
    let formatted = format_type(data_type);
    let base = formatted
        .split(['(', '['])
        .next()
        .unwrap_or_default()
        .trim();
    let internal = match base {
        "smallint" => "int2",
        "integer" => "int4",
        "bigint" => "int8",
        "real" => "float4",
        "double precision" => "float8",
        "boolean" => "bool",
        "character varying" => "varchar",
        "character" => "bpchar",
        "bit varying" => "varbit",
        "\"char\"" => "char",
        _ if base.starts_with("timestamp") => {
            if formatted.ends_with("with time zone") {
                "timestamptz"
            } else {
                "timestamp"
            }
        }
        _ if base.starts_with("time") => {
            if formatted.ends_with("with time zone") {
                "timetz"
            } else {
                "time"
            }
        }
        _ if base.starts_with("interval") => "interval",
        other => other.rsplit('.').next().unwrap_or(other),
    };
    internal.trim_matches('"').to_string()
}

// ----- types --------------------------------------------------------------------------------

/// The integer type a serial pseudo-type stands for.
fn serial_type(data_type: &DataType) -> Option<&'static str> {
    let DataType::Custom(name, modifiers) = data_type else {
        return None;
    };
    if !modifiers.is_empty() || name.0.len() > 1 {
        return None;
    }
    match last_identifier(name).as_str() {
        "serial" | "serial4" => Some("integer"),
        "bigserial" | "serial8" => Some("bigint"),
        "smallserial" | "serial2" => Some("smallint"),
        _ => None,
    }
}

/// A type as PostgreSQL's `format_type()` prints it: `integer`, `character varying(255)`,
/// `timestamp with time zone`, `numeric(10,0)` for `numeric(10)`, one `[]` for any array,
/// user types unqualified in `public` and quoted where needed.
pub fn format_type(data_type: &DataType) -> String {
    match data_type {
        DataType::SmallInt(_) | DataType::Int2(_) => "smallint".into(),
        DataType::Int(_) | DataType::Integer(_) | DataType::Int4(_) => "integer".into(),
        DataType::BigInt(_) | DataType::Int8(_) => "bigint".into(),
        DataType::Real | DataType::Float4 => "real".into(),
        DataType::Float8 | DataType::DoublePrecision => "double precision".into(),
        DataType::Float(ExactNumberInfo::Precision(bits)) if *bits <= 24 => "real".into(),
        DataType::Float(_) => "double precision".into(),
        DataType::Numeric(info) | DataType::Decimal(info) | DataType::Dec(info) => match info {
            ExactNumberInfo::None => "numeric".into(),
            ExactNumberInfo::Precision(precision) => format!("numeric({precision},0)"),
            ExactNumberInfo::PrecisionAndScale(precision, scale) => {
                format!("numeric({precision},{scale})")
            }
        },
        DataType::Varchar(length)
        | DataType::CharacterVarying(length)
        | DataType::CharVarying(length)
        | DataType::Nvarchar(length) => with_length("character varying", length.as_ref()),
        // `char` without a length is `char(1)`.
        DataType::Char(length) | DataType::Character(length) => {
            format!("character({})", length.as_ref().map_or(1, length_value))
        }
        DataType::Text => "text".into(),
        DataType::Bool | DataType::Boolean => "boolean".into(),
        DataType::Bytea => "bytea".into(),
        DataType::Date => "date".into(),
        DataType::Uuid => "uuid".into(),
        DataType::JSON => "json".into(),
        DataType::JSONB => "jsonb".into(),
        DataType::Regclass => "regclass".into(),
        DataType::TsVector => "tsvector".into(),
        DataType::TsQuery => "tsquery".into(),
        DataType::Timestamp(precision, zone) => time_type("timestamp", *precision, zone),
        DataType::Time(precision, zone) => time_type("time", *precision, zone),
        DataType::Interval { fields, precision } => {
            let mut text = "interval".to_string();
            if let Some(fields) = fields {
                text.push(' ');
                text.push_str(&interval_fields(fields));
            }
            if let Some(precision) = precision {
                text.push_str(&format!("({precision})"));
            }
            text
        }
        DataType::Bit(length) => format!("bit({})", length.unwrap_or(1)),
        DataType::BitVarying(length) | DataType::VarBit(length) => match length {
            Some(length) => format!("bit varying({length})"),
            None => "bit varying".into(),
        },
        DataType::Array(element) => match element {
            ArrayElemTypeDef::SquareBracket(inner, _)
            | ArrayElemTypeDef::AngleBracket(inner)
            | ArrayElemTypeDef::Parenthesis(inner)
            | ArrayElemTypeDef::ParenthesisNotNull(inner)
            | ArrayElemTypeDef::Qualified(inner, _) => {
                // PostgreSQL keeps no dimensions: `integer[][]` is `integer[]`.
                let inner = format_type(inner);
                if inner.ends_with("[]") {
                    inner
                } else {
                    format!("{inner}[]")
                }
            }
            ArrayElemTypeDef::None => "anyarray".into(),
        },
        DataType::GeometricType(kind) => match kind {
            GeometricTypeKind::Point => "point",
            GeometricTypeKind::Line => "line",
            GeometricTypeKind::LineSegment => "lseg",
            GeometricTypeKind::GeometricBox => "box",
            GeometricTypeKind::GeometricPath => "path",
            GeometricTypeKind::Polygon => "polygon",
            GeometricTypeKind::Circle => "circle",
        }
        .into(),
        DataType::Custom(name, modifiers) => custom_type(name, modifiers),
        other => other.to_string().to_ascii_lowercase(),
    }
}

fn length_value(length: &CharacterLength) -> u64 {
    match length {
        CharacterLength::IntegerLength { length, .. } => *length,
        CharacterLength::Max => 10_485_760,
    }
}

fn with_length(base: &str, length: Option<&CharacterLength>) -> String {
    match length {
        Some(length) => format!("{base}({})", length_value(length)),
        None => base.to_string(),
    }
}

fn time_type(base: &str, precision: Option<u64>, zone: &TimezoneInfo) -> String {
    let precision = precision.map(|p| format!("({p})")).unwrap_or_default();
    let zone = match zone {
        TimezoneInfo::WithTimeZone | TimezoneInfo::Tz => "with time zone",
        TimezoneInfo::None | TimezoneInfo::WithoutTimeZone => "without time zone",
    };
    format!("{base}{precision} {zone}")
}

fn interval_fields(fields: &IntervalFields) -> String {
    match fields {
        IntervalFields::Year => "year",
        IntervalFields::Month => "month",
        IntervalFields::Day => "day",
        IntervalFields::Hour => "hour",
        IntervalFields::Minute => "minute",
        IntervalFields::Second => "second",
        IntervalFields::YearToMonth => "year to month",
        IntervalFields::DayToHour => "day to hour",
        IntervalFields::DayToMinute => "day to minute",
        IntervalFields::DayToSecond => "day to second",
        IntervalFields::HourToMinute => "hour to minute",
        IntervalFields::HourToSecond => "hour to second",
        IntervalFields::MinuteToSecond => "minute to second",
    }
    .to_string()
}

/// A type sqlparser does not know by name: PostgreSQL's internal names (`int4`,
/// `timestamptz`, quoted `"char"`) and user or extension types.
fn custom_type(name: &ObjectName, modifiers: &[sqlparser::ast::TypeModifier]) -> String {
    let mut parts: Vec<String> = name.0.iter().map(part_identifier).collect();
    if parts.len() > 1 && matches!(parts[parts.len() - 2].as_str(), "pg_catalog" | PUBLIC) {
        parts.drain(..parts.len() - 1);
    }
    let modifiers: Vec<String> = modifiers.iter().map(ToString::to_string).collect();
    let typmod = (!modifiers.is_empty()).then(|| format!("({})", modifiers.join(",")));
    if let [single] = parts.as_slice() {
        let typmod_or = |default: &str| typmod.clone().unwrap_or_else(|| default.to_string());
        let known = match single.as_str() {
            "int2" | "smallserial" | "serial2" => Some("smallint".to_string()),
            "int4" | "serial" | "serial4" => Some("integer".to_string()),
            "int8" | "bigserial" | "serial8" => Some("bigint".to_string()),
            "float4" => Some("real".to_string()),
            "float8" => Some("double precision".to_string()),
            "bool" => Some("boolean".to_string()),
            "varchar" => Some(format!("character varying{}", typmod_or(""))),
            "bpchar" if typmod.is_some() => Some(format!("character{}", typmod_or(""))),
            "varbit" => Some(format!("bit varying{}", typmod_or(""))),
            "numeric" | "decimal" => Some(format!("numeric{}", typmod_or(""))),
            "timestamptz" => Some(format!("timestamp{} with time zone", typmod_or(""))),
            "timestamp" => Some(format!("timestamp{} without time zone", typmod_or(""))),
            "timetz" => Some(format!("time{} with time zone", typmod_or(""))),
            "time" => Some(format!("time{} without time zone", typmod_or(""))),
            _ => None,
        };
        if let Some(known) = known {
            return known;
        }
    }
    let mut text = parts
        .iter()
        .map(|p| quote_identifier(p))
        .collect::<Vec<_>>()
        .join(".");
    if let Some(typmod) = typmod {
        text.push_str(&typmod);
    }
    text
}

// ----- expressions --------------------------------------------------------------------------

fn strip_parens(mut expr: &Expr) -> &Expr {
    while let Expr::Nested(inner) = expr {
        expr = inner;
    }
    expr
}

/// An expression in the catalog's canonical spelling (see the module comment), without the
/// parentheses around the whole.
pub fn canonical_expression(expr: &Expr) -> String {
    let mut expr = strip_parens(expr).clone();
    let _ = sqlparser::ast::visit_expressions_mut(&mut expr, |expr| {
        canonicalize(expr);
        ControlFlow::<()>::Continue(())
    });
    expr.to_string()
}

fn canonical_query(query: &Query) -> String {
    let mut query = query.clone();
    let _ = sqlparser::ast::visit_expressions_mut(&mut query, |expr| {
        canonicalize(expr);
        ControlFlow::<()>::Continue(())
    });
    query.to_string()
}

fn canonical_ident(ident: &mut Ident) {
    let name = identifier(ident);
    ident.quote_style = needs_quotes(&name).then_some('"');
    ident.value = name;
}

/// Rewrites one node into canonical spelling (children were visited first).
fn canonicalize(expr: &mut Expr) {
    match expr {
        Expr::Identifier(ident) => canonical_ident(ident),
        Expr::CompoundIdentifier(idents) => idents.iter_mut().for_each(canonical_ident),
        Expr::Function(function) => {
            if matches!(function.args, FunctionArguments::None) {
                // CURRENT_TIMESTAMP and friends, which PostgreSQL prints in capitals.
                for part in &mut function.name.0 {
                    if let ObjectNamePart::Identifier(ident) = part {
                        ident.value = ident.value.to_ascii_uppercase();
                    }
                }
                return;
            }
            // Functions of pg_catalog and public are visible with the default search_path:
            // PostgreSQL prints them unqualified (pg_dump qualifies them).
            if function.name.0.len() == 2
                && function.name.0[0].as_ident().is_some_and(|i| {
                    i.value.eq_ignore_ascii_case("pg_catalog")
                        || i.value.eq_ignore_ascii_case(PUBLIC)
                })
            {
                function.name.0.remove(0);
            }
            for part in &mut function.name.0 {
                if let ObjectNamePart::Identifier(ident) = part {
                    canonical_ident(ident);
                }
            }
            if let [ObjectNamePart::Identifier(ident)] = function.name.0.as_mut_slice()
                && SQL_SYNTAX_FUNCTIONS.contains(&ident.value.as_str())
            {
                // Not functions to PostgreSQL but SQL syntax, printed in capitals (and
                // NORMALIZE's form too: `NORMALIZE(name, NFKC)`).
                ident.value = ident.value.to_ascii_uppercase();
                ident.quote_style = None;
                if ident.value == "NORMALIZE"
                    && let FunctionArguments::List(list) = &mut function.args
                    && let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Identifier(form)))) =
                        list.args.get_mut(1)
                {
                    form.value = form.value.to_ascii_uppercase();
                    form.quote_style = None;
                }
            }
            // nextval('seq') takes a regclass; PostgreSQL stores and prints the cast.
            if matches!(
                last_identifier(&function.name).as_str(),
                "nextval" | "currval" | "setval"
            ) && let FunctionArguments::List(list) = &mut function.args
                && let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(first))) =
                    list.args.first_mut()
                && let Some(text) = string_literal(first)
            {
                *first = regclass_cast(text);
            }
        }
        Expr::Cast {
            kind,
            expr: inner,
            data_type,
            ..
        } => {
            let type_name = format_type(data_type);
            if type_name == "regclass"
                && let Some(text) = string_literal(inner)
            {
                *expr = regclass_cast(text);
                return;
            }
            *data_type = DataType::Custom(ObjectName::from(vec![Ident::new(type_name)]), vec![]);
            // `(0)::numeric` is `0::numeric`: parentheses around an atom say nothing.
            if let Expr::Nested(nested) = inner.as_mut()
                && is_atom(nested)
            {
                let atom = std::mem::replace(nested.as_mut(), Expr::Value(Value::Null.into()));
                **inner = atom;
            }
            // PostgreSQL prints every cast as `::`, parenthesising what is not atomic.
            if *kind == CastKind::Cast {
                *kind = CastKind::DoubleColon;
                if !is_atom(inner) && !matches!(inner.as_ref(), Expr::Nested(_) | Expr::Cast { .. })
                {
                    let taken = std::mem::replace(inner.as_mut(), Expr::Value(Value::Null.into()));
                    **inner = Expr::Nested(Box::new(taken));
                }
            }
        }
        Expr::TypedString(typed) => {
            // `DATE '2024-01-01'` is stored as a cast constant.
            let type_name = format_type(&typed.data_type);
            *expr = Expr::Cast {
                kind: CastKind::DoubleColon,
                expr: Box::new(Expr::Value(typed.value.clone())),
                data_type: DataType::Custom(ObjectName::from(vec![Ident::new(type_name)]), vec![]),
                format: None,
            };
        }
        _ => {}
    }
}

fn is_atom(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::Value(_) | Expr::Function(_)
    )
}

/// What looks like a function call but is SQL syntax to PostgreSQL, which prints it in
/// capitals (`COALESCE(a, 0)`).
const SQL_SYNTAX_FUNCTIONS: &[&str] = &["coalesce", "greatest", "least", "normalize", "nullif"];

/// `'name'::regclass` with the name folded and unqualified in `public`.
fn regclass_cast(text: &str) -> Expr {
    let parts = parse_qualified_text(text);
    let name = match parts.as_slice() {
        [.., schema, name] => QualifiedName::new(schema.clone(), name.clone()),
        [name] => QualifiedName::new(PUBLIC, name.clone()),
        [] => QualifiedName::default(),
    };
    Expr::Cast {
        kind: CastKind::DoubleColon,
        expr: Box::new(Expr::Value(
            Value::SingleQuotedString(regclass_text(&name)).into(),
        )),
        data_type: DataType::Custom(ObjectName::from(vec![Ident::new("regclass")]), vec![]),
        format: None,
    }
}

fn string_literal(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Value(value) => match &value.value {
            Value::SingleQuotedString(text) => Some(text),
            _ => None,
        },
        _ => None,
    }
}

fn function_arguments(arguments: &FunctionArguments) -> impl Iterator<Item = &Expr> {
    let list = match arguments {
        FunctionArguments::List(list) => list.args.as_slice(),
        _ => &[],
    };
    list.iter().filter_map(|argument| match argument {
        FunctionArg::Unnamed(FunctionArgExpr::Expr(expr)) => Some(expr),
        _ => None,
    })
}

/// Column names (the last part of each identifier) an expression reads.
fn referenced_identifiers(expr: &Expr) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let _ = sqlparser::ast::visit_expressions(expr, |expr| {
        match expr {
            Expr::Identifier(ident) => {
                names.insert(identifier(ident));
            }
            Expr::CompoundIdentifier(idents) => {
                if let Some(last) = idents.last() {
                    names.insert(identifier(last));
                }
            }
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
    names
}

/// Reads back an expression the catalog stored (always sqlparser's own output).
fn reparse_expression(text: &str) -> Option<Expr> {
    let statements = parse_sql(&format!("SELECT {text}")).ok()?;
    let Some(Statement::Query(query)) = statements.into_iter().next() else {
        return None;
    };
    let SetExpr::Select(select) = *query.body else {
        return None;
    };
    match select.projection.into_iter().next()? {
        SelectItem::UnnamedExpr(expr) => Some(expr),
        _ => None,
    }
}

fn expression_mentions(text: &str, column: &str) -> bool {
    reparse_expression(text).is_some_and(|expr| referenced_identifiers(&expr).contains(column))
}

fn rename_in_expression(text: &str, old: &str, new: &str) -> String {
    let Some(mut expr) = reparse_expression(text) else {
        return text.to_string();
    };
    let renamed = |ident: &mut Ident| {
        if identifier(ident) == old {
            *ident = Ident::new(new);
            canonical_ident(ident);
        }
    };
    let _ = sqlparser::ast::visit_expressions_mut(&mut expr, |expr| {
        match expr {
            Expr::Identifier(ident) => renamed(ident),
            Expr::CompoundIdentifier(idents) => {
                if let Some(last) = idents.last_mut() {
                    renamed(last);
                }
            }
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
    expr.to_string()
}

fn index_uses_column(index: &Index, column: &str) -> bool {
    index.include.iter().any(|c| c == column)
        || index.keys.iter().any(|key| {
            if key.is_column {
                key.expression == column
            } else {
                expression_mentions(&key.expression, column)
            }
        })
        || index
            .predicate
            .as_deref()
            .is_some_and(|p| expression_mentions(p, column))
}

/// The relations a query names, as written: `(schema, name)`. CTE names are among them,
/// which at worst makes a view look like it depends on a table of the same name.
fn relations_read(query: &Query) -> Vec<(Option<String>, String)> {
    let mut relations = Vec::new();
    let _ = sqlparser::ast::visit_relations(query, |relation| {
        relations.push(split_object_name(relation));
        ControlFlow::<()>::Continue(())
    });
    relations.sort();
    relations.dedup();
    relations
}

// ----- index keys ---------------------------------------------------------------------------

fn column_key(column: &str) -> IndexKey {
    IndexKey {
        expression: column.to_string(),
        is_column: true,
        descending: false,
        nulls_first: None,
        opclass: None,
    }
}

fn index_key(column: &IndexColumn) -> IndexKey {
    // `(col)` is a plain column to PostgreSQL too.
    let (expression, is_column) = match strip_parens(&column.column.expr) {
        Expr::Identifier(ident) => (identifier(ident), true),
        other => (key_expression(other), false),
    };
    let descending = matches!(column.column.options.sort, Some(OrderBySort::Desc));
    IndexKey {
        expression,
        is_column,
        descending,
        // NULLS LAST ascending and NULLS FIRST descending are the defaults; like
        // pg_get_indexdef, only the other choice is kept.
        nulls_first: column
            .column
            .options
            .nulls_first
            .filter(|&first| first != descending),
        opclass: column.operator_class.as_ref().map(|name| {
            let (_, opclass) = split_object_name(name);
            opclass
        }),
    }
}

/// An index or partition key expression as `pg_get_indexdef` prints it: a function call as
/// it is, anything else in the parentheses the syntax requires.
fn key_expression(expr: &Expr) -> String {
    let text = canonical_expression(expr);
    match expr {
        Expr::Function(function) if !matches!(function.args, FunctionArguments::None) => text,
        _ => format!("({text})"),
    }
}

fn index_method(method: &IndexType) -> String {
    match method {
        IndexType::BTree => "btree".into(),
        IndexType::Hash => "hash".into(),
        IndexType::GIN => "gin".into(),
        IndexType::GiST => "gist".into(),
        IndexType::SPGiST => "spgist".into(),
        IndexType::BRIN => "brin".into(),
        IndexType::Bloom => "bloom".into(),
        IndexType::Custom(name) => identifier(name),
    }
}

#[cfg(test)]
mod tests {
    //! Expected names, types and defaults are what PostgreSQL 15 itself produced for the same
    //! DDL (checked with psql against the local server while writing these tests).

    use super::*;

    fn apply(applier: &mut DdlApplier, sql: &str) -> Vec<DdlProblem> {
        let statements = parse_sql(sql).expect("test DDL parses");
        statements
            .iter()
            .flat_map(|statement| applier.apply(statement).problems)
            .collect()
    }

    /// The catalog of DDL that must apply without problems.
    fn catalog(sql: &str) -> Catalog {
        let mut applier = DdlApplier::default();
        let problems = apply(&mut applier, sql);
        assert!(problems.is_empty(), "{problems:?}");
        applier.into_catalog()
    }

    fn name(name: &str) -> QualifiedName {
        let (schema, name) = name.split_once('.').unwrap_or((PUBLIC, name));
        QualifiedName::new(schema, name)
    }

    fn table<'a>(catalog: &'a Catalog, table: &str) -> &'a Table {
        &catalog.tables[&name(table)]
    }

    fn column<'a>(catalog: &'a Catalog, table: &str, column: &str) -> &'a Column {
        self::table(catalog, table).column(column).expect("column")
    }

    fn index_names(catalog: &Catalog) -> Vec<String> {
        catalog.indexes.keys().map(|n| n.name.clone()).collect()
    }

    fn kinds(problems: &[DdlProblem]) -> Vec<ProblemKind> {
        problems.iter().map(|p| p.kind).collect()
    }

    #[test]
    fn types_are_spelled_as_format_type_prints_them() {
        let cases = [
            ("int", "integer"),
            ("int4", "integer"),
            ("pg_catalog.int4", "integer"),
            ("int8", "bigint"),
            ("int2", "smallint"),
            ("smallint[]", "smallint[]"),
            ("integer[][]", "integer[]"),
            ("int[3]", "integer[]"),
            ("numeric", "numeric"),
            ("decimal", "numeric"),
            ("numeric(10)", "numeric(10,0)"),
            ("decimal(10,2)", "numeric(10,2)"),
            ("float", "double precision"),
            ("float(24)", "real"),
            ("float(25)", "double precision"),
            ("float4", "real"),
            ("float8", "double precision"),
            ("double precision[]", "double precision[]"),
            ("varchar", "character varying"),
            ("varchar(20)[]", "character varying(20)[]"),
            ("character varying(255)", "character varying(255)"),
            ("\"varchar\"(3)", "character varying(3)"),
            ("char", "character(1)"),
            ("character(1)", "character(1)"),
            ("char(5)[]", "character(5)[]"),
            ("bpchar", "bpchar"),
            ("\"char\"", "\"char\""),
            ("text", "text"),
            ("bool", "boolean"),
            ("bit", "bit(1)"),
            ("varbit", "bit varying"),
            ("bit varying(5)", "bit varying(5)"),
            ("timestamp", "timestamp without time zone"),
            ("\"timestamp\"", "timestamp without time zone"),
            ("timestamp(0)", "timestamp(0) without time zone"),
            ("timestamptz", "timestamp with time zone"),
            ("timestamptz(3)", "timestamp(3) with time zone"),
            ("timestamp(3) with time zone", "timestamp(3) with time zone"),
            ("time(2)", "time(2) without time zone"),
            ("timetz(2)", "time(2) with time zone"),
            ("interval(3)", "interval(3)"),
            ("interval day to second", "interval day to second"),
            ("interval year to month", "interval year to month"),
            ("jsonb", "jsonb"),
            ("uuid", "uuid"),
            ("bytea", "bytea"),
            ("date", "date"),
            ("name", "name"),
            ("int4range", "int4range"),
            ("tsvector", "tsvector"),
            ("mood", "mood"),
            ("public.mood", "mood"),
            ("mood[]", "mood[]"),
            ("other.\"MyType\"", "other.\"MyType\""),
        ];
        let columns: Vec<String> = cases
            .iter()
            .enumerate()
            .map(|(i, (declared, _))| format!("c{i} {declared}"))
            .collect();
        let catalog = catalog(&format!("CREATE TABLE t ({})", columns.join(", ")));
        for (i, (declared, expected)) in cases.iter().enumerate() {
            let column = column(&catalog, "t", &format!("c{i}"));
            assert_eq!(&column.data_type, expected, "{declared}");
        }
    }

    #[test]
    fn serial_columns_become_integers_with_a_default_and_an_owned_sequence() {
        let catalog = catalog(
            "CREATE SCHEMA other;
             CREATE TABLE s (id serial, big bigserial, small smallserial);
             CREATE TABLE other.t (id serial PRIMARY KEY, \"Mixed\" bigserial)",
        );
        let id = column(&catalog, "s", "id");
        assert_eq!((id.data_type.as_str(), id.nullable), ("integer", false));
        assert_eq!(id.default.as_deref(), Some("nextval('s_id_seq'::regclass)"));
        assert_eq!(column(&catalog, "s", "big").data_type, "bigint");
        assert_eq!(column(&catalog, "s", "small").data_type, "smallint");
        assert_eq!(
            catalog.sequences[&name("s_small_seq")].owned_by,
            Some((name("s"), "small".to_string()))
        );
        // Outside public, and with a name that needs quotes, as pg_get_expr prints them.
        assert_eq!(
            column(&catalog, "other.t", "id").default.as_deref(),
            Some("nextval('other.t_id_seq'::regclass)")
        );
        assert_eq!(
            column(&catalog, "other.t", "Mixed").default.as_deref(),
            Some("nextval('other.\"t_Mixed_seq\"'::regclass)")
        );
        assert!(catalog.sequences.contains_key(&name("other.t_Mixed_seq")));
    }

    #[test]
    fn identity_columns_are_not_null_with_a_sequence_and_no_default() {
        let catalog = catalog(
            "CREATE TABLE r (id bigint GENERATED ALWAYS AS IDENTITY, n int);
             ALTER TABLE r ALTER COLUMN n ADD GENERATED BY DEFAULT AS IDENTITY",
        );
        for column_name in ["id", "n"] {
            let column = column(&catalog, "r", column_name);
            assert!(column.identity && !column.nullable && column.default.is_none());
        }
        assert!(catalog.sequences.contains_key(&name("r_id_seq")));
        assert!(catalog.sequences.contains_key(&name("r_n_seq")));
    }

    #[test]
    fn unnamed_indexes_and_constraints_get_the_names_postgresql_gives_them() {
        let catalog = catalog(
            "CREATE TABLE t (a int, b text, c jsonb, \"MixedCase\" int, d int CHECK (d > 0), e int,
                 CHECK (d > e), CHECK (a > 0 AND a < 10), UNIQUE (a, b), UNIQUE (b),
                 f text REFERENCES t (b), g int, FOREIGN KEY (a, b) REFERENCES t (a, b),
                 CONSTRAINT named CHECK (e > 1), h int CHECK (h > 0) CHECK (h < 10));
             CREATE INDEX ON t (a);
             CREATE INDEX ON t (a);
             CREATE INDEX ON t (lower(b));
             CREATE INDEX ON t (lower(b), upper(b));
             CREATE INDEX ON t ((a + 1));
             CREATE INDEX ON t ((a::text));
             CREATE INDEX ON t ((c->>'x'));
             CREATE INDEX ON t ((a)) INCLUDE (b, e);
             CREATE INDEX ON t (a, a);
             CREATE INDEX ON t (\"MixedCase\");
             CREATE INDEX ON t (coalesce(a, 0));
             CREATE INDEX ON t ((CASE WHEN a > 0 THEN 1 END));
             CREATE UNIQUE INDEX ON t (d) WHERE d > 0;
             CREATE INDEX ON t (lower(b) DESC NULLS LAST, g);
             CREATE INDEX ON t USING gin (c jsonb_path_ops);
             CREATE INDEX ON t (b text_pattern_ops)",
        );
        let mut expected = vec![
            "t_MixedCase_idx",
            "t_a_a1_idx",
            "t_a_b_e_idx",
            "t_a_b_key",
            "t_a_idx",
            "t_a_idx1",
            "t_a_idx2",
            "t_b_idx",
            "t_b_key",
            "t_c_idx",
            "t_case_idx",
            "t_coalesce_idx",
            "t_d_idx",
            "t_expr_idx",
            "t_expr_idx1",
            "t_lower_g_idx",
            "t_lower_idx",
            "t_lower_upper_idx",
        ];
        expected.sort();
        assert_eq!(index_names(&catalog), expected);
        let t = table(&catalog, "t");
        let mut checks: Vec<&str> = t.checks.iter().filter_map(|c| c.name.as_deref()).collect();
        checks.sort();
        assert_eq!(
            checks,
            [
                "named",
                "t_a_check",
                "t_check",
                "t_d_check",
                "t_h_check",
                "t_h_check1"
            ]
        );
        let foreign: Vec<&str> = t
            .foreign_keys
            .iter()
            .filter_map(|f| f.name.as_deref())
            .collect();
        assert_eq!(foreign, ["t_f_fkey", "t_a_b_fkey"]);
        let lower = &catalog.indexes[&name("t_lower_g_idx")].keys[0];
        assert_eq!(
            (
                lower.expression.as_str(),
                lower.is_column,
                lower.descending,
                lower.nulls_first
            ),
            ("lower(b)", false, true, Some(false))
        );
        assert_eq!(
            catalog.indexes[&name("t_expr_idx")].keys[0].expression,
            "(a + 1)"
        );
        // As pg_get_indexdef prints them.
        assert_eq!(
            catalog.indexes[&name("t_coalesce_idx")].keys[0].expression,
            "COALESCE(a, 0)"
        );
        assert_eq!(
            catalog.indexes[&name("t_expr_idx1")].keys[0].expression,
            "(c ->> 'x')"
        );
        assert_eq!(
            catalog.indexes[&name("t_b_idx")].keys[0].opclass.as_deref(),
            Some("text_pattern_ops")
        );
        assert_eq!(catalog.indexes[&name("t_c_idx")].method, "gin");
        assert_eq!(
            catalog.indexes[&name("t_d_idx")].predicate.as_deref(),
            Some("d > 0")
        );
    }

    #[test]
    fn long_names_are_cut_to_63_bytes_the_way_postgresql_cuts_them() {
        let catalog = catalog(
            "CREATE TABLE verylongtablenameverylongtablenameverylongtablename_abcdefghij (
                 averyveryverylongcolumnname_abcdefghijklmnop int PRIMARY KEY, b int UNIQUE);
             CREATE INDEX ON verylongtablenameverylongtablenameverylongtablename_abcdefghij
                 (averyveryverylongcolumnname_abcdefghijklmnop, b)",
        );
        let mut expected = vec![
            "verylongtablenameverylongtabl_averyveryverylongcolumnname_a_idx",
            "verylongtablenameverylongtablenameverylongtablename_abcde_b_key",
            "verylongtablenameverylongtablenameverylongtablename_abcdef_pkey",
        ];
        expected.sort();
        assert_eq!(index_names(&catalog), expected);
        let long = "x".repeat(70);
        let catalog = self::catalog(&format!("CREATE TABLE {long} (a int)"));
        assert_eq!(catalog.tables.keys().next().unwrap().name.len(), 63);
    }

    #[test]
    fn keys_are_backed_by_indexes_and_make_their_columns_not_null() {
        let catalog = catalog(
            "CREATE TABLE inc (a int, b int, c int, PRIMARY KEY (a) INCLUDE (b), UNIQUE (c));
             CREATE TABLE ex (r int4range, EXCLUDE USING gist (r WITH &&))",
        );
        let primary = &catalog.indexes[&name("inc_pkey")];
        assert!(primary.primary && primary.unique && primary.constraint);
        assert_eq!(primary.include, ["b"]);
        assert!(!column(&catalog, "inc", "a").nullable);
        let unique = &catalog.indexes[&name("inc_c_key")];
        assert!(unique.unique && unique.constraint && !unique.primary);
        assert!(column(&catalog, "inc", "c").nullable);
        assert_eq!(
            table(&catalog, "inc")
                .primary_key
                .as_ref()
                .unwrap()
                .name
                .as_deref(),
            Some("inc_pkey")
        );
        let exclusion = &catalog.indexes[&name("ex_r_excl")];
        assert!(exclusion.constraint && !exclusion.unique);
        assert_eq!(exclusion.method, "gist");
    }

    #[test]
    fn a_key_written_twice_is_one_index_in_create_table_and_two_in_alter_table() {
        let catalog = catalog(
            "CREATE TABLE d (a int UNIQUE, b int, UNIQUE (a), c int PRIMARY KEY UNIQUE);
             ALTER TABLE d ADD UNIQUE (b);
             ALTER TABLE d ADD UNIQUE (b)",
        );
        assert_eq!(
            index_names(&catalog),
            ["d_a_key", "d_b_key", "d_b_key1", "d_pkey"]
        );
    }

    #[test]
    fn check_names_skip_the_ones_taken() {
        let catalog = catalog(
            "CREATE TABLE n (a int CHECK (a > 0), b int, CONSTRAINT n_a_check1 CHECK (b > 0),
                 CHECK (a < 100))",
        );
        let mut names: Vec<&str> = table(&catalog, "n")
            .checks
            .iter()
            .filter_map(|c| c.name.as_deref())
            .collect();
        names.sort();
        assert_eq!(names, ["n_a_check", "n_a_check1", "n_a_check2"]);
    }

    #[test]
    fn expressions_are_kept_in_postgresqls_spelling() {
        let catalog = catalog(
            "CREATE SEQUENCE s;
             CREATE TYPE mood AS ENUM ('ok');
             CREATE TABLE defs (a date DEFAULT DATE '2024-01-01',
                 c varchar(10) DEFAULT 'x'::VARCHAR(10), d timestamptz DEFAULT NOW(),
                 e bigint DEFAULT nextval('S'), f text DEFAULT CURRENT_USER, g numeric DEFAULT 1.5,
                 h text DEFAULT 'plain', i mood DEFAULT 'ok', j jsonb DEFAULT '{}',
                 k bigint DEFAULT nextval('public.s'::regclass))",
        );
        let default = |c: &str| column(&catalog, "defs", c).default.clone().unwrap();
        assert_eq!(default("a"), "'2024-01-01'::date");
        assert_eq!(default("c"), "'x'::character varying(10)");
        assert_eq!(default("d"), "now()");
        assert_eq!(default("e"), "nextval('s'::regclass)");
        assert_eq!(default("f"), "CURRENT_USER");
        assert_eq!(default("g"), "1.5");
        assert_eq!(default("h"), "'plain'::text");
        assert_eq!(default("i"), "'ok'::mood");
        assert_eq!(default("j"), "'{}'::jsonb");
        assert_eq!(default("k"), "nextval('s'::regclass)");
    }

    #[test]
    fn alter_table_follows_columns_through_their_changes() {
        let mut applier = DdlApplier::default();
        let problems = apply(
            &mut applier,
            "CREATE TABLE v1 (id int PRIMARY KEY, note text);
             CREATE TABLE v2 (id int REFERENCES v1, qty int, CHECK (qty > 0));
             CREATE INDEX ON v2 (qty) WHERE qty > 1;
             ALTER TABLE v2 RENAME COLUMN id TO v1_id;
             ALTER TABLE v1 RENAME COLUMN id TO key;
             ALTER TABLE v2 RENAME COLUMN qty TO quantity;
             ALTER TABLE v2 ADD COLUMN status text NOT NULL DEFAULT 'new',
                 ALTER COLUMN quantity SET NOT NULL, ALTER COLUMN quantity TYPE bigint;
             ALTER TABLE v2 ALTER COLUMN status DROP NOT NULL, ALTER COLUMN status SET DEFAULT 'old';
             ALTER TABLE v1 DROP COLUMN note;
             ALTER TABLE v2 ADD CONSTRAINT big CHECK (quantity < 1000) NOT VALID;
             ALTER TABLE v2 VALIDATE CONSTRAINT big",
        );
        assert!(problems.is_empty(), "{problems:?}");
        let catalog = applier.into_catalog();
        let foreign = &table(&catalog, "v2").foreign_keys[0];
        assert_eq!(
            (
                foreign.columns.as_slice(),
                foreign.referenced_columns.as_slice()
            ),
            (&["v1_id".to_string()][..], &["key".to_string()][..])
        );
        assert_eq!(
            table(&catalog, "v1").primary_key.as_ref().unwrap().columns,
            ["key"]
        );
        assert_eq!(catalog.indexes[&name("v1_pkey")].keys[0].expression, "key");
        let index = &catalog.indexes[&name("v2_qty_idx")];
        assert_eq!(index.keys[0].expression, "quantity");
        assert_eq!(index.predicate.as_deref(), Some("quantity > 1"));
        let checks = &table(&catalog, "v2").checks;
        assert_eq!(checks[0].expression, "quantity > 0");
        assert!(!checks[1].not_valid, "validated");
        let quantity = column(&catalog, "v2", "quantity");
        assert_eq!(
            (quantity.data_type.as_str(), quantity.nullable),
            ("bigint", false)
        );
        let status = column(&catalog, "v2", "status");
        assert!(status.nullable);
        assert_eq!(status.default.as_deref(), Some("'old'::text"));
        assert!(table(&catalog, "v1").column("note").is_none());
    }

    #[test]
    fn dropping_a_column_drops_the_indexes_and_keys_that_use_it() {
        let catalog = catalog(
            "CREATE TABLE s (id serial, x int UNIQUE, y int);
             CREATE INDEX ON s (x);
             CREATE INDEX s_expr ON s ((x + 1));
             CREATE INDEX s_pred ON s (id) WHERE x > 0;
             CREATE INDEX s_y ON s (y);
             ALTER TABLE s DROP COLUMN x;
             ALTER TABLE s DROP COLUMN id",
        );
        assert_eq!(index_names(&catalog), ["s_y"]);
        assert!(table(&catalog, "s").unique_constraints.is_empty());
        assert!(
            catalog.sequences.is_empty(),
            "the serial's sequence goes with it"
        );
    }

    #[test]
    fn renames_follow_postgresql() {
        let catalog = catalog(
            "CREATE TABLE s (id serial PRIMARY KEY, x int);
             CREATE TABLE r (s_id int REFERENCES s);
             ALTER TABLE s RENAME TO s2;
             ALTER TABLE s2 RENAME CONSTRAINT s_pkey TO s_key_renamed;
             ALTER INDEX s_key_renamed RENAME TO s_again;
             ALTER TABLE s2 RENAME TO s3",
        );
        // Index and sequence names stay with a renamed table; renaming a key's constraint
        // renames its index and the other way round.
        assert_eq!(index_names(&catalog), ["s_again"]);
        assert_eq!(catalog.indexes[&name("s_again")].table, name("s3"));
        assert_eq!(
            table(&catalog, "s3")
                .primary_key
                .as_ref()
                .unwrap()
                .name
                .as_deref(),
            Some("s_again")
        );
        assert_eq!(table(&catalog, "r").foreign_keys[0].references, name("s3"));
        assert_eq!(
            catalog.sequences[&name("s_id_seq")].owned_by,
            Some((name("s3"), "id".to_string()))
        );

        let mut applier = DdlApplier::new(catalog);
        let sequence = ObjectName::from(vec![Ident::new("s_id_seq")]);
        let outcome = applier.rename_relation(
            RelationKind::Sequence,
            &sequence,
            false,
            &Ident::new("s_renamed_seq"),
        );
        assert!(outcome.problems.is_empty());
        // A default holds the sequence itself, so it shows the new name.
        assert_eq!(
            column(applier.catalog(), "s3", "id").default.as_deref(),
            Some("nextval('s_renamed_seq'::regclass)")
        );
    }

    #[test]
    fn dropping_a_table_drops_what_depends_on_it() {
        let mut applier = DdlApplier::default();
        let problems = apply(
            &mut applier,
            "CREATE TABLE u (id serial PRIMARY KEY, v int);
             CREATE INDEX ON u (v);
             CREATE TABLE ref (uid int REFERENCES u);
             CREATE VIEW uv AS SELECT * FROM u;
             DROP TABLE u CASCADE",
        );
        assert!(problems.is_empty(), "{problems:?}");
        let catalog = applier.catalog();
        assert!(catalog.indexes.is_empty() && catalog.sequences.is_empty());
        assert!(catalog.views.is_empty());
        assert!(table(catalog, "ref").foreign_keys.is_empty());

        // Without CASCADE PostgreSQL refuses; the catalog drops them and says so.
        let problems = apply(
            &mut applier,
            "CREATE TABLE u (id int PRIMARY KEY);
             ALTER TABLE ref ADD FOREIGN KEY (uid) REFERENCES u;
             DROP TABLE u",
        );
        assert_eq!(kinds(&problems), [ProblemKind::Dependency]);
        assert!(table(applier.catalog(), "ref").foreign_keys.is_empty());
    }

    #[test]
    fn an_index_backing_a_constraint_is_not_dropped_on_its_own() {
        let mut applier = DdlApplier::default();
        let problems = apply(
            &mut applier,
            "CREATE TABLE u (id int PRIMARY KEY); DROP INDEX u_pkey",
        );
        assert_eq!(kinds(&problems), [ProblemKind::Dependency]);
        assert_eq!(index_names(applier.catalog()), ["u_pkey"]);
        let problems = apply(&mut applier, "ALTER TABLE u DROP CONSTRAINT u_pkey");
        assert!(problems.is_empty());
        assert!(applier.catalog().indexes.is_empty());
        assert!(table(applier.catalog(), "u").primary_key.is_none());
    }

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
    fn partitions_get_the_indexes_keys_and_foreign_keys_of_their_parent() {
        let catalog = catalog(
            "CREATE TABLE users (id int PRIMARY KEY);
             CREATE TABLE p (id int, ts timestamptz, uid int REFERENCES users,
                 PRIMARY KEY (id, ts), UNIQUE (ts, id)) PARTITION BY RANGE (ts);
             CREATE INDEX ON p (ts);
             CREATE INDEX ON p (lower(id::text));
             CREATE TABLE p1 PARTITION OF p FOR VALUES FROM ('2024-01-01') TO ('2024-02-01');
             CREATE TABLE p2 (id int NOT NULL, ts timestamptz NOT NULL, uid int);
             ALTER TABLE p ATTACH PARTITION p2 FOR VALUES FROM ('2024-02-01') TO ('2024-03-01');
             CREATE TABLE pd PARTITION OF p DEFAULT;
             CREATE TABLE sp (id int, ts date) PARTITION BY RANGE (ts);
             CREATE TABLE sp1 PARTITION OF sp FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')
                 PARTITION BY LIST (id);
             CREATE TABLE sp1a PARTITION OF sp1 FOR VALUES IN (1);
             CREATE INDEX ON sp (id)",
        );
        let mut expected = vec![
            "p1_lower_idx",
            "p1_pkey",
            "p1_ts_id_key",
            "p1_ts_idx",
            "p2_lower_idx",
            "p2_pkey",
            "p2_ts_id_key",
            "p2_ts_idx",
            "p_lower_idx",
            "p_pkey",
            "p_ts_id_key",
            "p_ts_idx",
            "pd_lower_idx",
            "pd_pkey",
            "pd_ts_id_key",
            "pd_ts_idx",
            "sp1_id_idx",
            "sp1a_id_idx",
            "sp_id_idx",
            "users_pkey",
        ];
        expected.sort();
        assert_eq!(index_names(&catalog), expected);
        let p2 = table(&catalog, "p2");
        assert_eq!(
            p2.partition_of
                .as_ref()
                .map(|p| (&p.parent, p.bounds.as_str())),
            Some((
                &name("p"),
                "FOR VALUES FROM ('2024-02-01') TO ('2024-03-01')"
            ))
        );
        assert_eq!(
            p2.primary_key.as_ref().unwrap().name.as_deref(),
            Some("p2_pkey")
        );
        assert_eq!(p2.foreign_keys[0].name.as_deref(), Some("p_uid_fkey"));
        assert_eq!(
            table(&catalog, "pd").partition_of.as_ref().unwrap().bounds,
            "DEFAULT"
        );
        let partitioning = table(&catalog, "p").partitioning.as_ref().unwrap();
        assert_eq!(
            (partitioning.strategy, partitioning.key.as_slice()),
            (PartitionStrategy::Range, &["ts".to_string()][..])
        );
        assert_eq!(
            table(&catalog, "sp1")
                .partitioning
                .as_ref()
                .unwrap()
                .strategy,
            PartitionStrategy::List
        );
    }

    #[test]
    fn a_table_cannot_become_its_own_partition() {
        let mut applier = DdlApplier::default();
        let problems = apply(
            &mut applier,
            "CREATE TABLE p (id int) PARTITION BY LIST (id);
             CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1) PARTITION BY LIST (id);
             ALTER TABLE p ATTACH PARTITION p FOR VALUES IN (2);
             ALTER TABLE p1 ATTACH PARTITION p FOR VALUES IN (3);
             CREATE INDEX ON p (id)",
        );
        assert_eq!(kinds(&problems), [ProblemKind::Unsupported; 2]);
        assert_eq!(index_names(applier.catalog()), ["p1_id_idx", "p_id_idx"]);
    }

    #[test]
    fn create_index_on_only_stays_on_the_partitioned_table() {
        let mut applier = DdlApplier::default();
        apply(
            &mut applier,
            "CREATE TABLE p (id int) PARTITION BY LIST (id);
             CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1)",
        );
        let statement = &parse_sql("CREATE INDEX p_id_idx ON p (id)").unwrap()[0];
        assert!(applier.apply_on_only(statement).problems.is_empty());
        assert_eq!(index_names(applier.catalog()), ["p_id_idx"]);
    }

    #[test]
    fn the_search_path_decides_where_names_go() {
        let mut applier = DdlApplier::default();
        let problems = apply(
            &mut applier,
            "CREATE SCHEMA app;
             SET search_path = app, public;
             CREATE TABLE t (x int);
             CREATE TABLE public.u (y int);
             ALTER TABLE u ADD COLUMN z int;
             CREATE INDEX ON t (x);
             SELECT pg_catalog.set_config('search_path', '', false);
             CREATE TABLE v (a int)",
        );
        assert!(problems.is_empty(), "{problems:?}");
        let catalog = applier.catalog();
        assert!(catalog.tables.contains_key(&name("app.t")));
        assert!(catalog.indexes.contains_key(&name("app.t_x_idx")));
        assert_eq!(table(catalog, "u").columns.len(), 2);
        assert!(catalog.tables.contains_key(&name("v")));
        // A new session starts from the default path again.
        applier.reset_session();
        let problems = apply(&mut applier, "ALTER TABLE t ADD COLUMN y int");
        assert_eq!(kinds(&problems), [ProblemKind::MissingObject]);
    }

    #[test]
    fn search_path_settings_are_read_like_postgresql_reads_them() {
        assert_eq!(
            parse_search_path("\"$user\", public, \"My Schema\", Other"),
            ["$user", "public", "My Schema", "other"]
        );
        assert!(parse_search_path("").is_empty());
    }

    #[test]
    fn identifiers_fold_unless_quoted() {
        let catalog = catalog("CREATE TABLE Mixed (\"Keep\" int, Fold int, \"order\" int)");
        let columns: Vec<&str> = table(&catalog, "mixed")
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(columns, ["Keep", "fold", "order"]);
        assert_eq!(quote_identifier("order"), "\"order\"");
        assert_eq!(quote_identifier("Keep"), "\"Keep\"");
        assert_eq!(quote_identifier("status"), "status");
        assert!(
            QUOTED_KEYWORDS.windows(2).all(|w| w[0] < w[1]),
            "sorted for binary search"
        );
    }

    #[test]
    fn create_table_as_names_and_types_its_columns_from_the_query() {
        let mut applier = DdlApplier::default();
        let problems = apply(
            &mut applier,
            "CREATE TABLE src (a int, b text, c timestamptz);
             CREATE TABLE ctas AS SELECT a, b AS bee, count(*), now(), 1, c::date, max(c),
                 a > 0 AS positive, 'x' AS lit FROM src GROUP BY a, b, c;
             CREATE VIEW src_view AS SELECT s.a, s.b FROM src s;
             CREATE TABLE copy AS SELECT * FROM src_view;
             CREATE TABLE odd AS SELECT a + 1 FROM src",
        );
        let columns = |t: &str| -> Vec<String> {
            table(applier.catalog(), t)
                .columns
                .iter()
                .map(|c| format!("{}:{}", c.name, c.data_type))
                .collect()
        };
        // As PostgreSQL 15 typed them.
        assert_eq!(
            columns("ctas"),
            [
                "a:integer",
                "bee:text",
                "count:bigint",
                "now:timestamp with time zone",
                "?column?:integer",
                "c:date",
                "max:timestamp with time zone",
                "positive:boolean",
                "lit:text"
            ]
        );
        assert_eq!(columns("copy"), ["a:integer", "b:text"]);
        assert_eq!(columns("odd"), ["?column?:unknown"]);
        assert_eq!(kinds(&problems), [ProblemKind::Unsupported]);
    }

    #[test]
    fn temporary_tables_stay_out_of_the_catalog_quietly() {
        let mut applier = DdlApplier::default();
        let problems = apply(
            &mut applier,
            "CREATE TEMPORARY TABLE scratch AS SELECT 1 AS x;
             CREATE INDEX ON scratch (x);
             ALTER TABLE scratch ADD COLUMN y int;
             DROP TABLE scratch",
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert!(applier.catalog().tables.is_empty() && applier.catalog().indexes.is_empty());
    }

    #[test]
    fn views_are_created_replaced_renamed_and_dropped() {
        let mut applier = DdlApplier::default();
        let problems = apply(
            &mut applier,
            "CREATE TABLE t (a int);
             CREATE VIEW v AS SELECT a FROM t;
             CREATE OR REPLACE VIEW v AS SELECT a, 1 AS one FROM t;
             CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM v;
             CREATE UNIQUE INDEX ON m (count);
             ALTER MATERIALIZED VIEW m RENAME TO m2;
             DROP VIEW v",
        );
        // m2 reads v: PostgreSQL would want CASCADE.
        assert_eq!(kinds(&problems), [ProblemKind::Dependency]);
        let catalog = applier.catalog();
        assert!(catalog.views.is_empty());
        assert!(
            catalog.indexes.is_empty(),
            "the materialized view's index went with it"
        );
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

    #[test]
    fn object_names_are_made_like_make_object_name() {
        assert_eq!(make_object_name("t", Some("a"), "idx"), "t_a_idx");
        assert_eq!(make_object_name("t", None, "pkey"), "t_pkey");
        let long = "é".repeat(40);
        let made = make_object_name(&long, Some("col"), "idx");
        assert!(made.len() <= MAX_IDENTIFIER_BYTES && made.ends_with("_col_idx"));
        assert_eq!(
            unique_column_names(vec!["a".into(), "a".into(), "a".into()]),
            ["a", "a1", "a2"]
        );
    }
}
