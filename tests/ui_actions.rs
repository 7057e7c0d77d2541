//! Tests of the actions in the TUI through `App::update`: the action menu (`a`), the direct
//! keys, availability by state (disabled with the reason, never sent), the one confirmation
//! path (confirm, cancel, the typed name of a managed delete), read-only refusing, the resize
//! and idle-shutdown forms with their validation, the keys view masked until revealed, archived
//! jobs hidden until `:archived`; and snapshots of the dialogs on a `TestBackend`.

mod ui_common;

use amlc::actions::{ActionId, ActionParams, ActionRequest, ScaleRequest};
use amlc::app::menu::Modal;
use amlc::app::operations::{OpEvent, OpResult};
use amlc::app::{App, AppOptions, Effect, Msg, TabId};
use amlc::azure::models::ComputeSecrets;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use insta::assert_snapshot;
use ui_common::*;

const W: u16 = 120;
const H: u16 = 30;

/// Selects the row named `name` of tab `tab` (switching to the tab).
fn select(app: &mut App, tab: TabId, name: &str) {
    app.update(ch(char::from(b'1' + tab.index() as u8)));
    assert_eq!(app.active, tab);
    app.update(ch('g'));
    for _ in 0..app.active_tab().view.len() {
        if app.selected_item(tab).map(|i| i.name()) == Some(name) {
            return;
        }
        app.update(ch('j'));
    }
    assert_eq!(
        app.selected_item(tab).map(|i| i.name()),
        Some(name),
        "row {name} in {tab:?}"
    );
}

/// The requests sent among `effects`.
fn acts(effects: &[Effect]) -> Vec<ActionRequest> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Act { request, .. } => Some(request.clone()),
            _ => None,
        })
        .collect()
}

fn toast(app: &App) -> String {
    app.toast
        .as_ref()
        .map(|t| t.text.clone())
        .unwrap_or_default()
}

/// Presses `key` and checks it was refused: nothing sent, no dialog, and a toast with `reason`.
#[track_caller]
fn assert_refused(app: &mut App, key: char, reason: &str) {
    let effects = app.update(ch(key));
    assert!(acts(&effects).is_empty(), "{effects:?}");
    assert!(app.modal.is_none(), "{:?}", app.modal);
    assert!(toast(app).contains(reason), "{}", toast(app));
}

fn backspace() -> Msg {
    press(KeyCode::Backspace)
}

fn clear_field(app: &mut App) {
    for _ in 0..12 {
        app.update(backspace());
    }
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new_with_kind(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
        KeyEventKind::Press,
    ))
}

// ---- availability by state ----

#[test]
fn start_a_stopped_instance_sends_at_once() {
    let mut app = app(W, H);
    select(&mut app, TabId::Instances, "ci-bob");
    let effects = app.update(ch('u'));
    assert_eq!(
        acts(&effects),
        vec![ActionRequest::new(ActionId::Start, "ci-bob")]
    );
    assert!(app.modal.is_none());
}

#[test]
fn start_a_running_instance_is_disabled_with_its_reason() {
    let mut app = app(W, H);
    select(&mut app, TabId::Instances, "ci-alice");
    assert_refused(&mut app, 'u', "instance is Running");
    assert!(toast(&app).contains("nothing sent"), "{}", toast(&app));
}

#[test]
fn stop_needs_confirmation_then_sends() {
    let mut app = app(W, H);
    select(&mut app, TabId::Instances, "ci-alice");
    let effects = app.update(ch('x'));
    assert!(acts(&effects).is_empty(), "nothing before confirming");
    let Some(Modal::Confirm(confirm)) = &app.modal else {
        panic!("a confirmation: {:?}", app.modal);
    };
    assert_eq!(confirm.question, "Stop compute instance ci-alice?");
    assert!(
        confirm
            .consequence
            .contains("disk is kept and still billed")
    );
    assert!(confirm.typed.is_none());
    let effects = app.update(ch('y'));
    assert_eq!(
        acts(&effects),
        vec![ActionRequest::new(ActionId::Stop, "ci-alice")]
    );
    assert!(app.modal.is_none());
    // The operation is recorded: the instance's mutating actions are disabled until it ends.
    assert_refused(&mut app, 'R', "an operation is in progress on ci-alice");
}

