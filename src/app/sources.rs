//! The app's data sources as one table: the compute list, the job list, a cluster's nodes, a
//! job's run details — and next a log file being tailed — are each one [`SourceKey`] with one
//! [`ScopeState`] (cadence, back-off, in-flight request id, staleness, typed last error). An
//! operation being followed is not polled from here (the runtime follows it on its own task);
//! while one is active, the list it touches is refreshed at [`RefreshPolicy::operation_ms`].
//! The VM sizes and usages of the workspace region (`Catalog`) are a source too, added when the
//! app connects and kept (refreshed rarely) until the workspace changes. Adding a source is one more key variant, one more
//! [`SourceData`] variant and one runtime arm. Also the typed error the app receives
//! ([`AppError`], built from `AzureError`). Times are monotonic milliseconds given by the
//! caller; nothing here reads a clock or does I/O.

use super::msg::RequestId;
use crate::azure::error::{AzureError, ErrorKind};
use crate::azure::models::{AmlComputeNodeInformation, ComputeResource, Job, RunDetails};
use std::collections::BTreeMap;
use std::fmt;

/// One data source of the app.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceKey {
    /// The workspace's computes (one list feeds the four compute tabs).
    Computes,
    /// The newest jobs.
    Jobs,
    /// The nodes of a cluster (while its detail is open).
    Nodes(String),
    /// Run history's details of a job (start, end, error) for the visible job rows.
    RunDetails(String),
    /// The workspace region's VM sizes and usages (from the connection on, refreshed rarely).
    Catalog,
}

impl SourceKey {
    /// What the source is, for errors and toasts (`computes`, `nodes of gpu-cluster`).
    pub fn label(&self) -> String {
        match self {
            SourceKey::Computes => "computes".into(),
            SourceKey::Jobs => "jobs".into(),
            SourceKey::Nodes(compute) => format!("nodes of {compute}"),
            SourceKey::RunDetails(job) => format!("run details of {job}"),
            SourceKey::Catalog => "VM sizes and quota".into(),
        }
    }
}

/// What a source's fetch brings back.
#[derive(Debug, Clone)]
pub enum SourceData {
    Computes(Vec<ComputeResource>),
    Jobs(Vec<Job>),
    Nodes(Vec<AmlComputeNodeInformation>),
    RunDetails(Box<RunDetails>),
    Catalog(Box<super::wizard::CatalogData>),
}

/// A failure as the app keeps it: its kind, the one-line cause-first text, what to do, and the
/// service's status and request id when it answered. Cheap to clone; no secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppError {
    pub kind: ErrorKind,
    /// One line, cause first (`Connection refused — GET 127.0.0.1:1 /subscriptions/…`).
    pub line: String,
    /// What the user can do (`token expired or invalid: run az login …`).
    pub hint: String,
    pub status: Option<u16>,
    pub request_id: Option<String>,
}

impl AppError {
    pub fn new(kind: ErrorKind, line: impl Into<String>, hint: impl Into<String>) -> Self {
        AppError {
            kind,
            line: line.into(),
            hint: hint.into(),
            status: None,
            request_id: None,
        }
    }

    /// A fetch that got no answer within the runtime's overall timeout.
    pub fn no_answer(after_secs: u64) -> Self {
        AppError::new(
            ErrorKind::Timeout,
            format!("no answer within {after_secs} s"),
            "the service or the network is slow: amlc tries again with back-off",
        )
    }

    /// A fetch asked for while no connection is up.
    pub fn not_connected() -> Self {
        AppError::new(
            ErrorKind::Network,
            "not connected",
            "wait for the connection, or see :errors for why it failed",
        )
    }

    /// Retrying cannot help until the user acts (sign in again, get a role).
    pub fn needs_user(&self) -> bool {
        self.kind.needs_user()
    }
}

impl From<&AzureError> for AppError {
    fn from(error: &AzureError) -> Self {
        AppError {
            kind: error.kind(),
            line: crate::azure::error::one_line(&error.to_string()),
            // Retrying cannot help until the user acts; `r` then tries again.
            hint: if error.kind().needs_user() {
                format!("{}; then press r", error.hint())
            } else {
                error.hint()
            },
            status: error.status(),
            request_id: error.request_id().map(str::to_owned),
        }
    }
}

impl From<AzureError> for AppError {
    fn from(error: AzureError) -> Self {
        AppError::from(&error)
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.line)
    }
}

