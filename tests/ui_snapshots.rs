//! Snapshot tests of the TUI's views on ratatui's `TestBackend`: every tab with demo-like data,
//! a detail (instance; cluster with its nodes), the raw JSON view, the help, a filter, a stale
//! tab, the error history, a failed connection, a narrow and a too-small terminal, ASCII mode.
//! "Now" and the spinner frame are frozen, so the snapshots are deterministic. Styles are
//! checked separately (colour of states, NO_COLOR).

mod ui_common;

use amlc::app::{AppOptions, Msg, SourceKey, TabId};
use amlc::ui::Theme;
use crossterm::event::KeyCode;
use insta::assert_snapshot;
use ratatui::style::{Color, Modifier};
use ui_common::*;

const W: u16 = 140;
const H: u16 = 24;

#[test]
fn instances_tab() {
    let app = app(W, H);
    assert_snapshot!("instances", screen(&app));
}

#[test]
fn clusters_tab() {
    let mut app = app(W, H);
    app.update(ch('2'));
    assert_eq!(app.active, TabId::Clusters);
    assert_snapshot!("clusters", screen(&app));
}

#[test]
fn kubernetes_tab() {
    let mut app = app(W, H);
    app.update(ch('3'));
    assert_snapshot!("kubernetes", screen(&app));
}

#[test]
fn attached_tab() {
    let mut app = app(W, H);
    app.update(ch('4'));
    assert_snapshot!("attached", screen(&app));
}

#[test]
fn jobs_tab() {
    let mut app = app(W, H);
    app.update(ch('5'));
    assert_snapshot!("jobs", screen(&app));
}

#[test]
fn narrow_terminal_drops_columns() {
    let mut app = app(80, 20);
    app.update(ch('2'));
    assert_snapshot!("clusters_80x20", screen(&app));
}

#[test]
fn instance_detail() {
    let mut app = app(W, 40);
    app.update(press(KeyCode::Enter));
    assert_snapshot!("detail_instance", screen(&app));
}

#[test]
fn cluster_detail_with_nodes() {
    let mut app = app(W, 44);
    app.update(ch('2'));
    // gpu-cluster is the third row by name (big-, broken-, cpu-, gpu-).
    for _ in 0..3 {
        app.update(ch('j'));
    }
    let effects = app.update(press(KeyCode::Enter));
    let (id, compute) = effects
        .iter()
        .find_map(|e| match e {
            amlc::app::Effect::Fetch(id, SourceKey::Nodes(c)) => Some((*id, c.clone())),
            _ => None,
        })
        .expect("opening a cluster fetches its nodes");
    assert_eq!(compute, "gpu-cluster");
    app.update(nodes_loaded(id, compute, Ok(nodes())));
    // Scroll to the node list.
    for _ in 0..12 {
        app.update(ch('j'));
    }
    assert_snapshot!("detail_cluster_nodes", screen(&app));
}

#[test]
fn failed_job_detail() {
    let mut app = app(W, 34);
    app.update(ch('5'));
    // Newest first: queued-05, train-forever-01, eval-03.
    app.update(ch('j'));
    app.update(ch('j'));
    app.update(press(KeyCode::Enter));
    let text = screen(&app);
    assert!(text.contains("ZeroDivisionError"), "{text}");
    assert_snapshot!("detail_job", text);
}

