//! The app's runtime against the emulator over real HTTP on loopback: a context switch checks
//! the new workspace with one GET before it replaces the working view, and with faults injected
//! (`error=0.1,throttle=0.1`) the retries reach the status bar and the error history instead of
//! `⇅ 0 │ 0 errors`.

mod ui_common;

mod emulator_common;

use amlc::app::command::ContextChange;
use amlc::app::runtime::{Runtime, check_workspace};
use amlc::app::{App, AppOptions, ContextInfo, Effect, Msg, TabId};
use amlc::azure::AmlClient;
use amlc::azure::error::ErrorKind;
use amlc::emulator::{self, EmulatorConfig, EmulatorHandle, FaultSpec};
use crossterm::event::KeyCode;
use std::time::{Duration, Instant};
use ui_common::*;

async fn start(dir: &std::path::Path, faults: Option<&str>) -> EmulatorHandle {
    emulator::start(EmulatorConfig {
        demo: true,
        speed: 40.0,
        faults: faults.map(|f| FaultSpec::parse(f).unwrap()),
        ..EmulatorConfig::new(dir)
    })
    .await
    .unwrap()
}

fn client(handle: &EmulatorHandle, workspace: &str) -> AmlClient {
    emulator_common::client_for(handle, workspace)
}

fn azure_context() -> ContextInfo {
    ContextInfo {
        emulator: false,
        banner: None,
        ..context()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_switch_to_a_missing_workspace_keeps_the_current_view() {
    let dir = tempfile::tempdir().unwrap();
    let handle = start(dir.path(), None).await;
    // The demo workspace answers; a typo does not, and says why and what to do.
    check_workspace(
        &client(&handle, emulator::DEMO_WORKSPACE),
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    let error = check_workspace(&client(&handle, "typo-ws"), Duration::from_secs(5))
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::NotFound);
    assert_eq!(error.status, Some(404));
    assert!(
        error.line.starts_with(&format!(
            "workspace typo-ws (resource group {}): 404 Not Found",
            emulator::DEMO_RESOURCE_GROUP
        )),
        "{}",
        error.line
    );
    assert!(error.hint.contains("amlc doctor"), "{}", error.hint);

    // The app: `:ws typo-ws` asks for a reconnect; the check's failure leaves the data.
    let mut app = app(120, 30);
    let effects = app.update(Msg::Connected(azure_context()));
    let (c, j) = fetch_ids(&effects);
    app.update(computes_loaded(c, Ok(computes())));
    app.update(jobs_loaded(j, Ok(jobs())));
    app.update(ch(':'));
    type_text(&mut app, "ws typo-ws");
    let effects = app.update(press(KeyCode::Enter));
    assert!(
        effects.contains(&Effect::Reconnect(ContextChange::Workspace(
            "typo-ws".into()
        )))
    );
    app.update(Msg::ConnectFailed(error.clone()));
    assert_eq!(app.tab(TabId::Instances).items.len(), 4, "the view stays");
    assert_eq!(app.context.as_ref().unwrap().workspace, "demo-ws");
    let toast = app.toast.as_ref().unwrap();
    assert!(
        toast
            .text
            .starts_with("could not switch: workspace typo-ws"),
        "{}",
        toast.text
    );
    let last = app.errors.back().unwrap();
    assert_eq!(last.message, error.line);
    assert_eq!(last.hint.as_deref(), Some(error.hint.as_str()));
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_under_faults_reach_the_status_bar() {
    let dir = tempfile::tempdir().unwrap();
    let handle = start(dir.path(), Some("error=0.1,throttle=0.1,seed=7")).await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut runtime = Runtime::new(tx, Duration::from_secs(20));
    runtime.set_source(client(&handle, emulator::DEMO_WORKSPACE));
    let mut app = App::new(AppOptions::default());
    app.set_clock(NOW_MS, 0);
    app.update(Msg::Resize(120, 30));
    let mut effects = app.update(Msg::Connected(azure_context()));
    let started = Instant::now();
    let mut loaded = 0;
    while app.http.retries == 0 || loaded < 2 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no retry seen in 30 s: {:?}",
            app.http
        );
        for effect in effects.drain(..) {
            runtime.execute(effect);
        }
        let msg = tokio::time::timeout(Duration::from_secs(25), rx.recv())
            .await
            .expect("an answer")
            .expect("the runtime is alive");
        if matches!(msg, Msg::Loaded { .. }) {
            loaded += 1;
        }
        effects = app.update(msg);
        effects.extend(app.update(Msg::Http(runtime.activity())));
        // Ask again: every refresh is another chance for a fault.
        effects.extend(app.update(ch('r')));
    }
    assert!(app.scope(TabId::Instances).loaded() || app.scope(TabId::Jobs).loaded());
    let status = screen(&app)
        .lines()
        .rev()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    assert!(!status.contains("⇅ 0 │ 0 errors"), "{status}");
    assert!(status.contains(" retr"), "{status}");
    assert!(
        app.errors.iter().any(|e| e.scope == "http retries"),
        "{:?}",
        app.errors
    );
    runtime.shutdown();
    handle.shutdown().await;
}

/// Carries out the app's effects with `runtime` and applies the answers until `done` holds.
async fn pump(
    app: &mut App,
    runtime: &mut Runtime<AmlClient>,
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<Msg>,
    mut effects: Vec<Effect>,
    done: impl Fn(&App) -> bool,
) {
    let started = Instant::now();
    while !done(app) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "not done in 30 s; errors: {:?}",
            app.errors
        );
        for effect in effects.drain(..) {
            runtime.execute(effect);
        }
        let msg = tokio::time::timeout(Duration::from_secs(25), rx.recv())
            .await
            .expect("an answer")
            .expect("the runtime is alive");
        effects = app.update(msg);
        effects.extend(app.update(Msg::Http(runtime.activity())));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_jobs_tab_reads_run_history_from_the_emulator() {
    let dir = tempfile::tempdir().unwrap();
    let handle = start(dir.path(), None).await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut runtime = Runtime::new(tx, Duration::from_secs(20));
    runtime.set_source(client(&handle, emulator::DEMO_WORKSPACE));
    let mut app = App::new(AppOptions::default());
    app.set_clock(NOW_MS, 0);
    app.update(Msg::Resize(160, 30));
    let effects = app.update(Msg::Connected(azure_context()));
    pump(&mut app, &mut runtime, &mut rx, effects, |a| {
        a.scope(TabId::Jobs).loaded()
    })
    .await;
    // The clock of the app is the real one from here on (the emulator's times are real).
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    app.set_clock(now, 1_000);
    let effects = app.update(ch('5'));
    let failed = "wild_fox_9m4t1k8s2j";
    pump(&mut app, &mut runtime, &mut rx, effects, |a| {
        a.run_cache.contains_key(failed)
    })
    .await;
    let job = app
        .jobs
        .iter()
        .find(|j| j.name.as_deref() == Some(failed))
        .unwrap();
    let details = job.run_details.as_ref().expect("the row holds run history");
    assert!(details.start_time_utc.is_some() && details.end_time_utc.is_some());
    let shown = screen(&app);
    let row = shown
        .lines()
        .find(|l| l.contains(failed))
        .unwrap_or_else(|| panic!("{shown}"));
    assert!(row.contains("Failed (UserError)"), "{row}");
    // Started 3 min after submission, ended 11 min after: 8 min of run, 3 min queued.
    assert!(row.contains("8m00s") && row.contains("3m00s"), "{row}");
    runtime.shutdown();
    handle.shutdown().await;
}
