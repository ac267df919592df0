use super::*;
use crate::input::prefix::LinePrefix;
use crate::model::server_setup::{Extension, PgssProbe, Role, Setting};

fn setting(value: &str, shown: &str, context: &str) -> Setting {
    Setting {
        value: value.to_string(),
        unit: None,
        shown: shown.to_string(),
        source: "default".to_string(),
        context: context.to_string(),
    }
}

/// A PostgreSQL 15 with its defaults, as the superuser sees it, pg_stat_statements preloaded
/// and created, HypoPG offered.
fn server() -> ServerSetup {
    let mut setup = ServerSetup {
        version_num: 150020,
        version: "15.20".to_string(),
        database: "shop".to_string(),
        role: Role {
            name: "postgres".to_string(),
            superuser: true,
            read_all_stats: true,
            read_all_settings: true,
        },
        pg_stat_statements: Some(PgssProbe::Readable {
            statements: 12,
            hidden_texts: 0,
        }),
        ..ServerSetup::default()
    };
    for (name, value, context) in [
        ("log_min_duration_statement", "-1", "superuser"),
        ("log_statement", "none", "superuser"),
        ("log_duration", "off", "superuser"),
        ("log_line_prefix", "%m [%p] ", "sighup"),
        ("log_destination", "stderr", "sighup"),
        ("logging_collector", "off", "postmaster"),
        ("log_parameter_max_length", "-1", "superuser"),
        ("log_temp_files", "-1", "superuser"),
        (
            "shared_preload_libraries",
            "pg_stat_statements",
            "postmaster",
        ),
        ("pg_stat_statements.track", "top", "superuser"),
    ] {
        setup
            .settings
            .insert(name.to_string(), setting(value, value, context));
    }
    let extension = |installed: Option<&str>| Extension {
        available: Some("1.0".to_string()),
        installed: installed.map(str::to_string),
    };
    setup
        .extensions
        .insert("pg_stat_statements".to_string(), extension(Some("1.10")));
    setup
        .extensions
        .insert("hypopg".to_string(), extension(None));
    setup
}

fn verdict(setup: &ServerSetup, id: CheckId) -> Check {
    judge(setup)
        .checks
        .into_iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no {id:?} check"))
}

fn set(setup: &mut ServerSetup, name: &str, value: &str) {
    let entry = setup.settings.entry(name.to_string()).or_default();
    entry.value = value.to_string();
    entry.shown = value.to_string();
}

#[test]
fn durations_not_logged_is_missing_with_the_alter_system_to_run() {
    let check = verdict(&server(), CheckId::LogMinDurationStatement);
    assert_eq!(check.status, Status::Missing);
    let change = check.change.unwrap();
    assert!(
        change.starts_with(
            "ALTER SYSTEM SET log_min_duration_statement = 0; SELECT pg_reload_conf();"
        ),
        "{change}"
    );
}

#[test]
fn a_duration_threshold_is_partial_and_zero_is_ok() {
    let mut setup = server();
    set(&mut setup, "log_min_duration_statement", "250");
    setup
        .settings
        .get_mut("log_min_duration_statement")
        .unwrap()
        .shown = "250ms".to_string();
    let check = verdict(&setup, CheckId::LogMinDurationStatement);
    assert_eq!(check.status, Status::Partial);
    assert!(check.sees.contains("250ms or more"), "{}", check.sees);
    set(&mut setup, "log_min_duration_statement", "0");
    let check = verdict(&setup, CheckId::LogMinDurationStatement);
    assert_eq!((check.status, check.change), (Status::Ok, None));
}

#[test]
fn log_statement_all_with_log_duration_also_gives_durations() {
    let mut setup = server();
    set(&mut setup, "log_statement", "all");
    assert_eq!(
        verdict(&setup, CheckId::LogMinDurationStatement).status,
        Status::Missing
    );
    set(&mut setup, "log_duration", "on");
    assert_eq!(
        verdict(&setup, CheckId::LogMinDurationStatement).status,
        Status::Ok
    );
}

#[test]
fn a_setting_for_one_database_says_so() {
    let mut setup = server();
    setup
        .settings
        .get_mut("log_min_duration_statement")
        .unwrap()
        .source = "database".to_string();
    let check = verdict(&setup, CheckId::LogMinDurationStatement);
    assert_eq!(check.value.unwrap(), "-1 (set for this database)");
}