/// A job whose command and description hold newlines, tabs and an escape sequence: lines are
/// kept, tabs go to the next stop, ESC shows as `^[` (never sent raw).
#[test]
fn multi_line_command_with_tabs() {
    let mut app = app(100, 34);
    app.update(ch('5'));
    let mut jobs = jobs();
    let job = jobs
        .iter_mut()
        .find(|j| j.name.as_deref() == Some("train-forever-01"))
        .unwrap();
    job.properties.command = Some(
        "EPOCHS=$(cat epochs.txt || echo 0)\necho \"Starting\ttraining\"\nfor i in 1 2; do\n\tpython train.py \\\n\t\t--epoch $i\n\techo \"\x1b[32mdone $i\x1b[0m\"\ndone"
            .into(),
    );
    job.properties.description = Some("line1\nline2".into());
    let effects = app.update(ch('r'));
    let id = fetch_of(&effects, &SourceKey::Jobs).expect("r refreshes the jobs");
    app.update(jobs_loaded(id, Ok(jobs)));
    app.toast = None;
    app.update(ch('j'));
    app.update(press(KeyCode::Enter));
    for _ in 0..6 {
        app.update(ch('j'));
    }
    let text = screen(&app);
    let row = |needle: &str| -> String {
        text.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle:?} not on screen:\n{text}"))
            .trim_end_matches(['│', ' '])
            .to_owned()
    };
    assert!(
        row("Description").ends_with("Description   line1"),
        "{text}"
    );
    assert_eq!(
        row("line2"),
        "│                 line2",
        "under line1:\n{text}"
    );
    assert!(
        row("EPOCHS").ends_with("|| echo 0)"),
        "the command's lines are kept:\n{text}"
    );
    assert!(
        row("Starting").ends_with("echo \"Starting  training\""),
        "a tab goes to the next stop:\n{text}"
    );
    assert_eq!(
        row("python"),
        format!("│{}python train.py \\", " ".repeat(24))
    );
    assert!(
        row("32mdone").contains("echo \"^[[32mdone $i^[[0m\""),
        "ESC shown as ^[:\n{text}"
    );
    assert!(!text.contains('\u{1b}'));
    assert!(
        text.lines()
            .any(|l| l.trim_end_matches(['│', ' ']) == format!("│{}done", " ".repeat(16))),
        "the last line of the command stands alone (not `…fidone`):\n{text}"
    );
    assert_snapshot!("detail_job_multiline", text);
}

#[test]
fn unknown_compute_type_detail_is_verbatim_and_masked() {
    let mut app = app(W, 30);
    app.update(ch('4'));
    let pos = app
        .active_tab()
        .view
        .iter()
        .position(|&i| app.computes[i as usize].name.as_deref() == Some("quantum-1"))
        .unwrap();
    for _ in 0..pos {
        app.update(ch('j'));
    }
    app.update(press(KeyCode::Enter));
    let text = screen(&app);
    assert!(text.contains("QuantumAnnealer"), "{text}");
    assert!(text.contains("Hibernating"), "{text}");
    assert!(!text.contains("fixture-api-key"), "{text}");
    assert_snapshot!("detail_unknown_type", text);
}

#[test]
fn json_view_masks_secrets() {
    let mut app = app(W, H);
    app.update(ch('4'));
    // dsvm-01 has an administrator password in the fixture.
    let pos = app
        .active_tab()
        .view
        .iter()
        .position(|&i| app.computes[i as usize].name.as_deref() == Some("dsvm-01"));
    for _ in 0..pos.unwrap() {
        app.update(ch('j'));
    }
    app.update(ch('y'));
    let text = screen(&app);
    assert!(!text.contains("fixture-password-123"), "{text}");
    for _ in 0..14 {
        app.update(ch('j'));
    }
    let text = screen(&app);
    assert!(text.contains("\"password\": \"***\""), "{text}");
    assert!(!text.contains("fixture-password-123"));
    assert_snapshot!("json_view", text);
}

#[test]
fn help_view() {
    let mut app = app(W, 40);
    app.update(ch('?'));
    assert_snapshot!("help", screen(&app));
}

#[test]
fn filter_shows_matches_and_count() {
    let mut app = app(W, H);
    app.update(ch('4'));
    app.update(ch('/'));
    type_text(&mut app, "hd");
    let editing = screen(&app);
    assert_snapshot!("filter_editing", editing);
    app.update(press(KeyCode::Enter));
    assert_snapshot!("filter_applied", screen(&app));
}

