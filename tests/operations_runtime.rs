//! Operations carried out by the app's runtime against the emulator over real HTTP on loopback:
//! `Effect::Act` for a stop of the demo's running instance reports Accepted, Progress and a
//! successful end, and the app fed those messages shows `Stopping` at once, then `Stopped`
//! after the refresh; a start of a running instance comes back as a typed 409 that reads as a
//! conflict, not as a permission problem.

mod ui_common;

mod emulator_common;

use amlc::actions::{ActionId, ActionRequest};
use amlc::app::operations::{OpEvent, OpId, OpState};
use amlc::app::runtime::Runtime;
use amlc::app::{App, AppOptions, ContextInfo, Effect, Msg, TabId};
use amlc::azure::AmlClient;
use amlc::azure::error::ErrorKind;
use amlc::emulator::{self, EmulatorConfig, EmulatorHandle};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedReceiver;
use ui_common::*;

const INSTANCE: &str = "ci-alice";

async fn start(dir: &std::path::Path) -> EmulatorHandle {
    emulator::start(EmulatorConfig {
        demo: true,
        speed: 4.0,
        ..EmulatorConfig::new(dir)
    })
    .await
    .unwrap()
}

fn azure_context() -> ContextInfo {
    ContextInfo {
        emulator: false,
        banner: None,
        ..context()
    }
}

/// The next message of the runtime (within 20 s).
async fn next(rx: &mut UnboundedReceiver<Msg>) -> Msg {
    tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("an answer within 20 s")
        .expect("the runtime is alive")
}

/// The operation events of `op` until its end.
async fn events_until_end(rx: &mut UnboundedReceiver<Msg>, op: OpId) -> Vec<OpEvent> {
    let mut events = Vec::new();
    loop {
        match next(rx).await {
            Msg::Op { op: id, event } if id == op => {
                let end = matches!(event, OpEvent::Ended(_));
                events.push(event);
                if end {
                    return events;
                }
            }
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_is_accepted_followed_and_ends() {
    let dir = tempfile::tempdir().unwrap();
    let handle = start(dir.path()).await;
    let client: AmlClient = emulator_common::client_for(&handle, emulator::DEMO_WORKSPACE);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut runtime = Runtime::new(tx, Duration::from_secs(20));
    runtime.set_source(client.clone());

    let op = OpId(1);
    let started = Instant::now();
    let effect = Effect::Act {
        op,
        request: ActionRequest::new(ActionId::Stop, INSTANCE),
    };
    assert_eq!(runtime.execute(effect), None, "the runtime carries it out");
    assert!(
        started.elapsed() < Duration::from_millis(50),
        "execute does not wait for the operation"
    );
    let events = events_until_end(&mut rx, op).await;
    assert!(
        matches!(&events[0], OpEvent::Accepted { status } if !status.is_empty()),
        "{events:?}"
    );
    let polls: Vec<u32> = events
        .iter()
        .filter_map(|e| match e {
            OpEvent::Progress { polls, .. } => Some(*polls),
            _ => None,
        })
        .collect();
    assert!(!polls.is_empty(), "at least one poll: {events:?}");
    assert!(polls.windows(2).all(|w| w[0] <= w[1]), "{polls:?}");
    match events.last() {
        Some(OpEvent::Ended(result)) => assert!(result.is_ok(), "{result:?}"),
        other => panic!("{other:?}"),
    }
    // The instance really stopped.
    let compute = client.get_compute(INSTANCE).await.unwrap();
    assert_eq!(compute.display_state(), "Stopped");
    runtime.shutdown();
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_shows_stopping_at_once_then_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let handle = start(dir.path()).await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut runtime = Runtime::new(tx, Duration::from_secs(20));
    runtime.set_source(emulator_common::client_for(
        &handle,
        emulator::DEMO_WORKSPACE,
    ));
    let mut app = App::new(AppOptions::default());
    app.set_clock(NOW_MS, 0);
    app.update(Msg::Resize(140, 30));
    let mut effects = app.update(Msg::Connected(azure_context()));
    let state = |app: &App| {
        app.computes
            .iter()
            .find(|c| c.name.as_deref() == Some(INSTANCE))
            .map(|c| c.display_state())
    };
    // Load the lists.
    let started = Instant::now();
    while !app.scope(TabId::Instances).loaded() {
        assert!(started.elapsed() < Duration::from_secs(20));
        for effect in effects.drain(..) {
            runtime.execute(effect);
        }
        effects = app.update(next(&mut rx).await);
    }
    assert_eq!(state(&app).as_deref(), Some("Running"));

    // The stop: the row reads Stopping in the same update.
    effects.extend(app.begin_action(ActionRequest::new(ActionId::Stop, INSTANCE)));
    assert_eq!(state(&app).as_deref(), Some("Stopping"));
    assert!(screen(&app).contains("Stopping"), "{}", screen(&app));
    let mut mono = 0u64;
    let started = Instant::now();
    loop {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "not stopped in 30 s: {:?}",
            app.operations.entries()
        );
        for effect in effects.drain(..) {
            runtime.execute(effect);
        }
        let msg = next(&mut rx).await;
        // The clock moves with the messages (the fast cadence is due each second).
        mono += 500;
        app.set_clock(NOW_MS + mono as i64, mono);
        effects = app.update(msg);
        let ended = app.operations.running() == 0;
        if ended && state(&app).as_deref() == Some("Stopped") {
            break;
        }
        // Until the service says otherwise, the row never reads Running again.
        assert_ne!(state(&app).as_deref(), Some("Running"));
    }
    let entry = &app.operations.entries()[0];
    assert_eq!(entry.state, OpState::Succeeded);
    assert!(entry.polls >= 1, "{entry:?}");
    runtime.shutdown();
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_of_a_running_instance_is_a_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let handle = start(dir.path()).await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut runtime = Runtime::new(tx, Duration::from_secs(20));
    runtime.set_source(emulator_common::client_for(
        &handle,
        emulator::DEMO_WORKSPACE,
    ));
    let op = OpId(7);
    runtime.execute(Effect::Act {
        op,
        request: ActionRequest::new(ActionId::Start, INSTANCE),
    });
    let events = events_until_end(&mut rx, op).await;
    let Some(OpEvent::Ended(result)) = events.last() else {
        panic!("{events:?}");
    };
    let error = result.as_ref().as_ref().unwrap_err();
    assert_eq!(error.kind, ErrorKind::Conflict, "{error:?}");
    assert_eq!(error.status, Some(409));
    assert!(error.line.starts_with("409 Conflict"), "{}", error.line);
    assert!(error.hint.contains("busy"), "{}", error.hint);
    runtime.shutdown();
    handle.shutdown().await;
}
