//! The server's own messages about what happened besides statements — temporary files,
//! lock waits, deadlocks, cancellations, autovacuum, checkpoints, connections — read into
//! typed events. Every format carries the same message text (stderr, csvlog, jsonlog and
//! the hosted ones), so this is the one place they are read; `record` accounts them.
//!
//! The texts are PostgreSQL 15's with `lc_messages = 'C'` (English): a translated log's
//! events are not recognised and count as nothing, as its other messages do.

use super::record::parse_millis_as_micros;
use crate::model::events::{
    Cancellation, CheckpointCause, CheckpointDone, Maintenance, MaintenanceRun, TimedEvent,
};

/// A `LOG` message that tells an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// `temporary file: path "…", size N` (`log_temp_files`), logged when the file is
    /// deleted: with its `STATEMENT:`, or (extended protocol) right after its statement.
    TempFile {
        bytes: u64,
    },
    /// `process N still waiting for ShareLock on transaction 7 after 100.1 ms`: the lock
    /// (`ShareLock on transaction 7`); its `DETAIL` names the holders ([`lock_holders`]).
    LockWaiting {
        lock: &'a str,
    },
    /// `process N acquired ShareLock on … after 1136.5 ms`.
    LockAcquired {
        waited_us: u64,
    },
    /// `automatic vacuum of table "db.schema.table": …` / `automatic analyze of table …`.
    Autovacuum {
        kind: Maintenance,
        table: &'a str,
        run: MaintenanceRun,
    },
    CheckpointStarting(CheckpointCause),
    CheckpointComplete(CheckpointDone),
    /// `checkpoints are occurring too frequently (N seconds apart)`.
    CheckpointsTooFrequent {
        seconds_apart: u64,
    },
}

impl Event<'_> {
    /// The event as the timeline counts it, if it does: the start of a checkpoint and
    /// the acquisition of a lock repeat an event it has.
    pub fn timed(&self) -> Option<TimedEvent> {
        match *self {
            Event::TempFile { bytes } => Some(TimedEvent::TempFile { bytes }),
            Event::LockWaiting { .. } => Some(TimedEvent::LockWait),
            Event::Autovacuum { .. } => Some(TimedEvent::Autovacuum),
            Event::CheckpointComplete(_) => Some(TimedEvent::Checkpoint),
            Event::LockAcquired { .. }
            | Event::CheckpointStarting(_)
            | Event::CheckpointsTooFrequent { .. } => None,
        }
    }
}

/// The event a `LOG` message tells, if it tells one.
pub fn read(message: &str) -> Option<Event<'_>> {
    match message.as_bytes().first()? {
        b't' => temp_file(message),
        b'p' => lock(message),
        b'a' => autovacuum(message),
        b'c' => checkpoint(message),
        _ => None,
    }
}

fn temp_file(message: &str) -> Option<Event<'_>> {
    let rest = message.strip_prefix("temporary file: path \"")?;
    let (_path, size) = rest.rsplit_once("\", size ")?;
    Some(Event::TempFile {
        bytes: size.parse().ok()?,
    })
}

fn lock(message: &str) -> Option<Event<'_>> {
    let rest = message.strip_prefix("process ")?;
    let (_pid, rest) = rest.split_once(' ')?;
    if let Some(waiting) = rest.strip_prefix("still waiting for ") {
        let (lock, _) = waiting.rsplit_once(" after ")?;
        return Some(Event::LockWaiting { lock });
    }
    if rest.starts_with("acquired ") {
        let (_, after) = rest.rsplit_once(" after ")?;
        let waited_us = parse_millis_as_micros(after.strip_suffix(" ms")?)?;
        return Some(Event::LockAcquired { waited_us });
    }
    None
}

