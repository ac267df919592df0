//! What a log says besides statements and their durations: temporary files, lock waits,
//! deadlocks, cancellations, autovacuum runs, checkpoints and connections.
//!
//! The workload-wide counts live in [`Events`], a part of the profile merged like the rest
//! of it (counts add up; per table, the later piece's last figures win). What one statement
//! caused is in its [`QueryEvents`], boxed in the query's stats: most statements never
//! spill or wait, and a profile of many distinct statements should not pay for the room.

use super::plans::{self, LoggedPlan};
use super::session::{SessionEdge, Sessions};
use super::time::Millis;
use super::workload::{Profile, Seen};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Events {
    /// `auto_explain` plans read.
    pub plans: u64,
    /// Every temporary file logged (`log_temp_files`).
    pub temp_files: TempFiles,
    /// Of those, the files no statement could be attached to: no `STATEMENT:` and no
    /// statement of the session before them in the log.
    pub unattributed_temp_files: TempFiles,
    /// `still waiting for … after …` entries (`log_lock_waits`).
    pub lock_waits: u64,
    /// `acquired … after …` entries, and the waits they report.
    pub locks_acquired: u64,
    pub lock_acquired_wait_us: u64,
    /// Who waited behind whom: the `still waiting` entries of a statement (by
    /// fingerprint) whose `DETAIL` named a process holding the lock, by the statement that
    /// process's session ran last before the wait (`None`: its session logged none).
    #[serde(with = "super::entries")]
    pub blocked_by: BTreeMap<(u64, Option<u64>), BlockedBy>,
    /// Holders whose session this piece of log shows nothing of before the wait: looked
    /// up in the piece before it when the two are merged. What is left once the whole log
    /// is merged were holders the log shows nothing of.
    pub unresolved_holders: Vec<UnresolvedHolder>,
    /// `deadlock detected` errors.
    pub deadlocks: u64,
    /// The two statements of each deadlock that logged them, by their fingerprints in
    /// order.
    #[serde(with = "super::entries")]
    pub deadlock_pairs: BTreeMap<(u64, u64), DeadlockPair>,
    pub cancellations: Cancellations,
    /// Autovacuum and autoanalyze runs by table (`log_autovacuum_min_duration`).
    pub autovacuum: BTreeMap<String, TableMaintenance>,
    pub checkpoints: Checkpoints,
    pub connections: Connections,
    /// The same events counted by when they happened (see [`Timeline`]).
    pub timeline: Timeline,
}

/// Temporary files: how many, their bytes, the largest.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct TempFiles {
    pub count: u64,
    pub bytes: u64,
    pub largest: u64,
}

impl TempFiles {
    pub fn add(&mut self, bytes: u64) {
        self.merge(TempFiles {
            count: 1,
            bytes,
            largest: bytes,
        });
    }

    pub fn merge(&mut self, other: TempFiles) {
        self.count += other.count;
        self.bytes = self.bytes.saturating_add(other.bytes);
        self.largest = self.largest.max(other.largest);
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// Why the server cancelled a statement (SQLSTATE 57014, or 55P03 for a lock timeout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancellation {
    StatementTimeout,
    LockTimeout,
    UserRequest,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Cancellations {
    pub statement_timeout: u64,
    pub lock_timeout: u64,
    pub user_request: u64,
}

impl Cancellations {
    pub fn add(&mut self, cancellation: Cancellation) {
        *match cancellation {
            Cancellation::StatementTimeout => &mut self.statement_timeout,
            Cancellation::LockTimeout => &mut self.lock_timeout,
            Cancellation::UserRequest => &mut self.user_request,
        } += 1;
    }

    fn merge(&mut self, other: Cancellations) {
        self.statement_timeout += other.statement_timeout;
        self.lock_timeout += other.lock_timeout;
        self.user_request += other.user_request;
    }

    pub fn total(&self) -> u64 {
        self.statement_timeout + self.lock_timeout + self.user_request
    }
}

/// One pair of statements that deadlocked, as the server's `DETAIL` printed them.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct DeadlockPair {
    pub count: u64,
    /// The normalized texts, in the order of the key's fingerprints.
    pub statements: [String; 2],
}

/// Lock waits of one statement behind another.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct BlockedBy {
    pub waits: u64,
    /// What the locks were on (`ShareLock on transaction`: a row the holder's transaction
    /// changed), each with its waits.
    pub locks: BTreeMap<String, u64>,
}

