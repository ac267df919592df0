//! Sessions: pairing what a server logs in pieces, and the back-to-back runs of one
//! fingerprint that reveal N+1 loops.
//!
//! Per session (a backend's `%c` or pid) the profile keeps only the state that is still
//! open at the ends of the piece of log it covers:
//! - `head`: `duration:` lines that came before any statement of the session in this piece
//!   (with `log_duration`, they belong to a statement logged in the piece before);
//! - `pending`: a statement logged without its duration, waiting for it;
//! - `first_run` / `last_run`: the runs of one fingerprint that touch the piece's edges,
//!   which may continue across them. Runs wholly inside are folded into `loops` at once.
//!
//! Stitching two pieces closes what meets at the seam, so merging the profiles of two
//! consecutive pieces gives the profile of the whole.
//!
//! With `log_connections` / `log_disconnections` on, a session seen to start (`born`) and to
//! end in the profile is closed at once and forgotten, so memory follows the sessions open at
//! a time rather than all the sessions of the log. A new connection under a session key still
//! in use (a reused pid) closes the old one.

use super::events::TempFiles;
use super::time::Millis;
use super::workload::{Call, Origin, Profile};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Open sessions by key. Every logged statement looks its session up, so the map is hashed
/// (a sorted map compared strings a few times per lookup); it is saved, merged and closed in
/// key order, so its own order never shows.
pub type Sessions = HashMap<String, SessionEdge, foldhash::fast::FixedState>;

/// The sessions sorted by key.
pub(crate) fn in_key_order(sessions: Sessions) -> Vec<(String, SessionEdge)> {
    let mut sessions: Vec<_> = sessions.into_iter().collect();
    sessions.sort_unstable_by(|(a, _), (b, _)| a.cmp(b));
    sessions
}

/// Serde helper: `Sessions` written as an object in key order.
pub(crate) mod by_key {
    use super::{SessionEdge, Sessions};
    use serde::{Deserialize, Deserializer, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<S: Serializer>(sessions: &Sessions, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(sessions.iter().collect::<BTreeMap<_, _>>())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Sessions, D::Error> {
        Ok(BTreeMap::<String, SessionEdge>::deserialize(deserializer)?
            .into_iter()
            .collect())
    }
}

/// Distinct value sets remembered per run: enough to tell "same values" from "many".
const VALUE_SETS_KEPT: usize = 8;

/// (the fingerprint run just before, the fingerprint repeated); `None` before = session start.
pub type LoopKey = (Option<u64>, u64);

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SessionEdge {
    /// The connection was seen to start in this piece: nothing before it belongs to it.
    #[serde(default)]
    pub born: bool,
    /// The disconnection was seen.
    #[serde(default)]
    pub ended: bool,
    /// An earlier session under the same key that reached this piece from the one before it
    /// and ended here: kept until it is stitched to its start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Box<SessionEdge>>,
    pub head: Vec<HeadDuration>,
    /// Whether anything but head durations was seen.
    pub started: bool,
    pub pending: Option<PendingStatement>,
    pub first_run: Option<Run>,
    pub last_run: Option<Run>,
    /// The last statement the session completed or failed in this piece: a temporary file
    /// logged without its `STATEMENT:` is this one's (the extended protocol closes a
    /// portal, and deletes its files, after the execute's `duration:` line; a cancelled
    /// statement's are deleted after its `ERROR`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_statement: Option<u64>,
    /// Temporary files logged before any statement of the session in this piece: the
    /// last statement's of the piece before.
    #[serde(default, skip_serializing_if = "TempFiles::is_empty")]
    pub head_temp_files: TempFiles,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HeadDuration {
    pub us: u64,
    pub at: Option<Millis>,
}

/// A statement logged on its own (`log_statement`), whose `duration:` comes later.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingStatement {
    pub fingerprint: u64,
    pub normalized: String,
    pub statement: String,
    pub parameters: Option<String>,
    pub values_hash: u64,
    #[serde(default)]
    pub offset: Option<u64>,
    pub at: Option<Millis>,
    pub database: Option<String>,
    pub user: Option<String>,
    pub application: Option<String>,
    pub file: Option<String>,
    pub line: u64,
}

impl PendingStatement {
    pub fn from_call(call: &Call<'_>) -> Self {
        PendingStatement {
            fingerprint: call.fingerprint,
            normalized: String::from_utf8_lossy(call.normalized).into_owned(),
            statement: call.statement.to_string(),
            parameters: call.parameters.map(str::to_string),
            values_hash: call.values_hash,
            offset: call.offset,
            at: call.at,
            database: call.origin.database.map(str::to_string),
            user: call.origin.user.map(str::to_string),
            application: call.origin.application.map(str::to_string),
            file: call.location.map(|(file, _)| file.to_string()),
            line: call.location.map_or(0, |(_, line)| line),
        }
    }

    fn call(&self, duration_us: Option<u64>) -> Call<'_> {
        Call {
            fingerprint: self.fingerprint,
            normalized: self.normalized.as_bytes(),
            statement: &self.statement,
            parameters: self.parameters.as_deref(),
            values_hash: self.values_hash,
            offset: self.offset,
            duration_us,
            at: self.at,
            origin: Origin {
                database: self.database.as_deref(),
                user: self.user.as_deref(),
                application: self.application.as_deref(),
            },
            location: self.file.as_deref().map(|file| (file, self.line)),
        }
    }
}

/// Consecutive executions of one fingerprint in one session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Run {
    pub fingerprint: u64,
    /// What the session ran just before; `None` at the session's start (or, for a piece's
    /// first run, not known yet).
    pub parent: Option<u64>,
    pub calls: u64,
    pub total_us: u64,
    pub first_at: Option<Millis>,
    pub last_at: Option<Millis>,
    /// Distinct value hashes, sorted, at most `VALUE_SETS_KEPT`.
    pub value_sets: Vec<u64>,
}

