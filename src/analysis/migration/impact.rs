//! How much a blocking statement matters: the table's size (statistics, `--table-rows`, or
//! created in this very file) and its traffic (from logs) turn a lock into a severity and an
//! estimate of how long the lock is held. This is what keeps `planwise check` quiet about
//! `CREATE INDEX` on a 20-row table and loud about the same statement on a busy one.

use super::StatementContext;
use super::locks::Work;
use crate::analysis::index::offline::column_width;
use crate::findings::LockMode;
use crate::findings::Severity;
use crate::model::catalog::QualifiedName;
use serde::Deserialize;

/// Where severities change (configurable in `planwise.toml`, `[check]`).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// Below this many rows a blocking statement is over before anyone notices: info.
    pub small_table_rows: f64,
    /// From this many rows on, a blocking statement is an outage: error.
    pub large_table_rows: f64,
    /// Logged statements per second on the table from which any blocking is an error.
    pub busy_table_calls_per_second: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            small_table_rows: 10_000.0,
            large_table_rows: 1_000_000.0,
            busy_table_calls_per_second: 100.0,
        }
    }
}

/// The width of a row assumed for a table the schema does not have but `--table-rows` sizes:
/// a few numbers, timestamps and short strings.
const ASSUMED_ROW_BYTES: f64 = 100.0;

/// What is known of a table's size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Size {
    /// Created earlier in the same file: empty.
    New,
    Rows {
        rows: f64,
        bytes: f64,
    },
    Unknown,
}

/// A statement's weight on one table: the severity it deserves and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Impact {
    pub severity: Severity,
    /// A sentence: the size, the traffic, the time the lock is held.
    pub explanation: String,
    /// The table's size and traffic alone.
    pub table_note: String,
}

impl StatementContext<'_> {
    pub fn size(&self, table: &QualifiedName) -> Size {
        if self.is_new(table) {
            return Size::New;
        }
        let rows_given = self.environment.table_rows;
        let given = rows_given
            .get(table)
            .or_else(|| rows_given.get(&QualifiedName::new("*", "*")))
            .copied();
        let Some(entry) = self.catalog.tables.get(table) else {
            return match given {
                Some(rows) => Size::Rows {
                    rows,
                    bytes: rows * ASSUMED_ROW_BYTES,
                },
                None => Size::Unknown,
            };
        };
        let stats = entry.stats.as_ref();
        let Some(rows) = given.or_else(|| stats.and_then(|s| s.rows)) else {
            return Size::Unknown;
        };
        let measured = stats
            .filter(|s| s.total_bytes > 0 && given.is_none())
            .map(|s| s.total_bytes as f64);
        let bytes = measured
            .unwrap_or_else(|| rows * (24.0 + entry.columns.iter().map(column_width).sum::<f64>()));
        Size::Rows { rows, bytes }
    }

    /// How much holding `lock` on `table` for `work` matters; `None` for a table created in
    /// this file (nobody can be waiting for it). Work that blocks writes on a table of unknown
    /// size is an error (it may take hours), unless the logs show nobody uses the table;
    /// `default` is the severity of a mere catalog change there.
    pub fn impact(
        &self,
        table: &QualifiedName,
        lock: LockMode,
        work: Work,
        default: Severity,
    ) -> Option<Impact> {
        let (traffic, traffic_note) = self.traffic(table);
        let blocking_work = lock.blocks_writes() && work != Work::Catalog;
        let (severity, size_note, lock_note) = match self.size(table) {
            Size::New => return None,
            Size::Rows { rows, bytes } => {
                let seconds = bytes / work.bytes_per_second();
                let held_long = blocking_work && seconds >= 1.0;
                (
                    self.severity_by_size(rows, seconds, work, held_long, traffic),
                    self.rows_note(table, rows, bytes),
                    held(lock, work, bytes),
                )
            }
            Size::Unknown => (
                match traffic {
                    Traffic::Busy => Severity::Error,
                    Traffic::Unused => default.min(Severity::Warning),
                    Traffic::Used | Traffic::NotLogged if blocking_work => Severity::Error,
                    Traffic::Used | Traffic::NotLogged => default,
                },
                self.unknown_size_note(table),
                format!("how long {} is held cannot be estimated", lock.as_str()),
            ),
        };
        Some(Impact {
            severity,
            explanation: format!("{size_note}: {lock_note}{traffic_note}"),
            table_note: format!("{size_note}{traffic_note}"),
        })
    }

    /// What the logs show of the table's traffic (any blocking of a busy table is an
    /// error), and what they show of it for the message.
    fn traffic(&self, table: &QualifiedName) -> (Traffic, String) {
        let usage = self.environment.usage;
        let traffic = usage
            .and_then(|usage| usage.table(table))
            .map(|t| (t.calls, t.calls_per_second));
        let level = match traffic {
            None if usage.is_some() => Traffic::Unused,
            None => Traffic::NotLogged,
            Some((_, rate)) if rate >= self.environment.thresholds.busy_table_calls_per_second => {
                Traffic::Busy
            }
            Some(_) => Traffic::Used,
        };
        let note = match traffic {
            Some((calls, rate)) => {
                format!("; the logs show {calls} statements on it ({rate:.1}/s)")
            }
            None if usage.is_some() => "; no logged statement touches it".into(),
            None => String::new(),
        };
        (level, note)
    }

    /// The severity of blocking a table of known size for `seconds`: an error on a busy or
    /// large table (unless the work is a mere catalog change), or when writes wait a second
    /// or more (`held_long`) on a table the logs do not show unused; info on a small table
    /// for under a second; a warning in between, and for a long block of a table no logged
    /// statement touches.
    fn severity_by_size(
        &self,
        rows: f64,
        seconds: f64,
        work: Work,
        held_long: bool,
        traffic: Traffic,
    ) -> Severity {
        let thresholds = &self.environment.thresholds;
        let large = rows >= thresholds.large_table_rows && work != Work::Catalog;
        if traffic == Traffic::Busy || large || (held_long && traffic != Traffic::Unused) {
            Severity::Error
        } else if rows < thresholds.small_table_rows && seconds < 1.0 {
            Severity::Info
        } else {
            Severity::Warning
        }
    }

    /// `public.orders has ~1.2M rows (96 MB)`, saying when the width of its rows is assumed.
    fn rows_note(&self, table: &QualifiedName, rows: f64, bytes: f64) -> String {
        let width = if self.is_assumed(table) {
            format!(
                ", at {ASSUMED_ROW_BYTES} B a row: it is not in the schema, which would give its \
                 columns"
            )
        } else {
            String::new()
        };
        format!(
            "{table} has ~{} rows ({}{width})",
            count(rows),
            bytes_text(bytes)
        )
    }

    /// What is said of a table whose size is not known, and how to give it.
    fn unknown_size_note(&self, table: &QualifiedName) -> String {
        if self.is_assumed(table) {
            self.assumed_table_note(table)
        } else {
            format!(
                "the size of {table} is unknown (read it with --db, a saved catalog or \
                 --table-rows)"
            )
        }
    }

    /// What is known of a table the schema does not have (see
    /// [`assumed_table`](StatementContext::assumed_table)): that it exists, no more.
    pub fn assumed_table_note(&self, table: &QualifiedName) -> String {
        let unknown = if self.environment.usage.is_some() {
            "size (--db, a saved catalog or --table-rows give it)"
        } else {
            "size and traffic (--db, a saved catalog or --table-rows give its size, --log its \
             traffic)"
        };
        format!("{table} is not in the schema: taken to be an existing table of unknown {unknown}")
    }

    /// The same for an index the schema does not have: even its table is unknown.
    pub fn assumed_index_note(&self, index: &impl std::fmt::Display) -> String {
        format!(
            "{index} is not in the schema: taken to be an existing index, on a table whose name, \
             size and traffic are unknown"
        )
    }
}

