//! Operations in the TUI, through `App::update` (pure, frozen clock): the row shows its
//! transitional state in the same update as the action (no flicker back on a refresh that still
//! reports the old state; the real state wins once the service moves), the list refreshes fast
//! while an operation runs, progress and ends update the entry, a failed operation stays in the
//! operations view with its whole error until dismissed (succeeded ones age out), the status bar
//! counts running operations, a long operation or watched job notifies (not a short one, not
//! when disabled), and quitting lists the operations still in flight. Snapshots of the
//! operations view and of the status bar's count.

mod ui_common;

use amlc::actions::{ActionId, ActionParams, ActionRequest, ScaleRequest};
use amlc::app::notify::NotifyPolicy;
use amlc::app::operations::{OpEvent, OpId, OpResult, OpState, SUCCEEDED_KEEP_MS};
use amlc::app::text::Tone;
use amlc::app::{App, AppError, AppOptions, Effect, Msg, RefreshPolicy, SourceKey, TabId, View};
use amlc::azure::models::{ComputeResource, Job};
use crossterm::event::KeyCode;
use insta::assert_snapshot;
use ui_common::*;

/// The monotonic time `ui_common::app` leaves the clock at.
const T0: u64 = 1_000;

fn op_of(effects: &[Effect]) -> OpId {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Act { op, .. } => Some(*op),
            _ => None,
        })
        .expect("an Act effect")
}

fn ended_ok() -> OpEvent {
    OpEvent::Ended(Box::new(Ok(OpResult::default())))
}

fn ended_err(error: AppError) -> OpEvent {
    OpEvent::Ended(Box::new(Err(error)))
}

/// The screen row that shows `name` (in a list).
fn row(app: &App, name: &str) -> String {
    screen(app)
        .lines()
        .find(|l| l.contains(&format!("{name} ")) && l.starts_with(['│', '|']))
        .unwrap_or_else(|| panic!("no row {name} in\n{}", screen(app)))
        .to_owned()
}

fn compute_state(app: &App, name: &str) -> String {
    app.computes
        .iter()
        .find(|c| c.name.as_deref() == Some(name))
        .map(|c| c.display_state())
        .unwrap_or_else(|| "(absent)".into())
}

/// The fixtures with the instance state of `name` replaced.
fn computes_with_state(name: &str, state: &str) -> Vec<ComputeResource> {
    let mut list = computes();
    let c = list
        .iter_mut()
        .find(|c| c.name.as_deref() == Some(name))
        .unwrap();
    if let amlc::azure::models::ComputeProperties::ComputeInstance(p) = &mut c.properties.properties
    {
        p.state = Some(state.into());
    }
    list
}

/// Moves the clock to `mono` (wall clock in step) and ticks; returns the effects.
fn tick_at(app: &mut App, mono: u64) -> Vec<Effect> {
    app.set_clock(NOW_MS + (mono - T0) as i64, mono);
    app.update(Msg::Tick)
}

/// Answers the compute fetch among `effects` with `list`.
fn answer_computes(app: &mut App, effects: &[Effect], list: Vec<ComputeResource>) {
    let id = fetch_of(effects, &SourceKey::Computes).expect("a compute fetch");
    app.update(computes_loaded(id, Ok(list)));
}

fn conflict() -> AppError {
    api_error(
        409,
        "Conflict",
        "Compute ci-alice is in state Stopping; the operation Start is not allowed",
        "/subscriptions/s/resourceGroups/demo-rg/providers/Microsoft.MachineLearningServices/workspaces/demo-ws/computes/ci-alice/start",
    )
}

fn forbidden() -> AppError {
    api_error(
        403,
        "AuthorizationFailed",
        "The client does not have authorization to perform action 'Microsoft.MachineLearningServices/workspaces/computes/stop/action'",
        "/subscriptions/s/resourceGroups/demo-rg/providers/Microsoft.MachineLearningServices/workspaces/demo-ws/computes/ci-alice/stop",
    )
}

