//! Tests of `App::update`, the pure state machine of the TUI: key dispatch through the key
//! table, key releases ignored, refresh scheduling (visible / busy / background cadences),
//! stale answers dropped, failures marking the data stale with back-off while the last good rows
//! stay, filtering, sorting, selection kept across refreshes, the copy and command effects, the
//! redraw flag and the idle deadline.

mod ui_common;

use amlc::app::clipboard::{Outcome, TmuxClipboard};
use amlc::app::command::ContextChange;
use amlc::app::keys::KeyMap;
use amlc::app::text::Tone;
use amlc::app::{
    App, AppOptions, ContextInfo, Effect, HttpActivity, Msg, RUN_DETAILS_IN_FLIGHT, RefreshPolicy,
    RequestId, SourceData, SourceKey, TabId, View,
};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::collections::BTreeMap;
use ui_common::*;

fn names(app: &App) -> Vec<String> {
    let tab = app.active_tab();
    let source = app.source(tab.id);
    tab.view
        .iter()
        .map(|&i| source.item(i).unwrap().name().to_owned())
        .collect()
}

fn selected(app: &App) -> String {
    app.selected_item(app.active).unwrap().name().to_owned()
}

fn computes_fetch(effects: &[Effect]) -> Option<RequestId> {
    fetch_of(effects, &SourceKey::Computes)
}

fn jobs_fetch(effects: &[Effect]) -> Option<RequestId> {
    fetch_of(effects, &SourceKey::Jobs)
}

#[test]
fn connecting_fetches_both_lists_and_fills_the_tabs() {
    let mut app = App::new(AppOptions::default());
    app.set_clock(NOW_MS, 0);
    assert!(
        app.update(Msg::Tick).is_empty(),
        "nothing is fetched before connecting"
    );
    let effects = app.update(Msg::Connected(context()));
    let (c, j) = fetch_ids(&effects);
    app.update(computes_loaded(c, Ok(computes())));
    app.update(jobs_loaded(j, Ok(jobs())));
    let counts: Vec<usize> = TabId::ALL.iter().map(|t| app.tab(*t).items.len()).collect();
    // One compute list feeds four tabs; unknown types land in Attached.
    assert_eq!(counts, vec![4, 5, 2, 7, 6]);
}

#[test]
fn keys_switch_tabs_and_move() {
    let mut app = app(120, 30);
    assert_eq!(app.active, TabId::Instances);
    app.update(ch('3'));
    assert_eq!(app.active, TabId::Kubernetes);
    app.update(press(KeyCode::Tab));
    assert_eq!(app.active, TabId::Attached);
    app.update(Msg::Key(KeyEvent::new_with_kind(
        KeyCode::BackTab,
        KeyModifiers::SHIFT,
        KeyEventKind::Press,
    )));
    app.update(Msg::Key(KeyEvent::new_with_kind(
        KeyCode::BackTab,
        KeyModifiers::SHIFT,
        KeyEventKind::Press,
    )));
    assert_eq!(app.active, TabId::Clusters);
    assert_eq!(selected(&app), "big-cluster");
    app.update(ch('j'));
    app.update(press(KeyCode::Down));
    assert_eq!(selected(&app), "cpu-cluster");
    app.update(ch('G'));
    assert_eq!(selected(&app), "lowpri-cluster");
    app.update(ch('k'));
    assert_eq!(selected(&app), "gpu-cluster");
    app.update(press(KeyCode::Home));
    assert_eq!(selected(&app), "big-cluster");
    app.update(press(KeyCode::PageDown));
    assert_eq!(selected(&app), "lowpri-cluster");
}

#[test]
fn only_key_presses_act() {
    let mut app = app(120, 30);
    for kind in [KeyEventKind::Release, KeyEventKind::Repeat] {
        app.take_dirty();
        app.update(Msg::Key(KeyEvent::new_with_kind(
            KeyCode::Char('2'),
            KeyModifiers::NONE,
            kind,
        )));
        assert_eq!(app.active, TabId::Instances, "{kind:?} must not act");
        assert!(!app.is_dirty(), "{kind:?} must not cause a redraw");
    }
}

#[test]
fn back_and_quit() {
    let mut app = app(120, 30);
    app.update(press(KeyCode::Enter));
    assert!(matches!(app.top_view(), Some(View::Detail { .. })));
    app.update(ch('y'));
    assert!(matches!(app.top_view(), Some(View::Json { .. })));
    app.update(press(KeyCode::Esc));
    assert!(matches!(app.top_view(), Some(View::Detail { .. })));
    app.update(press(KeyCode::Esc));
    assert!(app.top_view().is_none());
    assert!(!app.should_quit());
    // With a filter, Esc first clears it.
    app.update(ch('/'));
    type_text(&mut app, "bob");
    app.update(press(KeyCode::Enter));
    assert_eq!(names(&app), vec!["ci-bob"]);
    app.update(press(KeyCode::Esc));
    assert_eq!(names(&app).len(), 4);
    // Esc never quits, however often it is pressed; it says what does.
    for _ in 0..3 {
        assert!(!app.update(press(KeyCode::Esc)).contains(&Effect::Quit));
    }
    assert!(!app.should_quit());
    assert!(
        app.toast
            .as_ref()
            .is_some_and(|t| t.text.contains("q or :q quits"))
    );
    let effects = app.update(ch('q'));
    assert!(app.should_quit());
    assert!(effects.contains(&Effect::Quit));
}

