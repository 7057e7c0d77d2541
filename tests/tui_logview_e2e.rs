//! End to end: the real `amlc` binary in a tmux pane on the embedded emulator's demo workspace
//! opens the log view of the running demo job (`dreamy_snail_tm8r2p4k1q`, two ranks writing
//! lines) with `l`, sees lines of both ranks with their prefixes within seconds, finds a word
//! with `/`, saves the merged view with `s` (the file holds both ranks' lines, prefixed),
//! closes the view with Esc (back to the list, not quit) and quits with `q`. Its own tmux
//! socket, killed at the end even on failure; the save goes to a temporary directory.

mod tmux_common;

use tmux_common::{Tmux, binary};

const JOB: &str = "dreamy_snail_tm8r2p4k1q";

fn keys(tmux: &Tmux, keys: &[&str]) {
    for key in keys {
        tmux.send(&[key]);
        std::thread::sleep(std::time::Duration::from_millis(150));
    }
}

#[test]
fn l_on_the_running_job_follows_both_ranks_search_save_and_quit() {
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux::shell("logview", 140, 36, home.path(), "amlc.log");
    tmux.type_text(&format!(
        "cd '{}' && '{}'; echo EXIT=$?",
        home.path().display(),
        binary().display()
    ));
    tmux.send(&["Enter"]);
    tmux.wait_for("the lists", |s| s.contains("5 Jobs"));
    keys(&tmux, &["5", "/"]);
    tmux.type_text(&format!("'{JOB}"));
    tmux.send(&["Enter"]);
    tmux.wait_for("the demo job", |s| {
        s.lines().any(|l| l.contains(JOB) && l.contains("Running"))
    });
    keys(&tmux, &["l"]);
    let screen = tmux.wait_for("lines of both ranks", |s| {
        s.contains("Logs") && s.contains("[0] ") && s.contains("[1] ")
    });
    assert!(screen.contains("following"), "{screen}");

    // Search a word every rank writes.
    keys(&tmux, &["/"]);
    tmux.type_text("loss=");
    tmux.send(&["Enter"]);
    let screen = tmux.wait_for("the search count", |s| {
        s.contains("/loss= ") && s.contains(" of ")
    });
    assert!(screen.contains("paused"), "{screen}");

    // Save the merged view in the current directory (the default path).
    keys(&tmux, &["s"]);
    tmux.wait_for("the save prompt", |s| {
        s.contains(&format!("save to: {JOB}-all.log"))
    });
    tmux.send(&["Enter"]);
    tmux.wait_for("the save toast", |s| {
        s.contains("saved ") && s.contains(" lines")
    });
    let saved = std::fs::read_to_string(home.path().join(format!("{JOB}-all.log"))).unwrap();
    assert!(saved.lines().any(|l| l.starts_with("[0] ")), "{saved}");
    assert!(saved.lines().any(|l| l.starts_with("[1] ")), "{saved}");

    // Esc goes back to the list; q quits cleanly.
    keys(&tmux, &["Escape"]);
    tmux.wait_for("the jobs list", |s| {
        !s.contains("Logs ·") && s.contains(JOB)
    });
    keys(&tmux, &["q"]);
    tmux.wait_for("the shell after exit", |s| s.contains("EXIT=0"));
}
