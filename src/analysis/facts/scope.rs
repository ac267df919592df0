//! Name resolution for facts: which catalog table a name in `FROM` stands for (search_path
//! aware), and which table a column reference belongs to, through aliases, CTEs, derived
//! tables and outer queries.

use super::ColumnRef;
use crate::model::catalog::{Catalog, QualifiedName};

/// Resolves table names against the catalog, if there is one.
pub struct Resolver<'c> {
    pub catalog: Option<&'c Catalog>,
    pub search_path: Vec<String>,
}

impl Resolver<'_> {
    /// The table `parts` names (`[table]` or `[schema, table]`). Without a catalog an
    /// unqualified name is taken to live in the first schema of the search path; with one,
    /// a name it does not know is `None` (reported, not guessed).
    pub fn table(&self, parts: &[String]) -> Option<QualifiedName> {
        let candidates: Vec<QualifiedName> = match parts {
            // PostgreSQL searches pg_catalog first; its relations are all named `pg_…`.
            [name]
                if name.starts_with("pg_")
                    && self.catalog.is_none_or(|c| !c.has_relation_named(name)) =>
            {
                return Some(QualifiedName::new("pg_catalog", name.clone()));
            }
            [name] => self
                .search_path
                .iter()
                .map(|schema| QualifiedName::new(schema.clone(), name.clone()))
                .collect(),
            [.., schema, name] => vec![QualifiedName::new(schema.clone(), name.clone())],
            [] => return None,
        };
        match self.catalog {
            None => candidates.into_iter().next(),
            Some(catalog) => candidates
                .into_iter()
                .find(|name| catalog.tables.contains_key(name) || catalog.views.contains_key(name)),
        }
    }

    /// Whether `table` has `column`; `None` when there is no catalog to ask.
    fn has_column(&self, table: &QualifiedName, column: &str) -> Option<bool> {
        let catalog = self.catalog?;
        match catalog.tables.get(table) {
            Some(found) => Some(found.column(column).is_some()),
            // A view's columns are not modelled: it may have it.
            None => Some(catalog.views.contains_key(table)),
        }
    }
}

/// What a name in a `FROM` list stands for.
#[derive(Debug, Clone)]
pub enum Source {
    Table(QualifiedName),
    /// A subquery, CTE or function: its columns are not a base table's.
    Derived,
    /// A table name that resolved to nothing.
    Unknown,
}

#[derive(Debug, Clone)]
struct Entry {
    /// The alias, or the table's own name.
    name: String,
    source: Source,
}

/// The names visible in one `SELECT` (or UPDATE/DELETE), and its enclosing query's.
pub struct Scope<'p> {
    entries: Vec<Entry>,
    parent: Option<&'p Scope<'p>>,
}

/// What a column reference turned out to be.
pub enum Column {
    /// A base table's column; `outer` when it comes from an enclosing query.
    Base {
        column: ColumnRef,
        outer: bool,
    },
    /// A column of a derived table or CTE.
    Derived,
    Unresolved,
}

impl<'p> Scope<'p> {
    pub fn new(parent: Option<&'p Scope<'p>>) -> Self {
        Scope {
            entries: Vec::new(),
            parent,
        }
    }

    pub fn add(&mut self, name: String, source: Source) {
        self.entries.push(Entry { name, source });
    }

    /// The base tables in this scope (not its parents).
    pub fn tables(&self) -> impl Iterator<Item = &QualifiedName> {
        self.entries.iter().filter_map(|e| match &e.source {
            Source::Table(table) => Some(table),
            _ => None,
        })
    }

    /// The table an alias or name stands for in this scope (not its parents).
    pub fn lookup_local(&self, qualifier: &str) -> Option<&Source> {
        self.entries
            .iter()
            .rev()
            .find(|e| e.name == qualifier)
            .map(|e| &e.source)
    }

    /// Resolves `[column]`, `[qualifier, column]` or `[schema, table, column]`.
    pub fn column(&self, parts: &[String], resolver: &Resolver<'_>) -> Column {
        let mut scope = Some(self);
        let mut outer = false;
        while let Some(current) = scope {
            if let Some(found) = current.column_here(parts, resolver) {
                return match found {
                    Column::Base { column, .. } => Column::Base { column, outer },
                    other => other,
                };
            }
            scope = current.parent;
            outer = true;
        }
        Column::Unresolved
    }

    fn column_here(&self, parts: &[String], resolver: &Resolver<'_>) -> Option<Column> {
        let (qualifier, column) = match parts {
            [column] => (None, column),
            [.., qualifier, column] => (Some(qualifier), column),
            [] => return Some(Column::Unresolved),
        };
        let base = |table: &QualifiedName| Column::Base {
            column: ColumnRef {
                table: table.clone(),
                column: column.clone(),
            },
            outer: false,
        };
        if let Some(qualifier) = qualifier {
            let source = self.lookup_local(qualifier).or_else(|| {
                // `schema.table.column` or a table referenced by its own name.
                self.entries
                    .iter()
                    .find(|e| matches!(&e.source, Source::Table(t) if &t.name == qualifier))
                    .map(|e| &e.source)
            })?;
            // A column of an unknown table: the table is reported already.
            return Some(match source {
                Source::Table(table) => base(table),
                Source::Derived | Source::Unknown => Column::Derived,
            });
        }
        // Unqualified: the one table here that has it; with no catalog, the only table.
        let tables: Vec<&QualifiedName> = self.tables().collect();
        let has_derived = self
            .entries
            .iter()
            .any(|e| !matches!(e.source, Source::Table(_)));
        let owners: Vec<&QualifiedName> = tables
            .iter()
            .copied()
            .filter(|t| resolver.has_column(t, column) == Some(true))
            .collect();
        match (owners.as_slice(), resolver.catalog.is_some()) {
            ([owner], _) => Some(base(owner)),
            ([], true) if has_derived => Some(Column::Derived),
            ([], true) => None,
            (_, true) => Some(Column::Unresolved),
            (_, false) => match (tables.as_slice(), has_derived) {
                ([only], false) => Some(base(only)),
                ([], true) => Some(Column::Derived),
                ([], false) => None,
                _ => Some(Column::Unresolved),
            },
        }
    }
}