/// Cadences in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshPolicy {
    /// The visible tab.
    pub visible_ms: u64,
    /// The visible tab while it holds an in-progress row.
    pub busy_ms: u64,
    /// Tabs not on screen.
    pub background_ms: u64,
    /// A list an operation in flight touches (so its row follows the operation closely).
    pub operation_ms: u64,
    /// The longest wait after repeated failures.
    pub max_backoff_ms: u64,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        RefreshPolicy {
            visible_ms: 5_000,
            busy_ms: 2_000,
            background_ms: 30_000,
            operation_ms: 1_000,
            max_backoff_ms: 120_000,
        }
    }
}

impl RefreshPolicy {
    /// From the config file's `[refresh]` (seconds; unset values keep the defaults; a busy
    /// cadence is at least 1 s, the others at least 2 s).
    pub fn from_secs(visible: Option<u64>, busy: Option<u64>, background: Option<u64>) -> Self {
        let d = RefreshPolicy::default();
        RefreshPolicy {
            visible_ms: visible.map(|s| s.max(2) * 1000).unwrap_or(d.visible_ms),
            busy_ms: busy.map(|s| s.max(1) * 1000).unwrap_or(d.busy_ms),
            background_ms: background
                .map(|s| s.max(2) * 1000)
                .unwrap_or(d.background_ms),
            operation_ms: d.operation_ms,
            max_backoff_ms: d.max_backoff_ms,
        }
    }

    /// The wait after `failures` failures in a row at a normal cadence of `interval_ms`:
    /// twice the cadence, doubling, capped.
    pub fn backoff_ms(&self, interval_ms: u64, failures: u32) -> u64 {
        let factor = 1u64 << failures.min(10);
        interval_ms
            .saturating_mul(factor)
            .min(self.max_backoff_ms.max(interval_ms))
    }
}

/// The refresh state of one source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeState {
    /// The cadence the source is refreshed at now (ms), set by the scheduler.
    pub cadence_ms: u64,
    /// The request whose answer is awaited (answers with another id are stale).
    pub in_flight: Option<RequestId>,
    /// When the last request finished, ok or not (monotonic ms).
    pub last_done_mono: Option<u64>,
    /// When the last good answer arrived (wall-clock ms), for "refreshed 3s ago".
    pub last_ok_wall: Option<i64>,
    /// Failures in a row since the last good answer.
    pub failures: u32,
    pub last_error: Option<AppError>,
    /// A refresh was asked for (`r`) while one was in flight: run again when it lands.
    pub again: bool,
    /// Stopped until the user acts (an auth failure): `r` or a context switch resumes.
    pub paused: bool,
}

impl ScopeState {
    /// Has data (at least one good answer).
    pub fn loaded(&self) -> bool {
        self.last_ok_wall.is_some()
    }

    /// The last request failed: the rows shown are the last good ones.
    pub fn stale(&self) -> bool {
        self.failures > 0
    }

    /// When the next request is due (monotonic ms) at `interval_ms`; never while paused.
    pub fn due(&self, policy: &RefreshPolicy, interval_ms: u64) -> u64 {
        if self.paused {
            return u64::MAX;
        }
        match self.last_done_mono {
            None => 0,
            Some(done) if self.failures > 0 => done + policy.backoff_ms(interval_ms, self.failures),
            Some(done) => done + interval_ms,
        }
    }

    /// Due now (or asked for again) and nothing in flight.
    pub fn should_start(&self, policy: &RefreshPolicy, now: u64) -> bool {
        self.in_flight.is_none()
            && !self.paused
            && (self.again || self.due(policy, self.cadence_ms) <= now)
    }

    pub fn start(&mut self, id: RequestId) {
        self.in_flight = Some(id);
        self.again = false;
    }

    /// Takes the answer of `id`; false (and nothing changes) when it is stale.
    pub fn accept(&mut self, id: RequestId) -> bool {
        if self.in_flight != Some(id) {
            return false;
        }
        self.in_flight = None;
        true
    }

    pub fn succeeded(&mut self, mono: u64, wall: i64) {
        self.last_done_mono = Some(mono);
        self.last_ok_wall = Some(wall);
        self.failures = 0;
        self.last_error = None;
        self.paused = false;
    }

    /// Records a failure; one that only the user can mend pauses the source.
    pub fn failed(&mut self, mono: u64, error: AppError) {
        self.last_done_mono = Some(mono);
        self.failures = self.failures.saturating_add(1);
        self.paused = error.needs_user();
        self.last_error = Some(error);
    }