#[test]
fn the_prefix_verdict_names_each_missing_field() {
    let check = verdict(&server(), CheckId::LogLinePrefix);
    assert_eq!(check.status, Status::Partial);
    for missing in ["%u:", "%d:", "%a:", "%e:"] {
        assert!(check.sees.contains(missing), "{missing}: {}", check.sees);
    }
    assert!(!check.sees.contains("%m:") && !check.sees.contains("%p or %c"));
    let change = check.change.unwrap();
    let prefix = logging::RECOMMENDED_PREFIX;
    assert_eq!(
        change,
        format!(
            "ALTER SYSTEM SET log_line_prefix = '{prefix}'; SELECT pg_reload_conf(); then \
             planwise detects it in the stderr logs, no --log-line-prefix needed"
        )
    );
    assert_eq!(check.value.unwrap(), "'%m [%p] '");
}

#[test]
fn the_recommended_prefix_is_complete_and_reads_every_field() {
    let mut setup = server();
    set(&mut setup, "log_line_prefix", logging::RECOMMENDED_PREFIX);
    let check = verdict(&setup, CheckId::LogLinePrefix);
    assert_eq!((check.status, check.change), (Status::Ok, None));
    // Lines written with it, given to planwise as the change says: every field is read,
    // and a background process (no user, `%q`) still matches.
    let prefix = LinePrefix::compile(logging::RECOMMENDED_PREFIX);
    let line = b"2026-01-05 10:00:00.200 UTC [4242] 23505 app@shop/web app ERROR:  duplicate key";
    let matched = prefix.parse(line).expect("a session's line");
    let fields = matched.fields;
    assert_eq!(fields.pid, Some(&b"4242"[..]));
    assert_eq!(fields.sqlstate, Some(&b"23505"[..]));
    assert_eq!(fields.user, Some(&b"app"[..]));
    assert_eq!(fields.database, Some(&b"shop"[..]));
    assert_eq!(fields.application, Some(&b"web app"[..]));
    assert!(fields.at.is_some());
    assert_eq!(
        (matched.severity, matched.message),
        (&b"ERROR"[..], &b"duplicate key"[..])
    );
    let background = b"2026-01-05 10:00:01.000 UTC [77] 00000 LOG:  checkpoint starting: time";
    assert!(prefix.parse(background).is_some());
}

#[test]
fn prefix_escapes_skip_padding_and_percent_signs() {
    assert_eq!(
        logging::prefix_escapes("%-10u%%d %5p [%c]"),
        vec!['u', 'p', 'c']
    );
}

#[test]
fn csvlog_needs_the_collector_and_then_makes_the_prefix_irrelevant() {
    let mut setup = server();
    set(&mut setup, "log_destination", "stderr,csvlog");
    let collector = verdict(&setup, CheckId::LoggingCollector);
    assert_eq!(collector.status, Status::Missing);
    assert_eq!(
        collector.change.unwrap(),
        "ALTER SYSTEM SET logging_collector = on; then restart the server"
    );
    assert_eq!(
        verdict(&setup, CheckId::LogLinePrefix).status,
        Status::Partial
    );
    set(&mut setup, "logging_collector", "on");
    assert_eq!(
        verdict(&setup, CheckId::LoggingCollector).status,
        Status::Ok
    );
    assert_eq!(verdict(&setup, CheckId::LogLinePrefix).status, Status::Ok);
}

#[test]
fn syslog_gives_time_and_process_without_the_prefix() {
    let mut setup = server();
    set(&mut setup, "log_destination", "syslog");
    set(
        &mut setup,
        "log_line_prefix",
        "user=%u,db=%d,app=%a,err=%e ",
    );
    assert_eq!(verdict(&setup, CheckId::LogLinePrefix).status, Status::Ok);
    let destination = verdict(&setup, CheckId::LogDestination);
    assert!(destination.sees.contains("--log-format syslog"));
    set(&mut setup, "log_destination", "eventlog");
    assert_eq!(
        verdict(&setup, CheckId::LogDestination).status,
        Status::Missing
    );
}

