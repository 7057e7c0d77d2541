//! End to end: the real `amlc` binary in a tmux pane, with no workspace configured (a fresh
//! HOME and a cleared environment but `$TMUX`), so it runs on the embedded emulator's demo
//! workspace. The test switches tabs, filters, opens a detail and the JSON view, quits, and
//! checks the screen at each step and that the terminal was restored afterwards (the shell is
//! back on the normal screen, `stty -a` shows `icanon` and `echo`, the cursor is visible).
//! Another run checks that Esc never quits and that copying says where the text went (tmux's
//! buffer with `set-clipboard external`, OSC 52 passed through with `on`), another the restore
//! after SIGTERM, and another that a tmux that never answers cannot freeze the TUI while
//! copying. Each run uses its own tmux socket, killed at the end even on failure. tmux is
//! required: without it the test fails with a clear message.

mod tmux_common;

use std::process::Command;
use std::time::{Duration, Instant};
use tmux_common::{Tmux, binary};

/// After the TUI exited: the normal screen, a sane tty and a visible cursor.
fn assert_restored(tmux: &Tmux, expected_exit: &str) -> String {
    let screen = tmux.wait_for("the shell after exit", |s| {
        s.contains(&format!("EXIT={expected_exit}")) && s.contains("icanon")
    });
    assert_eq!(
        tmux.display("#{alternate_on}"),
        "0",
        "still on the alternate screen:\n{screen}"
    );
    assert_eq!(
        tmux.display("#{cursor_flag}"),
        "1",
        "cursor left hidden:\n{screen}"
    );
    assert!(
        !screen.contains("╭"),
        "TUI drawing left on the normal screen:\n{screen}"
    );
    let words: Vec<&str> = screen.split_whitespace().collect();
    for flag in ["icanon", "echo", "icrnl", "opost"] {
        assert!(
            words.contains(&flag),
            "`stty -a` shows the tty not restored ({flag} missing):\n{screen}"
        );
    }
    for raw in ["-icanon", "-echo"] {
        assert!(
            !words.contains(&raw),
            "`stty -a` shows raw mode left on ({raw}):\n{screen}"
        );
    }
    screen
}

fn launch(tmux: &Tmux) {
    tmux.type_text(&format!("'{}'; echo EXIT=$?; stty -a", binary().display()));
    tmux.send(&["Enter"]);
}

fn loaded(s: &str) -> bool {
    // Counts in the tab bar are numbers once the lists are in (`…` while loading).
    s.contains("1 Instances (") && !s.contains("Instances (…)") && !s.contains("Jobs (…)")
}

