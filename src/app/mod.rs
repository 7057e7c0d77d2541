//! The TUI's state and its only owner: [`App`]. `App::update(msg)` is the one place state
//! changes; it is pure (no await, no I/O, no clock reads: the terminal loop sets the clock) and
//! returns [`Effect`]s for the runtime to carry out (fetches, clipboard, reconnect, quit).
//! Every fetch is an entry of one table of data sources ([`Sources`], keyed by [`SourceKey`]):
//! the scheduler walks it for what is due, and answers come back as one `Msg::Loaded` tagged
//! with the request id and key they answer; stale ones are dropped. Errors arrive typed
//! ([`AppError`]): an auth failure pauses its source until `r` or a context switch, and HTTP
//! retries and throttling are shown and noted in the error history (rate-limited). Per-tab behaviour lives in `kinds`, key handling is driven by the table in `keys`, the
//! dialogs of actions (menu, confirmation, forms, keys) live in `menu`, the create-or-attach
//! wizard in `wizard`, the log view in `logview`, the Jobs tab's submit form in `submit`,
//! and `ui::draw` reads this state without changing it.

pub mod clipboard;
pub mod command;
pub mod costs;
pub mod filter;
pub mod format;
pub mod keys;
pub mod kinds;
pub mod logview;
pub mod menu;
pub mod notify;
pub mod operations;
pub mod runtime;
pub mod text;
pub mod views;
pub mod wizard;

pub mod sources;
pub mod submit;
mod submit_runtime;

mod msg;
mod tabs;

pub use msg::{ContextInfo, Effect, HttpActivity, Msg, RequestId};
pub use sources::{AppError, RefreshPolicy, ScopeState, SourceData, SourceKey, Sources};
pub use tabs::{Source, TabState};

use crate::azure::http::RetryEvent;
use crate::azure::models::{ComputeResource, Job, RunDetails};
use command::{Command, ContextChange};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind};
use filter::Filter;
use keys::{Action, Context, KeyMap};
use kinds::{CopyTarget, Item, NodesView};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use text::Tone;
use views::ErrorEntry;

/// The tabs, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TabId {
    Instances,
    Clusters,
    Kubernetes,
    Attached,
    Jobs,
}

impl TabId {
    pub const ALL: [TabId; 5] = [
        TabId::Instances,
        TabId::Clusters,
        TabId::Kubernetes,
        TabId::Attached,
        TabId::Jobs,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn title(self) -> &'static str {
        kinds::kind(self).title()
    }

    /// The four compute tabs share one list request.
    pub fn is_compute(self) -> bool {
        self != TabId::Jobs
    }
}

/// The most jobs listed (newest first).
pub const JOB_LIST_LIMIT: usize = 500;
/// Errors kept for `:errors`.
const ERROR_HISTORY: usize = 100;
/// At most one note of HTTP retries in the error history per this many ms.
const RETRY_NOTE_MS: u64 = 30_000;
/// Run-details requests in flight at once.
pub const RUN_DETAILS_IN_FLIGHT: usize = 3;
/// Spinner frame interval.
const SPINNER_MS: u64 = 100;
/// How long a toast stays.
const TOAST_MS: u64 = 4_000;
/// Rows of chrome around a list: tab bar, table borders and header, status bar, hint bar.
pub const LIST_CHROME_ROWS: u16 = 6;
/// Screen row of the first table row (tab bar, top border, header).
pub const LIST_FIRST_ROW_Y: u16 = 3;
/// The smallest terminal the TUI draws in.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 12;

/// A view on top of the lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    Detail {
        tab: TabId,
        name: String,
        scroll: usize,
    },
    Json {
        tab: TabId,
        name: String,
        scroll: usize,
    },
    Help {
        scroll: usize,
    },
    Errors {
        scroll: usize,
    },
    /// The region's quotas per VM family (`:quota`, `Q`; see `costs`).
    Quota {
        scroll: usize,
    },
    /// What the targets of a tab are for (`i`; see `costs::info_doc`).
    Info {
        tab: TabId,
        scroll: usize,
    },
    /// Operations, active and recent (`o`); `selected` indexes `App::operations`.
    Operations {
        scroll: usize,
        selected: usize,
    },
    /// The log view of a job (`l`); its state is `App::logs`.
    Logs,
}

impl View {
    pub fn context(&self) -> Context {
        match self {
            View::Detail { .. } => Context::Detail,
            View::Json { .. } => Context::Json,
            View::Help { .. } => Context::Help,
            View::Errors { .. } | View::Quota { .. } | View::Info { .. } => Context::Errors,
            View::Operations { .. } => Context::Operations,
            View::Logs => Context::Logs,
        }
    }

    fn scroll_mut(&mut self) -> Option<&mut usize> {
        match self {
            View::Detail { scroll, .. }
            | View::Json { scroll, .. }
            | View::Help { scroll }
            | View::Errors { scroll }
            | View::Quota { scroll }
            | View::Info { scroll, .. }
            | View::Operations { scroll, .. } => Some(scroll),
            View::Logs => None,
        }
    }

    pub fn scroll(&self) -> usize {
        match self {
            View::Detail { scroll, .. }
            | View::Json { scroll, .. }
            | View::Help { scroll }
            | View::Errors { scroll }
            | View::Quota { scroll }
            | View::Info { scroll, .. }
            | View::Operations { scroll, .. } => *scroll,
            View::Logs => 0,
        }
    }
}

/// Which line editor is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputMode {
    Filter,
    Command,
}

/// The filter or command line being edited.
#[derive(Debug, Clone)]
pub struct InputLine {
    pub mode: InputMode,
    pub input: tui_input::Input,
    /// The filter before editing began (Esc restores it).
    pub previous: String,
}

/// The copy menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyMenu {
    pub name: String,
    pub targets: Vec<CopyTarget>,
}

/// A short message in the hint line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    pub text: String,
    pub tone: Tone,
    pub until_mono: u64,
}

/// Where the connection stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionState {
    Connecting,
    Connected,
    /// Switching to another context (the old one stays in use until it succeeds).
    Switching(String),
    Failed(String),
}

/// A cluster's node list, fetched while its detail is open (source `Nodes(compute)`).
#[derive(Debug, Clone, PartialEq)]
pub struct NodesState {
    pub compute: String,
    pub view: NodesView,
}

/// Retries seen but not yet noted in the error history.
#[derive(Debug, Clone, Default)]
struct RetryNote {
    count: u64,
    throttled: u64,
    last: Option<RetryEvent>,
    /// No note before this time (monotonic ms).
    next_mono: u64,
}