#[test]
fn confirm_then_cancel_sends_nothing() {
    for cancel in [ch('n'), press(KeyCode::Esc)] {
        let mut app = app(W, H);
        select(&mut app, TabId::Instances, "ci-alice");
        app.update(ch('R'));
        assert!(matches!(app.modal, Some(Modal::Confirm(_))));
        let effects = app.update(cancel);
        assert!(acts(&effects).is_empty());
        assert!(app.modal.is_none());
        assert!(!app.should_quit(), "Esc never quits");
        assert!(toast(&app).contains("cancelled"), "{}", toast(&app));
        assert_eq!(app.operations.entries().len(), 0);
    }
}

#[test]
fn restart_confirmed_with_enter() {
    let mut app = app(W, H);
    select(&mut app, TabId::Instances, "ci-alice");
    app.update(ch('R'));
    let effects = app.update(press(KeyCode::Enter));
    assert_eq!(
        acts(&effects),
        vec![ActionRequest::new(ActionId::Restart, "ci-alice")]
    );
}

#[test]
fn stop_a_starting_instance_is_disabled() {
    let mut app = app(W, H);
    select(&mut app, TabId::Instances, "ci-carol");
    assert_refused(&mut app, 'x', "instance is Starting");
}

#[test]
fn deleting_a_managed_compute_needs_its_name_typed() {
    let mut app = app(W, H);
    select(&mut app, TabId::Clusters, "cpu-cluster");
    app.update(ch('D'));
    let Some(Modal::Confirm(confirm)) = &app.modal else {
        panic!("a confirmation");
    };
    assert_eq!(confirm.question, "Delete cluster cpu-cluster?");
    assert!(confirm.consequence.contains("jobs on it fail"));
    assert!(confirm.typed.is_some());
    // y and Enter do nothing until the name matches ('y' is typed into the field).
    assert!(acts(&app.update(press(KeyCode::Enter))).is_empty());
    let effects = type_text(&mut app, "cpu-clustr");
    assert!(acts(&effects).is_empty());
    assert!(
        acts(&app.update(press(KeyCode::Enter))).is_empty(),
        "wrong name"
    );
    assert!(matches!(app.modal, Some(Modal::Confirm(_))));
    app.update(backspace());
    type_text(&mut app, "er");
    let effects = app.update(press(KeyCode::Enter));
    assert_eq!(
        acts(&effects),
        vec![ActionRequest::new(ActionId::Delete, "cpu-cluster")]
    );
}

#[test]
fn typed_name_confirmation_cancelled_sends_nothing() {
    let mut app = app(W, H);
    select(&mut app, TabId::Instances, "ci-bob");
    app.update(ch('D'));
    type_text(&mut app, "ci-bob");
    let effects = app.update(press(KeyCode::Esc));
    assert!(acts(&effects).is_empty());
    assert!(app.modal.is_none());
}

#[test]
fn attached_computes_detach_and_managed_ones_delete() {
    let mut app = app(W, H);
    select(&mut app, TabId::Attached, "dsvm-01");
    app.update(ch('D'));
    let Some(Modal::Confirm(confirm)) = &app.modal else {
        panic!("a confirmation");
    };
    assert_eq!(confirm.request.action, ActionId::Detach);
    assert_eq!(confirm.question, "Detach VirtualMachine dsvm-01?");
    assert!(confirm.consequence.contains("left as is"));
    assert!(
        confirm.typed.is_none(),
        "a detach destroys nothing: no typed name"
    );
    let effects = app.update(ch('y'));
    assert_eq!(
        acts(&effects),
        vec![ActionRequest::new(ActionId::Detach, "dsvm-01")]
    );

    // aks-inference was created by Azure ML: delete, with its name typed.
    select(&mut app, TabId::Kubernetes, "aks-inference");
    app.update(ch('D'));
    let Some(Modal::Confirm(confirm)) = &app.modal else {
        panic!("a confirmation");
    };
    assert_eq!(confirm.request.action, ActionId::Delete);
    assert!(confirm.typed.is_some());
    assert!(
        confirm.consequence.contains("destroyed"),
        "{}",
        confirm.consequence
    );
}

#[test]
fn cancel_a_running_job_and_not_a_finished_one() {
    let mut app = app(W, H);
    select(&mut app, TabId::Jobs, "train-forever-01");
    app.update(ch('x'));
    let Some(Modal::Confirm(confirm)) = &app.modal else {
        panic!("a confirmation");
    };
    assert_eq!(confirm.question, "Cancel job train-forever-01?");
    let effects = app.update(ch('y'));
    assert_eq!(
        acts(&effects),
        vec![ActionRequest::new(ActionId::CancelJob, "train-forever-01")]
    );

    select(&mut app, TabId::Jobs, "prep-data-02");
    let effects = app.update(ch('x'));
    assert!(acts(&effects).is_empty());
    assert!(app.modal.is_none());
    assert!(toast(&app).contains("job is Completed"), "{}", toast(&app));
}

