//! End to end: the real `amlc` binary in a tmux pane, started in a code folder holding a script
//! that prints a marker, on the embedded emulator's demo workspace: the Jobs tab, `n`, the
//! form with the folder's snapshot summary, the command typed, the demo's cluster picked from
//! the compute list (local is offered too), a curated environment typed, the review with the
//! job body, Enter — and the new run's log view shows the marker the script printed on the
//! emulator (which materialised the uploaded snapshot and ran the command in it); the same
//! with `local`, the run on this computer. Its own tmux
//! socket, killed at the end even on failure; the emulator lives inside the binary and ends
//! with it; amlc's log is printed when a step fails.

mod tmux_common;

use tmux_common::{Tmux, binary, with_log_on_failure};

const MARKER: &str = "SUBMIT-E2E-MARKER-7f3a";

/// Sends each key on its own, so an Escape is never read as Alt+<next key>.
fn keys(tmux: &Tmux, keys: &[&str]) {
    for key in keys {
        tmux.send(&[key]);
        std::thread::sleep(std::time::Duration::from_millis(150));
    }
}

#[test]
fn submit_a_code_folder_from_the_form_and_see_its_output_in_the_log_view() {
    run(Target::Cluster);
}

#[test]
fn submit_a_code_folder_to_local_from_the_form_and_see_its_output_in_the_log_view() {
    run(Target::Local);
}

/// Where the test's run goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    /// The demo's `cpu-cluster`, on the emulator.
    Cluster,
    /// This computer.
    Local,
}

fn run(target: Target) {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config/amlc");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        "[refresh]\nvisible_secs = 2\nbusy_secs = 1\n",
    )
    .unwrap();
    let code = home.path().join("proj");
    std::fs::create_dir_all(&code).unwrap();
    // Built at run time, so the marker is only in the output, never in the command typed.
    std::fs::write(
        code.join("run.sh"),
        "part=SUBMIT-E2E\necho \"hello from the snapshot\"\necho \"$part-MARKER-7f3a\"\n",
    )
    .unwrap();
    std::fs::write(code.join(".amlignore"), "*.tmp\n").unwrap();
    std::fs::write(code.join("scratch.tmp"), "left out\n").unwrap();
    let tmux = Tmux::shell("submit", 130, 40, home.path(), "amlc.log");
    let log = home.path().join("amlc.log");
    let cleanup = Cleanup {
        home: Some(home),
        tmux: Some(tmux),
    };
    let tmux = cleanup.tmux.as_ref().unwrap();
    with_log_on_failure(&log, || drive(tmux, &code, target));
}

/// Ends what the test started, even on failure: the tmux server, then the temporary HOME
/// (removed again while the background emulator's last writes race the removal), then waits
/// for that emulator to stop by itself once its data directory is gone; one that does not is
/// ended by its process group, so no process outlives the test.
struct Cleanup {
    home: Option<tempfile::TempDir>,
    tmux: Option<Tmux>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        use std::time::{Duration, Instant};
        drop(self.tmux.take());
        let Some(home) = self.home.take() else {
            return;
        };
        let path = home.path().to_path_buf();
        let pid: Option<i32> = std::fs::read_to_string(path.join("data/amlc/emulator/pid"))
            .ok()
            .and_then(|p| p.trim().parse().ok());
        drop(home);
        let started = Instant::now();
        while path.exists() && started.elapsed() < Duration::from_secs(10) {
            let _ = std::fs::remove_dir_all(&path);
            std::thread::sleep(Duration::from_millis(100));
        }
        let Some(pid) = pid else { return };
        let started = Instant::now();
        while tmux_common::alive(pid) && started.elapsed() < Duration::from_secs(15) {
            std::thread::sleep(Duration::from_millis(50));
        }
        if tmux_common::alive(pid) {
            eprintln!("the background emulator {pid} outlived its data directory: ended");
            let _ = std::process::Command::new("kill")
                .args(["-TERM", "--", &format!("-{pid}")])
                .status();
        }
    }
}

fn drive(tmux: &Tmux, code: &std::path::Path, target: Target) {
    tmux.type_text(&format!(
        "cd '{}' && '{}'; echo EXIT=$?",
        code.display(),
        binary().display()
    ));
    tmux.send(&["Enter"]);
    tmux.wait_for("the lists", |s| s.contains("5 Jobs"));
    keys(tmux, &["5", "n"]);
    let screen = tmux.wait_for("the form with the folder's snapshot", |s| {
        s.contains("Submit a run") && s.contains("snapshot: 2 files")
    });
    assert!(screen.contains(".amlignore"), "{screen}");
    assert!(screen.contains("default: proj"), "the experiment: {screen}");

    // The command.
    keys(tmux, &["Tab"]);
    tmux.type_text("sh run.sh");
    // The demo's cluster or local, from the list (local is offered first).
    keys(tmux, &["Tab", "Enter"]);
    tmux.wait_for("the compute list", |s| {
        s.contains("Where it runs") && s.contains("this computer") && s.contains("cpu-cluster")
    });
    if target == Target::Local {
        tmux.type_text("local");
        keys(tmux, &["Enter"]);
        tmux.wait_for("local picked", |s| {
            !s.contains("Where it runs") && s.contains("one instance")
        });
    } else {
        tmux.type_text("cpu-clu");
        keys(tmux, &["Enter"]);
        tmux.wait_for("the cluster picked", |s| {
            !s.contains("Where it runs") && s.contains("cluster ·")
        });
    }
    // A curated environment, typed.
    keys(tmux, &["Tab", "Tab"]);
    tmux.type_text("AzureML-sklearn-1.5@latest");
    tmux.wait_for("the environment's kind explained", |s| {
        s.contains("curated: an environment Microsoft maintains")
    });

    // The review: the job body.
    keys(tmux, &["PageDown"]);
    let screen = tmux.wait_for("the review", |s| s.contains("The job body"));
    let place = match target {
        Target::Cluster => "cpu-cluster (cluster",
        Target::Local => "this computer (local)",
    };
    assert!(screen.contains(place), "{screen}");
    assert!(screen.contains("\"command\": \"sh run.sh\""), "{screen}");
    let job = screen
        .lines()
        .find_map(|l| {
            let (head, _) = l.split_once(" in experiment proj")?;
            head.split_whitespace().last().map(str::to_owned)
        })
        .unwrap_or_else(|| panic!("the job's name in the review: {screen}"));

    // Submit: the log view of the new run shows what the script printed.
    keys(tmux, &["Enter"]);
    let screen = tmux.wait_for("the marker in the log view", |s| {
        s.contains(MARKER) && !s.contains("Submit a run")
    });
    assert!(screen.contains("hello from the snapshot"), "{screen}");
    assert!(screen.contains("Logs"), "{screen}");

    // Back to the list: the new run is there, once.
    keys(tmux, &["Escape"]);
    let screen = tmux.wait_for("the jobs list", |s| {
        s.contains("5 Jobs") && !s.contains(MARKER)
    });
    // Table rows only (the toast names the job too).
    let rows = screen
        .lines()
        .filter(|l| l.starts_with('│') && l.contains(job.as_str()))
        .count();
    assert_eq!(rows, 1, "the new run's row, once: {screen}");
    keys(tmux, &["q"]);
    tmux.wait_for("the shell after exit", |s| s.contains("EXIT=0"));
}
