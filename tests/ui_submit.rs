//! The submit form of the Jobs tab through `App::update` (no terminal): `n` opens it (refused
//! under --read-only) and asks for the code folder's snapshot and the environments; the rules
//! shown as typed and Enter refused with them; the compute picker (local and the workspace's
//! clusters, instances and Kubernetes computes with their state); local and instances force one
//! instance; Esc asks before discarding and never quits; the review (the runtime's plan answer:
//! the job body, the snapshot, where it runs, the environment's kind); the submission with its
//! progress line; a failure keeping the values (Enter retries); success closing the form with
//! the job's row shown at once (never lost nor doubled by the next refresh) and its log view
//! open; the help and the info panel; snapshots at 80x24, and a tiny terminal.

mod ui_common;

use amlc::app::submit::{
    EnvChoice, FieldId, ReviewData, Sent, SnapshotSummary, Stage, SubmitEffect, SubmitEvent,
};
use amlc::app::{App, AppOptions, Effect, Msg, SourceKey, TabId, View};
use amlc::submit::flow::{CodeOutcome, Step};
use amlc::submit::job_yaml::{Code, Compute, Environment, JobSpec};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use insta::assert_snapshot;
use std::path::PathBuf;
use ui_common::*;

fn toast(app: &App) -> String {
    app.toast
        .as_ref()
        .map(|t| t.text.clone())
        .unwrap_or_default()
}

fn back_tab() -> Msg {
    Msg::Key(KeyEvent::new_with_kind(
        KeyCode::BackTab,
        KeyModifiers::SHIFT,
        KeyEventKind::Press,
    ))
}

fn form(app: &App) -> &amlc::app::submit::SubmitForm {
    app.submit.form.as_deref().expect("the submit form is open")
}

fn snapshot_request(effects: &[Effect]) -> Option<(u64, String)> {
    effects.iter().find_map(|e| match e {
        Effect::Submit(SubmitEffect::Snapshot { id, text }) => Some((*id, text.clone())),
        _ => None,
    })
}

fn env_request(effects: &[Effect]) -> Option<u64> {
    effects.iter().find_map(|e| match e {
        Effect::Submit(SubmitEffect::Environments { id }) => Some(*id),
        _ => None,
    })
}

fn review_request(effects: &[Effect]) -> Option<(u64, JobSpec)> {
    effects.iter().find_map(|e| match e {
        Effect::Submit(SubmitEffect::Review { id, spec }) => Some((*id, (**spec).clone())),
        _ => None,
    })
}

fn send_request(effects: &[Effect]) -> Option<(u64, JobSpec)> {
    effects.iter().find_map(|e| match e {
        Effect::Submit(SubmitEffect::Send { id, spec }) => Some((*id, (**spec).clone())),
        _ => None,
    })
}

fn envs() -> Vec<EnvChoice> {
    vec![
        EnvChoice {
            name: "sklearn-env".into(),
            latest_version: Some("3".into()),
            description: Some("scikit-learn 1.5 on Ubuntu".into()),
        },
        EnvChoice {
            name: "torch-env".into(),
            latest_version: Some("12".into()),
            description: None,
        },
    ]
}

/// `n` on the Jobs tab of an app of `w`x`h`; the snapshot and the environments answered.
fn open(w: u16, h: u16) -> App {
    let mut app = app(w, h);
    app.update(ch('5'));
    assert_eq!(app.active, TabId::Jobs);
    let effects = app.update(ch('n'));
    let (snap, text) = snapshot_request(&effects).expect("the snapshot of . is asked at once");
    assert_eq!(text, ".");
    let envs_id = env_request(&effects).expect("the environments are asked");
    app.update(Msg::Submit(SubmitEvent::Environments {
        id: envs_id,
        result: Ok(envs()),
    }));
    app.update(Msg::Submit(SubmitEvent::Snapshot {
        id: snap,
        cwd: Some(PathBuf::from("/home/alice/projects/mnist")),
        home: Some(PathBuf::from("/home/alice")),
        result: Ok(SnapshotSummary {
            path: PathBuf::from("/home/alice/projects/mnist"),
            lines: vec![
                "12 files, 48.2 kB, .amlignore; largest: train.py 20.1 kB, data.csv 9.0 kB; hash 3f2a9c1d0b7e…".into(),
                "warning: symlink data points outside the folder, to /data: its target is uploaded".into(),
            ],
        }),
    }));
    app.toast = None;
    app
}