#[test]
fn archive_a_job_sends_without_confirmation() {
    let mut app = app(W, H);
    select(&mut app, TabId::Jobs, "prep-data-02");
    let effects = app.update(ch('A'));
    assert_eq!(
        acts(&effects),
        vec![ActionRequest::new(ActionId::ArchiveJob, "prep-data-02")]
    );
}

#[test]
fn keys_of_a_cluster_are_not_an_action() {
    let mut app = app(W, H);
    select(&mut app, TabId::Clusters, "cpu-cluster");
    let effects = app.update(ch('K'));
    assert!(acts(&effects).is_empty());
    assert_eq!(toast(&app), "keys: not an action on compute clusters");
}

// ---- the action menu ----

#[test]
fn the_menu_lists_every_action_with_disabled_reasons_and_runs_one() {
    let mut app = app(W, H);
    select(&mut app, TabId::Instances, "ci-alice");
    app.update(ch('a'));
    let Some(Modal::Menu(menu)) = &app.modal else {
        panic!("the menu");
    };
    let ids: Vec<ActionId> = menu.entries.iter().map(|e| e.action).collect();
    assert_eq!(
        ids,
        vec![
            ActionId::Start,
            ActionId::Stop,
            ActionId::Restart,
            ActionId::IdleShutdown,
            ActionId::Delete
        ]
    );
    assert!(!menu.entries[0].availability.is_enabled());
    // The first enabled one is selected: stop.
    assert_eq!(menu.selected, 1);
    // Enter on a disabled entry says why and keeps the menu.
    app.update(ch('k'));
    let effects = app.update(press(KeyCode::Enter));
    assert!(acts(&effects).is_empty());
    assert!(matches!(app.modal, Some(Modal::Menu(_))));
    assert!(
        toast(&app).contains("instance is Running"),
        "{}",
        toast(&app)
    );
    // An action's key runs it from the menu: x = stop, which asks first.
    app.update(ch('x'));
    assert!(matches!(app.modal, Some(Modal::Confirm(_))));
    let effects = app.update(ch('y'));
    assert_eq!(
        acts(&effects),
        vec![ActionRequest::new(ActionId::Stop, "ci-alice")]
    );
}

#[test]
fn esc_closes_the_menu_and_never_quits() {
    let mut app = app(W, H);
    app.update(ch('a'));
    assert!(app.modal.is_some());
    let effects = app.update(press(KeyCode::Esc));
    assert!(app.modal.is_none());
    assert!(!app.should_quit());
    assert!(!effects.contains(&Effect::Quit));
}

#[test]
fn the_menu_opens_from_the_detail_too() {
    let mut app = app(W, H);
    select(&mut app, TabId::Instances, "ci-bob");
    app.update(press(KeyCode::Enter));
    assert!(app.top_view().is_some());
    app.update(ch('a'));
    let Some(Modal::Menu(menu)) = &app.modal else {
        panic!("the menu");
    };
    assert_eq!(menu.name, "ci-bob");
    let effects = app.update(press(KeyCode::Enter));
    assert_eq!(
        acts(&effects),
        vec![ActionRequest::new(ActionId::Start, "ci-bob")]
    );
}

// ---- read-only ----

#[test]
fn read_only_shows_mutating_actions_disabled_and_refuses_their_keys() {
    let mut app = app_with(
        AppOptions {
            read_only: true,
            ..AppOptions::default()
        },
        W,
        H,
    );
    select(&mut app, TabId::Instances, "ci-bob");
    app.update(ch('a'));
    let Some(Modal::Menu(menu)) = &app.modal else {
        panic!("the menu");
    };
    for entry in &menu.entries {
        assert_eq!(
            entry.availability,
            amlc::actions::Availability::Disabled("read-only (--read-only)".into())
        );
    }
    app.update(press(KeyCode::Esc));
    for key in ['u', 'D', 'I'] {
        let effects = app.update(ch(key));
        assert!(acts(&effects).is_empty(), "{key}");
        assert!(app.modal.is_none(), "{key}");
        assert!(toast(&app).contains("read-only"), "{key}: {}", toast(&app));
    }
    // Reading keys changes nothing: allowed.
    select(&mut app, TabId::Attached, "dsvm-01");
    let effects = app.update(ch('K'));
    assert_eq!(
        acts(&effects),
        vec![ActionRequest::new(ActionId::Keys, "dsvm-01")]
    );
}