#[test]
fn tui_runs_on_the_embedded_emulator_and_restores_the_terminal() {
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux::shell("e2e", 130, 32, home.path(), "amlc.log");
    launch(&tmux);
    let screen = tmux.wait_for("the compute list", loaded);
    assert!(
        screen.contains("EMULATOR"),
        "the status bar says it is the emulator:\n{screen}"
    );
    assert!(screen.contains("ws demo-ws"), "{screen}");
    assert!(screen.contains("ci-alice"), "{screen}");

    // Tabs: 2 (Clusters), Tab (Kubernetes), 4 (Attached), 5 (Jobs).
    tmux.send(&["2"]);
    let screen = tmux.wait_for("the Clusters tab", |s| {
        s.contains("╭ Clusters") && s.contains("gpu-cluster")
    });
    assert!(screen.contains("NODE STATES"), "{screen}");
    tmux.send(&["Tab"]);
    tmux.wait_for("the Kubernetes tab", |s| {
        s.contains("╭ Kubernetes") && s.contains("AKS")
    });
    tmux.send(&["4"]);
    tmux.wait_for("the Attached tab", |s| {
        s.contains("╭ Attached") && s.contains("VirtualMachine")
    });
    tmux.send(&["5"]);
    tmux.wait_for("the Jobs tab with a running job", |s| {
        s.contains("╭ Jobs") && s.contains("Running")
    });

    // Filter the clusters, open the detail of the match, then its JSON.
    tmux.send(&["2", "/"]);
    tmux.type_text("gpu");
    let screen = tmux.wait_for("the filtered list", |s| {
        s.contains("/gpu") && s.contains("1 of")
    });
    assert!(!screen.contains("cpu-cluster"), "{screen}");
    tmux.send(&["Enter"]);
    tmux.send(&["Enter"]);
    let screen = tmux.wait_for("the cluster detail with its nodes", |s| {
        s.contains("Clusters · gpu-cluster") && s.contains("Scale")
    });
    assert!(screen.contains("Overview"), "{screen}");
    tmux.send(&["G"]);
    tmux.wait_for("the node list", |s| {
        s.contains("Nodes (") && s.contains("running")
    });
    tmux.send(&["y"]);
    let screen = tmux.wait_for("the JSON view", |s| s.contains("JSON (secrets masked)"));
    assert!(
        screen.contains("\"computeType\": \"AmlCompute\"")
            || screen.contains("\"name\": \"gpu-cluster\""),
        "{screen}"
    );

    // Back out: JSON → detail → list; Esc clears the filter; q quits.
    tmux.send(&["Escape"]);
    tmux.wait_for("the detail again", |s| s.contains("Clusters · gpu-cluster"));
    tmux.send(&["Escape"]);
    tmux.wait_for("the filtered list again", |s| s.contains("╭ Clusters 1 of"));
    tmux.send(&["Escape"]);
    tmux.wait_for("the whole list", |s| {
        s.contains("cpu-cluster") && s.contains("gpu-cluster")
    });
    tmux.send(&["q"]);
    assert_restored(&tmux, "0");
}

/// Esc goes back and never quits; `c` says where the text went: with tmux's default
/// `set-clipboard external` the OSC 52 would be dropped, so the text is in tmux's buffer and the
/// message says so; with `on`, OSC 52 passes (tmux keeps a buffer of it too).
#[test]
fn esc_never_quits_and_copy_says_where_the_text_went() {
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux::shell("e2e", 130, 32, home.path(), "amlc.log");
    let out = tmux.run(&["set", "-g", "set-clipboard", "external"]);
    assert!(out.status.success());
    launch(&tmux);
    tmux.wait_for("the compute list", loaded);

    // Esc on a bare list: nothing to close, and the app stays.
    for _ in 0..3 {
        tmux.send(&["Escape"]);
    }
    let screen = tmux.wait_for("the hint that q quits", |s| s.contains("q or :q quits"));
    assert!(!screen.contains("EXIT="), "Esc quit the app:\n{screen}");
    // Esc closes the copy menu, and still does not quit.
    tmux.send(&["c"]);
    tmux.wait_for("the copy menu", |s| s.contains("Copy from ci-a100-test"));
    tmux.send(&["Escape"]);
    tmux.wait_for("the menu closed", |s| !s.contains("Copy from"));
    tmux.send(&["Escape"]);
    std::thread::sleep(Duration::from_millis(300));
    let screen = tmux.screen();
    assert!(
        screen.contains("ci-alice") && !screen.contains("EXIT="),
        "{screen}"
    );

    // set-clipboard external: tmux drops OSC 52, so the name goes to tmux's buffer.
    tmux.send(&["c", "n"]);
    let screen = tmux.wait_for("the copy message", |s| s.contains("copied the name"));
    assert!(
        screen.contains("copied the name to the tmux buffer")
            && screen.contains("set-clipboard is external"),
        "{screen}"
    );
    let buffer = tmux.run(&["show-buffer"]);
    assert_eq!(String::from_utf8_lossy(&buffer.stdout), "ci-a100-test");

    // set-clipboard on: the OSC 52 goes through (tmux makes a buffer of it).
    let out = tmux.run(&["set", "-g", "set-clipboard", "on"]);
    assert!(out.status.success());
    tmux.send(&["c", "i"]);
    let screen = tmux.wait_for("the copy message", |s| s.contains("resource id via OSC 52"));
    assert!(screen.contains("set-clipboard is on"), "{screen}");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let buffer = tmux.run(&["show-buffer"]);
        let text = String::from_utf8_lossy(&buffer.stdout).into_owned();
        if text.ends_with("/computes/ci-a100-test") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "tmux never received the OSC 52 of the resource id; its buffer: {text:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // The live demo job's multi-line command keeps its lines (it used to read
    // `…|| echo 0)echo "Starting…` and end `fidone`).
    tmux.send(&["5", "/"]);
    tmux.type_text("dreamy");
    tmux.send(&["Enter", "Enter"]);
    tmux.wait_for("the job detail", |s| s.contains("Jobs · dreamy_snail"));
    let lines = |s: &str| -> Vec<String> {
        s.lines()
            .map(|l| l.trim_matches(|c| c == '│' || c == ' ').to_owned())
            .collect()
    };
    let mut screen = tmux.screen();
    for _ in 0..60 {
        if lines(&screen).iter().filter(|l| *l == "done").count() == 2 {
            break;
        }
        tmux.send(&["j"]);
        std::thread::sleep(Duration::from_millis(40));
        screen = tmux.screen();
    }
    let rows = lines(&screen);
    assert_eq!(
        rows.iter().filter(|l| *l == "done").count(),
        2,
        "both loops end on their own line:\n{screen}"
    );
    assert!(rows.iter().any(|l| l == "fi"), "{screen}");
    assert!(!screen.contains("fidone"), "{screen}");
    assert!(
        rows.iter().any(|l| l.ends_with("while true; do")),
        "{screen}"
    );

    tmux.send(&["q"]);
    assert_restored(&tmux, "0");
}