fn enter(app: &mut App) -> Vec<Effect> {
    app.update(press(KeyCode::Enter))
}

fn tab(app: &mut App) {
    app.update(press(KeyCode::Tab));
}

/// Focus on field `f` (Tab from the top).
fn focus(app: &mut App, f: FieldId) {
    for _ in 0..10 {
        app.update(back_tab());
    }
    for _ in 0..10 {
        if form(app).focused(&app.computes) == Some(f) {
            return;
        }
        tab(app);
    }
    panic!("field {f:?} not shown: {}", screen(app));
}

/// Picks `value` in the picker of the focused field (filtered by it).
fn pick(app: &mut App, filter: &str) {
    enter(app);
    assert!(form(app).picker.is_some(), "the picker opens");
    type_text(app, filter);
    enter(app);
    assert!(form(app).picker.is_none(), "{}", screen(app));
}

/// A form filled in: command, the cpu cluster, a registered environment.
fn filled(w: u16, h: u16) -> App {
    let mut app = open(w, h);
    focus(&mut app, FieldId::Command);
    type_text(&mut app, "python train.py --epochs 3");
    focus(&mut app, FieldId::Compute);
    pick(&mut app, "cpu-cl");
    focus(&mut app, FieldId::Environment);
    pick(&mut app, "sklearn-env@");
    app
}

fn review_data() -> ReviewData {
    ReviewData {
        job_name: "calm_river_4k2j9x7m1q".into(),
        experiment_name: "mnist".into(),
        body: serde_json::json!({
            "properties": {
                "jobType": "Command",
                "command": "python train.py --epochs 3",
                "codeId": "<code version of hash 3f2a9c1d0b7e…>",
                "computeId": "/subscriptions/0/resourceGroups/demo-rg/providers/Microsoft.MachineLearningServices/workspaces/demo-ws/computes/cpu-cluster",
                "environmentId": "<sklearn-env@latest>",
                "experimentName": "mnist",
                "environmentVariables": {"API_KEY": "***"}
            }
        }),
        snapshot: vec![
            "12 files, 48.2 kB, .amlignore; largest: train.py 20.1 kB; hash 3f2a9c1d0b7e…".into(),
        ],
        notes: vec!["git: the repository URL carried a credential, dropped".into()],
    }
}

/// A filled form on its review, the plan answered.
fn reviewed(w: u16, h: u16) -> App {
    let mut app = filled(w, h);
    // PgDn reviews from any field (Enter on the environment opens its list).
    let effects = app.update(press(KeyCode::PageDown));
    let (id, _) = review_request(&effects).expect("PgDn asks for the review");
    app.update(Msg::Submit(SubmitEvent::Reviewed {
        id,
        result: Ok(review_data()),
    }));
    app
}

#[test]
fn n_on_jobs_opens_the_form_and_read_only_refuses_it() {
    let app = open(100, 30);
    let f = form(&app);
    assert_eq!(f.stage, Stage::Edit);
    assert_eq!(f.values.get(FieldId::Code), ".");
    let shown = screen(&app);
    assert!(shown.contains("Submit a run"), "{shown}");
    assert!(
        shown.contains("snapshot: 12 files, 48.2 kB, .amlignore"),
        "{shown}"
    );
    assert!(shown.contains("points outside the folder"), "{shown}");
    assert!(
        shown.contains("default: mnist"),
        "the experiment's default: {shown}"
    );

    let mut ro = app_with(
        AppOptions {
            read_only: true,
            ..AppOptions::default()
        },
        100,
        30,
    );
    ro.update(ch('5'));
    let effects = ro.update(ch('n'));
    assert!(ro.submit.form.is_none());
    assert!(effects.iter().all(|e| !matches!(e, Effect::Submit(_))));
    assert_eq!(
        toast(&ro),
        "read-only: submitting runs is off (amlc was started with --read-only)"
    );
}