#[test]
fn the_row_shows_the_transitional_state_in_the_same_update() {
    let mut app = app(120, 30);
    assert!(row(&app, "ci-alice").contains("Running"));
    let effects = app.begin_action(ActionRequest::new(ActionId::Stop, "ci-alice"));
    assert!(matches!(&effects[..], [Effect::Act { request, .. }] if request.target == "ci-alice"));
    // Next frame: the row reads Stopping, with the spinner of an in-progress row.
    let line = row(&app, "ci-alice");
    assert!(line.contains("Stopping"), "{line}");
    assert!(!line.contains("Running"), "{line}");
    assert!(app.tab(TabId::Instances).busy);
    assert!(app.animating());
    assert_eq!(app.operations.running(), 1);
}

#[test]
fn a_longer_transitional_state_widens_its_column() {
    let mut app = app(160, 30);
    app.update(ch('2'));
    let before = app.tab(TabId::Clusters).widths.clone();
    let scale = ScaleRequest {
        min_nodes: 0,
        max_nodes: 8,
        idle_secs: 120,
    };
    app.begin_action(
        ActionRequest::new(ActionId::Resize, "cpu-cluster").with(ActionParams::Resize(scale)),
    );
    assert_eq!(compute_state(&app, "cpu-cluster"), "Resizing");
    let line = row(&app, "cpu-cluster");
    assert!(line.contains("Succeeded/Resizing"), "{line}");
    let after = &app.tab(TabId::Clusters).widths;
    assert!(
        after.iter().zip(&before).all(|(a, b)| a >= b),
        "{before:?} -> {after:?}"
    );
}

#[test]
fn a_refresh_with_the_old_state_does_not_flicker_back() {
    let mut app = app(120, 30);
    app.begin_action(ActionRequest::new(ActionId::Stop, "ci-alice"));
    // While the operation runs the compute list is due every second.
    let effects = tick_at(&mut app, T0 + 1_000);
    // Azure has not moved yet: the list still says Running.
    answer_computes(&mut app, &effects, computes());
    assert_eq!(compute_state(&app, "ci-alice"), "Stopping");
    assert!(row(&app, "ci-alice").contains("Stopping"));
    // The service reports its own state: it wins.
    let effects = tick_at(&mut app, T0 + 2_000);
    answer_computes(
        &mut app,
        &effects,
        computes_with_state("ci-alice", "Stopped"),
    );
    assert_eq!(compute_state(&app, "ci-alice"), "Stopped");
    // From then on the overlay is gone, even if the service says Running again (a restart
    // ends in Running; a stop that failed leaves it Running).
    let effects = tick_at(&mut app, T0 + 3_000);
    answer_computes(&mut app, &effects, computes());
    assert_eq!(compute_state(&app, "ci-alice"), "Running");
}

/// While the stop's last poll is still to come, a row that already shows Stopped takes the next
/// action (start); while it still shows Stopping, mutating actions wait for the operation.
#[test]
fn a_settled_row_takes_the_next_action_before_the_last_poll() {
    let mut app = app(120, 30);
    app.update(ch('1'));
    app.update(ch('g'));
    while app.selected_item(TabId::Instances).map(|i| i.name()) != Some("ci-alice") {
        app.update(ch('j'));
    }
    let op = op_of(&app.begin_action(ActionRequest::new(ActionId::Stop, "ci-alice")));
    let busy = app.update(ch('R'));
    assert!(
        !busy.iter().any(|e| matches!(e, Effect::Act { .. })),
        "{busy:?}"
    );
    let effects = tick_at(&mut app, T0 + 1_000);
    answer_computes(
        &mut app,
        &effects,
        computes_with_state("ci-alice", "Stopped"),
    );
    assert!(app.operations.get(op).is_some_and(|e| e.state.is_active()));
    let effects = app.update(ch('u'));
    assert!(
        effects.iter().any(|e| matches!(
            e,
            Effect::Act { request, .. } if *request == ActionRequest::new(ActionId::Start, "ci-alice")
        )),
        "{effects:?}"
    );
}

