//! `planwise doctor`'s judgement: from a server's setup (`model::server_setup`), setting by
//! setting, what planwise will and will not be able to see, and what to change where. Pure:
//! the live read is `db::doctor`, the rendering `report::doctor`.

mod extensions;
mod logging;

use crate::model::server_setup::ServerSetup;
use serde::Serialize;

/// How well planwise will see what a setting governs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Set as planwise needs it.
    Ok,
    /// planwise sees part of it (a threshold, a missing prefix field).
    Partial,
    /// planwise sees nothing of it until it is changed.
    Missing,
    /// The connecting role may not read the setting.
    Hidden,
    /// Something planwise does not read (yet); shown for completeness.
    NotUsed,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Partial => "partial",
            Status::Missing => "missing",
            Status::Hidden => "hidden",
            Status::NotUsed => "not used",
        }
    }
}

/// What a check is about: a setting's name, or `pg_stat_statements`, `hypopg`, `privileges`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckId {
    ServerVersion,
    LogMinDurationStatement,
    LogLinePrefix,
    LogDestination,
    LoggingCollector,
    LogParameterMaxLength,
    PgStatStatements,
    #[serde(rename = "pg_stat_statements.track")]
    PgStatStatementsTrack,
    Privileges,
    Hypopg,
    LogTempFiles,
    LogLockWaits,
    LogAutovacuumMinDuration,
    AutoExplain,
    TrackIoTiming,
}

impl CheckId {
    /// The name shown: the setting's, or the extension's.
    pub fn name(self) -> &'static str {
        match self {
            CheckId::ServerVersion => "server_version",
            CheckId::LogMinDurationStatement => "log_min_duration_statement",
            CheckId::LogLinePrefix => "log_line_prefix",
            CheckId::LogDestination => "log_destination",
            CheckId::LoggingCollector => "logging_collector",
            CheckId::LogParameterMaxLength => "log_parameter_max_length",
            CheckId::PgStatStatements => "pg_stat_statements",
            CheckId::PgStatStatementsTrack => "pg_stat_statements.track",
            CheckId::Privileges => "privileges",
            CheckId::Hypopg => "hypopg",
            CheckId::LogTempFiles => "log_temp_files",
            CheckId::LogLockWaits => "log_lock_waits",
            CheckId::LogAutovacuumMinDuration => "log_autovacuum_min_duration",
            CheckId::AutoExplain => "auto_explain",
            CheckId::TrackIoTiming => "track_io_timing",
        }
    }
}

/// One verdict: what is set, what planwise will see because of it, and what to change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub id: CheckId,
    /// The value as SHOW prints it, or what was found (`installed 1.3.1`); `None` when
    /// hidden.
    pub value: Option<String>,
    pub status: Status,
    /// What planwise will and will not see.
    pub sees: String,
    /// What to change, where: `ALTER SYSTEM SET …`, `CREATE EXTENSION …`, `GRANT …`, or the
    /// hosted platform's place for the setting.
    pub change: Option<String>,
}

/// Where the server runs, told by the settings only that platform defines: where a setting
/// is changed depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    /// Self-managed (or a platform planwise cannot tell): `ALTER SYSTEM`.
    SelfManaged,
    /// Amazon RDS or Aurora (`rds.*` settings): the DB parameter group.
    Rds,
    /// Google Cloud SQL (`cloudsql.*`): database flags.
    CloudSql,
    /// Azure Database for PostgreSQL (`azure.*`): server parameters.
    Azure,
}

impl Platform {
    fn of(setup: &ServerSetup) -> Platform {
        let defines = |prefix: &str| setup.settings.keys().any(|name| name.starts_with(prefix));
        if defines("rds.") {
            Platform::Rds
        } else if defines("cloudsql.") {
            Platform::CloudSql
        } else if defines("azure.") {
            Platform::Azure
        } else {
            Platform::SelfManaged
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Platform::SelfManaged => "self-managed",
            Platform::Rds => "Amazon RDS / Aurora",
            Platform::CloudSql => "Google Cloud SQL",
            Platform::Azure => "Azure Database for PostgreSQL",
        }
    }
}

/// The judgement of a whole server.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnosis {
    pub platform: Platform,
    pub checks: Vec<Check>,
}

/// Judges every setting planwise depends on, in the order a reader fixes them: the log
/// first, then the live sources, then what planwise does not read.
pub fn judge(setup: &ServerSetup) -> Diagnosis {
    let place = Place {
        setup,
        platform: Platform::of(setup),
    };
    let mut checks = vec![extensions::server_version(setup)];
    checks.extend(logging::checks(&place));
    checks.extend(extensions::checks(&place));
    checks.extend(logging::unused(&place));
    Diagnosis {
        platform: place.platform,
        checks,
    }
}

/// Where settings are changed on this server.
struct Place<'a> {
    setup: &'a ServerSetup,
    platform: Platform,
}

impl Place<'_> {
    /// How to set `name` to `value` (an SQL literal: `0`, `'csvlog'`, `on`) here.
    fn set(&self, name: &str, value: &str) -> String {
        let restart = self
            .setup
            .settings
            .get(name)
            .is_some_and(|s| s.context == "postmaster");
        let bare = value.trim_matches('\'');
        let mut text = match self.platform {
            Platform::SelfManaged if restart => {
                format!("ALTER SYSTEM SET {name} = {value}; then restart the server")
            }
            Platform::SelfManaged => {
                format!("ALTER SYSTEM SET {name} = {value}; SELECT pg_reload_conf();")
            }
            Platform::Rds => format!("set {name} = {bare} in the instance's DB parameter group"),
            Platform::CloudSql => format!("set the database flag {name}={bare}"),
            Platform::Azure => format!("set the server parameter {name} = {bare}"),
        };
        if restart && self.platform != Platform::SelfManaged {
            text.push_str(" (takes effect after a restart)");
        }
        text
    }
}

/// A check of a setting the role may not read.
fn hidden(id: CheckId) -> Check {
    Check {
        id,
        value: None,
        status: Status::Hidden,
        sees: "this role may not read the setting; planwise cannot tell".to_string(),
        change: Some(
            "GRANT pg_monitor TO the role planwise connects as (it reads all settings)".to_string(),
        ),
    }
}

#[cfg(test)]
mod tests;
