//! The logging settings: whether statements reach the log with their durations, and with
//! which of the fields planwise reads.

use super::{Check, CheckId, Place, Platform, Status, hidden};
use crate::model::server_setup::{ServerSetup, Setting};

/// A prefix with every field planwise reads. `%e` goes before the free-text fields, where a
/// SQLSTATE cannot be read as part of the application name; it is among the prefixes
/// detection tries, so its logs need no `--log-line-prefix` (tests hold both).
pub const RECOMMENDED_PREFIX: &str = "%m [%p] %e %q%u@%d/%a ";

/// The prefix escapes planwise reads, the ones that can stand in for each other, and what
/// they give.
const PREFIX_FIELDS: [(&[char], &str); 6] = [
    (
        &['m', 't', 'n'],
        "%m: when statements ran (loop spans, the time range)",
    ),
    (
        &['p', 'c'],
        "%p or %c: the session, which pairs a statement with a duration logged apart and finds N+1 loops",
    ),
    (&['u'], "%u: users"),
    (&['d'], "%d: databases"),
    (&['a'], "%a: applications"),
    (&['e'], "%e: the SQLSTATE of errors"),
];

pub(super) fn checks(place: &Place) -> Vec<Check> {
    let mut checks = vec![
        min_duration(place),
        line_prefix(place),
        destination(place),
        collector(place),
    ];
    if place.setup.version_num >= 130000 {
        checks.push(parameters(place));
    }
    checks
}

/// The value as SHOW prints it, and where it applies when not server-wide.
fn shown(setting: &Setting) -> String {
    let scope = match setting.source.as_str() {
        "database" => " (set for this database)",
        "user" => " (set for this role)",
        "database user" => " (set for this role in this database)",
        _ => "",
    };
    format!("{}{scope}", setting.shown)
}

fn check(id: CheckId, setting: &Setting, status: Status, sees: String) -> Check {
    Check {
        id,
        value: Some(shown(setting)),
        status,
        sees,
        change: None,
    }
}

fn min_duration(place: &Place) -> Check {
    let id = CheckId::LogMinDurationStatement;
    let settings = &place.setup.settings;
    let Some(setting) = settings.get(id.name()) else {
        return hidden(id);
    };
    let change = Some(format!(
        "{} (or a threshold where logging every statement costs too much)",
        place.set(id.name(), "0")
    ));
    let is = |name: &str, value: &str| settings.get(name).is_some_and(|s| s.value == value);
    let (status, sees, change) = match setting.number() {
        Some(0) => (
            Status::Ok,
            "every statement, with its duration".to_string(),
            None,
        ),
        Some(ms) if ms > 0 => (
            Status::Partial,
            format!(
                "only statements that take {} or more: calls, totals and percentiles count \
                 those alone, and loops of fast statements (N+1) are not seen",
                setting.shown
            ),
            change,
        ),
        _ if is("log_statement", "all") && is("log_duration", "on") => (
            Status::Ok,
            "log_statement = all with log_duration = on: every statement, its duration \
             logged apart and paired per session"
                .to_string(),
            None,
        ),
        _ => (
            Status::Missing,
            "no durations are logged: planwise reads no statement from the logs (only \
             pg_stat_statements, with --db)"
                .to_string(),
            change,
        ),
    };
    Check {
        change,
        ..check(id, setting, status, sees)
    }
}

