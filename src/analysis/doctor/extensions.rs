//! The live sources: the server's version, pg_stat_statements, the role's privileges over
//! it, and HypoPG for what-if costing.

use super::{Check, CheckId, Place, Status};
use crate::model::server_setup::{PgssProbe, ServerSetup};

pub(super) fn server_version(setup: &ServerSetup) -> Check {
    let (status, sees) = if setup.version_num >= 130000 {
        (
            Status::Ok,
            "pg_stat_statements is read live (PostgreSQL 13+); jsonlog needs 15+",
        )
    } else {
        (
            Status::Partial,
            "--db reads pg_stat_statements of PostgreSQL 13+ only: export it to CSV (its \
             total_time column is read) and give it with --log",
        )
    };
    Check {
        id: CheckId::ServerVersion,
        value: Some(setup.version.clone()),
        status,
        sees: sees.to_string(),
        change: None,
    }
}

pub(super) fn checks(place: &Place) -> Vec<Check> {
    let mut checks = vec![pg_stat_statements(place)];
    checks.extend(track(place));
    checks.push(privileges(place.setup));
    checks.push(hypopg(place.setup));
    checks
}

/// Whether pg_stat_statements is in shared_preload_libraries: read there, or, where this
/// role may not read that, told by its settings (defined in every session when preloaded).
fn preloaded(setup: &ServerSetup) -> bool {
    match setup.settings.get("shared_preload_libraries") {
        Some(libraries) => libraries
            .value
            .split(',')
            .any(|l| l.trim().trim_matches('"') == "pg_stat_statements"),
        None => setup
            .settings
            .get("pg_stat_statements.track")
            .is_some_and(|s| s.context != "user"),
    }
}

fn installed(setup: &ServerSetup, name: &str) -> Option<String> {
    setup.extensions.get(name).and_then(|e| e.installed.clone())
}

fn available(setup: &ServerSetup, name: &str) -> Option<String> {
    setup.extensions.get(name).and_then(|e| e.available.clone())
}

fn pg_stat_statements(place: &Place) -> Check {
    let setup = place.setup;
    let database = &setup.database;
    let create = format!("CREATE EXTENSION pg_stat_statements; in database {database}");
    let value = installed(setup, "pg_stat_statements")
        .map(|v| format!("created, {v}"))
        .or_else(|| available(setup, "pg_stat_statements").map(|v| format!("offered, {v}")));
    let (status, sees, change) = match &setup.pg_stat_statements {
        Some(PgssProbe::Readable { statements, .. }) => (
            Status::Ok,
            format!(
                "{statements} statements of database {database} counted since the last \
                 reset: --db adds them to the workload"
            ),
            None,
        ),
        Some(PgssProbe::Failed { reason }) => (
            Status::Missing,
            format!("--db cannot read it: {reason}"),
            (!preloaded(setup)).then(|| preload(place)),
        ),
        None if available(setup, "pg_stat_statements").is_none() => (
            Status::Missing,
            "the server does not offer it (PostgreSQL's contrib modules)".to_string(),
            Some(format!(
                "install PostgreSQL's contrib modules on the server, then {}; {create}",
                preload(place)
            )),
        ),
        None if !preloaded(setup) => (
            Status::Missing,
            "not in shared_preload_libraries: nothing is counted".to_string(),
            Some(format!("{}; then {create}", preload(place))),
        ),
        None => (
            Status::Missing,
            format!("not created in database {database}: --db cannot read it"),
            Some(create),
        ),
    };
    Check {
        id: CheckId::PgStatStatements,
        value,
        status,
        sees,
        change,
    }
}

/// Adding pg_stat_statements to shared_preload_libraries, keeping what is there.
fn preload(place: &Place) -> String {
    let current = place
        .setup
        .settings
        .get("shared_preload_libraries")
        .map(|s| s.value.trim().to_string())
        .filter(|v| !v.is_empty());
    let libraries = match current {
        Some(current) => format!("'{current},pg_stat_statements'"),
        None => "'pg_stat_statements'".to_string(),
    };
    place.set("shared_preload_libraries", &libraries)
}

fn track(place: &Place) -> Option<Check> {
    let id = CheckId::PgStatStatementsTrack;
    let setting = place.setup.settings.get(id.name())?;
    let (status, sees) = match setting.value.as_str() {
        "none" => (Status::Missing, "nothing is counted"),
        "all" => (
            Status::Ok,
            "every statement, those run inside functions too",
        ),
        _ => (
            Status::Ok,
            "top-level statements (those run inside functions count toward their caller)",
        ),
    };
    Some(Check {
        id,
        value: Some(setting.shown.clone()),
        status,
        sees: sees.to_string(),
        change: (status == Status::Missing).then(|| place.set(id.name(), "top")),
    })
}

fn privileges(setup: &ServerSetup) -> Check {
    let role = &setup.role;
    let (value, status, sees) = if role.superuser {
        (
            "superuser",
            Status::Ok,
            "every role's statements and every setting".to_string(),
        )
    } else if role.read_all_stats {
        (
            "pg_read_all_stats",
            Status::Ok,
            "every role's statements".to_string(),
        )
    } else {
        let now = match &setup.pg_stat_statements {
            Some(PgssProbe::Readable { hidden_texts, .. }) => {
                format!(" ({hidden_texts} of them now)")
            }
            _ => String::new(),
        };
        let sees = format!(
            "other roles' statements read `<insufficient privilege>` in pg_stat_statements{now}: \
             --db sees only the texts of {}'s own",
            role.name
        );
        ("no pg_read_all_stats", Status::Partial, sees)
    };
    Check {
        id: CheckId::Privileges,
        value: Some(format!("{}: {value}", role.name)),
        status,
        sees,
        change: (status != Status::Ok).then(|| {
            format!(
                "GRANT pg_read_all_stats TO {}; (or pg_monitor, which also reads every setting)",
                role.name
            )
        }),
    }
}

fn hypopg(setup: &ServerSetup) -> Check {
    let database = &setup.database;
    let (value, status, sees, change) =
        match (installed(setup, "hypopg"), available(setup, "hypopg")) {
            (Some(version), _) => (
                format!("created, {version}"),
                Status::Ok,
                "index candidates are costed by this database's own planner (analyze --db, \
             whatif --db)"
                    .to_string(),
                None,
            ),
            (None, Some(version)) => (
                format!("offered, {version}"),
                Status::Missing,
                format!(
                    "not created in database {database}: index advice uses the offline cost \
                 model, and whatif --db cannot run"
                ),
                Some(format!(
                    "CREATE EXTENSION hypopg; in database {database} (as a superuser)"
                )),
            ),
            (None, None) => (
                "not offered".to_string(),
                Status::Missing,
                "the server does not offer HypoPG: index advice uses the offline cost model, and \
             whatif --db cannot run"
                    .to_string(),
                Some(
                    "install HypoPG on the server (Debian: postgresql-NN-hypopg), then CREATE \
                 EXTENSION hypopg; hosted platforms: where the provider offers it"
                        .to_string(),
                ),
            ),
        };
    Check {
        id: CheckId::Hypopg,
        value: Some(value),
        status,
        sees,
        change,
    }
}
