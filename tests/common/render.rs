//! Renders the entries of a real csvlog (fixtures/logs/shop.csv: every field of every
//! entry of one PostgreSQL 15 run) into the formats of hosted platforms and system
//! loggers, the way each prints them (shapes in fixtures/logs/hosted/README.md), so the
//! tests can check that every format gives what the real stderr and csvlog logs give.

use planwise::model::time::parse_timestamp;
use std::collections::HashMap;
use std::fmt::Write;

/// One csvlog entry (the columns the renderings use).
#[derive(Debug, Clone)]
pub struct Entry {
    pub log_time: String,
    pub user: String,
    pub database: String,
    pub pid: String,
    pub remote: String,
    pub session: String,
    pub line_num: String,
    pub session_start: String,
    pub vxid: String,
    pub xid: String,
    pub severity: String,
    pub sqlstate: String,
    pub message: String,
    pub detail: String,
    pub hint: String,
    pub context: String,
    pub query: String,
    pub application: String,
    /// The whole row, every column as the server wrote it.
    pub row: csv::StringRecord,
}

pub fn read_csvlog(path: &std::path::Path) -> Vec<Entry> {
    csvlog_reader(path)
        .records()
        .map(|row| Entry::of(&row.unwrap()))
        .collect()
}

/// A reader of a csvlog file's rows (no header, as the server writes it).
pub fn csvlog_reader(path: &std::path::Path) -> csv::Reader<std::fs::File> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .unwrap()
}

impl Entry {
    /// The entry of one csvlog row.
    pub fn of(row: &csv::StringRecord) -> Entry {
        let f = |i: usize| row.get(i).unwrap_or("").to_string();
        Entry {
            log_time: f(0),
            user: f(1),
            database: f(2),
            pid: f(3),
            remote: f(4),
            session: f(5),
            line_num: f(6),
            session_start: f(8),
            vxid: f(9),
            xid: f(10),
            severity: f(11),
            sqlstate: f(12),
            message: f(13),
            detail: f(14),
            hint: f(15),
            context: f(18),
            query: f(19),
            application: f(22),
            row: row.clone(),
        }
    }
}

/// The formats an entry can be rendered into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rendering {
    /// RDS/Aurora stderr: `%t:%r:%u@%d:[%p]:`.
    Rds,
    /// Azure stderr: `%t-%c-`.
    Azure,
    /// rsyslog with BSD timestamps, prefix `user=%u,db=%d,app=%a,client=%h `.
    SyslogBsd,
    /// rsyslog with RFC 3339 timestamps (RSYSLOG_FileFormat), same prefix.
    SyslogRfc3339,
    /// Heroku logplex with Heroku's own prefix.
    Logplex,
    /// Cloud Logging export of Cloud SQL, one JSON object per line.
    CloudSqlLines,
    /// The same as a pretty-printed JSON array (`gcloud logging read --format=json`).
    CloudSqlArray,
    /// CloudNativePG JSON lines, with a few lines of the operator's other loggers.
    Cnpg,
    /// `journalctl -o json` of a server logging to syslog.
    Journald,
    /// Azure's diagnostic-settings export, a record per line (storage account blobs).
    AzureJsonLines,
    /// The same records wrapped as Event Hubs sends them, `{"records": [ … ]}` (20 a line).
    AzureJsonRecords,
    /// csvlog with every field quoted, as some exports write it.
    CsvlogQuoted,
}

impl Rendering {
    pub const ALL: [Rendering; 12] = [
        Rendering::Rds,
        Rendering::Azure,
        Rendering::SyslogBsd,
        Rendering::SyslogRfc3339,
        Rendering::Logplex,
        Rendering::CloudSqlLines,
        Rendering::CloudSqlArray,
        Rendering::Cnpg,
        Rendering::Journald,
        Rendering::AzureJsonLines,
        Rendering::AzureJsonRecords,
        Rendering::CsvlogQuoted,
    ];