impl BlockedBy {
    fn add(&mut self, lock: &str) {
        self.waits += 1;
        match self.locks.get_mut(lock) {
            Some(count) => *count += 1,
            None => {
                self.locks.insert(lock.to_string(), 1);
            }
        }
    }

    fn merge(&mut self, other: BlockedBy) {
        self.waits += other.waits;
        for (lock, count) in other.locks {
            *self.locks.entry(lock).or_default() += count;
        }
    }
}

/// A lock wait whose holder's statement is not known yet (see `Events::unresolved_holders`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct UnresolvedHolder {
    pub waiter: u64,
    pub holder_pid: u32,
    pub lock: String,
}

/// What a lock holder's session tells of the statement it holds the lock in.
enum Holder {
    /// The statement it ran last (logged as it started, or completed), or `None` when
    /// the session is known to have logged none since it began.
    Known(Option<u64>),
    /// Not seen in this piece of log.
    Unseen,
}

/// The session whose backend is `pid`: keyed by the pid, or by a `%c` session id
/// (`hex start time.hex pid`). A pid reused by several `%c` sessions is the latest one
/// still open's.
fn session_of_pid(sessions: &Sessions, pid: u32) -> Option<&SessionEdge> {
    if let Some(edge) = sessions.get(pid.to_string().as_str()) {
        return Some(edge);
    }
    let hex_pid = format!("{pid:x}");
    sessions
        .iter()
        .filter_map(|(key, edge)| {
            let (start, key_pid) = key.split_once('.')?;
            let start = u64::from_str_radix(start, 16).ok()?;
            (key_pid == hex_pid).then_some(((!edge.ended, start), edge))
        })
        .max_by_key(|(order, _)| *order)
        .map(|(_, edge)| edge)
}

fn holder_in(sessions: &Sessions, pid: u32) -> Holder {
    let Some(edge) = session_of_pid(sessions, pid) else {
        return Holder::Unseen;
    };
    let statement = edge
        .pending
        .as_ref()
        .map(|pending| pending.fingerprint)
        .or(edge.last_statement);
    match statement {
        Some(statement) if !edge.ended => Holder::Known(Some(statement)),
        // A session that ended holds nothing: the holder is a later one under the pid.
        _ if edge.ended || edge.born => Holder::Known(None),
        _ => Holder::Unseen,
    }
}

/// What autovacuum is: a vacuum or an analyze.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Maintenance {
    Vacuum,
    Analyze,
}

/// One `automatic vacuum` / `automatic analyze` entry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MaintenanceRun {
    pub index_scans: u64,
    pub pages_removed: u64,
    pub tuples_removed: u64,
    pub tuples_remaining: Option<u64>,
    pub elapsed_ms: u64,
}

/// The autovacuum runs of one table.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct TableMaintenance {
    pub vacuums: u64,
    pub analyzes: u64,
    pub index_scans: u64,
    pub pages_removed: u64,
    pub tuples_removed: u64,
    /// Live tuples after the last vacuum seen.
    pub tuples_remaining: Option<u64>,
    pub elapsed_ms: u64,
    #[serde(flatten)]
    pub seen: Seen,
}

impl TableMaintenance {
    pub fn record(&mut self, kind: Maintenance, run: &MaintenanceRun, at: Option<Millis>) {
        match kind {
            Maintenance::Vacuum => self.vacuums += 1,
            Maintenance::Analyze => self.analyzes += 1,
        }
        self.index_scans += run.index_scans;
        self.pages_removed += run.pages_removed;
        self.tuples_removed += run.tuples_removed;
        self.tuples_remaining = run.tuples_remaining.or(self.tuples_remaining);
        self.elapsed_ms += run.elapsed_ms;
        self.seen.include(at);
    }