#[test]
fn ctrl_c_quits_from_anywhere() {
    let mut app = app(120, 30);
    app.update(ch(':'));
    let effects = app.update(Msg::Key(KeyEvent::new_with_kind(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
        KeyEventKind::Press,
    )));
    assert!(effects.contains(&Effect::Quit));
}

#[test]
fn stale_answers_are_dropped() {
    let mut app = app(120, 30);
    let before = app.computes.len();
    // An answer nobody asked for (an old request or another workspace).
    app.take_dirty();
    app.update(computes_loaded(RequestId(9_999), Ok(Vec::new())));
    assert_eq!(app.computes.len(), before);
    assert!(!app.is_dirty());
    // A request in flight, then the workspace changes: its answer is dropped too.
    app.update(ch('r'));
    app.set_clock(NOW_MS + 1, 1_001);
    let effects = app.update(Msg::Tick);
    let _ = effects;
    let old = app
        .scope(TabId::Instances)
        .in_flight
        .expect("r started a request");
    let effects = app.update(Msg::Connected(ContextInfo {
        workspace: "other-ws".into(),
        ..context()
    }));
    let (new, _) = fetch_ids(&effects);
    assert_ne!(old, new);
    app.update(computes_loaded(old, Ok(computes())));
    assert!(
        app.computes.is_empty(),
        "an answer for the old workspace must not show"
    );
    app.update(computes_loaded(new, Ok(computes()[..2].to_vec())));
    assert_eq!(app.computes.len(), 2);
}

#[test]
fn failures_mark_stale_keep_rows_and_back_off() {
    let policy = RefreshPolicy::default();
    let mut app = app(120, 30);
    app.update(ch('4')); // nothing in progress there: the 5 s cadence
    let rows = names(&app);
    // The visible tab refreshes every 5 s.
    app.set_clock(NOW_MS + 4_000, 1_000 + 4_000);
    assert_eq!(computes_fetch(&app.update(Msg::Tick)), None);
    app.set_clock(NOW_MS + 5_000, 1_000 + policy.visible_ms);
    let id = computes_fetch(&app.update(Msg::Tick)).expect("due after 5 s");
    app.update(computes_loaded(
        id,
        Err(service_error("503 ServiceUnavailable")),
    ));
    assert!(app.scope(TabId::Instances).stale());
    assert_eq!(names(&app), rows, "the last good rows stay");
    assert_eq!(app.errors.len(), 1);
    // Back-off: not after 5 s, but after 10 s.
    let failed_at = 1_000 + policy.visible_ms;
    app.set_clock(NOW_MS + 10_000, failed_at + policy.visible_ms);
    assert_eq!(computes_fetch(&app.update(Msg::Tick)), None);
    app.set_clock(NOW_MS + 15_000, failed_at + 2 * policy.visible_ms);
    let id = computes_fetch(&app.update(Msg::Tick)).expect("retried after the back-off");
    app.update(computes_loaded(id, Ok(computes())));
    assert!(!app.scope(TabId::Instances).stale());
    // Two failures in a row back off longer (20 s).
    let mut at = failed_at + 2 * policy.visible_ms;
    for _ in 0..2 {
        at += policy
            .visible_ms
            .max(policy.backoff_ms(policy.visible_ms, app.scope(TabId::Instances).failures));
        app.set_clock(NOW_MS, at);
        let id = computes_fetch(&app.update(Msg::Tick)).expect("due");
        app.update(computes_loaded(id, Err(service_error("boom"))));
    }
    assert_eq!(app.scope(TabId::Instances).failures, 2);
    app.set_clock(NOW_MS, at + 19_999);
    assert_eq!(computes_fetch(&app.update(Msg::Tick)), None);
    app.set_clock(NOW_MS, at + 20_000);
    assert!(computes_fetch(&app.update(Msg::Tick)).is_some());
}

#[test]
fn cadences_follow_visibility_and_progress() {
    let policy = RefreshPolicy::default();
    let mut app = app(120, 30);
    let start = 1_000;
    // Instances holds a Starting instance: busy cadence (2 s) for computes.
    assert!(app.active_tab().busy);
    app.set_clock(NOW_MS, start + policy.busy_ms);
    let effects = app.update(Msg::Tick);
    let id = computes_fetch(&effects).expect("busy tab refreshes every 2 s");
    // Jobs are in the background: 30 s.
    assert_eq!(jobs_fetch(&effects), None);
    app.update(computes_loaded(id, Ok(computes())));
    app.set_clock(NOW_MS, start + policy.background_ms);
    assert!(
        jobs_fetch(&app.update(Msg::Tick)).is_some(),
        "background tabs every 30 s"
    );

    // Attached has nothing in progress: 5 s.
    let mut app = ui_common::app(120, 30);
    app.update(ch('4'));
    assert!(!app.active_tab().busy);
    app.set_clock(NOW_MS, start + policy.busy_ms);
    assert_eq!(computes_fetch(&app.update(Msg::Tick)), None);
    app.set_clock(NOW_MS, start + policy.visible_ms);
    assert!(computes_fetch(&app.update(Msg::Tick)).is_some());
}