    pub fn file_name(self) -> &'static str {
        match self {
            Rendering::Rds => "rds.log",
            Rendering::Azure => "azure.log",
            Rendering::SyslogBsd => "syslog.log",
            Rendering::SyslogRfc3339 => "rsyslog.log",
            Rendering::Logplex => "logplex.log",
            Rendering::CloudSqlLines => "cloudsql.json",
            Rendering::CloudSqlArray => "cloudsql-array.json",
            Rendering::Cnpg => "cnpg.json",
            Rendering::Journald => "journal.json",
            Rendering::AzureJsonLines => "azure.json",
            Rendering::AzureJsonRecords => "azure-records.json",
            Rendering::CsvlogQuoted => "quoted.csv",
        }
    }

    /// Whether the rendering keeps timestamps to the millisecond (RDS, Azure and BSD
    /// syslog print seconds only; BSD syslog has no year).
    pub fn keeps_milliseconds(self) -> bool {
        !matches!(
            self,
            Rendering::Rds
                | Rendering::Azure
                | Rendering::AzureJsonLines
                | Rendering::AzureJsonRecords
                | Rendering::SyslogBsd
        )
    }

    /// Whether the rendering carries users and databases.
    pub fn keeps_origin(self) -> bool {
        !matches!(
            self,
            Rendering::Azure | Rendering::AzureJsonLines | Rendering::AzureJsonRecords
        )
    }

    /// Whether it carries application names (RDS's and Cloud SQL's prefixes have none).
    pub fn keeps_application(self) -> bool {
        !matches!(
            self,
            Rendering::Rds
                | Rendering::Azure
                | Rendering::AzureJsonLines
                | Rendering::AzureJsonRecords
                | Rendering::CloudSqlLines
                | Rendering::CloudSqlArray
        )
    }

    pub fn render(self, entries: &[Entry]) -> String {
        let mut out = String::new();
        let mut sequences: HashMap<String, u64> = HashMap::new();
        if self == Rendering::CloudSqlArray {
            let objects: Vec<String> = entries
                .iter()
                .flat_map(|e| cloud_sql_objects(e, true))
                .collect();
            return format!("[\n{}\n]\n", objects.join(",\n"));
        }
        if self == Rendering::AzureJsonRecords {
            let records: Vec<String> = entries.iter().flat_map(azure_records).collect();
            for wrapped in records.chunks(20) {
                writeln!(out, "{{\"records\":[{}]}}", wrapped.join(",")).unwrap();
            }
            return out;
        }
        if self == Rendering::CsvlogQuoted {
            let mut writer = csv::WriterBuilder::new()
                .quote_style(csv::QuoteStyle::Always)
                .from_writer(Vec::new());
            for entry in entries {
                writer.write_record(&entry.row).unwrap();
            }
            return String::from_utf8(writer.into_inner().unwrap()).unwrap();
        }
        for (index, entry) in entries.iter().enumerate() {
            match self {
                Rendering::Rds | Rendering::Azure => {
                    let prefix = self.stderr_prefix(entry);
                    for (severity, text) in messages(entry) {
                        let text = text.replace('\n', "\n\t");
                        writeln!(out, "{prefix}{severity}:  {text}").unwrap();
                    }
                }
                Rendering::SyslogBsd | Rendering::SyslogRfc3339 | Rendering::Logplex => {
                    let sequence = sequences.entry(entry.pid.clone()).or_default();
                    for record in self.syslog_records(entry, sequence) {
                        writeln!(out, "{record}").unwrap();
                    }
                }
                Rendering::CloudSqlLines => {
                    for object in cloud_sql_objects(entry, false) {
                        writeln!(out, "{object}").unwrap();
                    }
                }
                Rendering::Cnpg => {
                    if index % 100 == 50 {
                        writeln!(out, "{}", operator_line(entry)).unwrap();
                    }
                    writeln!(out, "{}", cnpg_line(entry)).unwrap();
                }
                Rendering::Journald => {
                    let sequence = sequences.entry(entry.pid.clone()).or_default();
                    for message in syslog_messages(entry, sequence, &syslog_prefix(entry)) {
                        writeln!(out, "{}", journal_line(entry, &message)).unwrap();
                    }
                }
                Rendering::AzureJsonLines => {
                    for record in azure_records(entry) {
                        writeln!(out, "{record}").unwrap();
                    }
                }
                Rendering::CloudSqlArray
                | Rendering::AzureJsonRecords
                | Rendering::CsvlogQuoted => {
                    unreachable!()
                }
            }
        }
        out
    }

    fn stderr_prefix(self, entry: &Entry) -> String {
        let seconds = seconds_only(&entry.log_time);
        match self {
            Rendering::Rds => format!(
                "{seconds}:{}:{}@{}:[{}]:",
                remote(entry),
                entry.user,
                entry.database,
                entry.pid
            ),
            _ => format!("{seconds}-{}-", entry.session),
        }
    }

    /// The syslog records of an entry: a message per severity line, each cut as
    /// PostgreSQL's `write_syslog` cuts it, then written by rsyslog (tabs as `#011`).
    fn syslog_records(self, entry: &Entry, sequence: &mut u64) -> Vec<String> {
        let prefix = match self {
            Rendering::Logplex => heroku_prefix(entry),
            _ => syslog_prefix(entry),
        };
        let head = match self {
            Rendering::SyslogBsd => format!("{} db1 postgres[{}]:", bsd_time(entry), entry.pid),
            Rendering::SyslogRfc3339 => {
                format!(
                    "{} db1 postgres[{}]:",
                    rfc3339(entry, 6, "+00:00"),
                    entry.pid
                )
            }
            _ => format!(
                "{} app[postgres.{}]: [GREEN]",
                rfc3339(entry, 0, "+00:00"),
                entry.pid
            ),
        };
        syslog_messages(entry, sequence, &prefix)
            .into_iter()
            .map(|record| {
                let record = record.replace('\t', "#011");
                let (sequence, text) = record.split_once("] ").unwrap();
                let first = !sequence.contains('-') || sequence.ends_with("-1");
                match self {
                    // Heroku's servers number every record `[n-1]` (syslog before
                    // PostgreSQL 9.6) and put a space before the prefix.
                    Rendering::Logplex if !sequence.contains('-') => {
                        format!("{head} {sequence}-1]  {text}")
                    }
                    Rendering::Logplex if first => format!("{head} {sequence}]  {text}"),
                    _ => format!("{head} {sequence}] {text}"),
                }
            })
            .collect()
    }
}

