//! End to end: the real `amlc` binary in a tmux pane (embedded emulator's demo workspace,
//! private HOME and XDG dirs) shows this computer's local runs in the Jobs tab marked `local`,
//! `l` follows a local run's output as it is written until it completes, `s` saves it, and
//! quitting the TUI leaves another local run going (it ends on its own afterwards). Its own
//! tmux socket, killed at the end even on failure; the runs live under the test's temporary
//! HOME and are ended by the test.

mod tmux_common;

use amlc::submit::flow::Plan;
use amlc::submit::job_yaml;
use amlc::submit::local::{LocalRuns, LocalStatus};
use std::path::Path;
use std::time::{Duration, Instant};
use tmux_common::{Tmux, binary, with_log_on_failure};

fn keys(tmux: &Tmux, keys: &[&str]) {
    for key in keys {
        tmux.send(&[key]);
        std::thread::sleep(Duration::from_millis(150));
    }
}

fn plan(dir: &Path, name: &str, command: &str) -> Plan {
    let yaml = format!("command: {command}\ncompute: local\n");
    let spec = job_yaml::load("job.yml", &yaml, dir, &[]).unwrap();
    Plan {
        spec,
        job_name: name.into(),
        experiment_name: "tmux".into(),
        snapshot: None,
        git: Vec::new(),
        notes: Vec::new(),
    }
}

/// Cancels what is still running under the store at the end, even on failure.
struct EndAll(LocalRuns);

impl Drop for EndAll {
    fn drop(&mut self) {
        for run in self.0.list() {
            if run.status == LocalStatus::Running {
                let _ = self.0.cancel(&run.name);
            }
        }
    }
}

#[test]
fn local_runs_in_the_jobs_tab_follow_save_and_outlive_the_tui() {
    let home = tempfile::tempdir().unwrap();
    let runs = LocalRuns::open(home.path().join("data/amlc/local-runs"))
        .with_grace(Duration::from_secs(1));
    let _end = EndAll(runs.clone());
    let first = runs
        .start(&plan(
            home.path(),
            "local_tmux_1",
            "echo tmux-line-1; while [ ! -e go ]; do sleep 0.05; done; echo tmux-line-2",
        ))
        .unwrap();
    let second = runs
        .start(&plan(
            home.path(),
            "local_tmux_2",
            "while [ ! -e stop ]; do sleep 0.05; done",
        ))
        .unwrap();
    let tmux = Tmux::shell("localruns", 150, 36, home.path(), "amlc.log");
    let log = home.path().join("amlc.log");
    with_log_on_failure(&log, || {
        tmux.type_text(&format!(
            "cd '{}' && '{}'; echo EXIT=$?",
            home.path().display(),
            binary().display()
        ));
        tmux.send(&["Enter"]);
        tmux.wait_for("the lists", |s| s.contains("5 Jobs"));
        keys(&tmux, &["5"]);
        let screen = tmux.wait_for("the local runs among the demo jobs", |s| {
            s.contains("local_tmux_1") && s.contains("local_tmux_2")
        });
        for name in ["local_tmux_1", "local_tmux_2"] {
            let row = screen.lines().find(|l| l.contains(name)).unwrap();
            assert!(row.contains("Running") && row.contains(" local "), "{row}");
        }
        // The workspace's own jobs are listed too.
        assert!(screen.contains("dreamy_snail_tm8r2p4k1q"), "{screen}");

        keys(&tmux, &["/"]);
        tmux.type_text("'local_tmux_1");
        tmux.send(&["Enter"]);
        tmux.wait_for("the first run alone", |s| {
            s.contains("local_tmux_1") && !s.contains("local_tmux_2")
        });
        keys(&tmux, &["l"]);
        tmux.wait_for("its first line", |s| {
            s.contains("Logs") && s.contains("tmux-line-1")
        });
        std::fs::write(first.dir.join("code/go"), "").unwrap();
        tmux.wait_for("its last line", |s| s.contains("tmux-line-2"));
        keys(&tmux, &["s"]);
        tmux.wait_for("the save prompt", |s| s.contains("save to: local_tmux_1"));
        tmux.send(&["Enter"]);
        tmux.wait_for("the save toast", |s| {
            s.contains("saved ") && s.contains(" lines")
        });
        let saved = std::fs::read_dir(home.path())
            .unwrap()
            .flatten()
            .find(|e| e.file_name().to_string_lossy().starts_with("local_tmux_1"))
            .map(|e| std::fs::read_to_string(e.path()).unwrap())
            .expect("a saved log");
        assert!(
            saved.contains("tmux-line-1") && saved.contains("tmux-line-2"),
            "{saved}"
        );

        keys(&tmux, &["Escape"]);
        tmux.wait_for("the run completed in the list", |s| {
            s.lines()
                .any(|l| l.contains("local_tmux_1") && l.contains("Completed"))
        });
        // Past tmux's escape-time, so the Escape and the q are not read as Alt+q.
        std::thread::sleep(Duration::from_millis(600));
        keys(&tmux, &["q"]);
        tmux.wait_for("the shell after exit", |s| s.contains("EXIT=0"));
    });
    assert_eq!(
        runs.get("local_tmux_1").unwrap().status,
        LocalStatus::Completed
    );
    // Quitting the TUI did not end the other run; it ends on its own.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        runs.get("local_tmux_2").unwrap().status,
        LocalStatus::Running
    );
    std::fs::write(second.dir.join("code/stop"), "").unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while runs.get("local_tmux_2").unwrap().status == LocalStatus::Running {
        assert!(Instant::now() < deadline, "the second run never ended");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        runs.get("local_tmux_2").unwrap().status,
        LocalStatus::Completed
    );
}
