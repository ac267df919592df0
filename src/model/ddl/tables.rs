//! `CREATE TABLE` and `CREATE TABLE … AS`: columns with their types and defaults, serial and
//! identity columns with their owned sequence, `LIKE` and `PARTITION OF`, and the columns a
//! query gives a table where they show without type analysis.

use super::constraints::{KeyKind, KeySpec, PendingConstraint, pending_constraint};
use super::expressions::{canonical_expression, function_arguments, string_literal};
use super::identifiers::{
    identifier, last_identifier, quote_literal, regclass_text, typed_literal,
};
use super::indexes::column_key;
use super::naming::figure;
use super::partitions::bounds_text;
use super::sql_types::{format_type, serial_type};
use super::{DdlApplier, Effect, ProblemKind, Recursion, RelationKind};
use crate::model::catalog::{Column, IndexMethod, QualifiedName, Sequence, Table};
use crate::sql::parse::parse_sql;
use sqlparser::ast::{
    ColumnDef, ColumnOption, ColumnOptionDef, CreateTable, CreateTableLikeDefaults,
    CreateTableLikeKind, DataType, Expr, Ident, Query, SelectItem, SelectItemQualifiedWildcardKind,
    SetExpr, Statement, TableFactor, TableWithJoins, Value,
};

impl DdlApplier {
    pub(super) fn create_table(&mut self, create: &CreateTable) -> Effect {
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

    /// Adds one column definition to an existing table (or, for `PARTITION OF … (col WITH
    /// OPTIONS)`, applies its options to the inherited column). Serial and identity columns get
    /// their sequence; constraints written on the column are queued in `pending`.
    pub(super) fn define_column<'a>(
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
        for option in &def.options {
            apply_column_option(&mut column, &option.option);
            pending.extend(column_constraint(&name, option));
        }
        // A string default is stored as a constant of the column's type, known only now.
        let last_default = def.options.iter().rev().find_map(|o| match &o.option {
            ColumnOption::Default(expr) => Some(expr),
            _ => None,
        });
        if let Some(literal) = last_default.and_then(string_literal) {
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
            if serial.is_some() {
                self.default_to_next_value(table_name, &name, &sequence);
            }
        }
    }

    /// A serial column's default: the next value of its sequence, as PostgreSQL stores it
    /// (`nextval('orders_id_seq'::regclass)`).
    fn default_to_next_value(
        &mut self,
        table: &QualifiedName,
        column: &str,
        sequence: &QualifiedName,
    ) {
        if let Some(column) = self
            .catalog
            .tables
            .get_mut(table)
            .and_then(|t| t.column_mut(column))
        {
            column.default = Some(format!(
                "nextval({}::regclass)",
                quote_literal(&regclass_text(sequence))
            ));
        }
    }

    /// The sequence of a serial or identity column: `<table>_<column>_seq`, owned by it.
    pub(super) fn create_owned_sequence(
        &mut self,
        table: &QualifiedName,
        column: &str,
    ) -> QualifiedName {
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
}

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

/// What a column option says of the column itself: nullability, default, generation,
/// identity. The constraints it declares are read by [`column_constraint`].
fn apply_column_option(column: &mut Column, option: &ColumnOption) {
    match option {
        ColumnOption::Null => column.nullable = true,
        ColumnOption::NotNull | ColumnOption::PrimaryKey(_) => column.nullable = false,
        ColumnOption::Default(expr) => column.default = Some(canonical_expression(expr)),
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
        // Other constraints, COLLATE, COMMENT, storage options: nothing the column keeps.
        _ => {}
    }
}

/// The constraint a column option declares on its column (primary key, unique, foreign
/// key, check), added with the table's other constraints once all its columns are known.
fn column_constraint<'a>(
    column: &str,
    option: &'a ColumnOptionDef,
) -> Option<PendingConstraint<'a>> {
    let name = option.name.as_ref().map(identifier);
    let key = |kind, key_name: &Option<Ident>, include: &[Ident]| {
        PendingConstraint::Key(KeySpec {
            kind,
            name: name.clone().or_else(|| key_name.as_ref().map(identifier)),
            keys: vec![column_key(column)],
            include: include.iter().map(identifier).collect(),
            method: IndexMethod::Btree,
            predicate: None,
        })
    };
    Some(match &option.option {
        ColumnOption::PrimaryKey(primary) => key(KeyKind::Primary, &primary.name, &primary.include),
        ColumnOption::Unique(unique) => key(KeyKind::Unique, &unique.name, &unique.include),
        ColumnOption::ForeignKey(foreign) => PendingConstraint::Foreign {
            name: name.or_else(|| foreign.name.as_ref().map(identifier)),
            columns: vec![column.to_string()],
            constraint: foreign,
            not_valid: false,
        },
        ColumnOption::Check(check) => PendingConstraint::Check {
            name: name.or_else(|| check.name.as_ref().map(identifier)),
            expr: &check.expr,
            not_valid: false,
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ddl::test_support::*;

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
}
