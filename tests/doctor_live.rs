//! `planwise doctor` against the real server: its verdicts follow what the server and each
//! test database are set up with (read back through a connection of the test's own), the
//! connection comes from `--db` or the PG* environment, and no password is printed.

mod common;

use common::live::{Need, admin, port, runtime};
use serde_json::Value;
use std::process::Output;

fn planwise(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = common::planwise_without_connection_env();
    command
        .arg("doctor")
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("planwise runs")
}

/// `planwise doctor --format json --db URL`, which must succeed.
fn doctor(url: &str) -> Value {
    let output = planwise(&["--format", "json", "--db", url], &[]);
    parsed(&output)
}

fn parsed(output: &Output) -> Value {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stderr}"))
}

/// The check with this id.
fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}: {report:#}"))
}

/// One value read through a connection of the test's own to `database`.
fn query_text(database: &str, sql: &str) -> String {
    runtime().block_on(async {
        let row = admin(database).await.query_one(sql, &[]).await.unwrap();
        row.get(0)
    })
}

fn execute(database: &str, sql: &str) {
    runtime().block_on(async {
        admin(database).await.batch_execute(sql).await.unwrap();
    });
}

#[test]
fn the_pg_stat_statements_verdict_follows_the_server_and_the_database() {
    let Some(database) =
        common::live::database("doctor_pgss", &[Need::Extension("pg_stat_statements")])
    else {
        return;
    };
    let url = database.url("");
    let preloaded = query_text(&database.name, "SHOW shared_preload_libraries")
        .split(',')
        .any(|l| l.trim() == "pg_stat_statements");
    let before = doctor(&url);
    let verdict = check(&before, "pg_stat_statements");
    assert_eq!(verdict["status"], "missing", "{verdict}");
    let change = verdict["change"].as_str().unwrap();
    if preloaded {
        assert_eq!(
            change,
            format!(
                "CREATE EXTENSION pg_stat_statements; in database {}",
                database.name
            )
        );
    } else {
        assert!(change.contains("shared_preload_libraries"), "{change}");
    }
    execute(&database.name, "CREATE EXTENSION pg_stat_statements");
    let after = doctor(&url);
    let verdict = check(&after, "pg_stat_statements");
    if preloaded {
        assert_eq!(verdict["status"], "ok", "{verdict}");
        assert!(verdict["sees"].as_str().unwrap().contains(&database.name));
        assert_eq!(check(&after, "pg_stat_statements.track")["status"], "ok");
    } else {
        // The server refuses to read it: its reason is the verdict.
        assert_eq!(verdict["status"], "missing", "{verdict}");
        assert!(verdict["sees"].as_str().unwrap().contains("shared_preload"));
    }
}

#[test]
fn a_database_level_setting_shows_in_the_verdict() {
    let Some(database) = common::live::database("doctor_setting", &[]) else {
        return;
    };
    let url = database.url("");
    // The server's own value first, as a new connection to the database sees it.
    let shown = query_text(&database.name, "SHOW log_min_duration_statement");
    let verdict = check(&doctor(&url), "log_min_duration_statement").clone();
    assert_eq!(verdict["value"].as_str().unwrap(), shown);
    let expected = match shown.as_str() {
        "-1" => "missing",
        "0" => "ok",
        _ => "partial",
    };
    assert_eq!(verdict["status"], expected, "{verdict}");

    let name = &database.name;
    execute(
        "postgres",
        &format!("ALTER DATABASE {name} SET log_min_duration_statement = 250"),
    );
    let verdict = check(&doctor(&url), "log_min_duration_statement").clone();
    assert_eq!(verdict["value"], "250ms (set for this database)");
    assert_eq!(verdict["status"], "partial");
    assert!(verdict["sees"].as_str().unwrap().contains("250ms or more"));

    execute(
        "postgres",
        &format!("ALTER DATABASE {name} SET log_min_duration_statement = 0"),
    );
    let verdict = check(&doctor(&url), "log_min_duration_statement").clone();
    assert_eq!(verdict["status"], "ok", "{verdict}");
    assert_eq!(verdict["change"], Value::Null);
}

