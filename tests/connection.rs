//! How planwise finds and keeps its connection: libpq's conventions (Unix sockets, the `PG*`
//! environment, the password file) against the local PostgreSQL 15, and servers that stop
//! answering — a fake one that accepts and never speaks, and a proxy to the real one that
//! stops forwarding mid-run, as a SIGSTOP'ed or half-open server would (the shared server
//! itself is never stopped).

mod common;

use common::live::{Need, TestDatabase, admin, port, runtime, socket_directory};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

fn planwise(args: &[&str], env: &[(&str, &str)]) -> (Output, Duration) {
    let mut command = common::planwise_without_connection_env();
    command.args(args).envs(env.iter().copied());
    let started = Instant::now();
    let output = command.output().expect("planwise runs");
    (output, started.elapsed())
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            stderr(output)
        )
    })
}

fn diagnostic_kinds(report: &Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["kind"].as_str().map(str::to_string))
        .collect()
}

/// A server that accepts connections and never says a word; the port it listens on.
fn silent_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    port
}

#[test]
fn a_server_that_never_answers_is_given_up_on_within_connect_timeout() {
    let port = silent_server();
    let url = format!("postgres://postgres@127.0.0.1:{port}/shop?connect_timeout=2");
    let key_values = format!("host=127.0.0.1 port={port} user=postgres connect_timeout=2");
    let runs: [Vec<&str>; 4] = [
        vec!["workload", "--db", &url],
        vec!["workload", "--db", &key_values],
        vec!["check", "fixtures/schema/migrations", "--db", &url],
        vec!["doctor", "--db", &url],
    ];
    for args in runs {
        let (output, took) = planwise(&args, &[]);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
        assert!(took < Duration::from_secs(6), "{args:?} took {took:?}");
        assert_eq!(message.lines().count(), 1, "{args:?}: {message}");
        assert!(message.contains("no answer within 2 s"), "{message}");
    }
    // PGCONNECT_TIMEOUT says the same from the environment.
    let (output, took) = planwise(
        &[
            "workload",
            "--db",
            &format!("host=127.0.0.1 port={port} user=postgres"),
        ],
        &[("PGCONNECT_TIMEOUT", "3")],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(took >= Duration::from_secs(3) && took < Duration::from_secs(7));
    assert!(stderr(&output).contains("no answer within 3 s"));
}

#[test]
fn with_logs_a_server_that_never_answers_leaves_an_offline_analysis() {
    let port = silent_server();
    let url = format!("postgres://postgres@127.0.0.1:{port}/shop?connect_timeout=2");
    let (output, took) = planwise(
        &[
            "analyze",
            "--log",
            "fixtures/logs/shop.log",
            "--schema",
            "fixtures/schema/shop.dump.sql",
            "--db",
            &url,
            "--analyze",
            "--format",
            "json",
        ],
        &[],
    );
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{message}");
    assert!(took < Duration::from_secs(6), "took {took:?}");
    assert!(message.contains("going on without it"), "{message}");
    let report = json(&output);
    assert!(diagnostic_kinds(&report).contains(&"database_unreachable".to_string()));
    assert_eq!(report["index_advice"]["basis"], "offline_model");
    assert!(report["summary"]["statements"].as_u64().unwrap_or(0) > 0);
}

/// A proxy to the local server that forwards until a client sends `marker`, and from then
/// on forwards nothing more, on any connection, old or new.
fn freezing_proxy(marker: &'static [u8]) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server_port = common::live::port();
    let frozen = Arc::new(AtomicBool::new(false));
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for client in listener.incoming().flatten() {
            if frozen.load(Ordering::SeqCst) {
                held.push(client);
                continue;
            }
            let server = TcpStream::connect(("127.0.0.1", server_port)).unwrap();
            let pipe = |from: &TcpStream, to: &TcpStream, watch: bool| {
                let (mut from, mut to) = (from.try_clone().unwrap(), to.try_clone().unwrap());
                let frozen = Arc::clone(&frozen);
                std::thread::spawn(move || {
                    let mut buffer = [0u8; 65536];
                    while let Ok(read @ 1..) = from.read(&mut buffer) {
                        let chunk = &buffer[..read];
                        if watch && chunk.windows(marker.len()).any(|w| w == marker) {
                            frozen.store(true, Ordering::SeqCst);
                        }
                        if !frozen.load(Ordering::SeqCst) && to.write_all(chunk).is_err() {
                            break;
                        }
                    }
                })
            };
            pipe(&client, &server, true);
            pipe(&server, &client, false);
            held.push(client);
        }
    });
    port
}