    fn merge(&mut self, later: TableMaintenance) {
        self.vacuums += later.vacuums;
        self.analyzes += later.analyzes;
        self.index_scans += later.index_scans;
        self.pages_removed += later.pages_removed;
        self.tuples_removed += later.tuples_removed;
        self.tuples_remaining = later.tuples_remaining.or(self.tuples_remaining);
        self.elapsed_ms += later.elapsed_ms;
        self.seen.merge(later.seen);
    }
}

/// What started a checkpoint (`checkpoint starting: …`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointCause {
    /// `checkpoint_timeout` elapsed.
    Time,
    /// WAL reached `max_wal_size`.
    Wal,
    /// Shutdown or end of recovery.
    Shutdown,
    /// A `CHECKPOINT` command, a base backup, `CREATE DATABASE`, …
    Requested,
}

/// One `checkpoint complete: …` entry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckpointDone {
    pub buffers: u64,
    pub write_ms: u64,
    pub sync_ms: u64,
    pub distance_kb: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Checkpoints {
    /// Checkpoints started, by cause.
    pub timed: u64,
    pub wal: u64,
    pub shutdown: u64,
    pub requested: u64,
    /// `checkpoint complete` entries and what they report.
    pub completed: u64,
    pub buffers: u64,
    pub write_ms: u64,
    pub sync_ms: u64,
    pub distance_kb: u64,
    /// The largest `distance` of them: the most WAL written between two checkpoints.
    pub largest_distance_kb: u64,
    /// `checkpoints are occurring too frequently (N seconds apart)` warnings, and their
    /// N summed.
    pub too_frequent: u64,
    pub too_frequent_seconds: u64,
}

impl Checkpoints {
    pub fn started(&mut self, cause: CheckpointCause) {
        *match cause {
            CheckpointCause::Time => &mut self.timed,
            CheckpointCause::Wal => &mut self.wal,
            CheckpointCause::Shutdown => &mut self.shutdown,
            CheckpointCause::Requested => &mut self.requested,
        } += 1;
    }

    pub fn completed(&mut self, done: &CheckpointDone) {
        self.completed += 1;
        self.buffers += done.buffers;
        self.write_ms += done.write_ms;
        self.sync_ms += done.sync_ms;
        self.distance_kb += done.distance_kb;
        self.largest_distance_kb = self.largest_distance_kb.max(done.distance_kb);
    }

    /// `checkpoint starting` entries, whatever their cause.
    pub fn starts(&self) -> u64 {
        self.timed + self.wal + self.shutdown + self.requested
    }

    /// A `checkpoints are occurring too frequently (N seconds apart)` warning.
    pub fn warned_too_frequent(&mut self, seconds_apart: u64) {
        self.too_frequent += 1;
        self.too_frequent_seconds += seconds_apart;
    }

    fn merge(&mut self, other: Checkpoints) {
        for (ours, theirs) in [
            (&mut self.timed, other.timed),
            (&mut self.wal, other.wal),
            (&mut self.shutdown, other.shutdown),
            (&mut self.requested, other.requested),
            (&mut self.completed, other.completed),
            (&mut self.buffers, other.buffers),
            (&mut self.write_ms, other.write_ms),
            (&mut self.sync_ms, other.sync_ms),
            (&mut self.distance_kb, other.distance_kb),
            (&mut self.too_frequent, other.too_frequent),
            (&mut self.too_frequent_seconds, other.too_frequent_seconds),
        ] {
            *ours += theirs;
        }
        self.largest_distance_kb = self.largest_distance_kb.max(other.largest_distance_kb);
    }
}

/// Upper bounds (ms) of `Connections::session_lengths` but the last: 100 ms, 1 s, 10 s,
/// 1 min, 10 min.
pub const SESSION_LENGTH_BOUNDS_MS: [u64; 5] = [100, 1_000, 10_000, 60_000, 600_000];

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Connections {
    /// `connection authorized` entries.
    pub authorized: u64,
    /// `disconnection` entries, their session times summed and by length.
    pub disconnections: u64,
    pub session_ms: u64,
    pub session_lengths: [u64; 6],
}

