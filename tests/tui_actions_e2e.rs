//! End to end: the real `amlc` binary in a tmux pane on the embedded emulator's demo workspace
//! stops the running demo instance from the action menu (menu, confirmation, `y`), sees it
//! Stopping then Stopped, starts it again with its direct key and sees Starting then Running;
//! then quits. Another run resizes a cluster from its form and watches its node follow,
//! detaches an attached compute, deletes a managed one (typing its name), cancels the running
//! job, and reads the four operations in the operations view (`o`). The refresh cadences are set short in the config file so the transitional
//! states (2.5 s in the emulator) are seen by a list refresh. Each run uses its own tmux
//! socket, killed at the end even on failure.

mod tmux_common;

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

/// The binary in a tmux pane of its own (session `name`) on the embedded emulator's demo,
/// with short refresh cadences so transitional states are seen; the home dir lives as long as
/// the returned guard.
fn launch(name: &str) -> (tempfile::TempDir, Tmux) {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config/amlc");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        "[refresh]\nvisible_secs = 2\nbusy_secs = 1\n",
    )
    .unwrap();
    let tmux = Tmux::shell(name, 130, 32, home.path(), "amlc.log");
    tmux.type_text(&format!("'{}'; echo EXIT=$?", binary().display()));
    tmux.send(&["Enter"]);
    (home, tmux)
}

#[test]
fn stop_and_start_the_demo_instance_from_the_keyboard() {
    let (_home, tmux) = launch("actions");
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

    // u = start, at once (not destructive): a row that reads Stopped takes it even before the
    // stop operation's last poll.
    tmux.send(&["u"]);
    tmux.wait_for("ci-alice starting", |s| row_has(s, "ci-alice", "Starting"));
    tmux.wait_for("ci-alice running again", |s| {
        row_has(s, "ci-alice", "Running")
    });
    tmux.send(&["q"]);
    tmux.wait_for("the shell after exit", |s| s.contains("EXIT=0"));
}

/// Sends each key on its own, so an Escape is never read as Alt+<next key>.
fn keys(tmux: &Tmux, keys: &[&str]) {
    for key in keys {
        tmux.send(&[key]);
        std::thread::sleep(std::time::Duration::from_millis(150));
    }
}

/// Selects `name` on tab `tab` with an exact filter.
fn select(tmux: &Tmux, tab: &str, name: &str) {
    keys(tmux, &["Escape", "Escape", tab, "/"]);
    tmux.type_text(&format!("'{name}"));
    tmux.send(&["Enter"]);
    tmux.wait_for(name, |s| row(s, name).is_some());
}

#[test]
fn resize_detach_delete_and_cancel_from_the_keyboard() {
    let (_home, tmux) = launch("actions2");
    tmux.wait_for("the compute list", |s| row_has(s, "ci-alice", "Running"));

    // Resize cpu-cluster to at least one node: the form is prefilled, the node follows.
    select(&tmux, "2", "cpu-cluster");
    tmux.wait_for("cpu-cluster with no node", |s| {
        row_has(s, "cpu-cluster", "0/0 (0-4)")
    });
    keys(&tmux, &["z"]);
    let screen = tmux.wait_for("the resize form", |s| {
        s.contains("Resize cluster cpu-cluster")
    });
    assert!(screen.contains("now 0–4 nodes"), "{screen}");
    keys(&tmux, &["BSpace", "1", "Enter"]);
    tmux.wait_for("cpu-cluster with one node of 1-4", |s| {
        row_has(s, "cpu-cluster", "1/1 (1-4)")
    });

    // Detach an attached compute: a plain confirmation, and the row leaves.
    select(&tmux, "4", "hdi-spark");
    keys(&tmux, &["D"]);
    let screen = tmux.wait_for("the detach confirmation", |s| {
        s.contains("Detach HDInsight hdi-spark?")
    });
    assert!(
        screen.contains("the resource itself is left as is"),
        "{screen}"
    );
    keys(&tmux, &["y"]);
    tmux.wait_for("hdi-spark gone", |s| {
        s.contains("detach hdi-spark: done") && row(s, "hdi-spark").is_none()
    });

    // Delete a managed compute: Enter is refused until its name is typed.
    select(&tmux, "3", "aks-inference");
    keys(&tmux, &["D"]);
    tmux.wait_for("the typed-name confirmation", |s| {
        s.contains("Type aks-inference to delete it")
    });
    tmux.type_text("aks-inf");
    keys(&tmux, &["Enter"]);
    let screen = tmux.wait_for("still asking", |s| s.contains("does not match yet"));
    assert!(screen.contains("> aks-inf"), "{screen}");
    tmux.type_text("erence");
    keys(&tmux, &["Enter"]);
    tmux.wait_for("aks-inference gone", |s| {
        s.contains("delete aks-inference: done") && row(s, "aks-inference").is_none()
    });

    // Cancel the running job.
    select(&tmux, "5", "dreamy_snail_tm8r2p4k1q");
    tmux.wait_for("the running job", |s| {
        row_has(s, "dreamy_snail_tm8r2p4k1q", "Running")
    });
    keys(&tmux, &["x"]);
    tmux.wait_for("the cancel confirmation", |s| {
        s.contains("Cancel job dreamy_snail_tm8r2p4k1q?")
    });
    keys(&tmux, &["y"]);
    tmux.wait_for("the job canceled", |s| {
        row_has(s, "dreamy_snail_tm8r2p4k1q", "Canceled")
    });

    // The operations view lists all four, each ending Succeeded (the job's row may read
    // Canceled a moment before its operation's last poll).
    keys(&tmux, &["o"]);
    let done = [
        ("cpu-cluster", "resize"),
        ("hdi-spark", "detach"),
        ("aks-inference", "delete"),
        ("dreamy_snail_tm8r2p4k1q", "cancel"),
    ];
    tmux.wait_for("the four operations done", |screen| {
        done.iter().all(|(target, action)| {
            screen
                .lines()
                .any(|l| l.contains(target) && l.contains(action) && l.contains("Succeeded"))
        })
    });
    keys(&tmux, &["Escape", "q"]);
    tmux.wait_for("the shell after exit", |s| s.contains("EXIT=0"));
}