#[test]
fn hypopg_is_judged_per_database() {
    let needs = [Need::Extension("hypopg")];
    let (Some(with), Some(without)) = (
        common::live::database("doctor_hypopg", &needs),
        common::live::database("doctor_no_hypopg", &needs),
    ) else {
        return;
    };
    execute(&with.name, "CREATE EXTENSION hypopg");
    let version = query_text(
        &with.name,
        "SELECT extversion FROM pg_extension WHERE extname = 'hypopg'",
    );
    let verdict = check(&doctor(&with.url("")), "hypopg").clone();
    assert_eq!(verdict["status"], "ok", "{verdict}");
    assert_eq!(verdict["value"], format!("created, {version}"));

    let verdict = check(&doctor(&without.url("")), "hypopg").clone();
    assert_eq!(verdict["status"], "missing", "{verdict}");
    assert!(verdict["change"].as_str().unwrap().starts_with(&format!(
        "CREATE EXTENSION hypopg; in database {}",
        without.name
    )));
}

/// A login role of the test's own, dropped when the guard goes.
struct TestRole(String);

impl TestRole {
    fn create() -> TestRole {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!("planwise_test_role_{}_{nanos}", std::process::id());
        execute("postgres", &format!("CREATE ROLE {name} LOGIN"));
        TestRole(name)
    }
}

impl Drop for TestRole {
    fn drop(&mut self) {
        let sql = format!("DROP ROLE IF EXISTS {}", self.0);
        runtime().block_on(async {
            let _ = admin("postgres").await.batch_execute(&sql).await;
        });
    }
}

#[test]
fn a_plain_role_is_told_what_it_cannot_see() {
    let Some(database) = common::live::database("doctor_role", &[Need::PgStatStatements]) else {
        return;
    };
    execute(&database.name, "CREATE EXTENSION pg_stat_statements");
    let role = TestRole::create();
    // What the server hides from a role without pg_read_all_settings, asked as that role.
    let conninfo = format!("{} user={}", database.conninfo_at("127.0.0.1", ""), role.0);
    let report = doctor(&conninfo);
    assert_eq!(report["server"]["role"], role.0.as_str());
    let privileges = check(&report, "privileges");
    assert_eq!(privileges["status"], "partial", "{privileges}");
    assert!(
        privileges["change"]
            .as_str()
            .unwrap()
            .starts_with(&format!("GRANT pg_read_all_stats TO {};", role.0))
    );
    // shared_preload_libraries is superuser-only: the verdict says pg_stat_statements is
    // read all the same, not that it is missing from there.
    let pgss = check(&report, "pg_stat_statements");
    assert_eq!(pgss["status"], "ok", "{pgss}");
    // log_line_prefix is readable by anyone.
    assert_ne!(check(&report, "log_line_prefix")["status"], "hidden");
}

#[test]
fn the_table_names_the_server_and_the_changes_never_the_password() {
    let Some(database) = common::live::database("doctor_table", &[]) else {
        return;
    };
    // Trust authentication: the password is sent nowhere, but it is in the URL.
    let url = format!(
        "postgres://postgres:s3cret-doctor@127.0.0.1:{}/{}",
        port(),
        database.name
    );
    let output = planwise(&["--db", &url], &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.starts_with("PostgreSQL "), "{stdout}");
    assert!(stdout.contains(&format!("127.0.0.1:{}/{}", port(), database.name)));
    assert!(stdout.contains("log_min_duration_statement"));
    assert!(stdout.contains("what planwise sees"));
    assert!(!stdout.contains("s3cret") && !stderr.contains("s3cret"));
}

#[test]
fn without_db_the_environment_says_where() {
    let Some(database) = common::live::database("doctor_env", &[]) else {
        return;
    };
    let port = port().to_string();
    let env = [
        ("PGHOST", "127.0.0.1"),
        ("PGPORT", port.as_str()),
        ("PGUSER", "postgres"),
        ("PGDATABASE", database.name.as_str()),
    ];
    for args in [&["--format", "json"][..], &["--format", "json", "--db"]] {
        let report = parsed(&planwise(args, &env));
        assert_eq!(
            report["server"]["database"],
            database.name.as_str(),
            "{args:?}"
        );
    }
}
