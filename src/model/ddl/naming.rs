//! The names PostgreSQL chooses for what DDL leaves unnamed — indexes, constraints, serial
//! sequences: `makeObjectName`, `ChooseRelationName` / `ChooseConstraintName` with their
//! counters, and the column names an index takes from its keys (`FigureIndexColname`).

use super::expressions::reparse_expression;
use super::identifiers::{floor_char_boundary, identifier, last_identifier};
use super::sql_types::format_type;
use super::{DdlApplier, MAX_IDENTIFIER_BYTES};
use crate::model::catalog::{Index, QualifiedName, Table};
use sqlparser::ast::{DataType, Expr};

impl DdlApplier {
    fn constraint_name_exists(&self, schema: &str, name: &str) -> bool {
        self.catalog
            .tables
            .values()
            .filter(|table| table.name.schema == schema)
            .any(|table| constraint_names(table).any(|existing| existing == name))
            || self.catalog.domains.iter().any(|(domain, d)| {
                domain.schema == schema && d.checks.iter().any(|check| check.name == name)
            })
    }

    /// PostgreSQL's `ChooseRelationName`: `name1_name2_label`, truncated to fit, with a
    /// counter on the label until no relation (nor, for constraints, constraint) has it.
    pub(super) fn choose_relation_name(
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
    pub(super) fn choose_constraint_name(
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
}

pub(super) fn constraint_names(table: &Table) -> impl Iterator<Item = &str> {
    table
        .primary_key
        .iter()
        .chain(&table.unique_constraints)
        .filter_map(|k| k.name.as_deref())
        .chain(table.foreign_keys.iter().filter_map(|f| f.name.as_deref()))
        .chain(table.checks.iter().filter_map(|c| c.name.as_deref()))
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
pub(super) fn name_addition(names: &[String]) -> String {
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
pub(super) fn unique_column_names(names: Vec<String>) -> Vec<String> {
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
pub(super) fn key_column_names(index: &Index) -> Vec<String> {
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
pub(super) fn figure_column_name(expr: &Expr) -> String {
    figure(expr).map_or_else(|| "expr".to_string(), |(name, _)| name)
}

/// The name and its strength (2 for a column or function, 1 for weaker guesses), as in
/// `FigureColnameInternal`.
pub(super) fn figure(expr: &Expr) -> Option<(String, u8)> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ddl::test_support::*;

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
        assert_eq!(
            catalog.indexes[&name("t_c_idx")].method,
            crate::model::catalog::IndexMethod::Gin
        );
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