impl Connections {
    pub fn disconnected(&mut self, session_ms: Option<u64>) {
        self.disconnections += 1;
        if let Some(ms) = session_ms {
            self.session_ms += ms;
            let bucket = SESSION_LENGTH_BOUNDS_MS
                .iter()
                .take_while(|&&bound| ms >= bound)
                .count();
            self.session_lengths[bucket] += 1;
        }
    }

    fn merge(&mut self, other: Connections) {
        self.authorized += other.authorized;
        self.disconnections += other.disconnections;
        self.session_ms += other.session_ms;
        for (ours, theirs) in self.session_lengths.iter_mut().zip(other.session_lengths) {
            *ours += theirs;
        }
    }
}

/// What one statement caused.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct QueryEvents {
    /// `auto_explain` plans of the statement, and the slowest of them (at most
    /// `plans::KEPT_PLANS`).
    pub plans: u64,
    pub slowest_plans: Vec<LoggedPlan>,
    pub temp_files: TempFiles,
    /// `still waiting` entries of the statement, and the waits of its `acquired … after`.
    pub lock_waits: u64,
    pub locks_acquired: u64,
    pub lock_acquired_wait_us: u64,
    /// Times it was cancelled, by cause.
    pub cancellations: Cancellations,
    /// Deadlocks it was one of the two statements of.
    pub deadlocks: u64,
}

impl QueryEvents {
    pub const NONE: QueryEvents = QueryEvents {
        plans: 0,
        slowest_plans: Vec::new(),
        temp_files: TempFiles {
            count: 0,
            bytes: 0,
            largest: 0,
        },
        lock_waits: 0,
        locks_acquired: 0,
        lock_acquired_wait_us: 0,
        cancellations: Cancellations {
            statement_timeout: 0,
            lock_timeout: 0,
            user_request: 0,
        },
        deadlocks: 0,
    };

    pub fn merge(&mut self, other: &QueryEvents) {
        self.plans += other.plans;
        plans::keep_slowest(&mut self.slowest_plans, other.slowest_plans.iter().cloned());
        self.temp_files.merge(other.temp_files);
        self.lock_waits += other.lock_waits;
        self.locks_acquired += other.locks_acquired;
        self.lock_acquired_wait_us += other.lock_acquired_wait_us;
        self.cancellations.merge(other.cancellations);
        self.deadlocks += other.deadlocks;
    }
}

impl QueryEvents {
    /// Whether a plan that ran `duration_us` would be one of the slowest kept.
    pub fn keeps(&self, duration_us: u64) -> bool {
        plans::would_keep(&self.slowest_plans, duration_us)
    }

    /// A plan `auto_explain` logged for the statement, with its tree when it is kept (and
    /// could be read).
    pub fn plan_logged(&mut self, plan: Option<LoggedPlan>) {
        self.plans += 1;
        plans::keep_slowest(&mut self.slowest_plans, plan);
    }
}

impl Profile {
    /// What the statement with this fingerprint caused (its stats made on first sight, as
    /// for an error: the statement may have caused an event without being logged itself).
    pub fn query_events(&mut self, fingerprint: u64, normalized: &[u8]) -> &mut QueryEvents {
        self.stats_for(fingerprint, normalized).events_mut()
    }

