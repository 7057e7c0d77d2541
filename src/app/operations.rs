//! Operations the user started (start, stop, resize, delete, cancel, ...), active and recent,
//! as the app keeps them: what, on which target, the service's last status, polls, elapsed,
//! and how it ended (the error in full). [`App::begin_action`] is the one way an action leaves
//! the app (after the confirmation path, when it needs one): it refuses mutating actions under
//! `--read-only`, checks the action's parameters, records the operation, shows the row's
//! transitional state at once (an [`Overlay`] on the resource, kept across list refreshes that
//! still report the state from before the action, until the service reports a change) and asks
//! the runtime (`Effect::Act`) to send it and follow it; the runtime's `Msg::Op` events land in
//! [`App::on_op`]. While an operation is active the list it touches refreshes fast. Also here:
//! jobs being watched (their detail was opened while they ran, or an action was started on
//! them), the decision to notify (a toast, and `Effect::Notify` for the bell and the desktop)
//! when something that ran longer than the `[notify]` threshold ends, and the lines printed
//! at quit for operations still in flight. Pure state: no I/O, no clock reads.

use super::kinds;
use super::notify::{self, Notification};
use super::sources::{AppError, SourceKey};
use super::tabs::Source;
use super::text::{Doc, Layout, StyledLine, Tone};
use super::{App, Effect, TabId, View};
use crate::actions::{ActionId, ActionParams, ActionRequest};
use crate::azure::error::ErrorKind;
use crate::azure::models::{
    AllocationState, ComputeInstanceState, ComputeProperties, ComputeResource, ComputeSecrets,
    JobStatus, ProvisioningState,
};
use std::collections::BTreeMap;

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

    pub fn tone(&self) -> Tone {
        match self {
            OpState::Sending | OpState::Running => Tone::Progress,
            OpState::Succeeded => Tone::Healthy,
            OpState::Failed(_) => Tone::Failed,
        }
    }
}

/// The transitional state a row shows while its operation runs, until the service reports a
/// state other than the one from before the action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlay {
    /// The state the row showed when the action began (the service's).
    pub from: String,
    /// The state shown meanwhile (`Stopping`, `Resizing`, `CancelRequested`, ...).
    pub to: &'static str,
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
    /// The row's transitional state, while the service has not shown a change yet.
    pub overlay: Option<Overlay>,
    /// The workspace it was started in (subscription/group/workspace): after a switch, its
    /// rows and refresh cadence are not those of the lists on screen.
    pub scope: String,
}

impl OpEntry {
    /// Milliseconds from start to end (or to `now`).
    pub fn elapsed_ms(&self, now_mono: u64) -> u64 {
        self.ended_mono
            .unwrap_or(now_mono)
            .saturating_sub(self.started_mono)
    }

    /// The list the operation's target is in.
    pub fn list(&self) -> SourceKey {
        if self.request.action.on_job() {
            SourceKey::Jobs
        } else {
            SourceKey::Computes
        }
    }
}

/// Active and recent operations, oldest first, and the jobs being watched.
#[derive(Debug, Clone, Default)]
pub struct Operations {
    entries: Vec<OpEntry>,
    next: u64,
    /// Jobs watched until they end: name → when the watch began (monotonic ms).
    watched: BTreeMap<String, u64>,
    /// Notifications decided but not yet handed out as effects.
    pending: Vec<Notification>,
    /// Names of rows shown for a create or attach the service does not list yet.
    placeholders: std::collections::BTreeSet<String>,
}