#[test]
fn configured_cadences_apply() {
    let options = AppOptions {
        refresh: RefreshPolicy::from_secs(Some(9), Some(3), Some(60)),
        ..AppOptions::default()
    };
    let mut app = app_with(options, 120, 30);
    app.update(ch('4'));
    app.set_clock(NOW_MS, 1_000 + 8_999);
    assert_eq!(computes_fetch(&app.update(Msg::Tick)), None);
    app.set_clock(NOW_MS, 1_000 + 9_000);
    assert!(computes_fetch(&app.update(Msg::Tick)).is_some());
}

#[test]
fn refresh_key_fetches_now_or_right_after() {
    let mut app = app(120, 30);
    app.update(ch('4'));
    let id = computes_fetch(&app.update(ch('r'))).expect("r fetches at once");
    // Pressed again while in flight: once more when the answer lands.
    assert_eq!(computes_fetch(&app.update(ch('r'))), None);
    let effects = app.update(computes_loaded(id, Ok(computes())));
    assert!(computes_fetch(&effects).is_some());
}

#[test]
fn filter_fuzzy_substring_and_cancel() {
    let mut app = app(120, 30);
    app.update(ch('2'));
    app.update(ch('/'));
    type_text(&mut app, "gpclu");
    assert_eq!(names(&app), vec!["gpu-cluster"], "fuzzy");
    app.update(press(KeyCode::Esc));
    assert_eq!(names(&app).len(), 5, "Esc drops the edit");
    app.update(ch('/'));
    type_text(&mut app, "'clu !big");
    assert_eq!(
        names(&app),
        vec![
            "broken-cluster",
            "cpu-cluster",
            "gpu-cluster",
            "lowpri-cluster"
        ]
    );
    app.update(press(KeyCode::Enter));
    // The filter also matches the state and the type.
    app.update(ch('/'));
    for _ in 0..9 {
        app.update(press(KeyCode::Backspace));
    }
    type_text(&mut app, "Resizing");
    assert_eq!(names(&app), vec!["big-cluster"]);
    app.update(press(KeyCode::Enter));
    // The filter stays across a refresh.
    app.set_clock(NOW_MS, 100_000);
    if let Some(id) = computes_fetch(&app.update(Msg::Tick)) {
        app.update(computes_loaded(id, Ok(computes())));
    }
    assert_eq!(names(&app), vec!["big-cluster"]);
}

#[test]
fn sort_cycles_and_reverses() {
    let mut app = app(120, 30);
    app.update(ch('5'));
    // Jobs start newest first.
    assert_eq!(names(&app)[0], "queued-05");
    app.update(ch('s')); // duration
    assert_eq!(app.active_tab().sort_column, 6);
    app.update(ch('s')); // queue time, shortest first; not started yet or unknown last
    assert_eq!(app.active_tab().sort_column, 7);
    assert_eq!(
        names(&app)[..4],
        ["prep-data-02", "sweep-04", "eval-03", "train-forever-01"]
    );
    app.update(ch('s')); // wraps to name
    assert_eq!(app.active_tab().sort_column, 0);
    assert_eq!(names(&app)[0], "eval-03");
    app.update(ch('S'));
    assert_eq!(names(&app)[0], "weird-06");
    app.update(ch('2'));
    app.update(ch('s')); // clusters by state
    assert_eq!(app.active_tab().sort_column, 1);
    assert_eq!(
        names(&app)[0],
        "big-cluster",
        "Creating/Resizing sorts first"
    );
}

#[test]
fn selection_follows_the_name_across_refreshes() {
    let mut app = app(120, 30);
    app.update(ch('2'));
    app.update(ch('j'));
    app.update(ch('j'));
    assert_eq!(selected(&app), "cpu-cluster");
    // A refresh where the list comes back in another order, without big-cluster.
    let mut list: Vec<_> = computes()
        .into_iter()
        .filter(|c| c.name.as_deref() != Some("big-cluster"))
        .collect();
    list.reverse();
    let id = computes_fetch(&app.update(ch('r'))).unwrap();
    app.update(computes_loaded(id, Ok(list)));
    assert_eq!(selected(&app), "cpu-cluster");
}

