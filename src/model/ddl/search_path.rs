//! The session's search_path, as one psql session keeps it: `SET search_path` and pg_dump's
//! `set_config`, and resolving the names DDL writes through it — where an unqualified name is
//! created and which existing object it means.

use super::expressions::{function_arguments, string_literal};
use super::identifiers::{
    display_object_name, identifier, last_identifier, split_identifiers, split_object_name,
};
use super::{DdlApplier, Effect, PUBLIC};
use crate::model::catalog::QualifiedName;
use sqlparser::ast::{Expr, ObjectName, Query, SelectItem, Set, SetExpr, Value};

impl DdlApplier {
    /// The schema unqualified names are created in: the first existing one on the path.
    fn creation_schema(&self) -> String {
        self.search_path
            .iter()
            .find(|schema| self.schemas.contains(*schema))
            .cloned()
            .unwrap_or_else(|| PUBLIC.to_string())
    }

    /// Where `CREATE … name` puts the relation: the schema written, else the creation schema.
    pub fn creation_name(&self, name: &ObjectName) -> QualifiedName {
        let (schema, name) = split_object_name(name);
        QualifiedName::new(schema.unwrap_or_else(|| self.creation_schema()), name)
    }

    /// Resolves a name the way PostgreSQL does: qualified as written, else the first schema
    /// of the search_path holding such an object (`public` when the path is empty, which
    /// pg_dump sets only to qualify every name anyway).
    pub(super) fn lookup(
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
    pub(super) fn is_temporary(&self, name: &ObjectName) -> bool {
        matches!(split_object_name(name), (None, name) if self.temporary.contains(&name))
    }

    pub(super) fn lookup_table(&self, name: &ObjectName) -> Option<QualifiedName> {
        self.lookup(name, |q| self.catalog.tables.contains_key(q))
    }

    /// A table that must exist; its absence is reported.
    pub(super) fn existing_table(&mut self, name: &ObjectName) -> Option<QualifiedName> {
        let found = self.lookup_table(name);
        if found.is_none() {
            self.missing(format!(
                "relation \"{}\" does not exist",
                display_object_name(name)
            ));
        }
        found
    }

    pub(super) fn set(&mut self, set: &Set) -> Effect {
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

pub(super) fn default_search_path() -> Vec<String> {
    vec!["$user".to_string(), PUBLIC.to_string()]
}

/// `SELECT pg_catalog.set_config('search_path', 'a, b', false)`, pg_dump's way of setting
/// the search_path.
pub(super) fn search_path_of_set_config(query: &Query) -> Option<Vec<String>> {
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
    split_identifiers(text, ',')
        .into_iter()
        .filter(|name| !name.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ddl::ProblemKind;
    use crate::model::ddl::test_support::*;

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
}