#[test]
fn stale_tab_keeps_rows() {
    let mut app = app(W, H);
    app.set_clock(NOW_MS + 45_000, 46_000);
    let effects = app.update(Msg::Tick);
    let id = fetch_of(&effects, &SourceKey::Computes).expect("a refresh is due");
    app.update(computes_loaded(
        id,
        Err(api_error(
            503,
            "ServiceUnavailable",
            "The service is busy, try later",
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/demo-rg/providers/Microsoft.MachineLearningServices/workspaces/demo-ws/computes",
        )),
    ));
    app.toast = None;
    assert_snapshot!("stale_instances", screen(&app));
}

#[test]
fn error_history_view() {
    let mut app = app(W, H);
    // Jobs refresh every 30 s in the background; going to the Jobs tab makes them due now.
    app.set_clock(NOW_MS + 10_000, 11_000);
    let id = fetch_of(&app.update(ch('5')), &SourceKey::Jobs)
        .expect("showing the Jobs tab refreshes data older than the visible cadence");
    app.update(jobs_loaded(
        id,
        Err(api_error(
            403,
            "AuthorizationFailed",
            "The client 'alice@contoso.com' with object id '1111' does not have authorization to perform action 'Microsoft.MachineLearningServices/workspaces/jobs/read' over scope '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/demo-rg/providers/Microsoft.MachineLearningServices/workspaces/demo-ws' or the scope is invalid.",
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/demo-rg/providers/Microsoft.MachineLearningServices/workspaces/demo-ws/jobs",
        )),
    ));
    app.update(ch(':'));
    type_text(&mut app, "errors");
    app.update(press(KeyCode::Enter));
    app.set_clock(NOW_MS + 20_000, 21_000);
    app.toast = None;
    assert_snapshot!("errors", screen(&app));
}

#[test]
fn failed_connection() {
    let mut app = amlc::app::App::new(AppOptions::default());
    app.set_clock(NOW_MS, 0);
    app.update(Msg::Resize(100, 16));
    app.update(Msg::ConnectFailed(amlc::app::AppError::from(
        amlc::azure::error::AzureError::Auth(
            "az is not logged in, and AZURE_CLIENT_ID/AZURE_TENANT_ID are not set".into(),
        ),
    )));
    assert_snapshot!("connect_failed", screen(&app));
}

#[test]
fn too_small_terminal() {
    let mut app = app(W, H);
    app.update(Msg::Resize(50, 10));
    assert_snapshot!("too_small", screen(&app));
}

#[test]
fn ascii_mode() {
    let app = app_with(
        AppOptions {
            ascii: true,
            ..AppOptions::default()
        },
        100,
        16,
    );
    let text = screen(&app);
    assert!(text.is_ascii(), "{text}");
    assert_snapshot!("instances_ascii", text);
}

#[test]
fn ascii_mode_is_ascii_everywhere() {
    let mut app = app_with(
        AppOptions {
            ascii: true,
            ..AppOptions::default()
        },
        120,
        40,
    );
    let check = |app: &amlc::app::App, what: &str| {
        let text = screen(app);
        assert!(text.is_ascii(), "{what} is not ASCII:\n{text}");
    };
    for tab in ['1', '2', '3', '4', '5'] {
        app.update(ch(tab));
        check(&app, "a list");
        let rows = app.active_tab().view.len();
        for row in 0..rows {
            app.update(press(KeyCode::Home));
            for _ in 0..row {
                app.update(ch('j'));
            }
            app.update(press(KeyCode::Enter));
            check(&app, "a detail");
            app.update(ch('y'));
            check(&app, "a JSON view");
            app.update(press(KeyCode::Esc));
            app.update(ch('c'));
            check(&app, "the copy menu");
            app.update(press(KeyCode::Esc));
            app.update(press(KeyCode::Esc));
        }
    }
    app.update(ch('?'));
    check(&app, "the help");
    app.update(press(KeyCode::Esc));
    app.update(ch('/'));
    type_text(&mut app, "x");
    check(&app, "the filter line");
    app.update(press(KeyCode::Esc));
    app.update(Msg::ConnectFailed(service_error("nope")));
    app.update(ch(':'));
    type_text(&mut app, "errors");
    app.update(press(KeyCode::Enter));
    check(&app, "the errors");
}