/// Finished operations kept at most (failed ones stay until dismissed).
const RECENT: usize = 50;
/// How long a succeeded operation stays listed after its end.
pub const SUCCEEDED_KEEP_MS: u64 = 5 * 60_000;

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

    /// Operations that failed and were not dismissed.
    pub fn failed(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| matches!(e.state, OpState::Failed(_)))
            .count()
    }

    /// The active operation on `target` (a compute's or a job's name) in the workspace `scope`
    /// (see `App::workspace_scope`), if any: one in another workspace never blocks this one.
    pub fn active_on(&self, target: &str, scope: &str) -> Option<&OpEntry> {
        self.entries.iter().rev().find(|e| {
            e.state.is_active() && e.scope == scope && e.request.target.eq_ignore_ascii_case(target)
        })
    }

    /// Whether an operation on the list `key` of workspace `scope` is active.
    pub fn active_on_list(&self, key: &SourceKey, scope: &str) -> bool {
        self.entries
            .iter()
            .any(|e| e.state.is_active() && e.list() == *key && e.scope == scope)
    }

    /// Whether the row `name` is a create's placeholder (not listed by the service yet).
    pub fn is_placeholder(&self, name: &str) -> bool {
        self.placeholders.contains(name)
    }

    /// The jobs watched until they end.
    pub fn watched(&self) -> impl Iterator<Item = &str> {
        self.watched.keys().map(String::as_str)
    }

    fn start(&mut self, request: ActionRequest, scope: String, now_mono: u64) -> OpId {
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
            overlay: None,
            scope,
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
        if !entry.state.is_active() {
            return None; // a late event of an operation already ended
        }
        match event {
            OpEvent::Accepted { status } => {
                entry.state = OpState::Running;
                entry.status = if status.is_empty() {
                    "Accepted".into()
                } else {
                    status
                };
                None
            }
            OpEvent::Progress { status, polls } => {
                entry.state = OpState::Running;
                if !status.is_empty() {
                    entry.status = status;
                }
                entry.polls = entry.polls.max(polls);
                None
            }
            OpEvent::Ended(result) => {
                entry.ended_mono = Some(now_mono);
                entry.overlay = None;
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

    /// Forgets a finished operation (a failed one stays until this); an active one stays.
    pub fn dismiss(&mut self, id: OpId) -> bool {
        let before = self.entries.len();
        self.entries.retain(|e| e.id != id || e.state.is_active());
        self.entries.len() != before
    }

    /// Forgets succeeded operations that ended more than [`SUCCEEDED_KEEP_MS`] ago.
    fn age_out(&mut self, now_mono: u64) -> bool {
        let before = self.entries.len();
        self.entries.retain(|e| {
            e.state != OpState::Succeeded
                || e.ended_mono
                    .is_none_or(|end| now_mono.saturating_sub(end) < SUCCEEDED_KEEP_MS)
        });
        self.entries.len() != before
    }
}

/// How an operation's failure reads, by its kind: a 409 (busy, wrong state) does not read like
/// a 403 (no permission).
pub fn failure_phrase(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Conflict => "refused, the resource is busy or in the wrong state",
        ErrorKind::Forbidden => "refused, no permission",
        ErrorKind::Auth => "refused, not signed in",
        ErrorKind::NotFound => "failed, not found",
        ErrorKind::Invalid => "refused, invalid request",
        ErrorKind::Throttled => "failed, throttled",
        ErrorKind::Timeout => "failed, no answer in time",
        ErrorKind::Network => "failed, network error",
        ErrorKind::Service => "failed, service error",
        ErrorKind::Other => "failed",
    }
}

/// `12 s`, `3 min 05 s`, `1 h 02 min`.
pub fn elapsed_text(ms: u64) -> String {
    let secs = ms / 1000;
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min {:02} s", secs / 60, secs % 60),
        _ => format!("{} h {:02} min", secs / 3600, secs / 60 % 60),
    }
}

/// Width of the key column of an operation's fields.
const KEY_WIDTH: usize = 12;

/// Rows the operations view gives its table (header included) when its inside is `height`
/// rows: up to half (at least the header and one row); the rest, after a blank row, is the
/// selected operation in full.
pub fn table_rows(entries: usize, height: u16) -> u16 {
    (entries + 1).min((usize::from(height) / 2).max(2)) as u16
}