/// The refresh state of a source not in the table (not connected yet).
static IDLE: ScopeState = ScopeState {
    cadence_ms: 0,
    in_flight: None,
    last_done_mono: None,
    last_ok_wall: None,
    failures: 0,
    last_error: None,
    again: false,
    paused: false,
};

/// A replaced resource list, to be freed outside `update`.
#[derive(Debug)]
pub enum Retired {
    Computes(Vec<ComputeResource>),
    Jobs(Vec<Job>),
}

/// Options of a new [`App`].
#[derive(Debug, Clone, Default)]
pub struct AppOptions {
    pub keymap: KeyMap,
    pub refresh: RefreshPolicy,
    pub read_only: bool,
    pub ascii: bool,
    pub mouse: bool,
    /// Notices to show at start (key conflicts, theme errors).
    pub notices: Vec<String>,
    /// When an ended operation or watched job notifies (`[notify]`).
    pub notify: notify::NotifyPolicy,
    /// The byte budget of a log view's store, in MiB (`[logs] budget_mb`; 0 = the default).
    pub log_budget_mb: usize,
}

/// The whole state of the TUI.
#[derive(Debug)]
pub struct App {
    pub keymap: KeyMap,
    pub policy: RefreshPolicy,
    pub read_only: bool,
    pub ascii: bool,
    pub mouse: bool,
    /// Wall clock (ms since the epoch) for ages, and a monotonic clock (ms) for scheduling.
    pub now_wall_ms: i64,
    pub now_mono_ms: u64,
    pub spinner_frame: usize,
    next_spinner_mono: u64,
    pub width: u16,
    pub height: u16,
    pub connection: ConnectionState,
    pub context: Option<ContextInfo>,
    pub computes: Vec<ComputeResource>,
    pub jobs: Vec<Job>,
    pub tabs: [TabState; 5],
    pub active: TabId,
    /// Every data source: cadence, back-off, in flight, staleness, last error.
    pub sources: Sources,
    pub nodes: Option<NodesState>,
    /// Run details fetched for this workspace, by job name (finished jobs' are final).
    pub run_cache: HashMap<String, Arc<RunDetails>>,
    pub views: Vec<View>,
    pub copy_menu: Option<CopyMenu>,
    /// The action menu, a confirmation, a form or the keys view (see `menu`).
    pub modal: Option<menu::Modal>,
    /// The create-or-attach wizard while open (see `wizard`).
    pub wizard: Option<Box<wizard::Wizard>>,
    /// The submit form of the Jobs tab, the environments it offers and the rows of jobs
    /// submitted but not listed yet (see `submit`).
    pub submit: submit::SubmitState,
    /// The workspace region's VM sizes and usages, once loaded (see `wizard`): loaded when
    /// the app connects and refreshed rarely; the wizard, the cost column and the quota view
    /// read it.
    pub catalog: Option<Box<wizard::CatalogData>>,
    /// The catalogue's sizes as a price book (see `costs`), when the sizes loaded.
    pub prices: Option<crate::cost::PriceBook>,
    /// The values of forms sent, to reopen a failed create with them.
    pub drafts: wizard::Drafts,
    /// Where forms read the files they name (the disk; tests put a map here).
    pub form_files: wizard::FormFiles,
    /// Whether the Jobs tab lists archived jobs (`:archived`).
    pub show_archived: bool,
    pub input: Option<InputLine>,
    pub errors: VecDeque<ErrorEntry>,
    pub toast: Option<Toast>,
    /// The HTTP pipeline's counters (its `events` are moved to the error history).
    pub http: HttpActivity,
    /// Operations the user started, active and recent.
    pub operations: operations::Operations,
    /// When an ended operation or watched job notifies.
    pub notify: notify::NotifyPolicy,
    retry_note: RetryNote,
    /// The log view's state while one is open (see `logview`).
    pub logs: Option<Box<logview::LogView>>,
    /// The byte budget of a log view's store.
    pub log_budget: usize,
    next_follow: u64,
    /// The text view on top, built and wrapped once (see `views`).
    text: views::TextCache,
    /// Replaced lists waiting to be freed (see [`App::take_retired`]).
    retired: Vec<Retired>,
    next_request: u64,
    dirty: bool,
    quit: bool,
}

impl App {
    pub fn new(options: AppOptions) -> App {
        let mut app = App {
            keymap: options.keymap,
            policy: options.refresh,
            read_only: options.read_only,
            ascii: options.ascii,
            mouse: options.mouse,
            now_wall_ms: 0,
            now_mono_ms: 0,
            spinner_frame: 0,
            next_spinner_mono: 0,
            width: 80,
            height: 24,
            connection: ConnectionState::Connecting,
            context: None,
            computes: Vec::new(),
            jobs: Vec::new(),
            tabs: TabId::ALL.map(TabState::new),
            active: TabId::Instances,
            sources: Sources::default(),
            nodes: None,
            run_cache: HashMap::new(),
            views: Vec::new(),
            copy_menu: None,
            modal: None,
            wizard: None,
            submit: submit::SubmitState::default(),
            catalog: None,
            prices: None,
            drafts: wizard::Drafts::default(),
            form_files: wizard::FormFiles::default(),
            show_archived: false,
            input: None,
            errors: VecDeque::new(),
            toast: None,
            http: HttpActivity::default(),
            operations: operations::Operations::default(),
            notify: options.notify,
            retry_note: RetryNote::default(),
            logs: None,
            log_budget: if options.log_budget_mb == 0 {
                logview::DEFAULT_BUDGET_MB << 20
            } else {
                options.log_budget_mb.saturating_mul(1 << 20)
            },
            next_follow: 0,
            text: views::TextCache::default(),
            retired: Vec::new(),
            next_request: 1,
            dirty: true,
            quit: false,
        };
        let count = options.notices.len();
        for notice in options.notices {
            app.record_error("config", notice, None);
        }
        if count > 0 {
            app.toast_for(
                format!("{count} config notice(s): see :errors"),
                Tone::Warning,
                TOAST_MS * 2,
            );
        }
        app
    }