/// What the logs say of a table's traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Traffic {
    /// No logs were given.
    NotLogged,
    /// The logs were given and no statement touches the table.
    Unused,
    /// Logged statements touch it.
    Used,
    /// At `busy_table_calls_per_second` or more.
    Busy,
}

/// What holding `lock` for `work` on `bytes` of table means: the time it is held, or, for a
/// catalog change, the queue that forms while it waits.
fn held(lock: LockMode, work: Work, bytes: f64) -> String {
    if work == Work::Catalog {
        "the lock itself is brief, but every query on the table queues behind it while it waits"
            .into()
    } else {
        format!(
            "{} holds {} (blocking {}) for {}",
            work.as_str(),
            lock.as_str(),
            lock.blocks(),
            duration(bytes / work.bytes_per_second())
        )
    }
}

/// `1.2M`, `35k`, `870`.
pub fn count(value: f64) -> String {
    if value >= 1e9 {
        format!("{:.1}G", value / 1e9)
    } else if value >= 1e6 {
        format!("{:.1}M", value / 1e6)
    } else if value >= 1e4 {
        format!("{:.0}k", value / 1e3)
    } else {
        format!("{value:.0}")
    }
}

fn bytes_text(bytes: f64) -> String {
    if bytes >= 1e9 {
        format!("{:.1} GB", bytes / 1e9)
    } else if bytes >= 1e6 {
        format!("{:.0} MB", bytes / 1e6)
    } else {
        format!("{:.0} kB", (bytes / 1e3).max(1.0))
    }
}

/// `under a second`, `~40 s`, `~12 min`, `~2.5 h`: estimates, and said to be.
pub fn duration(seconds: f64) -> String {
    if seconds < 1.0 {
        "under a second".into()
    } else if seconds < 120.0 {
        format!("~{seconds:.0} s")
    } else if seconds < 7200.0 {
        format!("~{:.0} min", seconds / 60.0)
    } else {
        format!("~{:.1} h", seconds / 3600.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_counts_read_well() {
        assert_eq!(duration(0.2), "under a second");
        assert_eq!(duration(42.0), "~42 s");
        assert_eq!(duration(600.0), "~10 min");
        assert_eq!(duration(9000.0), "~2.5 h");
        assert_eq!(count(2_000_000.0), "2.0M");
        assert_eq!(count(35_000.0), "35k");
        assert_eq!(count(870.0), "870");
    }
}