#[test]
fn copy_menu_emits_the_chosen_text() {
    let mut app = app(120, 30);
    app.update(ch('j')); // ci-alice
    app.update(ch('c'));
    assert!(app.copy_menu.is_some());
    let effects = app.update(ch('s'));
    assert!(
        effects.contains(&Effect::Copy {
            label: "SSH command".into(),
            text: "ssh -p 50000 azureuser@20.1.2.3".into()
        }),
        "{effects:?}"
    );
    assert!(app.copy_menu.is_none());
    app.update(ch('c'));
    let effects = app.update(ch('i'));
    assert!(
        matches!(&effects[..], [Effect::Copy { text, .. }] if text.ends_with("/computes/ci-alice"))
    );
    // ci-bob has SSH off: no SSH command to copy.
    app.update(ch('j'));
    app.update(ch('c'));
    let effects = app.update(ch('s'));
    assert!(effects.iter().all(|e| !matches!(e, Effect::Copy { .. })));
}

/// A copy is answered later (`Msg::Copied`, from the helpers run off the loop): until then
/// keys keep working, and the answer's toast says what happened.
#[test]
fn keys_work_while_a_copy_is_under_way_and_its_answer_is_the_toast() {
    let mut app = app(120, 30);
    app.update(ch('j')); // ci-alice
    app.update(ch('c'));
    let effects = app.update(ch('n'));
    assert!(
        matches!(&effects[..], [Effect::Copy { label, text }] if label == "name" && text == "ci-alice"),
        "{effects:?}"
    );
    // The copy has not answered yet: keys are applied, and no toast claims a result.
    app.update(ch('j'));
    assert_eq!(selected(&app), "ci-bob");
    assert!(
        app.toast
            .as_ref()
            .is_none_or(|t| !t.text.contains("the name")),
        "{:?}",
        app.toast
    );
    app.take_dirty();
    app.update(Msg::Copied {
        label: "name".into(),
        outcome: Outcome {
            osc52: Ok(()),
            tmux: Some(TmuxClipboard::Unknown(
                "could not read set-clipboard (tmux did not answer within 2.0s)".into(),
            )),
            tmux_buffer: Some(Err("not tried, tmux did not answer".into())),
            tool: None,
        },
    });
    let toast = app.toast.as_ref().expect("the copy's answer is a toast");
    assert!(
        toast
            .text
            .starts_with("sent the name via OSC 52, but tmux: could not read set-clipboard"),
        "{}",
        toast.text
    );
    assert_eq!(toast.tone, Tone::Warning);
    assert!(app.take_dirty(), "the toast is drawn");
    assert_eq!(selected(&app), "ci-bob");
}

#[test]
fn commands_switch_context_and_show_errors() {
    let mut app = app(120, 30);
    // As if connected to Azure.
    let effects = app.update(Msg::Connected(ContextInfo {
        emulator: false,
        banner: None,
        ..context()
    }));
    let (c, j) = fetch_ids(&effects);
    app.update(computes_loaded(c, Ok(computes())));
    app.update(jobs_loaded(j, Ok(jobs())));
    app.update(ch(':'));
    type_text(&mut app, "ws prod-ws");
    let effects = app.update(press(KeyCode::Enter));
    assert!(
        effects.contains(&Effect::Reconnect(ContextChange::Workspace(
            "prod-ws".into()
        )))
    );
    // A failed switch keeps the current workspace and records the error.
    app.update(Msg::ConnectFailed(api_error(
        404,
        "ResourceNotFound",
        "workspace prod-ws not found",
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/prod-ws",
    )));
    assert_eq!(app.tab(TabId::Instances).items.len(), 4);
    app.update(ch(':'));
    type_text(&mut app, "profile dev");
    let effects = app.update(press(KeyCode::Enter));
    assert!(effects.contains(&Effect::Reconnect(ContextChange::Profile("dev".into()))));
    app.update(ch(':'));
    type_text(&mut app, "errors");
    app.update(press(KeyCode::Enter));
    assert!(matches!(app.top_view(), Some(View::Errors { .. })));
    let (_, lines) = app.text_view(app.top_view().unwrap());
    assert!(lines.iter().any(|l| l.text().contains("prod-ws not found")));
    app.update(ch(':'));
    type_text(&mut app, "nonsense");
    app.update(press(KeyCode::Enter));
    assert!(
        app.toast
            .as_ref()
            .is_some_and(|t| t.text.contains("unknown command"))
    );
    app.update(ch(':'));
    type_text(&mut app, "q");
    assert!(app.update(press(KeyCode::Enter)).contains(&Effect::Quit));
}

#[test]
fn the_emulator_refuses_workspace_switches_but_not_profiles() {
    let mut app = app(120, 30);
    assert!(app.context.as_ref().unwrap().emulator);
    app.update(ch(':'));
    type_text(&mut app, "rg other-rg");
    let effects = app.update(press(KeyCode::Enter));
    assert!(
        effects.iter().all(|e| !matches!(e, Effect::Reconnect(_))),
        "{effects:?}"
    );
    assert!(
        app.toast
            .as_ref()
            .is_some_and(|t| t.text.contains("only its demo workspace"))
    );
    app.update(ch(':'));
    type_text(&mut app, "profile prod");
    let effects = app.update(press(KeyCode::Enter));
    assert!(effects.contains(&Effect::Reconnect(ContextChange::Profile("prod".into()))));
}