#[test]
fn the_list_refreshes_fast_while_an_operation_runs() {
    let mut app = app(120, 30);
    let policy = RefreshPolicy::default();
    let normal = app.source_state(&SourceKey::Computes).cadence_ms;
    assert!(normal >= policy.busy_ms, "{normal}");
    let op = op_of(&app.begin_action(ActionRequest::new(ActionId::Stop, "ci-alice")));
    assert_eq!(app.source_state(&SourceKey::Computes).cadence_ms, 1_000);
    // The job list is untouched.
    assert_eq!(
        app.source_state(&SourceKey::Jobs).cadence_ms,
        policy.background_ms
    );
    let effects = tick_at(&mut app, T0 + 1_000);
    assert!(
        fetch_of(&effects, &SourceKey::Computes).is_some(),
        "{effects:?}"
    );
    answer_computes(&mut app, &effects, computes());
    let effects = tick_at(&mut app, T0 + 2_000);
    assert!(
        fetch_of(&effects, &SourceKey::Computes).is_some(),
        "{effects:?}"
    );
    answer_computes(
        &mut app,
        &effects,
        computes_with_state("ci-alice", "Stopped"),
    );
    // The end: one more refresh at once, then the normal cadence.
    let effects = app.update(Msg::Op {
        op,
        event: ended_ok(),
    });
    assert!(
        fetch_of(&effects, &SourceKey::Computes).is_some(),
        "{effects:?}"
    );
    assert_eq!(app.source_state(&SourceKey::Computes).cadence_ms, normal);
}

#[test]
fn progress_and_the_end_update_the_entry() {
    let mut app = app(120, 30);
    let op = op_of(&app.begin_action(ActionRequest::new(ActionId::Stop, "ci-alice")));
    let entry = |app: &App| app.operations.get(op).unwrap().clone();
    assert_eq!(entry(&app).state, OpState::Sending);
    app.update(Msg::Op {
        op,
        event: OpEvent::Accepted {
            status: "InProgress".into(),
        },
    });
    assert_eq!(entry(&app).state, OpState::Running);
    assert_eq!(entry(&app).status, "InProgress");
    app.set_clock(NOW_MS + 4_000, T0 + 4_000);
    app.update(Msg::Op {
        op,
        event: OpEvent::Progress {
            status: "InProgress".into(),
            polls: 3,
        },
    });
    assert_eq!(entry(&app).polls, 3);
    assert_eq!(entry(&app).elapsed_ms(app.now_mono_ms), 4_000);
    app.set_clock(NOW_MS + 6_000, T0 + 6_000);
    app.update(Msg::Op {
        op,
        event: ended_ok(),
    });
    let done = entry(&app);
    assert_eq!(done.state, OpState::Succeeded);
    assert_eq!(
        done.elapsed_ms(T0 + 60_000),
        6_000,
        "elapsed stops at the end"
    );
    assert_eq!(app.operations.running(), 0);
    let toast = app.toast.clone().unwrap();
    assert_eq!(toast.text, "stop ci-alice: done");
    // A late event changes nothing.
    app.update(Msg::Op {
        op,
        event: OpEvent::Progress {
            status: "InProgress".into(),
            polls: 9,
        },
    });
    assert_eq!(entry(&app).state, OpState::Succeeded);
    assert_eq!(entry(&app).polls, 3);
}

#[test]
fn a_conflict_reads_differently_from_a_permission_refusal() {
    let mut app = app(120, 30);
    let op = op_of(&app.begin_action(ActionRequest::new(ActionId::Start, "ci-alice")));
    let effects = app.update(Msg::Op {
        op,
        event: ended_err(conflict()),
    });
    let toast = app.toast.clone().unwrap();
    answer_computes(&mut app, &effects, computes());
    assert_eq!(toast.tone, Tone::Failed);
    assert!(
        toast.text.starts_with(
            "start ci-alice refused, the resource is busy or in the wrong state: 409 Conflict"
        ),
        "{}",
        toast.text
    );
    let op = op_of(&app.begin_action(ActionRequest::new(ActionId::Stop, "ci-alice")));
    let effects = app.update(Msg::Op {
        op,
        event: ended_err(forbidden()),
    });
    let toast = app.toast.clone().unwrap();
    assert!(
        toast
            .text
            .starts_with("stop ci-alice refused, no permission: 403 Forbidden"),
        "{}",
        toast.text
    );
    // The row is back to what the service said (the overlay ends with the operation; the
    // refresh asked at the end confirms).
    answer_computes(&mut app, &effects, computes());
    assert_eq!(compute_state(&app, "ci-alice"), "Running");
}