fn autovacuum(message: &str) -> Option<Event<'_>> {
    let rest = message.strip_prefix("automatic ")?;
    let rest = rest.strip_prefix("aggressive ").unwrap_or(rest);
    let (kind, rest) = if let Some(rest) = rest.strip_prefix("vacuum ") {
        (Maintenance::Vacuum, rest)
    } else {
        (Maintenance::Analyze, rest.strip_prefix("analyze ")?)
    };
    let rest = rest.strip_prefix("to prevent wraparound ").unwrap_or(rest);
    let rest = rest.strip_prefix("of table \"")?;
    let (table, details) = rest.split_once('"')?;
    let mut run = MaintenanceRun::default();
    for line in details.lines() {
        let line = line.trim_start_matches([':', ' ', '\t']);
        if let Some(scans) = line.strip_prefix("index scans: ") {
            run.index_scans = scans.parse().ok()?;
        } else if let Some(pages) = line.strip_prefix("pages: ") {
            run.pages_removed = leading_number(pages)?;
        } else if let Some(tuples) = line.strip_prefix("tuples: ") {
            run.tuples_removed = leading_number(tuples)?;
            let (_, remaining) = tuples.split_once(" removed, ")?;
            run.tuples_remaining = Some(leading_number(remaining)?);
        } else if let Some((_, elapsed)) = line.split_once("elapsed: ") {
            run.elapsed_ms = parse_millis_as_micros(elapsed.strip_suffix(" s")?)?;
        }
    }
    Some(Event::Autovacuum { kind, table, run })
}

fn checkpoint(message: &str) -> Option<Event<'_>> {
    if let Some(flags) = message.strip_prefix("checkpoint starting: ") {
        let has = |flag: &str| flags.split(' ').any(|f| f == flag);
        let cause = if has("shutdown") || has("end-of-recovery") {
            CheckpointCause::Shutdown
        } else if has("wal") {
            CheckpointCause::Wal
        } else if has("time") {
            CheckpointCause::Time
        } else {
            CheckpointCause::Requested
        };
        return Some(Event::CheckpointStarting(cause));
    }
    if let Some(figures) = message.strip_prefix("checkpoint complete: ") {
        return checkpoint_complete(figures).map(Event::CheckpointComplete);
    }
    let apart = message.strip_prefix("checkpoints are occurring too frequently (")?;
    Some(Event::CheckpointsTooFrequent {
        seconds_apart: leading_number(apart)?,
    })
}

/// `wrote 378 buffers (2.3%); 0 WAL file(s) added, …; write=0.217 s, sync=0.101 s, …;
/// distance=8782 kB, estimate=8782 kB`.
fn checkpoint_complete(figures: &str) -> Option<CheckpointDone> {
    let seconds = |name: &str| -> Option<u64> {
        let (_, rest) = figures.split_once(name)?;
        parse_millis_as_micros(rest.split(" s").next()?)
    };
    let (_, distance) = figures.split_once("distance=")?;
    Some(CheckpointDone {
        buffers: leading_number(figures.strip_prefix("wrote ")?)?,
        write_ms: seconds("write=")?,
        sync_ms: seconds("sync=")?,
        distance_kb: leading_number(distance)?,
    })
}

/// The processes holding the lock a `still waiting` entry waits for, from its `DETAIL`:
/// `Process holding the lock: 4732. Wait queue: 4738.` or `Processes holding the lock:
/// 1, 2. Wait queue: 3.`
pub fn lock_holders(detail: &str) -> Vec<u32> {
    let Some(rest) = detail
        .strip_prefix("Process holding the lock: ")
        .or_else(|| detail.strip_prefix("Processes holding the lock: "))
    else {
        return Vec::new();
    };
    let (holders, _) = rest.split_once('.').unwrap_or((rest, ""));
    holders
        .split(", ")
        .filter_map(|pid| pid.trim().parse().ok())
        .collect()
}