/// The severity lines of an entry in stderr's order: the message, then DETAIL, HINT,
/// CONTEXT and STATEMENT.
pub fn messages(entry: &Entry) -> Vec<(&str, &str)> {
    let mut lines = vec![(entry.severity.as_str(), entry.message.as_str())];
    for (severity, text) in [
        ("DETAIL", &entry.detail),
        ("HINT", &entry.hint),
        ("CONTEXT", &entry.context),
        ("STATEMENT", &entry.query),
    ] {
        if !text.is_empty() {
            lines.push((severity, text.as_str()));
        }
    }
    lines
}

/// `%r`: csvlog's `host:port` as stderr prints it, `host(port)`.
fn remote(entry: &Entry) -> String {
    match entry.remote.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{host}({port})")
        }
        _ => entry.remote.clone(),
    }
}

/// `%h`: the host of csvlog's `host:port`.
fn host(entry: &Entry) -> &str {
    match entry.remote.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => &entry.remote,
    }
}

/// pgBadger's recommended prefix for syslog: `user=%u,db=%d,app=%a,client=%h `.
fn syslog_prefix(entry: &Entry) -> String {
    let client = host(entry);
    format!(
        "user={},db={},app={},client={client} ",
        entry.user, entry.database, entry.application
    )
}

/// Heroku Postgres's prefix.
fn heroku_prefix(entry: &Entry) -> String {
    format!(
        "sql_error_code = {} time_ms = \"{}\" pid=\"{}\" proc_start_time=\"{}\" session_id=\"{}\" vtid=\"{}\" tid=\"{}\" log_line=\"{}\" database=\"{}\" connection_source=\"{}\" user=\"{}\" application_name=\"{}\" ",
        entry.sqlstate,
        entry.log_time,
        entry.pid,
        entry.session_start,
        entry.session,
        entry.vxid,
        entry.xid,
        entry.line_num,
        entry.database,
        remote(entry),
        entry.user,
        entry.application
    )
}

