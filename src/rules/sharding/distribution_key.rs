//! ## What it finds
//! For a multi-tenant schema, the distribution column that would keep most of the logged
//! calls on one shard of a Citus-style sharded database. A schema is multi-tenant when the
//! catalog shows a tenant key:
//! - a root table with a one-column primary key that at least 3 other tables reference by
//!   foreign key (`accounts.id`, with `projects.account_id`, `tasks.account_id`, …), or
//! - a tenant-like column name (`tenant_id`, `account_id`, `org_id`, …) in at least 3 tables.
//!
//! Each such key gives every table a role: distributed by its column (the root by its primary
//! key, the others by the column that references it or carries its name), a reference table
//! when its size is known and under 100,000 rows (copied to every node), or else a table that
//! lacks the key. Each logged statement (weighted by its calls) is then placed:
//! - **single shard** when every distributed table in it is pinned — compared by equality
//!   (`=`, `IN`, `= ANY`) on its distribution column, or inserted with it — directly or
//!   through equality joins on distribution columns with a pinned table (tables pinned
//!   apart must be pinned by the same value); a statement that reads only reference tables
//!   counts here too;
//! - **co-located** when it runs on every shard but its distributed tables join one another
//!   on their distribution columns only, so that each shard answers its part alone (a table
//!   that lacks the key, read alone, also runs on every shard);
//! - **repartition** otherwise: rows must move between nodes (a join on another column, a
//!   table that lacks the key joined to a distributed one).
//!
//! The key with the most single-shard calls is reported (ties: the most co-located calls),
//! when it keeps at least 50 % of the calls on one shard. A database whose tables are all
//! known to be under 10 million rows is never reported: one server handles it, and sharding
//! would only add work. When sizes are not known the finding says they decide.
//!
//! ## Why it matters
//! Sharding spreads a database that outgrew one server over several nodes, but only pays when
//! nearly every statement can be answered by one node: a statement that spans shards waits
//! for all of them, and a join on anything but the distribution column moves rows over the
//! network. In a multi-tenant application that column is the tenant key, and the tables that
//! lack it are the work left before sharding.
//!
//! ## Example
//! ```sql
//! -- accounts referenced by projects, tasks and users; 80 % of the calls filter by account
//! SELECT t.title FROM tasks t JOIN projects p ON p.id = t.project_id
//!  WHERE t.account_id = $1 AND p.account_id = $1 AND p.id = $2;
//! ```
//!
//! ## Instead
//! ```sql
//! SELECT create_distributed_table('public.accounts', 'id');
//! SELECT create_distributed_table('public.projects', 'account_id', colocate_with => 'public.accounts');
//! SELECT create_distributed_table('public.tasks', 'account_id', colocate_with => 'public.accounts');
//! SELECT create_reference_table('public.plans');
//! ```
//! Before that: add the key to the tables that lack it, include it in their primary keys and
//! unique constraints (Citus requires the distribution column in them), join on it
//! (`p.account_id = t.account_id`) and filter every statement by it.
//!
//! ## How the saving is estimated
//! Not as time or cost: the finding gives the shares of the logged calls that would run on
//! one shard, on all shards with co-located joins, and with repartitioning, and the share of
//! the join graph's join calls whose join is on the distribution columns. Statements are
//! placed from their text as logged: a statement that would filter by the tenant once the
//! key is added to its tables counts as crossing shards until it does.

use crate::analysis::facts::JoinEdge;
use crate::analysis::index::definition::qualified;
use crate::analysis::join_graph::EdgeKind;
use crate::analysis::tenancy::{Placement, Role, Roles, TenantKey, candidates, place, user_tables};
use crate::findings::{Category, Finding, Severity, shorten};
use crate::model::catalog::{Catalog, QualifiedName};
use crate::rules::{Check, Context, Rule};
use crate::sql::fingerprint::format_id;
use crate::units::thousands;
use std::collections::BTreeSet;

pub static RULE: Rule = Rule {
    id: "SHARD001",
    name: "distribution-key",
    category: Category::Sharding,
    severity: Severity::Info,
    source: include_str!("distribution_key.rs"),
    check: Check::Workload(check),
};