    /// A `deadlock detected` error and the statements (fingerprint, normalized text) its
    /// `DETAIL` gave: each consecutive two of the cycle make a pair.
    pub fn deadlock(&mut self, statements: &[(u64, Vec<u8>)]) {
        self.events.deadlocks += 1;
        for (id, normalized) in statements {
            self.query_events(*id, normalized).deadlocks += 1;
        }
        let pairs = match statements.len() {
            0 | 1 => 0,
            2 => 1,
            n => n,
        };
        for at in 0..pairs {
            let (a, b) = (&statements[at], &statements[(at + 1) % statements.len()]);
            let (first, second) = if a.0 <= b.0 { (a, b) } else { (b, a) };
            let text = |normalized: &[u8]| String::from_utf8_lossy(normalized).into_owned();
            self.events
                .deadlock_pairs
                .entry((first.0, second.0))
                .or_insert_with(|| DeadlockPair {
                    count: 0,
                    statements: [text(&first.1), text(&second.1)],
                })
                .count += 1;
        }
    }

    /// A `still waiting` entry of the statement `waiter`, on `lock` (`lock_target`), held
    /// by the processes `holders`: each holder's session's statement blocked it.
    pub fn lock_wait_blocked(&mut self, waiter: u64, holders: &[u32], lock: &str) {
        for &holder_pid in holders {
            match holder_in(&self.sessions, holder_pid) {
                Holder::Known(statement) => self.events.blocked(waiter, statement, lock),
                Holder::Unseen => self.events.unresolved_holders.push(UnresolvedHolder {
                    waiter,
                    holder_pid,
                    lock: lock.to_string(),
                }),
            }
        }
    }

    /// The holders `later` (the piece right after this profile's) did not know, looked up
    /// in this profile's sessions as they are at its end: where the later piece begins.
    pub(crate) fn resolve_holders(&self, later: &mut Events) {
        let mut unresolved = Vec::new();
        for holder in std::mem::take(&mut later.unresolved_holders) {
            match holder_in(&self.sessions, holder.holder_pid) {
                Holder::Known(statement) => later.blocked(holder.waiter, statement, &holder.lock),
                Holder::Unseen => unresolved.push(holder),
            }
        }
        later.unresolved_holders = unresolved;
    }

    /// Temporary files of the statement with this fingerprint, if the profile knows it.
    pub(crate) fn attribute_temp_files(&mut self, fingerprint: Option<u64>, files: TempFiles) {
        match fingerprint.and_then(|id| self.queries.get_mut(&id)) {
            Some(stats) => stats.events_mut().temp_files.merge(files),
            None => self.events.unattributed_temp_files.merge(files),
        }
    }
}

impl Events {
    /// One wait of `waiter` on `lock`, held by a session that ran `holder` last.
    fn blocked(&mut self, waiter: u64, holder: Option<u64>, lock: &str) {
        self.blocked_by
            .entry((waiter, holder))
            .or_default()
            .add(lock);
    }

    pub fn merge(&mut self, other: Events) {
        self.plans += other.plans;
        self.temp_files.merge(other.temp_files);
        self.unattributed_temp_files
            .merge(other.unattributed_temp_files);
        self.lock_waits += other.lock_waits;
        self.locks_acquired += other.locks_acquired;
        self.lock_acquired_wait_us += other.lock_acquired_wait_us;
        for (key, blocked) in other.blocked_by {
            self.blocked_by.entry(key).or_default().merge(blocked);
        }
        self.unresolved_holders.extend(other.unresolved_holders);
        self.deadlocks += other.deadlocks;
        for (key, pair) in other.deadlock_pairs {
            let ours = self
                .deadlock_pairs
                .entry(key)
                .or_insert_with(|| DeadlockPair {
                    count: 0,
                    statements: pair.statements.clone(),
                });
            ours.count += pair.count;
        }
        self.cancellations.merge(other.cancellations);
        for (table, runs) in other.autovacuum {
            self.autovacuum.entry(table).or_default().merge(runs);
        }
        self.checkpoints.merge(other.checkpoints);
        self.connections.merge(other.connections);
        self.timeline.merge(other.timeline);
    }
}

/// One event as the timeline counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimedEvent {
    TempFile {
        bytes: u64,
    },
    /// A `still waiting for …` entry.
    LockWait,
    Deadlock,
    Cancellation,
    /// A completed checkpoint.
    Checkpoint,
    /// An autovacuum or autoanalyze run.
    Autovacuum,
    /// An authorized connection.
    Connection,
}