/// `log_destination`'s destinations, lower-cased; empty when hidden.
fn destinations(setup: &ServerSetup) -> Vec<String> {
    setup
        .settings
        .get("log_destination")
        .map(|s| {
            s.value
                .split(',')
                .map(|d| d.trim().to_ascii_lowercase())
                .filter(|d| !d.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

fn collector_on(setup: &ServerSetup) -> Option<bool> {
    setup.settings.get("logging_collector").map(Setting::is_on)
}

/// csvlog or jsonlog is written: every field, whatever the prefix.
fn writes_structured(setup: &ServerSetup) -> bool {
    let structured = destinations(setup)
        .iter()
        .any(|d| d == "csvlog" || d == "jsonlog");
    structured && collector_on(setup) == Some(true)
}

/// The escape letters of a `log_line_prefix` (padding like `%-10u` skipped, `%%` not one).
pub fn prefix_escapes(prefix: &str) -> Vec<char> {
    let mut escapes = Vec::new();
    let mut chars = prefix.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            continue;
        }
        let letter = chars.find(|c| !(c.is_ascii_digit() || *c == '-'));
        match letter {
            Some('%') | None => {}
            Some(letter) => escapes.push(letter),
        }
    }
    escapes
}

fn line_prefix(place: &Place) -> Check {
    let id = CheckId::LogLinePrefix;
    let Some(setting) = place.setup.settings.get(id.name()) else {
        return hidden(id);
    };
    let value = format!("'{}'", shown(setting));
    if writes_structured(place.setup) {
        let sees = "csvlog/jsonlog carry every field; the prefix matters to stderr and syslog \
                    logs only"
            .to_string();
        return Check {
            value: Some(value),
            ..check(id, setting, Status::Ok, sees)
        };
    }
    let escapes = prefix_escapes(&setting.value);
    // syslog gives every record its time and process.
    let envelope = !destinations(place.setup).iter().any(|d| d == "stderr");
    let lacking: Vec<&str> = PREFIX_FIELDS
        .iter()
        .enumerate()
        .filter(|(index, _)| !(envelope && *index < 2))
        .filter(|(_, (letters, _))| !letters.iter().any(|l| escapes.contains(l)))
        .map(|(_, (_, what))| *what)
        .collect();
    let (status, sees, change) = if lacking.is_empty() {
        let sees = "every field planwise reads: time, session, user, database, application, \
                    SQLSTATE"
            .to_string();
        (Status::Ok, sees, None)
    } else {
        let sees = format!("lacks {}", lacking.join("; "));
        let change = match place.platform {
            // RDS/Aurora's prefix is fixed (and read as `--log-format rds`).
            Platform::Rds => None,
            _ => {
                let set = place.set(id.name(), &format!("'{RECOMMENDED_PREFIX}'"));
                let then = if set.ends_with(';') {
                    " then"
                } else {
                    "; then"
                };
                Some(format!(
                    "{set}{then} planwise detects it in the stderr logs, no \
                     --log-line-prefix needed"
                ))
            }
        };
        (Status::Partial, sees, change)
    };
    Check {
        value: Some(value),
        change,
        ..check(id, setting, status, sees)
    }
}

fn destination(place: &Place) -> Check {
    let id = CheckId::LogDestination;
    let Some(setting) = place.setup.settings.get(id.name()) else {
        return hidden(id);
    };
    let destinations = destinations(place.setup);
    let has = |name: &str| destinations.iter().any(|d| d == name);
    let mut read = Vec::new();
    if has("stderr") {
        read.push("stderr logs (the prefix detected, or given with --log-line-prefix)");
    }
    if has("csvlog") || has("jsonlog") {
        read.push("csvlog/jsonlog files");
    }
    if has("syslog") {
        read.push("syslog files (--log-format syslog) or journalctl -o json (journald)");
    }
    if read.is_empty() {
        return Check {
            change: Some(place.set(id.name(), "'stderr'")),
            ..check(
                id,
                setting,
                Status::Missing,
                "planwise reads no event log: nothing it can read is written".to_string(),
            )
        };
    }
    let sees = format!("read with --log: {}", read.join("; "));
    check(id, setting, Status::Ok, sees)
}

fn collector(place: &Place) -> Check {
    let id = CheckId::LoggingCollector;
    let Some(setting) = place.setup.settings.get(id.name()) else {
        return hidden(id);
    };
    let structured = destinations(place.setup)
        .iter()
        .any(|d| d == "csvlog" || d == "jsonlog");
    if setting.is_on() {
        let sees = "the server writes its log files in log_directory (SHOW log_directory)";
        return check(id, setting, Status::Ok, sees.to_string());
    }
    if structured {
        return Check {
            change: Some(place.set(id.name(), "on")),
            ..check(
                id,
                setting,
                Status::Missing,
                "csvlog and jsonlog are written by the collector only: none is written".to_string(),
            )
        };
    }
    let sees = "stderr goes where the server's output goes: pg_ctl -l's file, \
                /var/log/postgresql on Debian, the systemd journal (journalctl -o json, \
                --log-format journald), a container's log";
    check(id, setting, Status::Ok, sees.to_string())
}

fn parameters(place: &Place) -> Check {
    let id = CheckId::LogParameterMaxLength;
    let Some(setting) = place.setup.settings.get(id.name()) else {
        return hidden(id);
    };
    let (status, sees) = match setting.number() {
        Some(0) => (
            Status::Partial,
            "bind parameters are not logged: analyze --analyze leaves out statements with \
             $n parameters"
                .to_string(),
        ),
        Some(bytes) if bytes > 0 => (
            Status::Partial,
            format!(
                "parameter values longer than {} are cut short in the log",
                setting.shown
            ),
        ),
        _ => (
            Status::Ok,
            "bind parameters are logged whole: samples keep them, and analyze --analyze runs \
             the statements with their values"
                .to_string(),
        ),
    };
    let change = (status != Status::Ok).then(|| place.set(id.name(), "-1"));
    Check {
        change,
        ..check(id, setting, status, sees)
    }
}

/// What planwise does not read from logs (yet): shown so that no setting of the README's
/// list goes unmentioned.
pub(super) fn unused(place: &Place) -> Vec<Check> {
    let mut checks: Vec<Check> = [
        (
            CheckId::LogTempFiles,
            "temporary-file lines (sorts and hashes that spill to disk)",
        ),
        (CheckId::LogLockWaits, "lock-wait lines"),
        (CheckId::LogAutovacuumMinDuration, "autovacuum lines"),
        (
            CheckId::TrackIoTiming,
            "I/O timings (pg_stat_statements' blk_read_time)",
        ),
    ]
    .into_iter()
    .map(|(id, what)| Check {
        id,
        value: place.setup.settings.get(id.name()).map(shown),
        status: Status::NotUsed,
        sees: format!("planwise does not read {what} yet"),
        change: None,
    })
    .collect();
    checks.push(auto_explain(place.setup));
    checks
}

fn auto_explain(setup: &ServerSetup) -> Check {
    let preloads = ["shared_preload_libraries", "session_preload_libraries"]
        .iter()
        .filter_map(|name| setup.settings.get(*name))
        .any(|s| s.value.split(',').any(|l| l.trim() == "auto_explain"));
    let threshold = setup.settings.get("auto_explain.log_min_duration");
    // A value set in postgresql.conf without the module loaded is a placeholder, of context
    // `user`; the module's own setting is `superuser`.
    let loaded = preloads || threshold.is_some_and(|t| t.context != "user");
    let (value, sees) = match (loaded, threshold) {
        (true, Some(t)) => (
            format!("loaded, log_min_duration = {}", t.shown),
            "its `duration: … plan:` entries are skipped (not executions: nothing is \
             counted twice); planwise does not read logged plans yet",
        ),
        (true, None) => (
            "loaded".to_string(),
            "planwise does not read logged plans yet",
        ),
        (false, _) => (
            "not loaded".to_string(),
            "planwise does not read logged plans yet (analyze --analyze measures plans itself)",
        ),
    };
    Check {
        id: CheckId::AutoExplain,
        value: Some(value),
        status: Status::NotUsed,
        sees: sees.to_string(),
        change: None,
    }
}
