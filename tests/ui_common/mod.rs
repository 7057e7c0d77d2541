//! Shared helpers of the TUI tests: the JSON fixtures under `tests/fixtures/tui/` (a demo-like
//! workspace with every compute kind and jobs in every state), an `App` loaded with them through
//! the real message flow, with "now" frozen, and rendering to ratatui's `TestBackend`.
#![allow(dead_code)]

use amlc::app::{
    App, AppError, AppOptions, ContextInfo, Effect, Msg, RequestId, SourceData, SourceKey,
};
use amlc::azure::error::{ApiError, AzureError, ErrorDetail, ErrorKind};
use amlc::azure::models::{AmlComputeNodeInformation, ComputeResource, Job, NodesPage, Page};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// 2026-06-01T12:00:00Z, the "now" of every fixture.
pub const NOW_MS: i64 = 1_780_315_200_000;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/tui/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn computes() -> Vec<ComputeResource> {
    let page: Page<ComputeResource> = serde_json::from_str(&fixture("computes.json")).unwrap();
    page.value
}

pub fn jobs() -> Vec<Job> {
    let page: Page<Job> = serde_json::from_str(&fixture("jobs.json")).unwrap();
    page.value
}

pub fn nodes() -> Vec<AmlComputeNodeInformation> {
    let page: NodesPage = serde_json::from_str(&fixture("nodes.json")).unwrap();
    page.nodes
}

pub fn context() -> ContextInfo {
    ContextInfo {
        cloud: "custom (http://127.0.0.1:41234)".into(),
        subscription: "00000000-0000-0000-0000-000000000000".into(),
        resource_group: "demo-rg".into(),
        workspace: "demo-ws".into(),
        auth: "emulator token".into(),
        emulator: true,
        banner: Some("EMULATOR: no workspace configured".into()),
    }
}

/// An app of `width`x`height`, connected, with the compute and job fixtures loaded (frozen
/// clock; spinner at frame 0).
pub fn app_with(options: AppOptions, width: u16, height: u16) -> App {
    let mut app = App::new(options);
    app.set_clock(NOW_MS, 1_000);
    app.update(Msg::Resize(width, height));
    let effects = app.update(Msg::Connected(context()));
    let (computes_id, jobs_id) = fetch_ids(&effects);
    app.update(computes_loaded(computes_id, Ok(computes())));
    app.update(jobs_loaded(jobs_id, Ok(jobs())));
    app.toast = None;
    app
}

pub fn app(width: u16, height: u16) -> App {
    app_with(AppOptions::default(), width, height)
}

/// The request id of the fetch of `key` among `effects`, if one was started.
pub fn fetch_of(effects: &[Effect], key: &SourceKey) -> Option<RequestId> {
    effects.iter().find_map(|e| match e {
        Effect::Fetch(id, k) if k == key => Some(*id),
        _ => None,
    })
}

/// The compute and job request ids among `effects`.
pub fn fetch_ids(effects: &[Effect]) -> (RequestId, RequestId) {
    (
        fetch_of(effects, &SourceKey::Computes).expect("a compute fetch"),
        fetch_of(effects, &SourceKey::Jobs).expect("a job fetch"),
    )
}

pub fn press(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new_with_kind(
        code,
        KeyModifiers::NONE,
        KeyEventKind::Press,
    ))
}

pub fn ch(c: char) -> Msg {
    let modifiers = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    Msg::Key(KeyEvent::new_with_kind(
        KeyCode::Char(c),
        modifiers,
        KeyEventKind::Press,
    ))
}

/// Types `text` key by key.
pub fn type_text(app: &mut App, text: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    for c in text.chars() {
        effects.extend(app.update(ch(c)));
    }
    effects
}

/// Draws the app into a `TestBackend` of the app's size, in the default theme.
pub fn render(app: &App) -> Terminal<TestBackend> {
    render_with(app, &amlc::ui::Theme::default())
}

/// Draws the app in `theme`.
pub fn render_with(app: &App, theme: &amlc::ui::Theme) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(app.width, app.height)).unwrap();
    terminal
        .draw(|frame| amlc::ui::draw(app, theme, frame))
        .unwrap();
    terminal
}

/// The screen as text (one line per row, trailing spaces trimmed).
pub fn screen(app: &App) -> String {
    let terminal = render(app);
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let mut line = String::new();
        for x in 0..buffer.area.width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The answer of a compute-list fetch.
pub fn computes_loaded(id: RequestId, result: Result<Vec<ComputeResource>, AppError>) -> Msg {
    Msg::Loaded {
        id,
        key: SourceKey::Computes,
        result: result.map(SourceData::Computes),
    }
}

/// The answer of a job-list fetch.
pub fn jobs_loaded(id: RequestId, result: Result<Vec<Job>, AppError>) -> Msg {
    Msg::Loaded {
        id,
        key: SourceKey::Jobs,
        result: result.map(SourceData::Jobs),
    }
}

/// The answer of a node-list fetch.
pub fn nodes_loaded(
    id: RequestId,
    compute: String,
    result: Result<Vec<AmlComputeNodeInformation>, AppError>,
) -> Msg {
    Msg::Loaded {
        id,
        key: SourceKey::Nodes(compute),
        result: result.map(SourceData::Nodes),
    }
}

/// A server-side failure (5xx) reading `line`.
pub fn service_error(line: &str) -> AppError {
    AppError::new(
        ErrorKind::Service,
        line,
        "Azure had a server error: amlc retries",
    )
}

/// The app's error for an ARM answer of `status` with `code` and `message` to `GET path`.
pub fn api_error(status: u16, code: &str, message: &str, path: &str) -> AppError {
    AppError::from(AzureError::Api(Box::new(ApiError {
        status,
        method: "GET".into(),
        url: format!("https://management.azure.com{path}"),
        error: ErrorDetail {
            code: code.into(),
            message: message.into(),
            ..ErrorDetail::default()
        },
        request_id: Some("req-1".into()),
    })))
}