#[test]
fn a_failed_operation_stays_with_its_error_until_dismissed() {
    let mut app = app(140, 30);
    let failed = op_of(&app.begin_action(ActionRequest::new(ActionId::Start, "ci-alice")));
    app.update(Msg::Op {
        op: failed,
        event: ended_err(conflict()),
    });
    let ok = op_of(&app.begin_action(ActionRequest::new(ActionId::Start, "ci-bob")));
    app.update(Msg::Op {
        op: ok,
        event: ended_ok(),
    });
    app.update(ch('o'));
    assert!(matches!(app.top_view(), Some(View::Operations { .. })));
    let text = screen(&app);
    for part in [
        "409 Conflict",
        "is in state Stopping; the operation Start is not allowed",
        "check its state",
        "request id  req-1",
    ] {
        assert!(text.contains(part), "{part} not in\n{text}");
    }
    // Ten minutes later the succeeded one aged out; the failed one stays.
    tick_at(&mut app, T0 + SUCCEEDED_KEEP_MS + 60_000);
    let left: Vec<OpId> = app.operations.entries().iter().map(|e| e.id).collect();
    assert_eq!(left, vec![failed]);
    assert!(screen(&app).contains("409 Conflict"));
    // `d` dismisses it; Esc goes back to the list.
    app.update(ch('d'));
    assert!(app.operations.entries().is_empty());
    assert!(screen(&app).contains("No operations yet."));
    app.update(press(KeyCode::Esc));
    assert_eq!(app.top_view(), None);
}

#[test]
fn a_running_operation_cannot_be_dismissed() {
    let mut app = app(120, 30);
    app.begin_action(ActionRequest::new(ActionId::Stop, "ci-alice"));
    app.update(ch('o'));
    app.update(press(KeyCode::Delete));
    assert_eq!(app.operations.running(), 1);
    assert!(app.toast.as_ref().unwrap().text.contains("still running"));
}

#[test]
fn the_operations_view_moves_its_selection() {
    let mut app = app(120, 30);
    for name in ["ci-alice", "ci-bob"] {
        let op = op_of(&app.begin_action(ActionRequest::new(ActionId::Restart, name)));
        app.update(Msg::Op {
            op,
            event: ended_err(conflict()),
        });
    }
    app.update(ch('o'));
    assert!(matches!(
        app.top_view(),
        Some(View::Operations { selected: 1, .. })
    ));
    app.update(ch('k'));
    assert!(matches!(
        app.top_view(),
        Some(View::Operations { selected: 0, .. })
    ));
    app.update(ch('d'));
    let left: Vec<String> = app
        .operations
        .entries()
        .iter()
        .map(|e| e.request.target.clone())
        .collect();
    assert_eq!(left, vec!["ci-bob".to_owned()]);
}

#[test]
fn a_deleted_compute_leaves_its_list_when_the_operation_ends() {
    let mut app = app(120, 30);
    app.update(ch('2'));
    let op = op_of(&app.begin_action(ActionRequest::new(ActionId::Delete, "lowpri-cluster")));
    assert!(row(&app, "lowpri-cluster").contains("Deleting"));
    let items = app.tab(TabId::Clusters).items.len();
    app.update(Msg::Op {
        op,
        event: ended_ok(),
    });
    assert_eq!(app.tab(TabId::Clusters).items.len(), items - 1);
    assert!(
        !screen(&app)
            .lines()
            .any(|l| l.starts_with('│') && l.contains("lowpri-cluster")),
        "{}",
        screen(&app)
    );
}