#[test]
fn read_only_is_shown() {
    let app = app_with(
        AppOptions {
            read_only: true,
            ..AppOptions::default()
        },
        120,
        20,
    );
    let first_line = screen(&app).lines().next().unwrap_or_default().to_owned();
    assert!(first_line.ends_with("read-only"), "{first_line}");
    assert!(!screen(&ui_common::app(120, 20)).contains("read-only"));
}

#[test]
fn copy_menu() {
    let mut app = app(W, H);
    app.update(ch('c'));
    assert_snapshot!("copy_menu", screen(&app));
}

/// The colour of the first cell whose text starts with `needle`.
fn style_of(app: &amlc::app::App, needle: &str) -> ratatui::style::Style {
    style_in(app, &Theme::default(), needle)
}

/// As [`style_of`], drawn in `theme`.
fn style_in(app: &amlc::app::App, theme: &Theme, needle: &str) -> ratatui::style::Style {
    let terminal = render_with(app, theme);
    let buffer = terminal.backend().buffer();
    for y in 0..buffer.area.height {
        let row: String = (0..buffer.area.width)
            .map(|x| buffer[(x, y)].symbol().to_owned())
            .collect();
        if let Some(col) = row.find(needle) {
            let x = row[..col].chars().count() as u16;
            return buffer[(x, y)].style();
        }
    }
    panic!("{needle:?} not on screen");
}

#[test]
fn states_are_coloured_by_meaning() {
    let app = app(W, H);
    assert_eq!(style_of(&app, "Running").fg, Some(Color::Green));
    assert_eq!(style_of(&app, "CreateFailed").fg, Some(Color::Red));
    assert_eq!(style_of(&app, "Stopped").fg, Some(Color::DarkGray));
    assert_eq!(style_of(&app, "Starting").fg, Some(Color::Yellow));
    let mut app = app;
    app.update(ch('4'));
    assert_eq!(style_of(&app, "Hibernating").fg, Some(Color::Magenta));
}

#[test]
fn no_color_theme_uses_attributes_only() {
    // The terminal loop owns the theme and draws with it.
    let app = app(W, H);
    let terminal = render_with(&app, &Theme::monochrome());
    let buffer = terminal.backend().buffer();
    for cell in buffer.content() {
        assert!(matches!(cell.fg, Color::Reset), "{cell:?}");
        assert!(matches!(cell.bg, Color::Reset), "{cell:?}");
    }
    assert!(
        style_in(&app, &Theme::monochrome(), "CreateFailed")
            .add_modifier
            .contains(Modifier::BOLD)
    );
}

#[test]
fn an_expired_token_says_what_to_do_instead_of_retrying() {
    let mut app = amlc::app::App::new(AppOptions::default());
    app.set_clock(NOW_MS, 0);
    app.update(Msg::Resize(100, 16));
    let effects = app.update(Msg::Connected(context()));
    let (id, _) = fetch_ids(&effects);
    app.update(computes_loaded(
        id,
        Err(api_error(
            401,
            "InvalidAuthenticationToken",
            "The access token expired",
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/demo-rg/providers/Microsoft.MachineLearningServices/workspaces/demo-ws/computes",
        )),
    ));
    app.toast = None;
    let shown = screen(&app);
    assert!(shown.contains("401 Unauthorized"), "{shown}");
    assert!(!shown.contains("retrying with back-off"), "{shown}");
    assert_snapshot!("auth_paused", shown);
}

/// `/gpu` on Jobs finds the jobs whose COMPUTE column reads gpu-cluster: the filter searches
/// what the row shows, not only names and states.
#[test]
fn the_filter_searches_every_visible_column() {
    let mut app = app(W, H);
    app.update(ch('5'));
    app.update(ch('/'));
    type_text(&mut app, "gpu-cluster");
    app.update(press(KeyCode::Enter));
    let text = screen(&app);
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("demo-experiments"))
        .collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert!(rows.iter().all(|r| r.contains("gpu-cluster")), "{text}");
    // A size, and a status with its error code, are searched too.
    app.update(press(KeyCode::Esc));
    app.update(ch('/'));
    type_text(&mut app, "'UserError");
    app.update(press(KeyCode::Enter));
    assert!(screen(&app).contains("eval-03"));
    app.update(ch('2'));
    app.update(ch('/'));
    type_text(&mut app, "'NC6s");
    app.update(press(KeyCode::Enter));
    let text = screen(&app);
    assert!(
        text.contains("gpu-cluster") && !text.contains("cpu-cluster"),
        "{text}"
    );
}

