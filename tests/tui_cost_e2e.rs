//! End to end: the real `amlc` binary in a tmux pane on the embedded emulator's demo workspace
//! shows a `COST/H` column with figures on the Clusters tab (from the region's VM size
//! catalogue, loaded at start, not only when a wizard opens), the workspace total in the status
//! bar, and `:quota` shows a VM family's use with the computes using it; Esc goes back. Its own
//! tmux socket, killed at the end even on failure; the emulator lives inside the binary. The
//! screens are printed (run with `--nocapture` to see the demo as text).

mod tmux_common;

use tmux_common::{Tmux, binary, with_log_on_failure};

fn row<'a>(screen: &'a str, name: &str) -> Option<&'a str> {
    screen
        .lines()
        .find(|l| l.split_whitespace().any(|w| w.trim_matches('│') == name))
}

/// The `COST/H` cell of `name`'s row (every glyph on these lines is one column wide).
fn cost_cell(screen: &str, name: &str) -> Option<String> {
    let header = screen.lines().find(|l| l.contains("COST/H"))?;
    let at = header[..header.find("COST/H")?].chars().count();
    let line: String = row(screen, name)?.chars().skip(at).collect();
    line.split_whitespace().next().map(str::to_owned)
}

/// A figure: digits with two decimals (`0.00`, `12.24`).
fn is_figure(cell: &str) -> bool {
    cell.split_once('.').is_some_and(|(a, b)| {
        !a.is_empty() && a.chars().all(|c| c.is_ascii_digit()) && b.len() == 2
    })
}

#[test]
fn the_demo_shows_cost_per_hour_and_quota() {
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux::shell("cost", 160, 40, home.path(), "amlc.log");
    let log = home.path().join("amlc.log");
    with_log_on_failure(&log, || drive(&tmux));
}

fn drive(tmux: &Tmux) {
    tmux.type_text(&format!("'{}'; echo EXIT=$?", binary().display()));
    tmux.send(&["Enter"]);
    tmux.wait_for("the compute list", |s| row(s, "ci-alice").is_some());

    tmux.send(&["2"]);
    let screen = tmux.wait_for("the clusters with cost figures", |s| {
        row(s, "cpu-cluster").is_some()
            && s.lines()
                .filter(|l| l.contains("cluster"))
                .filter_map(|l| {
                    let name = l.trim_start_matches('│').split_whitespace().next()?;
                    cost_cell(s, name)
                })
                .any(|c| is_figure(&c))
    });
    println!("Clusters tab:\n{screen}");
    assert!(screen.contains("COST/H"), "{screen}");
    let status = screen
        .lines()
        .rev()
        .nth(1)
        .expect("a status bar")
        .to_owned();
    assert!(status.contains("USD/h"), "the total per hour: {status}");

    // The quota view: a family's use as a bar, with the computes using it.
    tmux.send(&[":"]);
    tmux.type_text("quota");
    tmux.send(&["Enter"]);
    let screen = tmux.wait_for("the quota view", |s| {
        s.contains("Quota ·") && s.contains("Regional total") && s.contains("used by")
    });
    println!("Quota view:\n{screen}");
    assert!(
        screen
            .lines()
            .any(|l| l.contains("dedicated") && l.contains(" / ") && l.contains('█')),
        "a family's use as a bar: {screen}"
    );
    assert!(screen.contains("Family"), "{screen}");

    tmux.send(&["Escape"]);
    tmux.wait_for("back on the clusters", |s| {
        row(s, "cpu-cluster").is_some() && !s.contains("Regional total")
    });
    tmux.send(&["q"]);
    tmux.wait_for("the shell after exit", |s| s.contains("EXIT=0"));
}