#[test]
fn key_overrides_drive_dispatch() {
    let mut overrides = BTreeMap::new();
    overrides.insert("refresh".to_owned(), "F5".to_owned());
    overrides.insert("tab_jobs".to_owned(), "J".to_owned());
    let (keymap, notices) = KeyMap::with_overrides(&overrides);
    assert!(notices.is_empty(), "{notices:?}");
    let mut app = app_with(
        AppOptions {
            keymap,
            ..AppOptions::default()
        },
        120,
        30,
    );
    app.update(ch('J'));
    assert_eq!(app.active, TabId::Jobs);
    app.update(ch('5'));
    assert_eq!(app.active, TabId::Jobs);
    app.update(ch('4'));
    assert!(computes_fetch(&app.update(press(KeyCode::F(5)))).is_some());
}

#[test]
fn config_notices_are_recorded() {
    let mut overrides = BTreeMap::new();
    overrides.insert("filter".to_owned(), "s".to_owned());
    let (keymap, notices) = KeyMap::with_overrides(&overrides);
    let app = App::new(AppOptions {
        keymap,
        notices,
        ..AppOptions::default()
    });
    assert!(app.errors.iter().any(|e| e.message.contains("conflict")));
    assert!(
        app.toast
            .as_ref()
            .is_some_and(|t| t.text.contains("config notice"))
    );
}

#[test]
fn idle_app_sleeps_until_something_is_due() {
    let mut app = app(120, 30);
    app.update(ch('4')); // nothing in progress, no spinner
    app.set_clock(NOW_MS, 1_200);
    let deadline = app.next_deadline().expect("the refresh clock ticks");
    assert_eq!(deadline, 2_000, "next second of the status clock");
    // Without a connection there is nothing to wait for.
    let fresh = App::new(AppOptions::default());
    assert_eq!(fresh.next_deadline(), None);
    // Ticks that change nothing visible still redraw only when due; a stale answer never does.
    app.take_dirty();
    app.update(Msg::Http(HttpActivity::default()));
    assert!(!app.is_dirty());
    app.update(Msg::Http(HttpActivity {
        in_flight: 2,
        ..HttpActivity::default()
    }));
    assert!(app.is_dirty());
}

#[test]
fn spinner_turns_only_while_something_is_in_progress() {
    let mut app = app(120, 30);
    assert!(app.animating(), "ci-carol is Starting");
    app.set_clock(NOW_MS, 1_000);
    let frame = app.spinner_frame;
    app.update(Msg::Tick);
    assert_eq!(app.spinner_frame, frame + 1);
    assert!(app.next_deadline().unwrap() <= 1_100);
    app.update(ch('4'));
    assert!(!app.animating());
}

#[test]
fn cluster_detail_fetches_nodes_and_keeps_the_last_good_list() {
    let mut app = app(120, 40);
    app.update(ch('2'));
    for _ in 0..3 {
        app.update(ch('j'));
    }
    let effects = app.update(press(KeyCode::Enter));
    let (id, name) = effects
        .iter()
        .find_map(|e| match e {
            Effect::Fetch(id, SourceKey::Nodes(n)) => Some((*id, n.clone())),
            _ => None,
        })
        .unwrap();
    assert_eq!(name, "gpu-cluster");
    app.update(nodes_loaded(id, name.clone(), Ok(nodes())));
    app.set_clock(NOW_MS, 100_000);
    let effects = app.update(Msg::Tick);
    let id2 = effects
        .iter()
        .find_map(|e| match e {
            Effect::Fetch(id, SourceKey::Nodes(_)) => Some(*id),
            _ => None,
        })
        .expect("nodes refresh while the detail is open");
    app.update(nodes_loaded(id2, name, Err(service_error("timeout"))));
    let (_, lines) = app.text_view(app.top_view().unwrap());
    let text: Vec<String> = lines.iter().map(|l| l.text()).collect();
    assert!(
        text.iter()
            .any(|l| l.contains("could not list nodes: timeout")),
        "{text:?}"
    );
    assert!(
        text.iter().any(|l| l.contains("tvm-3601533753_1")),
        "{text:?}"
    );
    // Closing the detail stops the node refresh.
    app.update(press(KeyCode::Esc));
    assert!(app.nodes.is_none());
}