    /// `…`, or `...` with `--ascii`.
    pub fn ellipsis(&self) -> &'static str {
        if self.ascii { "..." } else { "…" }
    }

    /// ` · `, or ` - ` with `--ascii`.
    pub fn dot(&self) -> &'static str {
        if self.ascii { " - " } else { " · " }
    }

    /// Sets the clocks (the terminal loop does this before each batch of messages).
    pub fn set_clock(&mut self, wall_ms: i64, mono_ms: u64) {
        self.now_wall_ms = wall_ms;
        self.now_mono_ms = mono_ms;
    }

    /// Whether something changed since the last draw; clears the flag.
    pub fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }

    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    pub fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    pub fn tab(&self, id: TabId) -> &TabState {
        &self.tabs[id.index()]
    }

    pub fn active_tab(&self) -> &TabState {
        self.tab(self.active)
    }

    /// The list a tab's indices point into.
    pub fn source(&self, id: TabId) -> Source<'_> {
        if id.is_compute() {
            Source::Computes(&self.computes)
        } else {
            Source::Jobs(&self.jobs)
        }
    }

    /// The source behind tab `id`.
    pub fn list_key(id: TabId) -> SourceKey {
        if id.is_compute() {
            SourceKey::Computes
        } else {
            SourceKey::Jobs
        }
    }

    /// The refresh state of the list behind tab `id`.
    pub fn scope(&self, id: TabId) -> &ScopeState {
        self.source_state(&App::list_key(id))
    }

    /// The refresh state of any source (an idle state when it is not in the table).
    pub fn source_state(&self, key: &SourceKey) -> &ScopeState {
        self.sources.get(key).unwrap_or(&IDLE)
    }

    /// The resource of a tab's selected row.
    pub fn selected_item(&self, id: TabId) -> Option<Item<'_>> {
        let tab = self.tab(id);
        tab.selected_index().and_then(|i| self.source(id).item(i))
    }

    /// The resource named `name` in tab `id`.
    pub fn find_item(&self, id: TabId, name: &str) -> Option<Item<'_>> {
        let source = self.source(id);
        self.tab(id)
            .items
            .iter()
            .filter_map(|&i| source.item(i))
            .find(|item| item.name() == name)
    }

    pub fn top_view(&self) -> Option<&View> {
        self.views.last()
    }

    /// The context the keys are read in.
    pub fn key_context(&self) -> Context {
        if self.modal.is_some() || self.wizard.is_some() || self.submit.form.is_some() {
            return Context::Dialog;
        }
        if self.copy_menu.is_some() {
            return Context::Copy;
        }
        self.top_view().map(View::context).unwrap_or(Context::List)
    }

    /// Rows of table the terminal has room for.
    pub fn list_viewport(&self) -> usize {
        usize::from(self.height.saturating_sub(LIST_CHROME_ROWS)).max(1)
    }

    /// Lines of text a text view has room for (tab bar, borders, status and hint bars).
    pub fn text_viewport(&self) -> usize {
        usize::from(self.height.saturating_sub(5)).max(1)
    }

    /// Width available to a text view's lines.
    pub fn text_width(&self) -> usize {
        usize::from(self.width.saturating_sub(4)).max(20)
    }

    /// Errors recorded, newest first.
    pub fn error_history(&self) -> Vec<&ErrorEntry> {
        self.errors.iter().rev().collect()
    }

    /// The spinner is turning: the visible list has an in-progress row.
    pub fn animating(&self) -> bool {
        self.views.is_empty() && self.active_tab().busy
    }

    /// The next time (monotonic ms) something is due: a refresh, a spinner frame, a toast's
    /// end, or the next second of the "refreshed Ns ago" clock. `None` means sleep until input.
    pub fn next_deadline(&self) -> Option<u64> {
        let mut best: Option<u64> = None;
        let mut consider = |t: u64| best = Some(best.map_or(t, |b: u64| b.min(t)));
        if self.is_connected() {
            for (_, state) in self.sources.iter() {
                if state.in_flight.is_none() && !state.paused {
                    consider(state.due(&self.policy, state.cadence_ms));
                }
            }
            // The status clock moves each second; so do the request counters while requests
            // are out (retries included), so the status bar stays true.
            let requests_out = self.http.in_flight > 0 || self.sources.in_flight(|_| true) > 0;
            // Operations in flight: their elapsed time moves each second too.
            let ops = self.operations.running() > 0;
            if self.scope(self.active).loaded() || requests_out || ops {
                consider((self.now_mono_ms / 1000 + 1) * 1000);
            }
        }
        if self.animating() {
            consider(self.next_spinner_mono.max(self.now_mono_ms));
        }
        if let Some(toast) = &self.toast {
            consider(toast.until_mono);
        }
        if let Some(due) = self.submit_deadline() {
            consider(due);
        }
        // The log view's "updated Ns ago" moves each second.
        if self.logs.is_some() {
            consider((self.now_mono_ms / 1000 + 1) * 1000);
        }
        best
    }

    fn is_connected(&self) -> bool {
        matches!(
            self.connection,
            ConnectionState::Connected | ConnectionState::Switching(_)
        )
    }

    /// The cadence of source `key` right now.
    fn cadence(&self, key: &SourceKey) -> u64 {
        if let Some(fast) = self.operation_cadence(key) {
            return fast;
        }
        match key {
            SourceKey::Computes => self.interval(TabId::Instances),
            SourceKey::Jobs => self.interval(TabId::Jobs),
            SourceKey::Nodes(_) => self.nodes_interval(),
            // Only unfinished jobs are refreshed; finished ones leave the table once cached.
            SourceKey::RunDetails(_) => self.policy.visible_ms,
            SourceKey::Catalog => wizard::CATALOG_CADENCE_MS,
        }
    }

    /// The cadence of the list behind tab `id` right now.
    fn interval(&self, id: TabId) -> u64 {
        let visible = self.active.is_compute() == id.is_compute();
        if !visible {
            self.policy.background_ms
        } else if self.active_tab().busy {
            self.policy.busy_ms
        } else {
            self.policy.visible_ms
        }
    }

    fn nodes_interval(&self) -> u64 {
        let busy = self
            .nodes
            .as_ref()
            .and_then(|n| self.find_item(TabId::Clusters, &n.compute))
            .is_some_and(|item| kinds::kind(TabId::Clusters).in_progress(item));
        if busy {
            self.policy.busy_ms
        } else {
            self.policy.visible_ms
        }
    }

    fn next_id(&mut self) -> RequestId {
        let id = RequestId(self.next_request);
        self.next_request += 1;
        id
    }

    fn record_error(&mut self, scope: &str, message: String, hint: Option<String>) {
        self.errors.push_back(ErrorEntry {
            wall_ms: self.now_wall_ms,
            scope: scope.to_owned(),
            message,
            hint,
        });
        while self.errors.len() > ERROR_HISTORY {
            self.errors.pop_front();
        }
    }

    fn toast_for(&mut self, text: String, tone: Tone, ms: u64) {
        self.toast = Some(Toast {
            text,
            tone,
            until_mono: self.now_mono_ms + ms,
        });
    }

    fn toast(&mut self, text: impl Into<String>, tone: Tone) {
        self.toast_for(text.into(), tone, TOAST_MS);
    }

    /// Applies one message; returns what to do next.
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        let mut effects = Vec::new();
        // Input only moves or opens views, and a tick only moves the clock (views showing ages
        // follow the clock's second); anything else may change what a text view shows.
        let quiet = match &msg {
            // A copy's answer is a toast.
            Msg::Key(_) | Msg::Mouse(_) | Msg::Tick | Msg::Copied { .. } => true,
            // The log view draws from its own store, not from a text document.
            Msg::Logs { .. } => true,
            // Retries are noted in the error history; counters alone change no text view.
            Msg::Http(activity) => activity.events.is_empty(),
            _ => false,
        };
        if !quiet {
            self.text_changed();
        }
        match msg {
            Msg::Key(key) => self.on_key(key, &mut effects),
            Msg::Mouse(mouse) => self.on_mouse(mouse),
            Msg::Resize(width, height) => {
                self.width = width;
                self.height = height;
                let viewport = self.list_viewport();
                for tab in &mut self.tabs {
                    tab.clamp(viewport);
                }
                self.clamp_text_scroll();
                self.dirty = true;
            }
            Msg::Tick => self.on_tick(),
            Msg::Connected(info) => self.on_connected(info),
            Msg::ConnectFailed(error) => self.on_connect_failed(error),
            Msg::Loaded { id, key, result } => self.on_loaded(id, key, result),
            Msg::Http(activity) => self.on_http(activity),
            Msg::Copied { label, outcome } => self.copied(&label, &outcome),
            Msg::Op { op, event } => self.on_op(op, event),
            Msg::Logs { id, event } => self.on_logs(id, event),
            Msg::Submit(event) => self.on_submit(event, &mut effects),
        }
        self.submit_after_update(&mut effects);
        self.operations_after_update(&mut effects);
        self.logs_after_update(&mut effects);
        self.schedule(&mut effects);
        self.sync_modal();
        self.sync_text();
        if self.quit && !effects.contains(&Effect::Quit) {
            effects.push(Effect::Quit);
        }
        effects
    }

    fn on_tick(&mut self) {
        if self.animating() && self.now_mono_ms >= self.next_spinner_mono {
            self.spinner_frame = self.spinner_frame.wrapping_add(1);
            self.next_spinner_mono = self.now_mono_ms + SPINNER_MS;
        }
        if let Some(toast) = &self.toast
            && self.now_mono_ms >= toast.until_mono
        {
            self.toast = None;
        }
        // Ticks come only when something is due; the clock in the status bar moved.
        self.dirty = true;
    }

    fn on_connected(&mut self, info: ContextInfo) {
        let switched = self.context.as_ref().is_some_and(|old| *old != info);
        let label = format!("workspace {}", info.workspace);
        self.context = Some(info);
        self.connection = ConnectionState::Connected;
        self.retire_computes(Vec::new());
        self.retire_jobs(Vec::new());
        for tab in &mut self.tabs {
            tab.clear();
        }
        self.sources.clear();
        self.sources.entry(SourceKey::Computes);
        self.sources.entry(SourceKey::Jobs);
        // The region's sizes and usages: the cost column, the status total and the quota view
        // need them from the start (the wizard reads the same source).
        self.sources.entry(SourceKey::Catalog);
        self.run_cache.clear();
        self.nodes = None;
        self.http = HttpActivity::default();
        self.retry_note = RetryNote::default();
        self.views.clear();
        self.copy_menu = None;
        self.modal = None;
        self.close_wizard();
        self.submit_workspace_changed();
        self.catalog = None;
        self.prices = None;
        if switched {
            self.toast(format!("switched to {label}"), Tone::Healthy);
        }
        self.dirty = true;
    }

    fn on_connect_failed(&mut self, error: AppError) {
        self.record_error("connect", error.line.clone(), Some(error.hint.clone()));
        if self.context.is_some() {
            // A switch failed: keep working with the current workspace and its data.
            self.connection = ConnectionState::Connected;
            self.toast_for(
                format!(
                    "could not switch: {}; :errors says what to do",
                    text::truncate(&error.line, 120, self.ellipsis())
                ),
                Tone::Failed,
                TOAST_MS * 2,
            );
        } else {
            self.connection = ConnectionState::Failed(format!("{} ({})", error.line, error.hint));
        }
        self.dirty = true;
    }

    /// The pipeline's counters; new retries are noted in the error history, at most once per
    /// [`RETRY_NOTE_MS`] (a summary of those since the last note).
    fn on_http(&mut self, activity: HttpActivity) {
        let HttpActivity {
            in_flight,
            retries,
            throttled,
            events,
        } = activity;
        if (in_flight, retries, throttled)
            != (self.http.in_flight, self.http.retries, self.http.throttled)
        {
            self.http = HttpActivity {
                in_flight,
                retries,
                throttled,
                events: Vec::new(),
            };
            self.dirty = true;
        }
        let note = &mut self.retry_note;
        for event in events {
            note.count += 1;
            note.throttled += u64::from(event.throttled);
            note.last = Some(event);
        }
        if note.count > 0 && self.now_mono_ms >= note.next_mono {
            let last = note.last.take();
            let (count, throttled) = (note.count, note.throttled);
            note.count = 0;
            note.throttled = 0;
            note.next_mono = self.now_mono_ms + RETRY_NOTE_MS;
            let mut message = format!(
                "{count} request{} retried",
                if count == 1 { "" } else { "s" }
            );
            if throttled > 0 {
                message.push_str(&format!(" ({throttled} throttled)"));
            }
            if let Some(last) = last {
                message.push_str(&format!("; last: {} — {}", last.reason, last.request));
            }
            let hint = if throttled > 0 {
                "Azure is rate-limiting requests: amlc backs off and retries by itself"
            } else {
                "transient failures: amlc retries by itself; if they last, check the network"
            };
            self.record_error("http retries", message, Some(hint.to_owned()));
            self.dirty = true;
        }
    }

    /// The names selected in each compute tab (to keep the selection across a refresh).
    fn selected_names(&self, compute: bool) -> Vec<(TabId, Option<String>)> {
        TabId::ALL
            .iter()
            .filter(|t| t.is_compute() == compute)
            .map(|&t| {
                (
                    t,
                    self.tab(t).selected_name(self.source(t)).map(str::to_owned),
                )
            })
            .collect()
    }

    /// Replaces the compute list; the old one goes to `retired` (freeing 10,000 resources takes
    /// tens of milliseconds, which the terminal loop spends off the UI task, after drawing).
    fn retire_computes(&mut self, computes: Vec<ComputeResource>) {
        let old = std::mem::replace(&mut self.computes, computes);
        if !old.is_empty() {
            self.retired.push(Retired::Computes(old));
        }
    }

    fn retire_jobs(&mut self, jobs: Vec<Job>) {
        let old = std::mem::replace(&mut self.jobs, jobs);
        if !old.is_empty() {
            self.retired.push(Retired::Jobs(old));
        }
    }

    /// Data replaced since the last call, for the caller to free where it costs no latency.
    pub fn take_retired(&mut self) -> Vec<Retired> {
        std::mem::take(&mut self.retired)
    }

    /// Puts a fresh compute list in place: one request feeds the four compute tabs.
    pub fn set_computes(&mut self, computes: Vec<ComputeResource>) {
        let keep = self.selected_names(true);
        self.retire_computes(computes);
        // One pass over the (large) resources: which tab, and is any of a tab's in progress.
        let mut by_tab: [Vec<u32>; 4] = Default::default();
        let mut busy = [false; 4];
        for (i, c) in self.computes.iter().enumerate() {
            let tab = kinds::compute_tab(&c.properties.compute_type);
            by_tab[tab.index()].push(i as u32);
            if !busy[tab.index()] && kinds::kind(tab).in_progress(Item::Compute(c)) {
                busy[tab.index()] = true;
            }
        }
        let viewport = self.list_viewport();
        for (((tab, name), items), busy) in keep.into_iter().zip(by_tab).zip(busy) {
            let source = Source::Computes(&self.computes);
            self.tabs[tab.index()].set_items_busy(items, busy, source, viewport, name.as_deref());
        }
    }

    /// Puts a fresh job list in place.
    pub fn set_jobs(&mut self, mut jobs: Vec<Job>) {
        let keep = self.selected_names(false);
        if !self.run_cache.is_empty() {
            for job in &mut jobs {
                if let Some(details) = job.name.as_ref().and_then(|n| self.run_cache.get(n)) {
                    job.run_details = Some(details.clone());
                }
            }
        }
        self.retire_jobs(jobs);
        let show_archived = self.show_archived;
        let items: Vec<u32> = (0..self.jobs.len() as u32)
            .filter(|&i| show_archived || !kinds::jobs::is_archived(&self.jobs[i as usize]))
            .collect();
        let viewport = self.list_viewport();
        let name = keep.into_iter().next().and_then(|(_, n)| n);
        let source = Source::Jobs(&self.jobs);
        self.tabs[TabId::Jobs.index()].set_items(items, source, viewport, name.as_deref());
    }

    /// Run details arrived: cache them and show them in the job's row and detail.
    fn set_run_details(&mut self, job: &str, details: RunDetails) {
        let details = Arc::new(details);
        self.run_cache.insert(job.to_owned(), details.clone());
        let Some(index) = self
            .jobs
            .iter()
            .position(|j| j.name.as_deref() == Some(job))
        else {
            return;
        };
        self.jobs[index].run_details = Some(details);
        let viewport = self.list_viewport();
        let keep = self
            .tab(TabId::Jobs)
            .selected_name(self.source(TabId::Jobs))
            .map(str::to_owned);
        let source = Source::Jobs(&self.jobs);
        let tab = &mut self.tabs[TabId::Jobs.index()];
        tab.item_changed(index as u32, source);
        tab.rebuild_keeping(keep.as_deref(), source, viewport);
    }

    /// One answer of any source: dropped when stale, else applied by its key.
    fn on_loaded(&mut self, id: RequestId, key: SourceKey, result: Result<SourceData, AppError>) {
        let Some(state) = self.sources.get_mut(&key) else {
            return; // the source left the table (another workspace, a closed detail)
        };
        if !state.accept(id) {
            return; // stale: an older request
        }
        match result {
            Ok(data) => {
                state.succeeded(self.now_mono_ms, self.now_wall_ms);
                match (key, data) {
                    (SourceKey::Computes, SourceData::Computes(list)) => {
                        self.set_computes(list);
                        self.reapply_overlays(&SourceKey::Computes);
                        self.wizard_recheck();
                    }
                    (SourceKey::Jobs, SourceData::Jobs(list)) => {
                        self.set_jobs(list);
                        self.keep_submitted();
                        self.reapply_overlays(&SourceKey::Jobs);
                    }
                    (SourceKey::Nodes(compute), SourceData::Nodes(list)) => {
                        if let Some(nodes) = self.nodes.as_mut().filter(|n| n.compute == compute) {
                            nodes.view = NodesView::Loaded(list);
                        }
                    }
                    (SourceKey::RunDetails(job), SourceData::RunDetails(details)) => {
                        self.set_run_details(&job, *details)
                    }
                    (SourceKey::Catalog, SourceData::Catalog(data)) => self.set_catalog(*data),
                    (key, _) => self.record_error(
                        &key.label(),
                        "internal error: an answer of another kind of source".into(),
                        None,
                    ),
                }
            }
            Err(error) => {
                let catalog = key == SourceKey::Catalog;
                self.source_failed(key, error);
                if catalog {
                    self.wizard_recheck();
                }
            }
        }
        self.dirty = true;
    }

    fn source_failed(&mut self, key: SourceKey, error: AppError) {
        let Some(state) = self.sources.get_mut(&key) else {
            return;
        };
        state.failed(self.now_mono_ms, error.clone());
        let first = state.failures == 1;
        let loaded = state.loaded();
        let paused = state.paused;
        let label = key.label();
        if let SourceKey::Nodes(compute) = &key
            && let Some(nodes) = self.nodes.as_mut().filter(|n| n.compute == *compute)
        {
            let last = match std::mem::replace(&mut nodes.view, NodesView::Loading) {
                NodesView::Loaded(list) => Some(list),
                NodesView::Failed { last, .. } => last,
                NodesView::Loading => None,
            };
            nodes.view = NodesView::Failed {
                error: error.line.clone(),
                last,
            };
        }
        // Run details back off quietly after their first failure (there may be many).
        if first || !matches!(key, SourceKey::RunDetails(_)) {
            self.record_error(&label, error.line.clone(), Some(error.hint.clone()));
        }
        let list = matches!(key, SourceKey::Computes | SourceKey::Jobs);
        if paused && first {
            self.toast_for(
                format!(
                    "{label}: {}; {}",
                    text::truncate(&error.line, 60, self.ellipsis()),
                    error.hint
                ),
                Tone::Failed,
                TOAST_MS * 3,
            );
        } else if list && first {
            let tail = if loaded {
                "showing the last good data"
            } else {
                "retrying"
            };
            self.toast(
                format!(
                    "{label}: refresh failed ({}); {tail}",
                    text::truncate(&error.line, 80, self.ellipsis())
                ),
                Tone::Failed,
            );
        }
    }

    /// The cluster whose nodes are wanted: the one whose detail or JSON is open.
    fn wanted_nodes(&self) -> Option<String> {
        self.views.iter().rev().find_map(|v| match v {
            View::Detail {
                tab: TabId::Clusters,
                name,
                ..
            }
            | View::Json {
                tab: TabId::Clusters,
                name,
                ..
            } => Some(name.clone()),
            _ => None,
        })
    }

    /// Jobs whose run details are wanted: the visible rows of the Jobs tab (or the job whose
    /// detail is open) that have none cached, or only those of an unfinished run; top row first.
    fn wanted_run_details(&self) -> Vec<String> {
        let mut names: Vec<&str> = Vec::new();
        match self.top_view() {
            None if self.active == TabId::Jobs => {
                let tab = self.tab(TabId::Jobs);
                let source = self.source(TabId::Jobs);
                let end = (tab.offset + self.list_viewport()).min(tab.view.len());
                names.extend(
                    tab.view[tab.offset.min(end)..end]
                        .iter()
                        .filter_map(|&i| source.item(i))
                        .map(|item| item.name()),
                );
            }
            Some(View::Detail {
                tab: TabId::Jobs,
                name,
                ..
            }) => names.push(name),
            _ => {}
        }
        names
            .into_iter()
            .filter(|name| !name.is_empty())
            .filter(|name| {
                self.run_cache
                    .get(*name)
                    .is_none_or(|d| !d.status.as_ref().is_some_and(|s| s.is_terminal()))
            })
            .map(str::to_owned)
            .collect()
    }

    /// Brings the table in line with the screen: node and run-details entries come and go
    /// with what is shown, and every entry gets its current cadence. Returns the wanted run
    /// details, top row first.
    fn sync_sources(&mut self) -> Vec<String> {
        let nodes = self.wanted_nodes();
        match &nodes {
            None => self.nodes = None,
            Some(name) if self.nodes.as_ref().is_none_or(|n| n.compute != *name) => {
                self.nodes = Some(NodesState {
                    compute: name.clone(),
                    view: NodesView::Loading,
                });
            }
            Some(_) => {}
        }
        let runs = self.wanted_run_details();
        let wanted: HashSet<&str> = runs.iter().map(String::as_str).collect();
        self.sources.retain(|key, state| match key {
            SourceKey::Computes | SourceKey::Jobs => true,
            SourceKey::Nodes(name) => nodes.as_ref() == Some(name),
            // A run whose request is out stays until its answer lands (it is cached then, and
            // counts against the in-flight limit until then): scrolling past rows must not
            // start more requests than the limit, nor throw answers away.
            SourceKey::RunDetails(job) => {
                wanted.contains(job.as_str()) || state.in_flight.is_some()
            }
            // Kept once a wizard asked for it (until the workspace changes).
            SourceKey::Catalog => true,
        });
        if let Some(name) = nodes {
            self.sources.entry(SourceKey::Nodes(name));
        }
        for job in &runs {
            self.sources.entry(SourceKey::RunDetails(job.clone()));
        }
        let cadences: Vec<(SourceKey, u64)> = self
            .sources
            .iter()
            .map(|(key, _)| (key.clone(), self.cadence(key)))
            .collect();
        for (key, cadence) in cadences {
            if let Some(state) = self.sources.get_mut(&key) {
                state.cadence_ms = cadence;
            }
        }
        runs
    }

    /// Starts the fetches that are due: one pass over the table.
    fn schedule(&mut self, effects: &mut Vec<Effect>) {
        if !self.is_connected() {
            return;
        }
        let runs = self.sync_sources();
        let now = self.now_mono_ms;
        let due_now = |key: &SourceKey| {
            self.sources
                .get(key)
                .is_some_and(|s| s.should_start(&self.policy, now))
        };
        let mut due: Vec<SourceKey> = self
            .sources
            .iter()
            .filter(|(key, state)| {
                !matches!(key, SourceKey::RunDetails(_)) && state.should_start(&self.policy, now)
            })
            .map(|(key, _)| key.clone())
            .collect();
        // Run details: a few at a time, top row first.
        let run_slots = RUN_DETAILS_IN_FLIGHT.saturating_sub(
            self.sources
                .in_flight(|k| matches!(k, SourceKey::RunDetails(_))),
        );
        due.extend(
            runs.into_iter()
                .map(SourceKey::RunDetails)
                .filter(|key| due_now(key))
                .take(run_slots),
        );
        for key in due {
            let id = self.next_id();
            self.sources.entry(key.clone()).start(id);
            effects.push(Effect::Fetch(id, key));
            self.dirty = true;
        }
    }

    /// `r`: refresh what is on screen now (again when it lands, if a request is in flight).
    /// Sources paused by an auth failure resume too.
    fn refresh_now(&mut self) {
        let visible = App::list_key(self.active);
        for (key, state) in self.sources.iter_mut() {
            let on_screen = *key == visible || matches!(key, SourceKey::Nodes(_));
            if on_screen || state.paused {
                state.refresh_now();
            }
        }
        self.toast(format!("refreshing{}", self.ellipsis()), Tone::Muted);
    }

    fn on_key(&mut self, key: KeyEvent, effects: &mut Vec<Effect>) {
        // Only presses: terminals that report releases and repeats must not act twice.
        if key.kind != KeyEventKind::Press {
            return;
        }
        if self.width < MIN_WIDTH || self.height < MIN_HEIGHT {
            self.on_key_too_small(key, effects);
            self.dirty = true;
            return;
        }
        if self.input.is_some() {
            self.on_input_key(key, effects);
            self.dirty = true;
            return;
        }
        if self.modal.is_some() {
            self.on_modal_key(key, effects);
            self.dirty = true;
            return;
        }
        if self.wizard.is_some() {
            self.on_wizard_key(key, effects);
            self.dirty = true;
            return;
        }
        if self.submit.form.is_some() {
            self.on_submit_key(key, effects);
            self.dirty = true;
            return;
        }
        if self.logs_capture_keys() {
            self.logs_key(key, effects);
            self.dirty = true;
            return;
        }
        let context = self.key_context();
        let Some(action) = self.keymap.action(context, &key) else {
            return;
        };
        self.apply(action, effects);
        self.dirty = true;
    }

    /// A key while the screen shows only "terminal too small": nothing else is visible, so only
    /// quitting and going back act — a hidden confirmation is never confirmed, a hidden field
    /// never typed into.
    fn on_key_too_small(&mut self, key: KeyEvent, effects: &mut Vec<Effect>) {
        let action = [Context::List, Context::Dialog]
            .into_iter()
            .find_map(|context| self.keymap.action(context, &key))
            .filter(|action| matches!(action, Action::Quit | Action::Back));
        match action {
            Some(Action::Quit) => self.quit = true,
            Some(Action::Back) if self.modal.is_some() => self.modal = None,
            // A hidden form is never discarded.
            Some(Action::Back) if self.wizard.is_some() || self.submit.form.is_some() => {}
            Some(Action::Back) if self.input.is_some() => self.on_input_key(key, effects),
            Some(Action::Back) => self.back(),
            _ => {}
        }
    }

    /// Carries out an action of the key table.
    pub fn apply(&mut self, action: Action, effects: &mut Vec<Effect>) {
        let viewport = self.list_viewport();
        if matches!(self.top_view(), Some(View::Logs)) && self.logs_action(action, effects) {
            return;
        }
        match action {
            Action::Back => self.back(),
            Action::Quit => self.quit = true,
            Action::Help => {
                if matches!(self.top_view(), Some(View::Help { .. })) {
                    self.views.pop();
                } else {
                    self.views.push(View::Help { scroll: 0 });
                }
            }
            Action::Command => self.open_input(InputMode::Command),
            Action::TabInstances => self.switch_tab(TabId::Instances),
            Action::TabClusters => self.switch_tab(TabId::Clusters),
            Action::TabKubernetes => self.switch_tab(TabId::Kubernetes),
            Action::TabAttached => self.switch_tab(TabId::Attached),
            Action::TabJobs => self.switch_tab(TabId::Jobs),
            Action::NextTab => {
                self.switch_tab(TabId::ALL[(self.active.index() + 1) % TabId::ALL.len()])
            }
            Action::PrevTab => {
                let n = TabId::ALL.len();
                self.switch_tab(TabId::ALL[(self.active.index() + n - 1) % n]);
            }
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => {
                let page = self.page() as isize;
                self.move_by(-page);
            }
            Action::PageDown => {
                let page = self.page() as isize;
                self.move_by(page);
            }
            Action::Top => self.move_by(isize::MIN / 2),
            Action::Bottom => self.move_by(isize::MAX / 2),
            Action::Open => {
                if self.views.is_empty()
                    && let Some(item) = self.selected_item(self.active)
                {
                    let name = item.name().to_owned();
                    self.views.push(View::Detail {
                        tab: self.active,
                        name,
                        scroll: 0,
                    });
                }
            }
            Action::Json => {
                if let Some((tab, name)) = self.current_resource() {
                    self.views.push(View::Json {
                        tab,
                        name,
                        scroll: 0,
                    });
                }
            }
            Action::Copy => {
                if let Some((tab, name)) = self.current_resource()
                    && let Some(item) = self.find_item(tab, &name)
                {
                    let targets = kinds::kind(tab).copy_targets(item);
                    self.copy_menu = Some(CopyMenu { name, targets });
                }
            }
            Action::Refresh => self.refresh_now(),
            Action::Filter => {
                if self.views.is_empty() {
                    self.open_input(InputMode::Filter);
                }
            }
            Action::Sort | Action::SortReverse => {
                if self.views.is_empty() {
                    let keep = self
                        .active_tab()
                        .selected_name(self.source(self.active))
                        .map(str::to_owned);
                    let tab = &mut self.tabs[self.active.index()];
                    if action == Action::Sort {
                        // The next column that sorts (the cost column does not).
                        let columns = kinds::kind(tab.id).columns();
                        let n = columns.len();
                        let mut next = (tab.sort_column + 1) % n;
                        while !columns[next].sortable() && next != tab.sort_column {
                            next = (next + 1) % n;
                        }
                        tab.sort_column = next;
                        tab.sort_descending = false;
                    } else {
                        tab.sort_descending = !tab.sort_descending;
                    }
                    let source = if self.active.is_compute() {
                        Source::Computes(&self.computes)
                    } else {
                        Source::Jobs(&self.jobs)
                    };
                    self.tabs[self.active.index()].rebuild_keeping(
                        keep.as_deref(),
                        source,
                        viewport,
                    );
                }
            }
            Action::Operations => self.open_operations(),
            Action::Quota => self.open_quota(),
            Action::Info => {
                if self.views.is_empty() {
                    self.views.push(View::Info {
                        tab: self.active,
                        scroll: 0,
                    });
                }
            }
            Action::Dismiss => self.dismiss_operation(),
            Action::ActionMenu => self.open_action_menu(),
            Action::ActStart
            | Action::ActStop
            | Action::ActRestart
            | Action::ActResize
            | Action::ActIdleShutdown
            | Action::ActRemove
            | Action::ActKeys
            | Action::ActArchive => self.action_key(action, effects),
            Action::New if self.active == TabId::Jobs => self.open_submit(effects),
            Action::New => self.open_wizard(),
            Action::Reopen => self.reopen_failed(),
            Action::Logs => self.open_logs(effects),
            // Keys of the log view, handled by `logs_action` while it is on top.
            Action::LogFollow
            | Action::LogPicker
            | Action::LogSearch
            | Action::LogNext
            | Action::LogPrev
            | Action::LogWrap
            | Action::LogTimes
            | Action::LogSave => {}
            Action::CopyName | Action::CopyId | Action::CopySsh | Action::CopyLink => {
                if let Some(menu) = self.copy_menu.take() {
                    match menu.targets.into_iter().find(|t| t.action == action) {
                        Some(target) => {
                            // The terminal loop says where the text went (`App::copied`).
                            effects.push(Effect::Copy {
                                label: target.label.to_owned(),
                                text: target.text,
                            });
                        }
                        None => self.toast("nothing to copy there", Tone::Warning),
                    }
                }
            }
        }
    }

    /// `:quota`, `Q`: the quota view (once; the catalogue is fetched again when it failed).
    fn open_quota(&mut self) {
        self.copy_menu = None;
        if matches!(self.top_view(), Some(View::Quota { .. })) {
            return;
        }
        if self.is_connected() {
            // Tried again when it failed, whole or in part (sizes or usages).
            let partly = self
                .catalog
                .as_deref()
                .is_some_and(|c| c.sizes.is_err() || c.usages.is_err());
            let state = self.sources.entry(SourceKey::Catalog);
            if (state.failures > 0 || partly) && state.in_flight.is_none() {
                state.refresh_now();
            }
        }
        self.views.push(View::Quota { scroll: 0 });
    }

    /// The resource on screen: the selected row of a list, or the one a detail shows.
    fn current_resource(&self) -> Option<(TabId, String)> {
        match self.top_view() {
            None => self
                .selected_item(self.active)
                .map(|item| (self.active, item.name().to_owned())),
            Some(View::Detail { tab, name, .. }) => Some((*tab, name.clone())),
            _ => None,
        }
    }

    fn back(&mut self) {
        if self.copy_menu.take().is_some() {
            return;
        }
        if self.views.pop().is_some() {
            return;
        }
        let viewport = self.list_viewport();
        if !self.active_tab().filter.is_empty() {
            self.set_filter("", viewport);
            return;
        }
        // Esc never quits: say what does.
        self.toast("nothing to go back to: q or :q quits", Tone::Muted);
    }

    fn switch_tab(&mut self, tab: TabId) {
        self.views.clear();
        self.copy_menu = None;
        self.modal = None;
        self.active = tab;
    }

    fn page(&self) -> usize {
        if self.views.is_empty() {
            self.list_viewport().saturating_sub(1).max(1)
        } else {
            self.text_viewport().saturating_sub(1).max(1)
        }
    }

    fn move_by(&mut self, delta: isize) {
        if matches!(self.top_view(), Some(View::Operations { .. })) {
            self.move_operation(delta);
            return;
        }
        if self.views.is_empty() {
            let viewport = self.list_viewport();
            self.tabs[self.active.index()].move_by(delta, viewport);
            return;
        }
        let max = self.text_scroll_max();
        if let Some(scroll) = self.views.last_mut().and_then(View::scroll_mut) {
            *scroll = (*scroll as isize)
                .saturating_add(delta)
                .clamp(0, max as isize) as usize;
        }
    }

    fn text_scroll_max(&self) -> usize {
        self.text_rows().saturating_sub(self.text_viewport())
    }

    fn clamp_text_scroll(&mut self) {
        let max = self.text_scroll_max();
        if let Some(scroll) = self.views.last_mut().and_then(View::scroll_mut) {
            *scroll = (*scroll).min(max);
        }
    }

    fn open_input(&mut self, mode: InputMode) {
        let previous = self.active_tab().filter.query().to_owned();
        let value = if mode == InputMode::Filter {
            previous.clone()
        } else {
            String::new()
        };
        self.input = Some(InputLine {
            mode,
            input: tui_input::Input::new(value),
            previous,
        });
    }

    /// Sets the active tab's filter and rebuilds its view.
    pub fn set_filter(&mut self, query: &str, viewport: usize) {
        let id = self.active;
        let keep = self
            .tab(id)
            .selected_name(self.source(id))
            .map(str::to_owned);
        self.tabs[id.index()].filter = Filter::new(query);
        let source = if id.is_compute() {
            Source::Computes(&self.computes)
        } else {
            Source::Jobs(&self.jobs)
        };
        let tab = &mut self.tabs[id.index()];
        tab.selected = 0;
        tab.offset = 0;
        tab.rebuild_keeping(keep.as_deref(), source, viewport);
    }

    fn on_input_key(&mut self, key: KeyEvent, effects: &mut Vec<Effect>) {
        let viewport = self.list_viewport();
        let Some(line) = self.input.as_mut() else {
            return;
        };
        let mode = line.mode;
        match key.code {
            KeyCode::Esc => {
                let previous = line.previous.clone();
                self.input = None;
                if mode == InputMode::Filter {
                    self.set_filter(&previous, viewport);
                }
            }
            KeyCode::Enter => {
                let value = line.input.value().to_owned();
                self.input = None;
                if mode == InputMode::Command {
                    self.run_command(&value, effects);
                }
            }
            _ if crate::app::keys::KeyCombo::from_event(&key)
                == crate::app::keys::KeyCombo::ctrl('c') =>
            {
                self.quit = true;
            }
            _ => {
                let event = crossterm::event::Event::Key(key);
                if let Some(request) = tui_input::backend::crossterm::to_input_request(&event) {
                    let before = line.input.value().to_owned();
                    line.input.handle(request);
                    let after = line.input.value().to_owned();
                    if mode == InputMode::Filter && before != after {
                        self.set_filter(&after, viewport);
                    }
                }
            }
        }
    }

    fn run_command(&mut self, line: &str, effects: &mut Vec<Effect>) {
        match command::parse(line) {
            Ok(Command::Switch(change)) => self.switch_context(change, effects),
            Ok(Command::Errors) => {
                self.copy_menu = None;
                self.views.push(View::Errors { scroll: 0 });
            }
            Ok(Command::Help) => self.views.push(View::Help { scroll: 0 }),
            Ok(Command::Quota) => self.open_quota(),
            Ok(Command::Refresh) => self.refresh_now(),
            Ok(Command::Quit) => self.quit = true,
            Ok(Command::Tab(tab)) => self.switch_tab(tab),
            Ok(Command::Archived) => self.toggle_archived(),
            Err(error) => self.toast(error, Tone::Failed),
        }
    }

    fn switch_context(&mut self, change: ContextChange, effects: &mut Vec<Effect>) {
        if matches!(
            self.connection,
            ConnectionState::Connecting | ConnectionState::Switching(_)
        ) {
            self.toast("still connecting; try again in a moment", Tone::Warning);
            return;
        }
        let on_emulator = self.context.as_ref().is_some_and(|c| c.emulator);
        if on_emulator && !matches!(change, ContextChange::Profile(_)) {
            self.toast(
                "the built-in emulator serves only its demo workspace: use :profile NAME, or start amlc with --subscription, -g and -w, to use Azure",
                Tone::Warning,
            );
            return;
        }
        let label = change.describe();
        self.connection = ConnectionState::Switching(label.clone());
        self.toast(
            format!("switching to {label}{}", self.ellipsis()),
            Tone::Progress,
        );
        effects.push(Effect::Reconnect(change));
    }

    fn on_mouse(&mut self, mouse: MouseEvent) {
        if !self.mouse
            || self.input.is_some()
            || self.modal.is_some()
            || self.wizard.is_some()
            || self.submit.form.is_some()
        {
            return;
        }
        let mut ignored = Vec::new();
        match mouse.kind {
            MouseEventKind::ScrollDown => {
                for _ in 0..3 {
                    self.apply(Action::Down, &mut ignored);
                }
            }
            MouseEventKind::ScrollUp => {
                for _ in 0..3 {
                    self.apply(Action::Up, &mut ignored);
                }
            }
            MouseEventKind::Down(MouseButton::Left)
                if self.views.is_empty() && self.copy_menu.is_none() =>
            {
                if mouse.row >= LIST_FIRST_ROW_Y {
                    let viewport = self.list_viewport();
                    let tab = &mut self.tabs[self.active.index()];
                    let row = tab.offset + usize::from(mouse.row - LIST_FIRST_ROW_Y);
                    if row < tab.view.len() && usize::from(mouse.row - LIST_FIRST_ROW_Y) < viewport
                    {
                        tab.select(row, viewport);
                    }
                }
            }
            _ => return,
        }
        self.dirty = true;
    }
}