/// What a lock is on, without the numbers that differ from wait to wait:
/// `ShareLock on transaction 836` → `ShareLock on transaction`, `AccessExclusiveLock on
/// relation 16397 of database 16384` → `AccessExclusiveLock on relation 16397`,
/// `ExclusiveLock on tuple (0,1) of relation 16397 of database 16384` → `ExclusiveLock on
/// tuple of relation 16397`, `ExclusiveLock on advisory lock [16384,0,1,1]` →
/// `ExclusiveLock on advisory lock`.
pub fn lock_target(lock: &str) -> String {
    let Some((mode, object)) = lock.split_once(" on ") else {
        return lock.to_string();
    };
    let object = object.split(" of database ").next().unwrap_or(object);
    let object = if object.starts_with("transaction ") {
        "transaction".to_string()
    } else if object.starts_with("virtual transaction ") {
        "virtual transaction".to_string()
    } else if object.starts_with("advisory lock ") {
        "advisory lock".to_string()
    } else if let Some(rest) = object.strip_prefix("tuple ") {
        match rest.split_once(" of ") {
            Some((_, relation)) => format!("tuple of {relation}"),
            None => "tuple".to_string(),
        }
    } else {
        object.to_string()
    };
    format!("{mode} on {object}")
}

/// The digits `text` starts with.
fn leading_number(text: &str) -> Option<u64> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    text[..digits].parse().ok()
}

/// `disconnection: session time: 0:00:01.529 user=…` → the session's length in ms.
pub fn session_ms(message: &str) -> Option<u64> {
    let rest = message.strip_prefix("disconnection: session time: ")?;
    let time = rest.split(' ').next()?;
    let (hours, rest) = time.split_once(':')?;
    let (minutes, seconds) = rest.split_once(':')?;
    let hours: u64 = hours.parse().ok()?;
    let minutes: u64 = minutes.parse().ok()?;
    let ms = parse_millis_as_micros(seconds)?;
    Some((hours * 60 + minutes) * 60_000 + ms)
}

/// Why an `ERROR` cancelled its statement, if it was cancelled.
pub fn cancellation(message: &str) -> Option<Cancellation> {
    let reason = message.strip_prefix("canceling statement due to ")?;
    match reason {
        "statement timeout" => Some(Cancellation::StatementTimeout),
        "lock timeout" => Some(Cancellation::LockTimeout),
        "user request" => Some(Cancellation::UserRequest),
        _ => None,
    }
}