#[test]
fn rules_show_as_typed_and_enter_is_refused_with_them() {
    let mut app = open(100, 30);
    // Enter on the code folder: refused, every broken rule shown.
    let effects = enter(&mut app);
    assert!(review_request(&effects).is_none());
    assert!(toast(&app).contains("3 problems"), "{}", toast(&app));
    let shown = screen(&app);
    assert!(shown.contains("required: the command to run"), "{shown}");
    assert!(shown.contains("required: where it runs"), "{shown}");
    assert!(shown.contains("required: the environment"), "{shown}");
    assert!(shown.contains("Enter refused: 3 problems"), "{shown}");

    // Inputs need a job file.
    focus(&mut app, FieldId::Command);
    type_text(&mut app, "python x.py --in ${{inputs.data}}");
    assert!(
        screen(&app).contains("needs inputs or outputs"),
        "{}",
        screen(&app)
    );

    // An unknown compute, a compute that runs no jobs.
    focus(&mut app, FieldId::Compute);
    type_text(&mut app, "nope");
    assert!(screen(&app).contains("no compute of that name"));
    for _ in 0..4 {
        app.update(press(KeyCode::Backspace));
    }
    type_text(&mut app, "aks-inference");
    assert!(
        screen(&app).contains("does not run command jobs"),
        "{}",
        screen(&app)
    );

    // An environment reference without a version.
    focus(&mut app, FieldId::Environment);
    type_text(&mut app, "myenv");
    assert!(
        screen(&app).contains("a version is missing"),
        "{}",
        screen(&app)
    );
    type_text(&mut app, ":2");
    assert!(!screen(&app).contains("a version is missing"));
    assert!(
        screen(&app).contains("registered: an environment of the workspace"),
        "{}",
        screen(&app)
    );

    // An experiment name with a space.
    focus(&mut app, FieldId::Experiment);
    type_text(&mut app, "my exp");
    assert!(screen(&app).contains("must start with a letter or digit"));
}

#[test]
fn the_compute_picker_lists_local_and_the_job_targets_with_their_state() {
    let mut app = open(120, 34);
    focus(&mut app, FieldId::Compute);
    enter(&mut app);
    let shown = screen(&app);
    assert!(shown.contains("Where it runs"), "{shown}");
    assert!(
        shown.contains("local") && shown.contains("this computer, your current environment"),
        "{shown}"
    );
    for name in ["cpu-cluster", "gpu-cluster", "ci-alice", "arc-onprem"] {
        assert!(shown.contains(name), "{name}: {shown}");
    }
    assert!(shown.contains("cluster · "), "kind and state: {shown}");
    for name in ["aks-inference", "dsvm-01", "dbx-demo"] {
        assert!(
            !shown.contains(name),
            "{name} runs no command jobs: {shown}"
        );
    }
    // Esc closes the picker only.
    app.update(press(KeyCode::Esc));
    assert!(form(&app).picker.is_none());
    assert!(app.submit.form.is_some());
}

#[test]
fn local_and_instances_force_one_instance() {
    let mut app = open(100, 30);
    let has_count = |app: &App| {
        form(app)
            .fields(&app.computes)
            .contains(&FieldId::InstanceCount)
    };
    assert!(has_count(&app));
    focus(&mut app, FieldId::InstanceCount);
    app.update(press(KeyCode::Backspace));
    type_text(&mut app, "101");
    assert!(screen(&app).contains("a whole number from 1 to 100"));

    focus(&mut app, FieldId::Compute);
    pick(&mut app, "local");
    assert_eq!(form(&app).values.get(FieldId::Compute), "local");
    assert!(!has_count(&app), "local runs one instance");
    assert!(screen(&app).contains("one instance"), "{}", screen(&app));
    // The rule of the hidden count does not hold local back.
    focus(&mut app, FieldId::Command);
    type_text(&mut app, "echo hi");
    focus(&mut app, FieldId::Environment);
    type_text(&mut app, "AzureML-sklearn-1.5@latest");
    assert!(
        screen(&app).contains("on local it is recorded; the command runs in your current"),
        "{}",
        screen(&app)
    );
    let effects = app.update(press(KeyCode::PageDown));
    let (_, spec) = review_request(&effects).expect("a review");
    assert_eq!(spec.compute, Some(Compute::Local));
    assert_eq!(spec.resources, None, "one instance: none asked");

    let mut app = open(100, 30);
    focus(&mut app, FieldId::Compute);
    pick(&mut app, "ci-alice");
    assert!(!has_count(&app), "an instance runs one node");
    focus(&mut app, FieldId::Compute);
    pick(&mut app, "gpu-cluster");
    assert!(has_count(&app));
}