/// A tmux that never answers (a fake `tmux` first on amlc's PATH that sleeps 10 s) cannot
/// freeze the TUI: keys pressed right after a copy are applied at once, and the copy's toast
/// comes within its 3 s deadline saying what happened.
#[test]
fn a_hung_tmux_does_not_freeze_the_tui_while_copying() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().unwrap();
    let fake = tempfile::tempdir().unwrap();
    let script = fake.path().join("tmux");
    std::fs::write(&script, "#!/bin/sh\nexec sleep 10\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let tmux = Tmux::shell("e2e", 130, 32, home.path(), "amlc.log");
    tmux.type_text(&format!(
        "PATH='{}':\"$PATH\" '{}'; echo EXIT=$?; stty -a",
        fake.path().display(),
        binary().display()
    ));
    tmux.send(&["Enter"]);
    tmux.wait_for("the compute list", loaded);

    tmux.send(&["c"]);
    tmux.wait_for("the copy menu", |s| s.contains("Copy from ci-a100-test"));
    let copied = Instant::now();
    tmux.send(&["n", "5"]);
    let screen = tmux.wait_for("the Jobs tab", |s| s.contains("╭ Jobs"));
    let took = copied.elapsed();
    assert!(
        took < Duration::from_millis(1500),
        "the key after the copy took {took:?}: the loop waited for tmux\n{screen}"
    );
    let screen = tmux.wait_for("the copy message", |s| {
        s.contains("sent the name via OSC 52")
    });
    let took = copied.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "the copy answered after {took:?}"
    );
    assert!(
        screen.contains("sent the name via OSC 52, but tmux: could not read set-clipboard"),
        "{screen}"
    );
    tmux.send(&["q"]);
    assert_restored(&tmux, "0");
}

#[test]
fn sigterm_restores_the_terminal() {
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux::shell("e2e", 120, 30, home.path(), "amlc.log");
    launch(&tmux);
    tmux.wait_for("the compute list", loaded);
    let pid = tmux.child_pid();
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status()
        .expect("kill runs");
    assert!(status.success());
    assert_restored(&tmux, "143");
}
