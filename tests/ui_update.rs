//! Tests of `App::update`, the pure state machine of the TUI: key dispatch through the key
//! table, key releases ignored, refresh scheduling (visible / busy / background cadences),
//! stale answers dropped, failures marking the data stale with back-off while the last good rows
//! stay, filtering, sorting, selection kept across refreshes, the copy and command effects, the
//! redraw flag and the idle deadline.

mod ui_common;

use amlc::app::command::ContextChange;
use amlc::app::keys::KeyMap;
use amlc::app::{App, AppOptions, ContextInfo, Effect, Msg, RefreshPolicy, RequestId, TabId, View};
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
    effects.iter().find_map(|e| match e {
        Effect::FetchComputes(id) => Some(*id),
        _ => None,
    })
}

fn jobs_fetch(effects: &[Effect]) -> Option<RequestId> {
    effects.iter().find_map(|e| match e {
        Effect::FetchJobs(id) => Some(*id),
        _ => None,
    })
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
    app.update(Msg::ComputesLoaded {
        id: c,
        result: Ok(computes()),
    });
    app.update(Msg::JobsLoaded {
        id: j,
        result: Ok(jobs()),
    });
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
    app.update(Msg::ComputesLoaded {
        id: RequestId(9_999),
        result: Ok(Vec::new()),
    });
    assert_eq!(app.computes.len(), before);
    assert!(!app.is_dirty());
    // A request in flight, then the workspace changes: its answer is dropped too.
    app.update(ch('r'));
    app.set_clock(NOW_MS + 1, 1_001);
    let effects = app.update(Msg::Tick);
    let _ = effects;
    let old = app.computes_scope.in_flight.expect("r started a request");
    let effects = app.update(Msg::Connected(ContextInfo {
        workspace: "other-ws".into(),
        ..context()
    }));
    let (new, _) = fetch_ids(&effects);
    assert_ne!(old, new);
    app.update(Msg::ComputesLoaded {
        id: old,
        result: Ok(computes()),
    });
    assert!(
        app.computes.is_empty(),
        "an answer for the old workspace must not show"
    );
    app.update(Msg::ComputesLoaded {
        id: new,
        result: Ok(computes()[..2].to_vec()),
    });
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
    app.update(Msg::ComputesLoaded {
        id,
        result: Err("503 ServiceUnavailable".into()),
    });
    assert!(app.computes_scope.stale());
    assert_eq!(names(&app), rows, "the last good rows stay");
    assert_eq!(app.errors.len(), 1);
    // Back-off: not after 5 s, but after 10 s.
    let failed_at = 1_000 + policy.visible_ms;
    app.set_clock(NOW_MS + 10_000, failed_at + policy.visible_ms);
    assert_eq!(computes_fetch(&app.update(Msg::Tick)), None);
    app.set_clock(NOW_MS + 15_000, failed_at + 2 * policy.visible_ms);
    let id = computes_fetch(&app.update(Msg::Tick)).expect("retried after the back-off");
    app.update(Msg::ComputesLoaded {
        id,
        result: Ok(computes()),
    });
    assert!(!app.computes_scope.stale());
    // Two failures in a row back off longer (20 s).
    let mut at = failed_at + 2 * policy.visible_ms;
    for _ in 0..2 {
        at += policy
            .visible_ms
            .max(policy.backoff_ms(policy.visible_ms, app.computes_scope.failures));
        app.set_clock(NOW_MS, at);
        let id = computes_fetch(&app.update(Msg::Tick)).expect("due");
        app.update(Msg::ComputesLoaded {
            id,
            result: Err("boom".into()),
        });
    }
    assert_eq!(app.computes_scope.failures, 2);
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
    app.update(Msg::ComputesLoaded {
        id,
        result: Ok(computes()),
    });
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
    let effects = app.update(Msg::ComputesLoaded {
        id,
        result: Ok(computes()),
    });
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
        app.update(Msg::ComputesLoaded {
            id,
            result: Ok(computes()),
        });
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
    app.update(Msg::ComputesLoaded {
        id,
        result: Ok(list),
    });
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
    app.update(Msg::ComputesLoaded {
        id: c,
        result: Ok(computes()),
    });
    app.update(Msg::JobsLoaded {
        id: j,
        result: Ok(jobs()),
    });
    app.update(ch(':'));
    type_text(&mut app, "ws prod-ws");
    let effects = app.update(press(KeyCode::Enter));
    assert!(
        effects.contains(&Effect::Reconnect(ContextChange::Workspace(
            "prod-ws".into()
        )))
    );
    // A failed switch keeps the current workspace and records the error.
    app.update(Msg::ConnectFailed("workspace prod-ws not found".into()));
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
    app.update(Msg::HttpInFlight(0));
    assert!(!app.is_dirty());
    app.update(Msg::HttpInFlight(2));
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
            Effect::FetchNodes(id, n) => Some((*id, n.clone())),
            _ => None,
        })
        .unwrap();
    assert_eq!(name, "gpu-cluster");
    app.update(Msg::NodesLoaded {
        id,
        compute: name.clone(),
        result: Ok(nodes()),
    });
    app.set_clock(NOW_MS, 100_000);
    let effects = app.update(Msg::Tick);
    let id2 = effects
        .iter()
        .find_map(|e| match e {
            Effect::FetchNodes(id, _) => Some(*id),
            _ => None,
        })
        .expect("nodes refresh while the detail is open");
    app.update(Msg::NodesLoaded {
        id: id2,
        compute: name,
        result: Err("timeout".into()),
    });
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
