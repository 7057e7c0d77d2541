//! Operations the user started (start, stop, resize, delete, cancel, ...), active and recent,
//! as the app keeps them: what, on which target, the service's last status, polls, elapsed,
//! and how it ended (the error in full). [`App::begin_action`] is the one way an action leaves
//! the app (after the confirmation path, when it needs one): it refuses mutating actions under
//! `--read-only`, checks the action's parameters, records the operation and asks the runtime
//! (`Effect::Act`) to send it and follow it; the runtime's `Msg::Op` events land in
//! [`App::on_op`]. Pure state: no I/O, no clock reads.

use super::sources::{AppError, SourceKey};
use super::text::Tone;
use super::{App, Effect};
use crate::actions::{ActionId, ActionRequest};
use crate::azure::models::ComputeSecrets;

/// Identifies one operation for the life of the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OpId(pub u64);

/// What the runtime reports about an operation.
#[derive(Debug, Clone)]
pub enum OpEvent {
    /// The service accepted the request; its first status (`InProgress`, `Accepted`, ...).
    Accepted { status: String },
    /// A poll of a long-running operation.
    Progress { status: String, polls: u32 },
    /// The end: the final resource (or keys), or the typed error.
    Ended(Box<Result<OpResult, AppError>>),
}

/// What a finished operation brought back.
#[derive(Debug, Clone, Default)]
pub struct OpResult {
    /// The resource as the service answered at the end, when it did.
    pub resource: Option<serde_json::Value>,
    /// The keys of a `Keys` action (masked wherever shown).
    pub keys: Option<ComputeSecrets>,
}

/// Where an operation stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpState {
    /// Sent, no answer yet.
    Sending,
    /// Accepted, being followed.
    Running,
    Succeeded,
    Failed(AppError),
}

impl OpState {
    pub fn is_active(&self) -> bool {
        matches!(self, OpState::Sending | OpState::Running)
    }
}

/// One operation.
#[derive(Debug, Clone)]
pub struct OpEntry {
    pub id: OpId,
    pub request: ActionRequest,
    pub state: OpState,
    /// The service's last status text.
    pub status: String,
    pub polls: u32,
    pub started_mono: u64,
    pub ended_mono: Option<u64>,
}

impl OpEntry {
    /// Milliseconds from start to end (or to `now`).
    pub fn elapsed_ms(&self, now_mono: u64) -> u64 {
        self.ended_mono
            .unwrap_or(now_mono)
            .saturating_sub(self.started_mono)
    }
}

/// Active and recent operations, oldest first.
#[derive(Debug, Clone, Default)]
pub struct Operations {
    entries: Vec<OpEntry>,
    next: u64,
}

/// Finished operations kept (failed ones stay until dismissed).
const RECENT: usize = 50;

impl Operations {
    pub fn entries(&self) -> &[OpEntry] {
        &self.entries
    }

    pub fn get(&self, id: OpId) -> Option<&OpEntry> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// Operations not finished.
    pub fn running(&self) -> usize {
        self.entries.iter().filter(|e| e.state.is_active()).count()
    }

    /// The active operation on `target` (a compute's or a job's name), if any.
    pub fn active_on(&self, target: &str) -> Option<&OpEntry> {
        self.entries
            .iter()
            .rev()
            .find(|e| e.state.is_active() && e.request.target.eq_ignore_ascii_case(target))
    }

    fn start(&mut self, request: ActionRequest, now_mono: u64) -> OpId {
        self.next += 1;
        let id = OpId(self.next);
        self.entries.push(OpEntry {
            id,
            request,
            state: OpState::Sending,
            status: "Sending".into(),
            polls: 0,
            started_mono: now_mono,
            ended_mono: None,
        });
        let finished = self.entries.iter().filter(|e| !e.state.is_active()).count();
        if finished > RECENT
            && let Some(pos) = self
                .entries
                .iter()
                .position(|e| e.state == OpState::Succeeded)
        {
            self.entries.remove(pos);
        }
        id
    }

    /// Applies an event; returns the entry when it just ended.
    fn apply(&mut self, id: OpId, event: OpEvent, now_mono: u64) -> Option<&OpEntry> {
        let entry = self.entries.iter_mut().find(|e| e.id == id)?;
        match event {
            OpEvent::Accepted { status } => {
                entry.state = OpState::Running;
                entry.status = status;
                None
            }
            OpEvent::Progress { status, polls } => {
                entry.state = OpState::Running;
                entry.status = status;
                entry.polls = polls;
                None
            }
            OpEvent::Ended(result) => {
                entry.ended_mono = Some(now_mono);
                match *result {
                    Ok(_) => {
                        entry.state = OpState::Succeeded;
                        entry.status = "Succeeded".into();
                    }
                    Err(e) => {
                        entry.status = "Failed".into();
                        entry.state = OpState::Failed(e);
                    }
                }
                Some(entry)
            }
        }
    }

    /// Forgets a finished operation (a failed one stays until this).
    pub fn dismiss(&mut self, id: OpId) {
        self.entries.retain(|e| e.id != id || e.state.is_active());
    }
}

impl App {
    /// The one way an action leaves the app, after its confirmation (when it needs one).
    /// Refused, with a toast saying why, under `--read-only` (mutating actions) or when its
    /// parameters are wrong; otherwise recorded and handed to the runtime.
    pub fn begin_action(&mut self, request: ActionRequest) -> Vec<Effect> {
        if self.read_only && request.action.mutating() {
            self.toast(
                format!(
                    "read-only: {} not sent (amlc was started with --read-only)",
                    request.describe()
                ),
                Tone::Warning,
            );
            return Vec::new();
        }
        if let Err(reason) = request.validate() {
            self.toast(
                format!("{}: {reason}; nothing sent", request.describe()),
                Tone::Failed,
            );
            return Vec::new();
        }
        let op = self.operations.start(request.clone(), self.now_mono_ms);
        vec![Effect::Act { op, request }]
    }

    /// An operation's news: progress is recorded; at the end the lists it touched are
    /// refreshed and a toast says how it went (cause first).
    pub(super) fn on_op(&mut self, op: OpId, event: OpEvent) {
        self.keys_arrived(op, &event);
        let now = self.now_mono_ms;
        let Some(entry) = self.operations.apply(op, event, now) else {
            return;
        };
        let (describe, on_job, state) = (
            entry.request.describe(),
            entry.request.action.on_job(),
            entry.state.clone(),
        );
        let key = if on_job {
            SourceKey::Jobs
        } else {
            SourceKey::Computes
        };
        if let Some(source) = self.sources.get_mut(&key) {
            source.refresh_now();
        }
        match state {
            OpState::Failed(e) => {
                self.toast(format!("{describe} failed: {}", e.line), Tone::Failed)
            }
            _ if entry_is_read(op, &self.operations) => {}
            _ => self.toast(format!("{describe}: done"), Tone::Healthy),
        }
    }
}

/// Whether the operation only read something (keys): no "done" toast for it.
fn entry_is_read(op: OpId, ops: &Operations) -> bool {
    ops.get(op)
        .is_some_and(|e| e.request.action == ActionId::Keys)
}