/// Column widths come from every row of the tab, so scrolling does not move the columns.
#[test]
fn columns_keep_their_width_while_scrolling() {
    let mut computes = computes();
    let cluster = computes
        .iter()
        .find(|c| c.name.as_deref() == Some("cpu-cluster"))
        .cloned()
        .unwrap();
    for i in 0..40 {
        let mut raw = cluster.raw.clone();
        let name = if i == 39 {
            "zz-a-much-longer-cluster-name".to_owned()
        } else {
            format!("extra-{i:02}")
        };
        raw["name"] = name.into();
        computes.push(amlc::azure::models::ComputeResource::from_value(raw));
    }
    let mut app = app(120, 16);
    app.update(ch('2'));
    let id = fetch_of(&app.update(ch('r')), &SourceKey::Computes).unwrap();
    app.update(computes_loaded(id, Ok(computes)));
    app.toast = None;
    let header = |app: &amlc::app::App| screen(app).lines().nth(2).unwrap_or_default().to_owned();
    let top = screen(&app);
    assert!(
        !top.contains("zz-a-much-longer"),
        "the long name is off screen:\n{top}"
    );
    let before = header(&app);
    assert!(
        before.contains(&format!(
            "NAME↑{}STATE",
            " ".repeat("zz-a-much-longer-cluster-name".len() - "NAME↑".chars().count() + 1)
        )),
        "NAME is as wide as the longest name of the tab:\n{top}"
    );
    for _ in 0..3 {
        app.update(press(KeyCode::PageDown));
        assert_eq!(header(&app), before);
    }
    app.update(ch('G'));
    assert!(screen(&app).contains("zz-a-much-longer-cluster-name"));
    assert_eq!(header(&app), before);
}

/// A toast quoting a service's message shows its control characters as markers: a bidi
/// override or an escape sequence never reaches the terminal.
#[test]
fn toasts_show_controls_instead_of_sending_them() {
    let mut app = app(W, H);
    app.toast = Some(amlc::app::Toast {
        text: "409 Conflict: \u{202e}gnorw\u{1b}[31m red\nnext".into(),
        tone: amlc::app::text::Tone::Failed,
        until_mono: u64::MAX,
    });
    let shown = screen(&app);
    assert!(
        !shown.contains('\u{202e}') && !shown.contains('\u{1b}'),
        "{shown:?}"
    );
    let hint_row = shown.lines().last().unwrap_or_default();
    assert!(hint_row.contains("<U+202E>gnorw^[[31m red"), "{hint_row}");
}

/// The cells of row `y` as text, without the filler cell ratatui puts after a wide character:
/// each returned `(x, symbol)` is where a character starts on screen.
fn row_cells(
    terminal: &ratatui::Terminal<ratatui::backend::TestBackend>,
    y: u16,
) -> Vec<(u16, String)> {
    let buffer = terminal.backend().buffer();
    let mut cells = Vec::new();
    let mut x = 0;
    while x < buffer.area.width {
        let symbol = buffer[(x, y)].symbol().to_owned();
        let cells_wide = amlc::app::text::width(&symbol).max(1) as u16;
        cells.push((x, symbol));
        x += cells_wide;
    }
    cells
}