impl Run {
    fn of(call: &Call<'_>) -> Run {
        Run {
            fingerprint: call.fingerprint,
            parent: None,
            calls: 1,
            total_us: call.duration_us.unwrap_or(0),
            first_at: call.at,
            last_at: call.at,
            value_sets: vec![call.values_hash],
        }
    }

    fn absorb(&mut self, later: Run) {
        self.calls += later.calls;
        self.total_us = self.total_us.saturating_add(later.total_us);
        self.first_at = self.first_at.or(later.first_at);
        self.last_at = later.last_at.or(self.last_at);
        for value in later.value_sets {
            if let Err(at) = self.value_sets.binary_search(&value)
                && self.value_sets.len() < VALUE_SETS_KEPT
            {
                self.value_sets.insert(at, value);
            }
        }
    }
}

/// Loops smaller than this (at the median) are as likely chance as a pattern.
const MIN_MEDIAN_SIZE: u64 = 3;
/// Loops needed to call it a pattern…
const MIN_LOOPS: u64 = 3;
/// …unless the loops are this large (at the median): then one is enough.
const LARGE_LOOP: u64 = 5;

/// Whether `loops` loops of `median` calls are a pattern, not chance.
pub fn is_loop_pattern(loops: u64, median: u64) -> bool {
    loops > 0 && median >= MIN_MEDIAN_SIZE && (loops >= MIN_LOOPS || median >= LARGE_LOOP)
}

/// All the runs of one (parent, child) pair of fingerprints, across sessions.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LoopStats {
    /// Runs of two calls or more.
    pub loops: u64,
    pub calls: u64,
    pub total_us: u64,
    /// Wall time from first to last call of each loop, summed.
    pub span_ms: u64,
    /// Loop size → how many loops had it.
    pub sizes: BTreeMap<u64, u64>,
    /// Loops whose calls all used the same values (a cache, not a batch, would help).
    pub repeated_value_loops: u64,
}

impl LoopStats {
    fn record(&mut self, run: &Run) {
        self.loops += 1;
        self.calls += run.calls;
        self.total_us = self.total_us.saturating_add(run.total_us);
        if let (Some(first), Some(last)) = (run.first_at, run.last_at) {
            self.span_ms += (last - first).max(0) as u64;
        }
        *self.sizes.entry(run.calls).or_default() += 1;
        if run.value_sets.len() == 1 {
            self.repeated_value_loops += 1;
        }
    }

    pub(crate) fn merge(&mut self, other: LoopStats) {
        self.loops += other.loops;
        self.calls += other.calls;
        self.total_us = self.total_us.saturating_add(other.total_us);
        self.span_ms += other.span_ms;
        for (size, count) in other.sizes {
            *self.sizes.entry(size).or_default() += count;
        }
        self.repeated_value_loops += other.repeated_value_loops;
    }

    pub fn median_size(&self) -> u64 {
        let mut remaining = self.loops.div_ceil(2);
        for (&size, &count) in &self.sizes {
            if count >= remaining {
                return size;
            }
            remaining -= count;
        }
        0
    }

    pub fn max_size(&self) -> u64 {
        self.sizes.keys().next_back().copied().unwrap_or(0)
    }
}

fn finish_run(loops: &mut BTreeMap<LoopKey, LoopStats>, run: &Run) {
    if run.calls >= 2 {
        loops
            .entry((run.parent, run.fingerprint))
            .or_default()
            .record(run);
    }
}