/// Orders with a customer column worth an index, and HypoPG.
fn shop_with_hypopg(tag: &str) -> Option<TestDatabase> {
    let database = common::live::database(tag, &[Need::Extension("hypopg")])?;
    runtime().block_on(async {
        admin(&database.name)
            .await
            .batch_execute(
                "CREATE EXTENSION hypopg;
                 CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL,
                                      total numeric NOT NULL);
                 INSERT INTO orders SELECT g, g % 5000, g % 100 FROM generate_series(1, 50000) g;
                 ANALYZE orders;",
            )
            .await
            .unwrap();
    });
    Some(database)
}

fn lookups() -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new().suffix(".sql").tempfile().unwrap();
    for customer in [4242, 4243, 4244] {
        writeln!(
            file,
            "SELECT id, total FROM orders WHERE customer_id = {customer};"
        )
        .unwrap();
    }
    file
}

/// `url` through a proxy that stops forwarding once a client sends `marker` (plain TCP:
/// the proxy must see the marker).
fn frozen_url(database: &TestDatabase, marker: &'static [u8]) -> String {
    let port = freezing_proxy(marker);
    format!(
        "postgres://postgres@127.0.0.1:{port}/{}?connect_timeout=3&sslmode=disable",
        database.name
    )
}

/// `analyze` of the lookups with HypoPG on a server that stops answering at the first
/// hypothetical index; its output, stderr and how long it took.
fn analyze_cut_short(tag: &str, extra: &[&str]) -> Option<(Output, String, Duration)> {
    let database = shop_with_hypopg(tag)?;
    let url = frozen_url(&database, b"hypopg_create_index");
    let log = lookups();
    let mut args = vec![
        "analyze",
        "--log",
        log.path().to_str().unwrap(),
        "--db",
        &url,
    ];
    args.extend_from_slice(&["--format", "json"]);
    args.extend_from_slice(extra);
    let (output, took) = planwise(&args, &[]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{message}");
    Some((output, message, took))
}

#[test]
fn what_if_costing_cut_short_falls_back_to_the_offline_model_and_says_so() {
    let Some((output, message, took)) = analyze_cut_short("cut_short", &[]) else {
        return;
    };
    // The round trip's timeout (35 s) once, for both sessions together.
    assert!(took < Duration::from_secs(60), "took {took:?}");
    assert!(
        message.contains("what-if costing was cut short"),
        "{message}"
    );
    assert!(message.contains("stopped answering"), "{message}");
    assert!(
        message.contains("1 statement could not be costed"),
        "{message}"
    );
    let report = json(&output);
    let advice = &report["index_advice"];
    assert_eq!(advice["basis"], "offline_model", "{advice}");
    let cut = &advice["what_if_cut_short"];
    assert_eq!(cut["instead"], "offline_model");
    assert_eq!(cut["statements_uncosted"], 1, "one fingerprint: {cut}");
    // Each statement lost with the server is not a diagnostic of its own.
    assert!(!diagnostic_kinds(&report).contains(&"whatif_failed".to_string()));
    // The offline model still advises the index the lookups need.
    let findings = report["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["rule"] == "IDX001" && f["estimated_saving"]["basis"] == "offline_model"),
        "{findings:?}"
    );
}

#[test]
fn what_if_costing_cut_short_with_cost_model_whatif_is_partial_advice() {
    let Some((output, message, _)) = analyze_cut_short("cut_partial", &["--cost-model", "whatif"])
    else {
        return;
    };
    assert!(message.contains("partial advice"), "{message}");
    let advice = &json(&output)["index_advice"];
    assert_eq!(advice["what_if_cut_short"]["instead"], "partial");
    // Nothing is claimed for what could not be costed: it is listed as uncosted.
    assert_eq!(advice["uncosted"].as_array().unwrap().len(), 1, "{advice}");
    assert_eq!(advice["indexes"], 0);
}

#[test]
fn a_server_that_stops_answering_mid_run_is_a_one_line_error_without_other_inputs() {
    let Some(database) = common::live::database("stops", &[]) else {
        return;
    };
    let url = frozen_url(&database, b"pg_stat_statements");
    let (output, took) = planwise(&["workload", "--db", &url], &[]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(message.contains("stopped answering"), "{message}");
    assert!(took < Duration::from_secs(60), "took {took:?}");
}

/// A database with one table, and the number of tables `analyze --db` reads from it.
fn tables_read(args: &[&str], env: &[(&str, &str)]) -> (u64, Output) {
    let mut all = vec!["analyze", "--format", "json"];
    all.extend_from_slice(args);
    let (output, _) = planwise(&all, env);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let tables = json(&output)["schema"]["tables"].as_u64().unwrap();
    (tables, output)
}

fn database_with_a_table(tag: &str, needs: &[Need]) -> Option<TestDatabase> {
    let database = common::live::database(tag, needs)?;
    runtime().block_on(async {
        admin(&database.name)
            .await
            .batch_execute("CREATE TABLE reached (id int PRIMARY KEY)")
            .await
            .unwrap();
    });
    Some(database)
}

#[test]
fn unix_socket_urls_connect_as_in_libpq() {
    let Some(database) = database_with_a_table("socket", &[Need::Socket]) else {
        return;
    };
    // The test server's socket, named the ways libpq accepts; its port from PGPORT.
    let directory = socket_directory();
    let port = port().to_string();
    let as_postgres = [("PGUSER", "postgres"), ("PGPORT", port.as_str())];
    let encoded = directory.replace('/', "%2F");
    let mut urls = vec![
        format!("postgresql://{encoded}/{}", database.name),
        format!("host={directory} dbname={}", database.name),
    ];
    // No host at all: libpq's default socket directories, where this server's socket is.
    if ["/var/run/postgresql", "/tmp"].contains(&directory.as_str()) {
        urls.push(format!("postgres:///{}", database.name));
    }
    for url in urls {
        let (tables, output) = tables_read(&["--db", &url], &as_postgres);
        assert_eq!(tables, 1, "{url}: {}", stderr(&output));
    }
    // `dbname=…` alone: the rest from the defaults, PGUSER and PGPORT.
    if ["/var/run/postgresql", "/tmp"].contains(&directory.as_str()) {
        let dbname = format!("dbname={}", database.name);
        assert_eq!(tables_read(&["--db", &dbname], &as_postgres).0, 1);
    }
}

#[test]
fn db_without_a_value_takes_everything_from_the_environment_and_the_password_file() {
    let Some(database) = database_with_a_table("environment", &[]) else {
        return;
    };
    let port = port().to_string();
    let mut passfile = tempfile::NamedTempFile::new().unwrap();
    writeln!(
        passfile,
        "127.0.0.1:{port}:{}:postgres:pw-from-pgpass",
        database.name
    )
    .unwrap();
    let passfile_path = passfile.path().to_str().unwrap().to_string();
    let env = [
        ("PGHOST", "127.0.0.1"),
        ("PGPORT", port.as_str()),
        ("PGUSER", "postgres"),
        ("PGDATABASE", database.name.as_str()),
        ("PGPASSFILE", passfile_path.as_str()),
    ];
    let (tables, output) = tables_read(&["--db"], &env);
    assert_eq!(tables, 1);
    let everything = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        stderr(&output)
    );
    assert!(!everything.contains("pw-from-pgpass"));

    // A password file others may read is ignored, with libpq's warning.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(passfile.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let (_, output) = tables_read(&["--db"], &env);
    assert!(stderr(&output).contains("group or world access"));
}

#[test]
fn a_table_locked_by_another_session_is_left_out_not_fatal() {
    let Some(database) = database_with_a_table("locked", &[]) else {
        return;
    };
    runtime().block_on(async {
        let holder = admin(&database.name).await;
        for statement in [
            "CREATE TABLE busy (id int)",
            "BEGIN",
            "LOCK TABLE busy IN ACCESS EXCLUSIVE MODE",
        ] {
            holder.batch_execute(statement).await.unwrap();
        }
        let url = database.url("");
        let log = lookups();
        let (output, took) = tokio::task::spawn_blocking({
            let log = log.path().to_str().unwrap().to_string();
            move || {
                planwise(
                    &["analyze", "--log", &log, "--db", &url, "--format", "json"],
                    &[],
                )
            }
        })
        .await
        .unwrap();
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        assert!(took < Duration::from_secs(20), "took {took:?}");
        assert!(
            message.contains("public.busy is locked by another session"),
            "{message}"
        );
        let report = json(&output);
        assert_eq!(report["schema"]["tables"], 1, "only `reached` is read");
        assert!(diagnostic_kinds(&report).contains(&"catalog_relation_locked".to_string()));
        holder.batch_execute("ROLLBACK").await.unwrap();
    });
}