#[test]
fn the_mouse_works_only_when_captured() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mouse = |kind, row| {
        Msg::Mouse(MouseEvent {
            kind,
            column: 5,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    let mut app = app(120, 30);
    app.update(mouse(MouseEventKind::ScrollDown, 10));
    app.update(mouse(MouseEventKind::Down(MouseButton::Left), 5));
    assert_eq!(selected(&app), "ci-a100-test", "no --mouse: ignored");
    let mut app = app_with(
        AppOptions {
            mouse: true,
            ..AppOptions::default()
        },
        120,
        30,
    );
    app.update(mouse(MouseEventKind::ScrollDown, 10));
    assert_eq!(selected(&app), "ci-carol", "wheel moves 3 rows");
    // Row 3 is the first table row (tab bar, border, header above).
    app.update(mouse(MouseEventKind::Down(MouseButton::Left), 4));
    assert_eq!(selected(&app), "ci-alice");
    app.update(mouse(MouseEventKind::Down(MouseButton::Left), 20));
    assert_eq!(
        selected(&app),
        "ci-alice",
        "a click below the rows changes nothing"
    );
}

#[test]
fn resize_keeps_the_selection_visible() {
    let mut app = app(120, 30);
    app.update(ch('5'));
    app.update(ch('G'));
    app.update(Msg::Resize(80, 12));
    let tab = app.active_tab();
    let viewport = app.list_viewport();
    assert!(tab.selected >= tab.offset && tab.selected < tab.offset + viewport);
}

fn run_details_fetches(effects: &[Effect]) -> Vec<(RequestId, String)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Fetch(id, SourceKey::RunDetails(job)) => Some((*id, job.clone())),
            _ => None,
        })
        .collect()
}

fn run_details_loaded(id: RequestId, job: &str, details: serde_json::Value) -> Msg {
    Msg::Loaded {
        id,
        key: SourceKey::RunDetails(job.to_owned()),
        result: Ok(SourceData::RunDetails(Box::new(
            serde_json::from_value(details).unwrap(),
        ))),
    }
}

fn row_of<'a>(screen: &'a str, name: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(name))
        .unwrap_or_else(|| panic!("no row {name} in\n{screen}"))
}

#[test]
fn an_auth_failure_stops_the_refresh_and_says_what_to_do_until_r() {
    let mut app = app(120, 30);
    app.update(ch('4'));
    app.set_clock(NOW_MS + 5_000, 1_000 + 5_000);
    let id = computes_fetch(&app.update(Msg::Tick)).expect("due");
    app.update(computes_loaded(
        id,
        Err(api_error(
            401,
            "InvalidAuthenticationToken",
            "The access token expired",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/computes",
        )),
    ));
    let scope = app.scope(TabId::Instances);
    assert!(scope.paused && scope.stale());
    let error = scope.last_error.as_ref().unwrap();
    assert_eq!(error.kind, amlc::azure::error::ErrorKind::Auth);
    assert_eq!(error.status, Some(401));
    assert_eq!(error.request_id.as_deref(), Some("req-1"));
    assert!(
        error
            .line
            .starts_with("401 Unauthorized: InvalidAuthenticationToken"),
        "{}",
        error.line
    );
    let toast = app.toast.as_ref().expect("a toast says what to do");
    assert!(toast.text.contains("az login"), "{}", toast.text);
    // No back-off retry: the same token fails the same way until the user acts.
    for later in [10_000, 60_000, 600_000] {
        app.set_clock(NOW_MS + later as i64, 6_000 + later);
        assert_eq!(computes_fetch(&app.update(Msg::Tick)), None, "at +{later}");
    }
    // :errors holds the line and what to do.
    app.update(ch(':'));
    type_text(&mut app, "errors");
    app.update(press(KeyCode::Enter));
    let (_, lines) = app.text_view(app.top_view().unwrap());
    let text: Vec<String> = lines.iter().map(|l| l.text()).collect();
    assert!(
        text.iter().any(|l| l.contains("401 Unauthorized")),
        "{text:?}"
    );
    assert!(
        text.iter().any(|l| l
            .contains("what to do: the token was refused (invalid or expired): run `az login`")),
        "{text:?}"
    );
    app.update(press(KeyCode::Esc));
    // r resumes.
    let id = computes_fetch(&app.update(ch('r'))).expect("r retries at once");
    app.update(computes_loaded(id, Ok(computes())));
    let scope = app.scope(TabId::Instances);
    assert!(!scope.paused && !scope.stale());
}

#[test]
fn retries_and_throttling_show_in_the_status_bar_and_the_error_history() {
    use amlc::azure::http::RetryEvent;
    let event = |seq: u64, throttled: bool| RetryEvent {
        seq,
        wall_ms: NOW_MS,
        reason: if throttled {
            "429 Too Many Requests".into()
        } else {
            "503 Service Unavailable".into()
        },
        request: "GET 127.0.0.1:41234 /subscriptions/s/computes".into(),
        throttled,
    };
    let mut app = app(120, 30);
    app.update(ch('4'));
    assert!(screen(&app).contains("⇅ 0 │ 0 errors"));
    app.set_clock(NOW_MS, 2_000);
    app.update(Msg::Http(HttpActivity {
        in_flight: 2,
        retries: 5,
        throttled: 3,
        events: (1..=5).map(|n| event(n, n <= 3)).collect(),
    }));
    let shown = screen(&app);
    assert!(
        shown.contains("⇅ 2 · 5 retries (3 throttled) │ 1 error"),
        "{shown}"
    );
    let notes: Vec<_> = app
        .errors
        .iter()
        .filter(|e| e.scope == "http retries")
        .collect();
    assert_eq!(notes.len(), 1);
    assert!(
        notes[0].message.starts_with("5 requests retried (3 throttled); last: 503 Service Unavailable — GET 127.0.0.1:41234 /subscriptions/s/computes"),
        "{}",
        notes[0].message
    );
    assert!(notes[0].hint.as_deref().unwrap().contains("backs off"));
    // More retries within 30 s are summed, not noted one by one.
    for n in 6..=20 {
        app.set_clock(NOW_MS, 2_000 + n * 1_000);
        app.update(Msg::Http(HttpActivity {
            in_flight: 1,
            retries: n,
            throttled: 3,
            events: vec![event(n, false)],
        }));
    }
    assert_eq!(app.errors.len(), 1, "rate-limited");
    app.set_clock(NOW_MS, 32_000);
    app.update(Msg::Http(HttpActivity {
        in_flight: 0,
        retries: 20,
        throttled: 3,
        events: Vec::new(),
    }));
    assert_eq!(app.errors.len(), 2);
    assert!(
        app.errors[1]
            .message
            .starts_with("15 requests retried; last: 503"),
        "{}",
        app.errors[1].message
    );
    assert!(screen(&app).contains("⇅ 0 · 20 retries (3 throttled) │ 2 errors"));
}