impl SessionEdge {
    /// Appends a run that comes after everything the edge has seen.
    fn append_run(&mut self, mut run: Run, loops: &mut BTreeMap<LoopKey, LoopStats>) {
        let Some(current) = self.last_run.as_mut().or(self.first_run.as_mut()) else {
            self.first_run = Some(run);
            return;
        };
        if current.fingerprint == run.fingerprint {
            current.absorb(run);
            return;
        }
        run.parent = Some(current.fingerprint);
        if let Some(done) = self.last_run.replace(run) {
            finish_run(loops, &done);
        }
    }
}

/// Statements that say nothing about the application's access pattern: they would break
/// every loop in two.
fn is_session_noise(normalized: &[u8]) -> bool {
    let first_word = normalized
        .split(|b| !b.is_ascii_alphabetic())
        .next()
        .unwrap_or(b"");
    matches!(
        first_word,
        b"begin"
            | b"commit"
            | b"rollback"
            | b"end"
            | b"start"
            | b"set"
            | b"reset"
            | b"show"
            | b"savepoint"
            | b"release"
            | b"deallocate"
            | b"discard"
    )
}

impl Profile {
    /// An execution logged with its duration (or one that will never get one).
    pub fn execute(&mut self, session: Option<&str>, call: &Call<'_>) {
        let Some(session) = session else {
            return self.account(call);
        };
        self.with_edge(session, |profile, edge| {
            profile.start_statement(edge);
            profile.complete(edge, call);
        });
    }

    /// A statement logged before it ran (`log_statement`); its duration may follow.
    pub fn statement_logged(&mut self, session: Option<&str>, call: &Call<'_>) {
        let Some(session) = session else {
            return self.account(call);
        };
        self.with_edge(session, |profile, edge| {
            profile.start_statement(edge);
            edge.pending = Some(PendingStatement::from_call(call));
        });
    }

    /// `connection received` / `connection authorized`: a new session under this key.
    pub fn session_started(&mut self, session: Option<&str>) {
        let Some(session) = session else { return };
        if let Some(previous) = self.sessions.get(session)
            && previous.born
            && !previous.started
            && !previous.ended
        {
            return; // the second connection line of the same session
        }
        let before = match self.sessions.remove(session) {
            None => None,
            Some(previous) if previous.born => self.close_ended(previous),
            // It began in an earlier piece: it can only be closed once stitched to it.
            Some(mut previous) => {
                previous.ended = true;
                Some(Box::new(previous))
            }
        };
        let edge = SessionEdge {
            born: true,
            before,
            ..SessionEdge::default()
        };
        self.sessions.insert(session.to_string(), edge);
    }

    /// `disconnection: …`: the session is over; closed now if its start is known.
    pub fn session_ended(&mut self, session: Option<&str>) {
        let Some(session) = session else { return };
        let Some(edge) = self.sessions.get_mut(session) else {
            return;
        };
        edge.ended = true;
        if edge.born
            && let Some(edge) = self.sessions.remove(session)
            && let Some(before) = self.close_ended(edge)
        {
            self.sessions.insert(session.to_string(), *before);
        }
    }

    /// A `duration:` line with no statement of its own.
    pub fn duration_logged(&mut self, session: Option<&str>, us: u64, at: Option<Millis>) {
        let Some(session) = session else {
            self.summary.unpaired_durations += 1;
            return;
        };
        self.with_edge(session, |profile, edge| {
            if let Some(pending) = edge.pending.take() {
                profile.complete(edge, &pending.call(Some(us)));
            } else if edge.started {
                profile.summary.unpaired_durations += 1;
            } else {
                edge.head.push(HeadDuration { us, at });
            }
        });
    }

    /// A statement failed (its `ERROR` logged it): the temporary files it leaves are
    /// deleted, and logged, as it aborts.
    /// Only a session already open in this piece is told: one whose only entry is an error
    /// is not kept open for it.
    pub fn statement_failed(&mut self, session: Option<&str>, fingerprint: u64) {
        if let Some(edge) = session.and_then(|session| self.sessions.get_mut(session)) {
            edge.last_statement = Some(fingerprint);
        }
    }

    /// A temporary file logged without its statement: the session's last statement's.
    pub fn temp_file_in_session(&mut self, session: Option<&str>, bytes: u64) {
        let mut files = TempFiles::default();
        files.add(bytes);
        let Some(session) = session else {
            return self.attribute_temp_files(None, files);
        };
        self.with_edge(session, |profile, edge| {
            profile.temp_files_after(edge, files);
        });
    }