#[test]
fn esc_asks_before_discarding_and_never_quits() {
    // A fresh form closes at once.
    let mut app = open(100, 30);
    let effects = app.update(press(KeyCode::Esc));
    assert!(app.submit.form.is_none());
    assert!(!effects.contains(&Effect::Quit) && !app.should_quit());

    let mut app = open(100, 30);
    focus(&mut app, FieldId::Command);
    type_text(&mut app, "python train.py");
    app.update(press(KeyCode::Esc));
    assert!(form(&app).confirm_discard);
    assert!(screen(&app).contains("Discard this form?"));
    app.update(ch('n'));
    assert!(!form(&app).confirm_discard);
    assert_eq!(form(&app).values.get(FieldId::Command), "python train.py");
    app.update(press(KeyCode::Esc));
    let effects = app.update(ch('y'));
    assert!(app.submit.form.is_none());
    assert!(!effects.contains(&Effect::Quit) && !app.should_quit());
    assert_eq!(toast(&app), "form closed, nothing sent");
}

#[test]
fn the_code_folder_is_snapshotted_when_its_path_settles_and_stale_answers_are_dropped() {
    let mut app = open(100, 30);
    app.update(press(KeyCode::Backspace));
    let mut asked = Vec::new();
    for c in "src".chars() {
        asked.extend(snapshot_request(&app.update(ch(c))));
    }
    assert!(asked.is_empty(), "not on every key: {asked:?}");
    assert!(screen(&app).contains("when the path settles"));
    // The clock moves past the settle time: one request, for the whole path.
    app.set_clock(
        NOW_MS + 1_000,
        1_000 + amlc::app::submit::SNAPSHOT_SETTLE_MS + 1,
    );
    let effects = app.update(Msg::Tick);
    let (id, text) = snapshot_request(&effects).expect("asked once settled");
    assert_eq!(text, "src");
    // An older answer is dropped; the current one is shown.
    app.update(Msg::Submit(SubmitEvent::Snapshot {
        id: id - 1,
        cwd: None,
        home: None,
        result: Err("stale".into()),
    }));
    assert!(!screen(&app).contains("stale"));
    app.update(Msg::Submit(SubmitEvent::Snapshot {
        id,
        cwd: None,
        home: None,
        result: Err(
            "/home/alice/projects/mnist/src: nothing to upload (the folder is empty)".into(),
        ),
    }));
    let shown = screen(&app);
    assert!(shown.contains("nothing to upload"), "{shown}");
    // Leaving the field after a change asks at once.
    app.update(press(KeyCode::Backspace));
    let effects = app.update(press(KeyCode::Tab));
    assert_eq!(
        snapshot_request(&effects).map(|(_, t)| t),
        Some("sr".into())
    );
}