// ---- forms ----

#[test]
fn resize_form_validates_live_and_sends_the_scale() {
    let mut app = app(W, H);
    select(&mut app, TabId::Clusters, "lowpri-cluster");
    app.update(ch('z'));
    let Some(Modal::Resize(form)) = &app.modal else {
        panic!("the resize form");
    };
    // Prefilled with the current scale settings (1–3, PT120S).
    let values: Vec<&str> = form.fields.iter().map(|f| f.input.value()).collect();
    assert_eq!(values, vec!["1", "3", "120"]);
    // min 5 > max 3: the error is under max nodes, and Enter sends nothing.
    clear_field(&mut app);
    type_text(&mut app, "5");
    let Some(Modal::Resize(form)) = &app.modal else {
        panic!("the resize form");
    };
    let error = form.fields[1].error.clone().unwrap_or_default();
    assert!(error.contains("at least min nodes (5)"), "{error}");
    let effects = app.update(press(KeyCode::Enter));
    assert!(acts(&effects).is_empty());
    assert!(matches!(app.modal, Some(Modal::Resize(_))));
    // Tab to max nodes, make it 6; then idle seconds 300.
    app.update(press(KeyCode::Tab));
    clear_field(&mut app);
    type_text(&mut app, "6");
    app.update(press(KeyCode::Tab));
    clear_field(&mut app);
    type_text(&mut app, "x");
    let Some(Modal::Resize(form)) = &app.modal else {
        panic!("the resize form");
    };
    assert!(form.fields[1].error.is_none());
    assert!(form.fields[2].error.is_some(), "not a number");
    app.update(backspace());
    type_text(&mut app, "300");
    let effects = app.update(press(KeyCode::Enter));
    assert_eq!(
        acts(&effects),
        vec![
            ActionRequest::new(ActionId::Resize, "lowpri-cluster").with(ActionParams::Resize(
                ScaleRequest {
                    min_nodes: 5,
                    max_nodes: 6,
                    idle_secs: 300
                }
            ))
        ]
    );
    assert!(app.modal.is_none());
}

#[test]
fn resize_form_cancelled_sends_nothing() {
    let mut app = app(W, H);
    select(&mut app, TabId::Clusters, "cpu-cluster");
    app.update(ch('z'));
    let effects = app.update(press(KeyCode::Esc));
    assert!(acts(&effects).is_empty());
    assert!(app.modal.is_none());
}

#[test]
fn resize_of_a_cluster_being_created_is_disabled() {
    let mut app = app(W, H);
    select(&mut app, TabId::Clusters, "big-cluster");
    assert_refused(&mut app, 'z', "cluster is Creating");
}

#[test]
fn idle_shutdown_set_and_clear() {
    let mut app = app(W, H);
    select(&mut app, TabId::Instances, "ci-bob");
    app.update(ch('I'));
    assert!(matches!(app.modal, Some(Modal::Idle(_))));
    clear_field(&mut app);
    // Too short: the error shows and nothing is sent.
    type_text(&mut app, "10");
    let Some(Modal::Idle(form)) = &app.modal else {
        panic!("the idle form");
    };
    assert!(
        form.field
            .error
            .as_deref()
            .unwrap_or("")
            .contains("15 minutes"),
        "{:?}",
        form.field.error
    );
    assert!(acts(&app.update(press(KeyCode::Enter))).is_empty());
    clear_field(&mut app);
    type_text(&mut app, "2h");
    let effects = app.update(press(KeyCode::Enter));
    assert_eq!(
        acts(&effects),
        vec![
            ActionRequest::new(ActionId::IdleShutdown, "ci-bob")
                .with(ActionParams::IdleShutdown(Some(120)))
        ]
    );

    // Clear: an empty value.
    let mut app = ui_common::app(W, H);
    select(&mut app, TabId::Instances, "ci-bob");
    app.update(ch('I'));
    clear_field(&mut app);
    let effects = app.update(press(KeyCode::Enter));
    assert_eq!(
        acts(&effects),
        vec![
            ActionRequest::new(ActionId::IdleShutdown, "ci-bob")
                .with(ActionParams::IdleShutdown(None))
        ]
    );
}