/// The events of one bucket of time.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct EventCounts {
    pub temp_files: u64,
    pub temp_bytes: u64,
    pub lock_waits: u64,
    pub deadlocks: u64,
    pub cancellations: u64,
    pub checkpoints: u64,
    pub autovacuum: u64,
    pub connections: u64,
}

impl EventCounts {
    fn add(&mut self, event: TimedEvent) {
        match event {
            TimedEvent::TempFile { bytes } => {
                self.temp_files += 1;
                self.temp_bytes = self.temp_bytes.saturating_add(bytes);
            }
            TimedEvent::LockWait => self.lock_waits += 1,
            TimedEvent::Deadlock => self.deadlocks += 1,
            TimedEvent::Cancellation => self.cancellations += 1,
            TimedEvent::Checkpoint => self.checkpoints += 1,
            TimedEvent::Autovacuum => self.autovacuum += 1,
            TimedEvent::Connection => self.connections += 1,
        }
    }

    pub fn merge(&mut self, other: &EventCounts) {
        for (ours, theirs) in [
            (&mut self.temp_files, other.temp_files),
            (&mut self.lock_waits, other.lock_waits),
            (&mut self.deadlocks, other.deadlocks),
            (&mut self.cancellations, other.cancellations),
            (&mut self.checkpoints, other.checkpoints),
            (&mut self.autovacuum, other.autovacuum),
            (&mut self.connections, other.connections),
        ] {
            *ours += theirs;
        }
        self.temp_bytes = self.temp_bytes.saturating_add(other.temp_bytes);
    }
}

/// The most buckets a timeline holds: past it, buckets are merged into wider ones, so a
/// timeline takes the same few kilobytes for a minute of log or a year of it.
pub const MAX_BUCKETS: usize = 120;

/// Bucket widths (ms), each a multiple of the one before, so that the buckets of a wider
/// width are whole buckets of a narrower one: 1 s, 5 s, 10 s, 30 s, 1 min, 5 min, 10 min,
/// 30 min, 1 h, 3 h, 6 h, 12 h, 1 day, 7 days; past that, four times wider each time.
const BUCKET_WIDTHS_MS: [i64; 14] = [
    1_000,
    5_000,
    10_000,
    30_000,
    60_000,
    300_000,
    600_000,
    1_800_000,
    3_600_000,
    10_800_000,
    21_600_000,
    43_200_000,
    86_400_000,
    604_800_000,
];

/// The width after `width`.
fn wider(width: i64) -> i64 {
    BUCKET_WIDTHS_MS
        .iter()
        .copied()
        .find(|&w| w > width)
        .unwrap_or(width.saturating_mul(4))
}

/// The log's events by when they happened, in buckets of one width, aligned on multiples of
/// it: what the reports chart. The width is the narrowest of `BUCKET_WIDTHS_MS` that holds
/// the events' span in `MAX_BUCKETS`, whatever order the events and the pieces of the log
/// come in (a piece read in parallel widens to what its own span needs, and merging widens
/// no further than the span of both needs). Events without a timestamp are only in the
/// totals.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Timeline {
    /// Width of a bucket in ms (0 while empty).
    pub width_ms: i64,
    /// Start of the first bucket: a multiple of the width.
    pub start: Millis,
    pub buckets: Vec<EventCounts>,
}