#[test]
fn review_then_submit_with_progress_a_failure_keeps_the_values_and_success_opens_the_logs() {
    let mut app = filled(100, 30);
    focus(&mut app, FieldId::InstanceCount);
    app.update(press(KeyCode::Backspace));
    type_text(&mut app, "2");
    let effects = enter(&mut app);
    let (id, spec) = review_request(&effects).expect("a review");
    assert_eq!(spec.command, "python train.py --epochs 3");
    assert_eq!(spec.code, Some(Code::Local(PathBuf::from("."))));
    assert_eq!(spec.compute, Some(Compute::Named("cpu-cluster".into())));
    assert_eq!(
        spec.environment,
        Some(Environment::Registered {
            name: "sklearn-env".into(),
            version: None
        })
    );
    assert_eq!(spec.resources.and_then(|r| r.instance_count), Some(2));
    assert!(screen(&app).contains("Planning"), "{}", screen(&app));
    // Enter before the plan is in sends nothing.
    assert!(send_request(&enter(&mut app)).is_none());
    app.update(Msg::Submit(SubmitEvent::Reviewed {
        id,
        result: Ok(review_data()),
    }));
    let shown = screen(&app);
    for want in [
        "calm_river_4k2j9x7m1q in experiment mnist",
        "cpu-cluster (cluster",
        "sklearn-env@latest: registered",
        "12 files, 48.2 kB",
        "credential, dropped",
        "\"jobType\": \"Command\"",
    ] {
        assert!(shown.contains(want), "{want}: {shown}");
    }
    assert!(shown.contains("\"API_KEY\": \"***\""), "masked: {shown}");

    // Enter submits, under the name the review showed; the steps show as a progress line.
    let effects = enter(&mut app);
    let (send, sent) = send_request(&effects).expect("Enter sends");
    assert_eq!(sent.name.as_deref(), Some("calm_river_4k2j9x7m1q"));
    app.set_clock(NOW_MS + 2_000, 3_000);
    app.update(Msg::Submit(SubmitEvent::Step {
        id: send,
        step: Step::Uploading {
            files_done: 5,
            files_total: 12,
            bytes_done: 20_000,
            bytes_total: 48_200,
        },
    }));
    assert!(
        screen(&app).contains("uploading 5/12 files, 20.0 kB of 48.2 kB"),
        "{}",
        screen(&app)
    );
    // Keys do not close it while it is out.
    app.update(press(KeyCode::Esc));
    assert!(matches!(form(&app).stage, Stage::Sending(..)));

    // A failure: cause first, values kept, Enter retries.
    app.update(Msg::Submit(SubmitEvent::Sent {
        id: send,
        result: Err("compute cpu-cluster was not found (404); choose another compute".into()),
    }));
    assert!(matches!(form(&app).stage, Stage::Review(_)));
    let shown = screen(&app);
    assert!(
        shown.contains("Not submitted: compute cpu-cluster was not found"),
        "{shown}"
    );
    assert_eq!(
        form(&app).values.get(FieldId::Command),
        "python train.py --epochs 3"
    );
    let effects = enter(&mut app);
    let (send, _) = send_request(&effects).expect("Enter retries");

    // Success: the form closes, the row is there at once, the log view follows it.
    let job = serde_json::json!({
        "name": "calm_river_4k2j9x7m1q",
        "properties": {"jobType": "Command", "status": "NotStarted", "displayName": "calm_river_4k2j9x7m1q",
                       "experimentName": "mnist", "command": "python train.py --epochs 3"}
    });
    let effects = app.update(Msg::Submit(SubmitEvent::Sent {
        id: send,
        result: Ok(Sent::Remote {
            job_name: "calm_river_4k2j9x7m1q".into(),
            job,
            code: CodeOutcome::Reused {
                code_id: "c".into(),
            },
        }),
    }));
    assert!(app.submit.form.is_none());
    assert!(
        toast(&app).contains("code asset reused, nothing uploaded"),
        "{}",
        toast(&app)
    );
    assert_eq!(app.top_view(), Some(&View::Logs));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::LogsFollow { job, .. } if job == "calm_river_4k2j9x7m1q")),
        "{effects:?}"
    );
    let count = |app: &App| {
        app.jobs
            .iter()
            .filter(|j| j.name.as_deref() == Some("calm_river_4k2j9x7m1q"))
            .count()
    };
    assert_eq!(count(&app), 1);

    // A refresh that does not list it yet keeps the row; one that does replaces it.
    app.update(press(KeyCode::Esc));
    let id = app
        .source_state(&SourceKey::Jobs)
        .in_flight
        .unwrap_or_else(|| {
            app.update(ch('r'));
            app.source_state(&SourceKey::Jobs)
                .in_flight
                .expect("a refresh")
        });
    app.update(jobs_loaded(id, Ok(jobs())));
    assert_eq!(count(&app), 1, "kept until listed");
    app.update(ch('r'));
    let id = app
        .source_state(&SourceKey::Jobs)
        .in_flight
        .expect("a refresh");
    let mut listed = jobs();
    listed.push(amlc::azure::models::Job::from_value(serde_json::json!({
        "name": "calm_river_4k2j9x7m1q",
        "properties": {"jobType": "Command", "status": "Running"}
    })));
    app.update(jobs_loaded(id, Ok(listed)));
    assert_eq!(count(&app), 1, "never doubled");
    assert!(app.submit.placeholders.is_empty());
}