/// Each severity line as `write_syslog` sends it: `[seq-chunk] text`, cut at newlines and
/// at 900 bytes (at a space when there is one), or `[seq] text` when short.
fn syslog_messages(entry: &Entry, sequence: &mut u64, prefix: &str) -> Vec<String> {
    const LIMIT: usize = 900;
    let mut records = Vec::new();
    for (severity, text) in messages(entry) {
        *sequence += 1;
        let line = format!("{prefix}{severity}:  {}", text.replace('\n', "\n\t"));
        if line.len() <= LIMIT && !line.contains('\n') {
            records.push(format!("[{sequence}] {line}"));
            continue;
        }
        let mut rest = line.as_str();
        let mut chunk = 0;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('\n') {
                rest = after;
                continue;
            }
            let mut len = rest.find('\n').unwrap_or(rest.len()).min(LIMIT);
            while !rest.is_char_boundary(len) {
                len -= 1;
            }
            if len < rest.len()
                && !rest.as_bytes()[len].is_ascii_whitespace()
                && let Some(space) = rest[..len].rfind(|c: char| c.is_ascii_whitespace())
                && space > 0
            {
                len = space;
            }
            chunk += 1;
            records.push(format!("[{sequence}-{chunk}] {}", &rest[..len]));
            rest = &rest[len..];
        }
    }
    records
}

/// `2026-11-26 00:41:28.974 UTC` → `2026-11-26 00:41:28 UTC`.
fn seconds_only(log_time: &str) -> String {
    format!("{}{}", &log_time[..19], &log_time[23..])
}

/// `Nov 26 00:41:28`.
fn bsd_time(entry: &Entry) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month: usize = entry.log_time[5..7].parse().unwrap();
    let day: u32 = entry.log_time[8..10].parse().unwrap();
    format!("{} {day:>2} {}", MONTHS[month - 1], &entry.log_time[11..19])
}

/// `2026-11-26T00:41:28.974000+00:00` with `digits` of fraction (none when 0).
fn rfc3339(entry: &Entry, digits: usize, zone: &str) -> String {
    let time = &entry.log_time;
    let fraction = match digits {
        0 => String::new(),
        _ => format!(".{:0<digits$}", &time[20..23]),
    };
    format!("{}T{}{fraction}{zone}", &time[..10], &time[11..19])
}

fn micros(entry: &Entry) -> i64 {
    parse_timestamp(entry.log_time.as_bytes()).unwrap() * 1000
}

fn json(value: &str) -> String {
    serde_json::to_string(value).unwrap()
}

/// The Cloud Logging entries of an entry, Cloud SQL's prefix `[%p]: [%l-1] db=%d,user=%u `
/// in `textPayload`.
fn cloud_sql_objects(entry: &Entry, pretty: bool) -> Vec<String> {
    messages(entry)
        .into_iter()
        .enumerate()
        .map(|(index, (severity, text))| {
            let payload = format!(
                "[{}]: [{}-1] db={},user={} {severity}:  {}",
                entry.pid,
                entry.line_num,
                entry.database,
                entry.user,
                text.replace('\n', "\n\t")
            );
            let level = if severity == "ERROR" { "ERROR" } else { "INFO" };
            let object = serde_json::json!({
                "insertId": format!("s={};i={}-{index}", entry.session, entry.line_num),
                "logName": "projects/shop-prod/logs/cloudsql.googleapis.com%2Fpostgres.log",
                "receiveTimestamp": rfc3339(entry, 9, "Z"),
                "resource": {"labels": {"database_id": "shop-prod:shop-db", "project_id": "shop-prod", "region": "europe-west1"}, "type": "cloudsql_database"},
                "severity": level,
                "textPayload": payload,
                "timestamp": rfc3339(entry, 6, "Z"),
            });
            if pretty {
                let text = serde_json::to_string_pretty(&object).unwrap();
                text.lines().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n")
            } else {
                object.to_string()
            }
        })
        .collect()
}

