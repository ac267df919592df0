//! Where planwise's catalog of a schema and PostgreSQL's own catalog of the same schema (the
//! JSON of scripts/schema/catalog.sql, run after loading the schema) disagree, as readable
//! lines. Included with `#[path]` by tests/schema.rs, which asserts there are none on its
//! fixtures, and by examples/compare_catalog.rs, which lists them for any dump.

use planwise::model::catalog::{Catalog, Index, QualifiedName, Table};
use serde_json::Value;
use std::collections::BTreeSet;

fn qualified(value: &Value) -> QualifiedName {
    QualifiedName::new(text(&value["schema"]), text(&value["name"]))
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_string()
}

fn texts(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| items.iter().map(text).collect())
        .unwrap_or_default()
}

fn optional(value: &Value) -> Option<String> {
    value.as_str().map(str::to_string)
}

/// An expression without its parentheses and spaces: PostgreSQL's pretty printer drops
/// parentheses that the DDL (even pg_dump's) wrote.
fn unparenthesized(expression: &str) -> String {
    expression
        .chars()
        .filter(|c| !matches!(c, '(' | ')') && !c.is_whitespace())
        .collect()
}

/// How closely the catalog must match the server's.
#[derive(Clone, Copy, PartialEq)]
pub enum Source {
    /// pg_dump output: every expression was printed by PostgreSQL, so defaults and index
    /// keys are compared exactly, checks and generated columns up to parentheses.
    Dump,
    /// DDL as a person wrote it: PostgreSQL adds casts to checks, predicates and generated
    /// expressions that only type analysis could reproduce; those are compared by presence.
    Written,
}

/// Every disagreement between planwise's catalog and the server's, as readable lines.
pub fn disagreements(catalog: &Catalog, server: &Value, source: Source) -> Vec<String> {
    let mut found = Vec::new();
    let mut differ = |what: String, ours: String, theirs: String| {
        if ours != theirs {
            found.push(format!("{what}: planwise {ours} vs PostgreSQL {theirs}"));
        }
    };

    let server_tables: BTreeSet<QualifiedName> = server["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(qualified)
        .collect();
    let our_tables: BTreeSet<QualifiedName> = catalog.tables.keys().cloned().collect();
    let (ours, theirs) = only_in_each(&our_tables, &server_tables);
    differ("tables".into(), ours, theirs);

    for expected in server["tables"].as_array().unwrap() {
        let name = qualified(expected);
        let Some(table) = catalog.tables.get(&name) else {
            continue;
        };
        compare_table(table, expected, source, &mut differ);
    }

    let constraints = server["constraints"].as_array().unwrap();
    for table in catalog.tables.values() {
        let theirs: Vec<&Value> = constraints
            .iter()
            .filter(|c| QualifiedName::new(text(&c["schema"]), text(&c["table"])) == table.name)
            .collect();
        compare_constraints(table, &theirs, source, &mut differ);
    }

    let server_indexes: BTreeSet<QualifiedName> = server["indexes"]
        .as_array()
        .unwrap()
        .iter()
        .map(qualified)
        .collect();
    let our_indexes: BTreeSet<QualifiedName> = catalog.indexes.keys().cloned().collect();
    let (ours, theirs) = only_in_each(&our_indexes, &server_indexes);
    differ("indexes".into(), ours, theirs);
    for expected in server["indexes"].as_array().unwrap() {
        if let Some(index) = catalog.indexes.get(&qualified(expected)) {
            compare_index(index, expected, source, &mut differ);
        }
    }

    let views: Vec<(QualifiedName, bool)> = server["views"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (qualified(v), v["materialized"].as_bool().unwrap()))
        .collect();
    let our_views: Vec<(QualifiedName, bool)> = catalog
        .views
        .values()
        .map(|v| (v.name.clone(), v.materialized))
        .collect();
    differ(
        "views".into(),
        format!("{our_views:?}"),
        format!("{views:?}"),
    );

    let sequences: Vec<(QualifiedName, Option<(QualifiedName, String)>)> = server["sequences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let owner = &s["owned_by"];
            let owned_by = (!owner.is_null()).then(|| {
                (
                    QualifiedName::new(text(&owner["schema"]), text(&owner["table"])),
                    text(&owner["column"]),
                )
            });
            (qualified(s), owned_by)
        })
        .collect();
    let our_sequences: Vec<(QualifiedName, Option<(QualifiedName, String)>)> = catalog
        .sequences
        .values()
        .map(|s| (s.name.clone(), s.owned_by.clone()))
        .collect();
    differ(
        "sequences".into(),
        format!("{our_sequences:?}"),
        format!("{sequences:?}"),
    );
    found
}