/// One operation in full, as the operations view shows it under its table: what was sent, its
/// status, elapsed time and polls, the row's transitional state while it runs, and for a
/// failed one its whole error (kind, cause, what to do, HTTP status, request id). Fields wrap
/// under their value.
pub fn operation_doc(entry: &OpEntry, now_mono: u64) -> Doc {
    let mut doc = Doc::new();
    let field = |doc: &mut Doc, key: &str, value: &str, tone: Tone| {
        let line = StyledLine::new()
            .with(format!("{key:<KEY_WIDTH$}"), Tone::Key)
            .with(value, tone);
        doc.push(line, KEY_WIDTH);
    };
    doc.push(
        StyledLine::plain(entry.request.describe(), Tone::Heading),
        0,
    );
    field(&mut doc, "status", &entry.status, entry.state.tone());
    let took = if entry.state.is_active() {
        "running for"
    } else {
        "took"
    };
    let elapsed = elapsed_text(entry.elapsed_ms(now_mono));
    field(&mut doc, took, &elapsed, Tone::Normal);
    field(&mut doc, "polls", &entry.polls.to_string(), Tone::Normal);
    match &entry.state {
        OpState::Failed(error) => {
            field(&mut doc, "error", error.kind.label(), Tone::Failed);
            field(&mut doc, "cause", &error.line, Tone::Failed);
            field(&mut doc, "what to do", &error.hint, Tone::Normal);
            if let Some(status) = error.status {
                field(&mut doc, "HTTP status", &status.to_string(), Tone::Normal);
            }
            if let Some(id) = &error.request_id {
                field(&mut doc, "request id", id, Tone::Normal);
            }
            if matches!(entry.request.action, ActionId::Create | ActionId::Attach) {
                let note = "n reopens the form with the values entered";
                doc.push(StyledLine::plain(note, Tone::Muted), 0);
            }
            let note = "d dismisses it; it stays listed until then";
            doc.push(StyledLine::plain(note, Tone::Muted), 0);
        }
        OpState::Sending | OpState::Running => {
            if let Some(overlay) = &entry.overlay {
                let shows = format!(
                    "{} until Azure reports a change (it said {})",
                    overlay.to, overlay.from
                );
                field(&mut doc, "row shows", &shows, Tone::Muted);
            }
            let note = "it goes on in Azure if amlc quits";
            doc.push(StyledLine::plain(note, Tone::Muted), 0);
        }
        OpState::Succeeded => {}
    }
    doc
}

/// The state a compute row shows (the service's), for the overlay's comparison.
fn compute_state(c: &ComputeResource) -> String {
    c.display_state()
}

/// Puts `to` where the row of `c` reads its state: an instance's state, a cluster's allocation
/// state for a resize, else the provisioning state.
fn set_compute_state(c: &mut ComputeResource, action: ActionId, to: &str) {
    if let ComputeProperties::ComputeInstance(p) = &mut c.properties.properties {
        p.state = Some(ComputeInstanceState::parse(to));
        return;
    }
    if action == ActionId::Resize
        && let ComputeProperties::AmlCompute(p) = &mut c.properties.properties
        && c.properties.provisioning_state == Some(ProvisioningState::Succeeded)
    {
        p.allocation_state = Some(AllocationState::parse(to));
        return;
    }
    c.properties.provisioning_state = Some(ProvisioningState::parse(to));
}