/// Azure's records of an entry: the message with its detail, as the export carries them
/// (`prefix` is Azure's default `log_line_prefix`, `%t-%c-`, printed), then a record per
/// further severity line (HINT, CONTEXT, STATEMENT), which the export's fields do not hold.
fn azure_records(entry: &Entry) -> Vec<String> {
    let prefix = format!("{}-{}-", seconds_only(&entry.log_time), entry.session);
    let record = |level: &str, message: &str, detail: &str| {
        serde_json::json!({
            "time": rfc3339(entry, 7, "Z"),
            "resourceId": "/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/SHOP/PROVIDERS/MICROSOFT.DBFORPOSTGRESQL/FLEXIBLESERVERS/SHOP-DB",
            "category": "PostgreSQLLogs",
            "operationName": "LogEvent",
            "properties": {
                "prefix": prefix,
                "message": message,
                "detail": detail,
                "errorLevel": level,
                "domain": "postgres-15",
                "schemaName": "",
                "tableName": "",
                "columnName": "",
                "datatypeName": "",
                "processId": entry.pid.parse::<u64>().unwrap(),
                "sqlerrcode": entry.sqlstate,
            },
        })
        .to_string()
    };
    let mut records = vec![record(&entry.severity, &entry.message, &entry.detail)];
    for (level, text) in messages(entry).into_iter().skip(1) {
        if level != "DETAIL" {
            records.push(record(level, text, ""));
        }
    }
    records
}

fn cnpg_line(entry: &Entry) -> String {
    format!(
        "{{\"level\":\"info\",\"ts\":{}.{:06},\"logger\":\"postgres\",\"msg\":\"record\",\"logging_pod\":\"shop-1\",\"record\":{{\"log_time\":{},\"user_name\":{},\"database_name\":{},\"process_id\":{},\"connection_from\":{},\"session_id\":{},\"session_line_num\":{},\"session_start_time\":{},\"virtual_transaction_id\":{},\"transaction_id\":{},\"error_severity\":{},\"sql_state_code\":{},\"message\":{},\"detail\":{},\"hint\":{},\"context\":{},\"query\":{},\"application_name\":{},\"backend_type\":\"client backend\"}}}}",
        micros(entry) / 1_000_000,
        micros(entry) % 1_000_000,
        json(&entry.log_time),
        json(&entry.user),
        json(&entry.database),
        json(&entry.pid),
        json(&entry.remote),
        json(&entry.session),
        json(&entry.line_num),
        json(&entry.session_start),
        json(&entry.vxid),
        json(&entry.xid),
        json(&entry.severity),
        json(&entry.sqlstate),
        json(&entry.message),
        json(&entry.detail),
        json(&entry.hint),
        json(&entry.context),
        json(&entry.query),
        json(&entry.application),
    )
}

/// A line of the instance manager's own logger, as CloudNativePG interleaves them.
fn operator_line(entry: &Entry) -> String {
    format!(
        "{{\"level\":\"info\",\"ts\":{}.0,\"logger\":\"wal-archive\",\"msg\":\"Archived WAL file\",\"logging_pod\":\"shop-1\",\"walName\":\"pg_wal/000000010000000000000002\"}}",
        micros(entry) / 1_000_000
    )
}

fn journal_line(entry: &Entry, message: &str) -> String {
    serde_json::json!({
        "__REALTIME_TIMESTAMP": micros(entry).to_string(),
        "_HOSTNAME": "db1",
        "PRIORITY": "6",
        "SYSLOG_FACILITY": "16",
        "SYSLOG_IDENTIFIER": "postgres",
        "_PID": entry.pid,
        "_COMM": "postgres",
        "MESSAGE": message,
    })
    .to_string()
}