/// A database whose tables are all known to be smaller than this fits on one server.
const LARGE_ROWS: f64 = 10_000_000.0;
/// The share of calls a key must keep on one shard to be worth sharding by.
const MIN_SINGLE_SHARD: f64 = 0.5;
/// Statements that cross shards named in the message.
const SHOWN_CROSSING: usize = 5;

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(catalog) = context.catalog else {
        return;
    };
    let best = candidates(catalog)
        .into_iter()
        .map(|key| {
            let roles = Roles::new(catalog, &key, |t| context.known_rows(t));
            let traffic = Traffic::of(context, &roles);
            (key, roles, traffic)
        })
        .max_by(|(a_key, _, a), (b_key, _, b)| {
            a.single_shard
                .cmp(&b.single_shard)
                .then(a.co_located.cmp(&b.co_located))
                .then_with(|| b_key.label.cmp(&a_key.label))
        });
    let Some((key, roles, traffic)) = best else {
        return;
    };
    if traffic.total() == 0 || traffic.share(traffic.single_shard) < MIN_SINGLE_SHARD {
        return;
    }
    let Some(size) = size_note(context, catalog, &roles) else {
        return;
    };
    out.push(finding(context, &key, &roles, &traffic, &size));
}

/// The logged calls by placement.
struct Traffic {
    single_shard: u64,
    co_located: u64,
    repartition: u64,
    /// Statements that would run on more than one shard, most calls first.
    crossing: Vec<(u64, u64, Placement)>,
}

impl Traffic {
    fn of(context: &Context<'_>, roles: &Roles) -> Traffic {
        let mut traffic = Traffic {
            single_shard: 0,
            co_located: 0,
            repartition: 0,
            crossing: Vec::new(),
        };
        for (&fingerprint, query) in &context.profile.queries {
            let Some(placement) = context
                .facts
                .get(&fingerprint)
                .and_then(|f| place(f, roles))
            else {
                continue;
            };
            match placement {
                Placement::SingleShard => traffic.single_shard += query.calls,
                Placement::CoLocated => traffic.co_located += query.calls,
                Placement::Repartition => traffic.repartition += query.calls,
            }
            if placement != Placement::SingleShard {
                traffic.crossing.push((query.calls, fingerprint, placement));
            }
        }
        traffic
            .crossing
            .sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        traffic
    }

    fn total(&self) -> u64 {
        self.single_shard + self.co_located + self.repartition
    }

    fn share(&self, calls: u64) -> f64 {
        calls as f64 / self.total().max(1) as f64
    }
}

/// What is known of the sizes, for the message; `None` when every table is known to be
/// small enough for one server.
fn size_note(context: &Context<'_>, catalog: &Catalog, roles: &Roles) -> Option<String> {
    let sharded = user_tables(catalog).filter(|t| roles.role(&t.name) != Some(&Role::Reference));
    let mut largest: Option<(f64, &QualifiedName)> = None;
    let mut unknown = 0;
    for table in sharded {
        match context.known_rows(table) {
            Some(rows) if largest.is_none_or(|(most, _)| rows > most) => {
                largest = Some((rows, &table.name));
            }
            Some(_) => {}
            None => unknown += 1,
        }
    }
    match largest {
        Some((rows, table)) if rows >= LARGE_ROWS => Some(format!(
            "The largest table, {table}, has {} rows.",
            thousands(rows)
        )),
        _ if unknown == 0 => None,
        _ => Some(format!(
            "The size of {unknown} of these tables is not known: sharding is worth its \
             complexity only when the data outgrows one server (from about {} rows).",
            thousands(LARGE_ROWS)
        )),
    }
}