impl Timeline {
    pub fn record(&mut self, at: Option<Millis>, event: TimedEvent) {
        if let Some(at) = at {
            self.bucket_at(at).add(event);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }

    /// Where the last bucket ends.
    pub fn end(&self) -> Millis {
        self.start + self.width_ms * self.buckets.len() as i64
    }

    /// The start of each bucket and its counts.
    pub fn iter(&self) -> impl Iterator<Item = (Millis, &EventCounts)> {
        (self.start..)
            .step_by(self.width_ms.max(1) as usize)
            .zip(&self.buckets)
    }

    /// The bucket `at` falls in, widening the buckets or adding empty ones for it.
    fn bucket_at(&mut self, at: Millis) -> &mut EventCounts {
        if self.buckets.is_empty() {
            self.width_ms = self.width_ms.max(BUCKET_WIDTHS_MS[0]);
            self.start = at.div_euclid(self.width_ms) * self.width_ms;
            self.buckets.push(EventCounts::default());
        }
        self.cover(at, at);
        let index = (at - self.start).div_euclid(self.width_ms);
        &mut self.buckets[index as usize]
    }

    /// Widens the buckets until `first..=last` and what they hold fit in `MAX_BUCKETS`, then
    /// adds the empty buckets from `first` to `last`.
    fn cover(&mut self, first: Millis, last: Millis) {
        let span = |width: i64, start: Millis, end: Millis| {
            let from = start.min(first).div_euclid(width);
            let to = (end - 1).max(last).div_euclid(width);
            (from, to)
        };
        loop {
            let (from, to) = span(self.width_ms, self.start, self.end());
            if to - from < MAX_BUCKETS as i64 {
                let before = self.start.div_euclid(self.width_ms) - from;
                let after = to - (self.end() - 1).div_euclid(self.width_ms);
                self.buckets.splice(
                    0..0,
                    std::iter::repeat_n(EventCounts::default(), before as usize),
                );
                let len = self.buckets.len() + after as usize;
                self.buckets.resize(len, EventCounts::default());
                self.start = from * self.width_ms;
                return;
            }
            self.widen_to(wider(self.width_ms));
        }
    }

    /// The same events in buckets `width` wide (a multiple of the present width).
    fn widen_to(&mut self, width: i64) {
        let start = self.start.div_euclid(width) * width;
        let mut buckets: Vec<EventCounts> = Vec::new();
        for (at, counts) in self.iter() {
            let index = ((at - start) / width) as usize;
            if buckets.len() <= index {
                buckets.resize(index + 1, EventCounts::default());
            }
            buckets[index].merge(counts);
        }
        (self.width_ms, self.start, self.buckets) = (width, start, buckets);
    }

    pub fn merge(&mut self, other: Timeline) {
        if other.is_empty() {
            return;
        }
        if self.is_empty() {
            *self = other;
            return;
        }
        while self.width_ms < other.width_ms {
            self.widen_to(wider(self.width_ms));
        }
        for (at, counts) in other.iter() {
            self.bucket_at(at).merge(counts);
        }
    }

    /// The timeline widened until it has at most `most` buckets, over at least
    /// `first..=last` (the log's span: the quiet times before and after the events are
    /// buckets too).
    pub fn shown(&self, first: Millis, last: Millis, most: usize) -> Timeline {
        let mut shown = self.clone();
        if shown.is_empty() {
            return shown;
        }
        shown.cover(first.min(shown.start), last.max(shown.end() - 1));
        while shown.buckets.len() > most.max(1) {
            shown.widen_to(wider(shown.width_ms));
        }
        shown
    }

    /// The events of all buckets.
    pub fn total(&self) -> EventCounts {
        let mut total = EventCounts::default();
        for counts in &self.buckets {
            total.merge(counts);
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeline_of(events: &[(Millis, TimedEvent)]) -> Timeline {
        let mut timeline = Timeline::default();
        for &(at, event) in events {
            timeline.record(Some(at), event);
        }
        timeline
    }

    #[test]
    fn a_timeline_counts_events_in_aligned_buckets_of_the_narrowest_width_that_fits() {
        let timeline = timeline_of(&[
            (10_500, TimedEvent::Connection),
            (12_999, TimedEvent::TempFile { bytes: 100 }),
            (12_000, TimedEvent::TempFile { bytes: 50 }),
            (9_000, TimedEvent::LockWait),
        ]);
        assert_eq!((timeline.width_ms, timeline.start), (1_000, 9_000));
        let counts: Vec<_> = timeline
            .buckets
            .iter()
            .map(|c| (c.connections, c.temp_files, c.temp_bytes, c.lock_waits))
            .collect();
        assert_eq!(
            counts,
            [(0, 0, 0, 1), (1, 0, 0, 0), (0, 0, 0, 0), (0, 2, 150, 0)]
        );
        // 200 s do not fit in 120 one-second buckets: 5 s ones do.
        let wide = timeline_of(&[
            (0, TimedEvent::Checkpoint),
            (200_000, TimedEvent::Checkpoint),
        ]);
        assert_eq!((wide.width_ms, wide.buckets.len()), (5_000, 41));
        assert_eq!(wide.buckets[40].checkpoints, 1);
        // A year of log stays within the bound.
        let year = timeline_of(&[
            (0, TimedEvent::Deadlock),
            (365 * 86_400_000, TimedEvent::Deadlock),
        ]);
        assert!(year.buckets.len() <= MAX_BUCKETS, "{}", year.buckets.len());
        assert_eq!(year.width_ms, 7 * 86_400_000);
        assert_eq!(year.total().deadlocks, 2);
    }

    #[test]
    fn pieces_of_a_timeline_merge_to_the_timeline_of_the_whole_in_any_order() {
        // Events over three hours, unevenly: what pieces read in parallel would see.
        let events: Vec<(Millis, TimedEvent)> = (0..300)
            .map(|i: i64| {
                let at = 1_700_000_000_000 + (i * i * 97_531) % 10_800_000;
                let event = match i % 3 {
                    0 => TimedEvent::Connection,
                    1 => TimedEvent::TempFile { bytes: i as u64 },
                    _ => TimedEvent::Cancellation,
                };
                (at, event)
            })
            .collect();
        let whole = timeline_of(&events);
        assert!(whole.buckets.len() <= MAX_BUCKETS);
        for pieces in [2, 3, 7, 50] {
            let parts: Vec<Timeline> = events
                .chunks(events.len() / pieces)
                .map(timeline_of)
                .collect();
            let mut forward = Timeline::default();
            for part in parts.iter().cloned() {
                forward.merge(part);
            }
            let mut backward = Timeline::default();
            for part in parts.into_iter().rev() {
                backward.merge(part);
            }
            assert_eq!(forward, whole, "{pieces} pieces");
            assert_eq!(backward, whole, "{pieces} pieces, the last first");
        }
    }

    #[test]
    fn a_shown_timeline_spans_the_log_in_few_buckets() {
        let timeline = timeline_of(&[(65_000, TimedEvent::Checkpoint)]);
        let shown = timeline.shown(0, 299_999, 60);
        assert_eq!(
            (shown.width_ms, shown.start, shown.buckets.len()),
            (5_000, 0, 60)
        );
        assert_eq!(shown.buckets[13].checkpoints, 1);
        assert_eq!(shown.total(), timeline.total());
        assert!(Timeline::default().shown(0, 10, 60).is_empty());
    }

    #[test]
    fn session_lengths_fall_in_their_decades() {
        let mut connections = Connections::default();
        for ms in [5, 100, 999, 1_000, 59_999, 600_000] {
            connections.disconnected(Some(ms));
        }
        connections.disconnected(None);
        assert_eq!(connections.session_lengths, [1, 2, 1, 1, 0, 1]);
        assert_eq!(connections.disconnections, 7);
    }

    #[test]
    fn the_later_piece_tells_the_tuples_remaining() {
        let (mut first, mut later) = (TableMaintenance::default(), TableMaintenance::default());
        let run = |remaining| MaintenanceRun {
            tuples_remaining: remaining,
            tuples_removed: 10,
            ..MaintenanceRun::default()
        };
        first.record(Maintenance::Vacuum, &run(Some(100)), Some(1));
        later.record(Maintenance::Analyze, &run(None), Some(2));
        first.merge(later.clone());
        assert_eq!(first.tuples_remaining, Some(100));
        assert_eq!(
            (first.vacuums, first.analyzes, first.tuples_removed),
            (1, 1, 20)
        );
        later.record(Maintenance::Vacuum, &run(Some(7)), Some(3));
        first.merge(later);
        assert_eq!(first.tuples_remaining, Some(7));
    }
}
