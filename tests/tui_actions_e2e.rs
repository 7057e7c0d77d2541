//! End to end: the real `amlc` binary in a tmux pane on the embedded emulator's demo workspace
//! stops the running demo instance from the action menu (menu, confirmation, `y`), sees it
//! Stopping then Stopped, starts it again with its direct key and sees Starting then Running;
//! then quits. The refresh cadences are set short in the config file so the transitional
//! states (2.5 s in the emulator) are seen by a list refresh. Each run uses its own tmux
//! socket, killed at the end even on failure.

mod tmux_common;

use std::time::{Duration, Instant};
use tmux_common::{Tmux, binary};

/// The table row of `name`, if on screen.
fn row<'a>(screen: &'a str, name: &str) -> Option<&'a str> {
    screen
        .lines()
        .find(|l| l.split_whitespace().any(|w| w.trim_matches('│') == name))
}

fn row_has(screen: &str, name: &str, state: &str) -> bool {
    row(screen, name).is_some_and(|r| r.contains(state))
}

#[test]
fn stop_and_start_the_demo_instance_from_the_keyboard() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config/amlc");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        "[refresh]\nvisible_secs = 2\nbusy_secs = 1\n",
    )
    .unwrap();
    let tmux = Tmux::shell("actions", 130, 32, home.path(), "amlc.log");
    tmux.type_text(&format!("'{}'; echo EXIT=$?", binary().display()));
    tmux.send(&["Enter"]);
    tmux.wait_for("ci-alice running", |s| row_has(s, "ci-alice", "Running"));

    // Select ci-alice with the filter, open its action menu.
    tmux.send(&["/"]);
    tmux.type_text("'ci-alice");
    tmux.send(&["Enter"]);
    tmux.send(&["a"]);
    let screen = tmux.wait_for("the action menu", |s| s.contains("Actions on ci-alice"));
    assert!(
        screen.contains("instance is Running"),
        "start is disabled:\n{screen}"
    );
    // x = stop: asks first, saying what happens.
    tmux.send(&["x"]);
    let screen = tmux.wait_for("the confirmation", |s| {
        s.contains("Stop compute instance ci-alice?")
    });
    assert!(screen.contains("disk is kept"), "{screen}");
    tmux.send(&["y"]);
    tmux.wait_for("ci-alice stopping", |s| row_has(s, "ci-alice", "Stopping"));
    tmux.wait_for("ci-alice stopped", |s| row_has(s, "ci-alice", "Stopped"));

    // u = start, at once (not destructive). The row may read Stopped a moment before the stop
    // operation's last poll ends it; until then start is refused ("an operation is in
    // progress"), so press again until it is taken.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        tmux.send(&["u"]);
        let pressed = Instant::now();
        while pressed.elapsed() < Duration::from_millis(1500) {
            if row_has(&tmux.screen(), "ci-alice", "Starting") {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let screen = tmux.screen();
        if row_has(&screen, "ci-alice", "Starting") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "start never taken; the screen was:\n{screen}"
        );
    }
    tmux.wait_for("ci-alice running again", |s| {
        row_has(s, "ci-alice", "Running")
    });
    tmux.send(&["q"]);
    tmux.wait_for("the shell after exit", |s| s.contains("EXIT=0"));
}