impl App {
    /// The one way an action leaves the app, after its confirmation (when it needs one).
    /// Refused, with a toast saying why, under `--read-only` (mutating actions) or when its
    /// parameters are wrong; otherwise recorded, its row shown in its transitional state at
    /// once, and handed to the runtime.
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
        let on_job = request.action.on_job();
        let overlay = request.action.transitional().and_then(|to| {
            let from = self.service_state(on_job, &request.target)?;
            Some(Overlay { from, to })
        });
        if on_job && !self.read_only {
            self.watch_job(&request.target);
        }
        let scope = self.workspace_scope();
        let op = self
            .operations
            .start(request.clone(), scope, self.now_mono_ms);
        if let Some(overlay) = overlay {
            self.show_state(on_job, &request.target, request.action, overlay.to);
            if let Some(entry) = self.operations.entries.iter_mut().find(|e| e.id == op) {
                entry.overlay = Some(overlay);
            }
        }
        if let ActionParams::Compute(c) = &request.params {
            self.add_placeholder(c);
        }
        // The list it touches refreshes fast from now on (the scheduler keeps it so).
        let list = if on_job {
            SourceKey::Jobs
        } else {
            SourceKey::Computes
        };
        let cadence = self.cadence(&list);
        if let Some(source) = self.sources.get_mut(&list) {
            source.cadence_ms = cadence;
        }
        self.text_changed();
        self.dirty = true;
        vec![Effect::Act { op, request }]
    }

    /// The workspace on screen, as operations record it.
    pub(super) fn workspace_scope(&self) -> String {
        self.context
            .as_ref()
            .map(|c| {
                format!(
                    "{}/{}/{}",
                    c.subscription.to_ascii_lowercase(),
                    c.resource_group.to_ascii_lowercase(),
                    c.workspace.to_ascii_lowercase()
                )
            })
            .unwrap_or_default()
    }

    /// The state the service last reported for a compute or job (`None` when not listed).
    fn service_state(&self, on_job: bool, target: &str) -> Option<String> {
        if on_job {
            self.jobs
                .iter()
                .find(|j| j.name.as_deref() == Some(target))
                .map(|j| kinds::jobs::status_text(j).to_owned())
        } else {
            self.computes
                .iter()
                .find(|c| c.name.as_deref() == Some(target))
                .map(compute_state)
        }
    }

    /// Shows `to` as the state of a compute's or job's row: the resource is changed in place
    /// and its row measured again, so widths, sorting and the filter see what it shows now.
    fn show_state(&mut self, on_job: bool, target: &str, action: ActionId, to: &str) {
        let (tab, index) = if on_job {
            let Some(i) = self
                .jobs
                .iter()
                .position(|j| j.name.as_deref() == Some(target))
            else {
                return;
            };
            self.jobs[i].properties.status = Some(JobStatus::parse(to));
            (TabId::Jobs, i)
        } else {
            let Some(i) = self
                .computes
                .iter()
                .position(|c| c.name.as_deref() == Some(target))
            else {
                return;
            };
            let c = &mut self.computes[i];
            set_compute_state(c, action, to);
            (kinds::compute_tab(&c.properties.compute_type), i)
        };
        let viewport = self.list_viewport();
        let source = if on_job {
            Source::Jobs(&self.jobs)
        } else {
            Source::Computes(&self.computes)
        };
        let tab_state = &mut self.tabs[tab.index()];
        let keep = tab_state.selected_name(source).map(str::to_owned);
        tab_state.item_changed(index as u32, source);
        if let Some(item) = source.item(index as u32)
            && kinds::kind(tab).in_progress(item)
        {
            tab_state.busy = true;
        }
        tab_state.rebuild_keeping(keep.as_deref(), source, viewport);
    }

    /// After a list arrived: rows whose operation is active and whose state the service still
    /// reports as before the action show the transitional state again (no flicker back to
    /// `Running`); as soon as the service reports another state, that state wins for good.
    pub(super) fn reapply_overlays(&mut self, list: &SourceKey) {
        if *list == SourceKey::Computes {
            self.keep_placeholders();
        }
        let scope = self.workspace_scope();
        let active: Vec<(OpId, bool, String, ActionId, Overlay)> = self
            .operations
            .entries
            .iter()
            .filter(|e| e.state.is_active() && e.list() == *list && e.scope == scope)
            .filter_map(|e| {
                let overlay = e.overlay.clone()?;
                Some((
                    e.id,
                    e.request.action.on_job(),
                    e.request.target.clone(),
                    e.request.action,
                    overlay,
                ))
            })
            .collect();
        for (id, on_job, target, action, overlay) in active {
            match self.service_state(on_job, &target) {
                Some(state) if state == overlay.from => {
                    self.show_state(on_job, &target, action, overlay.to)
                }
                // Gone from the list, or the service moved: its state wins from now on.
                _ => {
                    if let Some(entry) = self.operations.entries.iter_mut().find(|e| e.id == id) {
                        entry.overlay = None;
                    }
                }
            }
        }
    }

    /// The cadence of `list` while an operation on it is active.
    pub(super) fn operation_cadence(&self, list: &SourceKey) -> Option<u64> {
        if self.operations.running() == 0 {
            return None;
        }
        self.operations
            .active_on_list(list, &self.workspace_scope())
            .then_some(self.policy.operation_ms.min(self.policy.busy_ms))
    }

    /// An operation's news: progress is recorded; at the end the lists it touched are
    /// refreshed, a deleted or detached compute leaves its list, a toast says how it went
    /// (cause first), and one that ran long notifies.
    pub(super) fn on_op(&mut self, op: OpId, event: OpEvent) {
        self.keys_arrived(op, &event);
        let resource = match &event {
            OpEvent::Ended(result) => result
                .as_ref()
                .as_ref()
                .ok()
                .and_then(|r| r.resource.clone()),
            _ => None,
        };
        let now = self.now_mono_ms;
        let Some(entry) = self.operations.apply(op, event, now) else {
            self.dirty = true;
            return;
        };
        let (describe, action, target, state, elapsed, list, scope) = (
            entry.request.describe(),
            entry.request.action,
            entry.request.target.clone(),
            entry.state.clone(),
            entry.elapsed_ms(now),
            entry.list(),
            entry.scope.clone(),
        );
        let here = scope == self.workspace_scope();
        let resource_gone = here
            && matches!(state, OpState::Succeeded)
            && matches!(action, ActionId::Delete | ActionId::Detach);
        if let Some(source) = self.sources.get_mut(&list) {
            source.refresh_now();
        }
        if resource_gone {
            self.remove_compute(&target);
        }
        if here && matches!(action, ActionId::Create | ActionId::Attach) {
            self.placeholder_ended(&target, &state, resource.as_ref());
        }
        // The values of a form that went through are not kept (they may hold secrets).
        if matches!(action, ActionId::Create | ActionId::Attach)
            && matches!(state, OpState::Succeeded)
        {
            self.drafts.forget(&target);
        }
        // A cancel that went through ends the watch of its job: its own end says it once.
        if action == ActionId::CancelJob && matches!(state, OpState::Succeeded) {
            self.operations.watched.remove(&target);
        }
        let long = elapsed >= self.notify.after_ms;
        let took = elapsed_text(elapsed);
        let (line, tone) = match &state {
            OpState::Failed(e) if matches!(action, ActionId::Create | ActionId::Attach) => (
                format!(
                    "{describe} {}: {} (o: operations; n there reopens the form)",
                    failure_phrase(e.kind),
                    e.line
                ),
                Tone::Failed,
            ),
            OpState::Failed(e) => (
                format!(
                    "{describe} {}: {} (o: operations)",
                    failure_phrase(e.kind),
                    e.line
                ),
                Tone::Failed,
            ),
            _ if action == ActionId::Keys => (String::new(), Tone::Healthy),
            _ if long => (format!("{describe}: done after {took}"), Tone::Healthy),
            _ => (format!("{describe}: done"), Tone::Healthy),
        };
        if !line.is_empty() {
            self.toast(line, tone);
        }
        if long && action != ActionId::Keys {
            let body = match &state {
                OpState::Failed(e) => format!("{describe} failed after {took}: {}", e.line),
                _ => format!("{describe}: done after {took}"),
            };
            self.notify_user(body);
        }
        self.dirty = true;
    }

    /// A create or attach began: its row shows at once as `Creating` (built from the masked
    /// body, so no secret is kept in the list), until the service lists the compute.
    fn add_placeholder(&mut self, request: &crate::wizard::ComputeRequest) {
        let name = request.name.clone();
        if self
            .computes
            .iter()
            .any(|c| c.name.as_deref() == Some(name.as_str()))
        {
            return;
        }
        let Ok(mut row) = serde_json::from_value::<ComputeResource>(request.masked_body()) else {
            return;
        };
        row.name = Some(name.clone());
        set_compute_state(&mut row, ActionId::Create, "Creating");
        self.operations.placeholders.insert(name);
        let mut computes = self.computes.clone();
        computes.push(row);
        self.set_computes(computes);
    }

    /// After a compute list arrived: a placeholder whose compute is now listed is done (the
    /// service's row replaces it); one of a create still running is put back, so the row is
    /// neither lost nor shown twice.
    fn keep_placeholders(&mut self) {
        if self.operations.placeholders.is_empty() {
            return;
        }
        let listed: std::collections::HashSet<&str> = self
            .computes
            .iter()
            .filter_map(|c| c.name.as_deref())
            .collect();
        let scope = self.workspace_scope();
        let mut missing: Vec<ComputeResource> = Vec::new();
        let mut done: Vec<String> = Vec::new();
        for name in &self.operations.placeholders {
            if listed.contains(name.as_str()) {
                done.push(name.clone());
                continue;
            }
            let op = self.operations.entries.iter().rev().find(|e| {
                e.state.is_active()
                    && e.scope == scope
                    && e.request.target == *name
                    && matches!(e.request.action, ActionId::Create | ActionId::Attach)
            });
            let row = op.and_then(|e| match &e.request.params {
                ActionParams::Compute(c) => {
                    serde_json::from_value::<ComputeResource>(c.masked_body()).ok()
                }
                _ => None,
            });
            match row {
                Some(mut row) => {
                    row.name = Some(name.clone());
                    set_compute_state(&mut row, ActionId::Create, "Creating");
                    missing.push(row);
                }
                None => done.push(name.clone()),
            }
        }
        for name in done {
            self.operations.placeholders.remove(&name);
        }
        if !missing.is_empty() {
            let mut computes = self.computes.clone();
            computes.extend(missing);
            self.set_computes(computes);
        }
    }

    /// A create or attach ended while its placeholder is still shown: on success the
    /// service's final resource takes its place (the refresh confirms); on failure it leaves
    /// (the refresh brings the failed compute back if the service kept one).
    fn placeholder_ended(
        &mut self,
        target: &str,
        state: &OpState,
        resource: Option<&serde_json::Value>,
    ) {
        if !self.operations.placeholders.remove(target) {
            return;
        }
        let Some(index) = self
            .computes
            .iter()
            .position(|c| c.name.as_deref() == Some(target))
        else {
            return;
        };
        let mut computes = self.computes.clone();
        match state {
            OpState::Succeeded => {
                let settled = resource
                    .and_then(|r| serde_json::from_value::<ComputeResource>(r.clone()).ok())
                    .filter(|r| r.name.as_deref() == Some(target));
                match settled {
                    Some(row) => computes[index] = row,
                    None => {
                        computes[index].properties.provisioning_state =
                            Some(ProvisioningState::Succeeded)
                    }
                }
            }
            _ => {
                computes.remove(index);
            }
        }
        self.set_computes(computes);
    }

    /// Drops a compute from the lists (its delete or detach ended; the refresh confirms).
    fn remove_compute(&mut self, target: &str) {
        if !self
            .computes
            .iter()
            .any(|c| c.name.as_deref() == Some(target))
        {
            return;
        }
        let left: Vec<ComputeResource> = self
            .computes
            .iter()
            .filter(|c| c.name.as_deref() != Some(target))
            .cloned()
            .collect();
        self.set_computes(left);
    }

    /// Queues a notification for the bell and the desktop, when the config allows them.
    fn notify_user(&mut self, body: String) {
        let policy = self.notify;
        if !(policy.bell || policy.desktop) {
            return;
        }
        self.operations.pending.push(Notification {
            title: "amlc".into(),
            body: notify::clean(&body, 240),
            bell: policy.bell,
            desktop: policy.desktop,
        });
    }

    /// Starts watching a job until it ends (a notification when it ran long).
    fn watch_job(&mut self, name: &str) {
        let now = self.now_mono_ms;
        self.operations
            .watched
            .entry(name.to_owned())
            .or_insert(now);
    }

    /// After every message: a running job whose detail is open is watched; watched jobs that
    /// ended notify (when they ran long); succeeded operations age out; queued notifications
    /// become effects.
    pub(super) fn operations_after_update(&mut self, effects: &mut Vec<Effect>) {
        if let Some(View::Detail {
            tab: TabId::Jobs,
            name,
            ..
        }) = self.top_view()
            && !self.operations.watched.contains_key(name)
            && self
                .jobs
                .iter()
                .find(|j| j.name.as_deref() == Some(name))
                .is_some_and(|j| {
                    j.properties
                        .status
                        .as_ref()
                        .is_some_and(|s| !s.is_terminal())
                })
        {
            let name = name.clone();
            self.watch_job(&name);
        }
        if !self.operations.watched.is_empty() {
            self.check_watched_jobs();
        }
        if self.operations.age_out(self.now_mono_ms) {
            self.clamp_operations_view();
            self.dirty = true;
        }
        effects.extend(
            std::mem::take(&mut self.operations.pending)
                .into_iter()
                .map(Effect::Notify),
        );
    }

    fn check_watched_jobs(&mut self) {
        let scope = self.workspace_scope();
        let mut ended: Vec<(String, String, u64)> = Vec::new();
        for (name, since) in &self.operations.watched {
            let Some(job) = self.jobs.iter().find(|j| j.name.as_deref() == Some(name)) else {
                continue;
            };
            // A transitional state of an action on it is not an end.
            if self.operations.active_on(name, &scope).is_some() {
                continue;
            }
            let Some(status) = job.properties.status.as_ref().filter(|s| s.is_terminal()) else {
                continue;
            };
            // How long it ran: from its creation when known, else since the watch began.
            let ran = kinds::jobs::created_ms(job)
                .map(|created| self.now_wall_ms.saturating_sub(created).max(0) as u64)
                .unwrap_or_else(|| self.now_mono_ms.saturating_sub(*since));
            ended.push((name.clone(), status.as_str().to_owned(), ran));
        }
        for (name, status, ran) in ended {
            self.operations.watched.remove(&name);
            if ran < self.notify.after_ms {
                continue;
            }
            let text = format!("job {name}: {status} after {}", elapsed_text(ran));
            let tone = kinds::common::job_tone(&status);
            self.toast(text.clone(), tone);
            self.notify_user(text);
            self.dirty = true;
        }
    }

    /// `o`: the operations view (active and recent).
    pub(super) fn open_operations(&mut self) {
        if matches!(self.top_view(), Some(View::Operations { .. })) {
            return;
        }
        self.copy_menu = None;
        // The newest (or the first failed) operation selected.
        let entries = self.operations.entries();
        let selected = entries
            .iter()
            .rposition(|e| matches!(e.state, OpState::Failed(_)))
            .unwrap_or(entries.len().saturating_sub(1));
        self.views.push(View::Operations {
            scroll: 0,
            selected,
        });
    }

    /// Up/Down move the selection of the operations view (the detail back to its top); larger
    /// moves (PgUp/PgDn, g/G) scroll the selected operation's detail when it does not fit.
    pub(super) fn move_operation(&mut self, delta: isize) {
        let count = self.operations.entries().len();
        let max_scroll = self.operation_scroll_max();
        if let Some(View::Operations { selected, scroll }) = self.views.last_mut() {
            if delta.abs() == 1 {
                let last = count.saturating_sub(1) as isize;
                *selected = (*selected as isize).saturating_add(delta).clamp(0, last) as usize;
                *scroll = 0;
            } else {
                *scroll = (*scroll as isize)
                    .saturating_add(delta)
                    .clamp(0, max_scroll as isize) as usize;
            }
        }
    }

    /// How far the selected operation's detail scrolls: its rows beyond the room it has
    /// (the view's inside less the table and a blank row; one row says where the window is).
    fn operation_scroll_max(&self) -> usize {
        let Some(View::Operations { selected, .. }) = self.top_view() else {
            return 0;
        };
        let Some(entry) = self.operations.entries().get(*selected) else {
            return 0;
        };
        let inner = self.height.saturating_sub(5);
        let table = table_rows(self.operations.entries().len(), inner);
        let room = usize::from(inner.saturating_sub(table + 1));
        let rows = Layout::new(&operation_doc(entry, self.now_mono_ms), self.text_width()).rows();
        if rows > room {
            rows.saturating_sub(room.saturating_sub(1))
        } else {
            0
        }
    }

    fn clamp_operations_view(&mut self) {
        let count = self.operations.entries().len();
        for view in &mut self.views {
            if let View::Operations { selected, .. } = view {
                *selected = (*selected).min(count.saturating_sub(1));
            }
        }
    }

    /// `d` in the operations view: forgets the selected operation when it has ended.
    pub(super) fn dismiss_operation(&mut self) {
        let Some(View::Operations { selected, .. }) = self.top_view() else {
            return;
        };
        let Some(entry) = self.operations.entries().get(*selected) else {
            return;
        };
        if entry.state.is_active() {
            self.toast(
                format!(
                    "{} is still running: it can be dismissed once it ends",
                    entry.request.describe()
                ),
                Tone::Muted,
            );
            return;
        }
        let id = entry.id;
        self.operations.dismiss(id);
        self.clamp_operations_view();
    }

    /// The lines printed after the terminal is restored, one per operation still in flight:
    /// quitting stops following them, not them.
    pub fn quit_lines(&self) -> Vec<String> {
        self.operations
            .entries()
            .iter()
            .filter(|e| e.state.is_active())
            .map(|e| {
                format!(
                    "{}: still running in Azure (amlc stopped following it)",
                    notify::clean(&e.request.describe(), 200)
                )
            })
            .collect()
    }
}