/// What only each side has, for reading a difference of two sets.
fn only_in_each(
    ours: &BTreeSet<QualifiedName>,
    theirs: &BTreeSet<QualifiedName>,
) -> (String, String) {
    let names = |names: Vec<&QualifiedName>| {
        let names: Vec<String> = names.iter().map(ToString::to_string).collect();
        format!("has only [{}]", names.join(", "))
    };
    (
        names(ours.difference(theirs).collect()),
        names(theirs.difference(ours).collect()),
    )
}

fn compare_table(
    table: &Table,
    expected: &Value,
    source: Source,
    differ: &mut impl FnMut(String, String, String),
) {
    let name = &table.name;
    differ(
        format!("{name} unlogged"),
        table.unlogged.to_string(),
        expected["unlogged"].to_string(),
    );
    let partitioning = table.partitioning.as_ref().map(|p| {
        format!(
            "{} ({})",
            format!("{:?}", p.strategy).to_uppercase(),
            p.key.join(", ")
        )
    });
    differ(
        format!("{name} partitioning"),
        format!("{partitioning:?}"),
        format!("{:?}", optional(&expected["partition_key"])),
    );
    let partition_of = table
        .partition_of
        .as_ref()
        .map(|p| (p.parent.clone(), p.bounds.clone()));
    let expected_partition_of = (!expected["partition_of"].is_null()).then(|| {
        (
            qualified(&expected["partition_of"]),
            text(&expected["partition_bound"]),
        )
    });
    differ(
        format!("{name} partition of"),
        format!("{partition_of:?}"),
        format!("{expected_partition_of:?}"),
    );
    let expected_columns = expected["columns"].as_array().unwrap();
    let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    let expected_names: Vec<String> = expected_columns.iter().map(|c| text(&c["name"])).collect();
    differ(
        format!("{name} columns"),
        format!("{names:?}"),
        format!("{expected_names:?}"),
    );
    for (column, expected) in table.columns.iter().zip(expected_columns) {
        let what = |field: &str| format!("{name}.{} {field}", column.name);
        differ(
            what("type"),
            column.data_type.clone(),
            text(&expected["type"]),
        );
        differ(
            what("not null"),
            (!column.nullable).to_string(),
            expected["not_null"].to_string(),
        );
        differ(
            what("identity"),
            column.identity.to_string(),
            expected["identity"].to_string(),
        );
        differ(
            what("default"),
            format!("{:?}", column.default),
            format!("{:?}", optional(&expected["default"])),
        );
        let generated = |g: Option<String>| match source {
            Source::Dump => g.map(|g| unparenthesized(&g)),
            Source::Written => g.map(|_| "present".to_string()),
        };
        differ(
            what("generated"),
            format!("{:?}", generated(column.generated.clone())),
            format!("{:?}", generated(optional(&expected["generated"]))),
        );
    }
}