#[test]
fn run_history_gives_jobs_their_durations_and_errors() {
    let mut app = app(160, 30);
    // Showing the Jobs tab asks run history about its visible rows.
    let effects = app.update(ch('5'));
    let wanted = run_details_fetches(&effects);
    assert_eq!(
        wanted.len(),
        RUN_DETAILS_IN_FLIGHT,
        "a few at a time: {wanted:?}"
    );
    // The top rows first (newest first: queued-05, train-forever-01, eval-03).
    let top: Vec<String> = names(&app)[..RUN_DETAILS_IN_FLIGHT].to_vec();
    let asked: Vec<String> = wanted.iter().map(|(_, j)| j.clone()).collect();
    assert_eq!(asked, top);
    assert_eq!(top, ["queued-05", "train-forever-01", "eval-03"]);
    // The queued job has not started: no duration, though it was created 3 min ago.
    let duration_cell = |row: &str| {
        row.split(" ago")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .map(str::to_owned)
    };
    let shown = screen(&app);
    let row = row_of(&shown, "queued-05");
    assert_eq!(duration_cell(row).as_deref(), Some("-"), "{row}");
    assert!(row.contains("3m00s"), "its queue time so far: {row}");
    let mut answered = Vec::new();
    let mut next = Vec::new();
    for (id, job) in &wanted {
        let details = match job.as_str() {
            "queued-05" => serde_json::json!({
                "runId": "queued-05", "status": "Running",
                "createdTimeUtc": "2026-06-01T11:57:00Z",
                "startTimeUtc": "2026-06-01T11:59:00Z"
            }),
            "eval-03" => serde_json::json!({
                "runId": "eval-03", "status": "Failed",
                "createdTimeUtc": "2026-06-01T06:00:00Z",
                "startTimeUtc": "2026-06-01T06:10:00Z",
                "endTimeUtc": "2026-06-01T06:15:30Z",
                "error": {"error": {"code": "ScriptExecutionFailed",
                    "message": "train.py exited with code 3: CUDA out of memory"}}
            }),
            other => serde_json::json!({
                "runId": other, "status": "Completed",
                "createdTimeUtc": "2026-05-31T11:00:00Z",
                "startTimeUtc": "2026-05-31T11:30:00Z",
                "endTimeUtc": "2026-05-31T11:31:00Z"
            }),
        };
        next.extend(run_details_fetches(
            &app.update(run_details_loaded(*id, job, details)),
        ));
        answered.push(job.clone());
    }
    let shown = screen(&app);
    // Running for 1 min (since start), not 3 min (since creation); queued for 2 min.
    let row = row_of(&shown, "queued-05");
    assert_eq!(duration_cell(row).as_deref(), Some("1m00s"), "{row}");
    assert!(row.contains("2m00s"), "{row}");
    let row = row_of(&shown, "eval-03");
    assert!(row.contains("Failed (ScriptExecutionFailed)"), "{row}");
    assert!(row.contains("5m30s"), "{row}");
    // The next rows got their turn as slots freed.
    assert!(!next.is_empty(), "the remaining rows are asked next");
    assert!(next.iter().all(|(_, j)| !answered.contains(j)), "{next:?}");
    // Finished runs are cached once: they leave the table and are not fetched again.
    for job in answered.iter().filter(|j| *j != "queued-05") {
        assert!(
            app.sources
                .get(&SourceKey::RunDetails(job.clone()))
                .is_none(),
            "{job}"
        );
    }
    app.set_clock(NOW_MS + 60_000, 61_000);
    let again = run_details_fetches(&app.update(Msg::Tick));
    assert!(
        again
            .iter()
            .all(|(_, j)| !answered.contains(j) || j == "queued-05"),
        "{again:?}"
    );
    // A refreshed job list keeps what run history said.
    let id = fetch_of(&app.update(ch('r')), &SourceKey::Jobs)
        .or(app.scope(TabId::Jobs).in_flight)
        .expect("the jobs are being refreshed");
    app.update(jobs_loaded(id, Ok(jobs())));
    let shown = screen(&app);
    assert!(
        row_of(&shown, "eval-03").contains("Failed (ScriptExecutionFailed)"),
        "{shown}"
    );
}