#[test]
fn a_filter_hiding_the_new_run_is_cleared_and_its_logs_open() {
    let mut app = app(100, 30);
    app.update(ch('5'));
    app.update(ch('/'));
    type_text(&mut app, "train-forever");
    app.update(press(KeyCode::Enter));
    assert!(!app.tab(TabId::Jobs).filter.is_empty());
    let effects = app.update(ch('n'));
    let (snap, _) = snapshot_request(&effects).unwrap();
    app.update(Msg::Submit(SubmitEvent::Snapshot {
        id: snap,
        cwd: None,
        home: None,
        result: Ok(SnapshotSummary {
            path: PathBuf::from("/p"),
            lines: vec!["1 file".into()],
        }),
    }));
    focus(&mut app, FieldId::Command);
    type_text(&mut app, "echo hi");
    focus(&mut app, FieldId::Compute);
    type_text(&mut app, "cpu-cluster");
    focus(&mut app, FieldId::Environment);
    type_text(&mut app, "AzureML-sklearn-1.5");
    let (id, spec) = review_request(&app.update(press(KeyCode::PageDown))).expect("review");
    assert_eq!(
        spec.environment,
        Some(Environment::Curated("AzureML-sklearn-1.5@latest".into()))
    );
    app.update(Msg::Submit(SubmitEvent::Reviewed {
        id,
        result: Ok(review_data()),
    }));
    let (send, _) = send_request(&enter(&mut app)).expect("send");
    let effects = app.update(Msg::Submit(SubmitEvent::Sent {
        id: send,
        result: Ok(Sent::Remote {
            job_name: "new_job_1".into(),
            job: serde_json::json!({"name": "new_job_1", "properties": {"jobType": "Command"}}),
            code: CodeOutcome::Uploaded {
                code_id: "c".into(),
                files: 1,
                bytes: 10,
            },
        }),
    }));
    assert!(app.tab(TabId::Jobs).filter.is_empty(), "the filter hid it");
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::LogsFollow { job, .. } if job == "new_job_1")),
        "{effects:?}"
    );
}

#[test]
fn a_workspace_switch_forgets_the_environments_and_the_placeholders() {
    let mut app = open(100, 30);
    app.update(press(KeyCode::Esc));
    assert!(matches!(
        app.submit.environments,
        amlc::app::submit::EnvList::Loaded(_)
    ));
    let mut other = context();
    other.workspace = "other-ws".into();
    app.update(Msg::Connected(other));
    assert_eq!(
        app.submit.environments,
        amlc::app::submit::EnvList::NotLoaded
    );
    app.update(ch('5'));
    let effects = app.update(ch('n'));
    assert!(
        env_request(&effects).is_some(),
        "asked again for this workspace"
    );
}