// ---- keys ----

fn vm_keys() -> ComputeSecrets {
    serde_json::from_value(serde_json::json!({
        "computeType": "VirtualMachine",
        "administratorAccount": {
            "username": "azureuser",
            "password": "hunter2-very-secret",
            "privateKeyData": "-----BEGIN KEY-----\nabc\n-----END KEY-----"
        }
    }))
    .unwrap()
}

/// Presses K on dsvm-01 and lands the keys as the runtime would.
fn keys_view(app: &mut App) {
    select(app, TabId::Attached, "dsvm-01");
    let effects = app.update(ch('K'));
    let op = effects
        .iter()
        .find_map(|e| match e {
            Effect::Act { op, request } if request.action == ActionId::Keys => Some(*op),
            _ => None,
        })
        .expect("a keys request");
    app.update(Msg::Op {
        op,
        event: OpEvent::Ended(Box::new(Ok(OpResult {
            resource: None,
            keys: Some(vm_keys()),
        }))),
    });
}

#[test]
fn keys_are_masked_until_revealed_and_copied_on_request() {
    let mut app = app(W, H);
    keys_view(&mut app);
    let Some(Modal::Keys(view)) = &app.modal else {
        panic!("the keys view: {:?}", app.modal);
    };
    assert!(!view.revealed);
    let shown = screen(&app);
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("azureuser"), "{shown}");
    assert!(shown.contains("••••"), "{shown}");
    assert!(!format!("{:?}", app.modal).contains("hunter2"));
    app.update(ch('v'));
    assert!(screen(&app).contains("hunter2-very-secret"));
    app.update(ch('v'));
    assert!(!screen(&app).contains("hunter2"));
    // c copies the selected value through the copy path.
    app.update(ch('j'));
    let effects = app.update(ch('c'));
    let copied: Vec<(String, String)> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Copy { label, text } => Some((label.clone(), text.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(copied.len(), 1);
    assert!(copied[0].0.contains("dsvm-01"), "{}", copied[0].0);
    assert!(
        !copied[0].0.contains("hunter2"),
        "the label is not the secret"
    );
    assert!(copied[0].1 == "hunter2-very-secret" || copied[0].1.contains("BEGIN KEY"));
    app.update(press(KeyCode::Esc));
    assert!(app.modal.is_none());
    assert!(!toast(&app).contains("hunter2"));
}

// ---- archived jobs ----

fn archived_jobs() -> Vec<amlc::azure::models::Job> {
    let mut jobs = jobs();
    let mut raw = jobs
        .iter()
        .find(|j| j.name.as_deref() == Some("prep-data-02"))
        .unwrap()
        .raw
        .clone();
    raw["name"] = "old-run-07".into();
    raw["properties"]["isArchived"] = true.into();
    jobs.push(serde_json::from_value(raw).unwrap());
    jobs
}

#[test]
fn archived_jobs_are_hidden_until_asked_and_can_be_restored() {
    // A job list with an archived job, as listViewType=All brings it.
    let mut app = App::new(AppOptions::default());
    app.set_clock(NOW_MS, 1_000);
    app.update(Msg::Resize(W, H));
    let effects = app.update(Msg::Connected(context()));
    let (c, j) = fetch_ids(&effects);
    app.update(computes_loaded(c, Ok(computes())));
    app.update(jobs_loaded(j, Ok(archived_jobs())));
    assert_eq!(app.tab(TabId::Jobs).items.len(), 6, "archived job hidden");
    app.update(ch(':'));
    type_text(&mut app, "archived");
    app.update(press(KeyCode::Enter));
    assert!(app.show_archived);
    assert_eq!(
        app.active,
        TabId::Jobs,
        ":archived shows them on the Jobs tab"
    );
    assert_eq!(app.active_tab().items.len(), 7);
    select(&mut app, TabId::Jobs, "old-run-07");
    assert!(screen(&app).contains("Completed (archived)"));
    let effects = app.update(ch('A'));
    assert_eq!(
        acts(&effects),
        vec![ActionRequest::new(ActionId::RestoreJob, "old-run-07")]
    );
    // :archived again hides them.
    app.update(ch(':'));
    type_text(&mut app, "archived");
    app.update(press(KeyCode::Enter));
    assert_eq!(app.active_tab().items.len(), 6);
}

#[test]
fn ctrl_c_quits_from_a_dialog() {
    let mut app = app(W, H);
    select(&mut app, TabId::Clusters, "cpu-cluster");
    app.update(ch('D'));
    let effects = app.update(ctrl('c'));
    assert!(effects.contains(&Effect::Quit));
}

// ---- snapshots ----

#[test]
fn snapshot_action_menu_on_an_instance() {
    let mut app = app(W, 24);
    select(&mut app, TabId::Instances, "ci-alice");
    app.update(ch('a'));
    assert_snapshot!("action_menu", screen(&app));
}

#[test]
fn snapshot_confirmation() {
    let mut app = app(W, 24);
    select(&mut app, TabId::Instances, "ci-alice");
    app.update(ch('x'));
    assert_snapshot!("confirm_stop", screen(&app));
}

#[test]
fn snapshot_typed_name_confirmation() {
    let mut app = app(W, 24);
    select(&mut app, TabId::Clusters, "cpu-cluster");
    app.update(ch('D'));
    type_text(&mut app, "cpu-");
    assert_snapshot!("confirm_delete_typed", screen(&app));
}

#[test]
fn snapshot_resize_form_with_an_error() {
    let mut app = app(W, 24);
    select(&mut app, TabId::Clusters, "cpu-cluster");
    app.update(ch('z'));
    app.update(press(KeyCode::Tab));
    clear_field(&mut app);
    type_text(&mut app, "0");
    assert_snapshot!("resize_form_error", screen(&app));
}

#[test]
fn snapshot_keys_view_masked() {
    let mut app = app(W, 24);
    keys_view(&mut app);
    let shown = screen(&app);
    assert!(!shown.contains("hunter2"));
    assert_snapshot!("keys_masked", shown);
}

// ---- help ----

fn help_text(tab: TabId) -> String {
    amlc::app::views::help_doc(&amlc::app::keys::KeyMap::default(), true, tab)
        .wrapped(160)
        .iter()
        .map(amlc::app::text::StyledLine::text)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn help_lists_the_action_keys_of_its_tab() {
    let jobs = help_text(TabId::Jobs);
    assert!(jobs.contains("cancel (asks first)  [stop]"), "{jobs}");
    assert!(jobs.contains("archive / restore  [archive]"), "{jobs}");
    assert!(jobs.contains(":archived"), "{jobs}");
    assert!(!jobs.contains("[resize]"), "{jobs}");
    let attached = help_text(TabId::Attached);
    assert!(
        attached.contains("delete — destroys the resource / detach — leaves the resource"),
        "{attached}"
    );
    assert!(attached.contains("[show_keys]"), "{attached}");
    let clusters = help_text(TabId::Clusters);
    assert!(clusters.contains("[resize]"), "{clusters}");
    assert!(!clusters.contains("[start]"), "{clusters}");
    assert!(!clusters.contains("[show_keys]"), "{clusters}");
}

#[test]
fn action_keys_can_be_overridden_from_the_config() {
    let mut overrides = std::collections::BTreeMap::new();
    overrides.insert("stop".to_owned(), "F8".to_owned());
    let (keymap, notices) = amlc::app::keys::KeyMap::with_overrides(&overrides);
    assert!(notices.is_empty(), "{notices:?}");
    let mut app = app_with(
        AppOptions {
            keymap,
            ..AppOptions::default()
        },
        W,
        H,
    );
    select(&mut app, TabId::Instances, "ci-alice");
    app.update(ch('x'));
    assert!(app.modal.is_none(), "x is no longer stop");
    app.update(press(KeyCode::F(8)));
    assert!(matches!(app.modal, Some(Modal::Confirm(_))));
    let effects = app.update(ch('y'));
    assert_eq!(
        acts(&effects),
        vec![ActionRequest::new(ActionId::Stop, "ci-alice")]
    );
}

#[test]
fn dialogs_draw_in_tiny_terminals_and_in_ascii() {
    type Open = fn(&mut App);
    let opens: [(&str, Open); 6] = [
        ("idle", |app| {
            select(app, TabId::Instances, "ci-bob");
            app.update(ch('I'));
            type_text(app, "9");
        }),
        ("menu", |app| {
            select(app, TabId::Attached, "dsvm-01");
            app.update(ch('a'));
        }),
        ("confirm", |app| {
            select(app, TabId::Instances, "ci-alice");
            app.update(ch('x'));
        }),
        ("typed", |app| {
            select(app, TabId::Clusters, "cpu-cluster");
            app.update(ch('D'));
            type_text(
                app,
                "a-very-long-name-that-does-not-fit-anywhere-at-all-really",
            );
        }),
        ("resize", |app| {
            select(app, TabId::Clusters, "cpu-cluster");
            app.update(ch('z'));
            type_text(app, "x");
        }),
        ("keys", keys_view),
    ];
    for (what, open) in opens {
        for (w, h) in [(60, 12), (61, 13), (200, 60)] {
            let mut app = app(w, h);
            open(&mut app);
            assert!(app.modal.is_some(), "{what}");
            let _ = screen(&app);
        }
        let mut app = app_with(
            AppOptions {
                ascii: true,
                ..AppOptions::default()
            },
            W,
            H,
        );
        open(&mut app);
        let shown = screen(&app);
        assert!(shown.is_ascii(), "{what}: {shown}");
    }
}

#[test]
fn a_state_change_while_confirming_is_checked_before_sending() {
    let mut app = app(W, H);
    select(&mut app, TabId::Instances, "ci-alice");
    app.update(ch('x'));
    assert!(matches!(app.modal, Some(Modal::Confirm(_))));
    // A refresh lands meanwhile: ci-alice was stopped by someone else.
    app.set_clock(NOW_MS + 60_000, 61_000);
    let effects = app.update(Msg::Tick);
    let id = fetch_of(&effects, &amlc::app::SourceKey::Computes).expect("a refresh");
    let mut list = computes();
    let alice = list
        .iter_mut()
        .find(|c| c.name.as_deref() == Some("ci-alice"))
        .unwrap();
    let mut raw = alice.raw.clone();
    raw["properties"]["properties"]["state"] = "Stopped".into();
    *alice = amlc::azure::models::ComputeResource::from_value(raw);
    app.update(computes_loaded(id, Ok(list)));
    assert!(matches!(app.modal, Some(Modal::Confirm(_))), "still asking");
    assert_refused(&mut app, 'y', "instance is Stopped");
}

#[test]
fn an_open_menu_follows_the_data() {
    let mut app = app(W, H);
    select(&mut app, TabId::Instances, "ci-bob");
    app.update(ch('a'));
    let start_enabled = |app: &App| match &app.modal {
        Some(Modal::Menu(menu)) => menu.entries[0].availability.is_enabled(),
        _ => panic!("the menu"),
    };
    assert!(start_enabled(&app));
    // ci-bob starts meanwhile (a refresh says Starting): start is disabled, with the reason.
    app.set_clock(NOW_MS + 60_000, 61_000);
    let effects = app.update(Msg::Tick);
    let id = fetch_of(&effects, &amlc::app::SourceKey::Computes).expect("a refresh");
    let mut list = computes();
    let bob = list
        .iter_mut()
        .find(|c| c.name.as_deref() == Some("ci-bob"))
        .unwrap();
    let mut raw = bob.raw.clone();
    raw["properties"]["properties"]["state"] = "Starting".into();
    *bob = amlc::azure::models::ComputeResource::from_value(raw);
    app.update(computes_loaded(id, Ok(list)));
    assert!(!start_enabled(&app));
    assert!(screen(&app).contains("instance is Starting"));
    let effects = app.update(ch('u'));
    assert!(acts(&effects).is_empty());
}

/// An app whose compute `name` has `state` (instance state) and `provisioning`.
fn app_with_instance_state(name: &str, state: &str, provisioning: &str) -> App {
    let mut app = App::new(AppOptions::default());
    app.set_clock(NOW_MS, 1_000);
    app.update(Msg::Resize(W, H));
    let effects = app.update(Msg::Connected(context()));
    let (c, j) = fetch_ids(&effects);
    let mut list = computes();
    let compute = list
        .iter_mut()
        .find(|c| c.name.as_deref() == Some(name))
        .unwrap();
    let mut raw = compute.raw.clone();
    raw["properties"]["properties"]["state"] = state.into();
    raw["properties"]["provisioningState"] = provisioning.into();
    *compute = amlc::azure::models::ComputeResource::from_value(raw);
    app.update(computes_loaded(c, Ok(list)));
    app.update(jobs_loaded(j, Ok(jobs())));
    app
}

#[test]
fn an_instance_being_created_or_deleted_allows_no_idle_shutdown_nor_delete_twice() {
    let mut app = app_with_instance_state("ci-bob", "Creating", "Creating");
    select(&mut app, TabId::Instances, "ci-bob");
    assert_refused(&mut app, 'I', "instance is Creating");

    let mut app = app_with_instance_state("ci-bob", "Deleting", "Deleting");
    select(&mut app, TabId::Instances, "ci-bob");
    for key in ['I', 'D'] {
        let effects = app.update(ch(key));
        assert!(acts(&effects).is_empty());
        assert!(app.modal.is_none(), "{key}");
        assert!(
            toast(&app).contains("instance is Deleting"),
            "{}",
            toast(&app)
        );
    }
}

#[test]
fn a_job_menu_offers_archive_or_restore_by_its_state() {
    let mut app = app(W, H);
    select(&mut app, TabId::Jobs, "prep-data-02");
    app.update(ch('a'));
    let Some(Modal::Menu(menu)) = &app.modal else {
        panic!("the menu");
    };
    let entries: Vec<(ActionId, amlc::actions::Availability)> = menu
        .entries
        .iter()
        .map(|e| (e.action, e.availability.clone()))
        .collect();
    use amlc::actions::Availability::{Disabled, Enabled};
    assert_eq!(
        entries,
        vec![
            (ActionId::CancelJob, Disabled("job is Completed".into())),
            (ActionId::ArchiveJob, Enabled),
            (ActionId::RestoreJob, Disabled("job is not archived".into())),
        ]
    );
}

/// Below the smallest size only "terminal too small" is on screen: a hidden confirmation is
/// never confirmed and a hidden field never typed into; Esc closes the dialog and q quits.
#[test]
fn a_terminal_too_small_confirms_nothing_it_does_not_show() {
    let mut app = app(W, H);
    select(&mut app, TabId::Instances, "ci-alice");
    app.update(ch('x'));
    assert!(matches!(app.modal, Some(Modal::Confirm(_))));
    app.update(Msg::Resize(40, 8));
    let shown = screen(&app);
    assert!(shown.contains("Terminal too small"), "{shown}");
    assert!(
        shown.contains("press q to") && shown.contains("quit."),
        "the hint is whole:\n{shown}"
    );
    for key in [ch('y'), press(KeyCode::Enter)] {
        let effects = app.update(key);
        assert!(acts(&effects).is_empty(), "{effects:?}");
    }
    assert!(matches!(app.modal, Some(Modal::Confirm(_))));
    app.update(press(KeyCode::Esc));
    assert!(app.modal.is_none());

    // The typed name of a delete: q quits instead of going into the hidden field.
    let mut app = app_with(AppOptions::default(), W, H);
    select(&mut app, TabId::Clusters, "cpu-cluster");
    app.update(ch('D'));
    app.update(Msg::Resize(40, 8));
    type_text(&mut app, "cpu-cluster");
    let effects = app.update(press(KeyCode::Enter));
    assert!(acts(&effects).is_empty(), "{effects:?}");
    let effects = app.update(ch('q'));
    assert!(effects.contains(&Effect::Quit), "{effects:?}");
}

/// Keys of a shape amlc does not know, with a secret inside an array: masked in the TUI as the
/// headless `keys` masks it.
#[test]
fn a_secret_inside_an_array_is_masked_like_the_headless_keys() {
    let mut app = app(W, H);
    select(&mut app, TabId::Attached, "dsvm-01");
    let effects = app.update(ch('K'));
    let op = effects
        .iter()
        .find_map(|e| match e {
            Effect::Act { op, .. } => Some(*op),
            _ => None,
        })
        .expect("a keys request");
    let keys: ComputeSecrets = serde_json::from_value(serde_json::json!({
        "computeType": "SomethingNew",
        "credentials": [{"user": "ops", "password": "arr4y-hidden-pw"}],
        "endpointKey": "k3y-in-a-field"
    }))
    .unwrap();
    let headless = keys.redacted().to_string();
    assert!(!headless.contains("arr4y-hidden-pw") && !headless.contains("k3y-in-a-field"));
    app.update(Msg::Op {
        op,
        event: OpEvent::Ended(Box::new(Ok(OpResult {
            resource: None,
            keys: Some(keys),
        }))),
    });
    let shown = screen(&app);
    assert!(shown.contains("credentials[0].user"), "{shown}");
    assert!(shown.contains("ops"), "{shown}");
    assert!(!shown.contains("arr4y-hidden-pw"), "{shown}");
    assert!(!shown.contains("k3y-in-a-field"), "{shown}");
    app.update(ch('v'));
    let shown = screen(&app);
    assert!(
        shown.contains("arr4y-hidden-pw"),
        "revealed on request:\n{shown}"
    );
}