#[test]
fn pg_stat_statements_from_preload_to_created() {
    let mut setup = server();
    assert_eq!(
        verdict(&setup, CheckId::PgStatStatements).status,
        Status::Ok
    );
    // Preloaded, not created in this database.
    setup.pg_stat_statements = None;
    setup
        .extensions
        .get_mut("pg_stat_statements")
        .unwrap()
        .installed = None;
    let check = verdict(&setup, CheckId::PgStatStatements);
    assert_eq!(check.status, Status::Missing);
    assert_eq!(
        check.change.unwrap(),
        "CREATE EXTENSION pg_stat_statements; in database shop"
    );
    // Not preloaded: the preload keeps what is there, and needs a restart.
    set(&mut setup, "shared_preload_libraries", "auto_explain");
    let change = verdict(&setup, CheckId::PgStatStatements).change.unwrap();
    assert!(
        change.starts_with(
            "ALTER SYSTEM SET shared_preload_libraries = 'auto_explain,pg_stat_statements'; then restart"
        ),
        "{change}"
    );
}

#[test]
fn hidden_settings_are_hidden_not_guessed() {
    let mut setup = server();
    setup.role = Role {
        name: "app".to_string(),
        ..Role::default()
    };
    setup.settings.remove("shared_preload_libraries");
    setup.settings.remove("log_line_prefix");
    let check = verdict(&setup, CheckId::LogLinePrefix);
    assert_eq!((check.status, check.value), (Status::Hidden, None));
    // pg_stat_statements' own setting says it is preloaded.
    setup.pg_stat_statements = None;
    setup
        .extensions
        .get_mut("pg_stat_statements")
        .unwrap()
        .installed = None;
    assert_eq!(
        verdict(&setup, CheckId::PgStatStatements).change.unwrap(),
        "CREATE EXTENSION pg_stat_statements; in database shop"
    );
    let privileges = verdict(&setup, CheckId::Privileges);
    assert_eq!(privileges.status, Status::Partial);
    assert!(
        privileges
            .change
            .unwrap()
            .starts_with("GRANT pg_read_all_stats TO app;")
    );
}

#[test]
fn hypopg_created_offered_or_absent() {
    let mut setup = server();
    let check = verdict(&setup, CheckId::Hypopg);
    assert_eq!(check.status, Status::Missing);
    assert!(
        check
            .change
            .unwrap()
            .starts_with("CREATE EXTENSION hypopg; in database shop")
    );
    setup.extensions.get_mut("hypopg").unwrap().installed = Some("1.3.1".to_string());
    assert_eq!(verdict(&setup, CheckId::Hypopg).status, Status::Ok);
    setup.extensions.remove("hypopg");
    let check = verdict(&setup, CheckId::Hypopg);
    assert_eq!(check.value.unwrap(), "not offered");
    assert!(check.change.unwrap().starts_with("install HypoPG"));
}

#[test]
fn hosted_platforms_are_told_where_the_setting_lives() {
    let mut setup = server();
    set(&mut setup, "rds.logical_replication", "off");
    let diagnosis = judge(&setup);
    assert_eq!(diagnosis.platform, Platform::Rds);
    let check = verdict(&setup, CheckId::LogMinDurationStatement);
    assert!(
        check
            .change
            .unwrap()
            .starts_with("set log_min_duration_statement = 0 in the instance's DB parameter group")
    );
    setup.settings.remove("rds.logical_replication");
    set(&mut setup, "cloudsql.iam_authentication", "off");
    assert_eq!(judge(&setup).platform, Platform::CloudSql);
    let change = verdict(&setup, CheckId::LogMinDurationStatement)
        .change
        .unwrap();
    assert!(change.starts_with("set the database flag log_min_duration_statement=0"));
}

#[test]
fn settings_planwise_does_not_read_say_so() {
    let diagnosis = judge(&server());
    for id in [
        CheckId::LogTempFiles,
        CheckId::LogLockWaits,
        CheckId::AutoExplain,
        CheckId::TrackIoTiming,
    ] {
        let check = diagnosis.checks.iter().find(|c| c.id == id).unwrap();
        assert_eq!(check.status, Status::NotUsed, "{id:?}");
        assert!(check.sees.contains("does not read"), "{id:?}");
    }
}

#[test]
fn old_servers_lose_live_pg_stat_statements_and_parameter_lengths() {
    let mut setup = server();
    setup.version_num = 120010;
    let diagnosis = judge(&setup);
    let version = diagnosis
        .checks
        .iter()
        .find(|c| c.id == CheckId::ServerVersion)
        .unwrap();
    assert_eq!(version.status, Status::Partial);
    assert!(
        !diagnosis
            .checks
            .iter()
            .any(|c| c.id == CheckId::LogParameterMaxLength)
    );
}