#[test]
fn a_local_run_closes_the_form_with_its_row() {
    let mut app = open(100, 30);
    focus(&mut app, FieldId::Command);
    type_text(&mut app, "echo hi");
    focus(&mut app, FieldId::Compute);
    pick(&mut app, "local");
    // Enter on the compute opens its list again; Enter on another field reviews.
    enter(&mut app);
    assert!(form(&app).picker.is_some());
    app.update(press(KeyCode::Esc));
    tab(&mut app);
    let effects = enter(&mut app);
    assert!(
        review_request(&effects).is_none(),
        "an environment is still required"
    );
    assert!(toast(&app).contains("Environment"), "{}", toast(&app));
    focus(&mut app, FieldId::Environment);
    type_text(&mut app, "sklearn-env:3");
    focus(&mut app, FieldId::Experiment);
    let (id, _) = review_request(&enter(&mut app)).expect("review");
    app.update(Msg::Submit(SubmitEvent::Reviewed {
        id,
        result: Ok(review_data()),
    }));
    assert!(
        screen(&app).contains("this computer (local)"),
        "{}",
        screen(&app)
    );
    let (send, spec) = send_request(&enter(&mut app)).expect("send");
    assert_eq!(spec.compute, Some(Compute::Local));
    app.update(Msg::Submit(SubmitEvent::Sent {
        id: send,
        result: Ok(Sent::Local {
            name: "local_run_1".into(),
            display_name: "local_run_1".into(),
            experiment_name: "mnist".into(),
        }),
    }));
    assert!(app.submit.form.is_none());
    assert!(
        app.jobs
            .iter()
            .any(|j| j.name.as_deref() == Some("local_run_1"))
    );
    assert_eq!(app.top_view(), Some(&View::Logs));
}

#[test]
fn help_lists_the_form_keys_and_the_info_panel_mentions_it() {
    let mut app = app(120, 40);
    app.update(ch('5'));
    let help = amlc::app::views::help_doc(&app.keymap, false, TabId::Jobs);
    let text: Vec<String> = help.lines().iter().map(|l| l.line.text()).collect();
    let text = text.join("\n");
    assert!(text.contains("new: the submit form"), "{text}");
    assert!(text.contains("Submit form (n)"), "{text}");
    assert!(text.contains("Enter (review)"), "{text}");
    let info = amlc::app::costs::info_doc(TabId::Jobs, 80);
    let text: Vec<String> = info.lines().iter().map(|l| l.line.text()).collect();
    assert!(
        text.join(" ").contains("n opens the submit form"),
        "{text:?}"
    );
    // The hint bar of the Jobs list offers it.
    assert!(screen(&app).contains("n new"), "{}", screen(&app));
}

#[test]
fn snapshots_at_80x24() {
    let mut app = filled(80, 24);
    focus(&mut app, FieldId::Code);
    assert_snapshot!("submit_form_80x24", screen(&app));
    let app = reviewed(80, 24);
    assert_snapshot!("submit_review_80x24", screen(&app));
    let mut app = open(80, 24);
    focus(&mut app, FieldId::Environment);
    enter(&mut app);
    assert_snapshot!("submit_env_picker_80x24", screen(&app));
}

#[test]
fn the_review_scrolls_within_its_rows() {
    let mut app = reviewed(80, 24);
    for _ in 0..200 {
        app.update(press(KeyCode::Down));
    }
    let Stage::Review(review) = &form(&app).stage else {
        panic!("on the review");
    };
    let bottom = review.scroll;
    assert!(bottom > 0 && bottom < 40, "clamped to the rows: {bottom}");
    assert!(
        screen(&app).contains("\"experimentName\": \"mnist\""),
        "{}",
        screen(&app)
    );
    // As many Ups bring the top back.
    for _ in 0..bottom {
        app.update(press(KeyCode::Up));
    }
    assert!(
        screen(&app).contains("Job          calm_river"),
        "{}",
        screen(&app)
    );
}

#[test]
fn a_tiny_terminal_never_panics_and_says_so() {
    for (w, h) in [(60, 12), (61, 13), (70, 14)] {
        let mut app = reviewed(w, h);
        let _ = screen(&app);
        app.update(press(KeyCode::Left));
        let _ = screen(&app);
        focus(&mut app, FieldId::Compute);
        enter(&mut app);
        let _ = screen(&app);
    }
    let mut app = filled(100, 30);
    app.update(Msg::Resize(40, 10));
    let shown = screen(&app);
    assert!(shown.contains("Terminal too small"), "{shown}");
    // A hidden form is never discarded nor typed into.
    app.update(press(KeyCode::Esc));
    app.update(ch('x'));
    app.update(Msg::Resize(100, 30));
    assert_eq!(
        form(&app).values.get(FieldId::Command),
        "python train.py --epochs 3"
    );
}