/// A compute instance whose name is wide (CJK) text longer than its column: the name is cut
/// with an ellipsis by terminal cells, so it ends before the next column, which stays aligned
/// with its header.
#[test]
fn a_wide_name_is_cut_with_an_ellipsis_at_the_column_width() {
    let mut computes = computes();
    let instance = computes
        .iter()
        .find(|c| c.name.as_deref() == Some("ci-bob"))
        .cloned()
        .unwrap();
    let name = "計算インスタンス".repeat(5);
    let mut raw = instance.raw.clone();
    raw["name"] = name.clone().into();
    computes.push(amlc::azure::models::ComputeResource::from_value(raw));
    let mut app = app(100, 12);
    let id = fetch_of(&app.update(ch('r')), &SourceKey::Computes).unwrap();
    app.update(computes_loaded(id, Ok(computes)));
    app.toast = None;
    let terminal = render(&app);
    let text = screen(&app);
    let header_y = 2;
    let header = row_cells(&terminal, header_y);
    let x_of = |cells: &[(u16, String)], needle: &str| -> u16 {
        let joined: String = cells.iter().map(|(_, s)| s.as_str()).collect();
        let at = joined
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?}:\n{text}"));
        let index = joined[..at].chars().count();
        cells[index].0
    };
    let name_x = x_of(&header, "NAME");
    let state_x = x_of(&header, "STATE");
    let column = usize::from(state_x - name_x - 1);
    assert!(
        column < amlc::app::text::width(&name),
        "the name must be cut:\n{text}"
    );
    // The wide name sorts last (after the ASCII names).
    let y = (0..12)
        .find(|&y| row_cells(&terminal, y).iter().any(|(_, s)| s == "計"))
        .unwrap_or_else(|| panic!("the wide name is on screen:\n{text}"));
    let row = row_cells(&terminal, y);
    let shown: String = row
        .iter()
        .filter(|(x, _)| (name_x..state_x).contains(x))
        .map(|(_, s)| s.as_str())
        .collect();
    let shown = shown.trim_end();
    assert!(
        shown.ends_with('…'),
        "cut with an ellipsis: {shown:?}\n{text}"
    );
    assert!(
        amlc::app::text::width(shown) <= column && amlc::app::text::width(shown) + 1 >= column,
        "{shown:?} fills its {column} cells:\n{text}"
    );
    assert!(name.starts_with(shown.trim_end_matches('…')), "{shown:?}");
    // Nothing of the name spills into STATE, which starts where its header does.
    assert_eq!(x_of(&row, "Stopped"), state_x, "{text}");
    assert_snapshot!("instances_wide_name", text);
}

/// A long CJK description in a detail view wraps at the view's width by terminal cells: every
/// character of it is on screen (before the fix, rows were twice as wide as the view and their
/// second half was never drawn).
#[test]
fn a_wide_description_wraps_without_losing_characters() {
    let mut computes = computes();
    let description = "計算インスタンスの説明文です。".repeat(12);
    let instance = computes
        .iter_mut()
        .find(|c| c.name.as_deref() == Some("ci-alice"))
        .unwrap();
    let mut raw = instance.raw.clone();
    raw["properties"]["description"] = description.clone().into();
    *instance = amlc::azure::models::ComputeResource::from_value(raw);
    let mut app = app(60, 60);
    let id = fetch_of(&app.update(ch('r')), &SourceKey::Computes).unwrap();
    app.update(computes_loaded(id, Ok(computes)));
    app.toast = None;
    app.update(ch('j'));
    app.update(press(KeyCode::Enter));
    let terminal = render(&app);
    let text = screen(&app);
    let rows: Vec<String> = (0..60)
        .map(|y| {
            row_cells(&terminal, y)
                .into_iter()
                .map(|(_, s)| s)
                .collect::<String>()
        })
        .collect();
    let first = rows
        .iter()
        .position(|r| r.contains("Description"))
        .unwrap_or_else(|| panic!("no Description:\n{text}"));
    let shown: String = rows[first..]
        .iter()
        .map(|r| {
            r.chars()
                .filter(|c| amlc::app::text::width(&c.to_string()) == 2)
                .collect::<String>()
        })
        .collect();
    assert!(
        shown.starts_with(&description),
        "every character of the description is on screen:\n{text}"
    );
}