/// The statements of a `deadlock detected` error's `DETAIL`: after the `Process N waits
/// for …` lines, one `Process N: statement` per process of the cycle (a statement's own
/// further lines follow it).
pub fn deadlock_statements(detail: &str) -> Vec<String> {
    let mut statements: Vec<String> = Vec::new();
    let mut in_statement = false;
    for line in detail.lines() {
        let process_statement = line
            .strip_prefix("Process ")
            .and_then(|rest| rest.split_once(": "))
            .filter(|(pid, _)| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()));
        match process_statement {
            Some((_, statement)) => {
                statements.push(statement.to_string());
                in_statement = true;
            }
            None if in_statement => {
                if let Some(last) = statements.last_mut() {
                    last.push('\n');
                    last.push_str(line);
                }
            }
            None => {}
        }
    }
    statements
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_events_of_a_real_log() {
        assert_eq!(
            read("temporary file: path \"base/pgsql_tmp/pgsql_tmp15258.0\", size 155648"),
            Some(Event::TempFile { bytes: 155_648 })
        );
        assert_eq!(
            read("process 15284 still waiting for ShareLock on transaction 836 after 100.099 ms"),
            Some(Event::LockWaiting {
                lock: "ShareLock on transaction 836"
            })
        );
        assert_eq!(
            read("process 15284 acquired ShareLock on transaction 836 after 1136.481 ms"),
            Some(Event::LockAcquired {
                waited_us: 1_136_481
            })
        );
        assert_eq!(
            read(
                "process 15456 detected deadlock while waiting for ShareLock on transaction 843 after 100.124 ms"
            ),
            None
        );
        assert_eq!(
            read("checkpoint starting: immediate force wait"),
            Some(Event::CheckpointStarting(CheckpointCause::Requested))
        );
        assert_eq!(
            read("checkpoint starting: shutdown immediate"),
            Some(Event::CheckpointStarting(CheckpointCause::Shutdown))
        );
        assert_eq!(
            read(
                "checkpoint complete: wrote 378 buffers (2.3%); 0 WAL file(s) added, 1 removed, 0 recycled; write=0.217 s, sync=0.101 s, total=0.347 s; sync files=41, longest=0.019 s, average=0.003 s; distance=8782 kB, estimate=8782 kB"
            ),
            Some(Event::CheckpointComplete(CheckpointDone {
                buffers: 378,
                write_ms: 217,
                sync_ms: 101,
                distance_kb: 8782
            }))
        );
        assert_eq!(
            read("checkpoints are occurring too frequently (14 seconds apart)"),
            Some(Event::CheckpointsTooFrequent { seconds_apart: 14 })
        );
        assert_eq!(read("connection received: host=[local]"), None);
    }

    #[test]
    fn reads_an_autovacuum_entry_with_its_lines() {
        let message = "automatic vacuum of table \"shop.public.order_items\": index scans: 1\npages: 0 removed, 40 remain, 40 scanned (100.00% of total)\ntuples: 2044 removed, 4089 remain, 0 are dead but not yet removable\nsystem usage: CPU: user: 0.00 s, system: 0.00 s, elapsed: 1.25 s";
        assert_eq!(
            read(message),
            Some(Event::Autovacuum {
                kind: Maintenance::Vacuum,
                table: "shop.public.order_items",
                run: MaintenanceRun {
                    index_scans: 1,
                    pages_removed: 0,
                    tuples_removed: 2044,
                    tuples_remaining: Some(4089),
                    elapsed_ms: 1250,
                },
            })
        );
        assert!(matches!(
            read(
                "automatic aggressive vacuum to prevent wraparound of table \"d.pg_catalog.pg_depend\": index scans: 0"
            ),
            Some(Event::Autovacuum {
                kind: Maintenance::Vacuum,
                table: "d.pg_catalog.pg_depend",
                ..
            })
        ));
        assert!(matches!(
            read("automatic analyze of table \"shop.public.orders\""),
            Some(Event::Autovacuum {
                kind: Maintenance::Analyze,
                ..
            })
        ));
    }

    #[test]
    fn reads_who_holds_a_lock_and_what_it_is_on() {
        assert_eq!(
            lock_holders("Process holding the lock: 4732. Wait queue: 4738."),
            [4732]
        );
        assert_eq!(
            lock_holders("Processes holding the lock: 11, 12. Wait queue: 13, 14."),
            [11, 12]
        );
        assert_eq!(
            lock_holders("Process holding the lock: 4847. Wait queue: ."),
            [4847]
        );
        assert!(lock_holders("parameters: $1 = '1'").is_empty());
        for (lock, target) in [
            ("ShareLock on transaction 836", "ShareLock on transaction"),
            (
                "ExclusiveLock on virtual transaction 4/12",
                "ExclusiveLock on virtual transaction",
            ),
            (
                "AccessExclusiveLock on relation 16397 of database 16384",
                "AccessExclusiveLock on relation 16397",
            ),
            (
                "ExclusiveLock on tuple (0,1) of relation 16397 of database 16384",
                "ExclusiveLock on tuple of relation 16397",
            ),
            (
                "ExclusiveLock on advisory lock [16384,0,1,1]",
                "ExclusiveLock on advisory lock",
            ),
        ] {
            assert_eq!(lock_target(lock), target);
        }
    }

    #[test]
    fn reads_sessions_cancellations_and_deadlocks() {
        assert_eq!(
            session_ms("disconnection: session time: 1:02:03.456 user=app database=shop"),
            Some(3_723_456)
        );
        assert_eq!(
            cancellation("canceling statement due to lock timeout"),
            Some(Cancellation::LockTimeout)
        );
        assert_eq!(cancellation("canceling autovacuum task"), None);
        let detail = "Process 1 waits for ShareLock on transaction 843; blocked by process 2.\nProcess 2 waits for ShareLock on transaction 842; blocked by process 1.\nProcess 1: UPDATE t SET a = 1\n  WHERE id = 6;\nProcess 2: UPDATE t SET a = 1 WHERE id = 5;";
        assert_eq!(
            deadlock_statements(detail),
            [
                "UPDATE t SET a = 1\n  WHERE id = 6;",
                "UPDATE t SET a = 1 WHERE id = 5;"
            ]
        );
    }
}