#[test]
fn a_job_cancel_shows_cancel_requested() {
    let mut app = app(140, 30);
    app.update(ch('5'));
    app.begin_action(ActionRequest::new(ActionId::CancelJob, "train-forever-01"));
    let line = row(&app, "train-forever-01");
    assert!(line.contains("CancelRequested"), "{line}");
    assert_eq!(app.source_state(&SourceKey::Jobs).cadence_ms, 1_000);
}

#[test]
fn the_status_bar_counts_running_operations() {
    let mut app = app(140, 24);
    app.begin_action(ActionRequest::new(ActionId::Stop, "ci-alice"));
    app.begin_action(ActionRequest::new(ActionId::Start, "ci-bob"));
    let text = screen(&app);
    let status = text.lines().rev().nth(1).unwrap();
    assert!(status.contains("⟳ 2 ops"), "{status}");
    assert_snapshot!("status_two_running", status);

    let mut ascii = app_with(
        AppOptions {
            ascii: true,
            ..AppOptions::default()
        },
        140,
        24,
    );
    let op = op_of(&ascii.begin_action(ActionRequest::new(ActionId::Stop, "ci-alice")));
    let text = screen(&ascii);
    let status = text.lines().rev().nth(1).unwrap();
    assert!(
        status.contains("ops 1") || status.contains("op 1"),
        "{status}"
    );
    assert!(status.is_ascii(), "{status}");
    ascii.update(Msg::Op {
        op,
        event: ended_err(conflict()),
    });
    let text = screen(&ascii);
    let status = text.lines().rev().nth(1).unwrap();
    assert!(status.contains("1 failed op"), "{status}");
}

#[test]
fn the_operations_view_shows_a_running_and_a_failed_operation() {
    let mut app = app(140, 24);
    let failed = op_of(&app.begin_action(ActionRequest::new(ActionId::Start, "ci-alice")));
    app.update(Msg::Op {
        op: failed,
        event: OpEvent::Accepted {
            status: "InProgress".into(),
        },
    });
    app.set_clock(NOW_MS + 2_000, T0 + 2_000);
    app.update(Msg::Op {
        op: failed,
        event: ended_err(conflict()),
    });
    let running = op_of(&app.begin_action(ActionRequest::new(ActionId::Stop, "ci-bob")));
    app.set_clock(NOW_MS + 14_000, T0 + 14_000);
    app.update(Msg::Op {
        op: running,
        event: OpEvent::Progress {
            status: "InProgress".into(),
            polls: 5,
        },
    });
    app.update(ch('o'));
    // The failed one is selected: its error in full.
    assert_snapshot!("operations_view", screen(&app));
}