/// The share of the join graph's join calls (those statements make) whose join is on the
/// distribution columns.
fn co_located_joins(context: &Context<'_>, roles: &Roles) -> Option<f64> {
    let mut all = 0;
    let mut co_located = 0;
    let statement_joins = context.join_graph.edges().into_iter();
    for join in statement_joins.filter(|j| j.kind == EdgeKind::Statement) {
        let sides = [&join.left.table, &join.right.table];
        if sides
            .iter()
            .any(|t| roles.role(t) == Some(&Role::Reference))
        {
            continue;
        }
        all += join.calls;
        let edge = JoinEdge::plain(
            join.left.clone(),
            join.right.clone(),
            crate::analysis::facts::JoinKind::Inner,
        );
        if roles.is_co_located(&edge) {
            co_located += join.calls;
        }
    }
    (all > 0).then(|| co_located as f64 / all as f64)
}

/// The finding for the best key: where the logged calls would run, the tables' roles, the
/// statements that would cross shards and the Citus SQL.
fn finding(
    context: &Context<'_>,
    key: &TenantKey,
    roles: &Roles,
    traffic: &Traffic,
    size: &str,
) -> Finding {
    let references: Vec<&QualifiedName> = roles.with_role(&Role::Reference).collect();
    let lacking = used_lacking_key(context, roles);
    let crossing = crossing_examples(context, traffic);
    let mut message = placement_summary(key, roles, traffic);
    if !references.is_empty() {
        let names: Vec<String> = references.iter().map(|t| t.to_string()).collect();
        message.push_str(&format!(
            " Reference tables (small, copied to every node): {}.",
            names.join(", ")
        ));
    }
    if !lacking.is_empty() {
        message.push_str(&format!(
            " Used but lacking the key (add it and filter by it, or keep them small as \
             reference tables): {}.",
            lacking.join(", ")
        ));
    }
    if let Some(share) = co_located_joins(context, roles) {
        message.push_str(&format!(
            " Of the join graph's join calls, {:.0} % join on these columns.",
            share * 100.0
        ));
    }
    if !crossing.is_empty() {
        message.push_str(&format!(" Would cross shards: {}.", crossing.join("; ")));
    }
    message.push(' ');
    message.push_str(size);
    let anchor = key
        .root
        .clone()
        .or_else(|| roles.distributed().next().map(|(t, _)| t.clone()));
    Finding {
        message,
        columns: anchor
            .as_ref()
            .and_then(|t| roles.column(t))
            .map(str::to_string)
            .into_iter()
            .collect(),
        sql: Some(citus_sql(roles, anchor.as_ref(), &references)),
        table: anchor,
        queries: traffic
            .crossing
            .iter()
            .take(SHOWN_CROSSING)
            .map(|(_, fingerprint, _)| format_id(*fingerprint))
            .collect(),
        ..RULE.finding()
    }
}

/// The message's opening: the key, the shares of calls by where they would run, and each
/// table's distribution column.
fn placement_summary(key: &TenantKey, roles: &Roles, traffic: &Traffic) -> String {
    let percent = |calls| traffic.share(calls) * 100.0;
    let per_table: Vec<String> = roles
        .distributed()
        .map(|(table, column)| format!("{table}.{column}"))
        .collect();
    format!(
        "The schema is multi-tenant by {}: distributed by it, {:.0} % of the {} logged calls \
         would run on one shard, {:.0} % on every shard with co-located joins and {:.0} % \
         would need rows moved between nodes. Distribution column per table: {}.",
        key.label,
        percent(traffic.single_shard),
        thousands(traffic.total() as f64),
        percent(traffic.co_located),
        percent(traffic.repartition),
        per_table.join(", ")
    )
}

/// Tables without the key that logged statements use: each would make its statements
/// cross shards unless it gets the key or stays a small reference table.
fn used_lacking_key(context: &Context<'_>, roles: &Roles) -> Vec<String> {
    let used: BTreeSet<&QualifiedName> = context
        .facts
        .values()
        .flat_map(|f| f.tables.iter().map(|t| &t.table))
        .collect();
    roles
        .with_role(&Role::LacksKey)
        .filter(|t| used.contains(t))
        .map(|t| t.to_string())
        .collect()
}