    /// `r`: refresh now, or right after the request in flight; a paused source resumes.
    pub fn refresh_now(&mut self) {
        self.paused = false;
        if self.in_flight.is_some() {
            self.again = true;
        } else {
            self.last_done_mono = None;
        }
    }

    /// Forget everything (a new workspace).
    pub fn reset(&mut self) {
        *self = ScopeState::default();
    }
}

/// The table of sources, ordered by key (so effects come out in a stable order).
#[derive(Debug, Clone, Default)]
pub struct Sources {
    entries: BTreeMap<SourceKey, ScopeState>,
}

impl Sources {
    pub fn get(&self, key: &SourceKey) -> Option<&ScopeState> {
        self.entries.get(key)
    }

    /// The entry of `key`, created when missing.
    pub fn entry(&mut self, key: SourceKey) -> &mut ScopeState {
        self.entries.entry(key).or_default()
    }

    pub fn get_mut(&mut self, key: &SourceKey) -> Option<&mut ScopeState> {
        self.entries.get_mut(key)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&SourceKey, &ScopeState)> {
        self.entries.iter()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&SourceKey, &mut ScopeState)> {
        self.entries.iter_mut()
    }

    /// Keeps only the entries `keep` says yes to (a dropped entry's answer will be stale).
    pub fn retain(&mut self, mut keep: impl FnMut(&SourceKey, &ScopeState) -> bool) {
        self.entries.retain(|k, s| keep(k, s));
    }

    pub fn remove(&mut self, key: &SourceKey) -> Option<ScopeState> {
        self.entries.remove(key)
    }

    /// Forget every source (a new workspace).
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Requests in flight among the entries `which` selects.
    pub fn in_flight(&self, which: impl Fn(&SourceKey) -> bool) -> usize {
        self.entries
            .iter()
            .filter(|(k, s)| which(k) && s.in_flight.is_some())
            .count()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(kind: ErrorKind) -> AppError {
        AppError::new(kind, "boom", "do something")
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RefreshPolicy::default();
        assert_eq!(p.backoff_ms(5_000, 1), 10_000);
        assert_eq!(p.backoff_ms(5_000, 2), 20_000);
        assert_eq!(p.backoff_ms(5_000, 9), 120_000);
        assert_eq!(p.backoff_ms(300_000, 3), 300_000);
    }

    #[test]
    fn due_and_stale_answers() {
        let p = RefreshPolicy::default();
        let mut s = ScopeState::default();
        assert_eq!(s.due(&p, 5_000), 0);
        s.start(RequestId(1));
        assert!(!s.accept(RequestId(7)));
        assert!(s.accept(RequestId(1)));
        assert!(!s.accept(RequestId(1)), "an answer is taken once");
        s.succeeded(1_000, 42);
        assert_eq!(s.due(&p, 5_000), 6_000);
        s.failed(2_000, error(ErrorKind::Service));
        assert!(s.stale());
        assert!(s.loaded());
        assert!(!s.paused);
        assert_eq!(s.due(&p, 5_000), 12_000);
    }

    #[test]
    fn auth_failures_pause_until_refresh() {
        let p = RefreshPolicy::default();
        let mut s = ScopeState {
            cadence_ms: 5_000,
            ..ScopeState::default()
        };
        s.start(RequestId(1));
        s.accept(RequestId(1));
        s.failed(1_000, error(ErrorKind::Auth));
        assert!(s.paused);
        assert_eq!(s.due(&p, 5_000), u64::MAX);
        assert!(!s.should_start(&p, u64::MAX - 1));
        s.refresh_now();
        assert!(s.should_start(&p, 1_001));
    }

    #[test]
    fn config_cadences_have_floors() {
        let p = RefreshPolicy::from_secs(Some(1), Some(0), None);
        assert_eq!(p.visible_ms, 2_000);
        assert_eq!(p.busy_ms, 1_000);
        assert_eq!(p.background_ms, 30_000);
    }

    #[test]
    fn app_errors_keep_kind_line_and_hint() {
        let e = AzureError::Auth("no token".into());
        let a = AppError::from(&e);
        assert_eq!(a.kind, ErrorKind::Auth);
        assert!(a.line.starts_with("authentication failed"));
        assert!(a.hint.contains("az login"));
        assert!(a.needs_user());
    }
}