#[test]
fn a_failed_jobs_detail_shows_the_full_run_history_error_and_queue_time() {
    let mut app = app(160, 50);
    app.update(ch('5'));
    // Open eval-03's detail: its run details are fetched.
    while selected(&app) != "eval-03" {
        app.update(ch('j'));
    }
    let effects = app.update(press(KeyCode::Enter));
    let (id, job) = run_details_fetches(&effects)
        .into_iter()
        .find(|(_, j)| j == "eval-03")
        .or_else(|| {
            // Already in flight from the list: answer that request.
            app.sources
                .get(&SourceKey::RunDetails("eval-03".into()))
                .and_then(|s| s.in_flight)
                .map(|id| (id, "eval-03".to_owned()))
        })
        .expect("the open job's run details are fetched");
    app.update(run_details_loaded(
        id,
        &job,
        serde_json::json!({
            "runId": "eval-03", "status": "Failed",
            "createdTimeUtc": "2026-06-01T06:00:00Z",
            "startTimeUtc": "2026-06-01T06:10:00Z",
            "endTimeUtc": "2026-06-01T06:15:30Z",
            "error": {"error": {"code": "ScriptExecutionFailed",
                "message": "train.py exited with code 3: CUDA out of memory",
                "details": [{"code": "OOM", "message": "tried to allocate 2 GiB"}]}}
        }),
    ));
    let (_, lines) = app.text_view(app.top_view().unwrap());
    let text: Vec<String> = lines.iter().map(|l| l.text()).collect();
    let has = |needle: &str| text.iter().any(|l| l.contains(needle));
    assert!(
        has("ScriptExecutionFailed: train.py exited with code 3: CUDA out of memory"),
        "{text:?}"
    );
    assert!(has("OOM: tried to allocate 2 GiB"), "{text:?}");
    assert!(has("Queued for") && has("10m00s"), "{text:?}");
    assert!(has("Duration") && has("5m30s"), "{text:?}");
}

/// Scrolling a long job list never has more run-history requests out than the limit, and an
/// answer for a row scrolled away is still taken (cached), not thrown away and asked again.
#[test]
fn scrolling_keeps_run_history_requests_within_the_limit_and_their_answers() {
    let mut app = app(160, 12);
    let effects = app.update(ch('5'));
    let mut out: Vec<(RequestId, String)> = run_details_fetches(&effects);
    // 200 jobs, newest first.
    let base = jobs()
        .into_iter()
        .find(|j| j.name.as_deref() == Some("prep-data-02"))
        .unwrap();
    let many: Vec<_> = (0..200)
        .map(|i| {
            let mut raw = base.raw.clone();
            raw["name"] = format!("job-{i:03}").into();
            amlc::azure::models::Job::from_value(raw)
        })
        .collect();
    let id = fetch_of(&app.update(ch('r')), &SourceKey::Jobs).expect("r refreshes the jobs");
    out.extend(run_details_fetches(&app.update(jobs_loaded(id, Ok(many)))));
    for _ in 0..20 {
        out.extend(run_details_fetches(&app.update(press(KeyCode::PageDown))));
    }
    // Nothing answered yet: the first few requests are all there may be (the fixture jobs'
    // requests, answered by nobody, still count).
    assert!(
        out.len() <= RUN_DETAILS_IN_FLIGHT,
        "{} requests out while scrolling: {out:?}",
        out.len()
    );
    // The answers of rows scrolled away land in the cache and free their slots.
    let mut more = Vec::new();
    for (id, job) in &out {
        let details = serde_json::json!({
            "runId": job, "status": "Completed",
            "createdTimeUtc": "2026-05-31T11:00:00Z",
            "startTimeUtc": "2026-05-31T11:30:00Z",
            "endTimeUtc": "2026-05-31T11:31:00Z"
        });
        more.extend(run_details_fetches(
            &app.update(run_details_loaded(*id, job, details)),
        ));
        assert!(app.run_cache.contains_key(job), "{job} was cached");
    }
    assert!(!more.is_empty(), "freed slots go to the rows on screen");
    assert!(more.len() <= RUN_DETAILS_IN_FLIGHT, "{more:?}");
    assert!(more.iter().all(|(_, j)| !out.iter().any(|(_, o)| o == j)));
}

#[test]
fn the_hint_bar_keeps_help_when_it_is_too_narrow_for_every_hint() {
    for width in [60u16, 80, 100] {
        let app = app(width, 24);
        let shown = screen(&app);
        let hints = shown.lines().last().unwrap_or_default();
        assert!(hints.contains("? help"), "{width} columns: {hints:?}");
        assert!(hints.contains("Enter detail"), "{width} columns: {hints:?}");
    }
}
