//! End to end: the real `amlc` binary in a tmux pane on the embedded emulator's demo workspace
//! creates a compute cluster through the wizard — `n` on the Clusters tab, a bad name refused
//! with its rule, the name fixed, the size picker filtered and a size picked, every step to the
//! review (cost, quota and the ARM body), Enter — and sees the new row at once, then the
//! operation reach Succeeded in the operations view. Its own tmux socket, killed at the end
//! even on failure; the emulator lives inside the binary and ends with it.

mod tmux_common;

use tmux_common::{Tmux, binary, with_log_on_failure};

fn row<'a>(screen: &'a str, name: &str) -> Option<&'a str> {
    screen
        .lines()
        .find(|l| l.split_whitespace().any(|w| w.trim_matches('│') == name))
}

/// Sends each key on its own, so an Escape is never read as Alt+<next key>.
fn keys(tmux: &Tmux, keys: &[&str]) {
    for key in keys {
        tmux.send(&[key]);
        std::thread::sleep(std::time::Duration::from_millis(150));
    }
}

#[test]
fn create_a_cluster_through_the_wizard_on_the_emulator() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config/amlc");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        "[refresh]\nvisible_secs = 2\nbusy_secs = 1\n",
    )
    .unwrap();
    let tmux = Tmux::shell("wizard", 130, 40, home.path(), "amlc.log");
    let log = home.path().join("amlc.log");
    with_log_on_failure(&log, || drive(&tmux));
}

fn drive(tmux: &Tmux) {
    tmux.type_text(&format!("'{}'; echo EXIT=$?", binary().display()));
    tmux.send(&["Enter"]);
    tmux.wait_for("the compute list", |s| row(s, "ci-alice").is_some());

    keys(tmux, &["2"]);
    tmux.wait_for("the clusters", |s| row(s, "cpu-cluster").is_some());
    keys(tmux, &["n"]);
    tmux.wait_for("the cluster form with the region's sizes", |s| {
        s.contains("Create compute cluster") && s.contains("VM sizes of region")
    });

    // A bad name: its rule as typed, Enter refused.
    tmux.type_text("9lives");
    let screen = tmux.wait_for("the name's rule", |s| {
        s.contains("must start with a letter")
    });
    assert!(screen.contains("9lives"), "{screen}");
    keys(tmux, &["Enter"]);
    tmux.wait_for("Enter refused", |s| s.contains("Enter refused"));
    keys(tmux, &["BSpace"; 6]);
    tmux.type_text("wiz-cluster");

    // The size picker: filter, pick.
    keys(tmux, &["Tab", "Tab", "Tab"]);
    keys(tmux, &["Enter"]);
    tmux.wait_for("the size picker", |s| {
        s.contains("Price/hour") && s.contains("Quota left")
    });
    tmux.type_text("'DS2_v2");
    tmux.wait_for("the filtered sizes", |s| {
        s.contains("Standard_DS2_v2") && s.contains("1 of")
    });
    keys(tmux, &["Enter"]);
    tmux.wait_for("the size picked", |s| {
        s.contains("Standard_DS2_v2") && !s.contains("Price/hour")
    });

    // Every step to the review.
    keys(tmux, &["Enter", "Enter", "Enter", "Enter"]);
    let screen = tmux.wait_for("the review", |s| s.contains("Estimated cost"));
    assert!(
        screen.contains("Create compute cluster wiz-cluster"),
        "{screen}"
    );
    assert!(screen.contains("USD"), "a price: {screen}");
    assert!(
        screen.contains("\"vmSize\": \"Standard_DS2_v2\""),
        "{screen}"
    );
    assert!(screen.contains("Quota"), "{screen}");

    keys(tmux, &["Enter"]);
    tmux.wait_for("the new row, Creating at once", |s| {
        row(s, "wiz-cluster").is_some_and(|r| r.contains("Creating"))
            && !s.contains("Estimated cost")
    });
    keys(tmux, &["o"]);
    tmux.wait_for("the create operation Succeeded", |s| {
        s.lines()
            .any(|l| l.contains("wiz-cluster") && l.contains("create") && l.contains("Succeeded"))
    });
    keys(tmux, &["Escape"]);
    let screen = tmux.wait_for("the row settled", |s| {
        row(s, "wiz-cluster").is_some_and(|r| !r.contains("Creating"))
    });
    assert_eq!(
        screen
            .lines()
            .filter(|l| row(l, "wiz-cluster").is_some())
            .count(),
        1,
        "one row: {screen}"
    );
    keys(tmux, &["q"]);
    tmux.wait_for("the shell after exit", |s| s.contains("EXIT=0"));
}