/// The statements that would cross shards, most calls first, as the message shows them.
fn crossing_examples(context: &Context<'_>, traffic: &Traffic) -> Vec<String> {
    traffic
        .crossing
        .iter()
        .take(SHOWN_CROSSING)
        .filter_map(|(calls, fingerprint, placement)| {
            let query = context.profile.queries.get(fingerprint)?;
            let how = match placement {
                Placement::CoLocated => "every shard",
                _ => "repartition",
            };
            Some(format!(
                "`{}` ({} call{}, {how})",
                shorten(&query.normalized, 80),
                thousands(*calls as f64),
                if *calls == 1 { "" } else { "s" }
            ))
        })
        .collect()
}

/// A string literal of a table's name, as Citus's functions take it.
fn table_literal(table: &QualifiedName) -> String {
    format!("'{}'", qualified(table).replace('\'', "''"))
}

/// `create_distributed_table` for each distributed table, co-located with the first one,
/// then `create_reference_table` for each reference table.
fn citus_sql(
    roles: &Roles,
    anchor: Option<&QualifiedName>,
    references: &[&QualifiedName],
) -> String {
    let mut distributed: Vec<(&QualifiedName, &str)> = roles.distributed().collect();
    // The anchor first: the others are co-located with it.
    distributed.sort_by_key(|(table, _)| Some(*table) != anchor);
    let mut sql: Vec<String> = Vec::new();
    let first = distributed.first().map(|(table, _)| table_literal(table));
    for (at, (table, column)) in distributed.iter().enumerate() {
        let column = format!("'{}'", column.replace('\'', "''"));
        sql.push(match (&first, at) {
            (Some(first), 1..) => format!(
                "SELECT create_distributed_table({}, {column}, colocate_with => {first});",
                table_literal(table)
            ),
            _ => format!(
                "SELECT create_distributed_table({}, {column});",
                table_literal(table)
            ),
        });
    }
    for table in references {
        sql.push(format!(
            "SELECT create_reference_table({});",
            table_literal(table)
        ));
    }
    sql.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::facts::extract_facts;
    use crate::model::ddl::loader::SchemaLoader;
    use crate::sql::parse::parse_sql;
    use std::collections::BTreeMap;

    const TRACKER: &str = "
        CREATE TABLE plans (id integer PRIMARY KEY);
        CREATE TABLE accounts (id bigint PRIMARY KEY, plan_id integer REFERENCES plans (id));
        CREATE TABLE users (id bigint PRIMARY KEY, account_id bigint REFERENCES accounts (id));
        CREATE TABLE projects (id bigint PRIMARY KEY, account_id bigint REFERENCES accounts (id));
        CREATE TABLE tasks (id bigint PRIMARY KEY, account_id bigint REFERENCES accounts (id),
                            project_id bigint REFERENCES projects (id), done boolean);
        CREATE TABLE comments (id bigint PRIMARY KEY, task_id bigint REFERENCES tasks (id));";

    fn catalog(ddl: &str) -> Catalog {
        let mut schema = SchemaLoader::new(Catalog::default());
        schema.load_script(ddl, "schema.sql");
        schema.finish().catalog
    }

    fn name(table: &str) -> QualifiedName {
        QualifiedName::new("public", table)
    }

    fn placement(catalog: &Catalog, roles: &Roles, sql: &str) -> Option<Placement> {
        let statement = parse_sql(sql).unwrap().remove(0);
        place(
            &extract_facts(&statement, Some(catalog), &[], &BTreeMap::new()),
            roles,
        )
    }

    #[test]
    fn a_table_referenced_by_three_others_is_a_tenant_root() {
        let keys = candidates(&catalog(TRACKER));
        assert_eq!(keys.len(), 1, "{keys:#?}");
        assert_eq!(keys[0].label, "public.accounts.id");
        assert_eq!(keys[0].root, Some(name("accounts")));
        let columns: Vec<(&str, &str)> = keys[0]
            .columns
            .iter()
            .map(|(t, c)| (t.name.as_str(), c.as_str()))
            .collect();
        assert_eq!(
            columns,
            [
                ("accounts", "id"),
                ("projects", "account_id"),
                ("tasks", "account_id"),
                ("users", "account_id")
            ]
        );
    }

    #[test]
    fn a_tenant_column_in_three_tables_is_a_key_without_foreign_keys() {
        let keys = candidates(&catalog(
            "CREATE TABLE a (id bigint PRIMARY KEY, org_id bigint);
             CREATE TABLE b (id bigint PRIMARY KEY, org_id bigint);
             CREATE TABLE c (id bigint PRIMARY KEY, org_id bigint, user_id bigint);
             CREATE TABLE d (id bigint PRIMARY KEY, user_id bigint);",
        ));
        assert_eq!(keys.len(), 1, "{keys:#?}");
        assert_eq!(keys[0].label, "org_id");
        assert_eq!(keys[0].columns.len(), 3);
        assert!(
            candidates(&catalog(
                "CREATE TABLE a (id bigint PRIMARY KEY, org_id bigint);
                 CREATE TABLE b (id bigint PRIMARY KEY, a_id bigint REFERENCES a (id));"
            ))
            .is_empty()
        );
    }

    #[test]
    fn statements_are_placed_by_how_they_pin_the_key() {
        let catalog = catalog(TRACKER);
        let key = &candidates(&catalog)[0];
        let roles = Roles::new(&catalog, key, |t| (t.name.name == "plans").then_some(5.0));
        assert_eq!(roles.role(&name("plans")), Some(&Role::Reference));
        assert_eq!(roles.role(&name("comments")), Some(&Role::LacksKey));
        for (sql, expected) in [
            (
                "SELECT * FROM tasks WHERE account_id = 1 AND id = 2",
                Placement::SingleShard,
            ),
            (
                "SELECT * FROM tasks WHERE account_id IN (1)",
                Placement::SingleShard,
            ),
            (
                "SELECT * FROM tasks WHERE account_id = ANY($1)",
                Placement::SingleShard,
            ),
            (
                "INSERT INTO tasks (id, account_id) VALUES (1, 2)",
                Placement::SingleShard,
            ),
            (
                "SELECT * FROM accounts a JOIN plans p ON p.id = a.plan_id WHERE a.id = 1",
                Placement::SingleShard,
            ),
            (
                "SELECT * FROM tasks t JOIN projects p ON p.account_id = t.account_id \
                 AND p.id = t.project_id WHERE p.account_id = 1",
                Placement::SingleShard,
            ),
            ("SELECT * FROM plans WHERE id = 1", Placement::SingleShard),
            (
                "SELECT * FROM tasks WHERE account_id > 1",
                Placement::CoLocated,
            ),
            (
                "SELECT * FROM tasks WHERE lower(account_id::text) = '1'",
                Placement::CoLocated,
            ),
            (
                "SELECT * FROM tasks t JOIN projects p ON p.account_id = t.account_id",
                Placement::CoLocated,
            ),
            (
                "SELECT * FROM tasks t JOIN projects p ON p.id = t.project_id \
                 WHERE t.account_id = 1",
                Placement::Repartition,
            ),
            (
                "SELECT * FROM tasks t, projects p WHERE t.account_id = 1 AND p.account_id = 2",
                Placement::Repartition,
            ),
            ("SELECT * FROM comments WHERE id = 1", Placement::CoLocated),
        ] {
            assert_eq!(placement(&catalog, &roles, sql), Some(expected), "{sql}");
        }
        assert_eq!(placement(&catalog, &roles, "SELECT 1"), None);
    }

    #[test]
    fn the_citus_sql_parses_and_colocates_with_the_root() {
        let catalog = catalog(TRACKER);
        let key = &candidates(&catalog)[0];
        let roles = Roles::new(&catalog, key, |_| None);
        let sql = citus_sql(&roles, Some(&name("accounts")), &[&name("plans")]);
        let lines: Vec<&str> = sql.lines().collect();
        assert_eq!(
            lines[0],
            "SELECT create_distributed_table('public.accounts', 'id');"
        );
        assert_eq!(
            lines[1],
            "SELECT create_distributed_table('public.projects', 'account_id', \
             colocate_with => 'public.accounts');"
        );
        assert_eq!(
            lines.last(),
            Some(&"SELECT create_reference_table('public.plans');")
        );
        assert!(parse_sql(&sql).is_ok(), "{sql}");
    }
}