fn compare_constraints(
    table: &Table,
    expected: &[&Value],
    source: Source,
    differ: &mut impl FnMut(String, String, String),
) {
    let name = &table.name;
    let of_type = |kind: &str| -> Vec<&Value> {
        expected
            .iter()
            .copied()
            .filter(|c| c["type"] == kind)
            .collect()
    };
    let primary = of_type("p")
        .first()
        .map(|c| (text(&c["name"]), texts(&c["columns"])));
    let our_primary = table
        .primary_key
        .as_ref()
        .map(|k| (k.name.clone().unwrap_or_default(), k.columns.clone()));
    differ(
        format!("{name} primary key"),
        format!("{our_primary:?}"),
        format!("{primary:?}"),
    );
    let unique: Vec<(String, Vec<String>)> = of_type("u")
        .iter()
        .map(|c| (text(&c["name"]), texts(&c["columns"])))
        .collect();
    let mut our_unique: Vec<(String, Vec<String>)> = table
        .unique_constraints
        .iter()
        .map(|k| (k.name.clone().unwrap_or_default(), k.columns.clone()))
        .collect();
    our_unique.sort();
    differ(
        format!("{name} unique"),
        format!("{our_unique:?}"),
        format!("{unique:?}"),
    );

    let foreign: Vec<String> = of_type("f")
        .iter()
        .map(|c| {
            format!(
                "{} {:?} -> {} {:?} on delete {:?} not valid {}",
                text(&c["name"]),
                texts(&c["columns"]),
                qualified(&c["references"]),
                texts(&c["referenced_columns"]),
                optional(&c["on_delete"]),
                !c["validated"].as_bool().unwrap(),
            )
        })
        .collect();
    let mut our_foreign: Vec<String> = table
        .foreign_keys
        .iter()
        .map(|f| {
            format!(
                "{} {:?} -> {} {:?} on delete {:?} not valid {}",
                f.name.clone().unwrap_or_default(),
                f.columns,
                f.references,
                f.referenced_columns,
                f.on_delete,
                f.not_valid,
            )
        })
        .collect();
    our_foreign.sort();
    differ(
        format!("{name} foreign keys"),
        format!("{our_foreign:#?}"),
        format!("{foreign:#?}"),
    );

    let check_text = |name: String, expression: String, not_valid: bool| match source {
        Source::Dump => format!(
            "{name}: {} not valid {not_valid}",
            unparenthesized(&expression)
        ),
        Source::Written => format!("{name} not valid {not_valid}"),
    };
    let checks: Vec<String> = of_type("c")
        .iter()
        .map(|c| {
            check_text(
                text(&c["name"]),
                text(&c["check_expression"]),
                !c["validated"].as_bool().unwrap(),
            )
        })
        .collect();
    let mut our_checks: Vec<String> = table
        .checks
        .iter()
        .map(|c| {
            check_text(
                c.name.clone().unwrap_or_default(),
                c.expression.clone(),
                c.not_valid,
            )
        })
        .collect();
    our_checks.sort();
    differ(
        format!("{name} checks"),
        format!("{our_checks:?}"),
        format!("{checks:?}"),
    );
}

fn compare_index(
    index: &Index,
    expected: &Value,
    source: Source,
    differ: &mut impl FnMut(String, String, String),
) {
    let name = &index.name;
    let what = |field: &str| format!("index {name} {field}");
    differ(
        what("table"),
        index.table.to_string(),
        qualified(&expected["table"]).to_string(),
    );
    differ(
        what("method"),
        index.method.as_str().to_string(),
        text(&expected["method"]),
    );
    for (field, ours) in [
        ("unique", index.unique),
        ("primary", index.primary),
        ("constraint", index.constraint),
    ] {
        differ(what(field), ours.to_string(), expected[field].to_string());
    }
    let keys: Vec<String> = expected["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            let descending = k["descending"].as_bool().unwrap();
            let nulls_first = k["nulls_first"].as_bool().unwrap();
            format!(
                "{} column {} desc {descending} nulls first {:?} opclass {:?}",
                written_key(source, &text(&k["expression"]), k["is_column"] == true),
                k["is_column"],
                (nulls_first != descending).then_some(nulls_first),
                optional(&k["opclass"]),
            )
        })
        .collect();
    let our_keys: Vec<String> = index
        .keys
        .iter()
        .map(|k| {
            format!(
                "{} column {} desc {} nulls first {:?} opclass {:?}",
                written_key(source, &k.expression, k.is_column),
                k.is_column,
                k.descending,
                k.nulls_first,
                k.opclass
            )
        })
        .collect();
    differ(what("keys"), format!("{our_keys:?}"), format!("{keys:?}"));
    differ(
        what("include"),
        format!("{:?}", index.include),
        format!("{:?}", texts(&expected["include"])),
    );
    let predicate = |p: Option<String>| match source {
        Source::Dump => p.as_deref().map(unparenthesized),
        Source::Written => p.map(|_| "present".to_string()),
    };
    differ(
        what("predicate"),
        format!("{:?}", predicate(index.predicate.clone())),
        format!("{:?}", predicate(optional(&expected["predicate"]))),
    );
}

/// An index key as compared: a dump's expressions up to parentheses and spacing (PostgreSQL's
/// pretty printer drops some and lays out CASE on lines); expressions written by hand get
/// casts from PostgreSQL (`lower(email::text)` for a varchar), so only their function or
/// operator shape counts.
fn written_key(source: Source, expression: &str, is_column: bool) -> String {
    match source {
        _ if is_column => expression.to_string(),
        Source::Dump => unparenthesized(expression),
        Source::Written => expression
            .split(['(', ' '])
            .find(|part| !part.is_empty())
            .unwrap_or_default()
            .to_string(),
    }
}