    /// Temporary files that come after what `edge` has seen.
    fn temp_files_after(&mut self, edge: &mut SessionEdge, files: TempFiles) {
        if edge.last_statement.is_some() || edge.started {
            self.attribute_temp_files(edge.last_statement, files);
        } else {
            edge.head_temp_files.merge(files);
        }
    }

    /// Runs `f` on the session's edge (created on first sight) and the rest of the profile.
    fn with_edge(&mut self, session: &str, f: impl FnOnce(&mut Profile, &mut SessionEdge)) {
        // Taking the map out is a pointer swap; it lets `f` account calls meanwhile.
        let mut sessions = std::mem::take(&mut self.sessions);
        let edge = match sessions.get_mut(session) {
            Some(edge) => edge,
            None => sessions.entry(session.to_string()).or_default(),
        };
        f(self, edge);
        self.sessions = sessions;
    }

    /// A new statement begins: one still waiting for its duration never gets it.
    fn start_statement(&mut self, edge: &mut SessionEdge) {
        edge.started = true;
        if let Some(pending) = edge.pending.take() {
            self.complete(edge, &pending.call(None));
        }
    }

    fn complete(&mut self, edge: &mut SessionEdge, call: &Call<'_>) {
        self.account(call);
        edge.last_statement = Some(call.fingerprint);
        if !is_session_noise(call.normalized) {
            edge.append_run(Run::of(call), &mut self.loops);
        }
    }

    /// Joins `later`, the same session's edge in the piece right after this profile's.
    pub(crate) fn stitch_session(&mut self, session: String, mut later: SessionEdge) {
        let Some(edge) = self.sessions.remove(&session) else {
            self.sessions.insert(session, later);
            return;
        };
        if later.born {
            // A new connection reused the key: what came before it is the earlier session's.
            let earlier = match later.before.take() {
                Some(before) => self.join(edge, *before),
                None => Some(edge),
            };
            later.before = match earlier {
                Some(earlier) if earlier.born => self.close_ended(earlier),
                Some(earlier) => Some(Box::new(earlier)),
                None => None,
            };
            self.sessions.insert(session, later);
        } else if let Some(joined) = self.join(edge, later) {
            self.sessions.insert(session, joined);
        }
    }

    /// `later`, the continuation of `edge`'s session in the next piece, added to it; `None`
    /// when the joined session is complete and was closed.
    fn join(&mut self, mut edge: SessionEdge, later: SessionEdge) -> Option<SessionEdge> {
        edge.ended = later.ended;
        for head in later.head {
            if let Some(pending) = edge.pending.take() {
                self.complete(&mut edge, &pending.call(Some(head.us)));
            } else if edge.started {
                self.summary.unpaired_durations += 1;
            } else {
                edge.head.push(head);
            }
        }
        if !later.head_temp_files.is_empty() {
            self.temp_files_after(&mut edge, later.head_temp_files);
        }
        if later.started {
            self.start_statement(&mut edge);
            edge.pending = later.pending;
        }
        edge.last_statement = later.last_statement.or(edge.last_statement);
        if let Some(run) = later.first_run {
            edge.append_run(run, &mut self.loops);
        }
        // The later piece's last run is a run of its own (others may lie between it and the
        // first), already with its parent.
        if let Some(run) = later.last_run
            && let Some(done) = edge.last_run.replace(run)
        {
            finish_run(&mut self.loops, &done);
        }
        if edge.born && edge.ended {
            self.close_ended(edge).map(|before| *before)
        } else {
            Some(edge)
        }
    }

    /// Closes a session that started and ended within the profile; returns the earlier
    /// session it carries that still waits to be stitched to the piece before.
    fn close_ended(&mut self, mut edge: SessionEdge) -> Option<Box<SessionEdge>> {
        let before = edge.before.take();
        self.close(edge);
        before
    }

    /// Closes every session: the log is over, so pending statements ran untimed, runs end,
    /// and durations never matched are counted as unpaired.
    pub fn finish(&mut self) {
        for (_, edge) in in_key_order(std::mem::take(&mut self.sessions)) {
            self.close(edge);
        }
    }

    /// Ends a session for good: a statement still waiting ran untimed, its runs end.
    fn close(&mut self, mut edge: SessionEdge) {
        if let Some(before) = edge.before.take() {
            self.close(*before);
        }
        if let Some(pending) = edge.pending.take() {
            self.complete(&mut edge, &pending.call(None));
        }
        self.summary.unpaired_durations += edge.head.len() as u64;
        self.attribute_temp_files(None, edge.head_temp_files);
        for run in [edge.first_run, edge.last_run].into_iter().flatten() {
            finish_run(&mut self.loops, &run);
        }
    }
}