fn notifications(effects: &[Effect]) -> Vec<amlc::app::notify::Notification> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Notify(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

/// Runs a stop of `target` for `ms` and returns the effects of its end.
fn run_for(app: &mut App, target: &str, ms: u64) -> Vec<Effect> {
    let start = app.now_mono_ms;
    let op = op_of(&app.begin_action(ActionRequest::new(ActionId::Stop, target)));
    app.set_clock(app.now_wall_ms + ms as i64, start + ms);
    app.update(Msg::Op {
        op,
        event: ended_ok(),
    })
}

#[test]
fn a_long_operation_notifies_and_a_short_one_does_not() {
    let mut app = app(120, 30);
    let effects = run_for(&mut app, "ci-alice", 5_000);
    assert!(notifications(&effects).is_empty(), "{effects:?}");
    assert_eq!(app.toast.as_ref().unwrap().text, "stop ci-alice: done");

    let effects = run_for(&mut app, "ci-alice", 12_000);
    let sent = notifications(&effects);
    assert_eq!(sent.len(), 1, "{effects:?}");
    assert_eq!(sent[0].title, "amlc");
    assert_eq!(sent[0].body, "stop ci-alice: done after 12 s");
    assert!(sent[0].bell && sent[0].desktop);
    assert_eq!(
        app.toast.as_ref().unwrap().text,
        "stop ci-alice: done after 12 s"
    );
}

#[test]
fn notifications_follow_the_config() {
    let options = |bell, desktop, after_ms| AppOptions {
        notify: NotifyPolicy {
            after_ms,
            bell,
            desktop,
        },
        ..AppOptions::default()
    };
    // Both off: the toast only.
    let mut app = app_with(options(false, false, 10_000), 120, 30);
    let effects = run_for(&mut app, "ci-alice", 60_000);
    assert!(notifications(&effects).is_empty(), "{effects:?}");
    assert!(
        app.toast
            .as_ref()
            .unwrap()
            .text
            .contains("done after 1 min 00 s")
    );
    // The bell only, with a lower threshold.
    let mut app = app_with(options(true, false, 2_000), 120, 30);
    let sent = notifications(&run_for(&mut app, "ci-alice", 3_000));
    assert_eq!(sent.len(), 1);
    assert!(sent[0].bell && !sent[0].desktop);
}

#[test]
fn notification_text_holds_no_control_characters() {
    let mut app = app(120, 30);
    let effects = run_for(&mut app, "ci-\x1b]52;c;x\x07evil", 30_000);
    let sent = notifications(&effects);
    assert_eq!(sent.len(), 1);
    assert!(!sent[0].body.chars().any(char::is_control), "{:?}", sent[0]);
    assert!(
        sent[0].body.starts_with("stop ci- ]52;c;x evil: done"),
        "{:?}",
        sent[0]
    );
}

/// The fixture jobs with the status of `name` replaced.
fn jobs_with_status(name: &str, status: &str) -> Vec<Job> {
    let mut list = jobs();
    let job = list
        .iter_mut()
        .find(|j| j.name.as_deref() == Some(name))
        .unwrap();
    job.properties.status = Some(status.into());
    list
}

#[test]
fn a_watched_job_that_ends_notifies() {
    let mut app = app(140, 30);
    app.update(ch('5'));
    // train-forever-01 runs since 10:00 (two hours before "now"); its detail is opened.
    while app.selected_item(TabId::Jobs).unwrap().name() != "train-forever-01" {
        app.update(ch('j'));
    }
    app.update(press(KeyCode::Enter));
    assert!(
        app.operations
            .watched()
            .any(|name| name == "train-forever-01")
    );
    app.update(press(KeyCode::Esc));
    // It ends: the next job list says Completed.
    let mut effects = tick_at(&mut app, T0 + 5_000);
    if fetch_of(&effects, &SourceKey::Jobs).is_none() {
        effects = tick_at(&mut app, T0 + 30_000);
    }
    let id = fetch_of(&effects, &SourceKey::Jobs).expect("a job fetch");
    let effects = app.update(jobs_loaded(
        id,
        Ok(jobs_with_status("train-forever-01", "Completed")),
    ));
    let sent = notifications(&effects);
    assert_eq!(sent.len(), 1, "{effects:?}");
    assert!(
        sent[0]
            .body
            .starts_with("job train-forever-01: Completed after 2 h"),
        "{:?}",
        sent[0]
    );
    assert!(app.toast.as_ref().unwrap().text.contains("Completed"));
    assert_eq!(app.operations.watched().count(), 0, "watched once");
}

#[test]
fn a_job_that_was_not_watched_does_not_notify() {
    let mut app = app(140, 30);
    app.update(ch('5'));
    let effects = tick_at(&mut app, T0 + 5_000);
    let id = fetch_of(&effects, &SourceKey::Jobs).expect("a job fetch");
    let effects = app.update(jobs_loaded(
        id,
        Ok(jobs_with_status("train-forever-01", "Completed")),
    ));
    assert!(notifications(&effects).is_empty());
}

#[test]
fn quitting_lists_the_operations_in_flight() {
    let mut app = app(120, 30);
    assert!(app.quit_lines().is_empty());
    app.begin_action(ActionRequest::new(ActionId::Stop, "ci-dev"));
    let done = op_of(&app.begin_action(ActionRequest::new(ActionId::Start, "ci-bob")));
    app.update(Msg::Op {
        op: done,
        event: ended_ok(),
    });
    app.begin_action(ActionRequest::new(ActionId::CancelJob, "train-forever-01"));
    assert_eq!(
        app.quit_lines(),
        vec![
            "stop ci-dev: still running in Azure (amlc stopped following it)".to_owned(),
            "cancel job train-forever-01: still running in Azure (amlc stopped following it)"
                .to_owned(),
        ]
    );
    // The quit itself is never held back.
    let effects = app.update(ch('q'));
    assert!(effects.contains(&Effect::Quit));
}

#[test]
fn read_only_sends_nothing_and_shows_nothing() {
    let mut app = app_with(
        AppOptions {
            read_only: true,
            ..AppOptions::default()
        },
        120,
        30,
    );
    assert!(
        app.begin_action(ActionRequest::new(ActionId::Stop, "ci-alice"))
            .is_empty()
    );
    assert!(row(&app, "ci-alice").contains("Running"));
    assert_eq!(app.operations.running(), 0);
}

#[test]
fn after_a_workspace_switch_the_old_operations_leave_the_new_lists_alone() {
    let mut app = app(120, 30);
    app.begin_action(ActionRequest::new(ActionId::Stop, "ci-alice"));
    assert_eq!(app.source_state(&SourceKey::Computes).cadence_ms, 1_000);
    let other = amlc::app::ContextInfo {
        workspace: "other-ws".into(),
        ..context()
    };
    let effects = app.update(Msg::Connected(other));
    // Same names in another workspace: their rows are the service's, at the normal cadence.
    answer_computes(&mut app, &effects, computes());
    assert_eq!(compute_state(&app, "ci-alice"), "Running");
    assert_ne!(app.source_state(&SourceKey::Computes).cadence_ms, 1_000);
    // The operation itself is still followed and listed.
    assert_eq!(app.operations.running(), 1);
    assert_eq!(app.quit_lines().len(), 1);
    // It does not block the same name here: restart asks for its confirmation.
    app.update(ch('1'));
    app.update(ch('g'));
    while app.selected_item(TabId::Instances).map(|i| i.name()) != Some("ci-alice") {
        app.update(ch('j'));
    }
    app.update(ch('R'));
    assert!(
        matches!(app.modal, Some(amlc::app::menu::Modal::Confirm(_))),
        "{:?} / {:?}",
        app.modal,
        app.toast
    );
}

#[test]
fn a_long_error_scrolls_in_a_small_terminal() {
    let mut app = app(60, 16);
    let op = op_of(&app.begin_action(ActionRequest::new(ActionId::Start, "ci-alice")));
    app.update(Msg::Op {
        op,
        event: ended_err(conflict()),
    });
    app.update(ch('o'));
    let text = screen(&app);
    assert!(text.contains("PgUp/PgDn scroll"), "{text}");
    assert!(!text.contains("request id  req-1"), "{text}");
    // To the bottom: the rest of the error, the request id included.
    app.update(ch('G'));
    let text = screen(&app);
    assert!(text.contains("request id  req-1"), "{text}");
    assert!(text.contains("d dismisses it"), "{text}");
    // Back to the top.
    app.update(ch('g'));
    assert!(screen(&app).contains("start ci-alice"));
    assert!(matches!(
        app.top_view(),
        Some(View::Operations { scroll: 0, .. })
    ));
}

#[test]
fn a_cancelled_job_notifies_once() {
    let mut app = app(140, 30);
    app.update(ch('5'));
    let op = op_of(&app.begin_action(ActionRequest::new(ActionId::CancelJob, "train-forever-01")));
    assert!(app.operations.watched().any(|n| n == "train-forever-01"));
    app.set_clock(NOW_MS + 20_000, T0 + 20_000);
    let effects = app.update(Msg::Op {
        op,
        event: ended_ok(),
    });
    let sent = notifications(&effects);
    assert_eq!(sent.len(), 1, "{effects:?}");
    assert_eq!(sent[0].body, "cancel job train-forever-01: done after 20 s");
    let id = fetch_of(&effects, &SourceKey::Jobs).expect("the job list is refreshed");
    let effects = app.update(jobs_loaded(
        id,
        Ok(jobs_with_status("train-forever-01", "Canceled")),
    ));
    assert!(notifications(&effects).is_empty(), "{effects:?}");
}
